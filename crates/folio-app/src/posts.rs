//! Posts and pages: what a save may contain ([`PostWrite`], the same for the API, the
//! admin editor and the importers), its validation into the store's input with the role
//! rules of `folio_core::permissions` ([`post_input`]), and the use-cases that save.
//! Every problem is reported under the name of its field, all at once.

use crate::{App, Error};
use chrono::{DateTime, Duration, Utc};
use folio_core::{
    Actor, FieldErrors, Invalid, PostAction, PostKind, PostStatus, PostTitle, Role, Slug, TagName,
};
use folio_store::{Post, PostInput, StoreError};
use serde::Deserialize;
use utoipa::ToSchema;

/// Largest Markdown body accepted, in characters.
pub const MAX_MARKDOWN_CHARS: usize = 500_000;
pub(crate) const MAX_TAGS: usize = 30;

/// A post or page to create (`title` required) or the fields to change (all optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostWrite {
    pub title: Option<String>,
    /// Markdown source (CommonMark with GitHub extensions).
    pub markdown: Option<String>,
    /// Lowercase letters, digits and hyphens. Derived from the title when absent.
    pub slug: Option<String>,
    /// Tag names; tags are created as needed.
    pub tags: Option<Vec<String>>,
    /// `draft` (default), `scheduled` or `published`.
    pub status: Option<String>,
    /// RFC 3339. Required and in the future for `scheduled`; defaults to now for `published`.
    pub published_at: Option<String>,
    pub excerpt: Option<String>,
    /// A site path (`/media/...`) or an http(s) URL.
    pub feature_image: Option<String>,
    pub feature_image_alt: Option<String>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    pub canonical_url: Option<String>,
    /// Write on behalf of another user (editors, admins and owners only).
    pub author_id: Option<i64>,
}

pub(crate) fn max_chars(text: &str, max: usize) -> Result<(), Invalid> {
    if text.chars().count() > max {
        return Err(Invalid::new(format!("must be at most {max} characters")));
    }
    Ok(())
}

pub(crate) fn one_line(text: &str, max: usize) -> Result<String, Invalid> {
    let text = text.trim();
    max_chars(text, max)?;
    if text.chars().any(char::is_control) {
        return Err(Invalid::new(
            "must be on one line, without control characters",
        ));
    }
    Ok(text.to_owned())
}

/// A link target that is a site path or an absolute http(s) URL.
pub(crate) fn url_or_path(raw: &str) -> Result<String, Invalid> {
    let url = raw.trim();
    let shape = Invalid::new("must be a site path starting with / or an http(s) URL");
    if url.len() > 2048
        || url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '\\'))
    {
        return Err(shape);
    }
    let is_path = url.starts_with('/') && !url.starts_with("//");
    let is_web = (url.starts_with("https://") || url.starts_with("http://"))
        && url.split("://").nth(1).is_some_and(|rest| !rest.is_empty());
    if is_path || is_web {
        Ok(url.to_owned())
    } else {
        Err(shape)
    }
}

pub(crate) fn absolute_url(raw: &str) -> Result<String, Invalid> {
    let url = url_or_path(raw).map_err(|_| Invalid::new("must be an absolute http(s) URL"))?;
    if url.starts_with('/') {
        return Err(Invalid::new("must be an absolute http(s) URL"));
    }
    Ok(url)
}

fn parse_time(raw: &str) -> Result<DateTime<Utc>, Invalid> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| Invalid::new("must be an RFC 3339 date-time such as 2026-11-28T09:30:00Z"))
}

