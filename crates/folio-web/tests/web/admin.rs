//! The writers' interface: first-run set-up, sign-in, sessions, CSRF, the editor.

use crate::browser::Browser;
use crate::helpers::TestApp;
use axum::http::{Method, StatusCode};
use folio_core::Role;
use serde_json::json;

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test]
async fn first_run_sets_up_the_owner_once() {
    let app = TestApp::empty().await;
    let mut b = Browser::new(&app);
    let entry = b.get("/admin/").await;
    assert_eq!(entry.header("location"), "/admin/setup");
    let form = b.get("/admin/setup").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let csrf = Browser::csrf_of(&form);

    let short = b
        .post(
            "/admin/setup",
            &[
                ("name", "Olive"),
                ("email", "olive@example.com"),
                ("password", "short"),
                ("password_confirm", "short"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.body.contains("12 to 128"), "the rule is shown");
    assert!(
        short.body.contains("olive@example.com"),
        "what was typed is kept"
    );
    assert_eq!(
        app.state.store().count_users().await.expect("count"),
        0,
        "nothing saved"
    );

    let done = b
        .post(
            "/admin/setup",
            &[
                ("name", "Olive"),
                ("email", "olive@example.com"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(
        b.get("/admin/posts").await.status,
        StatusCode::OK,
        "signed in after set-up"
    );
    let owner = app.state.store().list_users().await.expect("users");
    assert_eq!(owner.len(), 1);
    assert_eq!(owner[0].role, Role::Owner);

    // Set-up is gone.
    let again = Browser::new(&app).get("/admin/setup").await;
    assert_eq!(again.header("location"), "/admin/signin");
    let mut other = Browser::new(&app);
    let form = other.get("/admin/signin").await;
    let csrf = Browser::csrf_of(&form);
    let replay = other
        .post(
            "/admin/setup",
            &[
                ("name", "Mallory"),
                ("email", "m@example.com"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(replay.status, StatusCode::SEE_OTHER);
    assert_eq!(replay.header("location"), "/admin/signin");
    assert_eq!(
        app.state.store().count_users().await.expect("count"),
        1,
        "no second owner"
    );
}

#[tokio::test]
async fn setup_from_another_machine_needs_the_token() {
    let app = TestApp::empty().await;
    let remote: std::net::SocketAddr = "203.0.113.9:5000".parse().expect("addr");
    let mut b = Browser::new(&app);
    b.peer = Some(remote);
    let refused = b.get("/admin/setup").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // The page says exactly how to get in: the link in the log, or the command line.
    for how in [
        "docker logs &lt;container&gt; 2&gt;&amp;1 | grep admin/setup",
        "docker exec -i &lt;container&gt; folio user create --email you@example.com",
        "--role owner --password-stdin",
    ] {
        assert!(
            refused.body.contains(how),
            "{how} missing: {}",
            refused.body
        );
    }
    assert_eq!(
        b.get("/admin/setup?token=guess").await.status,
        StatusCode::FORBIDDEN
    );
    let token = app.state.store().create_setup_token().await.expect("token");
    let form = b.get(&format!("/admin/setup?token={token}")).await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = Browser::csrf_of(&form);
    let done = b
        .post(
            "/admin/setup",
            &[
                ("name", "Remote Owner"),
                ("email", "r@example.com"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("setup_token", &token),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(
        !app.state
            .store()
            .setup_token_is_valid(&token)
            .await
            .expect("check"),
        "the token is spent"
    );
}

#[tokio::test]
async fn a_request_relayed_by_a_proxy_is_not_from_this_machine() {
    // Behind a reverse proxy on the same machine every connection comes from loopback;
    // the forwarding header gives it away, so set-up still needs the token.
    let app = TestApp::empty().await;
    let relayed = |header: &'static str, value: &'static str| {
        axum::http::Request::get("/admin/setup")
            .header(header, value)
            .body(axum::body::Body::empty())
            .expect("request")
    };
    for (header, value) in [
        ("x-forwarded-for", "203.0.113.9"),
        ("forwarded", "for=203.0.113.9"),
        ("x-real-ip", "203.0.113.9"),
    ] {
        assert_eq!(
            app.send(relayed(header, value)).await.status,
            StatusCode::FORBIDDEN,
            "{header}"
        );
    }
    assert_eq!(
        app.get("/admin/setup").await.status,
        StatusCode::OK,
        "straight from loopback"
    );
    // With the proxy trusted, the forwarded address decides (folio_web::client's tests).
}

#[tokio::test]
async fn sign_in_sets_a_hardened_cookie_and_sign_out_kills_the_session() {
    let app = TestApp::new().await;
    let (_, email) = app.writer(Role::Editor, "Eve Editor", PASSWORD).await;
    let mut b = Browser::new(&app);
    let form = b.get("/admin/signin").await;
    let csrf = Browser::csrf_of(&form);
    let reply = b
        .post(
            "/admin/signin",
            &[
                ("email", &email),
                ("password", PASSWORD),
                ("next", "/admin/pages"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location"), "/admin/pages");
    let cookie = reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("session"))
        .expect("session cookie")
        .to_owned();
    assert!(cookie.starts_with("__Host-folio-session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(
            cookie.contains(attribute),
            "{attribute} missing in {cookie}"
        );
    }
    let session_before = b.cookies.clone();
    let list = b.get("/admin/posts").await;
    let csrf = Browser::csrf_of(&list);
    assert_eq!(
        b.post("/admin/signout", &[("csrf", &csrf)]).await.status,
        StatusCode::SEE_OTHER
    );
    // The old cookie, replayed, no longer works.
    let mut replay = Browser::new(&app);
    replay.cookies = session_before;
    let after = replay.get("/admin/posts").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert!(after.header("location").starts_with("/admin/signin"));
}

#[tokio::test]
async fn each_sign_in_gets_a_new_session_id() {
    let app = TestApp::new().await;
    let (_, email) = app.writer(Role::Author, "Ann Author", PASSWORD).await;
    let mut b = Browser::new(&app);
    b.cookies
        .insert("__Host-folio-session".into(), "attacker-chosen-id".into());
    b.sign_in(&email, PASSWORD).await;
    assert_ne!(
        b.cookies.get("__Host-folio-session").map(String::as_str),
        Some("attacker-chosen-id")
    );
}

#[tokio::test]
async fn wrong_passwords_are_limited_per_account() {
    let app = TestApp::new().await;
    let (_, email) = app.writer(Role::Author, "Ann Author", PASSWORD).await;
    let mut b = Browser::new(&app);
    let form = b.get("/admin/signin").await;
    let csrf = Browser::csrf_of(&form);
    for _ in 0..5 {
        let r = b
            .post(
                "/admin/signin",
                &[
                    ("email", &email),
                    ("password", "wrong password!!"),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.body.contains("Wrong email or password"));
        assert!(r.body.contains(&email), "the typed email is kept");
    }
    let limited = b
        .post(
            "/admin/signin",
            &[("email", &email), ("password", PASSWORD), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert!(limited.body.contains("try again in"), "{}", limited.body);
    let seconds: i64 = limited
        .header("retry-after")
        .parse()
        .expect("Retry-After seconds");
    assert!((1..=900).contains(&seconds));
    // Unknown accounts answer exactly like known ones.
    let unknown = b
        .post(
            "/admin/signin",
            &[
                ("email", "nobody@example.com"),
                ("password", "wrong password!!"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(unknown.body.contains("Wrong email or password"));
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused_and_change_nothing() {
    let app = TestApp::new().await;
    let (_, email) = app.writer(Role::Owner, "Otto Owner", PASSWORD).await;
    let post = app.publish("Target", "text", &[]).await;
    let id = post["id"].as_i64().expect("id");
    let mut b = Browser::new(&app);
    let csrf = b.sign_in(&email, PASSWORD).await;
    let routes: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/admin/posts/new".into(),
            vec![("title", "Forged"), ("intent", "publish")],
        ),
        (
            format!("/admin/posts/{id}"),
            vec![("title", "Defaced"), ("markdown", "x"), ("intent", "save")],
        ),
        (format!("/admin/posts/{id}/delete"), vec![]),
        (
            "/admin/settings".into(),
            vec![
                ("title", "Hijacked"),
                ("posts_per_page", "5"),
                ("lang", "en"),
                ("timezone", "UTC"),
            ],
        ),
        ("/admin/tokens".into(), vec![("label", "stolen")]),
        ("/admin/signout".into(), vec![]),
    ];
    for (path, fields) in &routes {
        for token in [None, Some("wrong-token")] {
            let mut with = fields.clone();
            if let Some(t) = token {
                with.push(("csrf", t));
            }
            let r = b.post(path, &with).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path} with {token:?}");
        }
    }
    let page = app.get("/target/").await;
    assert!(page.body.contains("Target") && !page.body.contains("Defaced"));
    assert_ne!(
        app.state.store().settings().await.expect("settings").title,
        "Hijacked"
    );
    assert!(app
        .state
        .store()
        .tokens_of(app.owner_id)
        .await
        .expect("tokens")
        .iter()
        .all(|t| t.label != "stolen"));
    // Still signed in: the refused sign-out did nothing.
    assert_eq!(b.get("/admin/posts").await.status, StatusCode::OK);
    let preview = b
        .post_json(
            "/admin/preview",
            "wrong",
            serde_json::json!({"markdown": "# x"}),
        )
        .await;
    assert_eq!(preview.status, StatusCode::FORBIDDEN);
    let ok = b
        .post_json(
            "/admin/preview",
            &csrf,
            serde_json::json!({"markdown": "# Hi <script>x</script>"}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    let html = ok.json()["html"].as_str().unwrap_or_default().to_owned();
    assert!(html.contains("Hi") && !html.contains("<script"), "{html}");
}

#[tokio::test]
async fn sign_in_never_redirects_off_site() {
    let app = TestApp::new().await;
    let (_, email) = app.writer(Role::Author, "Ann Author", PASSWORD).await;
    for next in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "/admin/../../evil",
        "javascript:alert(1)",
    ] {
        let mut b = Browser::new(&app);
        let form = b
            .get(&format!(
                "/admin/signin?next={}",
                next.replace('/', "%2F").replace(':', "%3A")
            ))
            .await;
        let csrf = Browser::csrf_of(&form);
        let r = b
            .post(
                "/admin/signin",
                &[
                    ("email", &email),
                    ("password", PASSWORD),
                    ("next", next),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.header("location"), "/admin/posts", "next={next}");
    }
}

#[tokio::test]
async fn the_editor_writes_publishes_schedules_and_unpublishes() {
    let app = TestApp::new().await;
    let (_, email) = app.writer(Role::Author, "Ann Author", PASSWORD).await;
    let mut b = Browser::new(&app);
    let csrf = b.sign_in(&email, PASSWORD).await;

    let preview = b
        .post(
            "/admin/posts/new",
            &[
                ("title", "Draft one"),
                ("markdown", "## Sub\n\nBody"),
                ("intent", "preview"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(
        preview.body.contains("<h2><a href=\"#sub\""),
        "server-side preview shown"
    );
    assert!(
        app.state
            .store()
            .list_admin(folio_store::AdminFilter {
                kind: folio_core::PostKind::Post,
                status: None,
                tag_slug: None,
                author_id: None,
                title_contains: None,
                before_id: None,
                limit: 10
            })
            .await
            .expect("list")
            .is_empty(),
        "preview saves nothing"
    );

    let created = b
        .post(
            "/admin/posts/new",
            &[
                ("title", "Draft one"),
                ("markdown", "Body"),
                ("tags", "Alpha, Beta"),
                ("intent", "save"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let location = created.header("location").to_owned();
    assert!(location.ends_with("?m=saved"));
    let edit = location.split('?').next().unwrap_or_default().to_owned();
    assert_eq!(
        app.get("/draft-one/").await.status,
        StatusCode::NOT_FOUND,
        "a draft is not public"
    );

    let published = b
        .post(
            &edit,
            &[
                ("title", "Draft one"),
                ("markdown", "Body"),
                ("tags", "Alpha, Beta"),
                ("intent", "publish"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.body
    );
    let page = app.get("/draft-one/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(app.get("/").await.body.contains("Draft one"));
    assert!(app.get("/tag/alpha/").await.body.contains("Draft one"));

    let past = b
        .post(
            "/admin/posts/new",
            &[
                ("title", "Later"),
                ("markdown", "Soon"),
                ("published_at", "2001-01-01T10:00"),
                ("intent", "schedule"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(past.body.contains("future"), "the error says why");
    assert!(past.body.contains("Soon"), "what was typed is kept");

    let scheduled = b
        .post(
            "/admin/posts/new",
            &[
                ("title", "Later"),
                ("markdown", "Soon"),
                ("published_at", "2999-01-01T10:00"),
                ("intent", "schedule"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(
        scheduled.status,
        StatusCode::SEE_OTHER,
        "{}",
        scheduled.body
    );
    assert_eq!(app.get("/later/").await.status, StatusCode::NOT_FOUND);

    let unpublished = b
        .post(
            &edit,
            &[
                ("title", "Draft one"),
                ("markdown", "Body"),
                ("intent", "unpublish"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(unpublished.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/draft-one/").await.status, StatusCode::NOT_FOUND);

    let taken = b
        .post(
            "/admin/posts/new",
            &[
                ("title", "Another"),
                ("slug", "later"),
                ("markdown", "x"),
                ("intent", "save"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(taken.body.contains("already taken"));
}

#[tokio::test]
async fn admin_pages_enforce_roles() {
    let app = TestApp::new().await;
    let others = app.publish("Owner's post", "x", &[]).await["id"]
        .as_i64()
        .expect("id");
    let (_, contributor) = app
        .writer(Role::Contributor, "Cid Contributor", PASSWORD)
        .await;
    let (_, author) = app.writer(Role::Author, "Ann Author", PASSWORD).await;
    let (_, editor) = app.writer(Role::Editor, "Eve Editor", PASSWORD).await;

    let mut c = Browser::new(&app);
    let csrf = c.sign_in(&contributor, PASSWORD).await;
    let r = c
        .post(
            "/admin/posts/new",
            &[
                ("title", "Sneaky"),
                ("markdown", "x"),
                ("intent", "publish"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "contributors cannot publish"
    );
    assert_eq!(
        c.post(
            "/admin/posts/new",
            &[
                ("title", "Honest"),
                ("markdown", "x"),
                ("intent", "save"),
                ("csrf", &csrf)
            ]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(c.get("/admin/settings").await.status, StatusCode::FORBIDDEN);

    let mut a = Browser::new(&app);
    let csrf = a.sign_in(&author, PASSWORD).await;
    assert_eq!(
        a.get(&format!("/admin/posts/{others}")).await.status,
        StatusCode::FORBIDDEN,
        "authors cannot open others' posts"
    );
    let r = a
        .post(
            &format!("/admin/posts/{others}"),
            &[
                ("title", "Mine now"),
                ("markdown", "x"),
                ("intent", "save"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        a.post(&format!("/admin/posts/{others}/delete"), &[("csrf", &csrf)])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert!(
        !a.get("/admin/posts")
            .await
            .body
            .contains("Owner&#x27;s post"),
        "authors list only their own"
    );

    let mut e = Browser::new(&app);
    let csrf = e.sign_in(&editor, PASSWORD).await;
    assert_eq!(
        e.get(&format!("/admin/posts/{others}")).await.status,
        StatusCode::OK
    );
    assert!(
        e.get("/admin/posts")
            .await
            .body
            .contains("Owner&#x27;s post"),
        "editors list everyone's posts"
    );
    assert_eq!(
        e.get("/admin/settings").await.status,
        StatusCode::FORBIDDEN,
        "editors do not manage the site"
    );
    let r = e
        .post(
            &format!("/admin/posts/{others}"),
            &[
                ("title", "Edited by Eve"),
                ("markdown", "x"),
                ("intent", "save"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app
        .get("/owner-s-post/")
        .await
        .body
        .contains("Edited by Eve"));
}

#[tokio::test]
async fn settings_and_tokens_from_the_admin_area() {
    let app = TestApp::new().await;
    let (_, email) = app.writer(Role::Admin, "Ada Admin", PASSWORD).await;
    let mut b = Browser::new(&app);
    let csrf = b.sign_in(&email, PASSWORD).await;
    let bad = b
        .post(
            "/admin/settings",
            &[
                ("title", "New title"),
                ("description", ""),
                ("lang", "en"),
                ("posts_per_page", "0"),
                ("timezone", "UTC"),
                ("navigation", "Home | /\nbroken line"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("New title"), "typed values kept");
    let ok = b
        .post(
            "/admin/settings",
            &[
                ("title", "New title"),
                ("description", "D"),
                ("lang", "en"),
                ("posts_per_page", "5"),
                ("timezone", "UTC"),
                ("navigation", "Home | /\nAbout | /about/"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let home = app.get("/").await;
    assert!(home.body.contains("New title") && home.body.contains("/about/"));
    let look = b
        .post(
            "/admin/settings",
            &[
                ("title", "New title"),
                ("description", "D"),
                ("lang", "en"),
                ("posts_per_page", "5"),
                ("timezone", "UTC"),
                ("navigation", "Home | /"),
                ("logo", "/media/2026/11/ab.png"),
                ("accent", "forest"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(look.status, StatusCode::SEE_OTHER, "{}", look.body);
    let form = b.get("/admin/settings").await;
    assert!(
        form.body.contains("<option value=\"forest\" selected>"),
        "the chosen accent is shown"
    );
    assert!(app.get("/").await.body.contains("data-accent=\"forest\""));

    let created = b
        .post("/admin/tokens", &[("label", "laptop"), ("csrf", &csrf)])
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let start = created.body.find("folio_").expect("token shown once");
    let token: String = created.body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let me = app
        .api(
            axum::http::Method::GET,
            "/api/v1/admin/me",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(me.status, StatusCode::OK);
    let listed = b.get("/admin/tokens").await;
    assert!(!listed.body.contains(&token), "never shown again");
    let id = app
        .state
        .store()
        .tokens_of(me.json()["id"].as_i64().expect("id"))
        .await
        .expect("tokens")[0]
        .id;
    assert_eq!(
        b.post(&format!("/admin/tokens/{id}/revoke"), &[("csrf", &csrf)])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.api(
            axum::http::Method::GET,
            "/api/v1/admin/me",
            Some(&token),
            None
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
}

/// Percent-encodes every byte but unreserved ones, for putting hostile text in a query.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Filter, search and paging parameters reach SQL only as bound values (the lists' columns
/// and orders are fixed in code): injection payloads in each of them find nothing, never
/// fail with a database error, and leave every table as it was.
#[tokio::test]
async fn filter_and_search_parameters_are_values_never_sql() {
    let app = TestApp::new().await;
    let (_, email) = app.writer(Role::Owner, "Otto Owner", PASSWORD).await;
    app.publish("Visible post", "Plain text.", &["Rust"]).await;
    let mut b = Browser::new(&app);
    b.sign_in(&email, PASSWORD).await;
    let payloads = [
        "' OR '1'='1",
        "1 OR 1=1",
        "x'); DROP TABLE posts; --",
        "%' --",
        "\" OR \"\"=\"",
        "1; SELECT pg_sleep(5)",
        "published' UNION SELECT id, email FROM users --",
        "1) OR (1=1",
    ];
    for payload in payloads {
        let p = percent_encode(payload);
        let admin_lists = [
            format!("/admin/posts?q={p}"),
            format!("/admin/posts?tag={p}"),
            format!("/admin/posts?author={p}"),
            format!("/admin/posts?status={p}"),
        ];
        for path in &admin_lists {
            let r = b.get(path).await;
            assert!(
                matches!(r.status.as_u16(), 200 | 400),
                "{path}: {}",
                r.status
            );
            // A status or author that is not one is ignored (the whole list); text and tags
            // are matched as written.
            if path.contains("q=") || path.contains("tag=") {
                assert!(
                    !r.body.contains("Visible post"),
                    "{path} matched a post it names nothing of"
                );
            }
        }
        let public = [
            format!("/search?q={p}"),
            format!("/api/v1/posts?tag={p}"),
            format!("/api/v1/posts?cursor={p}"),
            format!("/?after={p}"),
        ];
        for path in &public {
            let r = app.get(path).await;
            assert!(
                matches!(r.status.as_u16(), 200 | 400 | 404),
                "{path}: {}",
                r.status
            );
            assert!(
                !r.body.contains("Visible post"),
                "{path} matched a post it names nothing of"
            );
            for leak in ["SQL", "syntax", "sqlx", "SQLITE"] {
                assert!(!r.body.contains(leak), "{path} shows {leak}: {}", r.body);
            }
        }
    }
    assert_eq!(
        app.get("/visible-post/").await.status,
        StatusCode::OK,
        "the posts table is intact"
    );
    assert_eq!(
        b.get("/admin/posts").await.status,
        StatusCode::OK,
        "the session (and users) are intact"
    );
}

/// Every character of a password counts, up to the 128 allowed (OWASP ASVS V2.1): no
/// truncation at 72 bytes as with bcrypt, so a long passphrase's prefix is not enough.
#[tokio::test]
async fn long_passwords_are_never_truncated() {
    let app = TestApp::new().await;
    let long: String = "pass phrase "
        .repeat(11)
        .chars()
        .take(127)
        .chain(['Z'])
        .collect();
    assert_eq!(long.chars().count(), 128);
    let (_, email) = app.writer(Role::Author, "Lena Long", &long).await;
    let mut b = Browser::new(&app);
    let form = b.get("/admin/signin").await;
    let csrf = Browser::csrf_of(&form);
    for prefix in [72, 127] {
        let r = b
            .post(
                "/admin/signin",
                &[
                    ("email", &email),
                    ("password", &long[..prefix]),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "the first {prefix} characters alone must not sign in"
        );
    }
    b.sign_in(&email, &long).await;
}

#[tokio::test]
async fn the_editor_refuses_to_schedule_without_a_time() {
    let app = TestApp::new().await;
    let (_, email) = app.writer(Role::Editor, "Eve Editor", PASSWORD).await;
    let mut b = Browser::new(&app);
    let csrf = b.sign_in(&email, PASSWORD).await;
    let form = |time: &'static str| {
        [
            ("title", "Someday"),
            ("markdown", "Body"),
            ("published_at", time),
            ("intent", "schedule"),
        ]
    };
    for time in ["", "  "] {
        let mut fields = form(time).to_vec();
        fields.push(("csrf", &csrf));
        let r = b.post("/admin/posts/new", &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{time:?}");
        assert!(
            r.body.contains("is required for a scheduled post"),
            "{}",
            r.body
        );
    }
    // The API answers the same empty time the same way.
    let api = app
        .api(
            Method::POST,
            "/api/v1/admin/posts",
            Some(&app.owner),
            Some(json!({"title": "x", "status": "scheduled", "published_at": ""})),
        )
        .await;
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        api.json()["error"]["fields"]["published_at"],
        "is required for a scheduled post"
    );
    let stored = app
        .state
        .store()
        .list_admin(folio_store::AdminFilter {
            kind: folio_core::PostKind::Post,
            status: None,
            tag_slug: None,
            author_id: None,
            title_contains: None,
            before_id: None,
            limit: 10,
        })
        .await
        .expect("list");
    assert!(stored.is_empty(), "nothing was written: {stored:?}");
}

#[tokio::test]
async fn saving_a_published_post_in_the_editor_keeps_its_time_to_the_second() {
    let app = TestApp::new().await;
    let (_, email) = app.writer(Role::Editor, "Eve Editor", PASSWORD).await;
    let post = app
        .post(
            json!({"title": "Exact", "markdown": "v1", "status": "published",
            "published_at": "2024-05-01T10:15:42Z"}),
        )
        .await;
    let id = post["id"].as_i64().expect("id");
    let mut b = Browser::new(&app);
    let csrf = b.sign_in(&email, PASSWORD).await;
    let edit = format!("/admin/posts/{id}");
    let form = b.get(&edit).await;
    assert!(
        form.body.contains(r#"value="2024-05-01T10:15""#),
        "the input shows the minute"
    );
    let saved = b
        .post(
            &edit,
            &[
                ("title", "Exact"),
                ("markdown", "v2"),
                ("published_at", "2024-05-01T10:15"),
                ("intent", "save"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let stored = app.state.store().post_by_id(id).await.expect("post");
    assert_eq!(stored.markdown, "v2");
    assert_eq!(
        stored.summary.published_at.map(|t| t.to_rfc3339()),
        Some("2024-05-01T10:15:42+00:00".to_owned()),
        "the seconds survive a save"
    );
    // A time the writer changed is taken as typed.
    let moved = b
        .post(
            &edit,
            &[
                ("title", "Exact"),
                ("markdown", "v2"),
                ("published_at", "2024-05-01T10:16"),
                ("intent", "save"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    let stored = app.state.store().post_by_id(id).await.expect("post");
    assert_eq!(
        stored.summary.published_at.map(|t| t.to_rfc3339()),
        Some("2024-05-01T10:16:00+00:00".to_owned())
    );
}

#[tokio::test]
async fn times_are_shown_and_read_in_the_sites_time_zone() {
    let app = TestApp::new().await;
    let (_, email) = app.writer(Role::Admin, "Ada Admin", PASSWORD).await;
    let mut b = Browser::new(&app);
    let csrf = b.sign_in(&email, PASSWORD).await;
    let settings = |zone: &'static str| {
        [
            ("title", "Site"),
            ("description", ""),
            ("lang", "en"),
            ("posts_per_page", "10"),
            ("timezone", zone),
            ("navigation", "Home | /"),
        ]
    };
    // A zone the database does not know is refused, here and in the API, and nothing changes.
    let mut fields = settings("Mars/Olympus").to_vec();
    fields.push(("csrf", &csrf));
    let bad = b.post("/admin/settings", &fields).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("IANA time zone"), "{}", bad.body);
    let api = app
        .api(
            Method::PATCH,
            "/api/v1/admin/settings",
            Some(&app.owner),
            Some(json!({"timezone": "Mars/Olympus"})),
        )
        .await;
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(api.json()["error"]["fields"]["timezone"].is_string());
    assert_eq!(
        app.state
            .store()
            .settings()
            .await
            .expect("settings")
            .timezone,
        "UTC"
    );

    let mut fields = settings("Europe/Paris").to_vec();
    fields.push(("csrf", &csrf));
    let ok = b.post("/admin/settings", &fields).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);

    // 09:30 on a Paris clock in July is 07:30 UTC (chrono-tz knows summer time up to 2037).
    let scheduled = b
        .post(
            "/admin/posts/new",
            &[
                ("title", "In Paris"),
                ("markdown", "Body"),
                ("published_at", "2036-07-01T09:30"),
                ("intent", "schedule"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(
        scheduled.status,
        StatusCode::SEE_OTHER,
        "{}",
        scheduled.body
    );
    let edit = scheduled
        .header("location")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    let id: i64 = edit
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("id");
    let stored = app.state.store().post_by_id(id).await.expect("post");
    assert_eq!(
        stored.summary.published_at.map(|t| t.to_rfc3339()),
        Some("2036-07-01T07:30:00+00:00".to_owned())
    );
    let form = b.get(&edit).await;
    assert!(
        form.body.contains(r#"value="2036-07-01T09:30""#),
        "{}",
        form.body
    );
    assert!(form.body.contains("Publish at (Europe/Paris)"));
    assert!(form.body.contains("1 Jul 2036, 09:30 CEST"));
    let list = b.get("/admin/posts").await;
    assert!(
        list.body.contains("1 Jul 2036, 09:30 CEST"),
        "{}",
        list.body
    );

    // Readers see the date on the site's clock: 23:30 UTC on 31 December is New Year's Day.
    app.post(
        json!({"title": "Late", "markdown": "x", "status": "published",
        "published_at": "2024-12-31T23:30:00Z"}),
    )
    .await;
    let page = app.get("/late/").await;
    assert!(page.body.contains("1 January 2025"), "{}", page.body);
    assert!(
        page.body.contains("2024-12-31T23:30:00Z"),
        "machine-readable times stay UTC"
    );
}
