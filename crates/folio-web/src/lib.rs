//! Folio's HTTP layer: the public site and its feeds, the JSON API, theme rendering,
//! the page-cache middleware, and the operations endpoints.
//!
//! Handlers turn requests into store calls and store results into view contexts; they
//! never write SQL and never touch the page cache (the middleware in [`cache`] does).
//! The server starts from a bound listener and a shutdown future, so tests bind port 0.

pub mod admin;
pub mod api;
mod application;
mod cache;
pub mod client;
mod error;
mod feeds;
mod links;
pub mod media;
mod ops;
mod site;
pub mod theme;
mod views;

pub use application::{Application, Migrations};
pub use error::Error;
pub use theme::{Theme, ThemeError};

use axum::Router;
use folio_cache::PageCache;
pub use folio_cache::SharedTier;
use folio_store::Store;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// What the web layer needs to know about its deployment.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The public URL of the site, without a trailing slash; used in feeds, canonical
    /// links and redirects.
    pub base_url: String,
    /// A folder whose templates and assets override the embedded default theme.
    pub theme_dir: Option<PathBuf>,
    /// Upper bound of the in-process page cache; 0 disables it.
    pub page_cache_bytes: u64,
    /// The local media folder, for a state assembled without a media library
    /// ([`AppState::new`]); [`Application::build`] opens the one `FOLIO_MEDIA_URL` names.
    pub media_dir: PathBuf,
    /// Largest image upload, in bytes; a larger request body is refused with 413.
    pub media_max_bytes: u64,
    /// Reverse proxies whose `X-Forwarded-For` names the client (see [`client`]).
    pub trusted_proxies: folio_app::config::TrustedProxies,
    /// How long a reader's request (GET or HEAD) may take before it is answered 503
    /// with Retry-After: a slow database must not pile readers up. Writes are never cut
    /// short (their outcome would be unknown to the writer).
    pub read_timeout: Duration,
    /// Where the source of the running code can be had; every page links to it.
    pub source_url: String,
    /// Where readers fetch the library's images (`FOLIO_MEDIA_PUBLIC_URL`); `None`:
    /// from this site's `/media/`.
    pub media_public_url: Option<String>,
}

/// The default of [`WebConfig::read_timeout`].
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Shared by every request. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    app: folio_app::App,
    cache: PageCache,
    theme: Theme,
    config: WebConfig,
    media_links: links::MediaLinks,
    csp: axum::http::HeaderValue,
}

impl AppState {
    /// Loads the theme (failing on a broken template, with its file and line) and
    /// assembles the state.
    pub fn new(store: Store, config: WebConfig) -> Result<AppState, ThemeError> {
        AppState::with_shared(store, config, None)
    }

    /// The same, with Redis behind the in-process page cache (`FOLIO_REDIS_URL`).
    pub fn with_shared(
        store: Store,
        config: WebConfig,
        shared: Option<SharedTier>,
    ) -> Result<AppState, ThemeError> {
        let media = folio_app::media::Media::new(config.media_dir.clone(), config.media_max_bytes);
        AppState::assemble(store, config, shared, media)
    }

    /// The state over a media library opened by the caller (a folder or a bucket).
    pub fn assemble(
        store: Store,
        config: WebConfig,
        shared: Option<SharedTier>,
        media: folio_app::media::Media,
    ) -> Result<AppState, ThemeError> {
        let theme = Theme::load(config.theme_dir.as_deref())?;
        admin::AdminTemplates::global()?;
        ops::prometheus();
        let cache = PageCache::with_shared(config.page_cache_bytes, shared);
        let media_links =
            links::MediaLinks::new(&config.base_url, config.media_public_url.as_deref());
        let csp = ops::content_security_policy(media_links.csp_source());
        Ok(AppState {
            inner: Arc::new(Inner {
                app: folio_app::App::new(store, media),
                cache,
                theme,
                config,
                media_links,
                csp,
            }),
        })
    }

    /// The use-cases: every write goes through here.
    pub fn app(&self) -> &folio_app::App {
        &self.inner.app
    }

    /// The store, for reads.
    pub fn store(&self) -> &Store {
        self.inner.app.store()
    }

    /// The store the public site reads from: a read replica that has replayed every
    /// write this process has seen, or the primary (see [`Store::reader`]).
    pub fn reads(&self) -> Store {
        self.store().reader()
    }

    pub fn cache(&self) -> &PageCache {
        &self.inner.cache
    }

    pub fn theme(&self) -> &Theme {
        &self.inner.theme
    }

    pub fn config(&self) -> &WebConfig {
        &self.inner.config
    }

    pub fn media(&self) -> &folio_app::media::Media {
        self.inner.app.media()
    }

    /// Where readers' pages and feeds fetch media files from.
    pub(crate) fn media_links(&self) -> &links::MediaLinks {
        &self.inner.media_links
    }

