-- vchat schema v1: the seed's Step 9 schema (backend-fix.md), adjusted only where API.md needs it:
--   * users.username is NOT unique (anonymous users may share a name);
--   * timestamps are timestamptz (emitted as ISO-8601 UTC);
--   * rooms, room_members and messages get a `seq` identity column: a total insertion order
--     for "oldest first" listings and for limit/before/after paging (created_at can tie);
--   * messages get client_msg_id with a unique partial index, so a retried send is stored once.
-- Applied by src/server/store/pg-helpers.ts inside one transaction under an advisory lock.

CREATE TABLE users (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    username VARCHAR(100) NOT NULL,
    display_name VARCHAR(100),
    avatar_url TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE TABLE rooms (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(200) NOT NULL,
    thumbnail_url TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
);

CREATE TABLE room_members (
    room_id UUID NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    username VARCHAR(100) NOT NULL,
    avatar_url TEXT,
    joined_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (room_id, user_id)
);

CREATE TABLE messages (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    room_id UUID NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    username VARCHAR(100) NOT NULL,
    content TEXT NOT NULL,
    avatar_url TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    client_msg_id TEXT,
    seq BIGINT GENERATED ALWAYS AS IDENTITY
);

-- The seed's three indexes.
CREATE INDEX idx_messages_room_time ON messages(room_id, created_at DESC);
CREATE INDEX idx_room_members_room ON room_members(room_id);
CREATE INDEX idx_room_members_user ON room_members(user_id);

-- Paging: newest/oldest N of a room and before/after a cursor, all from this index.
CREATE UNIQUE INDEX idx_messages_room_seq ON messages(room_id, seq);
-- Dedupe: one stored message per (room, user, client_msg_id).
CREATE UNIQUE INDEX idx_messages_dedupe ON messages(room_id, user_id, client_msg_id) WHERE client_msg_id IS NOT NULL;
