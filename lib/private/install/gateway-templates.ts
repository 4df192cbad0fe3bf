/**
 * The templates istiod's Gateway API deployment controller renders (ConfigMap
 * `istio-sidecar-injector`, key `config`, map `templates`): `kube-gateway` for a `Gateway` of class
 * `istio`, `waypoint` for class `istio-waypoint` (and the ambient east-west class), `agentgateway` for
 * class `agentgateway` when istiod runs with agentgateway enabled. Without them such a Gateway never
 * gets a proxy (istio-reference.md §4.1, gateway-api-ambient.md).
 *
 * Unlike the pod templates (injection-templates.ts), each renders whole objects, separated by `---`:
 * ServiceAccount, Deployment, Service, HorizontalPodAutoscaler and PodDisruptionBudget, in the
 * Gateway's namespace and owned by it. istiod server-side applies them, after merging the overlays of
 * a `gateway.istio.io/defaults-for-class` ConfigMap and of the Gateway's `infrastructure.parametersRef`;
 * the HPA and the PDB are dropped unless such an overlay sets them.
 *
 * Data they read (istiod's deployment controller, Istio 1.30): the Gateway itself (`.Name`,
 * `.Namespace`, `.UID`, `.Spec.Addresses`, `.ObjectMeta` annotations `sidecar.istio.io/proxyImage`,
 * `sidecar.istio.io/logLevel`, `sidecar.istio.io/componentLogLevel`, `sidecar.istio.io/agentLogLevel`,
 * `gateway.istio.io/agentgatewayImage`), `.GatewayClass`, `.DeploymentName`, `.ServiceAccount`,
 * `.Ports` (status-port 15021 plus one per listener port), `.ServiceType`, `.ClusterID`, `.KubeVersion`,
 * `.Revision`, `.ProxyUID`/`.ProxyGID`, `.InfrastructureLabels`/`.InfrastructureAnnotations`,
 * `.GatewayNameLabel`, `.ControllerLabel`, `.IsEastWestGateway`, `.ProxyImage`, `.AgentgatewayImage`,
 * `.ProxyConfig`, `.MeshConfig`, and from `.Values`: `global.{hub, tag, proxy.{image, clusterDomain,
 * logLevel, componentLogLevel, resources, lifecycle, outlierLogPath}, logging.level, logAsJson,
 * imagePullPolicy, imagePullSecrets, caAddress, istioNamespace, pilotCertProvider, meshID, network,
 * multiCluster.clusterName, sds.token.aud, sts.servicePort, waypoint.{resources, affinity, nodeSelector,
 * tolerations, topologySpreadConstraints}, agentgateway.image}`, `gateways.{securityContext,
 * seccompProfile}`, `revision`.
 *
 * Written by this project from that contract. Differences from Istio's chart templates, on purpose
 * (`npm run conformance -- gateway-render` renders Gateways through istiod's own deployment controller
 * with both and allows only these, see LISTED_DIFFERENCES in conformance/gateway-render.ts):
 * - Pod Security "restricted": every pod gets seccompProfile RuntimeDefault at pod level, unless
 *   `gateways.seccompProfile` or `gateways.securityContext` says otherwise;
 * - the CA bundle is the ConfigMap istio-ca-root-cert and the optional istio-ca-crl ConfigMap is
 *   mounted at /var/run/secrets/istio/crl, as in our sidecar and gateway templates (no GKE workload
 *   certificates, no ClusterTrustBundle);
 * - waypoint: runAsUser/runAsGroup are `.ProxyUID`/`.ProxyGID` (1337, or the OpenShift namespace
 *   range) instead of a fixed 1337 that Istio leaves out on OpenShift; no unused go-proxy-envoy and
 *   go-proxy-data volumes;
 * - PROXY_CONFIG has no trailing newline.
 */

