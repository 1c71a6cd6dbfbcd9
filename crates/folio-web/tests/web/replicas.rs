//! A process configured with a read replica (`FOLIO_DATABASE_REPLICA_URLS`), on the
//! run's database server and its real replica (MariaDB binlog replication, PostgreSQL
//! streaming replication). Nothing to test on SQLite, which has no replicas.

use crate::helpers::TestApp;
use axum::http::{Method, StatusCode};
use folio_store::testing::{on_a_server, server_of, through, until, Relay};

#[tokio::test]
async fn pages_are_read_from_the_replica_and_a_write_shows_on_the_next_request() {
    if !on_a_server() {
        return;
    }
    let primary_only = TestApp::new().await;
    let replica_url = primary_only.replica_database_url().expect("a server");
    let relay = Relay::start(server_of(&replica_url)).await;
    let primary_url = primary_only.database_url().to_owned();
    let mut primary = Relay::start(server_of(&primary_url)).await;
    let app = primary_only
        .process(|config| {
            config.database_url = through(&primary_url, primary.addr);
            config.database_replica_urls = vec![through(&replica_url, relay.addr)];
        })
        .await
        .expect("starts with a replica");
    let store = app.state.store().clone();
    let tracker = tokio::spawn({
        let store = store.clone();
        async move { store.track_replicas().await }
    });

    // Each write, through this process, shows on its next request: the page is read
    // from the primary until the replica has replayed the write.
    for n in 0..10 {
        let title = format!("Written {n}");
        let post = app.publish(&title, "Words.", &["kept"]).await;
        let page = app.get(&crate::helpers::path_of(&post["url"])).await;
        assert_eq!(page.status, StatusCode::OK, "write {n}");
        assert!(page.body.contains(&title), "write {n} not shown");
        let home = app.get("/").await;
        assert!(home.body.contains(&title), "write {n} not on the home page");
    }

    // Once the replica has caught up, pages are read from it.
    until("the replica has replayed every write", || {
        store.replica_status()[0].generation >= Some(store.generation())
    })
    .await;
    let metrics = app.get("/metrics").await.body;
    let used = metrics
        .lines()
        .find(|l| l.starts_with("folio_db_replica_used{"))
        .unwrap_or_default();
    assert!(used.ends_with(" 1"), "{metrics}");
    assert!(!used.contains(":folio@"), "the password shows: {used}");
    let before = relay.answered();
    let tag = app.get("/tag/kept/").await;
    assert_eq!(tag.status, StatusCode::OK);
    assert!(tag.body.contains("Written 9"));
    assert!(
        relay.answered() > before,
        "the tag page was not read from the replica"
    );

    // With the primary gone, readers still get pages that were not cached: from the
    // replica, which has every write there is.
    primary.cut();
    for path in ["/tag/kept/?after=", "/search?q=Written", "/feed.xml"] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path} without the primary");
        assert_eq!(page.header("x-folio-cache"), "miss", "{path}");
        assert!(page.body.contains("Written"), "{path}");
    }
    let refused = app
        .api(
            Method::POST,
            "/api/v1/admin/posts",
            Some(&app.owner),
            Some(serde_json::json!({"title": "Not now", "markdown": "Words.", "status": "published"})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    primary.restore().await;
    tracker.abort();
}

#[tokio::test]
async fn start_up_names_the_setting_when_a_replica_url_is_the_primary() {
    if !on_a_server() {
        return;
    }
    let app = TestApp::new().await;
    let primary = app.database_url().to_owned();
    // The same server under another spelling of its address, so that the configuration
    // check (which refuses FOLIO_DATABASE_URL itself) lets it through to the server's.
    let spelled = primary.replacen("127.0.0.1", "localhost", 1);
    let err = app
        .process(|config| config.database_replica_urls = vec![spelled])
        .await
        .err()
        .expect("refused");
    let message = format!("{err:#}");
    assert!(
        message.starts_with("FOLIO_DATABASE_REPLICA_URLS: "),
        "{message}"
    );
    assert!(message.contains("is not a read replica"), "{message}");
    assert!(
        !message.contains(":folio@"),
        "the password shows: {message}"
    );
}
