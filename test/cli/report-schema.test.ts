/**
 * The published JSON Schema of `vchat verify --json` (schemas/verify-report.schema.json): it is
 * what the TypeBox source says, and an independent validator (Ajv) and checkVerifyReport agree on
 * good and broken reports. test/cli/e2e.test.ts checks a real run's output against the same file.
 */
import { describe, expect, it } from 'vitest';
import { checkVerifyReport, VerifyReportSchema } from '../../src/cli/verify/report-shape.ts';
import type { VerifyReport } from '../../src/cli/verify/types.ts';
import { publishedSchema as published, publishedValidator } from '../helpers/report-schema.ts';

function report(): VerifyReport {
  return {
    schema: 'vchat.verify/1',
    ok: true,
    exit_code: 0,
    api: 'http://127.0.0.1:8000',
    ws: 'ws://127.0.0.1:8000',
    origins: ['http://localhost:3000'],
    bad_origin: 'https://evil.example',
    started_at: '2026-12-06T20:00:00.000Z',
    duration_ms: 12,
    server: { version: '1.0.0', commit: null, environment: 'test', storage: 'memory (not persistent)' },
    summary: { total: 3, pass: 1, fail: 0, warn: 1, skip: 1 },
    steps: [
      { id: 'reachable', name: 'reachable', origin: null, title: 'API reachable', verdict: 'PASS', ms: 3 },
      {
        id: 'health',
        name: 'health',
        origin: null,
        title: 'GET /health',
        verdict: 'WARN',
        ms: 2,
        observed: 'storage memory',
        expected: 'a durable store',
        hint: 'Data lost on restart',
      },
      { id: 'timestamps', name: 'timestamps', origin: null, title: 'ISO times', verdict: 'SKIP', ms: 0, note: 'why' },
    ],
  };
}

describe('schemas/verify-report.schema.json', () => {
  it('is what the TypeBox source says (run `npm run schemas` after changing report-shape.ts)', () => {
    expect(published).toEqual(JSON.parse(JSON.stringify(VerifyReportSchema)));
  });

  it('accepts a good report, with Ajv and with checkVerifyReport', () => {
    const validate = publishedValidator();
    expect(validate(report()), JSON.stringify(validate.errors)).toBe(true);
    expect(checkVerifyReport(report())).toEqual([]);
  });

  const broken: Array<[string, (r: any) => void, string]> = [
    ['ok disagrees with exit_code', (r) => (r.exit_code = 1), '/ ok must equal exit_code === 0'],
    ['an unknown verdict', (r) => (r.steps[0].verdict = 'OK'), '/steps/0/verdict'],
    [
      'a WARN without a hint',
      (r) => delete r.steps[1].hint,
      '/steps/1 FAIL/WARN steps need observed, expected and hint',
    ],
    ['a SKIP without a note', (r) => delete r.steps[2].note, '/steps/2 SKIP steps need a note'],
    ['an unknown step name', (r) => (r.steps[0].name = 'nope'), '/steps/0/name'],
    ['no origins', (r) => (r.origins = []), '/origins'],
    ['a fractional duration', (r) => (r.duration_ms = 1.5), '/duration_ms'],
    ['a started_at that is no time', (r) => (r.started_at = 'yesterday'), '/started_at'],
    ['a missing summary', (r) => delete r.summary, '/ must have required properties summary'],
  ];
  it.each(broken)('refuses %s, with Ajv and with checkVerifyReport', (_name, breakIt, problem) => {
    const r = report();
    breakIt(r);
    expect(publishedValidator()(r)).toBe(false);
    const problems = checkVerifyReport(r);
    expect(
      problems.some((p) => p.startsWith(problem)),
      problems.join('\n'),
    ).toBe(true);
  });

  it('also checks what JSON Schema cannot: summary counts and unique ids', () => {
    const r = report();
    r.summary.pass = 2;
    r.steps[2]!.id = 'reachable';
    expect(publishedValidator()(r)).toBe(true);
    expect(checkVerifyReport(r)).toEqual([
      '/steps step ids must be unique',
      '/summary/pass must be 1 (counted from the steps)',
    ]);
    expect(checkVerifyReport([])).toEqual(['report is not a JSON object']);
  });
});
