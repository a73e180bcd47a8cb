/** Unit tests of the store helpers (no database needed): error classification, URIs, migrations. */
import { MongoNetworkError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { mongoDatabaseName, DEFAULT_DB_NAME, isMongoUnavailable, lit } from '../../src/server/store/mongo-helpers.ts';
import { isPgConnectionError, isUuid, loadMigrations } from '../../src/server/store/pg-helpers.ts';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('pg helpers', () => {
  it('isPgConnectionError: network and server-state errors yes, query errors no', () => {
    for (const e of [
      withCode('ECONNREFUSED'),
      withCode('57P01'),
      withCode('08006'),
      withCode('53300'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
    ]) {
      expect(isPgConnectionError(e)).toBe(true);
    }
    expect(isPgConnectionError(new AggregateError([withCode('ECONNREFUSED')], ''))).toBe(true);
    for (const e of [
      withCode('23505'),
      withCode('42P01'),
      withCode('22P02'),
      new Error('syntax error'),
      'ECONNREFUSED',
    ]) {
      expect(isPgConnectionError(e)).toBe(false);
    }
  });

  it('isUuid', () => {
    expect(isUuid('3f1c2a4e-9b7d-4c1e-8a2b-0c9d8e7f6a5b')).toBe(true);
    expect(isUuid('general')).toBe(false);
    expect(isUuid("x' OR 1=1")).toBe(false);
  });

  it('migrations are NNN_name.sql files in version order, the first one the seed schema', () => {
    const migrations = loadMigrations();
    expect(migrations.map((m) => m.version)).toEqual([...migrations.map((m) => m.version)].sort());
    expect(migrations[0]?.version).toBe('001_init');
    for (const table of ['users', 'rooms', 'room_members', 'messages'])
      expect(migrations[0]?.sql).toContain(`CREATE TABLE ${table} (`);
    for (const index of [
      'idx_messages_room_time',
      'idx_room_members_room',
      'idx_room_members_user',
      'idx_messages_dedupe',
    ]) {
      expect(migrations[0]?.sql).toContain(index);
    }
  });
});

describe('mongo helpers', () => {
  it('isMongoUnavailable: selection/network errors and transient server codes yes, others no', () => {
    expect(isMongoUnavailable(new MongoNetworkError('socket closed'))).toBe(true);
    expect(isMongoUnavailable(new MongoServerSelectionError('timed out', { type: 'Unknown' } as never))).toBe(true);
    expect(isMongoUnavailable(new MongoServerError({ code: 91, errmsg: 'shutdown in progress' }))).toBe(true);
    expect(isMongoUnavailable(new MongoServerError({ code: 11000, errmsg: 'E11000 duplicate key' }))).toBe(false);
    expect(isMongoUnavailable(new Error('boom'))).toBe(false);
  });

  it('mongoDatabaseName: the path, else the default (Railway-shaped URIs name no database)', () => {
    // Railway's MONGO_URL: user, password, private host, port, no path.
    expect(mongoDatabaseName('mongodb://mongo:pAss%2Fw0rd@mongodb.railway.internal:27017')).toBe(DEFAULT_DB_NAME);
    // Railway's public proxy URL, also without a path; with a trailing slash or only options.
    expect(mongoDatabaseName('mongodb://mongo:secret@roundhouse.proxy.rlwy.net:41234')).toBe(DEFAULT_DB_NAME);
    expect(mongoDatabaseName('mongodb://mongo:secret@roundhouse.proxy.rlwy.net:41234/')).toBe(DEFAULT_DB_NAME);
    expect(mongoDatabaseName('mongodb://mongo:secret@roundhouse.proxy.rlwy.net:41234/?authSource=admin')).toBe(
      DEFAULT_DB_NAME,
    );
    expect(mongoDatabaseName('mongodb://mongo:secret@roundhouse.proxy.rlwy.net:41234/railway?authSource=admin')).toBe(
      'railway',
    );
    expect(mongoDatabaseName('mongodb://h:27017/chat?retryWrites=true')).toBe('chat');
    expect(mongoDatabaseName('mongodb+srv://u:p@cluster.example.net/prod')).toBe('prod');
    expect(mongoDatabaseName('mongodb://mongo:pw@h1:1,h2:2/?replicaSet=rs')).toBe(DEFAULT_DB_NAME);
    expect(mongoDatabaseName('mongodb://mongo:pw@host:27017')).toBe(DEFAULT_DB_NAME);
  });

  it('lit wraps values for pipeline updates', () => {
    expect(lit('$username')).toEqual({ $literal: '$username' });
  });
});
