//! The public site: pages, listings, search, feeds, sitemap, 404.

use crate::helpers::{path_of, TestApp};
use axum::http::StatusCode;
use serde_json::json;

/// Follows the "older" links from `start`, returning the numbers of the entries
/// (`Entry number N`, N in 1..=count) in the order the pages show them.
async fn walk_listing(app: &TestApp, start: &str, count: u32) -> Vec<u32> {
    let mut seen = Vec::new();
    let mut path = start.to_owned();
    for _ in 0..count {
        let page = app.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains("Secret draft"));
        let mut on_page: Vec<(usize, u32)> = (1..=count)
            .filter_map(|i| {
                page.body
                    .find(&format!(">Entry number {i}<"))
                    .map(|at| (at, i))
            })
            .collect();
        on_page.sort();
        seen.extend(on_page.into_iter().map(|(_, i)| i));
        let Some(start) = page.body.find("?after=") else {
            break;
        };
        let token: String = page.body[start + 7..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        path = format!("{}?after={token}", path.split('?').next().unwrap_or("/"));
    }
    seen
}

#[tokio::test]
async fn home_lists_published_posts_newest_first_with_older_links() {
    let app = TestApp::new().await;
    for i in 1..=23 {
        app.post(json!({"title": format!("Entry number {i}"), "status": "published", "published_at": format!("2024-03-{i:02}T10:00:00Z")})).await;
    }
    app.post(json!({"title": "Secret draft"})).await;
    assert_eq!(
        walk_listing(&app, "/", 23).await,
        (1..=23).rev().collect::<Vec<_>>(),
        "every post once, newest first"
    );
    assert_eq!(app.get("/?after=%%%").await.status, StatusCode::BAD_REQUEST);
}

/// Posts published at the same second are ordered by id, and paging across them
/// neither skips nor repeats one: the cursor's tie-break.
#[tokio::test]
async fn listings_page_through_posts_published_at_the_same_moment() {
    let app = TestApp::new().await;
    for i in 1..=23 {
        let post = json!({"title": format!("Entry number {i}"), "status": "published",
            "published_at": "2024-05-01T08:00:00Z", "tags": ["Same"]});
        app.post(post).await;
    }
    let newest_first: Vec<u32> = (1..=23).rev().collect();
    assert_eq!(walk_listing(&app, "/", 23).await, newest_first, "home");
    assert_eq!(
        walk_listing(&app, "/tag/same/", 23).await,
        newest_first,
        "tag page"
    );
    assert_eq!(
        walk_listing(&app, "/author/olive-owner/", 23).await,
        newest_first,
        "author page"
    );
}

#[tokio::test]
async fn a_post_page_has_its_content_and_metadata() {
    let app = TestApp::new().await;
    let post = app
        .post(json!({"title": "Tips & <Tricks>", "markdown": "## Section\n\nBody text.", "tags": ["Rust"], "status": "published",
            "excerpt": "A short summary.", "feature_image": "/media/cover.png", "feature_image_alt": "A cover"}))
        .await;
    let page = app.get(&path_of(&post["url"])).await;
    assert_eq!(page.status, StatusCode::OK);
    let b = &page.body;
    assert!(b.contains("Tips &amp; &lt;Tricks&gt;"), "title escaped");
    assert!(b.contains("<h2><a href=\"#section\""), "heading with id");
    assert!(b.contains("<link rel=\"canonical\" href=\"https://blog.example/tips-tricks/\">"));
    assert!(b.contains("og:title") && b.contains("twitter:card"));
    assert!(
        b.contains("https://blog.example/media/cover.png"),
        "image made absolute for cards"
    );
    let ld_start = b.find("application/ld+json").expect("json-ld");
    let ld_body = &b[b[ld_start..]
        .find('>')
        .map(|i| ld_start + i + 1)
        .expect("tag end")..];
    let ld_text = &ld_body[..ld_body.find("</script>").expect("script end")];
    let ld: serde_json::Value = serde_json::from_str(ld_text).expect("JSON-LD parses");
    assert_eq!(ld["@type"], "BlogPosting");
    assert_eq!(ld["headline"], "Tips & <Tricks>");
    assert_eq!(ld["author"]["name"], "Olive Owner");
    assert!(!ld_text.contains('<'), "no raw < inside the script element");
    assert!(b.contains("/tag/rust/"));
    assert!(b.contains("/author/olive-owner/"));
}

#[tokio::test]
async fn missing_trailing_slash_redirects() {
    let app = TestApp::new().await;
    app.publish("Slashes", "x", &[]).await;
    let r = app.get("/slashes").await;
    assert_eq!(r.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.header("location"), "/slashes/");
}

