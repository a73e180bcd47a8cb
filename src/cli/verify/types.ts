/**
 * The data `vchat verify` works with: step definitions, outcomes, and the report that both
 * renderers print (`--json` prints VerifyReport as is; see docs/verify.md).
 */
import type { VerifyContext } from './context.ts';

/** A step's result. WARN counts as passed for the exit code; SKIP means it did not run. */
export type Verdict = 'PASS' | 'FAIL' | 'WARN' | 'SKIP';

/** Every step name, in run order. These names are a public interface (README troubleshooting). */
export const STEP_NAMES = [
  'reachable',
  'health',
  'cors-health',
  'cors-preflight',
  'cors-disallowed',
  'create-user',
  'create-room',
  'join-room',
  'list-rooms',
  'ws-connect',
  'ws-user-joined',
  'ws-echo',
  'ws-second-client',
  'messages-history',
  'ws-bad-origin',
  'ws-unknown-room',
  'timestamps',
] as const;

/**
 * The `--account` group, run after the steps above only when `--account` is given (a throwaway
 * account signs up, logs in, reads /auth/me, chats with its token and logs out). Names are public too.
 */
export const ACCOUNT_STEP_NAMES = [
  'account-signup',
  'account-duplicate',
  'account-bad-login',
  'account-login',
  'account-me',
  'account-socket',
  'account-logout',
] as const;

/** Every step name a report may contain: STEP_NAMES, then ACCOUNT_STEP_NAMES. */
export const ALL_STEP_NAMES = [...STEP_NAMES, ...ACCOUNT_STEP_NAMES] as const;
export type AccountStepName = (typeof ACCOUNT_STEP_NAMES)[number];
export type StepName = (typeof STEP_NAMES)[number] | AccountStepName;

/** What a step's `run` returns (the runner adds name, origin and time). */
export interface Outcome {
  verdict: Exclude<Verdict, 'SKIP'> | 'SKIP';
  /** What was seen (on FAIL/WARN, or a short fact on PASS such as "HTTP 200"). */
  observed?: string;
  /** What a working deployment gives. */
  expected?: string;
  /** How to fix it, tied to the seed's "Common Issues" table. */
  hint?: string;
  /** Why a step was skipped, or an extra remark. */
  note?: string;
}

/** A step as data. */
export interface StepDef {
  name: StepName;
  /** One-line description shown while it runs and in docs. */
  title: string;
  /** Steps whose failure makes this one SKIP (resolved to the same origin for per-origin steps). */
  needs: StepName[];
  /** Run once per `--origin` (CORS and WebSocket admission), instead of once with the first. */
  perOrigin?: boolean;
  /** Do the check. `origin` is the origin this instance checks (the first one for non per-origin steps). */
  run(ctx: VerifyContext, origin: string): Promise<Outcome>;
}

/** One line of the report. */
export interface StepReport {
  /** Unique in the report: `name`, or `name[origin]` for per-origin steps when several origins are checked. */
  id: string;
  name: StepName;
  /** The origin a per-origin step checked; null for the others. */
  origin: string | null;
  title: string;
  verdict: Verdict;
  /** Wall time of the step, whole milliseconds (0 for SKIP). */
  ms: number;
  observed?: string;
  expected?: string;
  hint?: string;
  note?: string;
}

/** Facts about the server, from `/health` when it has them. */
export interface ServerInfo {
  version: string | null;
  commit: string | null;
  environment: string | null;
  /** e.g. "memory (not persistent)", "mongo". */
  storage: string | null;
}

/** The throwaway account of an `--account` run, so it is easy to find and delete. */
export interface AccountInfo {
  /** `vchat_<6 base36>`. */
  username: string;
  /** `<username>@verify.invalid`. */
  email: string;
  user_id: string | null;
}

/** The whole result of a run: what `--json` prints. */
export interface VerifyReport {
  /** Shape identifier; bumped on incompatible changes. */
  schema: 'vchat.verify/1';
  /** True when no step failed (warnings allowed). */
  ok: boolean;
  /** 0 all passed, 1 a check failed, 2 the API could not be reached. */
  exit_code: 0 | 1 | 2;
  api: string;
  ws: string;
  origins: string[];
  bad_origin: string;
  /** ISO time the run started. */
  started_at: string;
  duration_ms: number;
  server: ServerInfo | null;
  /** Only with `--account`: the throwaway account the run signed up (user_id null when sign-up failed). */
  account?: AccountInfo;
  summary: { total: number; pass: number; fail: number; warn: number; skip: number };
  steps: StepReport[];
}

/** Inputs of a run (already validated by the CLI). */
export interface VerifyOptions {
  /** API base URL, http(s), no trailing slash. */
  api: string;
  /** WebSocket base URL; derived from `api` when absent. */
  ws?: string;
  /** Frontend origins to check; the first drives the chat steps. At least one. */
  origins: string[];
  /** An origin that must be refused. */
  badOrigin: string;
  /** Per network wait (request, handshake, frame), in milliseconds. */
  timeoutMs: number;
  /** Extra headers on every request and WebSocket upgrade (`--header`: deployment protection, auth proxies). */
  headers?: Record<string, string>;
  /** Run only these steps (plus what they need). */
  only?: string[];
  /** Do not run these steps (dependents are skipped). */
  skip?: string[];
  /** Also run the account-* steps (after the others). */
  account?: boolean;
  /** Called when a step starts and ends (progress display). */
  onProgress?: (event: ProgressEvent) => void;
  /** Clock for names like vchat-verify-<time> (tests pin it). */
  now?: () => Date;
}

/** Progress notifications for live renderers. */
export type ProgressEvent = { kind: 'start'; id: string; title: string } | { kind: 'end'; step: StepReport };
