//! The JSON API under `/api/v1`: public reads of published content, and admin writes
//! under `/api/v1/admin` with `Authorization: Bearer <token>`.
//!
//! Routes are registered through `utoipa-axum`, so the OpenAPI document served at
//! `/api/v1/openapi.json` is generated from the very handlers that serve requests.

mod admin;
mod extract;
pub(crate) mod media;
mod output;
mod public;

pub use extract::{ApiActor, ApiJson};

use crate::AppState;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use once_cell::sync::Lazy;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Folio API", description = "Read a Folio blog's published content, and write it with an API token."),
    modifiers(&BearerAuth),
    tags(
        (name = "public", description = "Published content; no authentication"),
        (name = "admin", description = "Writing and site management; needs `Authorization: Bearer <token>`")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("folio token")
                    .build(),
            ),
        );
    }
}

/// Every API route, with its OpenAPI description.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(public::list_posts))
        .routes(routes!(public::get_post))
        .routes(routes!(public::list_tags))
        .routes(routes!(admin::list_posts, admin::create_post))
        .routes(routes!(
            admin::get_post,
            admin::update_post,
            admin::delete_post
        ))
        .routes(routes!(admin::list_pages, admin::create_page))
        .routes(routes!(
            admin::get_page,
            admin::update_page,
            admin::delete_page
        ))
        .routes(routes!(admin::post_revisions))
        .routes(routes!(admin::restore_post_revision))
        .routes(routes!(admin::page_revisions))
        .routes(routes!(admin::restore_page_revision))
        .routes(routes!(admin::get_settings, admin::update_settings))
        .routes(routes!(admin::me))
        // Uploads stream past the default body limit; `UploadForm::read` enforces the
        // configured one and answers 413 itself.
        .routes(
            routes!(media::upload, media::list).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .routes(routes!(media::get, media::delete))
        .route("/api/v1/openapi.json", axum::routing::get(openapi_json))
        .route("/api/{*rest}", axum::routing::any(api_not_found))
}

/// The OpenAPI document, generated once from the router.
pub fn openapi() -> &'static utoipa::openapi::OpenApi {
    static DOC: Lazy<utoipa::openapi::OpenApi> = Lazy::new(|| router().split_for_parts().1);
    &DOC
}

async fn openapi_json() -> Response {
    static JSON: Lazy<String> = Lazy::new(|| openapi().to_pretty_json().unwrap_or_default());
    ([(header::CONTENT_TYPE, "application/json")], JSON.as_str()).into_response()
}

async fn api_not_found() -> crate::Error {
    crate::Error::not_found("API route")
}
