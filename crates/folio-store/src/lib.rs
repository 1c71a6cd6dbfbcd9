//! Folio's storage layer: the database pool, migrations, every query, full-text search
//! and the site's content generation.
//!
//! SQL lives here and nowhere else; the web layer calls named methods
//! (`Store::list_home`, `Store::create_post`) and never sees a connection. Every query
//! is parameterized. Writes that can change a public page bump the content generation
//! in the same transaction, and report it through [`Store::generation`].

mod db;
mod error;
pub mod export;
mod imports;
mod jobs;
mod media;
mod people;
mod posts;
mod purges;
mod replicas;
mod revisions;
mod search;
mod sessions;
mod settings;
pub mod testing;
mod time;
mod users;

pub use db::Backend;
pub use error::{redact_password, StoreError};
pub use folio_core::CacheTag;
pub use imports::{ImportOutcome, ImportedPost};
pub use media::{media_urls_in, Media, MediaRendition, NewMedia, MEDIA_PREFIX};
pub use people::Invite;
pub use posts::{
    AdminFilter, AuthorRef, Cursor, Listing, Post, PostInput, PostSummary, PublicEntry, Tag,
    TagInfo, TagRef, SEARCH_CANDIDATES,
};
pub use replicas::{ReplicaSettings, ReplicaStatus};
pub use revisions::{Revision, AUTOSAVE_NOTE};
pub use sessions::random_secret as random_token;
pub use sessions::{NewSession, Session};
pub use settings::{NavItem, SettingsPatch, SiteSettings, ACCENTS};
pub use time::now;
pub use users::{hash_password, verify_password, NewUser, TokenInfo, TokenOwner, User};

use db::{query, Pool};
use sqlx::mysql::MySqlConnectOptions;
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static MYSQL_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/mysql");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections per process on a database server. Replicas multiply it: three replicas
/// hold at most 48, well under the servers' default limits (151 and 100).
const SERVER_POOL_SIZE: u32 = 16;

/// A handle on the database. Cheap to clone; every clone shares one pool.
#[derive(Clone)]
pub struct Store {
    /// The primary: every write, and every read of a handle not made by
    /// [`Store::reader`].
    primary: Pool,
    /// The read replicas, when configured (see the `replicas` module).
    replicas: Option<Arc<replicas::Replicas>>,
    /// The replica this handle reads from ([`Store::reader`]); `None`: the primary.
    reads: Option<Arc<replicas::Replica>>,
    generation: Arc<watch::Sender<i64>>,
    /// The generations this process's own writes committed, for telling other
    /// processes at once (Redis pub/sub) rather than at their next poll.
    committed_here: Arc<watch::Sender<i64>>,
    /// The SQLite database file, whose side file `<file>-migrate.lock` serializes
    /// migrations across processes (`None` on the servers, and in memory).
    sqlite_file: Option<std::path::PathBuf>,
    /// The site's settings as read at a content generation (see [`Store::settings`]).
    settings: Arc<std::sync::Mutex<Option<(i64, SiteSettings)>>>,
    /// The content generation at which MariaDB's term index was last found complete
    /// (see [`Store::term_search`]); -1 until then.
    terms_complete_at: Arc<std::sync::atomic::AtomicI64>,
    /// The cache tags writes purged, and at which generation (see [`Store::is_fresh`]).
    purges: Arc<purges::Purges>,
}

