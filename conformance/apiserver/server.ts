/**
 * Starts and stops the throwaway control plane: one etcd member and one kube-apiserver on 127.0.0.1,
 * on free ports, with the credentials from certs.ts, in a temporary directory the run removes.
 *
 * There is no controller-manager, scheduler or kubelet: nothing creates ServiceAccount tokens or
 * default ServiceAccounts, finalizes deleted namespaces or runs pods. The suite only needs admission
 * (validation, defaulting, built-in admission plugins) and storage, which kube-apiserver does alone.
 *
 * Each server runs in its own process group under coreutils `timeout`, so it ends at the latest after
 * `maxLifetimeSeconds` even if this process is killed outright (etcd also stops when its parent
 * goes away). stop() sends SIGTERM to the group, then SIGKILL after a grace period, keeps the logs
 * in `.cache/apiserver/last-run/` and removes the temporary directory.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { ControlPlaneBinaries } from './build';
import { Credentials, writeCredentials, writeKubeconfig } from './certs';

/** A running control plane. */
export interface ControlPlane {
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  /** Path of a kubeconfig with admin rights on it. */
  readonly kubeconfig: string;
  /** The run's temporary directory (certs, kubeconfig, etcd data, logs). */
  readonly dir: string;
  /** Seconds from starting etcd until kube-apiserver's /readyz said ok. */
  readonly startSeconds: number;
  /** Stops both servers and removes the temporary directory; safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Hard limit on the servers' life, enforced by `timeout` even if this process dies. */
  readonly maxLifetimeSeconds: number;
  /** How long to wait for etcd and kube-apiserver to become ready. */
  readonly readyTimeoutMs?: number;
  /** Where stop() copies the servers' logs (kept for the next look after a failure). */
  readonly logDir: string;
  readonly log?: (line: string) => void;
}

/**
 * kube-apiserver's command line. Flags a real cluster would differ on are explained; every admission
 * plugin stays at its default (NamespaceLifecycle, ServiceAccount, webhooks, ValidatingAdmissionPolicy...).
 */
