//! The web layer's one error type. A handler or extractor fails with an [`Error`]; the
//! front middleware renders it for the route group that answers: JSON
//! `{"error": {"code", "message", "fields"}}` under `/api` (and for the admin's own
//! scripts, which ask for JSON), the admin's error page under `/admin`, the theme's
//! error page everywhere else.
//!
//! Server-side failures are logged in full once, where they are converted; the client
//! only ever sees a generic sentence: no database or template internals in a response.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use folio_core::FieldErrors;
use folio_store::StoreError;
use serde::Serialize;
use std::collections::BTreeMap;

/// A failed request: its status, a stable code, a sentence for a person, and the fields
/// at fault.
#[derive(Debug, Clone)]
pub struct Error {
    pub status: StatusCode,
    /// Stable and machine-readable: `not_found`, `validation_failed`, `conflict`…
    pub code: &'static str,
    /// What was wrong, for a person; for a 5xx, a generic sentence.
    pub message: String,
    /// Field name → what is wrong with it.
    pub fields: BTreeMap<String, String>,
    /// In the admin: nobody is signed in, so the answer is the sign-in page, coming back
    /// to this path afterwards.
    pub(crate) sign_in_then: Option<String>,
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

impl Error {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Error {
            status,
            code,
            message: message.into(),
            fields: BTreeMap::new(),
            sign_in_then: None,
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

    /// `what` names what was not found, for API clients (`post not found`); pages say it
    /// in their own words.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// A link that worked once and no longer does (a used or expired invitation).
    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(StatusCode::GONE, "gone", message)
    }

    /// A form whose CSRF token is missing or is not the session's.
    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "The form was older than your session, or came from another site. Go back, reload the page and try again.",
        )
    }

    /// No one is signed in: the admin answers with its sign-in page, then `next`.
    pub fn sign_in(next: String) -> Self {
        Error {
            sign_in_then: Some(next),
            ..Self::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "sign in first, at /admin/signin",
            )
        }
    }

    pub fn invalid(fields: FieldErrors) -> Self {
        Error {
            fields: fields.0,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "some fields are invalid; see fields",
            )
        }
    }

    pub fn field(status: StatusCode, code: &'static str, field: &str, reason: &str) -> Self {
        let mut e = Self::new(status, code, format!("{field}: {reason}"));
        e.fields.insert(field.to_owned(), reason.to_owned());
        e
    }

    pub fn conflict(field: &str) -> Self {
        Self::field(StatusCode::CONFLICT, "conflict", field, "already taken")
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side; it has been logged",
        )
    }

    pub fn unavailable() -> Self {
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

    /// The error as JSON, with the headers its status calls for.
    pub fn json(self) -> Response {
        let status = self.status;
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
                fields: self.fields,
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        finish(response)
    }

    /// The heading and sentence an error page shows (`admin`: the admin's page, else
    /// the theme's): the error's own message where it is for the person (their
    /// mistakes), a fixed sentence where it is not.
    pub(crate) fn page_text(&self, admin: bool) -> (&'static str, String) {
        let fixed = |site: &str, admin_text: &str| if admin { admin_text } else { site }.to_owned();
        match (self.status, self.code) {
            (_, "csrf") => ("This form has expired", self.message.clone()),
            (StatusCode::NOT_FOUND, _) => (
                if admin { "Not found" } else { "Page not found" },
                fixed(
                    "There is nothing at this address. It may have moved, or the link may be mistyped.",
                    "There is nothing here. It may have been deleted.",
                ),
            ),
            (StatusCode::SERVICE_UNAVAILABLE, _) => (
                "Back in a moment",
                fixed(
                    "The site cannot reach its database right now. Please try again in a few seconds.",
                    "The database cannot be reached. Nothing was saved; try again in a few seconds.",
                ),
            ),
            (status, _) if status.is_server_error() => (
                "Something went wrong",
                fixed(
                    "An error on our side stopped this page from loading. It has been logged.",
                    "An error on our side stopped this. It has been logged.",
                ),
            ),
            (StatusCode::FORBIDDEN, _) => ("Not allowed", self.message.clone()),
            (StatusCode::GONE, _) => ("This link no longer works", self.message.clone()),
            (StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY, _) if !self.fields.is_empty() => {
                let list: Vec<String> =
                    self.fields.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                ("That could not be saved", list.join("; "))
            }
            _ => ("That request was not understood", self.message.clone()),
        }
    }
}

/// Every error answer: never stored by a cache; a 503 says when to come back.
pub(crate) fn finish(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    response
}

impl From<StoreError> for Error {
    fn from(err: StoreError) -> Self {
        folio_app::Error::from(err).into()
    }
}

impl From<folio_app::Error> for Error {
    fn from(err: folio_app::Error) -> Self {
        use folio_app::Error as E;
        match err {
            E::NotFound(what) => Error::not_found(what),
            E::Forbidden(message) => Error::forbidden(message),
            E::Invalid(fields) => Error::invalid(fields),
            E::Conflict { field } => Error::conflict(field),
            E::State { code, message } => Error::new(StatusCode::CONFLICT, code, message),
            E::Upload(err) => upload_error(err),
            E::Store(e) if e.is_unavailable() => {
                tracing::error!(error = ?e, "database unavailable");
                Error::unavailable()
            }
            E::Store(e) => {
                tracing::error!(error = ?e, "store failure");
                Error::internal()
            }
        }
    }
}

impl From<crate::ThemeError> for Error {
    fn from(err: crate::ThemeError) -> Self {
        tracing::error!(error = %err, "a template failed to render");
        Error::internal()
    }
}

/// An upload's refusal: the writer's mistakes (and a full disk, which they can report)
/// named on the `file` field; the server's own failures logged and told in general.
fn upload_error(err: folio_app::UploadError) -> Error {
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
        StatusCode::SERVICE_UNAVAILABLE => "storage_unavailable",
        _ => "internal",
    };
    if status.is_client_error() {
        Error::field(status, code, "file", &err.to_string())
    } else if status == StatusCode::INSUFFICIENT_STORAGE {
        Error::new(status, code, err.to_string())
    } else if status == StatusCode::SERVICE_UNAVAILABLE {
        tracing::error!(error = %err, "upload failed: the media storage is unavailable");
        Error::new(
            status,
            code,
            "the media storage cannot be reached right now, so nothing was stored; try again in a moment",
        )
    } else {
        tracing::error!(error = ?err, "upload failed");
        Error::new(
            status,
            code,
            "the image could not be stored because of an error on our side; it has been logged",
        )
    }
}

/// As a response, an error is only its status and itself: the front middleware, which
/// knows the route group and has the theme at hand, renders it.
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}