impl Store {
    /// Opens a pool on the database at `url`; its scheme picks the backend:
    /// `sqlite://PATH` (created when missing), `mysql://` or `mariadb://`, `postgres://`.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let scheme = url.split(':').next().unwrap_or_default();
        let mut sqlite_file = None;
        let pool = match scheme {
            "sqlite" => {
                let fail = |e| error::connect_error(url, e);
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(fail)?;
                let file = options.get_filename();
                sqlite_file = (!file.as_os_str().is_empty() && file != std::path::Path::new(":memory:")).then(|| file.to_owned());
                let options = options
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5));
                Pool::Sqlite(
                    SqlitePoolOptions::new()
                        .max_connections(8)
                        .min_connections(1)
                        .acquire_timeout(Duration::from_secs(5))
                        .connect_with(options)
                        .await
                        .map_err(fail)?,
                )
            }
            "mysql" | "mariadb" => {
                let fail = |e| error::connect_error(url, e);
                let options = MySqlConnectOptions::from_str(&url.replacen("mariadb:", "mysql:", 1)).map_err(fail)?.charset("utf8mb4");
                probe::<sqlx::MySqlConnection>(&options).await.map_err(fail)?;
                Pool::MySql(server_pool::<sqlx::MySql>().connect_with(options).await.map_err(fail)?)
            }
            "postgres" | "postgresql" => {
                let fail = |e| error::connect_error(url, e);
                let options = PgConnectOptions::from_str(url).map_err(fail)?.application_name("folio");
                probe::<sqlx::PgConnection>(&options).await.map_err(fail)?;
                Pool::Postgres(server_pool::<sqlx::Postgres>().connect_with(options).await.map_err(fail)?)
            }
            other => {
                return Err(StoreError::Unsupported(format!(
                    "database scheme {other:?} is not supported; use sqlite://PATH, mysql://, mariadb:// or postgres://"
                )))
            }
        };
        let (generation, _) = watch::channel(0);
        let (committed_here, _) = watch::channel(0);
        Ok(Store {
            primary: pool,
            replicas: None,
            reads: None,
            generation: Arc::new(generation),
            committed_here: Arc::new(committed_here),
            sqlite_file,
            settings: Arc::default(),
            terms_complete_at: Arc::new(std::sync::atomic::AtomicI64::new(-1)),
            purges: Arc::default(),
        })
    }

    /// Which database this store is on.
    pub fn backend(&self) -> Backend {
        self.primary.backend()
    }

    /// Applies pending migrations under a lock that spans every process on the database,
    /// so replicas that start together on an empty database apply each migration once
    /// (PostgreSQL: the migrator's advisory lock).
    ///
    /// The lock is ours where the driver's is not enough: sqlx's SQLite migrator takes
    /// none (an exclusive `flock` on `<database>-migrate.lock` is held instead), and its
    /// MySQL one asks `GET_LOCK(…, -1)`, which MariaDB refuses with a warning and no lock
    /// (ours waits up to 5 minutes, on the connection the migrator then uses).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.primary {
            Pool::Sqlite(p) => {
                let _lock = match &self.sqlite_file {
                    Some(file) => Some(lock_file(migration_lock_path(file)).await?),
                    None => None,
                };
                SQLITE_MIGRATIONS.run(p).await?;
            }
            Pool::MySql(p) => {
                let mut conn = p.acquire().await?;
                let locked: Option<i64> =
                    sqlx::query_scalar("SELECT GET_LOCK('folio_migrations', 300)")
                        .fetch_one(&mut *conn)
                        .await?;
                if locked != Some(1) {
                    return Err(StoreError::Unsupported(
                        "another process held the migration lock for 5 minutes; is a migration stuck?".into(),
                    ));
                }
                let result = MYSQL_MIGRATIONS.run(&mut *conn).await;
                sqlx::query("SELECT RELEASE_LOCK('folio_migrations')")
                    .execute(&mut *conn)
                    .await
                    .ok();
                result?;
            }
            Pool::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        self.refresh_generation().await?;
        Ok(())
    }

    fn migrations(&self) -> &'static sqlx::migrate::Migrator {
        match self.primary.backend() {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::MySql => &MYSQL_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// Whether every migration this binary knows has been applied (for `/readyz`).
    pub async fn is_migrated(&self) -> Result<bool, StoreError> {
        let applied: Vec<i64> = query("SELECT version FROM _sqlx_migrations WHERE success")
            .scalars(&self.primary)
            .await
            .or_else(|e| match e {
                sqlx::Error::Database(_) => Ok(Vec::new()),
                other => Err(other),
            })?;
        Ok(self
            .migrations()
            .iter()
            .all(|m| applied.contains(&m.version)))
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

    /// A receiver that wakes when a write of this process commits a new generation.
    pub fn watch_commits(&self) -> watch::Receiver<i64> {
        self.committed_here.subscribe()
    }

    /// Takes note of a generation whose purges have been applied; older ones are
    /// ignored. (Another process's announcement goes through
    /// [`Store::refresh_generation`], which reads its purges first.)
    fn observe_generation(&self, g: i64) {
        self.generation.send_if_modified(|current| {
            let newer = g > *current;
            if newer {
                *current = g;
            }
            newer
        });
    }

    /// Closes the pools, waiting for connections in use to come back.
    pub async fn close(&self) {
        self.primary.close().await;
        for replica in self.replicas.iter().flat_map(|r| r.list()) {
            replica.pool().close().await;
        }
    }

    /// The primary, where writes go.
    pub(crate) fn primary(&self) -> &Pool {
        &self.primary
    }

    /// Connections open and idle in the primary's pool.
    pub fn pool_size(&self) -> (u32, usize) {
        self.primary.size()
    }
}

/// Opens and closes one connection: the pool would retry a refused connection until
/// its timeout and then report only that it timed out, where this keeps the reason.
async fn probe<C: sqlx::Connection>(
    options: &<C as sqlx::Connection>::Options,
) -> Result<(), sqlx::Error> {
    C::connect_with(options).await?.close().await
}

/// Pool settings shared by the two database servers. Connections are checked before
/// use so that a server restart costs one failed check, not one failed request.
pub(crate) fn server_pool<DB: sqlx::Database>() -> sqlx::pool::PoolOptions<DB> {
    sqlx::pool::PoolOptions::<DB>::new()
        .max_connections(SERVER_POOL_SIZE)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .idle_timeout(Duration::from_secs(300))
        .test_before_acquire(true)
}

fn migration_lock_path(database: &std::path::Path) -> std::path::PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push("-migrate.lock");
    name.into()
}

/// Waits for an exclusive lock on `path` (created when missing); held until dropped.
async fn lock_file(path: std::path::PathBuf) -> Result<std::fs::File, StoreError> {
    let locked = tokio::task::spawn_blocking(move || {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        file.lock()?;
        Ok::<_, std::io::Error>(file)
    })
    .await
    .map_err(|e| StoreError::Unsupported(format!("waiting for the migration lock: {e}")))?;
    locked.map_err(|e| StoreError::Database(sqlx::Error::Io(e)))
}
