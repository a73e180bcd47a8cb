/**
 * GET /metrics on the real server, parsed by Prometheus's Python parser: each counter moves
 * by exactly what a scripted chat run did; the endpoint is absent by default and guarded
 * by METRICS_TOKEN or a METRICS_PORT of its own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { api, call } from '../helpers/http.ts';
import { parseExposition, sampleValue, type Sample } from '../helpers/prom.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { openSocket, type TestSocket } from '../helpers/ws.ts';

const TOKEN = 'metrics-token-for-tests-0123456789';
const AUTH = { headers: { authorization: `Bearer ${TOKEN}` } };

let srv: TestServer | undefined;
const sockets: TestSocket[] = [];
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await srv?.close();
  srv = undefined;
});

async function scrape(base: string): Promise<Sample[]> {
  const res = await call(base, 'GET', '/metrics', undefined, AUTH);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(res.text);
}

describe('GET /metrics access', () => {
  it('is absent (404) when neither METRICS_TOKEN nor METRICS_PORT is set', async () => {
    srv = await startTestServer();
    const res = await call(srv.url, 'GET', '/metrics', undefined, AUTH);
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('vchat_');
  });

  it('needs the bearer token when METRICS_TOKEN is set', async () => {
    srv = await startTestServer({ metricsToken: TOKEN });
    const none = await call(srv.url, 'GET', '/metrics');
    expect(none.status).toBe(401);
    expect(none.body.code).toBe('auth_required');
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    const wrong = await call(srv.url, 'GET', '/metrics', undefined, { headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('invalid_token');
    expect(wrong.text).not.toContain('vchat_');
    const samples = await scrape(srv.url);
    expect(sampleValue(samples, 'vchat_ws_connections')).toBe(0);
    // prom-client's default process metrics and the event-loop delay come along.
    expect(samples.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true);
    expect(samples.some((s) => s.name === 'nodejs_eventloop_lag_p99_seconds')).toBe(true);
  });

  it('is served only on METRICS_PORT when that is set', async () => {
    srv = await startTestServer({ metricsPort: 0 });
    expect(srv.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const onMain = await call(srv.url, 'GET', '/metrics');
    expect(onMain.status).toBe(404);
    const base = (srv.metricsUrl as string).replace(/\/metrics$/, '');
    const samples = parseExposition((await call(base, 'GET', '/metrics')).text);
    expect(sampleValue(await samples, 'vchat_store_up')).toBe(1);
    expect((await call(base, 'GET', '/rooms')).status).toBe(404);
  });
});

describe('GET /metrics after a scripted chat run', () => {
  it('moves each counter by exactly what the run did', async () => {
    srv = await startTestServer({ metricsToken: TOKEN });
    const http = api(srv.url);
    const room = await http.room('metrics');
    const users = [await http.user('ann'), await http.user('bob'), await http.user('cy')];
    for (const u of users) await http.join(room.id, u.id);
    for (const u of users) {
      const s = await openSocket(`${srv.wsUrl}/ws/${room.id}/${u.id}`);
      sockets.push(s);
      // Everyone already in sees this user arrive: the presence frames are done before the baseline.
      await Promise.all(
        sockets.slice(0, -1).map((prev) => prev.next((f) => f.type === 'user_joined' && f.user_id === u.id)),
      );
    }
    const before = await scrape(srv.url);
    expect(sampleValue(before, 'vchat_ws_connections')).toBe(3);
    expect(sampleValue(before, 'vchat_online_users')).toBe(3);
    expect(sampleValue(before, 'vchat_active_rooms')).toBe(1);
    expect(sampleValue(before, 'vchat_rooms')).toBe(1);
    expect(sampleValue(before, 'vchat_users')).toBe(3);

    const N = 5;
    const [ann] = sockets as [TestSocket];
    for (let i = 0; i < N; i++) ann.send({ content: `m${i}` });
    const posted = await http.post(`/rooms/${room.id}/messages`, { user_id: users[1]!.id, content: 'over REST' });
    expect(posted.status).toBe(201);
    // Every member receives every message, the sender included.
    for (const s of sockets) {
      for (let i = 0; i < N; i++) await s.next((f) => f.type === 'message' && f.content === `m${i}`);
      await s.next((f) => f.type === 'message' && f.content === 'over REST');
    }
    ann.send({ content: '' });
    await ann.next((f) => f.type === 'error' && f.code === 'validation_error');
    const refused = await openSocket(`${srv.wsUrl}/ws/${room.id}/${users[0]!.id}`, {
      origin: 'https://evil.example',
    }).catch((err: unknown) => err);
    expect((refused as { status?: number }).status).toBe(403);
    const unknownRoom = await openSocket(`${srv.wsUrl}/ws/no-such-room/${users[0]!.id}`);
    sockets.push(unknownRoom);
    expect((await unknownRoom.closed).code).toBe(4004);
    expect((await http.get('/rooms/no-such-room')).status).toBe(404);

    const after = await scrape(srv.url);
    const delta = (name: string, labels: Record<string, string> = {}): number =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(delta('vchat_chat_messages_accepted_total')).toBe(N + 1);
    expect(delta('vchat_deliveries_total')).toBe((N + 1) * users.length);
    expect(delta('vchat_chat_messages_rejected_total', { reason: 'validation_error' })).toBe(1);
    expect(delta('vchat_ws_connections_refused_total', { reason: 'origin' })).toBe(1);
    expect(delta('vchat_ws_connections_refused_total', { reason: 'unknown_room' })).toBe(1);
    expect(
      delta('vchat_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/rooms/:id/messages',
        status: '201',
      }),
    ).toBe(1);
    // The route template, never the raw path: an unknown id is still `/rooms/:id`.
    expect(
      delta('vchat_http_request_duration_seconds_count', { method: 'GET', route: '/rooms/:id', status: '404' }),
    ).toBe(1);
    expect(after.some((s) => s.labels.route?.includes('no-such-room'))).toBe(false);
    expect(delta('vchat_store_operation_duration_seconds_count', { operation: 'insertMessage', store: 'memory' })).toBe(
      N + 1,
    );
    expect(sampleValue(after, 'vchat_store_unavailable_seconds_total')).toBe(0);
  });

  it('counts rate-limit hits by the budget that refused', async () => {
    srv = await startTestServer({ metricsToken: TOKEN, rateLimitRead: { perSecond: 1, burst: 2 } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(srv.url, 'GET', '/rooms')).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
    const samples = await scrape(srv.url);
    expect(sampleValue(samples, 'vchat_rate_limit_hits_total', { limit: 'read' })).toBe(2);
    expect(
      sampleValue(samples, 'vchat_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/rooms',
        status: '429',
      }),
    ).toBe(2);
  });
});
