//! What an admin handler may do, as types: a handler is handed a form only after its
//! CSRF token matched, and a session only after its role passed, so a forgotten check
//! does not compile rather than being a missing line.
//!
//! - [`AdminSession`] (in `auth`): someone signed in; any role.
//! - [`Manager`]: an owner or admin, who run the site (settings, people).
//! - [`CsrfForm`]: a signed-in writer's form whose token is the session's, with the role
//!   the handler names ([`Writer`], the default, or [`Manager`]).
//! - [`CsrfJson`]: the same for the editor's scripts, which send the token as
//!   `X-CSRF-Token` and their body as JSON.
//! - [`PreSessionForm`]: a form from before there is a session (set-up, sign-in, an
//!   invitation, a password link), checked against its double-submit cookie.

use super::auth::{check_form_token, AdminSession};
use crate::media::UploadForm;
use crate::{AppState, Error};
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::request::Parts;
use axum::{Form, Json};
use folio_core::Actor;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::marker::PhantomData;

/// A role a handler requires, checked before it runs.
pub trait Requirement {
    fn check(actor: &Actor) -> Result<(), Error>;
}

/// Any signed-in writer.
pub struct Writer;

impl Requirement for Writer {
    fn check(_: &Actor) -> Result<(), Error> {
        Ok(())
    }
}

/// An owner or admin: the people who run the site.
pub struct Manager(pub AdminSession);

impl Requirement for Manager {
    fn check(actor: &Actor) -> Result<(), Error> {
        if actor.may_manage_site() {
            Ok(())
        } else {
            Err(Error::forbidden(
                "Only owners and admins may change the site's settings and people.",
            ))
        }
    }
}

impl FromRequestParts<AppState> for Manager {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let signed_in = AdminSession::from_request_parts(parts, state).await?;
        <Manager as Requirement>::check(&signed_in.actor)?;
        Ok(Manager(signed_in))
    }
}

/// A form with no fields but its token (a button: sign out, delete, revoke).
#[derive(Deserialize)]
pub struct NoFields {}

/// The token field every admin form carries.
#[derive(Deserialize)]
struct Token {
    #[serde(default)]
    csrf: String,
}

/// A urlencoded body, read whole, and its `csrf` field.
struct Posted {
    parts: Parts,
    bytes: Bytes,
    token: String,
}

impl Posted {
    async fn read(parts: Parts, body: Body, state: &AppState) -> Result<Posted, Error> {
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|e| Error::bad_request(e.body_text()))?;
        let token = serde_urlencoded::from_bytes::<Token>(&bytes)
            .map(|t| t.csrf)
            .unwrap_or_default();
        Ok(Posted {
            parts,
            bytes,
            token,
        })
    }

    /// The whole form as `T`, by axum's rules for the content type; a body that is not
    /// a `T` is a 400 naming why.
    async fn form<T: DeserializeOwned>(self, state: &AppState) -> Result<T, Error> {
        let request = Request::from_parts(self.parts, Body::from(self.bytes));
        let Form(form) = Form::<T>::from_request(request, state)
            .await
            .map_err(|e| Error::bad_request(e.body_text()))?;
        Ok(form)
    }
}

/// A signed-in writer's form whose CSRF token is their session's, from someone with
/// role `R`. Not signed in: the sign-in page; a wrong token: 403, before the form is
/// read into `T`.
pub struct CsrfForm<T, R = Writer> {
    pub signed_in: AdminSession,
    pub form: T,
    role: PhantomData<R>,
}

impl<T: DeserializeOwned, R: Requirement> FromRequest<AppState> for CsrfForm<T, R> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Error> {
        let (mut parts, body) = request.into_parts();
        let signed_in = AdminSession::from_request_parts(&mut parts, state).await?;
        let posted = Posted::read(parts, body, state).await?;
        signed_in.check_csrf(&posted.token)?;
        R::check(&signed_in.actor)?;
        Ok(CsrfForm {
            signed_in,
            form: posted.form(state).await?,
            role: PhantomData,
        })
    }
}

/// A JSON call from the admin's scripts: signed in, with the session's CSRF token in
/// `X-CSRF-Token`.
pub struct CsrfJson<T> {
    pub signed_in: AdminSession,
    pub body: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfJson<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Error> {
        let (mut parts, body) = request.into_parts();
        let signed_in = AdminSession::from_request_parts(&mut parts, state).await?;
        signed_in.check_csrf(csrf_header(&parts))?;
        let Json(body) = Json::<T>::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| Error::bad_request(e.body_text()))?;
        Ok(CsrfJson { signed_in, body })
    }
}

/// An image upload from the library's form or the editor's script: signed in, the
/// body read as far as the upload limit allows, and the CSRF token (`X-CSRF-Token`, or
/// the form's `csrf` field) the session's. A body that could not be read is handed on
/// as its error, for the handler to show; nothing is written either way.
pub struct CsrfUpload {
    pub signed_in: AdminSession,
    pub form: Result<UploadForm, folio_app::Error>,
}

impl FromRequest<AppState> for CsrfUpload {
    type Rejection = Error;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Error> {
        let (mut parts, body) = request.into_parts();
        let signed_in = AdminSession::from_request_parts(&mut parts, state).await?;
        let header_token = csrf_header(&parts).to_owned();
        let multipart = Multipart::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| Error::bad_request(e.body_text()))?;
        let form = match UploadForm::read(multipart, state.media().max_bytes()).await {
            Ok(form) => {
                let token = if header_token.is_empty() {
                    form.field("csrf")
                } else {
                    &header_token
                };
                signed_in.check_csrf(token)?;
                Ok(form)
            }
            Err(err) => Err(err.into()),
        };
        Ok(CsrfUpload { signed_in, form })
    }
}

/// The `X-CSRF-Token` header the admin's scripts send.
pub(super) fn csrf_header(parts: &Parts) -> &str {
    parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// A form shown before there is a session (set-up, sign-in, second step, invitation,
/// password link), whose token matched its double-submit cookie: another site cannot
/// post it in a visitor's name. `token` is kept to render the form again.
pub struct PreSessionForm<T> {
    pub token: String,
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for PreSessionForm<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Error> {
        let (parts, body) = request.into_parts();
        let posted = Posted::read(parts, body, state).await?;
        check_form_token(state, &posted.parts.headers, &posted.token)?;
        let token = posted.token.clone();
        Ok(PreSessionForm {
            token,
            form: posted.form(state).await?,
        })
    }
}
