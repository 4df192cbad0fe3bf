import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { markLibraryConstruct } from './private/analyzer/ownership';
import { allConstructs, oncePerSynth } from './private/app-scan';
import { GATEWAY_API_PLUGIN } from './private/canary/argo';
import { describeValue, MeshValidationError } from './private/errors';
import { recommendedLabels } from './private/recommended-labels';
import { validateDnsLabel } from './private/validate';

/**
 * Props of `ArgoRolloutsGatewayApiPlugin`.
 */
export interface ArgoRolloutsGatewayApiPluginProps {
  /**
   * Namespace Argo Rollouts is installed in: where its controller reads `argo-rollouts-config`.
   * @default 'argo-rollouts'
   */
  readonly namespace?: string;
  /**
   * ServiceAccount of the Argo Rollouts controller, in `namespace`. The plugin runs inside the
   * controller's pod with its credentials; each `CanaryRelease` on the Gateway API grants this
   * account access to its own HTTPRoute.
   * @default 'argo-rollouts'
   */
  readonly serviceAccountName?: string;
  /**
   * Where the controller downloads the plugin binary from (`https://` or, for a binary copied into
   * the pod by an init container, `file://`). Pick the architecture of your nodes. Releases of the
   * plugin before v0.13 keep their header-route state in a ConfigMap of the route's namespace,
   * which the Role each release grants does not cover: use v0.13 or later.
   * @default ArgoRolloutsGatewayApiPlugin.DEFAULT_LOCATION (release v0.17.0, linux-amd64)
   * @see https://rollouts-plugin-trafficrouter-gatewayapi.readthedocs.io/en/latest/installation/
   */
  readonly location?: string;
  /**
   * SHA-256 of the binary (64 hex digits), which the controller checks after downloading it.
   * @default - not checked
   */
  readonly sha256?: string;
}

/**
 * Registers Argo Rollouts' traffic-router plugin for the Kubernetes Gateway API
 * (`argoproj-labs/gatewayAPI`) with the Argo Rollouts controller: the `trafficRouterPlugins` entry
 * of its `argo-rollouts-config` ConfigMap, with a pinned release of the plugin binary. The
 * controller loads plugins when it starts: restart it after the first apply.
 *
 * Needed by `CanaryRelease` with `ReleaseStrategy.steps()` or `blueGreen()` and
 * `api: RoutingApi.GATEWAY_API`; each such release grants the controller's ServiceAccount `get`,
 * `update` and `patch` on its own HTTPRoute only (a Role in its namespace). Argo Rollouts'
 * installation creates `argo-rollouts-config` empty; if a Helm chart already sets
 * `controller.trafficRouterPlugins`, do not add this construct (the two would own the same key).
 *
 * @see https://argoproj.github.io/argo-rollouts/features/traffic-management/plugins/
 * @see https://github.com/argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi
 */
export class ArgoRolloutsGatewayApiPlugin extends Construct {
  /** The plugin's name in `trafficRouterPlugins` and in a Rollout's `trafficRouting.plugins`. */
  public static readonly PLUGIN_NAME = GATEWAY_API_PLUGIN;

  /** Release v0.17.0 of the plugin for linux/amd64. */
  public static readonly DEFAULT_LOCATION =
    'https://github.com/argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi/releases/download/v0.17.0/gatewayapi-plugin-linux-amd64';

  /**
   * The controller's ServiceAccount releases on the Gateway API grant access to: the app's
   * `ArgoRolloutsGatewayApiPlugin`, else Argo Rollouts' default (`argo-rollouts/argo-rollouts`).
   * @internal
   */
  public static _controllerOf(scope: IConstruct): { namespace: string; serviceAccountName: string } {
    const plugin = allConstructs(scope).find((c): c is ArgoRolloutsGatewayApiPlugin => c instanceof ArgoRolloutsGatewayApiPlugin);
    return plugin ? { namespace: plugin.namespace, serviceAccountName: plugin.serviceAccountName } : { namespace: 'argo-rollouts', serviceAccountName: 'argo-rollouts' };
  }

  /** Namespace of the Argo Rollouts controller. */
  public readonly namespace: string;
  /** ServiceAccount of the Argo Rollouts controller. */
  public readonly serviceAccountName: string;
  /** Where the plugin binary is downloaded from. */
  public readonly location: string;

  constructor(scope: Construct, id: string, props: ArgoRolloutsGatewayApiPluginProps = {}) {
    super(scope, id);
    markLibraryConstruct(this);
    this.namespace = props.namespace ?? 'argo-rollouts';
    this.serviceAccountName = props.serviceAccountName ?? 'argo-rollouts';
    this.location = props.location ?? ArgoRolloutsGatewayApiPlugin.DEFAULT_LOCATION;
    validateDnsLabel(this, 'namespace', this.namespace);
    validateDnsLabel(this, 'serviceAccountName', this.serviceAccountName, 253);
    if (typeof this.location !== 'string' || !/^(https:\/\/[^\s/]+\/\S+|file:\/\/\/\S+)$/.test(this.location)) {
      throw new MeshValidationError(this, `'location' must be an https:// or file:/// URL of the plugin binary, got ${describeValue(this.location, 'string')}; ` +
        `e.g. "${ArgoRolloutsGatewayApiPlugin.DEFAULT_LOCATION}"`);
    }
    if (props.sha256 !== undefined && (typeof props.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(props.sha256))) {
      throw new MeshValidationError(this, `'sha256' must be the 64 lowercase hex digits of the binary's SHA-256, got ${describeValue(props.sha256, 'string')}; ` +
        'e.g. the output of `sha256sum gatewayapi-plugin-linux-amd64`');
    }
    const entry = [`- name: ${JSON.stringify(GATEWAY_API_PLUGIN)}`, `  location: ${JSON.stringify(this.location)}`];
    if (props.sha256) entry.push(`  sha256: ${JSON.stringify(props.sha256)}`);
    new ApiObject(this, 'Resource', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      // The name and namespace the controller reads; any other name is ignored.
      metadata: {
        name: 'argo-rollouts-config',
        namespace: this.namespace,
        labels: recommendedLabels(this, { name: 'argo-rollouts', component: 'traffic-router-plugin', partOf: 'argo-rollouts' }),
      },
      data: { trafficRouterPlugins: entry.join('\n') },
    });
    this.node.addValidation({
      validate: oncePerSynth(this, () => {
        const all = allConstructs(this).filter((c) => c instanceof ArgoRolloutsGatewayApiPlugin);
        return all.length > 1 && all[0] === this
          ? [`the app registers the Gateway API plugin of Argo Rollouts ${all.length} times (${all.map((c) => c.node.path).join(', ')}); ` +
            'the controller has one argo-rollouts-config: keep one ArgoRolloutsGatewayApiPlugin']
          : [];
      }),
    });
  }
}
