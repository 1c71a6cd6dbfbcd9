//! The page cache: hits, ETags and 304s, and freshness after every kind of write.

use crate::helpers::{path_of, TestApp};
use axum::http::{Method, StatusCode};
use folio_core::{PersonName, Role};
use serde_json::json;

#[tokio::test]
async fn second_request_is_a_hit_and_etags_give_304() {
    let app = TestApp::new().await;
    app.publish("Cached", "x", &[]).await;
    let first = app.get("/cached/").await;
    assert_eq!(first.header("x-folio-cache"), "miss");
    let second = app.get("/cached/").await;
    assert_eq!(second.header("x-folio-cache"), "hit");
    assert_eq!(first.body, second.body);
    let etag = first.header("etag").to_owned();
    assert!(etag.starts_with('"'), "strong etag: {etag}");
    assert_eq!(second.header("etag"), etag);
    let revalidated = app.get_with("/cached/", ("if-none-match", &etag)).await;
    assert_eq!(revalidated.status, StatusCode::NOT_MODIFIED);
    assert!(revalidated.body.is_empty());
    let changed = app
        .get_with("/cached/", ("if-none-match", "\"something-else\""))
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(
        first.header("cache-control"),
        "public, max-age=0, must-revalidate"
    );
}

#[tokio::test]
async fn every_write_makes_affected_pages_fresh() {
    let app = TestApp::new().await;
    let post = app.publish("Before edit", "body one", &["Topic"]).await;
    let id = post["id"].as_i64().expect("id");
    let url = path_of(&post["url"]);
    let pages = [
        url.as_str(),
        "/",
        "/tag/topic/",
        "/author/olive-owner/",
        "/feed.xml",
        "/sitemap.xml",
    ];
    for p in pages {
        app.get(p).await;
        assert_eq!(
            app.get(p).await.header("x-folio-cache"),
            "hit",
            "{p} cached"
        );
    }

    // Editing a post.
    assert_eq!(
        app.patch(id, json!({"title": "After edit"})).await.status,
        StatusCode::OK
    );
    for p in [
        url.as_str(),
        "/",
        "/tag/topic/",
        "/author/olive-owner/",
        "/feed.xml",
    ] {
        let r = app.get(p).await;
        assert!(r.body.contains("After edit"), "{p} still stale");
    }

    // Renaming the author.
    app.state
        .store()
        .update_user_profile(
            app.owner_id,
            &PersonName::parse("Olive Renamed").expect("name"),
            "",
        )
        .await
        .expect("rename");
    assert!(app.get(&url).await.body.contains("Olive Renamed"));

    // Changing settings.
    app.api(
        Method::PATCH,
        "/api/v1/admin/settings",
        Some(&app.owner),
        Some(json!({"title": "New Site Title"})),
    )
    .await;
    assert!(app.get("/").await.body.contains("New Site Title"));
    assert!(app.get(&url).await.body.contains("New Site Title"));

    // Unpublishing.
    app.patch(id, json!({"status": "draft"})).await;
    assert_eq!(app.get(&url).await.status, StatusCode::NOT_FOUND);
    assert!(!app.get("/").await.body.contains("After edit"));
}

#[tokio::test]
async fn errors_and_api_answers_are_not_cached() {
    let app = TestApp::new().await;
    let (_, _) = app.user(Role::Editor, "Eve Editor").await;
    app.get("/missing/").await;
    assert_eq!(app.get("/missing/").await.header("x-folio-cache"), "");
    app.get("/api/v1/posts").await;
    assert_eq!(app.get("/api/v1/posts").await.header("x-folio-cache"), "");
    // A post published after a 404 shows at once.
    app.publish("Missing", "now here", &[]).await;
    assert_eq!(app.get("/missing/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_disabled_cache_still_gives_etags() {
    let app = TestApp::with_config(|c| c.page_cache_mb = 0).await;
    app.publish("Uncached", "x", &[]).await;
    let a = app.get("/uncached/").await;
    let b = app.get("/uncached/").await;
    assert_eq!(b.header("x-folio-cache"), "miss");
    assert_eq!(a.header("etag"), b.header("etag"));
    assert_eq!(
        app.get_with("/uncached/", ("if-none-match", a.header("etag")))
            .await
            .status,
        StatusCode::NOT_MODIFIED
    );
}
