/**
 * GET /thumbnails/{id}: an uploaded room thumbnail by content address. The bytes behind an
 * id never change, so the answer is cacheable for a year (`immutable`), its ETag is the id,
 * and a revalidation with If-None-Match is a 304 without touching the store.
 */
import { ErrorCode } from '../../shared/protocol.ts';
import { withAuth } from '../auth/guard.ts';
import { notFound } from '../http/errors.ts';
import { sendBytes, sendNotModified } from '../http/respond.ts';
import type { Handler, Router } from '../http/router.ts';
import { isThumbnailId } from '../thumbnails.ts';
import type { RouteDeps } from './deps.ts';

const thumbnailNotFound = () => notFound(ErrorCode.NotFound, 'Thumbnail not found');

export function registerThumbnails(router: Router, deps: RouteDeps): void {
  const { store, auth } = deps;
  const getThumbnail: Handler = async (ctx) => {
    const id = ctx.params.id ?? '';
    if (!isThumbnailId(id)) throw thumbnailNotFound();
    const headers = {
      ETag: `"${id}"`,
      'Cache-Control': 'public, max-age=31536000, immutable',
      // The frontend shows it in an <img> on another origin; this keeps that working under COEP.
      'Cross-Origin-Resource-Policy': 'cross-origin',
      'Content-Security-Policy': "default-src 'none'",
    };
    if (matchesEtag(ctx.req.headers['if-none-match'], id)) {
      sendNotModified(ctx, headers);
      return;
    }
    const thumb = await store.getThumbnail(id);
    if (!thumb) throw thumbnailNotFound();
    sendBytes(ctx, 200, thumb.data, thumb.content_type, headers);
  };

  // Checked like every route that is not sign-up or login (auth/guard.ts).
  router.on('GET', '/thumbnails/:id', withAuth(auth, getThumbnail));
}

/** If-None-Match: `*`, or a list of (weak or strong) entity tags, one of them ours. */
function matchesEtag(header: string | undefined, id: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === `"${id}"`);
}
