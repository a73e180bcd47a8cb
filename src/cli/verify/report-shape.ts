/**
 * A runtime check of the `--json` document against VerifyReport (types.ts), for tests and
 * for CI scripts that want to trust the file before reading it. Returns a list of problems.
 */
import { ALL_STEP_NAMES } from './types.ts';

type Json = Record<string, unknown>;
const VERDICTS = ['PASS', 'FAIL', 'WARN', 'SKIP'];

const isObj = (v: unknown): v is Json => Boolean(v) && typeof v === 'object' && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isStrOrNull = (v: unknown) => v === null || isStr(v);

/** Every way `value` differs from the VerifyReport shape; empty when it conforms. */
export function checkVerifyReport(value: unknown): string[] {
  const p: string[] = [];
  if (!isObj(value)) return ['report is not a JSON object'];
  const r = value;
  if (r.schema !== 'vchat.verify/1') p.push('schema must be "vchat.verify/1"');
  if (typeof r.ok !== 'boolean') p.push('ok must be a boolean');
  if (![0, 1, 2].includes(r.exit_code as number)) p.push('exit_code must be 0, 1 or 2');
  if (r.ok !== (r.exit_code === 0)) p.push('ok must equal exit_code === 0');
  for (const k of ['api', 'ws', 'bad_origin', 'started_at']) if (!isStr(r[k])) p.push(`${k} must be a string`);
  if (isStr(r.started_at) && Number.isNaN(Date.parse(r.started_at))) p.push('started_at must be an ISO time');
  if (!Array.isArray(r.origins) || r.origins.length === 0 || !r.origins.every(isStr))
    p.push('origins must be a non-empty string array');
  if (!isInt(r.duration_ms)) p.push('duration_ms must be a whole number');
  if (r.server !== null) {
    if (!isObj(r.server)) p.push('server must be an object or null');
    else
      for (const k of ['version', 'commit', 'environment', 'storage'])
        if (!isStrOrNull(r.server[k])) p.push(`server.${k} must be a string or null`);
  }
  if (r.account !== undefined) {
    if (!isObj(r.account)) p.push('account must be an object when present');
    else {
      for (const k of ['username', 'email']) if (!isStr(r.account[k])) p.push(`account.${k} must be a string`);
      if (!isStrOrNull(r.account.user_id)) p.push('account.user_id must be a string or null');
    }
  }
  if (!Array.isArray(r.steps)) return [...p, 'steps must be an array'];
  r.steps.forEach((s, i) => p.push(...checkStep(s).map((m) => `steps[${i}].${m}`)));
  const ids = r.steps.map((s) => (isObj(s) ? s.id : undefined));
  if (new Set(ids).size !== ids.length) p.push('step ids must be unique');
  if (!isObj(r.summary)) return [...p, 'summary must be an object'];
  const count = (v: string) => (r.steps as unknown[]).filter((s) => isObj(s) && s.verdict === v).length;
  const expected: Json = {
    total: r.steps.length,
    pass: count('PASS'),
    fail: count('FAIL'),
    warn: count('WARN'),
    skip: count('SKIP'),
  };
  for (const [k, v] of Object.entries(expected)) if (r.summary[k] !== v) p.push(`summary.${k} must be ${String(v)}`);
  return p;
}

function checkStep(s: unknown): string[] {
  if (!isObj(s)) return ['is not an object'];
  const p: string[] = [];
  if (!isStr(s.id) || !s.id) p.push('id must be a non-empty string');
  if (!(ALL_STEP_NAMES as readonly unknown[]).includes(s.name))
    p.push(`name ${JSON.stringify(s.name)} is not a step name`);
  if (!isStrOrNull(s.origin)) p.push('origin must be a string or null');
  if (!isStr(s.title)) p.push('title must be a string');
  if (!VERDICTS.includes(s.verdict as string)) p.push('verdict must be PASS, FAIL, WARN or SKIP');
  if (!isInt(s.ms)) p.push('ms must be a whole number');
  for (const k of ['observed', 'expected', 'hint', 'note'])
    if (s[k] !== undefined && !isStr(s[k])) p.push(`${k} must be a string when present`);
  if ((s.verdict === 'FAIL' || s.verdict === 'WARN') && !(isStr(s.hint) && isStr(s.observed) && isStr(s.expected)))
    p.push('FAIL/WARN steps need observed, expected and hint');
  if (s.verdict === 'SKIP' && !isStr(s.note)) p.push('SKIP steps need a note saying why');
  return p;
}
