//! WordPress's export format, WXR (an RSS 2.0 document with `wp:` elements), read as a
//! stream: one item in memory at a time, so a file of any size parses in flat memory.
//!
//! [`Reader`] yields the file's records in order: authors, terms (categories and tags)
//! and items (posts, pages, attachments, menus…). [`Site`] gathers what a second pass
//! needs to know about the whole file (authors, attachments), and [`Site::entry`] turns
//! one item into a Folio post or page.

use crate::html::{self, Attachment, Attachments, Notes};
use crate::{decode_entities, plain_text, Entry, Person, Skip};
use chrono::{DateTime, NaiveDateTime, Utc};
use folio_core::{PostKind, PostStatus};
use quick_xml::events::Event;
use std::collections::BTreeMap;
use std::io::BufRead;

/// WXR versions this reader knows (WordPress 3.0 onwards writes 1.1 or 1.2).
const VERSIONS: &[&str] = &["1.0", "1.1", "1.2"];

/// A parse failure, at a byte offset of the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    /// Bytes into the file where the reader stopped.
    pub offset: u64,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Channel {
    pub title: String,
    pub link: String,
    pub wxr_version: String,
    pub base_site_url: String,
    pub base_blog_url: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Author {
    pub login: String,
    pub email: String,
    pub display_name: String,
    pub first_name: String,
    pub last_name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Term {
    /// `category`, `post_tag`, or another taxonomy's name.
    pub taxonomy: String,
    pub slug: String,
    pub name: String,
    pub parent: String,
    pub description: String,
}

/// One `<item>`: a post, page, attachment, menu entry…
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Item {
    pub title: String,
    pub link: String,
    pub creator: String,
    pub content: String,
    pub excerpt: String,
    pub post_id: String,
    pub post_date: String,
    pub post_date_gmt: String,
    pub post_modified: String,
    pub post_modified_gmt: String,
    pub post_name: String,
    pub status: String,
    pub post_parent: String,
    pub post_type: String,
    pub post_password: String,
    pub attachment_url: String,
    /// `(domain, nicename, name)` of each category, tag or other term.
    pub terms: Vec<(String, String, String)>,
    pub meta: Vec<(String, String)>,
    pub comments: usize,
}

impl Item {
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.metas(key).next()
    }

    /// Every value of a post meta key that may repeat (`_wp_old_slug`).
    pub fn metas<'a: 'k, 'k>(&'a self, key: &'k str) -> impl Iterator<Item = &'a str> + 'k {
        self.meta
            .iter()
            .filter(move |(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }
}

/// The paths a post had before its slug or date changed after publication, under the
/// old site's permalink structure: WordPress keeps each former slug in `_wp_old_slug`
/// and each former date in `_wp_old_date` (`2023-04-30`) and answers them with a 301.
/// `path` is the post's current path (`/2023/05/01/new-name/`), `slug` its current
/// slug and `date` its current publication date; a path that shows neither has none.
fn former_paths<'a>(
    path: &str,
    slug: &str,
    date: Option<chrono::NaiveDate>,
    old_slugs: impl Iterator<Item = &'a str>,
    old_dates: impl Iterator<Item = &'a str>,
) -> Vec<String> {
    use chrono::Datelike;
    let segments: Vec<&str> = path.split('/').collect();
    let slug_at = (!slug.is_empty())
        .then(|| segments.iter().rposition(|s| s.eq_ignore_ascii_case(slug)))
        .flatten();
    // The date's segments in the path: year, then month and day when they follow.
    let date_at = date.and_then(|d| {
        let parts = [
            format!("{:04}", d.year()),
            format!("{:02}", d.month()),
            format!("{:02}", d.day()),
        ];
        let start = segments.iter().position(|s| *s == parts[0])?;
        let len = parts
            .iter()
            .zip(&segments[start..])
            .take_while(|(want, have)| want.as_str() == **have)
            .count();
        Some((start, len))
    });
    let mut slugs = vec![None];
    if slug_at.is_some() {
        slugs.extend(old_slugs.map(Some));
    }
    let mut dates = vec![None];
    if date_at.is_some() {
        dates.extend(
            old_dates
                .filter_map(|d| chrono::NaiveDate::parse_from_str(d.get(..10)?, "%Y-%m-%d").ok())
                .map(Some),
        );
    }
    let mut paths = Vec::new();
    for old_date in &dates {
        for old_slug in &slugs {
            if old_date.is_none() && old_slug.is_none() {
                continue;
            }
            let mut moved: Vec<String> = segments.iter().map(|s| (*s).to_owned()).collect();
            if let (Some(at), Some(old)) = (slug_at, old_slug) {
                moved[at] = (*old).to_owned();
            }
            if let (Some((start, len)), Some(d)) = (date_at, old_date) {
                let parts = [
                    format!("{:04}", d.year()),
                    format!("{:02}", d.month()),
                    format!("{:02}", d.day()),
                ];
                for (i, part) in parts.iter().take(len).enumerate() {
                    moved[start + i] = part.clone();
                }
            }
            let moved = moved.join("/");
            if moved != path && !paths.contains(&moved) {
                paths.push(moved);
            }
        }
    }
    paths
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Author(Author),
    Term(Term),
    Item(Box<Item>),
}

/// Where the reader is: the stack of open elements, and the record being filled.
pub struct Reader<R: BufRead> {
    xml: quick_xml::Reader<R>,
    buf: Vec<u8>,
    path: Vec<String>,
    text: String,
    channel: Channel,
    item: Option<Item>,
    author: Option<Author>,
    term: Option<Term>,
    meta: Option<(String, String)>,
    comment_approved: Option<String>,
    finished: bool,
}

impl<R: BufRead> Reader<R> {
    pub fn new(input: R) -> Self {
        let mut xml = quick_xml::Reader::from_reader(input);
        xml.config_mut().check_end_names = true;
        Reader {
            xml,
            buf: Vec::with_capacity(64 * 1024),
            path: Vec::new(),
            text: String::new(),
            channel: Channel::default(),
            item: None,
            author: None,
            term: None,
            meta: None,
            comment_approved: None,
            finished: false,
        }
    }

    /// What the channel said of the site, as far as the reader has come (WordPress
    /// writes it before the first author or item).
    pub fn channel(&self) -> &Channel {
        &self.channel
    }

    /// Bytes read so far.
    pub fn offset(&self) -> u64 {
        self.xml.buffer_position()
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            offset: self.xml.buffer_position(),
            message: message.into(),
        }
    }

    fn start(&mut self, name: String, attributes: Vec<(String, String)>) -> Result<(), ParseError> {
        if self.path.is_empty() && name != "rss" {
            return Err(self.error(format!(
                "this is not a WordPress export (WXR): the document is <{name}>, not <rss>"
            )));
        }
        self.text.clear();
        let inside_channel = self.path.len() == 2 && self.path[1] == "channel";
        match name.as_str() {
            "item" if inside_channel => {
                if self.channel.wxr_version.is_empty() {
                    return Err(self.error("this is not a WordPress export (WXR): an item comes before <wp:wxr_version>"));
                }
                self.item = Some(Item::default());
            }
            "wp:author" if inside_channel => self.author = Some(Author::default()),
            "wp:category" if inside_channel => {
                self.term = Some(Term {
                    taxonomy: "category".into(),
                    ..Term::default()
                })
            }
            "wp:tag" if inside_channel => {
                self.term = Some(Term {
                    taxonomy: "post_tag".into(),
                    ..Term::default()
                })
            }
            "wp:term" if inside_channel => self.term = Some(Term::default()),
            "category" if self.item.is_some() && self.path.last().is_some_and(|p| p == "item") => {
                let get = |k: &str| {
                    attributes
                        .iter()
                        .find(|(a, _)| a == k)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                };
                if let Some(item) = &mut self.item {
                    item.terms
                        .push((get("domain"), get("nicename"), String::new()));
                }
            }
            "wp:postmeta" if self.item.is_some() => {
                self.meta = Some((String::new(), String::new()))
            }
            "wp:comment" if self.item.is_some() => self.comment_approved = Some(String::new()),
            _ => {}
        }
        self.path.push(name);
        Ok(())
    }

    /// Closes an element; returns a record when one is complete.
    fn end(&mut self) -> Result<Option<Record>, ParseError> {
        let Some(name) = self.path.pop() else {
            return Ok(None);
        };
        let text = std::mem::take(&mut self.text);
        let parent = self.path.last().map_or("", String::as_str).to_owned();
        if self.comment_approved.is_some() {
            match name.as_str() {
                "wp:comment_approved" => self.comment_approved = Some(text),
                "wp:comment" if self.comment_approved.take().as_deref() == Some("1") => {
                    if let Some(item) = &mut self.item {
                        item.comments += 1;
                    }
                }
                "wp:comment" => {}
                _ => {}
            }
            return Ok(None);
        }
        if let Some(meta) = &mut self.meta {
            match name.as_str() {
                "wp:meta_key" => meta.0 = text,
                "wp:meta_value" => meta.1 = text,
                "wp:postmeta" => {
                    if let (Some(meta), Some(item)) = (self.meta.take(), &mut self.item) {
                        item.meta.push(meta);
                    }
                }
                _ => {}
            }
            return Ok(None);
        }
        if let Some(item) = &mut self.item {
            if name == "item" {
                return Ok(self.item.take().map(|i| Record::Item(Box::new(i))));
            }
            if parent != "item" {
                return Ok(None);
            }
            let field = match name.as_str() {
                "title" => &mut item.title,
                "link" => &mut item.link,
                "dc:creator" => &mut item.creator,
                "content:encoded" => &mut item.content,
                "excerpt:encoded" => &mut item.excerpt,
                "wp:post_id" => &mut item.post_id,
                "wp:post_date" => &mut item.post_date,
                "wp:post_date_gmt" => &mut item.post_date_gmt,
                "wp:post_modified" => &mut item.post_modified,
                "wp:post_modified_gmt" => &mut item.post_modified_gmt,
                "wp:post_name" => &mut item.post_name,
                "wp:status" => &mut item.status,
                "wp:post_parent" => &mut item.post_parent,
                "wp:post_type" => &mut item.post_type,
                "wp:post_password" => &mut item.post_password,
                "wp:attachment_url" => &mut item.attachment_url,
                "category" => {
                    if let Some(term) = item.terms.last_mut() {
                        term.2 = decode_entities(text.trim());
                    }
                    return Ok(None);
                }
                _ => return Ok(None),
            };
            *field = text;
            return Ok(None);
        }
        if let Some(author) = &mut self.author {
            match name.as_str() {
                "wp:author" => return Ok(self.author.take().map(Record::Author)),
                "wp:author_login" => author.login = text,
                "wp:author_email" => author.email = text,
                "wp:author_display_name" => author.display_name = decode_entities(&text),
                "wp:author_first_name" => author.first_name = decode_entities(&text),
                "wp:author_last_name" => author.last_name = decode_entities(&text),
                _ => {}
            }
            return Ok(None);
        }
        if let Some(term) = &mut self.term {
            match name.as_str() {
                "wp:category" | "wp:tag" | "wp:term" => {
                    return Ok(self.term.take().map(Record::Term))
                }
                "wp:category_nicename" | "wp:tag_slug" | "wp:term_slug" => term.slug = text,
                "wp:cat_name" | "wp:tag_name" | "wp:term_name" => {
                    term.name = decode_entities(&text)
                }
                "wp:category_parent" | "wp:term_parent" => term.parent = text,
                "wp:category_description" | "wp:tag_description" | "wp:term_description" => {
                    term.description = text
                }
                "wp:term_taxonomy" => term.taxonomy = text,
                _ => {}
            }
            return Ok(None);
        }
        if parent == "channel" {
            match name.as_str() {
                "title" => self.channel.title = decode_entities(&text),
                "link" => self.channel.link = text,
                "wp:base_site_url" => self.channel.base_site_url = text,
                "wp:base_blog_url" => self.channel.base_blog_url = text,
                "wp:wxr_version" => {
                    let version = text.trim().to_owned();
                    if !VERSIONS.contains(&version.as_str()) {
                        return Err(self.error(format!(
                            "WXR version {version:?} is not one this importer knows ({})",
                            VERSIONS.join(", ")
                        )));
                    }
                    self.channel.wxr_version = version;
                }
                _ => {}
            }
        }
        Ok(None)
    }

    fn next_record(&mut self) -> Result<Option<Record>, ParseError> {
        loop {
            self.buf.clear();
            let event = self
                .xml
                .read_event_into(&mut self.buf)
                .map_err(|e| ParseError {
                    offset: self.xml.error_position(),
                    message: format!("the XML is malformed: {e}"),
                })?;
            match event {
                Event::Start(e) => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    let attributes = attributes_of(&e);
                    self.start(name, attributes)?;
                }
                Event::Empty(e) => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    let attributes = attributes_of(&e);
                    self.start(name, attributes)?;
                    if let Some(record) = self.end()? {
                        return Ok(Some(record));
                    }
                }
                Event::End(_) => {
                    if let Some(record) = self.end()? {
                        return Ok(Some(record));
                    }
                }
                Event::Text(t) => {
                    let text = match t.unescape() {
                        Ok(text) => text.into_owned(),
                        // An HTML entity (`&nbsp;`) in a text node: keep it for the HTML step.
                        Err(_) => String::from_utf8_lossy(&t.into_inner()).into_owned(),
                    };
                    self.text.push_str(&text);
                }
                Event::CData(t) => self
                    .text
                    .push_str(&String::from_utf8_lossy(&t.into_inner())),
                Event::Eof => {
                    if let Some(open) = self.path.last() {
                        return Err(
                            self.error(format!("the file ends inside <{open}>: it is truncated"))
                        );
                    }
                    if self.channel.wxr_version.is_empty() {
                        return Err(self.error(
                            "this is not a WordPress export (WXR): it has no <wp:wxr_version>",
                        ));
                    }
                    return Ok(None);
                }
                _ => {}
            }
        }
    }
}

