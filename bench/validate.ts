/**
 * `npm run bench:validate [-- --quick]`: a micro-benchmark of the hot-path validation (issue 19):
 * our hand validator against valibot, zod 4 and TypeBox (compiled, and the same JSON Schema
 * through Ajv), each implementing the same rules (see bench/validate-*.ts for what each library
 * cannot say by itself). It first checks that every implementation gives our answer on every
 * case, then times them: rounds of one batch per implementation, the order rotated each round,
 * CPU ns/op as the median over rounds. Prints a table and writes bench/results/validate.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { CASES, type Case } from './validate-cases.ts';
import { ours, type Impl, type Out } from './validate-impl.ts';
import { ajvImpl, typebox } from './validate-jsonschema.ts';
import { valibot } from './validate-valibot.ts';
import { zod } from './validate-zod.ts';

const quick = process.argv.includes('--quick');
const IMPLS: Impl[] = [ours, valibot, zod, typebox, ajvImpl];
/** Time per batch; rounds per case. */
const BATCH_MS = quick ? 10 : 25;
const ROUNDS = quick ? 5 : 11;

function call(impl: Impl, c: Case): Out {
  if (c.kind === 'frame') return impl.frame(c.input as string);
  const body = c.input as Record<string, unknown>;
  return c.kind === 'post' ? impl.post(body) : impl.join(body);
}

/** What must agree: ok, the value (undefined keys dropped) and, for bodies, the fields in error. */
function answer(out: Out, c: Case): unknown {
  if (out.ok) {
    // A schema that allows `type` passes it through; the server reads only the other fields.
    const value = { ...out.value } as Record<string, unknown>;
    delete value.type;
    return { ok: true, value: JSON.parse(JSON.stringify(value)) as unknown };
  }
  if (c.kind === 'frame') return { ok: false };
  return { ok: false, fields: [...new Set(out.errors.map((e) => e.field))].sort() };
}

function checkAgreement(): string[] {
  const problems: string[] = [];
  for (const c of CASES) {
    const want = answer(call(ours, c), c);
    if ((want as { ok: boolean }).ok !== c.valid) problems.push(`${c.name}: ours says ok=${String(!c.valid)}`);
    for (const impl of IMPLS.slice(1)) {
      const got = answer(call(impl, c), c);
      if (!isDeepStrictEqual(got, want))
        problems.push(`${c.name}: ${impl.name} ${JSON.stringify(got)} != ours ${JSON.stringify(want)}`);
    }
  }
  return problems;
}

let sink = 0;
/**
 * CPU nanoseconds per call (user + system of this process, GC threads included). CPU time, not
 * wall time: on a shared box wall time also counts the slices other processes took.
 */
function timeBatch(impl: Impl, c: Case, n: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) if (call(impl, c).ok) sink++;
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / n;
}

/** Iterations that take about BATCH_MS; the loop doubles as the warm-up. */
function calibrate(impl: Impl, c: Case): number {
  let n = 64;
  for (;;) {
    const ns = timeBatch(impl, c, n);
    if (ns * n >= BATCH_MS * 1e6 * 0.5) return Math.max(1, Math.round((BATCH_MS * 1e6) / ns));
    n *= 2;
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

interface Row {
  case: string;
  kind: string;
  valid: boolean;
  ns: Record<string, number>;
  relative: Record<string, number>;
}

function measure(c: Case): Row {
  const sizes = IMPLS.map((impl) => calibrate(impl, c));
  const samples: number[][] = IMPLS.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < IMPLS.length; k++) {
      const i = (k + r) % IMPLS.length;
      samples[i]!.push(timeBatch(IMPLS[i]!, c, sizes[i]!));
    }
  }
  const ns: Record<string, number> = {};
  const relative: Record<string, number> = {};
  const base = median(samples[0]!);
  IMPLS.forEach((impl, i) => {
    const m = median(samples[i]!);
    ns[impl.name] = Math.round(m);
    relative[impl.name] = Math.round((m / base) * 100) / 100;
  });
  return { case: c.name, kind: c.kind, valid: c.valid, ns, relative };
}

function version(pkg: string): string {
  const url = new URL(`../node_modules/${pkg}/package.json`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

function table(rows: Row[]): string {
  const head = ['case', ...IMPLS.map((i) => `${i.name} ns (x)`)];
  const body = rows.map((r) => [
    r.case,
    ...IMPLS.map((i) => (i === ours ? `${r.ns[i.name]!}` : `${r.ns[i.name]!} (${r.relative[i.name]!.toFixed(2)})`)),
  ]);
  const widths = head.map((h, k) => Math.max(h.length, ...body.map((b) => b[k]!.length)));
  const line = (cells: string[]) => cells.map((s, k) => (k === 0 ? s.padEnd(widths[k]!) : s.padStart(widths[k]!)));
  return [line(head).join('  '), ...body.map((b) => line(b).join('  '))].join('\n');
}

function main(): number {
  const problems = checkAgreement();
  if (problems.length) {
    process.stderr.write(`implementations disagree:\n  ${problems.join('\n  ')}\n`);
    return 1;
  }
  const loadStart = loadavg();
  const rows = CASES.map((c) => {
    process.stderr.write(`[bench:validate] ${c.name}\n`);
    return measure(c);
  });
  const report = {
    started_at: new Date().toISOString(),
    quick,
    batch_ms: BATCH_MS,
    rounds: ROUNDS,
    machine: { cores: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
    loadavg_start: loadStart,
    loadavg_end: loadavg(),
    versions: { valibot: version('valibot'), zod: version('zod'), typebox: version('typebox'), ajv: version('ajv') },
    rows,
    sink,
  };
  mkdirSync(new URL('results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('results/validate.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `${table(rows)}\n(ns/op, median of ${ROUNDS} rounds; (x) = relative to ours, lower is faster)\n`,
  );
  return 0;
}

process.exitCode = main();
