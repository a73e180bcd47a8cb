/**
 * Secrets out of log lines, in one place with one marker: request targets and credential
 * headers (every request and upgrade line) and connection URLs (the startup configuration line).
 * Query parameter names of a request target are decoded exactly as the server's own parser
 * (URLSearchParams) decodes them, so `?to%6Ben=<token>`, which authenticates a socket, is
 * redacted like `?token=`.
 */

const REDACTED = 'REDACTED';

/** Log fields holding a URL or path: their `token` query parameters are redacted. */
const URL_FIELDS = ['path', 'url', 'referer'] as const;
/** Log fields holding a credential header: replaced whole. */
const SECRET_FIELDS = ['authorization', 'cookie'] as const;

/** `raw` (a URL, path or request target) with the value of every `token` query parameter replaced. */
export function redactRequestTarget(raw: string): string {
  const q = raw.indexOf('?');
  if (q === -1) return raw;
  const parts = raw.slice(q + 1).split('&');
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const eq = part.indexOf('=');
    const rawName = eq === -1 ? part : part.slice(0, eq);
    if (isTokenName(rawName)) {
      parts[i] = `${rawName}=${REDACTED}`;
      changed = true;
    }
  }
  return changed ? `${raw.slice(0, q + 1)}${parts.join('&')}` : raw;
}

/** True when a raw parameter name decodes to `token` (any case, surrounding spaces ignored). */
function isTokenName(rawName: string): boolean {
  if (rawName.length < 5) return false;
  const name = new URLSearchParams(`${rawName}=`).keys().next().value ?? '';
  return name.trim().toLowerCase() === 'token';
}

/** Log fields with URLs redacted and credential headers replaced; the same object when nothing needed it. */
export function redactFields<T extends Record<string, unknown>>(fields: T): T {
  let out: Record<string, unknown> | undefined;
  for (const key of URL_FIELDS) {
    const value = fields[key];
    if (typeof value !== 'string') continue;
    const clean = redactRequestTarget(value);
    if (clean !== value) (out ??= { ...fields })[key] = clean;
  }
  for (const key of SECRET_FIELDS) {
    if (fields[key] !== undefined) (out ??= { ...fields })[key] = REDACTED;
  }
  return (out ?? fields) as T;
}

/** Query parameter names of a connection URL that carry a credential. */
const SECRET_PARAM_RE = /pass|secret|token|key|auth/i;

/**
 * A database or Redis URL without its password (and without secret-looking query parameters);
 * an unparsable one is hidden whole, since where its password sits is unknown.
 */
export function redactConnectionUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '(unparsable URL, hidden)';
  }
  if (url.password) url.password = REDACTED;
  for (const key of [...url.searchParams.keys()]) {
    if (SECRET_PARAM_RE.test(key)) url.searchParams.set(key, REDACTED);
  }
  return url.toString();
}
