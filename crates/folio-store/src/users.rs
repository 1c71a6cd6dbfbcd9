//! Users, their passwords (argon2id) and their API tokens (stored as SHA-256).

use crate::error::on_unique;
use crate::{now, Store, StoreError};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use chrono::{DateTime, Utc};
use folio_core::{Email, PersonName, Role, Slug};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub slug: String,
    pub role: Role,
    pub bio: String,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub created_at: DateTime<Utc>,
    pub deactivated: bool,
}

pub struct NewUser {
    pub email: Email,
    pub name: PersonName,
    pub role: Role,
    pub bio: String,
    /// Already hashed with [`hash_password`]; `None` for token-only users.
    pub password_hash: Option<String>,
}

/// Whom an API token belongs to.
#[derive(Debug, Clone, Copy)]
pub struct TokenOwner {
    pub user_id: i64,
    pub role: Role,
}

/// Hashes a password with argon2id at the crate's defaults (m = 19 MiB, t = 2, p = 1:
/// OWASP's recommended minimum). CPU-heavy: call it off the async threads.
pub fn hash_password(password: &str) -> Result<String, StoreError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Corrupt(format!("password hashing failed: {e}")))
}

/// Checks a password against a stored hash. CPU-heavy: call it off the async threads.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| argon2::Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

const USER_COLUMNS: &str =
    "id, email, name, slug, role, bio, password_hash, created_at, deactivated_at IS NOT NULL AS deactivated";

fn user_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<User, StoreError> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        slug: row.try_get("slug")?,
        role: Role::parse(&role).map_err(|_| StoreError::Corrupt(format!("unknown role {role:?}")))?,
        bio: row.try_get("bio")?,
        password_hash: row.try_get("password_hash")?,
        created_at: row.try_get("created_at")?,
        deactivated: row.try_get("deactivated")?,
    })
}

impl Store {
    /// Creates a user with a slug made from their name (suffixed when taken).
    pub async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
        let mut tx = self.pool().begin().await?;
        let slug = free_user_slug(&mut tx, &Slug::derive(new.name.as_str(), "author")).await?;
        let at = now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, name, slug, role, bio, password_hash, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(new.email.as_str())
        .bind(new.name.as_str())
        .bind(slug.as_str())
        .bind(new.role.as_str())
        .bind(&new.bio)
        .bind(&new.password_hash)
        .bind(at)
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| on_unique(e, "users.email", "email"))?;
        tx.commit().await?;
        self.user_by_id(id).await
    }

    pub async fn user_by_id(&self, id: i64) -> Result<User, StoreError> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        user_from_row(&row)
    }

    pub async fn user_by_email(&self, email: &Email) -> Result<User, StoreError> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE email = ?"))
            .bind(email.as_str())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        user_from_row(&row)
    }

    pub async fn user_by_slug(&self, slug: &str) -> Result<User, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE slug = ? AND deactivated_at IS NULL"
        ))
        .bind(slug)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        user_from_row(&row)
    }

    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    pub async fn count_users(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(self.pool()).await?)
    }

    /// Renames a user; their name shows on every post they wrote, so the site's pages
    /// become stale.
    pub async fn update_user_profile(&self, id: i64, name: &PersonName, bio: &str) -> Result<User, StoreError> {
        let mut tx = self.pool().begin().await?;
        let changed = sqlx::query("UPDATE users SET name = ?, bio = ?, updated_at = ? WHERE id = ?")
            .bind(name.as_str())
            .bind(bio)
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        let generation = Store::bump_generation(&mut tx).await?;
        tx.commit().await?;
        self.committed(generation);
        self.user_by_id(id).await
    }

    /// Creates an API token for a user and returns it in clear: the only time it is seen.
    pub async fn create_token(&self, user_id: i64, label: &str) -> Result<String, StoreError> {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let token = format!("folio_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
        sqlx::query("INSERT INTO api_tokens (user_id, label, token_hash, created_at) VALUES (?, ?, ?, ?)")
            .bind(user_id)
            .bind(label)
            .bind(token_hash(&token))
            .bind(now())
            .execute(self.pool())
            .await?;
        Ok(token)
    }

    /// The active user a token belongs to, or `None` for an unknown, revoked or
    /// deactivated one.
    pub async fn authenticate_token(&self, token: &str) -> Result<Option<TokenOwner>, StoreError> {
        let row = sqlx::query(
            "SELECT u.id, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.deactivated_at IS NULL",
        )
        .bind(token_hash(token))
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let role: String = row.try_get("role")?;
        let role = Role::parse(&role).map_err(|_| StoreError::Corrupt(format!("unknown role {role:?}")))?;
        Ok(Some(TokenOwner { user_id: row.try_get("id")?, role }))
    }
}

async fn free_user_slug(conn: &mut sqlx::SqliteConnection, base: &Slug) -> Result<Slug, StoreError> {
    let mut candidate = base.clone();
    for n in 2..1000 {
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE slug = ?")
            .bind(candidate.as_str())
            .fetch_optional(&mut *conn)
            .await?;
        if taken.is_none() {
            return Ok(candidate);
        }
        candidate = base.with_suffix(n);
    }
    Err(StoreError::Conflict { field: "slug" })
}
