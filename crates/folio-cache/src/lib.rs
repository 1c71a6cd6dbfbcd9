//! Folio's page cache: rendered public responses, keyed by the site's content
//! generation and the request's path and query.
//!
//! Invalidation is by generation: every write that can change a public page bumps the
//! generation in the database, and a key made with an older generation is never asked
//! for again, so no entry can be served stale after a write has been observed. Old
//! entries simply age out of the LRU.
//!
//! Handlers never see this type: the web layer's cache middleware looks pages up and
//! stores them. With `FOLIO_REDIS_URL`, a shared second tier ([`SharedTier`]) sits
//! behind the in-process one: a page rendered by one replica is served by all, and a
//! Redis that fails only turns its lookups into misses.

mod shared;
pub use shared::SharedTier;

use bytes::Bytes;
use http::HeaderValue;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

/// A response as it is kept: enough to answer a GET or a conditional GET. Header values
/// are kept ready to send, so a hit copies nothing but reference counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedPage {
    pub status: u16,
    pub content_type: HeaderValue,
    pub cache_control: HeaderValue,
    /// The strong validator, quotes included.
    pub etag: HeaderValue,
    pub body: Bytes,
    /// The route that rendered it (such as `/{slug}/`), so a hit is counted under the
    /// same route as the miss that filled it.
    pub route: Arc<str>,
}

impl CachedPage {
    pub fn new(
        status: u16,
        content_type: HeaderValue,
        cache_control: HeaderValue,
        body: Bytes,
        route: Arc<str>,
    ) -> Self {
        let etag = HeaderValue::from_str(&strong_etag(&body))
            .unwrap_or_else(|_| HeaderValue::from_static("\"\""));
        CachedPage {
            status,
            content_type,
            cache_control,
            etag,
            body,
            route,
        }
    }

    pub fn etag_str(&self) -> &str {
        self.etag.to_str().unwrap_or_default()
    }

    fn weight(&self) -> u32 {
        (self.body.len()
            + self.content_type.len()
            + self.cache_control.len()
            + self.etag.len()
            + 96)
            .try_into()
            .unwrap_or(u32::MAX)
    }
}

/// Which tier answered a lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Local,
    Shared,
}

/// The shared tier's format: a version byte, the status, then each header value and the
/// route as a 4-byte big-endian length and bytes, then the body.
const PAGE_FORMAT: u8 = 1;

impl CachedPage {
    fn encode(&self) -> Vec<u8> {
        let parts: [&[u8]; 4] = [
            self.content_type.as_bytes(),
            self.cache_control.as_bytes(),
            self.etag.as_bytes(),
            self.route.as_bytes(),
        ];
        let mut out =
            Vec::with_capacity(self.body.len() + 64 + parts.iter().map(|p| p.len()).sum::<usize>());
        out.push(PAGE_FORMAT);
        out.extend_from_slice(&self.status.to_be_bytes());
        for part in parts {
            out.extend_from_slice(&u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes());
            out.extend_from_slice(part);
        }
        out.extend_from_slice(&self.body);
        out
    }

    /// Reads what [`CachedPage::encode`] wrote; `None` for anything else (another
    /// version's format, a truncated value), which is then a miss.
    fn decode(bytes: &[u8]) -> Option<CachedPage> {
        let (&format, rest) = bytes.split_first()?;
        if format != PAGE_FORMAT {
            return None;
        }
        let (status, mut rest) = rest.split_at_checked(2)?;
        let status = u16::from_be_bytes([status[0], status[1]]);
        let mut parts: Vec<&[u8]> = Vec::with_capacity(4);
        for _ in 0..4 {
            let (len, after) = rest.split_at_checked(4)?;
            let len = usize::try_from(u32::from_be_bytes([len[0], len[1], len[2], len[3]])).ok()?;
            let (part, after) = after.split_at_checked(len)?;
            parts.push(part);
            rest = after;
        }
        let header = |b: &[u8]| HeaderValue::from_bytes(b).ok();
        Some(CachedPage {
            status,
            content_type: header(parts[0])?,
            cache_control: header(parts[1])?,
            etag: header(parts[2])?,
            route: Arc::from(std::str::from_utf8(parts[3]).ok()?),
            body: Bytes::copy_from_slice(rest),
        })
    }
}

