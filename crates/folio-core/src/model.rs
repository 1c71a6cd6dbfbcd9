//! Value types of the content model. Each `parse` either gives a valid value or an
//! [`Invalid`] saying why; the rest of Folio only ever holds valid ones.

use crate::field::Invalid;
use serde::{Deserialize, Serialize};

fn reject_control_chars(raw: &str) -> Result<(), Invalid> {
    if raw.chars().any(|c| c.is_control()) {
        return Err(Invalid::new(
            "must not contain control characters or line breaks",
        ));
    }
    Ok(())
}

fn bounded_text(raw: &str, max_chars: usize) -> Result<String, Invalid> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(Invalid::new("must not be empty"));
    }
    if text.chars().count() > max_chars {
        return Err(Invalid::new(format!(
            "must be at most {max_chars} characters"
        )));
    }
    reject_control_chars(text)?;
    Ok(text.to_owned())
}

macro_rules! text_newtype {
    ($(#[$doc:meta])* $name:ident, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Trims the value and checks it is non-empty, short enough and on one line.
            pub fn parse(raw: &str) -> Result<Self, Invalid> {
                bounded_text(raw, $max).map($name)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_newtype!(
    /// A post or page title: 1 to 300 characters on one line.
    PostTitle, 300
);
text_newtype!(
    /// A tag's display name: 1 to 100 characters on one line.
    TagName, 100
);
text_newtype!(
    /// A person's display name: 1 to 100 characters on one line.
    PersonName, 100
);

/// An email address, lowercased. Checked for shape only: one `@`, a non-empty local part
/// and a domain with a dot; deliverability is not Folio's to judge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, Invalid> {
        let email = raw.trim().to_lowercase();
        let shape = Invalid::new("must be an email address such as name@example.com");
        if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(shape);
        }
        let Some((local, domain)) = email.split_once('@') else {
            return Err(shape);
        };
        if local.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(shape);
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a user may do, from most to least trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Admin,
    Editor,
    Author,
    Contributor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Admin,
        Role::Editor,
        Role::Author,
        Role::Contributor,
    ];

    pub fn parse(raw: &str) -> Result<Role, Invalid> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == raw.trim().to_lowercase())
            .ok_or_else(|| Invalid::new("must be one of owner, admin, editor, author, contributor"))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Author => "author",
            Role::Contributor => "contributor",
        }
    }
}

/// Where a post or page is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PostStatus {
    Draft,
    Scheduled,
    Published,
}

impl PostStatus {
    pub fn parse(raw: &str) -> Result<PostStatus, Invalid> {
        match raw {
            "draft" => Ok(PostStatus::Draft),
            "scheduled" => Ok(PostStatus::Scheduled),
            "published" => Ok(PostStatus::Published),
            _ => Err(Invalid::new("must be one of draft, scheduled, published")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PostStatus::Draft => "draft",
            PostStatus::Scheduled => "scheduled",
            PostStatus::Published => "published",
        }
    }
}

/// Posts appear in listings and feeds; pages (About, Contact) only at their own URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PostKind {
    Post,
    Page,
}

impl PostKind {
    pub fn parse(raw: &str) -> Result<PostKind, Invalid> {
        match raw {
            "post" => Ok(PostKind::Post),
            "page" => Ok(PostKind::Page),
            _ => Err(Invalid::new("must be post or page")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PostKind::Post => "post",
            PostKind::Page => "page",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn titles_are_trimmed_and_bounded() {
        assert_eq!(
            PostTitle::parse("  Hello  ").map(|t| t.0),
            Ok("Hello".into())
        );
        assert!(PostTitle::parse("   ").is_err());
        assert!(PostTitle::parse("a\nb").is_err());
        assert!(PostTitle::parse(&"é".repeat(301)).is_err());
        assert!(PostTitle::parse(&"é".repeat(300)).is_ok());
    }

    #[test]
    fn emails_are_lowercased_and_shaped() {
        assert_eq!(
            Email::parse(" A@Example.COM ").map(|e| e.0),
            Ok("a@example.com".into())
        );
        for bad in ["", "a", "a@b", "@b.c", "a@@b.c", "a b@c.d", "a@b.c."] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("superuser").is_err());
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            PostStatus::Draft,
            PostStatus::Scheduled,
            PostStatus::Published,
        ] {
            assert_eq!(PostStatus::parse(s.as_str()), Ok(s));
        }
        assert!(PostStatus::parse("Published").is_err());
    }

    proptest! {
        #[test]
        fn parsed_titles_are_one_trimmed_line(raw in ".{0,400}") {
            if let Ok(t) = PostTitle::parse(&raw) {
                prop_assert_eq!(t.as_str(), t.as_str().trim());
                prop_assert!(!t.as_str().chars().any(char::is_control));
                prop_assert!(!t.as_str().is_empty());
            }
        }
    }
}