export function apiserverArgs(o: { etcdPort: number; securePort: number; creds: Credentials; certDir: string }): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${o.etcdPort}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${o.securePort}`,
    `--tls-cert-file=${o.creds.serverCert}`,
    `--tls-private-key-file=${o.creds.serverKey}`,
    `--cert-dir=${o.certDir}`,
    `--token-auth-file=${o.creds.tokenFile}`,
    '--anonymous-auth=false',
    '--authorization-mode=RBAC',
    // As on kubeadm and managed clusters: the istio-cni DaemonSet runs a privileged container.
    '--allow-privileged=true',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${o.creds.serviceAccountPublicKey}`,
    `--service-account-signing-key-file=${o.creds.serviceAccountKey}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    // The advertise address is loopback, which the `kubernetes` Endpoints may not hold; nothing here needs them.
    '--endpoint-reconciler-type=none',
  ];
}

/** Asks the OS for `count` distinct free TCP ports on 127.0.0.1. */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const srv = net.createServer();
      servers.push(srv);
      ports.push(await new Promise<number>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => resolve((srv.address() as net.AddressInfo).port));
      }));
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** Last `n` lines of a log file, for error messages. */
export function tailOf(file: string, n = 25): string {
  if (!fs.existsSync(file)) return '(no log)';
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  return lines.slice(-n).join('\n');
}

interface Server {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  exited: boolean;
  exitCode: number | null;
  /** Why it could not be started at all (e.g. `timeout` not installed). */
  startError?: string;
}

function startServer(name: string, binary: string, args: string[], logFile: string, maxLifetimeSeconds: number): Server {
  const fd = fs.openSync(logFile, 'a');
  // `timeout` is the backstop against a runner killed with SIGKILL; detached = own process group,
  // so stop() reaches the server behind `timeout` with one kill(-pgid).
  const child = spawn('timeout', ['--signal=TERM', '--kill-after=10', String(maxLifetimeSeconds), binary, ...args], {
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  fs.closeSync(fd);
  const server: Server = { name, child, logFile, exited: false, exitCode: null };
  child.on('exit', (code) => {
    server.exited = true;
    server.exitCode = code;
  });
  child.on('error', (e) => {
    server.exited = true;
    server.startError = `cannot run coreutils timeout: ${e.message}`;
  });
  return server;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** GET `url`; resolves with status code and body, or undefined when the connection fails. */
function get(url: string, options: https.RequestOptions = {}): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(url, { ...options, timeout: 2000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

async function waitUntil(what: string, server: Server, deadline: number, probe: () => Promise<boolean>): Promise<void> {
  for (;;) {
    if (server.startError) throw new Error(`${server.name} did not start: ${server.startError}`);
    if (server.exited) {
      throw new Error(`${server.name} exited (code ${server.exitCode}) before ${what}; last lines of ${server.logFile}:\n${tailOf(server.logFile)}`);
    }
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`${server.name} not ${what} in time; last lines of ${server.logFile}:\n${tailOf(server.logFile)}`);
    await sleep(250);
  }
}

async function stopServer(s: Server, graceMs: number): Promise<void> {
  if (s.exited || s.child.pid === undefined) return;
  const pid = s.child.pid;
  const signalGroup = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      // the group is gone already
    }
  };
  const exited = new Promise<void>((resolve) => {
    if (s.exited) resolve();
    else s.child.once('exit', () => resolve());
  });
  signalGroup('SIGTERM');
  const inTime = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!inTime) {
    signalGroup('SIGKILL');
    await Promise.race([exited, sleep(5000)]);
  }
  // `timeout` may have gone first; make sure nothing of the group outlives it.
  signalGroup('SIGKILL');
}

/**
 * Starts etcd and kube-apiserver and waits until kube-apiserver's /readyz answers ok. On any
 * failure both are stopped and the error names the server and quotes the end of its log.
 */
export async function startControlPlane(bins: ControlPlaneBinaries, opts: StartOptions): Promise<ControlPlane> {
  const log = opts.log ?? ((l: string) => console.error(l));
  const started = Date.now();
  const deadline = started + (opts.readyTimeoutMs ?? 120_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-istio-apiserver-'));
  const servers: Server[] = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // kube-apiserver first: it keeps retrying etcd otherwise.
    for (const s of [...servers].reverse()) await stopServer(s, 15_000);
    fs.rmSync(opts.logDir, { recursive: true, force: true });
    fs.mkdirSync(opts.logDir, { recursive: true });
    for (const s of servers) if (fs.existsSync(s.logFile)) fs.copyFileSync(s.logFile, path.join(opts.logDir, path.basename(s.logFile)));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const creds = writeCredentials(dir);
    const [etcdClient, etcdPeer, securePort] = await freePorts(3);
    const etcd = startServer('etcd', bins.etcd, [
      `-data-dir=${path.join(dir, 'etcd-data')}`,
      `-client-port=${etcdClient}`,
      `-peer-port=${etcdPeer}`,
      `-max-lifetime=${opts.maxLifetimeSeconds}s`,
    ], path.join(dir, 'etcd.log'), opts.maxLifetimeSeconds);
    servers.push(etcd);
    await waitUntil('healthy', etcd, deadline, async () => {
      const res = await get(`http://127.0.0.1:${etcdClient}/health`);
      return res?.status === 200 && res.body.includes('"health":"true"');
    });
    const apiserver = startServer('kube-apiserver', bins.kubeApiserver, apiserverArgs({ etcdPort: etcdClient, securePort, creds, certDir: path.join(dir, 'cert-dir') }),
      path.join(dir, 'kube-apiserver.log'), opts.maxLifetimeSeconds);
    servers.push(apiserver);
    const server = `https://127.0.0.1:${securePort}`;
    const ca = fs.readFileSync(creds.caCert);
    await waitUntil('ready (/readyz)', apiserver, deadline, async () => {
      const res = await get(`${server}/readyz`, { ca, headers: { Authorization: `Bearer ${creds.token}` } });
      return res?.status === 200 && res.body.trim() === 'ok';
    });
    const kubeconfig = writeKubeconfig(path.join(dir, 'kubeconfig'), server, creds);
    const startSeconds = (Date.now() - started) / 1000;
    log(`apiserver: kube-apiserver ${bins.kubernetesVersion} ready at ${server} after ${startSeconds.toFixed(1)} s (etcd on 127.0.0.1:${etcdClient})`);
    return { server, kubeconfig, dir, startSeconds, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
