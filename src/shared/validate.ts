/**
 * Pure validators: raw JSON -> typed value, or a list of field errors.
 * No I/O. Both the server (request bodies, frames) and the CLI use them.
 */
import { LIMITS, type FieldError } from './protocol.ts';

export type Result<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Any C0/C1 control character or DEL. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/;
/** Control characters a chat message may not carry (newline and tab are kept). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTENT_CONTROL_RE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const DATA_IMAGE_RE = /^data:image\/(png|jpeg|webp|gif);base64,[A-Za-z0-9+/]+={0,2}$/;
const ID_RE = /^[A-Za-z0-9_.:-]+$/;

/** Length in Unicode code points, so an emoji counts once. */
export function charLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/**
 * More than `max` code points? A string has at least length/2 and at most length code
 * points, so most strings are decided without counting.
 */
function longerThan(s: string, max: number): boolean {
  if (s.length <= max) return false;
  if (s.length > 2 * max) return true;
  return charLength(s) > max;
}

/** Fewer than `min` code points? */
function shorterThan(s: string, min: number): boolean {
  if (s.length < min) return true;
  if (s.length >= 2 * min) return false;
  return charLength(s) < min;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for an id we are willing to look up: non-empty, ≤128 chars, no slashes or spaces. */
export function isValidId(id: string): boolean {
  return id.length > 0 && id.length <= LIMITS.maxIdChars && ID_RE.test(id);
}

/** Anything cleanContent would change besides trimming (surrogates: pairs are checked on the slow path). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NEEDS_CLEANING_RE = /[\r\u0000-\u0008\u000b-\u001f\u007f-\u009f\ud800-\udfff]/;

/**
 * Normalise chat content: CRLF -> LF, strip control characters except \n and \t, replace lone
 * surrogates (they cannot be encoded as UTF-8) with U+FFFD, trim. Surrogates are fixed after the
 * control characters go, so a pair split by one is joined again, not replaced.
 */
export function cleanContent(raw: string): string {
  if (!NEEDS_CLEANING_RE.test(raw)) return raw.trim();
  return raw.replace(/\r\n?/g, '\n').replace(CONTENT_CONTROL_RE, '').toWellFormed().trim();
}

interface TextRule {
  min: number;
  max: number;
  label: string;
}

/** A required or optional trimmed single-line string. */
function text(raw: unknown, field: string, rule: TextRule, errors: FieldError[]): string | undefined {
  if (typeof raw !== 'string') {
    errors.push({ field, message: `${rule.label} must be a string` });
    return undefined;
  }
  const value = raw.trim();
  if (shorterThan(value, rule.min)) {
    errors.push({
      field,
      message:
        rule.min <= 1 ? `${rule.label} must not be empty` : `${rule.label} must be at least ${rule.min} characters`,
    });
  } else if (longerThan(value, rule.max)) {
    errors.push({ field, message: `${rule.label} must be at most ${rule.max} characters` });
  } else if (CONTROL_RE.test(value) || !value.isWellFormed()) {
    errors.push({ field, message: `${rule.label} must not contain control characters` });
  } else {
    return value;
  }
  return undefined;
}

/** An http(s) URL of at most 2000 characters. */
export function checkHttpUrl(raw: string): string | null {
  if (raw.length > LIMITS.maxUrlChars) return `must be at most ${LIMITS.maxUrlChars} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http(s) URL';
  if (CONTROL_RE.test(raw)) return 'must not contain control characters';
  // A lone UTF-16 surrogate cannot be written as UTF-8: it would be stored as given and come
  // back mangled (U+FFFD) from any database.
  if (!raw.isWellFormed()) return 'must be valid Unicode text (it has a lone surrogate)';
  return null;
}

function optionalNullableString(
  raw: unknown,
  field: string,
  label: string,
  errors: FieldError[],
): string | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === null) return null;
  if (typeof raw !== 'string') {
    errors.push({ field, message: `${label} must be a string or null` });
    return undefined;
  }
  const value = raw.trim();
  return value === '' ? null : value;
}

function done<T>(value: T, errors: FieldError[]): Result<T> {
  return errors.length ? { ok: false, errors } : { ok: true, value };
}

const USERNAME: TextRule = { min: 1, max: LIMITS.maxUsernameChars, label: 'username' };
const ROOM_NAME: TextRule = { min: 1, max: LIMITS.maxRoomNameChars, label: 'name' };

export function validateCreateUser(body: Record<string, unknown>): Result<{ username: string }> {
  const errors: FieldError[] = [];
  if (body.username === undefined) errors.push({ field: 'username', message: 'username is required' });
  const username = body.username === undefined ? undefined : text(body.username, 'username', USERNAME, errors);
  return done({ username: username ?? '' }, errors);
}

export interface CreateRoomInput {
  name: string;
  thumbnail_url: string | null;
}

export function validateCreateRoom(body: Record<string, unknown>): Result<CreateRoomInput> {
  const errors: FieldError[] = [];
  if (body.name === undefined) errors.push({ field: 'name', message: 'name is required' });
  const name = body.name === undefined ? undefined : text(body.name, 'name', ROOM_NAME, errors);
  const thumb = optionalNullableString(body.thumbnail_url, 'thumbnail_url', 'thumbnail_url', errors);
  if (typeof thumb === 'string') {
    if (thumb.startsWith('data:')) {
      if (thumb.length > LIMITS.maxDataUrlBytes) {
        errors.push({ field: 'thumbnail_url', message: 'thumbnail_url data URL must be at most 1 MiB' });
      } else if (!DATA_IMAGE_RE.test(thumb)) {
        errors.push({
          field: 'thumbnail_url',
          message: 'thumbnail_url data URL must be data:image/(png|jpeg|webp|gif);base64,…',
        });
      }
    } else {
      const problem = checkHttpUrl(thumb);
      if (problem) errors.push({ field: 'thumbnail_url', message: `thumbnail_url ${problem}` });
    }
  }
  return done({ name: name ?? '', thumbnail_url: thumb ?? null }, errors);
}

/** Profile update. The seed's avatar and display-name rules are 400s, flagged by `status`. */
export interface ProfileInput {
  display_name?: string;
  avatar_url?: string | null;
}

export function validateProfile(body: Record<string, unknown>): Result<ProfileInput> & { status?: 400 | 422 } {
  const errors: FieldError[] = [];
  const value: ProfileInput = {};
  let seedRule = false;
  if (body.display_name !== undefined && body.display_name !== null) {
    if (typeof body.display_name !== 'string') {
      errors.push({ field: 'display_name', message: 'display_name must be a string' });
    } else if (charLength(body.display_name.trim()) < LIMITS.minDisplayNameChars) {
      seedRule = true;
      errors.push({ field: 'display_name', message: 'Display name must be at least 2 characters' });
    } else {
      const name = text(body.display_name, 'display_name', { ...USERNAME, label: 'display_name' }, errors);
      if (name !== undefined) value.display_name = name;
    }
  }
  const avatar = optionalNullableString(body.avatar_url, 'avatar_url', 'avatar_url', errors);
  if (typeof avatar === 'string') {
    if (avatar.startsWith('data:')) {
      seedRule = true;
      errors.push({ field: 'avatar_url', message: 'Avatar must be a URL, not base64 data. Upload to a CDN first.' });
    } else if (avatar.length > LIMITS.maxUrlChars) {
      seedRule = true;
      errors.push({ field: 'avatar_url', message: `Avatar URL too long (max ${LIMITS.maxUrlChars} chars)` });
    } else {
      const problem = checkHttpUrl(avatar);
      if (problem) errors.push({ field: 'avatar_url', message: `avatar_url ${problem}` });
      else value.avatar_url = avatar;
    }
  } else if (avatar === null) {
    value.avatar_url = null;
  }
  const result = done(value, errors);
  return result.ok ? result : { ...result, status: seedRule ? 400 : 422 };
}

/** An optional avatar that is dropped (not fatal) when invalid: WebSocket query, join body. */
export function lenientAvatar(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const value = raw.trim();
  if (!value || checkHttpUrl(value)) return undefined;
  return value;
}

/** A display name that is dropped (not fatal) when invalid. */
export function lenientUsername(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const errors: FieldError[] = [];
  return text(raw, 'username', USERNAME, errors);
}

export interface JoinInput {
  user_id: string;
  username?: string;
  avatar_url?: string;
}

export function validateJoin(body: Record<string, unknown>): Result<JoinInput> {
  const errors: FieldError[] = [];
  const userId = requiredId(body.user_id, 'user_id', errors);
  const value: JoinInput = { user_id: userId ?? '' };
  if (body.username !== undefined && body.username !== null && body.username !== '') {
    const username = text(body.username, 'username', USERNAME, errors);
    if (username !== undefined) value.username = username;
  }
  // Lenient like the WebSocket query: a bad avatar (a data: URL the frontend kept locally,
  // an over-long URL) is dropped instead of refusing the join and leaving the page socketless.
  const avatar = lenientAvatar(body.avatar_url);
  if (avatar !== undefined) value.avatar_url = avatar;
  return done(value, errors);
}

function requiredId(raw: unknown, field: string, errors: FieldError[]): string | undefined {
  if (raw === undefined || raw === null || raw === '') {
    errors.push({ field, message: `${field} is required` });
    return undefined;
  }
  if (typeof raw !== 'string' || raw.length > LIMITS.maxIdChars) {
    errors.push({ field, message: `${field} must be a string of at most ${LIMITS.maxIdChars} characters` });
    return undefined;
  }
  return raw;
}

/** Chat content: a string, 1–5000 characters after cleaning. */
export function validateContent(raw: unknown, errors: FieldError[]): string | undefined {
  if (typeof raw !== 'string') {
    errors.push({ field: 'content', message: raw === undefined ? 'content is required' : 'content must be a string' });
    return undefined;
  }
  const content = cleanContent(raw);
  if (content === '') {
    errors.push({ field: 'content', message: 'content must not be empty' });
    return undefined;
  }
  if (longerThan(content, LIMITS.maxContentChars)) {
    errors.push({ field: 'content', message: `content must be at most ${LIMITS.maxContentChars} characters` });
    return undefined;
  }
  return content;
}

/** `client_msg_id`: optional string ≤128 chars; other types are an error. */
export function validateClientMsgId(raw: unknown, errors: FieldError[]): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > LIMITS.maxClientMsgIdChars || CONTROL_RE.test(raw)) {
    errors.push({
      field: 'client_msg_id',
      message: `client_msg_id must be a string of 1-${LIMITS.maxClientMsgIdChars} characters`,
    });
    return undefined;
  }
  return raw;
}

export interface PostMessageInput {
  user_id: string;
  content: string;
  username?: string;
  avatar_url?: string;
  client_msg_id?: string;
}

export function validatePostMessage(body: Record<string, unknown>): Result<PostMessageInput> {
  const errors: FieldError[] = [];
  const userId = requiredId(body.user_id, 'user_id', errors);
  const content = validateContent(body.content, errors);
  const clientMsgId = validateClientMsgId(body.client_msg_id, errors);
  const value: PostMessageInput = { user_id: userId ?? '', content: content ?? '' };
  const username = lenientUsername(body.username);
  if (username !== undefined) value.username = username;
  const avatar = lenientAvatar(body.avatar_url);
  if (avatar !== undefined) value.avatar_url = avatar;
  if (clientMsgId !== undefined) value.client_msg_id = clientMsgId;
  return done(value, errors);
}

export interface PageQuery {
  limit: number;
  before?: string;
  after?: string;
}

export function validatePageQuery(params: URLSearchParams): Result<PageQuery> {
  const errors: FieldError[] = [];
  let limit: number = LIMITS.defaultPageLimit;
  const rawLimit = params.get('limit');
  if (rawLimit !== null) {
    const n = Number(rawLimit);
    if (!/^\d+$/.test(rawLimit) || !Number.isInteger(n) || n < LIMITS.minPageLimit || n > LIMITS.maxPageLimit) {
      errors.push({
        field: 'limit',
        message: `limit must be an integer from ${LIMITS.minPageLimit} to ${LIMITS.maxPageLimit}`,
      });
    } else limit = n;
  }
  const value: PageQuery = { limit };
  for (const key of ['before', 'after'] as const) {
    const raw = params.get(key);
    if (raw === null || raw === '') continue;
    if (!isValidId(raw)) errors.push({ field: key, message: `${key} must be a message id` });
    else value[key] = raw;
  }
  if (value.before && value.after) errors.push({ field: 'before', message: 'use either before or after, not both' });
  return done(value, errors);
}

/* ---------- accounts ---------- */

/** Account rules (the frontend's own, so its messages and ours agree). */
export const ACCOUNT_RULES = {
  usernameRe: /^[A-Za-z0-9_]{3,20}$/,
  minPasswordChars: 8,
  /** Bounds the work a single scrypt call does. */
  maxPasswordChars: 256,
  maxEmailChars: 254,
} as const;

const EMAIL_RE = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/**
 * True when an account field holds a control character or a lone surrogate: such a value can
 * never belong to an account, and a NUL makes Postgres fail the query (a 500 before).
 */
function hasControlChars(s: string): boolean {
  return CONTROL_RE.test(s) || !s.isWellFormed();
}

export interface SignupInput {
  username: string;
  /** Lower-cased, trimmed. */
  email: string;
  password: string;
}

/** Sign-up body: username 3–20 of [A-Za-z0-9_], a valid email, password ≥8 with upper, lower, digit. */
export function validateSignup(body: Record<string, unknown>): Result<SignupInput> {
  const errors: FieldError[] = [];
  const username = typeof body.username === 'string' ? body.username.trim() : undefined;
  if (username === undefined)
    errors.push({
      field: 'username',
      message: body.username === undefined ? 'username is required' : 'username must be a string',
    });
  else if (!ACCOUNT_RULES.usernameRe.test(username)) {
    errors.push({
      field: 'username',
      message: 'username must be 3-20 characters: letters, digits and underscores only',
    });
  }
  const email = typeof body.email === 'string' ? body.email.trim().toLowerCase() : undefined;
  if (email === undefined)
    errors.push({ field: 'email', message: body.email === undefined ? 'email is required' : 'email must be a string' });
  else if (hasControlChars(email))
    errors.push({ field: 'email', message: 'email must not contain control characters' });
  else if (email.length > ACCOUNT_RULES.maxEmailChars || !EMAIL_RE.test(email)) {
    errors.push({ field: 'email', message: 'email must be a valid email address' });
  }
  const password = typeof body.password === 'string' ? body.password : undefined;
  if (password === undefined)
    errors.push({
      field: 'password',
      message: body.password === undefined ? 'password is required' : 'password must be a string',
    });
  else if (hasControlChars(password))
    errors.push({ field: 'password', message: 'password must not contain control characters' });
  else {
    const problem = passwordProblem(password);
    if (problem) errors.push({ field: 'password', message: problem });
  }
  return done({ username: username ?? '', email: email ?? '', password: password ?? '' }, errors);
}

/** Why a password is too weak, or null when it passes every rule. */
export function passwordProblem(password: string): string | null {
  const len = charLength(password);
  if (len < ACCOUNT_RULES.minPasswordChars)
    return `password must be at least ${ACCOUNT_RULES.minPasswordChars} characters`;
  if (len > ACCOUNT_RULES.maxPasswordChars)
    return `password must be at most ${ACCOUNT_RULES.maxPasswordChars} characters`;
  const missing = [
    /[A-Z]/.test(password) ? null : 'an uppercase letter',
    /[a-z]/.test(password) ? null : 'a lowercase letter',
    /[0-9]/.test(password) ? null : 'a digit',
  ].filter((m): m is string => m !== null);
  return missing.length ? `password must contain ${missing.join(', ')}` : null;
}

export interface LoginInput {
  /** A username or an email address. */
  login: string;
  password: string;
}

/** Login body: `{username, password}` where username may be an email; `{email, password}` also works. */
export function validateLogin(body: Record<string, unknown>): Result<LoginInput> {
  const errors: FieldError[] = [];
  const field = body.username === undefined && body.email !== undefined ? 'email' : 'username';
  const raw = body.username ?? body.email;
  if (typeof raw !== 'string' || raw.trim() === '' || raw.length > ACCOUNT_RULES.maxEmailChars) {
    errors.push({ field, message: 'username (or email) is required' });
  } else if (hasControlChars(raw)) {
    errors.push({ field, message: `${field} must not contain control characters` });
  }
  const password = body.password;
  if (typeof password !== 'string' || password === '' || password.length > ACCOUNT_RULES.maxPasswordChars * 4) {
    errors.push({ field: 'password', message: 'password is required' });
  } else if (hasControlChars(password)) {
    errors.push({ field: 'password', message: 'password must not contain control characters' });
  }
  return done(
    { login: typeof raw === 'string' ? raw.trim() : '', password: typeof password === 'string' ? password : '' },
    errors,
  );
}
