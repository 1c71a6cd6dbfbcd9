//! Uploaded images between HTTP and storage: an upload is processed off the async
//! threads (`folio_media::process`), its files written to the media store, then its
//! library entry recorded; `/media/<key>` serves the files.
//!
//! The API (`api::media`) and the admin library (`admin::media`) both go through
//! [`Media::upload`] and [`Media::remove`], so the rules and the order of the steps live
//! here once.

use crate::{AppState, PageError};
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use chrono::Datelike;
use folio_media::{LocalStore, MediaError, MediaKey, MediaStore, YearMonth};
use folio_store::{MediaRendition, NewMedia, Store, StoreError};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// A year: file names are content hashes, so a name always means the same bytes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Longest uploader's file name kept for display.
const MAX_NAME_CHARS: usize = 200;

/// The media store and the rules of uploading to it.
pub struct Media {
    files: Arc<dyn MediaStore>,
    limits: folio_media::Limits,
    /// Decoding a large image holds up to a few hundred megabytes: one at a time per
    /// CPU, and the rest wait.
    processing: Semaphore,
}

/// An image on its way in.
pub struct Upload {
    pub bytes: Bytes,
    /// The uploader's file name; shown in the library, never used to store anything.
    pub original_name: String,
    pub alt: String,
    pub uploaded_by: i64,
}

/// Why an upload or a removal failed. The messages of client errors are for the
/// writer and are shown as they are.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the file is larger than the upload limit of {}", folio_media::describe_limit(*limit))]
    TooLarge { limit: u64 },
    #[error("no file was sent: send the image as a multipart/form-data field named `file`")]
    NoFile,
    #[error("the upload could not be read: {0}")]
    Malformed(String),
    #[error(transparent)]
    Media(#[from] MediaError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl UploadError {
    pub fn status(&self) -> StatusCode {
        match self {
            UploadError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            UploadError::NoFile => StatusCode::UNPROCESSABLE_ENTITY,
            UploadError::Malformed(_) => StatusCode::BAD_REQUEST,
            UploadError::Media(e) => {
                StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
            UploadError::Store(StoreError::NotFound) => StatusCode::NOT_FOUND,
            UploadError::Store(e) if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            UploadError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What to tell the writer: the message itself for their mistakes (and a full
    /// disk, which they can report), a generic sentence for the rest, which is logged.
    pub fn public_message(&self) -> String {
        let status = self.status();
        if status.is_client_error() || status == StatusCode::INSUFFICIENT_STORAGE {
            return self.to_string();
        }
        tracing::error!(error = ?self, "upload failed");
        if status == StatusCode::SERVICE_UNAVAILABLE {
            "the database is unavailable; nothing was saved, try again shortly".into()
        } else {
            "the image could not be stored because of an error on our side; it has been logged"
                .into()
        }
    }
}

/// The parts of a multipart upload form: the file, and the other fields as text.
pub struct UploadForm {
    pub file: Option<(String, Bytes)>,
    pub fields: std::collections::HashMap<String, String>,
}

impl UploadForm {
    pub fn field(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }

    /// Reads the form, stopping as soon as the file passes `max_bytes` (the route
    /// has no other body limit), so an oversized upload is refused without being
    /// read to its end. Text fields are capped at 64 KB together.
    pub async fn read(mut multipart: Multipart, max_bytes: u64) -> Result<UploadForm, UploadError> {
        const MAX_TEXT: usize = 64 * 1024;
        let malformed =
            |e: axum::extract::multipart::MultipartError| UploadError::Malformed(e.body_text());
        let mut form = UploadForm {
            file: None,
            fields: Default::default(),
        };
        let mut text_bytes = 0;
        while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "file" && field.file_name().is_some() {
                let file_name = field.file_name().unwrap_or_default().to_owned();
                let mut bytes = bytes::BytesMut::new();
                while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                    if (bytes.len() + chunk.len()) as u64 > max_bytes {
                        return Err(UploadError::TooLarge { limit: max_bytes });
                    }
                    bytes.extend_from_slice(&chunk);
                }
                // A file input left empty still sends a part, with no name and no bytes.
                if !bytes.is_empty() || !file_name.is_empty() {
                    form.file = Some((file_name, bytes.freeze()));
                }
            } else {
                let value = field.text().await.map_err(malformed)?;
                text_bytes += value.len();
                if text_bytes > MAX_TEXT {
                    return Err(UploadError::Malformed(
                        "the form's text fields are too long".into(),
                    ));
                }
                form.fields.insert(name, value);
            }
        }
        Ok(form)
    }
}

impl Media {
    pub fn new(config: &crate::WebConfig) -> Media {
        let limits = folio_media::Limits {
            max_bytes: config.media_max_bytes,
            ..Default::default()
        };
        let permits = std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1);
        Media {
            files: Arc::new(LocalStore::new(config.media_dir.clone())),
            limits,
            processing: Semaphore::new(permits),
        }
    }

    /// The largest upload, in bytes.
    pub fn max_bytes(&self) -> u64 {
        self.limits.max_bytes
    }

    /// The request body limit for upload routes: the file and a little for the form.
    pub fn body_limit(&self) -> usize {
        usize::try_from(self.limits.max_bytes.saturating_add(64 * 1024)).unwrap_or(usize::MAX)
    }

    pub fn files(&self) -> &Arc<dyn MediaStore> {
        &self.files
    }

    /// Checks, re-encodes and stores an image, then records it in the library. Returns
    /// the entry and whether it is new (the same image uploaded again is one entry).
    /// Files are written before the row, so a row never names a missing file; a failure
    /// between the two leaves only unreferenced, content-named files.
    pub async fn upload(
        &self,
        store: &Store,
        upload: Upload,
    ) -> Result<(folio_store::Media, bool), UploadError> {
        let processed = {
            let _permit = self
                .processing
                .acquire()
                .await
                .map_err(|_| UploadError::Malformed("the server is stopping".into()))?;
            let limits = self.limits.clone();
            let bytes = upload.bytes;
            tokio::task::spawn_blocking(move || folio_media::process(&bytes, &limits))
                .await
                .map_err(|e| MediaError::Encode {
                    kind: folio_media::ImageKind::Png,
                    source: Box::new(e),
                })??
        };
        let today = folio_store::now();
        let when = YearMonth::new(today.year(), today.month())
            .unwrap_or_else(|| unreachable!("a real date"));
        // The original last: once it is there, every rendition it lists is.
        for rendition in processed
            .variants
            .iter()
            .chain(std::iter::once(&processed.original))
        {
            self.files
                .put(
                    &processed.key_for(rendition, when),
                    rendition.bytes.clone(),
                    rendition.mime,
                )
                .await?;
        }
        let renditions = processed
            .renditions()
            .map(|r| MediaRendition {
                key: processed.key_for(r, when).to_string(),
                mime: r.mime.to_owned(),
                width: r.width,
                height: r.height,
                bytes: r.bytes.len() as u64,
            })
            .collect();
        let original_key = processed.key_for(&processed.original, when);
        let new = NewMedia {
            storage_key: original_key.to_string(),
            mime: processed.original.mime.to_owned(),
            width: processed.width,
            height: processed.height,
            byte_size: processed.original.bytes.len() as u64,
            renditions,
            original_name: display_name(&upload.original_name),
            alt: upload.alt.trim().chars().take(1000).collect(),
            uploaded_by: Some(upload.uploaded_by),
        };
        Ok(store.add_media(new).await?)
    }

    /// Removes an entry from the library, then its files. Pages that still show the
    /// image lose it; the library says how many use it before anyone deletes it.
    pub async fn remove(
        &self,
        store: &Store,
        media: &folio_store::Media,
    ) -> Result<(), UploadError> {
        store.delete_media(media.id).await?;
        for rendition in &media.renditions {
            match MediaKey::parse(&rendition.key) {
                Ok(key) => {
                    if let Err(err) = self.files.delete(&key).await {
                        tracing::warn!(error = %err, key = %key, "could not delete a media file; it is orphaned");
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, key = %rendition.key, "a media entry named an invalid file")
                }
            }
        }
        Ok(())
    }
}

/// The uploader's file name as shown: its last path segment, no control characters,
/// at most 200 characters.
fn display_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    last.chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect::<String>()
        .trim()
        .to_owned()
}

