//! phpass hashes (WordPress, phpBB, Drupal-migrated): the portable `$P$`/`$H$` MD5 scheme
//! implemented here from the phpass algorithm, plus phpass's bcrypt output via the bcrypt
//! module. It must not iterate more than `2^MAX_LOG2` times for a stored hash and must not panic.
//!
//! Facts relied on (utopia-php/auth `Hashes/PHPass.php`, a port of Openwall phpass 0.x):
//! setting = `$P$` or `$H$`, one itoa64 char whose index is log2 of the iteration count
//! (7..=30), 8 salt chars; hash = md5(salt . password), then `count` times
//! hash = md5(hash . password); output = the 12-char setting followed by phpass's
//! little-endian itoa64 encoding of the 16-byte digest (22 chars, 34 in total). When the setting
//! is not portable, verify falls back to PHP `crypt()`, i.e. bcrypt for `$2?$` strings.

use md5::{Digest, Md5};

use super::{MAX_HASH_BYTES, PasswordError, bcrypt, ct_eq};

const ITOA64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Total length of a portable hash.
const PORTABLE_LEN: usize = 34;
/// Length of `$P$` + count char + 8 salt chars.
const SETTING_LEN: usize = 12;
/// phpass refuses fewer than 2^7 iterations.
const MIN_LOG2: usize = 7;
/// phpass allows 2^30, i.e. minutes of MD5 per attempt; WordPress uses 2^8 and phpBB 2^11, so
/// 2^24 (a few seconds) keeps every real import while capping the cost of one login attempt.
const MAX_LOG2: usize = 24;

const ALGORITHM: &str = "phpass";

enum Kind {
    /// `$P$`/`$H$` with the given log2 iteration count.
    Portable(usize),
    /// A bcrypt string stored by phpass's non-portable mode.
    Bcrypt,
}

fn invalid(reason: &'static str) -> PasswordError {
    PasswordError::InvalidHash {
        algorithm: ALGORITHM,
        reason,
    }
}

fn itoa64_index(c: u8) -> Option<usize> {
    ITOA64.iter().position(|&x| x == c)
}

fn classify(hash: &str) -> Result<Kind, PasswordError> {
    if hash.len() > MAX_HASH_BYTES {
        return Err(invalid("hash is too long"));
    }
    let bytes = hash.as_bytes();
    match bytes.get(..3) {
        Some(b"$P$" | b"$H$") => {
            if bytes.len() != PORTABLE_LEN {
                return Err(invalid("a portable phpass hash is 34 characters"));
            }
            let rest = bytes.get(3..).unwrap_or_default();
            if rest.iter().any(|&c| itoa64_index(c).is_none()) {
                return Err(invalid("invalid character in portable hash"));
            }
            let log2 = bytes
                .get(3)
                .and_then(|&c| itoa64_index(c))
                .ok_or_else(|| invalid("missing iteration count"))?;
            if !(MIN_LOG2..=MAX_LOG2).contains(&log2) {
                return Err(invalid(
                    "iteration count is outside this server's limits (2^7 to 2^24)",
                ));
            }
            Ok(Kind::Portable(log2))
        }
        Some(b"$2a" | b"$2b" | b"$2y") => {
            bcrypt::validate(hash, ALGORITHM)?;
            Ok(Kind::Bcrypt)
        }
        _ => Err(invalid("expected a $P$, $H$ or bcrypt hash")),
    }
}

pub(super) fn validate(hash: &str) -> Result<(), PasswordError> {
    classify(hash).map(drop)
}

pub(super) fn verify(hash: &str, password: &[u8]) -> bool {
    match classify(hash) {
        Ok(Kind::Portable(log2)) => {
            let Some(computed) = crypt_portable(password, hash.as_bytes(), log2) else {
                return false;
            };
            // Like PHP's hash_equals over the whole string.
            ct_eq(&computed, hash.as_bytes())
        }
        Ok(Kind::Bcrypt) => bcrypt::verify(hash, password),
        Err(_) => false,
    }
}

/// phpass `crypt_private` for an already validated setting.
fn crypt_portable(password: &[u8], setting: &[u8], log2: usize) -> Option<Vec<u8>> {
    let prefix = setting.get(..SETTING_LEN)?;
    let salt = setting.get(4..SETTING_LEN)?;
    let mut digest = Md5::new_with_prefix(salt).chain_update(password).finalize();
    for _ in 0..(1u64 << log2) {
        digest = Md5::new_with_prefix(digest)
            .chain_update(password)
            .finalize();
    }
    let mut out = Vec::with_capacity(PORTABLE_LEN);
    out.extend_from_slice(prefix);
    encode64(&digest, &mut out);
    Some(out)
}

/// phpass `encode64`: 3 input bytes become 4 itoa64 chars, least significant 6 bits first; a
/// trailing group of n < 3 bytes yields n + 1 chars (16 bytes -> 22 chars).
fn encode64(input: &[u8], out: &mut Vec<u8>) {
    let char_at = |value: u32, shift: u32| {
        // Masked to 0..=63, so the index is always in range.
        let index = usize::try_from((value >> shift) & 0x3f).unwrap_or_default();
        ITOA64.get(index).copied().unwrap_or(b'.')
    };
    for chunk in input.chunks(3) {
        let value = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (8 * i)));
        out.push(char_at(value, 0));
        out.push(char_at(value, 6));
        if chunk.len() > 1 {
            out.push(char_at(value, 12));
        }
        if chunk.len() > 2 {
            out.push(char_at(value, 18));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        // Openwall phpass test.php: "test12345" with the phpBB3/WordPress portable scheme.
        assert!(verify("$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", b"test12345"));
        assert!(!verify("$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", b"test12346"));
        // Appwrite 1.9.6 e2e vector (WordPress-style $P$B = 2^13 iterations) for "appwrite".
        assert!(verify("$P$Br387rwferoKN7uwHZqNMu98q3U8RO.", b"appwrite"));
        // $H$ (phpBB) is the same scheme; computed with an independent Python port.
        assert!(verify("$H$9abcdefghreUCnbbQX76dJT2aHvsT6.", b"password"));
        assert!(!verify("$H$9abcdefghreUCnbbQX76dJT2aHvsT6.", b"passworD"));
    }

    #[test]
    fn bcrypt_fallback() {
        let hash = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
        assert!(validate(hash).is_ok());
        assert!(verify(hash, b"U*U"));
        assert!(!verify(hash, b"U*V"));
    }

    #[test]
    fn encode64_lengths() {
        for (n, expected) in [(1, 2), (2, 3), (3, 4), (16, 22)] {
            let mut out = Vec::new();
            encode64(&vec![0xff; n], &mut out);
            assert_eq!(out.len(), expected, "{n} bytes");
        }
        let mut out = Vec::new();
        encode64(&[0, 0, 0], &mut out);
        assert_eq!(out, b"....");
    }

    #[test]
    fn rejects_malformed() {
        // Wrong length, bad characters, counts outside 7..=24, unknown prefixes.
        assert!(validate("$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L").is_err());
        assert!(validate("$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0x").is_err());
        assert!(validate("$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L$").is_err());
        assert!(validate("$P$4IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0").is_err());
        assert!(validate("$P$NIQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0").is_err());
        assert!(validate("$S$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0").is_err());
        assert!(validate("$1$abcdefgh$abcdefghijklmnopqrstuv").is_err());
        assert!(validate("$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.Lä").is_err());
        assert!(!verify("$P$4IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", b"test12345"));
    }
}
