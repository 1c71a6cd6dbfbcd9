//! Background work that must happen once across all processes on one database:
//! publishing scheduled posts when their time comes.

use crate::time::trunc;
use crate::{now, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

impl Store {
    /// Takes or renews the lease `name` for `holder` until `ttl` from now. True when
    /// `holder` has it: it was free, expired, or already `holder`'s.
    pub async fn acquire_lease(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool, StoreError> {
        let at = now();
        let result = sqlx::query(
            "INSERT INTO job_leases (name, holder, expires_at) VALUES (?, ?, ?)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
             WHERE job_leases.holder = excluded.holder OR job_leases.expires_at <= ?",
        )
        .bind(name)
        .bind(holder)
        .bind(at + ttl)
        .bind(at)
        .execute(self.pool())
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Publishes every scheduled post whose time has come and returns their ids. Each
    /// post moves from `scheduled` to `published` in a guarded update inside one
    /// transaction, so it is published exactly once however many processes run this at
    /// the same moment; the content generation moves so cached pages show it.
    pub async fn publish_due_posts(&self, at: DateTime<Utc>) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let due = sqlx::query(
            "SELECT id, kind, title, plain_text, published_at FROM posts WHERE status = 'scheduled' AND published_at <= ? ORDER BY published_at",
        )
        .bind(trunc(at))
        .fetch_all(&mut *tx)
        .await?;
        let mut published = Vec::new();
        for row in &due {
            let id: i64 = row.try_get("id")?;
            let changed = sqlx::query("UPDATE posts SET status = 'published' WHERE id = ? AND status = 'scheduled'")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed == 0 {
                continue;
            }
            let kind: String = row.try_get("kind")?;
            let published_at: Option<DateTime<Utc>> = row.try_get("published_at")?;
            if kind == "post" {
                sqlx::query("UPDATE post_tags SET public_at = ? WHERE post_id = ?")
                    .bind(published_at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("DELETE FROM posts_fts WHERE rowid = ?").bind(id).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO posts_fts (rowid, title, body) VALUES (?, ?, ?)")
                .bind(id)
                .bind(row.try_get::<String, _>("title")?)
                .bind(row.try_get::<String, _>("plain_text")?)
                .execute(&mut *tx)
                .await?;
            published.push(id);
        }
        if published.is_empty() {
            return Ok(published);
        }
        let generation = Store::bump_generation(&mut tx).await?;
        tx.commit().await?;
        self.committed(generation);
        Ok(published)
    }
}
