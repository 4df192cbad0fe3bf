/** Well-known Istio label and annotation keys used across constructs. */
export const LABEL_REV = 'istio.io/rev';
export const LABEL_INJECTION = 'istio-injection';
export const LABEL_INJECT = 'sidecar.istio.io/inject';
export const LABEL_DATAPLANE_MODE = 'istio.io/dataplane-mode';
export const LABEL_NETWORK = 'topology.istio.io/network';
export const LABEL_COMPONENT = 'operator.istio.io/component';
export const ANNOTATION_TEMPLATES = 'inject.istio.io/templates';

/** The label value istiod uses for the unrevisioned ("default") control plane. */
export const DEFAULT_REVISION = 'default';
