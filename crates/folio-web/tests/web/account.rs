//! Two-step verification: turning it on, signing in with a code or a recovery code.

use crate::browser::Browser;
use crate::helpers::TestApp;
use axum::http::StatusCode;
use folio_core::Role;
use totp_rs::{Algorithm, Secret, TOTP};

const PASSWORD: &str = "correct horse battery staple";

fn now_step() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).expect("after 1970") / 30
}

/// The code of a 30-second step.
fn code_at(secret: &str, step: u64) -> String {
    let bytes = Secret::Encoded(secret.to_owned())
        .to_bytes()
        .expect("base32");
    TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes)
        .expect("totp")
        .generate(step * 30)
}

fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let from = body
        .find(start)
        .map(|i| i + start.len())
        .unwrap_or_else(|| panic!("{start} not in {body}"));
    let to = body[from..]
        .find(end)
        .map(|i| from + i)
        .expect("end marker");
    &body[from..to]
}

async fn sign_in_password_only<'a>(
    app: &'a TestApp,
    email: &str,
) -> (Browser<'a>, String, axum::http::StatusCode, String) {
    let mut b = Browser::new(app);
    let form = b.get("/admin/signin").await;
    let csrf = Browser::csrf_of(&form);
    let r = b
        .post(
            "/admin/signin",
            &[
                ("email", email),
                ("password", PASSWORD),
                ("next", "/admin/posts"),
                ("csrf", &csrf),
            ],
        )
        .await;
    (b, csrf, r.status, r.body)
}

#[tokio::test]
async fn two_step_sign_in_with_codes_and_recovery_codes() {
    let app = TestApp::new().await;
    let (_, email) = app.writer(Role::Editor, "Eve Editor", PASSWORD).await;
    let mut b = Browser::new(&app);
    let csrf = b.sign_in(&email, PASSWORD).await;
    let setup = b.post("/admin/account/2fa/start", &[("csrf", &csrf)]).await;
    assert_eq!(setup.status, StatusCode::OK);
    let secret = between(&setup.body, "id=\"totp-secret\">", "<").to_owned();
    let wrong = b
        .post(
            "/admin/account/2fa/enable",
            &[("csrf", &csrf), ("secret", &secret), ("code", "000000")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let enabling_step = now_step();
    let enabling_code = code_at(&secret, enabling_step);
    let on = b
        .post(
            "/admin/account/2fa/enable",
            &[
                ("csrf", &csrf),
                ("secret", &secret),
                ("code", &enabling_code),
            ],
        )
        .await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.body);
    let recovery = between(&on.body, "<li><code>", "</code>").to_owned();

    // The password alone no longer signs in.
    let (mut c, form_csrf, status, body) = sign_in_password_only(&app, &email).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("/admin/signin/2fa"), "the code form is shown");
    assert_eq!(
        c.get("/admin/posts").await.status,
        StatusCode::SEE_OTHER,
        "nothing is granted yet"
    );
    let bad = c
        .post(
            "/admin/signin/2fa",
            &[
                ("csrf", &form_csrf),
                ("code", "123456"),
                ("next", "/admin/posts"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    // The code that turned it on is spent.
    let spent = c
        .post(
            "/admin/signin/2fa",
            &[
                ("csrf", &form_csrf),
                ("code", &enabling_code),
                ("next", "/admin/posts"),
            ],
        )
        .await;
    assert_eq!(
        spent.status,
        StatusCode::UNAUTHORIZED,
        "the enabling code cannot sign in"
    );
    // The next step's code is within the accepted clock skew.
    let next_code = code_at(&secret, enabling_step + 1);
    let good = c
        .post(
            "/admin/signin/2fa",
            &[
                ("csrf", &form_csrf),
                ("code", &next_code),
                ("next", "/admin/posts"),
            ],
        )
        .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.body);
    assert_eq!(c.get("/admin/posts").await.status, StatusCode::OK);

    // The same code cannot sign in twice (replay).
    let (mut r, form_csrf_r, _, _) = sign_in_password_only(&app, &email).await;
    let replay = r
        .post(
            "/admin/signin/2fa",
            &[
                ("csrf", &form_csrf_r),
                ("code", &next_code),
                ("next", "/admin/posts"),
            ],
        )
        .await;
    assert_eq!(
        replay.status,
        StatusCode::UNAUTHORIZED,
        "a code is good once"
    );

    // A recovery code works once.
    let (mut d, form_csrf, _, _) = sign_in_password_only(&app, &email).await;
    assert_eq!(
        d.post(
            "/admin/signin/2fa",
            &[
                ("csrf", &form_csrf),
                ("code", &recovery),
                ("next", "/admin/posts")
            ]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let (mut e, form_csrf, _, _) = sign_in_password_only(&app, &email).await;
    assert_eq!(
        e.post(
            "/admin/signin/2fa",
            &[
                ("csrf", &form_csrf),
                ("code", &recovery),
                ("next", "/admin/posts")
            ]
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );

    // Turning it off needs the password.
    assert_eq!(
        b.post(
            "/admin/account/2fa/disable",
            &[("csrf", &csrf), ("password", "not my password")]
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        b.post(
            "/admin/account/2fa/disable",
            &[("csrf", &csrf), ("password", PASSWORD)]
        )
        .await
        .status,
        StatusCode::OK
    );
    let (_, _, status, _) = sign_in_password_only(&app, &email).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "one step again");
}
