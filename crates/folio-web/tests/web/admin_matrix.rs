//! The role × route matrix of the admin area: every route of `admin::router`, tried
//! by a signed-in user of each role against objects that belong to someone else, with
//! the expected answer in a table. A test reads the router's source and fails when a
//! route is added without a row here.

use crate::browser::Browser;
use crate::helpers::{png, TestApp};
use axum::http::StatusCode;
use folio_core::Role;
use serde_json::json;

const ROLES: [Role; 5] = [
    Role::Owner,
    Role::Admin,
    Role::Editor,
    Role::Author,
    Role::Contributor,
];
const PASSWORD: &str = "correct horse battery staple";

/// One admin route: its pattern as written in the router, how to call it, and
/// whether each role (in `ROLES` order) may.
struct Row {
    method: &'static str,
    pattern: &'static str,
    allowed: [bool; 5],
}

const ALL: [bool; 5] = [true; 5];
const EDITORS: [bool; 5] = [true, true, true, false, false];
const MANAGERS: [bool; 5] = [true, true, false, false, false];
/// Objects that are personal (API tokens): nobody acts on another's.
const NOBODY: [bool; 5] = [false; 5];

const MATRIX: &[Row] = &[
    Row {
        method: "GET",
        pattern: "/admin/{kind}",
        allowed: ALL,
    },
    Row {
        method: "GET",
        pattern: "/admin/{kind}/new",
        allowed: ALL,
    },
    Row {
        method: "POST",
        pattern: "/admin/{kind}/new",
        allowed: ALL,
    },
    Row {
        method: "GET",
        pattern: "/admin/{kind}/{id}",
        allowed: EDITORS,
    },
    Row {
        method: "POST",
        pattern: "/admin/{kind}/{id}",
        allowed: EDITORS,
    },
    Row {
        method: "POST",
        pattern: "/admin/{kind}/{id}/autosave",
        allowed: EDITORS,
    },
    Row {
        method: "GET",
        pattern: "/admin/{kind}/{id}/revisions",
        allowed: EDITORS,
    },
    Row {
        method: "GET",
        pattern: "/admin/{kind}/{id}/revisions/{number}",
        allowed: EDITORS,
    },
    Row {
        method: "POST",
        pattern: "/admin/{kind}/{id}/revisions/{number}/restore",
        allowed: EDITORS,
    },
    Row {
        method: "GET",
        pattern: "/admin/account",
        allowed: ALL,
    },
    Row {
        method: "POST",
        pattern: "/admin/account/2fa/start",
        allowed: ALL,
    },
    Row {
        method: "POST",
        pattern: "/admin/account/password",
        allowed: ALL,
    },
    Row {
        method: "POST",
        pattern: "/admin/preview",
        allowed: ALL,
    },
    Row {
        method: "GET",
        pattern: "/admin/tags.json",
        allowed: ALL,
    },
    Row {
        method: "GET",
        pattern: "/admin/media",
        allowed: ALL,
    },
    Row {
        method: "POST",
        pattern: "/admin/media",
        allowed: ALL,
    },
    Row {
        method: "GET",
        pattern: "/admin/settings",
        allowed: MANAGERS,
    },
    Row {
        method: "POST",
        pattern: "/admin/settings",
        allowed: MANAGERS,
    },
    Row {
        method: "GET",
        pattern: "/admin/tokens",
        allowed: ALL,
    },
    Row {
        method: "POST",
        pattern: "/admin/tokens",
        allowed: ALL,
    },
    Row {
        method: "POST",
        pattern: "/admin/tokens/{id}/revoke",
        allowed: NOBODY,
    },
    Row {
        method: "GET",
        pattern: "/admin/users",
        allowed: MANAGERS,
    },
    Row {
        method: "POST",
        pattern: "/admin/users/invite",
        allowed: MANAGERS,
    },
    Row {
        method: "POST",
        pattern: "/admin/users/{id}/role",
        allowed: MANAGERS,
    },
    Row {
        method: "POST",
        pattern: "/admin/users/{id}/reset-link",
        allowed: MANAGERS,
    },
    Row {
        method: "POST",
        pattern: "/admin/users/{id}/deactivate",
        allowed: MANAGERS,
    },
    Row {
        method: "POST",
        pattern: "/admin/users/{id}/reactivate",
        allowed: MANAGERS,
    },
    // Destructive last: the rows above need the objects these remove.
    Row {
        method: "POST",
        pattern: "/admin/media/{id}/delete",
        allowed: EDITORS,
    },
    Row {
        method: "POST",
        pattern: "/admin/{kind}/{id}/delete",
        allowed: EDITORS,
    },
];

