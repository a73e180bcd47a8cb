/**
 * The test suite's view of the environment: databases and Redis come only from VCHAT_TEST_*
 * variables. The production variables (what `railway run npm test` would pass in) are removed
 * from process.env before any test runs, so neither a test nor a server or CLI process it
 * spawns can reach the database they point at.
 */

/** Variables the server would connect to; the suite ignores them. */
export const PRODUCTION_ENV_VARS = ['DATABASE_URL', 'MONGODB_URI', 'MONGO_URL', 'MONGODB_URL', 'REDIS_URL'] as const;

/** Delete the production variables from `env`; returns the names that were set. */
export function scrubProductionEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const found = PRODUCTION_ENV_VARS.filter((name) => env[name] !== undefined);
  // Unsetting a variable is a delete; assigning undefined would leave the string 'undefined'.
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete
  for (const name of found) delete env[name];
  return found;
}

/** The one line printed when some were set. */
export function ignoredNotice(names: readonly string[]): string {
  return `vchat tests: ${names.join(', ')} set and ignored; tests use only VCHAT_TEST_DATABASE_URL, VCHAT_TEST_MONGODB_URI and VCHAT_TEST_REDIS_URL`;
}
