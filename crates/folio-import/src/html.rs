//! HTML, as WordPress and Ghost store it, to the Markdown Folio stores.
//!
//! The conversion itself is htmd's (a port of turndown.js, tables included). Around it:
//! WordPress's shortcodes are expanded or kept visibly, classic-editor text without
//! paragraph tags gets its paragraphs back (what WordPress's `wpautop` does when it
//! displays a post), Gutenberg's block comments vanish with the parse (their blocks'
//! HTML stays), and embeds, iframes, audio and video become links. Whatever comes out
//! is rendered by Folio's own Markdown pipeline and sanitized there, like a writer's
//! text: nothing here needs to be safe, only faithful.

use htmd::element_handler::{HandlerResult, Handlers};
use htmd::{Element, HtmlToMarkdown};
use markup5ever_rcdom::{Node, NodeData};
use once_cell::sync::Lazy;
use regex::Regex;
use std::collections::BTreeMap;
use std::rc::Rc;

/// What the conversion of one post noticed: shortcodes it kept as text, and the like.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Notes {
    /// Shortcode names Folio does not know, kept visibly in the text.
    pub unknown_shortcodes: Vec<String>,
    /// Anything else worth telling the writer, one sentence each.
    pub warnings: Vec<String>,
}

impl Notes {
    fn unknown(&mut self, name: &str) {
        if !self.unknown_shortcodes.iter().any(|n| n == name) {
            self.unknown_shortcodes.push(name.to_owned());
        }
    }
}

/// The images a `[gallery ids="…"]` shortcode names, by attachment id.
pub type Attachments = BTreeMap<String, Attachment>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub url: String,
    pub alt: String,
    pub caption: String,
}

static CONVERTER: Lazy<HtmlToMarkdown> = Lazy::new(|| {
    let options = htmd::options::Options {
        bullet_list_marker: htmd::options::BulletListMarker::Dash,
        ul_bullet_spacing: 1,
        ol_number_spacing: 1,
        ..Default::default()
    };
    HtmlToMarkdown::builder()
        .options(options)
        .skip_tags(vec!["script", "style", "noscript", "template", "head"])
        .add_handler(
            vec!["iframe", "embed", "video", "audio", "source"],
            embed_link,
        )
        .add_handler(vec!["figcaption"], caption)
        .add_handler(vec!["del", "s", "strike"], strikethrough)
        .add_handler(vec!["pre"], preformatted)
        .add_handler(vec!["div"], embed_wrapper)
        .add_handler(vec!["cite"], citation)
        .build()
});

fn attr<'a>(element: &'a Element, name: &str) -> Option<&'a str> {
    element
        .attrs
        .iter()
        .find(|a| &*a.name.local == name)
        .map(|a| &*a.value)
        .filter(|v| !v.trim().is_empty())
}

/// An embedded player becomes a link to what it plays.
fn embed_link(handlers: &dyn Handlers, element: Element) -> Option<HandlerResult> {
    match attr(&element, "src") {
        Some(src) => Some(format!("\n\n<{}>\n\n", src.trim()).into()),
        None => Some(handlers.walk_children(element.node)),
    }
}

fn caption(handlers: &dyn Handlers, element: Element) -> Option<HandlerResult> {
    let text = handlers.walk_children(element.node).content;
    let text = text.trim();
    if text.is_empty() {
        return Some("".into());
    }
    Some(format!("\n\n*{text}*\n\n").into())
}

/// The text of a node and its descendants, `<br>` as a newline.
fn text_of(node: &Rc<Node>, out: &mut String) {
    match &node.data {
        NodeData::Text { contents } => out.push_str(&contents.borrow()),
        NodeData::Element { name, .. } if &*name.local == "br" => out.push('\n'),
        _ => {}
    }
    for child in node.children.borrow().iter() {
        text_of(child, out);
    }
}

