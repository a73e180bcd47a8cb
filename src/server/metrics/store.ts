/**
 * The seam between the app and its Store: every call is timed into
 * `vchat_store_operation_duration_seconds` (when metrics are on), and a store that cannot
 * be reached is logged once when it goes and once when it is back (OutageWatch), instead
 * of a stack trace per failed request. A typed object literal rather than a Proxy, which
 * lists every member of Store, the optional ones too (EveryMember): a member added to Store
 * fails the typecheck here until it is passed on. An optional one that was not passed on
 * silently disabled what it was for: `insertMemberMessage` (every POST on Postgres paid a
 * getMember round trip first) and the in-memory store's `/health` warning with metrics on.
 */
import type { Logger } from '../log.ts';
import { StoreUnavailableError, type ImmediateMessages, type Store } from '../store/store.ts';
import type { HistogramChild } from './histogram.ts';
import type { ServerMetrics } from './metrics.ts';
import { OutageWatch } from './outage.ts';

/** Keys of T whose property is optional. */
type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];

/** T with every key present: an optional member's value is it, or undefined when the inner store has none. */
type EveryMember<T> = { [K in keyof Required<T>]: K extends OptionalKeys<T> ? Required<T>[K] | undefined : T[K] };

export interface ObservedStore {
  store: Store;
  /** Up/down state and outage seconds of the store. */
  watch: OutageWatch;
}

/** Wrap `inner`; a store that can neither fail nor be measured (in-memory, metrics off) is returned as is. */
export function observeStore(inner: Store, log: Logger, metrics: ServerMetrics | undefined): ObservedStore {
  const watch = new OutageWatch('storage', log, { kind: inner.kind });
  if (!inner.persistent && !metrics) return { store: inner, watch };

  const timer = (op: string): HistogramChild | undefined => metrics?.storeDuration.child(op, inner.kind);
  const failed = (err: unknown): void => {
    if (err instanceof StoreUnavailableError) watch.down(describe(err));
  };
  function timed<A extends unknown[], R>(op: string, call: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    const child = timer(op);
    return (...args) => {
      const startMs = performance.now();
      return call.apply(inner, args).then(
        (value) => {
          child?.observe((performance.now() - startMs) / 1000);
          watch.ok();
          return value;
        },
        (err: unknown) => {
          child?.observe((performance.now() - startMs) / 1000);
          failed(err);
          throw err;
        },
      );
    };
  }

  const pingTimer = timer('ping');
  const store: EveryMember<Store> = {
    // Read through: a store may change what it reports (the fault-injection tests do).
    get kind() {
      return inner.kind;
    },
    get persistent() {
      return inner.persistent;
    },
    init: timed('init', inner.init.bind(inner)),
    close: () => inner.close(),
    // ping never throws: its answer is the signal (/health polls it).
    ping: () => {
      const startMs = performance.now();
      return inner.ping().then((ok) => {
        pingTimer?.observe((performance.now() - startMs) / 1000);
        if (ok) watch.ok();
        else watch.down('ping failed');
        return ok;
      });
    },
    /* eslint-disable @typescript-eslint/unbound-method -- timed() calls each method with `inner` as `this` */
    createUser: timed('createUser', inner.createUser),
    getUser: timed('getUser', inner.getUser),
    updateUser: timed('updateUser', inner.updateUser),
    createRoom: timed('createRoom', inner.createRoom),
    getRoom: timed('getRoom', inner.getRoom),
    listRooms: timed('listRooms', inner.listRooms),
    getThumbnail: timed('getThumbnail', inner.getThumbnail),
    upsertMember: timed('upsertMember', inner.upsertMember),
    getMember: timed('getMember', inner.getMember),
    insertMessage: timed('insertMessage', inner.insertMessage),
    listMessages: timed('listMessages', inner.listMessages),
    insertMemberMessage: inner.insertMemberMessage && timed('insertMemberMessage', inner.insertMemberMessage),
    counts: inner.counts && timed('counts', inner.counts),
    /* eslint-enable @typescript-eslint/unbound-method */
    poolUse: inner.poolUse?.bind(inner),
    warning: inner.warning?.bind(inner),
    immediate: inner.immediate && timedImmediate(inner.immediate, timer),
  };
  return { store, watch };
}

/** The synchronous in-memory fast path, timed the same way (it never fails for want of a network). */
function timedImmediate(
  inner: ImmediateMessages,
  timer: (op: string) => HistogramChild | undefined,
): ImmediateMessages {
  const getMember = timer('getMember');
  const insertMessage = timer('insertMessage');
  if (!getMember || !insertMessage) return inner;
  return {
    getMember(roomId, userId) {
      const startMs = performance.now();
      const member = inner.getMember(roomId, userId);
      getMember.observe((performance.now() - startMs) / 1000);
      return member;
    },
    insertMessage(input) {
      const startMs = performance.now();
      const stored = inner.insertMessage(input);
      insertMessage.observe((performance.now() - startMs) / 1000);
      return stored;
    },
  };
}

/** The driver's reason when there is one ("connect ECONNREFUSED …"), else the error's own message. */
function describe(err: StoreUnavailableError): string {
  const cause = err.cause;
  return cause instanceof Error && cause.message ? `${err.message}: ${cause.message}` : err.message;
}
