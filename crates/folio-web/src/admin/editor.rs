//! Writing: the post and page lists, the editor (save, preview, publish, schedule,
//! unpublish, delete), autosave, live preview, tag suggestions and revisions.
//!
//! Every save goes through the use-cases of `folio_app::posts`, the same validation and role
//! rules as the JSON API, so the two can never disagree about who may do what.

use super::auth::{page, AdminSession, AdminView, Flash};
use super::guard::{CsrfForm, CsrfJson, NoFields};
use crate::views::post_path;
use crate::AppState;
use crate::Error;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use chrono::{DateTime, NaiveDateTime, Utc};
use folio_app::posts::{PostWrite, MAX_MARKDOWN_CHARS};
use folio_core::{Actor, PostAction, PostKind, PostStatus, Role, SiteZone};
use folio_store::{AdminFilter, Post};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Posts or pages, from the path (`/admin/posts/...` or `/admin/pages/...`).
pub struct AdminKind(pub PostKind);

impl<S: Send + Sync> FromRequestParts<S> for AdminKind {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        let path = parts.uri.path();
        if path.starts_with("/admin/pages") {
            Ok(AdminKind(PostKind::Page))
        } else if path.starts_with("/admin/posts") {
            Ok(AdminKind(PostKind::Post))
        } else {
            Err(Error::not_found("page"))
        }
    }
}

fn plural(kind: PostKind) -> &'static str {
    match kind {
        PostKind::Post => "posts",
        PostKind::Page => "pages",
    }
}

fn edit_url(kind: PostKind, id: i64) -> String {
    format!("/admin/{}/{id}", plural(kind))
}

/// A time as the admin shows it: the site's wall clock and its zone's abbreviation.
pub(super) fn display(t: DateTime<Utc>, zone: SiteZone) -> String {
    zone.format(t, "%-d %b %Y, %H:%M %Z")
}

/// Messages shown after a redirect, chosen by a fixed key: nothing a link could inject.
fn flash_for(key: Option<&str>) -> Option<Flash> {
    let message = match key? {
        "saved" => "Saved.",
        "published" => "Published: it is on the site now.",
        "scheduled" => "Scheduled: it will be published at its time.",
        "unpublished" => "Unpublished: it is a draft again, off the site.",
        "restored" => "Revision restored (as a new revision).",
        "deleted" => "Deleted.",
        _ => return None,
    };
    Some(Flash {
        kind: "ok",
        message: message.to_owned(),
    })
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    author: String,
    #[serde(default)]
    q: String,
    m: Option<String>,
}

#[derive(Serialize)]
struct ListItem {
    id: i64,
    title: String,
    status: &'static str,
    url: String,
    edit_url: String,
    author_name: String,
    updated_display: String,
    published_display: String,
    tags: Vec<String>,
}

#[derive(Serialize)]
struct Named {
    id: i64,
    name: String,
}

#[derive(Serialize)]
struct TagOption {
    slug: String,
    name: String,
}

