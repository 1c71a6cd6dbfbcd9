//! The three migration sets describe one schema: after `migrate`, SQLite, MariaDB and
//! PostgreSQL have the same tables, the same columns in each, and the same indexes
//! (by table, columns and uniqueness), except for the few differences listed here,
//! each with its reason. And a migration that has landed is never edited: every file's
//! SHA-256 is recorded in `migrations/CHECKSUMS`.
//!
//! Needs the servers of `FOLIO_TEST_MARIADB_URL` and `FOLIO_TEST_POSTGRES_URL`
//! (`scripts/services start`).

use folio_store::testing::TestDatabase;
use folio_store::Store;
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

/// Table → column names, and (table, columns, unique) of every index.
#[derive(Debug, Default)]
struct Schema {
    tables: BTreeMap<String, BTreeSet<String>>,
    indexes: BTreeSet<(String, String, bool)>,
}

/// What differs by design: search is each engine's own (FTS5 and its shadow tables on
/// SQLite, a FULLTEXT table and a term index on MariaDB, a tsvector table on
/// PostgreSQL), all named `posts_fts*` or `search_terms`.
fn backend_only(table: &str) -> bool {
    table.starts_with("posts_fts") || table == "search_terms"
}

/// sqlx's own bookkeeping, not Folio's schema.
fn ignored(table: &str) -> bool {
    table == "_sqlx_migrations" || table == "sqlite_sequence"
}

async fn migrated(backend: &str, dir: &std::path::Path) -> TestDatabase {
    let db = TestDatabase::create_on(backend, dir).await;
    let store = Store::connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    store.close().await;
    db
}

async fn sqlite_schema(url: &str) -> Schema {
    let pool = sqlx::SqlitePool::connect(url).await.expect("sqlite");
    let mut schema = Schema::default();
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&pool)
            .await
            .expect("tables");
    for table in tables {
        let columns = sqlx::query(&format!("PRAGMA table_info(\"{table}\")"))
            .fetch_all(&pool)
            .await
            .expect("columns");
        let names = columns.iter().map(|r| r.get::<String, _>("name")).collect();
        let indexes = sqlx::query(&format!("PRAGMA index_list(\"{table}\")"))
            .fetch_all(&pool)
            .await
            .expect("indexes");
        for index in indexes {
            let name: String = index.get("name");
            let unique: i64 = index.get("unique");
            let mut cols = sqlx::query(&format!("PRAGMA index_info(\"{name}\")"))
                .fetch_all(&pool)
                .await
                .expect("index columns");
            cols.sort_by_key(|c| c.get::<i64, _>("seqno"));
            let cols: Vec<String> = cols
                .iter()
                .filter_map(|c| c.try_get::<String, _>("name").ok())
                .collect();
            schema
                .indexes
                .insert((table.clone(), cols.join(","), unique == 1));
        }
        // A primary key is an index on the other engines.
        let mut key: Vec<(i64, String)> = columns
            .iter()
            .filter(|c| c.get::<i64, _>("pk") > 0)
            .map(|c| (c.get("pk"), c.get("name")))
            .collect();
        key.sort();
        if !key.is_empty() {
            let cols: Vec<String> = key.into_iter().map(|(_, c)| c).collect();
            schema.indexes.insert((table.clone(), cols.join(","), true));
        }
        schema.tables.insert(table, names);
    }
    pool.close().await;
    schema
}

async fn mariadb_schema(url: &str) -> Schema {
    let pool = sqlx::MySqlPool::connect(url).await.expect("mariadb");
    let mut schema = Schema::default();
    let columns = sqlx::query(
        "SELECT CAST(TABLE_NAME AS CHAR) AS t, CAST(COLUMN_NAME AS CHAR) AS c \
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()",
    )
    .fetch_all(&pool)
    .await
    .expect("columns");
    for row in columns {
        schema
            .tables
            .entry(row.get("t"))
            .or_default()
            .insert(row.get("c"));
    }
    let indexes = sqlx::query(
        "SELECT CAST(TABLE_NAME AS CHAR) AS t, CAST(INDEX_NAME AS CHAR) AS i, \
                CAST(COLUMN_NAME AS CHAR) AS c, CAST(NON_UNIQUE AS SIGNED) AS n, \
                CAST(INDEX_TYPE AS CHAR) AS k \
         FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
         ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
    )
    .fetch_all(&pool)
    .await
    .expect("indexes");
    let mut grouped: BTreeMap<(String, String), (Vec<String>, bool, String)> = BTreeMap::new();
    for row in indexes {
        let entry = grouped
            .entry((row.get("t"), row.get("i")))
            .or_insert_with(|| (Vec::new(), row.get::<i64, _>("n") == 0, row.get("k")));
        entry.0.push(row.get("c"));
    }
    for ((table, _), (cols, unique, kind)) in grouped {
        // FULLTEXT serves search on MariaDB as FTS5 does on SQLite: backend-specific.
        if kind != "FULLTEXT" {
            schema.indexes.insert((table, cols.join(","), unique));
        }
    }
    pool.close().await;
    schema
}

