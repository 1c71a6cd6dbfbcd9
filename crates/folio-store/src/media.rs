//! The media library's rows: which stored files make up one uploaded image, its size,
//! who uploaded it, and which of them pages may offer through `srcset`.
//!
//! The files are not here: the web layer writes them to a `folio_media::MediaStore`
//! first and records them here after, so a row never names a file that was not
//! written. An identical upload finds the existing row instead of adding one.

use crate::db::{like_pattern, query, Row, Tx};
use crate::{now, Store, StoreError};
use chrono::{DateTime, Utc};
use folio_core::{ImageSet, ImageSets};
use serde::{Deserialize, Serialize};

/// Where every stored file is served from: `/media/<key>`.
pub const MEDIA_PREFIX: &str = "/media/";

/// One stored file of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaRendition {
    pub key: String,
    pub mime: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
}

impl MediaRendition {
    pub fn url(&self) -> String {
        format!("{MEDIA_PREFIX}{}", self.key)
    }
}

/// An entry of the media library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    pub id: i64,
    /// The original's key in the media store.
    pub storage_key: String,
    /// `/media/<storage_key>`: what posts and feature images refer to.
    pub url: String,
    pub mime: String,
    pub width: u32,
    pub height: u32,
    pub byte_size: u64,
    /// Every stored file, the original first.
    pub renditions: Vec<MediaRendition>,
    /// The uploader's file name, for display only.
    pub original_name: String,
    pub alt: String,
    pub uploaded_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl Media {
    /// Whether the entry is an image; the others are downloads (a PDF, audio, an
    /// archive): one file, no dimensions, linked to rather than shown.
    pub fn is_image(&self) -> bool {
        self.mime.starts_with("image/")
    }

    /// The `srcset`s for this image (see [`image_set`]).
    pub fn image_set(&self) -> ImageSet {
        image_set(&self.mime, self.width, self.height, &self.renditions)
    }

    /// The entry as it would be uploaded again (for import).
    pub fn to_new(&self) -> NewMedia {
        NewMedia {
            storage_key: self.storage_key.clone(),
            mime: self.mime.clone(),
            width: self.width,
            height: self.height,
            byte_size: self.byte_size,
            renditions: self.renditions.clone(),
            original_name: self.original_name.clone(),
            alt: self.alt.clone(),
            uploaded_by: self.uploaded_by,
        }
    }

    /// The narrowest rendition in the original's type: the library's thumbnail.
    pub fn thumbnail(&self) -> &MediaRendition {
        self.renditions
            .iter()
            .filter(|r| r.mime == self.mime)
            .min_by_key(|r| r.width)
            .or(self.renditions.first())
            .unwrap_or_else(|| unreachable!("an entry always has its original"))
    }
}

/// The `srcset`s of an image of type `mime` stored as `renditions`: one in its own
/// type, one in WebP when there are WebP copies. Widths ascend; the original is a
/// candidate like the others.
pub fn image_set(mime: &str, width: u32, height: u32, renditions: &[MediaRendition]) -> ImageSet {
    let srcset_of = |mime: &str| {
        let mut candidates: Vec<&MediaRendition> =
            renditions.iter().filter(|r| r.mime == mime).collect();
        candidates.sort_by_key(|r| r.width);
        candidates
            .iter()
            .map(|r| format!("{} {}w", r.url(), r.width))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let webp = srcset_of("image/webp");
    ImageSet {
        width,
        height,
        srcset: srcset_of(mime),
        webp_srcset: (!webp.is_empty() && mime != "image/webp").then_some(webp),
    }
}

/// A new entry: files already stored.
#[derive(Debug, Clone)]
pub struct NewMedia {
    pub storage_key: String,
    pub mime: String,
    pub width: u32,
    pub height: u32,
    pub byte_size: u64,
    pub renditions: Vec<MediaRendition>,
    pub original_name: String,
    pub alt: String,
    pub uploaded_by: Option<i64>,
}

const MEDIA_COLUMNS: &str =
    "id, storage_key, url, mime, width, height, byte_size, renditions, original_name, alt, uploaded_by, created_at";

fn media_from_row(row: &Row) -> Result<Media, StoreError> {
    let renditions: String = row.try_get("renditions")?;
    let number = |column: &str| -> Result<u64, StoreError> {
        let n: i64 = row.try_get(column)?;
        u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("media {column} is negative")))
    };
    let dimension = |column: &str| -> Result<u32, StoreError> {
        u32::try_from(number(column)?)
            .map_err(|_| StoreError::Corrupt(format!("media {column} is too large")))
    };
    Ok(Media {
        id: row.try_get("id")?,
        storage_key: row.try_get("storage_key")?,
        url: row.try_get("url")?,
        mime: row.try_get("mime")?,
        width: dimension("width")?,
        height: dimension("height")?,
        byte_size: number("byte_size")?,
        renditions: serde_json::from_str(&renditions)
            .map_err(|e| StoreError::Corrupt(format!("media renditions: {e}")))?,
        original_name: row.try_get("original_name")?,
        alt: row.try_get("alt")?,
        uploaded_by: row.try_get("uploaded_by")?,
        created_at: row.try_get("created_at")?,
    })
}

