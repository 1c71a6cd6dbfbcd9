//! The media library at `/admin/media`: upload (a plain form post, or the editor's
//! script asking for JSON), browse, and delete images and downloads. Uploads go through
//! [`crate::media::Media::upload`], the same path as the API's.

use super::auth::{page, AdminSession, AdminView, Flash};
use super::guard::{CsrfForm, CsrfUpload, NoFields};
use crate::api::media::{markdown_for, media_out};
use crate::AppState;
use crate::Error;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use folio_app::UploadError;
use folio_store::Media;
use serde::{Deserialize, Serialize};

/// Entries per page of the library.
const PAGE_SIZE: u32 = 48;

#[derive(Serialize)]
pub struct MediaItem {
    id: i64,
    url: String,
    /// A download (a PDF, audio, an archive) shows its type instead of a thumbnail.
    is_file: bool,
    /// The type of a download, as a writer knows it ("PDF").
    file_type: String,
    thumb_url: String,
    thumb_width: u32,
    thumb_height: u32,
    name: String,
    alt: String,
    markdown: String,
    dimensions: String,
    size: String,
    uploaded: String,
    delete_url: String,
    can_delete: bool,
}

pub fn media_item(media: &Media, signed_in: &AdminSession) -> MediaItem {
    let thumb = media.thumbnail();
    let kind = folio_media::MediaKey::parse(&media.storage_key)
        .ok()
        .and_then(|key| key.kind());
    MediaItem {
        id: media.id,
        url: media.url.clone(),
        is_file: !media.is_image(),
        file_type: match kind {
            Some(folio_media::MediaKind::File(kind)) => kind.name().to_owned(),
            _ => media.mime.clone(),
        },
        thumb_url: thumb.url(),
        thumb_width: thumb.width,
        thumb_height: thumb.height,
        name: if media.original_name.is_empty() {
            media
                .storage_key
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned()
        } else {
            media.original_name.clone()
        },
        alt: media.alt.clone(),
        markdown: markdown_for(media),
        dimensions: if media.is_image() {
            format!("{} × {}", media.width, media.height)
        } else {
            String::new()
        },
        size: folio_media::describe_limit(media.byte_size),
        uploaded: media.created_at.format("%-d %b %Y").to_string(),
        delete_url: format!("/admin/media/{}/delete", media.id),
        can_delete: signed_in.actor.may_delete_media(media.uploaded_by),
    }
}

#[derive(Serialize)]
struct LibraryPage {
    admin: AdminView,
    items: Vec<MediaItem>,
    next_url: Option<String>,
    max_size: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct LibraryQuery {
    before: Option<i64>,
    m: Option<String>,
}

async fn library(
    state: &AppState,
    signed_in: &AdminSession,
    before: Option<i64>,
    flash: Option<Flash>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, Error> {
    let entries = state.store().list_media(before, PAGE_SIZE).await?;
    let next_url = (entries.len() == PAGE_SIZE as usize)
        .then(|| {
            entries
                .last()
                .map(|m| format!("/admin/media?before={}", m.id))
        })
        .flatten();
    let (status, error) = match error {
        Some((status, message)) => (status, Some(message)),
        None => (StatusCode::OK, None),
    };
    let context = LibraryPage {
        admin: AdminView::of(state, signed_in, "media", flash).await,
        items: entries.iter().map(|m| media_item(m, signed_in)).collect(),
        next_url,
        max_size: folio_media::describe_limit(state.media().max_bytes()),
        error,
    };
    page(status, "media.html", &context)
}

pub async fn list(
    State(state): State<AppState>,
    signed_in: AdminSession,
    Query(q): Query<LibraryQuery>,
) -> Result<Response, Error> {
    let flash = match q.m.as_deref() {
        Some("uploaded") => Some(Flash {
            kind: "ok",
            message: "Uploaded.".into(),
        }),
        Some("exists") => Some(Flash {
            kind: "ok",
            message: "That file was already in the library.".into(),
        }),
        Some("deleted") => Some(Flash {
            kind: "ok",
            message: "Deleted.".into(),
        }),
        _ => None,
    };
    library(&state, &signed_in, q.before, flash, None).await
}

/// Whether the editor's script sent this (it asks for JSON); a plain form post gets a page.
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// An upload failure: JSON `{"error": {"message"}}` for the script, or the library page
/// with the message, with the same status either way.
async fn refuse(
    state: &AppState,
    signed_in: &AdminSession,
    json: bool,
    err: impl Into<folio_app::Error>,
) -> Result<Response, Error> {
    let err = crate::Error::from(err.into());
    if json {
        return Ok(err.into_response());
    }
    let message = err.fields.get("file").unwrap_or(&err.message);
    let message = format!("The file was not uploaded: {message}.");
    library(state, signed_in, None, None, Some((err.status, message))).await
}

pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    CsrfUpload { signed_in, form }: CsrfUpload,
) -> Result<Response, Error> {
    let json = wants_json(&headers);
    let form = match form {
        Ok(form) => form,
        Err(err) => return refuse(&state, &signed_in, json, err).await,
    };
    let Some((original_name, bytes)) = form.file.clone() else {
        return refuse(&state, &signed_in, json, UploadError::NoFile).await;
    };
    let alt = form.field("alt").to_owned();
    let uploaded = state
        .app()
        .upload_media(&signed_in.actor, bytes, original_name, alt)
        .await;
    match uploaded {
        Ok((media, created)) if json => {
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok((status, Json(media_out(&media))).into_response())
        }
        Ok((_, created)) => Ok(Redirect::to(if created {
            "/admin/media?m=uploaded"
        } else {
            "/admin/media?m=exists"
        })
        .into_response()),
        Err(err) => refuse(&state, &signed_in, json, err).await,
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { signed_in, .. }: CsrfForm<NoFields>,
) -> Result<Response, Error> {
    match state.app().delete_media(&signed_in.actor, id).await {
        Ok(()) => Ok(Redirect::to("/admin/media?m=deleted").into_response()),
        Err(err @ folio_app::Error::Upload(_)) => refuse(&state, &signed_in, false, err).await,
        Err(err) => Err(err.into()),
    }
}
