//! Folio's page cache: rendered public responses, keyed by the request's path and query.
//!
//! Invalidation is by cache tag ([`CacheTag`]): each page keeps the content generation it
//! was rendered at and the tags of what it shows; a lookup passes a freshness check (the
//! store's record of which tags writes purged, and when), and a page that fails it is a
//! miss. So a write makes only the pages that show what it changed miss, and no entry
//! is served stale after the write has been seen. Replaced entries age out of the LRU.
//!
//! Handlers never see this type: the web layer's cache middleware looks pages up and
//! stores them. With `FOLIO_REDIS_URL`, a shared second tier ([`SharedTier`]) sits
//! behind the in-process one: a page rendered by one replica is served by all, and a
//! Redis that fails only turns its lookups into misses. Concurrent misses of one page
//! render it once ([`PageCache::join`]).

mod flight;
mod sentinel;
mod shared;
pub use flight::{Flight, Follower, Leader};
pub use shared::SharedTier;

use bytes::Bytes;
pub use folio_core::CacheTag;
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
    /// The content generation the request that rendered it had seen.
    pub generation: i64,
    /// What it shows, besides the site itself.
    pub tags: Box<[CacheTag]>,
    /// The tags as `Surrogate-Key` sends them (space-separated, `site` first), for a CDN
    /// or Varnish in front to purge by; `Cache-Tag` sends the same, comma-separated.
    pub surrogate_key: HeaderValue,
    pub cache_tag: HeaderValue,
}

/// The page as it was rendered, before it is kept.
pub struct Rendered {
    pub status: u16,
    pub content_type: HeaderValue,
    pub cache_control: HeaderValue,
    pub body: Bytes,
    pub route: Arc<str>,
    pub generation: i64,
    pub tags: Vec<CacheTag>,
}

impl CachedPage {
    pub fn new(page: Rendered) -> Self {
        let etag = HeaderValue::from_str(&strong_etag(&page.body))
            .unwrap_or_else(|_| HeaderValue::from_static("\"\""));
        CachedPage::with_etag(page, etag)
    }

