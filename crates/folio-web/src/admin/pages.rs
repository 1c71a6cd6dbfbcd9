//! Site settings and API tokens in the admin area.

use super::auth::{page, AdminSession, AdminView, CsrfForm, Flash};
use crate::AppState;
use crate::Error;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use folio_app::settings::{settings_patch, NavItemWrite, SettingsWrite};
use folio_store::SiteSettings;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Serialize, Default)]
struct SettingsValues {
    title: String,
    description: String,
    lang: String,
    posts_per_page: String,
    timezone: String,
    navigation: String,
    logo: String,
    accent: String,
}

impl From<&SiteSettings> for SettingsValues {
    fn from(s: &SiteSettings) -> Self {
        SettingsValues {
            title: s.title.clone(),
            description: s.description.clone(),
            lang: s.lang.clone(),
            posts_per_page: s.posts_per_page.to_string(),
            timezone: s.timezone.clone(),
            navigation: s
                .navigation
                .iter()
                .map(|n| format!("{} | {}", n.label, n.url))
                .collect::<Vec<_>>()
                .join("\n"),
            logo: s.logo.clone(),
            accent: s.accent.clone(),
        }
    }
}

#[derive(Serialize)]
struct SettingsPage {
    admin: AdminView,
    values: SettingsValues,
    errors: BTreeMap<String, String>,
    accents: &'static [&'static str],
    /// Every IANA zone name, offered as the time zone field's suggestions.
    zones: Vec<&'static str>,
}

fn require_site_manager(signed_in: &AdminSession) -> Result<(), Error> {
    if signed_in.actor.may_manage_site() {
        Ok(())
    } else {
        Err(Error::forbidden(
            "Only owners and admins may change the site's settings.",
        ))
    }
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    m: Option<String>,
}

pub async fn settings_form(
    State(state): State<AppState>,
    signed_in: AdminSession,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> Result<Response, Error> {
    require_site_manager(&signed_in)?;
    let settings = state.store().settings().await?;
    let flash = (q.m.as_deref() == Some("saved")).then(|| Flash {
        kind: "ok",
        message: "Settings saved.".into(),
    });
    let context = SettingsPage {
        admin: AdminView::of(&state, &signed_in, "settings", flash).await,
        values: (&settings).into(),
        errors: BTreeMap::new(),
        accents: folio_store::ACCENTS,
        zones: folio_core::SiteZone::all_names().collect(),
    };
    page(StatusCode::OK, "settings.html", &context)
}

#[derive(Deserialize, Default)]
pub struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    posts_per_page: String,
    #[serde(default)]
    timezone: String,
    #[serde(default)]
    navigation: String,
    /// Absent (a form from before these fields existed): left as it is.
    logo: Option<String>,
    accent: Option<String>,
}

pub async fn save_settings(
    State(state): State<AppState>,
    signed_in: AdminSession,
    Form(form): Form<SettingsForm>,
) -> Result<Response, Error> {
    signed_in.check_csrf(&form.csrf)?;
    require_site_manager(&signed_in)?;
    let mut errors = BTreeMap::new();
    let posts_per_page = match form.posts_per_page.trim().parse::<u32>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.insert(
                "posts_per_page".to_owned(),
                "must be a whole number between 1 and 100".to_owned(),
            );
            None
        }
    };
    let mut navigation = Vec::new();
    for (i, line) in form
        .navigation
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        match line.split_once('|') {
            Some((label, url)) => navigation.push(NavItemWrite {
                label: label.trim().to_owned(),
                url: url.trim().to_owned(),
            }),
            None => {
                errors.insert(
                    "navigation".to_owned(),
                    format!("line {}: write “Label | URL”", i + 1),
                );
            }
        }
    }
    let write = SettingsWrite {
        title: Some(form.title.clone()),
        description: Some(form.description.clone()),
        lang: Some(form.lang.clone()),
        posts_per_page,
        navigation: Some(navigation),
        timezone: Some(form.timezone.clone()),
        logo: form.logo.clone(),
        accent: form.accent.clone(),
    };
    let patch = match settings_patch(write) {
        Ok(patch) if errors.is_empty() => Some(patch),
        Ok(_) => None,
        Err(err) => {
            for (field, why) in crate::Error::from(err).fields {
                let field = if field.starts_with("navigation") {
                    "navigation".to_owned()
                } else {
                    field
                };
                errors.entry(field).or_insert(why);
            }
            None
        }
    };
    let Some(patch) = patch else {
        let values = SettingsValues {
            title: form.title,
            description: form.description,
            lang: form.lang,
            posts_per_page: form.posts_per_page,
            timezone: form.timezone,
            navigation: form.navigation,
            logo: form.logo.unwrap_or_default(),
            accent: form.accent.unwrap_or_default(),
        };
        let context = SettingsPage {
            admin: AdminView::of(&state, &signed_in, "settings", None).await,
            values,
            errors,
            accents: folio_store::ACCENTS,
            zones: folio_core::SiteZone::all_names().collect(),
        };
        return page(StatusCode::UNPROCESSABLE_ENTITY, "settings.html", &context);
    };
    state.store().update_settings(patch).await?;
    Ok(Redirect::to("/admin/settings?m=saved").into_response())
}

