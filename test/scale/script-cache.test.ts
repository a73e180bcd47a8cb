/**
 * The presence scripts go to Redis by SHA (node-redis defineScript -> EVALSHA). After the
 * script cache is emptied (`SCRIPT FLUSH`, as a Redis restart does), presence still works:
 * the first call of a script answers NOSCRIPT, node-redis sends the source once (EVAL), and
 * every later call is by SHA again. Observed with MONITOR, behind two real apps on one Redis.
 */
import { createHash } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/server/app.ts';
import { testConfig } from '../../src/server/config.ts';
import { createLogger } from '../../src/server/log.ts';
import { startScaleOut, type ScaleOut } from '../../src/server/scale/index.ts';
import { presenceScripts } from '../../src/server/scale/presence-scripts.ts';
import { MemoryStore } from '../../src/server/store/memory.ts';
import { api } from '../helpers/http.ts';
import { openSocket, type TestSocket } from '../helpers/ws.ts';
import { REDIS_URL, uniquePrefix, waitUntil } from './helpers.ts';

/** One command as MONITOR prints it: `<time> [<db> <client addr>] "ARG" "ARG" …`. */
interface Seen {
  client: string;
  args: string[];
}

/** MONITOR quotes each argument and escapes it (\n, \", \\, \xHH …): undo that. */
function parseMonitorLine(line: string): Seen | null {
  const head = /^\S+ \[\d+ ([^\]]+)\] /.exec(line);
  if (!head) return null;
  const args: string[] = [];
  const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', '"': '"', '\\': '\\' };
  for (const [, quoted] of line.slice(head[0].length).matchAll(/"((?:[^"\\]|\\.)*)"/g))
    args.push(
      (quoted ?? '').replace(/\\(x[0-9a-f]{2}|.)/g, (_, e: string) =>
        e.startsWith('x') && e.length === 3 ? String.fromCharCode(parseInt(e.slice(1), 16)) : (escapes[e] ?? e),
      ),
    );
  return { client: head[1] ?? '', args };
}

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');
const scriptName = new Map(Object.entries(presenceScripts).map(([name, script]) => [script.SHA1, name]));

const maybe = REDIS_URL ? describe : describe.skip;
const title = REDIS_URL
  ? 'presence scripts by SHA (real Redis, MONITOR)'
  : 'presence scripts by SHA: SKIPPED, VCHAT_TEST_REDIS_URL is not set (.ci/redis.sh start_redis)';

