//! View contexts: one struct per page, built from store values. Templates see only
//! these; every string in them is escaped by the engine except the `html` fields,
//! which are [`folio_core::SafeHtml`] from the Markdown pipeline.

use crate::theme::{safe, ThemeError};
use crate::AppState;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use folio_core::{ImageSets, SiteZone};
use folio_store::{NavItem, Post, PostSummary, SiteSettings};
use minijinja::Value;
use serde::Serialize;

#[derive(Serialize)]
pub struct SiteView {
    pub title: String,
    pub description: String,
    pub url: String,
    pub lang: String,
    pub navigation: Vec<NavItem>,
    /// Absolute URL of the header logo; empty for none.
    pub logo: String,
    pub accent: String,
    /// Where the source of the code serving the site can be had (`FOLIO_SOURCE_URL`).
    pub source_url: String,
}

#[derive(Serialize, Clone)]
pub struct FeedLink {
    pub title: String,
    pub url: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

#[derive(Serialize, Default)]
pub struct MetaView {
    pub title: String,
    pub description: String,
    pub canonical: String,
    pub og_type: &'static str,
    pub image: String,
    pub json_ld: Option<Value>,
    pub feeds: Vec<FeedLink>,
    pub robots: &'static str,
}

#[derive(Serialize)]
pub struct Link {
    pub name: String,
    pub url: String,
}

#[derive(Serialize)]
pub struct SummaryView {
    pub title: String,
    pub url: String,
    pub excerpt: String,
    pub published_at: String,
    pub published_display: String,
    pub reading_minutes: i64,
    pub author: Link,
    pub tags: Vec<Link>,
    pub feature_image: String,
    pub feature_image_alt: String,
    pub feature_picture: Option<PictureView>,
}

/// The responsive renditions of an image from the media library: `<picture>` material.
#[derive(Serialize)]
pub struct PictureView {
    pub srcset: String,
    /// Empty when there are no WebP copies (then no `<source>`).
    pub webp_srcset: String,
    pub width: u32,
    pub height: u32,
}

impl From<&folio_core::ImageSet> for PictureView {
    fn from(set: &folio_core::ImageSet) -> Self {
        PictureView {
            srcset: set.srcset.clone(),
            webp_srcset: set.webp_srcset.clone().unwrap_or_default(),
            width: set.width,
            height: set.height,
        }
    }
}

/// The library's renditions of a feature image, when it is one of the library's.
fn feature_picture(url: Option<&str>, images: &ImageSets) -> Option<PictureView> {
    url.and_then(|u| images.get(u)).map(PictureView::from)
}

#[derive(Serialize)]
pub struct AuthorView {
    pub name: String,
    pub url: String,
    pub bio: String,
}

#[derive(Serialize)]
pub struct PostView {
    pub title: String,
    pub url: String,
    pub html: Value,
    pub excerpt: String,
    pub published_at: String,
    pub published_display: String,
    pub updated_at: String,
    pub updated_display: String,
    pub reading_minutes: i64,
    pub is_page: bool,
    pub author: AuthorView,
    pub tags: Vec<Link>,
    pub feature_image: String,
    pub feature_image_alt: String,
    pub feature_picture: Option<PictureView>,
}

/// The whole context of a page: the parts every template gets, and the page's own.
#[derive(Serialize)]
pub struct PageContext<T: Serialize> {
    pub site: SiteView,
    pub meta: MetaView,
    pub current_path: String,
    #[serde(flatten)]
    pub page: T,
}

pub fn post_path(slug: &str) -> String {
    format!("/{slug}/")
}

pub fn tag_path(slug: &str) -> String {
    format!("/tag/{slug}/")
}

pub fn author_path(slug: &str) -> String {
    format!("/author/{slug}/")
}

pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The date a reader sees, on the site's wall clock (a post published at 23:30 UTC is
/// dated the next day in Paris).
pub fn display_date(t: DateTime<Utc>, zone: SiteZone) -> String {
    zone.format(t, "%-d %B %Y")
}

fn reading_minutes(words: i64) -> i64 {
    (words / 230).max(1)
}

/// Makes an image URL absolute when it is a site path, for feeds and social cards.
pub fn absolute_url(state: &AppState, url: &str) -> String {
    if url.starts_with('/') && !url.starts_with("//") {
        state.absolute(url)
    } else {
        url.to_owned()
    }
}

impl SiteView {
    pub fn new(state: &AppState, settings: &SiteSettings) -> Self {
        SiteView {
            title: settings.title.clone(),
            description: settings.description.clone(),
            url: state.config().base_url.clone(),
            lang: settings.lang.clone(),
            navigation: settings.navigation.clone(),
            logo: if settings.logo.is_empty() {
                String::new()
            } else {
                absolute_url(state, &settings.logo)
            },
            accent: settings.accent.clone(),
            source_url: state.config().source_url.clone(),
        }
    }
}

pub fn site_feeds(state: &AppState, settings: &SiteSettings) -> Vec<FeedLink> {
    feeds_under(state, "/", &settings.title)
}

/// The three feeds under a listing's path (`/` or `/tag/x/`).
pub fn feeds_under(state: &AppState, base: &str, title: &str) -> Vec<FeedLink> {
    vec![
        FeedLink {
            title: format!("{title} (Atom)"),
            url: state.absolute(&format!("{base}feed.xml")),
            kind: "application/atom+xml",
        },
        FeedLink {
            title: format!("{title} (RSS)"),
            url: state.absolute(&format!("{base}rss.xml")),
            kind: "application/rss+xml",
        },
        FeedLink {
            title: format!("{title} (JSON Feed)"),
            url: state.absolute(&format!("{base}feed.json")),
            kind: "application/feed+json",
        },
    ]
}

pub fn summary_view(
    state: &AppState,
    p: &PostSummary,
    images: &ImageSets,
    zone: SiteZone,
) -> SummaryView {
    let published = p.published_at.unwrap_or(p.updated_at);
    SummaryView {
        title: p.title.clone(),
        url: state.absolute(&post_path(&p.slug)),
        excerpt: p.excerpt.clone(),
        published_at: iso(published),
        published_display: display_date(published, zone),
        reading_minutes: reading_minutes(p.word_count),
        author: Link {
            name: p.author.name.clone(),
            url: state.absolute(&author_path(&p.author.slug)),
        },
        tags: p
            .tags
            .iter()
            .map(|t| Link {
                name: t.name.clone(),
                url: state.absolute(&tag_path(&t.slug)),
            })
            .collect(),
        feature_image: p
            .feature_image
            .as_deref()
            .map(|u| absolute_url(state, u))
            .unwrap_or_default(),
        feature_image_alt: p.feature_image_alt.clone(),
        feature_picture: feature_picture(p.feature_image.as_deref(), images),
    }
}

pub fn post_view(state: &AppState, post: &Post, images: &ImageSets, zone: SiteZone) -> PostView {
    let s = &post.summary;
    let published = s.published_at.unwrap_or(s.updated_at);
    PostView {
        title: s.title.clone(),
        url: state.absolute(&post_path(&s.slug)),
        html: safe(&post.html),
        excerpt: s.excerpt.clone(),
        published_at: iso(published),
        published_display: display_date(published, zone),
        updated_at: iso(s.updated_at),
        updated_display: display_date(s.updated_at, zone),
        reading_minutes: reading_minutes(s.word_count),
        is_page: s.kind == folio_core::PostKind::Page,
        author: AuthorView {
            name: s.author.name.clone(),
            url: state.absolute(&author_path(&s.author.slug)),
            bio: s.author.bio.clone(),
        },
        tags: s
            .tags
            .iter()
            .map(|t| Link {
                name: t.name.clone(),
                url: state.absolute(&tag_path(&t.slug)),
            })
            .collect(),
        feature_image: s
            .feature_image
            .as_deref()
            .map(|u| absolute_url(state, u))
            .unwrap_or_default(),
        feature_image_alt: s.feature_image_alt.clone(),
        feature_picture: feature_picture(s.feature_image.as_deref(), images),
    }
}

/// JSON for a `<script type="application/ld+json">` block. `<`, `>` and `&` are
/// escaped as `\u003c` and friends so the text can never close the script element.
pub fn json_ld(value: &serde_json::Value) -> Value {
    let text = value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    Value::from_safe_string(text)
}

/// `"Page title – Site title"`, or the site title alone for the home page.
pub fn page_title(page: &str, settings: &SiteSettings) -> String {
    if page.is_empty() {
        settings.title.clone()
    } else {
        format!("{page} – {}", settings.title)
    }
}

/// Renders the theme's error page.
pub fn render_error(
    state: &AppState,
    settings: &SiteSettings,
    path: &str,
    status: StatusCode,
    heading: &str,
    message: &str,
) -> Result<String, ThemeError> {
    #[derive(Serialize)]
    struct ErrorPage<'a> {
        status: u16,
        heading: &'a str,
        message: &'a str,
    }
    let context = PageContext {
        site: SiteView::new(state, settings),
        meta: MetaView {
            title: page_title(heading, settings),
            canonical: state.absolute(path),
            og_type: "website",
            robots: "noindex",
            ..Default::default()
        },
        current_path: path.to_owned(),
        page: ErrorPage {
            status: status.as_u16(),
            heading,
            message,
        },
    };
    state.theme().render("error.html", &context)
}

/// The theme's error page for `err`. It renders even when the database is down (the
/// settings fall back to their defaults, briefly awaited), and falls back to plain text
/// if the theme itself fails.
pub async fn error_page(
    state: &AppState,
    err: &crate::Error,
    path: &str,
) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let (heading, message) = err.page_text(false);
    let settings = match tokio::time::timeout(
        std::time::Duration::from_millis(500),
        state.reads().settings(),
    )
    .await
    {
        Ok(Ok(settings)) => settings,
        _ => SiteSettings::default(),
    };
    let response = match render_error(state, &settings, path, err.status, heading, &message) {
        Ok(html) => (
            err.status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response(),
        Err(theme) => {
            tracing::error!(error = %theme, "the theme's error page failed to render");
            (
                err.status,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                format!("{heading}\n\n{message}\n"),
            )
                .into_response()
        }
    };
    crate::error::finish(response)
}
