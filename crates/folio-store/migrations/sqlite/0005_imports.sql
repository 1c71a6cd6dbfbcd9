-- Moving in from WordPress and Ghost (`folio import wordpress|ghost`).
--
-- legacy_urls: paths the old site served (`/2023/05/01/hello/`, `/?p=42`,
-- `/wp-content/uploads/2023/05/cat.png`, `/category/news/`), each answered with a 301:
-- to a post (followed by id, so a later slug change does not break it) or to a fixed
-- target (a media URL, a tag page). Looked up only when a request would be a 404.
CREATE TABLE legacy_urls (
    path       TEXT    PRIMARY KEY,
    post_id    INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    target     TEXT,
    created_at TEXT    NOT NULL
);

-- import_origins: which post each item of an import became, so that running the same
-- import again adds nothing twice. `origin` names the source site (`wordpress:<url>`,
-- `ghost:<file's site>`), `source_id` the item's id there.
CREATE TABLE import_origins (
    origin    TEXT    NOT NULL,
    source_id TEXT    NOT NULL,
    post_id   INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    PRIMARY KEY (origin, source_id)
);
CREATE INDEX import_origins_by_post ON import_origins (post_id);
CREATE INDEX legacy_urls_by_post ON legacy_urls (post_id);
