-- Folio's own term index for search on MariaDB/MySQL (see src/search.rs).
--
-- InnoDB's FULLTEXT index hands back every match of a word before anything can be
-- ordered or limited: a word found in 10,000 of 100,000 posts cost 0.35 s a search.
-- Here a search reads the newest matches of a word from this table's primary key and
-- stops at 100. One row per distinct word of each public post; `weight` counts its
-- occurrences, title ones four times. No foreign key: every write of a post replaces
-- its rows (search::index_post), and a check per inserted row would slow imports.
CREATE TABLE search_terms (
    term    VARCHAR(64) COLLATE utf8mb4_bin NOT NULL,
    post_id BIGINT   NOT NULL,
    weight  SMALLINT NOT NULL,
    PRIMARY KEY (term, post_id),
    INDEX search_terms_by_post (post_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Which public posts have their terms written. Those published before this migration,
-- and any that the previous release saves while it still runs beside this one, start
-- FALSE: searches use FULLTEXT until none is left, and `folio migrate` and `folio
-- serve` fill them in (Store::catch_up_search_terms). FULLTEXT stays until a later
-- release no longer needs it as that fallback.
ALTER TABLE posts_fts
    ADD COLUMN terms_indexed BOOLEAN NOT NULL DEFAULT FALSE,
    ADD INDEX posts_fts_unindexed (terms_indexed);
