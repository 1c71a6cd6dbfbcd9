//! People and their keys: the password policy and hashing, users made on the command
//! line, one-time password links, passwords set, API tokens made and revoked. The admin
//! pages and the command line call these same functions.

use crate::{App, Error};
use chrono::Duration;
use folio_core::{Email, Invalid, PersonName, Role};
use folio_store::{NewUser, User};

/// Password length bounds (OWASP ASVS V2.1: at least 12, at most 128, never truncated).
pub const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 12..=128;

/// How long a link to choose a new password works (`/admin/reset/{token}`).
pub const RESET_LINK_HOURS: i64 = 24;

/// Whether `password` meets the policy.
pub fn check_password(password: &str) -> Result<(), Invalid> {
    let chars = password.chars().count();
    if PASSWORD_CHARS.contains(&chars) {
        Ok(())
    } else {
        Err(Invalid::new(format!(
            "must be {} to {} characters long",
            PASSWORD_CHARS.start(),
            PASSWORD_CHARS.end()
        )))
    }
}

/// Argon2id of a password that meets the policy (else [`Error::Invalid`] on
/// `password`), off the async threads: it takes tens of milliseconds.
pub async fn hash_password(password: String) -> Result<String, Error> {
    check_password(&password).map_err(|why| Error::field("password", why))?;
    tokio::task::spawn_blocking(move || folio_store::hash_password(&password))
        .await
        .map_err(|e| Error::Store(folio_store::StoreError::Corrupt(e.to_string())))?
        .map_err(Error::from)
}

/// Whether `password` is the one `stored` was made from (`false` without one), off the
/// async threads.
pub async fn password_matches(stored: Option<String>, password: String) -> bool {
    tokio::task::spawn_blocking(move || {
        stored.is_some_and(|h| folio_store::verify_password(&password, &h))
    })
    .await
    .unwrap_or(false)
}

/// A label for an API token: 1 to 100 characters on one line.
fn token_label(raw: &str) -> Result<String, Error> {
    let label = raw.trim();
    if label.is_empty() || label.chars().count() > 100 || label.chars().any(char::is_control) {
        return Err(Error::field(
            "label",
            "give the token a name of 1 to 100 characters",
        ));
    }
    Ok(label.to_owned())
}

impl App {
    /// A user made by the server's operator (`folio user create`), with a password or
    /// none (they then get a password link).
    pub async fn create_user(
        &self,
        email: Email,
        name: PersonName,
        role: Role,
        password: Option<String>,
    ) -> Result<User, Error> {
        let password_hash = match password {
            Some(p) => Some(hash_password(p).await?),
            None => None,
        };
        let user = self
            .store()
            .create_user(NewUser {
                email,
                name,
                role,
                bio: String::new(),
                password_hash,
            })
            .await?;
        Ok(user)
    }

    /// Sets `user`'s password (policy checked); every session and open password link of
    /// theirs ends, and their failed sign-ins are forgotten.
    pub async fn set_password(&self, user: &User, password: String) -> Result<(), Error> {
        let hash = hash_password(password).await?;
        self.store().set_password(user.id, &hash).await?;
        self.store()
            .clear_login_failures(&format!("account:{}", user.email))
            .await?;
        Ok(())
    }

    /// A one-time link's token for `user` to choose a new password, valid
    /// [`RESET_LINK_HOURS`]; it replaces any link made before. Not for a deactivated
    /// account: it could not sign in with the password anyway.
    pub async fn password_link(&self, user: &User) -> Result<String, Error> {
        if user.deactivated {
            return Err(Error::State {
                code: "deactivated",
                message: "reactivate this account before making a password link for it".into(),
            });
        }
        Ok(self
            .store()
            .create_password_reset(user.id, Duration::hours(RESET_LINK_HOURS))
            .await?)
    }

    /// A new API token of `user_id`, named `label`: the secret, shown once.
    pub async fn create_token(&self, user_id: i64, label: &str) -> Result<String, Error> {
        let label = token_label(label)?;
        Ok(self.store().create_token(user_id, &label).await?)
    }

    /// Revokes token `id` of `user_id` (another user's token is left alone).
    pub async fn revoke_token(&self, user_id: i64, id: i64) -> Result<(), Error> {
        Ok(self.store().revoke_token(user_id, id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_held_to_the_policy() {
        assert!(check_password(&"x".repeat(11)).is_err());
        assert!(check_password(&"x".repeat(12)).is_ok());
        assert!(
            check_password(&"é".repeat(128)).is_ok(),
            "characters, not bytes"
        );
        assert!(check_password(&"x".repeat(129)).is_err());
    }

    #[test]
    fn token_labels_are_one_line_of_1_to_100_characters() {
        assert_eq!(
            token_label("  deploy bot ").ok().as_deref(),
            Some("deploy bot")
        );
        for bad in ["", "   ", "a\nb", &"x".repeat(101)] {
            assert!(
                matches!(token_label(bad), Err(Error::Invalid(_))),
                "{bad:?}"
            );
        }
    }
}