#[tokio::test]
async fn unknown_urls_get_the_themed_404() {
    let app = TestApp::new().await;
    for path in [
        "/no-such-post/",
        "/tag/nothing/",
        "/author/nobody/",
        "/a/b/c/d",
        "/assets/nope.css",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            r.body.contains("<!DOCTYPE html>") && r.body.contains("Page not found"),
            "{path}: {}",
            r.body
        );
    }
}

#[tokio::test]
async fn tag_and_author_pages_list_their_posts() {
    let app = TestApp::new().await;
    app.publish("Rusty", "a", &["Rust"]).await;
    app.publish("Pythonic", "b", &["Python"]).await;
    let tag = app.get("/tag/rust/").await;
    assert_eq!(tag.status, StatusCode::OK);
    assert!(tag.body.contains("Rusty") && !tag.body.contains("Pythonic"));
    let author = app.get("/author/olive-owner/").await;
    assert!(author.body.contains("Rusty") && author.body.contains("Pythonic"));
}

#[tokio::test]
async fn search_finds_titles_and_bodies_of_published_posts_only() {
    let app = TestApp::new().await;
    app.publish("Kayaking notes", "Paddling across the fjord at dawn.", &[])
        .await;
    app.publish("Baking bread", "Sourdough needs patience.", &[])
        .await;
    app.post(json!({"title": "Unpublished fjord thoughts"}))
        .await;
    let by_body = app.get("/search?q=fjord").await;
    assert!(by_body.body.contains("Kayaking notes"));
    assert!(!by_body.body.contains("Unpublished"));
    assert!(!by_body.body.contains("Baking bread"));
    let by_title = app.get("/search?q=sourdough").await;
    assert!(by_title.body.contains("Baking bread"));
    let prefix = app.get("/search?q=kayak").await;
    assert!(
        prefix.body.contains("Kayaking notes"),
        "last word matches as a prefix"
    );
    // FTS5 syntax in the query is treated as text, never as an error.
    for hostile in [
        "%22",
        "title%3Afjord",
        "a%20OR",
        "NEAR(",
        "*",
        "%27%20OR%201=1--",
        "%E2%80%AE",
    ] {
        let r = app.get(&format!("/search?q={hostile}")).await;
        assert_eq!(r.status, StatusCode::OK, "{hostile}");
    }
    let escaped = app.get("/search?q=%3Cscript%3Ealert(1)%3C/script%3E").await;
    assert!(!escaped.body.contains("<script>alert"), "query is escaped");
}

#[tokio::test]
async fn search_needs_every_word_completes_the_last_and_takes_the_newest_matches() {
    let app = TestApp::new().await;
    app.publish("Kayaking notes", "Paddling across the fjord at dawn.", &[])
        .await;
    app.publish("Fjord ferries", "Timetables for the winter.", &[])
        .await;
    let overlong = "pneumono".repeat(9);
    app.publish(
        "Long words",
        &format!("The word {overlong} is seventy-two letters long."),
        &[],
    )
    .await;
    let titles =
        |hits: Vec<folio_store::PostSummary>| hits.into_iter().map(|p| p.title).collect::<Vec<_>>();
    let store = app.state.store();
    assert_eq!(
        titles(store.search("fjord dawn", 10).await.expect("search")),
        ["Kayaking notes"]
    );
    assert_eq!(
        titles(store.search("dawn fjord", 10).await.expect("search")),
        ["Kayaking notes"]
    );
    assert_eq!(
        titles(store.search("paddl", 10).await.expect("search")),
        ["Kayaking notes"],
        "last word as a prefix"
    );
    assert_eq!(
        titles(store.search("fjord paddl", 10).await.expect("search")),
        ["Kayaking notes"]
    );
    assert!(
        store
            .search("fjord winter dawn", 10)
            .await
            .expect("search")
            .is_empty(),
        "every word is required"
    );
    assert!(store.search("fjords", 10).await.expect("search").is_empty());
    assert_eq!(
        titles(store.search(&overlong, 10).await.expect("search")),
        ["Long words"],
        "a word past MariaDB's term index is found too"
    );
    assert!(store
        .search(&format!("fjord {overlong}"), 10)
        .await
        .expect("search")
        .is_empty());
    // A word in more posts than a search ranks: the newest are among the candidates.
    for n in 0..(folio_store::SEARCH_CANDIDATES + 15) {
        app.publish(
            &format!("Weather log {n}"),
            "Drizzle again over the harbour.",
            &[],
        )
        .await;
    }
    let hits = titles(store.search("drizzle", 100).await.expect("search"));
    assert_eq!(hits.len(), folio_store::SEARCH_CANDIDATES as usize);
    let newest = format!("Weather log {}", folio_store::SEARCH_CANDIDATES + 14);
    assert!(hits.contains(&newest), "{newest} missing from {hits:?}");
    assert!(
        !hits
            .iter()
            .any(|t| t == "Weather log 0" || t == "Weather log 14"),
        "the oldest are past the candidates"
    );
    assert_eq!(
        titles(store.search("harbour weather", 3).await.expect("search")).len(),
        3
    );
}

