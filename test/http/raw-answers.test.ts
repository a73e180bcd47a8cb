/**
 * The three answers written straight to a socket (http/raw-answer.ts): a malformed request
 * (clientError), a refused WebSocket upgrade and a connection over the per-address cap. Each
 * is a complete HTTP/1.1 response with the reason phrase, a JSON body whose length matches
 * Content-Length, Connection: close, and the server then closes the connection.
 */
import { describe, expect, it } from 'vitest';
import { rawConnect, type RawConn } from '../helpers/raw.ts';
import { ORIGIN, startTestServer } from '../helpers/server.ts';

interface Parsed {
  statusLine: string;
  headers: Map<string, string>;
  body: unknown;
}

async function answerOf(conn: RawConn): Promise<Parsed> {
  const { data } = await conn.closed;
  const at = data.indexOf('\r\n\r\n');
  expect(at).toBeGreaterThan(0);
  const [statusLine = '', ...lines] = data.slice(0, at).split('\r\n');
  const headers = new Map(
    lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  const raw = data.slice(at + 4);
  expect(Number(headers.get('content-length'))).toBe(Buffer.byteLength(raw, 'latin1'));
  expect(headers.get('connection')).toBe('close');
  expect(headers.get('content-type')).toMatch(/^application\/json/);
  return { statusLine, headers, body: JSON.parse(raw) };
}

describe('raw HTTP answers', () => {
  it('a malformed request: 400 Bad Request', async () => {
    const srv = await startTestServer();
    try {
      const conn = await rawConnect(srv.port);
      await conn.write('GET / HTTP/9.9\r\n\r\n');
      const answer = await answerOf(conn);
      expect(answer.statusLine).toBe('HTTP/1.1 400 Bad Request');
      expect(answer.body).toEqual({ detail: 'Malformed HTTP request', code: 'bad_request' });
    } finally {
      await srv.close();
    }
  });

  it('a refused upgrade: 404 without Retry-After, 503 with it', async () => {
    const srv = await startTestServer({ maxConnections: 0 });
    try {
      const upgrade = (path: string): string =>
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: ${ORIGIN}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
      const notFound = await rawConnect(srv.port);
      await notFound.write(upgrade('/ws/only-room'));
      const a = await answerOf(notFound);
      expect(a.statusLine).toBe('HTTP/1.1 404 Not Found');
      expect(a.headers.has('retry-after')).toBe(false);
      expect(a.body).toEqual({ detail: expect.any(String), code: 'not_found' });

      const full = await rawConnect(srv.port);
      await full.write(upgrade('/ws/room/user'));
      const b = await answerOf(full);
      expect(b.statusLine).toBe('HTTP/1.1 503 Service Unavailable');
      expect(b.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(b.body).toEqual({ detail: expect.any(String), code: 'too_many_connections' });
    } finally {
      await srv.close();
    }
  });

  it('a connection over the per-address cap: 429 Too Many Requests with Retry-After', async () => {
    const srv = await startTestServer({ maxTcpConnectionsPerIp: 1 });
    try {
      const first = await rawConnect(srv.port);
      const second = await rawConnect(srv.port);
      const answer = await answerOf(second);
      expect(answer.statusLine).toBe('HTTP/1.1 429 Too Many Requests');
      expect(answer.headers.get('retry-after')).toBe('5');
      expect(answer.body).toEqual({ detail: expect.any(String), code: 'too_many_connections' });
      first.socket.destroy();
    } finally {
      await srv.close();
    }
  });
});