#[derive(Serialize)]
struct ListPage {
    admin: AdminView,
    kind: &'static str,
    kind_plural: &'static str,
    new_url: String,
    posts: Vec<ListItem>,
    filters: BTreeMap<&'static str, String>,
    authors: Vec<Named>,
    tags: Vec<TagOption>,
    statuses: [&'static str; 3],
}

pub async fn list(
    State(state): State<AppState>,
    signed_in: AdminSession,
    AdminKind(kind): AdminKind,
    Query(q): Query<ListQuery>,
) -> Result<Response, Error> {
    let status = match q.status.as_str() {
        "" => None,
        raw => Some(PostStatus::parse(raw).map_err(|e| Error::bad_request(format!("status {e}")))?),
    };
    let own_only = matches!(signed_in.actor.role, Role::Author | Role::Contributor);
    let author = if own_only {
        Some(signed_in.actor.user_id)
    } else {
        q.author.parse::<i64>().ok()
    };
    let filter = AdminFilter {
        kind,
        status,
        tag_slug: (!q.tag.is_empty()).then_some(q.tag.as_str()),
        author_id: author,
        title_contains: (!q.q.trim().is_empty()).then_some(q.q.trim()),
        before_id: None,
        limit: 100,
    };
    let posts = state.store().list_admin(filter).await?;
    let zone = state.store().settings().await?.zone();
    let authors = if own_only {
        Vec::new()
    } else {
        state
            .store()
            .list_users()
            .await?
            .into_iter()
            .map(|u| Named {
                id: u.id,
                name: u.name,
            })
            .collect()
    };
    let tags = state
        .store()
        .list_tags()
        .await?
        .into_iter()
        .map(|t| TagOption {
            slug: t.slug,
            name: t.name,
        })
        .collect();
    let nav = plural(kind);
    let mut filters = BTreeMap::new();
    filters.insert("status", q.status.clone());
    filters.insert("tag", q.tag.clone());
    filters.insert("author", q.author.clone());
    filters.insert("q", q.q.clone());
    let context = ListPage {
        admin: AdminView::of(&state, &signed_in, nav, flash_for(q.m.as_deref())).await,
        kind: kind.as_str(),
        kind_plural: if kind == PostKind::Post {
            "Posts"
        } else {
            "Pages"
        },
        new_url: format!("/admin/{nav}/new"),
        posts: posts
            .iter()
            .map(|p| ListItem {
                id: p.id,
                title: p.title.clone(),
                status: p.status.as_str(),
                url: state.absolute(&post_path(&p.slug)),
                edit_url: edit_url(kind, p.id),
                author_name: p.author.name.clone(),
                updated_display: display(p.updated_at, zone),
                published_display: p.published_at.map(|t| display(t, zone)).unwrap_or_default(),
                tags: p.tags.iter().map(|t| t.name.clone()).collect(),
            })
            .collect(),
        filters,
        authors,
        tags,
        statuses: ["draft", "scheduled", "published"],
    };
    page(StatusCode::OK, "posts.html", &context)
}

/// The editor's fields as the form shows them.
#[derive(Serialize, Default, Clone)]
struct EditorPost {
    id: Option<i64>,
    title: String,
    slug: String,
    markdown: String,
    excerpt: String,
    tags: String,
    feature_image: String,
    feature_image_alt: String,
    seo_title: String,
    seo_description: String,
    canonical_url: String,
    status: &'static str,
    /// The publication time as the `datetime-local` input shows it, in the site's zone.
    published_at_local: String,
    /// The stored publication time, for the status line.
    published_display: String,
    url: String,
    revisions_url: Option<String>,
    delete_url: Option<String>,
    autosave_url: Option<String>,
}

#[derive(Serialize)]
struct EditorPage {
    admin: AdminView,
    kind: &'static str,
    is_new: bool,
    action_url: String,
    post: EditorPost,
    errors: BTreeMap<String, String>,
    preview_html: Option<minijinja::Value>,
    can_publish: bool,
    /// The site's time zone, in which the editor shows and reads times.
    zone: &'static str,
    message: Option<String>,
    /// The newest images of the library, to insert or pick as feature image.
    media: Vec<super::media::MediaItem>,
    max_upload: String,
}

/// How many library images the editor offers.
const EDITOR_MEDIA: u32 = 24;

/// A `datetime-local` value (`2026-11-28T09:30`) on the site's wall clock.
fn local_input(t: Option<DateTime<Utc>>, zone: SiteZone) -> String {
    t.map(|t| zone.format(t, "%Y-%m-%dT%H:%M"))
        .unwrap_or_default()
}

fn editor_post(state: &AppState, post: &Post, zone: SiteZone) -> EditorPost {
    let s = &post.summary;
    let base = edit_url(s.kind, s.id);
    EditorPost {
        id: Some(s.id),
        title: s.title.clone(),
        slug: s.slug.clone(),
        markdown: post.markdown.clone(),
        excerpt: post.custom_excerpt.clone(),
        tags: s
            .tags
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        feature_image: s.feature_image.clone().unwrap_or_default(),
        feature_image_alt: s.feature_image_alt.clone(),
        seo_title: post.seo_title.clone(),
        seo_description: post.seo_description.clone(),
        canonical_url: post.canonical_url.clone(),
        status: s.status.as_str(),
        published_at_local: local_input(s.published_at, zone),
        published_display: s.published_at.map(|t| display(t, zone)).unwrap_or_default(),
        url: state.absolute(&post_path(&s.slug)),
        revisions_url: Some(format!("{base}/revisions")),
        delete_url: Some(format!("{base}/delete")),
        autosave_url: (s.status == PostStatus::Draft).then(|| format!("{base}/autosave")),
    }
}

/// May this actor publish (or schedule, or unpublish) this post, or a new one?
fn can_publish(actor: &Actor, post: Option<&Post>) -> bool {
    match post {
        Some(p) => actor.may(PostAction::Publish, p.summary.author.id, p.summary.status),
        None => actor.may_create(PostStatus::Published),
    }
}

/// What an editor page shows besides the post: the answer's status, field errors, a
/// server-side preview, a message.
struct Shown {
    post: EditorPost,
    status: StatusCode,
    errors: BTreeMap<String, String>,
    preview_html: Option<String>,
    flash: Option<Flash>,
}

impl Shown {
    fn plain(post: EditorPost) -> Shown {
        Shown {
            post,
            status: StatusCode::OK,
            errors: BTreeMap::new(),
            preview_html: None,
            flash: None,
        }
    }
}

async fn render_editor(
    state: &AppState,
    signed_in: &AdminSession,
    kind: PostKind,
    existing: Option<&Post>,
    shown: Shown,
) -> Result<Response, Error> {
    let Shown {
        post: shown,
        status,
        errors,
        preview_html,
        flash,
    } = shown;
    let action_url = match existing {
        Some(p) => edit_url(kind, p.summary.id),
        None => format!("/admin/{}/new", plural(kind)),
    };
    let zone = state.store().settings().await?.zone();
    let context = EditorPage {
        admin: AdminView::of(state, signed_in, plural(kind), flash).await,
        kind: kind.as_str(),
        is_new: existing.is_none(),
        action_url,
        post: shown,
        errors,
        preview_html: preview_html.map(minijinja::Value::from_safe_string),
        can_publish: can_publish(&signed_in.actor, existing),
        zone: zone.name(),
        message: None,
        media: state
            .store()
            .list_media(None, EDITOR_MEDIA)
            .await?
            .iter()
            .map(|m| super::media::media_item(m, signed_in))
            .collect(),
        max_upload: folio_media::describe_limit(state.media().max_bytes()),
    };
    page(status, "editor.html", &context)
}

pub async fn new_form(
    State(state): State<AppState>,
    signed_in: AdminSession,
    AdminKind(kind): AdminKind,
) -> Result<Response, Error> {
    let shown = EditorPost {
        status: "draft",
        ..Default::default()
    };
    render_editor(&state, &signed_in, kind, None, Shown::plain(shown)).await
}

#[derive(Deserialize)]
pub struct FlashQuery {
    m: Option<String>,
}

pub async fn edit_form(
    State(state): State<AppState>,
    signed_in: AdminSession,
    AdminKind(kind): AdminKind,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, Error> {
    let post = state
        .app()
        .post_for(&signed_in.actor, kind, id, PostAction::View)
        .await?;
    let zone = state.store().settings().await?.zone();
    let shown = editor_post(&state, &post, zone);
    render_editor(
        &state,
        &signed_in,
        kind,
        Some(&post),
        Shown {
            flash: flash_for(q.m.as_deref()),
            ..Shown::plain(shown)
        },
    )
    .await
}

/// The editor form as posted.
#[derive(Deserialize, Default)]
pub struct EditorForm {
    #[serde(default)]
    intent: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    markdown: String,
    #[serde(default)]
    excerpt: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    feature_image: String,
    #[serde(default)]
    feature_image_alt: String,
    #[serde(default)]
    seo_title: String,
    #[serde(default)]
    seo_description: String,
    #[serde(default)]
    canonical_url: String,
    #[serde(default)]
    published_at: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Intent {
    Save,
    Preview,
    Publish,
    Schedule,
    Unpublish,
}

impl Intent {
    fn parse(raw: &str) -> Result<Intent, Error> {
        match raw {
            "" | "save" => Ok(Intent::Save),
            "preview" => Ok(Intent::Preview),
            "publish" => Ok(Intent::Publish),
            "schedule" => Ok(Intent::Schedule),
            "unpublish" => Ok(Intent::Unpublish),
            other => Err(Error::bad_request(format!("unknown action {other:?}"))),
        }
    }

    fn flash_key(self) -> &'static str {
        match self {
            Intent::Publish => "published",
            Intent::Schedule => "scheduled",
            Intent::Unpublish => "unpublished",
            Intent::Save | Intent::Preview => "saved",
        }
    }
}

/// The publication time a form asks for, as RFC 3339: `2026-11-28T09:30` from a
/// `datetime-local` input is read on the site's wall clock; RFC 3339 passes as it is
/// (and anything else too, for the validation to name). The value the editor showed for
/// the stored time means that time, to the second: saving a post never moves it.
fn from_local_input(raw: &str, stored: Option<DateTime<Utc>>, zone: SiteZone) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if let Some(stored) = stored.filter(|&t| local_input(Some(t), zone) == raw) {
        return Some(stored.to_rfc3339());
    }
    for format in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(raw, format) {
            return Some(zone.instant(t).to_rfc3339());
        }
    }
    Some(raw.to_owned())
}

