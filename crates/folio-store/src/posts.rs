//! Posts and pages: saving (render, slug, tags, search index, redirects in one
//! transaction), and the public listings, all paginated by keyset.

use crate::db::{like_pattern, query, Backend, Query, Row, Tx};
use crate::search::TermSearch;
use crate::time::trunc;
use crate::{now, Store, StoreError};
use base64::Engine;
use chrono::{DateTime, Utc};
use folio_core::markdown::excerpt;
use folio_core::{
    render_markdown_with, CacheTag, PostKind, PostStatus, PostTitle, SafeHtml, Slug, TagName,
};
use serde::Serialize;

/// How many of the newest matches a search ranks (see [`Store::search`]).
pub const SEARCH_CANDIDATES: u32 = 100;

/// Length of a generated excerpt, in characters.
const EXCERPT_CHARS: usize = 260;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthorRef {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub bio: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagRef {
    pub name: String,
    pub slug: String,
}

/// A tag as a listing page needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tag {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub description: String,
}

/// A tag with the number of public posts that carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagInfo {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub post_count: i64,
}

/// What listings show of a post.
#[derive(Debug, Clone, Serialize)]
pub struct PostSummary {
    pub id: i64,
    pub kind: PostKind,
    pub title: String,
    pub slug: String,
    pub excerpt: String,
    pub feature_image: Option<String>,
    pub feature_image_alt: String,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub word_count: i64,
    pub author: AuthorRef,
    pub tags: Vec<TagRef>,
}

/// A whole post or page.
#[derive(Debug, Clone, Serialize)]
pub struct Post {
    #[serde(flatten)]
    pub summary: PostSummary,
    pub markdown: String,
    pub html: SafeHtml,
    pub custom_excerpt: String,
    pub created_at: DateTime<Utc>,
    pub seo_title: String,
    pub seo_description: String,
    pub canonical_url: String,
}

/// Everything a save needs, already validated by the caller.
#[derive(Debug, Clone)]
pub struct PostInput {
    pub kind: PostKind,
    pub title: PostTitle,
    /// `None`: derive one from the title (on create) or keep the current one (on update).
    pub slug: Option<Slug>,
    pub markdown: String,
    pub custom_excerpt: String,
    pub feature_image: Option<String>,
    pub feature_image_alt: String,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub tags: Vec<TagName>,
    pub seo_title: String,
    pub seo_description: String,
    pub canonical_url: String,
    pub author_id: i64,
    /// Who saves (for the revision), and a note such as `autosave` or `restored from 3`.
    pub saved_by: Option<i64>,
    pub revision_note: String,
}

/// Where a listing page starts: just after the post published at `published_at` with `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub published_at: DateTime<Utc>,
    pub id: i64,
}

impl Cursor {
    /// An opaque, URL-safe token.
    pub fn encode(&self) -> String {
        let raw = format!("{}.{}", self.published_at.timestamp_micros(), self.id);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    }

    pub fn decode(token: &str) -> Option<Cursor> {
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .ok()?;
        let raw = String::from_utf8(raw).ok()?;
        let (micros, id) = raw.split_once('.')?;
        Some(Cursor {
            published_at: DateTime::from_timestamp_micros(micros.parse().ok()?)?,
            id: id.parse().ok()?,
        })
    }
}

/// One page of a listing and where the next (older) one starts.
#[derive(Debug, Clone)]
pub struct Listing {
    pub posts: Vec<PostSummary>,
    pub next: Option<Cursor>,
}

/// What the writers' lists filter by.
#[derive(Debug, Clone, Copy)]
pub struct AdminFilter<'a> {
    pub kind: PostKind,
    pub status: Option<PostStatus>,
    pub tag_slug: Option<&'a str>,
    pub author_id: Option<i64>,
    /// Case-insensitive substring of the title.
    pub title_contains: Option<&'a str>,
    /// Only ids below this one (paging).
    pub before_id: Option<i64>,
    pub limit: u32,
}

/// A public URL for the sitemap.
#[derive(Debug, Clone)]
pub struct PublicEntry {
    pub slug: String,
    pub kind: PostKind,
    pub updated_at: DateTime<Utc>,
}

