// @ts-check
/**
 * Render a `vchat verify --json` report (argv[2]; argv[3] is vchat's exit code) for a CI run:
 * one line per step in the log, failures with observed / expected / hint, and a Markdown table
 * appended to $GITHUB_STEP_SUMMARY when it is set. Plain Node, no dependencies: the action runs
 * it next to the built CLI.
 */
import { appendFileSync, readFileSync } from 'node:fs';

const [, , file = '', exitCode = '?'] = process.argv;

/** @param {string} path @returns {any} the parsed report, or undefined when there is none (a usage error prints no JSON). */
function readReport(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** @param {unknown} s a table cell without pipes or line breaks */
const cell = (s) =>
  String(s ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ');

const report = readReport(file);
const log = [];
const md = [];
if (!report || !Array.isArray(report.steps)) {
  log.push(`vchat verify exited ${exitCode} without a report (usage error? its message is above)`);
  md.push(`### vchat verify: exit ${exitCode}, no report`, '', 'See the step log for the error.');
} else {
  const s = report.summary ?? {};
  const verdict = report.ok ? 'OK' : 'FAILED';
  log.push(`vchat verify ${report.api}: ${verdict} (exit ${report.exit_code ?? exitCode})`);
  md.push(`### vchat verify ${report.ok ? '✅' : '❌'} ${cell(report.api)}`, '');
  md.push(
    `${s.pass ?? 0} passed, ${s.warn ?? 0} warnings, ${s.fail ?? 0} failed, ${s.skip ?? 0} skipped; origins: ${cell((report.origins ?? []).join(', '))}`,
    '',
  );
  md.push('| verdict | step | ms | observed |', '|---|---|---:|---|');
  for (const step of report.steps) {
    log.push(`${String(step.verdict).padEnd(5)} ${String(step.id).padEnd(22)} ${step.observed ?? step.note ?? ''}`);
    md.push(`| ${cell(step.verdict)} | ${cell(step.id)} | ${cell(step.ms)} | ${cell(step.observed ?? step.note)} |`);
  }
  const problems = report.steps.filter((/** @type {any} */ st) => st.verdict === 'FAIL' || st.verdict === 'WARN');
  for (const st of problems) {
    log.push('', `${st.verdict}  ${st.id}`, `      observed: ${st.observed ?? ''}`);
    if (st.expected) log.push(`      expected: ${st.expected}`);
    if (st.hint) log.push(`      hint:     ${st.hint}`);
    md.push(
      '',
      `**${cell(st.verdict)} ${cell(st.id)}**: ${cell(st.observed)}${st.expected ? `; expected ${cell(st.expected)}` : ''}${st.hint ? `  \n${cell(st.hint)}` : ''}`,
    );
  }
  // GitHub turns these into annotations on the run.
  for (const st of problems)
    log.push(
      `::${st.verdict === 'FAIL' ? 'error' : 'warning'} title=vchat verify ${st.id}::${cell(st.observed)}${st.hint ? ` (${cell(st.hint)})` : ''}`,
    );
}
process.stdout.write(`${log.join('\n')}\n`);
if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, `${md.join('\n')}\n`);