/// The `language-x` (or `lang-x`) class of a `<pre>` or of its `<code>`.
fn code_language(node: &Rc<Node>) -> Option<String> {
    let class = |n: &Rc<Node>| match &n.data {
        NodeData::Element { attrs, .. } => attrs
            .borrow()
            .iter()
            .find(|a| &*a.name.local == "class")
            .map(|a| a.value.to_string()),
        _ => None,
    };
    let children = node.children.borrow();
    std::iter::once(node)
        .chain(children.iter())
        .filter_map(class)
        .find_map(|c| {
            c.split_whitespace().find_map(|w| {
                w.strip_prefix("language-")
                    .or_else(|| w.strip_prefix("lang-"))
                    .map(str::to_owned)
            })
        })
}

/// A `<pre>` (code or not) is a fenced block of exactly its text.
fn preformatted(_: &dyn Handlers, element: Element) -> Option<HandlerResult> {
    let mut text = String::new();
    text_of(element.node, &mut text);
    let language = code_language(element.node).unwrap_or_default();
    Some(format!("\n\n{}\n\n", crate::fenced(&text, &language)).into())
}

/// The block editor's embed (`<div class="wp-block-embed__wrapper">URL</div>`): a link.
fn embed_wrapper(handlers: &dyn Handlers, element: Element) -> Option<HandlerResult> {
    if attr(&element, "class").is_some_and(|c| c.contains("wp-block-embed__wrapper")) {
        let mut text = String::new();
        text_of(element.node, &mut text);
        let url = text.trim();
        if url.starts_with("http://") || url.starts_with("https://") {
            return Some(format!("\n\n<{url}>\n\n").into());
        }
    }
    handlers.fallback(element)
}

/// A quotation's source, on a line of its own after a dash.
fn citation(handlers: &dyn Handlers, element: Element) -> Option<HandlerResult> {
    let text = handlers.walk_children(element.node).content;
    Some(format!("\n\n— {}", text.trim()).into())
}

fn strikethrough(handlers: &dyn Handlers, element: Element) -> Option<HandlerResult> {
    let text = handlers.walk_children(element.node).content;
    if text.trim().is_empty() {
        return Some(text.into());
    }
    Some(format!("~~{text}~~").into())
}

/// Converts a body of HTML (WordPress's, shortcodes and all, or Ghost's) to Markdown.
pub fn to_markdown(html: &str, attachments: &Attachments, notes: &mut Notes) -> String {
    // Classic-editor text is told by the text as written, before shortcodes add figures:
    // no blocks of the block editor, no paragraphs of its own.
    let classic = !html.contains("<!-- wp:") && !has_paragraphs(html);
    let html = expand_shortcodes(html, attachments, notes);
    let html = if classic { autop(&html) } else { html };
    html_fragment_to_markdown(&html, notes)
}

/// Converts HTML that needs no WordPress treatment (Ghost's cards, for instance).
pub fn html_fragment_to_markdown(html: &str, notes: &mut Notes) -> String {
    match CONVERTER.convert(html) {
        Ok(markdown) => tidy(&markdown),
        Err(err) => {
            notes.warnings.push(format!(
                "the HTML could not be converted ({err}); kept as text"
            ));
            html.to_owned()
        }
    }
}

/// Removes runs of blank lines htmd leaves between blocks it handled separately.
fn tidy(markdown: &str) -> String {
    static BLANKS: Lazy<Regex> =
        Lazy::new(|| Regex::new(r"\n{3,}").unwrap_or_else(|_| unreachable!()));
    BLANKS.replace_all(markdown.trim(), "\n\n").into_owned()
}

/// Whether the text marks its paragraphs (block editor, Ghost), rather than being
/// classic-editor text whose blank lines are the paragraphs.
fn has_paragraphs(html: &str) -> bool {
    static PARAGRAPH: Lazy<Regex> =
        Lazy::new(|| Regex::new(r"(?i)<p[\s>]").unwrap_or_else(|_| unreachable!()));
    PARAGRAPH.is_match(html)
}

