//! Admin writes: posts, pages and settings, with every role check of
//! [`folio_core::permissions`] applied before the store is touched.

use super::extract::{ApiActor, ApiJson};
use super::output::{
    post_out, settings_out, summary_out, user_out, Audience, PostList, PostOut, SettingsOut,
    UserOut,
};
use crate::error::ErrorBody;
use crate::{AppState, Error};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use folio_app::posts::PostWrite;
use folio_app::settings::SettingsWrite;
use folio_core::{Actor, PostAction, PostKind, PostStatus, Role};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
pub struct AdminListQuery {
    /// `draft`, `scheduled` or `published`.
    status: Option<String>,
    /// A tag's slug.
    tag: Option<String>,
    /// Only ids below this one (for paging: the last id of the previous page).
    before: Option<i64>,
    /// 1 to 100 (default 50).
    limit: Option<u32>,
}

async fn list(
    state: &AppState,
    actor: &Actor,
    kind: PostKind,
    q: AdminListQuery,
) -> Result<Json<PostList>, Error> {
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(PostStatus::parse(raw).map_err(|why| {
            Error::field(StatusCode::BAD_REQUEST, "bad_request", "status", &why.0)
        })?),
    };
    // Authors and contributors see only their own work.
    let only_author = match actor.role {
        Role::Author | Role::Contributor => Some(actor.user_id),
        _ => None,
    };
    let filter = folio_store::AdminFilter {
        kind,
        status,
        tag_slug: q.tag.as_deref(),
        author_id: only_author,
        title_contains: None,
        before_id: q.before,
        limit: q.limit.unwrap_or(50),
    };
    let posts = state.store().list_admin(filter).await?;
    Ok(Json(PostList {
        posts: posts.iter().map(|p| summary_out(state, p)).collect(),
        next_cursor: None,
    }))
}

async fn create(
    state: &AppState,
    actor: &Actor,
    kind: PostKind,
    write: PostWrite,
) -> Result<(StatusCode, Json<PostOut>), Error> {
    let post = state.app().create_post(actor, kind, write).await?;
    Ok((
        StatusCode::CREATED,
        Json(post_out(state, &post, Audience::Admin)),
    ))
}

async fn update(
    state: &AppState,
    actor: &Actor,
    kind: PostKind,
    id: i64,
    write: PostWrite,
) -> Result<Json<PostOut>, Error> {
    let app = state.app();
    let existing = app.post_for(actor, kind, id, PostAction::Edit).await?;
    let post = app.update_post(actor, &existing, write).await?;
    Ok(Json(post_out(state, &post, Audience::Admin)))
}

async fn delete(
    state: &AppState,
    actor: &Actor,
    kind: PostKind,
    id: i64,
) -> Result<StatusCode, Error> {
    state.app().delete_post(actor, kind, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Posts of every status, newest first. Authors and contributors see their own.
#[utoipa::path(get, path = "/api/v1/admin/posts", tag = "admin", params(AdminListQuery), security(("token" = [])),
    responses((status = 200, body = PostList), (status = 401, body = ErrorBody)))]
pub async fn list_posts(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(q): Query<AdminListQuery>,
) -> Result<Json<PostList>, Error> {
    list(&state, &actor, PostKind::Post, q).await
}

