import { ApiObject, App, Chart, DependencyGraph } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * Memoised tree queries for one synthesis: the closest chart of a construct and the ApiObjects of
 * a subtree. The tree does not change once validation has run, so each answer is computed once.
 */
export class TreeIndex {
  private readonly charts = new Map<IConstruct, Chart>();
  private readonly subtreeObjects = new Map<IConstruct, ApiObject[]>();

  /** `Chart.of(c)`, memoised (throws like it for a construct outside every chart). */
  public chartOf(c: IConstruct): Chart {
    let chart = this.charts.get(c);
    if (chart === undefined) {
      chart = Chart.isChart(c) ? c as Chart : this.chartOfScope(c);
      this.charts.set(c, chart);
    }
    return chart;
  }

  /** The ApiObjects in the subtree of `c` (itself included), in `findAll()` order. */
  public apiObjectsUnder(c: IConstruct): ApiObject[] {
    let objects = this.subtreeObjects.get(c);
    if (objects === undefined) {
      objects = c.node.findAll().filter((x): x is ApiObject => x instanceof ApiObject);
      this.subtreeObjects.set(c, objects);
    }
    return objects;
  }

  private chartOfScope(c: IConstruct): Chart {
    const scope = c.node.scope;
    // Chart.of's own error for a construct no chart contains.
    return scope === undefined ? Chart.of(c) : this.chartOf(scope);
  }
}

interface Dependency {
  readonly source: IConstruct;
  readonly target: IConstruct;
}

function dependenciesOf(all: readonly IConstruct[]): Dependency[] {
  const deps: Dependency[] = [];
  for (const source of all) {
    for (const target of source.node.dependencies) deps.push({ source, target });
  }
  return deps;
}

/**
 * Turns the app's construct dependencies into the chart and ApiObject dependencies cdk8s 2.70 orders
 * its output by, exactly as its `App.synth()` does (a chart depends on the charts it contains and on
 * those its constructs depend on; an object depends on every object of the constructs its
 * construct depends on, within the same pair of charts), once for the whole app. cdk8s repeats this
 * for every chart it writes; the result is the same, since a second run only adds edges the first
 * one added.
 *
 * @param all every construct of the app, in `findAll()` order
 * @returns whether a chart depends on another chart (cdk8s then numbers the output files)
 */
export function resolveDependencies(all: readonly IConstruct[], index: TreeIndex): boolean {
  let dependantCharts = false;
  for (const parent of all) {
    if (!(parent instanceof Chart)) continue;
    for (const child of parent.node.children) {
      if (child instanceof Chart) {
        parent.node.addDependency(child);
        dependantCharts = true;
      }
    }
  }
  for (const dep of dependenciesOf(all)) {
    const sourceChart = index.chartOf(dep.source);
    const targetChart = index.chartOf(dep.target);
    if (sourceChart !== targetChart) {
      sourceChart.node.addDependency(targetChart);
      dependantCharts = true;
    }
  }
  // Listed again: the chart dependencies added above take part, as in cdk8s.
  for (const dep of dependenciesOf(all)) {
    const sourceChart = index.chartOf(dep.source);
    const targetChart = index.chartOf(dep.target);
    const targets = index.apiObjectsUnder(dep.target).filter((x) => index.chartOf(x) === targetChart);
    const sources = index.apiObjectsUnder(dep.source).filter((x) => index.chartOf(x) === sourceChart);
    for (const target of targets) {
      for (const source of sources) {
        if (target !== source) source.node.addDependency(target);
      }
    }
  }
  return dependantCharts;
}

/** Whether a property key is an array index, which JavaScript objects list first, in numeric order. */
function isIndexKey(key: string): boolean {
  return /^(0|[1-9]\d*)$/.test(key) && Number(key) < 4294967295;
}

/**
 * `new DependencyGraph(root.node).topology()` of cdk8s 2.70, computed in linear time: the same
 * vertices (the subtree of `root`, keyed by path, so array-index paths come first), the same edges
 * (dependencies within the subtree, in insertion order), the same roots (vertices nothing depends
 * on), the same depth-first post-order. cdk8s checks each new edge for a cycle by searching the
 * graph (quadratic on long chains) and revisits shared dependencies; here each vertex is visited
 * once. On a cycle, cdk8s' own graph is built to throw its error.
 *
 * @param all `root.node.findAll()`
 */
export function topology(root: IConstruct, all: readonly IConstruct[]): IConstruct[] {
  const members = new Set(all);
  const edges = new Map<IConstruct, Set<IConstruct>>();
  const dependedOn = new Set<IConstruct>();
  for (const source of all) {
    for (const target of source.node.dependencies) {
      if (!members.has(target)) continue; // cdk8s does not cross the subtree's boundary
      let out = edges.get(source);
      if (out === undefined) edges.set(source, (out = new Set()));
      out.add(target);
      dependedOn.add(target);
    }
  }
  // Object.values() order of cdk8s' path-keyed vertex table: index-like paths (a top-level id such as '1') first.
  const rootScope = root.node.scope;
  const indexed = all.filter((c) => c.node.scope === rootScope || c.node.scope === root ? isIndexKey(c.node.path) : false);
  const vertices = indexed.length === 0 ? all
    : [...indexed.sort((a, b) => Number(a.node.path) - Number(b.node.path)), ...all.filter((c) => !indexed.includes(c))];
  const done = new Set<IConstruct>();
  const active = new Set<IConstruct>();
  const order: IConstruct[] = [];
  const visit = (c: IConstruct): void => {
    if (done.has(c)) return;
    if (active.has(c)) {
      new DependencyGraph(root.node); // throws cdk8s' "Dependency cycle detected: ..."
      throw new Error(`Dependency cycle detected at ${c.node.path}`);
    }
    active.add(c);
    for (const d of edges.get(c) ?? []) visit(d);
    active.delete(c);
    done.add(c);
    order.push(c);
  };
  for (const v of vertices) if (!dependedOn.has(v)) visit(v);
  // A cycle without a root is never reached from one: cdk8s throws for it while adding its edges.
  if (order.length !== vertices.length) {
    new DependencyGraph(root.node);
    throw new Error('Dependency cycle detected');
  }
  return order;
}

/** The objects cdk8s writes for `chart`, in its order: the chart's dependency topology, objects whose closest chart it is. */
export function chartObjects(chart: Chart, index: TreeIndex): ApiObject[] {
  return topology(chart, chart.node.findAll())
    .filter((x): x is ApiObject => x instanceof ApiObject && index.chartOf(x) === chart);
}

/** The app's charts in the order cdk8s writes them (`App.charts`: the app's dependency topology, charts only). */
export function chartsInOrder(app: App, all: readonly IConstruct[]): Chart[] {
  return topology(app, all).filter((x): x is Chart => x instanceof Chart);
}
