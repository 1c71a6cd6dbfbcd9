-- Indexes on the foreign keys that had none. Deleting a user or a post looks up the
-- rows that refer to it (to cascade or to set NULL); without an index that is a scan of
-- the whole table. MariaDB indexes every foreign key by itself; the schema test
-- (tests/schema.rs) found these missing here. Listing a user's API tokens reads
-- api_tokens by user_id too.
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);
CREATE INDEX invites_by_inviter ON invites (invited_by);
CREATE INDEX redirects_by_post ON redirects (post_id);
CREATE INDEX revisions_by_saver ON revisions (saved_by);
