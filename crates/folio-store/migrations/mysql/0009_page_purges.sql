-- For each thing a public page can show (a cache tag: "site", "posts", "post-12",
-- "author-3"), the content generation of the last write that changed it. A
-- cached page keeps the generation it was rendered at and its tags; it is served only
-- while none of its tags was purged after that, so a write makes only the pages that
-- show what it changed miss, on every replica (each reads the rows newer than the
-- generation it has seen).
CREATE TABLE page_purges (
    tag        VARCHAR(64) NOT NULL PRIMARY KEY,
    generation BIGINT      NOT NULL,
    INDEX page_purges_by_generation (generation)
) ENGINE = InnoDB DEFAULT CHARSET = ascii COLLATE = ascii_bin;
