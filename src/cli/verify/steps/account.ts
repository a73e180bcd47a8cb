/**
 * The `--account` group (docs/accounts.md): a throwaway account signs up, is refused twice
 * (duplicate name, bad password), logs in, reads /auth/me, chats with its token and logs out.
 * Run after every other step. The per-username login limit is small (5/min, burst 10), so the
 * account's username gets two login attempts in all: one wrong password and one good login.
 */
import { randomUUID } from 'node:crypto';
import { paths } from '../../../shared/protocol.ts';
import { bearerHeaders, type HttpResponse } from '../../client/http.ts';
import { WaitError, type ReceivedFrame } from '../../client/ws.ts';
import { throwawayUsername, type AccountState, type VerifyContext } from '../context.ts';
import { HINTS } from '../hints.ts';
import { clip, describeResponse, fail, pass, skip } from '../outcome.ts';
import { classifyTimestamp } from '../timestamps.ts';
import type { Outcome, StepDef } from '../types.ts';
import { listHas } from './cors.ts';
import { chatSocketPath, receivedSummary, refusedOutcome } from './ws-chat.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => Boolean(v) && typeof v === 'object' && !Array.isArray(v);
const is2xx = (status: number) => status >= 200 && status <= 299;
const codeOf = (res: HttpResponse): unknown => (isObject(res.json) ? res.json.code : undefined);
const frameObj = (f: ReceivedFrame): Json => (isObject(f.json) ? f.json : {});
/** Keys that must never leave the server. */
const SECRET_KEY = /passw(or)?d|^pass$|hash|salt/i;

/** Paths of keys in `value` that look like a password, hash or salt ("user.password_hash"). */
function secretKeys(value: unknown, at = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => secretKeys(v, `${at}[${i}]`));
  if (!isObject(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => [
    ...(SECRET_KEY.test(k) ? [`${at}${k}`] : []),
    ...secretKeys(v, `${at}${k}.`),
  ]);
}

/** The answer must carry CORS headers for `origin` (the browser hides it otherwise); null when it does. */
function corsProblem(res: HttpResponse, label: string, origin: string): Outcome | null {
  const acao = res.headers['access-control-allow-origin'];
  if (acao?.trim().toLowerCase() !== origin.toLowerCase()) {
    return fail(
      `${label}: ${acao === undefined ? 'no access-control-allow-origin' : `access-control-allow-origin: ${acao}`}`,
      `access-control-allow-origin: ${origin}`,
      HINTS.accountCors,
    );
  }
  if (res.headers['access-control-allow-credentials']?.trim().toLowerCase() !== 'true') {
    return fail(
      `${label}: access-control-allow-credentials ${res.headers['access-control-allow-credentials'] ?? 'missing'}`,
      'access-control-allow-credentials: true',
      HINTS.accountCors,
    );
  }
  return null;
}

/** FAIL for answers every /auth route can give on a bad day (429, 503, 404); null for the others. */
function commonProblem(res: HttpResponse, label: string, expected: string): Outcome | null {
  if (res.status === 429) return fail(`${label}: ${describeResponse(res)}`, expected, HINTS.accountRateLimited);
  if (res.status === 503) return fail(`${label}: ${describeResponse(res)}`, expected, HINTS.accountStorage);
  if (res.status === 404 || res.status === 405)
    return fail(`${label}: ${describeResponse(res)}`, expected, HINTS.accountsMissing);
  return null;
}

/** The user of a {user, token} answer (or of a bare user, for /auth/me). */
const userOf = (body: unknown): Json | undefined =>
  isObject(body) ? (isObject(body.user) ? body.user : body) : undefined;

/** Log out tokens the run no longer needs; failures do not matter here. */
async function revokeQuietly(ctx: VerifyContext, tokens: string[]): Promise<number> {
  let done = 0;
  for (const token of tokens) {
    const res = await ctx
      .request('POST', paths.logout(), { origin: ctx.primaryOrigin, headers: bearerHeaders(token) })
      .catch(() => undefined);
    if (res && is2xx(res.status)) done += 1;
  }
  return done;
}

const SIGNUP_EXPECTED = 'HTTP 201 {user: {id, username, email, …}, token, expires_at}';

