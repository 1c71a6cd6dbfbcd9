//! Background work that must happen once across all processes on one database:
//! publishing scheduled posts when their time comes.

use crate::db::query;
use crate::time::trunc;
use crate::{now, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use folio_core::CacheTag;

impl Store {
    /// Takes or renews the lease `name` for `holder` until `ttl` from now. True when
    /// `holder` has it: it was free, expired, or already `holder`'s.
    pub async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let at = now();
        let renewed = query("UPDATE job_leases SET holder = ?, expires_at = ? WHERE name = ? AND (holder = ? OR expires_at <= ?)")
            .bind(holder)
            .bind(at + ttl)
            .bind(name)
            .bind(holder)
            .bind(at)
            .execute(self.pool())
            .await?;
        if renewed == 1 {
            return Ok(true);
        }
        // No row, or another holder's live lease: only the first insert wins.
        let inserted = query("INSERT INTO job_leases (name, holder, expires_at) VALUES (?, ?, ?)")
            .bind(name)
            .bind(holder)
            .bind(at + ttl)
            .execute(self.pool())
            .await;
        match inserted {
            Ok(_) => Ok(true),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Publishes every scheduled post whose time has come and returns their ids. Each
    /// post moves from `scheduled` to `published` in a guarded update inside one
    /// transaction, so it is published exactly once however many processes run this at
    /// the same moment; the content generation moves so cached pages show it.
    ///
    /// The `kind IN (…)` lets every backend read the due posts from the listing index
    /// (kind, status, published_at) instead of scanning the table, and the look before
    /// the transaction keeps an idle tick from taking the write lock.
    pub async fn publish_due_posts(&self, at: DateTime<Utc>) -> Result<Vec<i64>, StoreError> {
        const DUE: &str = "FROM posts WHERE kind IN ('post', 'page') AND status = 'scheduled' AND published_at <= ?";
        let any_due: Option<i64> = query(format!("SELECT id {DUE} LIMIT 1"))
            .bind(trunc(at))
            .scalar_optional(self.pool())
            .await?;
        if any_due.is_none() {
            return Ok(Vec::new());
        }
        let mut tx = self.primary().begin().await?;
        let due = query(format!(
            "SELECT id, kind, title, plain_text, published_at {DUE} ORDER BY published_at"
        ))
        .bind(trunc(at))
        .fetch_all(&mut tx)
        .await?;
        let mut published = Vec::new();
        for row in &due {
            let id: i64 = row.try_get("id")?;
            let changed = query(
                "UPDATE posts SET status = 'published' WHERE id = ? AND status = 'scheduled'",
            )
            .bind(id)
            .execute(&mut tx)
            .await?;
            if changed == 0 {
                continue;
            }
            let kind: String = row.try_get("kind")?;
            let published_at: Option<DateTime<Utc>> = row.try_get("published_at")?;
            if kind == "post" {
                query("UPDATE post_tags SET public_at = ? WHERE post_id = ?")
                    .bind(published_at)
                    .bind(id)
                    .execute(&mut tx)
                    .await?;
            }
            let (title, text): (String, String) =
                (row.try_get("title")?, row.try_get("plain_text")?);
            crate::search::index_post(&mut tx, id, Some((&title, &text))).await?;
            published.push(id);
        }
        if published.is_empty() {
            return Ok(published);
        }
        let tags: Vec<CacheTag> = published
            .iter()
            .map(|id| CacheTag::Post(*id))
            .chain([CacheTag::Posts])
            .collect();
        let generation = self.bump_generation(&mut tx, &tags).await?;
        tx.commit().await?;
        self.committed(generation);
        Ok(published)
    }
}
