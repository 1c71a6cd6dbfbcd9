//! People: invitations, role changes, deactivation, password links and changes, and
//! who may do each.

use crate::browser::Browser;
use crate::helpers::TestApp;
use axum::http::{Method, StatusCode};
use folio_core::Role;

const PASSWORD: &str = "correct horse battery staple";

fn invite_link(body: &str) -> String {
    link_in(body, "/admin/invite/")
}

/// The first `prefix…` link in a page, up to the token's end.
fn link_in(body: &str, prefix: &str) -> String {
    let start = body
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} link shown in {body}"));
    body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_'))
        .collect()
}

/// Signing in answers 303 on success, 401 on a wrong password.
async fn sign_in_status(app: &TestApp, email: &str, password: &str) -> StatusCode {
    let mut b = Browser::new(app);
    let form = b.get("/admin/signin").await;
    let csrf = Browser::csrf_of(&form);
    b.post(
        "/admin/signin",
        &[("email", email), ("password", password), ("csrf", &csrf)],
    )
    .await
    .status
}

#[tokio::test]
async fn an_invited_writer_joins_with_the_role_chosen_for_them() {
    let app = TestApp::new().await;
    let (_, admin) = app.writer(Role::Admin, "Ada Admin", PASSWORD).await;
    let mut a = Browser::new(&app);
    let csrf = a.sign_in(&admin, PASSWORD).await;

    let bad = a
        .post(
            "/admin/users/invite",
            &[
                ("email", "not-an-email"),
                ("role", "author"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("not-an-email"), "typed value kept");
    let too_high = a
        .post(
            "/admin/users/invite",
            &[
                ("email", "x@example.com"),
                ("role", "admin"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(
        too_high.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an admin cannot invite admins"
    );

    let created = a
        .post(
            "/admin/users/invite",
            &[
                ("email", "New.Writer@example.com"),
                ("role", "author"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let link = invite_link(&created.body);
    assert!(
        !a.get("/admin/users").await.body.contains(&link),
        "the link is shown once"
    );

    let mut n = Browser::new(&app);
    let form = n.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("new.writer@example.com"));
    let token = Browser::csrf_of(&form);
    let weak = n
        .post(
            &link,
            &[
                ("name", "Nia New"),
                ("password", "short"),
                ("password_confirm", "short"),
                ("csrf", &token),
            ],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    let joined = n
        .post(
            &link,
            &[
                ("name", "Nia New"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("csrf", &token),
            ],
        )
        .await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.body);
    let user = app
        .state
        .store()
        .user_by_email(&folio_core::Email::parse("new.writer@example.com").expect("email"))
        .await
        .expect("joined");
    assert_eq!(user.role, Role::Author);
    assert_eq!(
        n.get("/admin/posts").await.status,
        StatusCode::OK,
        "signed in"
    );

    let again = Browser::new(&app).get(&link).await;
    assert_eq!(again.status, StatusCode::GONE, "an invitation works once");
}

#[tokio::test]
async fn roles_change_and_deactivation_ends_sessions_and_tokens() {
    let app = TestApp::new().await;
    let (_, admin) = app.writer(Role::Admin, "Ada Admin", PASSWORD).await;
    let (writer_id, writer) = app.writer(Role::Author, "Ann Author", PASSWORD).await;
    let (other_admin, _) = app.writer(Role::Admin, "Abe Admin", PASSWORD).await;
    let writer_token = app
        .state
        .store()
        .create_token(writer_id, "script")
        .await
        .expect("token");

    let mut w = Browser::new(&app);
    w.sign_in(&writer, PASSWORD).await;
    let mut a = Browser::new(&app);
    let csrf = a.sign_in(&admin, PASSWORD).await;

    assert_eq!(
        a.post(
            &format!("/admin/users/{writer_id}/role"),
            &[("role", "editor"), ("csrf", &csrf)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.state
            .store()
            .user_by_id(writer_id)
            .await
            .expect("user")
            .role,
        Role::Editor
    );
    assert_eq!(
        a.post(
            &format!("/admin/users/{writer_id}/role"),
            &[("role", "owner"), ("csrf", &csrf)]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        a.post(
            &format!("/admin/users/{other_admin}/deactivate"),
            &[("csrf", &csrf)]
        )
        .await
        .status,
        StatusCode::FORBIDDEN,
        "admins do not manage admins"
    );
    assert_eq!(
        a.post(
            &format!("/admin/users/{}/deactivate", app.owner_id),
            &[("csrf", &csrf)]
        )
        .await
        .status,
        StatusCode::FORBIDDEN,
        "nobody deactivates the owner"
    );

    assert_eq!(
        a.post(
            &format!("/admin/users/{writer_id}/deactivate"),
            &[("csrf", &csrf)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let after = w.get("/admin/posts").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER, "their session ended");
    assert_eq!(
        app.api(Method::GET, "/api/v1/admin/me", Some(&writer_token), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "their token stopped"
    );
    let mut again = Browser::new(&app);
    let form = again.get("/admin/signin").await;
    let token = Browser::csrf_of(&form);
    let refused = again
        .post(
            "/admin/signin",
            &[("email", &writer), ("password", PASSWORD), ("csrf", &token)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "cannot sign in");

    assert_eq!(
        a.post(
            &format!("/admin/users/{writer_id}/reactivate"),
            &[("csrf", &csrf)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.api(Method::GET, "/api/v1/admin/me", Some(&writer_token), None)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn only_owners_and_admins_see_people() {
    let app = TestApp::new().await;
    for role in [Role::Editor, Role::Author, Role::Contributor] {
        let (_, email) = app
            .writer(role, &format!("{} Person", role.as_str()), PASSWORD)
            .await;
        let mut b = Browser::new(&app);
        let csrf = b.sign_in(&email, PASSWORD).await;
        assert_eq!(
            b.get("/admin/users").await.status,
            StatusCode::FORBIDDEN,
            "{}",
            role.as_str()
        );
        assert_eq!(
            b.post(
                "/admin/users/invite",
                &[
                    ("email", "z@example.com"),
                    ("role", "author"),
                    ("csrf", &csrf)
                ]
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn a_password_link_works_once_for_the_one_person_and_signs_them_out_everywhere() {
    let app = TestApp::new().await;
    let (_, admin) = app.writer(Role::Admin, "Ada Admin", PASSWORD).await;
    let (writer_id, writer) = app.writer(Role::Author, "Ann Author", PASSWORD).await;
    let (other_admin, _) = app.writer(Role::Admin, "Abe Admin", PASSWORD).await;
    let mut w = Browser::new(&app);
    w.sign_in(&writer, PASSWORD).await;
    let mut a = Browser::new(&app);
    let csrf = a.sign_in(&admin, PASSWORD).await;

    assert_eq!(
        a.post(
            &format!("/admin/users/{}/reset-link", app.owner_id),
            &[("csrf", &csrf)]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        a.post(
            &format!("/admin/users/{other_admin}/reset-link"),
            &[("csrf", &csrf)]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        a.post(
            &format!("/admin/users/{writer_id}/reset-link"),
            &[("csrf", "forged")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN,
        "CSRF"
    );
    let first = a
        .post(
            &format!("/admin/users/{writer_id}/reset-link"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let replaced = link_in(&first.body, "/admin/reset/");
    let made = a
        .post(
            &format!("/admin/users/{writer_id}/reset-link"),
            &[("csrf", &csrf)],
        )
        .await;
    let link = link_in(&made.body, "/admin/reset/");
    assert_ne!(link, replaced);
    assert_eq!(
        Browser::new(&app).get(&replaced).await.status,
        StatusCode::GONE,
        "a new link replaces the old one"
    );
    assert!(
        !a.get("/admin/users").await.body.contains(&link),
        "the link is shown once"
    );

    let mut n = Browser::new(&app);
    let form = n.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains(&writer) && form.body.contains("Ann Author"),
        "it says whose password it sets"
    );
    let token = Browser::csrf_of(&form);
    let new_password = "a brand new passphrase here";
    let forged = n
        .post(
            &link,
            &[
                ("password", new_password),
                ("password_confirm", new_password),
                ("csrf", "forged"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let weak = n
        .post(
            &link,
            &[
                ("password", "short"),
                ("password_confirm", "short"),
                ("csrf", &token),
            ],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        weak.body.contains("must be 12 to 128 characters long"),
        "says what a password needs: {}",
        weak.body
    );
    let mismatch = n
        .post(
            &link,
            &[
                ("password", new_password),
                ("password_confirm", "something else entirely"),
                ("csrf", &token),
            ],
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        sign_in_status(&app, &writer, PASSWORD).await,
        StatusCode::SEE_OTHER,
        "nothing changed by refused attempts"
    );
    assert_eq!(w.get("/admin/posts").await.status, StatusCode::OK);

    let done = n
        .post(
            &link,
            &[
                ("password", new_password),
                ("password_confirm", new_password),
                ("csrf", &token),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.header("location"), "/admin/signin?m=password");
    assert!(n
        .get("/admin/signin?m=password")
        .await
        .body
        .contains("Your password is changed"));
    assert_eq!(
        w.get("/admin/posts").await.status,
        StatusCode::SEE_OTHER,
        "every session of theirs ended"
    );
    assert_eq!(
        sign_in_status(&app, &writer, PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "the old password is gone"
    );
    Browser::new(&app).sign_in(&writer, new_password).await;
    assert_eq!(
        Browser::new(&app).get(&link).await.status,
        StatusCode::GONE,
        "a link works once"
    );
    let again = n
        .post(
            &link,
            &[
                ("password", "yet another passphrase"),
                ("password_confirm", "yet another passphrase"),
                ("csrf", &token),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::GONE);
    assert_eq!(
        Browser::new(&app)
            .get("/admin/reset/not-a-real-token")
            .await
            .status,
        StatusCode::GONE,
        "an unknown link says the same"
    );

    // A link dies with a role change (its maker may not manage the new role) and with
    // deactivation; a deactivated account gets none.
    let link = link_in(
        &a.post(
            &format!("/admin/users/{writer_id}/reset-link"),
            &[("csrf", &csrf)],
        )
        .await
        .body,
        "/admin/reset/",
    );
    app.state
        .store()
        .set_role(writer_id, Role::Editor)
        .await
        .expect("role");
    assert_eq!(
        Browser::new(&app).get(&link).await.status,
        StatusCode::GONE,
        "a role change ends the link"
    );
    let link = link_in(
        &a.post(
            &format!("/admin/users/{writer_id}/reset-link"),
            &[("csrf", &csrf)],
        )
        .await
        .body,
        "/admin/reset/",
    );
    assert_eq!(
        a.post(
            &format!("/admin/users/{writer_id}/deactivate"),
            &[("csrf", &csrf)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        Browser::new(&app).get(&link).await.status,
        StatusCode::GONE,
        "deactivation ends the link"
    );
    app.state
        .store()
        .set_active(writer_id, true)
        .await
        .expect("reactivate");
    assert_eq!(
        Browser::new(&app).get(&link).await.status,
        StatusCode::GONE,
        "and reactivating does not bring it back"
    );
    app.state
        .store()
        .set_active(writer_id, false)
        .await
        .expect("deactivate");
    assert_eq!(
        a.post(
            &format!("/admin/users/{writer_id}/reset-link"),
            &[("csrf", &csrf)]
        )
        .await
        .status,
        StatusCode::CONFLICT,
        "a deactivated account gets no link"
    );
}

#[tokio::test]
async fn changing_ones_password_needs_the_current_one_and_signs_out_the_other_sessions() {
    let app = TestApp::new().await;
    let (_, writer) = app
        .writer(Role::Contributor, "Cy Contributor", PASSWORD)
        .await;
    let mut other = Browser::new(&app);
    other.sign_in(&writer, PASSWORD).await;
    let mut b = Browser::new(&app);
    let csrf = b.sign_in(&writer, PASSWORD).await;
    let new_password = "the new one is long enough";

    let wrong = b
        .post(
            "/admin/account/password",
            &[
                ("current_password", "not my password"),
                ("password", new_password),
                ("password_confirm", new_password),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("wrong password"));
    let short = b
        .post(
            "/admin/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", "short"),
                ("password_confirm", "short"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let forged = b
        .post(
            "/admin/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", new_password),
                ("password_confirm", new_password),
                ("csrf", "forged"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        other.get("/admin/posts").await.status,
        StatusCode::OK,
        "nothing changed yet"
    );

    let changed = b
        .post(
            "/admin/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", new_password),
                ("password_confirm", new_password),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    let page = b.get(changed.header("location")).await;
    assert_eq!(page.status, StatusCode::OK, "this browser stays signed in");
    assert!(page.body.contains("Password changed"));
    assert_eq!(
        other.get("/admin/posts").await.status,
        StatusCode::SEE_OTHER,
        "the other session ended"
    );
    assert_eq!(
        sign_in_status(&app, &writer, PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    Browser::new(&app).sign_in(&writer, new_password).await;
}