fn attributes_of(e: &quick_xml::events::BytesStart) -> Vec<(String, String)> {
    e.attributes()
        .filter_map(Result::ok)
        .map(|a| {
            let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
            let value = a
                .unescape_value()
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned());
            (key, value)
        })
        .collect()
}

impl<R: BufRead> Iterator for Reader<R> {
    type Item = Result<Record, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        match self.next_record() {
            Ok(Some(record)) => Some(Ok(record)),
            Ok(None) => {
                self.finished = true;
                None
            }
            Err(err) => {
                self.finished = true;
                Some(Err(err))
            }
        }
    }
}

/// What the first pass learns of the whole file, for the second to convert items with.
#[derive(Debug, Clone, Default)]
pub struct Site {
    pub channel: Channel,
    pub authors: BTreeMap<String, Author>,
    /// Attachments by post id: their URL, alt text and caption.
    pub attachments: Attachments,
    /// Attachments' paths under the uploads folder (`2023/05/cat.png`), by post id.
    pub upload_paths: BTreeMap<String, String>,
    pub terms: Vec<Term>,
    /// Posts and pages (the items the second pass turns into entries).
    pub entries: usize,
    /// Item counts by post type.
    pub types: BTreeMap<String, usize>,
    pub comments: usize,
    /// What to do with categories.
    pub categories_as_tags: bool,
    /// Links to the old site's own pages (made once, used on every post).
    own_links: Option<regex::Regex>,
}

