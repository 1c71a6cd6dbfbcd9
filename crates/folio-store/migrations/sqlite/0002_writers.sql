-- The writers' side: sign-in sessions, sign-in rate limiting, revisions, scheduled
-- publishing leases, first-run set-up tokens, and revocable API tokens listed by name.

-- A signed-in browser. The cookie holds a random id; only its SHA-256 is stored, so a
-- leaked database does not hand out sessions. `csrf_token` is sent back in every form.
-- `second_factor_pending` marks a password-checked session still waiting for its
-- TOTP code: it grants nothing until cleared.
CREATE TABLE sessions (
    id_hash               BLOB    PRIMARY KEY,
    user_id               INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token            TEXT    NOT NULL,
    second_factor_pending INTEGER NOT NULL DEFAULT 0,
    created_at            TEXT    NOT NULL,
    expires_at            TEXT    NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Failed sign-ins, one row each, keyed by account ('account:<email>') and by client
-- address ('ip:<addr>'); counted over a sliding window and cleared by a success.
CREATE TABLE login_failures (
    id        INTEGER PRIMARY KEY,
    limit_key TEXT    NOT NULL,
    failed_at TEXT    NOT NULL
);
CREATE INDEX login_failures_by_key ON login_failures (limit_key, failed_at);

-- Every save of a post keeps its text: the writer can compare and restore. Numbers
-- count up per post from 1.
CREATE TABLE revisions (
    id         INTEGER PRIMARY KEY,
    post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    number     INTEGER NOT NULL,
    title      TEXT    NOT NULL,
    markdown   TEXT    NOT NULL,
    saved_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    note       TEXT    NOT NULL DEFAULT '',
    created_at TEXT    NOT NULL,
    UNIQUE (post_id, number)
);

-- Leases for background jobs that one process at a time should run (publishing due
-- posts). A holder renews its lease; another process takes over once it expires.
CREATE TABLE job_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- One-time tokens that allow creating the owner from a non-loopback address. Each
-- `folio serve` started on a site without users adds one and prints it to its log.
CREATE TABLE setup_tokens (
    token_hash BLOB PRIMARY KEY,
    created_at TEXT NOT NULL
);

-- Two-factor sign-in (TOTP) and its one-time recovery codes (SHA-256 of each).
-- `totp_last_step` is the 30-second step of the last code accepted: a code is good once.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN recovery_codes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;

-- Invitations: a link with a random token (only its SHA-256 kept) that lets one person
-- create their account with the email and role chosen by the inviting owner or admin.
CREATE TABLE invites (
    token_hash BLOB    PRIMARY KEY,
    email      TEXT    NOT NULL,
    role       TEXT    NOT NULL CHECK (role IN ('admin', 'editor', 'author', 'contributor')),
    invited_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT    NOT NULL,
    expires_at TEXT    NOT NULL
);