/// WordPress's `wpautop`, in brief: blank lines separate paragraphs, a single newline is a
/// line break, and a chunk that already is a block is left alone.
fn autop(html: &str) -> String {
    static SPLIT: Lazy<Regex> =
        Lazy::new(|| Regex::new(r"\n[ \t]*\n").unwrap_or_else(|_| unreachable!()));
    static STARTS_BLOCK: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"(?i)^<(p|div|h[1-6]|ul|ol|table|blockquote|pre|figure|hr|iframe|dl|address|section)[\s/>]").unwrap_or_else(|_| unreachable!())
    });
    // Blocks stand apart from the text around them, as if blank lines surrounded them.
    static BLOCK_OPEN: Lazy<Regex> = Lazy::new(|| {
        Regex::new(
            r"(?i)(<(?:h[1-6]|ul|ol|table|blockquote|pre|figure|hr|div|dl|section|address)[\s/>])",
        )
        .unwrap_or_else(|_| unreachable!())
    });
    static BLOCK_CLOSE: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"(?i)(</(?:h[1-6]|ul|ol|table|blockquote|pre|figure|div|dl|section|address)>)")
            .unwrap_or_else(|_| unreachable!())
    });
    let text = html.replace("\r\n", "\n");
    let text = BLOCK_OPEN.replace_all(&text, "\n\n$1");
    let text = BLOCK_CLOSE.replace_all(&text, "$1\n\n");
    let mut out = String::with_capacity(text.len() + 64);
    for chunk in SPLIT.split(&text) {
        let chunk = chunk.trim();
        if chunk.is_empty() {
            continue;
        }
        if STARTS_BLOCK.is_match(chunk) {
            out.push_str(chunk);
        } else if (chunk.starts_with("https://") || chunk.starts_with("http://"))
            && !chunk.contains(char::is_whitespace)
        {
            // A URL alone on its line: WordPress embeds it (a player); Folio links to it.
            out.push_str(&link_block(chunk));
        } else {
            out.push_str("<p>");
            out.push_str(&chunk.replace('\n', "<br>"));
            out.push_str("</p>");
        }
        out.push('\n');
    }
    out
}

static SHORTCODE: Lazy<Regex> = Lazy::new(|| {
    // An opening tag, `[name attrs]` (its body and `[/name]`, if any, are found after);
    // `[[name]]` is WordPress's escape for a literal shortcode.
    Regex::new(r"\[\[[^\[\]]*\]\]|\[([a-zA-Z][\w-]*)((?:\s[^\[\]]*)?)/?\]")
        .unwrap_or_else(|_| unreachable!())
});

/// Shortcodes whose content sits between an opening and a closing tag.
const ENCLOSING: &[&str] = &["caption", "wp_caption", "embed", "video", "audio"];

