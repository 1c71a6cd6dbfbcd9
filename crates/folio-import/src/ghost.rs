//! Ghost's JSON export (Settings → Advanced → Export), from Ghost 1 to 6.
//!
//! The file is one JSON document: `{"db": [{"meta": {"version"}, "data": {"posts",
//! "tags", "users", "posts_tags", "posts_authors", "posts_meta", …}}]}`. A post's body
//! is in `lexical` (Ghost 5 onwards), `mobiledoc` (Ghost 1–4), or only `html`; each is
//! converted to Markdown here: Lexical's and Mobiledoc's trees are walked node by node,
//! their cards (image, markdown, HTML, code, embed, bookmark, gallery, callout…)
//! mapped to what Markdown can say, and HTML goes through [`crate::html`].

use crate::html::{self, Notes};
use crate::{decode_entities, escape, fenced, plain_text, Entry, Person, Skip};
use chrono::{DateTime, Utc};
use folio_core::{PostKind, PostStatus};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Where Ghost keeps uploaded images, in every URL of one.
pub const IMAGES: &str = "/content/images/";

/// The placeholder Ghost writes for its own URL in exported content.
pub const GHOST_URL: &str = "__GHOST_URL__";

/// Ghost major versions whose export format this reader knows.
const MAJORS: std::ops::RangeInclusive<u32> = 1..=6;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FormatError(pub String);

#[derive(Debug, Deserialize)]
struct File {
    db: Option<Vec<Export>>,
    #[serde(flatten)]
    single: Option<Export>,
}

#[derive(Debug, Default, Deserialize)]
struct Export {
    meta: Option<Meta>,
    data: Option<Data>,
}