fn write_from_form(
    form: &EditorForm,
    intent: Intent,
    now: DateTime<Utc>,
    stored: Option<DateTime<Utc>>,
    zone: SiteZone,
) -> PostWrite {
    let tags = form
        .tags
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    let typed_time = from_local_input(&form.published_at, stored, zone);
    let (status, published_at) = match intent {
        Intent::Save | Intent::Preview => (None, typed_time),
        // "Publish now": now, unless the writer back-dated it on purpose.
        Intent::Publish => {
            let backdated = typed_time.filter(|t| {
                DateTime::parse_from_rfc3339(t).is_ok_and(|t| t.with_timezone(&Utc) <= now)
            });
            (
                Some("published".to_owned()),
                Some(backdated.unwrap_or_else(|| now.to_rfc3339())),
            )
        }
        Intent::Schedule => (
            Some("scheduled".to_owned()),
            typed_time.or(Some(String::new())),
        ),
        Intent::Unpublish => (Some("draft".to_owned()), typed_time),
    };
    PostWrite {
        title: Some(form.title.clone()),
        markdown: Some(form.markdown.clone()),
        slug: Some(form.slug.clone()),
        tags: Some(tags),
        status,
        published_at,
        excerpt: Some(form.excerpt.clone()),
        feature_image: Some(form.feature_image.clone()),
        feature_image_alt: Some(form.feature_image_alt.clone()),
        seo_title: Some(form.seo_title.clone()),
        seo_description: Some(form.seo_description.clone()),
        canonical_url: Some(form.canonical_url.clone()),
        author_id: None,
    }
}

