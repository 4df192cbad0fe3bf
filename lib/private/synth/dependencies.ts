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

/** The objects cdk8s writes for `chart`, in its order: the chart's dependency topology, objects whose closest chart it is. */
export function chartObjects(chart: Chart, index: TreeIndex): ApiObject[] {
  return new DependencyGraph(chart.node).topology()
    .filter((x): x is ApiObject => x instanceof ApiObject && index.chartOf(x) === chart);
}

/** The app's charts in the order cdk8s writes them (`App.charts`: topological). */
export function chartsInOrder(app: App): Chart[] {
  return app.charts;
}
