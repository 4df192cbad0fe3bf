/**
 * The injection templates istiod renders for every pod it injects (ConfigMap
 * `istio-sidecar-injector`, key `config`, map `templates`). istiod embeds none (istio-reference.md
 * §4.1), so these are the templates of a mesh installed by cdk8s-istio.
 *
 * They are Go `text/template` sources with the Sprig functions and Istio's helpers (§4.2), written by
 * this project to the contract of §4.3: each renders a strategic-merge patch of the pod. istiod then
 * adds the status annotation, merges Prometheus annotations, rewrites app probes to the agent's
 * status port (§4.4) and orders the containers; the templates do not repeat that work.
 *
 * Go strings are double-quoted here (no backticks) so the sources stay plain TypeScript strings.
 * `conformance/inject.ts` renders them with the real `istioctl kube-inject` on every CI run.
 */

/** Variables both templates start from. */
export const PRELUDE = `{{- $ann := .ObjectMeta.Annotations }}
{{- $lbl := .ObjectMeta.Labels }}
{{- $proxy := .Values.global.proxy }}
{{- $statusPort := annotation .ObjectMeta "status.sidecar.istio.io/port" $proxy.statusPort }}
{{- $caAddr := .Values.global.caAddress }}
{{- if not $caAddr }}{{ $caAddr = printf "istiod%s.%s.svc:15012" (ternary "" (printf "-%s" .Values.revision) (eq .Values.revision "")) .Values.global.istioNamespace }}{{ end }}
{{- $canonicalName := index $lbl "service.istio.io/canonical-name" | default (index $lbl "app.kubernetes.io/name") | default (index $lbl "app") | default .DeploymentMeta.Name }}
{{- $canonicalRev := index $lbl "service.istio.io/canonical-revision" | default (index $lbl "app.kubernetes.io/version") | default (index $lbl "version") | default "latest" }}
{{- $res := dict }}
{{- $req := dict }}
{{- $lim := dict }}
{{- $v := annotation .ObjectMeta "sidecar.istio.io/proxyCPU" (dig "requests" "cpu" "" $proxy.resources) }}{{ if $v }}{{ $_ := set $req "cpu" $v }}{{ end }}
{{- $v = annotation .ObjectMeta "sidecar.istio.io/proxyMemory" (dig "requests" "memory" "" $proxy.resources) }}{{ if $v }}{{ $_ := set $req "memory" $v }}{{ end }}
{{- $v = annotation .ObjectMeta "sidecar.istio.io/proxyCPULimit" (dig "limits" "cpu" "" $proxy.resources) }}{{ if $v }}{{ $_ := set $lim "cpu" $v }}{{ end }}
{{- $v = annotation .ObjectMeta "sidecar.istio.io/proxyMemoryLimit" (dig "limits" "memory" "" $proxy.resources) }}{{ if $v }}{{ $_ := set $lim "memory" $v }}{{ end }}
{{- if $req }}{{ $_ := set $res "requests" $req }}{{ end }}
{{- if $lim }}{{ $_ := set $res "limits" $lim }}{{ end }}
{{- $mode := annotation .ObjectMeta "sidecar.istio.io/interceptionMode" .ProxyConfig.InterceptionMode }}
{{- $ports := list }}
{{- $apps := list }}
{{- range .Spec.Containers }}{{ if ne .Name "istio-proxy" }}{{ $apps = append $apps .Name }}{{ range .Ports }}{{ $ports = append $ports . }}{{ end }}{{ end }}{{ end }}
`;

/**
 * Pod labels and annotations both templates set. `security.istio.io/tlsMode: istio` tells clients
 * the endpoint accepts Istio mTLS: only sidecars do, so only the sidecar template adds it.
 */
