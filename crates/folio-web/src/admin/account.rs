//! The signed-in user's own account: changing the password, two-step verification
//! (TOTP, RFC 6238) with one-time recovery codes, and the second step of signing in.

use super::auth::{page, start_session, AdminSession, AdminView, Flash};
use super::guard::{CsrfForm, NoFields, PreSessionForm};
use super::safe_next;
use crate::AppState;
use crate::Error;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use folio_app::users::{check_password, password_matches};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use totp_rs::{Algorithm, Secret, TOTP};

/// Recovery codes handed out when two-step verification is turned on.
const RECOVERY_CODES: usize = 10;

/// The TOTP every authenticator app understands: SHA-1, 6 digits, 30 s, one step of
/// clock skew either way.
fn totp(secret_base32: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_owned()).to_bytes().ok()?;
    TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes).ok()
}

/// The 30-second step whose code `code` is, if it is the code of the current step or
/// of one step either side (clock skew).
pub fn matching_step(secret_base32: &str, code: &str) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret_base32)?;
    let now = u64::try_from(chrono::Utc::now().timestamp()).ok()?;
    let step = now / 30;
    [step.saturating_sub(1), step, step + 1]
        .into_iter()
        .find(|s| super::auth::same_secret(&totp.generate(s * 30), &code))
        .and_then(|s| i64::try_from(s).ok())
}

fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    match Secret::Raw(bytes.to_vec()).to_encoded() {
        Secret::Encoded(s) => s,
        Secret::Raw(_) => String::new(),
    }
}

fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 10];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let chars: String = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

fn hash_code(code: &str) -> String {
    Sha256::digest(code.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Serialize)]
struct Setup {
    secret: String,
    otpauth_url: String,
}

