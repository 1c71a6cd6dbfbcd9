//! Site settings: what a change may contain ([`SettingsWrite`], the same for the API and
//! the admin form) and its validation, every refused field named at once.

use crate::posts::{one_line, url_or_path};
use crate::{App, Error};
use folio_core::{FieldErrors, Invalid, SiteZone};
use folio_store::{NavItem, SettingsPatch, SiteSettings};
use serde::Deserialize;
use utoipa::ToSchema;

/// Settings to change; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsWrite {
    pub title: Option<String>,
    pub description: Option<String>,
    /// BCP 47 language tag such as `en` or `pt-BR`.
    pub lang: Option<String>,
    /// 1 to 100.
    pub posts_per_page: Option<u32>,
    pub navigation: Option<Vec<NavItemWrite>>,
    /// IANA time zone name such as `Europe/Paris` (any case), for dates on the site and
    /// times in the editor; stored times stay UTC.
    pub timezone: Option<String>,
    /// An image for the site header: a path such as `/media/2026/11/….png` or an
    /// http(s) URL; empty removes it.
    pub logo: Option<String>,
    /// The theme's accent colour: `rust`, `ocean`, `forest`, `plum` or `graphite`.
    pub accent: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NavItemWrite {
    pub label: String,
    pub url: String,
}

fn language_tag(raw: &str) -> Result<String, Invalid> {
    let ok = raw.split('-').enumerate().all(|(i, part)| {
        let len_ok = if i == 0 {
            (2..=3).contains(&part.len())
        } else {
            (1..=8).contains(&part.len())
        };
        len_ok
            && part.bytes().all(|b| b.is_ascii_alphanumeric())
            && (i > 0 || part.bytes().all(|b| b.is_ascii_alphabetic()))
    });
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(Invalid::new("must be a language tag such as en or pt-BR"))
    }
}

fn timezone_name(raw: &str) -> Result<String, Invalid> {
    SiteZone::parse(raw).map(|zone| zone.name().to_owned())
}

pub fn settings_patch(write: SettingsWrite) -> Result<SettingsPatch, Error> {
    let mut errors = FieldErrors::new();
    let title = write.title.and_then(|t| {
        errors.check(
            "title",
            one_line(&t, 200).and_then(|t| {
                if t.is_empty() {
                    Err(Invalid::new("must not be empty"))
                } else {
                    Ok(t)
                }
            }),
        )
    });
    let description = write
        .description
        .and_then(|d| errors.check("description", one_line(&d, 500)));
    let lang = write
        .lang
        .and_then(|l| errors.check("lang", language_tag(l.trim())));
    let posts_per_page = write.posts_per_page.and_then(|n| {
        errors.check(
            "posts_per_page",
            if (1..=100).contains(&n) {
                Ok(n)
            } else {
                Err(Invalid::new("must be between 1 and 100"))
            },
        )
    });
    let navigation = write.navigation.map(|items| {
        if items.len() > 20 {
            errors.add("navigation", "at most 20 items");
        }
        items
            .into_iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let label = errors.check(
                    &format!("navigation[{i}].label"),
                    one_line(&item.label, 60).and_then(|l| {
                        if l.is_empty() {
                            Err(Invalid::new("must not be empty"))
                        } else {
                            Ok(l)
                        }
                    }),
                )?;
                let url = errors.check(&format!("navigation[{i}].url"), url_or_path(&item.url))?;
                Some(NavItem { label, url })
            })
            .collect()
    });
    let timezone = write
        .timezone
        .and_then(|z| errors.check("timezone", timezone_name(z.trim())));
    let logo = write.logo.and_then(|l| {
        let l = l.trim();
        errors.check(
            "logo",
            if l.is_empty() {
                Ok(String::new())
            } else {
                url_or_path(l)
            },
        )
    });
    let accent = write.accent.and_then(|a| {
        let a = a.trim();
        let known = folio_store::ACCENTS.contains(&a);
        errors.check(
            "accent",
            if known {
                Ok(a.to_owned())
            } else {
                Err(Invalid::new(format!(
                    "must be one of {}",
                    folio_store::ACCENTS.join(", ")
                )))
            },
        )
    });
    errors.into_result().map_err(Error::Invalid)?;
    Ok(SettingsPatch {
        title,
        description,
        lang,
        posts_per_page,
        navigation,
        timezone,
        logo,
        accent,
    })
}

impl App {
    /// Changes the settings `write` names (owners and admins only), and gives them all.
    pub async fn update_settings(
        &self,
        actor: &folio_core::Actor,
        write: SettingsWrite,
    ) -> Result<SiteSettings, Error> {
        if !actor.may_manage_site() {
            return Err(Error::Forbidden(
                "only owners and admins may change the site's settings".into(),
            ));
        }
        let patch = settings_patch(write)?;
        Ok(self.store().update_settings(patch).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_validated() {
        let err = settings_patch(SettingsWrite {
            lang: Some("english!".into()),
            posts_per_page: Some(0),
            ..Default::default()
        })
        .expect_err("invalid");
        assert!(
            matches!(&err, Error::Invalid(f) if f.0.contains_key("lang") && f.0.contains_key("posts_per_page"))
        );
        assert!(settings_patch(SettingsWrite {
            lang: Some("pt-BR".into()),
            ..Default::default()
        })
        .is_ok());
    }
}
