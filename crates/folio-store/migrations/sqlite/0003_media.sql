-- The media library: one row per uploaded image. The files themselves live in a media
-- store (the data folder by default) under names Folio made from their content; this
-- table says which files belong together and who uploaded them.

-- `storage_key` is the original's name in the media store and `url` the path pages
-- use (`/media/<storage_key>`); both are unique, so the same image uploaded twice in
-- a month is one entry and its files are never deleted from under another.
-- `renditions` is a JSON list of every stored file of the entry, the original
-- included: [{"key": "...", "mime": "image/webp", "width": 480, "height": 320, "bytes": 1234}].
-- `original_name` is shown in the library only; no file is ever stored under it.
CREATE TABLE media (
    id            INTEGER PRIMARY KEY,
    storage_key   TEXT    NOT NULL UNIQUE,
    url           TEXT    NOT NULL UNIQUE,
    mime          TEXT    NOT NULL,
    width         INTEGER NOT NULL,
    height        INTEGER NOT NULL,
    byte_size     INTEGER NOT NULL,
    renditions    TEXT    NOT NULL,
    original_name TEXT    NOT NULL DEFAULT '',
    alt           TEXT    NOT NULL DEFAULT '',
    uploaded_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at    TEXT    NOT NULL
);
CREATE INDEX media_by_uploader ON media (uploaded_by);