/// Builds the full input of a save from a request and, on update, the post as stored;
/// then checks that `actor` may make this change.
pub fn post_input(
    kind: PostKind,
    write: PostWrite,
    existing: Option<&Post>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<PostInput, Error> {
    let mut errors = FieldErrors::new();
    let old = existing.map(|p| &p.summary);

    let title = match (&write.title, old) {
        (Some(t), _) => errors.check("title", PostTitle::parse(t)),
        (None, Some(s)) => PostTitle::parse(&s.title).ok(),
        (None, None) => {
            errors.add("title", "is required");
            None
        }
    };
    let markdown = write
        .markdown
        .or_else(|| existing.map(|p| p.markdown.clone()))
        .unwrap_or_default();
    errors.check("markdown", max_chars(&markdown, MAX_MARKDOWN_CHARS));
    let slug = match write.slug.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => errors.check("slug", Slug::parse(raw)),
    };
    let tags = match write.tags {
        Some(names) => {
            if names.len() > MAX_TAGS {
                errors.add("tags", format!("at most {MAX_TAGS} tags"));
            }
            let mut parsed = Vec::new();
            for (i, name) in names.iter().enumerate() {
                match TagName::parse(name) {
                    Ok(t) => parsed.push(t),
                    Err(why) => errors.add(&format!("tags[{i}]"), why),
                }
            }
            parsed
        }
        None => old
            .map(|s| {
                s.tags
                    .iter()
                    .filter_map(|t| TagName::parse(&t.name).ok())
                    .collect()
            })
            .unwrap_or_default(),
    };
    let status = match write.status.as_deref() {
        Some(raw) => errors.check("status", PostStatus::parse(raw)),
        None => Some(old.map(|s| s.status).unwrap_or(PostStatus::Draft)),
    };
    let mut published_at = match write.published_at.as_deref().map(str::trim) {
        Some("") => None,
        Some(raw) => errors.check("published_at", parse_time(raw)),
        None => old.and_then(|s| s.published_at),
    };
    match status {
        Some(PostStatus::Published) => match published_at {
            None => published_at = Some(now),
            Some(at) if at > now + Duration::minutes(1) => {
                errors.add(
                    "published_at",
                    "is in the future; use status \"scheduled\" to publish later",
                );
            }
            Some(_) => {}
        },
        Some(PostStatus::Scheduled) => match published_at {
            // Also when sent empty: a scheduled post without a time would never go out.
            None if !errors.0.contains_key("published_at") => {
                errors.add("published_at", "is required for a scheduled post")
            }
            Some(at) if at <= now => {
                errors.add("published_at", "must be in the future for a scheduled post")
            }
            _ => {}
        },
        _ => {}
    }
    let custom_excerpt = match write.excerpt {
        Some(e) => errors
            .check(
                "excerpt",
                max_chars(e.trim(), 1000).map(|_| e.trim().to_owned()),
            )
            .unwrap_or_default(),
        None => existing
            .map(|p| p.custom_excerpt.clone())
            .unwrap_or_default(),
    };
    let feature_image = match write.feature_image.as_deref().map(str::trim) {
        Some("") => None,
        Some(raw) => errors.check("feature_image", url_or_path(raw)),
        None => old.and_then(|s| s.feature_image.clone()),
    };
    let text_field = |errors: &mut FieldErrors,
                      field: &str,
                      given: Option<String>,
                      current: Option<String>,
                      max: usize| {
        match given {
            Some(v) => errors.check(field, one_line(&v, max)).unwrap_or_default(),
            None => current.unwrap_or_default(),
        }
    };
    let feature_image_alt = text_field(
        &mut errors,
        "feature_image_alt",
        write.feature_image_alt,
        old.map(|s| s.feature_image_alt.clone()),
        300,
    );
    let seo_title = text_field(
        &mut errors,
        "seo_title",
        write.seo_title,
        existing.map(|p| p.seo_title.clone()),
        300,
    );
    let seo_description = text_field(
        &mut errors,
        "seo_description",
        write.seo_description,
        existing.map(|p| p.seo_description.clone()),
        500,
    );
    let canonical_url = match write.canonical_url.as_deref().map(str::trim) {
        Some("") => String::new(),
        Some(raw) => errors
            .check("canonical_url", absolute_url(raw))
            .unwrap_or_default(),
        None => existing
            .map(|p| p.canonical_url.clone())
            .unwrap_or_default(),
    };
    let author_id = write
        .author_id
        .or(old.map(|s| s.author.id))
        .unwrap_or(actor.user_id);

    let (Some(title), Some(status)) = (title, status) else {
        return Err(Error::Invalid(errors));
    };
    errors.into_result().map_err(Error::Invalid)?;

    authorize(actor, existing, status, author_id)?;
    Ok(PostInput {
        kind,
        title,
        slug,
        markdown,
        custom_excerpt,
        feature_image,
        feature_image_alt,
        status,
        published_at,
        tags,
        seo_title,
        seo_description,
        canonical_url,
        author_id,
        saved_by: Some(actor.user_id),
        revision_note: String::new(),
    })
}

