/** The bench report: its JSON shape and the tables printed on stdout, with ratios and targets. */
import { durableTable, growthTable } from './durable-table.ts';
import type { DurableReport } from './durable.ts';
import type { GrowthReport } from './growth.ts';
import type { MemFigures } from './memory.ts';
import type { RestFigures } from './rest.ts';
import { medianRun } from './rounds.ts';
import type { ScaleRow } from './scale.ts';
import type { WsCompare, WsRun } from './ws.ts';

/** The report's sections, in run order; `--only` takes a comma list of these. */
export const SECTIONS = ['rest', 'ws', 'memory', 'scaling', 'postgres', 'scaleout', 'durable', 'growth'] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchReport {
  started_at: string;
  quick: boolean;
  /** Alternating rounds per comparison (bench/rounds.ts); `rest` and `ws` hold every run, the tables their medians. */
  rounds: number;
  /** The sections this run measured (all of them unless --only). */
  sections: Section[];
  machine: {
    cores: number;
    cpu: string;
    memory_gb: number;
    node: string;
    note: string;
    loadavg_start: number[];
    loadavg_end: number[];
  };
  rest: RestFigures[];
  ws: WsCompare[];
  memory: MemFigures[];
  scaling: WsRun[];
  /** POST /rooms/{id}/messages on our server, memory store then Postgres store. `skipped`: why not run; `error`: why it failed. */
  postgres: { rows: RestFigures[]; skipped?: string; error?: string };
  /** bench/scale.ts rows (1 local, 1/2/3 over Redis). `skipped`: why not run; `error`: why it failed. */
  scaleout: {
    rows: ScaleRow[];
    options?: { clients: number; ratePerClient: number; seconds: number };
    skipped?: string;
    error?: string;
  };
  /** Issue 16: memory vs durable Postgres (bench/durable.ts). */
  durable?: DurableReport;
  /** Issue 16: almost empty vs seeded Postgres (bench/growth.ts). */
  growth?: GrowthReport;
  elapsed_s: number;
}

/** Targets from issue 6. */
export const TARGETS = { restRatio: 0.8, wsRatio: 0.8, halfP99Ms: 25, rssPerSocketBytes: 16 * 1024 };

const mark = (ok: boolean): string => (ok ? 'met' : 'MISSED');
/**
 * `a / b` cut (not rounded) to two decimals, so a ratio shown as 0.80× is at least 0.80 and
 * the verdict, read from the same figure, never passes a 0.796.
 */
export const ratio = (a: number, b: number): number => (b > 0 ? Math.floor(Math.round((a / b) * 1e6) / 1e4) / 100 : 0);

/** " (0.78–0.88× by round)": the spread of the per-round ratios, when there was more than one round. */
function roundSpread<T extends { round: number }>(
  base: readonly T[],
  ours: readonly T[],
  key: (run: T) => number,
): string {
  const ks = ours.flatMap((o) => {
    const b = base.find((x) => x.round === o.round);
    return b ? [ratio(key(o), key(b))] : [];
  });
  if (ks.length < 2) return '';
  return ` (${Math.min(...ks)}–${Math.max(...ks)}× by round)`;
}

function table(head: string[], rows: Array<Array<string | number>>): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

