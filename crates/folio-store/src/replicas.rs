//! Read replicas: the public site's reads spread over one or more read-only copies of
//! the database, kept by the engine's own replication (MariaDB/MySQL binlog replication,
//! PostgreSQL streaming replication). Writes, and every read of the admin and the API,
//! stay on the primary.
//!
//! A replica is used for a read only when it has replayed the content generation this
//! process has seen: [`Store::reader`] hands out a handle on a replica whose generation,
//! as last read, is at least the process's. A page rendered from it therefore shows
//! every write this process knows of, like a page rendered from the primary, and the
//! page cache's promise holds unchanged (a write shows on the next request to any
//! process that has seen its generation, the writer's own first). Right after a write
//! the replicas are behind it, and reads go to the primary until the tracker
//! ([`Store::track_replicas`]) sees them catch up, a few milliseconds later.
//!
//! The tracker also skips a replica that cannot be reached, that reports a lag beyond
//! the bound, whose replay has stopped, or that holds another site; a read
//! that fails on a replica runs again on the primary, so readers see no error while a
//! replica goes away. Each change of a replica's state is logged once, naming the
//! setting and the cause.

use crate::db::{query, Backend, On, Pool};
use crate::{error, Store, StoreError};
use sqlx::mysql::MySqlConnectOptions;
use sqlx::postgres::PgConnectOptions;
use sqlx::Row as _;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// How the replicas are configured: their URLs, the lag beyond which one is skipped,
/// and the name of the setting that lists them (for the log lines).
#[derive(Debug, Clone)]
pub struct ReplicaSettings {
    pub setting: &'static str,
    pub urls: Vec<String>,
    pub max_lag: Duration,
}

/// What the tracker last found a replica to be.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaStatus {
    /// Its URL, without the password.
    pub name: String,
    /// The content generation it has replayed, while it is used for reads.
    pub generation: Option<i64>,
    /// Why it is skipped, while it is.
    pub skipped: Option<String>,
}

/// How long a read waits for a connection to a replica before running on the primary.
const REPLICA_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(1);
/// How often the tracker reads each replica's state, when no write is waiting for one.
const TRACK_EVERY: Duration = Duration::from_millis(250);
/// How often it does while a replica has not yet replayed the latest write.
const CATCH_UP_EVERY: Duration = Duration::from_millis(10);

pub(crate) struct Replicas {
    list: Vec<Arc<Replica>>,
    next: AtomicUsize,
    max_lag: Duration,
    /// The primary's site id: a replica that holds another is skipped.
    site_id: String,
}

pub(crate) struct Replica {
    name: String,
    pool: Pool,
    /// The content generation it has replayed, as last read; -1 while it is skipped.
    generation: AtomicI64,
    /// Why it is skipped: a short kind (logged when it changes) and the full cause.
    skipped: Mutex<Option<(&'static str, String)>>,
    /// Whether it was found accepting writes (promoted), which is logged once.
    promoted: AtomicBool,
    setting: &'static str,
}

impl Replicas {
    pub(crate) fn list(&self) -> &[Arc<Replica>] {
        &self.list
    }
}

impl Replica {
    fn has_replayed(&self, generation: i64) -> bool {
        self.generation.load(Ordering::Acquire) >= generation
    }

    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    /// A read failed on this replica (and runs again on the primary). A lost
    /// connection skips the replica until the tracker finds it back.
    pub(crate) fn failed(&self, err: &sqlx::Error) {
        let lost = matches!(
            err,
            sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Tls(_)
                | sqlx::Error::Protocol(_)
                | sqlx::Error::WorkerCrashed
        );
        if lost {
            self.set(Err(("unreachable", format!("a read failed: {err}"))));
        } else {
            tracing::debug!(replica = %self.name, error = %err, "a read failed on a replica; it ran on the primary");
        }
    }

