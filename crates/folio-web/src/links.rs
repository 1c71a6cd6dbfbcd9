//! Rewriting the URLs of rendered HTML: site paths made absolute for feeds, and media
//! links pointed at `FOLIO_MEDIA_PUBLIC_URL` (a CDN or the bucket's own website).
//!
//! The input is Folio's own output (sanitized post bodies, theme templates): outside a
//! tag, text never holds a raw `<`, and the attribute values rewritten here are
//! double-quoted and never hold a raw `"`. A value written otherwise is left as it is,
//! which only means it is not rewritten.

use folio_store::MEDIA_PREFIX;

/// Passes each URL of the named attributes through `map` with the attribute's name
/// (`None` keeps it): the value of `src` or `href`, and each candidate of `srcset`.
fn rewrite_urls(
    html: &str,
    attributes: &[&str],
    map: impl Fn(&str, &str) -> Option<String>,
) -> String {
    let mut out = String::with_capacity(html.len() + 256);
    let mut copied = 0;
    let mut in_tag = false;
    let bytes = html.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match (in_tag, bytes[i]) {
            (false, b'<') => in_tag = true,
            (true, b'>') => in_tag = false,
            (true, b'"') => {
                let start = i + 1;
                let end = html[start..].find('"').map_or(html.len(), |n| start + n);
                let name = attribute_name(&html[..i]);
                if attributes.contains(&name) {
                    out.push_str(&html[copied..start]);
                    let value = &html[start..end];
                    let mapped = |url: &str| map(name, url).unwrap_or_else(|| url.to_owned());
                    if name == "srcset" {
                        let candidates: Vec<String> = value
                            .split(',')
                            .map(|c| {
                                let url = c.trim_start();
                                let space = &c[..c.len() - url.len()];
                                format!("{space}{}", mapped(url))
                            })
                            .collect();
                        out.push_str(&candidates.join(","));
                    } else {
                        out.push_str(&mapped(value));
                    }
                    copied = end;
                }
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    out.push_str(&html[copied..]);
    out
}

/// The name of the attribute whose `="` ends `before`.
fn attribute_name(before: &str) -> &str {
    let Some(before) = before.strip_suffix('=') else {
        return "";
    };
    let start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .map_or(0, |n| n + 1);
    &before[start..]
}

/// `url` with the site's base in front when it is a site path (not `//host/…`).
fn absolute(url: &str, base_url: &str) -> Option<String> {
    (url.starts_with('/') && !url.starts_with("//")).then(|| format!("{base_url}{url}"))
}

/// Where readers fetch media files from: this site's `/media/`, or the public URL
/// (`FOLIO_MEDIA_PUBLIC_URL`) that serves each file at `<url>/<key>`.
#[derive(Debug, Clone)]
pub struct MediaLinks {
    /// The site's media prefix as an absolute URL (`https://blog.example/media/`).
    site_media: String,
    /// The public base with a trailing slash, when one is set.
    public: Option<String>,
}

impl MediaLinks {
    pub fn new(base_url: &str, public_url: Option<&str>) -> MediaLinks {
        MediaLinks {
            site_media: format!("{base_url}{MEDIA_PREFIX}"),
            public: public_url.map(|u| format!("{}/", u.trim_end_matches('/'))),
        }
    }

    /// The public URL of a media link (`/media/k` or the site's absolute
    /// `…/media/k`), or `None` when there is no public URL or `url` is not a media link.
    pub fn public(&self, url: &str) -> Option<String> {
        let public = self.public.as_deref()?;
        let key = url
            .strip_prefix(MEDIA_PREFIX)
            .or_else(|| url.strip_prefix(self.site_media.as_str()))?;
        Some(format!("{public}{key}"))
    }

    /// `html` with the images it shows (`src`, `srcset`) fetched from the public URL.
    /// Links (`href`) stay on the site, which serves a download with its name and a
    /// sandbox. Without a public URL, `html` unchanged.
    pub fn rewrite_images(&self, html: String) -> String {
        if self.public.is_none() {
            return html;
        }
        rewrite_urls(&html, &["src", "srcset"], |_, u| self.public(u))
    }

    /// `html` for a feed, read where there is no page to resolve a path against: images
    /// from the public URL when one is set, every other site path made absolute.
    pub fn for_feed(&self, html: &str, base_url: &str) -> String {
        rewrite_urls(html, &["src", "href", "srcset"], |name, u| match name {
            "href" => absolute(u, base_url),
            _ => self.public(u).or_else(|| absolute(u, base_url)),
        })
    }

    /// The public URL's origin as a CSP source, when it is plain http (an https one is
    /// already allowed by `img-src https:`).
    pub fn csp_source(&self) -> Option<&str> {
        let public = self.public.as_deref()?;
        if public.starts_with("https://") {
            return None;
        }
        let after_scheme = public.find("://").map_or(0, |n| n + 3);
        let end = public[after_scheme..]
            .find('/')
            .map_or(public.len(), |n| after_scheme + n);
        let origin = &public[..end];
        // A host, a port, an IPv6 literal: nothing that could end the directive.
        origin[after_scheme..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
            .then_some(origin)
    }
}

#[cfg(test)]
mod tests {
    use super::MediaLinks;

    fn absolutize(html: &str, base: &str) -> String {
        MediaLinks::new(base, None).for_feed(html, base)
    }

    #[test]
    fn absolutizes_site_paths_only() {
        let html = r#"<a href="/x/">x</a><img src="/media/a.png" alt="a"><a href="//cdn.example/y">y</a><a href="https://e.com/">e</a><p title="/not-a-url">t</p>"#;
        let out = absolutize(html, "https://blog.example");
        assert!(out.contains(r#"href="https://blog.example/x/""#));
        assert!(out.contains(r#"src="https://blog.example/media/a.png""#));
        assert!(out.contains(r#"href="//cdn.example/y""#));
        assert!(out.contains(r#"href="https://e.com/""#));
        assert!(out.contains(r#"title="/not-a-url""#));
    }

    #[test]
    fn absolutizes_every_srcset_candidate_and_nothing_outside_tags() {
        let html = concat!(
            r#"<picture><source type="image/webp" srcset="/media/a-480w.webp 480w, /media/a-960w.webp 960w">"#,
            r#"<img srcset="/media/a-480w.jpg 480w,/media/a-960w.jpg 960w, https://cdn.example/a.jpg 2x" "#,
            r#"src="/media/a.jpg" alt="x > y" title="a &quot;quoted&quot; src=&quot;/z&quot;"></picture>"#,
            r#"<p>text with src="/not/an/attribute" in it</p>"#,
        );
        let out = absolutize(html, "https://blog.example");
        assert!(out.contains(r#"srcset="https://blog.example/media/a-480w.webp 480w, https://blog.example/media/a-960w.webp 960w""#), "{out}");
        assert!(out.contains(r#"srcset="https://blog.example/media/a-480w.jpg 480w,https://blog.example/media/a-960w.jpg 960w, https://cdn.example/a.jpg 2x""#), "{out}");
        assert!(
            out.contains(r#"src="https://blog.example/media/a.jpg" alt="x > y""#),
            "{out}"
        );
        assert!(
            out.contains(r#"title="a &quot;quoted&quot; src=&quot;/z&quot;""#),
            "{out}"
        );
        assert!(
            out.contains(r#"<p>text with src="/not/an/attribute" in it</p>"#),
            "{out}"
        );
    }

    #[test]
    fn images_come_from_the_public_url_and_links_stay_on_the_site() {
        let links = MediaLinks::new("https://blog.example", Some("https://cdn.example/m/"));
        let html = concat!(
            r#"<img src="/media/2026/11/a.png" srcset="/media/2026/11/a-480w.png 480w, https://blog.example/media/2026/11/a.png 1200w" alt="a">"#,
            r#"<a href="/media/2026/11/f-notes.pdf">notes</a><img src="/assets/logo.png" alt="">"#,
            r#"<img src="https://elsewhere.example/media/x.png" alt="">"#,
        );
        let out = links.rewrite_images(html.to_owned());
        assert!(
            out.contains(r#"src="https://cdn.example/m/2026/11/a.png" srcset="https://cdn.example/m/2026/11/a-480w.png 480w, https://cdn.example/m/2026/11/a.png 1200w""#),
            "{out}"
        );
        assert!(
            out.contains(r#"href="/media/2026/11/f-notes.pdf""#),
            "{out}"
        );
        assert!(out.contains(r#"src="/assets/logo.png""#), "{out}");
        assert!(
            out.contains(r#"src="https://elsewhere.example/media/x.png""#),
            "{out}"
        );

        let feed = links.for_feed(html, "https://blog.example");
        assert!(
            feed.contains(r#"src="https://cdn.example/m/2026/11/a.png""#),
            "{feed}"
        );
        assert!(
            feed.contains(r#"href="https://blog.example/media/2026/11/f-notes.pdf""#),
            "{feed}"
        );
        assert!(
            feed.contains(r#"480w, https://cdn.example/m/2026/11/a.png 1200w""#),
            "{feed}"
        );
        assert!(
            feed.contains(r#"src="https://blog.example/assets/logo.png""#),
            "{feed}"
        );
    }

    #[test]
    fn without_a_public_url_nothing_changes_and_http_origins_enter_the_csp() {
        let none = MediaLinks::new("https://blog.example", None);
        let html = r#"<img src="/media/a.png" alt="">"#;
        assert_eq!(none.rewrite_images(html.to_owned()), html);
        assert_eq!(none.csp_source(), None);
        let https = MediaLinks::new("https://blog.example", Some("https://cdn.example/m"));
        assert_eq!(https.csp_source(), None);
        let http = MediaLinks::new("https://blog.example", Some("http://localhost:3912/m"));
        assert_eq!(http.csp_source(), Some("http://localhost:3912"));
        let bare = MediaLinks::new("https://blog.example", Some("http://media.local"));
        assert_eq!(bare.csp_source(), Some("http://media.local"));
        let odd = MediaLinks::new("https://blog.example", Some("http://a;script-src"));
        assert_eq!(odd.csp_source(), None);
    }
}
