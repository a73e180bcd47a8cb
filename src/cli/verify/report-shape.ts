/**
 * The `--json` document (VerifyReport, types.ts) as one TypeBox schema, which is plain JSON
 * Schema: the compiler checks that its type is VerifyReport, `npm run schemas` writes it to
 * schemas/verify-report.schema.json for CI scripts (a test fails when that file is stale), and
 * checkVerifyReport checks a document against it plus what JSON Schema cannot state: summary
 * counts that match the steps, and unique step ids. Only tests and scripts import this file, so
 * the CLI bundle stays free of TypeBox (a devDependency).
 */
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { ALL_STEP_NAMES, type StepReport, type VerifyReport } from './types.ts';

const VERDICTS = ['PASS', 'FAIL', 'WARN', 'SKIP'] as const;
const whole = () => Type.Integer({ minimum: 0 });
const stringOrNull = () => Type.Union([Type.String(), Type.Null()]);
const text = (description: string) => Type.Optional(Type.String({ description }));

/** `if` the property has one of `values`, `then` these properties are required. */
const requiredWhen = (property: string, values: readonly string[], required: string[]) => ({
  if: { required: [property], properties: { [property]: { enum: values } } },
  then: { required },
});

const StepSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, description: 'unique: name, or name[origin] for per-origin steps' }),
    name: Type.Enum([...ALL_STEP_NAMES]),
    origin: stringOrNull(),
    title: Type.String(),
    verdict: Type.Enum([...VERDICTS]),
    ms: whole(),
    observed: text('what was seen'),
    expected: text('what a working deployment gives'),
    hint: text('how to fix it'),
    note: text('why the step was skipped, or a remark'),
  },
  {
    allOf: [
      requiredWhen('verdict', ['FAIL', 'WARN'], ['observed', 'expected', 'hint']),
      requiredWhen('verdict', ['SKIP'], ['note']),
    ],
  },
);

export const VerifyReportSchema = Type.Object(
  {
    schema: Type.Literal('vchat.verify/1'),
    ok: Type.Boolean({ description: 'true exactly when exit_code is 0 (warnings allowed)' }),
    exit_code: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)]),
    api: Type.String(),
    ws: Type.String(),
    origins: Type.Array(Type.String(), { minItems: 1 }),
    bad_origin: Type.String(),
    started_at: Type.String({ format: 'date-time' }),
    duration_ms: whole(),
    server: Type.Union([
      Type.Object({
        version: stringOrNull(),
        commit: stringOrNull(),
        environment: stringOrNull(),
        storage: stringOrNull(),
      }),
      Type.Null(),
    ]),
    account: Type.Optional(Type.Object({ username: Type.String(), email: Type.String(), user_id: stringOrNull() })),
    summary: Type.Object({ total: whole(), pass: whole(), fail: whole(), warn: whole(), skip: whole() }),
    steps: Type.Array(StepSchema),
  },
  {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'vchat verify --json report (vchat.verify/1)',
    description: 'Also: summary counts equal the steps by verdict, and step ids are unique (not expressible here).',
    if: { required: ['exit_code'], properties: { exit_code: { const: 0 } } },
    then: { properties: { ok: { const: true } } },
    else: { properties: { ok: { const: false } } },
  },
);

/**
 * Fails to compile when the schema and VerifyReport drift apart, in either direction. Key sets
 * are compared too: a missing optional property would still be assignable both ways.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Report = Static<typeof VerifyReportSchema>;
type Assert<T extends true[]> = T;
export type SchemaMatchesVerifyReport = Assert<
  [
    Same<Report, VerifyReport>,
    Same<keyof Report, keyof VerifyReport>,
    Same<keyof Static<typeof StepSchema>, keyof StepReport>,
    Same<keyof NonNullable<Report['account']>, keyof NonNullable<VerifyReport['account']>>,
  ]
>;

const validator = Compile(VerifyReportSchema);

/** TypeBox reports a failed `then` without its inner errors: say which rule, by where it sits in the schema. */
const CONDITIONAL_RULES: Record<string, string> = {
  '#': 'ok must equal exit_code === 0',
  '#/properties/steps/items/allOf/0': 'FAIL/WARN steps need observed, expected and hint',
  '#/properties/steps/items/allOf/1': 'SKIP steps need a note saying why',
};

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every way `value` differs from the VerifyReport shape, as "<JSON pointer> <message>"; empty when it conforms. */
export function checkVerifyReport(value: unknown): string[] {
  if (!isObj(value)) return ['report is not a JSON object'];
  const p = validator.Check(value)
    ? []
    : validator
        .Errors(value)
        .map((e) => `${e.instancePath || '/'} ${(e.keyword === 'if' && CONDITIONAL_RULES[e.schemaPath]) || e.message}`);
  if (!Array.isArray(value.steps) || !isObj(value.summary)) return p;
  const steps = value.steps as unknown[];
  const ids = steps.map((s) => (isObj(s) ? s.id : undefined));
  if (new Set(ids).size !== ids.length) p.push('/steps step ids must be unique');
  const count = (v: string) => steps.filter((s) => isObj(s) && s.verdict === v).length;
  const expected: Record<string, number> = {
    total: steps.length,
    pass: count('PASS'),
    fail: count('FAIL'),
    warn: count('WARN'),
    skip: count('SKIP'),
  };
  for (const [k, v] of Object.entries(expected))
    if (value.summary[k] !== v) p.push(`/summary/${k} must be ${v} (counted from the steps)`);
  return p;
}
