export * from './connection-matrix';
export * from './external-host';
export * from './mesh-config';
export * from './mesh-installation';
export * from './mesh-peer';
export * from './mesh-profile';
export * from './mtls';
export * from './policy-enforcement';
export * from './shared-interfaces';
export * from './workload-selector';
export * from './zero-trust-namespace';

// Escape hatch: the generated Istio L1 classes, one namespace per API group.
export * as networking from './imports/networking.istio.io';
export * as security from './imports/security.istio.io';
export * as telemetry from './imports/telemetry.istio.io';
export * as extensions from './imports/extensions.istio.io';
export * from './kiali';
export * from './mesh-telemetry';
export * from './prometheus-scraping';
export * from './telemetry-options';