export const accountSignup: StepDef = {
  name: 'account-signup',
  title: 'POST /auth/signup creates a throwaway account',
  needs: ['reachable'],
  async run(ctx) {
    const origin = ctx.primaryOrigin;
    const { accountName: username, accountEmail: email, accountPassword: password } = ctx;
    const res = await ctx.request('POST', paths.signup(), { origin, json: { username, email, password } });
    const common = commonProblem(res, 'POST /auth/signup', SIGNUP_EXPECTED);
    if (common) return common;
    if (res.status === 422 || res.status === 400)
      return fail(describeResponse(res), SIGNUP_EXPECTED, HINTS.accountSignupRejected);
    if (res.status === 409) return fail(describeResponse(res), SIGNUP_EXPECTED, HINTS.accountTaken);
    if (!is2xx(res.status)) return fail(describeResponse(res), SIGNUP_EXPECTED, HINTS.accountSignup);
    const body = res.json;
    const user = isObject(body) ? body.user : undefined;
    if (!isObject(body) || !isObject(user) || typeof user.id !== 'string' || !user.id)
      return fail(describeResponse(res), SIGNUP_EXPECTED, HINTS.accountSignup);
    if (typeof body.token !== 'string' || !body.token)
      return fail(`HTTP ${res.status}, token ${clip(body.token)}`, 'a string token', HINTS.accountSignup);
    ctx.account = { id: user.id, username, email, password, token: body.token };
    const secrets = secretKeys(body);
    if (secrets.length || res.text.includes(password)) {
      return fail(
        secrets.length ? `the answer has ${secrets.join(', ')}` : 'the answer contains the password',
        'no password, hash or salt in the answer',
        HINTS.accountSecrets,
      );
    }
    if (user.username !== username)
      return fail(
        `user.username ${clip(user.username)}`,
        `user.username ${JSON.stringify(username)}`,
        HINTS.accountSignup,
      );
    if (body.expires_at !== undefined && classifyTimestamp(body.expires_at) === 'bad') {
      return fail(`expires_at ${clip(body.expires_at)}`, 'expires_at like 2026-11-25T10:00:00.123Z', HINTS.timestamps);
    }
    const cors = corsProblem(res, 'POST /auth/signup', origin);
    if (cors) return cors;
    return pass(
      `HTTP ${res.status}, ${username}, id ${user.id}`,
      res.status === 201 ? undefined : `HTTP ${res.status} instead of 201`,
    );
  },
};

export const accountDuplicate: StepDef = {
  name: 'account-duplicate',
  title: 'the same username upper-cased is 409 username_taken',
  needs: ['account-signup'],
  async run(ctx) {
    const a = ctx.account;
    if (!a) return skip('no account');
    const upper = a.username.toUpperCase();
    // Another email, so the only clash is the name.
    const res = await ctx.request('POST', paths.signup(), {
      origin: ctx.primaryOrigin,
      json: { username: upper, email: `dup_${a.email}`, password: a.password },
    });
    const expected = 'HTTP 409 {"code":"username_taken"}';
    if (is2xx(res.status)) {
      const token = isObject(res.json) ? res.json.token : undefined;
      if (typeof token === 'string') await revokeQuietly(ctx, [token]);
      return fail(`HTTP ${res.status}: ${upper} was signed up next to ${a.username}`, expected, HINTS.accountDuplicate);
    }
    const common = commonProblem(res, 'POST /auth/signup', expected);
    if (common) return common;
    if (res.status !== 409 || codeOf(res) !== 'username_taken')
      return fail(describeResponse(res), expected, HINTS.accountDuplicate);
    const cors = corsProblem(res, 'the 409', ctx.primaryOrigin);
    if (cors) return cors;
    return pass(`HTTP 409 username_taken for ${upper}`);
  },
};

export const accountBadLogin: StepDef = {
  name: 'account-bad-login',
  title: 'a wrong password and an unknown username get the same 401',
  needs: ['account-signup'],
  async run(ctx) {
    const a = ctx.account;
    if (!a) return skip('no account');
    const expected = 'HTTP 401 {"code":"invalid_credentials"} for both, identical bodies';
    // One wrong-password attempt only: the per-username login bucket is small.
    const wrong = await ctx.request('POST', paths.login(), {
      origin: ctx.primaryOrigin,
      json: { username: a.username, password: `${a.password}X9x` },
    });
    let common = commonProblem(wrong, 'wrong password', expected);
    if (common) return common;
    if (is2xx(wrong.status))
      return fail(`wrong password: HTTP ${wrong.status}, signed in`, expected, HINTS.accountBadLogin);
    if (wrong.status !== 401 || codeOf(wrong) !== 'invalid_credentials')
      return fail(`wrong password: ${describeResponse(wrong)}`, expected, HINTS.accountBadLogin);
    const cors = corsProblem(wrong, 'the 401', ctx.primaryOrigin);
    if (cors) return cors;
    let unknownName = throwawayUsername();
    if (unknownName === a.username) unknownName = `${unknownName}x`;
    const unknown = await ctx.request('POST', paths.login(), {
      origin: ctx.primaryOrigin,
      json: { username: unknownName, password: a.password },
    });
    common = commonProblem(unknown, 'unknown username', expected);
    if (common) return common;
    if (unknown.status !== 401)
      return fail(`unknown username ${unknownName}: ${describeResponse(unknown)}`, expected, HINTS.accountEnumeration);
    if (unknown.text !== wrong.text) {
      return fail(
        `wrong password: ${clip(wrong.text, 120)}; unknown username: ${clip(unknown.text, 120)}`,
        'identical 401 bodies',
        HINTS.accountEnumeration,
      );
    }
    return pass(`HTTP 401 invalid_credentials for both (${Math.round(wrong.ms)} ms / ${Math.round(unknown.ms)} ms)`);
  },
};

