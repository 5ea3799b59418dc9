//! Randomness and secret handling: Appwrite-format ids, session/key/token secrets, their
//! SHA-256 digests (what the store keeps) and constant-time comparison. Secrets are never
//! formatted for display; they leave this module only to be returned once to their owner.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A freshly generated id in Appwrite's server format (uniqid + 7 random hex chars).
pub fn unique_id() -> String {
    let micros = jiff::Timestamp::now().as_microsecond().max(0) as u64;
    let mut random = [0u8; 4];
    rand::fill(&mut random[..]);
    oxwrite_types::id::format_unique_id(micros, random)
}

/// Resolves a client-supplied id: `unique()` becomes a generated id, anything else must be a
/// valid custom id.
pub fn resolve_id(param: &str, value: &str) -> crate::Result<String> {
    if oxwrite_types::id::is_unique_placeholder(value) {
        return Ok(unique_id());
    }
    oxwrite_types::id::validate_custom_id(value)
        .map_err(|e| crate::Error::invalid_param(param, &e.to_string()))?;
    Ok(value.to_owned())
}

/// `n` random bytes from the OS-seeded CSPRNG as lowercase hex (2n chars).
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::fill(bytes.as_mut_slice());
    hex::encode(bytes)
}

/// SHA-256 of a secret as lowercase hex: the form every secret is stored in.
pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Constant-time equality of two stored digests (or any two strings of secret material).
pub fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_valid_and_distinct() {
        let a = unique_id();
        let b = unique_id();
        assert_eq!(a.len(), 20);
        assert_ne!(a, b);
        assert!(oxwrite_types::id::validate_custom_id(&a).is_ok());
    }

    #[test]
    fn digests_and_comparison() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(ct_eq("abc", "abc"));
        assert!(!ct_eq("abc", "abd"));
        assert!(!ct_eq("abc", "ab"));
        assert_eq!(random_hex(128).len(), 256);
    }
}
