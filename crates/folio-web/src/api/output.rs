//! JSON shapes the API answers with.

use crate::views::{author_path, post_path, tag_path};
use crate::AppState;
use chrono::{DateTime, Utc};
use folio_store::{Post, PostSummary, SiteSettings, TagInfo, User};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct AuthorOut {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct TagOut {
    pub name: String,
    pub slug: String,
    pub url: String,
}

/// A post or page. `markdown` and `custom_excerpt` appear in admin answers only.
#[derive(Serialize, ToSchema)]
pub struct PostOut {
    pub id: i64,
    /// `post` or `page`.
    pub kind: String,
    pub title: String,
    pub slug: String,
    /// `draft`, `scheduled` or `published`.
    pub status: String,
    /// Its public address (where it is or will be once published).
    pub url: String,
    pub excerpt: String,
    pub html: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub markdown: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_excerpt: Option<String>,
    pub feature_image: Option<String>,
    pub feature_image_alt: String,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub author: AuthorOut,
    pub tags: Vec<TagOut>,
    pub seo_title: String,
    pub seo_description: String,
    pub canonical_url: String,
}

/// A post in a listing: no body.
#[derive(Serialize, ToSchema)]
pub struct SummaryOut {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub slug: String,
    pub status: String,
    pub url: String,
    pub excerpt: String,
    pub feature_image: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub author: AuthorOut,
    pub tags: Vec<TagOut>,
}

#[derive(Serialize, ToSchema)]
pub struct PostList {
    pub posts: Vec<SummaryOut>,
    /// Pass as `cursor` to get the next (older) page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TagInfoOut {
    pub name: String,
    pub slug: String,
    pub description: String,
    pub url: String,
    /// Published posts carrying the tag.
    pub post_count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct TagList {
    pub tags: Vec<TagInfoOut>,
}

#[derive(Serialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub slug: String,
    pub role: String,
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct NavItemOut {
    pub label: String,
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct SettingsOut {
    pub title: String,
    pub description: String,
    pub lang: String,
    pub posts_per_page: u32,
    pub navigation: Vec<NavItemOut>,
    pub timezone: String,
    pub logo: String,
    pub accent: String,
}

fn author_out(state: &AppState, s: &PostSummary) -> AuthorOut {
    AuthorOut {
        id: s.author.id,
        name: s.author.name.clone(),
        slug: s.author.slug.clone(),
        url: state.absolute(&author_path(&s.author.slug)),
    }
}

fn tags_out(state: &AppState, s: &PostSummary) -> Vec<TagOut> {
    s.tags
        .iter()
        .map(|t| TagOut {
            name: t.name.clone(),
            slug: t.slug.clone(),
            url: state.absolute(&tag_path(&t.slug)),
        })
        .collect()
}

/// Whether the answer includes the writer's source fields.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Public,
    Admin,
}

pub fn post_out(state: &AppState, post: &Post, audience: Audience) -> PostOut {
    let s = &post.summary;
    let admin = audience == Audience::Admin;
    PostOut {
        id: s.id,
        kind: s.kind.as_str().into(),
        title: s.title.clone(),
        slug: s.slug.clone(),
        status: s.status.as_str().into(),
        url: state.absolute(&post_path(&s.slug)),
        excerpt: s.excerpt.clone(),
        html: post.html.as_str().to_owned(),
        markdown: admin.then(|| post.markdown.clone()),
        custom_excerpt: admin.then(|| post.custom_excerpt.clone()),
        feature_image: s.feature_image.clone(),
        feature_image_alt: s.feature_image_alt.clone(),
        published_at: s.published_at,
        created_at: post.created_at,
        updated_at: s.updated_at,
        author: author_out(state, s),
        tags: tags_out(state, s),
        seo_title: post.seo_title.clone(),
        seo_description: post.seo_description.clone(),
        canonical_url: post.canonical_url.clone(),
    }
}

pub fn summary_out(state: &AppState, s: &PostSummary) -> SummaryOut {
    SummaryOut {
        id: s.id,
        kind: s.kind.as_str().into(),
        title: s.title.clone(),
        slug: s.slug.clone(),
        status: s.status.as_str().into(),
        url: state.absolute(&post_path(&s.slug)),
        excerpt: s.excerpt.clone(),
        feature_image: s.feature_image.clone(),
        published_at: s.published_at,
        updated_at: s.updated_at,
        author: author_out(state, s),
        tags: tags_out(state, s),
    }
}

pub fn tag_info_out(state: &AppState, t: &TagInfo) -> TagInfoOut {
    TagInfoOut {
        name: t.name.clone(),
        slug: t.slug.clone(),
        description: t.description.clone(),
        url: state.absolute(&tag_path(&t.slug)),
        post_count: t.post_count,
    }
}

pub fn user_out(state: &AppState, u: &User) -> UserOut {
    UserOut {
        id: u.id,
        email: u.email.clone(),
        name: u.name.clone(),
        slug: u.slug.clone(),
        role: u.role.as_str().into(),
        url: state.absolute(&author_path(&u.slug)),
    }
}

pub fn settings_out(s: &SiteSettings) -> SettingsOut {
    SettingsOut {
        title: s.title.clone(),
        description: s.description.clone(),
        lang: s.lang.clone(),
        posts_per_page: s.posts_per_page,
        navigation: s
            .navigation
            .iter()
            .map(|n| NavItemOut {
                label: n.label.clone(),
                url: n.url.clone(),
            })
            .collect(),
        timezone: s.timezone.clone(),
        logo: s.logo.clone(),
        accent: s.accent.clone(),
    }
}
