/** Turn the errors undici, ws and node:net throw into one short human sentence. */

/** A stable, lower-case kind for a network failure, used for hints and tests. */
export type NetErrorKind = 'refused' | 'dns' | 'tls' | 'timeout' | 'reset' | 'other';

/** Classify a thrown network error (undici `UND_ERR_*`, Node `E*` codes, TLS codes). */
export function netErrorKind(err: unknown): NetErrorKind {
  const e = err as { code?: string; name?: string; cause?: unknown } | null;
  if (!e || typeof e !== 'object') return 'other';
  const code = e.code ?? '';
  if (
    e.name === 'TimeoutError' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'ETIMEDOUT'
  )
    return 'timeout';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return 'reset';
  if (
    /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/i.test(code) ||
    /certificate|ssl|tls/i.test((e as Error).message)
  )
    return 'tls';
  if (e.cause) return netErrorKind(e.cause);
  return 'other';
}

/** One line describing a network error, e.g. "connection refused (ECONNREFUSED)". */
export function describeNetError(err: unknown): string {
  const kind = netErrorKind(err);
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } } | null;
  const code = e?.code ?? e?.cause?.code;
  const suffix = code ? ` (${code})` : '';
  switch (kind) {
    case 'refused':
      return `connection refused${suffix}`;
    case 'dns':
      return `host name not found${suffix}`;
    case 'tls':
      return `TLS handshake failed: ${e?.cause?.message ?? e?.message ?? 'certificate problem'}${suffix}`;
    case 'timeout':
      return `timed out${suffix}`;
    case 'reset':
      return `connection reset${suffix}`;
    default:
      return `${e?.cause?.message ?? e?.message ?? String(err)}${suffix}`;
  }
}
