//! The database going away and coming back, through a TCP relay the test owns: the
//! readiness probe says 503 quickly while it is gone and 200 once it is back, without a
//! restart, and nothing acknowledged before is lost.
//!
//! Runs on the database server of this run (`FOLIO_TEST_BACKEND`), or PostgreSQL when
//! the run is on SQLite, which has no connection to lose.

use crate::helpers::{config_in, TestApp};
use axum::http::{Method, StatusCode};
use folio_store::testing::{server_of, through, Relay, TestDatabase};
use folio_store::Store;
use serde_json::json;
use std::time::{Duration, Instant};

/// A site whose every database connection goes through a relay the test controls, on
/// this run's database server (PostgreSQL when the run is on SQLite, which has no
/// connection to lose).
async fn app_behind_relay(adjust: impl FnOnce(&mut folio_web::WebConfig)) -> (TestApp, Relay) {
    let backend = match std::env::var("FOLIO_TEST_BACKEND")
        .unwrap_or_default()
        .as_str()
    {
        "" | "sqlite" => "postgres".to_owned(),
        other => other.to_owned(),
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let db = TestDatabase::create_on(&backend, dir.path()).await;
    let relay = Relay::start(server_of(&db.url)).await;
    let store = Store::connect(&through(&db.url, relay.addr))
        .await
        .expect("connect through the relay");
    store.migrate().await.expect("migrate");
    let mut config = config_in(&dir);
    adjust(&mut config);
    let state = folio_web::AppState::new(store, config).expect("state");
    (TestApp::from_parts(state, db, dir).await, relay)
}

#[tokio::test]
async fn readiness_follows_the_database_and_recovers_without_a_restart() {
    let (app, mut relay) = app_behind_relay(|_| {}).await;

    let kept = app
        .post(json!({"title": "Written before", "status": "published"}))
        .await;
    assert!(kept["id"].is_i64(), "{kept}");
    assert_eq!(app.get("/readyz").await.status, 200);
    let home = app.get("/").await;
    assert_eq!(home.status, 200);

    relay.cut();
    let started = Instant::now();
    let gone = app.get("/readyz").await;
    assert_eq!(gone.status, 503, "{}", gone.body);
    assert!(gone.body.contains("database"), "{}", gone.body);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the probe took {:?}",
        started.elapsed()
    );
    assert!(
        !gone.body.contains("relay") && !gone.body.contains("127.0.0.1"),
        "no internals: {}",
        gone.body
    );

    // Readers keep the pages already rendered: the cached home page, byte for byte.
    let stale = app.get("/").await;
    assert_eq!(
        (stale.status, stale.header("x-folio-cache")),
        (StatusCode::OK, "hit")
    );
    assert_eq!(stale.body, home.body);
    // A page that needs the database gets the theme's 503 with Retry-After, no internals.
    let started = Instant::now();
    let uncached = app.get("/search?q=anything").await;
    assert_eq!(
        uncached.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        uncached.body
    );
    assert_eq!(uncached.header("retry-after"), "5");
    assert!(
        uncached.body.contains("Back in a moment") && uncached.body.contains("</html>"),
        "{}",
        uncached.body
    );
    assert!(
        !uncached.body.contains("127.0.0.1") && !uncached.body.to_lowercase().contains("sqlx"),
        "{}",
        uncached.body
    );
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "the 503 took {:?}",
        started.elapsed()
    );
    // A write is refused with a clear message, and nothing half-done is left behind.
    let refused = app
        .api(
            Method::POST,
            "/api/v1/admin/posts",
            Some(&app.owner),
            Some(json!({"title": "Written during", "status": "published"})),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        refused.body
    );
    assert_eq!(
        refused.json()["error"]["code"],
        "unavailable",
        "{}",
        refused.body
    );
    assert_eq!(refused.header("retry-after"), "5");

    relay.restore().await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while app.get("/readyz").await.status != 200 {
        assert!(
            Instant::now() < deadline,
            "still not ready 15 s after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let page = app.get("/written-before/").await;
    assert_eq!(
        page.status, 200,
        "what was acknowledged before the outage is there after it"
    );
    assert_eq!(
        app.get("/written-during/").await.status,
        StatusCode::NOT_FOUND,
        "the refused write left nothing"
    );
}

/// A slow database (every answer held back longer than a reader may wait): cached pages
/// are still served at once; a page that needs the database is answered 503 with
/// Retry-After when the reader's time is up, however many readers come, and the process
/// stays responsive; once the database is quick again, pages render again.
#[tokio::test]
async fn a_slow_database_times_readers_out_instead_of_piling_them_up() {
    let (app, relay) = app_behind_relay(|c| c.read_timeout = Duration::from_millis(800)).await;
    app.post(json!({"title": "Quick once", "status": "published"}))
        .await;
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);

    relay.set_latency(Duration::from_secs(3));
    let started = Instant::now();
    let cached = app.get("/").await;
    assert_eq!(
        (cached.status, cached.header("x-folio-cache")),
        (StatusCode::OK, "hit")
    );
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "a cached page waited {:?}",
        started.elapsed()
    );

    let started = Instant::now();
    let readers = (0..40).map(|i| {
        let app = &app;
        async move { app.get(&format!("/search?q=slow{i}")).await }
    });
    let answers = futures_util::future::join_all(readers).await;
    let took = started.elapsed();
    for answer in &answers {
        assert_eq!(
            answer.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            answer.body
        );
        assert_eq!(answer.header("retry-after"), "5");
        assert!(answer.body.contains("Back in a moment"), "{}", answer.body);
    }
    assert!(
        took < Duration::from_secs(4),
        "40 readers at once took {took:?}: they must time out together, not queue"
    );
    let api = app.get("/api/v1/posts?q=slow").await;
    assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE, "{}", api.body);
    assert_eq!(api.json()["error"]["code"], "unavailable");
    let started = Instant::now();
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "the process stays responsive"
    );

    relay.set_latency(Duration::ZERO);
    let deadline = Instant::now() + Duration::from_secs(15);
    while app.get("/search?q=quick").await.status != StatusCode::OK {
        assert!(
            Instant::now() < deadline,
            "pages did not render again once the database was quick"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
