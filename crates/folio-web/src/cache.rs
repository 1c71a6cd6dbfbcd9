//! The page cache on the request path: looks public GETs up in the [`PageCache`], stores the
//! responses that handlers mark [`Cacheable`], and answers `If-None-Match` with 304.
//!
//! Handlers only mark; they never read or write the cache. `x-folio-cache` says where
//! an answer came from: `hit` (this process), `shared` (Redis, rendered by any
//! replica) or `miss` (rendered now).

use crate::ops::RouteLabel;
use crate::AppState;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use folio_cache::{if_none_match_matches, CachedPage, PageCache, PageKey, Tier};
use std::sync::Arc;

/// Cache-Control of public pages and feeds: any cache may keep them, but must check
/// back (cheaply, by ETag) before reuse, so a write shows on the next request.
pub const PUBLIC_PAGE: &str = "public, max-age=0, must-revalidate";

/// Marks a response as a public page that may be cached and shared.
#[derive(Debug, Clone, Copy)]
pub struct Cacheable;

/// Largest body kept in the cache; bigger responses are served but not kept.
const MAX_CACHED_BODY: usize = 4 * 1024 * 1024;

/// The page cache's key for a request, or `None` when the request is not a public GET.
pub fn key_of(state: &AppState, request: &Request) -> Option<PageKey> {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return None;
    }
    let path = request.uri().path();
    if path.starts_with("/api/") || path.starts_with("/admin") {
        return None;
    }
    let path_and_query = request.uri().path_and_query().map_or("/", |p| p.as_str());
    Some(PageCache::key(state.store().generation(), path_and_query))
}

/// The cached answer to a request, if there is one (a 304 when `If-None-Match` matches).
pub async fn lookup(
    state: &AppState,
    key: &PageKey,
    if_none_match: Option<&HeaderValue>,
) -> Option<Response> {
    let (page, tier) = state.cache().get(key).await?;
    let outcome = match tier {
        Tier::Local => "hit",
        Tier::Shared => "shared",
    };
    Some(respond(&page, if_none_match, outcome))
}

/// Runs a request through the router and keeps the answer when the handler marked it
/// [`Cacheable`].
pub async fn run_and_keep(
    state: &AppState,
    key: Option<PageKey>,
    if_none_match: Option<HeaderValue>,
    request: Request,
    next: Next,
) -> Response {
    let Some(key) = key else {
        return next.run(request).await;
    };
    let response = next.run(request).await;
    if response.status() != StatusCode::OK || response.extensions().get::<Cacheable>().is_none() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_CACHED_BODY).await {
        Ok(bytes) => bytes,
        Err(err) => {
            tracing::error!(error = %err, "could not buffer a page for the cache");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let header = |name| {
        parts
            .headers
            .get(name)
            .cloned()
            .unwrap_or_else(|| HeaderValue::from_static(""))
    };
    let route: Arc<str> = parts
        .extensions
        .get::<RouteLabel>()
        .map_or_else(|| Arc::from(""), |r| Arc::clone(&r.0));
    let page = Arc::new(CachedPage::new(
        200,
        header(header::CONTENT_TYPE),
        header(header::CACHE_CONTROL),
        bytes,
        route,
    ));
    state.cache().insert(key, Arc::clone(&page)).await;
    respond(&page, if_none_match.as_ref(), "miss")
}

fn respond(
    page: &CachedPage,
    if_none_match: Option<&HeaderValue>,
    outcome: &'static str,
) -> Response {
    let not_modified = if_none_match
        .and_then(|v| v.to_str().ok())
        .is_some_and(|inm| if_none_match_matches(inm, page.etag_str()));
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = Response::new(Body::from(page.body.clone()));
        *r.status_mut() = StatusCode::from_u16(page.status).unwrap_or(StatusCode::OK);
        r.headers_mut()
            .insert(header::CONTENT_TYPE, page.content_type.clone());
        r
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, page.etag.clone());
    headers.insert(header::CACHE_CONTROL, page.cache_control.clone());
    headers.insert("x-folio-cache", HeaderValue::from_static(outcome));
    if !page.route.is_empty() {
        response
            .extensions_mut()
            .insert(RouteLabel(Arc::clone(&page.route)));
    }
    response
}
