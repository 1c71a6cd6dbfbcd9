//! Feeds and the sitemap: Atom 1.0, RSS 2.0 and JSON Feed 1.1, site-wide and per tag,
//! with absolute URLs and each post's full content.

use crate::cache::{Cacheable, PUBLIC_PAGE};
use crate::error::Error;
use crate::views::{absolute_url, iso, post_path, tag_path};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use folio_store::{Post, SiteSettings};

/// Posts per feed.
const FEED_LENGTH: u32 = 20;
/// Most URLs in one sitemap file (the protocol's limit).
const SITEMAP_LIMIT: u32 = 50_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/feed.xml", get(atom))
        .route("/rss.xml", get(rss))
        .route("/feed.json", get(json_feed))
        .route("/tag/{slug}/feed.xml", get(tag_atom))
        .route("/tag/{slug}/rss.xml", get(tag_rss))
        .route("/tag/{slug}/feed.json", get(tag_json_feed))
        .route("/sitemap.xml", get(sitemap))
}

/// What a feed is about: the whole site, or one tag.
struct FeedScope {
    title: String,
    description: String,
    /// Site path of the listing the feed mirrors: `/` or `/tag/x/`.
    path: String,
    tag_id: Option<i64>,
}

async fn site_scope(state: &AppState) -> Result<(SiteSettings, FeedScope), Error> {
    let settings = state.reads().settings().await?;
    let scope = FeedScope {
        title: settings.title.clone(),
        description: settings.description.clone(),
        path: "/".into(),
        tag_id: None,
    };
    Ok((settings, scope))
}

async fn tag_scope(state: &AppState, slug: &str) -> Result<(SiteSettings, FeedScope), Error> {
    let tag = state.reads().tag_by_slug(slug).await?;
    let settings = state.reads().settings().await?;
    let scope = FeedScope {
        title: format!("{}: {}", settings.title, tag.name),
        description: if tag.description.is_empty() {
            format!("Posts tagged “{}”", tag.name)
        } else {
            tag.description
        },
        path: tag_path(&tag.slug),
        tag_id: Some(tag.id),
    };
    Ok((settings, scope))
}

fn feed_response(content_type: &'static str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, PUBLIC_PAGE),
        ],
        axum::Extension(Cacheable::listing()),
        body,
    )
        .into_response()
}

/// A post's body for a feed: images from the media's public URL when one is set, every
/// other site path absolute.
fn feed_html(state: &AppState, html: &str) -> String {
    state.media_links().for_feed(html, &state.config().base_url)
}

fn published(post: &Post) -> DateTime<Utc> {
    post.summary.published_at.unwrap_or(post.summary.updated_at)
}

