//! Users, their passwords (argon2id) and their API tokens (stored as SHA-256).

use crate::db::{query, Row};
use crate::{now, Store, StoreError};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use base64::Engine;
use chrono::{DateTime, Utc};
use folio_core::{CacheTag, Email, PersonName, Role, Slug};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

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
    /// Base32 TOTP secret when two-factor sign-in is on.
    #[serde(skip)]
    pub totp_secret: Option<String>,
    pub created_at: DateTime<Utc>,
    pub deactivated: bool,
}

/// An API token as its owner sees it in a list (never the token itself).
#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    pub id: i64,
    pub user_id: i64,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked: bool,
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
        .map(|parsed| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

const USER_COLUMNS: &str =
    "id, email, name, slug, role, bio, password_hash, totp_secret, created_at, deactivated_at IS NOT NULL AS deactivated";

pub(crate) fn user_from_row(row: &Row) -> Result<User, StoreError> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        slug: row.try_get("slug")?,
        role: Role::parse(&role)
            .map_err(|_| StoreError::Corrupt(format!("unknown role {role:?}")))?,
        bio: row.try_get("bio")?,
        password_hash: row.try_get("password_hash")?,
        totp_secret: row.try_get("totp_secret")?,
        created_at: row.try_get("created_at")?,
        deactivated: row.try_get("deactivated")?,
    })
}

impl Store {
    /// Creates a user with a slug made from their name (suffixed when taken).
    pub async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
        let mut tx = self.primary().begin().await?;
        let slug = crate::posts::free_slug(
            &mut tx,
            crate::posts::SlugTable::Users,
            &Slug::derive(new.name.as_str(), "author"),
        )
        .await?;
        let at = now();
        let id: i64 = query(
            "INSERT INTO users (email, name, slug, role, bio, password_hash, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(new.email.as_str())
        .bind(new.name.as_str())
        .bind(slug.as_str())
        .bind(new.role.as_str())
        .bind(&new.bio)
        .bind(&new.password_hash)
        .bind(at)
        .bind(at)
        .insert_returning_id(&mut tx)
        .await
        ?;
        tx.commit().await?;
        self.user_by_id(id).await
    }

    pub async fn user_by_id(&self, id: i64) -> Result<User, StoreError> {
        let row = query(format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        user_from_row(&row)
    }

    pub async fn user_by_email(&self, email: &Email) -> Result<User, StoreError> {
        let row = query(format!("SELECT {USER_COLUMNS} FROM users WHERE email = ?"))
            .bind(email.as_str())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        user_from_row(&row)
    }

    pub async fn user_by_slug(&self, slug: &str) -> Result<User, StoreError> {
        let row = query(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE slug = ? AND deactivated_at IS NULL"
        ))
        .bind(slug)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        user_from_row(&row)
    }

    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let rows = query(format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    pub async fn count_users(&self) -> Result<i64, StoreError> {
        Ok(query("SELECT COUNT(*) FROM users")
            .scalar(self.pool())
            .await?)
    }

    /// Renames a user; their name shows on every post they wrote, so the site's pages
    /// become stale.
    pub async fn update_user_profile(
        &self,
        id: i64,
        name: &PersonName,
        bio: &str,
    ) -> Result<User, StoreError> {
        let mut tx = self.primary().begin().await?;
        let changed = query("UPDATE users SET name = ?, bio = ?, updated_at = ? WHERE id = ?")
            .bind(name.as_str())
            .bind(bio)
            .bind(now())
            .bind(id)
            .execute(&mut tx)
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        let generation = self
            .bump_generation(&mut tx, &[CacheTag::Author(id), CacheTag::Posts])
            .await?;
        tx.commit().await?;
        self.committed(generation);
        self.user_by_id(id).await
    }

    /// Creates an API token for a user and returns it in clear: the only time it is seen.
    pub async fn create_token(&self, user_id: i64, label: &str) -> Result<String, StoreError> {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let token = format!(
            "folio_{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        );
        query(
            "INSERT INTO api_tokens (user_id, label, token_hash, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(user_id)
        .bind(label)
        .bind(token_hash(&token))
        .bind(now())
        .execute(self.pool())
        .await?;
        Ok(token)
    }

    /// A user's API tokens, newest first.
    pub async fn tokens_of(&self, user_id: i64) -> Result<Vec<TokenInfo>, StoreError> {
        let rows = query(
            "SELECT id, user_id, label, created_at, last_used_at, revoked_at IS NOT NULL AS revoked
             FROM api_tokens WHERE user_id = ? ORDER BY id DESC",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TokenInfo {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    label: r.try_get("label")?,
                    created_at: r.try_get("created_at")?,
                    last_used_at: r.try_get("last_used_at")?,
                    revoked: r.try_get("revoked")?,
                })
            })
            .collect()
    }

