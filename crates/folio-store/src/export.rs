//! Folio's portable site format: one JSON document that round-trips a whole site.
//!
//! It holds settings, users (with password hashes, so sign-in survives a move: keep the
//! file private), tags, posts and pages (Markdown source; HTML is rendered again on
//! import, so a tampered file cannot smuggle unsanitized HTML in), and redirects. API
//! tokens are secrets of one installation and are not exported. Media files are
//! referenced by URL inside the content; the `media` list is where uploaded files go
//! once Folio stores them.

use crate::db::{query, Backend};
use crate::time::trunc;
use crate::{Media, SiteSettings, Store, StoreError, MEDIA_PREFIX};
use chrono::{DateTime, Utc};
use folio_core::{
    render_markdown_with, CacheTag, FieldErrors, PostKind, PostStatus, PostTitle, Role, Slug,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `format` value that marks a Folio export, and the version this build writes.
pub const FORMAT: &str = "folio-site-export";
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SiteExport {
    pub format: String,
    pub version: u32,
    pub exported_at: DateTime<Utc>,
    pub settings: SiteSettings,
    pub users: Vec<ExportUser>,
    pub tags: Vec<ExportTag>,
    pub posts: Vec<ExportPost>,
    pub redirects: Vec<ExportRedirect>,
    #[serde(default)]
    pub media: Vec<ExportMedia>,
    /// Old URLs of an imported site (absent from files of Folio before 0.1's imports).
    #[serde(default)]
    pub legacy_urls: Vec<ExportLegacyUrl>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub slug: String,
    pub role: Role,
    pub bio: String,
    pub password_hash: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deactivated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportTag {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportPost {
    pub id: i64,
    pub kind: PostKind,
    pub title: String,
    pub slug: String,
    pub markdown: String,
    pub custom_excerpt: String,
    pub feature_image: Option<String>,
    pub feature_image_alt: String,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub author_id: i64,
    pub seo_title: String,
    pub seo_description: String,
    pub canonical_url: String,
    /// Tag ids in display order.
    pub tags: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportRedirect {
    pub from_slug: String,
    pub post_id: i64,
}

/// An old URL of a site imported from WordPress or Ghost, and where it leads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportLegacyUrl {
    pub path: String,
    pub post_id: Option<i64>,
    pub target: Option<String>,
}

/// An entry of the media library, and (when the exporter could read them) its files.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportMedia {
    #[serde(flatten)]
    pub entry: Media,
    /// Each stored file's bytes, base64-encoded, by key. The store leaves this empty;
    /// `folio export` fills it from the media store, and `folio import` writes it back
    /// (checking every key) before the rows are imported.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub users: usize,
    pub tags: usize,
    pub posts: usize,
    pub pages: usize,
    pub redirects: usize,
    pub media: usize,
}

impl Store {
    /// Reads the whole site into an export document.
    pub async fn export_site(&self) -> Result<SiteExport, StoreError> {
        let pool = self.primary();
        let users = query(
            "SELECT id, email, name, slug, role, bio, password_hash, created_at, updated_at, deactivated_at FROM users ORDER BY id",
        )
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            let role: String = r.try_get("role")?;
            Ok(ExportUser {
                id: r.try_get("id")?,
                email: r.try_get("email")?,
                name: r.try_get("name")?,
                slug: r.try_get("slug")?,
                role: Role::parse(&role).map_err(|_| StoreError::Corrupt(format!("unknown role {role:?}")))?,
                bio: r.try_get("bio")?,
                password_hash: r.try_get("password_hash")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
                deactivated_at: r.try_get("deactivated_at")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        let tags = query("SELECT id, name, slug, description FROM tags ORDER BY id")
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                Ok(ExportTag {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    slug: r.try_get("slug")?,
                    description: r.try_get("description")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let post_tags: Vec<(i64, i64)> =
            query("SELECT post_id, tag_id FROM post_tags ORDER BY post_id, position")
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("post_id")?, r.try_get("tag_id")?)))
                .collect::<Result<_, sqlx::Error>>()?;
        let posts = query(
            "SELECT id, kind, title, slug, markdown, custom_excerpt, feature_image, feature_image_alt, status, published_at,
                    created_at, updated_at, author_id, seo_title, seo_description, canonical_url FROM posts ORDER BY id",
        )
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            let kind: String = r.try_get("kind")?;
            let status: String = r.try_get("status")?;
            Ok(ExportPost {
                id,
                kind: PostKind::parse(&kind).map_err(|_| StoreError::Corrupt(format!("unknown kind {kind:?}")))?,
                title: r.try_get("title")?,
                slug: r.try_get("slug")?,
                markdown: r.try_get("markdown")?,
                custom_excerpt: r.try_get("custom_excerpt")?,
                feature_image: r.try_get("feature_image")?,
                feature_image_alt: r.try_get("feature_image_alt")?,
                status: PostStatus::parse(&status).map_err(|_| StoreError::Corrupt(format!("unknown status {status:?}")))?,
                published_at: r.try_get("published_at")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
                author_id: r.try_get("author_id")?,
                seo_title: r.try_get("seo_title")?,
                seo_description: r.try_get("seo_description")?,
                canonical_url: r.try_get("canonical_url")?,
                tags: post_tags.iter().filter(|(p, _)| *p == id).map(|(_, t)| *t).collect(),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        let redirects = query("SELECT from_slug, post_id FROM redirects ORDER BY from_slug")
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                Ok(ExportRedirect {
                    from_slug: r.try_get("from_slug")?,
                    post_id: r.try_get("post_id")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(SiteExport {
            format: FORMAT.into(),
            version: VERSION,
            exported_at: crate::now(),
            settings: self.settings().await?,
            users,
            tags,
            posts,
            redirects,
            media: self.export_media().await?,
            legacy_urls: query("SELECT path, post_id, target FROM legacy_urls ORDER BY path")
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| {
                    Ok(ExportLegacyUrl {
                        path: r.try_get("path")?,
                        post_id: r.try_get("post_id")?,
                        target: r.try_get("target")?,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?,
        })
    }

    async fn export_media(&self) -> Result<Vec<ExportMedia>, StoreError> {
        let mut all = Vec::new();
        let mut before = None;
        loop {
            let page = self.list_media(before, 500).await?;
            let Some(last) = page.last() else { break };
            before = Some(last.id);
            all.extend(page.into_iter().map(|entry| ExportMedia {
                entry,
                files: BTreeMap::new(),
            }));
        }
        all.reverse();
        Ok(all)
    }

    /// Loads an export into this site, which must be empty (no users, no content).
    /// All or nothing: any invalid record aborts the import and nothing is written.
    pub async fn import_site(&self, site: &SiteExport) -> Result<ImportReport, StoreError> {
        validate(site)?;
        let mut tx = self.primary().begin().await?;
        let existing: i64 =
            query("SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM posts)")
                .scalar(&mut tx)
                .await?;
        if existing > 0 {
            return Err(StoreError::Unsupported(
                "the target site is not empty: import into a freshly migrated database".into(),
            ));
        }
        let settings = serde_json::to_string(&site.settings)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let upsert = tx.backend().upsert("name", &["value"]);
        query(format!(
            "INSERT INTO settings (name, value) VALUES ('site', ?){upsert}"
        ))
        .bind(settings)
        .execute(&mut tx)
        .await?;
        for u in &site.users {
            query(
                "INSERT INTO users (id, email, name, slug, role, bio, password_hash, created_at, updated_at, deactivated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(u.id)
            .bind(&u.email)
            .bind(&u.name)
            .bind(&u.slug)
            .bind(u.role.as_str())
            .bind(&u.bio)
            .bind(&u.password_hash)
            .bind(trunc(u.created_at))
            .bind(trunc(u.updated_at))
            .bind(u.deactivated_at.map(trunc))
            .execute(&mut tx)
            .await?;
        }
        for t in &site.tags {
            query("INSERT INTO tags (id, name, slug, description) VALUES (?, ?, ?, ?)")
                .bind(t.id)
                .bind(&t.name)
                .bind(&t.slug)
                .bind(&t.description)
                .execute(&mut tx)
                .await?;
        }
        for m in &site.media {
            crate::media::insert_media(
                &mut tx,
                Some(m.entry.id),
                &m.entry.to_new(),
                trunc(m.entry.created_at),
            )
            .await?;
        }
        let images: folio_core::ImageSets = site
            .media
            .iter()
            .filter(|m| m.entry.is_image())
            .map(|m| {
                (
                    format!("{MEDIA_PREFIX}{}", m.entry.storage_key),
                    m.entry.image_set(),
                )
            })
            .collect();
        let mut report = ImportReport {
            users: site.users.len(),
            tags: site.tags.len(),
            media: site.media.len(),
            ..Default::default()
        };
        for p in &site.posts {
            let rendered = render_markdown_with(&p.markdown, &images);
            let excerpt = crate::posts::effective_excerpt(&p.custom_excerpt, &rendered.text);
            query(
                "INSERT INTO posts (id, kind, title, slug, markdown, html, plain_text, word_count, excerpt, custom_excerpt,
                    feature_image, feature_image_alt, status, published_at, created_at, updated_at, author_id,
                    seo_title, seo_description, canonical_url)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(p.id)
            .bind(p.kind.as_str())
            .bind(&p.title)
            .bind(&p.slug)
            .bind(&p.markdown)
            .bind(rendered.html.as_str())
            .bind(&rendered.text)
            .bind(crate::posts::word_count(&rendered.text))
            .bind(excerpt)
            .bind(&p.custom_excerpt)
            .bind(&p.feature_image)
            .bind(&p.feature_image_alt)
            .bind(p.status.as_str())
            .bind(p.published_at.map(trunc))
            .bind(trunc(p.created_at))
            .bind(trunc(p.updated_at))
            .bind(p.author_id)
            .bind(&p.seo_title)
            .bind(&p.seo_description)
            .bind(&p.canonical_url)
            .execute(&mut tx)
            .await?;
            let public = p.status == PostStatus::Published;
            let public_at = (public && p.kind == PostKind::Post)
                .then_some(p.published_at.map(trunc))
                .flatten();
            for (position, tag_id) in p.tags.iter().enumerate() {
                query("INSERT INTO post_tags (post_id, tag_id, position, public_at) VALUES (?, ?, ?, ?)")
                    .bind(p.id)
                    .bind(tag_id)
                    .bind(position as i64)
                    .bind(public_at)
                    .execute(&mut tx)
                    .await?;
            }
            if public {
                crate::search::index_post(&mut tx, p.id, Some((&p.title, &rendered.text))).await?;
            }
            match p.kind {
                PostKind::Post => report.posts += 1,
                PostKind::Page => report.pages += 1,
            }
        }
        for r in &site.redirects {
            query("INSERT INTO redirects (from_slug, post_id, created_at) VALUES (?, ?, ?)")
                .bind(&r.from_slug)
                .bind(r.post_id)
                .bind(crate::now())
                .execute(&mut tx)
                .await?;
        }
        for l in &site.legacy_urls {
            query(
                "INSERT INTO legacy_urls (path, post_id, target, created_at) VALUES (?, ?, ?, ?)",
            )
            .bind(&l.path)
            .bind(l.post_id)
            .bind(&l.target)
            .bind(crate::now())
            .execute(&mut tx)
            .await?;
        }
        report.redirects = site.redirects.len() + site.legacy_urls.len();
        if tx.backend() == Backend::Postgres {
            // Rows came with their ids; the identity sequences must move past them.
            for table in ["users", "tags", "posts", "media"] {
                query(format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                ))
                .execute(&mut tx)
                .await?;
            }
        }
        let generation = self.bump_generation(&mut tx, &[CacheTag::Site]).await?;
        tx.commit().await?;
        self.committed(generation);
        self.refresh_statistics().await;
        Ok(report)
    }

    /// Brings the planner's statistics up to date after a bulk load. Without them
    /// PostgreSQL guesses row counts for tables it believes empty and walks 100,000
    /// posts backwards to find three search matches (130 ms instead of 4 ms), until
    /// autovacuum comes by. The import has landed either way, so a failure is logged.
    async fn refresh_statistics(&self) {
        let sql = match self.backend() {
            Backend::Sqlite => "ANALYZE",
            Backend::Postgres => "ANALYZE users, tags, posts, post_tags, posts_fts, media",
            Backend::MySql => "ANALYZE TABLE users, tags, posts, post_tags, posts_fts, media",
        };
        if let Err(err) = query(sql).fetch_all(self.pool()).await {
            tracing::warn!(error = %err, "could not refresh the database's statistics after the import");
        }
    }
}

/// Checks every record before anything is written, naming the bad ones (`import_site`
/// calls it first; public for `folio import --dry-run`-style checks and the fuzzer).
pub fn validate(site: &SiteExport) -> Result<(), StoreError> {
    let mut errors = FieldErrors::new();
    if site.format != FORMAT {
        errors.add("format", format!("must be {FORMAT:?}"));
    }
    if site.version > VERSION {
        errors.add(
            "version",
            format!(
                "{} is newer than this Folio understands ({VERSION})",
                site.version
            ),
        );
    }
    for (i, p) in site.posts.iter().enumerate() {
        if let Err(e) = PostTitle::parse(&p.title) {
            errors.add(&format!("posts[{i}].title"), e);
        }
        if let Err(e) = Slug::parse(&p.slug) {
            errors.add(&format!("posts[{i}].slug"), e);
        }
        if !site.users.iter().any(|u| u.id == p.author_id) {
            errors.add(&format!("posts[{i}].author_id"), "names no exported user");
        }
        if let Some(t) = p
            .tags
            .iter()
            .find(|t| !site.tags.iter().any(|tag| tag.id == **t))
        {
            errors.add(
                &format!("posts[{i}].tags"),
                format!("tag {t} is not in the export"),
            );
        }
    }
    for (i, m) in site.media.iter().map(|m| &m.entry).enumerate() {
        if let Some(u) = m
            .uploaded_by
            .filter(|u| !site.users.iter().any(|user| user.id == *u))
        {
            errors.add(
                &format!("media[{i}].uploaded_by"),
                format!("user {u} is not in the export"),
            );
        }
        if !m.renditions.iter().any(|r| r.key == m.storage_key) {
            errors.add(
                &format!("media[{i}].renditions"),
                "must include the original",
            );
        }
    }
    for (i, l) in site.legacy_urls.iter().enumerate() {
        if folio_core::legacy::path_key(&l.path).as_deref() != Some(l.path.as_str()) {
            errors.add(
                &format!("legacy_urls[{i}].path"),
                "is not an old URL in its normal form",
            );
        }
        match (l.post_id, &l.target) {
            (Some(id), None) if site.posts.iter().any(|p| p.id == id) => {}
            (None, Some(target)) if target.starts_with('/') && !target.starts_with("//") => {}
            _ => errors.add(
                &format!("legacy_urls[{i}]"),
                "must lead to an exported post or to a path of this site",
            ),
        }
    }
    for (i, t) in site.tags.iter().enumerate() {
        if Slug::parse(&t.slug).is_err() {
            errors.add(&format!("tags[{i}].slug"), "is not a valid slug");
        }
    }
    // An author's slug is a URL (/author/<slug>/) like the others.
    for (i, u) in site.users.iter().enumerate() {
        if let Err(e) = Slug::parse(&u.slug) {
            errors.add(&format!("users[{i}].slug"), e);
        }
    }
    errors.into_result().map_err(StoreError::Invalid)
}
