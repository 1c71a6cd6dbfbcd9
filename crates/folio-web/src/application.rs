//! The whole server wired from its configuration, in one place: `folio serve` builds
//! it, and so do the tests' `TestApp`, so a test goes through the real wiring.

use crate::{router, serve, AppState, Listener, SharedTier, WebConfig};
use anyhow::Context;
use folio_app::Config;
use std::future::Future;

/// The database (migrated), the shared tier on Redis when configured, the media
/// library, the theme and the page cache; the router over them; the background tasks
/// that run while it serves.
pub struct Application {
    state: AppState,
}

/// Whether [`Application::build`] applies pending migrations first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Migrations {
    Apply,
    /// `folio serve --no-migrate`: a migration job ran before (Compose, Kubernetes).
    Skip,
}

impl Application {
    /// Builds everything from `config`. Each failure names the setting at fault: an
    /// unreachable database (`FOLIO_DATABASE_URL`), a read replica that accepts writes or
    /// holds another site (`FOLIO_DATABASE_REPLICA_URLS`; one that cannot be reached is
    /// only skipped, and logged), a bad Redis URL
    /// (`FOLIO_REDIS_URL`; an unreachable Redis is only a warning: pages are then
    /// cached in this process alone), a media bucket that cannot be reached or used
    /// (`FOLIO_MEDIA_URL`), a broken theme (`FOLIO_THEME_DIR`).
    pub async fn build(config: &Config, migrations: Migrations) -> anyhow::Result<Application> {
        let store = folio_app::open_store(config).await?;
        match migrations {
            Migrations::Apply => store.migrate().await.context("applying migrations")?,
            Migrations::Skip => {
                store.refresh_generation().await.ok();
            }
        }
        let store = store
            .with_replicas(folio_store::ReplicaSettings {
                setting: "FOLIO_DATABASE_REPLICA_URLS",
                urls: config.database_replica_urls.clone(),
                max_lag: config.database_replica_max_lag,
            })
            .await
            .context("FOLIO_DATABASE_REPLICA_URLS")?;
        let shared = match &config.redis_url {
            Some(url) => {
                tracing::info!(redis = %folio_store::redact_password(url), "shared page cache and change announcements on Redis");
                let site = store.site_id().await.context("reading the site id")?;
                Some(
                    SharedTier::connect(url, &site)
                        .map_err(|why| anyhow::anyhow!("FOLIO_REDIS_URL: {why}"))?,
                )
            }
            None => None,
        };
        let media = folio_app::media::Media::open(config).await?;
        let state = AppState::assemble(store, WebConfig::from(config), shared, media)
            .context("loading the theme (FOLIO_THEME_DIR)")?;
        Ok(Application { state })
    }

    /// An application over a state assembled by hand (a test that puts something
    /// between Folio and its database).
    pub fn from_state(state: AppState) -> Application {
        Application { state }
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Every route, for a test to send requests to without a socket.
    pub fn router(&self) -> axum::Router {
        router(self.state.clone())
    }

    /// Serves on `listener`, with the background tasks running, until `shutdown`
    /// resolves; then stops accepting and lets in-flight requests finish.
    pub async fn serve(
        self,
        listener: impl Into<Listener>,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        serve(listener, self.state, shutdown).await
    }
}

impl From<&Config> for WebConfig {
    fn from(config: &Config) -> WebConfig {
        WebConfig {
            base_url: config.base_url.clone(),
            theme_dir: config.theme_dir.clone(),
            page_cache_bytes: config.page_cache_mb * 1024 * 1024,
            media_dir: config.media_dir(),
            media_max_bytes: config.media_max_bytes(),
            trusted_proxies: config.trusted_proxies.clone(),
            read_timeout: crate::READ_TIMEOUT,
            source_url: config.source_url.clone(),
            media_public_url: config.media_public_url.clone(),
        }
    }
}