export const POD_METADATA = `metadata:
  labels:
    {{- if eq $template "sidecar" }}
    security.istio.io/tlsMode: {{ index $lbl "security.istio.io/tlsMode" | default "istio" | quote }}
    {{- end }}
    service.istio.io/canonical-name: {{ $canonicalName | quote }}
    service.istio.io/canonical-revision: {{ $canonicalRev | quote }}
  annotations:
    istio.io/rev: {{ .Revision | default "default" | quote }}
`;

/** Non-root, read-only, no capabilities: what istio-proxy runs with (Pod Security "restricted"). */
export const PROXY_SECURITY_CONTEXT = `    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        drop:
        - ALL
      privileged: false
      readOnlyRootFilesystem: true
      runAsGroup: {{ .ProxyGID }}
      runAsNonRoot: true
      runAsUser: {{ .ProxyUID }}
      seccompProfile:
        type: RuntimeDefault
`;

/** istio-proxy's arguments after the mode (`sidecar` or `router`). */
export const PROXY_FLAGS = `    - --domain
    - {{ printf "$(POD_NAMESPACE).svc.%s" $proxy.clusterDomain | quote }}
    - {{ printf "--proxyLogLevel=%s" (annotation .ObjectMeta "sidecar.istio.io/logLevel" $proxy.logLevel) | quote }}
    - {{ printf "--proxyComponentLogLevel=%s" (annotation .ObjectMeta "sidecar.istio.io/componentLogLevel" $proxy.componentLogLevel) | quote }}
    - {{ printf "--log_output_level=%s" (annotation .ObjectMeta "sidecar.istio.io/agentLogLevel" .Values.global.logging.level) | quote }}
    {{- if .Values.global.logAsJson }}
    - --log_as_json
    {{- end }}
`;

/** Environment pilot-agent reads to bootstrap Envoy and to get its certificate from istiod. */
export const PROXY_ENV = `    - name: PILOT_CERT_PROVIDER
      value: {{ .Values.global.pilotCertProvider | quote }}
    - name: CA_ADDR
      value: {{ $caAddr | quote }}
    - name: POD_NAME
      valueFrom:
        fieldRef:
          fieldPath: metadata.name
    - name: POD_NAMESPACE
      valueFrom:
        fieldRef:
          fieldPath: metadata.namespace
    - name: INSTANCE_IP
      valueFrom:
        fieldRef:
          fieldPath: status.podIP
    - name: SERVICE_ACCOUNT
      valueFrom:
        fieldRef:
          fieldPath: spec.serviceAccountName
    - name: HOST_IP
      valueFrom:
        fieldRef:
          fieldPath: status.hostIP
    - name: ISTIO_CPU_LIMIT
      valueFrom:
        resourceFieldRef:
          resource: limits.cpu
          divisor: "1"
    - name: PROXY_CONFIG
      value: {{ protoToJSON .ProxyConfig | quote }}
    - name: GOMEMLIMIT
      valueFrom:
        resourceFieldRef:
          resource: limits.memory
          divisor: "1"
    - name: GOMAXPROCS
      valueFrom:
        resourceFieldRef:
          resource: limits.cpu
          divisor: "1"
    - name: ISTIO_META_CLUSTER_ID
      value: {{ .Values.global.multiCluster.clusterName | default "Kubernetes" | quote }}
    - name: ISTIO_META_NODE_NAME
      valueFrom:
        fieldRef:
          fieldPath: spec.nodeName
    - name: ISTIO_META_WORKLOAD_NAME
      value: {{ .DeploymentMeta.Name | quote }}
    - name: ISTIO_META_OWNER
      value: {{ printf "kubernetes://apis/%s/namespaces/%s/%ss/%s" (.TypeMeta.APIVersion | default "v1") .DeploymentMeta.Namespace (.TypeMeta.Kind | default "Pod" | toLower) .DeploymentMeta.Name | quote }}
    - name: ISTIO_META_MESH_ID
      value: {{ .Values.global.meshID | default .MeshConfig.TrustDomain | default "cluster.local" | quote }}
    - name: TRUST_DOMAIN
      value: {{ .MeshConfig.TrustDomain | default "cluster.local" | quote }}
    {{- with .Values.global.network }}
    - name: ISTIO_META_NETWORK
      value: {{ . | quote }}
    {{- end }}
    - name: ISTIO_META_POD_PORTS
      value: {{ toJson $ports | quote }}
    - name: ISTIO_META_APP_CONTAINERS
      value: {{ join "," $apps | quote }}
    - name: ISTIO_META_INTERCEPTION_MODE
      value: {{ $mode | quote }}
    {{- range $name, $value := .ProxyConfig.ProxyMetadata }}
    - name: {{ $name | quote }}
      value: {{ $value | quote }}
    {{- end }}
`;

