//! The writers' interface at `/admin/`: server-rendered pages with small
//! progressive-enhancement JavaScript. Every page works with JavaScript off.
//!
//! Sign-in state lives in the database (any replica serves the next request); every
//! state-changing form carries the session's CSRF token; every action goes through the
//! same role rules as the API (`folio_core::permissions`, `api::input`).

mod account;
mod auth;
mod editor;
mod guard;
mod media;
mod pages;
mod people;
mod templates;

pub use auth::{AdminSession, SESSION_LIFETIME_HOURS};
pub use templates::{error_page, AdminTemplates};

use crate::AppState;
use axum::http::header;
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    // Posts and pages share their handlers; `editor::AdminKind` reads which from the path.
    for kind in ["posts", "pages"] {
        router = router
            .route(&format!("/admin/{kind}"), get(editor::list))
            .route(
                &format!("/admin/{kind}/new"),
                get(editor::new_form).post(editor::create),
            )
            .route(
                &format!("/admin/{kind}/{{id}}"),
                get(editor::edit_form).post(editor::save),
            )
            .route(
                &format!("/admin/{kind}/{{id}}/autosave"),
                post(editor::autosave),
            )
            .route(
                &format!("/admin/{kind}/{{id}}/delete"),
                post(editor::delete),
            )
            .route(
                &format!("/admin/{kind}/{{id}}/revisions"),
                get(editor::revisions),
            )
            .route(
                &format!("/admin/{kind}/{{id}}/revisions/{{number}}"),
                get(editor::revision),
            )
            .route(
                &format!("/admin/{kind}/{{id}}/revisions/{{number}}/restore"),
                post(editor::restore),
            );
    }
    router
        .route("/admin", get(|| async { Redirect::permanent("/admin/") }))
        .route("/admin/", get(auth::entry))
        .route("/admin/setup", get(auth::setup_form).post(auth::setup))
        .route("/admin/signin", get(auth::signin_form).post(auth::signin))
        .route("/admin/signout", post(auth::signout))
        .route("/admin/signin/2fa", post(account::second_step))
        .route("/admin/account", get(account::account))
        .route("/admin/account/password", post(account::change_password))
        .route("/admin/account/2fa/start", post(account::start))
        .route("/admin/account/2fa/enable", post(account::enable))
        .route("/admin/account/2fa/disable", post(account::disable))
        .route("/admin/assets/{name}", get(templates::asset))
        .route("/admin/preview", post(editor::preview))
        .route("/admin/tags.json", get(editor::tags_json))
        .route(
            "/admin/media",
            get(media::list)
                .post(media::upload)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/admin/media/{id}/delete", post(media::delete))
        .route(
            "/admin/settings",
            get(pages::settings_form).post(pages::save_settings),
        )
        .route(
            "/admin/tokens",
            get(pages::tokens).post(pages::create_token),
        )
        .route("/admin/tokens/{id}/revoke", post(pages::revoke_token))
        .route("/admin/users", get(people::people))
        .route("/admin/users/invite", post(people::invite))
        .route("/admin/users/{id}/role", post(people::set_role))
        .route("/admin/users/{id}/deactivate", post(people::deactivate))
        .route("/admin/users/{id}/reactivate", post(people::reactivate))
        .route("/admin/users/{id}/reset-link", post(people::reset_link))
        .route(
            "/admin/reset/{token}",
            get(people::reset_form).post(people::reset),
        )
        .route(
            "/admin/invite/{token}",
            get(people::accept_form).post(people::accept),
        )
        // Admin pages are private and change with every action: never stored by a cache.
        .layer(axum::middleware::map_response(|response: Response| async {
            no_store(response)
        }))
}

/// Marks a response as never to be stored by any cache.
pub fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

/// Percent-encodes a string for a query parameter.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A `next` target after sign-in: only a path inside the admin area, so the sign-in
/// form can never be made to send anyone to another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with("/admin/")
                && !n.contains("//")
                && !n.contains("..")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n.to_owned()
        }
        _ => "/admin/posts".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_in_the_admin_area() {
        assert_eq!(safe_next(Some("/admin/posts/3")), "/admin/posts/3");
        for evil in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "/admin/../..//evil",
            "javascript:alert(1)",
            "/admin/x\r\nLocation: //evil",
        ] {
            let target = safe_next(Some(evil));
            assert!(
                target.starts_with("/admin/") && !target.contains("//") && !target.contains('\n'),
                "{evil} → {target}"
            );
        }
        assert_eq!(safe_next(None), "/admin/posts");
    }
}
