/**
 * Issue 15: one IP flooding keep_alive / pong / protocol-ping frames, reconnecting whenever it
 * is closed, must not hurt anyone else. Against the real process with the default frame,
 * flooder and upgrade budgets: a flooder in its own process (test/helpers/ws-flooder.ts, so this
 * process measures rather than generates load) floods from 127.0.0.2 with 3 sockets for at
 * most 6 s; meanwhile a user on 127.0.0.3 chats and its echo p99 stays within the bound below
 * of the quiet p99 (an unflooded twin server's, measured in the same seconds), `/health` from
 * 127.0.0.4 answers within 100 ms, and the flooder is closed 1008 and then refused 429 at
 * upgrade, having been read for a bounded number of bytes.
 */
import { spawn } from 'node:child_process';
import { constants, setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { api } from '../helpers/http.ts';
import { spawnServer, type ServerProcess } from '../helpers/process.ts';
import { ORIGIN } from '../helpers/server.ts';
import { openSocket, type TestSocket } from '../helpers/ws.ts';
import type { FloodOptions, FloodReport } from '../helpers/ws-flooder.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const QUIET_SAMPLES = 150;
const FLOOD_SOCKETS = 3;
const FLOOD_MS = 6000;
const HEALTH_EVERY_MS = 200;
const PACE_MS = 5;
/**
 * The allowed flood p99 is max(2 x quiet p99, quiet p99 + 25 ms), the quiet p99 being the
 * unflooded twin's in the same seconds. On loopback a quiet p99 is a few ms, and on a shared
 * two-core box one preemption of the server by another process (the flooder's own process
 * included, which needs CPU to exist) costs a time slice of several ms up to a few tens: "2x
 * of 3 ms" would fail on scheduling, not on the server. 25 ms is still far below what the
 * unprotected server showed (p99 in the hundreds of ms under this flood).
 */
const P99_SLACK_MS = 25;

const procs: ServerProcess[] = [];
afterAll(() => {
  for (const p of procs) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
});

/** One chat round trip (send, wait for the echo) in ms. */
async function roundTrip(s: TestSocket, content: string): Promise<number> {
  const t0 = performance.now();
  s.send({ content });
  await s.next((f) => f.type === 'message' && f.content === content, 5000);
  return performance.now() - t0;
}

/**
 * Round trips paced PACE_MS apart, until `n` are done or `until()` says stop; meanwhile
 * `/health` from `monitor` every HEALTH_EVERY_MS. Paced rather than back to back: a user who
 * saturated the server alone would measure their own load, not the flood's.
 */
async function measure(
  s: TestSocket,
  base: string,
  monitor: Agent,
  tag: string,
  until: (i: number) => boolean,
): Promise<{ chat: number[]; health: number[] }> {
  const chat: number[] = [];
  const health: number[] = [];
  let done = false;
  const probes = (async () => {
    while (!done) {
      const t0 = performance.now();
      const res = await request(`${base}/health`, { dispatcher: monitor });
      await res.body.json();
      expect(res.statusCode).toBe(200);
      health.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, HEALTH_EVERY_MS));
    }
  })();
  for (let i = 0; !until(i); i++) {
    chat.push(await roundTrip(s, `${tag}-${i}`));
    await new Promise((r) => setTimeout(r, PACE_MS));
  }
  done = true;
  await probes;
  return { chat, health };
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)]!;
}

/** Start the flooder process; `started` resolves when its first socket is open, `report` at its exit. */
function startFlooder(opts: FloodOptions): { started: Promise<void>; report: Promise<FloodReport> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/ws-flooder.ts', JSON.stringify(opts)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Lowest CPU priority: on a two-core box the flooder generating its flood at full speed would
  // otherwise take CPU from the server and from this process, and the test would measure that
  // contention rather than what the server does with the flood. The flood is not smaller for
  // it: what the server reads is bounded by the server, not by how fast the flooder can write.
  if (child.pid !== undefined) setPriority(child.pid, constants.priority.PRIORITY_LOW);
  let onStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (onStarted = resolve));
  const report = new Promise<FloodReport>((resolve, reject) => {
    let last = '';
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'flooding') onStarted();
      else last = line;
    });
    child.once('exit', (code) => {
      onStarted();
      if (code === 0) resolve(JSON.parse(last) as FloodReport);
      else reject(new Error(`flooder exited ${code}`));
    });
  });
  return { started, report };
}

/** A server process with a talker on 127.0.0.3 and a /health monitor on 127.0.0.4, warmed up. */
async function startSide(name: string): Promise<{
  proc: ServerProcess;
  me: TestSocket;
  monitor: Agent;
  room: { id: string };
  flooderId: string;
}> {
  // Only chat frames and REST writes are opened, for the measuring user's paced round trips
  // (the flooder sends no chat). Frame bytes, control frames, flooder closes, upgrades and
  // /health keep their defaults: those are what is under test.
  const proc = await spawnServer({
    RATE_LIMIT_WRITE_PER_S: '100000',
    RATE_LIMIT_WRITE_BURST: '100000',
    WS_MESSAGE_RATE_PER_S: '100000',
    WS_MESSAGE_RATE_BURST: '100000',
  });
  procs.push(proc);
  const http = api(proc.url);
  const room = await http.room(name);
  const [talker, flooder] = await Promise.all([http.user('talker'), http.user('flooder')]);
  const me = await openSocket(`${proc.wsUrl}/ws/${room.id}/${talker.id}`, { localAddress: '127.0.0.3' });
  await me.next((f) => f.type === 'user_joined');
  const monitor = new Agent({ localAddress: '127.0.0.4' });
  await measure(me, proc.url, monitor, 'warmup', (i) => i >= 30);
  return { proc, me, monitor, room, flooderId: flooder.id };
}

