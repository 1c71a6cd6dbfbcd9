//! Revisions and scheduled publishing.

use crate::helpers::TestApp;
use axum::http::{Method, StatusCode};
use folio_store::Store;
use serde_json::json;

#[tokio::test]
async fn every_save_keeps_a_revision_and_restore_adds_one() {
    let app = TestApp::new().await;
    let post = app
        .post(json!({"title": "Versioned", "markdown": "first"}))
        .await;
    let id = post["id"].as_i64().expect("id");
    app.patch(id, json!({"markdown": "second"})).await;
    app.patch(id, json!({"excerpt": "metadata only"})).await;
    app.patch(id, json!({"markdown": "third"})).await;
    let list = app
        .api(
            Method::GET,
            &format!("/api/v1/admin/posts/{id}/revisions"),
            Some(&app.owner),
            None,
        )
        .await
        .json();
    let texts: Vec<&str> = list["revisions"]
        .as_array()
        .expect("revisions")
        .iter()
        .filter_map(|r| r["markdown"].as_str())
        .collect();
    assert_eq!(
        texts,
        ["third", "second", "first"],
        "newest first; a save that changes no text adds none"
    );

    let restored = app
        .api(
            Method::POST,
            &format!("/api/v1/admin/posts/{id}/revisions/1/restore"),
            Some(&app.owner),
            None,
        )
        .await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.body);
    assert_eq!(restored.json()["markdown"], "first");
    let list = app
        .api(
            Method::GET,
            &format!("/api/v1/admin/posts/{id}/revisions"),
            Some(&app.owner),
            None,
        )
        .await
        .json();
    assert_eq!(list["revisions"][0]["number"], 4);
    assert_eq!(list["revisions"][0]["note"], "restored from revision 1");
    let missing = app
        .api(
            Method::POST,
            &format!("/api/v1/admin/posts/{id}/revisions/99/restore"),
            Some(&app.owner),
            None,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn scheduled_posts_publish_once_at_their_time() {
    let app = TestApp::new().await;
    let future = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    app.post(json!({"title": "Timed", "markdown": "tick", "tags": ["Clock"], "status": "scheduled", "published_at": future})).await;
    app.get("/").await;
    assert_eq!(app.get("/timed/").await.status, StatusCode::NOT_FOUND);
    assert!(
        app.state
            .store()
            .publish_due_posts(chrono::Utc::now())
            .await
            .expect("run")
            .is_empty(),
        "not yet"
    );

    // Two processes on one database race to publish at the same moment.
    let url = app.state.store().clone();
    let later = chrono::Utc::now() + chrono::Duration::seconds(3);
    let (a, b) = tokio::join!(
        url.publish_due_posts(later),
        app.state.store().publish_due_posts(later)
    );
    let total = a.expect("a").len() + b.expect("b").len();
    assert_eq!(total, 1, "published exactly once");
    let home = app.get("/").await;
    assert!(home.body.contains("Timed"), "the cached home page is fresh");
    assert_eq!(app.get("/timed/").await.status, StatusCode::OK);
    assert!(app.get("/tag/clock/").await.body.contains("Timed"));
    assert!(app.get("/search?q=tick").await.body.contains("Timed"));
}

#[tokio::test]
async fn only_one_process_holds_the_scheduler_lease() {
    let app = TestApp::new().await;
    let store: &Store = app.state.store();
    let ttl = chrono::Duration::seconds(30);
    assert!(store.acquire_lease("job", "a", ttl).await.expect("a"));
    assert!(
        !store.acquire_lease("job", "b", ttl).await.expect("b"),
        "held by a"
    );
    assert!(
        store.acquire_lease("job", "a", ttl).await.expect("renew"),
        "a renews"
    );
    assert!(store
        .acquire_lease("job", "b", chrono::Duration::seconds(-1))
        .await
        .map(|_| true)
        .expect("call"));
    assert!(store
        .acquire_lease("other", "b", ttl)
        .await
        .expect("another job"));
}

#[tokio::test]
async fn the_scheduler_loop_publishes_due_posts() {
    let app = TestApp::new().await;
    let soon = (chrono::Utc::now() + chrono::Duration::milliseconds(300)).to_rfc3339();
    app.post(json!({"title": "By the loop", "status": "scheduled", "published_at": soon}))
        .await;
    let task = folio_app::jobs::spawn_scheduler(
        app.state.store().clone(),
        std::time::Duration::from_millis(100),
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if app.get("/by-the-loop/").await.status == StatusCode::OK {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not published within 10 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    task.abort();
}
