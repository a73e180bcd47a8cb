/**
 * The hot-path rules in valibot. What it cannot say by itself, a custom `check` says with our
 * helpers: length in code points (`maxLength` counts UTF-16 units, `maxGraphemes` counts
 * graphemes), "no lone surrogate", an http(s)-only URL, and content cleaning (a `transform`).
 */
import * as v from 'valibot';
import { LIMITS, type FieldError } from '../src/shared/protocol.ts';
import { charLength, checkHttpUrl, cleanContent } from '../src/shared/validate.ts';
import { CONTROL_RE, frameWith, type Impl, type Out } from './validate-impl.ts';

const atMost = (max: number) => (s: string) => s.length <= max || charLength(s) <= max;
const plainText = (s: string) => !CONTROL_RE.test(s) && s.isWellFormed();

function text(max: number, label: string) {
  return v.pipe(
    v.string(`${label} must be a string`),
    v.trim(),
    v.nonEmpty(`${label} must not be empty`),
    v.check(atMost(max), `${label} must be at most ${max} characters`),
    v.check(plainText, `${label} must not contain control characters`),
  );
}

const content = v.pipe(
  v.string('content must be a string'),
  v.transform(cleanContent),
  v.nonEmpty('content must not be empty'),
  v.check(atMost(LIMITS.maxContentChars), `content must be at most ${LIMITS.maxContentChars} characters`),
);

const clientMsgId = v.optional(
  v.union(
    [
      v.pipe(
        v.null(),
        v.transform(() => undefined),
      ),
      v.pipe(v.number(), v.finite(), v.transform(String)),
      v.pipe(
        v.string(),
        v.minLength(1),
        v.maxLength(LIMITS.maxClientMsgIdChars),
        v.check((s) => !CONTROL_RE.test(s)),
      ),
    ],
    `client_msg_id must be a string of 1-${LIMITS.maxClientMsgIdChars} characters`,
  ),
);

const userId = v.pipe(
  v.string('user_id is required'),
  v.nonEmpty('user_id is required'),
  v.maxLength(LIMITS.maxIdChars, `user_id must be a string of at most ${LIMITS.maxIdChars} characters`),
);

/** Dropped, not refused, when invalid. */
const lenientName = v.fallback(v.optional(text(LIMITS.maxUsernameChars, 'username')), undefined);
const lenientAvatar = v.fallback(
  v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.nonEmpty(),
      v.check((s) => checkHttpUrl(s) === null),
    ),
  ),
  undefined,
);

const frame = v.object({ type: v.nullish(v.literal('message')), content, client_msg_id: clientMsgId });
const post = v.object({
  user_id: userId,
  content,
  client_msg_id: clientMsgId,
  username: lenientName,
  avatar_url: lenientAvatar,
});
const join = v.object({
  user_id: userId,
  username: v.pipe(
    v.nullish(v.union([v.literal(''), text(LIMITS.maxUsernameChars, 'username')])),
    v.transform((u) => u || undefined),
  ),
  avatar_url: lenientAvatar,
});

function run(schema: v.GenericSchema, input: unknown): Out {
  const r = v.safeParse(schema, input);
  if (r.success) return { ok: true, value: r.output as object };
  const errors: FieldError[] = r.issues.map((i) => ({
    field: typeof i.path?.[0]?.key === 'string' ? i.path[0].key : '',
    message: i.message,
  }));
  return { ok: false, errors };
}

export const valibot: Impl = {
  name: 'valibot',
  frame: (json) => frameWith(json, (value) => run(frame, value)),
  post: (body) => run(post, body),
  join: (body) => run(join, body),
};