describe('isolation: a WebSocket frame flood from one IP does not slow anyone else down', () => {
  it('chat p99 within bound of an unflooded twin, /health within 100 ms, flooder closed 1008 then refused 429', async () => {
    // Two identical servers: `target` is flooded, `twin` is not. Both are measured at the same
    // time, so the quiet figure sees the same background as the flooded one: on a shared box
    // (other test files run beside this one) the background changes from second to second, and
    // a quiet phase measured before the flood would compare two different backgrounds.
    const [target, twin] = await Promise.all([startSide('isolation'), startSide('isolation-twin')]);
    const quiet = await Promise.all(
      [target, twin].map((s) => measure(s.me, s.proc.url, s.monitor, 'quiet', (i) => i >= QUIET_SAMPLES)),
    );

    const flood = startFlooder({
      url: `${target.proc.wsUrl}/ws/${target.room.id}/${target.flooderId}`,
      origin: ORIGIN,
      localAddress: '127.0.0.2',
      sockets: FLOOD_SOCKETS,
      durationMs: FLOOD_MS,
    });
    let flooding = true;
    const floodDone = flood.report.finally(() => (flooding = false));
    await flood.started;

    // Round trips for as long as the flood lasts, its first burst included, on both servers.
    const [during, control] = await Promise.all(
      [target, twin].map((s) => measure(s.me, s.proc.url, s.monitor, 'loud', () => !flooding)),
    );
    const report = await floodDone;
    await Promise.all([target.monitor.close(), twin.monitor.close()]);

    const loud = during!.chat;
    const loudP99 = p99(loud);
    const controlP99 = p99(control!.chat);
    const healthMax = Math.max(...during!.health);
    const controlHealthMax = Math.max(...control!.health);
    // One warn line per flooding socket, written when it is cut; wait until every one has arrived.
    const cutLines = (): Array<Record<string, any>> =>
      target.proc.logs.filter((l) => l.msg === 'websocket closed 1008: over its frame budget');
    await target.proc.line(() => cutLines().length >= (report.closes['1008'] ?? 0), 5000);
    const abuseLines = cutLines();
    const context =
      `quiet p99 ${p99(quiet[0]!.chat).toFixed(1)} ms (twin ${p99(quiet[1]!.chat).toFixed(1)}), ` +
      `flood p99 ${loudP99.toFixed(1)} ms (${loud.length} samples; twin ${controlP99.toFixed(1)} ms), ` +
      `/health max ${healthMax.toFixed(1)} ms (${during!.health.map((h) => h.toFixed(0)).join(' ')}; ` +
      `twin max ${controlHealthMax.toFixed(1)}), flooder ${JSON.stringify(report)}, server read before 1008: ` +
      abuseLines.map((l) => `${Math.round(Number(l.bytes_read) / 1024)} KiB`).join(', ');
    console.log(context);

    expect(report.opened, context).toBeGreaterThan(0);
    expect(report.closes['1008'] ?? 0, context).toBeGreaterThan(0);
    expect(report.refused['429'] ?? 0, context).toBeGreaterThan(0);
    // What the flood cost the server: the default flooder budget (3 closes, then 6 per minute;
    // sockets already open when it runs out still get in) bounds the sockets, and each one is
    // read for a bounded number of bytes before it is cut: the 256 KiB byte burst and 256 KiB
    // refused-bytes allowance, both refilled at 64 KiB/s while it lives, and one read in flight.
    expect(report.opened, context).toBeLessThanOrEqual(3 + Math.ceil(((FLOOD_MS / 1000) * 6) / 60) + FLOOD_SOCKETS - 1);
    expect(abuseLines.length, context).toBe(report.closes['1008']);
    const maxRead = (2 * 256 + (2 * 64 * FLOOD_MS) / 1000 + 64) * 1024;
    for (const l of abuseLines) expect(Number(l.bytes_read), context).toBeLessThanOrEqual(maxRead);
    expect(loud.length, context).toBeGreaterThanOrEqual(100);
    expect(loudP99, context).toBeLessThanOrEqual(Math.max(2 * controlP99, controlP99 + P99_SLACK_MS));
    expect(during!.health.length, context).toBeGreaterThan(5);
    // 100 ms, unless the unflooded twin was nearly as slow in the same seconds (within the same
    // time-slice slack as the chat bound): a stall both servers saw is the box (another test
    // file's burst beside this one), not the flood.
    expect(healthMax, context).toBeLessThanOrEqual(Math.max(100, controlHealthMax + P99_SLACK_MS));
    for (const s of [target, twin]) expect(s.me.ws.readyState).toBe(s.me.ws.OPEN);
    await Promise.all([target.me.close(), twin.me.close()]);
    await Promise.all([target.proc.stop(), twin.proc.stop()]);
  }, 60_000);
});
