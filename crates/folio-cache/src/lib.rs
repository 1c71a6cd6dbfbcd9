//! Folio's page cache: rendered public responses, keyed by the site's content
//! generation and the request's path and query.
//!
//! Invalidation is by generation: every write that can change a public page bumps the
//! generation in the database, and a key made with an older generation is never asked
//! for again, so no entry can be served stale after a write has been observed. Old
//! entries simply age out of the LRU.
//!
//! Handlers never see this type: the web layer's cache middleware looks pages up and
//! stores them. The methods are `async` so that a shared second tier (Redis) can be put
//! behind the in-process one without changing any caller.

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
    pub fn new(status: u16, content_type: HeaderValue, cache_control: HeaderValue, body: Bytes, route: Arc<str>) -> Self {
        let etag = HeaderValue::from_str(&strong_etag(&body)).unwrap_or_else(|_| HeaderValue::from_static("\"\""));
        CachedPage { status, content_type, cache_control, etag, body, route }
    }

    pub fn etag_str(&self) -> &str {
        self.etag.to_str().unwrap_or_default()
    }

    fn weight(&self) -> u32 {
        (self.body.len() + self.content_type.len() + self.cache_control.len() + self.etag.len() + 96)
            .try_into()
            .unwrap_or(u32::MAX)
    }
}

/// A strong ETag from the body's bytes: equal bodies, equal tags, on every replica.
pub fn strong_etag(body: &[u8]) -> String {
    use base64::Engine;
    let digest = Sha256::digest(body);
    format!("\"{}\"", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..18]))
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

/// Where a page is kept: the content generation and a 128-bit keyed hash of the path
/// and query. Fixed-size and `Copy`, so a lookup allocates nothing; the hash keys are
/// random per process, so nobody can craft two paths that share an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageKey {
    generation: i64,
    path_hash: u128,
}

fn path_hash(path_and_query: &str) -> u128 {
    use std::hash::{BuildHasher, Hasher};
    static SEEDS: std::sync::OnceLock<(std::collections::hash_map::RandomState, std::collections::hash_map::RandomState)> =
        std::sync::OnceLock::new();
    let (a, b) = SEEDS.get_or_init(|| (Default::default(), Default::default()));
    let half = |seed: &std::collections::hash_map::RandomState| {
        let mut h = seed.build_hasher();
        h.write(path_and_query.as_bytes());
        h.finish()
    };
    (u128::from(half(a)) << 64) | u128::from(half(b))
}

/// The in-process tier.
#[derive(Clone)]
pub struct PageCache {
    l1: Option<moka::sync::Cache<PageKey, Arc<CachedPage>>>,
}

impl PageCache {
    /// A cache holding at most `max_bytes` of pages; `0` disables caching entirely.
    pub fn new(max_bytes: u64) -> Self {
        let l1 = (max_bytes > 0).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|_k: &PageKey, v: &Arc<CachedPage>| v.weight())
                .time_to_idle(Duration::from_secs(3600))
                .build()
        });
        PageCache { l1 }
    }

    pub fn is_enabled(&self) -> bool {
        self.l1.is_some()
    }

    /// The key of a page at a content generation.
    pub fn key(generation: i64, path_and_query: &str) -> PageKey {
        PageKey { generation, path_hash: path_hash(path_and_query) }
    }

    pub async fn get(&self, key: &PageKey) -> Option<Arc<CachedPage>> {
        let l1 = self.l1.as_ref()?;
        let found = l1.get(key);
        let outcome = if found.is_some() { "hit" } else { "miss" };
        metrics::counter!("folio_page_cache_lookups_total", "tier" => "l1", "outcome" => outcome).increment(1);
        found
    }

    pub async fn insert(&self, key: PageKey, page: Arc<CachedPage>) {
        if let Some(l1) = &self.l1 {
            l1.insert(key, page);
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
        self.l1.as_ref().map(|c| {
            c.run_pending_tasks();
            c.entry_count()
        }).unwrap_or(0)
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
        assert_eq!(cache.get(&PageCache::key(1, "/a/")).await.map(|p| p.body.clone()), Some(Bytes::from_static(b"a")));
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
