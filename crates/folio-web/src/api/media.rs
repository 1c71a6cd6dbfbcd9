//! The media library through the API: upload an image (multipart), list, read and
//! delete entries. Every role may upload; deleting is for one's own uploads, or
//! anyone's for owners, admins and editors.

use super::extract::ApiActor;
use crate::error::ErrorBody;
use crate::media::UploadForm;
use crate::{AppState, Error};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use folio_app::UploadError;
use folio_store::Media;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One stored file of an image.
#[derive(Serialize, ToSchema)]
pub struct RenditionOut {
    pub url: String,
    pub mime: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
}

/// An entry of the media library.
#[derive(Serialize, ToSchema)]
pub struct MediaOut {
    pub id: i64,
    /// Where the file is served; use an image's in Markdown or as a feature image, a
    /// download's as a link.
    pub url: String,
    /// `image`, or `file` for a download (a PDF, audio, video, an archive), which has no
    /// dimensions, no `srcset` and one rendition, itself.
    #[schema(example = "image")]
    pub kind: &'static str,
    pub mime: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub alt: String,
    /// The uploaded file's name, for display only.
    pub original_name: String,
    pub uploaded_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// `srcset` in the image's own type, narrowest first.
    pub srcset: String,
    /// `srcset` of the WebP copies, when there are any.
    pub webp_srcset: Option<String>,
    /// Markdown that shows the image, `![alt](url)`, or links to the download,
    /// `[name](url)`.
    pub markdown: String,
    pub renditions: Vec<RenditionOut>,
}

#[derive(Serialize, ToSchema)]
pub struct MediaList {
    pub media: Vec<MediaOut>,
}

/// The multipart form of an upload.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MediaUpload {
    /// The image (JPEG, PNG, GIF or WebP) or download (PDF, audio, video, an archive),
    /// judged by its content.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// An image's description for readers who cannot see it; a download's link text.
    alt: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct MediaQuery {
    /// Only ids below this one (paging).
    before: Option<i64>,
    /// 1 to 100 (default 50).
    limit: Option<u32>,
}

pub fn media_out(media: &Media) -> MediaOut {
    let set = media.image_set();
    let image = media.is_image();
    MediaOut {
        id: media.id,
        url: media.url.clone(),
        kind: if image { "image" } else { "file" },
        mime: media.mime.clone(),
        width: media.width,
        height: media.height,
        bytes: media.byte_size,
        alt: media.alt.clone(),
        original_name: media.original_name.clone(),
        uploaded_by: media.uploaded_by,
        created_at: media.created_at,
        srcset: if image { set.srcset } else { String::new() },
        webp_srcset: set.webp_srcset.filter(|_| image),
        markdown: markdown_for(media),
        renditions: media
            .renditions
            .iter()
            .map(|r| RenditionOut {
                url: r.url(),
                mime: r.mime.clone(),
                width: r.width,
                height: r.height,
                bytes: r.bytes,
            })
            .collect(),
    }
}

/// `![alt](url)` for an image, `[name](url)` for a download (its description, or the
/// uploaded file's name), with the characters that would end the text escaped.
pub fn markdown_for(media: &Media) -> String {
    let text = if media.is_image() || !media.alt.is_empty() {
        media.alt.clone()
    } else if !media.original_name.is_empty() {
        media.original_name.clone()
    } else {
        folio_media::MediaKey::parse(&media.storage_key)
            .map(|key| key.download_name().to_owned())
            .unwrap_or_else(|_| "download".into())
    };
    let text: String = text
        .chars()
        .flat_map(|c| {
            if matches!(c, '[' | ']' | '\\') {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect();
    let bang = if media.is_image() { "!" } else { "" };
    format!("{bang}[{text}]({})", media.url)
}

/// Uploads an image or a download. The type is judged by the content. An image (JPEG,
/// PNG, GIF, WebP) is re-encoded (metadata such as GPS position is dropped) and stored
/// under a name Folio makes, with narrower copies and WebP where that is smaller. A
/// download (PDF, MP3, Ogg, FLAC, WAV, M4A, MP4, QuickTime, WebM, ZIP and the office
/// and e-book formats built on it, gzip, 7-Zip) is stored as it is and served as an
/// attachment. Anything else is refused with 415. The same file uploaded again answers
/// 200 with the existing entry.
#[utoipa::path(post, path = "/api/v1/admin/media", tag = "admin", security(("token" = [])),
    request_body(content = MediaUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = MediaOut), (status = 200, body = MediaOut, description = "already in the library"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 507, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    multipart: Multipart,
) -> Result<(StatusCode, Json<MediaOut>), Error> {
    let form = UploadForm::read(multipart, state.media().max_bytes())
        .await
        .map_err(folio_app::Error::from)?;
    let (original_name, bytes) = form
        .file
        .clone()
        .ok_or(folio_app::Error::Upload(UploadError::NoFile))?;
    let alt = form.field("alt").to_owned();
    let (media, created) = state
        .app()
        .upload_media(&actor, bytes, original_name, alt)
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(media_out(&media))))
}

/// The media library, newest first.
#[utoipa::path(get, path = "/api/v1/admin/media", tag = "admin", params(MediaQuery), security(("token" = [])),
    responses((status = 200, body = MediaList), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiActor(_): ApiActor,
    Query(q): Query<MediaQuery>,
) -> Result<Json<MediaList>, Error> {
    let limit = q.limit.unwrap_or(50).clamp(1, 100);
    let media = state.store().list_media(q.before, limit).await?;
    Ok(Json(MediaList {
        media: media.iter().map(media_out).collect(),
    }))
}

/// One entry of the media library.
#[utoipa::path(get, path = "/api/v1/admin/media/{id}", tag = "admin", params(("id" = i64, Path)), security(("token" = [])),
    responses((status = 200, body = MediaOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiActor(_): ApiActor,
    Path(id): Path<i64>,
) -> Result<Json<MediaOut>, Error> {
    let media = state
        .store()
        .media_by_id(id)
        .await
        .map_err(folio_app::Error::not_found("media"))?;
    Ok(Json(media_out(&media)))
}

/// Deletes an entry and its files. Posts that show the image lose it.
#[utoipa::path(delete, path = "/api/v1/admin/media/{id}", tag = "admin", params(("id" = i64, Path)), security(("token" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> Result<StatusCode, Error> {
    state.app().delete_media(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
