/**
 * The slice of the Prometheus Operator's `monitoring.coreos.com/v1` API we emit, typed by hand
 * (no CRD of it is vendored, so there is no generated L1). Field names are the operator's.
 */
import { GroupVersionKind } from 'cdk8s';

export const POD_MONITOR_GVK: GroupVersionKind = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor' };
export const SERVICE_MONITOR_GVK: GroupVersionKind = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor' };

/** A Prometheus relabel rule (`relabel_config`). */
export interface RelabelConfig {
  readonly sourceLabels?: string[];
  readonly separator?: string;
  readonly targetLabel?: string;
  readonly regex?: string;
  readonly replacement?: string;
  readonly action?: 'replace' | 'keep' | 'drop' | 'labelmap' | 'labeldrop' | 'labelkeep';
}

/** Namespaces a monitor discovers targets in: all, or a list. */
export interface NamespaceSelector {
  readonly any?: boolean;
  readonly matchNames?: string[];
}

export interface LabelSelector {
  readonly matchLabels?: { [key: string]: string };
}

/** `PodMonitor.spec.podMetricsEndpoints[]`. */
export interface PodMetricsEndpoint {
  /** Name of the container port the target is discovered by. */
  readonly port?: string;
  readonly path?: string;
  readonly scheme?: 'http' | 'https';
  readonly interval?: string;
  readonly relabelings?: RelabelConfig[];
}

export interface PodMonitorSpec {
  readonly selector: LabelSelector;
  readonly namespaceSelector?: NamespaceSelector;
  readonly podMetricsEndpoints: PodMetricsEndpoint[];
  readonly jobLabel?: string;
}

/** `ServiceMonitor.spec.endpoints[]`. */
export interface ServiceMonitorEndpoint {
  /** Name of the Service port. */
  readonly port: string;
  readonly path?: string;
  readonly interval?: string;
}

export interface ServiceMonitorSpec {
  readonly selector: LabelSelector;
  readonly namespaceSelector?: NamespaceSelector;
  readonly endpoints: ServiceMonitorEndpoint[];
  readonly jobLabel?: string;
}

/** Prometheus' duration syntax (`30s`, `1m30s`, `1h`), as the operator's CRD validates it. */
export const PROMETHEUS_DURATION = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;
