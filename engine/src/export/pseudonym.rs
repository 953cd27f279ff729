//! Pseudonymous user ids: `UUID(HMAC-SHA256(secret, user id)[..16])`. The secret is the
//! server's (`GROVE_EXPORT_SECRET`, or one the instance made for itself and keeps in
//! Postgres), never a request's: the same author gets the same pseudonym in every export of
//! the instance, and without the secret nobody can compute one from a user id.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use uuid::Uuid;

pub(crate) struct Pseudonyms {
    key: Hmac<Sha256>,
    cache: HashMap<Uuid, String>,
}

impl Pseudonyms {
    pub(crate) fn new(secret: &[u8]) -> Self {
        // HMAC takes a key of any length
        let key = match Hmac::<Sha256>::new_from_slice(secret) {
            Ok(key) => key,
            Err(_) => unreachable!("HMAC accepts keys of every length"),
        };
        Self {
            key,
            cache: HashMap::new(),
        }
    }

    /// A UUID-shaped pseudonym of `user`.
    pub(crate) fn of(&mut self, user: Uuid) -> String {
        if let Some(known) = self.cache.get(&user) {
            return known.clone();
        }
        let mut mac = self.key.clone();
        mac.update(user.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(digest.get(..16).unwrap_or(&[0; 16]));
        let pseudonym = Uuid::from_bytes(bytes).to_string();
        self.cache.insert(user, pseudonym.clone());
        pseudonym
    }
}

/// A number in [0, 1) fixed by `seed` and `tree`, for splitting by tree.
pub(crate) fn unit_hash(seed: u64, tree: Uuid) -> f64 {
    let digest = Sha256::new()
        .chain_update(seed.to_le_bytes())
        .chain_update(tree.as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(digest.get(..8).unwrap_or(&[0; 8]));
    (u64::from_le_bytes(first) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_stable_within_and_differ_across_secrets() {
        let user = Uuid::new_v4();
        let mut a = Pseudonyms::new(b"one");
        let mut b = Pseudonyms::new(b"two");
        assert_eq!(a.of(user), a.of(user));
        assert_ne!(a.of(user), b.of(user));
        assert_ne!(a.of(user), user.to_string());
        assert_eq!(Pseudonyms::new(b"one").of(user), a.of(user));
    }

    #[test]
    fn the_split_hash_is_uniform_enough() {
        let inside = (0..10_000)
            .filter(|_| unit_hash(7, Uuid::new_v4()) < 0.1)
            .count();
        assert!((800..1200).contains(&inside), "{inside}");
    }
}
