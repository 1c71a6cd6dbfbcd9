//! Read replicas, against the real replication of the run's database server
//! (`FOLIO_TEST_BACKEND`): MariaDB's binlog replication and PostgreSQL's streaming
//! replication, which `scripts/services start` sets up (`FOLIO_TEST_*_REPLICA_URL`).
//! On SQLite, only that replicas are refused.
//!
//! The tests that pause the replica's replication take turns (`REPLICATION`), so one's
//! pause never shows in another.

use chrono::{Duration as Days, Utc};
use folio_core::{Email, PersonName, PostKind, PostStatus, PostTitle, Role, Slug};
use folio_store::testing::{on_a_server, server_of, through, until, Relay, TestDatabase};
use folio_store::{NewUser, PostInput, ReplicaSettings, Store};
use std::time::Duration;

static REPLICATION: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct Site {
    store: Store,
    author: i64,
    db: TestDatabase,
    _dir: tempfile::TempDir,
}

/// A migrated database with one author, on the run's backend.
async fn site() -> Site {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = TestDatabase::create(dir.path()).await;
    let store = Store::connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let author = store
        .create_user(NewUser {
            email: Email::parse("ann@example.com").expect("email"),
            name: PersonName::parse("Ann Author").expect("name"),
            role: Role::Author,
            bio: String::new(),
            password_hash: None,
        })
        .await
        .expect("user")
        .id;
    Site {
        store,
        author,
        db,
        _dir: dir,
    }
}

fn published(author: i64, slug: &str) -> PostInput {
    PostInput {
        kind: PostKind::Post,
        title: PostTitle::parse(slug).expect("title"),
        slug: Some(Slug::parse(slug).expect("slug")),
        markdown: format!("About {slug}."),
        custom_excerpt: String::new(),
        feature_image: None,
        feature_image_alt: String::new(),
        status: PostStatus::Published,
        published_at: Some(Utc::now() - Days::minutes(1)),
        tags: Vec::new(),
        seo_title: String::new(),
        seo_description: String::new(),
        canonical_url: String::new(),
        author_id: author,
        saved_by: None,
        revision_note: String::new(),
    }
}

fn settings(urls: Vec<String>, max_lag: Duration) -> ReplicaSettings {
    ReplicaSettings {
        setting: "FOLIO_DATABASE_REPLICA_URLS",
        urls,
        max_lag,
    }
}

/// The site's store with `replica` as its read replica, its tracker running (aborted
/// when the returned guard drops), once the replica is used for reads.
async fn with_replica(site: &Site, replica: String, max_lag: Duration) -> (Store, Tracker) {
    let store = site
        .store
        .clone()
        .with_replicas(settings(vec![replica], max_lag))
        .await
        .expect("replicas");
    let tracker = Tracker(tokio::spawn({
        let store = store.clone();
        async move { store.track_replicas().await }
    }));
    until("the replica is used", || {
        store.reader().reads_from().is_some()
    })
    .await;
    (store, tracker)
}

/// Waits until the (one) replica is skipped, and says why.
async fn skipped_because(store: &Store) -> String {
    until("the replica is skipped", || {
        store.replica_status()[0].skipped.is_some()
    })
    .await;
    store.replica_status()[0]
        .skipped
        .clone()
        .unwrap_or_default()
}

struct Tracker(tokio::task::JoinHandle<()>);

impl Drop for Tracker {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The server's replica, whose replication a test pauses: its URL without a database.
fn replica_server(db: &TestDatabase) -> String {
    let url = db.replica_url().expect("a server backend");
    url.rsplit_once('/').expect("database in url").0.to_owned()
}

/// Pauses the replica's replay of the primary's changes (the SQL thread on MariaDB,
/// WAL replay on PostgreSQL) until dropped.
struct Paused {
    server: String,
}

impl Paused {
    async fn start(db: &TestDatabase) -> Paused {
        let server = replica_server(db);
        replication(&server, true).await;
        Paused { server }
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        let server = self.server.clone();
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(replication(&server, false))
        })
        .join()
        .expect("replication resumed");
    }
}

async fn replication(server: &str, pause: bool) {
    use sqlx::Connection;
    if server.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(&format!("{server}/postgres"))
            .await
            .expect("connect to the replica");
        let call = if pause {
            "SELECT pg_wal_replay_pause()"
        } else {
            "SELECT pg_wal_replay_resume()"
        };
        sqlx::query(call).execute(&mut conn).await.expect(call);
    } else {
        let mut conn = sqlx::MySqlConnection::connect(server)
            .await
            .expect("connect to the replica");
        let call = if pause {
            "STOP REPLICA SQL_THREAD"
        } else {
            "START REPLICA SQL_THREAD"
        };
        sqlx::raw_sql(call).execute(&mut conn).await.expect(call);
    }
}

#[tokio::test]
async fn sqlite_refuses_replicas() {
    if on_a_server() {
        return;
    }
    let site = site().await;
    let err = site
        .store
        .clone()
        .with_replicas(settings(
            vec!["mysql://folio:secret@127.0.0.1:1/x".into()],
            Duration::from_secs(10),
        ))
        .await
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains("SQLite has no read replicas"),
        "{err}"
    );
}