#[derive(Serialize)]
struct AccountPage {
    admin: AdminView,
    totp_enabled: bool,
    setup: Option<Setup>,
    recovery_codes: Option<Vec<String>>,
    errors: BTreeMap<String, String>,
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn render(
    state: &AppState,
    signed_in: &AdminSession,
    status: StatusCode,
    setup: Option<Setup>,
    codes: Option<Vec<String>>,
    errors: BTreeMap<String, String>,
    flash: Option<Flash>,
) -> Result<Response, Error> {
    // Read again: the page right after a change must show the new state.
    let user = state.store().user_by_id(signed_in.actor.user_id).await?;
    let context = AccountPage {
        admin: AdminView::of(state, signed_in, "account", flash).await,
        totp_enabled: user.totp_secret.is_some(),
        setup,
        recovery_codes: codes,
        errors,
    };
    page(status, "account.html", &context)
}

#[derive(Deserialize, Default)]
pub struct AccountQuery {
    /// `password`: just changed.
    m: Option<String>,
}

pub async fn account(
    State(state): State<AppState>,
    signed_in: AdminSession,
    Query(q): Query<AccountQuery>,
) -> Result<Response, Error> {
    let flash = (q.m.as_deref() == Some("password")).then(|| Flash {
        kind: "ok",
        message: "Password changed. Every other session of yours is signed out.".into(),
    });
    render(
        &state,
        &signed_in,
        StatusCode::OK,
        None,
        None,
        BTreeMap::new(),
        flash,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// A new password, given the current one. Every session of the user ends (a thief's
/// too); this browser gets a fresh one. Wrong current passwords count against the same
/// per-account limit as signing in.
pub async fn change_password(
    State(state): State<AppState>,
    CsrfForm {
        signed_in, form, ..
    }: CsrfForm<PasswordForm>,
) -> Result<Response, Error> {
    let user = &signed_in.session.user;
    let key = format!("account:{}", user.email);
    let mut errors = BTreeMap::new();
    if let Some(seconds) = super::auth::retry_after_public(&state, &key).await? {
        errors.insert(
            "current_password".to_owned(),
            format!("too many wrong passwords: try again in {seconds} s"),
        );
        return render(
            &state,
            &signed_in,
            StatusCode::TOO_MANY_REQUESTS,
            None,
            None,
            errors,
            None,
        )
        .await;
    }
    let ok = password_matches(user.password_hash.clone(), form.current_password.clone()).await;
    if !ok {
        state
            .store()
            .record_login_failure(std::slice::from_ref(&key))
            .await?;
        errors.insert("current_password".to_owned(), "wrong password".to_owned());
    } else if let Err(why) = check_password(&form.password) {
        errors.insert("new_password".to_owned(), why.to_string());
    } else if form.password != form.password_confirm {
        errors.insert(
            "new_password_confirm".to_owned(),
            "does not match the new password".to_owned(),
        );
    }
    if !errors.is_empty() {
        let status = if ok {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::UNAUTHORIZED
        };
        return render(&state, &signed_in, status, None, None, errors, None).await;
    }
    state.app().set_password(user, form.password).await?;
    tracing::info!(user_id = user.id, "password changed");
    start_session(&state, user.id, "/admin/account?m=password").await
}

#[derive(Deserialize, Default)]
pub struct TwoStepForm {
    #[serde(default)]
    secret: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
}

fn setup_for(state: &AppState, signed_in: &AdminSession, secret: String) -> Setup {
    let issuer = state
        .config()
        .base_url
        .split("://")
        .nth(1)
        .unwrap_or("folio")
        .to_owned();
    let account = signed_in.session.user.email.clone();
    let otpauth_url = format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits=6&period=30",
        percent(&issuer),
        percent(&account),
        percent(&issuer)
    );
    Setup {
        secret,
        otpauth_url,
    }
}

/// Step 1: a new secret to add to an authenticator app (nothing stored yet).
pub async fn start(
    State(state): State<AppState>,
    CsrfForm { signed_in, .. }: CsrfForm<NoFields>,
) -> Result<Response, Error> {
    let setup = setup_for(&state, &signed_in, new_secret());
    render(
        &state,
        &signed_in,
        StatusCode::OK,
        Some(setup),
        None,
        BTreeMap::new(),
        None,
    )
    .await
}

/// Step 2: a code from the app proves it holds the secret; only then is it stored, and
/// the recovery codes are shown, once.
pub async fn enable(
    State(state): State<AppState>,
    CsrfForm {
        signed_in, form, ..
    }: CsrfForm<TwoStepForm>,
) -> Result<Response, Error> {
    let secret = form.secret.trim().to_owned();
    if totp(&secret).is_none() {
        return Err(Error::bad_request(
            "the set-up secret is not valid; start again",
        ));
    }
    let Some(step) = matching_step(&secret, &form.code) else {
        let mut errors = BTreeMap::new();
        errors.insert("code".to_owned(), "that is not the current code: check the app and the clock of this device, then try again".to_owned());
        let setup = setup_for(&state, &signed_in, secret);
        return render(
            &state,
            &signed_in,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(setup),
            None,
            errors,
            None,
        )
        .await;
    };
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
    let hashes: Vec<String> = codes.iter().map(|c| hash_code(c)).collect();
    state
        .store()
        .set_second_factor(signed_in.actor.user_id, Some(&secret), &hashes)
        .await?;
    // The code that turned it on cannot be used again to sign in.
    state
        .store()
        .accept_totp_step(signed_in.actor.user_id, step)
        .await?;
    let flash = Some(Flash {
        kind: "ok",
        message: "Two-step verification is on.".into(),
    });
    render(
        &state,
        &signed_in,
        StatusCode::OK,
        None,
        Some(codes),
        BTreeMap::new(),
        flash,
    )
    .await
}

/// Turning it off needs the password again: a borrowed session alone cannot do it.
pub async fn disable(
    State(state): State<AppState>,
    CsrfForm {
        signed_in, form, ..
    }: CsrfForm<TwoStepForm>,
) -> Result<Response, Error> {
    let ok = password_matches(
        signed_in.session.user.password_hash.clone(),
        form.password.clone(),
    )
    .await;
    if !ok {
        let mut errors = BTreeMap::new();
        errors.insert("password".to_owned(), "wrong password".to_owned());
        return render(
            &state,
            &signed_in,
            StatusCode::UNAUTHORIZED,
            None,
            None,
            errors,
            None,
        )
        .await;
    }
    state
        .store()
        .set_second_factor(signed_in.actor.user_id, None, &[])
        .await?;
    let flash = Some(Flash {
        kind: "ok",
        message: "Two-step verification is off.".into(),
    });
    render(
        &state,
        &signed_in,
        StatusCode::OK,
        None,
        None,
        BTreeMap::new(),
        flash,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct SecondStepForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

/// The second step of signing in: the session the password opened is still pending;
/// a current code or an unused recovery code completes it (as a brand-new session).
pub async fn second_step(
    State(state): State<AppState>,
    headers: HeaderMap,
    PreSessionForm { token, form }: PreSessionForm<SecondStepForm>,
) -> Result<Response, Error> {
    let next = safe_next(Some(&form.next));
    let Some((pending_id, session)) = super::auth::pending_session(&state, &headers).await? else {
        return Ok(Redirect::to("/admin/signin").into_response());
    };
    let user = session.user;
    let key = format!("account:{}", user.email);
    if let Some(seconds) = super::auth::retry_after_public(&state, &key).await? {
        return super::auth::signin_error(
            &state,
            &token,
            &user.email,
            &next,
            true,
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many failed attempts: try again in {seconds} s."),
        )
        .await;
    }
    let by_code = match user
        .totp_secret
        .as_deref()
        .and_then(|s| matching_step(s, &form.code))
    {
        Some(step) => state.store().accept_totp_step(user.id, step).await?,
        None => false,
    };
    let accepted = by_code
        || (!form.code.trim().is_empty()
            && state.store().use_recovery_code(user.id, &form.code).await?);
    if !accepted {
        state.store().record_login_failure(&[key]).await?;
        return super::auth::signin_error(
            &state,
            &token,
            &user.email,
            &next,
            true,
            StatusCode::UNAUTHORIZED,
            "That code is not right. Use the current code from your app, or a recovery code."
                .into(),
        )
        .await;
    }
    state.store().delete_session(&pending_id).await?;
    state.store().clear_login_failures(&key).await?;
    tracing::info!(
        user_id = user.id,
        by_recovery_code = !by_code,
        "signed in with two steps"
    );
    start_session(&state, user.id, &next).await
}