/// A URL on one of the old site's hosts: the host, then a path, or the end of the URL
/// (not `old.example.org`).
fn own_links(channel: &Channel) -> Option<regex::Regex> {
    let mut hosts: Vec<String> = [
        &channel.base_blog_url,
        &channel.base_site_url,
        &channel.link,
    ]
    .into_iter()
    .filter_map(|u| {
        u.trim()
            .trim_end_matches('/')
            .split_once("://")
            .map(|(_, host)| regex::escape(host))
    })
    .filter(|h| !h.is_empty())
    .collect();
    // Longest first: a blog under a path (`old.example/blog`) before its bare host.
    hosts.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    hosts.dedup();
    if hosts.is_empty() {
        return None;
    }
    regex::Regex::new(&format!(
        r#"https?://(?:{})(?:(/[^\s)"'<>\]]*)|([\s)"'<>\]])|$)"#,
        hosts.join("|")
    ))
    .ok()
}

/// The folder under which WordPress keeps uploads, in every URL of one.
pub const UPLOADS: &str = "/wp-content/uploads/";

impl Site {
    /// The first pass: reads the whole file, keeping only what entries refer to.
    pub fn scan<R: BufRead>(input: R, categories_as_tags: bool) -> Result<Site, ParseError> {
        let mut reader = Reader::new(input);
        let mut site = Site {
            categories_as_tags,
            ..Site::default()
        };
        for record in reader.by_ref() {
            match record? {
                Record::Author(a) => {
                    site.authors.insert(a.login.clone(), a);
                }
                Record::Term(t) => site.terms.push(t),
                Record::Item(item) => {
                    *site.types.entry(item.post_type.clone()).or_default() += 1;
                    match item.post_type.as_str() {
                        "attachment" => {
                            let url = if item.attachment_url.is_empty() {
                                item.link.clone()
                            } else {
                                item.attachment_url.clone()
                            };
                            site.attachments.insert(
                                item.post_id.clone(),
                                Attachment {
                                    url: url.clone(),
                                    alt: item
                                        .meta("_wp_attachment_image_alt")
                                        .unwrap_or("")
                                        .to_owned(),
                                    caption: plain_text(&item.excerpt),
                                },
                            );
                            let path =
                                item.meta("_wp_attached_file")
                                    .map(str::to_owned)
                                    .or_else(|| {
                                        url.find(UPLOADS)
                                            .map(|at| url[at + UPLOADS.len()..].to_owned())
                                    });
                            if let Some(path) = path {
                                site.upload_paths.insert(item.post_id.clone(), path);
                            }
                        }
                        "post" | "page" => {
                            site.entries += 1;
                            site.comments += item.comments;
                        }
                        _ => {}
                    }
                }
            }
        }
        site.channel = reader.channel().clone();
        site.own_links = own_links(&site.channel);
        Ok(site)
    }