#[tokio::test]
async fn public_reads_go_to_a_replica_that_has_replayed_every_write_seen() {
    if !on_a_server() {
        return;
    }
    let _turn = REPLICATION.lock().await;
    let site = site().await;
    let replica_url = site.db.replica_url().expect("server");
    let relay = Relay::start(server_of(&replica_url)).await;
    let (store, _tracker) = with_replica(
        &site,
        through(&replica_url, relay.addr),
        Duration::from_secs(10),
    )
    .await;

    // Reads through a reader go over the replica's connection.
    let before = relay.answered();
    let first = store
        .create_post(published(site.author, "first"))
        .await
        .expect("post");
    until("the replica has replayed the post", || {
        store.replica_status()[0].generation >= Some(store.generation())
    })
    .await;
    let reader = store.reader();
    assert!(
        reader.reads_from().is_some(),
        "{:?}",
        store.replica_status()
    );
    let read = reader.public_post_by_slug("first").await.expect("read");
    assert_eq!(read.summary.id, first.summary.id);
    assert!(
        relay.answered() > before,
        "the read did not reach the replica"
    );

    // Every write is seen by the next read through a reader: the replica is used only
    // once it has replayed it, the primary meanwhile.
    for n in 0..20 {
        let slug = format!("post-{n}");
        store
            .create_post(published(site.author, &slug))
            .await
            .expect("post");
        let found = store.reader().public_post_by_slug(&slug).await;
        assert!(found.is_ok(), "write {n} was not seen by the next read");
    }

    // Writes through a reader handle go to the primary (the replica refuses writes).
    until("the replica has caught up", || {
        store.reader().reads_from().is_some()
    })
    .await;
    let reader = store.reader();
    assert!(reader.reads_from().is_some());
    reader
        .create_post(published(site.author, "through-a-reader"))
        .await
        .expect("a write through a reader handle goes to the primary");
}

#[tokio::test]
async fn a_replica_that_stops_replaying_is_passed_over_and_used_again_once_it_catches_up() {
    if !on_a_server() {
        return;
    }
    let _turn = REPLICATION.lock().await;
    let site = site().await;
    let replica_url = site.db.replica_url().expect("server");
    let (store, _tracker) = with_replica(&site, replica_url, Duration::from_secs(1)).await;

    let paused = Paused::start(&site.db).await;
    store
        .create_post(published(site.author, "while-paused"))
        .await
        .expect("post");
    // Behind this write: every read goes to the primary, and sees it.
    for _ in 0..5 {
        let reader = store.reader();
        assert_eq!(reader.reads_from(), None, "{:?}", store.replica_status());
        reader
            .public_post_by_slug("while-paused")
            .await
            .expect("the primary has it");
    }
    // And once the pause outlasts the bound (or stops replication, on MariaDB), the
    // replica is skipped outright, saying why.
    let why = skipped_because(&store).await;
    assert!(
        why.contains("behind the primary") || why.contains("replication is stopped"),
        "{why}"
    );

    drop(paused);
    until("the replica is used again", || {
        store.reader().reads_from().is_some()
    })
    .await;
    store
        .reader()
        .public_post_by_slug("while-paused")
        .await
        .expect("the replica has replayed it");
}

#[tokio::test]
async fn readers_see_no_error_when_a_replica_goes_away_and_it_is_used_again_when_back() {
    if !on_a_server() {
        return;
    }
    let site = site().await;
    store_post(&site, "kept").await;
    let replica_url = site.db.replica_url().expect("server");
    let mut relay = Relay::start(server_of(&replica_url)).await;
    let (store, _tracker) = with_replica(
        &site,
        through(&replica_url, relay.addr),
        Duration::from_secs(10),
    )
    .await;
    until("the replica has replayed the post", || {
        store.replica_status()[0].generation >= Some(store.generation())
    })
    .await;

    // A handle on the replica, taken before it goes away, still reads: on the primary.
    let reader = store.reader();
    assert!(reader.reads_from().is_some());
    relay.cut();
    for _ in 0..10 {
        reader
            .public_post_by_slug("kept")
            .await
            .expect("no error while the replica is gone");
        store
            .reader()
            .public_post_by_slug("kept")
            .await
            .expect("no error while the replica is gone");
    }
    let why = skipped_because(&store).await;
    assert!(
        why.contains("connect") || why.contains("read failed"),
        "{why}"
    );
    assert_eq!(store.reader().reads_from(), None);

    relay.restore().await;
    until("the replica is used again", || {
        store.reader().reads_from().is_some()
    })
    .await;
}

async fn store_post(site: &Site, slug: &str) {
    site.store
        .create_post(published(site.author, slug))
        .await
        .expect("post");
}

#[tokio::test]
async fn a_replica_url_that_accepts_writes_stops_start_up_without_showing_the_password() {
    if !on_a_server() {
        return;
    }
    let site = site().await;
    let err = site
        .store
        .clone()
        .with_replicas(settings(vec![site.db.url.clone()], Duration::from_secs(10)))
        .await
        .err()
        .expect("the primary is refused as a replica");
    let message = err.to_string();
    assert!(message.contains("is not a read replica"), "{message}");
    assert!(
        !message.contains(":folio@"),
        "the password shows: {message}"
    );
}

#[tokio::test]
async fn a_replica_that_cannot_be_reached_is_skipped_and_reads_go_to_the_primary() {
    if !on_a_server() {
        return;
    }
    let site = site().await;
    store_post(&site, "kept").await;
    // A port nothing listens on: bound, then closed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr");
    let nowhere = through(&site.db.url, closed);
    let store = site
        .store
        .clone()
        .with_replicas(settings(vec![nowhere], Duration::from_secs(10)))
        .await
        .expect("an unreachable replica does not stop start-up");
    let status = &store.replica_status()[0];
    let why = status.skipped.clone().expect("skipped");
    assert!(why.contains("cannot connect"), "{why}");
    assert!(!status.name.contains(":folio@"), "{}", status.name);
    let reader = store.reader();
    assert_eq!(reader.reads_from(), None);
    reader
        .public_post_by_slug("kept")
        .await
        .expect("read from the primary");
}