#[derive(Debug, Default, Deserialize)]
struct Meta {
    version: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Data {
    posts: Vec<GhostPost>,
    tags: Vec<GhostTag>,
    users: Vec<GhostUser>,
    posts_tags: Vec<Link>,
    posts_authors: Vec<Link>,
    posts_meta: Vec<PostMeta>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct GhostPost {
    pub id: String,
    pub title: Option<String>,
    pub slug: String,
    pub mobiledoc: Option<String>,
    pub lexical: Option<String>,
    pub html: Option<String>,
    pub feature_image: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Ghost 1's way of saying `type: page`.
    pub page: Option<Value>,
    pub status: String,
    pub visibility: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub published_at: Option<String>,
    pub custom_excerpt: Option<String>,
    pub canonical_url: Option<String>,
    pub author_id: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
struct GhostTag {
    id: String,
    name: String,
    slug: String,
    description: Option<String>,
    visibility: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
struct GhostUser {
    id: String,
    name: String,
    email: String,
    bio: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
struct Link {
    post_id: String,
    tag_id: Option<String>,
    author_id: Option<String>,
    sort_order: Option<i64>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
struct PostMeta {
    post_id: String,
    meta_title: Option<String>,
    meta_description: Option<String>,
    feature_image_alt: Option<String>,
}

/// A parsed export: its posts, and what they refer to.
#[derive(Debug, Default)]
pub struct Site {
    pub version: String,
    /// The old site's address (`https://old.example`), when known: images and files
    /// not copied in keep loading from there. Empty: they become site-relative paths.
    pub old_url: String,
    pub posts: Vec<GhostPost>,
    tags: BTreeMap<String, GhostTag>,
    users: Vec<GhostUser>,
    post_tags: BTreeMap<String, Vec<(i64, String)>>,
    post_authors: BTreeMap<String, Vec<(i64, String)>>,
    post_meta: BTreeMap<String, PostMeta>,
}

fn text(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

impl Site {
    /// Parses an export; a file of the wrong kind or of an unknown version is refused,
    /// with the line and column of a syntax error.
    pub fn parse(json: &[u8]) -> Result<Site, FormatError> {
        let file: File = serde_json::from_slice(json).map_err(|e| {
            FormatError(format!(
                "this is not a Ghost export: line {}, column {}: {e}",
                e.line(),
                e.column()
            ))
        })?;
        let export = match file.db {
            Some(mut db) if !db.is_empty() => db.swap_remove(0),
            _ => file.single.unwrap_or_default(),
        };
        let (Some(meta), Some(data)) = (export.meta, export.data) else {
            return Err(FormatError(
                "this is not a Ghost export: it has no \"db\"[0].\"meta\" and \"data\"".into(),
            ));
        };
        let version = match meta.version {
            Some(Value::String(s)) => s,
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return Err(FormatError(
                    "this Ghost export does not say its version (meta.version)".into(),
                ))
            }
        };
        let major: Option<u32> = version.split('.').next().and_then(|m| m.parse().ok());
        if !major.is_some_and(|m| MAJORS.contains(&m)) {
            return Err(FormatError(format!(
                "Ghost export version {version:?} is not one this importer knows (Ghost {} to {})",
                MAJORS.start(),
                MAJORS.end()
            )));
        }
        let mut site = Site {
            version,
            ..Site::default()
        };
        for t in data.tags {
            site.tags.insert(t.id.clone(), t);
        }
        for l in data.posts_tags {
            if let Some(tag) = l.tag_id {
                site.post_tags
                    .entry(l.post_id)
                    .or_default()
                    .push((l.sort_order.unwrap_or(0), tag));
            }
        }
        for l in data.posts_authors {
            if let Some(author) = l.author_id {
                site.post_authors
                    .entry(l.post_id)
                    .or_default()
                    .push((l.sort_order.unwrap_or(0), author));
            }
        }
        for list in site
            .post_tags
            .values_mut()
            .chain(site.post_authors.values_mut())
        {
            list.sort();
        }
        for m in data.posts_meta {
            site.post_meta.insert(m.post_id.clone(), m);
        }
        site.users = data.users;
        site.posts = data.posts;
        Ok(site)
    }

    /// Descriptions of the public tags, by tag name.
    pub fn tag_descriptions(&self) -> Vec<(String, String)> {
        self.tags
            .values()
            .filter(|t| t.visibility.as_deref() != Some("internal") && !t.name.starts_with('#'))
            .filter_map(|t| {
                let description = plain_text(text(&t.description));
                (!t.name.trim().is_empty() && !description.is_empty())
                    .then(|| (decode_entities(t.name.trim()), description))
            })
            .collect()
    }

    pub fn people(&self) -> Vec<Person> {
        self.users
            .iter()
            .map(|u| Person {
                key: u.id.clone(),
                email: u.email.trim().to_owned(),
                name: if u.name.trim().is_empty() {
                    "Author".into()
                } else {
                    decode_entities(u.name.trim())
                },
                bio: text(&u.bio).to_owned(),
            })
            .collect()
    }

    /// Turns one post into an entry, or says why it is left out.
    pub fn entry(&self, post: &GhostPost) -> Result<Entry, Skip> {
        let title = decode_entities(text(&post.title).trim());
        let label = || format!("post {} {:?}", post.id, title);
        let kind = match post.kind.as_deref() {
            _ if is_page(post) => PostKind::Page,
            Some("post") | None => PostKind::Post,
            Some(other) => {
                return Err(Skip {
                    what: label(),
                    why: format!("type {other:?} is not a post or a page"),
                })
            }
        };
        let mut notes = Vec::new();
        let published_at = post.published_at.as_deref().and_then(ghost_time);
        let mut status = match post.status.as_str() {
            "published" => PostStatus::Published,
            "scheduled" => PostStatus::Scheduled,
            "draft" => PostStatus::Draft,
            "sent" => {
                notes.push("sent as a newsletter only in Ghost: imported as a draft".to_owned());
                PostStatus::Draft
            }
            other => {
                notes.push(format!("status {other:?} is unknown: imported as a draft"));
                PostStatus::Draft
            }
        };
        let visibility = text(&post.visibility);
        if status != PostStatus::Draft && !matches!(visibility, "" | "public") {
            notes.push(format!("for {visibility} only in Ghost; Folio has no members, so it is a draft (publish it to make it public)"));
            status = PostStatus::Draft;
        }
        if status != PostStatus::Draft && published_at.is_none() {
            return Err(Skip {
                what: label(),
                why: "it is published but has no readable published_at".into(),
            });
        }
        let updated_at = post
            .updated_at
            .as_deref()
            .and_then(ghost_time)
            .or(published_at)
            .unwrap_or_else(Utc::now);
        let created_at = post
            .created_at
            .as_deref()
            .and_then(ghost_time)
            .unwrap_or(updated_at);
        let mut content_notes = Notes::default();
        let markdown = match (
            post.lexical.as_deref(),
            post.mobiledoc.as_deref(),
            post.html.as_deref(),
        ) {
            (Some(lexical), _, _) if !lexical.trim().is_empty() => {
                lexical_to_markdown(lexical, &mut content_notes)
            }
            (_, Some(mobiledoc), _) if !mobiledoc.trim().is_empty() => {
                mobiledoc_to_markdown(mobiledoc, &mut content_notes)
            }
            (_, _, Some(html)) => Ok(html::html_fragment_to_markdown(html, &mut content_notes)),
            _ => Ok(String::new()),
        }
        .map_err(|why| Skip { what: label(), why })?;
        notes.extend(content_notes.warnings);
        let markdown = self.resolve(&markdown);

        let mut tags = Vec::new();
        for (_, id) in self
            .post_tags
            .get(&post.id)
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            match self.tags.get(id) {
                Some(t)
                    if t.visibility.as_deref() == Some("internal") || t.name.starts_with('#') =>
                {
                    notes.push(format!(
                        "internal tag {:?} left out (Folio's tags are all public)",
                        t.name
                    ));
                }
                Some(t) if !t.name.trim().is_empty() => tags.push(decode_entities(t.name.trim())),
                _ => notes.push(format!("tag {id} is not in the export")),
            }
        }
        let authors = self
            .post_authors
            .get(&post.id)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let author_key = authors
            .first()
            .map(|(_, a)| a.clone())
            .or_else(|| post.author_id.clone())
            .unwrap_or_default();
        if authors.len() > 1 {
            notes.push(format!(
                "{} authors in Ghost; Folio keeps the first",
                authors.len()
            ));
        }
        let meta = self.post_meta.get(&post.id);
        let pick = |from_meta: Option<&Option<String>>, legacy: &Option<String>| {
            from_meta
                .map(text)
                .filter(|s| !s.is_empty())
                .unwrap_or(text(legacy))
                .to_owned()
        };
        Ok(Entry {
            source_id: post.id.clone(),
            kind,
            title,
            slug: post.slug.clone(),
            markdown,
            custom_excerpt: plain_text(text(&post.custom_excerpt)),
            status,
            published_at,
            created_at,
            updated_at,
            author_key,
            tags,
            feature_image: post
                .feature_image
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| self.resolve(s)),
            feature_image_alt: meta
                .map(|m| text(&m.feature_image_alt).to_owned())
                .unwrap_or_default(),
            seo_title: pick(meta.map(|m| &m.meta_title), &post.meta_title),
            seo_description: pick(meta.map(|m| &m.meta_description), &post.meta_description),
            canonical_url: text(&post.canonical_url).to_owned(),
            old_paths: vec![format!("/{}/", post.slug)],
            notes,
            unknown_shortcodes: Vec::new(),
        })
    }
}

impl Site {
    /// Ghost's `__GHOST_URL__` placeholder resolved: uploads (`/content/…`) to the old
    /// site when its address is known, everything else to a path of this site.
    fn resolve(&self, text: &str) -> String {
        let old = self.old_url.trim_end_matches('/');
        let text = if old.is_empty() {
            text.to_owned()
        } else {
            text.replace(&format!("{GHOST_URL}/content/"), &format!("{old}/content/"))
        };
        text.replace(GHOST_URL, "")
    }
}

fn is_page(post: &GhostPost) -> bool {
    match (&post.kind, &post.page) {
        (Some(kind), _) => kind == "page",
        (None, Some(Value::Bool(b))) => *b,
        (None, Some(Value::Number(n))) => n.as_i64() == Some(1),
        _ => false,
    }
}

/// `2024-05-01T10:00:00.000Z`, and the `2024-05-01 10:00:00` of older exports.
fn ghost_time(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%d %H:%M:%S")
                .ok()
                .map(|t| t.and_utc())
        })
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn image(src: &str, alt: &str, caption_html: &str, notes: &mut Notes) -> String {
    let mut out = format!("![{}]({})", escape(alt), src.replace(' ', "%20"));
    let caption = html::html_fragment_to_markdown(caption_html, notes);
    if !caption.trim().is_empty() {
        out.push_str(&format!("\n\n*{}*", caption.trim()));
    }
    out
}

/// The cards Ghost's editors share (Mobiledoc and Lexical name their fields alike).
fn card(name: &str, payload: &Value, notes: &mut Notes) -> Option<String> {
    let s = |k: &str| str_of(payload, k);
    let out = match name {
        "markdown" | "card-markdown" => s("markdown").to_owned(),
        "html" => html::html_fragment_to_markdown(s("html"), notes),
        "image" => image(
            s("src"),
            if s("alt").is_empty() {
                s("altText")
            } else {
                s("alt")
            },
            s("caption"),
            notes,
        ),
        "code" | "codeblock" => {
            let mut out = fenced(s("code"), s("language"));
            if !s("caption").is_empty() {
                out.push_str(&format!(
                    "\n\n*{}*",
                    html::html_fragment_to_markdown(s("caption"), notes)
                ));
            }
            out
        }
        "embed" | "video" | "audio" | "file" => {
            let url = if s("url").is_empty() {
                s("src")
            } else {
                s("url")
            };
            if url.is_empty() {
                notes
                    .warnings
                    .push(format!("a {name} card without a URL was left out"));
                return None;
            }
            let mut out = format!("<{url}>");
            if !s("caption").is_empty() {
                out.push_str(&format!(
                    "\n\n*{}*",
                    html::html_fragment_to_markdown(s("caption"), notes)
                ));
            }
            out
        }
        "bookmark" => {
            let url = s("url");
            let title = payload
                .get("metadata")
                .map(|m| str_of(m, "title"))
                .filter(|t| !t.is_empty())
                .unwrap_or(url);
            let mut out = format!("[{}]({url})", escape(title));
            if let Some(description) = payload
                .get("metadata")
                .map(|m| str_of(m, "description"))
                .filter(|d| !d.is_empty())
            {
                out.push_str(&format!("\n\n{}", escape(description)));
            }
            out
        }
        "gallery" => {
            let images = payload
                .get("images")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let mut parts: Vec<String> = images
                .iter()
                .map(|i| {
                    image(
                        str_of(i, "src"),
                        str_of(i, "alt"),
                        str_of(i, "caption"),
                        notes,
                    )
                })
                .collect();
            if !s("caption").is_empty() {
                parts.push(format!(
                    "*{}*",
                    html::html_fragment_to_markdown(s("caption"), notes)
                ));
            }
            parts.join("\n\n")
        }
        "hr" | "horizontalrule" => "---".to_owned(),
        "callout" => {
            let body = html::html_fragment_to_markdown(s("calloutText"), notes);
            let line = format!("{} {}", s("calloutEmoji"), body).trim().to_owned();
            line.lines()
                .map(|l| format!("> {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        }
        "button" => format!("[{}]({})", escape(s("buttonText")), s("buttonUrl")),
        "toggle" => format!(
            "**{}**\n\n{}",
            html::html_fragment_to_markdown(s("heading"), notes),
            html::html_fragment_to_markdown(s("content"), notes)
        ),
        "header" => {
            let mut out = format!("## {}", plain_text(s("header")));
            if !s("subheader").is_empty() {
                out.push_str(&format!(
                    "\n\n{}",
                    html::html_fragment_to_markdown(s("subheader"), notes)
                ));
            }
            out
        }
        "paywall" => {
            notes.warnings.push(
                "the members-only divider (paywall) was removed: everything after it is public"
                    .into(),
            );
            return None;
        }
        other => {
            notes.warnings.push(format!(
                "a {other:?} card has no Markdown equivalent and was left out"
            ));
            return None;
        }
    };
    Some(out)
}

/// Mobiledoc 0.3 (Ghost 1 to 4) to Markdown.
pub fn mobiledoc_to_markdown(json: &str, notes: &mut Notes) -> Result<String, String> {
    let doc: Value =
        serde_json::from_str(json).map_err(|e| format!("its mobiledoc is not valid JSON: {e}"))?;
    let empty = Vec::new();
    let list = |k: &str| doc.get(k).and_then(Value::as_array).unwrap_or(&empty);
    let (markups, atoms, cards, sections) = (
        list("markups"),
        list("atoms"),
        list("cards"),
        list("sections"),
    );
    let inline =
        |markers: &Value, notes: &mut Notes| mobiledoc_markers(markers, markups, atoms, notes);
    let mut blocks = Vec::new();
    for section in sections {
        let kind = section.get(0).and_then(Value::as_i64).unwrap_or(-1);
        let block = match kind {
            1 => {
                let tag = section
                    .get(1)
                    .and_then(Value::as_str)
                    .unwrap_or("p")
                    .to_ascii_lowercase();
                let text = inline(section.get(2).unwrap_or(&Value::Null), notes);
                match tag.as_str() {
                    "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => format!(
                        "{} {text}",
                        "#".repeat(usize::from(tag.as_bytes()[1] - b'0'))
                    ),
                    "blockquote" | "aside" | "pull-quote" => text
                        .lines()
                        .map(|l| format!("> {l}"))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    _ => text,
                }
            }
            2 => format!(
                "![]({})",
                section.get(1).and_then(Value::as_str).unwrap_or("")
            ),
            3 => {
                let ordered = section.get(1).and_then(Value::as_str) == Some("ol");
                let items = section
                    .get(2)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        format!(
                            "{} {}",
                            if ordered {
                                format!("{}.", i + 1)
                            } else {
                                "-".into()
                            },
                            inline(item, notes)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            }
            10 => {
                let index = section.get(1).and_then(Value::as_u64).unwrap_or(u64::MAX);
                let Some(c) = usize::try_from(index).ok().and_then(|i| cards.get(i)) else {
                    notes.warnings.push(format!(
                        "a card section names card {index}, which is not there"
                    ));
                    continue;
                };
                match card(
                    c.get(0).and_then(Value::as_str).unwrap_or(""),
                    c.get(1).unwrap_or(&Value::Null),
                    notes,
                ) {
                    Some(out) => out,
                    None => continue,
                }
            }
            other => {
                notes.warnings.push(format!(
                    "a mobiledoc section of type {other} is unknown and was left out"
                ));
                continue;
            }
        };
        if !block.trim().is_empty() {
            blocks.push(block);
        }
    }
    Ok(blocks.join("\n\n"))
}

fn mobiledoc_markers(
    markers: &Value,
    markups: &[Value],
    atoms: &[Value],
    notes: &mut Notes,
) -> String {
    let mut out = String::new();
    let mut open: Vec<(String, String)> = Vec::new();
    for marker in markers.as_array().map(Vec::as_slice).unwrap_or(&[]) {
        let opens = marker
            .get(1)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for m in opens.iter().filter_map(Value::as_u64) {
            let markup = usize::try_from(m).ok().and_then(|m| markups.get(m));
            let tag = markup
                .and_then(|m| m.get(0))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_ascii_lowercase();
            let attrs = markup
                .and_then(|m| m.get(1))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let href = attrs
                .chunks(2)
                .find(|p| p.first().and_then(Value::as_str) == Some("href"))
                .and_then(|p| p.get(1))
                .and_then(Value::as_str)
                .unwrap_or("");
            let (start, end) = delimiters(&tag, href);
            out.push_str(&start);
            open.push((tag, end));
        }
        match marker.get(0).and_then(Value::as_i64) {
            Some(1) => {
                let atom = marker
                    .get(3)
                    .and_then(Value::as_u64)
                    .and_then(|i| usize::try_from(i).ok())
                    .and_then(|i| atoms.get(i));
                match atom.and_then(|a| a.get(0)).and_then(Value::as_str) {
                    Some("soft-return") => out.push_str("  \n"),
                    Some(_) => out.push_str(&escape(
                        atom.and_then(|a| a.get(1))
                            .and_then(Value::as_str)
                            .unwrap_or(""),
                    )),
                    None => notes
                        .warnings
                        .push("an atom the mobiledoc does not define was left out".into()),
                }
            }
            _ => out.push_str(&escape(marker.get(3).and_then(Value::as_str).unwrap_or(""))),
        }
        let closed = marker.get(2).and_then(Value::as_u64).unwrap_or(0);
        for _ in 0..closed {
            if let Some((_, end)) = open.pop() {
                out.push_str(&end);
            }
        }
    }
    while let Some((_, end)) = open.pop() {
        out.push_str(&end);
    }
    out
}

fn delimiters(tag: &str, href: &str) -> (String, String) {
    match tag {
        "b" | "strong" => ("**".into(), "**".into()),
        "i" | "em" => ("_".into(), "_".into()),
        "s" | "del" | "strike" => ("~~".into(), "~~".into()),
        "code" => ("`".into(), "`".into()),
        "a" => (
            "[".into(),
            format!("]({})", href.replace(' ', "%20").replace(')', "%29")),
        ),
        _ => (String::new(), String::new()),
    }
}

/// Lexical (Ghost 5 onwards) to Markdown.
pub fn lexical_to_markdown(json: &str, notes: &mut Notes) -> Result<String, String> {
    let doc: Value =
        serde_json::from_str(json).map_err(|e| format!("its lexical is not valid JSON: {e}"))?;
    let children = doc
        .get("root")
        .and_then(|r| r.get("children"))
        .and_then(Value::as_array)
        .ok_or("its lexical has no root")?;
    let blocks: Vec<String> = children
        .iter()
        .filter_map(|n| lexical_block(n, notes))
        .filter(|b| !b.trim().is_empty())
        .collect();
    Ok(blocks.join("\n\n"))
}

fn node_type(node: &Value) -> &str {
    let t = str_of(node, "type");
    t.strip_prefix("extended-").unwrap_or(t)
}

fn lexical_block(node: &Value, notes: &mut Notes) -> Option<String> {
    Some(match node_type(node) {
        "paragraph" => lexical_inline(node),
        "heading" => {
            let level = str_of(node, "tag")
                .trim_start_matches('h')
                .parse::<usize>()
                .unwrap_or(2)
                .clamp(1, 6);
            format!("{} {}", "#".repeat(level), lexical_inline(node))
        }
        "quote" | "aside" => lexical_inline(node)
            .lines()
            .map(|l| format!("> {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
        "list" => lexical_list(node, 0),
        "horizontalrule" => "---".into(),
        "code" => {
            let code: String =
                node.get("children")
                    .and_then(Value::as_array)
                    .map_or_else(String::new, |c| {
                        c.iter()
                            .map(|n| {
                                if node_type(n) == "linebreak" {
                                    "\n".to_owned()
                                } else {
                                    str_of(n, "text").to_owned()
                                }
                            })
                            .collect()
                    });
            fenced(&code, str_of(node, "language"))
        }
        name => return card(name, node, notes),
    })
}

fn lexical_list(node: &Value, depth: usize) -> String {
    let ordered = str_of(node, "listType") == "number";
    let indent = "  ".repeat(depth);
    let mut lines = Vec::new();
    let mut n = 0;
    for item in node
        .get("children")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        let nested: Vec<&Value> = item
            .get("children")
            .and_then(Value::as_array)
            .map_or_else(Vec::new, |c| {
                c.iter().filter(|c| node_type(c) == "list").collect()
            });
        let text = lexical_inline(item);
        if !text.trim().is_empty() || nested.is_empty() {
            n += 1;
            let marker = if ordered {
                format!("{n}.")
            } else {
                "-".to_owned()
            };
            lines.push(format!("{indent}{marker} {text}"));
        }
        for list in nested {
            lines.push(lexical_list(list, depth + 1));
        }
    }
    lines.join("\n")
}

fn lexical_inline(node: &Value) -> String {
    let mut out = String::new();
    for child in node
        .get("children")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        match node_type(child) {
            "text" => {
                let format = child.get("format").and_then(Value::as_u64).unwrap_or(0);
                let raw = str_of(child, "text");
                let mut text = if format & 16 != 0 {
                    format!("`{raw}`")
                } else {
                    escape(raw)
                };
                if format & 4 != 0 {
                    text = format!("~~{text}~~");
                }
                if format & 2 != 0 {
                    text = format!("_{text}_");
                }
                if format & 1 != 0 {
                    text = format!("**{text}**");
                }
                out.push_str(&text);
            }
            "link" | "autolink" | "at-link" => {
                let url = str_of(child, "url").replace(' ', "%20").replace(')', "%29");
                out.push_str(&format!("[{}]({url})", lexical_inline(child)));
            }
            "linebreak" => out.push_str("  \n"),
            "tab" => out.push('\t'),
            "list" => {}
            _ => out.push_str(&lexical_inline(child)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_trees_become_markdown() {
        let lexical = r#"{"root":{"children":[
            {"type":"heading","tag":"h2","children":[{"type":"extended-text","text":"Title","format":0}]},
            {"type":"paragraph","children":[{"type":"text","text":"bold","format":1},{"type":"text","text":" and ","format":0},
                {"type":"link","url":"https://example.com/a","children":[{"type":"text","text":"a link","format":2}]},{"type":"linebreak"},{"type":"text","text":"x<y","format":16}]},
            {"type":"list","listType":"number","children":[{"type":"listitem","children":[{"type":"text","text":"one"}]},
                {"type":"listitem","children":[{"type":"list","listType":"bullet","children":[{"type":"listitem","children":[{"type":"text","text":"deep"}]}]}]}]},
            {"type":"codeblock","code":"if a < b {}","language":"rust"},
            {"type":"image","src":"__GHOST_URL__/content/images/2024/05/p.jpg","alt":"A pier","caption":"<span>At dusk</span>"},
            {"type":"callout","calloutEmoji":"💡","calloutText":"<p>Note this</p>"},
            {"type":"mystery"}
        ],"type":"root"}}"#;
        let mut notes = Notes::default();
        let md = lexical_to_markdown(lexical, &mut notes).expect("valid");
        assert_eq!(
            md,
            "## Title\n\n**bold** and [_a link_](https://example.com/a)  \n`x<y`\n\n1. one\n  - deep\n\n```rust\nif a < b {}\n```\n\n![A pier](__GHOST_URL__/content/images/2024/05/p.jpg)\n\n*At dusk*\n\n> 💡 Note this"
        );
        assert!(notes.warnings[0].contains("\"mystery\""), "{notes:?}");
    }

    #[test]
    fn mobiledoc_sections_become_markdown() {
        let mobiledoc = r#"{"version":"0.3.1","atoms":[["soft-return","",{}]],"cards":[["markdown",{"markdown":"Some *md*"}],["hr",{}]],
            "markups":[["b"],["a",["href","https://example.com/"]]],
            "sections":[[1,"h3",[[0,[],0,"Head"]]],[1,"p",[[0,[0],1,"strong"],[0,[],0," then "],[0,[1],1,"link"],[1,[],0,0],[0,[],0,"next"]]],
            [3,"ul",[[[0,[],0,"a"]],[[0,[],0,"b"]]]],[10,0],[10,1],[1,"blockquote",[[0,[],0,"Quoted"]]]]}"#;
        let mut notes = Notes::default();
        let md = mobiledoc_to_markdown(mobiledoc, &mut notes).expect("valid");
        assert_eq!(md, "### Head\n\n**strong** then [link](https://example.com/)  \nnext\n\n- a\n- b\n\nSome *md*\n\n---\n\n> Quoted");
        assert!(notes.warnings.is_empty());
        assert!(mobiledoc_to_markdown("{not json", &mut notes).is_err());
    }

    #[test]
    fn wrong_files_and_versions_are_refused() {
        assert!(Site::parse(b"<rss/>")
            .expect_err("refused")
            .0
            .contains("line 1, column 1"));
        assert!(
            Site::parse(br#"{"db":[{"meta":{"version":"9.0.0"},"data":{}}]}"#)
                .expect_err("refused")
                .0
                .contains("\"9.0.0\"")
        );
        assert!(Site::parse(br#"{"posts":[]}"#)
            .expect_err("refused")
            .0
            .contains("not a Ghost export"));
        let site = Site::parse(br#"{"db":[{"meta":{"version":"5.80.0"},"data":{"posts":[{"id":"a","title":"T","slug":"t","html":"<p>x</p>","status":"published","visibility":"paid","published_at":"2024-05-01T10:00:00.000Z"}]}}]}"#).expect("valid");
        let entry = site.entry(&site.posts[0]).expect("kept");
        assert_eq!(entry.status, PostStatus::Draft);
        assert_eq!(entry.markdown, "x");
        assert_eq!(entry.old_paths, vec!["/t/".to_string()]);
        // A body that cannot be converted skips its post, and says why.
        let site = Site::parse(br#"{"db":[{"meta":{"version":"5.80.0"},"data":{"posts":[{"id":"b","title":"Broken","slug":"b","lexical":"{not json","status":"published","published_at":"2024-05-01T10:00:00.000Z"}]}}]}"#).expect("valid");
        let skip = site.entry(&site.posts[0]).expect_err("skipped");
        assert!(
            skip.what.contains("Broken") && skip.why.contains("lexical is not valid JSON"),
            "{skip:?}"
        );
    }
}
