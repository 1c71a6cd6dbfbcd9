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
            StoreError::Database(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_))
        )
    }
}

/// Maps a unique-constraint violation on `table.column` to a conflict on `field`.
pub(crate) fn on_unique(err: sqlx::Error, column: &str, field: &'static str) -> StoreError {
    if let sqlx::Error::Database(db) = &err {
        if db.is_unique_violation() && db.message().contains(column) {
            return StoreError::Conflict { field };
        }
    }
    StoreError::Database(err)
}
