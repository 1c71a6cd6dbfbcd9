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
    Database(#[from] sqlx::Error),
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

/// Maps a unique-constraint violation on `table.column` to a conflict on `field`.
/// SQLite names the column in its message; the MariaDB/MySQL and PostgreSQL schemas
/// name the constraint `table_column`, which their messages quote.
pub(crate) fn on_unique(err: sqlx::Error, column: &str, field: &'static str) -> StoreError {
    if let sqlx::Error::Database(db) = &err {
        let constraint = column.replace('.', "_");
        if db.is_unique_violation()
            && (db.message().contains(column) || db.message().contains(&constraint))
        {
            return StoreError::Conflict { field };
        }
    }
    StoreError::Database(err)
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