    /// The Content-Security-Policy of every response that sets none of its own.
    pub(crate) fn csp(&self) -> &axum::http::HeaderValue {
        &self.inner.csp
    }

    /// An absolute URL for a site path such as `/tag/rust/`.
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{}", self.inner.config.base_url, path)
    }
}

/// The whole application: public site, feeds, API, operations endpoints.
pub fn router(state: AppState) -> Router {
    let (api, _) = api::router().split_for_parts();
    Router::new()
        .merge(admin::router())
        .merge(site::router())
        .merge(feeds::router())
        .merge(media::router())
        .merge(api)
        .merge(ops::router())
        .route_layer(axum::middleware::from_fn(ops::remember_route))
        .fallback(site::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::front,
        ))
        .with_state(state)
}

/// The channel on which replicas announce the content generations they commit.
const GENERATION_CHANNEL: &str = "generation";

/// With a shared tier: announces every generation this process commits, and takes note
/// of those other processes announce, so an edit through one replica is served fresh
/// by all of them at once. The database poller stays as the fallback: a lost message
/// costs at most its one-second delay, and a Redis outage nothing more.
pub fn spawn_generation_sync(state: &AppState) -> Option<[tokio::task::JoinHandle<()>; 2]> {
    let shared = state.cache().shared()?.clone();
    let store = state.store().clone();
    let mut commits = store.watch_commits();
    let announcer = {
        let shared = shared.clone();
        tokio::spawn(async move {
            while commits.changed().await.is_ok() {
                let generation = *commits.borrow_and_update();
                shared
                    .publish(GENERATION_CHANNEL, &generation.to_string())
                    .await;
            }
        })
    };
    let mut announcements = shared.subscribe(GENERATION_CHANNEL);
    let listener = tokio::spawn(async move {
        while let Some(message) = announcements.recv().await {
            match message.map(|m| m.parse::<i64>()) {
                // Read from the database, with the purges up to it, unless already seen.
                Some(Ok(generation)) => {
                    if generation > store.generation() {
                        if let Err(err) = store.refresh_generation().await {
                            tracing::warn!(error = %err, "could not read an announced generation's purges; the poller will");
                        }
                    }
                }
                // (Re)subscribed: whatever was announced meanwhile is read from the database.
                None => {
                    store.refresh_generation().await.ok();
                }
                Some(Err(_)) => {
                    tracing::warn!("ignored a malformed announcement on {GENERATION_CHANNEL}")
                }
            }
        }
    });
    Some([announcer, listener])
}

/// Answers `/healthz` and `/readyz` only, on a socket of this process's own (see
/// `FOLIO_HEALTH_SOCKET`), until the task is dropped.
#[cfg(unix)]
pub async fn serve_health(
    listener: tokio::net::UnixListener,
    state: AppState,
) -> std::io::Result<()> {
    axum::serve(listener, ops::health_router().with_state(state)).await
}

/// Where [`serve`] accepts connections.
pub enum Listener {
    Tcp(TcpListener),
    /// A Unix socket, for a proxy on the same machine: no TCP on either side of the hop.
    /// Only processes on this machine can connect to it, so every connection counts as
    /// coming from 127.0.0.1, and `FOLIO_TRUSTED_PROXIES=127.0.0.1` trusts the proxy's
    /// `X-Forwarded-For` exactly as it would over loopback.
    #[cfg(unix)]
    Unix(tokio::net::UnixListener),
}

impl From<TcpListener> for Listener {
    fn from(listener: TcpListener) -> Listener {
        Listener::Tcp(listener)
    }
}

#[cfg(unix)]
impl From<tokio::net::UnixListener> for Listener {
    fn from(listener: tokio::net::UnixListener) -> Listener {
        Listener::Unix(listener)
    }
}

/// Serves until `shutdown` resolves, then stops accepting and lets in-flight requests
/// finish.
pub async fn serve(
    listener: impl Into<Listener>,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let background = folio_app::jobs::Background::start(state.store(), Duration::from_secs(5));
    let sync = spawn_generation_sync(&state);
    // Histogram samples wait in a buffer until drained into their buckets: drain them
    // on a timer, not only when /metrics is scraped, so memory stays flat under load.
    let upkeep = tokio::spawn(async {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            ops::prometheus().run_upkeep();
        }
    });
    let app = router(state);
    let result = match listener.into() {
        Listener::Tcp(listener) => {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .with_graceful_shutdown(shutdown)
            .await
        }
        #[cfg(unix)]
        Listener::Unix(listener) => {
            let machine =
                axum::extract::ConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
            axum::serve(
                listener,
                app.layer(axum::Extension(machine)).into_make_service(),
            )
            .with_graceful_shutdown(shutdown)
            .await
        }
    };
    background.stop();
    sync.into_iter().flatten().for_each(|task| task.abort());
    upkeep.abort();
    result
}
