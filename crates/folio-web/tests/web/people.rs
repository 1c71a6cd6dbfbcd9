//! People: invitations, role changes, deactivation, and who may do each.

use crate::browser::Browser;
use crate::helpers::TestApp;
use axum::http::{Method, StatusCode};
use folio_core::Role;

const PASSWORD: &str = "correct horse battery staple";

fn invite_link(body: &str) -> String {
    let start = body.find("/admin/invite/").expect("invitation link shown");
    body[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_')).collect()
}

#[tokio::test]
async fn an_invited_writer_joins_with_the_role_chosen_for_them() {
    let app = TestApp::new().await;
    let (_, admin) = app.writer(Role::Admin, "Ada Admin", PASSWORD).await;
    let mut a = Browser::new(&app);
    let csrf = a.sign_in(&admin, PASSWORD).await;

    let bad = a.post("/admin/users/invite", &[("email", "not-an-email"), ("role", "author"), ("csrf", &csrf)]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("not-an-email"), "typed value kept");
    let too_high = a.post("/admin/users/invite", &[("email", "x@example.com"), ("role", "admin"), ("csrf", &csrf)]).await;
    assert_eq!(too_high.status, StatusCode::UNPROCESSABLE_ENTITY, "an admin cannot invite admins");

    let created = a.post("/admin/users/invite", &[("email", "New.Writer@example.com"), ("role", "author"), ("csrf", &csrf)]).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let link = invite_link(&created.body);
    assert!(!a.get("/admin/users").await.body.contains(&link), "the link is shown once");

    let mut n = Browser::new(&app);
    let form = n.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("new.writer@example.com"));
    let token = Browser::csrf_of(&form);
    let weak = n.post(&link, &[("name", "Nia New"), ("password", "short"), ("password_confirm", "short"), ("csrf", &token)]).await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    let joined = n.post(&link, &[("name", "Nia New"), ("password", PASSWORD), ("password_confirm", PASSWORD), ("csrf", &token)]).await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.body);
    let user = app.state.store().user_by_email(&folio_core::Email::parse("new.writer@example.com").expect("email")).await.expect("joined");
    assert_eq!(user.role, Role::Author);
    assert_eq!(n.get("/admin/posts").await.status, StatusCode::OK, "signed in");

    let again = Browser::new(&app).get(&link).await;
    assert_eq!(again.status, StatusCode::GONE, "an invitation works once");
}

#[tokio::test]
async fn roles_change_and_deactivation_ends_sessions_and_tokens() {
    let app = TestApp::new().await;
    let (_, admin) = app.writer(Role::Admin, "Ada Admin", PASSWORD).await;
    let (writer_id, writer) = app.writer(Role::Author, "Ann Author", PASSWORD).await;
    let (other_admin, _) = app.writer(Role::Admin, "Abe Admin", PASSWORD).await;
    let writer_token = app.state.store().create_token(writer_id, "script").await.expect("token");

    let mut w = Browser::new(&app);
    w.sign_in(&writer, PASSWORD).await;
    let mut a = Browser::new(&app);
    let csrf = a.sign_in(&admin, PASSWORD).await;

    assert_eq!(a.post(&format!("/admin/users/{writer_id}/role"), &[("role", "editor"), ("csrf", &csrf)]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.state.store().user_by_id(writer_id).await.expect("user").role, Role::Editor);
    assert_eq!(a.post(&format!("/admin/users/{writer_id}/role"), &[("role", "owner"), ("csrf", &csrf)]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(a.post(&format!("/admin/users/{other_admin}/deactivate"), &[("csrf", &csrf)]).await.status, StatusCode::FORBIDDEN, "admins do not manage admins");
    assert_eq!(a.post(&format!("/admin/users/{}/deactivate", app.owner_id), &[("csrf", &csrf)]).await.status, StatusCode::FORBIDDEN, "nobody deactivates the owner");

    assert_eq!(a.post(&format!("/admin/users/{writer_id}/deactivate"), &[("csrf", &csrf)]).await.status, StatusCode::SEE_OTHER);
    let after = w.get("/admin/posts").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER, "their session ended");
    assert_eq!(app.api(Method::GET, "/api/v1/admin/me", Some(&writer_token), None).await.status, StatusCode::UNAUTHORIZED, "their token stopped");
    let mut again = Browser::new(&app);
    let form = again.get("/admin/signin").await;
    let token = Browser::csrf_of(&form);
    let refused = again.post("/admin/signin", &[("email", &writer), ("password", PASSWORD), ("csrf", &token)]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "cannot sign in");

    assert_eq!(a.post(&format!("/admin/users/{writer_id}/reactivate"), &[("csrf", &csrf)]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.api(Method::GET, "/api/v1/admin/me", Some(&writer_token), None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn only_owners_and_admins_see_people() {
    let app = TestApp::new().await;
    for role in [Role::Editor, Role::Author, Role::Contributor] {
        let (_, email) = app.writer(role, &format!("{} Person", role.as_str()), PASSWORD).await;
        let mut b = Browser::new(&app);
        let csrf = b.sign_in(&email, PASSWORD).await;
        assert_eq!(b.get("/admin/users").await.status, StatusCode::FORBIDDEN, "{}", role.as_str());
        assert_eq!(b.post("/admin/users/invite", &[("email", "z@example.com"), ("role", "author"), ("csrf", &csrf)]).await.status, StatusCode::FORBIDDEN);
    }
}
