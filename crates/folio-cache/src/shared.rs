//! The shared tier: Redis, used as a cache and a message bus and never as the only
//! copy of anything.
//!
//! Every call is bounded in time and none can fail a request: on an error or a
//! timeout the tier answers "nothing here", counts `folio_redis_errors_total`, logs one
//! warning for the whole outage, and stays out of the request path for a second at a
//! time until Redis answers again. Reconnecting is the driver's (`ConnectionManager`)
//! and, for the first connection and pub/sub, a loop of ours with backoff.
//!
//! Through Sentinel (`redis+sentinel://`, see the `sentinel` module) the master is
//! found by asking the Sentinels, asked again every second and at once after a failed
//! call; when they name another master (a failover), the connection moves to it, and
//! the subscription follows when its connection ends (Sentinel closes the clients of a
//! demoted master).

use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::AsyncCommands;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How long one Redis command may take before the request goes on without it.
const COMMAND_TIMEOUT: Duration = Duration::from_millis(250);
/// How long a failed Redis stays out of the request path before it is tried again.
const BACKOFF: Duration = Duration::from_secs(1);
/// The longest wait between two attempts to reconnect.
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(5);

/// A handle on Redis. Cheap to clone.
#[derive(Clone)]
pub struct SharedTier {
    inner: Arc<Inner>,
}

/// Where the Redis to use is.
enum Source {
    /// One server (`redis://`).
    Direct(redis::Client),
    /// Whichever master the Sentinels name (`redis+sentinel://`).
    Sentinel(crate::sentinel::Sentinels),
}

impl Source {
    /// A client for the server to use now, and its address when Sentinel chose it.
    async fn client(&self) -> Result<(Option<String>, redis::Client), String> {
        match self {
            Source::Direct(client) => Ok((None, client.clone())),
            Source::Sentinel(sentinels) => sentinels
                .master()
                .await
                .map(|(address, client)| (Some(address), client)),
        }
    }
}

struct Inner {
    source: Source,
    /// Woken by a failed call, so that the Sentinels are asked again at once.
    ask_again: tokio::sync::Notify,
    /// `folio:<site id>:`, before every key and channel name.
    prefix: String,
    /// The connection, once made. `ConnectionManager` reconnects by itself after that.
    conn: Mutex<Option<ConnectionManager>>,
    /// Milliseconds since `epoch` before which Redis is not asked (after a failure).
    quiet_until_ms: AtomicU64,
    epoch: Instant,
    /// Whether the last call failed: a warning is logged once per outage.
    failing: AtomicBool,
}

impl std::fmt::Debug for SharedTier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedTier")
            .field("up", &self.is_up())
            .finish()
    }
}

impl SharedTier {
    /// Checks `url` (`redis://`, or `redis+sentinel://` for Sentinel) and starts
    /// connecting in the background. Start-up never waits for Redis: until it answers,
    /// every call is a miss. Keys and channels are named under `site`, so several sites
    /// can share one Redis. The error says what is wrong with the URL.
    pub fn connect(url: &str, site: &str) -> Result<SharedTier, String> {
        let source = if url.starts_with("redis+sentinel://") {
            Source::Sentinel(crate::sentinel::Sentinels::parse(url)?)
        } else {
            Source::Direct(redis::Client::open(url).map_err(|e| e.to_string())?)
        };
        let tier = SharedTier {
            inner: Arc::new(Inner {
                source,
                ask_again: tokio::sync::Notify::new(),
                prefix: format!("folio:{site}:"),
                conn: Mutex::new(None),
                quiet_until_ms: AtomicU64::new(0),
                epoch: Instant::now(),
                failing: AtomicBool::new(false),
            }),
        };
        let background = tier.clone();
        tokio::spawn(async move { background.first_connection().await });
        Ok(tier)
    }

