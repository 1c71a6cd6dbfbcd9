//! The public site: home, posts and pages, tag and author listings, search, theme
//! assets, and the 404 page.

use crate::cache::Cacheable;
use crate::error::Error;
use crate::views::{
    author_path, feeds_under, json_ld, page_title, post_path, post_view, site_feeds, summary_view,
    tag_path, AuthorView, MetaView, PageContext, SiteView, SummaryView,
};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use folio_core::{ImageSets, SiteZone};
use folio_store::{Cursor, Listing, PostSummary, SiteSettings};
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/search", get(search))
        .route("/tag/{slug}/", get(tag))
        .route("/tag/{slug}", get(add_trailing_slash))
        .route("/author/{slug}/", get(author))
        .route("/author/{slug}", get(add_trailing_slash))
        .route("/assets/{*path}", get(asset))
        .route("/{slug}/", get(post))
        .route("/{slug}", get(add_trailing_slash))
}

/// A page for readers, marked so the cache middleware keeps it.
fn html_page(html: String, shows: Cacheable) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, crate::cache::PUBLIC_PAGE),
        ],
        axum::Extension(shows),
        html,
    )
        .into_response()
}

/// Renders a page that shows what `shows` names (for the page cache's invalidation).
fn render<T: Serialize>(
    state: &AppState,
    template: &str,
    context: &PageContext<T>,
    shows: Cacheable,
) -> Result<Response, Error> {
    match state.theme().render(template, context) {
        Ok(html) => Ok(html_page(state.media_links().rewrite_images(html), shows)),
        Err(err) => {
            tracing::error!(error = %err, "template failed");
            Err(Error::internal())
        }
    }
}

#[derive(Deserialize)]
pub struct ListingQuery {
    after: Option<String>,
}

fn parse_cursor(raw: Option<&str>) -> Result<Option<Cursor>, Error> {
    match raw {
        None | Some("") => Ok(None),
        Some(token) => Cursor::decode(token).map(Some).ok_or_else(|| {
            Error::bad_request(
                "The “after” parameter of this link is not valid. Start again from the first page.",
            )
        }),
    }
}

#[derive(Serialize)]
struct ListingPage {
    posts: Vec<SummaryView>,
    older_url: Option<String>,
    is_first_page: bool,
}

/// The media library's renditions of these posts' feature images, in one query.
async fn feature_images(state: &AppState, posts: &[PostSummary]) -> Result<ImageSets, Error> {
    let urls: Vec<&str> = posts
        .iter()
        .filter_map(|p| p.feature_image.as_deref())
        .collect();
    Ok(state.reads().image_sets(&urls).await?)
}

async fn listing_page(
    state: &AppState,
    base_path: &str,
    listing: &Listing,
    first: bool,
    zone: SiteZone,
) -> Result<ListingPage, Error> {
    let images = feature_images(state, &listing.posts).await?;
    Ok(ListingPage {
        posts: listing
            .posts
            .iter()
            .map(|p| summary_view(state, p, &images, zone))
            .collect(),
        older_url: listing
            .next
            .map(|c| format!("{base_path}?after={}", c.encode())),
        is_first_page: first,
    })
}

fn base_meta(
    state: &AppState,
    settings: &SiteSettings,
    title: String,
    description: String,
    path: &str,
) -> MetaView {
    MetaView {
        title,
        description,
        canonical: state.absolute(path),
        og_type: "website",
        feeds: site_feeds(state, settings),
        ..Default::default()
    }
}

async fn home(
    State(state): State<AppState>,
    Query(q): Query<ListingQuery>,
    uri: Uri,
) -> Result<Response, Error> {
    // WordPress's links without permalinks: `/?p=42`, `/?page_id=7`.
    if uri
        .query()
        .is_some_and(|q| q.contains("p=") || q.contains("page_id="))
    {
        if let Some(moved) = legacy_redirect(&state, &uri).await? {
            return Ok(moved);
        }
    }
    let after = parse_cursor(q.after.as_deref())?;
    let settings = state.reads().settings().await?;
    let listing = state
        .reads()
        .list_home(after, settings.posts_per_page)
        .await?;
    let mut meta = base_meta(
        &state,
        &settings,
        page_title("", &settings),
        settings.description.clone(),
        "/",
    );
    meta.json_ld = Some(json_ld(&serde_json::json!({
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": settings.title,
        "description": settings.description,
        "url": state.absolute("/"),
    })));
    let context = PageContext {
        site: SiteView::new(&state, &settings),
        meta,
        current_path: "/".into(),
        page: listing_page(&state, "/", &listing, after.is_none(), settings.zone()).await?,
    };
    render(&state, "index.html", &context, Cacheable::listing())
}

