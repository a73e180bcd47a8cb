/**
 * A router you can read in one screen: `/rooms/:id/join` style patterns, exact segment
 * matching, and 404/405 as ordinary errors.
 */
import { ErrorCode } from '../../shared/protocol.ts';
import { HttpError } from './errors.ts';
import type { Ctx } from './context.ts';

export type Handler = (ctx: Ctx) => Promise<void> | void;

interface Route {
  /** As registered (`/rooms/:id`): the route label in metrics. */
  pattern: string;
  segments: string[];
  /** Where the `:name` segments are, with their names (internalized: see paramName). */
  params: Array<{ at: number; name: string }>;
  handlers: Map<string, Handler>;
}

export class Router {
  private routes: Route[] = [];
  /** Routes by segment count, in registration order: a request only tries routes of its own length. */
  private byLength = new Map<number, Route[]>();

  /** Register `handler` for `method` on `pattern` (segments starting with `:` are params). */
  on(method: string, pattern: string, handler: Handler): this {
    const segments = split(pattern);
    let route = this.routes.find((r) => r.segments.join('/') === segments.join('/'));
    if (!route) {
      const params = segments.flatMap((seg, at) =>
        seg.charCodeAt(0) === 58 /* ':' */ ? [{ at, name: paramName(seg.slice(1)) }] : [],
      );
      route = { pattern, segments, params, handlers: new Map() };
      this.routes.push(route);
      const same = this.byLength.get(segments.length) ?? [];
      same.push(route);
      this.byLength.set(segments.length, same);
    }
    route.handlers.set(method.toUpperCase(), handler);
    if (method.toUpperCase() === 'GET' && !route.handlers.has('HEAD')) route.handlers.set('HEAD', handler);
    return this;
  }

  /** Find the handler for a request; throws 404 or 405 (with Allow). */
  resolve(method: string, pathname: string): { handler: Handler; params: Record<string, string>; pattern: string } {
    const parts = split(pathname);
    for (const route of this.byLength.get(parts.length) ?? []) {
      const params = match(route, parts);
      if (!params) continue;
      const handler = route.handlers.get(method);
      if (handler) return { handler, params, pattern: route.pattern };
      const allow = [...route.handlers.keys()].join(', ');
      throw new HttpError(405, ErrorCode.MethodNotAllowed, `Method ${method} is not allowed here; use ${allow}`, {
        headers: { Allow: allow },
      });
    }
    throw new HttpError(404, ErrorCode.NotFound, `No route for ${pathname}`);
  }

  /** The pattern of the route `pathname` matches, whatever the method (a metrics label for requests answered before routing). */
  template(pathname: string): string | undefined {
    const parts = split(pathname);
    return this.byLength.get(parts.length)?.find((route) => match(route, parts))?.pattern;
  }
}

/** Non-empty segments of a path (`//a/b/` -> ['a', 'b']). */
function split(path: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    if (i === path.length || path.charCodeAt(i) === 47 /* '/' */) {
      if (i > start) parts.push(path.slice(start, i));
      start = i + 1;
    }
  }
  return parts;
}

/**
 * The same name as an internalized string (what a property key in source code is): a name
 * sliced off the pattern would be looked up in V8's string table on every request it keys.
 */
function paramName(name: string): string {
  return Object.keys({ [name]: true })[0] as string;
}

function match(route: Route, parts: string[]): Record<string, string> | null {
  const pattern = route.segments;
  if (pattern.length !== parts.length) return null;
  // Static segments first: most routes are ruled out without decoding or allocating anything.
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    if (p.charCodeAt(0) !== 58 /* ':' */ && p !== parts[i]) return null;
  }
  const params: Record<string, string> = {};
  for (const { at, name } of route.params) {
    const raw = parts[at] as string;
    if (!raw.includes('%')) {
      params[name] = raw;
      continue;
    }
    try {
      params[name] = decodeURIComponent(raw);
    } catch {
      return null;
    }
  }
  return params;
}
