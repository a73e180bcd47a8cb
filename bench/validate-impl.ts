/**
 * The shape every validator in `npm run bench:validate` implements, and ours: the real
 * `parseClientFrame`, `validatePostMessage` and `validateJoin` the server calls.
 */
import type { FieldError } from '../src/shared/protocol.ts';
import { parseClientFrame } from '../src/server/ws/frames.ts';
import { validateJoin, validatePostMessage } from '../src/shared/validate.ts';

export type Out = { ok: true; value: object } | { ok: false; errors: FieldError[] };

export interface Impl {
  name: string;
  /** Parse and validate a chat frame's text. */
  frame(text: string): Out;
  post(body: Record<string, unknown>): Out;
  join(body: Record<string, unknown>): Out;
}

/** Any C0/C1 control character or DEL, as in validate.ts. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/;

/** JSON text -> object handed to `check`, or the error every implementation answers with. */
export function frameWith(text: string, check: (value: Record<string, unknown>) => Out): Out {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, errors: [{ field: 'frame', message: 'Frames must be JSON text' }] };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, errors: [{ field: 'frame', message: 'Frames must be JSON objects' }] };
  return check(value as Record<string, unknown>);
}

export const ours: Impl = {
  name: 'ours',
  frame(text) {
    const f = parseClientFrame(text);
    if (f.kind === 'chat')
      return {
        ok: true,
        value:
          f.clientMsgId === undefined ? { content: f.content } : { content: f.content, client_msg_id: f.clientMsgId },
      };
    return { ok: false, errors: [{ field: 'frame', message: f.kind === 'invalid' ? f.detail : f.kind }] };
  },
  post: validatePostMessage,
  join: validateJoin,
};
