/** Tables for the `durable` and `growth` bench sections, with the issue 16 targets and verdicts. */
import type { DurableReport, DurableRestRun } from './durable.ts';
import type { GrowthReport } from './growth.ts';
import { medianRun } from './rounds.ts';
import type { WsRun } from './ws.ts';

/** Issue 16: Postgres at least half of memory's throughput, p99 at half of Postgres's saturation, growth within 1.5×. */
export const DURABLE_TARGETS = { throughputRatio: 0.5, halfP99Ms: 50, growthRatio: 1.5 };

const mark = (ok: boolean): string => (ok ? 'met' : 'MISSED');
const cut2 = (x: number): number => Math.floor(Math.round(x * 1e6) / 1e4) / 100;

function table(head: string[], rows: Array<Array<string | number>>): string[] {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)];
}

/** "size: batches" for the distribution, plus its percentiles by message. */
export function batchSummary(sizes: Record<string, number>): string {
  const entries = Object.entries(sizes)
    .map(([k, v]) => [Number(k), v] as const)
    .sort((a, b) => a[0] - b[0]);
  const batches = entries.reduce((n, [, v]) => n + v, 0);
  const messages = entries.reduce((n, [k, v]) => n + k * v, 0);
  if (batches === 0) return 'no batches written';
  // The batch size the median (p90, max) message was written in.
  const at = (q: number): number => {
    let seen = 0;
    for (const [k, v] of entries) {
      seen += k * v;
      if (seen >= q * messages) return k;
    }
    return entries[entries.length - 1]![0];
  };
  const buckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, Infinity];
  const counts = buckets.map((hi, i) => {
    const lo = i === 0 ? 1 : buckets[i - 1]! + 1;
    return [lo, hi, entries.filter(([k]) => k >= lo && k <= hi).reduce((n, [, v]) => n + v, 0)] as const;
  });
  const hist = counts
    .filter(([, , n]) => n > 0)
    .map(([lo, hi, n]) => `${lo === hi ? lo : `${lo}–${hi === Infinity ? '' : hi}`}: ${n}`)
    .join(', ');
  return `${batches} batches, ${messages} messages, ${cut2(messages / batches)} per batch on average; the median message was in a batch of ${at(0.5)}, p90 ${at(0.9)}, largest ${entries[entries.length - 1]![0]} (batches by size: ${hist})`;
}

/** The median run of each store: by deliveries at saturation, by p99 at the fixed half rate (as the verdicts). */
function wsRows(runs: WsRun[], half: boolean): Array<Array<string | number>> {
  const pick = (name: string) =>
    medianRun(
      runs.filter((x) => x.server === name),
      (x) => (half ? x.p99_ms : x.delivered_per_s),
    );
  return ['memory', 'postgres'].flatMap((name) => {
    const x = pick(name);
    return x ? [[name, x.mode, x.delivered_per_s, x.p50_ms, x.p99_ms, x.lost, x.duplicated, x.errors]] : [];
  });
}