fn newest_update(posts: &[Post]) -> DateTime<Utc> {
    posts
        .iter()
        .map(|p| p.summary.updated_at.max(published(p)))
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

async fn render_atom(
    state: &AppState,
    settings: &SiteSettings,
    scope: FeedScope,
) -> Result<Response, Error> {
    use atom_syndication::{Category, Content, Entry, Feed, Generator, Link, Person, Text};
    let posts = state.reads().feed_posts(scope.tag_id, FEED_LENGTH).await?;
    let self_url = state.absolute(&format!("{}feed.xml", scope.path));
    let entries = posts
        .iter()
        .map(|post| {
            let s = &post.summary;
            let url = state.absolute(&post_path(&s.slug));
            Entry {
                title: Text::plain(s.title.clone()),
                id: url.clone(),
                updated: s.updated_at.max(published(post)).fixed_offset(),
                published: Some(published(post).fixed_offset()),
                authors: vec![Person {
                    name: s.author.name.clone(),
                    uri: Some(state.absolute(&crate::views::author_path(&s.author.slug))),
                    ..Default::default()
                }],
                categories: s
                    .tags
                    .iter()
                    .map(|t| Category {
                        term: t.name.clone(),
                        scheme: None,
                        label: None,
                    })
                    .collect(),
                links: vec![Link {
                    href: url,
                    rel: "alternate".into(),
                    mime_type: Some("text/html".into()),
                    ..Default::default()
                }],
                summary: Some(Text::plain(s.excerpt.clone())),
                content: Some(Content {
                    value: Some(feed_html(state, post.html.as_str())),
                    content_type: Some("html".into()),
                    ..Default::default()
                }),
                ..Default::default()
            }
        })
        .collect();
    let feed = Feed {
        title: Text::plain(scope.title),
        subtitle: Some(Text::plain(scope.description)),
        id: state.absolute(&scope.path),
        updated: newest_update(&posts).fixed_offset(),
        lang: Some(settings.lang.clone()),
        generator: Some(Generator {
            value: "Folio".into(),
            uri: None,
            version: None,
        }),
        links: vec![
            Link {
                href: self_url,
                rel: "self".into(),
                mime_type: Some("application/atom+xml".into()),
                ..Default::default()
            },
            Link {
                href: state.absolute(&scope.path),
                rel: "alternate".into(),
                mime_type: Some("text/html".into()),
                ..Default::default()
            },
        ],
        entries,
        ..Default::default()
    };
    Ok(feed_response(
        "application/atom+xml; charset=utf-8",
        feed.to_string(),
    ))
}

/// Text as HTML that shows exactly that text, escaped as the templates escape it: for the
/// RSS fields readers render as HTML (an excerpt may quote `<script>` from a post about it;
/// it must read as written).
fn escape_html(text: &str) -> String {
    minijinja::HtmlEscape(text).to_string()
}

async fn render_rss(
    state: &AppState,
    settings: &SiteSettings,
    scope: FeedScope,
) -> Result<Response, Error> {
    use rss::{Category, Channel, Guid, Item};
    let posts = state.reads().feed_posts(scope.tag_id, FEED_LENGTH).await?;
    let items = posts
        .iter()
        .map(|post| {
            let s = &post.summary;
            let url = state.absolute(&post_path(&s.slug));
            Item {
                title: Some(s.title.clone()),
                link: Some(url.clone()),
                // RSS readers take an item's description as HTML; the excerpt is text.
                description: Some(escape_html(&s.excerpt)),
                content: Some(feed_html(state, post.html.as_str())),
                guid: Some(Guid {
                    value: url,
                    permalink: true,
                }),
                pub_date: Some(published(post).to_rfc2822()),
                categories: s
                    .tags
                    .iter()
                    .map(|t| Category {
                        name: t.name.clone(),
                        domain: None,
                    })
                    .collect(),
                dublin_core_ext: Some(rss::extension::dublincore::DublinCoreExtension {
                    creators: vec![s.author.name.clone()],
                    ..Default::default()
                }),
                ..Default::default()
            }
        })
        .collect();
    let mut namespaces = std::collections::BTreeMap::new();
    namespaces.insert(
        "content".to_owned(),
        "http://purl.org/rss/1.0/modules/content/".to_owned(),
    );
    namespaces.insert(
        "dc".to_owned(),
        "http://purl.org/dc/elements/1.1/".to_owned(),
    );
    let channel = Channel {
        title: scope.title,
        link: state.absolute(&scope.path),
        description: escape_html(&scope.description),
        language: Some(settings.lang.clone()),
        generator: Some("Folio".into()),
        last_build_date: Some(newest_update(&posts).to_rfc2822()),
        items,
        namespaces,
        ..Default::default()
    };
    Ok(feed_response(
        "application/rss+xml; charset=utf-8",
        channel.to_string(),
    ))
}

async fn render_json_feed(
    state: &AppState,
    settings: &SiteSettings,
    scope: FeedScope,
) -> Result<Response, Error> {
    let posts = state.reads().feed_posts(scope.tag_id, FEED_LENGTH).await?;
    let items: Vec<serde_json::Value> = posts
        .iter()
        .map(|post| {
            let s = &post.summary;
            let url = state.absolute(&post_path(&s.slug));
            let mut item = serde_json::json!({
                "id": url,
                "url": url,
                "title": s.title,
                "content_html": feed_html(state, post.html.as_str()),
                "summary": s.excerpt,
                "date_published": iso(published(post)),
                "date_modified": iso(s.updated_at),
                "authors": [{ "name": s.author.name, "url": state.absolute(&crate::views::author_path(&s.author.slug)) }],
                "tags": s.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            });
            if let Some(image) = &s.feature_image {
                let image = absolute_url(state, image);
                let image = state.media_links().public(&image).unwrap_or(image);
                item["image"] = serde_json::Value::String(image);
            }
            item
        })
        .collect();
    let feed = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": scope.title,
        "description": scope.description,
        "home_page_url": state.absolute(&scope.path),
        "feed_url": state.absolute(&format!("{}feed.json", scope.path)),
        "language": settings.lang,
        "items": items,
    });
    Ok(feed_response(
        "application/feed+json; charset=utf-8",
        feed.to_string(),
    ))
}

async fn atom(State(state): State<AppState>) -> Result<Response, Error> {
    let (settings, scope) = site_scope(&state).await?;
    render_atom(&state, &settings, scope).await
}

async fn rss(State(state): State<AppState>) -> Result<Response, Error> {
    let (settings, scope) = site_scope(&state).await?;
    render_rss(&state, &settings, scope).await
}

async fn json_feed(State(state): State<AppState>) -> Result<Response, Error> {
    let (settings, scope) = site_scope(&state).await?;
    render_json_feed(&state, &settings, scope).await
}

async fn tag_atom(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let (settings, scope) = tag_scope(&state, &slug).await?;
    render_atom(&state, &settings, scope).await
}

async fn tag_rss(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let (settings, scope) = tag_scope(&state, &slug).await?;
    render_rss(&state, &settings, scope).await
}

async fn tag_json_feed(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let (settings, scope) = tag_scope(&state, &slug).await?;
    render_json_feed(&state, &settings, scope).await
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

async fn sitemap(State(state): State<AppState>) -> Result<Response, Error> {
    let entries = state.reads().public_entries(SITEMAP_LIMIT).await?;
    let tag_slugs = state.reads().public_tag_slugs().await?;
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    let newest = entries.iter().map(|e| e.updated_at).max();
    let mut url = |loc: String, lastmod: Option<DateTime<Utc>>| {
        xml.push_str("  <url><loc>");
        xml.push_str(&xml_escape(&loc));
        xml.push_str("</loc>");
        if let Some(t) = lastmod {
            xml.push_str("<lastmod>");
            xml.push_str(&iso(t));
            xml.push_str("</lastmod>");
        }
        xml.push_str("</url>\n");
    };
    url(state.absolute("/"), newest);
    for e in &entries {
        url(state.absolute(&post_path(&e.slug)), Some(e.updated_at));
    }
    for slug in &tag_slugs {
        url(state.absolute(&tag_path(slug)), None);
    }
    xml.push_str("</urlset>\n");
    Ok(feed_response("application/xml; charset=utf-8", xml))
}
