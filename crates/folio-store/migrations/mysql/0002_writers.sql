-- The writers' side (see migrations/sqlite/0002_writers.sql for what each table is for).

CREATE TABLE sessions (
    id_hash               VARBINARY(32) NOT NULL PRIMARY KEY,
    user_id               BIGINT        NOT NULL,
    csrf_token            VARCHAR(64)   NOT NULL,
    second_factor_pending BOOLEAN       NOT NULL DEFAULT FALSE,
    created_at            DATETIME(6)   NOT NULL,
    expires_at            DATETIME(6)   NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    INDEX sessions_by_expiry (expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE login_failures (
    id        BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    limit_key VARCHAR(400) COLLATE utf8mb4_bin NOT NULL,
    failed_at DATETIME(6)  NOT NULL,
    INDEX login_failures_by_key (limit_key, failed_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE revisions (
    id         BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    post_id    BIGINT      NOT NULL,
    number     BIGINT      NOT NULL,
    title      TEXT        NOT NULL,
    markdown   MEDIUMTEXT  NOT NULL,
    saved_by   BIGINT,
    note       TEXT        NOT NULL DEFAULT (''),
    created_at DATETIME(6) NOT NULL,
    CONSTRAINT revisions_number UNIQUE (post_id, number),
    FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE,
    FOREIGN KEY (saved_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE job_leases (
    name       VARCHAR(64)  COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
    holder     VARCHAR(255) COLLATE utf8mb4_bin NOT NULL,
    expires_at DATETIME(6)  NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE setup_tokens (
    token_hash VARBINARY(32) NOT NULL PRIMARY KEY,
    created_at DATETIME(6)   NOT NULL
) ENGINE = InnoDB;

CREATE TABLE invites (
    token_hash VARBINARY(32) NOT NULL PRIMARY KEY,
    email      VARCHAR(320)  COLLATE utf8mb4_bin NOT NULL,
    role       VARCHAR(16)   NOT NULL CHECK (role IN ('admin', 'editor', 'author', 'contributor')),
    invited_by BIGINT,
    created_at DATETIME(6)   NOT NULL,
    expires_at DATETIME(6)   NOT NULL,
    FOREIGN KEY (invited_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