/** Envoy's readiness through the health listener on 15021. */
const PROXY_PROBES = `    readinessProbe:
      httpGet:
        path: /healthz/ready
        port: 15021
      initialDelaySeconds: {{ annotation .ObjectMeta "readiness.status.sidecar.istio.io/initialDelaySeconds" $proxy.readinessInitialDelaySeconds }}
      periodSeconds: {{ annotation .ObjectMeta "readiness.status.sidecar.istio.io/periodSeconds" $proxy.readinessPeriodSeconds }}
      timeoutSeconds: 3
      failureThreshold: {{ annotation .ObjectMeta "readiness.status.sidecar.istio.io/failureThreshold" $proxy.readinessFailureThreshold }}
    {{- if $proxy.startupProbe.enabled }}
    startupProbe:
      httpGet:
        path: /healthz/ready
        port: 15021
      initialDelaySeconds: 0
      periodSeconds: 1
      timeoutSeconds: 3
      failureThreshold: {{ $proxy.startupProbe.failureThreshold }}
    {{- end }}
`;

/** Volume mounts of istio-proxy; the root filesystem is read-only, so everything written is here. */
const PROXY_MOUNTS = `    volumeMounts:
    - name: workload-socket
      mountPath: /var/run/secrets/workload-spiffe-uds
    - name: credential-socket
      mountPath: /var/run/secrets/credential-uds
    - name: workload-certs
      mountPath: /var/run/secrets/workload-spiffe-credentials
    - name: istiod-ca-cert
      mountPath: /var/run/secrets/istio
    - name: istio-ca-crl
      mountPath: /var/run/secrets/istio/crl
    - name: istio-data
      mountPath: /var/lib/istio/data
    - name: istio-envoy
      mountPath: /etc/istio/proxy
    - name: istio-token
      mountPath: /var/run/secrets/tokens
    - name: istio-podinfo
      mountPath: /etc/istio/pod
`;

/** The pod volumes behind PROXY_MOUNTS. */
const POD_VOLUMES = `  volumes:
  - name: workload-socket
    emptyDir: {}
  - name: credential-socket
    emptyDir: {}
  - name: workload-certs
    emptyDir: {}
  - name: istio-envoy
    emptyDir:
      medium: Memory
  - name: istio-data
    emptyDir: {}
  - name: istio-podinfo
    downwardAPI:
      items:
      - path: labels
        fieldRef:
          fieldPath: metadata.labels
      - path: annotations
        fieldRef:
          fieldPath: metadata.annotations
  - name: istio-token
    projected:
      sources:
      - serviceAccountToken:
          path: istio-token
          expirationSeconds: 43200
          audience: {{ .Values.global.sds.token.aud | quote }}
  - name: istiod-ca-cert
    configMap:
      name: istio-ca-root-cert
  - name: istio-ca-crl
    configMap:
      name: istio-ca-crl
      optional: true
  {{- with .Values.global.imagePullSecrets }}
  imagePullSecrets:
  {{- range . }}
  - name: {{ . | quote }}
  {{- end }}
  {{- end }}
`;

/**
 * Traffic capture for the sidecar template: `istio-init` programs iptables itself (root, NET_ADMIN,
 * NET_RAW), or with istio-cni `istio-validation` only checks what the CNI plugin set up (UID 1337, no
 * capabilities). Skipped when the interception mode is NONE.
 */
