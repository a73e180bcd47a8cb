/**
 * `vchat top` against the real server with chat traffic: the live view driven in a real
 * pseudo-terminal (tmux) and read off the screen, `q` quits with exit 0; `--once --json`
 * for scripts; a server without metrics is exit 2 with the reason.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { waitUntil } from '../helpers/tcp-proxy.ts';
import { openSocket, type TestSocket } from '../helpers/ws.ts';

const run = promisify(execFile);
const TOKEN = 'top-test-metrics-token-0123456789';
const VCHAT = join(process.cwd(), 'bin', 'vchat.js');

let srv: TestServer;
let sockets: TestSocket[] = [];
let traffic: NodeJS.Timeout | undefined;
let sent = 0;

beforeAll(async () => {
  srv = await startTestServer({ metricsToken: TOKEN });
  const http = api(srv.url);
  const room = await http.room('top');
  const [ann, bob] = [await http.user('ann'), await http.user('bob')];
  sockets = [
    await openSocket(`${srv.wsUrl}/ws/${room.id}/${ann.id}`),
    await openSocket(`${srv.wsUrl}/ws/${room.id}/${bob.id}`),
  ];
  // Steady chat for the rates on screen: 20 messages a second from ann to the room of two.
  traffic = setInterval(() => sockets[0]?.send({ content: `tick ${++sent}` }), 50);
});
afterAll(async () => {
  clearInterval(traffic);
  await Promise.all(sockets.map((s) => s.close()));
  await srv.close();
});

/** `vchat top …` as a child process; resolves with its exit code and output. */
function vchat(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [VCHAT, 'top', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('vchat top --once --json', () => {
  it('reports the connections, rooms and message rates the server sees', async () => {
    const { code, stdout, stderr } = await vchat(['--api', srv.url, '--token', TOKEN, '--once', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const view = JSON.parse(stdout);
    expect(view).toMatchObject({
      connections: 2,
      active_rooms: 1,
      online_users: 2,
      rooms: 1,
      users: 2,
      store_up: true,
    });
    expect(view.messages_per_s).toBeGreaterThan(0);
    // Each message goes to both sockets of the room.
    expect(view.deliveries_per_s).toBeGreaterThan(view.messages_per_s);
    expect(view.rss_bytes).toBeGreaterThan(0);
  }, 60_000);

  it('says why and exits 2 when the token is missing or the server has no metrics', async () => {
    const noToken = await vchat(['--api', srv.url, '--once']);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('pass its METRICS_TOKEN with --token');
    const off = await startTestServer();
    try {
      const res = await vchat(['--api', off.url, '--once', '--json']);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('GET /metrics is off on that server (404)');
    } finally {
      await off.close();
    }
  }, 60_000);
});

const hasTmux = await run('tmux', ['-V']).then(
  () => true,
  () => false,
);

describe.skipIf(!hasTmux)(
  hasTmux
    ? 'vchat top in a terminal (tmux)'
    : 'vchat top in a terminal — SKIPPED: tmux not installed (apt-get install tmux; .ci/run installs it)',
  () => {
    it('draws the live view, refreshes it, and quits on q with exit 0', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vchat-top-'));
      const socket = `vchat-top-${process.pid}`;
      const tmux = (...args: string[]) => run('tmux', ['-L', socket, ...args]);
      const exitFile = join(dir, 'exit');
      const command = `'${process.execPath}' '${VCHAT}' top --api ${srv.url} --token ${TOKEN} --interval 0.5; echo $? > '${exitFile}'`;
      try {
        await tmux('new-session', '-d', '-s', 'top', '-x', '110', '-y', '24', command);
        const screen = async (): Promise<string> => (await tmux('capture-pane', '-p', '-t', 'top')).stdout;
        const first = await waitUntil(
          'the view with traffic',
          async () => {
            const text = await screen();
            return /messages\/s\s+[1-9]/.test(text) ? text : null;
          },
          30_000,
        );
        expect(first).toContain(`vchat top - ${srv.url}`);
        expect(first).toMatch(/connections\s+2\b/);
        expect(first).toMatch(/rooms active\/stored\s+1 \/ 1/);
        expect(first).toMatch(/users online\/stored\s+2 \/ 2/);
        expect(first).toMatch(/deliveries\/s\s+[1-9]/);
        expect(first).toMatch(/store p99\s+[\d.]+ ms/);
        expect(first).toMatch(/memory rss\/heap\s+[\d.]+ MB \/ [\d.]+ MB/);
        expect(first).toMatch(/errors\/s\s+5xx 0/);
        // It refreshes: the clock in the title moves on.
        const clock = (text: string): string | undefined => /(\d\d:\d\d:\d\d) UTC/.exec(text)?.[1];
        await waitUntil(
          'a later refresh',
          async () => {
            const now = clock(await screen());
            return now !== undefined && now !== clock(first);
          },
          10_000,
        );
        await tmux('send-keys', '-t', 'top', 'q');
        await waitUntil(
          'vchat top to exit',
          () => existsSync(exitFile) && readFileSync(exitFile, 'utf8').trim() !== '',
          10_000,
        );
        expect(readFileSync(exitFile, 'utf8').trim()).toBe('0');
      } finally {
        await tmux('kill-server').catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      }
    }, 90_000);
  },
);