/// Expands the shortcodes WordPress itself defines into HTML; keeps the others as text.
fn expand_shortcodes(html: &str, attachments: &Attachments, notes: &mut Notes) -> String {
    if !html.contains('[') {
        return html.to_owned();
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(c) = SHORTCODE.captures(rest) {
        let whole = c
            .get(0)
            .unwrap_or_else(|| unreachable!("group 0 always matches"));
        out.push_str(&rest[..whole.start()]);
        let mut after = &rest[whole.end()..];
        let tag = whole.as_str();
        if tag.starts_with("[[") {
            out.push_str(&tag[1..tag.len() - 1]);
            rest = after;
            continue;
        }
        let name = c[1].to_ascii_lowercase();
        let attrs = shortcode_attrs(c.get(2).map_or("", |m| m.as_str()));
        let mut body = None;
        if ENCLOSING.contains(&name.as_str()) {
            let close = format!("[/{name}]");
            if let Some(at) = after.to_ascii_lowercase().find(&close) {
                body = Some(&after[..at]);
                after = &after[at + close.len()..];
            }
        }
        let expanded = match name.as_str() {
            "caption" | "wp_caption" => body.map(|b| caption_shortcode(b, &attrs)),
            "embed" => body.map(|b| link_block(b.trim())),
            "video" | "audio" => attrs
                .iter()
                .find(|(k, _)| {
                    matches!(
                        k.as_str(),
                        "src" | "mp4" | "mp3" | "webm" | "ogg" | "m4a" | "wav"
                    )
                })
                .map(|(_, url)| url.clone())
                .or_else(|| body.map(|b| b.trim().to_owned()).filter(|b| !b.is_empty()))
                .map(|url| link_block(&url)),
            "gallery" => Some(gallery(&attrs, attachments, notes)),
            _ => None,
        };
        match expanded {
            Some(html) => out.push_str(&html),
            None => {
                notes.unknown(&name);
                out.push_str(tag);
                if let Some(body) = body {
                    out.push_str(body);
                }
            }
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

fn link_block(url: &str) -> String {
    let url = html_escape_attr(url);
    format!("<p><a href=\"{url}\">{url}</a></p>")
}

fn html_escape_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `[caption]<img …> The caption[/caption]`: the image, then its caption.
fn caption_shortcode(body: &str, attrs: &[(String, String)]) -> String {
    static IMAGE: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"(?is)^\s*(?:<a\s[^>]*>\s*)?<img\s[^>]*>(?:\s*</a>)?")
            .unwrap_or_else(|_| unreachable!())
    });
    let (image, text) = match IMAGE.find(body) {
        Some(m) => (m.as_str(), body[m.end()..].trim()),
        None => ("", body.trim()),
    };
    let text = if text.is_empty() {
        attrs
            .iter()
            .find(|(k, _)| k == "caption")
            .map_or(String::new(), |(_, v)| html_escape_attr(v))
    } else {
        text.to_owned()
    };
    format!("<figure>{image}<figcaption>{text}</figcaption></figure>")
}

/// `[gallery ids="3,4"]`: the attachments' images, in order, with their captions.
fn gallery(attrs: &[(String, String)], attachments: &Attachments, notes: &mut Notes) -> String {
    let ids = attrs
        .iter()
        .find(|(k, _)| k == "ids" || k == "include")
        .map_or("", |(_, v)| v.as_str());
    let mut out = String::new();
    for id in ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match attachments.get(id) {
            Some(a) => out.push_str(&format!(
                "<figure><img src=\"{}\" alt=\"{}\"><figcaption>{}</figcaption></figure>",
                html_escape_attr(&a.url),
                html_escape_attr(&a.alt),
                html_escape_attr(&a.caption)
            )),
            None => notes
                .warnings
                .push(format!("gallery image {id} is not in the export")),
        }
    }
    if ids.is_empty() {
        notes.warnings.push(
            "a [gallery] without ids shows the post's attached images; it was left out".into(),
        );
    }
    out
}

