//! Folio's storage layer: the database pool, migrations, every query, full-text search
//! and the site's content generation.
//!
//! SQL lives here and nowhere else; the web layer calls named methods
//! (`Store::list_home`, `Store::create_post`) and never sees a connection. Every query
//! is parameterized. Writes that can change a public page bump the content generation
//! in the same transaction, and report it through [`Store::generation`].

mod error;
pub mod export;
mod jobs;
mod media;
mod people;
mod posts;
mod revisions;
mod sessions;
mod settings;
mod time;
mod users;

pub use error::StoreError;
pub use posts::{AdminFilter, AuthorRef, Cursor, Listing, Post, PostInput, PostSummary, PublicEntry, Tag, TagInfo, TagRef, SEARCH_CANDIDATES};
pub use settings::{NavItem, SettingsPatch, SiteSettings, ACCENTS};
pub use time::now;
pub use media::{media_urls_in, Media, MediaRendition, NewMedia, MEDIA_PREFIX};
pub use people::Invite;
pub use revisions::{Revision, AUTOSAVE_NOTE};
pub use sessions::random_secret as random_token;
pub use sessions::{NewSession, Session};
pub use users::{hash_password, verify_password, NewUser, TokenInfo, TokenOwner, User};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// A handle on the database. Cheap to clone; every clone shares one pool.
#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    generation: Arc<watch::Sender<i64>>,
}

impl Store {
    /// Opens (creating when missing) the database at `url`.
    ///
    /// Only `sqlite:` URLs are served by this release; the MariaDB/MySQL and PostgreSQL
    /// backends come with the scale-out work and are refused with a clear message.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let scheme = url.split(':').next().unwrap_or_default();
        if scheme != "sqlite" {
            return Err(StoreError::Unsupported(format!(
                "database scheme {scheme:?} is not supported by this build; use sqlite://PATH"
            )));
        }
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        let (generation, _) = watch::channel(0);
        Ok(Store { pool, generation: Arc::new(generation) })
    }

    /// Applies pending migrations. SQLite serializes writers, so concurrent callers on
    /// one file apply each migration once.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.pool).await?;
        self.refresh_generation().await?;
        Ok(())
    }

    /// Whether every migration this binary knows has been applied (for `/readyz`).
    pub async fn is_migrated(&self) -> Result<bool, StoreError> {
        let applied: Vec<i64> = sqlx::query_scalar(
            "SELECT version FROM _sqlx_migrations WHERE success = 1",
        )
        .fetch_all(&self.pool)
        .await
        .or_else(|e| match e {
            sqlx::Error::Database(_) => Ok(Vec::new()),
            other => Err(other),
        })?;
        Ok(MIGRATOR.iter().all(|m| applied.contains(&m.version)))
    }

    /// The site's content generation as last seen by this process. Page cache keys
    /// include it.
    pub fn generation(&self) -> i64 {
        *self.generation.borrow()
    }

    /// A receiver that wakes whenever the content generation moves.
    pub fn watch_generation(&self) -> watch::Receiver<i64> {
        self.generation.subscribe()
    }

    /// Reads the generation from the database, so that writes made by other processes
    /// on the same database are noticed. Returns the current value.
    pub async fn refresh_generation(&self) -> Result<i64, StoreError> {
        let g: i64 = sqlx::query_scalar("SELECT generation FROM site_state WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        self.observe_generation(g);
        Ok(g)
    }

    fn observe_generation(&self, g: i64) {
        self.generation.send_if_modified(|current| {
            let newer = g > *current;
            if newer {
                *current = g;
            }
            newer
        });
    }

    /// Bumps the generation inside a write transaction. The new value is published to
    /// watchers by [`Store::committed`] once the transaction has committed.
    async fn bump_generation(tx: &mut sqlx::SqliteConnection) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "UPDATE site_state SET generation = generation + 1 WHERE id = 1 RETURNING generation",
        )
        .fetch_one(tx)
        .await?)
    }

    fn committed(&self, generation: i64) {
        self.observe_generation(generation);
    }

    /// Closes the pool, waiting for connections in use to come back.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}
