/** A tiny JSON client over undici.request (fetch would hide the Origin header rules). */
import { Agent, request } from 'undici';
import { ORIGIN } from './server.ts';

export interface Res<T = any> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  text: string;
}

export interface ReqOptions {
  origin?: string | null;
  headers?: Record<string, string>;
  /** Raw body (string) instead of JSON-encoding `body`. */
  raw?: string | Buffer;
  /** Source address, e.g. 127.0.0.7 (a per-IP budget sees another client). */
  from?: string;
}

const agents = new Map<string, Agent>();
/** One keep-alive agent per source address. */
function agentFrom(localAddress: string): Agent {
  let agent = agents.get(localAddress);
  if (!agent) agents.set(localAddress, (agent = new Agent({ localAddress })));
  return agent;
}

export async function call<T = any>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  opts: ReqOptions = {},
): Promise<Res<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.origin !== null) headers.origin = opts.origin ?? ORIGIN;
  let payload: string | Buffer | undefined = opts.raw;
  if (payload === undefined && body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] ??= 'application/json';
  }
  const dispatcher = opts.from === undefined ? undefined : agentFrom(opts.from);
  const res = await request(base + path, {
    method: method as 'GET',
    headers,
    body: payload ?? null,
    ...(dispatcher ? { dispatcher } : {}),
  });
  const text = await res.body.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.statusCode, headers: res.headers, body: parsed as T, text };
}

/** Shorthands that also create the usual fixtures. */
export function api(base: string) {
  return {
    get: <T = any>(path: string, opts?: ReqOptions) => call<T>(base, 'GET', path, undefined, opts),
    post: <T = any>(path: string, body?: unknown, opts?: ReqOptions) => call<T>(base, 'POST', path, body, opts),
    put: <T = any>(path: string, body?: unknown, opts?: ReqOptions) => call<T>(base, 'PUT', path, body, opts),
    async user(username = 'alice'): Promise<{ id: string; username: string }> {
      const res = await call(base, 'POST', '/users', { username });
      if (res.status !== 201) throw new Error(`create user: ${res.status} ${res.text}`);
      return res.body;
    },
    async room(name = 'room'): Promise<{ id: string; name: string }> {
      const res = await call(base, 'POST', '/rooms', { name });
      if (res.status !== 201) throw new Error(`create room: ${res.status} ${res.text}`);
      return res.body;
    },
    async join(roomId: string, userId: string, extra: Record<string, unknown> = {}): Promise<void> {
      const res = await call(base, 'POST', `/rooms/${roomId}/join`, { user_id: userId, ...extra });
      if (res.status !== 200) throw new Error(`join: ${res.status} ${res.text}`);
    },
  };
}