maybe(title, () => {
  const prefix = uniquePrefix();
  const store = new MemoryStore();
  const redis = createClient({ url: REDIS_URL as string });
  const monitor = createClient({ url: REDIS_URL as string });
  const seen: Seen[] = [];
  const apps: Array<{ app: App; scale: ScaleOut; url: string; wsUrl: string }> = [];
  const sockets: TestSocket[] = [];
  const users: Record<string, string> = {};
  let roomId = '';

  async function start(): Promise<(typeof apps)[number]> {
    const config = testConfig({ redisUrl: REDIS_URL, redisPrefix: prefix, redisPresenceTtlMs: 1500 });
    const scale = (await startScaleOut(config, createLogger('silent'))) as ScaleOut;
    const app = createApp({ config, store, fanout: (hub) => scale.fanout(hub) });
    const { port } = await app.listen();
    const started = { app, scale, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}` };
    apps.push(started);
    return started;
  }
  const open = async (wsUrl: string, user: string): Promise<TestSocket> => {
    const s = await openSocket(`${wsUrl}/ws/${roomId}/${users[user]}`);
    sockets.push(s);
    return s;
  };
  const fanoutOk = async (url: string): Promise<boolean> => (await api(url).get('/health')).body.fanout?.ok === true;
  const online = async (url: string): Promise<number | undefined> =>
    ((await api(url).get('/rooms')).body as Array<{ id: string; online: number }>).find((r) => r.id === roomId)?.online;
  /**
   * The position in `seen` just after a marker command: Redis ran everything before it earlier,
   * and MONITOR prints in the order Redis runs commands.
   */
  const mark = async (): Promise<number> => {
    const marker = `${prefix}-mark-${seen.length}`;
    await redis.echo(marker);
    return waitUntil('monitor caught up', () => {
      const at = seen.findIndex((s) => s.args[1] === marker);
      return at >= 0 ? at + 1 : null;
    });
  };
  /** EVAL / EVALSHA of a presence script sent by one of our two apps (its KEYS carry our prefix). */
  const presenceCalls = (from: number, to: number) =>
    seen
      .map((s, at) => ({ ...s, at }))
      .slice(from, to)
      .filter((s) => ['EVAL', 'EVALSHA'].includes(s.args[0]?.toUpperCase() ?? ''))
      .filter((s) => s.args.some((a) => a.startsWith(`${prefix}:presence:`)))
      .map((s) => {
        const byName = s.args[0]?.toUpperCase() === 'EVALSHA';
        const sha = byName ? (s.args[1] ?? '') : sha1(s.args[1] ?? '');
        return { at: s.at, client: s.client, byName, script: scriptName.get(sha) ?? `unknown ${sha}` };
      });

  beforeAll(async () => {
    await redis.connect();
    await monitor.connect();
    await monitor.monitor((line) => {
      const parsed = parseMonitorLine(line);
      if (parsed) seen.push(parsed);
    });
    const [a, b] = [await start(), await start()];
    await waitUntil('both fan-outs up', async () => (await fanoutOk(a.url)) && (await fanoutOk(b.url)));
    const http = api(a.url);
    roomId = (await http.room('sha')).id;
    for (const name of ['u1', 'u2']) users[name] = (await http.user(name)).id;
  });

  afterAll(async () => {
    for (const s of sockets) await s.close();
    for (const { app, scale } of apps) {
      await app.close();
      await scale.close();
    }
    monitor.destroy();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(keys);
    await redis.quit();
  });

  /** u2 joins on B, then on A too (no second user_joined), then leaves both (one user_left). */
  async function u2Visits(u1: TestSocket): Promise<void> {
    const [a, b] = apps as [(typeof apps)[number], (typeof apps)[number]];
    const seenByU1 = (type: string): number =>
      u1.frames.filter((f) => f.type === type && f.user_id === users.u2).length;
    const [joined, left] = [seenByU1('user_joined'), seenByU1('user_left')];
    const onB = await open(b.wsUrl, 'u2');
    await waitUntil('u2 joined', () => seenByU1('user_joined') === joined + 1);
    const onA = await open(a.wsUrl, 'u2');
    await waitUntil('online 2 on both', async () => (await online(a.url)) === 2 && (await online(b.url)) === 2);
    await onA.close();
    await onB.close();
    await waitUntil('u2 left', () => seenByU1('user_left') === left + 1);
    await waitUntil('online 1 on both', async () => (await online(a.url)) === 1 && (await online(b.url)) === 1);
    expect(seenByU1('user_joined')).toBe(joined + 1);
    expect(seenByU1('user_left')).toBe(left + 1);
  }

  it('after SCRIPT FLUSH presence still works, each script source is sent once, then only SHAs', async () => {
    const [a] = apps as [(typeof apps)[number]];
    await redis.scriptFlush();
    await mark();
    const flushed = seen.findIndex((s) => s.args.join(' ').toUpperCase() === 'SCRIPT FLUSH');

    // Cold cache: each first call answers NOSCRIPT, node-redis sends the source, presence is right.
    const u1 = await open(a.wsUrl, 'u1');
    await u1.next((f) => f.type === 'user_joined' && f.user_id === users.u1);
    await u2Visits(u1);
    const warmed = await mark();
    // Warm cache: the same joins and leaves again.
    await u2Visits(u1);
    const done = await mark();

    const calls = presenceCalls(flushed, done);
    const sources = calls.filter((c) => !c.byName);
    expect(sources.map((c) => c.script)).toEqual(expect.arrayContaining(['presenceJoin', 'presenceLeave']));
    for (const source of sources) {
      const same = calls.filter((c) => c.client === source.client && c.script === source.script);
      // NOSCRIPT fallback: a connection sends a source only after trying the same script by SHA.
      expect(same[0]?.byName, `EVALSHA before the EVAL of ${source.script}`).toBe(true);
      // Loaded once: never a second source of the same script from the same connection.
      expect(same.filter((c) => !c.byName)).toHaveLength(1);
    }
    // Joins and leaves were all loaded in the cold part: the warm part calls them by SHA only.
    const warm = calls.filter((c) => c.at > warmed && ['presenceJoin', 'presenceLeave'].includes(c.script));
    expect(warm.filter((c) => !c.byName)).toEqual([]);
    expect(warm.map((c) => c.script)).toEqual(expect.arrayContaining(['presenceJoin', 'presenceLeave']));
    expect(calls.filter((c) => c.script.startsWith('unknown'))).toEqual([]);
  });
});
