/**
 * Baseline for WebSocket: bare `ws` with the same room fan-out as our server (a chat frame
 * is parsed, stamped, encoded once and sent to every socket in the room, the sender too;
 * `ping` gets `pong`). It also stubs the three REST setup routes `vchat load` calls
 * (POST /users, /rooms, /rooms/{id}/join) so the very same load tool drives both.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { serveBench } from './ipc.ts';

const rooms = new Map<string, Set<WebSocket>>();
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const url = req.url ?? '';
    const id = randomUUID();
    const [status, body] =
      url === '/users'
        ? [201, { id, username: 'bench' }]
        : url === '/rooms'
          ? [201, { id, name: 'bench', users: [] }]
          : /\/join$/.test(url)
            ? [200, { room_id: url.split('/')[2] }]
            : [404, { code: 'not_found' }];
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
});
const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false });
wss.on('connection', (ws, req) => {
  const [, , roomId = '', userId = ''] = (req.url ?? '').split('?')[0]?.split('/') ?? [];
  let peers = rooms.get(roomId);
  if (!peers) rooms.set(roomId, (peers = new Set()));
  peers.add(ws);
  ws.on('error', () => undefined);
  ws.on('close', () => {
    peers.delete(ws);
    if (peers.size === 0) rooms.delete(roomId);
  });
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as { type?: string; content?: string; client_msg_id?: string };
    if (frame.type === 'ping') {
      ws.send('{"type":"pong"}');
      return;
    }
    const out = JSON.stringify({
      type: 'message',
      id: randomUUID(),
      room_id: roomId,
      user_id: userId,
      username: 'bench',
      content: frame.content,
      avatar_url: null,
      timestamp: new Date().toISOString(),
      client_msg_id: frame.client_msg_id,
    });
    for (const peer of peers) peer.send(out);
  });
});
await serveBench(server);
