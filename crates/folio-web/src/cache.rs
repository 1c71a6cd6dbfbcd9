//! The page-cache middleware: looks public GETs up in the [`PageCache`], stores the
//! responses that handlers mark [`Cacheable`], and answers `If-None-Match` with 304.
//!
//! Handlers only mark; they never read or write the cache, so adding a shared tier
//! behind [`PageCache`] changes nothing here or in them.

use crate::ops::RouteLabel;
use crate::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use folio_cache::{if_none_match_matches, CachedPage, PageCache};
use std::sync::Arc;

/// Cache-Control of public pages and feeds: any cache may keep them, but must check
/// back (cheaply, by ETag) before reuse, so a write shows on the next request.
pub const PUBLIC_PAGE: &str = "public, max-age=0, must-revalidate";

/// Marks a response as a public page that may be cached and shared.
#[derive(Debug, Clone, Copy)]
pub struct Cacheable;

/// Largest body kept in the cache; bigger responses are served but not kept.
const MAX_CACHED_BODY: usize = 4 * 1024 * 1024;

pub async fn page_cache(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let path_and_query = request.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into());
    if path_and_query.starts_with("/api/") || path_and_query.starts_with("/admin") {
        return next.run(request).await;
    }
    let if_none_match = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let key = PageCache::key(state.store().generation(), &path_and_query);
    if let Some(page) = state.cache().get(&key).await {
        return respond(&page, if_none_match.as_deref(), "hit");
    }
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
    let header_str = |name| parts.headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok()).unwrap_or_default().to_owned();
    let route = parts.extensions.get::<RouteLabel>().map(|r| r.0.clone()).unwrap_or_default();
    let page = Arc::new(CachedPage::new(200, header_str(header::CONTENT_TYPE), header_str(header::CACHE_CONTROL), bytes, route));
    state.cache().insert(key, Arc::clone(&page)).await;
    respond(&page, if_none_match.as_deref(), "miss")
}

fn respond(page: &CachedPage, if_none_match: Option<&str>, outcome: &'static str) -> Response {
    let not_modified = if_none_match.is_some_and(|inm| if_none_match_matches(inm, &page.etag));
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = Response::new(Body::from(page.body.clone()));
        *r.status_mut() = StatusCode::from_u16(page.status).unwrap_or(StatusCode::OK);
        if let Ok(v) = HeaderValue::from_str(&page.content_type) {
            r.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        r
    };
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&page.etag) {
        headers.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&page.cache_control) {
        headers.insert(header::CACHE_CONTROL, v);
    }
    headers.insert("x-folio-cache", HeaderValue::from_static(outcome));
    if !page.route.is_empty() {
        response.extensions_mut().insert(RouteLabel(page.route.clone()));
    }
    response
}
