//! What a public page shows, named so that a write can say what it changed.
//!
//! A cached page keeps the tags of what it shows; a write purges the tags of what it
//! changed; a page is served from the cache only while none of its tags has been purged
//! since it was rendered. Every page shows the site's settings ([`CacheTag::Site`]),
//! so purging `Site` purges everything.

use std::fmt;

/// One thing a page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CacheTag {
    /// The settings, the theme, the navigation: every page.
    Site,
    /// Which posts are public and what their summaries say: every listing (home, tag
    /// and author pages, search, feeds, the sitemap).
    Posts,
    /// One post or page: its own page.
    Post(i64),
    /// One author's name, bio and address, shown on their posts' pages.
    Author(i64),
}

impl CacheTag {
    /// Reads what [`fmt::Display`] wrote; `None` for anything else.
    pub fn parse(s: &str) -> Option<CacheTag> {
        match s {
            "site" => return Some(CacheTag::Site),
            "posts" => return Some(CacheTag::Posts),
            _ => {}
        }
        let (kind, digits) = s.split_once('-')?;
        let id: i64 = digits.parse().ok()?;
        if id < 0 || id.to_string() != digits {
            return None;
        }
        match kind {
            "post" => Some(CacheTag::Post(id)),
            "author" => Some(CacheTag::Author(id)),
            _ => None,
        }
    }
}

/// The tag's name in storage and in `Surrogate-Key`/`Cache-Tag` headers: `site`, `posts`,
/// `post-12`, `author-3` (letters, digits and `-`, valid in either header).
impl fmt::Display for CacheTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CacheTag::Site => f.write_str("site"),
            CacheTag::Posts => f.write_str("posts"),
            CacheTag::Post(id) => write!(f, "post-{id}"),
            CacheTag::Author(id) => write!(f, "author-{id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_nothing_else_parses() {
        for tag in [
            CacheTag::Site,
            CacheTag::Posts,
            CacheTag::Post(12),
            CacheTag::Author(0),
            CacheTag::Post(9_007_199_254_740_993),
        ] {
            assert_eq!(CacheTag::parse(&tag.to_string()), Some(tag));
        }
        for bad in [
            "", "Site", "post", "post-", "post-x", "post--1", "post-+1", "post-01", "page-1",
            "post-1-2", "tag-5",
        ] {
            assert_eq!(CacheTag::parse(bad), None, "{bad:?}");
        }
    }
}