    /// Revokes one of a user's tokens; `NotFound` when it is not theirs.
    pub async fn revoke_token(&self, user_id: i64, token_id: i64) -> Result<(), StoreError> {
        let changed = query("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL")
            .bind(now())
            .bind(token_id)
            .bind(user_id)
            .execute(self.pool())
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Sets or clears a user's TOTP secret and recovery codes (SHA-256 hex of each).
    pub async fn set_second_factor(
        &self,
        user_id: i64,
        secret: Option<&str>,
        recovery_hashes: &[String],
    ) -> Result<(), StoreError> {
        let codes = serde_json::to_string(recovery_hashes)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        query("UPDATE users SET totp_secret = ?, recovery_codes = ?, updated_at = ? WHERE id = ?")
            .bind(secret)
            .bind(codes)
            .bind(now())
            .bind(user_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Accepts a TOTP code's time step for a user once: false when that step (or a
    /// later one) was already used, so a code overheard cannot be replayed.
    pub async fn accept_totp_step(&self, user_id: i64, step: i64) -> Result<bool, StoreError> {
        let changed =
            query("UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?")
                .bind(step)
                .bind(user_id)
                .bind(step)
                .execute(self.pool())
                .await?;
        Ok(changed == 1)
    }

    /// Spends a recovery code: true when it was one of the user's unused codes.
    pub async fn use_recovery_code(&self, user_id: i64, code: &str) -> Result<bool, StoreError> {
        let mut tx = self.primary().begin().await?;
        let raw: String = query("SELECT recovery_codes FROM users WHERE id = ?")
            .bind(user_id)
            .scalar_optional(&mut tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut codes: Vec<String> =
            serde_json::from_str(&raw).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let wanted: String = Sha256::digest(code.trim().as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let Some(i) = codes.iter().position(|c| *c == wanted) else {
            return Ok(false);
        };
        codes.remove(i);
        let codes =
            serde_json::to_string(&codes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        query("UPDATE users SET recovery_codes = ? WHERE id = ?")
            .bind(codes)
            .bind(user_id)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The active user a token belongs to, or `None` for an unknown, revoked or
    /// deactivated one.
    pub async fn authenticate_token(&self, token: &str) -> Result<Option<TokenOwner>, StoreError> {
        let row = query(
            "SELECT u.id, u.role, t.id AS token_id, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.deactivated_at IS NULL",
        )
        .bind(token_hash(token))
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        // Note the use, at most once a minute per token: a write per request would be waste.
        let last_used: Option<DateTime<Utc>> = row.try_get("last_used_at")?;
        let at = now();
        if last_used.is_none_or(|t| at - t > chrono::Duration::minutes(1)) {
            query("UPDATE api_tokens SET last_used_at = ? WHERE id = ?")
                .bind(at)
                .bind(row.try_get::<i64>("token_id")?)
                .execute(self.pool())
                .await?;
        }
        let role: String = row.try_get("role")?;
        let role = Role::parse(&role)
            .map_err(|_| StoreError::Corrupt(format!("unknown role {role:?}")))?;
        Ok(Some(TokenOwner {
            user_id: row.try_get("id")?,
            role,
        }))
    }
}
