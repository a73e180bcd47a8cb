/** The bench report: its JSON shape and the tables printed on stdout, with ratios and targets. */
import type { MemFigures } from './memory.ts';
import type { RestFigures } from './rest.ts';
import type { WsCompare, WsRun } from './ws.ts';

export interface BenchReport {
  started_at: string;
  quick: boolean;
  machine: { cores: number; cpu: string; memory_gb: number; node: string; note: string };
  rest: RestFigures[];
  ws: WsCompare[];
  memory: MemFigures[];
  scaling: WsRun[];
  elapsed_s: number;
}

/** Targets from issue 6. */
export const TARGETS = { restRatio: 0.8, wsRatio: 0.8, halfP99Ms: 25, rssPerSocketBytes: 16 * 1024 };

const mark = (ok: boolean): string => (ok ? 'met' : 'MISSED');
const ratio = (a: number, b: number): number => (b > 0 ? Math.round((a / b) * 100) / 100 : 0);

function table(head: string[], rows: Array<Array<string | number>>): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

/** Markdown tables (they read fine in a terminal and paste into docs/performance.md). */
export function renderTables(r: BenchReport): string {
  const out: string[] = [`vchat bench ${r.started_at}${r.quick ? ' (--quick)' : ''}: ${r.machine.cores} cores (${r.machine.cpu}), Node ${r.machine.node}; ${r.machine.note}`, ''];

  const rest = ['GET /health', 'POST /rooms/{id}/messages'].map((route) => {
    const base = r.rest.find((x) => x.route === route && x.server === 'node:http');
    const ours = r.rest.find((x) => x.route === route && x.server === 'vchat');
    const k = ratio(ours?.req_per_s ?? 0, base?.req_per_s ?? 0);
    return [route, base?.req_per_s ?? '-', base?.p99_ms ?? '-', ours?.req_per_s ?? '-', ours?.p99_ms ?? '-', `${k}×`, `${mark(k >= TARGETS.restRatio)} (≥${TARGETS.restRatio}×)`];
  });
  out.push('REST (autocannon, 32 connections)', table(['route', 'node:http req/s', 'p99 ms', 'vchat req/s', 'p99 ms', 'ratio', 'target'], rest), '');

  const ws = r.ws.map((c) => {
    const [bs, os] = [c.saturation.find((x) => x.server === 'ws'), c.saturation.find((x) => x.server === 'vchat')];
    const [bh, oh] = [c.half.find((x) => x.server === 'ws'), c.half.find((x) => x.server === 'vchat')];
    const k = ratio(os?.delivered_per_s ?? 0, bs?.delivered_per_s ?? 0);
    return [
      c.room_size,
      bs?.clients ?? '-',
      bs?.delivered_per_s ?? '-',
      os?.delivered_per_s ?? '-',
      `${k}× ${mark(k >= TARGETS.wsRatio)}`,
      `${bh?.p99_ms ?? '-'} @${bh?.mode ?? ''}`,
      `${oh?.p99_ms ?? '-'} @${oh?.mode ?? ''} ${mark((oh?.p99_ms ?? Infinity) <= TARGETS.halfP99Ms)}`,
    ];
  });
  out.push(
    `WebSocket delivered msgs/s at saturation (closed loop) and p99 ms at half that rate (target ≥${TARGETS.wsRatio}×, p99 ≤${TARGETS.halfP99Ms} ms)`,
    table(['room size', 'clients', 'ws deliv/s', 'vchat deliv/s', 'ratio', 'ws p99 @half', 'vchat p99 @half'], ws),
    '',
  );

  const mem = r.memory.map((m) => [m.sockets, m.connected, (m.rss_per_socket_bytes / 1024).toFixed(1), (m.heap_per_socket_bytes / 1024).toFixed(1), mark(m.rss_per_socket_bytes <= TARGETS.rssPerSocketBytes)]);
  out.push(`Memory per idle socket, vchat (target ≤${TARGETS.rssPerSocketBytes / 1024} KB RSS)`, table(['sockets', 'connected', 'RSS KB/socket', 'heap KB/socket', 'target'], mem), '');

  const scaling = r.scaling.map((s) => [s.clients, s.mode, s.delivered_per_s, s.p50_ms, s.p99_ms, s.lost, s.duplicated, s.errors + s.connect_failed]);
  out.push('Scaling, vchat, rooms of 10, 1 msg/s per client', table(['clients', 'offered', 'deliv/s', 'p50 ms', 'p99 ms', 'lost', 'dup', 'errors'], scaling), '');

  const all = [...r.ws.flatMap((c) => [...c.saturation, ...c.half]), ...r.scaling];
  const lost = all.reduce((n, x) => n + x.lost, 0);
  const dup = all.reduce((n, x) => n + x.duplicated, 0);
  out.push(`Loss/duplicates over every WebSocket run: lost ${lost}, duplicated ${dup} (${mark(lost === 0 && dup === 0)}); total ${r.elapsed_s}s`, '');
  return out.join('\n');
}