const SUMMARY_COLUMNS: &str =
    "p.id, p.kind, p.title, p.slug, p.excerpt, p.feature_image, p.feature_image_alt, \
     p.status, p.published_at, p.updated_at, p.word_count, \
     u.id AS author_id, u.name AS author_name, u.slug AS author_slug, u.bio AS author_bio";

const POST_COLUMNS: &str = "p.markdown, p.html, p.custom_excerpt, p.created_at, p.seo_title, p.seo_description, p.canonical_url";

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unknown {what} {value:?}"))
}

fn summary_from_row(row: &Row) -> Result<PostSummary, StoreError> {
    let kind: String = row.try_get("kind")?;
    let status: String = row.try_get("status")?;
    Ok(PostSummary {
        id: row.try_get("id")?,
        kind: PostKind::parse(&kind).map_err(|_| corrupt("kind", &kind))?,
        title: row.try_get("title")?,
        slug: row.try_get("slug")?,
        excerpt: row.try_get("excerpt")?,
        feature_image: row.try_get("feature_image")?,
        feature_image_alt: row.try_get("feature_image_alt")?,
        status: PostStatus::parse(&status).map_err(|_| corrupt("status", &status))?,
        published_at: row.try_get("published_at")?,
        updated_at: row.try_get("updated_at")?,
        word_count: row.try_get("word_count")?,
        author: AuthorRef {
            id: row.try_get("author_id")?,
            name: row.try_get("author_name")?,
            slug: row.try_get("author_slug")?,
            bio: row.try_get("author_bio")?,
        },
        tags: Vec::new(),
    })
}

fn post_from_row(row: &Row) -> Result<Post, StoreError> {
    Ok(Post {
        summary: summary_from_row(row)?,
        markdown: row.try_get("markdown")?,
        html: SafeHtml::trusted(row.try_get("html")?),
        custom_excerpt: row.try_get("custom_excerpt")?,
        created_at: row.try_get("created_at")?,
        seo_title: row.try_get("seo_title")?,
        seo_description: row.try_get("seo_description")?,
        canonical_url: row.try_get("canonical_url")?,
    })
}

/// The cache tags a save of post `id` purges: its own page and every listing, unless it
/// was a draft and still is (nothing a reader sees changed).
fn purged_by_save(id: i64, before: Option<PostStatus>, after: PostStatus) -> Vec<CacheTag> {
    let unseen = |status: Option<PostStatus>| matches!(status, None | Some(PostStatus::Draft));
    if unseen(before) && unseen(Some(after)) {
        return Vec::new();
    }
    vec![CacheTag::Post(id), CacheTag::Posts]
}

/// Which public listing to page through.
#[derive(Debug, Clone, Copy)]
enum ListingScope {
    Home,
    Tag(i64),
    Author(i64),
}

impl Store {
    /// Renders a body through the Markdown pipeline, with the media library's sizes
    /// and renditions for the images it uses.
    pub(crate) async fn render(&self, markdown: &str) -> Result<folio_core::Rendered, StoreError> {
        let images = self.image_sets(&crate::media_urls_in(markdown)).await?;
        Ok(render_markdown_with(markdown, &images))
    }

    /// Creates a post or page. An explicit slug that is taken is a conflict on `slug`;
    /// a derived one gets a numeric suffix instead.
    pub async fn create_post(&self, input: PostInput) -> Result<Post, StoreError> {
        let rendered = self.render(&input.markdown).await?;
        let mut tx = self.primary().begin().await?;
        let slug = match &input.slug {
            Some(slug) => {
                ensure_slug_free(&mut tx, slug, None).await?;
                slug.clone()
            }
            None => {
                let fallback = input.kind.as_str();
                free_slug(
                    &mut tx,
                    SlugTable::Posts,
                    &Slug::derive(input.title.as_str(), fallback),
                )
                .await?
            }
        };
        let at = now();
        let id = insert_post(&mut tx, &input, slug.as_str(), &rendered, at, at).await?;
        let generation = self
            .bump_generation(&mut tx, &purged_by_save(id, None, input.status))
            .await?;
        tx.commit().await?;
        self.committed(generation);
        self.post_by_id(id).await
    }