#[derive(Serialize)]
struct PostPage {
    post: crate::views::PostView,
}

async fn post(State(state): State<AppState>, Path(slug): Path<String>) -> Result<Response, Error> {
    let post = match state.reads().public_post_by_slug(&slug).await {
        Ok(post) => post,
        Err(folio_store::StoreError::NotFound) => {
            return match state.reads().redirect_target(&slug).await? {
                Some(current) => Ok((
                    StatusCode::MOVED_PERMANENTLY,
                    [(header::LOCATION, post_path(&current))],
                )
                    .into_response()),
                None => Err(Error::not_found("page")),
            };
        }
        Err(e) => return Err(e.into()),
    };
    let shows = Cacheable::post(post.summary.id, post.summary.author.id);
    let settings = state.reads().settings().await?;
    let images = feature_images(&state, std::slice::from_ref(&post.summary)).await?;
    let view = post_view(&state, &post, &images, settings.zone());
    let s = &post.summary;
    let title = if post.seo_title.is_empty() {
        s.title.clone()
    } else {
        post.seo_title.clone()
    };
    let description = if post.seo_description.is_empty() {
        s.excerpt.clone()
    } else {
        post.seo_description.clone()
    };
    let canonical = if post.canonical_url.is_empty() {
        view.url.clone()
    } else {
        post.canonical_url.clone()
    };
    let is_post = s.kind == folio_core::PostKind::Post;
    let mut meta = MetaView {
        title: page_title(&title, &settings),
        description: description.clone(),
        canonical,
        og_type: if is_post { "article" } else { "website" },
        image: view.feature_image.clone(),
        feeds: site_feeds(&state, &settings),
        ..Default::default()
    };
    if is_post {
        let mut ld = serde_json::json!({
            "@context": "https://schema.org",
            "@type": "BlogPosting",
            "headline": s.title,
            "description": description,
            "url": view.url,
            "mainEntityOfPage": view.url,
            "datePublished": view.published_at,
            "dateModified": view.updated_at,
            "author": { "@type": "Person", "name": s.author.name, "url": view.author.url },
            "publisher": { "@type": "Organization", "name": settings.title, "url": state.absolute("/") },
            "keywords": s.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", "),
            "wordCount": s.word_count,
        });
        if !view.feature_image.is_empty() {
            ld["image"] = serde_json::Value::String(view.feature_image.clone());
        }
        meta.json_ld = Some(json_ld(&ld));
    }
    let context = PageContext {
        site: SiteView::new(&state, &settings),
        meta,
        current_path: post_path(&s.slug),
        page: PostPage { post: view },
    };
    render(&state, "post.html", &context, shows)
}

#[derive(Serialize)]
struct TagView {
    name: String,
    description: String,
    url: String,
    feed_url: String,
}

#[derive(Serialize)]
struct TagPage {
    tag: TagView,
    #[serde(flatten)]
    listing: ListingPage,
}

async fn tag(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<ListingQuery>,
) -> Result<Response, Error> {
    let after = parse_cursor(q.after.as_deref())?;
    let tag = state.reads().tag_by_slug(&slug).await?;
    let settings = state.reads().settings().await?;
    let listing = state
        .reads()
        .list_tag(tag.id, after, settings.posts_per_page)
        .await?;
    let path = tag_path(&tag.slug);
    let description = if tag.description.is_empty() {
        format!("Posts tagged “{}” on {}", tag.name, settings.title)
    } else {
        tag.description.clone()
    };
    let mut meta = base_meta(
        &state,
        &settings,
        page_title(&tag.name, &settings),
        description,
        &path,
    );
    meta.feeds = feeds_under(&state, &path, &format!("{}: {}", settings.title, tag.name));
    let context = PageContext {
        site: SiteView::new(&state, &settings),
        meta,
        current_path: path.clone(),
        page: TagPage {
            tag: TagView {
                name: tag.name.clone(),
                description: tag.description.clone(),
                url: state.absolute(&path),
                feed_url: state.absolute(&format!("{path}feed.xml")),
            },
            listing: listing_page(&state, &path, &listing, after.is_none(), settings.zone())
                .await?,
        },
    };
    render(&state, "tag.html", &context, Cacheable::listing())
}

