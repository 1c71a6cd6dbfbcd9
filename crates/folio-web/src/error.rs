//! The web layer's two error types: [`ApiError`] answers in JSON, [`PageError`] with
//! a themed page. Both log server-side failures in full once and show the client only a
//! generic message: no database or template internals ever reach a response.

use crate::AppState;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use folio_core::FieldErrors;
use folio_store::StoreError;
use serde::Serialize;
use std::collections::BTreeMap;

/// An API failure: `{"error": {"code", "message", "fields"}}` with a fitting status.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: BTreeMap<String, String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable, machine-readable code such as `not_found` or `validation_failed`.
    pub code: String,
    /// A sentence for a person.
    pub message: String,
    /// Field name → what is wrong with it.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            fields: BTreeMap::new(),
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid API token is required: send Authorization: Bearer <token>",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    pub fn invalid(fields: FieldErrors) -> Self {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed",
            message: "some fields are invalid; see fields".into(),
            fields: fields.0,
        }
    }

    pub fn field(status: StatusCode, code: &'static str, field: &str, reason: &str) -> Self {
        let mut e = Self::new(status, code, format!("{field}: {reason}"));
        e.fields.insert(field.to_owned(), reason.to_owned());
        e
    }

    fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side; it has been logged",
        )
    }

    fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the database is unavailable; try again shortly",
        )
    }

    /// A reader's request that ran past [`crate::WebConfig::read_timeout`].
    pub(crate) fn timed_out() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the site took too long to answer (its database may be slow); try again shortly",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::not_found("resource"),
            StoreError::Conflict { field } => {
                ApiError::field(StatusCode::CONFLICT, "conflict", field, "already taken")
            }
            StoreError::Invalid(fields) => ApiError::invalid(fields),
            e if e.is_unavailable() => {
                tracing::error!(error = ?e, "database unavailable");
                ApiError::unavailable()
            }
            e => {
                tracing::error!(error = ?e, "store failure");
                ApiError::internal()
            }
        }
    }
}

impl From<folio_app::Error> for ApiError {
    fn from(err: folio_app::Error) -> Self {
        use folio_app::Error as E;
        match err {
            E::NotFound(what) => ApiError::not_found(what),
            E::Forbidden(message) => ApiError::forbidden(message),
            E::Invalid(fields) => ApiError::invalid(fields),
            E::Conflict { field } => {
                ApiError::field(StatusCode::CONFLICT, "conflict", field, "already taken")
            }
            E::Upload(err) => upload_error(err),
            E::Store(err) => err.into(),
        }
    }
}

/// An upload's refusal: the writer's mistakes (and a full disk, which they can report)
/// named on the `file` field; the server's own failures logged and told in general.
fn upload_error(err: folio_app::UploadError) -> ApiError {
    use folio_app::UploadError as U;
    let status = match &err {
        U::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        U::NoFile => StatusCode::UNPROCESSABLE_ENTITY,
        U::Malformed(_) => StatusCode::BAD_REQUEST,
        U::Media(e) => {
            StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        }
    };
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_image",
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::INSUFFICIENT_STORAGE => "storage_full",
        _ => "internal",
    };
    if status.is_client_error() {
        ApiError::field(status, code, "file", &err.to_string())
    } else if status == StatusCode::INSUFFICIENT_STORAGE {
        ApiError::new(status, code, err.to_string())
    } else {
        tracing::error!(error = ?err, "upload failed");
        ApiError::new(
            status,
            code,
            "the image could not be stored because of an error on our side; it has been logged",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
                fields: self.fields,
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

/// A failure on a public page, answered with the theme's error page.
///
/// As a response it is only a status and a marker; the front middleware,
/// which has the theme at hand, replaces it with the rendered page.
#[derive(Debug, Clone)]
pub enum PageError {
    NotFound,
    BadRequest(String),
    Unavailable,
    Internal,
}

impl From<StoreError> for PageError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => PageError::NotFound,
            e if e.is_unavailable() => {
                tracing::error!(error = ?e, "database unavailable");
                PageError::Unavailable
            }
            e => {
                tracing::error!(error = ?e, "store failure");
                PageError::Internal
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = match &self {
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::BadRequest(_) => StatusCode::BAD_REQUEST,
            PageError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            PageError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

impl PageError {
    /// The themed error page. Falls back to plain text if the theme itself fails.
    pub async fn render(self, state: &AppState, path: &str) -> Response {
        let (status, heading, message) = match &self {
            PageError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is nothing at this address. It may have moved, or the link may be mistyped."
                    .to_owned(),
            ),
            PageError::BadRequest(why) => (
                StatusCode::BAD_REQUEST,
                "That request was not understood",
                why.clone(),
            ),
            PageError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Back in a moment",
                "The site cannot reach its database right now. Please try again in a few seconds."
                    .to_owned(),
            ),
            PageError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "An error on our side stopped this page from loading. It has been logged."
                    .to_owned(),
            ),
        };
        // The error page must render even when the database is down: the settings fall
        // back to their defaults, briefly awaited.
        let settings = match tokio::time::timeout(
            std::time::Duration::from_millis(500),
            state.store().settings(),
        )
        .await
        {
            Ok(Ok(settings)) => settings,
            _ => folio_store::SiteSettings::default(),
        };
        let mut response =
            match crate::views::render_error(state, &settings, path, status, heading, &message) {
                Ok(html) => (
                    status,
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    html,
                )
                    .into_response(),
                Err(err) => {
                    tracing::error!(error = %err, "the theme's error page failed to render");
                    (
                        status,
                        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                        format!("{heading}\n\n{message}\n"),
                    )
                        .into_response()
                }
            };
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}
