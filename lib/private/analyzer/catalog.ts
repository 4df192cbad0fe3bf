import { ServiceRegistry } from './hosts';
import { Manifest, ManifestObject } from './model';

/** Severity as in Istio's analyzer message catalogue (pkg/config/analysis/msg/messages.yaml). */
export type Level = 'Error' | 'Warning' | 'Info';

/** A finding before suppression: the code, the object it is about, what is wrong and the fix. */
export interface RawFinding {
  readonly code: string;
  readonly object: ManifestObject;
  readonly message: string;
  readonly fix: string;
}

export type Report = (finding: RawFinding) => void;

/** What every rule receives: the app's objects and the hosts they declare. */
export interface RuleInput {
  readonly manifest: Manifest;
  readonly registry: ServiceRegistry;
}

/** A synth-time rule: one or more IST codes checked by one function. */
export interface RuleDefinition {
  readonly codes: string[];
  readonly run: (input: RuleInput, report: Report) => void;
}

/**
 * The messages the analyzer emits: name and level per code. `IST` codes are Istio 1.30.3's own
 * (pkg/config/analysis/msg/messages.yaml), with the same trigger conditions. `GWA` codes are this
 * library's Gateway API reference checks: Istio has no analyzer for them, istiod reports them only as
 * route or gateway status conditions once the objects are applied (or, for most, not at all).
 * `AMB` codes are this library's ambient checks: what ztunnel does with HTTP attributes it cannot
 * see, and the waypoint an `istio.io/use-waypoint` label binds; Istio has no analyzer for them,
 * istiod reports them only as status (ZtunnelAccepted, WaypointBound) once applied.
 */
export const MESSAGES: Record<string, { readonly name: string; readonly level: Level }> = {
  IST0101: { name: 'ReferencedResourceNotFound', level: 'Error' },
  IST0106: { name: 'SchemaValidationError', level: 'Error' },
  IST0109: { name: 'ConflictingMeshGatewayVirtualServiceHosts', level: 'Error' },
  IST0112: { name: 'VirtualServiceDestinationPortSelectorRequired', level: 'Error' },
  IST0116: { name: 'DeploymentAssociatedToMultipleServices', level: 'Warning' },
  IST0118: { name: 'PortNameIsNotUnderNamingConvention', level: 'Info' },
  IST0123: { name: 'NamespaceMultipleInjectionLabels', level: 'Warning' },
  IST0127: { name: 'NoMatchingWorkloadsFound', level: 'Warning' },
  IST0128: { name: 'NoServerCertificateVerificationDestinationLevel', level: 'Warning' },
  IST0129: { name: 'NoServerCertificateVerificationPortLevel', level: 'Warning' },
  IST0130: { name: 'VirtualServiceUnreachableRule', level: 'Warning' },
  IST0131: { name: 'VirtualServiceIneffectiveMatch', level: 'Info' },
  IST0132: { name: 'VirtualServiceHostNotFoundInGateway', level: 'Warning' },
  IST0134: { name: 'ServiceEntryAddressesRequired', level: 'Warning' },
  IST0137: { name: 'DeploymentConflictingPorts', level: 'Warning' },
  IST0138: { name: 'GatewayDuplicateCertificate', level: 'Warning' },
  IST0144: { name: 'InvalidApplicationUID', level: 'Warning' },
  IST0145: { name: 'ConflictingGateways', level: 'Error' },
  IST0150: { name: 'ExternalNameServiceTypeInvalidPortName', level: 'Warning' },
  IST0157: { name: 'InvalidTelemetryProvider', level: 'Warning' },
  IST0162: { name: 'GatewayPortNotDefinedOnService', level: 'Warning' },
  IST0165: { name: 'ReferencedInternalGateway', level: 'Warning' },
  IST0166: { name: 'IneffectiveSelector', level: 'Warning' },
  IST0167: { name: 'IneffectivePolicy', level: 'Warning' },
  IST0171: { name: 'NegativeConditionStatus', level: 'Warning' },
  IST0173: { name: 'DestinationRuleSubsetNotSelectPods', level: 'Error' },
  IST0174: { name: 'UnknownDestinationRuleHost', level: 'Warning' },
  IST0176: { name: 'GatewayAPICRDVersionBelowMinimum', level: 'Warning' },
  GWA0001: { name: 'RouteParentNotFound', level: 'Error' },
  GWA0002: { name: 'RouteMeshParentGroupMissing', level: 'Error' },
  GWA0003: { name: 'RouteNoMatchingListenerHostname', level: 'Error' },
  GWA0004: { name: 'RouteNotAllowedByListeners', level: 'Error' },
  GWA0005: { name: 'RouteBackendNotFound', level: 'Error' },
  GWA0006: { name: 'RouteBackendInvalid', level: 'Error' },
  GWA0007: { name: 'ReferenceNotPermitted', level: 'Error' },
  GWA0008: { name: 'UnknownGatewayClass', level: 'Warning' },
  GWA0009: { name: 'PolicyTargetNotFound', level: 'Error' },
  AMB0001: { name: 'ZtunnelRuleNeverDenies', level: 'Error' },
  AMB0002: { name: 'ZtunnelIgnoresHttpAttributes', level: 'Warning' },
  AMB0003: { name: 'WaypointNotFound', level: 'Error' },
  AMB0004: { name: 'WaypointAttachmentDenied', level: 'Error' },
  AMB0005: { name: 'WaypointTrafficTypeUnsupported', level: 'Error' },
  AMB0006: { name: 'SelectorPolicyOnAmbientWorkloads', level: 'Warning' },
};
