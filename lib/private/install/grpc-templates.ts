/**
 * Injection templates for proxyless gRPC workloads (`inject.istio.io/templates: grpc-agent` or
 * `grpc-simple`): gRPC's own xDS client talks to istiod, no Envoy and no traffic capture. Like the
 * `sidecar` and `gateway` templates (injection-templates.ts) they render a strategic-merge patch of the
 * pod, written by this project from the contract of Istio 1.30's chart (istio-reference.md §4.1–4.3).
 */
import { PRELUDE, POD_METADATA, PROXY_ENV, PROXY_FLAGS, PROXY_SECURITY_CONTEXT } from './injection-templates';

/** Pod annotations both gRPC templates set: the first app container is the default, app probes are left alone. */
const GRPC_ANNOTATIONS = `    {{- with $apps }}
    {{- if not (isset $ann "kubectl.kubernetes.io/default-container") }}
    kubectl.kubernetes.io/default-container: {{ first . | quote }}
    {{- end }}
    {{- if not (isset $ann "kubectl.kubernetes.io/default-logs-container") }}
    kubectl.kubernetes.io/default-logs-container: {{ first . | quote }}
    {{- end }}
    {{- end }}
    sidecar.istio.io/rewriteAppHTTPProbers: "false"
`;

/**
 * Template `grpc-agent`: pilot-agent without Envoy (`DISABLE_ENVOY`, generator `grpc`) serves xDS and
 * certificates to the application over the shared `istio-xds` volume (`/etc/istio/proxy`); every app
 * container gets `GRPC_XDS_BOOTSTRAP` pointing at the bootstrap the agent writes there, and the
 * certificates in `/var/lib/istio/data`. Pods must set `security.istio.io/tlsMode: istio` themselves
 * when their gRPC code uses xDS credentials (the template cannot know).
 */
export const GRPC_AGENT_TEMPLATE = `{{- $template := "grpc-agent" }}
${PRELUDE}${POD_METADATA}${GRPC_ANNOTATIONS}spec:
  containers:
  - name: istio-proxy
    image: {{ annotation .ObjectMeta "sidecar.istio.io/proxyImage" .ProxyImage | quote }}
    {{- with .Values.global.imagePullPolicy }}
    imagePullPolicy: {{ . | quote }}
    {{- end }}
    ports:
    - name: mesh-metrics
      containerPort: 15020
      protocol: TCP
    args:
    - proxy
    - sidecar
${PROXY_FLAGS}    lifecycle:
      postStart:
        exec:
          command:
          - pilot-agent
          - wait
          - --url=http://localhost:15020/healthz/ready
    env:
    - name: ISTIO_META_GENERATOR
      value: grpc
    - name: OUTPUT_CERTS
      value: /var/lib/istio/data
    {{- if eq .InboundTrafficPolicyMode "localhost" }}
    - name: REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION
      value: "true"
    {{- end }}
${PROXY_ENV}    - name: ISTIO_META_DNS_CAPTURE
      value: "false"
    - name: DISABLE_ENVOY
      value: "true"
    {{- if $res }}
    resources: {{ toJson $res }}
    {{- end }}
    {{- if ne (toString $statusPort) "0" }}
    readinessProbe:
      httpGet:
        path: /healthz/ready
        port: 15020
      initialDelaySeconds: {{ annotation .ObjectMeta "readiness.status.sidecar.istio.io/initialDelaySeconds" $proxy.readinessInitialDelaySeconds }}
      periodSeconds: {{ annotation .ObjectMeta "readiness.status.sidecar.istio.io/periodSeconds" $proxy.readinessPeriodSeconds }}
      timeoutSeconds: 3
      failureThreshold: {{ annotation .ObjectMeta "readiness.status.sidecar.istio.io/failureThreshold" $proxy.readinessFailureThreshold }}
    {{- end }}
${PROXY_SECURITY_CONTEXT}    volumeMounts:
    - name: workload-socket
      mountPath: /var/run/secrets/workload-spiffe-uds
    - name: workload-certs
      mountPath: /var/run/secrets/workload-spiffe-credentials
    - name: istiod-ca-cert
      mountPath: /var/run/secrets/istio
    - name: istio-data
      mountPath: /var/lib/istio/data
    - name: istio-xds
      mountPath: /etc/istio/proxy
    - name: istio-token
      mountPath: /var/run/secrets/tokens
    - name: istio-podinfo
      mountPath: /etc/istio/pod
  {{- range $apps }}
  - name: {{ . | quote }}
    env:
    - name: GRPC_XDS_EXPERIMENTAL_SECURITY_SUPPORT
      value: "true"
    - name: GRPC_XDS_BOOTSTRAP
      value: /etc/istio/proxy/grpc-bootstrap.json
    volumeMounts:
    - name: istio-data
      mountPath: /var/lib/istio/data
    - name: istio-xds
      mountPath: /etc/istio/proxy
    - name: workload-certs
      mountPath: /var/run/secrets/workload-spiffe-credentials
  {{- end }}
  volumes:
  - name: workload-socket
    emptyDir: {}
  - name: workload-certs
    emptyDir: {}
  - name: istio-xds
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
  {{- with .Values.global.imagePullSecrets }}
  imagePullSecrets:
  {{- range . }}
  - name: {{ . | quote }}
  {{- end }}
  {{- end }}
`;