    /// Takes note of what the tracker found, and logs a change of state once.
    fn set(&self, found: Result<i64, (&'static str, String)>) {
        let mut skipped = self.skipped.lock().unwrap_or_else(PoisonError::into_inner);
        match found {
            Ok(generation) => {
                if skipped.take().is_some() {
                    tracing::info!(
                        "{}: replica {} is used for reads again",
                        self.setting,
                        self.name
                    );
                }
                self.generation.store(generation, Ordering::Release);
            }
            Err((kind, why)) => {
                self.generation.store(-1, Ordering::Release);
                if skipped.as_ref().is_none_or(|(was, _)| *was != kind) {
                    tracing::warn!(
                        "{}: replica {} is skipped, its reads go to the primary: {why}",
                        self.setting,
                        self.name
                    );
                }
                *skipped = Some((kind, why));
            }
        }
    }

    fn status(&self) -> ReplicaStatus {
        let skipped = self.skipped.lock().unwrap_or_else(PoisonError::into_inner);
        let generation = self.generation.load(Ordering::Acquire);
        ReplicaStatus {
            name: self.name.clone(),
            generation: (generation >= 0).then_some(generation),
            skipped: skipped.as_ref().map(|(_, why)| why.clone()),
        }
    }
}

/// What a replica says of itself.
struct Observed {
    /// `Some(false)`: it accepts writes. `None`: it would not say (no privilege).
    is_replica: Option<bool>,
    /// Whether it replays what it receives, where it says (MariaDB/MySQL).
    replicating: Option<bool>,
    /// How far behind the primary its replay is, where it says.
    lag: Option<Duration>,
    /// The content generation it has replayed, or why it cannot be read (no site yet).
    generation: Result<i64, String>,
    /// The site id it holds, if any.
    site_id: Option<String>,
}

impl Observed {
    /// The generation it may serve, or why it is skipped.
    ///
    /// One that accepts writes is still read from: at start-up such a URL is refused, so
    /// here it is a replica promoted since (a failover), which holds every write up to
    /// its generation; the generation rule keeps it from being read should the old
    /// primary go on taking writes.
    fn judge(self, max_lag: Duration, site_id: &str) -> Result<i64, (&'static str, String)> {
        if self.site_id.as_deref().is_some_and(|id| id != site_id) {
            return Err((
                "another site",
                "it holds another site than the primary (its site id differs)".into(),
            ));
        }
        if self.replicating == Some(false) {
            return Err((
                "stopped",
                "its replication is stopped (it replays nothing)".into(),
            ));
        }
        if let Some(lag) = self.lag.filter(|lag| *lag > max_lag) {
            return Err((
                "behind",
                format!(
                    "it is {:.1} s behind the primary, more than the bound of {} s",
                    lag.as_secs_f64(),
                    max_lag.as_secs_f64()
                ),
            ));
        }
        self.generation.map_err(|why| {
            (
                "empty",
                format!("it has no Folio site yet ({why}); is it a replica of this database?"),
            )
        })
    }
}

impl Store {
    /// Adds the read replicas `settings` lists. Each is checked now, once: one that
    /// accepts writes (the primary's own URL, say), that holds another site, or that is
    /// on another kind of database stops start-up with an error naming it; one that
    /// cannot be reached yet is only skipped (logged), and used once the tracker finds it.
    pub async fn with_replicas(mut self, settings: ReplicaSettings) -> Result<Store, StoreError> {
        if settings.urls.is_empty() {
            return Ok(self);
        }
        let backend = self.backend();
        if backend == Backend::Sqlite {
            return Err(StoreError::Unsupported(
                "SQLite has no read replicas: they need MariaDB/MySQL or PostgreSQL".into(),
            ));
        }
        let site_id = self.site_id().await?;
        let mut list = Vec::with_capacity(settings.urls.len());
        for url in &settings.urls {
            let name = error::redact_password(url);
            let pool = replica_pool(url, backend)?;
            let replica = Arc::new(Replica {
                name: name.clone(),
                pool,
                generation: AtomicI64::new(-1),
                skipped: Mutex::new(None),
                promoted: AtomicBool::new(false),
                setting: settings.setting,
            });
            match observe(&replica.pool).await {
                Ok(observed) => {
                    if observed.is_replica == Some(false) {
                        return Err(StoreError::Unsupported(format!(
                            "{name} is not a read replica: it accepts writes (is it the primary's own URL?)"
                        )));
                    }
                    if observed.site_id.as_ref().is_some_and(|id| *id != site_id) {
                        return Err(StoreError::Unsupported(format!(
                            "{name} holds another site than the primary (its site id differs): is it a replica of this database?"
                        )));
                    }
                    replica.set(observed.judge(settings.max_lag, &site_id));
                }
                Err(err) => replica.set(Err(("unreachable", unreachable(err)))),
            }
            list.push(replica);
        }
        tracing::info!(
            replicas = list.len(),
            "public pages read from replicas that have replayed the latest write"
        );
        self.replicas = Some(Arc::new(Replicas {
            list,
            next: AtomicUsize::new(0),
            max_lag: settings.max_lag,
            site_id,
        }));
        Ok(self)
    }

    /// A handle for the public site's reads: on a replica that has replayed this
    /// process's content generation, taken in turn, or on the primary when none has (or
    /// none is configured). Writes through it still go to the primary.
    pub fn reader(&self) -> Store {
        let Some(replicas) = &self.replicas else {
            return self.clone();
        };
        let wanted = self.generation();
        let count = replicas.list.len();
        let start = replicas.next.fetch_add(1, Ordering::Relaxed);
        let chosen = (0..count)
            .map(|i| &replicas.list[(start + i) % count])
            .find(|r| r.has_replayed(wanted));
        match chosen {
            Some(replica) => Store {
                reads: Some(Arc::clone(replica)),
                ..self.clone()
            },
            None => self.clone(),
        }
    }