/** The Gateway annotations that steer the controller and are not copied to the objects. */
const VARS = `{{- $annotations := omit .InfrastructureAnnotations "kubectl.kubernetes.io/last-applied-configuration" "gateway.istio.io/name-override" "gateway.istio.io/service-account" "gateway.istio.io/controller-version" }}
{{- $labels := mergeMaps .InfrastructureLabels (strdict "gateway.networking.k8s.io/gateway-name" .Name "gateway.networking.k8s.io/gateway-class-name" .GatewayClass) }}
{{- $proxy := .Values.global.proxy }}
{{- $caAddr := .Values.global.caAddress }}
{{- if not $caAddr }}{{ $caAddr = printf "istiod%s.%s.svc:15012" (ternary "" (printf "-%s" .Values.revision) (eq .Values.revision "")) .Values.global.istioNamespace }}{{ end }}
{{- $network := index .InfrastructureLabels "topology.istio.io/network" | default .Values.global.network }}
{{- $trustDomain := .MeshConfig.TrustDomain | default (dig "trustDomain" "" .Values.global) }}
{{- $image := annotation .ObjectMeta "sidecar.istio.io/proxyImage" $proxy.image }}
{{- if not (contains "/" $image) }}{{ $image = .ProxyImage }}{{ end }}
`;

/** Metadata of every object but the Deployment's pods: name, namespace, Gateway labels and annotations, owner. */
function objectMeta(name: string, extraLabels = '', ownerWhen = ''): string {
  const owner = `  ownerReferences:
  - apiVersion: gateway.networking.k8s.io/v1
    kind: Gateway
    name: {{ .Name | quote }}
    uid: {{ .UID | quote }}
`;
  return `metadata:
  name: {{ ${name} | quote }}
  namespace: {{ .Namespace | quote }}
  labels: {{ toJsonMap $labels ${extraLabels} }}
  annotations: {{ toJsonMap $annotations }}
${ownerWhen ? `  {{- if ${ownerWhen} }}\n${owner}  {{- end }}\n` : owner}`;
}

/** The ServiceAccount; its owner reference is set only from Kubernetes 1.28 on, as Istio does. */
const SERVICE_ACCOUNT = `apiVersion: v1
kind: ServiceAccount
${objectMeta('.ServiceAccount', '', 'ge .KubeVersion 128')}`;

/** Pod security: the chart's `gateways.securityContext`, else the given sysctls plus a seccomp profile. */
function podSecurityContext(sysctls: boolean): string {
  return `      securityContext:
      {{- if .Values.gateways.securityContext }}
        {{- toYaml .Values.gateways.securityContext | nindent 8 }}
      {{- else }}
${sysctls ? `        sysctls:
        - name: net.ipv4.ip_unprivileged_port_start
          value: "0"
` : ''}        seccompProfile: {{ .Values.gateways.seccompProfile | default (dict "type" "RuntimeDefault") | toJson }}
      {{- end }}
`;
}

/** Non-root, read-only, no capabilities. */
const CONTAINER_SECURITY = `        securityContext:
          allowPrivilegeEscalation: false
          capabilities:
            drop:
            - ALL
          privileged: false
          readOnlyRootFilesystem: true
          runAsGroup: {{ .ProxyGID }}
          runAsNonRoot: true
          runAsUser: {{ .ProxyUID }}
`;

/** Envoy readiness on the health port 15021; the startup probe gives it 30 s. */
const PROBES = `        startupProbe:
          httpGet:
            path: /healthz/ready
            port: 15021
            scheme: HTTP
          initialDelaySeconds: 1
          periodSeconds: 1
          successThreshold: 1
          timeoutSeconds: 1
          failureThreshold: 30
        readinessProbe:
          httpGet:
            path: /healthz/ready
            port: 15021
            scheme: HTTP
          initialDelaySeconds: 0
          periodSeconds: 15
          successThreshold: 1
          timeoutSeconds: 1
          failureThreshold: 4
`;

const FIELD_ENV = (name: string, path: string) => `        - name: ${name}
          valueFrom:
            fieldRef:
              fieldPath: ${path}
`;
const RESOURCE_ENV = (name: string, resource: string) => `        - name: ${name}
          valueFrom:
            resourceFieldRef:
              resource: ${resource}
              divisor: "1"
`;

