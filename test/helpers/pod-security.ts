/**
 * An independent Pod Security Standards evaluator for tests: the checks of the Kubernetes
 * "baseline" and "restricted" levels (https://kubernetes.io/docs/concepts/security/pod-security-standards/),
 * applied to a pod template as the Pod Security admission controller applies them to the pods it
 * creates. Returns one line per violation, prefixed with its level, so a test can assert the exact
 * list of privileges a workload takes.
 */

/** Capabilities "baseline" lets a container add. */
const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP',
  'SETUID', 'SYS_CHROOT',
]);
/** Volume types "restricted" allows. */
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
/** Sysctls "baseline" allows. */
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes',
]);
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

/** A pod template as it appears in a workload: `{ metadata, spec }`. */
export interface PodTemplate {
  readonly metadata?: { readonly annotations?: Record<string, string> };
  readonly spec: any;
}

/** Every violation of "baseline" and of "restricted" by the pod template, e.g. `baseline: hostPath volume "x" (/opt)`. */
export function podSecurityViolations(template: PodTemplate): string[] {
  const spec = template.spec ?? {};
  const out: string[] = [];
  const baseline = (m: string) => out.push(`baseline: ${m}`);
  const restricted = (m: string) => out.push(`restricted: ${m}`);
  const containers: any[] = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
  const podSc = spec.securityContext ?? {};

  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[field] === true) baseline(`${field}`);
  for (const v of spec.volumes ?? []) {
    if (v.hostPath) baseline(`hostPath volume "${v.name}" (${v.hostPath.path})`);
    const type = Object.keys(v).find((k) => k !== 'name');
    if (type && type !== 'hostPath' && !RESTRICTED_VOLUMES.has(type)) restricted(`volume "${v.name}" of type ${type}`);
  }
  for (const s of podSc.sysctls ?? []) if (!SAFE_SYSCTLS.has(s.name)) baseline(`sysctl ${s.name}`);
  for (const [key, value] of Object.entries(template.metadata?.annotations ?? {})) {
    if (key.startsWith(APPARMOR_ANNOTATION) && value !== 'runtime/default' && !value.startsWith('localhost/')) {
      baseline(`AppArmor ${value} for container "${key.slice(APPARMOR_ANNOTATION.length)}"`);
    }
  }
  if (podSc.seccompProfile?.type === 'Unconfined') baseline('pod seccompProfile Unconfined');

  for (const c of containers) {
    const sc = c.securityContext ?? {};
    const at = `container "${c.name}"`;
    if (sc.privileged === true) baseline(`${at} privileged`);
    for (const p of c.ports ?? []) if (p.hostPort) baseline(`${at} hostPort ${p.hostPort}`);
    if (sc.procMount !== undefined && sc.procMount !== 'Default') baseline(`${at} procMount ${sc.procMount}`);
    if (sc.appArmorProfile?.type === 'Unconfined') baseline(`${at} AppArmor Unconfined`);
    const seccomp = sc.seccompProfile?.type ?? podSc.seccompProfile?.type;
    if (sc.seccompProfile?.type === 'Unconfined') baseline(`${at} seccompProfile Unconfined`);
    const added: string[] = sc.capabilities?.add ?? [];
    const notBaseline = added.filter((cap) => !BASELINE_CAPABILITIES.has(cap));
    if (notBaseline.length > 0) baseline(`${at} adds capabilities ${notBaseline.join(', ')}`);

    if (sc.allowPrivilegeEscalation !== false) restricted(`${at} allowPrivilegeEscalation ${sc.allowPrivilegeEscalation ?? 'unset'}`);
    const nonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
    if (nonRoot !== true) restricted(`${at} runAsNonRoot ${nonRoot ?? 'unset'}`);
    if ((sc.runAsUser ?? podSc.runAsUser) === 0) restricted(`${at} runAsUser 0`);
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') restricted(`${at} seccompProfile ${seccomp ?? 'unset'}`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) restricted(`${at} does not drop ALL capabilities`);
    const beyond = added.filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (beyond.length > 0) restricted(`${at} adds capabilities beyond NET_BIND_SERVICE: ${beyond.join(', ')}`);
  }
  return out;
}
