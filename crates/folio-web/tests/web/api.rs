//! The JSON API: creating, changing and deleting content, and every kind of bad input.

use crate::helpers::{path_of, TestApp};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;

#[tokio::test]
async fn create_returns_the_post_with_its_url() {
    let app = TestApp::new().await;
    let post = app.post(json!({"title": "Hello, World", "markdown": "Some *text*.", "tags": ["Rust", "Web"], "status": "published"})).await;
    assert_eq!(post["slug"], "hello-world");
    assert_eq!(post["status"], "published");
    assert_eq!(post["url"], "https://blog.example/hello-world/");
    assert_eq!(post["html"], "<p>Some <em>text</em>.</p>\n");
    assert_eq!(post["tags"][1]["slug"], "web");
    assert!(post["published_at"].is_string());
    let fetched = app
        .api(
            Method::GET,
            &format!("/api/v1/admin/posts/{}", post["id"]),
            Some(&app.owner),
            None,
        )
        .await;
    assert_eq!(fetched.json()["markdown"], "Some *text*.");
    let public = app.get("/api/v1/posts/hello-world").await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(
        public.json().get("markdown").is_none(),
        "public reads do not expose the source"
    );
}

#[tokio::test]
async fn a_taken_slug_is_a_409_naming_slug_and_nothing_is_stored() {
    let app = TestApp::new().await;
    app.post(json!({"title": "First", "slug": "same"})).await;
    let reply = app
        .api(
            Method::POST,
            "/api/v1/admin/posts",
            Some(&app.owner),
            Some(json!({"title": "Second", "slug": "same"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.json()["error"]["fields"]["slug"], "already taken");
    let list = app
        .api(Method::GET, "/api/v1/admin/posts", Some(&app.owner), None)
        .await
        .json();
    assert_eq!(list["posts"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn derived_slugs_get_a_suffix_instead_of_a_conflict() {
    let app = TestApp::new().await;
    let a = app.post(json!({"title": "Same title"})).await;
    let b = app.post(json!({"title": "Same title"})).await;
    assert_eq!(a["slug"], "same-title");
    assert_eq!(b["slug"], "same-title-2");
}

#[tokio::test]
async fn invalid_fields_are_all_named_with_422() {
    let app = TestApp::new().await;
    let reply = app
        .api(Method::POST, "/api/v1/admin/posts", Some(&app.owner), Some(json!({
            "title": "  ", "slug": "Not A Slug", "status": "live", "published_at": "tomorrow", "tags": [""]
        })))
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = reply.json();
    assert_eq!(body["error"]["code"], "validation_failed");
    for field in ["title", "slug", "status", "published_at", "tags[0]"] {
        assert!(
            body["error"]["fields"][field].is_string(),
            "{field} missing in {body}"
        );
    }
    let list = app
        .api(Method::GET, "/api/v1/admin/posts", Some(&app.owner), None)
        .await
        .json();
    assert_eq!(
        list["posts"].as_array().map(Vec::len),
        Some(0),
        "nothing partial is stored"
    );
}

#[tokio::test]
async fn wrong_shapes_and_bodies_get_clear_errors() {
    let app = TestApp::new().await;
    let wrong_type = app
        .api(
            Method::POST,
            "/api/v1/admin/posts",
            Some(&app.owner),
            Some(json!({"title": 5})),
        )
        .await;
    assert_eq!(wrong_type.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong_type.json()["error"]["fields"]["title"].is_string(),
        "{}",
        wrong_type.body
    );

    let unknown = app
        .api(
            Method::POST,
            "/api/v1/admin/posts",
            Some(&app.owner),
            Some(json!({"title": "x", "titel": "y"})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown.json()["error"]["fields"]["titel"].is_string(),
        "{}",
        unknown.body
    );

    let malformed = app
        .send(
            Request::post("/api/v1/admin/posts")
                .header("authorization", format!("Bearer {}", app.owner))
                .header("content-type", "application/json")
                .body(Body::from("{\"title\": "))
                .expect("request"),
        )
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.json()["error"]["code"], "malformed_json");

    let not_json = app
        .send(
            Request::post("/api/v1/admin/posts")
                .header("authorization", format!("Bearer {}", app.owner))
                .body(Body::from("title=x"))
                .expect("request"),
        )
        .await;
    assert_eq!(not_json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn tokens_are_required_and_checked() {
    let app = TestApp::new().await;
    let none = app
        .api(
            Method::POST,
            "/api/v1/admin/posts",
            None,
            Some(json!({"title": "x"})),
        )
        .await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.header("www-authenticate"), "Bearer");
    let wrong = app
        .api(
            Method::GET,
            "/api/v1/admin/posts",
            Some("folio_not-a-real-token"),
            None,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let me = app
        .api(Method::GET, "/api/v1/admin/me", Some(&app.owner), None)
        .await;
    assert_eq!(me.json()["role"], "owner");
}

#[tokio::test]
async fn a_changed_slug_leaves_a_301() {
    let app = TestApp::new().await;
    let post = app.publish("Old name", "Body", &[]).await;
    let id = post["id"].as_i64().expect("id");
    let reply = app.patch(id, json!({"slug": "new-name"})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let old = app.get("/old-name/").await;
    assert_eq!(old.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(old.header("location"), "/new-name/");
    assert_eq!(app.get("/new-name/").await.status, StatusCode::OK);
    // A new post may take the old slug back; its page then wins over the redirect.
    app.post(json!({"title": "Reuse", "slug": "old-name", "status": "published"}))
        .await;
    let reused = app.get("/old-name/").await;
    assert_eq!(reused.status, StatusCode::OK);
    assert!(reused.body.contains("Reuse"));
}

#[tokio::test]
async fn scheduling_rules() {
    let app = TestApp::new().await;
    let past = app.api(Method::POST, "/api/v1/admin/posts", Some(&app.owner), Some(json!({"title": "x", "status": "scheduled", "published_at": "2001-01-01T00:00:00Z"}))).await;
    assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(past.json()["error"]["fields"]["published_at"]
        .as_str()
        .unwrap_or("")
        .contains("future"));
    let later = app.post(json!({"title": "Later", "status": "scheduled", "published_at": "2999-01-01T09:00:00+02:00"})).await;
    assert_eq!(later["status"], "scheduled");
    assert_eq!(later["published_at"], "2999-01-01T07:00:00Z");
    assert_eq!(
        app.get("/later/").await.status,
        StatusCode::NOT_FOUND,
        "not public before its time"
    );
}

#[tokio::test]
async fn pages_live_beside_posts_but_not_in_listings() {
    let app = TestApp::new().await;
    let page = app
        .api(
            Method::POST,
            "/api/v1/admin/pages",
            Some(&app.owner),
            Some(json!({"title": "About", "markdown": "Who we are.", "status": "published"})),
        )
        .await;
    assert_eq!(page.status, StatusCode::CREATED);
    assert_eq!(page.json()["kind"], "page");
    let about = app.get("/about/").await;
    assert_eq!(about.status, StatusCode::OK);
    assert!(about.body.contains("Who we are."));
    assert!(
        !app.get("/").await.body.contains("/about/\""),
        "pages are not listed on the home page"
    );
    let as_post = app
        .api(
            Method::GET,
            &format!("/api/v1/admin/posts/{}", page.json()["id"]),
            Some(&app.owner),
            None,
        )
        .await;
    assert_eq!(
        as_post.status,
        StatusCode::NOT_FOUND,
        "a page is not reachable as a post"
    );
}

#[tokio::test]
async fn delete_removes_the_post_everywhere() {
    let app = TestApp::new().await;
    let post = app.publish("Doomed", "findme", &["gone"]).await;
    let url = path_of(&post["url"]);
    assert_eq!(app.get(&url).await.status, StatusCode::OK);
    let reply = app
        .api(
            Method::DELETE,
            &format!("/api/v1/admin/posts/{}", post["id"]),
            Some(&app.owner),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&url).await.status, StatusCode::NOT_FOUND);
    assert!(!app.get("/search?q=findme").await.body.contains("Doomed"));
    assert!(!app.get("/feed.xml").await.body.contains("Doomed"));
}

#[tokio::test]
async fn settings_are_validated_and_applied() {
    let app = TestApp::new().await;
    let bad = app
        .api(
            Method::PATCH,
            "/api/v1/admin/settings",
            Some(&app.owner),
            Some(json!({"posts_per_page": 0, "lang": "??"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = app
        .api(
            Method::PATCH,
            "/api/v1/admin/settings",
            Some(&app.owner),
            Some(json!({"title": "Field Notes", "lang": "fr"})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let home = app.get("/").await;
    assert!(home.body.contains("<html lang=\"fr\""));
    assert!(home.body.contains("Field Notes"));
    assert!(!home.body.contains("site-logo"), "no logo until one is set");

    // The theme's options: a logo and an accent from the allowed list, nothing else.
    for (field, value, reason) in [
        (
            "accent",
            "hotpink",
            "must be one of rust, ocean, forest, plum, graphite",
        ),
        ("logo", "javascript:alert(1)", ""),
        ("logo", "//evil.example/x.png", ""),
    ] {
        let bad = app
            .api(
                Method::PATCH,
                "/api/v1/admin/settings",
                Some(&app.owner),
                Some(json!({ field: value })),
            )
            .await;
        assert_eq!(
            bad.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value}: {}",
            bad.body
        );
        assert!(
            bad.json()["error"]["fields"][field]
                .as_str()
                .unwrap_or_default()
                .contains(reason),
            "{}",
            bad.body
        );
    }
    let ok = app
        .api(
            Method::PATCH,
            "/api/v1/admin/settings",
            Some(&app.owner),
            Some(json!({"logo": "/media/2026/11/ab12.png", "accent": "ocean"})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(
        (ok.json()["logo"].as_str(), ok.json()["accent"].as_str()),
        (Some("/media/2026/11/ab12.png"), Some("ocean"))
    );
    let home = app.get("/").await;
    assert!(home.body.contains("data-accent=\"ocean\""), "{}", home.body);
    assert!(
        home.body.contains(
            "<img class=\"site-logo\" src=\"https://blog.example/media/2026/11/ab12.png\""
        ),
        "{}",
        home.body
    );
}

#[tokio::test]
async fn public_listing_pages_with_cursors() {
    let app = TestApp::new().await;
    for i in 0..25 {
        app.post(json!({"title": format!("Post {i}"), "status": "published", "published_at": format!("2020-01-{:02}T00:00:00Z", i + 1)})).await;
    }
    let mut titles = Vec::new();
    let mut uri = "/api/v1/posts?limit=10".to_owned();
    loop {
        let page = app.get(&uri).await.json();
        titles.extend(
            page["posts"]
                .as_array()
                .expect("posts")
                .iter()
                .map(|p| p["title"].as_str().unwrap_or("").to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => uri = format!("/api/v1/posts?limit=10&cursor={c}"),
            None => break,
        }
    }
    let expected: Vec<String> = (0..25).rev().map(|i| format!("Post {i}")).collect();
    assert_eq!(titles, expected);
    assert_eq!(
        app.get("/api/v1/posts?cursor=garbage").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/api/v1/posts?limit=1000").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn openapi_document_matches_the_routes() {
    let app = TestApp::new().await;
    let doc = app.get("/api/v1/openapi.json").await.json();
    let paths = doc["paths"].as_object().expect("paths");
    for expected in [
        "/api/v1/posts",
        "/api/v1/posts/{slug}",
        "/api/v1/tags",
        "/api/v1/admin/posts",
        "/api/v1/admin/posts/{id}",
        "/api/v1/admin/pages",
        "/api/v1/admin/pages/{id}",
        "/api/v1/admin/settings",
        "/api/v1/admin/me",
    ] {
        assert!(paths.contains_key(expected), "{expected} not documented");
    }
    // Every documented operation is served: none answers with the API's route-not-found.
    for (path, item) in paths {
        for method in item.as_object().expect("item").keys() {
            let concrete = path.replace("{slug}", "nope").replace("{id}", "999");
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let body = matches!(m, Method::POST | Method::PATCH).then(|| json!({}));
            let reply = app.api(m, &concrete, Some(&app.owner), body).await;
            let not_routed =
                reply.status == StatusCode::NOT_FOUND && reply.body.contains("API route not found");
            assert!(!not_routed, "{method} {path} is documented but not routed");
        }
    }
    assert!(app
        .get("/api/v1/nothing-here")
        .await
        .body
        .contains("API route not found"));
}
