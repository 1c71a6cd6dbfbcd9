//! Moving in from WordPress and Ghost.
//!
//! The parsers ([`wordpress`], [`ghost`]) read an export file and turn each post or page
//! into an [`Entry`]: Folio's fields, Markdown converted from the source's HTML, Lexical
//! or Mobiledoc, the old URLs that must keep working, and notes for the report. They do
//! no I/O but reading; `folio import` saves what they yield, one post per transaction,
//! and keeps the [`Report`].

pub mod ghost;
pub mod html;
mod report;
pub mod wordpress;

pub use report::Report;

use chrono::{DateTime, Utc};
use folio_core::{PostKind, PostStatus};
use once_cell::sync::Lazy;
use regex::Regex;

/// A post or page to import, in Folio's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The source's id of it (WordPress post id, Ghost object id): what makes a second
    /// run of the same import skip it.
    pub source_id: String,
    pub kind: PostKind,
    pub title: String,
    /// The source's slug, decoded; may be empty or unfit for Folio (then one is derived).
    pub slug: String,
    pub markdown: String,
    pub custom_excerpt: String,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The [`Person::key`] of its author.
    pub author_key: String,
    pub tags: Vec<String>,
    pub feature_image: Option<String>,
    pub feature_image_alt: String,
    pub seo_title: String,
    pub seo_description: String,
    pub canonical_url: String,
    /// Paths (with `?p=N`-style queries) under which the old site served it.
    pub old_paths: Vec<String>,
    /// What the writer should know about this one, a sentence each.
    pub notes: Vec<String>,
    pub unknown_shortcodes: Vec<String>,
}

/// An author, to match with a Folio user by email or to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// How entries name them (WordPress login, Ghost user id).
    pub key: String,
    pub email: String,
    pub name: String,
    pub bio: String,
}

/// An item left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    pub what: String,
    pub why: String,
}

/// Decodes the HTML character references WordPress and Ghost leave in titles and names.
pub fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    static REFERENCE: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
            .unwrap_or_else(|_| unreachable!())
    });
    REFERENCE
        .replace_all(text, |c: &regex::Captures| {
            let name = &c[1];
            let code =
                if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = name.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    match name {
                        "amp" => Some(38),
                        "lt" => Some(60),
                        "gt" => Some(62),
                        "quot" => Some(34),
                        "apos" => Some(39),
                        "nbsp" => Some(160),
                        "ndash" => Some(0x2013),
                        "mdash" => Some(0x2014),
                        "hellip" => Some(0x2026),
                        "lsquo" => Some(0x2018),
                        "rsquo" => Some(0x2019),
                        "ldquo" => Some(0x201c),
                        "rdquo" => Some(0x201d),
                        _ => None,
                    }
                };
            code.and_then(char::from_u32)
                .map_or_else(|| c[0].to_owned(), String::from)
        })
        .into_owned()
}

/// Escapes what Markdown would read as syntax in plain text.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '*' | '_' | '[' | ']' | '`' | '<' | '>' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub(crate) fn fenced(code: &str, language: &str) -> String {
    let mut fence = "```".to_owned();
    while code.contains(&fence) {
        fence.push('`');
    }
    let language: String = language
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '+' | '#' | '_'))
        .collect();
    format!(
        "{fence}{language}\n{}\n{fence}",
        code.trim_end_matches('\n')
    )
}

