/**
 * Refused upgrades cannot be used to flood the logs (issue 15, finding 7): 2,000 refusals
 * with 15 KB URLs from four loopback addresses write a few KiB, not megabytes. Each line is
 * bounded (the URL cut at 200 characters, tokens redacted however they are spelled), at most
 * WS_REJECT_LOG_PER_S lines are written per second, and a summary line counts the rest.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/log.ts';
import { startTestServer } from '../helpers/server.ts';

const REFUSALS = 2000;
const SECRET = 'tok3n-s3cret-value';

/** One raw upgrade request from `localAddress` with a 15 KB query; resolves when the server closes it. */
function refusedUpgrade(port: number, localAddress: string, i: number): Promise<string> {
  const query = `token=${SECRET}&to%6Ben=${SECRET}&pad=${'p'.repeat(15_000)}&i=${i}`;
  const request =
    `GET /ws/room/user?${query} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: https://evil.example\r\n\r\n';
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer.slice(0, 12)));
    socket.write(request);
  });
}

describe('refused-upgrade logging', () => {
  it(`${REFUSALS} refusals with 15 KB URLs write bounded, sampled lines with no token and a suppressed count`, async () => {
    const lines: string[] = [];
    let logBytes = 0;
    const log = createLogger('info', {
      write(s: string) {
        logBytes += Buffer.byteLength(s);
        if (lines.length < 10_000) lines.push(s);
      },
    });
    const srv = await startTestServer({}, undefined, { log });
    const statuses = new Map<string, number>();
    let next = 0;
    const t0 = performance.now();
    try {
      const worker = async (w: number): Promise<void> => {
        for (let i = next++; i < REFUSALS; i = next++) {
          const status = await refusedUpgrade(srv.port, `127.0.0.${2 + (w % 4)}`, i);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: 16 }, (_, w) => worker(w)));
    } finally {
      await srv.close();
    }
    const elapsedS = (performance.now() - t0) / 1000;
    // Every attempt was refused (bad origin 403, or 429 once an address ran out of attempts).
    expect([...statuses.keys()].every((s) => s === 'HTTP/1.1 403' || s === 'HTTP/1.1 429')).toBe(true);

    const parsed = lines.map((l) => JSON.parse(l) as Record<string, any>);
    const rejected = parsed.filter((l) => l.msg === 'websocket rejected');
    const suppressed = parsed
      .filter((l) => l.msg === 'websocket rejections suppressed')
      .reduce((n, l) => n + Number(l.suppressed), 0);
    expect(rejected.length + suppressed).toBe(REFUSALS);
    // At most 10 lines per started second of refusals (WS_REJECT_LOG_PER_S), however slow the box.
    expect(rejected.length).toBeLessThanOrEqual((Math.ceil(elapsedS) + 1) * 10);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(1024);
    expect(lines.filter((l) => l.includes(SECRET))).toEqual([]);
    expect(rejected[0]).toMatchObject({
      path: expect.stringMatching(/^\/ws\/room\/user\?token=REDACTED&/),
      origin: 'https://evil.example',
      status: 403,
    });
    // Was 2,000 × 15 KB ≈ 29 MiB; now a few short lines per second of refusals.
    expect(logBytes).toBeLessThan(512 * 1024);
  }, 60_000);
});
