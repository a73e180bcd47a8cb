/**
 * The work of `vchat verify`: run the planned steps in order against one deployment and
 * return a VerifyReport. No printing here; renderers in src/cli/ui turn the report into text.
 */
import { describeNetError } from '../client/net-error.ts';
import { VerifyContext } from './context.ts';
import { planSteps } from './plan.ts';
import { ACCOUNT_STEPS, STEPS } from './steps/index.ts';
import type { Outcome, StepReport, VerifyOptions, VerifyReport } from './types.ts';

const STOPPED_HINT =
  'The server stopped answering in the middle of the run: check its logs for a crash, restart or rate limit, and raise --timeout for a slow network.';

/** Run every selected step and build the report. Never throws for server misbehaviour. */
export async function runVerify(options: VerifyOptions): Promise<VerifyReport> {
  const startedAt = new Date();
  const started = performance.now();
  const ctx = new VerifyContext(options);
  const plan = planSteps(
    options.account ? [...STEPS, ...ACCOUNT_STEPS] : STEPS,
    options.origins,
    options.only,
    options.skip,
  );
  const verdicts = new Map<string, StepReport['verdict']>();
  /** For a skipped step, the step that started the chain ("ws-connect failed", "join-room was skipped by --skip"). */
  const causes = new Map<string, string>();
  const steps: StepReport[] = [];
  try {
    for (const step of plan) {
      const base = { id: step.id, name: step.def.name, origin: step.origin, title: step.def.title };
      let outcome: Outcome;
      let ms = 0;
      const blocker = step.needs.find((id) => verdicts.get(id) === 'FAIL' || verdicts.get(id) === 'SKIP');
      if (step.skippedByUser) {
        outcome = { verdict: 'SKIP', note: 'skipped by --skip' };
        causes.set(step.id, `${step.id} was skipped by --skip`);
      } else if (blocker) {
        const cause =
          verdicts.get(blocker) === 'FAIL' ? `${blocker} failed` : (causes.get(blocker) ?? `${blocker} was skipped`);
        causes.set(step.id, cause);
        outcome = {
          verdict: 'SKIP',
          note: cause.startsWith(`${blocker} `)
            ? `needs ${cause.replace(`${blocker} `, `${blocker}, which `)}`
            : `needs ${blocker}, skipped because ${cause}`,
        };
      } else {
        options.onProgress?.({ kind: 'start', id: step.id, title: step.def.title });
        const t0 = performance.now();
        outcome = await step.def.run(ctx, step.runOrigin).catch((err: unknown): Outcome => ({
          verdict: 'FAIL',
          observed: describeNetError(err),
          expected: `an answer within ${ctx.timeoutMs} ms`,
          hint: STOPPED_HINT,
        }));
        ms = Math.round(performance.now() - t0);
      }
      const report: StepReport = { ...base, verdict: outcome.verdict, ms, ...definedOnly(outcome) };
      verdicts.set(step.id, report.verdict);
      steps.push(report);
      options.onProgress?.({ kind: 'end', step: report });
    }
  } finally {
    await ctx.dispose();
  }
  const count = (v: StepReport['verdict']) => steps.filter((s) => s.verdict === v).length;
  const summary = {
    total: steps.length,
    pass: count('PASS'),
    fail: count('FAIL'),
    warn: count('WARN'),
    skip: count('SKIP'),
  };
  const unreachable = verdicts.get('reachable') === 'FAIL';
  const exit_code = unreachable ? 2 : summary.fail > 0 ? 1 : 0;
  return {
    schema: 'vchat.verify/1',
    ok: exit_code === 0,
    exit_code,
    api: ctx.api,
    ws: ctx.ws,
    origins: [...options.origins],
    bad_origin: options.badOrigin,
    started_at: startedAt.toISOString(),
    duration_ms: Math.round(performance.now() - started),
    server: ctx.server,
    ...(options.account
      ? { account: { username: ctx.accountName, email: ctx.accountEmail, user_id: ctx.account?.id ?? null } }
      : {}),
    summary,
    steps,
  };
}

/** observed/expected/hint/note without undefined keys, so the JSON stays tidy. */
function definedOnly(outcome: Outcome): Partial<StepReport> {
  const out: Partial<StepReport> = {};
  if (outcome.observed !== undefined) out.observed = outcome.observed;
  if (outcome.expected !== undefined) out.expected = outcome.expected;
  if (outcome.hint !== undefined) out.hint = outcome.hint;
  if (outcome.note !== undefined) out.note = outcome.note;
  return out;
}
