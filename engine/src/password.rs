//! Password hashing with argon2id, run off the async runtime because each hash takes tens of
//! milliseconds of CPU.

use crate::Error;
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use std::sync::OnceLock;

/// A stored hash. Deliberately neither `Debug` nor `Serialize`.
pub(crate) struct PasswordHashString(pub(crate) String);

/// Hashes a new password.
pub(crate) async fn hash(password: String) -> Result<PasswordHashString, Error> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| PasswordHashString(hash.to_string()))
            .map_err(|e| Error::Internal(format!("hashing failed: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(format!("hashing task failed: {e}")))?
}

/// Checks a password against a stored hash. With no stored hash (unknown user, deleted
/// account) it checks against a fixed dummy hash, so both failures take the same time.
pub(crate) async fn verify(password: String, stored: Option<String>) -> Result<bool, Error> {
    let known = stored.is_some();
    let stored = match stored {
        Some(hash) => hash,
        None => dummy_hash()?.to_owned(),
    };
    let matches = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .map_err(|e| Error::Internal(format!("stored hash unreadable: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(format!("verify task failed: {e}")))??;
    Ok(known && matches)
}

fn dummy_hash() -> Result<&'static str, Error> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash);
    }
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default()
        .hash_password(b"grove dummy password", &salt)
        .map_err(|e| Error::Internal(format!("hashing failed: {e}")))?
        .to_string();
    Ok(DUMMY.get_or_init(|| hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() -> Result<(), Error> {
        let PasswordHashString(stored) = hash("lemon-stand-7".to_owned()).await?;
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("lemon-stand-7".to_owned(), Some(stored.clone())).await?);
        assert!(!verify("lemon-stand-8".to_owned(), Some(stored)).await?);
        Ok(())
    }

    #[tokio::test]
    async fn without_a_stored_hash_nothing_verifies() -> Result<(), Error> {
        assert!(!verify("grove dummy password".to_owned(), None).await?);
        Ok(())
    }
}
