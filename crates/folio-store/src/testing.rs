//! Databases for tests: the same test runs on SQLite, MariaDB/MySQL or PostgreSQL,
//! chosen by `FOLIO_TEST_BACKEND` (`sqlite`, the default; `mariadb`; `postgres`).
//!
//! On a server, each test gets a database of its own, created empty and dropped when
//! the [`TestDatabase`] is, so tests run in parallel without seeing each other. The
//! server is the one `FOLIO_TEST_MARIADB_URL` or `FOLIO_TEST_POSTGRES_URL` points at
//! (`scripts/services start` prints both), with an account that may create databases.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Every database a test creates starts with this, so that leftovers of a killed run
/// can be found and dropped (`scripts/test` does it before each run).
pub const TEST_DATABASE_PREFIX: &str = "folio_t_";

/// Whether this run's tests are on a database server (`FOLIO_TEST_BACKEND` is neither
/// unset nor `sqlite`).
pub fn on_a_server() -> bool {
    !matches!(
        std::env::var("FOLIO_TEST_BACKEND")
            .unwrap_or_default()
            .as_str(),
        "" | "sqlite"
    )
}

/// Waits up to 20 s for `condition`, polling it every 10 ms; panics naming `what` when
/// it never holds.
pub async fn until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !condition() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A database for one test. `url` is what `Store::connect` takes.
pub struct TestDatabase {
    pub url: String,
    server: Option<Server>,
}

struct Server {
    admin_url: String,
    name: String,
    postgres: bool,
}

impl TestDatabase {
    /// A new, empty database: a file in `dir` on SQLite, else a fresh database on the
    /// server. Panics with what to do when the server is not configured or reachable.
    pub async fn create(dir: &Path) -> TestDatabase {
        TestDatabase::create_on(
            &std::env::var("FOLIO_TEST_BACKEND").unwrap_or_default(),
            dir,
        )
        .await
    }

    /// The same on a named backend (`sqlite`, `mariadb`, `postgres`), whatever the run's.
    pub async fn create_on(backend: &str, dir: &Path) -> TestDatabase {
        let (variable, postgres) = match backend {
            "" | "sqlite" => {
                return TestDatabase {
                    url: format!("sqlite://{}", dir.join("folio.db").display()),
                    server: None,
                };
            }
            "mariadb" | "mysql" => ("FOLIO_TEST_MARIADB_URL", false),
            "postgres" | "postgresql" => ("FOLIO_TEST_POSTGRES_URL", true),
            other => panic!("FOLIO_TEST_BACKEND={other:?}: expected sqlite, mariadb or postgres"),
        };
        let base = std::env::var(variable).unwrap_or_else(|_| {
            panic!("FOLIO_TEST_BACKEND={backend} needs {variable} (run `scripts/services start`)")
        });
        let base = base.trim_end_matches('/').to_owned();
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "{TEST_DATABASE_PREFIX}{}_{}_{}",
            std::process::id(),
            chrono::Utc::now().timestamp_micros() % 1_000_000_000,
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let server = Server {
            admin_url: admin_url(&base, postgres),
            name,
            postgres,
        };
        let create = if postgres {
            format!("CREATE DATABASE {}", server.name)
        } else {
            format!(
                "CREATE DATABASE {} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
                server.name
            )
        };
        server
            .run(&create)
            .await
            .unwrap_or_else(|e| panic!("creating a test database on {variable}: {e}"));
        TestDatabase {
            url: format!("{base}/{}", server.name),
            server: Some(server),
        }
    }
}

impl TestDatabase {
    /// The same database on the server's read replica (`FOLIO_TEST_MARIADB_REPLICA_URL`
    /// or `FOLIO_TEST_POSTGRES_REPLICA_URL`, which `scripts/services start` prints), where
    /// replication brings it; `None` on SQLite. Panics with what to do when the replica
    /// is not configured.
    pub fn replica_url(&self) -> Option<String> {
        let server = self.server.as_ref()?;
        let variable = if server.postgres {
            "FOLIO_TEST_POSTGRES_REPLICA_URL"
        } else {
            "FOLIO_TEST_MARIADB_REPLICA_URL"
        };
        let base = std::env::var(variable).unwrap_or_else(|_| {
            panic!("replica tests need {variable} (run `scripts/services start`)")
        });
        Some(format!("{}/{}", base.trim_end_matches('/'), server.name))
    }
}

/// The URL of a database that always exists on the server, to create others from.
fn admin_url(base: &str, postgres: bool) -> String {
    if postgres {
        format!("{base}/postgres")
    } else {
        base.to_owned()
    }
}