export function durableTable(d: DurableReport | undefined): string[] {
  const title = 'Durable store (issue 16): vchat on memory vs Postgres with default durable settings, same run';
  if (!d) return [];
  if (d.skipped) return [title, `durable: SKIPPED — ${d.skipped}`, `mongo: SKIPPED — ${d.mongo_skipped}`];
  const out = [title, `Postgres settings: ${d.postgres_settings ?? 'unknown'}`, ''];
  const head = ['store', 'mode', 'delivered/s', 'p50 ms', 'p99 ms', 'lost', 'dup', 'errors'];
  out.push(
    'WebSocket chat, 100 clients in rooms of 10 (median run):',
    ...table(head, [...wsRows(d.ws_saturation, false), ...wsRows(d.ws_half, true)]),
  );
  const mem = medianRun(
    d.ws_saturation.filter((x) => x.server === 'memory'),
    (x) => x.delivered_per_s,
  );
  const pg = medianRun(
    d.ws_saturation.filter((x) => x.server === 'postgres'),
    (x) => x.delivered_per_s,
  );
  const pgHalf = medianRun(
    d.ws_half.filter((x) => x.server === 'postgres'),
    (x) => x.p99_ms,
  );
  const all = [...d.ws_saturation, ...d.ws_half];
  const lost = all.reduce((n, x) => n + x.lost, 0);
  const dup = all.reduce((n, x) => n + x.duplicated, 0);
  if (mem && pg) {
    const k = cut2(pg.delivered_per_s / mem.delivered_per_s);
    out.push(
      `Postgres/memory deliveries: ${k}× (target ≥ ${DURABLE_TARGETS.throughputRatio}×: ${mark(k >= DURABLE_TARGETS.throughputRatio)})`,
    );
  }
  if (pgHalf)
    out.push(
      `Postgres p99 at half its saturation: ${pgHalf.p99_ms} ms (target ≤ ${DURABLE_TARGETS.halfP99Ms} ms: ${mark(pgHalf.p99_ms <= DURABLE_TARGETS.halfP99Ms)})`,
    );
  out.push(`Lost ${lost}, duplicated ${dup} over every durable WebSocket run (${mark(lost === 0 && dup === 0)})`, '');

  const restHead = ['store', 'rooms', 'mode', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'];
  const rows: Array<Array<string | number>> = [];
  const verdicts: string[] = [];
  for (const rooms of [1, 50]) {
    const of = (server: string, sat: boolean): DurableRestRun | undefined =>
      medianRun(
        d.rest.filter((x) => x.server === server && x.rooms === rooms && (x.mode === 'saturation') === sat),
        (x) => (sat ? x.req_per_s : x.p99_ms),
      );
    for (const sat of [true, false]) {
      for (const server of ['memory', 'postgres']) {
        const x = of(server, sat);
        if (x) rows.push([server, rooms, x.mode, x.req_per_s, x.p50_ms, x.p99_ms, x.non2xx, x.errors]);
      }
    }
    const [m, p, ph] = [of('memory', true), of('postgres', true), of('postgres', false)];
    if (m && p) {
      const k = cut2(p.req_per_s / m.req_per_s);
      verdicts.push(
        `${rooms} room(s): Postgres/memory ${k}× (${mark(k >= DURABLE_TARGETS.throughputRatio)})${ph ? `, Postgres p99 at half rate ${ph.p99_ms} ms (${mark(ph.p99_ms <= DURABLE_TARGETS.halfP99Ms)})` : ''}`,
      );
    }
  }
  out.push(
    'POST /rooms/{id}/messages, autocannon 32 connections (median run):',
    ...table(restHead, rows),
    ...verdicts,
    '',
  );
  out.push(`Group commit on Postgres over the section: ${batchSummary(d.batch_sizes)}`);
  out.push(`mongo: SKIPPED — ${d.mongo_skipped}`);
  if (d.error) out.push(`durable: FAILED — ${d.error}`);
  return out;
}

export function growthTable(g: GrowthReport | undefined): string[] {
  const title = 'Growth (issue 16): Postgres store, almost empty vs seeded database, autocannon 16 connections';
  if (!g) return [];
  if (g.skipped) return [title, `growth: SKIPPED — ${g.skipped}`];
  const out = [title];
  if (g.seed)
    out.push(
      `seeded: ${g.seed.rooms} rooms, ${g.seed.users} users, ${g.seed.messages} messages (${g.seed.hotMessages} in the room read), ${g.seed.membersPerRoom} members per room, in ${g.seed.seconds} s`,
    );
  const rows: Array<Array<string | number>> = [];
  const routes = [...new Set(g.rows.map((x) => x.route))];
  for (const route of routes) {
    const e = g.rows.find((x) => x.route === route && x.database === 'empty');
    const s = g.rows.find((x) => x.route === route && x.database === 'seeded');
    if (!e || !s) continue;
    const k50 = e.p50_ms > 0 ? cut2(s.p50_ms / e.p50_ms) : 0;
    const k99 = e.p99_ms > 0 ? cut2(s.p99_ms / e.p99_ms) : 0;
    const ok = Math.max(k50, k99) <= DURABLE_TARGETS.growthRatio && s.seq_scans === 0 && s.non2xx + s.errors === 0;
    rows.push([
      route,
      `${e.req_per_s} / ${s.req_per_s}`,
      `${e.p50_ms} / ${s.p50_ms}`,
      `${e.p99_ms} / ${s.p99_ms}`,
      `${k50}× / ${k99}×`,
      s.seq_scans,
      s.idx_scans,
      s.non2xx + s.errors,
      mark(ok),
    ]);
  }
  out.push(
    ...table(
      [
        'route',
        'req/s empty / seeded',
        'p50 ms',
        'p99 ms',
        'seeded/empty p50 / p99',
        'seq scans (seeded)',
        'index scans',
        'non-2xx+err',
        `≤ ${DURABLE_TARGETS.growthRatio}×, no seq scan`,
      ],
      rows,
    ),
  );
  if (g.error) out.push(`growth: FAILED — ${g.error}`);
  return out;
}
