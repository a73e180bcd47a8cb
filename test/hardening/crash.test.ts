/**
 * Crash policy (issue 15, finding 8), against the real process on Postgres: after an uncaught
 * exception or an unhandled rejection the server logs it, drains like SIGTERM (sockets 1001,
 * bounded by SHUTDOWN_TIMEOUT_MS) and exits non-zero so the platform restarts it; every message
 * acknowledged before the fault is in the database, once, when a new process starts on it.
 * The fault is raised by the test-only VCHAT_TEST_FAULT hook (SIGUSR2; refused in production).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/http.ts';
import { OPEN_LIMITS_ENV, spawnServer, type ServerProcess } from '../helpers/process.ts';
import { openSocket, type TestSocket } from '../helpers/ws.ts';
import { freshPgDatabase, PG_SKIP, PG_URL, type TestDatabase } from '../store/databases.ts';

const procs: ServerProcess[] = [];
const dbs: TestDatabase[] = [];
afterAll(async () => {
  for (const p of procs) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
  await Promise.all(dbs.map((d) => d.drop()));
});

const FAULTS = [
  { kind: 'exception', logged: 'uncaught exception' },
  { kind: 'rejection', logged: 'unhandled rejection' },
] as const;

describe.skipIf(!PG_URL)(PG_URL ? 'crash policy (real process, Postgres)' : `crash policy — ${PG_SKIP}`, () => {
  for (const { kind, logged } of FAULTS) {
    it(`an ${logged}: logged, drained (1001), exit 1 within the shutdown timeout; acknowledged messages kept`, async () => {
      const db = await freshPgDatabase(PG_URL as string, 'vchat_crash');
      dbs.push(db);
      const env = { ...OPEN_LIMITS_ENV, DATABASE_URL: db.url, SHUTDOWN_TIMEOUT_MS: '5000' };
      const proc = await spawnServer({ ...env, VCHAT_TEST_FAULT: kind });
      procs.push(proc);
      const http = api(proc.url);
      const room = await http.room('crash');
      const [ua, ub] = await Promise.all([http.user('a'), http.user('b')]);
      const sa = await openSocket(`${proc.wsUrl}/ws/${room.id}/${ua.id}`);
      const sb = await openSocket(`${proc.wsUrl}/ws/${room.id}/${ub.id}`);
      await sa.next((f) => f.type === 'user_joined' && f.user_id === ub.id);
      const acked = async (s: TestSocket, who: string, n: number): Promise<string[]> => {
        const ids: string[] = [];
        for (let i = 0; i < n; i++) {
          s.send({ content: `${who}-${i}`, client_msg_id: `${who}-${i}` });
          ids.push((await s.next((f) => f.type === 'message' && f.content === `${who}-${i}`)).id);
        }
        return ids;
      };
      const ackedIds = [...(await acked(sa, 'a', 10)), ...(await acked(sb, 'b', 10))];

      proc.proc.kill('SIGUSR2');
      const exit = await Promise.race([proc.exited, new Promise<null>((r) => setTimeout(() => r(null), 8000))]);
      expect(exit, 'the process kept running after the fault').not.toBeNull();
      expect(exit).toMatchObject({ code: 1, signal: null });
      expect(proc.logs.some((l) => l.level === 'error' && l.msg === logged)).toBe(true);
      expect(proc.logs.some((l) => l.msg === 'shutting down')).toBe(true);
      expect((await sa.closed).code).toBe(1001);

      // A new process on the same database: every acknowledged message, exactly once.
      const next = await spawnServer(env);
      procs.push(next);
      try {
        const stored = (await api(next.url).get(`/rooms/${room.id}/messages?limit=500`)).body as Array<{ id: string }>;
        const ids = stored.map((m) => m.id);
        expect(ackedIds.filter((id) => !ids.includes(id))).toEqual([]);
        expect(new Set(ids).size).toBe(ids.length);
      } finally {
        await next.stop();
      }
    }, 40_000);
  }
});