/// What the writer typed, to show again beside the errors.
fn shown_from_form(form: &EditorForm, base: EditorPost) -> EditorPost {
    EditorPost {
        title: form.title.clone(),
        slug: form.slug.clone(),
        markdown: form.markdown.clone(),
        excerpt: form.excerpt.clone(),
        tags: form.tags.clone(),
        feature_image: form.feature_image.clone(),
        feature_image_alt: form.feature_image_alt.clone(),
        seo_title: form.seo_title.clone(),
        seo_description: form.seo_description.clone(),
        canonical_url: form.canonical_url.clone(),
        published_at_local: form.published_at.clone(),
        ..base
    }
}

/// Turns an API validation or permission failure into editor errors or a page.
fn editor_errors(err: crate::Error) -> Result<(StatusCode, BTreeMap<String, String>), Error> {
    if err.status == StatusCode::FORBIDDEN {
        return Err(Error::forbidden(err.message));
    }
    if err.status.is_server_error() {
        return Err(if err.status == StatusCode::SERVICE_UNAVAILABLE {
            Error::unavailable()
        } else {
            Error::internal()
        });
    }
    let mut fields = err.fields;
    if fields.is_empty() {
        fields.insert("form".into(), err.message);
    }
    // The form has one tags field; name it for every tags[i] error.
    let tag_errors: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k.starts_with("tags["))
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    if !tag_errors.is_empty() {
        fields.insert("tags".into(), tag_errors.join("; "));
    }
    Ok((err.status, fields))
}