/** Environment of pilot-agent in a deployed gateway (`router`) or waypoint. */
function proxyEnv(mode: 'router' | 'waypoint'): string {
  const waypoint = mode === 'waypoint';
  return `        env:
${waypoint ? FIELD_ENV('ISTIO_META_SERVICE_ACCOUNT', 'spec.serviceAccountName') : ''}        - name: PILOT_CERT_PROVIDER
          value: {{ .Values.global.pilotCertProvider | quote }}
        - name: CA_ADDR
          value: {{ $caAddr | quote }}
${FIELD_ENV('POD_NAME', 'metadata.name')}${FIELD_ENV('POD_NAMESPACE', 'metadata.namespace')}${FIELD_ENV('INSTANCE_IP', 'status.podIP')}\
${FIELD_ENV('SERVICE_ACCOUNT', 'spec.serviceAccountName')}${FIELD_ENV('HOST_IP', 'status.hostIP')}${RESOURCE_ENV('ISTIO_CPU_LIMIT', 'limits.cpu')}\
        - name: PROXY_CONFIG
          value: {{ protoToJSON .ProxyConfig | quote }}
${waypoint ? '' : `        - name: ISTIO_META_POD_PORTS
          value: "[]"
        - name: ISTIO_META_APP_CONTAINERS
          value: ""
`}${RESOURCE_ENV('GOMEMLIMIT', 'limits.memory')}${RESOURCE_ENV('GOMAXPROCS', 'limits.cpu')}\
        - name: ISTIO_META_CLUSTER_ID
          value: {{ .Values.global.multiCluster.clusterName | default ${waypoint ? '"Kubernetes"' : '.ClusterID'} | quote }}
${FIELD_ENV('ISTIO_META_NODE_NAME', 'spec.nodeName')}\
        - name: ISTIO_META_INTERCEPTION_MODE
          value: ${waypoint ? 'REDIRECT' : '{{ .ProxyConfig.InterceptionMode.String | quote }}'}
        {{- with $network }}
        - name: ISTIO_META_NETWORK
          value: {{ . | quote }}
        {{- end }}
        {{- if ${waypoint ? '.IsEastWestGateway' : '(index .InfrastructureLabels "topology.istio.io/network")'} }}
        - name: ISTIO_META_REQUESTED_NETWORK_VIEW
          value: {{ $network | quote }}
        {{- end }}
        - name: ISTIO_META_WORKLOAD_NAME
          value: {{ .DeploymentName | quote }}
        - name: ISTIO_META_OWNER
          value: {{ printf "kubernetes://apis/apps/v1/namespaces/%s/deployments/%s" .Namespace .DeploymentName | quote }}
        {{- with .Values.global.meshID | default $trustDomain }}
        - name: ISTIO_META_MESH_ID
          value: {{ . | quote }}
        {{- end }}
        {{- with $trustDomain }}
        - name: TRUST_DOMAIN
          value: {{ . | quote }}
        {{- end }}
        {{- range $name, $value := .ProxyConfig.ProxyMetadata }}
        - name: {{ $name | quote }}
          value: {{ $value | quote }}
        {{- end }}
`;
}

/** Mounts of istio-proxy in a deployed gateway; waypoints need no credential or workload-cert volumes. */
function proxyMounts(mode: 'router' | 'waypoint'): string {
  const mount = (name: string, path: string) => `        - name: ${name}\n          mountPath: ${path}\n`;
  return `        volumeMounts:
${mount('workload-socket', '/var/run/secrets/workload-spiffe-uds')}${mode === 'router'
  ? mount('credential-socket', '/var/run/secrets/credential-uds') + mount('workload-certs', '/var/run/secrets/workload-spiffe-credentials') : ''}\
${mount('istiod-ca-cert', '/var/run/secrets/istio')}${mount('istio-ca-crl', '/var/run/secrets/istio/crl')}${mount('istio-data', '/var/lib/istio/data')}\
${mount('istio-envoy', '/etc/istio/proxy')}${mount('istio-token', '/var/run/secrets/tokens')}${mount('istio-podinfo', '/etc/istio/pod')}`;
}

