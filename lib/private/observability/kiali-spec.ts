/**
 * The slice of the Kiali operator's `kiali.io/v1alpha1` Kiali CR we emit (Kiali 2.x field
 * names, snake_case as the operator expects), typed by hand: no CRD of it is vendored.
 */
import { GroupVersionKind } from 'cdk8s';

export const KIALI_GVK: GroupVersionKind = { apiVersion: 'kiali.io/v1alpha1', kind: 'Kiali' };

export interface KialiTracingSpec {
  readonly enabled: boolean;
  readonly provider?: string;
  readonly internal_url?: string;
  readonly external_url?: string;
  readonly use_grpc?: boolean;
}

export interface KialiSpec {
  readonly istio_namespace: string;
  readonly external_services: {
    readonly prometheus: { readonly url: string };
    readonly tracing: KialiTracingSpec;
  };
  readonly deployment: {
    readonly cluster_wide_access: boolean;
    readonly discovery_selectors?: { readonly default: Array<{ readonly matchLabels: { [key: string]: string } }> };
  };
}

const URL_PATTERN = /^https?:\/\/[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?(:(\d{1,5}))?(\/[^\s]*)?$/;

/** Why `url` is not an http(s) URL with a host (and a port in range), or undefined when it is. */
export function urlProblem(url: string): string | undefined {
  const m = URL_PATTERN.exec(url);
  if (!m) return 'must be an http:// or https:// URL with a host, such as "http://prometheus.monitoring.svc:9090"';
  if (m[3] !== undefined && (Number(m[3]) < 1 || Number(m[3]) > 65535)) return `has port ${m[3]}, outside 1-65535`;
  return undefined;
}
