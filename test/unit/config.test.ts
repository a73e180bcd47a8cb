import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/server/config.ts';

describe('loadConfig', () => {
  it('uses the documented defaults with an empty environment', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8000);
    expect(c.host).toBe('0.0.0.0');
    expect(c.storage.kind).toBe('memory');
    expect(c.trustProxy).toBe(false);
    expect(c.commit).toBeNull();
    expect(c.origins.entries).toContain('https://video-chat-frontend-seven.vercel.app');
  });

  it('DATABASE_POOL_SIZE: 10 by default, a whole number from 1, reported when bad', () => {
    expect(loadConfig({}).databasePoolSize).toBe(10);
    expect(loadConfig({ DATABASE_POOL_SIZE: '4' }).databasePoolSize).toBe(4);
    for (const bad of ['0', 'many', '2.5']) {
      expect(() => loadConfig({ DATABASE_POOL_SIZE: bad })).toThrow(/DATABASE_POOL_SIZE/);
    }
  });

  it('reads the commit SHA from Railway, then SOURCE_COMMIT, then GIT_COMMIT', () => {
    expect(loadConfig({ RAILWAY_GIT_COMMIT_SHA: 'abc', GIT_COMMIT: 'def' }).commit).toBe('abc');
    expect(loadConfig({ SOURCE_COMMIT: 's1', GIT_COMMIT: 'def' }).commit).toBe('s1');
    expect(loadConfig({ GIT_COMMIT: 'def' }).commit).toBe('def');
  });

  it('trusts the proxy by default on Railway', () => {
    const c = loadConfig({ RAILWAY_ENVIRONMENT: 'production' });
    expect(c.trustProxy).toBe(true);
    expect(c.production).toBe(true);
    expect(c.environment).toBe('production');
  });

  it('reports every bad variable at once', () => {
    try {
      loadConfig({ PORT: 'eighty', ALLOWED_ORIGINS: '*', HEARTBEAT_MS: '-1', TRUST_PROXY: 'maybe', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems;
      expect(problems).toHaveLength(5);
      expect(problems.join('\n')).toMatch(/PORT.*whole number/);
      expect(problems.join('\n')).toMatch(/ALLOWED_ORIGINS.*bare "\*"/);
    }
  });

  it('selects MongoDB from MONGO_URL (Railway) and refuses two databases', () => {
    expect(loadConfig({ MONGO_URL: 'mongodb://mongo:27017/chat' }).storage).toEqual({
      kind: 'mongo',
      url: 'mongodb://mongo:27017/chat',
      source: 'MONGO_URL',
    });
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@h/db' }).storage.kind).toBe('postgres');
    expect(() => loadConfig({ MONGODB_URI: 'mongodb://h/db', DATABASE_URL: 'postgres://h/db' })).toThrow(
      /will not guess/,
    );
    expect(() => loadConfig({ MONGODB_URI: 'http://nope' })).toThrow(/mongodb:\/\//);
  });
});
