//! Single flight: concurrent misses of one page in one process render it once.
//!
//! After a write every cached page misses at once; without this, each of the requests
//! that arrive for the home page before the first render finishes would render it too.
//! The first miss of a key becomes its [`Leader`] and renders; later misses of the same
//! key become [`Follower`]s and wait for the leader's page. A leader that has nothing
//! to share (the answer was not cacheable, the render failed, its request was dropped)
//! lets its followers go, and each renders for itself, as without single flight.

use crate::{CachedPage, PageKey};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::watch;

type Slot = watch::Receiver<Option<Arc<CachedPage>>>;

/// A render in progress: the page, and the content generation its request had seen.
type Render = (PageKey, i64);

/// The renders in progress in this process.
#[derive(Default)]
pub(crate) struct Flights {
    rendering: Mutex<HashMap<Render, Slot>>,
}

/// What a miss does: render the page and share it, or wait for the render under way.
pub enum Flight {
    Lead(Leader),
    Follow(Follower),
}

impl Flights {
    pub(crate) fn join(self: &Arc<Self>, key: PageKey, generation: i64) -> Flight {
        let render = (key, generation);
        let mut rendering = self
            .rendering
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = rendering.get(&render) {
            return Flight::Follow(Follower(slot.clone()));
        }
        let (sender, slot) = watch::channel(None);
        rendering.insert(render, slot);
        Flight::Lead(Leader {
            flights: Arc::clone(self),
            render,
            sender,
        })
    }

    #[cfg(test)]
    fn in_progress(&self) -> usize {
        self.rendering
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// The one request rendering a page for everyone who asks for it meanwhile. Dropping it
/// ends the flight: without [`Leader::share`] first, the followers render for themselves.
pub struct Leader {
    flights: Arc<Flights>,
    render: Render,
    sender: watch::Sender<Option<Arc<CachedPage>>>,
}

impl Leader {
    /// Hands the rendered page to every follower, and ends the flight.
    pub fn share(self, page: Arc<CachedPage>) {
        self.sender.send_replace(Some(page));
    }
}

impl Drop for Leader {
    fn drop(&mut self) {
        self.flights
            .rendering
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.render);
    }
}

/// A request waiting for another's render of the same page.
pub struct Follower(Slot);

impl Follower {
    /// The leader's page, or `None` when it had none to share.
    pub async fn page(mut self) -> Option<Arc<CachedPage>> {
        let shared = self.0.wait_for(Option::is_some).await.ok()?;
        shared.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PageCache, Rendered};
    use bytes::Bytes;
    use http::HeaderValue;

    fn page() -> Arc<CachedPage> {
        Arc::new(CachedPage::new(Rendered {
            status: 200,
            content_type: HeaderValue::from_static("text/html"),
            cache_control: HeaderValue::from_static("public"),
            body: Bytes::from_static(b"<p>once</p>"),
            route: "/".into(),
            generation: 1,
            tags: vec![],
        }))
    }

    #[tokio::test]
    async fn followers_get_the_leaders_page_and_the_flight_ends() {
        let flights = Arc::new(Flights::default());
        let key = PageCache::key("/");
        let Flight::Lead(leader) = flights.join(key, 1) else {
            panic!("the first miss leads")
        };
        let followers: Vec<_> = (0..3)
            .map(|_| match flights.join(key, 1) {
                Flight::Follow(f) => tokio::spawn(f.page()),
                Flight::Lead(_) => panic!("a second miss of the same key follows"),
            })
            .collect();
        assert!(
            matches!(flights.join(PageCache::key("/other/"), 1), Flight::Lead(_)),
            "another page has its own flight"
        );
        assert!(
            matches!(flights.join(key, 2), Flight::Lead(_)),
            "a request that has seen a newer generation renders for itself"
        );
        leader.share(page());
        for follower in followers {
            let shared = follower.await.expect("follower ran").expect("a page");
            assert_eq!(shared.body, page().body);
        }
        assert_eq!(flights.in_progress(), 0);
        assert!(matches!(flights.join(key, 1), Flight::Lead(_)));
    }

    #[tokio::test]
    async fn a_leader_with_nothing_to_share_lets_its_followers_go() {
        let flights = Arc::new(Flights::default());
        let key = PageCache::key("/");
        let Flight::Lead(leader) = flights.join(key, 1) else {
            panic!("the first miss leads")
        };
        let Flight::Follow(follower) = flights.join(key, 1) else {
            panic!("the second follows")
        };
        let waiting = tokio::spawn(follower.page());
        drop(leader);
        assert!(waiting.await.expect("follower ran").is_none());
        assert_eq!(flights.in_progress(), 0);
    }
}
