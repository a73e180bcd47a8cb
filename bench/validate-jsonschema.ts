/**
 * The hot-path rules as JSON Schema, written with TypeBox and compiled two ways: TypeBox's own
 * compiler and Ajv. JSON Schema checks shapes and lengths (in code points, as we count) but
 * cannot trim, clean content, or drop a bad optional field instead of refusing the body, so
 * those steps stay in code around the schema check, as they would in the server.
 */
import { Ajv } from 'ajv';
import { Type, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { LIMITS, type FieldError } from '../src/shared/protocol.ts';
import { cleanContent, lenientAvatar, lenientUsername } from '../src/shared/validate.ts';
import { frameWith, type Impl, type Out } from './validate-impl.ts';

/** No control characters and, with the `u` flag both compilers use, no lone surrogate. */
const PLAIN_TEXT = '^[^\\u0000-\\u001f\\u007f-\\u009f\\ud800-\\udfff]*$';

const clientMsgId = Type.Optional(
  Type.Union([
    Type.Null(),
    Type.Number(),
    Type.String({ minLength: 1, maxLength: LIMITS.maxClientMsgIdChars, pattern: PLAIN_TEXT }),
  ]),
);
const userId = Type.String({ minLength: 1, maxLength: LIMITS.maxIdChars });

const schemas = {
  frame: Type.Object({
    type: Type.Optional(Type.Union([Type.Literal('message'), Type.Null()])),
    content: Type.String(),
    client_msg_id: clientMsgId,
  }),
  post: Type.Object({ user_id: userId, content: Type.String(), client_msg_id: clientMsgId }),
  join: Type.Object({ user_id: userId, username: Type.Optional(Type.Union([Type.Null(), Type.String()])) }),
  /** Content after cleaning. */
  content: Type.String({ minLength: 1, maxLength: LIMITS.maxContentChars }),
  /** A username after trimming. */
  username: Type.String({ minLength: 1, maxLength: LIMITS.maxUsernameChars, pattern: PLAIN_TEXT }),
};

/** A compiled check: null when the value conforms, else its field errors. */
type Check = (value: unknown) => FieldError[] | null;
type Compiler = (schema: TSchema) => Check;

/** TypeBox and Ajv both report `instancePath` and the missing keys of a `required` error. */
interface SchemaError {
  instancePath: string;
  message?: string | undefined;
  params: Record<string, unknown>;
}
function fieldErrors(errors: readonly SchemaError[], field?: string): FieldError[] {
  return errors.map((e) => {
    const missing = e.params.missingProperty ?? (e.params.requiredProperties as unknown[] | undefined)?.[0];
    const name = field ?? (e.instancePath.split('/')[1] || (typeof missing === 'string' ? missing : ''));
    return { field: name, message: `${name} ${e.message ?? 'is invalid'}` };
  });
}

function build(name: string, compile: Compiler): Impl {
  const check = {
    frame: compile(schemas.frame),
    post: compile(schemas.post),
    join: compile(schemas.join),
    content: compile(schemas.content),
    username: compile(schemas.username),
  };
  /** Clean content in code, then check the cleaned text against the schema. */
  function message(body: Record<string, unknown>, shape: Check, lenient: boolean): Out {
    const errors = shape(body) ?? [];
    const content = typeof body.content === 'string' ? cleanContent(body.content) : '';
    const bad = typeof body.content === 'string' ? check.content(content) : null;
    if (bad) errors.push(...bad.map((e) => ({ ...e, field: 'content' })));
    if (errors.length) return { ok: false, errors };
    const raw = body.client_msg_id as string | number | null | undefined;
    const value: Record<string, unknown> = { content };
    if (lenient) {
      value.user_id = body.user_id;
      const username = lenientUsername(body.username);
      if (username !== undefined) value.username = username;
      const avatar = lenientAvatar(body.avatar_url);
      if (avatar !== undefined) value.avatar_url = avatar;
    }
    if (raw !== null && raw !== undefined) value.client_msg_id = String(raw);
    return { ok: true, value };
  }
  return {
    name,
    frame: (json) => frameWith(json, (body) => message(body, check.frame, false)),
    post: (body) => message(body, check.post, true),
    join(body) {
      const shape = check.join(body);
      const errors = shape ?? [];
      const value: Record<string, unknown> = { user_id: body.user_id };
      if (typeof body.username === 'string' && body.username !== '') {
        const username = body.username.trim();
        const bad = check.username(username);
        if (bad) errors.push(...bad.map((e) => ({ ...e, field: 'username' })));
        else value.username = username;
      }
      if (errors.length) return { ok: false, errors };
      const avatar = lenientAvatar(body.avatar_url);
      if (avatar !== undefined) value.avatar_url = avatar;
      return { ok: true, value };
    },
  };
}

export const typebox: Impl = build('typebox', (schema) => {
  const validator = Compile(schema);
  return (value) => (validator.Check(value) ? null : fieldErrors(validator.Errors(value)));
});

const ajv = new Ajv({ allErrors: true });
export const ajvImpl: Impl = build('ajv', (schema) => {
  const validate = ajv.compile(schema);
  return (value) => (validate(value) ? null : fieldErrors(validate.errors ?? []));
});