/** Markdown tables (they read fine in a terminal and paste into docs/performance.md). */
export function renderTables(r: BenchReport): string {
  const has = (s: Section): boolean => r.sections.includes(s);
  const all = SECTIONS.every(has);
  const out: string[] = [
    `vchat bench ${r.started_at}${r.quick ? ' (--quick)' : ''}${all ? '' : ` (--only ${r.sections.join(',')})`}: ${r.machine.cores} cores (${r.machine.cpu}), Node ${r.machine.node}; ${r.machine.note}`,
    `load average (1/5/15 min) at start ${r.machine.loadavg_start.join(' / ')}, at end ${r.machine.loadavg_end.join(' / ')}`,
    '',
  ];

  if (has('rest')) out.push(...restTable(r), '');
  if (has('ws')) out.push(...wsTable(r), '');
  if (has('memory')) out.push(...memTable(r), '');
  if (has('scaling')) out.push(...scalingTable(r), '');
  if (has('postgres')) out.push(...postgresTable(r), '');
  if (has('scaleout')) out.push(...scaleoutTable(r), '');
  if (has('durable')) out.push(...durableTable(r.durable), '');
  if (has('growth')) out.push(...growthTable(r.growth), '');

  const runs = [...r.ws.flatMap((c) => [...c.saturation, ...c.half]), ...r.scaling];
  const so = r.scaleout.rows;
  if (runs.length > 0 || so.length > 0) {
    const lost = runs.reduce((n, x) => n + x.lost, 0) + so.reduce((n, x) => n + x.missing, 0);
    const dup = runs.reduce((n, x) => n + x.duplicated, 0) + so.reduce((n, x) => n + x.duplicates, 0);
    out.push(
      `Loss/duplicates over every WebSocket run${so.length > 0 ? ' (scale-out included)' : ''}: lost ${lost}, duplicated ${dup} (${mark(lost === 0 && dup === 0)}); total ${r.elapsed_s}s`,
      '',
    );
  } else out.push(`total ${r.elapsed_s}s`, '');
  return out.join('\n');
}

function restTable(r: BenchReport): string[] {
  const rest = ['GET /health', 'POST /rooms/{id}/messages'].map((route) => {
    const runs = (server: string): RestFigures[] => r.rest.filter((x) => x.route === route && x.server === server);
    const [baseRuns, ourRuns] = [runs('node:http'), runs('vchat')];
    const base = medianRun(baseRuns, (x) => x.req_per_s);
    const ours = medianRun(ourRuns, (x) => x.req_per_s);
    const k = ratio(ours?.req_per_s ?? 0, base?.req_per_s ?? 0);
    return [
      route,
      base?.req_per_s ?? '-',
      base?.p99_ms ?? '-',
      ours?.req_per_s ?? '-',
      ours?.p99_ms ?? '-',
      `${k}×${roundSpread(baseRuns, ourRuns, (x) => x.req_per_s)}`,
      `${mark(k >= TARGETS.restRatio)} (≥${TARGETS.restRatio}×)`,
      `${base?.server_cpu_us_per_req ?? '-'} / ${ours?.server_cpu_us_per_req ?? '-'}`,
    ];
  });
  return [
    `REST (autocannon, 32 connections; ${medianNote(r)}, each on fresh server processes after a warm-up; server CPU = the server process's user+system time per request)`,
    table(
      [
        'route',
        'node:http req/s',
        'p99 ms',
        'vchat req/s',
        'p99 ms',
        'ratio',
        'target',
        'server CPU µs/req (node:http / vchat)',
      ],
      rest,
    ),
  ];
}

function wsTable(r: BenchReport): string[] {
  const ws = r.ws.map((c) => {
    const runs = (list: WsRun[], server: string): WsRun[] => list.filter((x) => x.server === server);
    const [satBase, satOurs] = [runs(c.saturation, 'ws'), runs(c.saturation, 'vchat')];
    const bs = medianRun(satBase, (x) => x.delivered_per_s);
    const os = medianRun(satOurs, (x) => x.delivered_per_s);
    const bh = medianRun(runs(c.half, 'ws'), (x) => x.p99_ms);
    const oh = medianRun(runs(c.half, 'vchat'), (x) => x.p99_ms);
    const k = ratio(os?.delivered_per_s ?? 0, bs?.delivered_per_s ?? 0);
    return [
      c.room_size,
      bs?.clients ?? '-',
      bs?.delivered_per_s ?? '-',
      os?.delivered_per_s ?? '-',
      `${k}× ${mark(k >= TARGETS.wsRatio)}${roundSpread(satBase, satOurs, (x) => x.delivered_per_s)}`,
      `${bh?.p99_ms ?? '-'} @${bh?.mode ?? ''}`,
      `${oh?.p99_ms ?? '-'} @${oh?.mode ?? ''} ${mark((oh?.p99_ms ?? Infinity) <= TARGETS.halfP99Ms)}`,
      `${bs?.server_cpu_us_per_msg ?? '-'} / ${os?.server_cpu_us_per_msg ?? '-'}`,
    ];
  });
  return [
    `WebSocket delivered msgs/s at saturation (closed loop) and p99 ms at half that rate (target ≥${TARGETS.wsRatio}×, p99 ≤${TARGETS.halfP99Ms} ms; ${medianNote(r)})`,
    table(
      [
        'room size',
        'clients',
        'ws deliv/s',
        'vchat deliv/s',
        'ratio',
        'ws p99 @half',
        'vchat p99 @half',
        'server CPU µs/msg at saturation (ws / vchat)',
      ],
      ws,
    ),
  ];
}