export const accountLogin: StepDef = {
  name: 'account-login',
  title: 'POST /auth/login by username and by email',
  needs: ['account-signup'],
  async run(ctx) {
    const a = ctx.account;
    if (!a) return skip('no account');
    const expected = `HTTP 200 {user: {id: "${a.id}"}, token}`;
    for (const [label, login] of [
      ['by username', a.username],
      ['by email', a.email],
    ] as const) {
      const res = await ctx.request('POST', paths.login(), {
        origin: ctx.primaryOrigin,
        json: { username: login, password: a.password },
      });
      const common = commonProblem(res, `login ${label}`, expected);
      if (common) return common;
      const body = res.json;
      if (isObject(body) && typeof body.token === 'string' && body.token) ctx.extraTokens.push(body.token);
      if (res.status !== 200 || !isObject(body))
        return fail(`login ${label} (${login}): ${describeResponse(res)}`, expected, HINTS.accountLogin);
      const user = userOf(body);
      if (user?.id !== a.id)
        return fail(`login ${label}: user id ${clip(user?.id)}`, `the signed-up id ${a.id}`, HINTS.accountLogin);
      if (typeof body.token !== 'string' || !body.token)
        return fail(`login ${label}: token ${clip(body.token)}`, 'a string token', HINTS.accountLogin);
      const secrets = secretKeys(body);
      if (secrets.length || res.text.includes(a.password))
        return fail(
          `login ${label}: ${secrets.length ? secrets.join(', ') : 'the password'} in the answer`,
          'no password, hash or salt in the answer',
          HINTS.accountSecrets,
        );
      const cors = corsProblem(res, `login ${label}`, ctx.primaryOrigin);
      if (cors) return cors;
    }
    return pass(`HTTP 200 by username and by email, id ${a.id}`);
  },
};