impl Server {
    async fn run(&self, sql: &str) -> Result<(), sqlx::Error> {
        use sqlx::Connection;
        if self.postgres {
            let mut conn = sqlx::PgConnection::connect(&self.admin_url).await?;
            sqlx::raw_sql(sql).execute(&mut conn).await?;
            conn.close().await
        } else {
            let mut conn = sqlx::MySqlConnection::connect(&self.admin_url).await?;
            sqlx::raw_sql(sql).execute(&mut conn).await?;
            conn.close().await
        }
    }
}

impl Server {
    /// Drops the database, first ending the connections still open on it: the test's
    /// pool cannot close them itself, as its runtime is blocked waiting for this.
    async fn drop_database(&self) -> Result<(), sqlx::Error> {
        use sqlx::Connection;
        if self.postgres {
            return self
                .run(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .await;
        }
        let mut conn = sqlx::MySqlConnection::connect(&self.admin_url).await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT CAST(ID AS SIGNED) FROM information_schema.PROCESSLIST WHERE DB = ?",
        )
        .bind(&self.name)
        .fetch_all(&mut conn)
        .await?;
        for id in ids {
            // A connection may end by itself meanwhile; that is what was wanted.
            sqlx::raw_sql(&format!("KILL {id}"))
                .execute(&mut conn)
                .await
                .ok();
        }
        sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {}", self.name))
            .execute(&mut conn)
            .await?;
        conn.close().await
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(server) = self.server.take() else {
            return;
        };
        // Drop runs outside any runtime (or inside one that must not block): a thread
        // of its own with a small runtime does the dropping, and is waited for.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(server.drop_database()).ok()
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("warning: a test database was not dropped (scripts/test drops leftovers)");
        }
    }
}

/// Forwards connections from a local port to `upstream` until cut, holding each answer
/// from the server back by `latency` (a slow database).
pub struct Relay {
    pub addr: SocketAddr,
    upstream: SocketAddr,
    task: Option<JoinHandle<()>>,
    latency_ms: Arc<AtomicU64>,
    /// Bytes relayed from the server so far.
    answered: Arc<AtomicU64>,
}

impl Relay {
    pub async fn start(upstream: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut relay = Relay {
            addr,
            upstream,
            task: None,
            latency_ms: Arc::default(),
            answered: Arc::default(),
        };
        relay.serve(listener);
        relay
    }

    fn serve(&mut self, listener: TcpListener) {
        let upstream = self.upstream;
        let latency_ms = Arc::clone(&self.latency_ms);
        let answered = Arc::clone(&self.answered);
        self.task = Some(tokio::spawn(async move {
            let mut links = tokio::task::JoinSet::new();
            while let Ok((client, _)) = listener.accept().await {
                let latency_ms = Arc::clone(&latency_ms);
                let answered = Arc::clone(&answered);
                links.spawn(async move {
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let (mut client_read, mut client_write) = client.into_split();
                    let (mut server_read, mut server_write) = server.into_split();
                    let up = tokio::io::copy(&mut client_read, &mut server_write);
                    let down = async {
                        let mut buf = vec![0u8; 16 * 1024];
                        while let Ok(n @ 1..) = server_read.read(&mut buf).await {
                            answered.fetch_add(n as u64, Ordering::Relaxed);
                            let delay = latency_ms.load(Ordering::Relaxed);
                            if delay > 0 {
                                tokio::time::sleep(Duration::from_millis(delay)).await;
                            }
                            if client_write.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                    };
                    tokio::select! { _ = up => {}, () = down => {} }
                });
            }
        }));
    }

    /// How many bytes the server has sent through the relay so far.
    pub fn answered(&self) -> u64 {
        self.answered.load(Ordering::Relaxed)
    }

    pub fn set_latency(&self, latency: Duration) {
        self.latency_ms
            .store(latency.as_millis() as u64, Ordering::Relaxed);
    }

    /// Closes the port and every connection through it (the JoinSet aborts its tasks).
    pub fn cut(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    pub async fn restore(&mut self) {
        let listener = TcpListener::bind(self.addr)
            .await
            .expect("rebind the relay's port");
        self.serve(listener);
    }
}

/// `scheme://user:pass@host:port/db` with host:port replaced by `addr`.
pub fn through(url: &str, addr: SocketAddr) -> String {
    let (scheme, rest) = url.split_once("://").expect("url");
    let (auth, tail) = rest.split_once('@').expect("user in url");
    let path = tail.find('/').map_or("", |i| &tail[i..]);
    format!("{scheme}://{auth}@{addr}{path}")
}

pub fn server_of(url: &str) -> SocketAddr {
    let host = url
        .split_once('@')
        .expect("user in url")
        .1
        .split('/')
        .next()
        .expect("host");
    host.parse().expect("host:port")
}
