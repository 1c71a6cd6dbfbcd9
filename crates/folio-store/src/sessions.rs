//! Sign-in state that every replica shares: sessions, failed sign-ins for rate
//! limiting, and the one-time tokens that allow the first owner to be created.

use crate::db::query;
use crate::users::user_from_row;
use crate::{now, NewUser, Store, StoreError, User};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A random, URL-safe secret of 256 bits.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// A live session and the user it belongs to.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    /// The password was right but the second factor is still to be given.
    pub second_factor_pending: bool,
    pub expires_at: DateTime<Utc>,
}

/// A new session: the id for the cookie (never stored in clear) and its CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: String,
    pub csrf_token: String,
}

impl Store {
    /// Starts a session for a user; the id is new every time (no fixation).
    pub async fn create_session(
        &self,
        user_id: i64,
        second_factor_pending: bool,
        lifetime: Duration,
    ) -> Result<NewSession, StoreError> {
        let session = NewSession {
            id: random_secret(),
            csrf_token: random_secret(),
        };
        let at = now();
        query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, second_factor_pending, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(digest(&session.id))
        .bind(user_id)
        .bind(&session.csrf_token)
        .bind(second_factor_pending)
        .bind(at)
        .bind(at + lifetime)
        .execute(self.pool())
        .await?;
        Ok(session)
    }

    /// The live session with this cookie id, if it exists, has not expired and its user
    /// is active.
    pub async fn session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        let row = query(
            "SELECT u.id, u.email, u.name, u.slug, u.role, u.bio, u.password_hash, u.created_at,
                    u.deactivated_at IS NOT NULL AS deactivated, u.totp_secret,
                    s.csrf_token, s.second_factor_pending, s.expires_at
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id_hash = ? AND s.expires_at > ? AND u.deactivated_at IS NULL",
        )
        .bind(digest(id))
        .bind(now())
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Session {
            user: user_from_row(&row)?,
            csrf_token: row.try_get("csrf_token")?,
            second_factor_pending: row.try_get("second_factor_pending")?,
            expires_at: row.try_get("expires_at")?,
        }))
    }

    /// Ends a session (sign-out); it cannot be used again from any replica.
    pub async fn delete_session(&self, id: &str) -> Result<(), StoreError> {
        query("DELETE FROM sessions WHERE id_hash = ?")
            .bind(digest(id))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Ends every session of a user (password change, deactivation).
    pub async fn delete_sessions_of(&self, user_id: i64) -> Result<(), StoreError> {
        query("DELETE FROM sessions WHERE user_id = ?")
            .bind(user_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Forgets expired sessions and old sign-in failures.
    pub async fn purge_expired(&self, failure_window: Duration) -> Result<(), StoreError> {
        let at = now();
        query("DELETE FROM sessions WHERE expires_at <= ?")
            .bind(at)
            .execute(self.pool())
            .await?;
        query("DELETE FROM login_failures WHERE failed_at <= ?")
            .bind(at - failure_window)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Records a failed sign-in under each key (the account, the client address).
    pub async fn record_login_failure(&self, keys: &[String]) -> Result<(), StoreError> {
        let at = now();
        for key in keys {
            query("INSERT INTO login_failures (limit_key, failed_at) VALUES (?, ?)")
                .bind(key)
                .bind(at)
                .execute(self.pool())
                .await?;
        }
        Ok(())
    }

    /// Failures under `key` since `since`, and the oldest of them.
    pub async fn login_failures(
        &self,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
        let row = query("SELECT COUNT(*) AS n, MIN(failed_at) AS oldest FROM login_failures WHERE limit_key = ? AND failed_at > ?")
            .bind(key)
            .bind(since)
            .fetch_one(self.pool())
            .await?;
        Ok((row.try_get("n")?, row.try_get("oldest")?))
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        query("DELETE FROM login_failures WHERE limit_key = ?")
            .bind(key)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Creates a one-time set-up token and returns it in clear (to print in the log).
    pub async fn create_setup_token(&self) -> Result<String, StoreError> {
        let token = random_secret();
        query("INSERT INTO setup_tokens (token_hash, created_at) VALUES (?, ?)")
            .bind(digest(&token))
            .bind(now())
            .execute(self.pool())
            .await?;
        Ok(token)
    }

    pub async fn setup_token_is_valid(&self, token: &str) -> Result<bool, StoreError> {
        let found: Option<i64> = query("SELECT 1 FROM setup_tokens WHERE token_hash = ?")
            .bind(digest(token))
            .scalar_optional(self.pool())
            .await?;
        Ok(found.is_some())
    }

    /// Creates the site's first user, as owner, only while there is no user at all:
    /// two set-up forms submitted at once give one owner and one conflict. Set-up
    /// tokens are spent.
    pub async fn create_first_owner(&self, new: NewUser) -> Result<User, StoreError> {
        let mut tx = self.primary().begin().await?;
        let users: i64 = query("SELECT COUNT(*) FROM users").scalar(&mut tx).await?;
        if users > 0 {
            return Err(StoreError::Conflict { field: "owner" });
        }
        query("DELETE FROM setup_tokens").execute(&mut tx).await?;
        tx.commit().await?;
        self.create_user(new).await
    }
}
