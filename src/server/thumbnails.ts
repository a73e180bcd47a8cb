/**
 * Uploaded room thumbnails: a `data:image/…;base64,` URL from POST /rooms becomes bytes kept
 * once under their content address (sha256), and every response carries an absolute URL to
 * GET /thumbnails/{id} instead of the data (the frontend puts it in an <img src> on another origin).
 */
import { createHash } from 'node:crypto';
import type { Thumbnail } from './store/store.ts';

const DATA_URL_RE = /^data:(image\/(?:png|jpeg|webp|gif));base64,/;

/** The image inside a `data:image/(png|jpeg|webp|gif);base64,` URL, with its content address; null for anything else. */
export function decodeDataUrl(url: string): Thumbnail | null {
  const m = DATA_URL_RE.exec(url);
  if (!m) return null;
  const data = Buffer.from(url.slice(m[0].length), 'base64');
  if (data.length === 0) return null;
  return { id: createHash('sha256').update(data).digest('hex'), content_type: m[1] as string, data };
}

/** The route path of a stored thumbnail. */
export function thumbnailPath(id: string): string {
  return `/thumbnails/${id}`;
}

/** A content address as the route accepts it: 64 lowercase hex digits. */
export function isThumbnailId(id: string): boolean {
  return id.length === 64 && /^[0-9a-f]{64}$/.test(id);
}