    /// Replaces a post's content and metadata. A changed slug leaves a redirect behind.
    pub async fn update_post(&self, id: i64, input: PostInput) -> Result<Post, StoreError> {
        let rendered = self.render(&input.markdown).await?;
        let mut tx = self.primary().begin().await?;
        let old = query("SELECT slug, status FROM posts WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let old_slug: String = old.try_get("slug")?;
        let old_status: String = old.try_get("status")?;
        let old_status =
            PostStatus::parse(&old_status).map_err(|_| corrupt("status", &old_status))?;
        let slug = match &input.slug {
            Some(slug) if slug.as_str() != old_slug => {
                ensure_slug_free(&mut tx, slug, Some(id)).await?;
                let upsert = tx.backend().upsert("from_slug", &["post_id"]);
                query(format!("INSERT INTO redirects (from_slug, post_id, created_at) VALUES (?, ?, ?){upsert}"))
                .bind(&old_slug)
                .bind(id)
                .bind(now())
                .execute(&mut tx)
                .await?;
                slug.as_str().to_owned()
            }
            _ => old_slug,
        };
        query(
            "UPDATE posts SET kind = ?, title = ?, slug = ?, markdown = ?, html = ?, plain_text = ?, word_count = ?,
                excerpt = ?, custom_excerpt = ?, feature_image = ?, feature_image_alt = ?, status = ?, published_at = ?,
                updated_at = ?, author_id = ?, seo_title = ?, seo_description = ?, canonical_url = ?
             WHERE id = ?",
        )
        .bind(input.kind.as_str())
        .bind(input.title.as_str())
        .bind(&slug)
        .bind(&input.markdown)
        .bind(rendered.html.as_str())
        .bind(&rendered.text)
        .bind(word_count(&rendered.text))
        .bind(effective_excerpt(&input.custom_excerpt, &rendered.text))
        .bind(&input.custom_excerpt)
        .bind(&input.feature_image)
        .bind(&input.feature_image_alt)
        .bind(input.status.as_str())
        .bind(input.published_at.map(trunc))
        .bind(now())
        .bind(input.author_id)
        .bind(&input.seo_title)
        .bind(&input.seo_description)
        .bind(&input.canonical_url)
        .bind(id)
        .execute(&mut tx)
        .await
        .map_err(StoreError::from)
        .map_err(|e| on_foreign_key(e, "author"))?;
        finish_save(&mut tx, id, &input, &slug, &rendered.text).await?;
        let generation = self
            .bump_generation(&mut tx, &purged_by_save(id, Some(old_status), input.status))
            .await?;
        tx.commit().await?;
        self.committed(generation);
        self.post_by_id(id).await
    }

    /// Deletes a post or page with its tags links, redirects and search entry.
    pub async fn delete_post(&self, id: i64) -> Result<(), StoreError> {
        let mut tx = self.primary().begin().await?;
        let deleted = query("DELETE FROM posts WHERE id = ?")
            .bind(id)
            .execute(&mut tx)
            .await?;
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        crate::search::index_post(&mut tx, id, None).await?;
        let generation = self
            .bump_generation(&mut tx, &[CacheTag::Post(id), CacheTag::Posts])
            .await?;
        tx.commit().await?;
        self.committed(generation);
        Ok(())
    }

    pub async fn post_by_id(&self, id: i64) -> Result<Post, StoreError> {
        let row = query(format!(
            "SELECT {SUMMARY_COLUMNS}, {POST_COLUMNS} FROM posts p JOIN users u ON u.id = p.author_id WHERE p.id = ?"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        let mut post = post_from_row(&row)?;
        post.summary.tags = self.tags_of(id).await?;
        Ok(post)
    }

    /// A published post or page by its slug, as readers see it.
    pub async fn public_post_by_slug(&self, slug: &str) -> Result<Post, StoreError> {
        let row = query(format!(
            "SELECT {SUMMARY_COLUMNS}, {POST_COLUMNS} FROM posts p JOIN users u ON u.id = p.author_id
             WHERE p.slug = ? AND p.status = 'published'"
        ))
        .bind(slug)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        let mut post = post_from_row(&row)?;
        post.summary.tags = self.tags_of(post.summary.id).await?;
        Ok(post)
    }

    /// The current slug of the public post that `old_slug` used to name, if any.
    pub async fn redirect_target(&self, old_slug: &str) -> Result<Option<String>, StoreError> {
        Ok(query(
            "SELECT p.slug FROM redirects r JOIN posts p ON p.id = r.post_id
             WHERE r.from_slug = ? AND p.status = 'published'",
        )
        .bind(old_slug)
        .scalar_optional(self.pool())
        .await?)
    }

    /// Newest published posts first, `limit` at a time.
    pub async fn list_home(
        &self,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Listing, StoreError> {
        self.list_public(ListingScope::Home, after, limit).await
    }

    pub async fn list_tag(
        &self,
        tag_id: i64,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Listing, StoreError> {
        self.list_public(ListingScope::Tag(tag_id), after, limit)
            .await
    }

    pub async fn list_author(
        &self,
        author_id: i64,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Listing, StoreError> {
        self.list_public(ListingScope::Author(author_id), after, limit)
            .await
    }

    /// One keyset page: a range scan of an index that starts at the cursor, so page
    /// 10,000 costs what page 1 costs.
    async fn list_public(
        &self,
        scope: ListingScope,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Listing, StoreError> {
        let limit = limit.clamp(1, 100);
        let mut q = query(format!("SELECT {SUMMARY_COLUMNS} FROM ("));
        q.push_query(listing_keys(scope, after, i64::from(limit) + 1));
        q.push(LISTING_JOIN);
        let rows = q.fetch_all(self.pool()).await?;
        let mut posts = rows
            .iter()
            .map(summary_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let next = if posts.len() > limit as usize {
            posts.truncate(limit as usize);
            posts.last().and_then(|p| {
                p.published_at.map(|published_at| Cursor {
                    published_at,
                    id: p.id,
                })
            })
        } else {
            None
        };
        self.attach_tags(&mut posts).await?;
        Ok(Listing { posts, next })
    }

    /// Full-text search over the titles and bodies of public posts and pages, best
    /// matches first. Each word of `text` must appear; the last may be a prefix.
    ///
    /// Ranking every match costs time in proportion to the matches, so a word found in
    /// a tenth of 100,000 posts would rank 10,000 of them. Instead the newest
    /// [`SEARCH_CANDIDATES`] matches are taken (the index walks them newest first and
    /// stops), and those are ranked with titles weighing more than the body: BM25 on
    /// SQLite (FTS5), `ts_rank` on PostgreSQL (title weight A, body B), on MariaDB/MySQL
    /// the sum of the words' weights in Folio's own term index (title words counting
    /// four times; see the `search` module), or InnoDB's `FULLTEXT` relevance while that
    /// index is still being filled. Each backend's candidate query gives `id` and a
    /// `score` where lower is better.
    pub async fn search(&self, text: &str, limit: u32) -> Result<Vec<PostSummary>, StoreError> {
        let candidates = match self.backend() {
            Backend::Sqlite => {
                let Some(q) = fts5_query(text) else {
                    return Ok(Vec::new());
                };
                query(format!(
                    "SELECT rowid AS id, bm25(posts_fts, 4.0, 1.0) AS score FROM posts_fts
                     WHERE posts_fts MATCH ? ORDER BY rowid DESC LIMIT {SEARCH_CANDIDATES}"
                ))
                .bind(q)
            }
            Backend::Postgres => {
                let Some(q) = tsquery(text) else {
                    return Ok(Vec::new());
                };
                query(format!(
                    "SELECT rowid AS id, -ts_rank(doc, to_tsquery('simple', ?)) AS score FROM posts_fts
                     WHERE doc @@ to_tsquery('simple', ?) ORDER BY rowid DESC LIMIT {SEARCH_CANDIDATES}"
                ))
                .bind(&q)
                .bind(&q)
            }
            Backend::MySql => match self.term_search(search_words(text).collect()).await? {
                TermSearch::Candidates(q) => q,
                TermSearch::Nothing => return Ok(Vec::new()),
                TermSearch::Incomplete => {
                    let Some(q) = innodb_query(text) else {
                        return Ok(Vec::new());
                    };
                    query(format!(
                        "SELECT rowid AS id, -(4 * MATCH (title) AGAINST (? IN BOOLEAN MODE)
                                              + MATCH (title, body) AGAINST (? IN BOOLEAN MODE)) AS score
                         FROM posts_fts WHERE MATCH (title, body) AGAINST (? IN BOOLEAN MODE)
                         ORDER BY rowid DESC LIMIT {SEARCH_CANDIDATES}"
                    ))
                    .bind(&q)
                    .bind(&q)
                    .bind(&q)
                }
            },
        };
        let mut q = query(format!("SELECT {SUMMARY_COLUMNS} FROM ("));
        q.push_query(candidates);
        q.push(
            ") m JOIN posts p ON p.id = m.id JOIN users u ON u.id = p.author_id
             WHERE p.status = 'published' ORDER BY m.score LIMIT ",
        )
        .push_bind(i64::from(limit.clamp(1, 100)));
        let rows = q.fetch_all(self.pool()).await?;
        let mut posts = rows
            .iter()
            .map(summary_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        self.attach_tags(&mut posts).await?;
        Ok(posts)
    }

    /// The newest public posts with their full content, for feeds.
    pub async fn feed_posts(
        &self,
        tag_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Post>, StoreError> {
        let scope = tag_id.map_or(ListingScope::Home, ListingScope::Tag);
        let mut q = query(format!("SELECT {SUMMARY_COLUMNS}, {POST_COLUMNS} FROM ("));
        q.push_query(listing_keys(scope, None, i64::from(limit)));
        q.push(LISTING_JOIN);
        let rows = q.fetch_all(self.pool()).await?;
        let posts = rows
            .iter()
            .map(post_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let mut summaries: Vec<PostSummary> = posts.iter().map(|p| p.summary.clone()).collect();
        self.attach_tags(&mut summaries).await?;
        Ok(posts
            .into_iter()
            .zip(summaries)
            .map(|(post, summary)| Post { summary, ..post })
            .collect())
    }

    /// Every public post and page, newest first, for the sitemap (at most `limit`).
    pub async fn public_entries(&self, limit: u32) -> Result<Vec<PublicEntry>, StoreError> {
        let rows = query(
            "SELECT slug, kind, updated_at FROM posts WHERE status = 'published'
             ORDER BY published_at DESC, id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get("kind")?;
                Ok(PublicEntry {
                    slug: row.try_get("slug")?,
                    kind: PostKind::parse(&kind).map_err(|_| corrupt("kind", &kind))?,
                    updated_at: row.try_get("updated_at")?,
                })
            })
            .collect()
    }

    /// Posts or pages for the writers' lists, newest first, filtered.
    pub async fn list_admin(
        &self,
        filter: AdminFilter<'_>,
    ) -> Result<Vec<PostSummary>, StoreError> {
        // Ids first, then the join, for the reason given at `listing_keys`.
        let mut q = query("SELECT p.id FROM posts p WHERE p.kind = ");
        q.push_bind(filter.kind.as_str());
        if let Some(status) = filter.status {
            q.push(" AND p.status = ").push_bind(status.as_str());
        }
        if let Some(tag) = filter.tag_slug {
            q.push(" AND p.id IN (SELECT pt.post_id FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE t.slug = ")
                .push_bind(tag.to_owned())
                .push(")");
        }
        if let Some(author) = filter.author_id {
            q.push(" AND p.author_id = ").push_bind(author);
        }
        if let Some(text) = filter.title_contains {
            q.push(" AND LOWER(p.title) LIKE ")
                .push_bind(like_pattern(&text.to_lowercase()))
                .push(" ESCAPE '!'");
        }
        if let Some(before) = filter.before_id {
            q.push(" AND p.id < ").push_bind(before);
        }
        q.push(" ORDER BY p.id DESC LIMIT ")
            .push_bind(i64::from(filter.limit.clamp(1, 100)));
        let mut page = query(format!("SELECT {SUMMARY_COLUMNS} FROM ("));
        page.push_query(q);
        page.push(
            ") k JOIN posts p ON p.id = k.id JOIN users u ON u.id = p.author_id ORDER BY p.id DESC",
        );
        let rows = page.fetch_all(self.pool()).await?;
        let mut posts = rows
            .iter()
            .map(summary_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        self.attach_tags(&mut posts).await?;
        Ok(posts)
    }

    pub async fn tag_by_slug(&self, slug: &str) -> Result<Tag, StoreError> {
        let row = query("SELECT id, name, slug, description FROM tags WHERE slug = ?")
            .bind(slug)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(Tag {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            slug: row.try_get("slug")?,
            description: row.try_get("description")?,
        })
    }

    /// Slugs of the tags that at least one public post carries, for the sitemap.
    pub async fn public_tag_slugs(&self) -> Result<Vec<String>, StoreError> {
        Ok(query(
            "SELECT t.slug FROM tags t
             WHERE EXISTS (SELECT 1 FROM post_tags pt WHERE pt.tag_id = t.id AND pt.public_at IS NOT NULL)
             ORDER BY t.slug",
        )
        .scalars(self.pool())
        .await?)
    }

    /// Every tag with its count of public posts, by name.
    pub async fn list_tags(&self) -> Result<Vec<TagInfo>, StoreError> {
        let rows = query(
            "SELECT t.id, t.name, t.slug, t.description,
                (SELECT COUNT(*) FROM post_tags pt WHERE pt.tag_id = t.id AND pt.public_at IS NOT NULL) AS post_count
             FROM tags t ORDER BY t.name",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(tag_from_row).collect()
    }

    async fn tags_of(&self, post_id: i64) -> Result<Vec<TagRef>, StoreError> {
        let rows = query(
            "SELECT t.name, t.slug FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = ? ORDER BY pt.position",
        )
        .bind(post_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TagRef {
                    name: r.try_get("name")?,
                    slug: r.try_get("slug")?,
                })
            })
            .collect()
    }

    /// Loads the tags of many posts in one query.
    async fn attach_tags(&self, posts: &mut [PostSummary]) -> Result<(), StoreError> {
        if posts.is_empty() {
            return Ok(());
        }
        let mut q = query("SELECT pt.post_id, t.name, t.slug FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id IN (");
        q.push_list(posts.iter().map(|p| p.id));
        q.push(") ORDER BY pt.post_id, pt.position");
        let rows = q.fetch_all(self.pool()).await?;
        for row in rows {
            let post_id: i64 = row.try_get("post_id")?;
            if let Some(p) = posts.iter_mut().find(|p| p.id == post_id) {
                p.tags.push(TagRef {
                    name: row.try_get("name")?,
                    slug: row.try_get("slug")?,
                });
            }
        }
        Ok(())
    }
}

/// Joins a page of `listing_keys` (aliased `k`) to its posts and their authors, in order.
const LISTING_JOIN: &str =
    ") k JOIN posts p ON p.id = k.id JOIN users u ON u.id = p.author_id ORDER BY k.listed_at DESC, k.id DESC";

/// The ids (`id`) and listing times (`listed_at`) of one page of a public listing,
/// newest first, after `after`: a range scan of one index, which stops after `limit`.
///
/// Callers join the page to posts and users ([`LISTING_JOIN`]) rather than writing one
/// join: written as one, MariaDB's planner starts from `users` (one row on most blogs)
/// and sorts every public post to find the newest 11 — 1.5 s at 100,000 posts. The
/// cursor is spelled `at < ? OR (at = ? AND id < ?)` rather than as a row comparison,
/// which MariaDB cannot turn into an index range.
fn listing_keys(scope: ListingScope, after: Option<Cursor>, limit: i64) -> Query {
    let mut keys = query("SELECT ");
    let (at, id) = match scope {
        ListingScope::Tag(tag_id) => {
            keys.push("post_id AS id, public_at AS listed_at FROM post_tags WHERE tag_id = ");
            keys.push_bind(tag_id);
            keys.push(" AND public_at IS NOT NULL");
            ("public_at", "post_id")
        }
        ListingScope::Author(author_id) => {
            keys.push("id, published_at AS listed_at FROM posts WHERE author_id = ");
            keys.push_bind(author_id);
            keys.push(" AND kind = 'post' AND status = 'published'");
            ("published_at", "id")
        }
        ListingScope::Home => {
            keys.push("id, published_at AS listed_at FROM posts WHERE kind = 'post' AND status = 'published'");
            ("published_at", "id")
        }
    };
    if let Some(cursor) = after {
        keys.push(&format!(" AND ({at} < "))
            .push_bind(cursor.published_at);
        keys.push(&format!(" OR ({at} = "))
            .push_bind(cursor.published_at);
        keys.push(&format!(" AND {id} < "))
            .push_bind(cursor.id)
            .push("))");
    }
    keys.push(&format!(" ORDER BY {at} DESC, {id} DESC LIMIT "))
        .push_bind(limit);
    keys
}

fn tag_from_row(row: &Row) -> Result<TagInfo, StoreError> {
    Ok(TagInfo {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        slug: row.try_get("slug")?,
        description: row.try_get("description")?,
        post_count: row.try_get("post_count")?,
    })
}

fn on_foreign_key(err: StoreError, field: &'static str) -> StoreError {
    match &err {
        StoreError::Database(sqlx::Error::Database(db)) if db.is_foreign_key_violation() => {
            let mut fields = folio_core::FieldErrors::new();
            fields.add(field, "does not exist");
            StoreError::Invalid(fields)
        }
        _ => err,
    }
}

pub(crate) fn word_count(text: &str) -> i64 {
    text.split_whitespace().count() as i64
}

pub(crate) fn effective_excerpt(custom: &str, text: &str) -> String {
    if custom.trim().is_empty() {
        excerpt(text, EXCERPT_CHARS)
    } else {
        custom.trim().to_owned()
    }
}

/// The words of a search, as the full-text indexes split them: letters and digits.
fn search_words(input: &str) -> impl Iterator<Item = &str> {
    input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
}

/// All words required, the last one a prefix: `first second last*` in each engine's
/// syntax, or `None` when nothing searchable is left.
fn required_words(words: Vec<String>, and: &str, prefix: &str) -> Option<String> {
    let mut q = words.join(and);
    if q.is_empty() {
        return None;
    }
    q.push_str(prefix);
    Some(q)
}

/// Turns what a reader typed into a safe FTS5 query: each word quoted (so operators and
/// column filters in the input are plain text), all required, the last one a prefix.
fn fts5_query(input: &str) -> Option<String> {
    required_words(
        search_words(input)
            .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
            .collect(),
        " ",
        "*",
    )
}

/// The same for PostgreSQL's `to_tsquery`: words are letters and digits only, so no
/// operator of the tsquery syntax can come from the input.
fn tsquery(input: &str) -> Option<String> {
    required_words(
        search_words(input).map(str::to_owned).collect(),
        " & ",
        ":*",
    )
}

/// InnoDB's default stopwords: a required stopword would match nothing at all.
const INNODB_STOPWORDS: &[&str] = &[
    "a", "about", "an", "are", "as", "at", "be", "by", "com", "de", "en", "for", "from", "how",
    "i", "in", "is", "it", "la", "of", "on", "or", "that", "the", "this", "to", "was", "what",
    "when", "where", "who", "will", "with", "und", "www",
];

/// The same for InnoDB's boolean mode: `+first +second +last*`. Words shorter than
/// InnoDB's smallest indexed token (3 characters) and stopwords are left out, as the
/// index never holds them.
fn innodb_query(input: &str) -> Option<String> {
    let words = search_words(input)
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 3 && !INNODB_STOPWORDS.contains(&w.as_str()))
        .map(|w| format!("+{w}"))
        .collect();
    required_words(words, " ", "*")
}

async fn ensure_slug_free(
    conn: &mut Tx,
    slug: &Slug,
    except: Option<i64>,
) -> Result<(), StoreError> {
    let owner: Option<i64> = query("SELECT id FROM posts WHERE slug = ?")
        .bind(slug.as_str())
        .scalar_optional(&mut *conn)
        .await?;
    match owner {
        Some(id) if Some(id) != except => Err(StoreError::Conflict { field: "slug" }),
        _ => Ok(()),
    }
}

/// Tables whose `slug` column must be unique: the only names [`free_slug`] puts into SQL.
#[derive(Clone, Copy)]
pub(crate) enum SlugTable {
    Posts,
    Users,
}

/// `base`, or `base-2`, `base-3`… whichever is free first in `table`.
pub(crate) async fn free_slug(
    conn: &mut Tx,
    table: SlugTable,
    base: &Slug,
) -> Result<Slug, StoreError> {
    let sql = match table {
        SlugTable::Posts => "SELECT id FROM posts WHERE slug = ?",
        SlugTable::Users => "SELECT id FROM users WHERE slug = ?",
    };
    let mut candidate = base.clone();
    for n in 2..10_000 {
        let taken: Option<i64> = query(sql)
            .bind(candidate.as_str())
            .scalar_optional(&mut *conn)
            .await?;
        if taken.is_none() {
            return Ok(candidate);
        }
        candidate = base.with_suffix(n);
    }
    Err(StoreError::Conflict { field: "slug" })
}

/// Inserts a new post or page with what goes with it (tags, search entry, revision);
/// [`Store::create_post`] and the importers' [`Store::import_post`] share it.
pub(crate) async fn insert_post(
    tx: &mut Tx,
    input: &PostInput,
    slug: &str,
    rendered: &folio_core::Rendered,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let id: i64 = query(
        "INSERT INTO posts (kind, title, slug, markdown, html, plain_text, word_count, excerpt, custom_excerpt,
            feature_image, feature_image_alt, status, published_at, created_at, updated_at, author_id,
            seo_title, seo_description, canonical_url)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(input.kind.as_str())
    .bind(input.title.as_str())
    .bind(slug)
    .bind(&input.markdown)
    .bind(rendered.html.as_str())
    .bind(&rendered.text)
    .bind(word_count(&rendered.text))
    .bind(effective_excerpt(&input.custom_excerpt, &rendered.text))
    .bind(&input.custom_excerpt)
    .bind(&input.feature_image)
    .bind(&input.feature_image_alt)
    .bind(input.status.as_str())
    .bind(input.published_at.map(trunc))
    .bind(trunc(created_at))
    .bind(trunc(updated_at))
    .bind(input.author_id)
    .bind(&input.seo_title)
    .bind(&input.seo_description)
    .bind(&input.canonical_url)
    .insert_returning_id(&mut *tx)
    .await
    .map_err(StoreError::from)
    .map_err(|e| on_foreign_key(e, "author"))?;
    finish_save(tx, id, input, slug, &rendered.text).await?;
    Ok(id)
}

/// The parts of a save shared by create and update: tags, search index, redirects.
async fn finish_save(
    conn: &mut Tx,
    id: i64,
    input: &PostInput,
    slug: &str,
    text: &str,
) -> Result<(), StoreError> {
    let public = input.status == PostStatus::Published;
    let public_at = (public && input.kind == PostKind::Post)
        .then_some(input.published_at.map(trunc))
        .flatten();

    query("DELETE FROM post_tags WHERE post_id = ?")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let mut seen = Vec::new();
    for (position, name) in input.tags.iter().enumerate() {
        let tag_slug = Slug::derive(name.as_str(), "tag");
        if seen.contains(&tag_slug) {
            continue;
        }
        let ignore = conn.backend().ignore_duplicate("slug");
        query(format!(
            "INSERT INTO tags (name, slug) VALUES (?, ?){ignore}"
        ))
        .bind(name.as_str())
        .bind(tag_slug.as_str())
        .execute(&mut *conn)
        .await?;
        let tag_id: i64 = query("SELECT id FROM tags WHERE slug = ?")
            .bind(tag_slug.as_str())
            .scalar(&mut *conn)
            .await?;
        query("INSERT INTO post_tags (post_id, tag_id, position, public_at) VALUES (?, ?, ?, ?)")
            .bind(id)
            .bind(tag_id)
            .bind(position as i64)
            .bind(public_at)
            .execute(&mut *conn)
            .await?;
        seen.push(tag_slug);
    }

    crate::search::index_post(conn, id, public.then_some((input.title.as_str(), text))).await?;
    crate::revisions::record(
        conn,
        id,
        input.title.as_str(),
        &input.markdown,
        input.saved_by,
        &input.revision_note,
    )
    .await?;
    // The path now belongs to this post: an old redirect from it would shadow nothing,
    // but would point readers elsewhere once this post is unpublished.
    query("DELETE FROM redirects WHERE from_slug = ?")
        .bind(slug)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips() {
        let c = Cursor {
            published_at: now(),
            id: 42,
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("not a cursor"), None);
        assert_eq!(Cursor::decode(""), None);
    }

    #[test]
    fn fts_queries_quote_every_word() {
        assert_eq!(
            fts5_query("hello world").as_deref(),
            Some("\"hello\" \"world\"*")
        );
        assert_eq!(
            fts5_query("title:x OR \"y").as_deref(),
            Some("\"title\" \"x\" \"OR\" \"y\"*")
        );
        assert_eq!(fts5_query("  !!  "), None);
        assert_eq!(tsquery("Rust & async:*").as_deref(), Some("Rust & async:*"));
        assert_eq!(
            innodb_query("the Rust of ASYNC").as_deref(),
            Some("+rust +async*")
        );
        assert_eq!(innodb_query("to be"), None);
    }
}