/// MariaDB/MySQL search from Folio's term index, and from FULLTEXT while some public
/// post has no terms yet (saved before the index existed, or by an older release).
#[tokio::test]
async fn mariadb_search_uses_the_term_index_once_it_is_complete() {
    use sqlx::Connection;
    let app = TestApp::new().await;
    if app.state.store().backend() != folio_store::Backend::MySql {
        return;
    }
    let kayak = app
        .publish("Kayaking notes", "Paddling across the Fjörd at dawn.", &[])
        .await;
    app.publish("Baking bread", "Sourdough needs patience.", &[])
        .await;
    let store = app.state.store();
    let found =
        |hits: Vec<folio_store::PostSummary>| hits.into_iter().map(|p| p.id).collect::<Vec<_>>();
    let kayak_id = kayak["id"].as_i64().expect("id");
    assert_eq!(
        found(store.search("fjord", 10).await.expect("search")),
        [kayak_id],
        "diacritics folded"
    );
    let mut db = sqlx::MySqlConnection::connect(app.database_url())
        .await
        .expect("connect");
    // A term only the term index holds shows which index answered.
    sqlx::query("INSERT INTO search_terms (term, post_id, weight) VALUES ('onlyinterms', ?, 1)")
        .bind(kayak_id)
        .execute(&mut db)
        .await
        .expect("insert");
    assert_eq!(
        found(store.search("onlyinterms", 10).await.expect("search")),
        [kayak_id]
    );
    // As an older release leaves a post it saved: no terms, not marked, and the content
    // generation moved (which is what tells this process to look at the index again).
    sqlx::query("DELETE FROM search_terms")
        .execute(&mut db)
        .await
        .expect("delete");
    sqlx::query("UPDATE posts_fts SET terms_indexed = FALSE")
        .execute(&mut db)
        .await
        .expect("update");
    assert!(
        store
            .search("sourdough", 10)
            .await
            .expect("search")
            .is_empty(),
        "the index's completeness is kept per generation"
    );
    sqlx::query("UPDATE site_state SET generation = generation + 1")
        .execute(&mut db)
        .await
        .expect("bump");
    store.refresh_generation().await.expect("generation");
    assert_eq!(
        found(store.search("sourdough", 10).await.expect("search")).len(),
        1,
        "FULLTEXT answers meanwhile"
    );
    assert_eq!(store.catch_up_search_terms().await.expect("catch up"), 2);
    assert_eq!(
        store.catch_up_search_terms().await.expect("catch up"),
        0,
        "nothing left"
    );
    // `folio serve`'s background task does the same by itself.
    sqlx::query("UPDATE posts_fts SET terms_indexed = FALSE")
        .execute(&mut db)
        .await
        .expect("update");
    let indexer = folio_app::jobs::spawn_search_indexer(store.clone());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let left: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM posts_fts WHERE terms_indexed = FALSE")
                .fetch_one(&mut db)
                .await
                .expect("count");
        if left == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the background indexer left {left} posts"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    indexer.abort();
    let terms: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM search_terms WHERE post_id = ?")
        .bind(kayak_id)
        .fetch_one(&mut db)
        .await
        .expect("count");
    assert_eq!(terms, 8, "kayaking notes paddling across the fjord at dawn");
    assert_eq!(
        found(store.search("sourdough", 10).await.expect("search")).len(),
        1
    );
    assert!(store
        .search("onlyinterms", 10)
        .await
        .expect("search")
        .is_empty());
    // Unpublishing takes a post's terms out; deleting it too.
    app.patch(kayak_id, json!({"status": "draft"})).await;
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM search_terms WHERE post_id = ?")
        .bind(kayak_id)
        .fetch_one(&mut db)
        .await
        .expect("count");
    assert_eq!(left, 0);
}

