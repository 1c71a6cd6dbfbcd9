//! URL slugs: the last path segment of a post, page, tag or author.

use crate::field::Invalid;
use serde::Serialize;

/// Longest slug accepted, in bytes (all slug characters are ASCII).
pub const MAX_SLUG_LEN: usize = 120;

/// Slugs that would shadow one of Folio's own routes at the top level.
const RESERVED: &[&str] = &[
    "admin",
    "api",
    "assets",
    "media",
    "tag",
    "author",
    "search",
    "feed.xml",
    "rss.xml",
    "feed.json",
    "sitemap.xml",
    "robots.txt",
    "healthz",
    "readyz",
    "metrics",
    "page",
];

/// A valid slug: 1 to 120 characters of `a-z`, `0-9` and single inner hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    /// Accepts a slug exactly as given, or says what is wrong with it.
    pub fn parse(raw: &str) -> Result<Slug, Invalid> {
        if raw.is_empty() {
            return Err(Invalid::new("must not be empty"));
        }
        if raw.len() > MAX_SLUG_LEN {
            return Err(Invalid::new(format!(
                "must be at most {MAX_SLUG_LEN} characters"
            )));
        }
        if let Some(bad) = raw
            .chars()
            .find(|c| !matches!(c, 'a'..='z' | '0'..='9' | '-'))
        {
            return Err(Invalid::new(format!(
                "may hold only lowercase letters a-z, digits and hyphens, not {bad:?}"
            )));
        }
        if raw.starts_with('-') || raw.ends_with('-') || raw.contains("--") {
            return Err(Invalid::new(
                "must not start or end with a hyphen or hold two hyphens in a row",
            ));
        }
        if RESERVED.contains(&raw) {
            return Err(Invalid::new(format!(
                "{raw:?} is reserved for Folio's own pages"
            )));
        }
        Ok(Slug(raw.to_owned()))
    }

    /// Makes a slug from free text (a title, a tag name): transliterated to ASCII,
    /// lowercased, with runs of anything else folded to one hyphen. Falls back to
    /// `fallback` when nothing usable is left (a title of only emoji, say).
    pub fn derive(text: &str, fallback: &str) -> Slug {
        let ascii = deunicode::deunicode(text).to_ascii_lowercase();
        let mut out = String::with_capacity(ascii.len());
        for c in ascii.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        let mut out = out.trim_end_matches('-').to_owned();
        if out.len() > MAX_SLUG_LEN {
            out.truncate(MAX_SLUG_LEN);
            out = out.trim_end_matches('-').to_owned();
        }
        if RESERVED.contains(&out.as_str()) {
            out.push_str("-1");
        }
        Slug::parse(&out).unwrap_or_else(|_| Slug(fallback.to_owned()))
    }

    /// The same slug with `-N` appended, for finding a free one after a collision.
    pub fn with_suffix(&self, n: u32) -> Slug {
        let suffix = format!("-{n}");
        let mut base = self.0.clone();
        base.truncate(MAX_SLUG_LEN - suffix.len());
        Slug(format!("{}{suffix}", base.trim_end_matches('-')))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_plain_slugs() {
        assert_eq!(
            Slug::parse("hello-world-2").map(|s| s.0),
            Ok("hello-world-2".into())
        );
    }

    #[test]
    fn refuses_bad_slugs_with_a_reason() {
        for bad in [
            "", "Hello", "a b", "-a", "a-", "a--b", "../etc", "admin", "é",
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(Slug::parse(&"a".repeat(121)).is_err());
    }

    #[test]
    fn derives_from_titles() {
        assert_eq!(
            Slug::derive("Hello, World!", "post").as_str(),
            "hello-world"
        );
        assert_eq!(
            Slug::derive("Ça va? Très bien", "post").as_str(),
            "ca-va-tres-bien"
        );
        assert_eq!(Slug::derive("!!! ???", "post").as_str(), "post");
        assert_eq!(Slug::derive("Admin", "post").as_str(), "admin-1");
    }

    #[test]
    fn suffix_stays_within_the_limit() {
        let long = Slug::derive(&"x".repeat(300), "post");
        let s = long.with_suffix(12);
        assert!(s.as_str().len() <= MAX_SLUG_LEN);
        assert!(Slug::parse(s.as_str()).is_ok());
    }

    proptest! {
        #[test]
        fn derived_slugs_always_parse(text in ".*") {
            let slug = Slug::derive(&text, "post");
            prop_assert!(Slug::parse(slug.as_str()).is_ok());
        }

        #[test]
        fn parsed_slugs_are_url_safe(raw in "[a-z0-9-]{1,130}") {
            if let Ok(slug) = Slug::parse(&raw) {
                prop_assert!(slug.as_str().bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
                prop_assert!(slug.as_str().len() <= MAX_SLUG_LEN);
            }
        }
    }
}
