//! The search index: keeping it in step with public posts, and MariaDB/MySQL's term
//! index.
//!
//! Every backend keeps `posts_fts` (title and plain text of each public post and page)
//! with its own full-text index: FTS5 on SQLite, a `tsvector` on PostgreSQL, `FULLTEXT`
//! on MariaDB/MySQL. [`Store::search`] asks for the newest
//! [`SEARCH_CANDIDATES`](crate::SEARCH_CANDIDATES) matches and ranks those. FTS5 and
//! PostgreSQL's GIN index walk the matches newest first and stop there; InnoDB's
//! `FULLTEXT` cannot: it hands back every match of a word before anything is ordered or
//! limited, so a word found in 10,000 posts cost 0.35 s however the query was written.
//!
//! So on MariaDB/MySQL Folio keeps a term index itself: `search_terms (term, post_id,
//! weight)`, one row per distinct word of a public post, keyed `(term, post_id)`. The
//! newest matches of a word are one backwards range scan of the primary key that stops
//! after 100 rows, whatever the word's frequency. Terms are runs of letters and digits,
//! lowercased and without diacritics (as SQLite's FTS5 tokenizer does), so `cafe` finds
//! `Café`. A row of `posts_fts` whose terms are not written yet — one saved before the
//! index existed, or by an older release during a rolling update — has `terms_indexed =
//! FALSE`; while any such row exists searches use `FULLTEXT` (complete, slower), and
//! [`Store::catch_up_search_terms`] (run by `folio migrate` and in the background by
//! `folio serve`) fills them in.

use crate::db::{query, Backend, Query, Tx};
use crate::{Store, StoreError};
use std::collections::HashMap;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The longest term kept (`search_terms.term` is `VARCHAR(64)`); longer runs of letters
/// are not words anyone searches for.
const MAX_TERM_CHARS: usize = 64;

/// How many completions of the last word of a search are looked up, shortest and
/// alphabetically first; `bench` finds `bench`, `benchmark`, `benchmarks`…
const MAX_PREFIX_TERMS: usize = 16;

/// A last word shorter than this is matched whole, not as a prefix: `a` would otherwise
/// stand for thousands of words.
const MIN_PREFIX_CHARS: usize = 3;

/// Rows per `INSERT` when writing a post's terms.
const TERMS_PER_INSERT: usize = 400;

/// Posts per transaction when catching up.
const CATCH_UP_BATCH: usize = 50;

