/**
 * Below HTTP: garbage bytes, a request cut in half, headers dribbled byte by byte
 * (slowloris), oversized headers, idle keep-alive. Each connection is answered or cut
 * within the configured timeouts, and the server keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/http.ts';
import { bodyOf, rawConnect, statusOf } from '../helpers/raw.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 1500;
const KEEP_ALIVE_TIMEOUT_MS = 500;
/** Slack for timer granularity on a loaded two-core machine. */
const SLACK_MS = 1500;

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({
    headersTimeoutMs: HEADERS_TIMEOUT_MS,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
  });
});
afterAll(() => srv?.close());

async function healthy(): Promise<void> {
  const res = await call(srv.url, 'GET', '/health');
  expect(res.status).toBe(200);
}

describe('raw TCP abuse', () => {
  it('garbage bytes get a 400 JSON answer and the connection is closed', async () => {
    const conn = await rawConnect(srv.port);
    await conn.write(
      Buffer.from([
        0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0xde, 0xad, 0xbe, 0xef, 0x0d, 0x0a, 0x0d,
        0x0a,
      ]),
    );
    const { data } = await conn.closed;
    expect(statusOf(data)).toBe(400);
    expect(bodyOf(data)).toEqual({ detail: expect.any(String), code: 'bad_request' });
    await healthy();
  });

  it('a malformed request line and a bogus Content-Length are 400 too', async () => {
    for (const req of [
      'GET / HTTP/9.9\r\n\r\n',
      'POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n',
      'GET /\u0000 HTTP/1.1\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n',
    ]) {
      const conn = await rawConnect(srv.port);
      await conn.write(req);
      const { data } = await conn.closed;
      expect(statusOf(data), JSON.stringify(req)).toBe(400);
    }
    await healthy();
  });

  it('a request cut in half (headers, half the body, then silence) is cut at the request timeout', async () => {
    const conn = await rawConnect(srv.port);
    const t0 = performance.now();
    await conn.write(
      'POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{"username":',
    );
    const { data, atMs } = await conn.closed;
    expect(atMs - t0).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);
    // 408 when the server gets to answer; a bare close is acceptable too.
    if (data) expect(statusOf(data)).toBe(408);
    await healthy();
  });

  it('a request cut in half by the client (FIN mid-body) leaves the server fine', async () => {
    const conn = await rawConnect(srv.port);
    await conn.write(
      'POST /rooms HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":"ha',
    );
    conn.socket.end();
    await conn.closed;
    await healthy();
  });

  it('headers dribbled one byte every 300 ms are cut at the headers timeout', async () => {
    const conn = await rawConnect(srv.port);
    const t0 = performance.now();
    const request = 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' + 'a'.repeat(200) + '\r\n\r\n';
    let i = 0;
    const timer = setInterval(() => {
      if (conn.socket.destroyed || i >= request.length) {
        clearInterval(timer);
        return;
      }
      conn.socket.write(request[i++]!);
    }, 300);
    try {
      const { data, atMs } = await conn.closed;
      expect(atMs - t0).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
      expect(i).toBeLessThan(15);
      if (data) expect(statusOf(data)).toBe(408);
    } finally {
      clearInterval(timer);
    }
    await healthy();
  });

  it('headers over 16 KiB are refused 431', async () => {
    const conn = await rawConnect(srv.port);
    await conn.write(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20 * 1024)}\r\n\r\n`);
    const { data } = await conn.closed;
    expect(statusOf(data)).toBe(431);
    await healthy();
  });

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const conn = await rawConnect(srv.port);
    await conn.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    await conn.until((t) => statusOf(t) === 200 && t.includes('"status":"healthy"'));
    const t0 = performance.now();
    const { atMs } = await conn.closed;
    expect(atMs - t0).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS + SLACK_MS);
  });

  it('many slow connections at once do not stop the server answering others', async () => {
    const conns = await Promise.all(Array.from({ length: 30 }, () => rawConnect(srv.port)));
    await Promise.all(conns.map((c) => c.write('GET /health HTTP/1.1\r\nHo')));
    const t0 = performance.now();
    await healthy();
    expect(performance.now() - t0).toBeLessThan(500);
    const closed = await Promise.all(conns.map((c) => c.closed));
    for (const c of closed) expect(c.atMs - t0).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
  });
});