function medianNote(r: BenchReport): string {
  return r.rounds > 1 ? `median run of ${r.rounds} alternating rounds per server` : 'one run per server';
}

function memTable(r: BenchReport): string[] {
  const mem = r.memory.map((m) => [
    m.sockets,
    m.connected,
    (m.rss_per_socket_bytes / 1024).toFixed(1),
    (m.heap_per_socket_bytes / 1024).toFixed(1),
    mark(m.rss_per_socket_bytes <= TARGETS.rssPerSocketBytes),
  ]);
  return [
    `Memory per idle socket, vchat (target ≤${TARGETS.rssPerSocketBytes / 1024} KB RSS)`,
    table(['sockets', 'connected', 'RSS KB/socket', 'heap KB/socket', 'target'], mem),
  ];
}

function scalingTable(r: BenchReport): string[] {
  const scaling = r.scaling.map((s) => [
    s.clients,
    s.mode,
    s.delivered_per_s,
    s.p50_ms,
    s.p99_ms,
    s.lost,
    s.duplicated,
    s.errors + s.connect_failed,
  ]);
  return [
    'Scaling, vchat, rooms of 10, 1 msg/s per client',
    table(['clients', 'offered', 'deliv/s', 'p50 ms', 'p99 ms', 'lost', 'dup', 'errors'], scaling),
  ];
}

function postgresTable(r: BenchReport): string[] {
  const title = 'Store, vchat POST /rooms/{id}/messages (autocannon, 32 connections, one room): memory vs Postgres';
  if (r.postgres.skipped) return [title, `postgres: SKIPPED — ${r.postgres.skipped}`];
  const mem = r.postgres.rows.find((x) => x.server === 'vchat');
  const rows = r.postgres.rows.map((x) => [
    x.server === 'vchat' ? 'memory' : 'postgres',
    x.req_per_s,
    x.p99_ms,
    x.non2xx + x.errors,
    x === mem || !mem ? '1×' : `${ratio(x.req_per_s, mem.req_per_s)}×`,
  ]);
  const lines = [title, table(['store', 'req/s', 'p99 ms', 'non-2xx + errors', 'vs memory'], rows)];
  if (r.postgres.error) lines.push(`postgres: FAILED — ${r.postgres.error}`);
  return lines;
}

function scaleoutTable(r: BenchReport): string[] {
  const o = r.scaleout.options;
  const title = `Scale-out, real processes on one Postgres${o ? ` (${o.clients} clients round-robin over the instances, one room, ${o.ratePerClient} msgs/s each for ${o.seconds}s)` : ''}`;
  if (r.scaleout.skipped) return [title, `scale-out: SKIPPED — ${r.scaleout.skipped}`];
  const rows = r.scaleout.rows.map((x) => [
    x.instances,
    x.fanout,
    x.offered_msgs_per_s,
    x.delivered_per_s,
    x.p50_ms,
    x.p99_ms,
    x.max_ms,
    x.missing,
    x.duplicates,
  ]);
  const lines = [
    title,
    table(['instances', 'fan-out', 'offered msg/s', 'deliv/s', 'p50 ms', 'p99 ms', 'max ms', 'missing', 'dup'], rows),
  ];
  if (r.scaleout.error) lines.push(`scale-out: FAILED — ${r.scaleout.error}`);
  return lines;
}
