//! Folio's application layer, between the adapters (the HTTP API, the admin pages, the
//! command line, the background tasks) and the store: the configuration of a process,
//! and each use-case as one function that every adapter calls.
//!
//! Nothing here speaks HTTP or renders HTML; nothing here writes SQL (that is
//! `folio-store`'s).

pub mod backup;
pub mod config;
mod error;
pub mod import;
pub mod jobs;
pub mod media;
pub mod posts;
pub mod settings;
pub mod users;

pub use config::Config;
pub use error::{Error, UploadError};

use folio_store::Store;
use std::sync::Arc;

/// The application: the database and the media library, and every use-case as a
/// method (in the module of its subject: [`posts`], [`media`], [`settings`]…). Cheap to
/// clone; one per process, shared by the web server, the command line and the
/// background tasks.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    media: media::Media,
}

impl App {
    pub fn new(store: Store, media: media::Media) -> App {
        App {
            inner: Arc::new(Inner { store, media }),
        }
    }

    /// The store, for reads that need no rule beyond the query (listings, lookups).
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn media(&self) -> &media::Media {
        &self.inner.media
    }
}

/// Opens the database `config` names, creating the data folder of the SQLite default
/// when it is missing. Does not migrate.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    use anyhow::Context;
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating the data folder {}", config.data_dir.display()))?;
    }
    Store::connect(&config.database_url)
        .await
        .context("opening the database (FOLIO_DATABASE_URL)")
}