const CAPTURE_CONTAINER = `  {{- if ne $mode "NONE" }}
  - name: {{ ternary "istio-validation" "istio-init" $cni }}
    image: {{ annotation .ObjectMeta "sidecar.istio.io/proxyImage" .ProxyImage | quote }}
    args:
    - istio-iptables
    - "-p"
    - "15001"
    - "-z"
    - "15006"
    - "-u"
    - {{ .ProxyUID | quote }}
    - "-m"
    - {{ $mode | quote }}
    - "-i"
    - {{ annotation .ObjectMeta "traffic.sidecar.istio.io/includeOutboundIPRanges" $proxy.includeIPRanges | quote }}
    - "-x"
    - {{ annotation .ObjectMeta "traffic.sidecar.istio.io/excludeOutboundIPRanges" $proxy.excludeIPRanges | quote }}
    - "-b"
    - {{ annotation .ObjectMeta "traffic.sidecar.istio.io/includeInboundPorts" $proxy.includeInboundPorts | quote }}
    - "-d"
    - {{ printf "15090,15021,%s" (excludeInboundPort $statusPort (annotation .ObjectMeta "traffic.sidecar.istio.io/excludeInboundPorts" $proxy.excludeInboundPorts)) | quote }}
    {{- with annotation .ObjectMeta "traffic.sidecar.istio.io/excludeOutboundPorts" (default "" $proxy.excludeOutboundPorts) }}
    - "-o"
    - {{ . | quote }}
    {{- end }}
    {{- with annotation .ObjectMeta "traffic.sidecar.istio.io/includeOutboundPorts" (default "" $proxy.includeOutboundPorts) }}
    - "-q"
    - {{ . | quote }}
    {{- end }}
    {{- with annotation .ObjectMeta "traffic.sidecar.istio.io/kubevirtInterfaces" "" }}
    - "-k"
    - {{ . | quote }}
    {{- end }}
    {{- with annotation .ObjectMeta "traffic.sidecar.istio.io/excludeInterfaces" "" }}
    - "-c"
    - {{ . | quote }}
    {{- end }}
    - "--log_output_level=default:info"
    {{- if $cni }}
    - "--run-validation"
    - "--skip-rule-apply"
    {{- end }}
    {{- with .ProxyConfig.ProxyMetadata }}
    env:
    {{- range $name, $value := . }}
    - name: {{ $name | quote }}
      value: {{ $value | quote }}
    {{- end }}
    {{- end }}
    {{- if $res }}
    resources: {{ toJson $res }}
    {{- end }}
    {{- if $cni }}
${PROXY_SECURITY_CONTEXT.trimEnd()}
    {{- else }}
    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        add:
        - NET_ADMIN
        - NET_RAW
        drop:
        - ALL
      privileged: false
      readOnlyRootFilesystem: false
      runAsGroup: 0
      runAsNonRoot: false
      runAsUser: 0
    {{- end }}
  {{- end }}
`;

/**
 * Template `sidecar` (the default): capture + istio-proxy as a regular container, or as a native
 * sidecar (an init container with `restartPolicy: Always`) when istiod or the pod's
 * `sidecar.istio.io/nativeSidecar` annotation asks for it.
 */
