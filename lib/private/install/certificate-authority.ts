import { isIP } from 'net';
import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { appWorkloads } from './mesh-clients';
import { CertificateAuthority, CertificateAuthorityType } from '../../certificate-authority';
import { allConstructs } from '../app-scan';
import { describeValue, MeshValidationError } from '../errors';
import { validateDnsSubdomain } from '../zero-trust/validate';

/** The certificate authority, validated (InstallContext.certificateAuthority). */
export interface CaSpec {
  readonly type: CertificateAuthorityType;
  /** Secret istiod mounts at /etc/cacerts: `cacerts` unless plugged in under another name. */
  readonly secretName: string;
  /** `host:port` proxies send CSRs to; undefined = istiod. */
  readonly address?: string;
  /** Container port of the external CA's pods (NetworkPolicies). */
  readonly podPort?: number;
}

/** The key sets istiod accepts in a plugged-in CA Secret (istio-reference.md §3.2). */
const PLUGGED_IN_KEY_SETS = [['ca-cert.pem', 'ca-key.pem', 'root-cert.pem', 'cert-chain.pem'], ['tls.crt', 'tls.key', 'ca.crt']];

const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;
const ADDRESS_EXAMPLE = 'e.g. "cert-manager-istio-csr.cert-manager.svc:443"';

/** Validates `certificateAuthority` (JavaScript callers may pass anything) and resolves it. */
export function resolveCertificateAuthority(scope: IConstruct, value: unknown): CaSpec {
  if (value === undefined) return { type: CertificateAuthorityType.ISTIOD, secretName: 'cacerts' };
  if (!(value instanceof CertificateAuthority)) {
    throw new MeshValidationError(scope, '\'certificateAuthority\' must be CertificateAuthority.istiod(), CertificateAuthority.pluggedIn() or ' +
      `CertificateAuthority.external({ address }), got ${describeValue(value, 'object')}`);
  }
  if (value.type === CertificateAuthorityType.PLUGGED_IN) {
    const secretName = value.secretName;
    if (typeof secretName !== 'string') {
      throw new MeshValidationError(scope, `'certificateAuthority.secretName' must be a string, got ${describeValue(secretName)}; omit it for "cacerts"`);
    }
    validateDnsSubdomain(scope, 'certificateAuthority.secretName', secretName);
    return { type: value.type, secretName };
  }
  if (value.type === CertificateAuthorityType.EXTERNAL) {
    const podPort = value.podPort;
    if (typeof podPort !== 'number' || !Number.isInteger(podPort) || podPort < 1 || podPort > 65535) {
      throw new MeshValidationError(scope, `'certificateAuthority.podPort' must be a port between 1 and 65535, got ${describeValue(podPort, 'number')}; ` +
        "omit it for istio-csr's 6443");
    }
    return { type: value.type, secretName: 'cacerts', address: validateCaAddress(scope, value.address), podPort };
  }
  return { type: CertificateAuthorityType.ISTIOD, secretName: 'cacerts' };
}

/** Throws unless `address` is `host:port` with a fully qualified host name or an IP address. */
export function validateCaAddress(scope: IConstruct, address: unknown, propName = 'certificateAuthority.address'): string {
  const prop = `'${propName}'`;
  if (typeof address !== 'string') {
    throw new MeshValidationError(scope, `${prop} must be a string host:port, got ${describeValue(address)}; ${ADDRESS_EXAMPLE}`);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(address) || address.includes('/')) {
    throw new MeshValidationError(scope, `${prop} must be host:port without a scheme or path, got ${JSON.stringify(address)}; ${ADDRESS_EXAMPLE}`);
  }
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(address);
  if (!m) {
    throw new MeshValidationError(scope, `${prop} must be host:port (the port is required), got ${JSON.stringify(address)}; ${ADDRESS_EXAMPLE}`);
  }
  const host = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1];
  const port = Number(m[2]);
  if (port < 1 || port > 65535) {
    throw new MeshValidationError(scope, `${prop} has port ${m[2]}, which is not between 1 and 65535, got ${JSON.stringify(address)}; ${ADDRESS_EXAMPLE}`);
  }
  const ip = isIP(host);
  if (ip === 6 && !m[1].startsWith('[')) {
    throw new MeshValidationError(scope, `${prop} must write an IPv6 host in brackets, got ${JSON.stringify(address)}; e.g. "[2001:db8::1]:443"`);
  }
  if (ip === 0 && (host.length > 253 || !DNS_NAME.test(host))) {
    throw new MeshValidationError(scope, `${prop} must name a fully qualified lowercase host (proxies resolve it from every namespace, so ` +
      `"<service>.<namespace>.svc", not a bare service name) or an IP address, got ${JSON.stringify(address)}; ${ADDRESS_EXAMPLE}`);
  }
  return address;
}

/**
 * A plugged-in CA Secret declared in the app (most come from Vault, External Secrets or
 * cert-manager and are not) must hold one of the key sets istiod reads.
 */
export function pluggedInSecretMessages(scope: IConstruct, namespace: string, ca: CaSpec): string[] {
  if (ca.type !== CertificateAuthorityType.PLUGGED_IN) return [];
  const messages: string[] = [];
  for (const c of allConstructs(scope)) {
    if (!ApiObject.isApiObject(c) || c.kind !== 'Secret' || c.apiGroup !== 'core' || c.name !== ca.secretName || c.metadata.namespace !== namespace) continue;
    const json = c.toJson() as any;
    const keys = new Set([...Object.keys(json.data ?? {}), ...Object.keys(json.stringData ?? {})]);
    if (PLUGGED_IN_KEY_SETS.some((set) => set.every((k) => keys.has(k)))) continue;
    messages.push(`Secret ${namespace}/${ca.secretName} (${c.node.path}) is the plugged-in CA but has keys [${[...keys].sort().join(', ')}]; ` +
      `istiod reads ${PLUGGED_IN_KEY_SETS.map((set) => set.join(', ')).join(' or ')}`);
  }
  return messages;
}

/**
 * Proxies rendered in full (not injected) that still name istiod as their CA while an external CA
 * signs: istiod's CA server is off, so they would never get a certificate.
 */
export function staleCaAddressMessages(scope: IConstruct, istiodAddress: string, ca: CaSpec): string[] {
  if (!ca.address) return [];
  const messages: string[] = [];
  for (const w of appWorkloads(scope)) {
    const stale = w.containers.some((c) => (c.env ?? []).some((e: any) => e.name === 'CA_ADDR' && e.value === istiodAddress));
    if (!stale) continue;
    messages.push(`${w.ref} (${w.object.node.path}) runs a proxy whose CA_ADDR is istiod (${istiodAddress}), but 'certificateAuthority' is the external CA ` +
      `${ca.address} and istiod's CA server is off, so it would get no certificate; let the mesh inject it, or set CA_ADDR to ${JSON.stringify(ca.address)}`);
  }
  return messages;
}
