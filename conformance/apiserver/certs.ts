/**
 * Credentials of the throwaway control plane, made fresh for every run with openssl (on any Debian
 * machine; Node's crypto cannot issue X.509 certificates):
 *
 * - a CA and a serving certificate for 127.0.0.1/localhost, signed by it, so kubectl verifies TLS;
 * - the service-account signing key kube-apiserver requires (ECDSA P-256) and its public key;
 * - a random bearer token for one user in `system:masters`, in a static token file;
 * - a kubeconfig that uses the CA and the token.
 *
 * Everything is written, mode 0600, into the run's temporary directory, which the run removes.
 */
import { spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** Paths of the files writeCredentials made, and the token. */
export interface Credentials {
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** Private key kube-apiserver signs service-account tokens with. */
  readonly serviceAccountKey: string;
  /** Its public key, which kube-apiserver verifies tokens with. */
  readonly serviceAccountPublicKey: string;
  readonly tokenFile: string;
  readonly token: string;
}

/** User the token authenticates as; `system:masters` passes every RBAC check. */
export const ADMIN_USER = 'cdk8s-istio-conformance';

function openssl(args: string[], cwd: string): void {
  const res = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (res.error || res.status !== 0) {
    const why = res.error ? res.error.message : `exit ${res.status}: ${(res.stderr ?? '').trim()}`;
    throw new Error(`openssl ${args[0]} failed (${why}); the apiserver suite needs openssl >= 1.1.1 (Debian package "openssl")`);
  }
}

/** Line of a kube-apiserver `--token-auth-file`: token, user, uid, "group1,group2". */
export function tokenFileLine(token: string, user: string, groups: string[]): string {
  return `${token},${user},${user},"${groups.join(',')}"\n`;
}

/** Makes the CA, serving certificate, service-account key and token in `dir`. */
export function writeCredentials(dir: string): Credentials {
  const p = (f: string) => path.join(dir, f);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=cdk8s-istio-conformance-ca'], dir);
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver'], dir);
  fs.writeFileSync(p('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext'], dir);
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', 'service-account.key'], dir);
  // --service-account-key-file reads public keys (a PKCS#8 private key is not accepted there).
  openssl(['pkey', '-in', 'service-account.key', '-pubout', '-out', 'service-account.pub'], dir);
  const token = randomBytes(24).toString('hex');
  fs.writeFileSync(p('tokens.csv'), tokenFileLine(token, ADMIN_USER, ['system:masters']), { mode: 0o600 });
  for (const f of ['ca.key', 'server.key', 'service-account.key']) fs.chmodSync(p(f), 0o600);
  return {
    caCert: p('ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    serviceAccountKey: p('service-account.key'),
    serviceAccountPublicKey: p('service-account.pub'),
    tokenFile: p('tokens.csv'),
    token,
  };
}

/** A kubeconfig (JSON is valid YAML) for `server` that trusts `caCert` and sends `token`. */
export function kubeconfigText(server: string, caCert: string, token: string): string {
  const config = {
    'apiVersion': 'v1',
    'kind': 'Config',
    'clusters': [{ name: 'conformance', cluster: { 'server': server, 'certificate-authority': caCert } }],
    'users': [{ name: ADMIN_USER, user: { token } }],
    'contexts': [{ name: 'conformance', context: { cluster: 'conformance', user: ADMIN_USER, namespace: 'default' } }],
    'current-context': 'conformance',
  };
  return `${JSON.stringify(config, undefined, 2)}\n`;
}

/** Writes the kubeconfig (mode 0600) to `file` and returns its path. */
export function writeKubeconfig(file: string, server: string, creds: Credentials): string {
  fs.writeFileSync(file, kubeconfigText(server, creds.caCert, creds.token), { mode: 0o600 });
  return file;
}
