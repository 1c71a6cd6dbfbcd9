//! Site settings: title, description, language, navigation, listing size, logo and
//! the theme's options.

use crate::db::query;
use crate::{Store, StoreError};
use folio_core::CacheTag;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NavItem {
    pub label: String,
    pub url: String,
}

/// Every setting, with defaults for the ones never set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SiteSettings {
    pub title: String,
    pub description: String,
    /// BCP 47 language tag of the site's content, for `<html lang>` and feeds.
    pub lang: String,
    pub posts_per_page: u32,
    pub navigation: Vec<NavItem>,
    /// IANA zone name for showing dates; times are stored in UTC.
    pub timezone: String,
    /// An image shown beside the title in the site header (a `/media/` path or an
    /// http(s) URL); empty for none.
    pub logo: String,
    /// The theme's accent colour, one of [`ACCENTS`].
    pub accent: String,
}

/// The accent colours a theme offers (the default theme styles each, light and dark).
/// A name, not a colour value: pages need no inline styles, so the CSP stays strict.
pub const ACCENTS: &[&str] = &["rust", "ocean", "forest", "plum", "graphite"];

impl Default for SiteSettings {
    fn default() -> Self {
        SiteSettings {
            title: "My Folio blog".into(),
            description: "Thoughts, stories and ideas.".into(),
            lang: "en".into(),
            posts_per_page: 10,
            navigation: vec![NavItem {
                label: "Home".into(),
                url: "/".into(),
            }],
            timezone: "UTC".into(),
            logo: String::new(),
            accent: "rust".into(),
        }
    }
}

/// A partial update: `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SettingsPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub lang: Option<String>,
    pub posts_per_page: Option<u32>,
    pub navigation: Option<Vec<NavItem>>,
    pub timezone: Option<String>,
    pub logo: Option<String>,
    pub accent: Option<String>,
}

impl SiteSettings {
    /// The zone dates are shown in (UTC when the stored name is not one the database knows).
    pub fn zone(&self) -> folio_core::SiteZone {
        folio_core::SiteZone::from_setting(&self.timezone)
    }

    fn apply(&mut self, patch: SettingsPatch) {
        let SettingsPatch {
            title,
            description,
            lang,
            posts_per_page,
            navigation,
            timezone,
            logo,
            accent,
        } = patch;
        if let Some(v) = title {
            self.title = v;
        }
        if let Some(v) = description {
            self.description = v;
        }
        if let Some(v) = lang {
            self.lang = v;
        }
        if let Some(v) = posts_per_page {
            self.posts_per_page = v;
        }
        if let Some(v) = navigation {
            self.navigation = v;
        }
        if let Some(v) = timezone {
            self.timezone = v;
        }
        if let Some(v) = logo {
            self.logo = v;
        }
        if let Some(v) = accent {
            self.accent = v;
        }
    }
}

impl Store {
    /// All settings, stored as one JSON document under the key `site`.
    ///
    /// Every page needs them, and they change only in a write that moves the content
    /// generation; so they are read once per generation this process sees, like the
    /// pages cached from them, and are as fresh as those pages across replicas.
    pub async fn settings(&self) -> Result<SiteSettings, StoreError> {
        let generation = self.generation();
        if let Some((at, settings)) = &*self.settings_slot() {
            if *at == generation {
                return Ok(settings.clone());
            }
        }
        let raw: Option<String> = query("SELECT value FROM settings WHERE name = 'site'")
            .scalar_optional(self.pool())
            .await?;
        let settings = match raw {
            None => SiteSettings::default(),
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("settings: {e}")))?,
        };
        // Read after `generation` was: at worst these are newer than it, never older.
        *self.settings_slot() = Some((generation, settings.clone()));
        Ok(settings)
    }

    fn settings_slot(&self) -> std::sync::MutexGuard<'_, Option<(i64, SiteSettings)>> {
        self.settings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Applies a (validated) patch and makes every cached page stale.
    pub async fn update_settings(&self, patch: SettingsPatch) -> Result<SiteSettings, StoreError> {
        let mut tx = self.primary().begin().await?;
        let raw: Option<String> = query("SELECT value FROM settings WHERE name = 'site'")
            .scalar_optional(&mut tx)
            .await?;
        let mut settings = match raw {
            None => SiteSettings::default(),
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("settings: {e}")))?,
        };
        settings.apply(patch);
        let json =
            serde_json::to_string(&settings).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let upsert = tx.backend().upsert("name", &["value"]);
        query(format!(
            "INSERT INTO settings (name, value) VALUES ('site', ?){upsert}"
        ))
        .bind(json)
        .execute(&mut tx)
        .await?;
        let generation = self.bump_generation(&mut tx, &[CacheTag::Site]).await?;
        tx.commit().await?;
        self.committed(generation);
        Ok(settings)
    }
}

impl Store {
    /// A random name for this site, made once and kept in the database, so that every
    /// replica on the same database agrees on it and two sites that share a Redis keep
    /// their keys apart.
    pub async fn site_id(&self) -> Result<String, StoreError> {
        let read = || query("SELECT value FROM settings WHERE name = 'site_id'");
        if let Some(id) = read().scalar_optional::<String>(self.pool()).await? {
            return Ok(id);
        }
        let mut tx = self.primary().begin().await?;
        let ignore = tx.backend().ignore_duplicate("name");
        query(format!(
            "INSERT INTO settings (name, value) VALUES ('site_id', ?){ignore}"
        ))
        .bind(crate::random_token()[..16].to_owned())
        .execute(&mut tx)
        .await?;
        let id = read().scalar(&mut tx).await?;
        tx.commit().await?;
        Ok(id)
    }
}