/// Text of a little HTML (an excerpt, a caption): tags dropped, references decoded,
/// whitespace collapsed.
pub fn plain_text(html: &str) -> String {
    static TAG: Lazy<Regex> =
        Lazy::new(|| Regex::new(r"<[^>]*>").unwrap_or_else(|_| unreachable!()));
    let text = TAG.replace_all(html, " ");
    decode_entities(&text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where an old site's uploads live, as a path inside each URL of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadRoot {
    /// `/wp-content/uploads/2023/05/cat.png`, and resized copies `cat-300x200.png`.
    WordPress,
    /// `/content/images/2024/05/cat.jpg`, and resized copies `/content/images/size/w600/…`.
    Ghost,
}

impl UploadRoot {
    pub fn marker(self) -> &'static str {
        match self {
            UploadRoot::WordPress => wordpress::UPLOADS,
            UploadRoot::Ghost => ghost::IMAGES,
        }
    }

    /// The upload a URL of the old site names, as a path under the uploads folder,
    /// resized copies mapped to their original (`2023/05/cat-300x200.png` → `2023/05/cat.png`).
    pub fn upload_of(self, url: &str) -> Option<String> {
        static WP_SIZE: Lazy<Regex> = Lazy::new(|| {
            Regex::new(r"-\d{1,5}x\d{1,5}(\.[A-Za-z0-9]+)$").unwrap_or_else(|_| unreachable!())
        });
        static GHOST_SIZE: Lazy<Regex> = Lazy::new(|| {
            Regex::new(r"^size/w\d+(?:h\d+)?/(?:format/\w+/)?").unwrap_or_else(|_| unreachable!())
        });
        let marker = self.marker();
        let at = url.find(marker)?;
        let path = url[at + marker.len()..]
            .split(['?', '#'])
            .next()
            .unwrap_or("");
        let path = match self {
            UploadRoot::WordPress => WP_SIZE.replace(path, "$1").into_owned(),
            UploadRoot::Ghost => GHOST_SIZE.replace(path, "").into_owned(),
        };
        (!path.is_empty() && !path.split('/').any(|s| s == ".." || s.is_empty())).then_some(path)
    }
}

/// Every URL in a text that points into the old site's uploads.
pub fn upload_urls(text: &str, root: UploadRoot) -> Vec<String> {
    static URL: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r#"(?:https?://|__GHOST_URL__|/)[^\s"'()<>\]\\]+"#)
            .unwrap_or_else(|_| unreachable!())
    });
    let mut out: Vec<String> = Vec::new();
    for m in URL.find_iter(text) {
        let url = m.as_str();
        if url.contains(root.marker()) && !out.iter().any(|u| u == url) {
            out.push(url.to_owned());
        }
    }
    out
}

/// Replaces URLs in a text by others (longest first, so no URL is replaced inside a longer one).
pub fn replace_urls(text: &str, replacements: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = replacements.iter().collect();
    sorted.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    let mut out = text.to_owned();
    for (from, to) in sorted {
        if !from.is_empty() && out.contains(from.as_str()) {
            out = out.replace(from.as_str(), to);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_decode_and_unknown_ones_stay() {
        assert_eq!(
            decode_entities("Tom &amp; Jerry &lt;3 &#8217;s &#x1F600; &bogus;"),
            "Tom & Jerry <3 ’s 😀 &bogus;"
        );
        assert_eq!(
            plain_text("<p>A  <em>short</em>\nexcerpt &amp; more</p>"),
            "A short excerpt & more"
        );
    }

    #[test]
    fn uploads_are_found_and_resized_copies_map_to_their_original() {
        let wp = UploadRoot::WordPress;
        assert_eq!(
            wp.upload_of("http://old.example/wp-content/uploads/2023/05/cat-300x200.png")
                .as_deref(),
            Some("2023/05/cat.png")
        );
        assert_eq!(
            wp.upload_of("https://x/wp-content/uploads/2023/05/cat.png?ver=2")
                .as_deref(),
            Some("2023/05/cat.png")
        );
        assert_eq!(
            wp.upload_of("https://x/wp-content/uploads/../../etc/passwd"),
            None
        );
        let ghost = UploadRoot::Ghost;
        assert_eq!(
            ghost
                .upload_of("__GHOST_URL__/content/images/size/w600/2024/05/p.jpg")
                .as_deref(),
            Some("2024/05/p.jpg")
        );
        let text = "![a](http://old.example/wp-content/uploads/2023/05/cat.png) and [b](http://old.example/about/)";
        assert_eq!(
            upload_urls(text, wp),
            vec!["http://old.example/wp-content/uploads/2023/05/cat.png".to_string()]
        );
        assert_eq!(
            replace_urls(
                "x/a.png x/a.png.webp",
                &[
                    ("x/a.png".into(), "/m/1".into()),
                    ("x/a.png.webp".into(), "/m/2".into())
                ]
            ),
            "/m/1 /m/2"
        );
    }
}
