import { App, AppProps } from 'cdk8s';
import { reportingOf } from './private/synth/reporting';
import { recordsConstructMetadata, renderApp, renderYaml, writeOutput } from './private/synth/synthesize';

/**
 * How the messages constructs print while the app is validated (CanaryRelease plans, gateway,
 * namespace and analyzer warnings) reach stderr.
 */
export enum SynthStderr {
  /** Each message as printed when there are at most `summaryThreshold` of them, one summary otherwise. */
  AUTO = 'auto',
  /** Each message as printed, however many there are. */
  PER_CONSTRUCT = 'per-construct',
  /** One summary, however few messages there are. */
  SUMMARY = 'summary',
}

/**
 * What a one-pass synthesis prints on stderr.
 */
export interface SynthReportingOptions {
  /**
   * How the messages printed during validation reach stderr: at platform scale one summary
   * (release plans grouped by schedule, warnings grouped by analyzer code, with a few construct
   * paths each) instead of one block per construct.
   * @default SynthStderr.AUTO
   */
  readonly stderr?: SynthStderr;
  /**
   * With `SynthStderr.AUTO`, the most messages printed one by one; more are summarized.
   * @default 20
   */
  readonly summaryThreshold?: number;
  /**
   * Show a progress line (validating, rendering chart i of n) on stderr while synthesizing.
   * @default - when stderr is a terminal
   */
  readonly progress?: boolean;
}

/**
 * Props of `MeshApp`: cdk8s' `AppProps` plus what synthesis prints on stderr.
 */
export interface MeshAppProps extends AppProps, SynthReportingOptions {}

/**
 * A cdk8s `App` that synthesizes in one pass: the app is validated once, its dependencies resolved
 * once and each object rendered once, then the files are written, byte-identical to what cdk8s'
 * own `App.synth()` writes for the same app (same file names, same YAML, same order, every
 * `yamlOutputType`). cdk8s 2.70 validates the whole app and resolves its dependencies again for
 * every chart it writes, which makes an app of hundreds of charts quadratic.
 *
 * Nothing is written when validation fails (the error is cdk8s' `Validation failed with the
 * following errors: ...`). At platform scale the messages printed during validation become one
 * summary on stderr (see `stderr`), and a progress line shows on a terminal.
 *
 * Use it instead of `App`; for an `App` you do not create (another library's subclass), call
 * `MeshApp.synthesize(app)` instead of `app.synth()`.
 *
 * @example
 * const app = new MeshApp({ outdir: 'dist' });
 * const mesh = new MeshInstallation(new Chart(app, 'mesh'), 'Mesh');
 * app.synth();
 */
export class MeshApp extends App {
  /**
   * Synthesizes any cdk8s `App` in one pass, as `MeshApp.synth()` does: writes the same files as
   * `app.synth()` would.
   */
  public static synthesize(app: App, options: SynthReportingOptions = {}): void {
    const output = renderApp(app, {
      yamlOutputType: app.yamlOutputType,
      outputFileExtension: app.outputFileExtension,
      recordConstructMetadata: recordsConstructMetadata(app),
    }, reportingOf('MeshApp.synthesize', options));
    writeOutput(app.outdir, output);
  }

  /**
   * Any cdk8s `App` as one YAML string, in one pass: the same string as `app.synthYaml()`.
   */
  public static synthesizeYaml(app: App, options: SynthReportingOptions = {}): string {
    return renderYaml(app, reportingOf('MeshApp.synthesizeYaml', options));
  }

  /** @internal */
  protected readonly _reporting: SynthReportingOptions;

  constructor(props: MeshAppProps = {}) {
    super(props);
    this._reporting = { stderr: props.stderr, summaryThreshold: props.summaryThreshold, progress: props.progress };
    reportingOf(new.target.name, this._reporting);
  }

  /**
   * Validates the app, then writes every chart to `outdir` as cdk8s' `App.synth()` does, in one
   * pass. Throws before writing anything when validation fails.
   */
  public synth(): void {
    MeshApp.synthesize(this, this._reporting);
  }

  /**
   * The app's objects as one YAML string, as cdk8s' `App.synthYaml()` returns it, in one pass.
   */
  public synthYaml(): string {
    return MeshApp.synthesizeYaml(this, this._reporting);
  }
}

