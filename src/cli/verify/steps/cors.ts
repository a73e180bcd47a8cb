/** cors-health, cors-preflight, cors-disallowed: the browser's view of the allowlist. */
import { paths } from '../../../shared/protocol.ts';
import { HINTS } from '../hints.ts';
import { fail, pass, warn } from '../outcome.ts';
import type { Outcome, StepDef } from '../types.ts';

type Headers = Record<string, string>;

const show = (h: Headers, name: string): string => (h[name] === undefined ? `no ${name}` : `${name}: ${h[name]}`);

/** The checks every CORS answer to an allowed origin must meet; null when all hold. */
function allowedOriginProblem(h: Headers, origin: string): Outcome | null {
  const acao = h['access-control-allow-origin'];
  const expected = `access-control-allow-origin: ${origin}`;
  if (acao === undefined) return fail(show(h, 'access-control-allow-origin'), expected, HINTS.corsMissing);
  if (acao.trim() === '*') return fail(show(h, 'access-control-allow-origin'), expected, HINTS.corsStar);
  if (acao.trim().toLowerCase() !== origin.toLowerCase())
    return fail(show(h, 'access-control-allow-origin'), expected, HINTS.corsMissing);
  if (h['access-control-allow-credentials']?.trim().toLowerCase() !== 'true') {
    return fail(
      show(h, 'access-control-allow-credentials'),
      'access-control-allow-credentials: true',
      HINTS.corsCredentials,
    );
  }
  return null;
}

/** True when the comma-separated header value names `item` (case-insensitive). */
export const listHas = (value: string | undefined, item: string): boolean =>
  (value ?? '').split(',').some((v) => v.trim().toLowerCase() === item.toLowerCase());

export const corsHealth: StepDef = {
  name: 'cors-health',
  title: 'GET /health echoes the origin with credentials',
  needs: ['reachable'],
  perOrigin: true,
  async run(ctx, origin) {
    const res = await ctx.request('GET', paths.health(), { origin });
    const problem = allowedOriginProblem(res.headers, origin);
    if (problem) return problem;
    if (!listHas(res.headers.vary, 'origin') && res.headers.vary?.trim() !== '*') {
      return warn(show(res.headers, 'vary'), 'vary: Origin', HINTS.corsVary);
    }
    return pass(`access-control-allow-origin: ${origin}, credentials true`);
  },
};

export const corsPreflight: StepDef = {
  name: 'cors-preflight',
  title: 'OPTIONS /rooms preflight for a JSON POST',
  needs: ['reachable'],
  perOrigin: true,
  async run(ctx, origin) {
    const res = await ctx.request('OPTIONS', paths.rooms(), {
      origin,
      headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    if (res.status < 200 || res.status > 299) {
      return fail(
        `HTTP ${res.status}${res.text ? `: ${res.text.slice(0, 160)}` : ''}`,
        'HTTP 204 (or 200)',
        HINTS.preflight,
      );
    }
    const problem = allowedOriginProblem(res.headers, origin);
    if (problem) return { ...problem, hint: `${problem.hint} ${HINTS.preflight}` };
    const methods = res.headers['access-control-allow-methods'];
    if (!listHas(methods, 'POST'))
      return fail(
        show(res.headers, 'access-control-allow-methods'),
        'access-control-allow-methods including POST',
        HINTS.preflight,
      );
    // With credentials, browsers read "*" in Allow-Headers literally: Content-Type must be named.
    const allowHeaders = res.headers['access-control-allow-headers'];
    if (!listHas(allowHeaders, 'content-type')) {
      return fail(
        show(res.headers, 'access-control-allow-headers'),
        'access-control-allow-headers including Content-Type',
        HINTS.preflight,
      );
    }
    return pass(`HTTP ${res.status}, methods ${methods}`);
  },
};

export const corsDisallowed: StepDef = {
  name: 'cors-disallowed',
  title: 'a disallowed origin gets no CORS headers',
  needs: ['reachable'],
  async run(ctx) {
    const bad = ctx.badOrigin;
    const get = await ctx.request('GET', paths.health(), { origin: bad });
    const pre = await ctx.request('OPTIONS', paths.rooms(), {
      origin: bad,
      headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    for (const [label, res] of [
      ['GET /health', get],
      ['OPTIONS /rooms', pre],
    ] as const) {
      const acao = res.headers['access-control-allow-origin'];
      if (acao !== undefined && (acao.trim() === '*' || acao.trim().toLowerCase() === bad.toLowerCase())) {
        return fail(
          `${label} from ${bad}: access-control-allow-origin: ${acao}`,
          'no access-control-allow-origin',
          HINTS.allowsAnyOrigin,
        );
      }
    }
    return pass(`no CORS headers for ${bad} (preflight HTTP ${pre.status})`);
  },
};
