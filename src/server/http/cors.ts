/**
 * CORS as pure functions: parse an allowlist, decide whether an Origin is allowed, and
 * build the headers. The same policy guards the WebSocket upgrade.
 */
import { getPublicSuffix } from 'tldts';

export interface OriginPolicy {
  /** Exact origins, lower-cased. */
  exact: ReadonlySet<string>;
  /** Patterns with `*` matching one run of [a-z0-9-] inside a single DNS label. */
  patterns: readonly RegExp[];
  /** The entries as configured, for the startup log. */
  entries: readonly string[];
}

export const ALLOW_METHODS = 'GET,POST,PUT,PATCH,DELETE,OPTIONS';
export const ALLOW_HEADERS = 'Authorization, Content-Type, Accept, X-Requested-With';
export const MAX_AGE_S = '600';

const ORIGIN_RE = /^https?:\/\/[a-z0-9.*-]+(:\d{1,5})?$/;

/** Parse `ALLOWED_ORIGINS` (comma-separated). Problems are returned, not thrown. */
export function parseOriginList(raw: string): { policy: OriginPolicy; problems: string[] } {
  const problems: string[] = [];
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  const entries: string[] = [];
  for (const part of raw.split(',')) {
    const entry = part.trim().toLowerCase().replace(/\/+$/, '');
    if (!entry) continue;
    if (entry === '*') {
      problems.push(
        'a bare "*" is refused: credentials are allowed, so echoing every origin would hand every website your users\' sessions. List your frontend origins instead (a pattern like https://app-*-team.vercel.app is allowed).',
      );
      continue;
    }
    if (!ORIGIN_RE.test(entry)) {
      problems.push(`"${part.trim()}" is not an origin (scheme://host[:port], no path)`);
      continue;
    }
    entries.push(entry);
    if (entry.includes('*')) {
      const problem = wildcardProblem(entry.replace(/^https?:\/\//, '').replace(/:\d+$/, ''));
      if (problem) {
        problems.push(`"${part.trim()}": ${problem}`);
        continue;
      }
      patterns.push(patternToRegExp(entry));
    } else {
      exact.add(entry);
    }
  }
  return { policy: { exact, patterns, entries }, problems };
}

/**
 * Why a wildcard host pattern trusts strangers, or null. The Public Suffix List (through
 * tldts, private section included: vercel.app, up.railway.app, netlify.app, github.io…) says
 * where anyone can register a name: a `*` inside a public suffix, or standing for a whole
 * label directly under one, would match sites anybody can create.
 */
function wildcardProblem(host: string): string | null {
  const labels = host.split('.');
  if (labels.length < 3 || labels.slice(-2).some((l) => l.includes('*'))) {
    return 'a * must sit inside a label below the registrable domain';
  }
  const suffix =
    getPublicSuffix(labels.map((l) => l.replace(/\*/g, 'x')).join('.'), { allowPrivateDomains: true }) ?? '';
  const firstSuffixLabel = labels.length - (suffix ? suffix.split('.').length : 0);
  for (const [i, label] of labels.entries()) {
    if (!label.includes('*')) continue;
    if (i >= firstSuffixLabel) return `a * inside the public suffix "${suffix}" would match sites anyone can register`;
    if (i === firstSuffixLabel - 1 && label === '*') {
      return (
        `"*" would stand for any site directly under the public suffix "${suffix}", where anyone can get a name, ` +
        "and browsers would send them your users' credentials. List your own hostnames, or a pattern that keeps " +
        `your project or team in the label (e.g. https://my-app-*-my-team.${suffix}).`
      );
    }
  }
  return null;
}

function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[a-z0-9-]+');
  return new RegExp(`^${escaped}$`);
}

/** True when the Origin header value is on the allowlist. */
export function isOriginAllowed(origin: string | undefined, policy: OriginPolicy): origin is string {
  if (!origin || origin.length > 253 + 16) return false;
  const o = origin.toLowerCase();
  if (policy.exact.has(o)) return true;
  return policy.patterns.some((re) => re.test(o));
}

/**
 * The value for Access-Control-Allow-Origin: the request's own Origin when it is allowed
 * (echoed, never `*`, with Access-Control-Allow-Credentials: true), else undefined and no
 * CORS headers at all. respond.ts adds the pair to every response.
 */
export function echoOrigin(origin: string | undefined, policy: OriginPolicy): string | undefined {
  return isOriginAllowed(origin, policy) ? origin : undefined;
}

/** The extra headers of a successful preflight (204); the allow-origin pair comes with every response. */
export function preflightHeaders(requestHeaders: string | undefined): Record<string, string> {
  return {
    'Access-Control-Allow-Methods': ALLOW_METHODS,
    'Access-Control-Allow-Headers': mergeAllowHeaders(requestHeaders),
    'Access-Control-Max-Age': MAX_AGE_S,
  };
}

/** Our standard list, plus any extra simple token headers the browser asked for. */
function mergeAllowHeaders(requested: string | undefined): string {
  if (!requested) return ALLOW_HEADERS;
  const have = new Set(ALLOW_HEADERS.toLowerCase().split(/,\s*/));
  const extra = requested
    .split(',')
    .map((h) => h.trim())
    .filter((h) => /^[A-Za-z0-9-]{1,64}$/.test(h) && !have.has(h.toLowerCase()))
    .slice(0, 20);
  return extra.length ? `${ALLOW_HEADERS}, ${extra.join(', ')}` : ALLOW_HEADERS;
}
