//! API keys for integrations: `t4a_<prefix>_<secret>`. The prefix finds the row; only the SHA-256
//! of the secret is stored (the secret is 190 random bits, so a fast hash is enough), and the key
//! is shown once, when created.

use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};

const PREFIX_LEN: usize = 12;
const SECRET_LEN: usize = 32;

pub struct NewKey {
    pub prefix: String,
    pub secret_sha256: Vec<u8>,
    /// The whole key, to show the caller once.
    pub plain: String,
}

fn random(n: usize) -> String {
    rand::rng().sample_iter(&Alphanumeric).take(n).map(char::from).collect()
}

pub fn generate() -> NewKey {
    let prefix = random(PREFIX_LEN);
    let secret = random(SECRET_LEN);
    NewKey { plain: format!("t4a_{prefix}_{secret}"), secret_sha256: digest(&secret), prefix }
}

pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Splits a presented key into (prefix, secret); None if it is not shaped like one of ours.
pub fn split(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix("t4a_")?;
    let (prefix, secret) = rest.split_once('_')?;
    let shaped = prefix.len() == PREFIX_LEN
        && secret.len() == SECRET_LEN
        && prefix.bytes().chain(secret.bytes()).all(|b| b.is_ascii_alphanumeric());
    shaped.then_some((prefix, secret))
}

/// Compares two digests without an early exit.
pub fn same_digest(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_splits_and_matches_its_digest() {
        let key = generate();
        let (prefix, secret) = split(&key.plain).expect("well formed");
        assert_eq!(prefix, key.prefix);
        assert!(same_digest(&digest(secret), &key.secret_sha256));
        assert!(!same_digest(&digest("other"), &key.secret_sha256));
    }

    #[test]
    fn malformed_keys_are_not_split() {
        assert!(split("t4a_short_x").is_none());
        assert!(split("nope").is_none());
        assert!(split(&format!("t4a_{}_{}", "a".repeat(12), "!".repeat(32))).is_none());
    }
}
