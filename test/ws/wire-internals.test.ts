/**
 * The `ws` internals that src/server/ws/wire.ts reads, checked on a real `ws` server and client
 * pair over loopback. `ws` is pinned to an exact version in package.json; when an upgrade moves
 * `_socket` or the sender's state, these tests fail (and wire.ts falls back to `ws.send`, slower
 * but correct) instead of broadcasts silently losing their frame-once path.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { framed, rawSocket, SENDER_IDLE } from '../../src/server/ws/wire.ts';

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const wss of servers) for (const ws of wss.clients) ws.terminate();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A connected pair: the server's side of the socket and the client. */
async function pair(): Promise<{ server: WebSocket; client: WebSocket }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  servers.push(wss);
  await once(wss, 'listening');
  const { port } = wss.address() as { port: number };
  const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  const [[server]] = await Promise.all([accepted, once(client, 'open')]);
  return { server, client };
}

describe('the ws internals wire.ts relies on', () => {
  it('ws is pinned to the exact version installed', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const installed = (createRequire(import.meta.url)('ws/package.json') as { version: string }).version;
    expect(pkg.dependencies.ws).toBe(installed);
  });

  it('a server-side socket exposes its TCP socket and an idle sender, and stays idle after ws.send', async () => {
    const { server, client } = await pair();
    const socket = rawSocket(server);
    expect(socket).toBeInstanceOf(Duplex);
    server.send('from ws.send');
    expect((server as unknown as { _sender: { _state: unknown } })._sender._state).toBe(SENDER_IDLE);
    expect(rawSocket(server)).toBe(socket);
    client.close();
  });

  it('frames written beside ws arrive in order with ws.send frames', async () => {
    const { server, client } = await pair();
    const got: string[] = [];
    const all = new Promise<void>((resolve) => {
      client.on('message', (data: Buffer) => {
        got.push(data.toString('utf8'));
        if (got.length === 4) resolve();
      });
    });
    const raw = rawSocket(server);
    if (!raw) throw new Error('rawSocket returned undefined: ws internals changed (see src/server/ws/wire.ts)');
    server.send('1');
    raw.write(framed(Buffer.from('2')));
    server.send('3');
    raw.write(framed(Buffer.from('4')));
    await all;
    expect(got).toEqual(['1', '2', '3', '4']);
    client.close();
  });
});
