//! Themes: folders of minijinja templates and static assets.
//!
//! The default theme is embedded in the binary. `FOLIO_THEME_DIR` names a folder whose
//! files override the embedded ones one by one, so a user can change `post.html` alone.
//! Every template is compiled at start-up; a broken one stops start-up with its file
//! and line instead of failing on the first request.

use minijinja::{Environment, Value};
use rust_embed::RustEmbed;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(RustEmbed)]
#[folder = "../../themes/default/"]
struct DefaultTheme;

/// The templates Folio renders; each must exist in the theme (embedded or overridden).
pub const PAGE_TEMPLATES: &[&str] = &[
    "index.html",
    "post.html",
    "tag.html",
    "author.html",
    "search.html",
    "error.html",
];

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    /// A template failed to parse or render; the message names the file and line.
    #[error("theme template {name}: {detail}")]
    Template { name: String, detail: String },
    #[error("theme folder {path}: {detail}")]
    Folder { path: PathBuf, detail: String },
}

impl ThemeError {
    pub(crate) fn from_minijinja(err: &minijinja::Error) -> Self {
        let name = err.name().unwrap_or("(unknown)").to_owned();
        let line = err.line().map(|l| format!(" line {l}")).unwrap_or_default();
        let what = err
            .detail()
            .map(|d| format!("{}: {d}", err.kind()))
            .unwrap_or_else(|| err.kind().to_string());
        ThemeError::Template {
            name: format!("{name}{line}"),
            detail: what,
        }
    }
}

/// A static file of the theme, with its fingerprint for cache busting.
#[derive(Debug, Clone)]
pub struct Asset {
    pub bytes: bytes::Bytes,
    pub content_type: String,
    pub fingerprint: String,
}

/// A loaded theme: compiled templates and the assets they link to.
pub struct Theme {
    env: Environment<'static>,
    assets: HashMap<String, Asset>,
}

fn read_override(dir: Option<&Path>, rel: &str) -> Result<Option<Vec<u8>>, ThemeError> {
    let Some(dir) = dir else { return Ok(None) };
    let path = dir.join(rel);
    match std::fs::read(&path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ThemeError::Folder {
            path,
            detail: e.to_string(),
        }),
    }
}