/// `key="value" key='value' key=value bare` as pairs (a bare word has an empty value).
fn shortcode_attrs(raw: &str) -> Vec<(String, String)> {
    static ATTR: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r#"([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))|(\S+)"#)
            .unwrap_or_else(|_| unreachable!())
    });
    ATTR.captures_iter(raw)
        .map(|c| match c.get(1) {
            Some(k) => {
                let v = c
                    .get(2)
                    .or(c.get(3))
                    .or(c.get(4))
                    .map_or("", |m| m.as_str());
                (k.as_str().to_ascii_lowercase(), v.to_owned())
            }
            None => (
                c.get(5).map_or("", |m| m.as_str()).to_owned(),
                String::new(),
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(html: &str) -> (String, Notes) {
        let mut notes = Notes::default();
        let mut attachments = Attachments::new();
        attachments.insert(
            "7".into(),
            Attachment {
                url: "http://old.example/wp-content/uploads/2023/05/a.png".into(),
                alt: "A cat".into(),
                caption: "Our cat".into(),
            },
        );
        (to_markdown(html, &attachments, &mut notes), notes)
    }

    #[test]
    fn gutenberg_blocks_lose_their_comments_and_keep_their_content() {
        let (out, notes) = md("<!-- wp:heading {\"level\":3} -->\n<h3 class=\"wp-block-heading\">Small things</h3>\n<!-- /wp:heading -->\n\n<!-- wp:paragraph -->\n<p>Hello <strong>bold</strong> and <em>it</em> <a href=\"https://example.com/x\">link</a>.</p>\n<!-- /wp:paragraph -->");
        assert_eq!(
            out,
            "### Small things\n\nHello **bold** and *it* [link](https://example.com/x)."
        );
        assert_eq!(notes, Notes::default());
    }

    #[test]
    fn classic_text_gets_its_paragraphs_back() {
        let (out, _) = md("First line\nsame paragraph\n\nSecond <b>para</b>.\n<h2>Then a heading</h2>\n<ul>\n\t<li>and a list</li>\n</ul>\nhttps://www.youtube.com/watch?v=x\n\nlast");
        assert_eq!(out, "First line  \nsame paragraph\n\nSecond **para**.\n\n## Then a heading\n\n- and a list\n\n[https://www.youtube.com/watch?v=x](https://www.youtube.com/watch?v=x)\n\nlast");
    }

    #[test]
    fn captions_galleries_and_embeds_become_content() {
        let (out, notes) = md("[caption id=\"attachment_7\" align=\"alignnone\" width=\"40\"]<img src=\"http://old.example/wp-content/uploads/2023/05/a.png\" alt=\"A cat\" width=\"40\" /> The cat, asleep[/caption]\n\n[gallery ids=\"7\"]\n\n[embed]https://vimeo.com/123[/embed]");
        assert!(
            out.contains("![A cat](http://old.example/wp-content/uploads/2023/05/a.png)"),
            "{out}"
        );
        assert!(out.contains("*The cat, asleep*"), "{out}");
        assert!(out.contains("*Our cat*"), "{out}");
        assert!(
            out.contains("[https://vimeo.com/123](https://vimeo.com/123)"),
            "{out}"
        );
        assert!(notes.unknown_shortcodes.is_empty(), "{notes:?}");
    }

    #[test]
    fn unknown_shortcodes_are_kept_visibly_and_reported() {
        let (out, notes) = md("<p>Write to us: [contact-form-7 id=\"12\" title=\"Contact\"]</p><p>[[gallery]] is how you write a gallery.</p>");
        // Escaped, so that Markdown shows the brackets rather than reading a link.
        assert!(
            out.contains("\\[contact-form-7 id=\"12\" title=\"Contact\"\\]"),
            "{out}"
        );
        assert!(out.contains("\\[gallery\\] is how"), "{out}");
        assert_eq!(notes.unknown_shortcodes, vec!["contact-form-7".to_string()]);
    }

    #[test]
    fn tables_code_quotes_and_lists_survive() {
        let (out, _) = md("<table><thead><tr><th>Name</th><th>Age</th></tr></thead><tbody><tr><td>Ada</td><td>36</td></tr></tbody></table><pre class=\"wp-block-code\"><code>if a &lt; b &amp;&amp; c {}</code></pre><blockquote><p>Said.</p><cite>Someone</cite></blockquote><ul><li>one<ul><li>nested</li></ul></li><li>two</li></ul><ol><li>first</li></ol>");
        assert!(out.contains("| Name | Age |"), "{out}");
        assert!(out.contains("| Ada  | 36  |"), "{out}");
        assert!(out.contains("```\nif a < b && c {}\n```"), "{out}");
        assert!(out.contains("> Said."), "{out}");
        assert!(out.contains("- one\n  - nested\n- two"), "{out}");
        assert!(out.contains("1. first"), "{out}");
    }

    #[test]
    fn players_become_links() {
        let (out, _) = md("<figure class=\"wp-block-embed\"><div class=\"wp-block-embed__wrapper\">\nhttps://www.youtube.com/watch?v=abc\n</div></figure><p><iframe src=\"https://player.example/v/1\"></iframe></p>");
        assert!(out.contains("https://www.youtube.com/watch?v=abc"), "{out}");
        assert!(out.contains("<https://player.example/v/1>"), "{out}");
    }
}
