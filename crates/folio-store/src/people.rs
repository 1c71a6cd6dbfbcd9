//! Managing people: invitations, roles, deactivation.

use crate::db::query;
use crate::sessions::random_secret;
use crate::{now, NewUser, Store, StoreError, User};
use chrono::{DateTime, Duration, Utc};
use folio_core::{CacheTag, Email, Role};
use sha2::{Digest, Sha256};

/// A pending invitation.
#[derive(Debug, Clone)]
pub struct Invite {
    pub email: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

/// The user of a reset token that is unexpired and whose account is active.
const LIVE_RESET: &str =
    "SELECT r.user_id FROM password_resets r JOIN users u ON u.id = r.user_id \
     WHERE r.token_hash = ? AND r.expires_at > ? AND u.deactivated_at IS NULL";

fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

impl Store {
    /// Creates an invitation and returns the token for its link (shown once).
    pub async fn create_invite(
        &self,
        email: &Email,
        role: Role,
        invited_by: i64,
        lifetime: Duration,
    ) -> Result<String, StoreError> {
        if self.user_by_email(email).await.is_ok() {
            return Err(StoreError::Conflict { field: "email" });
        }
        let token = random_secret();
        let at = now();
        query("INSERT INTO invites (token_hash, email, role, invited_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(digest(&token))
            .bind(email.as_str())
            .bind(role.as_str())
            .bind(invited_by)
            .bind(at)
            .bind(at + lifetime)
            .execute(self.pool())
            .await?;
        Ok(token)
    }

    /// The live invitation behind a token.
    pub async fn invite(&self, token: &str) -> Result<Invite, StoreError> {
        let row = query(
            "SELECT email, role, expires_at FROM invites WHERE token_hash = ? AND expires_at > ?",
        )
        .bind(digest(token))
        .bind(now())
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        let role: String = row.try_get("role")?;
        Ok(Invite {
            email: row.try_get("email")?,
            role: Role::parse(&role)
                .map_err(|_| StoreError::Corrupt(format!("unknown role {role:?}")))?,
            expires_at: row.try_get("expires_at")?,
        })
    }

    /// Pending invitations, newest first.
    pub async fn pending_invites(&self) -> Result<Vec<Invite>, StoreError> {
        let rows = query("SELECT email, role, expires_at FROM invites WHERE expires_at > ? ORDER BY created_at DESC")
            .bind(now())
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| {
                let role: String = row.try_get("role")?;
                Ok(Invite {
                    email: row.try_get("email")?,
                    role: Role::parse(&role)
                        .map_err(|_| StoreError::Corrupt(format!("unknown role {role:?}")))?,
                    expires_at: row.try_get("expires_at")?,
                })
            })
            .collect()
    }

    /// Spends an invitation: the account is created with the invited email and role,
    /// and the token cannot be used again.
    pub async fn accept_invite(&self, token: &str, new: NewUser) -> Result<User, StoreError> {
        let mut tx = self.primary().begin().await?;
        let deleted = query("DELETE FROM invites WHERE token_hash = ? AND expires_at > ?")
            .bind(digest(token))
            .bind(now())
            .execute(&mut tx)
            .await?;
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await?;
        self.create_user(new).await
    }

    /// Makes a one-time link token for `user_id` to choose a new password with, replacing
    /// any earlier one of theirs; returns the token (shown once, only its digest kept).
    pub async fn create_password_reset(
        &self,
        user_id: i64,
        lifetime: Duration,
    ) -> Result<String, StoreError> {
        let token = random_secret();
        let at = now();
        let mut tx = self.primary().begin().await?;
        query("DELETE FROM password_resets WHERE user_id = ?")
            .bind(user_id)
            .execute(&mut tx)
            .await?;
        query("INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
            .bind(digest(&token))
            .bind(user_id)
            .bind(at)
            .bind(at + lifetime)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The user a live reset token is for.
    pub async fn password_reset_user(&self, token: &str) -> Result<User, StoreError> {
        let user_id: i64 = query(LIVE_RESET)
            .bind(digest(token))
            .bind(now())
            .scalar_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        self.user_by_id(user_id).await
    }

    /// Spends a reset token: the user's password becomes `password_hash`, and every
    /// session of theirs ends. `NotFound` when the token is unknown, used or expired.
    pub async fn reset_password(
        &self,
        token: &str,
        password_hash: &str,
    ) -> Result<User, StoreError> {
        let mut tx = self.primary().begin().await?;
        let user_id: i64 = query(LIVE_RESET)
            .bind(digest(token))
            .bind(now())
            .scalar_optional(&mut tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        // Deleted before the password changes: of two uses at once, one finds nothing.
        let spent = query("DELETE FROM password_resets WHERE token_hash = ?")
            .bind(digest(token))
            .execute(&mut tx)
            .await?;
        if spent == 0 {
            return Err(StoreError::NotFound);
        }
        Store::replace_password(&mut tx, user_id, password_hash).await?;
        tx.commit().await?;
        self.user_by_id(user_id).await
    }

    /// Sets a user's password (the owner's command line, or their own account page) and
    /// ends every session of theirs, along with any reset link.
    pub async fn set_password(&self, user_id: i64, password_hash: &str) -> Result<(), StoreError> {
        let mut tx = self.primary().begin().await?;
        query("DELETE FROM password_resets WHERE user_id = ?")
            .bind(user_id)
            .execute(&mut tx)
            .await?;
        Store::replace_password(&mut tx, user_id, password_hash).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn replace_password(
        tx: &mut crate::db::Tx,
        user_id: i64,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        let changed = query("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?")
            .bind(password_hash)
            .bind(now())
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        query("DELETE FROM sessions WHERE user_id = ?")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        Ok(())
    }

    /// Changes a user's role (never to or from owner: there is exactly one). An open
    /// password link of theirs goes: it was made by someone allowed to manage the old
    /// role, who may not manage the new one.
    pub async fn set_role(&self, user_id: i64, role: Role) -> Result<(), StoreError> {
        let mut tx = self.primary().begin().await?;
        let changed =
            query("UPDATE users SET role = ?, updated_at = ? WHERE id = ? AND role <> 'owner'")
                .bind(role.as_str())
                .bind(now())
                .bind(user_id)
                .execute(&mut tx)
                .await?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        query("DELETE FROM password_resets WHERE user_id = ?")
            .bind(user_id)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deactivates (or reactivates) a user. A deactivated user cannot sign in, their
    /// sessions end at once and their API tokens stop working; their posts stay.
    pub async fn set_active(&self, user_id: i64, active: bool) -> Result<(), StoreError> {
        let at = now();
        let mut tx = self.primary().begin().await?;
        let changed = query(
            "UPDATE users SET deactivated_at = ?, updated_at = ? WHERE id = ? AND role <> 'owner'",
        )
        .bind((!active).then_some(at))
        .bind(at)
        .bind(user_id)
        .execute(&mut tx)
        .await?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        if !active {
            query("DELETE FROM sessions WHERE user_id = ?")
                .bind(user_id)
                .execute(&mut tx)
                .await?;
            query("DELETE FROM password_resets WHERE user_id = ?")
                .bind(user_id)
                .execute(&mut tx)
                .await?;
        }
        // Author pages of deactivated users disappear: public pages change.
        let generation = self
            .bump_generation(&mut tx, &[CacheTag::Author(user_id), CacheTag::Posts])
            .await?;
        tx.commit().await?;
        self.committed(generation);
        Ok(())
    }
}