    /// Connects, and through Sentinel keeps following the master: the Sentinels are
    /// asked every second, and at once after a failed call; when they name another
    /// master, the connection is made anew to it.
    async fn first_connection(&self) {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Duration::from_secs(1))
            .set_response_timeout(COMMAND_TIMEOUT)
            .set_number_of_retries(2)
            .set_max_delay(1000);
        let mut delay = Duration::from_millis(100);
        loop {
            let opened = match self.inner.source.client().await {
                Ok((master, client)) => ConnectionManager::new_with_config(client, config.clone())
                    .await
                    .map(|conn| (master, conn))
                    .map_err(|e| e.to_string()),
                Err(why) => Err(why),
            };
            match opened {
                Ok((master, conn)) => {
                    *self.inner.conn.lock().unwrap_or_else(|e| e.into_inner()) = Some(conn);
                    self.succeeded();
                    delay = Duration::from_millis(100);
                    let Some(master) = master else {
                        return;
                    };
                    self.until_the_master_moves(&master).await;
                }
                Err(why) => {
                    self.failed("connect", &why);
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(MAX_RECONNECT_DELAY);
                }
            }
        }
    }

    /// Returns once the Sentinels name a master other than `master`.
    async fn until_the_master_moves(&self, master: &str) {
        let Source::Sentinel(sentinels) = &self.inner.source else {
            return;
        };
        loop {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
                () = self.inner.ask_again.notified() => {}
            }
            match sentinels.master_address().await {
                Ok(now) if now != master => {
                    tracing::info!(from = master, to = %now, "FOLIO_REDIS_URL: Sentinel names a new Redis master; following it");
                    return;
                }
                Ok(_) => {}
                Err(why) => self.failed("sentinel", &why),
            }
        }
    }

    /// Whether Redis answered the last call (for `/readyz` details and metrics).
    pub fn is_up(&self) -> bool {
        self.connection().is_some() && !self.inner.failing.load(Ordering::Relaxed)
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.inner.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// The connection, unless there is none yet or Redis failed less than a second ago.
    fn connection(&self) -> Option<ConnectionManager> {
        if self.now_ms() < self.inner.quiet_until_ms.load(Ordering::Relaxed) {
            return None;
        }
        self.inner
            .conn
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn failed(&self, op: &'static str, err: &dyn std::fmt::Display) {
        metrics::counter!("folio_redis_errors_total", "op" => op).increment(1);
        metrics::gauge!("folio_redis_up").set(0.0);
        let until = self.now_ms() + u64::try_from(BACKOFF.as_millis()).unwrap_or(1000);
        self.inner.quiet_until_ms.store(until, Ordering::Relaxed);
        self.inner.ask_again.notify_one();
        if !self.inner.failing.swap(true, Ordering::Relaxed) {
            tracing::warn!(error = %err, op, "FOLIO_REDIS_URL: Redis is not answering: serving from the in-process cache and the database until it is back");
        }
    }

    fn succeeded(&self) {
        metrics::gauge!("folio_redis_up").set(1.0);
        if self.inner.failing.swap(false, Ordering::Relaxed) {
            tracing::info!("Redis is answering again");
        }
    }

    /// Runs one command within [`COMMAND_TIMEOUT`]; `None` on any failure.
    async fn run<T, F, Fut>(&self, op: &'static str, command: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let conn = self.connection()?;
        match tokio::time::timeout(COMMAND_TIMEOUT, command(conn)).await {
            Ok(Ok(value)) => {
                self.succeeded();
                Some(value)
            }
            Ok(Err(err)) => {
                self.failed(op, &err);
                None
            }
            Err(_) => {
                self.failed(op, &"timed out");
                None
            }
        }
    }

    fn name(&self, key: &str) -> String {
        format!("{}{key}", self.inner.prefix)
    }

    pub async fn get(&self, key: &str) -> Option<Vec<u8>> {
        let key = self.name(key);
        self.run("get", |mut c| async move {
            c.get::<_, Option<Vec<u8>>>(key).await
        })
        .await
        .flatten()
    }

    /// Stores `value` under `key` for `ttl`.
    pub async fn set(&self, key: &str, value: &[u8], ttl: Duration) {
        let (key, seconds) = (self.name(key), ttl.as_secs().max(1));
        self.run("set", |mut c| async move {
            c.set_ex::<_, _, ()>(key, value, seconds).await
        })
        .await;
    }

    pub async fn publish(&self, channel: &str, message: &str) {
        let channel = self.name(channel);
        self.run("publish", |mut c| async move {
            c.publish::<_, _, ()>(channel, message).await
        })
        .await;
    }

    /// Messages published on `channel`, by any process. The subscription is renewed
    /// after every disconnection, for as long as the receiver is kept; `None` is sent
    /// each time it is (re)established, since messages sent meanwhile were lost.
    pub fn subscribe(&self, channel: &str) -> mpsc::Receiver<Option<String>> {
        let (tx, rx) = mpsc::channel(64);
        let tier = self.clone();
        let channel = self.name(channel);
        tokio::spawn(async move {
            let mut delay = Duration::from_millis(100);
            while !tx.is_closed() {
                let client = match tier.inner.source.client().await {
                    Ok((_, client)) => client,
                    Err(why) => {
                        tier.failed("subscribe", &why);
                        tokio::time::sleep(delay).await;
                        delay = (delay * 2).min(MAX_RECONNECT_DELAY);
                        continue;
                    }
                };
                match client.get_async_pubsub().await {
                    Ok(mut pubsub) => match pubsub.subscribe(&channel).await {
                        Ok(()) => {
                            delay = Duration::from_millis(100);
                            tier.succeeded();
                            if tx.send(None).await.is_err() {
                                return;
                            }
                            let mut messages = pubsub.on_message();
                            while let Some(msg) = messages.next().await {
                                let Ok(text) = msg.get_payload::<String>() else {
                                    continue;
                                };
                                if tx.send(Some(text)).await.is_err() {
                                    return;
                                }
                            }
                            // The stream ends when the connection does.
                            tier.failed("subscribe", &"the subscription connection closed");
                        }
                        Err(err) => tier.failed("subscribe", &err),
                    },
                    Err(err) => tier.failed("subscribe", &err),
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(MAX_RECONNECT_DELAY);
            }
        });
        rx
    }
}
