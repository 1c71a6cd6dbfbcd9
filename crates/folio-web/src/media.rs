//! Uploads over HTTP: the multipart form both upload routes read, and `/media/<key>`,
//! which serves the files. Storing them is `folio_app::media`'s.

use crate::{AppState, Error};
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use folio_app::UploadError;
use folio_media::{ByteRange, MediaKey};

/// A year: file names are content hashes, so a name always means the same bytes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

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

pub fn router() -> Router<AppState> {
    Router::new().route("/media/{*key}", get(serve_file))
}

/// A stored file, with the type its name says (Folio made the name from the sniffed
/// type), cached for a year, and never sniffed as anything else. A download (a PDF,
/// audio, an archive) is an attachment under its own name, and sandboxed should a
/// browser render it anyway: nothing uploaded runs as a page of the site.
async fn serve_file(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let key = MediaKey::parse(&key).map_err(|_| Error::not_found("page"))?;
    let kind = key.kind().ok_or(Error::not_found("page"))?;
    let etag = format!("\"{}\"", key.as_str().replace('/', "-"));
    let cached = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let etag = HeaderValue::from_str(&etag).map_err(|_| Error::not_found("page"))?;
    let immutable = HeaderValue::from_static(IMMUTABLE);
    if cached {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, immutable)],
        )
            .into_response());
    }
    // A part of the file (players seek, downloads resume): one byte range, and only if
    // the file is still the one the client has (If-Range names this ETag; keys are
    // content-addressed, so it always is unless the client sends another).
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(ByteRange::parse)
        .filter(|_| {
            headers
                .get(header::IF_RANGE)
                .is_none_or(|v| v.as_bytes() == etag.as_bytes())
        });
    let files = state.media().files();
    let opened = match range {
        Some(range) => files.open_range(&key, range).await,
        None => files.open(&key).await,
    };
    match opened {
        Ok(Some(body)) if range.is_some() && body.len == 0 => Ok((
            StatusCode::RANGE_NOT_SATISFIABLE,
            [
                (header::CONTENT_RANGE, format!("bytes */{}", body.total)),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
        )
            .into_response()),
        Ok(Some(body)) => {
            let status = if range.is_some() {
                StatusCode::PARTIAL_CONTENT
            } else {
                StatusCode::OK
            };
            let mut response = (
                status,
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static(kind.mime())),
                    (header::CACHE_CONTROL, immutable),
                    (header::ETAG, etag),
                    (header::CONTENT_LENGTH, HeaderValue::from(body.len)),
                    (header::ACCEPT_RANGES, HeaderValue::from_static("bytes")),
                ],
                axum::body::Body::from_stream(body.chunks),
            )
                .into_response();
            if range.is_some() {
                let value = format!(
                    "bytes {}-{}/{}",
                    body.start,
                    body.start + body.len - 1,
                    body.total
                );
                if let Ok(value) = HeaderValue::from_str(&value) {
                    response.headers_mut().insert(header::CONTENT_RANGE, value);
                }
            }
            if !kind.is_image() {
                let headers = response.headers_mut();
                // The name is [a-z0-9.-] only (MediaKey), so it needs no quoting rules.
                let disposition = format!("attachment; filename=\"{}\"", key.download_name());
                if let Ok(value) = HeaderValue::from_str(&disposition) {
                    headers.insert(header::CONTENT_DISPOSITION, value);
                }
                headers.insert(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static("sandbox; default-src 'none'"),
                );
            }
            Ok(response)
        }
        Ok(None) => Err(Error::not_found("page")),
        // The store is away (an object store that cannot be reached): the file is not
        // gone, so not a 404 that a cache or a crawler would remember.
        Err(err) if err.status_code() == 503 => {
            tracing::error!(error = %err, key = %key, "could not read a media file");
            Err(Error::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "the media storage cannot be reached right now; try again in a moment",
            ))
        }
        Err(err) => {
            tracing::error!(error = ?err, key = %key, "could not read a media file");
            Err(Error::internal())
        }
    }
}
