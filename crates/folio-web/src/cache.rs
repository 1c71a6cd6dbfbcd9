//! The page cache on the request path: looks public GETs up in the [`PageCache`], stores the
//! responses that handlers mark [`Cacheable`], and answers `If-None-Match` with 304.
//!
//! Handlers only mark; they never read or write the cache. Concurrent misses of one page
//! render it once: the first renders, the others wait for its page (single flight).
//! `x-folio-cache` says where an answer came from: `hit` (this process, kept earlier or
//! rendered meanwhile for another request), `shared` (Redis, rendered by any replica)
//! or `miss` (rendered now, for this request).

use crate::ops::RouteLabel;
use crate::AppState;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use folio_cache::{
    if_none_match_matches, CacheTag, CachedPage, Flight, PageCache, PageKey, Rendered, Tier,
};
use std::sync::Arc;

/// Cache-Control of public pages and feeds: any cache may keep them, but must check
/// back (cheaply, by ETag) before reuse, so a write shows on the next request.
pub const PUBLIC_PAGE: &str = "public, max-age=0, must-revalidate";

/// Marks a response as a public page that may be cached and shared, with the tags of what
/// it shows besides the site itself: a write that purges one of them makes it miss.
#[derive(Debug, Clone)]
pub struct Cacheable(Vec<CacheTag>);

impl Cacheable {
    /// A page that lists posts (home, tag and author pages, search, feeds, the sitemap).
    pub fn listing() -> Cacheable {
        Cacheable(vec![CacheTag::Posts])
    }

    /// A post's or page's own page: the post, and its author's name and bio.
    pub fn post(id: i64, author_id: i64) -> Cacheable {
        Cacheable(vec![CacheTag::Post(id), CacheTag::Author(author_id)])
    }

    /// A response that shows nothing but the site's own settings.
    pub fn site() -> Cacheable {
        Cacheable(Vec::new())
    }
}

/// Largest body kept in the cache; bigger responses are served but not kept.
const MAX_CACHED_BODY: usize = 4 * 1024 * 1024;

/// A public GET's place in the page cache: the key of its path and query, and the
/// content generation the request has seen (a page rendered for it is stamped with it).
#[derive(Debug, Clone, Copy)]
pub struct Lookup {
    key: PageKey,
    generation: i64,
}

/// The page cache's lookup for a request, or `None` when the request is not a public GET.
pub fn key_of(state: &AppState, request: &Request) -> Option<Lookup> {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return None;
    }
    let path = request.uri().path();
    if path.starts_with("/api/") || path.starts_with("/admin") {
        return None;
    }
    let path_and_query = request.uri().path_and_query().map_or("/", |p| p.as_str());
    Some(Lookup {
        key: PageCache::key(path_and_query),
        generation: state.store().generation(),
    })
}

/// Whether a kept page still shows what a render now would (no write this process has
/// seen purged what it shows).
fn fresh(state: &AppState) -> impl Fn(&CachedPage) -> bool + '_ {
    |page| state.store().is_fresh(page.generation, &page.tags)
}

/// The cached answer to a request, if there is one (a 304 when `If-None-Match` matches).
pub async fn lookup(
    state: &AppState,
    lookup: &Lookup,
    if_none_match: Option<&HeaderValue>,
) -> Option<Response> {
    let (page, tier) = state.cache().get(&lookup.key, fresh(state)).await?;
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
    lookup: Option<Lookup>,
    if_none_match: Option<HeaderValue>,
    request: Request,
    next: Next,
) -> Response {
    let Some(Lookup { key, generation }) = lookup else {
        return next.run(request).await;
    };
    let leader = match state.cache().join(key, generation) {
        None => None,
        Some(Flight::Follow(follower)) => {
            if let Some(page) = follower.page().await {
                return respond(&page, if_none_match.as_ref(), "hit");
            }
            // The render it waited for had nothing to share (not cacheable, failed, or
            // dropped): this request renders for itself.
            None
        }
        Some(Flight::Lead(leader)) => {
            // The page may have been kept between this request's lookup and now.
            if let Some(page) = state.cache().local(&key, fresh(state)) {
                leader.share(Arc::clone(&page));
                return respond(&page, if_none_match.as_ref(), "hit");
            }
            Some(leader)
        }
    };
    let mut response = next.run(request).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let Some(Cacheable(tags)) = response.extensions_mut().remove::<Cacheable>() else {
        return response;
    };
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
    let page = Arc::new(CachedPage::new(Rendered {
        status: 200,
        content_type: header(header::CONTENT_TYPE),
        cache_control: header(header::CACHE_CONTROL),
        body: bytes,
        route,
        generation,
        tags,
    }));
    state.cache().insert(key, Arc::clone(&page)).await;
    if let Some(leader) = leader {
        leader.share(Arc::clone(&page));
    }
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
    headers.insert("surrogate-key", page.surrogate_key.clone());
    headers.insert("cache-tag", page.cache_tag.clone());
    headers.insert("x-folio-cache", HeaderValue::from_static(outcome));
    if !page.route.is_empty() {
        response
            .extensions_mut()
            .insert(RouteLabel(Arc::clone(&page.route)));
    }
    response
}
