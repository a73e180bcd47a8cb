/**
 * What travels on the fan-out channel: one JSON object per frame, with the room id (one
 * channel for all rooms) and the origin instance (so it can skip its own echo).
 */
import type { ServerFrame } from '../../shared/protocol.ts';

export interface Envelope {
  origin: string;
  roomId: string;
  frame: ServerFrame;
  exceptUserId?: string;
  /** Wall-clock ms when it was published (the fan-out lag metric); absent from older senders. */
  sentAtMs?: number;
}

/** `{"o":origin,"r":room,"x":except?,"f":frame,"t":sentAtMs}`. */
export function encodeEnvelope(
  origin: string,
  roomId: string,
  frame: ServerFrame,
  exceptUserId?: string,
  sentAtMs: number = Date.now(),
): string {
  return JSON.stringify(
    exceptUserId === undefined
      ? { o: origin, r: roomId, f: frame, t: sentAtMs }
      : { o: origin, r: roomId, x: exceptUserId, f: frame, t: sentAtMs },
  );
}

/** How every envelope from `origin` starts: lets an instance drop its own echo without parsing it. */
export function envelopePrefix(origin: string): string {
  return `${JSON.stringify({ o: origin }).slice(0, -1)},`;
}

/**
 * A logout, on the same channel: `{"o":origin,"k":token sha256}`. Only the hash travels (what
 * the account store keeps anyway); every instance closes its sockets of that token.
 */
export function encodeRevocation(origin: string, tokenHash: string): string {
  return JSON.stringify({ o: origin, k: tokenHash });
}

/** The token hash of a revocation message, or null for anything else. */
export function decodeRevocation(payload: string): { origin: string; tokenHash: string } | null {
  const raw = parseObject(payload);
  if (!raw) return null;
  const { o, k } = raw;
  return typeof o === 'string' && typeof k === 'string' && /^[0-9a-f]{64}$/.test(k)
    ? { origin: o, tokenHash: k }
    : null;
}

/** The envelope, or null for anything that is not one (it is dropped, never thrown). */
export function decodeEnvelope(payload: string): Envelope | null {
  const raw = parseObject(payload);
  if (!raw) return null;
  const { o, r, x, f, t } = raw;
  if (typeof o !== 'string' || typeof r !== 'string' || typeof f !== 'object' || f === null) return null;
  if (typeof (f as { type?: unknown }).type !== 'string') return null;
  const env: Envelope = { origin: o, roomId: r, frame: f as ServerFrame };
  if (typeof x === 'string') env.exceptUserId = x;
  if (typeof t === 'number' && Number.isFinite(t)) env.sentAtMs = t;
  return env;
}

/** A channel payload as a JSON object, or null (garbage is dropped, never thrown). */
function parseObject(payload: string): Record<string, unknown> | null {
  let raw: unknown;
  try {
    raw = JSON.parse(payload);
  } catch {
    return null;
  }
  return typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : null;
}
