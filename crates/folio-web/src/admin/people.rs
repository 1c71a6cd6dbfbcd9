//! People: the user list, invitations by link, role changes and deactivation. Owners
//! and admins only; an admin manages editors, authors and contributors, the owner
//! manages admins too, and nobody changes the owner or themselves here.

use super::auth::{form_token, page, start_session, with_cookie, AdminSession, AdminView, Flash};
use super::guard::{CsrfForm, NoFields, PreSessionForm};
use crate::AppState;
use crate::Error;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;
use folio_app::users::{check_password, hash_password};
use folio_core::{Actor, Email, PersonName, Role};
use folio_store::{NewUser, StoreError, User};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How long an invitation link works.
const INVITE_DAYS: i64 = 7;

/// Roles `actor` may give or take away.
fn assignable_roles(actor: &Actor) -> &'static [Role] {
    match actor.role {
        Role::Owner => &[Role::Admin, Role::Editor, Role::Author, Role::Contributor],
        Role::Admin => &[Role::Editor, Role::Author, Role::Contributor],
        _ => &[],
    }
}

/// Whether `actor` may change `target`'s role or deactivate them.
fn may_manage(actor: &Actor, target: &User) -> bool {
    target.id != actor.user_id && assignable_roles(actor).contains(&target.role)
}

fn require_manager(signed_in: &AdminSession) -> Result<(), Error> {
    if signed_in.actor.may_manage_site() {
        Ok(())
    } else {
        Err(Error::forbidden("Only owners and admins manage people."))
    }
}

#[derive(Serialize)]
struct PersonItem {
    id: i64,
    name: String,
    email: String,
    role: &'static str,
    active: bool,
    is_you: bool,
    manageable: bool,
    role_url: String,
    active_url: String,
    reset_url: String,
}

/// A one-time link just made (an invitation, a password reset), shown once.
#[derive(Serialize)]
struct NewLink {
    title: &'static str,
    lead: String,
    url: String,
}

#[derive(Serialize)]
struct InviteItem {
    email: String,
    role: &'static str,
    expires_display: String,
}

#[derive(Serialize)]
struct PeoplePage {
    admin: AdminView,
    people: Vec<PersonItem>,
    invites: Vec<InviteItem>,
    roles: Vec<&'static str>,
    errors: BTreeMap<String, String>,
    values: BTreeMap<&'static str, String>,
    new_link: Option<NewLink>,
}

async fn render_people(
    state: &AppState,
    signed_in: &AdminSession,
    status: StatusCode,
    errors: BTreeMap<String, String>,
    values: BTreeMap<&'static str, String>,
    new_link: Option<NewLink>,
    flash: Option<Flash>,
) -> Result<Response, Error> {
    let actor = signed_in.actor;
    let people = state
        .store()
        .list_users()
        .await?
        .into_iter()
        .map(|u| PersonItem {
            id: u.id,
            manageable: may_manage(&actor, &u),
            is_you: u.id == actor.user_id,
            role_url: format!("/admin/users/{}/role", u.id),
            active_url: format!(
                "/admin/users/{}/{}",
                u.id,
                if u.deactivated {
                    "reactivate"
                } else {
                    "deactivate"
                }
            ),
            reset_url: format!("/admin/users/{}/reset-link", u.id),
            name: u.name,
            email: u.email,
            role: u.role.as_str(),
            active: !u.deactivated,
        })
        .collect();
    let invites = state
        .store()
        .pending_invites()
        .await?
        .into_iter()
        .map(|i| InviteItem {
            email: i.email,
            role: i.role.as_str(),
            expires_display: i.expires_at.format("%-d %b %Y").to_string(),
        })
        .collect();
    let context = PeoplePage {
        admin: AdminView::of(state, signed_in, "users", flash).await,
        people,
        invites,
        roles: assignable_roles(&actor)
            .iter()
            .map(|r| r.as_str())
            .collect(),
        errors,
        values,
        new_link,
    };
    page(status, "users.html", &context)
}

