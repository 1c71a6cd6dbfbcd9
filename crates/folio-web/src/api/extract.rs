//! Extractors of the API: the token's user, and a JSON body whose rejections are API
//! errors naming the offending field.

use crate::{AppState, Error};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use folio_core::Actor;
use serde::de::DeserializeOwned;

/// The user an API token belongs to. A handler that takes one is never reached
/// without a valid token.
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(Error::unauthorized)?;
        let (scheme, token) = value
            .trim()
            .split_once(' ')
            .ok_or_else(Error::unauthorized)?;
        if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
            return Err(Error::unauthorized());
        }
        let owner = state
            .store()
            .authenticate_token(token.trim())
            .await?
            .ok_or_else(Error::unauthorized)?;
        Ok(ApiActor(Actor {
            user_id: owner.user_id,
            role: owner.role,
        }))
    }
}

/// `axum::Json`, with its rejections turned into [`Error`]s: 415 without a JSON
/// content type, 400 for malformed JSON, 422 naming the field for a wrong shape.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_error(rejection)),
        }
    }
}

fn json_error(rejection: JsonRejection) -> Error {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => Error::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with Content-Type: application/json",
        ),
        JsonRejection::JsonSyntaxError(e) => Error::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!(
                "the body is not valid JSON: {}",
                serde_reason(&e.body_text())
            ),
        ),
        JsonRejection::JsonDataError(e) => {
            let text = serde_reason(&e.body_text());
            let (field, reason) = field_of(&text);
            Error::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                &field,
                &reason,
            )
        }
        JsonRejection::BytesRejection(_) => Error::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the body is too large or could not be read",
        ),
        _ => Error::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "the body could not be read",
        ),
    }
}

/// The serde part of axum's rejection text.
fn serde_reason(text: &str) -> String {
    text.split_once("type: ")
        .map(|(_, rest)| rest)
        .unwrap_or(text)
        .to_owned()
}

/// Splits `"title: invalid type: ..."` into the field and the reason, and finds the
/// field of `"missing field `title`"` and `"unknown field `x`, expected ..."`.
fn field_of(text: &str) -> (String, String) {
    let strip_position = |s: &str| s.split(" at line ").next().unwrap_or(s).to_owned();
    if let Some(start) = text.find('`') {
        if text.contains("missing field") || text.contains("unknown field") {
            let name = text[start + 1..].split('`').next().unwrap_or_default();
            let reason = if text.contains("missing field") {
                "is required".to_owned()
            } else {
                "is not a known field".to_owned()
            };
            return (name.to_owned(), reason);
        }
    }
    match text.split_once(": ") {
        Some((path, reason)) if !path.contains(' ') && path != "." => {
            (path.to_owned(), strip_position(reason))
        }
        _ => ("body".to_owned(), strip_position(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::field_of;

    #[test]
    fn finds_the_field_in_serde_messages() {
        assert_eq!(
            field_of("title: invalid type: integer `5`, expected a string at line 1 column 11"),
            (
                "title".into(),
                "invalid type: integer `5`, expected a string".into()
            )
        );
        assert_eq!(
            field_of("missing field `title` at line 1 column 2"),
            ("title".into(), "is required".into())
        );
        assert_eq!(
            field_of("unknown field `titel`, expected one of `title`"),
            ("titel".into(), "is not a known field".into())
        );
    }
}