#[tokio::test]
async fn feeds_hold_full_content_with_absolute_urls() {
    let app = TestApp::new().await;
    app.publish(
        "Feed me",
        "![pic](/media/p.png)\n\n[link](/other/)\n\nFull body here.",
        &["Food"],
    )
    .await;
    app.publish("Other tag", "x", &["Misc"]).await;
    app.post(json!({"title": "Draft feed"})).await;
    let atom = app.get("/feed.xml").await;
    assert_eq!(
        atom.header("content-type"),
        "application/atom+xml; charset=utf-8"
    );
    assert!(atom.body.contains("Full body here."));
    assert!(atom.body.contains("https://blog.example/media/p.png"));
    assert!(atom.body.contains("https://blog.example/other/"));
    assert!(!atom.body.contains("Draft feed"));
    let rss = app.get("/rss.xml").await;
    assert!(rss.body.contains("<rss") && rss.body.contains("Feed me"));
    let json_feed = app.get("/feed.json").await.json();
    assert_eq!(json_feed["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json_feed["items"].as_array().map(Vec::len), Some(2));
    let tag_feed = app.get("/tag/food/feed.json").await.json();
    let titles: Vec<&str> = tag_feed["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["title"].as_str())
        .collect();
    assert_eq!(titles, ["Feed me"]);
    assert!(app.get("/tag/food/rss.xml").await.body.contains("Feed me"));
    assert!(!app
        .get("/tag/food/feed.xml")
        .await
        .body
        .contains("Other tag"));
}

#[tokio::test]
async fn sitemap_and_robots() {
    let app = TestApp::new().await;
    app.publish("Mapped", "x", &["Geo"]).await;
    app.post(json!({"title": "Hidden"})).await;
    let map = app.get("/sitemap.xml").await;
    assert!(map.body.contains("<loc>https://blog.example/mapped/</loc>"));
    assert!(map
        .body
        .contains("<loc>https://blog.example/tag/geo/</loc>"));
    assert!(!map.body.contains("hidden"));
    let robots = app.get("/robots.txt").await;
    assert!(robots
        .body
        .contains("Sitemap: https://blog.example/sitemap.xml"));
}

#[tokio::test]
async fn theme_assets_are_served_with_fingerprints() {
    let app = TestApp::new().await;
    let home = app.get("/").await;
    let start = home
        .body
        .find("/assets/style.css?v=")
        .expect("fingerprinted stylesheet link");
    let href: String = home.body[start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let css = app.get(&href).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
    assert_eq!(
        css.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    let plain = app.get("/assets/style.css").await;
    assert_eq!(plain.header("cache-control"), "public, max-age=3600");
}

#[tokio::test]
async fn every_response_carries_security_headers_and_a_request_id() {
    let app = TestApp::new().await;
    for path in ["/", "/nope/", "/api/v1/posts", "/healthz"] {
        let r = app.get(path).await;
        assert_eq!(r.header("x-content-type-options"), "nosniff", "{path}");
        assert!(
            r.header("content-security-policy")
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert!(
            !r.header("content-security-policy")
                .contains("unsafe-inline"),
            "{path}"
        );
        assert!(!r.header("x-request-id").is_empty(), "{path}");
        assert_eq!(
            r.header("referrer-policy"),
            "strict-origin-when-cross-origin",
            "{path}"
        );
        assert_eq!(
            r.header("strict-transport-security"),
            "max-age=31536000",
            "{path}: the site is https"
        );
        for banner in ["server", "x-powered-by", "x-aspnet-version", "via"] {
            assert_eq!(r.header(banner), "", "{path}: no version banner ({banner})");
        }
    }
    let kept = app.get_with("/", ("x-request-id", "abc-123")).await;
    assert_eq!(kept.header("x-request-id"), "abc-123");
    // HSTS over plain http would be ignored by browsers and pin a site that has no https.
    let plain = TestApp::with_config(|c| c.base_url = "http://localhost:8080".into()).await;
    assert_eq!(plain.get("/").await.header("strict-transport-security"), "");
}

#[tokio::test]
async fn an_empty_site_says_where_to_start_and_every_page_links_to_the_source() {
    let app = TestApp::new().await;
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.body.contains("Nothing is published here yet."),
        "{}",
        home.body
    );
    assert!(
        home.body
            .contains(r#"<a href="https://blog.example/admin/">https://blog.example/admin/</a>"#),
        "{}",
        home.body
    );
    assert!(
        home.body.contains(&format!(
            r#"<a href="{}">its source code</a>"#,
            env!("CARGO_PKG_REPOSITORY")
        )),
        "the AGPL's offer of the source: {}",
        home.body
    );
    app.publish("First", "x", &[]).await;
    let home = app.get("/").await;
    assert!(!home.body.contains("Nothing is published here yet."));

    let fork = TestApp::with_config(|c| c.source_url = "https://git.example/me/folio".into()).await;
    let page = fork.get("/").await;
    assert!(page
        .body
        .contains(r#"<a href="https://git.example/me/folio">its source code</a>"#));
}