#[derive(Deserialize, Default)]
pub struct PeopleQuery {
    m: Option<String>,
}

pub async fn people(
    State(state): State<AppState>,
    signed_in: AdminSession,
    axum::extract::Query(q): axum::extract::Query<PeopleQuery>,
) -> Result<Response, Error> {
    require_manager(&signed_in)?;
    let flash = match q.m.as_deref() {
        Some("role") => Some(Flash {
            kind: "ok",
            message: "Role changed.".into(),
        }),
        Some("deactivated") => Some(Flash {
            kind: "ok",
            message: "Deactivated: they are signed out and their tokens no longer work.".into(),
        }),
        Some("reactivated") => Some(Flash {
            kind: "ok",
            message: "Reactivated.".into(),
        }),
        _ => None,
    };
    render_people(
        &state,
        &signed_in,
        StatusCode::OK,
        BTreeMap::new(),
        BTreeMap::new(),
        None,
        flash,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

pub async fn invite(
    State(state): State<AppState>,
    CsrfForm {
        signed_in, form, ..
    }: CsrfForm<InviteForm>,
) -> Result<Response, Error> {
    require_manager(&signed_in)?;
    let mut errors = BTreeMap::new();
    let email = Email::parse(&form.email)
        .map_err(|e| errors.insert("email".to_owned(), e.to_string()))
        .ok();
    let role = match Role::parse(&form.role) {
        Ok(role) if assignable_roles(&signed_in.actor).contains(&role) => Some(role),
        Ok(role) => {
            errors.insert(
                "role".into(),
                format!("your role may not invite an {}", role.as_str()),
            );
            None
        }
        Err(e) => {
            errors.insert("role".into(), e.to_string());
            None
        }
    };
    let mut values = BTreeMap::new();
    values.insert("email", form.email.clone());
    values.insert("role", form.role.clone());
    let (Some(email), Some(role)) = (email, role) else {
        return render_people(
            &state,
            &signed_in,
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            values,
            None,
            None,
        )
        .await;
    };
    match state
        .store()
        .create_invite(
            &email,
            role,
            signed_in.actor.user_id,
            Duration::days(INVITE_DAYS),
        )
        .await
    {
        Ok(token) => {
            let link = NewLink {
                title: "Invitation link",
                lead: format!("Send this link to the person you invited. It works once, for {INVITE_DAYS} days."),
                url: state.absolute(&format!("/admin/invite/{token}")),
            };
            let flash = Some(Flash {
                kind: "ok",
                message: format!(
                    "Invitation created for {}. Send them the link below.",
                    email.as_str()
                ),
            });
            render_people(
                &state,
                &signed_in,
                StatusCode::CREATED,
                BTreeMap::new(),
                BTreeMap::new(),
                Some(link),
                flash,
            )
            .await
        }
        Err(StoreError::Conflict { .. }) => {
            errors.insert(
                "email".into(),
                "someone with this address already has an account".into(),
            );
            render_people(
                &state,
                &signed_in,
                StatusCode::CONFLICT,
                errors,
                values,
                None,
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn target(state: &AppState, signed_in: &AdminSession, id: i64) -> Result<User, Error> {
    require_manager(signed_in)?;
    let user = state.store().user_by_id(id).await?;
    if !may_manage(&signed_in.actor, &user) {
        return Err(Error::forbidden(
            "You may not change this person's account.",
        ));
    }
    Ok(user)
}

#[derive(Deserialize, Default)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

pub async fn set_role(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm {
        signed_in, form, ..
    }: CsrfForm<RoleForm>,
) -> Result<Response, Error> {
    let user = target(&state, &signed_in, id).await?;
    let role = Role::parse(&form.role).map_err(|e| Error::bad_request(format!("role {e}")))?;
    if !assignable_roles(&signed_in.actor).contains(&role) {
        return Err(Error::forbidden(format!(
            "Your role may not make anyone {}.",
            role.as_str()
        )));
    }
    state.store().set_role(user.id, role).await?;
    Ok(Redirect::to("/admin/users?m=role").into_response())
}

pub async fn deactivate(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { signed_in, .. }: CsrfForm<NoFields>,
) -> Result<Response, Error> {
    let user = target(&state, &signed_in, id).await?;
    state.store().set_active(user.id, false).await?;
    Ok(Redirect::to("/admin/users?m=deactivated").into_response())
}

/// A one-time link for someone the signed-in manager manages to choose a new password
/// with, shown once on the people page. Nothing is sent anywhere: the manager passes it
/// on, so there is no public "forgot password" form to probe for accounts.
pub async fn reset_link(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { signed_in, .. }: CsrfForm<NoFields>,
) -> Result<Response, Error> {
    let user = target(&state, &signed_in, id).await?;
    let token = state.app().password_link(&user).await?;
    tracing::info!(
        user_id = user.id,
        by = signed_in.actor.user_id,
        "password reset link created"
    );
    let link = NewLink {
        title: "Password link",
        lead: format!(
            "Give this link to {} only. It works once, for {} hours, and lets them choose a new password; it replaces any earlier link for them.",
            user.name,
            folio_app::users::RESET_LINK_HOURS
        ),
        url: state.absolute(&format!("/admin/reset/{token}")),
    };
    let flash = Some(Flash {
        kind: "ok",
        message: format!("Password link created for {}.", user.name),
    });
    render_people(
        &state,
        &signed_in,
        StatusCode::CREATED,
        BTreeMap::new(),
        BTreeMap::new(),
        Some(link),
        flash,
    )
    .await
}

pub async fn reactivate(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { signed_in, .. }: CsrfForm<NoFields>,
) -> Result<Response, Error> {
    let user = target(&state, &signed_in, id).await?;
    state.store().set_active(user.id, true).await?;
    Ok(Redirect::to("/admin/users?m=reactivated").into_response())
}

#[derive(Serialize)]
struct AcceptPage {
    admin: AdminView,
    email: String,
    role: &'static str,
    errors: BTreeMap<String, String>,
    values: BTreeMap<&'static str, String>,
    action_url: String,
}

const INVITE_GONE: &str =
    "This invitation link has expired or was already used. Ask whoever invited you for a new one.";

pub async fn accept_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let invite = match state.store().invite(&token).await {
        Ok(invite) => invite,
        Err(StoreError::NotFound) => return Err(Error::gone(INVITE_GONE)),
        Err(e) => return Err(e.into()),
    };
    let (csrf, cookie) = form_token(&state, &headers);
    let context = AcceptPage {
        admin: AdminView::anonymous(&state, csrf).await,
        email: invite.email,
        role: invite.role.as_str(),
        errors: BTreeMap::new(),
        values: BTreeMap::new(),
        action_url: format!("/admin/invite/{token}"),
    };
    Ok(with_cookie(
        page(StatusCode::OK, "invite.html", &context)?,
        cookie,
    ))
}

#[derive(Deserialize, Default)]
pub struct AcceptForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

pub async fn accept(
    State(state): State<AppState>,
    Path(token): Path<String>,
    PreSessionForm {
        token: csrf, form, ..
    }: PreSessionForm<AcceptForm>,
) -> Result<Response, Error> {
    let invite = match state.store().invite(&token).await {
        Ok(invite) => invite,
        Err(StoreError::NotFound) => return Err(Error::gone(INVITE_GONE)),
        Err(e) => return Err(e.into()),
    };
    let mut errors = BTreeMap::new();
    let name = PersonName::parse(&form.name)
        .map_err(|e| errors.insert("name".to_owned(), e.to_string()))
        .ok();
    if let Err(why) = check_password(&form.password) {
        errors.insert("password".to_owned(), why.to_string());
    } else if form.password != form.password_confirm {
        errors.insert(
            "password_confirm".into(),
            "does not match the password".into(),
        );
    }
    let (Some(name), true) = (name, errors.is_empty()) else {
        let mut values = BTreeMap::new();
        values.insert("name", form.name.clone());
        let context = AcceptPage {
            admin: AdminView::anonymous(&state, csrf.clone()).await,
            email: invite.email,
            role: invite.role.as_str(),
            errors,
            values,
            action_url: format!("/admin/invite/{token}"),
        };
        return page(StatusCode::UNPROCESSABLE_ENTITY, "invite.html", &context);
    };
    let email = Email::parse(&invite.email).map_err(|_| Error::internal())?;
    let hash = hash_password(form.password).await?;
    let user = match state
        .store()
        .accept_invite(
            &token,
            NewUser {
                email,
                name,
                role: invite.role,
                bio: String::new(),
                password_hash: Some(hash),
            },
        )
        .await
    {
        Ok(user) => user,
        Err(StoreError::NotFound) => return Err(Error::gone(INVITE_GONE)),
        Err(StoreError::Conflict { .. }) => {
            return Err(Error::gone(
                "An account with this email already exists: sign in instead.",
            ))
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(
        user_id = user.id,
        role = user.role.as_str(),
        "invitation accepted"
    );
    start_session(&state, user.id, "/admin/posts").await
}

#[derive(Serialize)]
struct ResetPage {
    admin: AdminView,
    name: String,
    email: String,
    errors: BTreeMap<String, String>,
    action_url: String,
}

const RESET_GONE: &str = "This password link has expired or was already used. Ask an owner or admin of the site for a new one.";

/// The user behind a live reset link, or the page that says the link is gone.
async fn reset_user(state: &AppState, token: &str) -> Result<User, Error> {
    match state.store().password_reset_user(token).await {
        Ok(user) => Ok(user),
        Err(StoreError::NotFound) => Err(Error::gone(RESET_GONE)),
        Err(e) => Err(e.into()),
    }
}

pub async fn reset_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let user = reset_user(&state, &token).await?;
    let (csrf, cookie) = form_token(&state, &headers);
    let context = ResetPage {
        admin: AdminView::anonymous(&state, csrf).await,
        name: user.name,
        email: user.email,
        errors: BTreeMap::new(),
        action_url: format!("/admin/reset/{token}"),
    };
    Ok(with_cookie(
        page(StatusCode::OK, "reset.html", &context)?,
        cookie,
    ))
}

#[derive(Deserialize, Default)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// Spends a reset link: the new password is set, every session of the user ends, and
/// they are sent to sign in with it (a second step, if they have one, still applies).
pub async fn reset(
    State(state): State<AppState>,
    Path(token): Path<String>,
    PreSessionForm {
        token: csrf, form, ..
    }: PreSessionForm<ResetForm>,
) -> Result<Response, Error> {
    let user = reset_user(&state, &token).await?;
    let mut errors = BTreeMap::new();
    if let Err(why) = check_password(&form.password) {
        errors.insert("password".to_owned(), why.to_string());
    } else if form.password != form.password_confirm {
        errors.insert(
            "password_confirm".to_owned(),
            "does not match the password".into(),
        );
    }
    if !errors.is_empty() {
        let context = ResetPage {
            admin: AdminView::anonymous(&state, csrf.clone()).await,
            name: user.name,
            email: user.email,
            errors,
            action_url: format!("/admin/reset/{token}"),
        };
        return page(StatusCode::UNPROCESSABLE_ENTITY, "reset.html", &context);
    }
    let hash = hash_password(form.password).await?;
    let user = match state.store().reset_password(&token, &hash).await {
        Ok(user) => user,
        Err(StoreError::NotFound) => return Err(Error::gone(RESET_GONE)),
        Err(e) => return Err(e.into()),
    };
    // Whoever was locked out by wrong guesses may sign in with the new password at once.
    state
        .store()
        .clear_login_failures(&format!("account:{}", user.email))
        .await?;
    tracing::info!(user_id = user.id, "password changed through a reset link");
    Ok(Redirect::to("/admin/signin?m=password").into_response())
}
