//! The admin area's own templates and assets, embedded in the binary. Unlike the public
//! theme they cannot be overridden: the writers' tools look the same on every site.

use crate::theme::{fingerprint, html_formatter, ThemeError};

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::{Environment, Value};
use rust_embed::RustEmbed;
use serde::Serialize;
use std::collections::HashMap;

#[derive(RustEmbed)]
#[folder = "admin/"]
struct AdminFiles;

pub struct AdminTemplates {
    env: Environment<'static>,
    assets: HashMap<String, (bytes::Bytes, String, String)>,
}

impl AdminTemplates {
    /// Compiles every admin template; a broken one is an error naming file and line.
    pub fn load() -> Result<AdminTemplates, ThemeError> {
        let mut sources = HashMap::new();
        let mut assets = HashMap::new();
        for file in AdminFiles::iter() {
            let Some(data) = AdminFiles::get(&file) else {
                continue;
            };
            if let Some(name) = file.strip_prefix("templates/") {
                let text = String::from_utf8(data.data.into_owned()).map_err(|_| {
                    ThemeError::Template {
                        name: name.to_owned(),
                        detail: "is not UTF-8".into(),
                    }
                })?;
                sources.insert(name.to_owned(), text);
            } else if let Some(name) = file.strip_prefix("assets/") {
                let bytes = data.data.into_owned();
                let mime = mime_guess::from_path(name)
                    .first_or_octet_stream()
                    .essence_str()
                    .to_owned();
                let mime = if mime.starts_with("text/") || mime.ends_with("javascript") {
                    format!("{mime}; charset=utf-8")
                } else {
                    mime
                };
                let fp = fingerprint(&bytes);
                assets.insert(name.to_owned(), (bytes::Bytes::from(bytes), mime, fp));
            }
        }
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        env.set_formatter(html_formatter);
        let fingerprints: HashMap<String, String> = assets
            .iter()
            .map(|(k, v)| (k.clone(), v.2.clone()))
            .collect();
        env.add_function("admin_asset", move |name: String| -> String {
            match fingerprints.get(&name) {
                Some(fp) => format!("/admin/assets/{name}?v={fp}"),
                None => format!("/admin/assets/{name}"),
            }
        });
        let names: Vec<String> = sources.keys().cloned().collect();
        let sources = std::sync::Arc::new(sources);
        env.set_loader(move |name| Ok(sources.get(name).cloned()));
        for name in &names {
            env.get_template(name)
                .map_err(|e| ThemeError::from_minijinja(&e))?;
        }
        Ok(AdminTemplates { env, assets })
    }

    pub fn render<C: Serialize>(&self, name: &str, context: &C) -> Result<String, ThemeError> {
        let template = self
            .env
            .get_template(name)
            .map_err(|e| ThemeError::from_minijinja(&e))?;
        template
            .render(Value::from_serialize(context))
            .map_err(|e| ThemeError::from_minijinja(&e))
    }
}

pub async fn asset(Path(name): Path<String>) -> Response {
    let Ok(admin) = AdminTemplates::global() else {
        return StatusCode::NOT_FOUND.into_response();
    };

    match admin.assets.get(&name) {
        Some((bytes, mime, _)) => (
            [
                (header::CONTENT_TYPE, mime.clone()),
                (
                    header::CACHE_CONTROL,
                    "public, max-age=31536000, immutable".to_owned(),
                ),
            ],
            bytes.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

static LOADED: std::sync::OnceLock<AdminTemplates> = std::sync::OnceLock::new();

impl AdminTemplates {
    /// The admin templates, compiled once per process (they are embedded: the same for
    /// every app in it).
    pub fn global() -> Result<&'static AdminTemplates, ThemeError> {
        if let Some(t) = LOADED.get() {
            return Ok(t);
        }
        let loaded = AdminTemplates::load()?;
        Ok(LOADED.get_or_init(|| loaded))
    }
}

/// The admin error page, without a session or the database: a status, a heading and
/// what to do. Plain text if even the template fails.
pub fn error_page(status: StatusCode, heading: &str, message: &str) -> Response {
    #[derive(Serialize)]
    struct Context<'a> {
        status: u16,
        heading: &'a str,
        message: &'a str,
    }
    let rendered = AdminTemplates::global().and_then(|t| {
        t.render(
            "error.html",
            &Context {
                status: status.as_u16(),
                heading,
                message,
            },
        )
    });
    match rendered {
        Ok(html) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = %err, "admin error page failed");
            (
                status,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                format!("{heading}\n\n{message}\n"),
            )
                .into_response()
        }
    }
}
