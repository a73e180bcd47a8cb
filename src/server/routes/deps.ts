/** What route modules get: plain objects, no globals. */
import type { AuthService } from '../auth/service.ts';
import type { Chat } from '../chat.ts';
import type { Config } from '../config.ts';
import type { CreationBudgets } from '../limits/creation.ts';
import type { Logger } from '../log.ts';
import type { ServerMetrics } from '../metrics/metrics.ts';
import type { Store } from '../store/store.ts';
import type { Hub } from '../ws/hub.ts';

export interface RouteDeps {
  config: Config;
  store: Store;
  chat: Chat;
  hub: Hub;
  log: Logger;
  /** performance.now() at startup, for uptime. */
  startedAtMs: number;
  /** Present when GET /metrics is on. */
  metrics?: ServerMetrics | undefined;
  /** Rooms and users created per hour per client IP / account. */
  creation: CreationBudgets;
  /** Accounts and tokens; routes declare their auth policy with it (auth/guard.ts). */
  auth: AuthService;
}
