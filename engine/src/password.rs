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

/// The strength floor beyond the domain's rules (`NewPassword::parse`): zxcvbn's estimate must
/// reach 3 of 4 ("safely unguessable": about 10^8 guesses and more) with the account's own
/// names and address counted as known words. The refusal names the reason, as a code of its
/// own (translated by the interface) and zxcvbn's English explanation.
pub(crate) fn judge(candidate: &str, known: &[&str]) -> Result<(), domain::Invalid> {
    use zxcvbn::{feedback::Warning, Score};
    let known: Vec<&str> = known.iter().copied().filter(|k| !k.is_empty()).collect();
    let estimate = zxcvbn::zxcvbn(candidate, &known);
    if estimate.score() >= Score::Three {
        return Ok(());
    }
    let warning = estimate.feedback().and_then(|f| f.warning());
    let code = match warning {
        Some(
            Warning::ThisIsATop10Password
            | Warning::ThisIsATop100Password
            | Warning::ThisIsACommonPassword
            | Warning::ThisIsSimilarToACommonlyUsedPassword,
        ) => "password_common",
        Some(Warning::AWordByItselfIsEasyToGuess) => "password_word",
        Some(
            Warning::NamesAndSurnamesByThemselvesAreEasyToGuess
            | Warning::CommonNamesAndSurnamesAreEasyToGuess,
        ) => "password_name",
        Some(
            Warning::StraightRowsOfKeysAreEasyToGuess
            | Warning::ShortKeyboardPatternsAreEasyToGuess
            | Warning::RepeatsLikeAaaAreEasyToGuess
            | Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess
            | Warning::SequencesLikeAbcAreEasyToGuess,
        ) => "password_pattern",
        Some(Warning::RecentYearsAreEasyToGuess | Warning::DatesAreOftenEasyToGuess) => {
            "password_date"
        }
        None => "password_guessable",
    };
    let why = warning.map_or_else(
        || "It would be guessed too quickly.".to_owned(),
        |w| w.to_string(),
    );
    Err(domain::Invalid::new(
        code,
        format!("This password is too easy to guess. {why} Add more words or characters that do not form a pattern."),
    ))
}

#[cfg(test)]
mod judge_tests {
    use super::judge;

    #[test]
    fn the_reviews_weak_passwords_are_refused_with_a_reason() {
        for weak in [
            "password1234",
            "Password1!",
            "12345678901",
            "1234567890a",
            "qwertyuiop1",
            "iloveyou1234",
            "abcdabcdab",
        ] {
            assert!(judge(weak, &["ada"]).is_err(), "{weak}");
        }
        let code = |p: &str| judge(p, &[]).err().map(|e| e.code);
        assert_eq!(code("password1234"), Some("password_common"));
        assert_eq!(code("zzzzzzzzzzzzzzzz"), Some("password_pattern"));
    }

    #[test]
    fn the_test_suites_passwords_are_strong_enough() {
        for used in ["lemon-stand-7", "Lemon-Stand-77x", "first-visit-pass-42"] {
            assert!(
                judge(used, &[]).is_ok(),
                "{used}: {:?}",
                judge(used, &[]).err().map(|e| e.message)
            );
        }
    }

    #[test]
    fn long_unpatterned_passwords_pass_and_the_accounts_names_count_as_known() {
        assert!(judge("correct horse battery staple 42", &[]).is_ok());
        assert!(judge("Kelp-Forest-Heron-57", &[]).is_ok());
        assert!(judge("adalovelace2024", &["adalovelace"]).is_err());
    }
}

#[cfg(test)]
mod tools_tests {
    use super::judge;

    /// The passwords the simulator, the load generator and the fault checks register with.
    #[test]
    fn the_tools_passwords_pass_the_floor() {
        for used in [
            "simulated-annotator-pass",
            "simulated-moderator-pass",
            "load-test-password-1",
            "fuzz-password-123",
        ] {
            assert!(judge(used, &[]).is_ok(), "{used}");
        }
    }
}
