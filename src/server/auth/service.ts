/**
 * Accounts and tokens: sign-up, login (rate-limited per IP and per account), logout and
 * token resolution. Transport-neutral: HTTP routes and the WebSocket both call it.
 * The login budgets are CountBudgets: this process by default, every instance with REDIS_URL.
 */
import { CloseCode, ErrorCode } from '../../shared/protocol.ts';
import type { LoginInput, SignupInput } from '../../shared/validate.ts';
import type { Config } from '../config.ts';
import { HttpError } from '../http/errors.ts';
import { localBudget, type BudgetFactory, type CountBudget } from '../limits/creation.ts';
import { limitRefused } from '../limits/refusal.ts';
import type { Store, User } from '../store/store.ts';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './password.ts';
import { SocketSessions, type WatchedSocket } from './socket-sessions.ts';
import { AccountConflictError, loginKey, type Account, type AccountStore } from './store.ts';
import { hashToken, isTokenShaped, newToken } from './tokens.ts';

/** Who a request or socket acts as, proven by a valid token. */
export interface Identity {
  userId: string;
  tokenHash: string;
  expiresAt: Date;
}

/** A successful sign-up or login: the user, its account and a fresh token. */
export interface Session {
  user: User;
  account: Account;
  token: string;
  expiresAt: Date;
}

export interface AuthOptions {
  config: Config;
  store: Store;
  accounts: AccountStore;
  /** Milliseconds since the epoch; tests move it to expire tokens without sleeping. */
  now?: () => number;
  /** Logouts to and from other instances (scale-out); absent: this process only. */
  revocations?: Revocations;
  /** Where the login budgets count (REDIS_URL: shared by all instances). Default: this process. */
  budgets?: BudgetFactory;
}

/** Cross-instance revocation: the Redis fan-out implements it (scale/redis-fanout.ts). */
export interface Revocations {
  /** Tell the other instances that a token was revoked. */
  publish(tokenHash: string): void;
  /** Called with each token hash another instance revoked. */
  onRevoked(listener: (tokenHash: string) => void): void;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * User ids whose kind (account or anonymous) is remembered. The kind never changes (sign-up
 * always creates a new user), so answers are cached for good, across instances too; past the
 * cap the oldest entry is forgotten and simply looked up again.
 */
const ACCOUNT_KIND_CACHE_MAX = 100_000;

export class AuthService {
  readonly requireAuth: boolean;
  readonly accounts: AccountStore;
  private readonly store: Store;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly ipBudget: CountBudget;
  private readonly accountBudget: CountBudget;
  private readonly accountKinds = new Map<string, boolean>();
  /** Open sockets per token: closed 4401 on logout (every instance) and on expiry. */
  readonly sessions: SocketSessions;
  private readonly revocations: Revocations | undefined;

  constructor(options: AuthOptions) {
    this.requireAuth = options.config.requireAuth;
    this.accounts = options.accounts;
    this.store = options.store;
    this.ttlMs = options.config.tokenTtlDays * DAY_MS;
    this.now = options.now ?? Date.now;
    const budget = options.budgets ?? ((_name, rate) => localBudget(rate));
    this.ipBudget = budget('login_ip', options.config.loginRateIp);
    this.accountBudget = budget('login_account', options.config.loginRateUser);
    this.sessions = new SocketSessions(this.now);
    this.revocations = options.revocations;
    this.revocations?.onRevoked((hash) => this.sessions.revoke(hash));
  }

  /** Create the User and its account, and log in. Throws 409 username_taken / email_taken. */
  async signup(input: SignupInput, ip: string): Promise<Session> {
    limit(await this.ipBudget.take(ip));
    // Checked first so a taken name does not leave an orphan user; createAccount still
    // enforces uniqueness against a concurrent sign-up.
    const [byName, byEmail] = await Promise.all([
      this.accounts.findByLogin(input.username),
      this.accounts.findByLogin(input.email),
    ]);
    if (byName) throw conflict('username');
    if (byEmail) throw conflict('email');
    const passwordHash = await hashPassword(input.password);
    const user = await this.store.createUser({ username: input.username });
    let account: Account;
    try {
      account = await this.accounts.createAccount({
        user_id: user.id,
        username: input.username,
        username_lower: input.username.toLowerCase(),
        email: input.email,
        password_hash: passwordHash,
      });
    } catch (err) {
      if (err instanceof AccountConflictError) throw conflict(err.field);
      throw err;
    }
    this.rememberKind(user.id, true);
    return this.issue(user, account);
  }

