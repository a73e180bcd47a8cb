/**
 * Creation budgets (issue 15): rooms and users created per hour per client IP, and per account
 * when the request carries a valid token. A local token bucket per key by default; with
 * REDIS_URL the same budget is shared by every instance (shared-budget.ts).
 */
import { limitRefused } from './refusal.ts';
import { KeyedLimiter } from './token-bucket.ts';
import type { RateConfig } from '../config.ts';

/** A budget of counted events per key: 0 when one more is allowed (and taken), else the wait in ms. */
export interface CountBudget {
  take(key: string): number | Promise<number>;
  close(): void;
}

/** Makes the CountBudget called `name` (its own key space) for `rate`: local, or shared through Redis. */
export type BudgetFactory = (name: string, rate: RateConfig) => CountBudget;

/** A CountBudget in this process: a token bucket per key. */
export function localBudget(rate: RateConfig): CountBudget {
  const limiter = new KeyedLimiter(rate);
  return { take: (key) => limiter.take(key), close: () => limiter.close() };
}

export type CreationKind = 'create_room' | 'create_user';

export class CreationBudgets {
  constructor(private readonly budgets: Record<CreationKind, CountBudget>) {}

  /** Count one creation for the client IP (and its account, when it has one); 429 rate_limited past either budget. */
  async charge(kind: CreationKind, ip: string, account: string | undefined): Promise<void> {
    const budget = this.budgets[kind];
    const ipWait = await budget.take(`ip:${ip}`);
    if (ipWait > 0) throw limitRefused(kind, ipWait);
    if (account === undefined) return;
    const accountWait = await budget.take(`account:${account}`);
    if (accountWait > 0) throw limitRefused(kind, accountWait);
  }

  close(): void {
    for (const budget of Object.values(this.budgets)) budget.close();
  }
}
