//! Which cache tags writes purged, and when ([`CacheTag`]; the `page_purges` table).
//!
//! Every write that changes what readers see bumps the content generation and, in the
//! same transaction, records the tags of what it changed at the new generation. Each
//! process keeps the table in memory and reads the rows newer than the generation it has
//! seen whenever the generation moves (its own commit, a replica's announcement, the
//! poller), before it takes the new generation as current. So once a process has seen a
//! generation it knows every purge up to it, and [`Store::is_fresh`] can tell whether a
//! page rendered earlier still shows what a render now would.

use crate::db::{query, On, Tx};
use crate::{Store, StoreError};
use folio_core::CacheTag;
use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

/// The tags purged so far, each with the generation of its last purge.
#[derive(Default)]
pub(crate) struct Purges(RwLock<HashMap<CacheTag, i64>>);

impl Purges {
    fn apply(&self, purged: &[(CacheTag, i64)]) {
        if purged.is_empty() {
            return;
        }
        let mut by_tag = self.0.write().unwrap_or_else(PoisonError::into_inner);
        for &(tag, generation) in purged {
            let at = by_tag.entry(tag).or_insert(generation);
            *at = (*at).max(generation);
        }
    }
}

/// What a committed write hands to [`Store::committed`]: its generation, and every purge
/// up to it (its own and any this process had not read yet).
pub(crate) struct Bumped {
    pub(crate) generation: i64,
    purged: Vec<(CacheTag, i64)>,
}

impl Store {
    /// Whether a page rendered at `generation` that shows `tags` is still current: no
    /// write this process has seen purged one of its tags, or the whole site, after it.
    pub fn is_fresh(&self, generation: i64, tags: &[CacheTag]) -> bool {
        let by_tag = self.purges.0.read().unwrap_or_else(PoisonError::into_inner);
        let newer = |tag: &CacheTag| by_tag.get(tag).is_some_and(|at| *at > generation);
        !newer(&CacheTag::Site) && !tags.iter().any(newer)
    }

    /// Bumps the generation inside a write transaction and records `tags` as purged at
    /// it; reads, under the write lock every writer takes, every purge this process has
    /// not seen. [`Store::committed`] applies them once the transaction has committed.
    pub(crate) async fn bump_generation(
        &self,
        tx: &mut Tx,
        tags: &[CacheTag],
    ) -> Result<Bumped, StoreError> {
        query("UPDATE site_state SET generation = generation + 1 WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        let generation: i64 = query("SELECT generation FROM site_state WHERE id = 1")
            .scalar(&mut *tx)
            .await?;
        let upsert = tx.backend().upsert("tag", &["generation"]);
        for tag in tags {
            query(format!(
                "INSERT INTO page_purges (tag, generation) VALUES (?, ?){upsert}"
            ))
            .bind(tag.to_string())
            .bind(generation)
            .execute(&mut *tx)
            .await?;
        }
        let purged = purges_since(&mut *tx, self.generation()).await?;
        Ok(Bumped { generation, purged })
    }

    /// Takes a committed write's purges and generation as seen by this process, and
    /// tells other processes (through [`Store::watch_commits`]).
    pub(crate) fn committed(&self, bumped: Bumped) {
        self.purges.apply(&bumped.purged);
        self.observe_generation(bumped.generation);
        self.committed_here.send_replace(bumped.generation);
    }

    /// Reads the generation from the database, and the purges up to it this process has
    /// not seen, so that writes made by other processes on the same database are
    /// noticed. Returns the current generation.
    pub async fn refresh_generation(&self) -> Result<i64, StoreError> {
        let generation: i64 = query("SELECT generation FROM site_state WHERE id = 1")
            .scalar(self.primary())
            .await?;
        let seen = self.generation();
        if generation > seen {
            // Read after the generation, so they include every purge up to it.
            let purged = purges_since(self.primary(), seen).await?;
            self.purges.apply(&purged);
            self.observe_generation(generation);
        }
        Ok(generation)
    }
}

/// The purges recorded after generation `seen`. A name this release does not know (a
/// newer release's tag, during a rolling upgrade) is read as the whole site, to be safe.
async fn purges_since<'a>(
    on: impl Into<On<'a>>,
    seen: i64,
) -> Result<Vec<(CacheTag, i64)>, StoreError> {
    let rows = query("SELECT tag, generation FROM page_purges WHERE generation > ?")
        .bind(seen)
        .fetch_all(on)
        .await?;
    rows.iter()
        .map(|row| {
            let name: String = row.try_get("tag")?;
            let generation: i64 = row.try_get("generation")?;
            Ok((CacheTag::parse(&name).unwrap_or(CacheTag::Site), generation))
        })
        .collect()
}
