/** Parsing client frames into a small tagged union; no I/O. */
import { ErrorCode, type FieldError } from '../../shared/protocol.ts';
import { isPlainObject, validateClientMsgId, validateContent } from '../../shared/validate.ts';

export type ParsedFrame =
  | { kind: 'chat'; content: string; clientMsgId?: string }
  | { kind: 'typing'; type: 'typing_start' | 'typing_stop' }
  | { kind: 'ping' }
  | { kind: 'ignore' }
  | { kind: 'invalid'; code: string; detail: string };

export function parseClientFrame(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'invalid', code: ErrorCode.InvalidJson, detail: 'Frames must be JSON text' };
  }
  if (!isPlainObject(value))
    return { kind: 'invalid', code: ErrorCode.InvalidJson, detail: 'Frames must be JSON objects' };
  const type = value.type;
  if (type === undefined || type === null || type === 'message') return parseChat(value);
  if (type === 'typing_start' || type === 'typing_stop') return { kind: 'typing', type };
  switch (type) {
    case 'ping':
      return { kind: 'ping' };
    case 'keep_alive':
    case 'pong':
      return { kind: 'ignore' };
    default:
      return {
        kind: 'invalid',
        code: ErrorCode.UnknownType,
        detail: `Unknown frame type ${describeType(type)}; send a chat frame {content} or typing_start, typing_stop, keep_alive, ping, pong`,
      };
  }
}

function parseChat(value: Record<string, unknown>): ParsedFrame {
  const errors: FieldError[] = [];
  const content = validateContent(value.content, errors);
  const clientMsgId = validateClientMsgId(value.client_msg_id, errors);
  if (errors.length || content === undefined) {
    const detail = errors.map((e) => e.message).join('; ');
    return {
      kind: 'invalid',
      code: ErrorCode.ValidationError,
      detail: detail.charAt(0).toUpperCase() + detail.slice(1),
    };
  }
  return clientMsgId === undefined ? { kind: 'chat', content } : { kind: 'chat', content, clientMsgId };
}

/**
 * A short description of a client's `type` for the error frame. Never JSON.stringify the
 * whole value: a 64 KiB frame can nest 30 000 levels deep and overflow the stack.
 */
function describeType(type: unknown): string {
  if (typeof type === 'string') return JSON.stringify(type.slice(0, 62));
  if (typeof type === 'number' || typeof type === 'boolean') return String(type);
  return Array.isArray(type) ? '(an array)' : `(${typeof type})`;
}
