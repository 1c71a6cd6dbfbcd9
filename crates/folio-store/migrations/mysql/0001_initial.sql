-- Folio's initial schema on MariaDB 10.11+ / MySQL 8: the same tables as
-- migrations/sqlite, in this server's types. Keys that are compared exactly (slugs,
-- emails, paths) are utf8mb4_bin; other text sorts by utf8mb4_unicode_ci. Times are
-- DATETIME(6) in UTC (Folio's connections use time_zone '+00:00'). Unique constraints
-- are named <table>_<column>, which the store matches to say which field is taken.
-- The two-factor columns of the SQLite migration 0002 are part of `users` from the start.

CREATE TABLE users (
    id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    email          VARCHAR(320) COLLATE utf8mb4_bin NOT NULL,
    name           TEXT         NOT NULL,
    slug           VARCHAR(255) COLLATE utf8mb4_bin NOT NULL,
    role           VARCHAR(16)  NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'author', 'contributor')),
    bio            TEXT         NOT NULL DEFAULT (''),
    password_hash  TEXT,
    created_at     DATETIME(6)  NOT NULL,
    updated_at     DATETIME(6)  NOT NULL,
    deactivated_at DATETIME(6),
    totp_secret    TEXT,
    recovery_codes TEXT         NOT NULL DEFAULT ('[]'),
    totp_last_step BIGINT       NOT NULL DEFAULT 0,
    CONSTRAINT users_email UNIQUE (email),
    CONSTRAINT users_slug UNIQUE (slug)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE api_tokens (
    id           BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id      BIGINT      NOT NULL,
    label        TEXT        NOT NULL,
    token_hash   VARBINARY(32) NOT NULL,
    created_at   DATETIME(6) NOT NULL,
    last_used_at DATETIME(6),
    revoked_at   DATETIME(6),
    CONSTRAINT api_tokens_token_hash UNIQUE (token_hash),
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE posts (
    id                BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    kind              VARCHAR(8)   NOT NULL CHECK (kind IN ('post', 'page')),
    title             TEXT         NOT NULL,
    slug              VARCHAR(255) COLLATE utf8mb4_bin NOT NULL,
    markdown          MEDIUMTEXT   NOT NULL,
    html              MEDIUMTEXT   NOT NULL,
    plain_text        MEDIUMTEXT   NOT NULL,
    word_count        BIGINT       NOT NULL DEFAULT 0,
    excerpt           TEXT         NOT NULL DEFAULT (''),
    custom_excerpt    TEXT         NOT NULL DEFAULT (''),
    feature_image     TEXT,
    feature_image_alt TEXT         NOT NULL DEFAULT (''),
    status            VARCHAR(16)  NOT NULL CHECK (status IN ('draft', 'scheduled', 'published')),
    published_at      DATETIME(6),
    created_at        DATETIME(6)  NOT NULL,
    updated_at        DATETIME(6)  NOT NULL,
    author_id         BIGINT       NOT NULL,
    seo_title         TEXT         NOT NULL DEFAULT (''),
    seo_description   TEXT         NOT NULL DEFAULT (''),
    canonical_url     TEXT         NOT NULL DEFAULT (''),
    CONSTRAINT posts_slug UNIQUE (slug),
    FOREIGN KEY (author_id) REFERENCES users (id),
    INDEX posts_public_listing (kind, status, published_at DESC, id DESC),
    INDEX posts_author_listing (author_id, kind, status, published_at DESC, id DESC)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE tags (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name        TEXT         NOT NULL,
    slug        VARCHAR(255) COLLATE utf8mb4_bin NOT NULL,
    description TEXT         NOT NULL DEFAULT (''),
    CONSTRAINT tags_slug UNIQUE (slug)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE post_tags (
    post_id   BIGINT      NOT NULL,
    tag_id    BIGINT      NOT NULL,
    position  BIGINT      NOT NULL,
    public_at DATETIME(6),
    PRIMARY KEY (post_id, tag_id),
    FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE,
    FOREIGN KEY (tag_id) REFERENCES tags (id) ON DELETE CASCADE,
    INDEX post_tags_listing (tag_id, public_at DESC, post_id DESC)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE redirects (
    from_slug  VARCHAR(255) COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
    post_id    BIGINT      NOT NULL,
    created_at DATETIME(6) NOT NULL,
    FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE settings (
    name  VARCHAR(64) COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
    value MEDIUMTEXT  NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE site_state (
    id         BIGINT NOT NULL PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
) ENGINE = InnoDB;
INSERT INTO site_state (id, generation) VALUES (1, 1);

-- The search index of public posts and pages. `rowid` is the post's id, named as in
-- SQLite's FTS5 table so that one statement keeps all three indexes in step.
CREATE TABLE posts_fts (
    rowid BIGINT     NOT NULL PRIMARY KEY,
    title TEXT       NOT NULL,
    body  MEDIUMTEXT NOT NULL,
    FULLTEXT INDEX posts_fts_title (title),
    FULLTEXT INDEX posts_fts_all (title, body)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