function proxyVolumes(mode: 'router' | 'waypoint'): string {
  const empty = (name: string) => `      - name: ${name}\n        emptyDir: {}\n`;
  return `      volumes:
${empty('workload-socket')}${mode === 'router' ? empty('credential-socket') + empty('workload-certs') : ''}\
      - name: istio-envoy
        emptyDir:
          medium: Memory
${empty('istio-data')}\
      - name: istio-podinfo
        downwardAPI:
          items:
          - path: labels
            fieldRef:
              fieldPath: metadata.labels
          - path: annotations
            fieldRef:
              fieldPath: metadata.annotations
${tokenVolume('istio-token')}${CA_VOLUMES}${PULL_SECRETS}`;
}

function tokenVolume(name: string): string {
  return `      - name: ${name}
        projected:
          sources:
          - serviceAccountToken:
              path: ${name}
              expirationSeconds: 43200
              audience: {{ .Values.global.sds.token.aud | quote }}
`;
}

const CA_CERT_VOLUME = `      - name: istiod-ca-cert
        configMap:
          name: istio-ca-root-cert
`;
const CA_VOLUMES = `${CA_CERT_VOLUME}      - name: istio-ca-crl
        configMap:
          name: istio-ca-crl
          optional: true
`;

const PULL_SECRETS = `      {{- with .Values.global.imagePullSecrets }}
      imagePullSecrets:
      {{- range . }}
      - name: {{ . | quote }}
      {{- end }}
      {{- end }}
`;

/** The pod template labels: not injected, canonical service = the Deployment, then the Gateway's labels. */
function podLabels(controllerLabel: string, waypoint: boolean): string {
  return `      labels: {{ toJsonMap (strdict "sidecar.istio.io/inject" "false"${waypoint ? ' "istio.io/dataplane-mode" "none"' : ''} \
"service.istio.io/canonical-name" .DeploymentName "service.istio.io/canonical-revision" "latest") .InfrastructureLabels \
(strdict "gateway.networking.k8s.io/gateway-name" .Name "gateway.networking.k8s.io/gateway-class-name" .GatewayClass "gateway.istio.io/managed" ${controllerLabel}) }}
`;
}

/** Deployment header up to the pod spec. */
function deploymentHead(controllerLabel: string, waypoint: boolean): string {
  return `apiVersion: apps/v1
kind: Deployment
${objectMeta('.DeploymentName', `(strdict "gateway.istio.io/managed" ${controllerLabel})`)}spec:
  selector:
    matchLabels:
      {{ .GatewayNameLabel | quote }}: {{ .Name | quote }}
  template:
    metadata:
      annotations: {{ toJsonMap $annotations (strdict "istio.io/rev" (.Revision | default "default") \
"prometheus.io/path" "/stats/prometheus" "prometheus.io/port" "15020" "prometheus.io/scrape" "true") }}
${podLabels(controllerLabel, waypoint)}    spec:
      serviceAccountName: {{ .ServiceAccount | quote }}
`;
}

const STS_PORT = `        {{- with .Values.global.sts.servicePort }}
        - {{ printf "--stsPort=%v" . | quote }}
        {{- end }}
`;
const OUTLIER_LOG = `        {{- with $proxy.outlierLogPath }}
        - {{ printf "--outlierLogPath=%s" . | quote }}
        {{- end }}
`;
const LIFECYCLE = `        {{- with dig "lifecycle" dict $proxy }}
        lifecycle: {{ toJson . }}
        {{- end }}
`;

