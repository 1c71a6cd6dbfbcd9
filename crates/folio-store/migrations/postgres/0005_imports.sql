-- Moving in from WordPress and Ghost (see migrations/sqlite/0005_imports.sql).

CREATE TABLE legacy_urls (
    path       TEXT        PRIMARY KEY,
    post_id    BIGINT      REFERENCES posts (id) ON DELETE CASCADE,
    target     TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX legacy_urls_by_post ON legacy_urls (post_id);

CREATE TABLE import_origins (
    origin    TEXT   NOT NULL,
    source_id TEXT   NOT NULL,
    post_id   BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    PRIMARY KEY (origin, source_id)
);
CREATE INDEX import_origins_by_post ON import_origins (post_id);