#[derive(Serialize)]
struct AuthorPage {
    author: AuthorView,
    #[serde(flatten)]
    listing: ListingPage,
}

async fn author(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<ListingQuery>,
) -> Result<Response, Error> {
    let after = parse_cursor(q.after.as_deref())?;
    let user = state.reads().user_by_slug(&slug).await?;
    let settings = state.reads().settings().await?;
    let listing = state
        .reads()
        .list_author(user.id, after, settings.posts_per_page)
        .await?;
    let path = author_path(&user.slug);
    let description = if user.bio.is_empty() {
        format!("Posts by {} on {}", user.name, settings.title)
    } else {
        user.bio.clone()
    };
    let mut meta = base_meta(
        &state,
        &settings,
        page_title(&user.name, &settings),
        description,
        &path,
    );
    meta.og_type = "profile";
    let context = PageContext {
        site: SiteView::new(&state, &settings),
        meta,
        current_path: path.clone(),
        page: AuthorPage {
            author: AuthorView {
                name: user.name.clone(),
                url: state.absolute(&path),
                bio: user.bio.clone(),
            },
            listing: listing_page(&state, &path, &listing, after.is_none(), settings.zone())
                .await?,
        },
    };
    render(&state, "author.html", &context, Cacheable::listing())
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Serialize)]
struct SearchPage {
    query: String,
    results: Vec<SummaryView>,
    total: usize,
}

/// Longest search query accepted, in characters; longer ones are cut, not refused.
const MAX_QUERY_CHARS: usize = 200;

async fn search(
    State(state): State<AppState>,
    Query(q): Query<SearchQuery>,
) -> Result<Response, Error> {
    let query: String = q.q.trim().chars().take(MAX_QUERY_CHARS).collect();
    let settings = state.reads().settings().await?;
    let results = if query.is_empty() {
        Vec::new()
    } else {
        state.reads().search(&query, 20).await?
    };
    let images = feature_images(&state, &results).await?;
    let title = if query.is_empty() {
        "Search".to_owned()
    } else {
        format!("Search: {query}")
    };
    let mut meta = base_meta(
        &state,
        &settings,
        page_title(&title, &settings),
        String::new(),
        "/search",
    );
    meta.robots = "noindex";
    let context = PageContext {
        site: SiteView::new(&state, &settings),
        meta,
        current_path: "/search".into(),
        page: SearchPage {
            total: results.len(),
            results: results
                .iter()
                .map(|p| summary_view(&state, p, &images, settings.zone()))
                .collect(),
            query,
        },
    };
    render(&state, "search.html", &context, Cacheable::listing())
}

/// `/hello` → `/hello/`, keeping the query.
async fn add_trailing_slash(uri: Uri) -> Response {
    let target = match uri.query() {
        Some(q) => format!("{}/?{q}", uri.path()),
        None => format!("{}/", uri.path()),
    };
    Redirect::permanent(&target).into_response()
}

#[derive(Deserialize)]
pub struct AssetQuery {
    v: Option<String>,
}

async fn asset(
    State(state): State<AppState>,
    Path(path): Path<String>,
    Query(q): Query<AssetQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let asset = state.theme().asset(&path).ok_or(Error::not_found("page"))?;
    // A fingerprinted URL never changes content: cache it for a year. Others briefly.
    let cache_control = if q.v.as_deref() == Some(asset.fingerprint.as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    let etag = format!("\"{}\"", asset.fingerprint);
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        if folio_cache::if_none_match_matches(inm, &etag) {
            return Ok((
                StatusCode::NOT_MODIFIED,
                [
                    (header::ETAG, etag),
                    (header::CACHE_CONTROL, cache_control.to_owned()),
                ],
            )
                .into_response());
        }
    }
    Ok((
        [
            (header::CONTENT_TYPE, asset.content_type.clone()),
            (header::CACHE_CONTROL, cache_control.to_owned()),
            (header::ETAG, etag),
        ],
        asset.bytes.clone(),
    )
        .into_response())
}

pub async fn not_found() -> Error {
    Error::not_found("page")
}

/// A 301 to where an old URL of an imported site now lives, if the path is one
/// (`ops::front` asks for every GET that would be a 404; the home page for `?p=`).
pub async fn legacy_redirect(state: &AppState, uri: &Uri) -> Result<Option<Response>, Error> {
    let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
    Ok(state
        .reads()
        .legacy_redirect(path_and_query)
        .await?
        .map(|target| {
            (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, target)]).into_response()
        }))
}