/** The istio-proxy container of a deployed gateway (`router`) or a waypoint. */
function proxyContainer(mode: 'router' | 'waypoint'): string {
  const waypoint = mode === 'waypoint';
  const resources = waypoint ? '(dig "waypoint" "resources" dict .Values.global)' : '$proxy.resources';
  return `      - name: istio-proxy
        image: {{ $image | quote }}
        {{- with .Values.global.imagePullPolicy }}
        imagePullPolicy: {{ . | quote }}
        {{- end }}
        ports:
        - name: metrics
          containerPort: 15020
          protocol: TCP
        - name: status-port
          containerPort: 15021
          protocol: TCP
        - name: http-envoy-prom
          containerPort: 15090
          protocol: TCP
        args:
        - proxy
        - ${mode}
        - --domain
        - {{ printf "$(POD_NAMESPACE).svc.%s" $proxy.clusterDomain | quote }}
${waypoint ? `        - --serviceCluster
        - {{ printf "%s.$(POD_NAMESPACE)" .ServiceAccount | quote }}
` : ''}        - --proxyLogLevel
        - {{ annotation .ObjectMeta "sidecar.istio.io/logLevel" $proxy.logLevel | quote }}
        - --proxyComponentLogLevel
        - {{ annotation .ObjectMeta "sidecar.istio.io/componentLogLevel" $proxy.componentLogLevel | quote }}
        - --log_output_level
        - {{ annotation .ObjectMeta "sidecar.istio.io/agentLogLevel" .Values.global.logging.level | quote }}
${waypoint ? '' : STS_PORT}        {{- if .Values.global.logAsJson }}
        - --log_as_json
        {{- end }}
${waypoint ? OUTLIER_LOG : LIFECYCLE}        {{- with omitNil ${resources} }}
        resources: {{ toJson . }}
        {{- end }}
${proxyEnv(mode)}${PROBES}${CONTAINER_SECURITY}${proxyMounts(mode)}`;
}

/** The Service in front of the proxy: status-port plus the listener ports, type from the class or annotation. */
function service(extraAnnotations: string): string {
  return `apiVersion: v1
kind: Service
${objectMeta('.DeploymentName').replace('annotations: {{ toJsonMap $annotations }}', `annotations: {{ toJsonMap ${extraAnnotations}$annotations }}`)}spec:
  ipFamilyPolicy: PreferDualStack
  type: {{ .ServiceType | quote }}
  selector:
    {{ .GatewayNameLabel | quote }}: {{ .Name | quote }}
  ports:
  {{- range .Ports }}
  - name: {{ .Name | quote }}
    port: {{ .Port }}
    protocol: TCP
    appProtocol: {{ .AppProtocol }}
  {{- end }}
  {{- if and .Spec.Addresses (eq .ServiceType "LoadBalancer") }}
  loadBalancerIP: {{ (index .Spec.Addresses 0).Value | quote }}
  {{- end }}
`;
}

/** HPA and PDB: istiod keeps them only when a class-defaults or parametersRef overlay sets them. */
const SCALING = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
${objectMeta('.DeploymentName')}spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ .DeploymentName | quote }}
  maxReplicas: 1
---
apiVersion: policy/v1
kind: PodDisruptionBudget
${objectMeta('.DeploymentName')}spec:
  selector:
    matchLabels:
      gateway.networking.k8s.io/gateway-name: {{ .Name | quote }}
`;

/** Template `kube-gateway`: the proxy of a Gateway of class `istio` (an Envoy router). */
export const KUBE_GATEWAY_TEMPLATE = `${VARS}${SERVICE_ACCOUNT}---
${deploymentHead('(.ControllerLabel | default "istio.io-gateway-controller")', false)}${podSecurityContext(true)}      containers:
${proxyContainer('router')}${proxyVolumes('router')}---
${service('')}---
${SCALING}`;

/** Scheduling of waypoints from `global.waypoint`. */
const WAYPOINT_SCHEDULING = ['affinity', 'topologySpreadConstraints', 'nodeSelector', 'tolerations'].map((key) => `      {{- with dig "waypoint" "${key}" nil .Values.global }}
      ${key}: {{ toJson . }}
      {{- end }}