/// Routes for people who are not signed in (or not yet fully): set-up, sign-in, the
/// second step, accepting an invitation, the admin's own assets, and redirects. Their
/// rules are tested in admin.rs, account.rs and people.rs.
const WITHOUT_ROLE: &[&str] = &[
    "/admin",
    "/admin/",
    "/admin/setup",
    "/admin/signin",
    "/admin/signout",
    "/admin/signin/2fa",
    "/admin/assets/{name}",
    "/admin/invite/{token}",
    "/admin/reset/{token}",
    "/admin/account/2fa/enable",
    "/admin/account/2fa/disable",
];

/// Route patterns as the router's source writes them, with `{kind}` for the routes
/// registered once for posts and once for pages.
fn routes_in_source() -> Vec<String> {
    let source = include_str!("../../src/admin/mod.rs");
    // The router is the function `router`; every `/admin` string literal in it is a route.
    let body = source
        .split_once("pub fn router()")
        .and_then(|(_, rest)| rest.split_once("\n}\n"))
        .map(|(body, _)| body)
        .unwrap_or_default();
    let mut routes: Vec<String> = body
        .split("\"/admin")
        .skip(1)
        .filter_map(|rest| rest.split_once('"'))
        .map(|(path, _)| {
            format!("/admin{path}")
                .replace("{{", "{")
                .replace("}}", "}")
        })
        .collect();
    routes.sort();
    routes.dedup();
    routes
}

#[test]
fn every_admin_route_is_in_the_matrix() {
    let routes = routes_in_source();
    assert!(
        routes.len() > 20,
        "the router's source was not understood: {routes:?}"
    );
    for route in &routes {
        let covered =
            MATRIX.iter().any(|row| row.pattern == route) || WITHOUT_ROLE.contains(&route.as_str());
        assert!(covered, "{route} has no row in the admin permission matrix");
    }
}

/// Someone else's objects for the user to try their hands on.
struct Fixtures {
    post_id: i64,
    page_id: i64,
    media_id: i64,
    token_id: i64,
    victim_id: i64,
}

async fn fixtures(app: &TestApp) -> Fixtures {
    // A draft: autosave works on drafts only.
    let post = app
        .post(json!({"title": "Owner's post", "markdown": "one"}))
        .await;
    let post_id = post["id"].as_i64().expect("id");
    app.patch(post_id, json!({"markdown": "two"})).await;
    let page = app
        .api(
            axum::http::Method::POST,
            "/api/v1/admin/pages",
            Some(&app.owner),
            Some(json!({"title": "Owner's page"})),
        )
        .await;
    let media = app
        .upload(&app.owner, "owner.png", &png(40, 30), "")
        .await
        .json();
    let tokens = app
        .state
        .store()
        .tokens_of(app.owner_id)
        .await
        .expect("tokens");
    let (victim_id, _) = app.user(Role::Contributor, "Vic Victim").await;
    Fixtures {
        post_id,
        page_id: page.json()["id"].as_i64().expect("id"),
        media_id: media["id"].as_i64().expect("id"),
        token_id: tokens.first().expect("the owner's token").id,
        victim_id,
    }
}

fn concrete(pattern: &str, kind: &str, f: &Fixtures) -> String {
    let id = if kind == "pages" {
        f.page_id
    } else {
        f.post_id
    };
    let id = if pattern.starts_with("/admin/media/") {
        f.media_id
    } else if pattern.starts_with("/admin/tokens/") {
        f.token_id
    } else if pattern.starts_with("/admin/users/") {
        f.victim_id
    } else {
        id
    };
    pattern
        .replace("{kind}", kind)
        .replace("{id}", &id.to_string())
        .replace("{number}", "1")
}

