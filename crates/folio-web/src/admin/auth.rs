//! Sign-in: first-run owner set-up, sign-in with rate limits, sessions in the shared
//! database, CSRF tokens, sign-out.

use super::guard::{CsrfForm, NoFields, PreSessionForm};
use super::safe_next;
use super::templates::AdminTemplates;
use crate::AppState;
use crate::Error;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;
use folio_app::users::{check_password, hash_password};
use folio_core::{Actor, Email, PersonName, Role};
use folio_store::{NewUser, Session};
use serde::{Deserialize, Serialize};

pub const SESSION_LIFETIME_HOURS: i64 = 24 * 7;
/// Failed sign-ins allowed per account, and per client address, within the window.
const ACCOUNT_FAILURES: i64 = 5;
const ADDRESS_FAILURES: i64 = 30;
const FAILURE_WINDOW_MINUTES: i64 = 15;

/// The cookie that carries the session id. On https it gets the `__Host-` prefix, which
/// browsers only accept with `Secure`, `Path=/` and no `Domain`: no subdomain can set it.
fn session_cookie(state: &AppState) -> &'static str {
    if is_https(state) {
        "__Host-folio-session"
    } else {
        "folio-session"
    }
}

/// A cookie for forms shown before there is a session (set-up, sign-in): the
/// double-submit token that stops another site from signing a visitor in.
fn form_cookie(state: &AppState) -> &'static str {
    if is_https(state) {
        "__Host-folio-form"
    } else {
        "folio-form"
    }
}

fn is_https(state: &AppState) -> bool {
    state.config().base_url.starts_with("https://")
}

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn set_cookie(
    state: &AppState,
    name: &str,
    value: &str,
    max_age_seconds: i64,
    same_site: &str,
) -> HeaderValue {
    let secure = if is_https(state) { "; Secure" } else { "" };
    let cookie = format!(
        "{name}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age_seconds}{secure}"
    );
    HeaderValue::from_str(&cookie)
        .unwrap_or_else(|_| HeaderValue::from_static("folio-invalid=; Max-Age=0"))
}

/// Compares secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A signed-in writer. A handler taking one is never reached without a live session:
/// the request is sent to the sign-in page instead.
pub struct AdminSession {
    pub session: Session,
    pub actor: Actor,
}

impl AdminSession {
    /// Checks a form's CSRF token against the session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), Error> {
        if same_secret(token, &self.session.csrf_token) {
            Ok(())
        } else {
            Err(Error::csrf())
        }
    }
}

impl FromRequestParts<AppState> for AdminSession {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let next = parts
            .uri
            .path_and_query()
            .map_or("/admin/posts", |p| p.as_str())
            .to_owned();
        let Some(id) = cookie_value(&parts.headers, session_cookie(state)) else {
            return Err(Error::sign_in(next));
        };
        match state.store().session(id).await? {
            Some(session) if !session.second_factor_pending => {
                let actor = Actor {
                    user_id: session.user.id,
                    role: session.user.role,
                };
                Ok(AdminSession { session, actor })
            }
            _ => Err(Error::sign_in(next)),
        }
    }
}

#[derive(Serialize)]
pub struct UserView {
    pub name: String,
    pub email: String,
    pub role: &'static str,
}

#[derive(Serialize)]
pub struct Flash {
    pub kind: &'static str,
    pub message: String,
}

/// What every admin page's layout needs.
#[derive(Serialize)]
pub struct AdminView {
    pub site_title: String,
    pub site_url: String,
    pub csrf: String,
    pub nav_active: &'static str,
    pub user: Option<UserView>,
    pub can_manage_site: bool,
    pub flash: Option<Flash>,
}

impl AdminView {
    pub async fn of(
        state: &AppState,
        signed_in: &AdminSession,
        nav_active: &'static str,
        flash: Option<Flash>,
    ) -> AdminView {
        let site_title = state
            .store()
            .settings()
            .await
            .map(|s| s.title)
            .unwrap_or_else(|_| "Folio".into());
        let user = &signed_in.session.user;
        AdminView {
            site_title,
            site_url: state.config().base_url.clone(),
            csrf: signed_in.session.csrf_token.clone(),
            nav_active,
            user: Some(UserView {
                name: user.name.clone(),
                email: user.email.clone(),
                role: user.role.as_str(),
            }),
            can_manage_site: signed_in.actor.may_manage_site(),
            flash,
        }
    }

