-- Moving in from WordPress and Ghost (see migrations/sqlite/0005_imports.sql).
-- Paths are compared byte for byte (utf8mb4_bin); 768 characters is InnoDB's longest key.

CREATE TABLE legacy_urls (
    path       VARCHAR(768)  COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
    post_id    BIGINT,
    target     VARCHAR(2048) COLLATE utf8mb4_bin,
    created_at DATETIME(6)   NOT NULL,
    INDEX legacy_urls_by_post (post_id),
    FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE import_origins (
    origin    VARCHAR(255) COLLATE utf8mb4_bin NOT NULL,
    source_id VARCHAR(255) COLLATE utf8mb4_bin NOT NULL,
    post_id   BIGINT       NOT NULL,
    PRIMARY KEY (origin, source_id),
    INDEX import_origins_by_post (post_id),
    FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
