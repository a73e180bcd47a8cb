-- Accounts and login tokens (src/server/auth/postgres.ts). Until this migration the account
-- store created these tables itself; IF NOT EXISTS keeps this a no-op on databases that
-- already have them from that time.

CREATE TABLE IF NOT EXISTS accounts (
    user_id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    username_lower TEXT NOT NULL CONSTRAINT accounts_username_lower_key UNIQUE,
    email TEXT NOT NULL CONSTRAINT accounts_email_key UNIQUE,
    password_hash TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE TABLE IF NOT EXISTS auth_tokens (
    hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE INDEX IF NOT EXISTS auth_tokens_expires_at_idx ON auth_tokens (expires_at);