/// Puts a post into the search index, or takes it out when `entry` is `None` (not
/// public, or deleted). Every save, publication, import and deletion goes through here.
pub(crate) async fn index_post(
    tx: &mut Tx,
    id: i64,
    entry: Option<(&str, &str)>,
) -> Result<(), StoreError> {
    query("DELETE FROM posts_fts WHERE rowid = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let mysql = tx.backend() == Backend::MySql;
    if mysql {
        query("DELETE FROM search_terms WHERE post_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    let Some((title, body)) = entry else {
        return Ok(());
    };
    let insert = if mysql {
        "INSERT INTO posts_fts (rowid, title, body, terms_indexed) VALUES (?, ?, ?, TRUE)"
    } else {
        "INSERT INTO posts_fts (rowid, title, body) VALUES (?, ?, ?)"
    };
    query(insert)
        .bind(id)
        .bind(title)
        .bind(body)
        .execute(&mut *tx)
        .await?;
    if mysql {
        insert_terms(tx, id, title, body).await?;
    }
    Ok(())
}

async fn insert_terms(tx: &mut Tx, id: i64, title: &str, body: &str) -> Result<(), StoreError> {
    let weights = term_weights(title, body);
    for chunk in weights.chunks(TERMS_PER_INSERT) {
        let mut q = query("INSERT INTO search_terms (term, post_id, weight) VALUES ");
        for (i, (term, weight)) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            q.push_bind(term.as_str())
                .push(", ")
                .push_bind(id)
                .push(", ")
                .push_bind(i64::from(*weight))
                .push(")");
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}

/// Each distinct term of a post with its weight, in key order: occurrences in the body
/// (at most 50) plus four per occurrence in the title (at most three), so that, as on
/// the other backends, a word in the title counts for more.
fn term_weights(title: &str, body: &str) -> Vec<(String, u16)> {
    let mut counts: HashMap<String, (u16, u16)> = HashMap::new();
    for term in terms(title) {
        counts.entry(term).or_default().0 += 1;
    }
    for term in terms(body) {
        let count = &mut counts.entry(term).or_default().1;
        *count = count.saturating_add(1);
    }
    let mut weights: Vec<(String, u16)> = counts
        .into_iter()
        .map(|(term, (t, b))| (term, 4 * t.min(3) + b.min(50)))
        .collect();
    weights.sort_unstable();
    weights
}

/// The terms of a text as the term index keeps them.
fn terms(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter_map(term)
}

/// One word as a term: lowercased, diacritics removed; `None` when empty or too long.
fn term(word: &str) -> Option<String> {
    let folded = if word.is_ascii() {
        word.to_ascii_lowercase()
    } else {
        word.nfd()
            .filter(|c| !is_combining_mark(*c))
            .flat_map(char::to_lowercase)
            .collect()
    };
    (!folded.is_empty() && folded.chars().count() <= MAX_TERM_CHARS).then_some(folded)
}

/// What the term index says about a search on MariaDB/MySQL.
pub(crate) enum TermSearch {
    /// The candidates' `id` and `score` (lower is better), for [`Store::search`].
    Candidates(Query),
    /// Nothing can match.
    Nothing,
    /// The term index cannot answer (some public post's terms are not written yet, or a
    /// word is longer than it holds): ask `FULLTEXT` instead.
    Incomplete,
}

impl Store {
    /// Whether every public post's terms are written. Only a write can undo that (an
    /// older release saving a post during a rolling upgrade), and every such write moves
    /// the content generation; so the answer is asked once per generation this process
    /// sees, like the settings, rather than once per search.
    async fn term_index_complete(&self) -> Result<bool, StoreError> {
        use std::sync::atomic::Ordering;
        let generation = self.generation();
        if self.terms_complete_at.load(Ordering::Relaxed) == generation {
            return Ok(true);
        }
        let unindexed: Option<i64> =
            query("SELECT rowid FROM posts_fts WHERE terms_indexed = FALSE LIMIT 1")
                .scalar_optional(self.pool())
                .await?;
        if unindexed.is_some() {
            return Ok(false);
        }
        // Asked after `generation` was read: complete at it, or at a newer one.
        self.terms_complete_at
            .fetch_max(generation, Ordering::Relaxed);
        Ok(true)
    }

    /// The newest [`SEARCH_CANDIDATES`](crate::SEARCH_CANDIDATES) public posts holding
    /// every word of `words` (the last one also as a prefix), read from the term index.
    pub(crate) async fn term_search(&self, words: Vec<&str>) -> Result<TermSearch, StoreError> {
        if !self.term_index_complete().await? {
            return Ok(TermSearch::Incomplete);
        }
        // A word the index cannot hold (longer than MAX_TERM_CHARS) is asked of FULLTEXT,
        // which, like the other backends, does index it.
        let Some(mut words) = words.into_iter().map(term).collect::<Option<Vec<String>>>() else {
            return Ok(TermSearch::Incomplete);
        };
        let Some(last) = words.pop() else {
            return Ok(TermSearch::Nothing);
        };
        // The last word as typed, and its completions when it is long enough to be a prefix.
        let mut last_terms = vec![last.clone()];
        if last.chars().count() >= MIN_PREFIX_CHARS {
            let mut completions = query(format!(
                "SELECT DISTINCT term FROM search_terms WHERE term LIKE ? ORDER BY term LIMIT {MAX_PREFIX_TERMS}"
            ))
            .bind(format!("{last}%"))
            .scalars::<String>(self.pool())
            .await?;
            completions.retain(|t| *t != last);
            last_terms.extend(completions);
        }
        let limit = crate::SEARCH_CANDIDATES;
        let ids: Vec<i64> = if words.is_empty() {
            // One word: the newest matches of each of its terms, merged.
            let mut q = query("");
            for (i, t) in last_terms.iter().enumerate() {
                q.push(if i == 0 { "(" } else { " UNION ALL (" });
                q.push("SELECT post_id FROM search_terms WHERE term = ")
                    .push_bind(t.as_str())
                    .push(&format!(" ORDER BY post_id DESC LIMIT {limit})"));
            }
            let mut ids = q.scalars::<i64>(self.pool()).await?;
            ids.sort_unstable_by(|a, b| b.cmp(a));
            ids.dedup();
            ids.truncate(limit as usize);
            ids
        } else {
            // Several: walk the newest posts holding the longest word (likely the rarest),
            // keeping those that hold the others too.
            let lead = words
                .iter()
                .enumerate()
                .max_by_key(|(_, w)| w.chars().count())
                .map_or(0, |(i, _)| i);
            let lead = words.remove(lead);
            let mut q = query("SELECT s.post_id FROM search_terms s WHERE s.term = ");
            q.push_bind(lead.as_str());
            for w in &words {
                q.push(" AND EXISTS (SELECT 1 FROM search_terms x WHERE x.term = ")
                    .push_bind(w.as_str())
                    .push(" AND x.post_id = s.post_id)");
            }
            q.push(" AND EXISTS (SELECT 1 FROM search_terms x WHERE x.term IN (")
                .push_list(last_terms.iter().map(String::as_str))
                .push(&format!(
                    ") AND x.post_id = s.post_id) ORDER BY s.post_id DESC LIMIT {limit}"
                ));
            words.push(lead);
            q.scalars::<i64>(self.pool()).await?
        };
        if ids.is_empty() {
            return Ok(TermSearch::Nothing);
        }
        let mut q = query(
            "SELECT post_id AS id, -SUM(weight) AS score FROM search_terms WHERE post_id IN (",
        );
        q.push_list(ids)
            .push(") AND term IN (")
            .push_list(words.iter().chain(&last_terms).map(String::as_str));
        q.push(") GROUP BY post_id");
        Ok(TermSearch::Candidates(q))
    }

    /// Writes the terms of every public post that has none yet (see the module's notes),
    /// in batches, and returns how many posts it indexed. Does nothing but on
    /// MariaDB/MySQL. Safe to run in several processes at once: each post is indexed
    /// under the write lock, and only if it still needs it.
    pub async fn catch_up_search_terms(&self) -> Result<u64, StoreError> {
        if self.backend() != Backend::MySql {
            return Ok(0);
        }
        let mut indexed = 0;
        loop {
            let ids: Vec<i64> = query(format!(
                "SELECT rowid FROM posts_fts WHERE terms_indexed = FALSE LIMIT {CATCH_UP_BATCH}"
            ))
            .scalars(self.pool())
            .await?;
            if ids.is_empty() {
                return Ok(indexed);
            }
            let mut tx = self.primary().begin().await?;
            for id in ids {
                let row = query(
                    "SELECT title, body FROM posts_fts WHERE rowid = ? AND terms_indexed = FALSE",
                )
                .bind(id)
                .fetch_optional(&mut tx)
                .await?;
                let Some(row) = row else { continue };
                let (title, body): (String, String) = (row.try_get("title")?, row.try_get("body")?);
                query("DELETE FROM search_terms WHERE post_id = ?")
                    .bind(id)
                    .execute(&mut tx)
                    .await?;
                insert_terms(&mut tx, id, &title, &body).await?;
                query("UPDATE posts_fts SET terms_indexed = TRUE WHERE rowid = ?")
                    .bind(id)
                    .execute(&mut tx)
                    .await?;
                indexed += 1;
            }
            tx.commit().await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_lowercased_words_without_diacritics() {
        let got: Vec<String> = terms("Café au lait, NAÏVE co-op! x2 ——").collect();
        assert_eq!(got, ["cafe", "au", "lait", "naive", "co", "op", "x2"]);
        assert_eq!(term(&"a".repeat(65)), None);
        assert_eq!(term(&"a".repeat(64)).map(|t| t.len()), Some(64));
        assert_eq!(term("Ünïcödé").as_deref(), Some("unicode"));
    }

    #[test]
    fn title_words_weigh_more_and_counts_are_capped() {
        let body = "rust ".repeat(80) + "tokio";
        let weights = term_weights("Rust and Tokio", &body);
        let weight = |t: &str| weights.iter().find(|(term, _)| term == t).map(|(_, w)| *w);
        assert_eq!(weight("rust"), Some(4 + 50));
        assert_eq!(weight("tokio"), Some(4 + 1));
        assert_eq!(weight("and"), Some(4));
        assert!(
            weights.windows(2).all(|w| w[0].0 < w[1].0),
            "in key order, each term once"
        );
    }
}
