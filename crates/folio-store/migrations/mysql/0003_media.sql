-- The media library (see migrations/sqlite/0003_media.sql).

CREATE TABLE media (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    storage_key   VARCHAR(255) COLLATE utf8mb4_bin NOT NULL,
    url           VARCHAR(300) COLLATE utf8mb4_bin NOT NULL,
    mime          VARCHAR(64)  NOT NULL,
    width         BIGINT       NOT NULL,
    height        BIGINT       NOT NULL,
    byte_size     BIGINT       NOT NULL,
    renditions    MEDIUMTEXT   NOT NULL,
    original_name TEXT         NOT NULL DEFAULT (''),
    alt           TEXT         NOT NULL DEFAULT (''),
    uploaded_by   BIGINT,
    created_at    DATETIME(6)  NOT NULL,
    CONSTRAINT media_storage_key UNIQUE (storage_key),
    CONSTRAINT media_url UNIQUE (url),
    FOREIGN KEY (uploaded_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