/// A strong ETag from the body's bytes: equal bodies, equal tags, on every replica.
pub fn strong_etag(body: &[u8]) -> String {
    use base64::Engine;
    let digest = Sha256::digest(body);
    format!(
        "\"{}\"",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..18])
    )
}

/// Whether an `If-None-Match` header value matches `etag` (weak comparison, as RFC 9110
/// prescribes for If-None-Match).
pub fn if_none_match_matches(header: &str, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let ours = bare(etag);
    header.split(',').any(|candidate| {
        let candidate = candidate.trim();
        candidate == "*" || bare(candidate) == ours
    })
}

/// Where a page is kept: the content generation and the first 128 bits of the
/// SHA-256 of the path and query. Fixed-size and `Copy`, so a lookup allocates nothing;
/// the same on every replica, so it names the page in the shared tier too; and nobody
/// can craft two paths that share an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageKey {
    generation: i64,
    path_hash: u128,
}

impl PageKey {
    /// The page's name in the shared tier.
    fn shared_name(&self) -> String {
        format!("page:{}:{:032x}", self.generation, self.path_hash)
    }
}

fn path_hash(path_and_query: &str) -> u128 {
    let digest = Sha256::digest(path_and_query.as_bytes());
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    u128::from_be_bytes(first)
}

/// How long a page stays in the shared tier. Old generations are never asked for
/// again; this only bounds the memory they hold in Redis.
const SHARED_TTL: Duration = Duration::from_secs(3600);

/// The page cache: an in-process tier, and optionally the shared one behind it.
#[derive(Clone)]
pub struct PageCache {
    l1: Option<moka::sync::Cache<PageKey, Arc<CachedPage>>>,
    l2: Option<SharedTier>,
}

impl PageCache {
    /// A cache holding at most `max_bytes` of pages in this process; `0` disables
    /// caching entirely (the shared tier included).
    pub fn with_shared(max_bytes: u64, shared: Option<SharedTier>) -> Self {
        let mut cache = PageCache::new(max_bytes);
        if cache.l1.is_some() {
            cache.l2 = shared;
        }
        cache
    }

    /// The shared tier, if there is one.
    pub fn shared(&self) -> Option<&SharedTier> {
        self.l2.as_ref()
    }

