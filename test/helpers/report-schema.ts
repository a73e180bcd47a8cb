/** The published JSON Schema of `vchat verify --json`, compiled by Ajv as a CI script would use it. */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';

export const publishedSchema: unknown = JSON.parse(
  readFileSync(new URL('../../schemas/verify-report.schema.json', import.meta.url), 'utf8'),
);

/** Ajv in strict mode (a CI script would add ajv-formats; the one format the schema uses is enough here). */
export function publishedValidator(): ValidateFunction {
  const ajv = new Ajv({ allErrors: true });
  ajv.addFormat('date-time', (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s));
  return ajv.compile(publishedSchema as object);
}