/// Creates a post.
#[utoipa::path(post, path = "/api/v1/admin/posts", tag = "admin", request_body = PostWrite, security(("token" = [])),
    responses((status = 201, body = PostOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_post(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(write): ApiJson<PostWrite>,
) -> Result<(StatusCode, Json<PostOut>), Error> {
    create(&state, &actor, PostKind::Post, write).await
}

/// One post, any status.
#[utoipa::path(get, path = "/api/v1/admin/posts/{id}", tag = "admin", params(("id" = i64, Path)), security(("token" = [])),
    responses((status = 200, body = PostOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_post(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> Result<Json<PostOut>, Error> {
    let post = state
        .app()
        .post_for(&actor, PostKind::Post, id, PostAction::View)
        .await?;
    Ok(Json(post_out(&state, &post, Audience::Admin)))
}

/// Changes the given fields of a post. A new slug leaves a 301 from the old one.
#[utoipa::path(patch, path = "/api/v1/admin/posts/{id}", tag = "admin", params(("id" = i64, Path)), request_body = PostWrite, security(("token" = [])),
    responses((status = 200, body = PostOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_post(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    ApiJson(write): ApiJson<PostWrite>,
) -> Result<Json<PostOut>, Error> {
    update(&state, &actor, PostKind::Post, id, write).await
}

/// Deletes a post.
#[utoipa::path(delete, path = "/api/v1/admin/posts/{id}", tag = "admin", params(("id" = i64, Path)), security(("token" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_post(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> Result<StatusCode, Error> {
    delete(&state, &actor, PostKind::Post, id).await
}

/// Pages of every status, newest first.
#[utoipa::path(get, path = "/api/v1/admin/pages", tag = "admin", params(AdminListQuery), security(("token" = [])),
    responses((status = 200, body = PostList), (status = 401, body = ErrorBody)))]
pub async fn list_pages(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(q): Query<AdminListQuery>,
) -> Result<Json<PostList>, Error> {
    list(&state, &actor, PostKind::Page, q).await
}

/// Creates a page.
#[utoipa::path(post, path = "/api/v1/admin/pages", tag = "admin", request_body = PostWrite, security(("token" = [])),
    responses((status = 201, body = PostOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_page(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(write): ApiJson<PostWrite>,
) -> Result<(StatusCode, Json<PostOut>), Error> {
    create(&state, &actor, PostKind::Page, write).await
}

/// One page, any status.
#[utoipa::path(get, path = "/api/v1/admin/pages/{id}", tag = "admin", params(("id" = i64, Path)), security(("token" = [])),
    responses((status = 200, body = PostOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_page(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> Result<Json<PostOut>, Error> {
    let post = state
        .app()
        .post_for(&actor, PostKind::Page, id, PostAction::View)
        .await?;
    Ok(Json(post_out(&state, &post, Audience::Admin)))
}

/// Changes the given fields of a page.
#[utoipa::path(patch, path = "/api/v1/admin/pages/{id}", tag = "admin", params(("id" = i64, Path)), request_body = PostWrite, security(("token" = [])),
    responses((status = 200, body = PostOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_page(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    ApiJson(write): ApiJson<PostWrite>,
) -> Result<Json<PostOut>, Error> {
    update(&state, &actor, PostKind::Page, id, write).await
}

/// Deletes a page.
#[utoipa::path(delete, path = "/api/v1/admin/pages/{id}", tag = "admin", params(("id" = i64, Path)), security(("token" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_page(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> Result<StatusCode, Error> {
    delete(&state, &actor, PostKind::Page, id).await
}

/// The site's settings.
#[utoipa::path(get, path = "/api/v1/admin/settings", tag = "admin", security(("token" = [])),
    responses((status = 200, body = SettingsOut), (status = 401, body = ErrorBody)))]
pub async fn get_settings(
    State(state): State<AppState>,
    ApiActor(_actor): ApiActor,
) -> Result<Json<SettingsOut>, Error> {
    Ok(Json(settings_out(&state.store().settings().await?)))
}

/// Changes the given settings (owners and admins only).
#[utoipa::path(patch, path = "/api/v1/admin/settings", tag = "admin", request_body = SettingsWrite, security(("token" = [])),
    responses((status = 200, body = SettingsOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_settings(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(write): ApiJson<SettingsWrite>,
) -> Result<Json<SettingsOut>, Error> {
    Ok(Json(settings_out(
        &state.app().update_settings(&actor, write).await?,
    )))
}

/// The user the token belongs to.
#[utoipa::path(get, path = "/api/v1/admin/me", tag = "admin", security(("token" = [])),
    responses((status = 200, body = UserOut), (status = 401, body = ErrorBody)))]
pub async fn me(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<UserOut>, Error> {
    Ok(Json(user_out(
        &state,
        &state.store().user_by_id(actor.user_id).await?,
    )))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RevisionOut {
    pub number: i64,
    pub title: String,
    pub markdown: String,
    /// Name of the user who saved it.
    pub saved_by: Option<String>,
    /// `autosave`, `restored from revision N`, or empty.
    pub note: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RevisionList {
    pub revisions: Vec<RevisionOut>,
}

async fn list_revisions(
    state: &AppState,
    actor: &Actor,
    kind: PostKind,
    id: i64,
) -> Result<Json<RevisionList>, Error> {
    state
        .app()
        .post_for(actor, kind, id, PostAction::View)
        .await?;
    let revisions = state.store().revisions(id).await?;
    Ok(Json(RevisionList {
        revisions: revisions
            .into_iter()
            .map(|r| RevisionOut {
                number: r.number,
                title: r.title,
                markdown: r.markdown,
                saved_by: r.saved_by,
                note: r.note,
                created_at: r.created_at,
            })
            .collect(),
    }))
}

async fn restore(
    state: &AppState,
    actor: &Actor,
    kind: PostKind,
    id: i64,
    number: i64,
) -> Result<Json<PostOut>, Error> {
    let app = state.app();
    let post = app.post_for(actor, kind, id, PostAction::Edit).await?;
    let restored = app.restore_revision(actor, &post, number).await?;
    Ok(Json(post_out(state, &restored, Audience::Admin)))
}

/// A post's revisions (one per save), newest first.
#[utoipa::path(get, path = "/api/v1/admin/posts/{id}/revisions", tag = "admin", params(("id" = i64, Path)), security(("token" = [])),
    responses((status = 200, body = RevisionList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn post_revisions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> Result<Json<RevisionList>, Error> {
    list_revisions(&state, &actor, PostKind::Post, id).await
}

/// Puts a revision's title and text back; the restore is itself a new revision.
#[utoipa::path(post, path = "/api/v1/admin/posts/{id}/revisions/{number}/restore", tag = "admin",
    params(("id" = i64, Path), ("number" = i64, Path)), security(("token" = [])),
    responses((status = 200, body = PostOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn restore_post_revision(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, number)): Path<(i64, i64)>,
) -> Result<Json<PostOut>, Error> {
    restore(&state, &actor, PostKind::Post, id, number).await
}

/// A page's revisions, newest first.
#[utoipa::path(get, path = "/api/v1/admin/pages/{id}/revisions", tag = "admin", params(("id" = i64, Path)), security(("token" = [])),
    responses((status = 200, body = RevisionList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn page_revisions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> Result<Json<RevisionList>, Error> {
    list_revisions(&state, &actor, PostKind::Page, id).await
}

/// Puts a page revision back, as a new revision.
#[utoipa::path(post, path = "/api/v1/admin/pages/{id}/revisions/{number}/restore", tag = "admin",
    params(("id" = i64, Path), ("number" = i64, Path)), security(("token" = [])),
    responses((status = 200, body = PostOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn restore_page_revision(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, number)): Path<(i64, i64)>,
) -> Result<Json<PostOut>, Error> {
    restore(&state, &actor, PostKind::Page, id, number).await
}