    /// A page whose validator is already known (read back from the shared tier, where the
    /// rendering replica stored the one it computed from the same bytes).
    fn with_etag(page: Rendered, etag: HeaderValue) -> Self {
        let mut tags = page.tags;
        tags.sort_unstable();
        tags.dedup();
        tags.retain(|t| *t != CacheTag::Site);
        let names: Vec<String> = std::iter::once(CacheTag::Site)
            .chain(tags.iter().copied())
            .map(|t| t.to_string())
            .collect();
        // Tag names are ASCII letters, digits and '-': always a valid header value.
        let header = |sep: &str| {
            HeaderValue::from_str(&names.join(sep))
                .unwrap_or_else(|_| HeaderValue::from_static("site"))
        };
        CachedPage {
            status: page.status,
            content_type: page.content_type,
            cache_control: page.cache_control,
            etag,
            body: page.body,
            route: page.route,
            generation: page.generation,
            surrogate_key: header(" "),
            cache_tag: header(","),
            tags: tags.into_boxed_slice(),
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
            + 2 * self.surrogate_key.len()
            + 16 * self.tags.len()
            + 128)
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

/// The shared tier's format: a version byte, the status, the generation (8 bytes), then
/// each header value, the route and the tags (space-separated names) as a 4-byte
/// big-endian length and bytes, then the body. Format 1 (before cache tags) is a miss.
const PAGE_FORMAT: u8 = 2;

impl CachedPage {
    fn encode(&self) -> Vec<u8> {
        let parts: [&[u8]; 5] = [
            self.content_type.as_bytes(),
            self.cache_control.as_bytes(),
            self.etag.as_bytes(),
            self.route.as_bytes(),
            self.surrogate_key.as_bytes(),
        ];
        let mut out =
            Vec::with_capacity(self.body.len() + 64 + parts.iter().map(|p| p.len()).sum::<usize>());
        out.push(PAGE_FORMAT);
        out.extend_from_slice(&self.status.to_be_bytes());
        out.extend_from_slice(&self.generation.to_be_bytes());
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
        let (status, rest) = rest.split_at_checked(2)?;
        let status = u16::from_be_bytes([status[0], status[1]]);
        let (generation, mut rest) = rest.split_at_checked(8)?;
        let generation = i64::from_be_bytes(generation.try_into().ok()?);
        let mut parts: Vec<&[u8]> = Vec::with_capacity(5);
        for _ in 0..5 {
            let (len, after) = rest.split_at_checked(4)?;
            let len = usize::try_from(u32::from_be_bytes([len[0], len[1], len[2], len[3]])).ok()?;
            let (part, after) = after.split_at_checked(len)?;
            parts.push(part);
            rest = after;
        }
        let header = |b: &[u8]| HeaderValue::from_bytes(b).ok();
        // A name this release does not know (a newer one's) is read as the whole site.
        let tags = std::str::from_utf8(parts[4])
            .ok()?
            .split(' ')
            .map(|name| CacheTag::parse(name).unwrap_or(CacheTag::Site))
            .collect();
        let page = Rendered {
            status,
            content_type: header(parts[0])?,
            cache_control: header(parts[1])?,
            body: Bytes::copy_from_slice(rest),
            route: Arc::from(std::str::from_utf8(parts[3]).ok()?),
            generation,
            tags,
        };
        Some(CachedPage::with_etag(page, header(parts[2])?))
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

/// Where a page is kept: the first 128 bits of the SHA-256 of the path and query.
/// Fixed-size and `Copy`, so a lookup allocates nothing; the same on every replica, so it
/// names the page in the shared tier too; and nobody can craft two paths that share an
/// entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageKey {
    path_hash: u128,
}

impl PageKey {
    /// The page's name in the shared tier (`pages:`, not format 1's `page:<generation>:`).
    fn shared_name(&self) -> String {
        format!("pages:{:032x}", self.path_hash)
    }
}

fn path_hash(path_and_query: &str) -> u128 {
    let digest = Sha256::digest(path_and_query.as_bytes());
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    u128::from_be_bytes(first)
}

/// How long a page stays in the shared tier unless a newer render replaces it; this
/// bounds the memory pages nobody asks for hold in Redis.
const SHARED_TTL: Duration = Duration::from_secs(3600);

/// The page cache: an in-process tier, and optionally the shared one behind it.
#[derive(Clone)]
pub struct PageCache {
    l1: Option<moka::sync::Cache<PageKey, Arc<CachedPage>>>,
    l2: Option<SharedTier>,
    flights: Arc<flight::Flights>,
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
        PageCache {
            l1,
            l2: None,
            flights: Arc::default(),
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.l1.is_some()
    }

    /// The key of the page at a path and query.
    pub fn key(path_and_query: &str) -> PageKey {
        PageKey {
            path_hash: path_hash(path_and_query),
        }
    }

    /// The page under `key` that `fresh` accepts, and the tier that had it. A page
    /// `fresh` refuses (a write purged one of its tags since it was rendered) is a miss;
    /// the shared tier may hold a newer render of it.
    pub async fn get(
        &self,
        key: &PageKey,
        fresh: impl Fn(&CachedPage) -> bool,
    ) -> Option<(Arc<CachedPage>, Tier)> {
        let l1 = self.l1.as_ref()?;
        let found = l1.get(key).filter(|page| fresh(page));
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
            .and_then(|bytes| CachedPage::decode(&bytes))
            .filter(|page| fresh(page));
        let outcome = if found.is_some() { "hit" } else { "miss" };
        metrics::counter!("folio_page_cache_lookups_total", "tier" => "l2", "outcome" => outcome)
            .increment(1);
        let page = Arc::new(found?);
        l1.insert(*key, Arc::clone(&page));
        Some((page, Tier::Shared))
    }

    /// What a miss of `key` at content generation `generation` does ([`Flight`]): the
    /// first concurrent miss renders the page, later ones wait for it (a request that has
    /// seen a newer generation does not wait for a render begun before it). `None` when
    /// caching is off: every request renders.
    pub fn join(&self, key: PageKey, generation: i64) -> Option<Flight> {
        self.l1.as_ref()?;
        let flight = self.flights.join(key, generation);
        if matches!(flight, Flight::Follow(_)) {
            metrics::counter!("folio_page_cache_coalesced_total").increment(1);
        }
        Some(flight)
    }

    /// The page under `key` in this process only, if `fresh` accepts it (no shared-tier
    /// lookup, no metrics).
    pub fn local(
        &self,
        key: &PageKey,
        fresh: impl Fn(&CachedPage) -> bool,
    ) -> Option<Arc<CachedPage>> {
        self.l1.as_ref()?.get(key).filter(|page| fresh(page))
    }

    /// Keeps a page in this process and, in the background, in the shared tier; unless
    /// this process holds a render of it made after a newer generation (a slow render
    /// that raced a write never replaces the fresh one).
    pub async fn insert(&self, key: PageKey, page: Arc<CachedPage>) {
        let Some(l1) = &self.l1 else { return };
        if l1
            .get(&key)
            .is_some_and(|kept| kept.generation > page.generation)
        {
            return;
        }
        l1.insert(key, Arc::clone(&page));
        if let Some(l2) = self.l2.clone() {
            tokio::spawn(
                async move { l2.set(&key.shared_name(), &page.encode(), SHARED_TTL).await },
            );
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

    fn rendered(body: &'static str, generation: i64, tags: Vec<CacheTag>) -> Arc<CachedPage> {
        Arc::new(CachedPage::new(Rendered {
            status: 200,
            content_type: HeaderValue::from_static("text/html"),
            cache_control: HeaderValue::from_static("public"),
            body: Bytes::from_static(body.as_bytes()),
            route: "/".into(),
            generation,
            tags,
        }))
    }

    fn page(body: &'static str) -> Arc<CachedPage> {
        rendered(body, 1, vec![CacheTag::Posts])
    }

    fn any(_: &CachedPage) -> bool {
        true
    }

    #[tokio::test]
    async fn a_page_the_freshness_check_refuses_is_a_miss() {
        let cache = PageCache::new(1 << 20);
        assert_eq!(
            PageCache::key("/"),
            PageCache::key("/"),
            "the same on every replica"
        );
        cache.insert(PageCache::key("/"), page("old")).await;
        assert!(cache.get(&PageCache::key("/"), any).await.is_some());
        let purged_after_1 = |p: &CachedPage| p.generation >= 2;
        assert!(cache
            .get(&PageCache::key("/"), purged_after_1)
            .await
            .is_none());
        assert!(cache.local(&PageCache::key("/"), purged_after_1).is_none());
        cache
            .insert(
                PageCache::key("/"),
                rendered("new", 2, vec![CacheTag::Posts]),
            )
            .await;
        let (fresh, _) = cache
            .get(&PageCache::key("/"), purged_after_1)
            .await
            .expect("newer render");
        assert_eq!(fresh.body, Bytes::from_static(b"new"));
        // A slow render begun before the write finishes last: the newer one stays.
        cache.insert(PageCache::key("/"), page("slow")).await;
        assert_eq!(
            cache
                .local(&PageCache::key("/"), any)
                .map(|p| p.body.clone()),
            Some(Bytes::from_static(b"new"))
        );
    }

    #[tokio::test]
    async fn disabled_cache_stores_nothing() {
        let cache = PageCache::new(0);
        cache.insert(PageCache::key("/"), page("x")).await;
        assert!(cache.get(&PageCache::key("/"), any).await.is_none());
        assert!(
            cache.join(PageCache::key("/"), 1).is_none(),
            "no single flight either"
        );
    }

    #[tokio::test]
    async fn paths_and_queries_are_told_apart() {
        let cache = PageCache::new(1 << 20);
        cache.insert(PageCache::key("/a/"), page("a")).await;
        assert!(cache.get(&PageCache::key("/a/?x=1"), any).await.is_none());
        assert!(cache.get(&PageCache::key("/b/"), any).await.is_none());
        assert_eq!(
            cache
                .get(&PageCache::key("/a/"), any)
                .await
                .map(|(p, _)| p.body.clone()),
            Some(Bytes::from_static(b"a"))
        );
    }

    #[test]
    fn pages_survive_the_shared_format_and_damage_is_a_miss() {
        let original = rendered(
            "<p>hello</p>",
            42,
            vec![CacheTag::Post(7), CacheTag::Author(3)],
        );
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
        other_version[0] = 1;
        assert_eq!(CachedPage::decode(&other_version), None);
    }

    #[test]
    fn tags_are_sent_with_the_site_first_and_each_once() {
        let page = rendered(
            "x",
            1,
            vec![
                CacheTag::Author(3),
                CacheTag::Post(12),
                CacheTag::Site,
                CacheTag::Post(12),
            ],
        );
        assert_eq!(page.surrogate_key, "site post-12 author-3");
        assert_eq!(page.cache_tag, "site,post-12,author-3");
        assert_eq!(&*page.tags, &[CacheTag::Post(12), CacheTag::Author(3)]);
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