export const accountMe: StepDef = {
  name: 'account-me',
  title: 'GET /auth/me with the Bearer token is the account',
  needs: ['account-signup'],
  async run(ctx) {
    const a = ctx.account;
    if (!a) return skip('no account');
    const origin = ctx.primaryOrigin;
    // What the browser sends first, because of the Authorization header.
    const pre = await ctx.request('OPTIONS', paths.me(), {
      origin,
      headers: { 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    if (!is2xx(pre.status))
      return fail(`OPTIONS /auth/me: ${describeResponse(pre)}`, 'HTTP 204 (or 200)', HINTS.accountPreflight);
    const preCors = corsProblem(pre, 'OPTIONS /auth/me', origin);
    if (preCors) return { ...preCors, hint: HINTS.accountPreflight };
    if (!listHas(pre.headers['access-control-allow-headers'], 'authorization')) {
      const allow = pre.headers['access-control-allow-headers'];
      return fail(
        `OPTIONS /auth/me: ${allow === undefined ? 'no access-control-allow-headers' : `access-control-allow-headers: ${allow}`}`,
        'access-control-allow-headers including Authorization',
        HINTS.accountPreflight,
      );
    }
    const res = await ctx.request('GET', paths.me(), { origin, headers: bearerHeaders(a.token) });
    const expected = `HTTP 200 {id: "${a.id}", username: "${a.username}", …}`;
    const common = commonProblem(res, 'GET /auth/me', expected);
    if (common) return common;
    if (res.status !== 200) return fail(describeResponse(res), expected, HINTS.accountMe);
    const user = userOf(res.json);
    if (user?.id !== a.id) return fail(`id ${clip(user?.id)}`, `id ${a.id}`, HINTS.accountMe);
    if (user.username !== a.username)
      return fail(`username ${clip(user.username)}`, `username ${JSON.stringify(a.username)}`, HINTS.accountMe);
    const secrets = secretKeys(res.json);
    if (secrets.length)
      return fail(
        `the answer has ${secrets.join(', ')}`,
        'no password, hash or salt in the answer',
        HINTS.accountSecrets,
      );
    const cors = corsProblem(res, 'GET /auth/me', origin);
    if (cors) return cors;
    return pass(`HTTP 200, ${a.username}, id ${a.id}; preflight allows Authorization`);
  },
};

export const accountSocket: StepDef = {
  name: 'account-socket',
  title: 'the account chats in the test room with ?token=',
  needs: ['account-signup', 'create-room'],
  async run(ctx) {
    const a: AccountState | undefined = ctx.account;
    if (!a || !ctx.room) return skip('no account or no test room');
    const origin = ctx.primaryOrigin;
    const joined = await ctx.request('POST', paths.join(ctx.room.id), {
      origin,
      headers: bearerHeaders(a.token),
      json: { user_id: a.id, username: a.username, avatar_url: ctx.avatarUrl },
    });
    if (!is2xx(joined.status))
      return fail(`join with the token: ${describeResponse(joined)}`, 'any 2xx', HINTS.accountJoin);
    const res = await ctx.connect(
      `${chatSocketPath(ctx.room.id, a.id, a.username, ctx.avatarUrl)}&token=${encodeURIComponent(a.token)}`,
      origin,
    );
    if (!res.ok) return refusedOutcome(res);
    const socket = res.socket;
    const expected = `a "message" echo with user_id "${a.id}" and username "${a.username}"`;
    const closedOutcome = (err: WaitError): Outcome => {
      const code = err.close?.code;
      const observed = `socket closed ${String(code)}${err.close?.reason ? ` "${err.close.reason}"` : ''}`;
      if (code === 4401) return fail(observed, expected, HINTS.accountSocketToken);
      if (code === 4403) return fail(observed, expected, HINTS.accountSocketOther);
      return fail(observed, expected, HINTS.wsClosedEarly);
    };
    try {
      // Like ws-second-client: a server that announces sockets does so once this one is in the room.
      if (ctx.socket?.frames.some((f) => frameObj(f).type === 'user_joined')) {
        try {
          await socket.waitFor(
            (f) => frameObj(f).type === 'user_joined' && frameObj(f).user_id === a.id,
            ctx.timeoutMs,
          );
        } catch (err) {
          if (err instanceof WaitError && err.reason === 'closed') return closedOutcome(err);
        }
      }
      const content = `${ctx.label} account ${randomUUID()}`;
      const sentAtMs = performance.now();
      socket.send({ content, username: a.username, user_id: a.id });
      let frame: ReceivedFrame;
      try {
        frame = await socket.waitFor((f) => frameObj(f).content === content, ctx.timeoutMs);
      } catch (err) {
        if (err instanceof WaitError && err.reason === 'closed') return closedOutcome(err);
        return fail(
          `no frame with the sent content within ${ctx.timeoutMs} ms (${receivedSummary(socket)})`,
          expected,
          HINTS.echoMissing,
        );
      }
      const echo = frameObj(frame);
      if (echo.user_id !== a.id || echo.username !== a.username) {
        return fail(
          `user_id ${clip(echo.user_id)}, username ${clip(echo.username)}`,
          expected,
          HINTS.accountSocketIdentity,
        );
      }
      return pass(`echo in ${Math.round(frame.atMs - sentAtMs)} ms as ${a.username}`);
    } finally {
      await socket.close();
    }
  },
};

export const accountLogout: StepDef = {
  name: 'account-logout',
  title: 'POST /auth/logout is 204 and the token stops working',
  needs: ['account-signup'],
  async run(ctx) {
    const a = ctx.account;
    if (!a) return skip('no account');
    const origin = ctx.primaryOrigin;
    const res = await ctx.request('POST', paths.logout(), { origin, headers: bearerHeaders(a.token) });
    const common = commonProblem(res, 'POST /auth/logout', 'HTTP 204');
    if (common) return common;
    if (!is2xx(res.status)) return fail(`POST /auth/logout: ${describeResponse(res)}`, 'HTTP 204', HINTS.accountLogout);
    const me = await ctx.request('GET', paths.me(), { origin, headers: bearerHeaders(a.token) });
    // The login tokens are not needed any more either; leave nothing signed in.
    const revoked = await revokeQuietly(ctx, ctx.extraTokens.splice(0));
    const others = revoked ? `; ${revoked} login token(s) revoked too` : '';
    if (me.status !== 401)
      return fail(
        `GET /auth/me after logout: ${describeResponse(me)}`,
        'HTTP 401 {"code":"invalid_token"}',
        HINTS.accountLogoutIneffective,
      );
    const code = codeOf(me);
    return pass(
      `HTTP ${res.status}; /auth/me with the token then HTTP 401${typeof code === 'string' ? ` ${code}` : ''}${others}`,
    );
  },
};

/** The group, in run order (the order of ACCOUNT_STEP_NAMES). */
export const ACCOUNT_STEPS: readonly StepDef[] = [
  accountSignup,
  accountDuplicate,
  accountBadLogin,
  accountLogin,
  accountMe,
  accountSocket,
  accountLogout,
];
