//! What `folio import wordpress|ghost` writes: each post with its old URLs and the
//! record of where it came from, in one transaction; and the old URLs' lookup, which
//! the server makes only when a request would otherwise be a 404.

use crate::db::query;
use crate::posts::{free_slug, insert_post, SlugTable};
use crate::{now, PostInput, Store, StoreError};
use chrono::{DateTime, Utc};
use folio_core::legacy::path_key;
use folio_core::{CacheTag, PostStatus, Slug};

/// A post or page from another platform, validated, with its history.
#[derive(Debug, Clone)]
pub struct ImportedPost {
    /// The site it comes from (`wordpress:http://old.example`, `ghost`).
    pub origin: String,
    /// Its id there.
    pub source_id: String,
    /// `slug` is the one wanted; when another post has it, a free variant is taken
    /// (`hello-2`) and the old URL redirects there.
    pub input: PostInput,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Paths the old site served it under (`/2023/05/01/hello/`, `/?p=12`).
    pub old_paths: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    Created {
        id: i64,
        slug: String,
        redirects: usize,
    },
    /// An earlier run imported it already; nothing was written.
    Existing { id: i64 },
}

impl Store {
    /// The post an earlier import made of this item, if any.
    pub async fn imported_post(
        &self,
        origin: &str,
        source_id: &str,
    ) -> Result<Option<i64>, StoreError> {
        query("SELECT post_id FROM import_origins WHERE origin = ? AND source_id = ?")
            .bind(origin)
            .bind(source_id)
            .scalar_optional(self.pool())
            .await
            .map_err(StoreError::from)
    }

    /// Saves one imported post, its old URLs and its origin, all or nothing. An item
    /// imported before is left alone.
    pub async fn import_post(&self, post: &ImportedPost) -> Result<ImportOutcome, StoreError> {
        let input = &post.input;
        let rendered = self.render(&input.markdown).await?;
        let mut tx = self.primary().begin().await?;
        let existing: Option<i64> =
            query("SELECT post_id FROM import_origins WHERE origin = ? AND source_id = ?")
                .bind(&post.origin)
                .bind(&post.source_id)
                .scalar_optional(&mut tx)
                .await?;
        if let Some(id) = existing {
            return Ok(ImportOutcome::Existing { id });
        }
        let wanted = input
            .slug
            .clone()
            .unwrap_or_else(|| Slug::derive(input.title.as_str(), input.kind.as_str()));
        let slug = free_slug(&mut tx, SlugTable::Posts, &wanted).await?;
        let id = insert_post(
            &mut tx,
            input,
            slug.as_str(),
            &rendered,
            post.created_at,
            post.updated_at,
        )
        .await?;
        let own = path_key(&format!("/{}/", slug.as_str()));
        let mut redirects = 0;
        for key in post.old_paths.iter().filter_map(|p| path_key(p)) {
            if Some(&key) == own.as_ref() {
                continue;
            }
            let ignore = tx.backend().ignore_duplicate("path");
            let added = query(format!("INSERT INTO legacy_urls (path, post_id, target, created_at) VALUES (?, ?, NULL, ?){ignore}"))
                .bind(&key)
                .bind(id)
                .bind(now())
                .execute(&mut tx)
                .await?;
            redirects += usize::from(added > 0);
        }
        query("INSERT INTO import_origins (origin, source_id, post_id) VALUES (?, ?, ?)")
            .bind(&post.origin)
            .bind(&post.source_id)
            .bind(id)
            .execute(&mut tx)
            .await?;
        // An import also adds old URLs, which may be paths a cached page answered.
        let generation = self.bump_generation(&mut tx, &[CacheTag::Site]).await?;
        tx.commit().await?;
        self.committed(generation);
        Ok(ImportOutcome::Created {
            id,
            slug: slug.as_str().to_owned(),
            redirects,
        })
    }

    /// Makes an old path answer with a redirect to `target` (a site path such as
    /// `/media/…` or `/tag/news/`). Returns whether the path is new; an existing one is
    /// pointed at the new target.
    pub async fn add_legacy_url(&self, path: &str, target: &str) -> Result<bool, StoreError> {
        let Some(key) = path_key(path) else {
            return Err(StoreError::Unsupported(format!(
                "{path:?} cannot be an old URL"
            )));
        };
        let mut tx = self.primary().begin().await?;
        let before: Option<String> = query("SELECT path FROM legacy_urls WHERE path = ?")
            .bind(&key)
            .scalar_optional(&mut tx)
            .await?;
        let upsert = tx.backend().upsert("path", &["post_id", "target"]);
        query(format!("INSERT INTO legacy_urls (path, post_id, target, created_at) VALUES (?, NULL, ?, ?){upsert}"))
            .bind(&key)
            .bind(target)
            .bind(now())
            .execute(&mut tx)
            .await?;
        let generation = self.bump_generation(&mut tx, &[CacheTag::Site]).await?;
        tx.commit().await?;
        self.committed(generation);
        Ok(before.is_none())
    }

    /// Gives a tag the description its old site had, unless it has one already (a
    /// writer's own words win over an import's). Returns whether it changed.
    pub async fn describe_tag(&self, slug: &str, description: &str) -> Result<bool, StoreError> {
        let mut tx = self.primary().begin().await?;
        let changed = query("UPDATE tags SET description = ? WHERE slug = ? AND description = ''")
            .bind(description)
            .bind(slug)
            .execute(&mut tx)
            .await?;
        if changed == 0 {
            return Ok(false);
        }
        let generation = self.bump_generation(&mut tx, &[CacheTag::Posts]).await?;
        tx.commit().await?;
        self.committed(generation);
        Ok(true)
    }

    /// Where an old URL now lives: the public post it became, or its fixed target.
    /// `None` when the path was never an old URL, or its post is not public.
    pub async fn legacy_redirect(
        &self,
        path_and_query: &str,
    ) -> Result<Option<String>, StoreError> {
        let Some(key) = path_key(path_and_query) else {
            return Ok(None);
        };
        let row = query(
            "SELECT l.target, p.slug, p.status FROM legacy_urls l LEFT JOIN posts p ON p.id = l.post_id WHERE l.path = ?",
        )
        .bind(&key)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let target: Option<String> = row.try_get("target")?;
        let slug: Option<String> = row.try_get("slug")?;
        let status: Option<String> = row.try_get("status")?;
        Ok(match (slug, status) {
            (Some(slug), Some(status)) => {
                (status == PostStatus::Published.as_str()).then(|| format!("/{slug}/"))
            }
            _ => target.filter(|t| t.starts_with('/') && !t.starts_with("//")),
        })
    }
}