async fn submit(
    state: &AppState,
    signed_in: &AdminSession,
    kind: PostKind,
    existing: Option<Post>,
    form: EditorForm,
) -> Result<Response, Error> {
    let intent = Intent::parse(&form.intent)?;
    let zone = state.store().settings().await?.zone();
    let base = match &existing {
        Some(p) => editor_post(state, p, zone),
        None => EditorPost {
            status: "draft",
            ..Default::default()
        },
    };
    if intent == Intent::Preview {
        let preview = folio_core::render_markdown(&form.markdown)
            .html
            .into_string();
        let shown = shown_from_form(&form, base);
        return render_editor(
            state,
            signed_in,
            kind,
            existing.as_ref(),
            Shown {
                preview_html: Some(preview),
                ..Shown::plain(shown)
            },
        )
        .await;
    }
    let now = folio_store::now();
    let stored_time = existing.as_ref().and_then(|p| p.summary.published_at);
    let write = write_from_form(&form, intent, now, stored_time, zone);
    let app = state.app();
    let result = match &existing {
        Some(p) => app.update_post(&signed_in.actor, p, write).await,
        None => app.create_post(&signed_in.actor, kind, write).await,
    }
    .map_err(crate::Error::from);
    match result {
        Ok(post) => {
            let target = format!(
                "{}?m={}",
                edit_url(kind, post.summary.id),
                intent.flash_key()
            );
            Ok(Redirect::to(&target).into_response())
        }
        Err(err) => {
            let (status, errors) = editor_errors(err)?;
            let shown = shown_from_form(&form, base);
            render_editor(
                state,
                signed_in,
                kind,
                existing.as_ref(),
                Shown {
                    status,
                    errors,
                    ..Shown::plain(shown)
                },
            )
            .await
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    AdminKind(kind): AdminKind,
    CsrfForm {
        signed_in, form, ..
    }: CsrfForm<EditorForm>,
) -> Result<Response, Error> {
    submit(&state, &signed_in, kind, None, form).await
}

pub async fn save(
    State(state): State<AppState>,
    AdminKind(kind): AdminKind,
    Path(id): Path<i64>,
    CsrfForm {
        signed_in, form, ..
    }: CsrfForm<EditorForm>,
) -> Result<Response, Error> {
    let existing = state
        .app()
        .post_for(&signed_in.actor, kind, id, PostAction::View)
        .await?;
    submit(&state, &signed_in, kind, Some(existing), form).await
}

pub async fn delete(
    State(state): State<AppState>,
    AdminKind(kind): AdminKind,
    Path(id): Path<i64>,
    CsrfForm { signed_in, .. }: CsrfForm<NoFields>,
) -> Result<Response, Error> {
    state.app().delete_post(&signed_in.actor, kind, id).await?;
    Ok(Redirect::to(&format!("/admin/{}?m=deleted", plural(kind))).into_response())
}

#[derive(Deserialize)]
pub struct PreviewRequest {
    #[serde(default)]
    markdown: String,
}

#[derive(Serialize)]
pub struct PreviewResponse {
    html: String,
}

/// Live preview: the Markdown through the very pipeline that renders posts.
pub async fn preview(CsrfJson { body, .. }: CsrfJson<PreviewRequest>) -> Result<Response, Error> {
    if body.markdown.chars().count() > MAX_MARKDOWN_CHARS {
        return Err(Error::bad_request(format!(
            "the text is longer than {MAX_MARKDOWN_CHARS} characters"
        )));
    }
    let markdown = body.markdown;
    let html = tokio::task::spawn_blocking(move || {
        folio_core::render_markdown(&markdown).html.into_string()
    })
    .await
    .map_err(|_| Error::internal())?;
    Ok(Json(PreviewResponse { html }).into_response())
}

#[derive(Deserialize)]
pub struct AutosaveRequest {
    title: Option<String>,
    markdown: Option<String>,
}

/// Keeps a draft's title and text every few seconds while the writer types. Only
/// drafts: a published post changes on the site only when its writer says so.
pub async fn autosave(
    State(state): State<AppState>,
    AdminKind(kind): AdminKind,
    Path(id): Path<i64>,
    CsrfJson { signed_in, body }: CsrfJson<AutosaveRequest>,
) -> Result<Response, Error> {
    let app = state.app();
    let post = app
        .post_for(&signed_in.actor, kind, id, PostAction::Edit)
        .await?;
    let saved = app
        .autosave_post(&signed_in.actor, &post, body.title, body.markdown)
        .await?;
    Ok(
        Json(serde_json::json!({"saved_at": saved.summary.updated_at.to_rfc3339()}))
            .into_response(),
    )
}

#[derive(Serialize)]
struct TagSuggestion {
    name: String,
    slug: String,
}

pub async fn tags_json(
    State(state): State<AppState>,
    _signed_in: AdminSession,
) -> Result<Response, Error> {
    let tags: Vec<TagSuggestion> = state
        .store()
        .list_tags()
        .await?
        .into_iter()
        .map(|t| TagSuggestion {
            name: t.name,
            slug: t.slug,
        })
        .collect();
    Ok(Json(tags).into_response())
}

#[derive(Serialize)]
struct PostRef {
    title: String,
    edit_url: String,
}

#[derive(Serialize)]
struct RevisionItem {
    number: i64,
    created_display: String,
    author_name: String,
    note: String,
    url: String,
}

#[derive(Serialize)]
struct RevisionsPage {
    admin: AdminView,
    post: PostRef,
    revisions: Vec<RevisionItem>,
}

pub async fn revisions(
    State(state): State<AppState>,
    signed_in: AdminSession,
    AdminKind(kind): AdminKind,
    Path(id): Path<i64>,
) -> Result<Response, Error> {
    let post = state
        .app()
        .post_for(&signed_in.actor, kind, id, PostAction::View)
        .await?;
    let base = edit_url(kind, id);
    let revisions = state.store().revisions(id).await?;
    let zone = state.store().settings().await?.zone();
    let context = RevisionsPage {
        admin: AdminView::of(&state, &signed_in, plural(kind), None).await,
        post: PostRef {
            title: post.summary.title.clone(),
            edit_url: base.clone(),
        },
        revisions: revisions
            .into_iter()
            .map(|r| RevisionItem {
                number: r.number,
                created_display: display(r.created_at, zone),
                author_name: r.saved_by.unwrap_or_else(|| "(deleted user)".into()),
                note: r.note,
                url: format!("{base}/revisions/{}", r.number),
            })
            .collect(),
    };
    page(StatusCode::OK, "revisions.html", &context)
}

#[derive(Serialize)]
struct DiffLine {
    kind: &'static str,
    text: String,
}

#[derive(Serialize)]
struct RevisionPage {
    admin: AdminView,
    post: PostRef,
    revision: RevisionItem,
    diff: Vec<DiffLine>,
    restore_url: String,
}

/// A line diff from `old` to `new`.
fn line_diff(old: &str, new: &str) -> Vec<DiffLine> {
    let diff = similar::TextDiff::from_lines(old, new);
    diff.iter_all_changes()
        .map(|change| DiffLine {
            kind: match change.tag() {
                similar::ChangeTag::Equal => "same",
                similar::ChangeTag::Insert => "add",
                similar::ChangeTag::Delete => "del",
            },
            text: change.value().trim_end_matches('\n').to_owned(),
        })
        .collect()
}

/// One revision, as a diff from it to the current text: what restoring would undo.
pub async fn revision(
    State(state): State<AppState>,
    signed_in: AdminSession,
    AdminKind(kind): AdminKind,
    Path((id, number)): Path<(i64, i64)>,
) -> Result<Response, Error> {
    let post = state
        .app()
        .post_for(&signed_in.actor, kind, id, PostAction::View)
        .await?;
    let rev = state.store().revision(id, number).await?;
    let zone = state.store().settings().await?.zone();
    let base = edit_url(kind, id);
    let mut diff = Vec::new();
    if rev.title != post.summary.title {
        diff.push(DiffLine {
            kind: "del",
            text: format!("# title: {}", rev.title),
        });
        diff.push(DiffLine {
            kind: "add",
            text: format!("# title: {}", post.summary.title),
        });
    }
    diff.extend(line_diff(&rev.markdown, &post.markdown));
    let context = RevisionPage {
        admin: AdminView::of(&state, &signed_in, plural(kind), None).await,
        post: PostRef {
            title: post.summary.title.clone(),
            edit_url: base.clone(),
        },
        revision: RevisionItem {
            number: rev.number,
            created_display: display(rev.created_at, zone),
            author_name: rev.saved_by.unwrap_or_else(|| "(deleted user)".into()),
            note: rev.note,
            url: format!("{base}/revisions/{number}"),
        },
        diff,
        restore_url: format!("{base}/revisions/{number}/restore"),
    };
    page(StatusCode::OK, "revision.html", &context)
}

/// Puts a revision's title and text back, as a new revision.
pub async fn restore(
    State(state): State<AppState>,
    AdminKind(kind): AdminKind,
    Path((id, number)): Path<(i64, i64)>,
    CsrfForm { signed_in, .. }: CsrfForm<NoFields>,
) -> Result<Response, Error> {
    let app = state.app();
    let post = app
        .post_for(&signed_in.actor, kind, id, PostAction::Edit)
        .await?;
    app.restore_revision(&signed_in.actor, &post, number)
        .await?;
    Ok(Redirect::to(&format!("{}?m=restored", edit_url(kind, id))).into_response())
}
