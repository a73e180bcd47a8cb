/** vitest setupFiles: each worker scrubs again (silently), whatever environment it was started with. */
import { scrubProductionEnv } from './test-env.ts';

scrubProductionEnv();