pub fn router() -> Router<AppState> {
    Router::new().route("/media/{*key}", get(serve_file))
}

/// A stored file, with the type its name says (Folio made the name from the sniffed
/// type), cached for a year, and never sniffed as anything else.
async fn serve_file(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let key = MediaKey::parse(&key).map_err(|_| PageError::NotFound)?;
    let kind = key.kind().ok_or(PageError::NotFound)?;
    let etag = format!("\"{}\"", key.as_str().replace('/', "-"));
    let cached = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let etag = HeaderValue::from_str(&etag).map_err(|_| PageError::NotFound)?;
    let immutable = HeaderValue::from_static(IMMUTABLE);
    if cached {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, immutable)],
        )
            .into_response());
    }
    match state.media().files().get(&key).await {
        Ok(Some(bytes)) => Ok((
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(kind.mime())),
                (header::CACHE_CONTROL, immutable),
                (header::ETAG, etag),
            ],
            bytes,
        )
            .into_response()),
        Ok(None) => Err(PageError::NotFound),
        Err(err) => {
            tracing::error!(error = ?err, key = %key, "could not read a media file");
            Err(PageError::Internal)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::display_name;

    #[test]
    fn display_names_lose_paths_and_controls() {
        assert_eq!(display_name("C:\\Users\\me\\cat.png"), "cat.png");
        assert_eq!(display_name("../../etc/passwd"), "passwd");
        assert_eq!(display_name("a\u{0}b\nc.png"), "abc.png");
        assert_eq!(display_name(&"x".repeat(500)).len(), 200);
    }
}