async fn postgres_schema(url: &str) -> Schema {
    let pool = sqlx::PgPool::connect(url).await.expect("postgres");
    let mut schema = Schema::default();
    let columns = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c \
         FROM information_schema.columns WHERE table_schema = 'public'",
    )
    .fetch_all(&pool)
    .await
    .expect("columns");
    for row in columns {
        schema
            .tables
            .entry(row.get("t"))
            .or_default()
            .insert(row.get("c"));
    }
    // Key columns in index order; expression indexes (search) have no plain column.
    let indexes = sqlx::query(
        "SELECT t.relname::text AS t, i.relname::text AS i, ix.indisunique AS u, \
                a.attname::text AS c, k.n AS n, am.amname::text AS kind \
         FROM pg_index ix \
         JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_am am ON am.oid = i.relam \
         JOIN pg_namespace ns ON ns.oid = t.relnamespace AND ns.nspname = 'public' \
         CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, n) \
         LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
         ORDER BY 1, 2, 5",
    )
    .fetch_all(&pool)
    .await
    .expect("indexes");
    let mut grouped: BTreeMap<(String, String), (Vec<String>, bool, String)> = BTreeMap::new();
    for row in indexes {
        let entry = grouped
            .entry((row.get("t"), row.get("i")))
            .or_insert_with(|| (Vec::new(), row.get("u"), row.get("kind")));
        entry.0.push(
            row.try_get::<String, _>("c")
                .unwrap_or_else(|_| "(expression)".into()),
        );
    }
    for ((table, _), (cols, unique, kind)) in grouped {
        // GIN over a tsvector serves search on PostgreSQL: backend-specific.
        if kind != "gin" {
            schema.indexes.insert((table, cols.join(","), unique));
        }
    }
    pool.close().await;
    schema
}

/// The schema without what is backend-specific by design.
fn common(schema: Schema) -> Schema {
    let keep = |t: &str| !ignored(t) && !backend_only(t);
    Schema {
        tables: schema.tables.into_iter().filter(|(t, _)| keep(t)).collect(),
        indexes: schema
            .indexes
            .into_iter()
            .filter(|(t, _, _)| keep(t))
            .collect(),
    }
}

#[tokio::test]
async fn the_three_migration_sets_make_the_same_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite = migrated("sqlite", dir.path()).await;
    let mariadb = migrated("mariadb", dir.path()).await;
    let postgres = migrated("postgres", dir.path()).await;
    let schemas = [
        ("sqlite", common(sqlite_schema(&sqlite.url).await)),
        ("mariadb", common(mariadb_schema(&mariadb.url).await)),
        ("postgres", common(postgres_schema(&postgres.url).await)),
    ];
    let (_, reference) = &schemas[0];
    assert!(
        reference.tables.len() > 10,
        "the schema was not read: {reference:?}"
    );
    let mut differences = Vec::new();
    for (name, schema) in &schemas[1..] {
        let tables: BTreeSet<_> = reference
            .tables
            .keys()
            .chain(schema.tables.keys())
            .collect();
        for table in tables {
            match (reference.tables.get(table), schema.tables.get(table)) {
                (Some(a), Some(b)) if a != b => differences.push(format!(
                    "{table}: sqlite has {:?}, {name} has {:?}",
                    a.difference(b).collect::<Vec<_>>(),
                    b.difference(a).collect::<Vec<_>>()
                )),
                (Some(_), None) => differences.push(format!("{table}: not on {name}")),
                (None, Some(_)) => differences.push(format!("{table}: only on {name}")),
                _ => {}
            }
        }
        for index in reference.indexes.symmetric_difference(&schema.indexes) {
            let on = if reference.indexes.contains(index) {
                "sqlite"
            } else {
                name
            };
            differences.push(format!("index {index:?} only on {on}"));
        }
    }
    assert!(
        differences.is_empty(),
        "the migration sets disagree:\n  {}",
        differences.join("\n  ")
    );
}

#[test]
fn landed_migrations_are_never_edited() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let recorded: BTreeMap<String, String> = std::fs::read_to_string(root.join("CHECKSUMS"))
        .expect("migrations/CHECKSUMS")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once("  "))
        .map(|(hash, file)| (file.to_owned(), hash.to_owned()))
        .collect();
    let mut problems = Vec::new();
    for backend in ["sqlite", "mysql", "postgres"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(backend))
            .expect("migration folder")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|f| f.ends_with(".sql"))
            .collect();
        files.sort();
        for file in files {
            let path = format!("{backend}/{file}");
            let hash = format!(
                "{:x}",
                Sha256::digest(std::fs::read(root.join(&path)).expect("read"))
            );
            match recorded.get(&path) {
                Some(h) if *h == hash => {}
                Some(_) => problems.push(format!(
                    "{path} changed after it landed: add a new migration instead"
                )),
                None => problems.push(format!(
                    "{path} is new: add `{hash}  {path}` to migrations/CHECKSUMS"
                )),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
