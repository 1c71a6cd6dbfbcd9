//! The storage layer's one error type. Database error text never leaves the process:
//! the web layer logs it and shows a generic message.

use folio_core::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique value is already used: `field` names it for the client.
    #[error("{field} is already taken")]
    Conflict { field: &'static str },
    /// Input that passed type checks but not the store's rules (an unknown author...).
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("{0}")]
    Unsupported(String),
    /// The database server could not be reached or refused us. `target` is the URL
    /// without its password.
    #[error("cannot connect to {target}: {reason}")]
    Connect { target: String, reason: String },
    #[error("database error")]
    Database(sqlx::Error),
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Whether the database itself is unreachable or overloaded (→ 503, not 500).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::Database(
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)
            )
        )
    }
}

/// Describes why connecting to `url` failed, in words that name the problem (refused,
/// unknown host, wrong password, no such database) and never the password.
pub(crate) fn connect_error(url: &str, err: sqlx::Error) -> StoreError {
    let reason = match &err {
        sqlx::Error::Database(db) => db.message().to_owned(),
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::Tls(tls) => format!("TLS failed: {tls}"),
        sqlx::Error::PoolTimedOut => "no connection within the time allowed".to_owned(),
        sqlx::Error::Configuration(_) => "the URL is not valid".to_owned(),
        other => other.to_string(),
    };
    StoreError::Connect {
        target: redact_password(url),
        reason,
    }
}

/// `scheme://user:secret@host/db` → `scheme://user@host/db`.
pub fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => {
            let user = rest[..at].split(':').next().unwrap_or_default();
            format!("{scheme}://{user}{}", &rest[at..])
        }
        None => url.to_owned(),
    }
}

/// The unique keys a write can run into, as the schema names them on every backend,
/// and the field each is about for the client.
const UNIQUE_KEYS: &[(&str, &str)] = &[
    ("posts_slug", "slug"),
    ("users_email", "email"),
    ("users_slug", "slug"),
    ("tags_slug", "slug"),
    ("media_storage_key", "file"),
    ("media_url", "file"),
];

/// The unique key a violation names, as the schema names it (`posts_slug`), read from
/// what each engine reports: PostgreSQL its constraint; MariaDB and MySQL the key
/// (`… for key 'posts_slug'`, MySQL 8 `'posts.posts_slug'`); SQLite the columns
/// (`UNIQUE constraint failed: posts.slug`), which for a one-column key is the same name.
pub(crate) fn unique_key(err: &sqlx::Error) -> Option<String> {
    let sqlx::Error::Database(db) = err else {
        return None;
    };
    if !db.is_unique_violation() {
        return None;
    }
    if let Some(constraint) = db.constraint() {
        return Some(constraint.to_owned());
    }
    let message = db.message();
    if let Some((_, key)) = message.rsplit_once("for key '") {
        let key = key.trim_end_matches('\'');
        return Some(key.rsplit('.').next().unwrap_or(key).to_owned());
    }
    message
        .strip_prefix("UNIQUE constraint failed: ")
        .map(|columns| columns.replace(", ", "_").replace('.', "_"))
}

/// A unique violation on a key of [`UNIQUE_KEYS`] is a conflict on its field; any other
/// database error stays one.
impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        let field = unique_key(&err).and_then(|key| {
            UNIQUE_KEYS
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, field)| *field)
        });
        match field {
            Some(field) => StoreError::Conflict { field },
            None => StoreError::Database(err),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_show() {
        use super::redact_password;
        assert_eq!(
            redact_password("mysql://folio:s3cr@t@db:3306/folio"),
            "mysql://folio@db:3306/folio"
        );
        assert_eq!(redact_password("postgres://u@h/d"), "postgres://u@h/d");
        assert_eq!(
            redact_password("sqlite:///data/folio.db"),
            "sqlite:///data/folio.db"
        );
    }
}
