/**
 * Baseline for REST: bare node:http with the two routes the bench drives, doing the
 * minimum honest work (JSON encode; parse the POST body and answer 201 with the message).
 * Anything our server is slower than this is the cost of its router, CORS, limits, store.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { serveBench } from './ipc.ts';

const server = createServer((req, res) => {
  const send = (status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  if (req.method === 'GET' && req.url === '/health') {
    send(200, { status: 'healthy', timestamp: new Date().toISOString() });
    return;
  }
  const m = req.method === 'POST' ? /^\/rooms\/([^/]+)\/messages$/.exec(req.url ?? '') : null;
  if (!m) {
    send(404, { detail: 'Not found', code: 'not_found' });
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { user_id: string; content: string };
    send(201, {
      type: 'message',
      id: randomUUID(),
      room_id: m[1],
      user_id: body.user_id,
      username: 'bench',
      content: body.content,
      avatar_url: null,
      timestamp: new Date().toISOString(),
    });
  });
});
await serveBench(server);