/**
 * Template `grpc-simple`: no agent at all. An init container writes a gRPC xDS bootstrap that points
 * at istiod's plaintext xDS port 15010 (`dns:///istiod[-<rev>].<istio namespace>.svc:15010`), so the
 * workload gets routing but no mTLS; every app container reads it through `GRPC_XDS_BOOTSTRAP`. The
 * init container runs non-root with no capabilities.
 */
export const GRPC_SIMPLE_TEMPLATE = `{{- $istiod := printf "istiod%s.%s.svc:15010" (ternary "" (printf "-%s" .Values.revision) (eq .Values.revision "")) .Values.global.istioNamespace }}
metadata:
  annotations:
    sidecar.istio.io/rewriteAppHTTPProbers: "false"
spec:
  initContainers:
  - name: grpc-bootstrap-init
    image: busybox:1.28
    command:
    - sh
    - -c
    - >-
      printf '{"xds_servers":[{"server_uri":"dns:///%s","channel_creds":[{"type":"insecure"}],"server_features":["xds_v3"]}],'
      "$ISTIOD_ADDRESS" > /var/lib/grpc/data/bootstrap.json &&
      printf '"node":{"id":"sidecar~%s~%s.%s~cluster.local","metadata":{"GENERATOR":"grpc"}}}'
      "$INSTANCE_IP" "$POD_NAME" "$POD_NAMESPACE" >> /var/lib/grpc/data/bootstrap.json
    env:
    - name: INSTANCE_IP
      valueFrom:
        fieldRef:
          fieldPath: status.podIP
    - name: POD_NAME
      valueFrom:
        fieldRef:
          fieldPath: metadata.name
    - name: POD_NAMESPACE
      valueFrom:
        fieldRef:
          fieldPath: metadata.namespace
    - name: ISTIO_NAMESPACE
      value: {{ .Values.global.istioNamespace | quote }}
    - name: ISTIOD_ADDRESS
      value: {{ $istiod | quote }}
    securityContext:
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
    volumeMounts:
    - name: grpc-io-proxyless-bootstrap
      mountPath: /var/lib/grpc/data/
  containers:
  {{- range .Spec.Containers }}
  - name: {{ .Name | quote }}
    env:
    - name: GRPC_XDS_BOOTSTRAP
      value: /var/lib/grpc/data/bootstrap.json
    - name: GRPC_GO_LOG_VERBOSITY_LEVEL
      value: "99"
    - name: GRPC_GO_LOG_SEVERITY_LEVEL
      value: info
    volumeMounts:
    - name: grpc-io-proxyless-bootstrap
      mountPath: /var/lib/grpc/data/
  {{- end }}
  volumes:
  - name: grpc-io-proxyless-bootstrap
    emptyDir: {}
`;
