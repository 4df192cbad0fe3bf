/**
 * Check `schema`: admission emulation of every object of every synthesized example
 * (dist/examples/<example>/*.yaml). Unit: one object. See schema-validator.ts for what is checked.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { CheckResult, ConformanceContext, emptyResult, Failure } from './report';
import { ObjectValidation, SchemaValidator } from './schema-validator';
import { exampleFolders } from './validate-analyze';

/** Parses a multi-document YAML file; syntax errors become failures naming the file. */
export function readYamlDocs(file: string, label = file): { docs: unknown[]; failures: Failure[] } {
  const docs: unknown[] = [];
  const failures: Failure[] = [];
  for (const d of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
    if (d.errors.length > 0) {
      failures.push(...d.errors.map((e) => ({ file: label, message: `YAML: ${e.message.split('\n')[0]}` })));
      continue;
    }
    const value: unknown = d.toJS();
    if (value !== null && value !== undefined) docs.push(value);
  }
  return { docs, failures };
}

/** The synthesized YAML files, `<example>/<file>.yaml` (chart folders of a GitOpsApp included, kustomizations not), sorted. */
export function exampleFiles(examplesDir: string): string[] {
  return exampleFolders(examplesDir).flatMap((e) => e.files.map((f) => path.relative(examplesDir, f)));
}

/**
 * API groups we emit but can get no schema for on these machines, with the reason. Their objects
 * are listed as allowlisted instead of failing the check.
 */
const NO_SCHEMA_SOURCE: { [group: string]: string } = {
  'kiali.io': 'the Kiali CRD lives in the kiali-operator repository, which the Go module proxy does not serve (403)',
};

/** Runs the schema check over dist/examples. */
export async function runSchemaChecks(ctx: ConformanceContext): Promise<CheckResult> {
  const result = emptyResult('schema');
  const files = exampleFiles(ctx.examplesDir);
  if (files.length === 0) {
    result.skipped = true;
    result.details!.push(`no YAML under ${path.relative(ctx.repoRoot, ctx.examplesDir) || ctx.examplesDir}: run \`npm run synth\` first`);
    return result;
  }
  const validator = SchemaValidator.withThirdParty();
  const all: ObjectValidation[] = [];
  for (const rel of files) {
    const label = path.relative(ctx.repoRoot, path.join(ctx.examplesDir, rel));
    const { docs, failures } = readYamlDocs(path.join(ctx.examplesDir, rel), label);
    result.failures.push(...failures);
    const validated = validator.validateAll(docs, label);
    all.push(...validated);
    result.details!.push(`${label}: ${validated.length} objects, ${validated.filter((v) => v.problems.length > 0).length} with problems`);
  }
  for (const v of all) {
    result.items++;
    const problems: Failure[] = [...v.problems];
    const noSource = v.validatedBy === 'none' ? NO_SCHEMA_SOURCE[v.group ?? ''] : undefined;
    if (v.validatedBy === 'none' && !noSource) problems.push({ file: v.file, object: v.object, message: `not validated: ${v.unvalidatedReason}` });
    if (problems.length > 0) {result.failed++;} else if (noSource) {
      result.allowlisted++;
      result.details!.push(`not validated (allowlisted): ${v.file} ${v.object}: ${noSource}`);
    } else {result.passed++;}
    result.failures.push(...problems);
  }
  result.details!.push(...celDetails(validator, all), ...coverageDetails(all));
  return result;
}

/** Lines about the CEL rules: inventory, evaluated on the examples, and every rule not evaluable. */
function celDetails(validator: SchemaValidator, all: ObjectValidation[]): string[] {
  const inv = validator.celInventory();
  const lines = [
    `CEL: ${inv.rules} rules in the served CRD versions; ${inv.notEvaluable.length} cannot be evaluated here, ${inv.transition.length} transition rules`,
    `CEL: ${all.reduce((n, v) => n + v.celEvaluated, 0)} rule evaluations on the examples' objects`,
  ];
  for (const i of [...inv.notEvaluable, ...inv.transition]) lines.push(`CEL NOT EVALUATED ${i.crd} ${i.schemaPath}: ${i.reason}: ${i.rule}`);
  const hit = all.flatMap((v) => v.celNotEvaluated.map((i) => `${v.file} ${v.object} ${i.field}: ${i.reason}`));
  if (hit.length > 0) lines.push(`CEL: ${hit.length} rules on the examples' objects were not evaluated:`, ...hit.map((h) => `  ${h}`));
  return lines;
}

function coverageDetails(all: ObjectValidation[]): string[] {
  const by = (k: ObjectValidation['validatedBy']): number => all.filter((v) => v.validatedBy === k).length;
  const kinds = [...new Set(all.map((v) => v.object.split(' ')[0]))].sort();
  return [
    `validated by CRD schema + CEL: ${by('crd')}, by kubernetes-models 4.x: ${by('kubernetes-models')}, not validated: ${by('none')}`,
    `kinds: ${kinds.join(', ')}`,
    'unknown fields: errors for Istio kinds (structural schema); not detected for core kinds (kubernetes-models schemas are open)',
  ];
}
