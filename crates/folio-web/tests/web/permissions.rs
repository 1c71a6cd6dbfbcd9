//! The role × action matrix of the API, checked on the server for every role.

use crate::helpers::{png, TestApp};
use axum::http::{Method, StatusCode};
use folio_core::Role;
use serde_json::json;

const ROLES: [Role; 5] = [
    Role::Owner,
    Role::Admin,
    Role::Editor,
    Role::Author,
    Role::Contributor,
];

/// Whether each role (in `ROLES` order) may do the action.
struct Case {
    action: &'static str,
    allowed: [bool; 5],
}

const MATRIX: &[Case] = &[
    Case {
        action: "create a draft",
        allowed: [true, true, true, true, true],
    },
    Case {
        action: "create a published post",
        allowed: [true, true, true, true, false],
    },
    Case {
        action: "schedule a post",
        allowed: [true, true, true, true, false],
    },
    Case {
        action: "edit own draft",
        allowed: [true, true, true, true, true],
    },
    Case {
        action: "publish own draft",
        allowed: [true, true, true, true, false],
    },
    Case {
        action: "view another's draft",
        allowed: [true, true, true, false, false],
    },
    Case {
        action: "edit another's post",
        allowed: [true, true, true, false, false],
    },
    Case {
        action: "unpublish another's post",
        allowed: [true, true, true, false, false],
    },
    Case {
        action: "delete another's post",
        allowed: [true, true, true, false, false],
    },
    Case {
        action: "write as another user",
        allowed: [true, true, true, false, false],
    },
    Case {
        action: "change settings",
        allowed: [true, true, false, false, false],
    },
    Case {
        action: "upload an image",
        allowed: [true, true, true, true, true],
    },
    Case {
        action: "delete another's image",
        allowed: [true, true, true, false, false],
    },
];

async fn attempt(app: &TestApp, token: &str, user_id: i64, action: &str) -> StatusCode {
    let others_draft = app.post(json!({"title": "Owner draft"})).await["id"]
        .as_i64()
        .expect("id");
    let others_post = app
        .post(json!({"title": "Owner post", "status": "published"}))
        .await["id"]
        .as_i64()
        .expect("id");
    let create = |body| app.api(Method::POST, "/api/v1/admin/posts", Some(token), Some(body));
    let own_draft = || async {
        let r = app
            .api(
                Method::POST,
                "/api/v1/admin/posts",
                Some(token),
                Some(json!({"title": "Mine"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        r.json()["id"].as_i64().expect("id")
    };
    let reply = match action {
        "create a draft" => create(json!({"title": "Draft"})).await,
        "create a published post" => create(json!({"title": "Live", "status": "published"})).await,
        "schedule a post" => create(
            json!({"title": "Soon", "status": "scheduled", "published_at": "2999-01-01T00:00:00Z"}),
        )
        .await,
        "edit own draft" => {
            let id = own_draft().await;
            app.api(
                Method::PATCH,
                &format!("/api/v1/admin/posts/{id}"),
                Some(token),
                Some(json!({"markdown": "more"})),
            )
            .await
        }
        "publish own draft" => {
            let id = own_draft().await;
            app.api(
                Method::PATCH,
                &format!("/api/v1/admin/posts/{id}"),
                Some(token),
                Some(json!({"status": "published"})),
            )
            .await
        }
        "view another's draft" => {
            app.api(
                Method::GET,
                &format!("/api/v1/admin/posts/{others_draft}"),
                Some(token),
                None,
            )
            .await
        }
        "edit another's post" => {
            app.api(
                Method::PATCH,
                &format!("/api/v1/admin/posts/{others_post}"),
                Some(token),
                Some(json!({"title": "Changed"})),
            )
            .await
        }
        "unpublish another's post" => {
            app.api(
                Method::PATCH,
                &format!("/api/v1/admin/posts/{others_post}"),
                Some(token),
                Some(json!({"status": "draft"})),
            )
            .await
        }
        "delete another's post" => {
            app.api(
                Method::DELETE,
                &format!("/api/v1/admin/posts/{others_post}"),
                Some(token),
                None,
            )
            .await
        }
        "write as another user" => {
            create(json!({"title": "Ghost", "author_id": app.owner_id})).await
        }
        "change settings" => {
            app.api(
                Method::PATCH,
                "/api/v1/admin/settings",
                Some(token),
                Some(json!({"title": "Mine now"})),
            )
            .await
        }
        "upload an image" => app.upload(token, "mine.png", &png(32, 24), "").await,
        "delete another's image" => {
            let theirs = app
                .upload(&app.owner, "theirs.png", &png(32, 24), "")
                .await
                .json();
            app.api(
                Method::DELETE,
                &format!("/api/v1/admin/media/{}", theirs["id"]),
                Some(token),
                None,
            )
            .await
        }
        other => panic!("unknown action {other} (user {user_id})"),
    };
    reply.status
}

#[tokio::test]
async fn every_role_gets_exactly_its_rights() {
    for case in MATRIX {
        for (role, allowed) in ROLES.iter().zip(case.allowed) {
            let app = TestApp::new().await;
            let (user_id, token) = if *role == Role::Owner {
                (app.owner_id, app.owner.clone())
            } else {
                app.user(*role, &format!("{} User", role.as_str())).await
            };
            let status = attempt(&app, &token, user_id, case.action).await;
            if allowed {
                assert!(
                    status.is_success(),
                    "{} should be allowed to {}: got {status}",
                    role.as_str(),
                    case.action
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{} should not be allowed to {}",
                    role.as_str(),
                    case.action
                );
            }
        }
    }
}

#[tokio::test]
async fn a_refused_change_changes_nothing() {
    let app = TestApp::new().await;
    let post = app
        .post(json!({"title": "Original", "status": "published"}))
        .await;
    let (_, author) = app.user(Role::Author, "Ann Author").await;
    let id = post["id"].as_i64().expect("id");
    let reply = app
        .api(
            Method::PATCH,
            &format!("/api/v1/admin/posts/{id}"),
            Some(&author),
            Some(json!({"title": "Defaced"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let page = app.get("/original/").await;
    assert!(page.body.contains("Original") && !page.body.contains("Defaced"));
}

#[tokio::test]
async fn authors_list_only_their_own_posts() {
    let app = TestApp::new().await;
    app.post(json!({"title": "Owner's"})).await;
    let (_, author) = app.user(Role::Author, "Ann Author").await;
    app.api(
        Method::POST,
        "/api/v1/admin/posts",
        Some(&author),
        Some(json!({"title": "Ann's"})),
    )
    .await;
    let list = app
        .api(Method::GET, "/api/v1/admin/posts", Some(&author), None)
        .await
        .json();
    let titles: Vec<&str> = list["posts"]
        .as_array()
        .expect("posts")
        .iter()
        .filter_map(|p| p["title"].as_str())
        .collect();
    assert_eq!(titles, ["Ann's"]);
    let all = app
        .api(Method::GET, "/api/v1/admin/posts", Some(&app.owner), None)
        .await
        .json();
    assert_eq!(all["posts"].as_array().map(Vec::len), Some(2));
}
