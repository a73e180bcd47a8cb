-- vchat schema v3 (issue 15): GET /rooms is one page, newest first, by keyset on rooms.seq, and
-- uploaded `data:` thumbnails leave the rooms table.
--   * rooms.seq already has a unique btree index (rooms_seq_key): `WHERE seq < $cursor ORDER BY
--     seq DESC LIMIT n` walks it backwards and reads n rows, however many rooms exist.
--   * each listed room's members come from (room_id, seq) in join order, no sort per room.
--   * thumbnails: one row per distinct image (content address = sha256 of the bytes, hex),
--     served by GET /thumbnails/{id}; rooms point to it with thumbnail_id.
-- Existing data: URLs are decoded and moved here. One whose base64 cannot be decoded (its
-- length leaves one stray character) could never have been displayed and is dropped.

CREATE INDEX idx_room_members_room_seq ON room_members(room_id, seq);

CREATE TABLE thumbnails (
    id TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    data BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

ALTER TABLE rooms ADD COLUMN thumbnail_id TEXT REFERENCES thumbnails(id);

CREATE TEMP TABLE legacy_thumbnails ON COMMIT DROP AS
SELECT r.id AS room_id,
       substring(r.thumbnail_url from '^data:(image/[a-z]+);base64,') AS content_type,
       rtrim(substring(r.thumbnail_url from ',(.*)$'), '=') AS b64
  FROM rooms r
 WHERE r.thumbnail_url LIKE 'data:%';

UPDATE legacy_thumbnails SET b64 = NULL WHERE length(b64) % 4 = 1 OR content_type IS NULL;
ALTER TABLE legacy_thumbnails ADD COLUMN data BYTEA;
UPDATE legacy_thumbnails SET data = decode(b64 || repeat('=', (4 - length(b64) % 4) % 4), 'base64') WHERE b64 IS NOT NULL;

INSERT INTO thumbnails (id, content_type, data)
SELECT DISTINCT ON (encode(sha256(data), 'hex')) encode(sha256(data), 'hex'), content_type, data
  FROM legacy_thumbnails WHERE data IS NOT NULL
ON CONFLICT (id) DO NOTHING;

UPDATE rooms r
   SET thumbnail_url = NULL,
       thumbnail_id = CASE WHEN l.data IS NULL THEN NULL ELSE encode(sha256(l.data), 'hex') END
  FROM legacy_thumbnails l
 WHERE r.id = l.room_id;
