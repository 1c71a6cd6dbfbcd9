//! Site settings and API tokens in the admin area.

use super::auth::{page, AdminSession, AdminView, Flash};
use super::guard::{CsrfForm, Manager, NoFields};
use crate::AppState;
use crate::Error;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
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

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    m: Option<String>,
}

pub async fn settings_form(
    State(state): State<AppState>,
    Manager(signed_in): Manager,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> Result<Response, Error> {
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
    CsrfForm {
        signed_in, form, ..
    }: CsrfForm<SettingsForm, Manager>,
) -> Result<Response, Error> {
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
    let refused = if errors.is_empty() {
        match state.app().update_settings(&signed_in.actor, write).await {
            Ok(_) => return Ok(Redirect::to("/admin/settings?m=saved").into_response()),
            Err(folio_app::Error::Invalid(fields)) => fields,
            Err(err) => return Err(err.into()),
        }
    } else {
        // Say everything at once: the form's own mistakes and the settings' rules.
        match settings_patch(write) {
            Err(folio_app::Error::Invalid(fields)) => fields,
            _ => Default::default(),
        }
    };
    for (field, why) in refused.0 {
        let field = if field.starts_with("navigation") {
            "navigation".to_owned()
        } else {
            field
        };
        errors.entry(field).or_insert(why);
    }
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
    page(StatusCode::UNPROCESSABLE_ENTITY, "settings.html", &context)
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
    label: String,
}

/// Creates a token for the signed-in user and shows it once, on this response only.
pub async fn create_token(
    State(state): State<AppState>,
    CsrfForm {
        signed_in, form, ..
    }: CsrfForm<TokenForm>,
) -> Result<Response, Error> {
    match state
        .app()
        .create_token(signed_in.actor.user_id, &form.label)
        .await
    {
        Ok(token) => {
            render_tokens(
                &state,
                &signed_in,
                Some(token),
                BTreeMap::new(),
                StatusCode::CREATED,
            )
            .await
        }
        Err(folio_app::Error::Invalid(fields)) => {
            render_tokens(
                &state,
                &signed_in,
                None,
                fields.0,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(err) => Err(err.into()),
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { signed_in, .. }: CsrfForm<NoFields>,
) -> Result<Response, Error> {
    state
        .app()
        .revoke_token(signed_in.actor.user_id, id)
        .await?;
    Ok(Redirect::to("/admin/tokens").into_response())
}
