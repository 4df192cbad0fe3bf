import { DriftOutcome } from '../../conformance/apiserver/drift';
import { ExampleOutcome, ObjectOutcome } from '../../conformance/apiserver/dry-run';
import { allFailures, closingCounts, exampleCounts, printSuiteReport, SuiteFigures, summaryTable } from '../../conformance/apiserver/report';

const ok = (object: string, extra: Partial<ObjectOutcome> = {}): ObjectOutcome => ({
  file: 'dist/examples/x/a.yaml', object, accepted: true, persisted: false, warnings: [], ...extra,
});

function figures(patch: Partial<SuiteFigures> = {}): SuiteFigures {
  const examples: ExampleOutcome[] = [
    { name: 'mesh-default', seconds: 3.04, outcomes: [ok('Namespace istio-system', { persisted: true }), ok('Deployment istio-system/istiod')] },
    {
      name: 'zero-trust',
      seconds: 1.5,
      outcomes: [
        ok('ServiceAccount shop/web', { warnings: ['metadata.annotations[x]: deprecated'] }),
        ok('AuthorizationPolicy shop/deny', { accepted: false, message: 'Error from server (NotFound): namespaces "shop" not found' }),
      ],
    },
  ];
  const drift: DriftOutcome = { name: 'mesh-default', objects: 2, applied: 2, storedEqual: 2, drift: 0, failures: [], notes: [], seconds: 2 };
  return { kubernetesVersion: 'v1.35.3', build: 'built', buildSeconds: 312.4, startSeconds: 4.62, examples, drift, setupFailures: [], notes: [], ...patch };
}

describe('apiserver report', () => {
  test('per example counts', () => {
    expect(exampleCounts(figures().examples[1])).toEqual({ objects: 2, accepted: 1, rejected: 1, warned: 1 });
  });

  test('the table has build, start, one row per example, the drift check and a total', () => {
    // WHEN
    const table = summaryTable(figures());
    // THEN
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^step\s+objects\s+accepted\s+rejected\s+warned\s+stored-equal\s+drift\s+seconds\s+status$/);
    expect(lines.find((l) => l.startsWith('build'))).toMatch(/312\.4\s+ok$/);
    expect(lines.find((l) => l.startsWith('start'))).toMatch(/4\.6\s+ok$/);
    expect(lines.find((l) => l.startsWith('dry-run mesh-default'))).toMatch(/\s2\s+2\/2\s+0\s+0\s+-\s+-\s+3\.0\s+ok$/);
    expect(lines.find((l) => l.startsWith('dry-run zero-trust'))).toMatch(/\s2\s+1\/2\s+1\s+1\s+-\s+-\s+1\.5\s+FAIL$/);
    expect(lines.find((l) => l.startsWith('apply + drift mesh-default'))).toMatch(/\s2\s+2\/2\s+0\s+-\s+2\/2\s+0\s+2\.0\s+ok$/);
    expect(lines[lines.length - 1]).toMatch(/^total\s+4\s+3\/4\s+1\s+1\s+2\/2\s+0\s+-\s+FAIL$/);
  });

  test('reused binaries and a run that never started are shown as such', () => {
    const table = summaryTable(figures({ build: 'reused', buildSeconds: undefined, startSeconds: undefined, examples: [], drift: undefined }));
    expect(table).toMatch(/build kube-apiserver\/kubectl\/etcd.*reused\s+ok/);
    expect(table).toMatch(/start etcd \+ kube-apiserver.*-\s+NOT RUN/);
  });

  test('every rejection is a failure naming file, object and the server message', () => {
    expect(allFailures(figures())).toEqual([{
      file: 'dist/examples/x/a.yaml',
      object: 'AuthorizationPolicy shop/deny',
      message: 'rejected (dry-run): Error from server (NotFound): namespaces "shop" not found',
    }]);
  });

  test('drift and stored differences fail the run; closing line counts objects', () => {
    // GIVEN
    const drift: DriftOutcome = {
      name: 'mesh-default',
      objects: 2,
      applied: 2,
      storedEqual: 1,
      drift: 1,
      seconds: 2,
      failures: [{ file: 'f', object: 'Deployment istio-system/istiod', field: '.spec.replicas', message: 'stored 2, sent 1' }],
      notes: [],
    };
    const f = figures({ drift });
    // THEN
    expect(allFailures(f)).toHaveLength(2);
    expect(closingCounts(f)).toEqual({ passed: 3 + 0, failed: 1 + 2 });
    expect(summaryTable(f)).toMatch(/apply \+ drift mesh-default.*1\/2\s+1\s+2\.0\s+FAIL/);
  });

  test('the printed report lists failures, warnings, notes, then the table and the closing line', () => {
    // GIVEN
    const lines: string[] = [];
    const f = figures({
      notes: ['kube-apiserver v1.35.3'],
      drift: { name: 'mesh-default', objects: 2, applied: 2, storedEqual: 2, drift: 0, failures: [], seconds: 1, notes: [{ file: 'f', object: 'Deployment a/b', field: '.x', message: 'stored "2Gi", sent "2048Mi" (the same quantity in canonical form)' }] },
    });
    // WHEN
    printSuiteReport(f, (l) => lines.push(l));
    // THEN
    expect(lines).toContain('  kube-apiserver v1.35.3');
    expect(lines).toContain('  FAIL dist/examples/x/a.yaml AuthorizationPolicy shop/deny: rejected (dry-run): Error from server (NotFound): namespaces "shop" not found');
    expect(lines).toContain('  WARN dist/examples/x/a.yaml ServiceAccount shop/web: metadata.annotations[x]: deprecated');
    expect(lines).toContain('  NOTE f Deployment a/b .x: stored "2Gi", sent "2048Mi" (the same quantity in canonical form)');
    expect(lines[lines.length - 1]).toBe('apiserver: 5 passed, 1 failed');
  });

  test('a setup failure alone fails the run', () => {
    const f = figures({ examples: [], drift: undefined, setupFailures: [{ message: 'run aborted: overall timeout of 900 s reached' }] });
    expect(allFailures(f)).toHaveLength(1);
    expect(closingCounts(f)).toEqual({ passed: 0, failed: 1 });
  });
});
