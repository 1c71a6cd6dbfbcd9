-- One-time links to choose a new password, made by an owner or admin for someone they
-- manage, or by `folio user reset-password` on the server. Only the SHA-256 of the
-- token is kept; making a new link for a user replaces the old one.
CREATE TABLE password_resets (
    token_hash VARBINARY(32) NOT NULL PRIMARY KEY,
    user_id    BIGINT        NOT NULL UNIQUE,
    created_at DATETIME(6)   NOT NULL,
    expires_at DATETIME(6)   NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
