//! Public reads: published content only, no authentication.

use super::output::{post_out, summary_out, tag_info_out, Audience, PostList, PostOut, TagList};
use crate::error::ErrorBody;
use crate::{AppState, Error};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use folio_store::Cursor;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// Only posts with this tag (its slug).
    tag: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Posts per page, 1 to 100 (default 10).
    limit: Option<u32>,
}

/// Published posts, newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/posts", tag = "public", params(ListQuery),
    responses((status = 200, body = PostList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_posts(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<PostList>, Error> {
    let cursor = match q.cursor.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(Cursor::decode(raw).ok_or_else(|| {
            Error::field(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "cursor",
                "is not a cursor this API gave out",
            )
        })?),
    };
    let limit = q.limit.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return Err(Error::field(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "limit",
            "must be between 1 and 100",
        ));
    }
    let listing = match q.tag.as_deref() {
        Some(slug) => {
            let tag = state
                .store()
                .tag_by_slug(slug)
                .await
                .map_err(|_| Error::not_found("tag"))?;
            state.store().list_tag(tag.id, cursor, limit).await?
        }
        None => state.store().list_home(cursor, limit).await?,
    };
    Ok(Json(PostList {
        posts: listing
            .posts
            .iter()
            .map(|p| summary_out(&state, p))
            .collect(),
        next_cursor: listing.next.map(|c| c.encode()),
    }))
}

/// One published post or page by its slug.
#[utoipa::path(get, path = "/api/v1/posts/{slug}", tag = "public", params(("slug" = String, Path)),
    responses((status = 200, body = PostOut), (status = 404, body = ErrorBody)))]
pub async fn get_post(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<PostOut>, Error> {
    let post = state
        .store()
        .public_post_by_slug(&slug)
        .await
        .map_err(|e| match e {
            folio_store::StoreError::NotFound => Error::not_found("post"),
            e => e.into(),
        })?;
    Ok(Json(post_out(&state, &post, Audience::Public)))
}

/// Every tag with its count of published posts.
#[utoipa::path(get, path = "/api/v1/tags", tag = "public", responses((status = 200, body = TagList)))]
pub async fn list_tags(State(state): State<AppState>) -> Result<Json<TagList>, Error> {
    let tags = state.store().list_tags().await?;
    Ok(Json(TagList {
        tags: tags.iter().map(|t| tag_info_out(&state, t)).collect(),
    }))
}