pub(crate) fn fingerprint(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Theme {
    /// Loads the embedded theme with the overrides found in `dir`.
    pub fn load(dir: Option<&Path>) -> Result<Theme, ThemeError> {
        if let Some(dir) = dir {
            if !dir.is_dir() {
                return Err(ThemeError::Folder {
                    path: dir.to_owned(),
                    detail: "is not a folder".into(),
                });
            }
        }
        let mut sources: HashMap<String, String> = HashMap::new();
        let mut assets = HashMap::new();
        for file in DefaultTheme::iter() {
            let rel = file.as_ref();
            let embedded = DefaultTheme::get(rel)
                .map(|f| f.data.into_owned())
                .unwrap_or_default();
            let bytes = read_override(dir, rel)?.unwrap_or(embedded);
            if let Some(name) = rel.strip_prefix("templates/") {
                let text = String::from_utf8(bytes).map_err(|_| ThemeError::Template {
                    name: name.to_owned(),
                    detail: "is not UTF-8 text".into(),
                })?;
                sources.insert(name.to_owned(), text);
            } else if let Some(name) = rel.strip_prefix("assets/") {
                assets.insert(name.to_owned(), asset(name, bytes));
            }
        }
        if let Some(dir) = dir {
            collect_extra_files(dir, dir, &mut sources, &mut assets)?;
        }
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        env.set_formatter(html_formatter);
        let sources = Arc::new(sources);
        let lookup = Arc::clone(&sources);
        env.set_loader(move |name| Ok(lookup.get(name).cloned()));
        let fingerprints: HashMap<String, String> = assets
            .iter()
            .map(|(k, v)| (k.clone(), v.fingerprint.clone()))
            .collect();
        env.add_function("asset_url", move |path: String| -> String {
            match fingerprints.get(&path) {
                Some(fp) => format!("/assets/{path}?v={fp}"),
                None => format!("/assets/{path}"),
            }
        });
        for name in sources.keys() {
            env.get_template(name)
                .map_err(|e| ThemeError::from_minijinja(&e))?;
        }
        for name in PAGE_TEMPLATES {
            if !sources.contains_key(*name) {
                return Err(ThemeError::Template {
                    name: (*name).to_owned(),
                    detail: "is missing".into(),
                });
            }
        }
        Ok(Theme { env, assets })
    }

    /// Renders a page template with a context. Errors name the template and line.
    pub fn render<C: Serialize>(&self, name: &str, context: &C) -> Result<String, ThemeError> {
        let template = self
            .env
            .get_template(name)
            .map_err(|e| ThemeError::from_minijinja(&e))?;
        template
            .render(Value::from_serialize(context))
            .map_err(|e| ThemeError::from_minijinja(&e))
    }

    pub fn asset(&self, path: &str) -> Option<&Asset> {
        self.assets.get(path)
    }
}

/// Escapes `& < > " '` in HTML templates, like minijinja's default, but leaves `/`
/// alone: URLs stay readable and pages smaller, and `/` is harmless in text and quoted
/// attribute values.
pub(crate) fn html_formatter(
    out: &mut minijinja::Output,
    state: &minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    if matches!(state.auto_escape(), minijinja::AutoEscape::Html) && !value.is_safe() {
        if let Some(text) = value.as_str() {
            let mut escaped = String::with_capacity(text.len() + 16);
            for c in text.chars() {
                match c {
                    '&' => escaped.push_str("&amp;"),
                    '<' => escaped.push_str("&lt;"),
                    '>' => escaped.push_str("&gt;"),
                    '"' => escaped.push_str("&quot;"),
                    '\'' => escaped.push_str("&#x27;"),
                    c => escaped.push(c),
                }
            }
            return out.write_str(&escaped).map_err(minijinja::Error::from);
        }
    }
    minijinja::escape_formatter(out, state, value)
}

fn asset(name: &str, bytes: Vec<u8>) -> Asset {
    let content_type = mime_guess::from_path(name)
        .first_or_octet_stream()
        .essence_str()
        .to_owned();
    let content_type =
        if content_type.starts_with("text/") || content_type == "application/javascript" {
            format!("{content_type}; charset=utf-8")
        } else {
            content_type
        };
    Asset {
        fingerprint: fingerprint(&bytes),
        bytes: bytes::Bytes::from(bytes),
        content_type,
    }
}

/// Files of the override folder that the default theme does not have (extra partials,
/// extra images), at most a few levels deep.
fn collect_extra_files(
    root: &Path,
    dir: &Path,
    sources: &mut HashMap<String, String>,
    assets: &mut HashMap<String, Asset>,
) -> Result<(), ThemeError> {
    let entries = std::fs::read_dir(dir).map_err(|e| ThemeError::Folder {
        path: dir.to_owned(),
        detail: e.to_string(),
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(rel) = path.strip_prefix(root) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        if path.is_dir() {
            if rel.matches('/').count() < 4 {
                collect_extra_files(root, &path, sources, assets)?;
            }
            continue;
        }
        if let Some(name) = rel.strip_prefix("templates/") {
            if !sources.contains_key(name) {
                let text = std::fs::read_to_string(&path).map_err(|e| ThemeError::Folder {
                    path: path.clone(),
                    detail: e.to_string(),
                })?;
                sources.insert(name.to_owned(), text);
            }
        } else if let Some(name) = rel.strip_prefix("assets/") {
            if !assets.contains_key(name) {
                let bytes = std::fs::read(&path).map_err(|e| ThemeError::Folder {
                    path: path.clone(),
                    detail: e.to_string(),
                })?;
                assets.insert(name.to_owned(), asset(name, bytes));
            }
        }
    }
    Ok(())
}

/// A value templates print without escaping. Only for [`folio_core::SafeHtml`] and
/// JSON that Folio serialized itself.
pub fn safe(html: &folio_core::SafeHtml) -> Value {
    Value::from_safe_string(html.as_str().to_owned())
}
