import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { appIndex } from '../app-scan';

type Labels = { [key: string]: string };

/** A selector-based ALLOW AuthorizationPolicy of the app (a deny-all has no rules). */
export interface AllowPolicy {
  readonly name: string;
  readonly namespace: string;
  readonly selector: Labels;
  readonly rules: any[];
  /** The rules as canonical text, to compare two policies' callers. */
  readonly rulesKey: string;
}

/**
 * The app's ALLOW AuthorizationPolicies by namespace (selector policies only: `targetRef` ones
 * apply to waypoints and gateways), rendered once per synthesis and shared by the checks that ask
 * whether a route's callers are admitted where it sends them.
 */
export function allowPoliciesIn(scope: IConstruct, namespace: string): AllowPolicy[] {
  return appIndex(scope, 'allow-policies', (all) => {
    const byNamespace = new Map<string, AllowPolicy[]>();
    for (const c of all) {
      if (!ApiObject.isApiObject(c) || c.kind !== 'AuthorizationPolicy' || c.apiGroup !== 'security.istio.io') continue;
      const ns = c.metadata.namespace;
      if (ns === undefined) continue;
      const spec = c.toJson().spec ?? {};
      if ((spec.action ?? 'ALLOW') !== 'ALLOW' || spec.targetRef || spec.targetRefs) continue;
      const rules = spec.rules ?? [];
      const policy: AllowPolicy = { name: c.name, namespace: ns, selector: spec.selector?.matchLabels ?? {}, rules, rulesKey: JSON.stringify(rules) };
      byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), policy]);
    }
    return byNamespace;
  }).get(namespace) ?? [];
}
