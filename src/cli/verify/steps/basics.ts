/** reachable, health: can we talk to the API at all, and does it say it is healthy. */
import { paths } from '../../../shared/protocol.ts';
import { netErrorKind, describeNetError } from '../../client/net-error.ts';
import { HINTS } from '../hints.ts';
import { clip, describeResponse, fail, pass, warn } from '../outcome.ts';
import type { StepDef } from '../types.ts';

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : typeof v === 'number' ? String(v) : null);

export const reachable: StepDef = {
  name: 'reachable',
  title: 'API answers HTTP (DNS, TCP, TLS)',
  needs: [],
  async run(ctx) {
    try {
      const res = await ctx.request('GET', paths.health());
      return pass(`HTTP ${res.status} in ${Math.round(res.ms)} ms`);
    } catch (err) {
      const hint = netErrorKind(err) === 'tls' ? HINTS.tls : HINTS.unreachable;
      return fail(`GET ${ctx.api}/health: ${describeNetError(err)}`, 'any HTTP response', hint);
    }
  },
};

export const health: StepDef = {
  name: 'health',
  title: 'GET /health is 200 JSON {status:"healthy"}',
  needs: ['reachable'],
  async run(ctx) {
    const res = await ctx.request('GET', paths.health());
    const body = res.json;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      return fail(describeResponse(res), 'HTTP 200 with a JSON object', HINTS.notApi);
    }
    const h = body as Record<string, unknown>;
    const storage = h.storage as { kind?: unknown; persistent?: unknown } | undefined;
    ctx.server = {
      version: str(h.version),
      commit: str(h.commit),
      environment: str(h.environment),
      storage:
        storage && typeof storage === 'object'
          ? `${clip(storage.kind ?? 'unknown')}${storage.persistent === false ? ' (not persistent)' : ''}`
          : null,
    };
    ctx.noteTimestamps('GET /health', h, ['timestamp']);
    if (res.status !== 200 || h.status !== 'healthy') {
      return fail(describeResponse(res), 'HTTP 200 {"status":"healthy",…}', HINTS.healthStatus);
    }
    // A broken cross-instance fan-out first: users on other instances stop seeing messages now.
    const fanout = h.fanout as { kind?: unknown; ok?: unknown } | undefined;
    if (fanout && typeof fanout === 'object' && fanout.ok === false) {
      return warn(`fanout ${clip(fanout)}`, 'fanout.ok true (Redis reachable)', HINTS.fanoutDown);
    }
    if (storage && storage.persistent === false) {
      return warn(`storage ${clip(storage)}`, 'persistent storage', HINTS.inMemory);
    }
    const facts = [
      ctx.server.version && `version ${ctx.server.version}`,
      ctx.server.commit && `commit ${ctx.server.commit.slice(0, 12)}`,
    ].filter(Boolean);
    return pass(`HTTP 200 healthy${facts.length ? `, ${facts.join(', ')}` : ''}`);
  },
};