    /// A cache holding at most `max_bytes` of pages; `0` disables caching entirely.
    pub fn new(max_bytes: u64) -> Self {
        let l1 = (max_bytes > 0).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|_k: &PageKey, v: &Arc<CachedPage>| v.weight())
                .time_to_idle(Duration::from_secs(3600))
                .build()
        });
        PageCache { l1, l2: None }
    }

    pub fn is_enabled(&self) -> bool {
        self.l1.is_some()
    }

    /// The key of a page at a content generation.
    pub fn key(generation: i64, path_and_query: &str) -> PageKey {
        PageKey {
            generation,
            path_hash: path_hash(path_and_query),
        }
    }

    /// The page under `key` and the tier that had it.
    pub async fn get(&self, key: &PageKey) -> Option<(Arc<CachedPage>, Tier)> {
        let l1 = self.l1.as_ref()?;
        let found = l1.get(key);
        let outcome = if found.is_some() { "hit" } else { "miss" };
        metrics::counter!("folio_page_cache_lookups_total", "tier" => "l1", "outcome" => outcome)
            .increment(1);
        if let Some(page) = found {
            return Some((page, Tier::Local));
        }
        let l2 = self.l2.as_ref()?;
        let found = l2
            .get(&key.shared_name())
            .await
            .and_then(|bytes| CachedPage::decode(&bytes));
        let outcome = if found.is_some() { "hit" } else { "miss" };
        metrics::counter!("folio_page_cache_lookups_total", "tier" => "l2", "outcome" => outcome)
            .increment(1);
        let page = Arc::new(found?);
        l1.insert(*key, Arc::clone(&page));
        Some((page, Tier::Shared))
    }

    /// Keeps a page in this process and, in the background, in the shared tier.
    pub async fn insert(&self, key: PageKey, page: Arc<CachedPage>) {
        let Some(l1) = &self.l1 else { return };
        l1.insert(key, Arc::clone(&page));
        if let Some(l2) = self.l2.clone() {
            tokio::spawn(
                async move { l2.set(&key.shared_name(), &page.encode(), SHARED_TTL).await },
            );
        }
    }

    /// Drops every entry (a generation bump already makes them unreachable; this frees
    /// the memory at once).
    pub fn invalidate_site(&self) {
        if let Some(l1) = &self.l1 {
            l1.invalidate_all();
        }
    }

    /// Entries currently held (approximate), for metrics and tests.
    pub fn entry_count(&self) -> u64 {
        self.l1
            .as_ref()
            .map(|c| {
                c.run_pending_tasks();
                c.entry_count()
            })
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &'static str) -> Arc<CachedPage> {
        Arc::new(CachedPage::new(
            200,
            HeaderValue::from_static("text/html"),
            HeaderValue::from_static("public"),
            Bytes::from_static(body.as_bytes()),
            "/".into(),
        ))
    }

    #[tokio::test]
    async fn keys_of_an_older_generation_miss() {
        let cache = PageCache::new(1 << 20);
        cache.insert(PageCache::key(1, "/"), page("old")).await;
        assert_eq!(
            PageCache::key(1, "/"),
            PageCache::key(1, "/"),
            "the same on every replica"
        );
        assert!(cache.get(&PageCache::key(1, "/")).await.is_some());
        assert!(cache.get(&PageCache::key(2, "/")).await.is_none());
    }

    #[tokio::test]
    async fn disabled_cache_stores_nothing() {
        let cache = PageCache::new(0);
        cache.insert(PageCache::key(1, "/"), page("x")).await;
        assert!(cache.get(&PageCache::key(1, "/")).await.is_none());
    }

    #[tokio::test]
    async fn paths_and_queries_are_told_apart() {
        let cache = PageCache::new(1 << 20);
        cache.insert(PageCache::key(1, "/a/"), page("a")).await;
        assert!(cache.get(&PageCache::key(1, "/a/?x=1")).await.is_none());
        assert!(cache.get(&PageCache::key(1, "/b/")).await.is_none());
        assert_eq!(
            cache
                .get(&PageCache::key(1, "/a/"))
                .await
                .map(|(p, _)| p.body.clone()),
            Some(Bytes::from_static(b"a"))
        );
    }

    #[test]
    fn pages_survive_the_shared_format_and_damage_is_a_miss() {
        let original = page("<p>hello</p>");
        let bytes = original.encode();
        assert_eq!(CachedPage::decode(&bytes).as_ref(), Some(&*original));
        for cut in 0..bytes.len() - original.body.len() {
            assert_eq!(
                CachedPage::decode(&bytes[..cut]),
                None,
                "truncated at {cut}"
            );
        }
        let mut other_version = bytes.clone();
        other_version[0] = 9;
        assert_eq!(CachedPage::decode(&other_version), None);
    }

    #[test]
    fn etags_are_strong_and_content_derived() {
        let a = strong_etag(b"hello");
        assert_eq!(a, strong_etag(b"hello"));
        assert_ne!(a, strong_etag(b"hello!"));
        assert!(a.starts_with('"') && a.ends_with('"') && !a.starts_with("W/"));
    }

    #[test]
    fn if_none_match_parsing() {
        let tag = strong_etag(b"x");
        assert!(if_none_match_matches(&tag, &tag));
        assert!(if_none_match_matches(&format!("\"a\", W/{tag}"), &tag));
        assert!(if_none_match_matches("*", &tag));
        assert!(!if_none_match_matches("\"nope\"", &tag));
    }
}
