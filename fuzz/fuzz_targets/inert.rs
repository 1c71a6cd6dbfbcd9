//! What "inert" means for HTML Folio serves, shared by the fuzz targets that check it:
//! no element, event handler, style or URL that could run script.

/// Elements that run or load active content, or change how the page is read.
const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script",
    "style",
    "iframe",
    "frame",
    "object",
    "embed",
    "applet",
    "form",
    "input",
    "button",
    "textarea",
    "select",
    "base",
    "meta",
    "link",
    "svg",
    "math",
    "template",
    "noscript",
    "xmp",
    "plaintext",
    "noembed",
    "noframes",
];

/// Attributes whose value is fetched or navigated to.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "srcset",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "background",
    "cite",
];

pub fn assert_inert(html: &str) {
    for tag in tags(html) {
        assert!(
            !FORBIDDEN_ELEMENTS.contains(&tag.name.as_str()),
            "<{}> in {html:?}",
            tag.name
        );
        for (name, value) in &tag.attributes {
            assert!(!name.starts_with("on"), "event handler {name} in {html:?}");
            assert!(name != "style", "style attribute in {html:?}");
            if URL_ATTRIBUTES.contains(&name.as_str()) {
                // As the URL standard reads it: C0 controls and spaces trimmed at both
                // ends, tabs and newlines dropped inside, the scheme at the start. Only
                // srcset holds several URLs; elsewhere a comma is part of the URL.
                let candidates: Vec<&str> = if name == "srcset" {
                    value.split(',').collect()
                } else {
                    vec![value]
                };
                for candidate in candidates {
                    let url = candidate
                        .trim_matches(|c: char| c <= ' ')
                        .chars()
                        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                        .collect::<String>()
                        .to_ascii_lowercase();
                    for scheme in [
                        "javascript:",
                        "vbscript:",
                        "data:text",
                        "data:application",
                        "data:image/svg",
                    ] {
                        assert!(!url.starts_with(scheme), "{name}={value:?} in {html:?}");
                    }
                }
            }
        }
    }
}

struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
}

/// The start tags of serialized HTML (html5ever's serializer: text has `<` and `&` escaped,
/// attribute values are double-quoted with `"` and `&` escaped), entities in values decoded
/// for the few that matter here.
fn tags(html: &str) -> Vec<Tag> {
    let mut out = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(at) = html[i..].find('<') {
        i += at + 1;
        if bytes.get(i).is_some_and(|b| *b == b'/' || *b == b'!') {
            continue;
        }
        let name_len = html[i..]
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(html.len() - i);
        let mut tag = Tag {
            name: html[i..i + name_len].to_ascii_lowercase(),
            attributes: Vec::new(),
        };
        i += name_len;
        loop {
            i += html[i..].len() - html[i..].trim_start().len();
            match bytes.get(i) {
                None => break,
                Some(b'>') => {
                    i += 1;
                    break;
                }
                Some(b'/') => i += 1,
                Some(_) => {
                    let len = html[i..]
                        .find(|c: char| c == '=' || c.is_whitespace() || c == '>')
                        .unwrap_or(html.len() - i);
                    let name = html[i..i + len].to_ascii_lowercase();
                    i += len;
                    let mut value = String::new();
                    if html[i..].starts_with("=\"") {
                        let end = html[i + 2..].find('"').map_or(html.len(), |e| i + 2 + e);
                        value = decode_entities(&html[i + 2..end]);
                        i = (end + 1).min(html.len());
                    }
                    tag.attributes.push((name, value));
                }
            }
        }
        out.push(tag);
    }
    out
}

fn decode_entities(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}