    /// The people whose posts the file holds, as Folio users to match or create.
    pub fn people(&self) -> Vec<Person> {
        self.authors
            .values()
            .map(|a| {
                let full = format!("{} {}", a.first_name, a.last_name)
                    .trim()
                    .to_owned();
                let name = [a.display_name.trim(), full.as_str(), a.login.as_str()]
                    .into_iter()
                    .find(|n| !n.is_empty())
                    .unwrap_or("Author")
                    .to_owned();
                Person {
                    key: a.login.clone(),
                    email: a.email.trim().to_owned(),
                    name,
                    bio: String::new(),
                }
            })
            .collect()
    }

    /// A path on the old site for a URL of it (`http://old.example/2023/05/x/` → `/2023/05/x/`).
    fn old_path(&self, url: &str) -> Option<String> {
        let url = url.trim();
        for base in [
            &self.channel.base_blog_url,
            &self.channel.base_site_url,
            &self.channel.link,
        ] {
            let base = base.trim_end_matches('/');
            if !base.is_empty() {
                if let Some(rest) = url.strip_prefix(base) {
                    if rest.is_empty() || rest.starts_with('/') || rest.starts_with('?') {
                        return Some(if rest.starts_with('/') {
                            rest.to_owned()
                        } else {
                            format!("/{rest}")
                        });
                    }
                }
            }
        }
        None
    }