/// A plausible, valid form for each writing route, so that "allowed" means the
/// action went through rather than that a validation error came back.
fn form_for(pattern: &str, csrf: &str) -> Vec<(&'static str, String)> {
    let mut fields = vec![("csrf", csrf.to_owned())];
    let extra: &[(&'static str, &str)] = match pattern {
        "/admin/{kind}/new" | "/admin/{kind}/{id}" => {
            &[("title", "Tried"), ("markdown", "text"), ("intent", "save")]
        }
        "/admin/settings" => &[
            ("title", "Site"),
            ("description", ""),
            ("lang", "en"),
            ("posts_per_page", "10"),
            ("timezone", "UTC"),
            ("navigation", ""),
        ],
        "/admin/tokens" => &[("label", "script")],
        "/admin/users/invite" => &[("email", "new.person@example.com"), ("role", "author")],
        "/admin/users/{id}/role" => &[("role", "author")],
        // The same password again: the next attempt signs in with it.
        "/admin/account/password" => &[
            ("current_password", PASSWORD),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ],
        _ => &[],
    };
    fields.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    fields
}

#[tokio::test]
async fn every_role_gets_exactly_its_rights_on_every_admin_route() {
    let mut failures = Vec::new();
    for role in ROLES {
        let app = TestApp::new().await;
        let f = fixtures(&app).await;
        let (_, email) = app
            .writer(role, &format!("{} Tester", role.as_str()), PASSWORD)
            .await;
        let column = ROLES.iter().position(|r| *r == role).expect("role");
        for row in MATRIX {
            let allowed = row.allowed[column];
            for kind in if row.pattern.contains("{kind}") {
                &["posts", "pages"][..]
            } else {
                &["posts"][..]
            } {
                // A fresh sign-in per attempt: some actions (deactivating, 2FA) change the session.
                let mut browser = Browser::new(&app);
                let csrf = browser.sign_in(&email, PASSWORD).await;
                let path = concrete(row.pattern, kind, &f);
                let reply = match (row.method, row.pattern) {
                    ("GET", _) => browser.get(&path).await,
                    ("POST", "/admin/preview") => {
                        browser
                            .post_json(&path, &csrf, json!({"markdown": "# hi"}))
                            .await
                    }
                    ("POST", "/admin/{kind}/{id}/autosave") => {
                        browser
                            .post_json(&path, &csrf, json!({"markdown": "autosaved"}))
                            .await
                    }
                    ("POST", "/admin/media") => {
                        browser
                            .post_multipart(
                                &path,
                                &[("csrf", &csrf)],
                                Some(("x.png", &png(20, 20))),
                                None,
                            )
                            .await
                    }
                    _ => {
                        let fields = form_for(row.pattern, &csrf);
                        let pairs: Vec<(&str, &str)> =
                            fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                        browser.post(&path, &pairs).await
                    }
                };
                if reply.header("cache-control") != "no-store" {
                    failures.push(format!(
                        "{} {} {path}: answered without Cache-Control: no-store",
                        role.as_str(),
                        row.method
                    ));
                }
                let ok = reply.status.is_success() || reply.status.is_redirection();
                let refused = matches!(reply.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND);
                let redirected_to_sign_in = reply.header("location").starts_with("/admin/signin");
                if (allowed && (!ok || redirected_to_sign_in)) || (!allowed && !refused) {
                    failures.push(format!(
                        "{} {} {path}: expected {}, got {}",
                        role.as_str(),
                        row.method,
                        if allowed { "allowed" } else { "refused" },
                        reply.status
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} wrong answers:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn every_role_route_sends_a_stranger_to_sign_in_and_refuses_a_forged_form() {
    let app = TestApp::new().await;
    let f = fixtures(&app).await;
    for row in MATRIX {
        let path = concrete(row.pattern, "posts", &f);
        let mut stranger = Browser::new(&app);
        let reply = if row.method == "GET" {
            stranger.get(&path).await
        } else {
            stranger.post(&path, &[("csrf", "x")]).await
        };
        assert!(
            reply.header("location").starts_with("/admin/signin"),
            "{} {path} without a session: {}",
            row.method,
            reply.status
        );
    }
    // Signed in, but the form's token is not the session's: nothing happens.
    let mut browser = Browser::new(&app);
    let (_, admin_email) = app.writer(Role::Admin, "Ada Admin", PASSWORD).await;
    browser.sign_in(&admin_email, PASSWORD).await;
    for row in MATRIX.iter().filter(|r| {
        r.method == "POST" && !r.pattern.ends_with("/autosave") && r.pattern != "/admin/preview"
    }) {
        let path = concrete(row.pattern, "posts", &f);
        let fields = form_for(row.pattern, "forged-token");
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = if row.pattern == "/admin/media" {
            browser
                .post_multipart(
                    &path,
                    &[("csrf", "forged")],
                    Some(("x.png", b"\x89PNG")),
                    None,
                )
                .await
        } else {
            browser.post(&path, &pairs).await
        };
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "POST {path} with a forged CSRF token: {}",
            reply.body.chars().take(200).collect::<String>()
        );
    }
    let post = app
        .api(
            axum::http::Method::GET,
            &format!("/api/v1/admin/posts/{}", f.post_id),
            Some(&app.owner),
            None,
        )
        .await
        .json();
    assert_eq!(post["title"], "Owner's post");
    assert_eq!(
        app.state.store().settings().await.expect("settings").title,
        folio_store::SiteSettings::default().title
    );
}
