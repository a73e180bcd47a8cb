/**
 * The human report: a header, one line per step, then observed/expected/hint for every
 * FAIL and WARN, then a summary. Pure functions returning strings; `--json` never gets here.
 */
import type { StepReport, VerifyReport } from '../verify/types.ts';
import { painter, verdictLabel, type Paint } from './style.ts';

/** What the header needs (known before the run starts). */
export interface HeaderInfo {
  api: string;
  ws: string;
  origins: string[];
  bad_origin: string;
}

const ID_WIDTH = 18;
const LINE_CHARS = 100;

const clipLine = (text: string) => (text.length > LINE_CHARS ? `${text.slice(0, LINE_CHARS - 1)}…` : text);

/** The lines naming the target. */
export function renderHeader(info: HeaderInfo): string {
  return `vchat verify ${info.api} (ws ${info.ws})\norigins: ${info.origins.join(', ')}; must be refused: ${info.bad_origin}\n\n`;
}

/** One step on one line: verdict, id, time, and the observed fact or skip reason. */
export function renderStepLine(step: StepReport, paint: Paint = painter(false)): string {
  const id = step.id.padEnd(ID_WIDTH);
  const ms = step.verdict === 'SKIP' ? '      ' : `${String(step.ms).padStart(4)}ms`;
  const what = step.verdict === 'SKIP' ? step.note : clipLine(step.observed ?? step.title);
  return `${verdictLabel(step.verdict, paint)}  ${id} ${paint('dim', ms)}  ${what ?? ''}`.trimEnd();
}

/** observed / expected / hint for a FAIL or WARN step, indented under its id. */
export function renderStepDetails(step: StepReport, paint: Paint = painter(false)): string {
  const rows = [
    ['observed', step.observed],
    ['expected', step.expected],
    ['hint', step.hint],
  ].filter((r): r is [string, string] => Boolean(r[1]));
  return `${verdictLabel(step.verdict, paint)}  ${paint('bold', step.id)}\n${rows.map(([k, v]) => `      ${paint('dim', `${k}:`.padEnd(9))} ${v}`).join('\n')}\n`;
}

/** The server facts (if /health had them), the details of every problem, and the counts with the exit code. */
export function renderFooter(report: VerifyReport, paint: Paint = painter(false)): string {
  const problems = report.steps.filter((s) => s.verdict === 'FAIL' || s.verdict === 'WARN');
  const s = report.summary;
  const server = report.server
    ? `server: ${[report.server.version && `version ${report.server.version}`, report.server.commit && `commit ${report.server.commit}`, report.server.environment && `environment ${report.server.environment}`, report.server.storage && `storage ${report.server.storage}`].filter(Boolean).join(', ') || 'no version info in /health'}\n`
    : '';
  const verdict =
    report.exit_code === 2
      ? paint(['red', 'bold'], 'API unreachable')
      : report.ok
        ? paint(['green', 'bold'], 'OK')
        : paint(['red', 'bold'], 'FAILED');
  const counts = `${s.pass} passed, ${s.warn} warning${s.warn === 1 ? '' : 's'}, ${s.fail} failed, ${s.skip} skipped in ${report.duration_ms} ms`;
  return `\n${server}${problems.length ? `\n${problems.map((p) => renderStepDetails(p, paint)).join('\n')}` : ''}\n${verdict}: ${counts} (exit ${report.exit_code})\n`;
}

/** The whole human report at once (non-streaming callers and tests). */
export function renderHuman(report: VerifyReport, color = false): string {
  const paint = painter(color);
  return (
    renderHeader(report) +
    report.steps.map((s) => `${renderStepLine(s, paint)}\n`).join('') +
    renderFooter(report, paint)
  );
}
