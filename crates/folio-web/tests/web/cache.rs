//! The page cache: hits, ETags and 304s, and freshness after every kind of write.

use crate::helpers::{path_of, TestApp};
use axum::http::{Method, StatusCode};
use folio_core::{PersonName, Role};
use serde_json::json;

/// Saves the owner's profile with `name`, which shows on each of their posts.
async fn rename_owner(app: &TestApp, name: &str) {
    app.state
        .store()
        .update_user_profile(app.owner_id, &PersonName::parse(name).expect("name"), "")
        .await
        .expect("profile");
}

/// Changes the site's title, which shows on every page.
async fn retitle_site(app: &TestApp, title: &str) {
    let reply = app
        .api(
            Method::PATCH,
            "/api/v1/admin/settings",
            Some(&app.owner),
            Some(json!({ "title": title })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

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
    rename_owner(&app, "Olive Renamed").await;
    assert!(app.get(&url).await.body.contains("Olive Renamed"));

    // Changing settings.
    retitle_site(&app, "New Site Title").await;
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

#[tokio::test]
async fn concurrent_misses_of_a_page_render_it_once() {
    let app = TestApp::new().await;
    app.publish("First post", "x", &[]).await;
    app.get("/").await;
    // A write: every cached page misses, and a crowd asks for the home page at once.
    app.publish("Second post", "y", &[]).await;
    let crowd = futures_util::future::join_all((0..32).map(|_| app.get("/"))).await;
    let outcomes: Vec<&str> = crowd.iter().map(|r| r.header("x-folio-cache")).collect();
    assert_eq!(
        outcomes.iter().filter(|o| **o == "miss").count(),
        1,
        "one request renders, the others wait for its page: {outcomes:?}"
    );
    for reply in &crowd {
        assert_eq!(reply.status, StatusCode::OK);
        assert!(reply.body.contains("Second post"), "fresh after the write");
        assert_eq!(reply.body, crowd[0].body);
        assert_eq!(reply.header("etag"), crowd[0].header("etag"));
    }
    // A page that is not kept (a 404) is not shared: each request gets its own answer.
    let missing = futures_util::future::join_all((0..8).map(|_| app.get("/no-such-post/"))).await;
    for reply in &missing {
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(reply.header("x-folio-cache"), "");
    }
}

#[tokio::test]
async fn a_waiting_request_still_gets_its_304() {
    let app = TestApp::new().await;
    app.publish("Validated", "x", &[]).await;
    let etag = app.get("/validated/").await.header("etag").to_owned();
    // Saving the author's profile as it was: the page misses, and renders the same bytes.
    rename_owner(&app, "Olive Owner").await;
    let (leader, follower) = tokio::join!(
        app.get("/validated/"),
        app.get_with("/validated/", ("if-none-match", &etag))
    );
    assert_eq!(leader.header("x-folio-cache"), "miss");
    assert_eq!(follower.header("x-folio-cache"), "hit");
    assert_eq!(follower.status, StatusCode::NOT_MODIFIED);
    assert_eq!(follower.header("etag"), etag);
}

#[tokio::test]
async fn a_write_makes_only_the_pages_that_show_it_miss() {
    let app = TestApp::new().await;
    let alpha = app.publish("Alpha", "first", &["Topic"]).await;
    let beta = app.publish("Beta", "second", &["Topic"]).await;
    let alpha_id = alpha["id"].as_i64().expect("id");
    let (alpha_url, beta_url) = (path_of(&alpha["url"]), path_of(&beta["url"]));
    let pages = [
        alpha_url.as_str(),
        beta_url.as_str(),
        "/",
        "/tag/topic/",
        "/feed.xml",
    ];
    for p in pages {
        app.get(p).await;
    }
    let outcomes = async || {
        let mut seen = Vec::new();
        for p in pages {
            seen.push(app.get(p).await.header("x-folio-cache").to_owned());
        }
        seen
    };
    assert_eq!(outcomes().await, ["hit"; 5]);

    // Editing Alpha: its page and every listing miss; Beta's page is still the one kept.
    app.patch(alpha_id, json!({"title": "Alpha edited"})).await;
    assert_eq!(outcomes().await, ["miss", "hit", "miss", "miss", "miss"]);
    for p in [alpha_url.as_str(), "/", "/tag/topic/", "/feed.xml"] {
        assert!(app.get(p).await.body.contains("Alpha edited"), "{p} stale");
    }

    // A draft changes nothing a reader sees: nothing misses.
    app.post(json!({"title": "Unseen", "markdown": "x", "status": "draft"}))
        .await;
    assert_eq!(outcomes().await, ["hit"; 5]);

    // Renaming the author: both posts show the name, so both pages miss.
    rename_owner(&app, "Olive Renamed").await;
    assert_eq!(outcomes().await, ["miss"; 5]);
    assert!(app.get(&beta_url).await.body.contains("Olive Renamed"));

    // Settings show on every page.
    retitle_site(&app, "Retitled").await;
    assert_eq!(outcomes().await, ["miss"; 5]);
}

#[tokio::test]
async fn pages_name_what_they_show_for_a_cdn_to_purge() {
    let app = TestApp::new().await;
    let post = app.publish("Tagged", "x", &[]).await;
    let (id, url) = (post["id"].as_i64().expect("id"), path_of(&post["url"]));
    for reply in [app.get(&url).await, app.get(&url).await] {
        assert_eq!(
            reply.header("surrogate-key"),
            format!("site post-{id} author-{}", app.owner_id)
        );
        assert_eq!(
            reply.header("cache-tag"),
            format!("site,post-{id},author-{}", app.owner_id)
        );
    }
    assert_eq!(app.get("/").await.header("surrogate-key"), "site posts");
    assert_eq!(app.get("/feed.xml").await.header("cache-tag"), "site,posts");
    assert_eq!(app.get("/robots.txt").await.header("surrogate-key"), "site");
    assert_eq!(app.get("/missing/").await.header("surrogate-key"), "");
}
