/**
 * `vchat verify --junit <file>`: the report as JUnit XML for CI systems that display it (one
 * testsuite, one testcase per step; FAIL is a <failure> carrying observed/expected/hint,
 * SKIP is <skipped> with the reason, WARN passes with the details in <system-out>).
 */
import type { StepReport, VerifyReport } from './types.ts';

/** Escape text for XML content and attribute values; drops characters XML 1.0 cannot carry. */
export function xmlEscape(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
  );
}

const details = (s: StepReport): string =>
  [
    ['observed', s.observed],
    ['expected', s.expected],
    ['hint', s.hint],
  ]
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');

function testcase(s: StepReport): string {
  const open = `    <testcase classname="vchat.verify" name="${xmlEscape(s.id)}" time="${(s.ms / 1000).toFixed(3)}"`;
  if (s.verdict === 'PASS') return `${open}/>`;
  if (s.verdict === 'SKIP')
    return `${open}>\n      <skipped message="${xmlEscape(s.note ?? 'skipped')}"/>\n    </testcase>`;
  if (s.verdict === 'WARN')
    return `${open}>\n      <system-out>${xmlEscape(`WARN\n${details(s)}`)}</system-out>\n    </testcase>`;
  const message = s.hint ? `${s.observed ?? s.title} (hint: ${s.hint})` : (s.observed ?? s.title);
  return `${open}>\n      <failure message="${xmlEscape(message)}" type="FAIL">${xmlEscape(details(s))}</failure>\n    </testcase>`;
}

/** The whole JUnit document for a report. */
export function renderJunit(r: VerifyReport): string {
  const attrs = `name="vchat verify ${xmlEscape(r.api)}" tests="${r.summary.total}" failures="${r.summary.fail}" errors="0" skipped="${r.summary.skip}" time="${(r.duration_ms / 1000).toFixed(3)}" timestamp="${xmlEscape(r.started_at)}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ${attrs}>`,
    `  <testsuite ${attrs}>`,
    ...r.steps.map(testcase),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