    /// Links to the old site's own pages made relative (`http://old.example/about/` →
    /// `/about/`), so they lead to the imported pages through their redirects on
    /// whatever domain Folio serves. Uploads stay absolute until they are copied in.
    fn relative_links(&self, markdown: &str) -> String {
        let Some(link) = &self.own_links else {
            return markdown.to_owned();
        };
        link.replace_all(markdown, |c: &regex::Captures| {
            let after = c.get(2).map_or("", |m| m.as_str());
            let path = c.get(1).map_or("/", |m| m.as_str());
            if path.starts_with("/wp-content/") || path.starts_with("/wp-includes/") {
                c[0].to_owned()
            } else {
                format!("{path}{after}")
            }
        })
        .into_owned()
    }

    /// Whether a category becomes a tag.
    fn keeps_category(&self, slug: &str) -> bool {
        self.categories_as_tags && slug != "uncategorized"
    }

    /// Descriptions of the tags the file's terms become, by tag name (plain text).
    pub fn tag_descriptions(&self) -> Vec<(String, String)> {
        let mut out: BTreeMap<String, String> = BTreeMap::new();
        for t in &self.terms {
            let wanted = t.taxonomy == "post_tag"
                || (t.taxonomy == "category" && self.keeps_category(&t.slug));
            let description = plain_text(&t.description);
            if wanted && !t.name.is_empty() && !description.is_empty() {
                out.entry(t.name.clone()).or_insert(description);
            }
        }
        out.into_iter().collect()
    }

    /// Redirects of the old site's category archives to the tags they became.
    pub fn category_paths(&self) -> Vec<(String, String)> {
        // WordPress lists a category both as <wp:category> and as <wp:term>.
        let paths: BTreeMap<String, String> = self
            .terms
            .iter()
            .filter(|t| {
                t.taxonomy == "category" && self.keeps_category(&t.slug) && !t.name.is_empty()
            })
            .map(|t| {
                let tag = folio_core::Slug::derive(&t.name, "tag");
                (
                    format!("/category/{}/", t.slug),
                    format!("/tag/{}/", tag.as_str()),
                )
            })
            .collect();
        paths.into_iter().collect()
    }