export const SIDECAR_TEMPLATE = `{{- $template := "sidecar" }}
${PRELUDE}{{- $cni := .Values.pilot.cni.enabled }}
{{- $native := .NativeSidecars }}
{{- if isset $ann "sidecar.istio.io/nativeSidecar" }}{{ $native = eq (index $ann "sidecar.istio.io/nativeSidecar") "true" }}{{ end }}
{{- $hold := or .ProxyConfig.HoldApplicationUntilProxyStarts.GetValue $proxy.holdApplicationUntilProxyStarts }}
${POD_METADATA}    {{- with $apps }}
    {{- if not (isset $ann "kubectl.kubernetes.io/default-container") }}
    kubectl.kubernetes.io/default-container: {{ first . | quote }}
    {{- end }}
    {{- if not (isset $ann "kubectl.kubernetes.io/default-logs-container") }}
    kubectl.kubernetes.io/default-logs-container: {{ first . | quote }}
    {{- end }}
    {{- end }}
    {{- if and $cni (ne $mode "NONE") }}
    sidecar.istio.io/interceptionMode: {{ $mode | quote }}
    traffic.sidecar.istio.io/includeOutboundIPRanges: {{ annotation .ObjectMeta "traffic.sidecar.istio.io/includeOutboundIPRanges" $proxy.includeIPRanges | quote }}
    {{- with annotation .ObjectMeta "traffic.sidecar.istio.io/excludeOutboundIPRanges" $proxy.excludeIPRanges }}
    traffic.sidecar.istio.io/excludeOutboundIPRanges: {{ . | quote }}
    {{- end }}
    traffic.sidecar.istio.io/includeInboundPorts: {{ annotation .ObjectMeta "traffic.sidecar.istio.io/includeInboundPorts" $proxy.includeInboundPorts | quote }}
    traffic.sidecar.istio.io/excludeInboundPorts: {{ excludeInboundPort $statusPort (annotation .ObjectMeta "traffic.sidecar.istio.io/excludeInboundPorts" $proxy.excludeInboundPorts) | quote }}
    {{- end }}
spec:
  {{- if or (ne $mode "NONE") $native }}
  initContainers:
  {{- end }}
${CAPTURE_CONTAINER}  {{- if not $native }}
  containers:
  {{- end }}
  - name: istio-proxy
    image: {{ annotation .ObjectMeta "sidecar.istio.io/proxyImage" .ProxyImage | quote }}
    {{- if $native }}
    restartPolicy: Always
    {{- end }}
    ports:
    - name: http-envoy-prom
      containerPort: 15090
      protocol: TCP
    args:
    - proxy
    - sidecar
${PROXY_FLAGS}    env:
${PROXY_ENV}    {{- if $res }}
    resources: {{ toJson $res }}
    {{- end }}
${PROXY_SECURITY_CONTEXT}${PROXY_PROBES}    {{- if and $hold (not $native) }}
    lifecycle:
      postStart:
        exec:
          command:
          - pilot-agent
          - wait
    {{- else if $native }}
    lifecycle:
      preStop:
        exec:
          command:
          - pilot-agent
          - request
          - {{ printf "--debug-port=%s" $statusPort | quote }}
          - POST
          - drain
    {{- end }}
${PROXY_MOUNTS}${POD_VOLUMES}`;

/**
 * Template `gateway`: for pods that declare an `istio-proxy` container (image `auto`) and the
 * annotation `inject.istio.io/templates: gateway`. Envoy runs as a router; no traffic capture, and
 * Prometheus is pointed at the agent's merged metrics. The pod sysctl
 * `net.ipv4.ip_unprivileged_port_start=0` (a "safe" sysctl) lets the non-root proxy listen on 80/443.
 */
export const GATEWAY_TEMPLATE = `{{- $template := "gateway" }}
${PRELUDE}${POD_METADATA}    prometheus.io/port: "15020"
    prometheus.io/scrape: "true"
    prometheus.io/path: /stats/prometheus
spec:
  securityContext:
    sysctls:
    - name: net.ipv4.ip_unprivileged_port_start
      value: "0"
  containers:
  - name: istio-proxy
    image: {{ annotation .ObjectMeta "sidecar.istio.io/proxyImage" .ProxyImage | quote }}
    ports:
    - name: http-envoy-prom
      containerPort: 15090
      protocol: TCP
    args:
    - proxy
    - router
${PROXY_FLAGS}    env:
${PROXY_ENV}    {{- if $res }}
    resources: {{ toJson $res }}
    {{- end }}
${PROXY_SECURITY_CONTEXT}${PROXY_PROBES}${PROXY_MOUNTS}${POD_VOLUMES}`;
