/**
 * `npm run schemas`: writes the JSON Schema of each `--json` document from its TypeBox source,
 * so CI scripts can validate a report with any JSON Schema validator. test/cli/report-schema.test.ts
 * fails when a written file no longer matches its source.
 */
import { writeFileSync } from 'node:fs';
import { VerifyReportSchema } from '../src/cli/verify/report-shape.ts';

export const SCHEMA_FILES = [{ file: 'verify-report.schema.json', schema: VerifyReportSchema }] as const;

for (const { file, schema } of SCHEMA_FILES) {
  writeFileSync(new URL(`../schemas/${file}`, import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
  process.stdout.write(`wrote schemas/${file}\n`);
}