  /** Check a username-or-email and password; the same 401 for an unknown user and a wrong password. */
  async login(input: LoginInput, ip: string): Promise<Session> {
    limit(await this.ipBudget.take(ip));
    const account = await this.accounts.findByLogin(input.login);
    limit(await this.accountBudget.take(loginBudgetKey(account, input.login)));
    const ok = account
      ? await verifyPassword(input.password, account.password_hash)
      : await verifyAgainstDummy(input.password);
    if (!account || !ok) throw new HttpError(401, ErrorCode.InvalidCredentials, 'Wrong username or password');
    const user = await this.store.getUser(account.user_id);
    if (!user) throw new HttpError(500, ErrorCode.InternalError, 'This account has lost its user record');
    return this.issue(user, account);
  }

  /** Revoke the token the identity was proven with, and close its sockets here and on every instance. */
  async logout(identity: Identity): Promise<void> {
    await this.accounts.revokeToken(identity.tokenHash);
    this.sessions.revoke(identity.tokenHash);
    this.revocations?.publish(identity.tokenHash);
  }

  /** The identity behind a token, or null when it is malformed, unknown, revoked or expired. */
  async identify(token: string): Promise<Identity | null> {
    if (!isTokenShaped(token)) return null;
    const hash = hashToken(token);
    const record = await this.accounts.findToken(hash);
    if (!record) return null;
    if (record.expires_at.getTime() <= this.now()) {
      await this.accounts.revokeToken(hash).catch(() => undefined);
      return null;
    }
    return { userId: record.user_id, tokenHash: hash, expiresAt: record.expires_at };
  }

  /** True when the user id belongs to an account (not an anonymous POST /users user). */
  async isAccount(userId: string): Promise<boolean> {
    const known = this.accountKinds.get(userId);
    if (known !== undefined) return known;
    const yes = (await this.accounts.findByUserId(userId)) !== null;
    this.rememberKind(userId, yes);
    return yes;
  }

  /** isAccount when the answer is already known (no lookup, no promise); undefined otherwise. */
  knownAccount(userId: string): boolean | undefined {
    return this.accountKinds.get(userId);
  }

  /**
   * Why a socket for `userId` carrying `token` must be closed, or null to admit it. An admitted
   * socket with a token is watched (`socket`): logout or expiry of the token closes it 4401.
   */
  async socketDenial(
    token: string | undefined,
    userId: string,
    socket?: WatchedSocket,
  ): Promise<{ code: number; reason: string } | null> {
    if (token === undefined) {
      if (this.requireAuth) return { code: CloseCode.Unauthorized, reason: 'Authentication required: add ?token=' };
      // An account's identity is never borrowed by a tokenless socket (it would join and speak as it).
      return (await this.isAccount(userId))
        ? { code: CloseCode.Unauthorized, reason: 'This user is an account: add ?token=<its token>' }
        : null;
    }
    const identity = await this.identify(token);
    if (!identity) return { code: CloseCode.Unauthorized, reason: 'Invalid or expired token' };
    if (identity.userId !== userId) return { code: CloseCode.Forbidden, reason: 'This token belongs to another user' };
    if (socket) this.sessions.add(identity.tokenHash, identity.expiresAt, socket);
    return null;
  }

  close(): void {
    this.ipBudget.close();
    this.accountBudget.close();
    this.sessions.close();
  }

  private rememberKind(userId: string, isAccount: boolean): void {
    if (this.accountKinds.size >= ACCOUNT_KIND_CACHE_MAX)
      this.accountKinds.delete(this.accountKinds.keys().next().value as string);
    this.accountKinds.set(userId, isAccount);
  }

  private async issue(user: User, account: Account): Promise<Session> {
    const { token, hash } = newToken();
    const expiresAt = new Date(this.now() + this.ttlMs);
    await this.accounts.saveToken(hash, user.id, expiresAt);
    return { user, account, token, expiresAt };
  }
}

function conflict(field: 'username' | 'email'): HttpError {
  return field === 'username'
    ? new HttpError(409, ErrorCode.UsernameTaken, 'That username is already taken')
    : new HttpError(409, ErrorCode.EmailTaken, 'An account with that email already exists');
}

/**
 * The per-account login bucket: an account's user id whichever identifier (username or email,
 * any case) was typed, so both do not add up to twice the guesses; an unknown name gets its own.
 */
function loginBudgetKey(account: Account | null, login: string): string {
  return account ? `account:${account.user_id}` : `login:${loginKey(login).value}`;
}

/** 429 with Retry-After when a limiter said wait. */
function limit(waitMs: number): void {
  if (waitMs > 0) throw limitRefused('login', waitMs);
}