    /// The second pass's work for one item: the entry to import, or why it is skipped.
    /// `Ok(None)` for items that are not content (attachments, menus: counted by the scan).
    pub fn entry(&self, item: &Item) -> Result<Option<Entry>, Skip> {
        let kind = match item.post_type.as_str() {
            "post" => PostKind::Post,
            "page" => PostKind::Page,
            _ => return Ok(None),
        };
        let label = || format!("{} {} {:?}", item.post_type, item.post_id, item.title);
        let mut notes = Vec::new();
        let published_at = wp_time(&item.post_date_gmt).or_else(|| wp_time(&item.post_date));
        let status = match item.status.as_str() {
            "publish" if !item.post_password.is_empty() => {
                notes.push("password-protected in WordPress; Folio has no per-post passwords, so it is a draft".to_owned());
                PostStatus::Draft
            }
            "publish" => PostStatus::Published,
            "future" => PostStatus::Scheduled,
            "draft" => PostStatus::Draft,
            "pending" => {
                notes.push("pending review in WordPress: imported as a draft".to_owned());
                PostStatus::Draft
            }
            "private" => {
                notes.push(
                    "private in WordPress: imported as a draft, seen only in the admin".to_owned(),
                );
                PostStatus::Draft
            }
            "trash" => {
                return Err(Skip {
                    what: label(),
                    why: "in WordPress's trash".into(),
                })
            }
            "auto-draft" => {
                return Err(Skip {
                    what: label(),
                    why: "an auto-draft WordPress made and nobody wrote".into(),
                })
            }
            other => {
                notes.push(format!("status {other:?} is unknown: imported as a draft"));
                PostStatus::Draft
            }
        };
        if status != PostStatus::Draft && published_at.is_none() {
            return Err(Skip {
                what: label(),
                why: format!("its date {:?} cannot be read", item.post_date),
            });
        }
        let updated_at = wp_time(&item.post_modified_gmt)
            .or_else(|| wp_time(&item.post_modified))
            .or(published_at)
            .unwrap_or_else(Utc::now);
        let mut html_notes = Notes::default();
        let markdown = self.relative_links(&html::to_markdown(
            &item.content,
            &self.attachments,
            &mut html_notes,
        ));
        notes.extend(html_notes.warnings);

        let mut tags = Vec::new();
        for (domain, slug, name) in &item.terms {
            let wanted = match domain.as_str() {
                "post_tag" => true,
                "category" => self.keeps_category(slug),
                _ => false,
            };
            if wanted && !name.is_empty() && !tags.contains(name) {
                tags.push(name.clone());
            }
        }
        let (feature_image, feature_image_alt) = match item.meta("_thumbnail_id") {
            Some(id) => match self.attachments.get(id) {
                Some(a) => (Some(a.url.clone()), a.alt.clone()),
                None => {
                    notes.push(format!(
                        "its featured image (attachment {id}) is not in the export"
                    ));
                    (None, String::new())
                }
            },
            None => (None, String::new()),
        };
        let mut old_paths = Vec::new();
        if let Some(path) = self.old_path(&item.link) {
            let date = published_at.map(|_| item.post_date.get(..10).unwrap_or_default());
            old_paths.extend(former_paths(
                &path,
                &item.post_name,
                date.and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
                item.metas("_wp_old_slug"),
                item.metas("_wp_old_date"),
            ));
            old_paths.push(path);
        }
        if !item.post_id.is_empty() {
            old_paths.push(format!("/?p={}", item.post_id));
            if kind == PostKind::Page {
                old_paths.push(format!("/?page_id={}", item.post_id));
            }
        }
        if item.comments > 0 {
            notes.push(format!(
                "{} comment(s) not imported: Folio has no comments yet",
                item.comments
            ));
        }
        let title = decode_entities(item.title.trim());
        Ok(Some(Entry {
            source_id: item.post_id.clone(),
            kind,
            title,
            slug: folio_core::legacy::percent_decode(&item.post_name),
            markdown,
            custom_excerpt: plain_text(&item.excerpt),
            status,
            published_at,
            created_at: published_at.unwrap_or(updated_at),
            updated_at,
            author_key: item.creator.clone(),
            tags,
            feature_image,
            feature_image_alt,
            seo_title: item.meta("_yoast_wpseo_title").unwrap_or("").to_owned(),
            seo_description: item.meta("_yoast_wpseo_metadesc").unwrap_or("").to_owned(),
            canonical_url: String::new(),
            old_paths,
            notes,
            unknown_shortcodes: html_notes.unknown_shortcodes,
        }))
    }
}

