/**
 * One knob of the durable store, swept: our server on the Postgres store (default durable
 * settings, bench/pg-durable.ts), a fresh server process per value, every value run twice (in
 * reverse order the second time) so a drift of the shared machine hits every value alike.
 * Prints the rows as a markdown table with the load average; each row as it comes on stderr.
 */
import { loadavg } from 'node:os';
import { startDurablePostgres } from './pg-durable.ts';
import { startBenchServer, type BenchServer } from './servers.ts';

export interface Sweep<V> {
  /** Log prefix and server name. */
  name: string;
  values: V[];
  /** What the bench server is told for a value (added to BENCH_STORE and BENCH_DATABASE_URL). */
  env(value: V): Record<string, string>;
  /** The table's header cells; the first names the knob. */
  columns: string[];
  /** Measure one server; the table cells after the value's own. */
  measure(server: BenchServer): Promise<Array<string | number>>;
}

const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');

export async function runSweep<V>(sweep: Sweep<V>): Promise<void> {
  const log = (s: string): void => void process.stderr.write(`[${sweep.name}] ${s}\n`);
  const pg = await startDurablePostgres();
  log(`Postgres ${pg.settings}; load average ${load()}`);
  const rows: string[] = [];
  try {
    for (const values of [sweep.values, [...sweep.values].reverse()]) {
      for (const value of values) {
        const server = await startBenchServer(`${sweep.name} ${String(value)}`, 'server-vchat.ts', undefined, {
          BENCH_STORE: 'postgres',
          BENCH_DATABASE_URL: pg.url,
          ...sweep.env(value),
        });
        try {
          const row = `| ${[String(value), ...(await sweep.measure(server))].join(' | ')} |`;
          log(row);
          rows.push(row);
        } finally {
          await server.close();
        }
      }
    }
  } finally {
    pg.stop();
  }
  process.stdout.write(
    [
      `| ${sweep.columns.join(' | ')} |`,
      `|${sweep.columns.map(() => '---').join('|')}|`,
      ...rows,
      `load average at end ${load()}`,
      '',
    ].join('\n'),
  );
}
