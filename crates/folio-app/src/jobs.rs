//! The work every `folio serve` does besides answering requests: publishing scheduled
//! posts, forgetting expired sessions, filling in the MariaDB search index,
//! following the content generation other processes commit, and following the read
//! replicas' state. Each loop runs in every
//! process; where the work must happen once, a lease in the database picks who does it.

use folio_store::Store;
use std::time::Duration;

/// The loops of one process; they stop when this is dropped (or [`Background::stop`]).
pub struct Background {
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Background {
    /// Starts them: the scheduler ticking every `every`.
    pub fn start(store: &Store, every: Duration) -> Background {
        Background {
            tasks: vec![
                spawn_generation_poller(store.clone()),
                spawn_scheduler(store.clone(), every),
                spawn_search_indexer(store.clone()),
                spawn_replica_tracker(store.clone()),
            ],
        }
    }

    pub fn stop(self) {}
}

impl Drop for Background {
    fn drop(&mut self) {
        self.tasks.iter().for_each(tokio::task::JoinHandle::abort);
    }
}

/// Keeps this process's view of the content generation current, so that writes made
/// by other processes on the same database show within about a second.
pub fn spawn_generation_poller(store: Store) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(1000));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(err) = store.refresh_generation().await {
                tracing::warn!(error = %err, "could not read the content generation");
            }
        }
    })
}

/// Follows the read replicas' state (see [`Store::track_replicas`]); ends at once
/// when none is configured.
pub fn spawn_replica_tracker(store: Store) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move { store.track_replicas().await })
}

/// Publishes scheduled posts when their time comes, and forgets expired sessions.
///
/// Every process runs this loop, but only the holder of the `publish_due_posts` lease
/// does the work; if it dies, another takes over when the lease expires. Publishing is
/// a guarded state change, so even two holders could not publish a post twice.
pub fn spawn_scheduler(store: Store, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let holder = folio_store::random_token();
        let lease = chrono::Duration::from_std(every * 6).unwrap_or(chrono::Duration::seconds(30));
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut rounds: u64 = 0;
        loop {
            tick.tick().await;
            rounds += 1;
            match store
                .acquire_lease("publish_due_posts", &holder, lease)
                .await
            {
                Ok(true) => match store.publish_due_posts(folio_store::now()).await {
                    Ok(ids) if !ids.is_empty() => tracing::info!(?ids, "published scheduled posts"),
                    Ok(_) => {}
                    Err(err) => tracing::warn!(error = %err, "publishing scheduled posts failed"),
                },
                Ok(false) => {}
                Err(err) => tracing::warn!(error = %err, "could not take the scheduler lease"),
            }
            if rounds % 120 == 1 {
                if let Err(err) = store.purge_expired(chrono::Duration::minutes(60)).await {
                    tracing::warn!(error = %err, "could not purge expired sessions");
                }
            }
        }
    })
}

/// On MariaDB/MySQL, writes the search terms of public posts that have none yet: those
/// published before the term index existed, or saved by an older release during a
/// rolling update (see `folio_store`'s `search` module). At start, then every minute;
/// one process at a time, by lease. Elsewhere it ends at once.
pub fn spawn_search_indexer(store: Store) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if store.backend() != folio_store::Backend::MySql {
            return;
        }
        let holder = folio_store::random_token();
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match store
                .acquire_lease("search_terms", &holder, chrono::Duration::minutes(10))
                .await
            {
                Ok(true) => match store.catch_up_search_terms().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(posts = n, "search index caught up"),
                    Err(err) => tracing::warn!(error = %err, "writing the search index failed"),
                },
                Ok(false) => {}
                Err(err) => tracing::warn!(error = %err, "could not take the search index lease"),
            }
        }
    })
}
