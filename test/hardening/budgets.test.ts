/**
 * Issue 15 findings 2, 4 and 5 on the real server, one loopback source address per client:
 * request-body bytes in flight, open TCP connections, and rooms/users created per hour, each
 * per client IP (and in total where there is one). While one address attacks, another keeps
 * working and /health answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, call } from '../helpers/http.ts';
import { bodyOf, rawConnect, statusOf, type RawConn } from '../helpers/raw.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const MiB = 1024 * 1024;

/** A POST /users that declares 1 MiB and sends only half of it, then stalls. */
async function halfSentUpload(port: number, from: string): Promise<RawConn> {
  const conn = await rawConnect(port, '127.0.0.1', from);
  await conn.write(
    `POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${MiB}\r\n\r\n`,
  );
  await conn.write(Buffer.alloc(MiB / 2, 0x20));
  return conn;
}

/** Retry `check` until it holds: server-side bookkeeping happens after the client's own close event. Bounded. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const t0 = performance.now();
  while (!(await check())) {
    if (performance.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('request-body bytes in flight (finding 2)', () => {
  let srv: TestServer;
  const held: RawConn[] = [];
  beforeAll(async () => {
    srv = await startTestServer({ maxBodyBytesInFlightPerIp: 2 * MiB, maxBodyBytesInFlight: 3 * MiB + MiB / 2 });
  });
  afterAll(async () => {
    for (const c of held) c.socket.destroy();
    await srv?.close();
  });

  it('past its budget an address gets 429 at once and the connection closes; others still chat; /health answers', async () => {
    const attacker = await Promise.all(Array.from({ length: 6 }, () => halfSentUpload(srv.port, '127.0.0.2')));
    held.push(...attacker);
    // Two uploads fit the 2 MiB budget and wait for their bodies; the other four are refused without reading them.
    const answers = await Promise.all(
      attacker.map((c) =>
        Promise.race([c.closed.then((r) => r.data), c.until((t) => t.includes('\r\n\r\n{'), 1500).catch(() => '')]),
      ),
    );
    const refused = answers.filter((text) => statusOf(text) === 429);
    expect(refused).toHaveLength(4);
    expect(bodyOf(refused[0] as string)).toMatchObject({ code: 'rate_limited' });
    expect(refused[0]).toMatch(/Retry-After: \d+/i);
    expect(refused[0]).toMatch(/Connection: close/i);

    const other = await call(srv.url, 'POST', '/users', { username: 'bystander' }, { from: '127.0.0.3' });
    expect(other.status).toBe(201);
    const t0 = performance.now();
    const health = await call(srv.url, 'GET', '/health', undefined, { from: '127.0.0.3' });
    expect(health.status).toBe(200);
    console.log(`/health during the body attack: ${(performance.now() - t0).toFixed(1)} ms`);
  });

  it('past the total every address gets 503 server_busy; the budget comes back when uploads go away', async () => {
    // 2 MiB held by .2; one more 1 MiB upload from .4 fits the 3.5 MiB total, the next does not.
    const fits = await halfSentUpload(srv.port, '127.0.0.4');
    held.push(fits);
    const over = await halfSentUpload(srv.port, '127.0.0.5');
    held.push(over);
    const text = await over.until((t) => t.includes('\r\n\r\n{'));
    expect(statusOf(text)).toBe(503);
    expect(bodyOf(text)).toMatchObject({ code: 'server_busy' });
    for (const c of held) c.socket.destroy();
    await eventually(async () => {
      const c = await halfSentUpload(srv.port, '127.0.0.2');
      held.push(c);
      const answered = await c
        .until((t) => t.includes('\r\n\r\n'), 200)
        .then(
          () => true,
          () => false,
        );
      c.socket.destroy();
      return !answered; // admitted: the server waits for the rest of the body
    });
  });
});

describe('open TCP connections (finding 4)', () => {
  let srv: TestServer;
  const conns: RawConn[] = [];
  beforeAll(async () => {
    srv = await startTestServer({ maxTcpConnectionsPerIp: 20, maxTcpConnections: 30 });
  });
  afterAll(async () => {
    for (const c of conns) c.socket.destroy();
    await srv?.close();
  });

  it('an address past its cap has the extra connections answered 429 and closed; another address is served', async () => {
    const idle = await Promise.all(Array.from({ length: 30 }, () => rawConnect(srv.port, '127.0.0.1', '127.0.0.6')));
    conns.push(...idle);
    const closed = await Promise.all(
      idle.map((c) => Promise.race([c.closed.then((r) => r.data), c.until(() => false, 1500).catch(() => null)])),
    );
    const refusals = closed.filter((d): d is string => d !== null);
    expect(refusals).toHaveLength(10);
    expect(statusOf(refusals[0] as string)).toBe(429);
    expect(bodyOf(refusals[0] as string)).toMatchObject({ code: 'too_many_connections' });
    const health = await call(srv.url, 'GET', '/health', undefined, { from: '127.0.0.7' });
    expect(health.status).toBe(200);
  });

  it('past the total (server.maxConnections) new connections are closed; they are accepted again once others go', async () => {
    const more = await Promise.all(Array.from({ length: 20 }, () => rawConnect(srv.port, '127.0.0.1', '127.0.0.8')));
    conns.push(...more);
    const outcomes = await Promise.all(
      more.map((c) => Promise.race([c.closed.then(() => 'closed'), c.until(() => false, 1500).catch(() => 'open')])),
    );
    // 20 held from .6 and the health check's keep-alive connection leave at most 9 places: .8 stays under its own cap of 20.
    expect(outcomes.filter((o) => o === 'closed').length).toBeGreaterThanOrEqual(20 - (30 - 21));
    for (const c of conns) c.socket.destroy();
    await eventually(
      async () =>
        (await call(srv.url, 'GET', '/health', undefined, { from: '127.0.0.9' }).catch(() => ({ status: 0 })))
          .status === 200,
    );
  });
});

describe('creation budgets per hour (finding 1: 100 rooms from one IP in 4 s)', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({
      roomCreateRate: { perSecond: 3 / 3600, burst: 3 },
      userCreateRate: { perSecond: 4 / 3600, burst: 4 },
    });
  });
  afterAll(() => srv?.close());

  it('rooms per client IP: the 4th is 429 with a Retry-After in minutes; another address still creates', async () => {
    for (let i = 0; i < 3; i++)
      expect((await call(srv.url, 'POST', '/rooms', { name: `r${i}` }, { from: '127.0.0.10' })).status).toBe(201);
    const over = await call(srv.url, 'POST', '/rooms', { name: 'one more' }, { from: '127.0.0.10' });
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ code: 'rate_limited', detail: expect.stringMatching(/rooms/) });
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(60);
    expect((await call(srv.url, 'POST', '/rooms', { name: 'elsewhere' }, { from: '127.0.0.11' })).status).toBe(201);
  });

  it('users per client IP', async () => {
    for (let i = 0; i < 4; i++)
      expect((await call(srv.url, 'POST', '/users', { username: `u${i}` }, { from: '127.0.0.12' })).status).toBe(201);
    expect((await call(srv.url, 'POST', '/users', { username: 'over' }, { from: '127.0.0.12' })).status).toBe(429);
    expect((await call(srv.url, 'POST', '/users', { username: 'other' }, { from: '127.0.0.13' })).status).toBe(201);
  });

  it('per account too: a token spends one budget from whichever address it comes', async () => {
    const signup = await call(
      srv.url,
      'POST',
      '/auth/signup',
      { username: 'budgeter', email: 'b@example.com', password: 'Correct horse 1' },
      { from: '127.0.0.14' },
    );
    expect(signup.status).toBe(201);
    const auth = { headers: { authorization: `Bearer ${signup.body.token}` } };
    const statuses: number[] = [];
    for (const from of ['127.0.0.15', '127.0.0.16', '127.0.0.17', '127.0.0.18']) {
      statuses.push((await call(srv.url, 'POST', '/rooms', { name: `acct ${from}` }, { ...auth, from })).status);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
    // The same fresh address without the token is still welcome.
    expect((await api(srv.url).post('/rooms', { name: 'anon' }, { from: '127.0.0.19' })).status).toBe(201);
  });
});