/// The verb of a [`PostAction`], for messages.
fn verb(action: PostAction) -> &'static str {
    match action {
        PostAction::View => "view",
        PostAction::Edit => "edit",
        PostAction::Publish => "publish",
        PostAction::Delete => "delete",
    }
}

impl App {
    /// The post or page `id`, when it is of `kind` and `actor` may `action` it: else
    /// [`Error::NotFound`] (none, or one of the other kind) or [`Error::Forbidden`].
    pub async fn post_for(
        &self,
        actor: &Actor,
        kind: PostKind,
        id: i64,
        action: PostAction,
    ) -> Result<Post, Error> {
        let post = match self.store().post_by_id(id).await {
            Ok(post) if post.summary.kind == kind => post,
            Ok(_) | Err(StoreError::NotFound) => return Err(Error::NotFound(kind.as_str())),
            Err(e) => return Err(e.into()),
        };
        if !actor.may(action, post.summary.author.id, post.summary.status) {
            return Err(Error::Forbidden(format!(
                "your role ({}) may not {} this {}",
                actor.role.as_str(),
                verb(action),
                kind.as_str()
            )));
        }
        Ok(post)
    }

    /// Writes a new post or page; `write.status` publishes or schedules it at once.
    pub async fn create_post(
        &self,
        actor: &Actor,
        kind: PostKind,
        write: PostWrite,
    ) -> Result<Post, Error> {
        let input = post_input(kind, write, None, actor, folio_store::now())?;
        Ok(self.store().create_post(input).await?)
    }

    /// Saves changes to `existing` (as [`App::post_for`] gave it): the fields `write`
    /// has, a new revision when the text changed, a redirect when the slug did.
    pub async fn update_post(
        &self,
        actor: &Actor,
        existing: &Post,
        write: PostWrite,
    ) -> Result<Post, Error> {
        let input = post_input(
            existing.summary.kind,
            write,
            Some(existing),
            actor,
            folio_store::now(),
        )?;
        Ok(self.store().update_post(existing.summary.id, input).await?)
    }

    /// The editor's autosave of a draft's title and text; consecutive autosaves by one
    /// writer fold into one revision. Only drafts: a public post changes on purpose.
    pub async fn autosave_post(
        &self,
        actor: &Actor,
        existing: &Post,
        title: Option<String>,
        markdown: Option<String>,
    ) -> Result<Post, Error> {
        if existing.summary.status != PostStatus::Draft {
            return Err(Error::State {
                code: "not_a_draft",
                message: "only drafts are autosaved; use Update to change a published post".into(),
            });
        }
        let write = PostWrite {
            title,
            markdown,
            ..Default::default()
        };
        let mut input = post_input(
            existing.summary.kind,
            write,
            Some(existing),
            actor,
            folio_store::now(),
        )?;
        input.revision_note = folio_store::AUTOSAVE_NOTE.to_owned();
        Ok(self.store().update_post(existing.summary.id, input).await?)
    }

    /// Puts revision `number` of `existing` back, as a new revision.
    pub async fn restore_revision(
        &self,
        actor: &Actor,
        existing: &Post,
        number: i64,
    ) -> Result<Post, Error> {
        let rev = self
            .store()
            .revision(existing.summary.id, number)
            .await
            .map_err(Error::not_found("revision"))?;
        let write = PostWrite {
            title: Some(rev.title),
            markdown: Some(rev.markdown),
            ..Default::default()
        };
        let mut input = post_input(
            existing.summary.kind,
            write,
            Some(existing),
            actor,
            folio_store::now(),
        )?;
        input.revision_note = format!("restored from revision {number}");
        Ok(self.store().update_post(existing.summary.id, input).await?)
    }

    /// Deletes a post or page, with its revisions; its address answers 404 after.
    pub async fn delete_post(&self, actor: &Actor, kind: PostKind, id: i64) -> Result<(), Error> {
        self.post_for(actor, kind, id, PostAction::Delete).await?;
        self.store()
            .delete_post(id)
            .await
            .map_err(Error::not_found(kind.as_str()))
    }
}