/// WordPress's `2023-05-01 10:00:00`; the zero date of drafts is no date.
fn wp_time(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if raw.is_empty() || raw.starts_with("0000-00-00") {
        return None;
    }
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINI: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>Old &amp; good</title>
  <link>http://old.example</link>
  <wp:wxr_version>1.2</wp:wxr_version>
  <wp:base_site_url>http://old.example</wp:base_site_url>
  <wp:base_blog_url>http://old.example</wp:base_blog_url>
  <wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[ada]]></wp:author_login><wp:author_email><![CDATA[ada@example.com]]></wp:author_email><wp:author_display_name><![CDATA[Ada L.]]></wp:author_display_name><wp:author_first_name><![CDATA[]]></wp:author_first_name><wp:author_last_name><![CDATA[]]></wp:author_last_name></wp:author>
  <wp:category><wp:term_id>2</wp:term_id><wp:category_nicename><![CDATA[news]]></wp:category_nicename><wp:category_parent><![CDATA[]]></wp:category_parent><wp:cat_name><![CDATA[News &amp; views]]></wp:cat_name><wp:category_description><![CDATA[What happened &amp; why]]></wp:category_description></wp:category>
  <item>
    <title><![CDATA[Hello <world>]]></title>
    <link>http://old.example/2023/05/01/hello/</link>
    <dc:creator><![CDATA[ada]]></dc:creator>
    <content:encoded><![CDATA[<!-- wp:paragraph --><p>Hi [unknown-thing a="b"]</p><!-- /wp:paragraph -->]]></content:encoded>
    <excerpt:encoded><![CDATA[]]></excerpt:encoded>
    <wp:post_id>12</wp:post_id>
    <wp:post_date><![CDATA[2023-05-01 12:00:00]]></wp:post_date>
    <wp:post_date_gmt><![CDATA[2023-05-01 10:00:00]]></wp:post_date_gmt>
    <wp:post_modified_gmt><![CDATA[2023-06-01 10:00:00]]></wp:post_modified_gmt>
    <wp:post_name><![CDATA[hello]]></wp:post_name>
    <wp:status><![CDATA[publish]]></wp:status>
    <wp:post_type><![CDATA[post]]></wp:post_type>
    <wp:post_password><![CDATA[]]></wp:post_password>
    <category domain="category" nicename="news"><![CDATA[News &amp; views]]></category>
    <category domain="post_tag" nicename="rust"><![CDATA[Rust]]></category>
    <wp:postmeta><wp:meta_key><![CDATA[_thumbnail_id]]></wp:meta_key><wp:meta_value><![CDATA[99]]></wp:meta_value></wp:postmeta>
    <wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_approved><![CDATA[1]]></wp:comment_approved></wp:comment>
    <wp:comment><wp:comment_id>2</wp:comment_id><wp:comment_approved><![CDATA[spam]]></wp:comment_approved></wp:comment>
  </item>
