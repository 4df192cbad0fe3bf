import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { CertificateIssuer } from '../../gateway-tls';
import { MeshValidationError } from '../errors';

/** cert-manager's Certificate kind (no L1 is generated for it; emitted as a plain ApiObject). */
export const CERTIFICATE_GVK = { apiVersion: 'cert-manager.io/v1', kind: 'Certificate' };

interface CertificateEntry {
  readonly issuer?: CertificateIssuer;
  readonly hosts: string[];
}

/**
 * The credentials a gateway's hosts use, and the cert-manager Certificates for those that ask for
 * one: one Certificate per credential, whose `dnsNames` are every host using the credential. A
 * credential is either managed by cert-manager for all its hosts, with one issuer, or by nobody.
 */
export class CertificateRegistry {
  private readonly entries = new Map<string, CertificateEntry>();
  private scope?: Construct;

  constructor(private readonly owner: Construct, private readonly namespace: string, private readonly labels?: { [key: string]: string }) {}

  /** Records that `host` uses credential `credentialName`, issued by `issuer`. */
  public request(credentialName: string, issuer: CertificateIssuer, host: string): void {
    const entry = this.entries.get(credentialName);
    if (entry) {
      if (!entry.issuer || entry.issuer.name !== issuer.name || entry.issuer.kind !== issuer.kind) {
        throw new MeshValidationError(this.owner,
          `'tls.issuer' of host "${host}" is ${issuer.kind} "${issuer.name}", but credential "${credentialName}" is already used by ` +
          `${entry.hosts.map((h) => `"${h}"`).join(', ')} ${entry.issuer ? `with ${entry.issuer.kind} "${entry.issuer.name}"` : 'without an issuer'}; ` +
          'one Secret has one issuer: give the hosts the same issuer or use another credentialName');
      }
      entry.hosts.push(host);
      return;
    }
    const created: CertificateEntry = { issuer, hosts: [host] };
    this.entries.set(credentialName, created);
    this.scope ??= new Construct(this.owner, 'Certificates');
    new ApiObject(this.scope, credentialName, {
      ...CERTIFICATE_GVK,
      metadata: { name: credentialName, namespace: this.namespace, labels: this.labels ? { ...this.labels } : undefined },
      spec: Lazy.any({
        produce: () => ({
          secretName: credentialName,
          dnsNames: [...created.hosts],
          issuerRef: { group: 'cert-manager.io', kind: issuer.kind, name: issuer.name },
        }),
      }),
    });
  }

  /** Records that `host` uses credential `credentialName`, managed outside the app. */
  public checkUnmanaged(credentialName: string, host: string): void {
    const entry = this.entries.get(credentialName);
    if (entry?.issuer) {
      throw new MeshValidationError(this.owner,
        `host "${host}" uses credential "${credentialName}" without 'tls.issuer', but cert-manager issues it (${entry.issuer.kind} ` +
        `"${entry.issuer.name}") for ${entry.hosts.map((h) => `"${h}"`).join(', ')} only; give this host the same issuer so the ` +
        'certificate covers it, or use another credentialName');
    }
    if (entry) entry.hosts.push(host);
    else this.entries.set(credentialName, { hosts: [host] });
  }
}