/// The media URLs a Markdown source mentions (`/media/` followed by a key's
/// characters), in order, without repeats.
pub fn media_urls_in(text: &str) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(MEDIA_PREFIX) {
        let tail = &rest[at + MEDIA_PREFIX.len()..];
        let len = tail
            .find(|c: char| !matches!(c, 'a'..='z' | '0'..='9' | '/' | '.' | '-'))
            .unwrap_or(tail.len());
        let url = format!("{MEDIA_PREFIX}{}", tail[..len].trim_end_matches('.'));
        if !url.ends_with('/') && !urls.contains(&url) {
            urls.push(url);
        }
        rest = &tail[len..];
    }
    urls
}

/// Inserts a library row unless its key is there already; `id` is chosen by the
/// database when `None`. Returns whether a row was added.
pub(crate) async fn insert_media(
    conn: &mut Tx,
    id: Option<i64>,
    new: &NewMedia,
    created_at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let exists: Option<i64> = query("SELECT id FROM media WHERE storage_key = ?")
        .bind(&new.storage_key)
        .scalar_optional(&mut *conn)
        .await?;
    if exists.is_some() {
        return Ok(false);
    }
    let renditions =
        serde_json::to_string(&new.renditions).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    // An identity column takes the database's number only when left out.
    let mut q = query("INSERT INTO media (");
    if id.is_some() {
        q.push("id, ");
    }
    q.push("storage_key, url, mime, width, height, byte_size, renditions, original_name, alt, uploaded_by, created_at) VALUES (");
    if let Some(id) = id {
        q.push_bind(id).push(", ");
    }
    q.push("?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    q.bind(&new.storage_key)
        .bind(format!("{MEDIA_PREFIX}{}", new.storage_key))
        .bind(&new.mime)
        .bind(i64::from(new.width))
        .bind(i64::from(new.height))
        .bind(i64::try_from(new.byte_size).unwrap_or(i64::MAX))
        .bind(renditions)
        .bind(&new.original_name)
        .bind(&new.alt)
        .bind(new.uploaded_by)
        .bind(created_at)
        .execute(conn)
        .await?;
    Ok(true)
}

impl Store {
    /// Records an uploaded image. When the same image is already in the library
    /// (same content, same month, so the same key), returns that entry and `false`.
    pub async fn add_media(&self, new: NewMedia) -> Result<(Media, bool), StoreError> {
        let mut tx = self.primary().begin().await?;
        let inserted = insert_media(&mut tx, None, &new, now()).await?;
        tx.commit().await?;
        let media = self
            .media_by_url(&format!("{MEDIA_PREFIX}{}", new.storage_key))
            .await?;
        Ok((media, inserted))
    }

    pub async fn media_by_id(&self, id: i64) -> Result<Media, StoreError> {
        let row = query(format!("SELECT {MEDIA_COLUMNS} FROM media WHERE id = ?"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        media_from_row(&row)
    }

    pub async fn media_by_url(&self, url: &str) -> Result<Media, StoreError> {
        let row = query(format!("SELECT {MEDIA_COLUMNS} FROM media WHERE url = ?"))
            .bind(url)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        media_from_row(&row)
    }

    /// The library, newest first, `limit` entries with ids below `before_id`.
    pub async fn list_media(
        &self,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Media>, StoreError> {
        let rows = query(format!(
            "SELECT {MEDIA_COLUMNS} FROM media WHERE id < ? ORDER BY id DESC LIMIT ?"
        ))
        .bind(before_id.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(media_from_row).collect()
    }

    /// The image sets of those `urls` that are in the library, by URL. URLs may be
    /// absolute (`https://blog.example/media/…`) or site paths; the map is keyed by what
    /// was asked.
    pub async fn image_sets<S: AsRef<str>>(&self, urls: &[S]) -> Result<ImageSets, StoreError> {
        let paths: Vec<(&str, &str)> = urls
            .iter()
            .map(AsRef::as_ref)
            .filter_map(|u| u.find(MEDIA_PREFIX).map(|at| (u, &u[at..])))
            .collect();
        let mut sets = ImageSets::new();
        if paths.is_empty() {
            return Ok(sets);
        }
        let mut q = query(format!("SELECT {MEDIA_COLUMNS} FROM media WHERE url IN ("));
        q.push_list(paths.iter().map(|(_, path)| *path)).push(")");
        let found: Vec<Media> = q
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(media_from_row)
            .collect::<Result<_, _>>()?;
        for (asked, path) in paths {
            if let Some(media) = found.iter().find(|m| m.url == path && m.is_image()) {
                sets.insert(asked.to_owned(), media.image_set());
            }
        }
        Ok(sets)
    }

    /// How many posts and pages use this URL, in their text or as feature image.
    pub async fn media_usage(&self, url: &str) -> Result<i64, StoreError> {
        Ok(query(
            "SELECT COUNT(*) FROM posts WHERE feature_image = ? OR markdown LIKE ? ESCAPE '!'",
        )
        .bind(url)
        .bind(like_pattern(url))
        .scalar(self.pool())
        .await?)
    }

    /// Removes an entry (its files are the caller's to delete).
    pub async fn delete_media(&self, id: i64) -> Result<(), StoreError> {
        let deleted = query("DELETE FROM media WHERE id = ?")
            .bind(id)
            .execute(self.pool())
            .await?;
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::media_urls_in;

    #[test]
    fn finds_media_urls_in_markdown() {
        let md =
            "![a](/media/2026/11/ab12.png) and [link](https://x.example/media/2026/11/cd.webp). \
                  Again /media/2026/11/ab12.png, and /media/ alone; /media/2026/11/EF.png";
        assert_eq!(
            media_urls_in(md),
            vec!["/media/2026/11/ab12.png", "/media/2026/11/cd.webp"]
        );
    }
}
