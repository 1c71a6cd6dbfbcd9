//! Databases for tests: the same test runs on SQLite, MariaDB/MySQL or PostgreSQL,
//! chosen by `FOLIO_TEST_BACKEND` (`sqlite`, the default; `mariadb`; `postgres`).
//!
//! On a server, each test gets a database of its own, created empty and dropped when
//! the [`TestDatabase`] is, so tests run in parallel without seeing each other. The
//! server is the one `FOLIO_TEST_MARIADB_URL` or `FOLIO_TEST_POSTGRES_URL` points at
//! (`scripts/services start` prints both), with an account that may create databases.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

/// Every database a test creates starts with this, so that leftovers of a killed run
/// can be found and dropped (`scripts/test` does it before each run).
pub const TEST_DATABASE_PREFIX: &str = "folio_t_";

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