    /// The replica this handle reads from (its URL without password), if any.
    pub fn reads_from(&self) -> Option<&str> {
        self.reads.as_deref().map(|r| r.name.as_str())
    }

    /// Each configured replica's state, as the tracker last found it.
    pub fn replica_status(&self) -> Vec<ReplicaStatus> {
        self.replicas
            .iter()
            .flat_map(|r| r.list.iter().map(|replica| replica.status()))
            .collect()
    }

    /// Where this handle's next read goes: its replica while that has replayed the
    /// generation this process has seen (a write made through the handle moves it, so
    /// the write's own read-back goes to the primary), else the primary.
    pub(crate) fn pool(&self) -> On<'_> {
        match &self.reads {
            Some(replica) if replica.has_replayed(self.generation()) => On::Replica {
                replica,
                primary: &self.primary,
            },
            _ => On::Pool(&self.primary),
        }
    }

    /// Reads each replica's state, every quarter second and at once when the content
    /// generation moves (then every 10 ms until the replicas have caught up). Runs until
    /// dropped; returns at once without replicas.
    pub async fn track_replicas(&self) {
        let Some(replicas) = self.replicas.clone() else {
            return;
        };
        let mut moved = self.watch_generation();
        loop {
            let wanted = self.generation();
            let mut behind = false;
            for replica in &replicas.list {
                let found = match observe(&replica.pool).await {
                    Ok(observed) => {
                        if observed.is_replica == Some(false)
                            && !replica.promoted.swap(true, Ordering::Relaxed)
                        {
                            tracing::warn!("{}: replica {} now accepts writes (promoted?); it is read from while it has every write this process has seen; take it out of the list", replica.setting, replica.name);
                        }
                        observed.judge(replicas.max_lag, &replicas.site_id)
                    }
                    Err(err) => Err(("unreachable", unreachable(err))),
                };
                behind |= found.as_ref().is_ok_and(|g| *g < wanted);
                replica.set(found);
            }
            let pause = if behind { CATCH_UP_EVERY } else { TRACK_EVERY };
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                changed = moved.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

/// A pool on a replica, connecting when first used: a replica that is down at start-up
/// does not stop it.
fn replica_pool(url: &str, backend: Backend) -> Result<Pool, StoreError> {
    let fail = |e| error::connect_error(url, e);
    let scheme = url.split(':').next().unwrap_or_default();
    let same = match backend {
        Backend::MySql => matches!(scheme, "mysql" | "mariadb"),
        Backend::Postgres => matches!(scheme, "postgres" | "postgresql"),
        Backend::Sqlite => false,
    };
    if !same {
        return Err(StoreError::Unsupported(format!(
            "{} is not a {} database like the primary",
            error::redact_password(url),
            match backend {
                Backend::MySql => "MariaDB/MySQL",
                _ => "PostgreSQL",
            }
        )));
    }
    Ok(match backend {
        Backend::MySql => {
            let options = MySqlConnectOptions::from_str(&url.replacen("mariadb:", "mysql:", 1))
                .map_err(fail)?
                .charset("utf8mb4");
            Pool::MySql(
                crate::server_pool::<sqlx::MySql>()
                    .acquire_timeout(REPLICA_ACQUIRE_TIMEOUT)
                    .connect_lazy_with(options),
            )
        }
        _ => {
            let options = PgConnectOptions::from_str(url)
                .map_err(fail)?
                .application_name("folio-reader");
            Pool::Postgres(
                crate::server_pool::<sqlx::Postgres>()
                    .acquire_timeout(REPLICA_ACQUIRE_TIMEOUT)
                    .connect_lazy_with(options),
            )
        }
    })
}

/// Why a replica could not be asked, in words without its password.
fn unreachable(err: sqlx::Error) -> String {
    match error::connect_error("", err) {
        StoreError::Connect { reason, .. } => format!("cannot connect: {reason}"),
        other => other.to_string(),
    }
}

/// Asks a replica what it is, how far behind, and which generation it has replayed.
async fn observe(pool: &Pool) -> Result<Observed, sqlx::Error> {
    let (is_replica, replicating, lag) = match pool {
        Pool::MySql(p) => mysql_replication(p).await?,
        Pool::Postgres(p) => {
            let row = sqlx::query(
                "SELECT pg_is_in_recovery() AS standby, \
                 CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0::float8 \
                 ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 END AS lag",
            )
            .fetch_one(p)
            .await?;
            let standby: bool = row.try_get("standby")?;
            let lag: Option<f64> = row.try_get("lag")?;
            (
                Some(standby),
                None,
                lag.map(|s| Duration::from_secs_f64(s.max(0.0))),
            )
        }
        Pool::Sqlite(_) => (Some(false), None, None),
    };
    let generation = query("SELECT generation FROM site_state WHERE id = 1")
        .scalar::<i64>(pool)
        .await;
    let generation = match generation {
        Ok(g) => Ok(g),
        Err(sqlx::Error::Database(db)) => Err(db.message().to_owned()),
        Err(sqlx::Error::RowNotFound) => Err("no site_state row".to_owned()),
        Err(other) => return Err(other),
    };
    let site_id = query("SELECT value FROM settings WHERE name = 'site_id'")
        .scalar_optional::<String>(pool)
        .await
        .ok()
        .flatten();
    Ok(Observed {
        is_replica,
        replicating,
        lag,
        generation,
        site_id,
    })
}

/// MariaDB's and MySQL's replica status: whether there is one, whether it replays (its
/// SQL thread runs), and its lag. `SHOW REPLICA STATUS` is MariaDB ≥ 10.5 and MySQL ≥ 8.0.22, the
/// older spelling the rest; without the privilege to ask, nothing is known.
async fn mysql_replication(
    pool: &sqlx::MySqlPool,
) -> Result<(Option<bool>, Option<bool>, Option<Duration>), sqlx::Error> {
    let mut rows = None;
    for statement in ["SHOW REPLICA STATUS", "SHOW SLAVE STATUS"] {
        match sqlx::query(statement).fetch_all(pool).await {
            Ok(found) => {
                rows = Some(found);
                break;
            }
            // 1064: a syntax error (an older server); 1227: not allowed.
            Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("1064") => continue,
            Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("1227") => {
                return Ok((None, None, None))
            }
            Err(other) => return Err(other),
        }
    }
    let Some(rows) = rows else {
        return Ok((None, None, None));
    };
    let Some(row) = rows.first() else {
        return Ok((Some(false), None, None));
    };
    let text = |names: &[&str]| {
        names.iter().find_map(|name| {
            row.try_get_unchecked::<Option<String>, _>(*name)
                .ok()
                .flatten()
                .or_else(|| {
                    row.try_get::<Option<i64>, _>(*name)
                        .ok()
                        .flatten()
                        .map(|n| n.to_string())
                })
                .or_else(|| {
                    row.try_get::<Option<u64>, _>(*name)
                        .ok()
                        .flatten()
                        .map(|n| n.to_string())
                })
        })
    };
    // Replaying is what matters: a replica whose IO thread cannot reach the primary (the
    // primary is down, say) still holds every write up to its generation, and is the
    // best place left to read from.
    let replicating =
        text(&["Slave_SQL_Running", "Replica_SQL_Running"]).is_some_and(|v| v == "Yes");
    let lag = text(&["Seconds_Behind_Master", "Seconds_Behind_Source"])
        .and_then(|s| s.parse::<u64>().ok())
        .map(Duration::from_secs);
    Ok((Some(true), Some(replicating), lag))
}

#[cfg(test)]
mod tests {
    use super::Observed;
    use std::time::Duration;

    fn caught_up() -> Observed {
        Observed {
            is_replica: Some(true),
            replicating: Some(true),
            lag: Some(Duration::ZERO),
            generation: Ok(7),
            site_id: Some("site".into()),
        }
    }

    fn why(observed: Observed) -> String {
        observed
            .judge(Duration::from_secs(10), "site")
            .expect_err("skipped")
            .1
    }

    #[test]
    fn a_replica_is_used_at_the_generation_it_has_replayed_unless_something_is_wrong() {
        assert_eq!(caught_up().judge(Duration::from_secs(10), "site"), Ok(7));
        // Not knowing (no privilege to ask) is no reason to skip it.
        let unknown = Observed {
            is_replica: None,
            replicating: None,
            lag: None,
            ..caught_up()
        };
        assert_eq!(unknown.judge(Duration::from_secs(10), "site"), Ok(7));

        // Promoted since start-up: still current, so still read.
        let promoted = Observed {
            is_replica: Some(false),
            ..caught_up()
        };
        assert_eq!(promoted.judge(Duration::from_secs(10), "site"), Ok(7));
        let stopped = Observed {
            replicating: Some(false),
            ..caught_up()
        };
        assert!(why(stopped).contains("replication is stopped"));
        let behind = Observed {
            lag: Some(Duration::from_secs(11)),
            ..caught_up()
        };
        assert!(why(behind).contains("11.0 s behind the primary, more than the bound of 10 s"));
        let other = Observed {
            site_id: Some("another".into()),
            ..caught_up()
        };
        assert!(why(other).contains("another site"));
        let empty = Observed {
            generation: Err("Table 'folio.site_state' doesn't exist".into()),
            site_id: None,
            ..caught_up()
        };
        assert!(why(empty).contains("no Folio site yet"));
    }
}