#[derive(Serialize)]
struct TokenItem {
    id: i64,
    label: String,
    created_display: String,
    last_used_display: String,
    revoked: bool,
    revoke_url: String,
}

#[derive(Serialize)]
struct TokensPage {
    admin: AdminView,
    tokens: Vec<TokenItem>,
    new_token: Option<String>,
    errors: BTreeMap<String, String>,
}

async fn render_tokens(
    state: &AppState,
    signed_in: &AdminSession,
    new_token: Option<String>,
    errors: BTreeMap<String, String>,
    status: StatusCode,
) -> Result<Response, Error> {
    let tokens = state.store().tokens_of(signed_in.actor.user_id).await?;
    let zone = state.store().settings().await?.zone();
    let fmt = |t| super::editor::display(t, zone);
    let flash = new_token.as_ref().map(|_| Flash {
        kind: "ok",
        message: "Token created. Copy it now: it will not be shown again.".into(),
    });
    let context = TokensPage {
        admin: AdminView::of(state, signed_in, "tokens", flash).await,
        tokens: tokens
            .into_iter()
            .map(|t| TokenItem {
                id: t.id,
                label: t.label,
                created_display: fmt(t.created_at),
                last_used_display: t.last_used_at.map(fmt).unwrap_or_else(|| "never".into()),
                revoked: t.revoked,
                revoke_url: format!("/admin/tokens/{}/revoke", t.id),
            })
            .collect(),
        new_token,
        errors,
    };
    page(status, "tokens.html", &context)
}

pub async fn tokens(
    State(state): State<AppState>,
    signed_in: AdminSession,
) -> Result<Response, Error> {
    render_tokens(&state, &signed_in, None, BTreeMap::new(), StatusCode::OK).await
}

#[derive(Deserialize, Default)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    label: String,
}

/// Creates a token for the signed-in user and shows it once, on this response only.
pub async fn create_token(
    State(state): State<AppState>,
    signed_in: AdminSession,
    Form(form): Form<TokenForm>,
) -> Result<Response, Error> {
    signed_in.check_csrf(&form.csrf)?;
    let label = form.label.trim();
    if label.is_empty() || label.chars().count() > 100 || label.chars().any(char::is_control) {
        let mut errors = BTreeMap::new();
        errors.insert(
            "label".to_owned(),
            "give the token a name of 1 to 100 characters".to_owned(),
        );
        return render_tokens(
            &state,
            &signed_in,
            None,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let token = state
        .store()
        .create_token(signed_in.actor.user_id, label)
        .await?;
    render_tokens(
        &state,
        &signed_in,
        Some(token),
        BTreeMap::new(),
        StatusCode::CREATED,
    )
    .await
}

pub async fn revoke_token(
    State(state): State<AppState>,
    signed_in: AdminSession,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Error> {
    signed_in.check_csrf(&form.csrf)?;
    state
        .store()
        .revoke_token(signed_in.actor.user_id, id)
        .await?;
    Ok(Redirect::to("/admin/tokens").into_response())
}