</channel>
</rss>"#;

    #[test]
    fn a_renamed_or_redated_post_keeps_its_former_paths() {
        use super::former_paths;
        let date = chrono::NaiveDate::from_ymd_opt(2023, 5, 1);
        // Day-and-name permalinks: each former slug, each former date, and both.
        assert_eq!(
            former_paths(
                "/2023/05/01/new-name/",
                "new-name",
                date,
                ["old-name", "older-name"].into_iter(),
                ["2023-04-30 09:00:00"].into_iter()
            ),
            vec![
                "/2023/05/01/old-name/",
                "/2023/05/01/older-name/",
                "/2023/04/30/new-name/",
                "/2023/04/30/old-name/",
                "/2023/04/30/older-name/",
            ]
        );
        // Month-and-name: only the year and month move with the date.
        assert_eq!(
            former_paths(
                "/blog/2023/05/new/",
                "new",
                date,
                [].into_iter(),
                ["2022-12-31"].into_iter()
            ),
            vec!["/blog/2022/12/new/"]
        );
        // Post-name permalinks: no date in the path, so an old date changes nothing.
        assert_eq!(
            former_paths(
                "/new/",
                "new",
                date,
                ["old"].into_iter(),
                ["2022-01-01"].into_iter()
            ),
            vec!["/old/"]
        );
        // `?p=12` links show neither.
        assert!(
            former_paths("/?p=12", "new", date, ["old"].into_iter(), [].into_iter()).is_empty()
        );
    }

    #[test]
    fn reads_a_small_export_into_an_entry() {
        let site = Site::scan(MINI.as_bytes(), true).expect("parses");
        assert_eq!(site.channel.wxr_version, "1.2");
        assert_eq!(site.channel.title, "Old & good");
        assert_eq!(site.people()[0].name, "Ada L.");
        assert_eq!(site.comments, 1);
        assert_eq!(
            site.category_paths(),
            vec![(
                "/category/news/".to_string(),
                "/tag/news-views/".to_string()
            )]
        );
        assert_eq!(
            site.tag_descriptions(),
            vec![(
                "News & views".to_string(),
                "What happened & why".to_string()
            )]
        );
        let item = Reader::new(MINI.as_bytes())
            .filter_map(|r| match r.expect("parses") {
                Record::Item(i) => Some(i),
                _ => None,
            })
            .next()
            .expect("an item");
        let entry = site.entry(&item).expect("not skipped").expect("a post");
        assert_eq!(entry.title, "Hello <world>");
        assert_eq!(entry.status, PostStatus::Published);
        assert_eq!(
            entry.published_at.map(|t| t.to_rfc3339()),
            Some("2023-05-01T10:00:00+00:00".into())
        );
        assert_eq!(
            entry.tags,
            vec!["News & views".to_string(), "Rust".to_string()]
        );
        assert_eq!(
            entry.old_paths,
            vec!["/2023/05/01/hello/".to_string(), "/?p=12".to_string()]
        );
        assert_eq!(entry.unknown_shortcodes, vec!["unknown-thing".to_string()]);
        let links = site.relative_links("[a](http://old.example/2023/x/) [b](https://old.example) ![c](http://old.example/wp-content/uploads/c.png) [d](http://old.example.org/)");
        assert_eq!(links, "[a](/2023/x/) [b](/) ![c](http://old.example/wp-content/uploads/c.png) [d](http://old.example.org/)");
        assert!(
            entry.notes.iter().any(|n| n.contains("featured image")),
            "{:?}",
            entry.notes
        );
        assert!(
            entry.notes.iter().any(|n| n.contains("1 comment")),
            "{:?}",
            entry.notes
        );
    }

    #[test]
    fn bad_files_are_named_for_what_they_are() {
        let err = |text: &str| {
            Site::scan(text.as_bytes(), true)
                .expect_err("refused")
                .message
        };
        assert!(err("{\"db\": []}").contains("not a WordPress export"));
        assert!(err("<rss><channel></rss>").contains("malformed"));
        assert!(err("<feed></feed>").contains("not a WordPress export"));
        assert!(
            err("<rss><channel><item></item></channel></rss>").contains("before <wp:wxr_version>")
        );
        assert!(
            err(&MINI.replace("<wp:wxr_version>1.2", "<wp:wxr_version>9.0"))
                .contains("WXR version \"9.0\"")
        );
        let cut = &MINI[..MINI.find("<wp:status>").expect("there")];
        assert!(err(cut).contains("truncated"), "{}", err(cut));
    }

    #[test]
    fn statuses_map_to_the_closest_folio_status_and_say_so() {
        let site = Site::scan(MINI.as_bytes(), true).expect("parses");
        let item = |status: &str, password: &str| Item {
            post_type: "post".into(),
            post_id: "5".into(),
            title: "T".into(),
            status: status.into(),
            post_password: password.into(),
            post_date_gmt: "2030-01-01 00:00:00".into(),
            ..Item::default()
        };
        let entry = |status: &str, password: &str| site.entry(&item(status, password));
        assert_eq!(
            entry("future", "").expect("kept").expect("post").status,
            PostStatus::Scheduled
        );
        let private = entry("private", "").expect("kept").expect("post");
        assert_eq!(private.status, PostStatus::Draft);
        assert!(private.notes[0].contains("private"));
        assert_eq!(
            entry("publish", "secret")
                .expect("kept")
                .expect("post")
                .status,
            PostStatus::Draft
        );
        assert!(entry("trash", "")
            .expect_err("skipped")
            .why
            .contains("trash"));
    }
}