`).join('');

/**
 * Template `waypoint`: the ambient L7 proxy of a Gateway of class `istio-waypoint` (and of the ambient
 * east-west class): Envoy in `waypoint` mode, HBONE on 15008, itself outside the mesh data plane
 * (`istio.io/dataplane-mode: none`); its Service prefers endpoints in the caller's zone.
 */
export const WAYPOINT_TEMPLATE = `${VARS}${SERVICE_ACCOUNT}---
${deploymentHead('.ControllerLabel', true)}${WAYPOINT_SCHEDULING}${podSecurityContext(false)}      containers:
${proxyContainer('waypoint')}${proxyVolumes('waypoint')}---
${service('(strdict "networking.istio.io/traffic-distribution" "PreferClose") ')}---
${SCALING}`;

/**
 * Template `agentgateway`: the proxy of a Gateway of class `agentgateway` (istiod with agentgateway
 * enabled): the agentgateway binary instead of Envoy, configured over xDS from istiod.
 */
export const AGENTGATEWAY_TEMPLATE = `${VARS}{{- $agImage := annotation .ObjectMeta "gateway.istio.io/agentgatewayImage" (dig "agentgateway" "image" "" .Values.global) }}
{{- if not (contains "/" $agImage) }}{{ $agImage = .AgentgatewayImage }}{{ end }}
apiVersion: v1
kind: ServiceAccount
${objectMeta('.ServiceAccount')}---
${deploymentHead('"istio.io-agentgateway-controller"', false)}${podSecurityContext(true)}      containers:
      - name: agentgateway
        image: {{ $agImage | quote }}
        {{- with .Values.global.imagePullPolicy }}
        imagePullPolicy: {{ . | quote }}
        {{- end }}
        ports:
        - name: metrics
          containerPort: 15020
          protocol: TCP
        - name: status-port
          containerPort: 15021
          protocol: TCP
        args:
        - --config
        - "{}"
${LIFECYCLE}        {{- with omitNil $proxy.resources }}
        resources: {{ toJson . }}
        {{- end }}
        env:
${FIELD_ENV('POD_NAME', 'metadata.name')}${FIELD_ENV('POD_NAMESPACE', 'metadata.namespace')}${FIELD_ENV('NAMESPACE', 'metadata.namespace')}\
${FIELD_ENV('INSTANCE_IP', 'status.podIP')}${FIELD_ENV('SERVICE_ACCOUNT', 'spec.serviceAccountName')}${RESOURCE_ENV('CPU_LIMIT', 'limits.cpu')}\
        - name: GATEWAY
          value: {{ .Name | quote }}
        - name: RUST_BACKTRACE
          value: "1"
        - name: CLUSTER_ID
          value: {{ .Values.global.multiCluster.clusterName | default .ClusterID | quote }}
        {{- with $network }}
        - name: NETWORK
          value: {{ . | quote }}
        {{- end }}
        {{- with $trustDomain }}
        - name: TRUST_DOMAIN
          value: {{ . | quote }}
        {{- end }}
        {{- range $name, $value := .ProxyConfig.ProxyMetadata }}
        - name: {{ $name | quote }}
          value: {{ $value | quote }}
        {{- end }}
        - name: XDS_ADDRESS
          value: {{ .ProxyConfig.DiscoveryAddress | quote }}
        - name: CA_ADDRESS
          value: {{ $caAddr | quote }}
${PROBES}${CONTAINER_SECURITY}        volumeMounts:
        - name: istiod-ca-cert
          mountPath: /var/run/secrets/xds
        - name: xds-token
          mountPath: /var/run/secrets/xds-tokens
        - name: tmp
          mountPath: /tmp
        - name: istiod-ca-cert
          mountPath: /var/run/secrets/istio
        - name: istio-token
          mountPath: /var/run/secrets/tokens
      volumes:
      - name: tmp
        emptyDir: {}
${tokenVolume('xds-token')}${tokenVolume('istio-token')}${CA_CERT_VOLUME}${PULL_SECRETS}---
${service('')}---
${SCALING}`;