/// The role checks of a save: who may write for whom, and who may publish.
fn authorize(
    actor: &Actor,
    existing: Option<&Post>,
    status: PostStatus,
    author_id: i64,
) -> Result<(), Error> {
    let acts_for_others = matches!(actor.role, Role::Owner | Role::Admin | Role::Editor);
    match existing {
        None => {
            if author_id != actor.user_id && !acts_for_others {
                return Err(Error::Forbidden(
                    "your role may not write on behalf of another user".into(),
                ));
            }
            if !actor.may_create(status) {
                return Err(Error::Forbidden(format!(
                    "your role ({}) may save drafts but not publish or schedule",
                    actor.role.as_str()
                )));
            }
        }
        Some(post) => {
            let s = &post.summary;
            if !actor.may(PostAction::Edit, s.author.id, s.status) {
                return Err(Error::Forbidden("your role may not edit this post".into()));
            }
            if author_id != s.author.id && !acts_for_others {
                return Err(Error::Forbidden(
                    "your role may not give a post to another user".into(),
                ));
            }
            let changes_visibility = status != s.status || status != PostStatus::Draft;
            if changes_visibility && !actor.may(PostAction::Publish, s.author.id, s.status) {
                return Err(Error::Forbidden(format!(
                    "your role ({}) may not publish, schedule or unpublish",
                    actor.role.as_str()
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner() -> Actor {
        Actor {
            user_id: 1,
            role: Role::Owner,
        }
    }

    fn write(json: serde_json::Value) -> PostWrite {
        serde_json::from_value(json).expect("valid PostWrite")
    }

    /// The refused fields of an error that must be [`Error::Invalid`].
    fn fields(err: Error) -> std::collections::BTreeMap<String, String> {
        match err {
            Error::Invalid(fields) => fields.0,
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn every_bad_field_is_named() {
        let err = post_input(
            PostKind::Post,
            write(serde_json::json!({"title": "", "slug": "Bad Slug", "status": "live", "published_at": "yesterday", "tags": ["ok", ""], "feature_image": "javascript:alert(1)", "canonical_url": "/relative"})),
            None,
            &owner(),
            Utc::now(),
        )
        .expect_err("invalid");
        let err = fields(err);
        for field in [
            "title",
            "slug",
            "status",
            "published_at",
            "tags[1]",
            "feature_image",
            "canonical_url",
        ] {
            assert!(err.contains_key(field), "{field} not named in {err:?}");
        }
    }

    #[test]
    fn scheduling_needs_a_future_date() {
        let now = Utc::now();
        let past = post_input(
            PostKind::Post,
            write(
                serde_json::json!({"title": "t", "status": "scheduled", "published_at": "2000-01-01T00:00:00Z"}),
            ),
            None,
            &owner(),
            now,
        );
        assert!(fields(past.expect_err("past")).contains_key("published_at"));
        let missing = post_input(
            PostKind::Post,
            write(serde_json::json!({"title": "t", "status": "scheduled"})),
            None,
            &owner(),
            now,
        );
        assert!(fields(missing.expect_err("missing")).contains_key("published_at"));
        let future = (now + Duration::days(1)).to_rfc3339();
        let ok = post_input(
            PostKind::Post,
            write(serde_json::json!({"title": "t", "status": "scheduled", "published_at": future})),
            None,
            &owner(),
            now,
        );
        assert!(ok.is_ok());
    }

    #[test]
    fn publishing_defaults_the_date_to_now() {
        let now = Utc::now();
        let input = post_input(
            PostKind::Post,
            write(serde_json::json!({"title": "t", "status": "published"})),
            None,
            &owner(),
            now,
        )
        .expect("valid");
        assert_eq!(input.published_at, Some(now));
    }

    #[test]
    fn contributors_cannot_publish() {
        let c = Actor {
            user_id: 5,
            role: Role::Contributor,
        };
        let err = post_input(
            PostKind::Post,
            write(serde_json::json!({"title": "t", "status": "published"})),
            None,
            &c,
            Utc::now(),
        )
        .expect_err("forbidden");
        assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
        assert!(post_input(
            PostKind::Post,
            write(serde_json::json!({"title": "t"})),
            None,
            &c,
            Utc::now()
        )
        .is_ok());
    }
}
