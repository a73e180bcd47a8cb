/**
 * The hot-path rules in zod 4. `overwrite` cleans content in place before `min`; what zod
 * cannot say by itself a `refine` says with our helpers: length in code points (`max`
 * counts UTF-16 units), "no lone surrogate", an http(s)-only URL. `catch` drops a bad
 * optional field instead of refusing the body.
 */
import * as z from 'zod';
import { LIMITS, type FieldError } from '../src/shared/protocol.ts';
import { charLength, checkHttpUrl, cleanContent } from '../src/shared/validate.ts';
import { CONTROL_RE, frameWith, type Impl, type Out } from './validate-impl.ts';

const atMost = (max: number) => (s: string) => s.length <= max || charLength(s) <= max;
const plainText = (s: string) => !CONTROL_RE.test(s) && s.isWellFormed();

function text(max: number, label: string) {
  return z
    .string(`${label} must be a string`)
    .trim()
    .min(1, `${label} must not be empty`)
    .refine(atMost(max), `${label} must be at most ${max} characters`)
    .refine(plainText, `${label} must not contain control characters`);
}

const content = z
  .string('content must be a string')
  .overwrite(cleanContent)
  .min(1, 'content must not be empty')
  .refine(atMost(LIMITS.maxContentChars), `content must be at most ${LIMITS.maxContentChars} characters`);

const clientMsgId = z
  .union(
    [
      z.null().transform(() => undefined),
      z.number().transform(String),
      z
        .string()
        .min(1)
        .max(LIMITS.maxClientMsgIdChars)
        .refine((s) => !CONTROL_RE.test(s)),
    ],
    `client_msg_id must be a string of 1-${LIMITS.maxClientMsgIdChars} characters`,
  )
  .optional();

const userId = z
  .string('user_id is required')
  .min(1, 'user_id is required')
  .max(LIMITS.maxIdChars, `user_id must be a string of at most ${LIMITS.maxIdChars} characters`);

const lenientName = text(LIMITS.maxUsernameChars, 'username').optional().catch(undefined);
const lenientAvatar = z
  .string()
  .trim()
  .min(1)
  .refine((s) => checkHttpUrl(s) === null)
  .optional()
  .catch(undefined);

const frame = z.object({ type: z.literal('message').nullish(), content, client_msg_id: clientMsgId });
const post = z.object({
  user_id: userId,
  content,
  client_msg_id: clientMsgId,
  username: lenientName,
  avatar_url: lenientAvatar,
});
const join = z.object({
  user_id: userId,
  username: z
    .union([z.literal(''), text(LIMITS.maxUsernameChars, 'username')])
    .nullish()
    .transform((u) => u || undefined),
  avatar_url: lenientAvatar,
});

function run(schema: z.ZodType, input: unknown): Out {
  const r = schema.safeParse(input);
  if (r.success) return { ok: true, value: r.data as object };
  const errors: FieldError[] = r.error.issues.map((i) => ({ field: String(i.path[0] ?? ''), message: i.message }));
  return { ok: false, errors };
}

export const zod: Impl = {
  name: 'zod',
  frame: (json) => frameWith(json, (value) => run(frame, value)),
  post: (body) => run(post, body),
  join: (body) => run(join, body),
};
