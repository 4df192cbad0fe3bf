import { IConstruct } from 'constructs';

interface Scan {
  readonly charts: number;
  readonly all: IConstruct[];
  readonly indexes: Map<string, unknown>;
}

const scans = new WeakMap<IConstruct, Scan>();
/** Walks fixed for the duration of a one-pass synthesis (`withAppScan`). */
const pinned = new WeakMap<IConstruct, Scan>();

function scan(scope: IConstruct): Scan {
  const root = scope.node.root;
  const fixed = pinned.get(root);
  if (fixed) return fixed;
  const charts = root.node.children.length;
  const cached = scans.get(root);
  if (cached && cached.charts === charts) return cached;
  const fresh: Scan = { charts, all: root.node.findAll(), indexes: new Map() };
  scans.set(root, fresh);
  queueMicrotask(() => {
    if (scans.get(root) === fresh) scans.delete(root);
  });
  return fresh;
}

/**
 * Runs `run` (a one-pass synthesis of the app `root`) with `all` (its `findAll()`) as the walk every
 * check shares, and their indexes kept until it returns: the tree does not change while the app is
 * validated and written, so neither the walk nor the "has the app gained a chart" test (which lists
 * the app's charts, once per check: quadratic in the number of charts) is repeated.
 */
export function withAppScan<T>(root: IConstruct, all: IConstruct[], run: () => T): T {
  const previous = pinned.get(root);
  pinned.set(root, previous ?? { charts: -1, all, indexes: new Map() });
  try {
    return run();
  } finally {
    if (!previous) pinned.delete(root);
  }
}

/**
 * Every construct of the app, in `findAll()` order, from one walk of the tree shared by all
 * synth-time checks.
 *
 * Synthesis validates each construct separately; checks that look at the whole app (unknown
 * namespaces, probe rewrites, name clashes, overlapping selectors) would otherwise walk the whole
 * tree once per construct, which is quadratic at platform scale (hundreds of namespaces). The walk
 * is kept for the rest of the current synchronous run (the synthesis) and dropped after it, or when
 * the app gains a chart.
 */
export function allConstructs(scope: IConstruct): IConstruct[] {
  return scan(scope).all;
}

/**
 * An index over `allConstructs` (e.g. workloads by namespace), built once per walk and shared the
 * same way. `key` names the index; `build` must depend only on the constructs it is given.
 */
export function appIndex<T>(scope: IConstruct, key: string, build: (all: IConstruct[]) => T): T {
  const s = scan(scope);
  if (!s.indexes.has(key)) s.indexes.set(key, build(s.all));
  return s.indexes.get(key) as T;
}

/**
 * A validation that runs once per synthesis: cdk8s validates the whole app once per chart, so a
 * check that renders objects (gateways, Telemetry selectors) would otherwise repeat that work for
 * every chart of the app. The result is kept with the tree walk above.
 */
export function oncePerSynth(scope: IConstruct, check: () => string[]): () => string[] {
  const key = `validation:${scope.node.addr}:${nextCheck++}`;
  return () => appIndex(scope, key, () => check());
}

/** Distinguishes several checks registered on one construct. */
let nextCheck = 0;
