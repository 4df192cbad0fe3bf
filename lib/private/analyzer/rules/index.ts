import { RuleDefinition } from '../catalog';
import { ambientSelectorPolicies, ambientSidecars, ztunnelPolicies } from './ambient-policies';
import { caCertificates, destinationRuleTargets } from './destination-rule';
import { conflictingGateways, duplicateCertificates, gatewayPorts } from './gateway';
import { gatewayReferences } from './gateway-api-gateways';
import { routeBackends, routeParents } from './gateway-api-routes';
import { gatewayApiCrdVersions, ineffectiveSelectors, negativeConditions, policyTargets } from './k8s-gateway';
import { serviceEntryAddresses, telemetryProviders } from './mesh-config';
import { injectionLabels } from './namespace';
import { policyTargetKinds } from './policy-target-kinds';
import { schemaValidation } from './schema';
import { multipleServices, portNames } from './service';
import { conflictingMeshHosts, unreachableRules, virtualServiceReferences } from './virtual-service';
import { waypointReferences } from './waypoints';
import { applicationUid, authorizationPolicies } from './workload';

/** Every synth-time rule, in reporting order. */
export const RULES: RuleDefinition[] = [
  schemaValidation,
  virtualServiceReferences,
  conflictingMeshHosts,
  unreachableRules,
  caCertificates,
  destinationRuleTargets,
  gatewayPorts,
  conflictingGateways,
  duplicateCertificates,
  portNames,
  multipleServices,
  applicationUid,
  authorizationPolicies,
  serviceEntryAddresses,
  telemetryProviders,
  routeParents,
  routeBackends,
  gatewayReferences,
  ineffectiveSelectors,
  policyTargets,
  gatewayApiCrdVersions,
  negativeConditions,
  policyTargetKinds,
  injectionLabels,
  ambientSidecars,
  ztunnelPolicies,
  ambientSelectorPolicies,
  waypointReferences,
];
