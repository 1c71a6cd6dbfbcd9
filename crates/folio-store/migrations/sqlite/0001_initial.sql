-- Folio's initial schema: people, content, tags, redirects, settings, and the site's
-- content generation that keys the page cache.

-- People who write or administer the site. `password_hash` is NULL for users who
-- sign in only with API tokens (or who were imported and not yet invited).
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    slug          TEXT    NOT NULL UNIQUE,
    role          TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'author', 'contributor')),
    bio           TEXT    NOT NULL DEFAULT '',
    password_hash TEXT,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    deactivated_at TEXT
);

-- API tokens act as their user. Only a SHA-256 of the token is kept: tokens are 256
-- random bits, so a fast hash is enough and lets a lookup use the unique index.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label        TEXT    NOT NULL,
    token_hash   BLOB    NOT NULL UNIQUE,
    created_at   TEXT    NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);

-- Posts and pages share one table and one slug namespace: both live at /{slug}/.
-- `html` is the sanitized output of the Markdown pipeline, rendered at save time;
-- `plain_text` feeds search and generated excerpts.
CREATE TABLE posts (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('post', 'page')),
    title           TEXT    NOT NULL,
    slug            TEXT    NOT NULL UNIQUE,
    markdown        TEXT    NOT NULL,
    html            TEXT    NOT NULL,
    plain_text      TEXT    NOT NULL,
    word_count      INTEGER NOT NULL DEFAULT 0,
    excerpt         TEXT    NOT NULL DEFAULT '',  -- shown in listings: custom_excerpt or one made from the text
    custom_excerpt  TEXT    NOT NULL DEFAULT '',  -- what the writer typed, if anything
    feature_image   TEXT,
    feature_image_alt TEXT  NOT NULL DEFAULT '',
    status          TEXT    NOT NULL CHECK (status IN ('draft', 'scheduled', 'published')),
    published_at    TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    author_id       INTEGER NOT NULL REFERENCES users (id),
    seo_title       TEXT    NOT NULL DEFAULT '',
    seo_description TEXT    NOT NULL DEFAULT '',
    canonical_url   TEXT    NOT NULL DEFAULT ''
);

-- Keyset pagination of the public listings: home, author pages, sitemap.
CREATE INDEX posts_public_listing ON posts (kind, status, published_at DESC, id DESC);
CREATE INDEX posts_author_listing ON posts (author_id, kind, status, published_at DESC, id DESC);

CREATE TABLE tags (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    slug        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT ''
);

-- Which posts carry which tags. `public_at` copies the post's published_at while the
-- post is public (NULL otherwise), so that a tag page is one range scan of this index
-- and costs the same on page 1 and page 10,000.
CREATE TABLE post_tags (
    post_id   INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag_id    INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    public_at TEXT,
    PRIMARY KEY (post_id, tag_id)
);
CREATE INDEX post_tags_listing ON post_tags (tag_id, public_at DESC, post_id DESC);

-- A changed slug leaves its old path here, answered with a 301 to the post.
CREATE TABLE redirects (
    from_slug  TEXT    PRIMARY KEY,
    post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at TEXT    NOT NULL
);

-- Site settings as JSON values under fixed keys (title, description, navigation...).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row: a counter bumped by every write that can change a public page. Page cache
-- keys include it, so a bump makes every cached page stale at once on every replica.
CREATE TABLE site_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO site_state (id, generation) VALUES (1, 1);

-- Full-text index of public posts and pages, kept in step by the store on each save.
CREATE VIRTUAL TABLE posts_fts USING fts5 (
    title,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);
