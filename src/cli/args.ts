/**
 * Argument parsers shared by every command (commander `argParser`s). Each returns the
 * normalised value or throws commander's InvalidArgumentError with a sentence that says
 * what a good value looks like; the program turns that into exit code 2.
 */
import { InvalidArgumentError } from 'commander';

const API_EXAMPLE = 'e.g. https://web-production-3ba7e.up.railway.app or http://localhost:8000';
const ORIGIN_EXAMPLE = 'e.g. https://video-chat-frontend-seven.vercel.app or http://localhost:3000';

function tryUrl(value: string): URL | null {
  try {
    return new URL(value.trim());
  } catch {
    return null;
  }
}

/** An http(s) base URL without query or fragment; trailing slashes removed (a path prefix is kept). */
export function parseApiUrl(value: string): string {
  const url = tryUrl(value);
  if (!url || !/^https?:$/.test(url.protocol) || !url.hostname) {
    throw new InvalidArgumentError(`"${value}" is not an http(s) URL (${API_EXAMPLE}).`);
  }
  if (url.search || url.hash || url.username)
    throw new InvalidArgumentError(
      `"${value}": give the API base URL without query, fragment or credentials (${API_EXAMPLE}).`,
    );
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** A ws(s) base URL (where `/ws/{room}/{user}` is appended); trailing slashes removed. */
export function parseWsUrl(value: string): string {
  const url = tryUrl(value);
  if (!url || !/^wss?:$/.test(url.protocol) || !url.hostname) {
    throw new InvalidArgumentError(
      `"${value}" is not a ws:// or wss:// URL (e.g. wss://web-production-3ba7e.up.railway.app).`,
    );
  }
  if (url.search || url.hash)
    throw new InvalidArgumentError(`"${value}": give the WebSocket base URL without query or fragment.`);
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/** A browser origin: scheme://host[:port], lower-case, no path (one trailing slash is tolerated). */
export function parseOrigin(value: string): string {
  const url = tryUrl(value);
  if (!url || !/^https?:$/.test(url.protocol) || !url.hostname) {
    throw new InvalidArgumentError(`"${value}" is not an origin (${ORIGIN_EXAMPLE}).`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new InvalidArgumentError(
      `"${value}" has a path; an origin is only scheme://host[:port] (${ORIGIN_EXAMPLE}). Browsers send no path, so an allowlist entry with one never matches.`,
    );
  }
  return url.origin;
}

/** Collect a repeatable origin option; a comma-separated value (e.g. from an env var) adds several. */
export function collectOrigins(value: string, previous: string[] | undefined): string[] {
  const parsed = value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean)
    .map(parseOrigin);
  return [...(previous ?? []), ...parsed];
}

/** Collect a repeatable, comma-separated list of names. */
export function collectList(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

/** A whole number of milliseconds from 1 to 10 minutes. */
export function parseMs(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || n < 1 || n > 600_000)
    throw new InvalidArgumentError(`"${value}" is not a number of milliseconds from 1 to 600000.`);
  return n;
}

/** Header names as RFC 9110 tokens. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Collect a repeatable `--header "Name: value"` into a name -> value record (names lower-cased;
 * a later value for the same name wins). For deployment protection and auth proxies.
 */
export function collectHeader(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const colon = value.indexOf(':');
  const name = colon > 0 ? value.slice(0, colon).trim() : '';
  const headerValue = colon > 0 ? value.slice(colon + 1).trim() : '';
  if (!HEADER_NAME.test(name) || /[\r\n]/.test(headerValue)) {
    throw new InvalidArgumentError(
      `"${value}" is not a header; write it as Name:value, e.g. --header "x-vercel-protection-bypass: <secret>".`,
    );
  }
  if (name.toLowerCase() === 'origin')
    throw new InvalidArgumentError('set the Origin header with --origin, not --header.');
  return { ...previous, [name.toLowerCase()]: headerValue };
}
