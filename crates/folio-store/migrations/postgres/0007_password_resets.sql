-- One-time links to choose a new password, made by an owner or admin for someone they
-- manage, or by `folio user reset-password` on the server. Only the SHA-256 of the
-- token is kept; making a new link for a user replaces the old one.
CREATE TABLE password_resets (
    token_hash BYTEA       PRIMARY KEY,
    user_id    BIGINT      NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