    pub(super) async fn anonymous(state: &AppState, csrf: String) -> AdminView {
        let site_title = state
            .store()
            .settings()
            .await
            .map(|s| s.title)
            .unwrap_or_else(|_| "Folio".into());
        AdminView {
            site_title,
            site_url: state.config().base_url.clone(),
            csrf,
            nav_active: "",
            user: None,
            can_manage_site: false,
            flash: None,
        }
    }
}

/// Renders an admin template with a status, never cached.
pub fn page<C: Serialize>(
    status: StatusCode,
    template: &str,
    context: &C,
) -> Result<Response, Error> {
    let html = AdminTemplates::global()?.render(template, context)?;
    Ok((
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response())
}

pub use crate::client::Peer;

/// `/admin/`: set-up on a new site, the post list when signed in, else sign-in.
pub async fn entry(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Error> {
    if state.store().count_users().await? == 0 {
        return Ok(Redirect::to("/admin/setup").into_response());
    }
    let signed_in = match cookie_value(&headers, session_cookie(&state)) {
        Some(id) => state
            .store()
            .session(id)
            .await?
            .is_some_and(|s| !s.second_factor_pending),
        None => false,
    };
    Ok(Redirect::to(if signed_in {
        "/admin/posts"
    } else {
        "/admin/signin"
    })
    .into_response())
}

/// The double-submit token of a pre-session form: reused from the cookie when present.
pub(super) fn form_token(state: &AppState, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match cookie_value(headers, form_cookie(state)) {
        Some(existing)
            if existing.len() >= 32
                && existing
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            (existing.to_owned(), None)
        }
        _ => {
            let token = folio_store::random_token();
            let cookie = set_cookie(state, form_cookie(state), &token, 3600, "Strict");
            (token, Some(cookie))
        }
    }
}

pub(super) fn check_form_token(
    state: &AppState,
    headers: &HeaderMap,
    submitted: &str,
) -> Result<(), Error> {
    match cookie_value(headers, form_cookie(state)) {
        Some(cookie) if same_secret(cookie, submitted) => Ok(()),
        _ => Err(Error::csrf()),
    }
}

pub(super) fn with_cookie(mut response: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

#[derive(Deserialize, Default)]
pub struct SetupQuery {
    token: Option<String>,
}

#[derive(Serialize, Default)]
struct SetupValues {
    name: String,
    email: String,
}

#[derive(Serialize)]
struct SetupPage {
    admin: AdminView,
    errors: std::collections::BTreeMap<String, String>,
    values: SetupValues,
    setup_token: String,
}

/// Whether this request may create the owner: from the machine itself, or with a
/// set-up token printed in the server's log.
async fn setup_allowed(state: &AppState, peer: &Peer, token: &str) -> Result<bool, Error> {
    if peer.is_local() {
        return Ok(true);
    }
    Ok(!token.is_empty() && state.store().setup_token_is_valid(token).await?)
}

/// Why set-up was refused, and the two ways in: the link in the server's log, or the
/// command line on the server. (In a container the host is another machine too: Docker's
/// port mapping relays the request.)
const SETUP_REFUSED: &str = "Setting up the owner from another machine needs the one-time link that `folio serve` printed in its log, in the line that starts with “no users yet”. Find it with `docker logs <container> 2>&1 | grep admin/setup` (or in the service's log), and open it. Or create the owner on the server itself: `folio user create --email you@example.com --name \"Your Name\" --role owner --password-stdin`, which reads the password from its input; in a container: `docker exec -i <container> folio user create --email you@example.com --name \"Your Name\" --role owner --password-stdin`.";

pub async fn setup_form(
    State(state): State<AppState>,
    peer: Peer,
    Query(q): Query<SetupQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    if state.store().count_users().await? > 0 {
        return Ok(Redirect::to("/admin/signin").into_response());
    }
    let token = q.token.unwrap_or_default();
    if !setup_allowed(&state, &peer, &token).await? {
        return Err(Error::forbidden(SETUP_REFUSED));
    }
    let (csrf, cookie) = form_token(&state, &headers);
    let context = SetupPage {
        admin: AdminView::anonymous(&state, csrf).await,
        errors: Default::default(),
        values: SetupValues::default(),
        setup_token: token,
    };
    Ok(with_cookie(
        page(StatusCode::OK, "setup.html", &context)?,
        cookie,
    ))
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
    #[serde(default)]
    setup_token: String,
}

pub async fn setup(
    State(state): State<AppState>,
    peer: Peer,
    PreSessionForm { token, form }: PreSessionForm<SetupForm>,
) -> Result<Response, Error> {
    if state.store().count_users().await? > 0 {
        return Ok(Redirect::to("/admin/signin").into_response());
    }
    if !setup_allowed(&state, &peer, &form.setup_token).await? {
        return Err(Error::forbidden(SETUP_REFUSED));
    }
    let mut errors = std::collections::BTreeMap::new();
    let name = PersonName::parse(&form.name)
        .map_err(|e| errors.insert("name".to_owned(), e.to_string()))
        .ok();
    let email = Email::parse(&form.email)
        .map_err(|e| errors.insert("email".to_owned(), e.to_string()))
        .ok();
    if let Err(why) = check_password(&form.password) {
        errors.insert("password".into(), why.to_string());
    } else if form.password != form.password_confirm {
        errors.insert(
            "password_confirm".into(),
            "does not match the password".into(),
        );
    }
    let (Some(name), Some(email), true) = (name, email, errors.is_empty()) else {
        let context = SetupPage {
            admin: AdminView::anonymous(&state, token.clone()).await,
            errors,
            values: SetupValues {
                name: form.name,
                email: form.email,
            },
            setup_token: form.setup_token,
        };
        return page(StatusCode::UNPROCESSABLE_ENTITY, "setup.html", &context);
    };
    let hash = hash_password(form.password).await?;
    let user = match state
        .store()
        .create_first_owner(NewUser {
            email,
            name,
            role: Role::Owner,
            bio: String::new(),
            password_hash: Some(hash),
        })
        .await
    {
        Ok(user) => user,
        Err(folio_store::StoreError::Conflict { .. }) => {
            return Ok(Redirect::to("/admin/signin").into_response())
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(user_id = user.id, "owner created through the set-up page");
    start_session(&state, user.id, "/admin/posts").await
}

/// Signs a user in: a brand-new session id (never one the browser brought) in a
/// cookie, then on to `next`.
pub(super) async fn start_session(
    state: &AppState,
    user_id: i64,
    next: &str,
) -> Result<Response, Error> {
    let lifetime = Duration::hours(SESSION_LIFETIME_HOURS);
    let session = state
        .store()
        .create_session(user_id, false, lifetime)
        .await?;
    let mut response = Redirect::to(next).into_response();
    let cookie = set_cookie(
        state,
        session_cookie(state),
        &session.id,
        lifetime.num_seconds(),
        "Lax",
    );
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Deserialize, Default)]
pub struct SigninQuery {
    next: Option<String>,
    /// `password`: just changed through a reset link.
    m: Option<String>,
}

#[derive(Serialize)]
struct SigninPage {
    admin: AdminView,
    errors: std::collections::BTreeMap<String, String>,
    values: SetupValues,
    next: String,
    totp_required: bool,
    notice: Option<&'static str>,
}

pub async fn signin_form(
    State(state): State<AppState>,
    Query(q): Query<SigninQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    if state.store().count_users().await? == 0 {
        return Ok(Redirect::to("/admin/setup").into_response());
    }
    let next = safe_next(q.next.as_deref());
    if let Some(id) = cookie_value(&headers, session_cookie(&state)) {
        if state
            .store()
            .session(id)
            .await?
            .is_some_and(|s| !s.second_factor_pending)
        {
            return Ok(Redirect::to(&next).into_response());
        }
    }
    let (csrf, cookie) = form_token(&state, &headers);
    let notice = (q.m.as_deref() == Some("password"))
        .then_some("Your password is changed. Sign in with it.");
    let context = SigninPage {
        admin: AdminView::anonymous(&state, csrf).await,
        errors: Default::default(),
        values: SetupValues::default(),
        next,
        totp_required: false,
        notice,
    };
    Ok(with_cookie(
        page(StatusCode::OK, "signin.html", &context)?,
        cookie,
    ))
}

#[derive(Deserialize)]
pub struct SigninForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Seconds until `key` may try again, if it has used up its failures.
async fn retry_after(state: &AppState, key: &str, allowed: i64) -> Result<Option<i64>, Error> {
    let window = Duration::minutes(FAILURE_WINDOW_MINUTES);
    let (failures, oldest) = state
        .store()
        .login_failures(key, folio_store::now() - window)
        .await?;
    if failures < allowed {
        return Ok(None);
    }
    let free_at = oldest.map_or_else(folio_store::now, |t| t + window);
    Ok(Some((free_at - folio_store::now()).num_seconds().max(1)))
}

/// An argon2id hash of a random password: checked when the email is unknown, so a
/// wrong address takes as long as a wrong password and reveals nothing.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

pub async fn signin(
    State(state): State<AppState>,
    peer: Peer,
    PreSessionForm { token, form }: PreSessionForm<SigninForm>,
) -> Result<Response, Error> {
    let next = safe_next(Some(&form.next));
    let email_key = format!("account:{}", form.email.trim().to_lowercase());
    let ip_key = peer.limit_key();
    let form_token = token.clone();
    let refuse = |status: StatusCode,
                  message: String,
                  state: AppState,
                  form: SigninForm,
                  next: String| async move {
        let mut errors = std::collections::BTreeMap::new();
        errors.insert("form".to_owned(), message);
        let context = SigninPage {
            admin: AdminView::anonymous(&state, form_token).await,
            errors,
            values: SetupValues {
                name: String::new(),
                email: form.email,
            },
            next,
            totp_required: false,
            notice: None,
        };
        page(status, "signin.html", &context)
    };
    let wait = match retry_after(&state, &email_key, ACCOUNT_FAILURES).await? {
        Some(w) => Some(w),
        None => retry_after(&state, &ip_key, ADDRESS_FAILURES).await?,
    };
    if let Some(seconds) = wait {
        let mut response = refuse(
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many failed attempts: try again in {seconds} s."),
            state,
            form,
            next,
        )
        .await?;
        if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(response);
    }
    let user = match Email::parse(&form.email) {
        Ok(email) => match state.store().user_by_email(&email).await {
            Ok(user) if !user.deactivated => Some(user),
            Ok(_) | Err(folio_store::StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        Err(_) => None,
    };
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let password = form.password.clone();
    let verified = tokio::task::spawn_blocking(move || match stored {
        Some(hash) => folio_store::verify_password(&password, &hash),
        None => {
            let dummy = DUMMY_HASH.get_or_init(|| {
                folio_store::hash_password("not a real password, only for timing")
                    .unwrap_or_default()
            });
            let _ = folio_store::verify_password(&password, dummy);
            false
        }
    })
    .await
    .map_err(|_| Error::internal())?;
    match (user, verified) {
        (Some(user), true) if user.totp_secret.is_some() => {
            // Right password; the session waits for the second step and grants nothing.
            let pending = state
                .store()
                .create_session(user.id, true, Duration::minutes(10))
                .await?;
            let mut response = signin_error(
                &state,
                &token,
                &user.email,
                &next,
                true,
                StatusCode::OK,
                String::new(),
            )
            .await?;
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&state, session_cookie(&state), &pending.id, 600, "Lax"),
            );
            Ok(response)
        }
        (Some(user), true) => {
            state.store().clear_login_failures(&email_key).await?;
            tracing::info!(user_id = user.id, "signed in");
            start_session(&state, user.id, &next).await
        }
        _ => {
            state
                .store()
                .record_login_failure(&[email_key, ip_key])
                .await?;
            refuse(
                StatusCode::UNAUTHORIZED,
                "Wrong email or password.".into(),
                state,
                form,
                next,
            )
            .await
        }
    }
}

/// The sign-in page again, with a message (empty for none) and, for the second step,
/// the code form.
pub(super) async fn signin_error(
    state: &AppState,
    csrf: &str,
    email: &str,
    next: &str,
    totp_required: bool,
    status: StatusCode,
    message: String,
) -> Result<Response, Error> {
    let mut errors = std::collections::BTreeMap::new();
    if !message.is_empty() {
        errors.insert("form".to_owned(), message);
    }
    let context = SigninPage {
        admin: AdminView::anonymous(state, csrf.to_owned()).await,
        errors,
        values: SetupValues {
            name: String::new(),
            email: email.to_owned(),
        },
        next: next.to_owned(),
        totp_required,
        notice: None,
    };
    page(status, "signin.html", &context)
}

/// The session waiting for its second step, with its cookie id.
pub(super) async fn pending_session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(String, Session)>, Error> {
    let Some(id) = cookie_value(headers, session_cookie(state)) else {
        return Ok(None);
    };
    Ok(state
        .store()
        .session(id)
        .await?
        .filter(|s| s.second_factor_pending)
        .map(|s| (id.to_owned(), s)))
}

/// Seconds until an account may try again (per-account limit).
pub(super) async fn retry_after_public(state: &AppState, key: &str) -> Result<Option<i64>, Error> {
    retry_after(state, key, ACCOUNT_FAILURES).await
}

/// Ends the session on the server (the cookie alone is worthless afterwards).
pub async fn signout(
    State(state): State<AppState>,
    headers: HeaderMap,
    _checked: CsrfForm<NoFields>,
) -> Result<Response, Error> {
    if let Some(id) = cookie_value(&headers, session_cookie(&state)) {
        state.store().delete_session(id).await?;
    }
    let mut response = Redirect::to("/admin/signin").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, session_cookie(&state), "", 0, "Lax"),
    );
    Ok(response)
}
