/**
 * GET /rooms paging: `limit` and the opaque `cursor` in, the next cursor out. The body stays
 * a JSON array (the frontend reads it as one), so the next page travels in headers.
 */
import type { FieldError } from '../../shared/protocol.ts';
import type { Config } from '../config.ts';
import { validationError } from '../http/errors.ts';

export interface RoomPageQuery {
  limit: number;
  beforeSeq?: number;
}

/** Headers a browser script may read on a cross-origin GET /rooms. */
export const EXPOSE_PAGE_HEADERS = 'Link, X-Next-Cursor';

/** `limit` (1…roomsPageMax, default roomsPageDefault) and `cursor`; 422 validation_error otherwise. */
export function parseRoomPageQuery(params: URLSearchParams, config: Config): RoomPageQuery {
  const errors: FieldError[] = [];
  const query: RoomPageQuery = { limit: config.roomsPageDefault };
  const rawLimit = params.get('limit');
  if (rawLimit !== null) {
    const n = Number(rawLimit);
    if (!/^\d{1,4}$/.test(rawLimit) || n < 1 || n > config.roomsPageMax) {
      errors.push({ field: 'limit', message: `limit must be an integer from 1 to ${config.roomsPageMax}` });
    } else query.limit = n;
  }
  const rawCursor = params.get('cursor');
  if (rawCursor !== null && rawCursor !== '') {
    const seq = decodeCursor(rawCursor);
    if (seq === null)
      errors.push({ field: 'cursor', message: 'cursor must be one this server returned in X-Next-Cursor' });
    else query.beforeSeq = seq;
  }
  if (errors.length) throw validationError(errors);
  return query;
}

/** The opaque cursor for "rooms created before this one". */
export function encodeCursor(seq: number): string {
  return Buffer.from(`r1.${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): number | null {
  if (cursor.length > 32 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const m = /^r1\.(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  return m ? Number(m[1]) : null;
}

/** The headers that point at the next page (none on the last page). */
export function nextPageHeaders(limit: number, nextSeq: number | null): Record<string, string> {
  const headers: Record<string, string> = { 'Access-Control-Expose-Headers': EXPOSE_PAGE_HEADERS };
  if (nextSeq !== null) {
    const cursor = encodeCursor(nextSeq);
    headers.Link = `</rooms?limit=${limit}&cursor=${cursor}>; rel="next"`;
    headers['X-Next-Cursor'] = cursor;
  }
  return headers;
}
