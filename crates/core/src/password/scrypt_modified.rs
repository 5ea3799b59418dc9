//! Firebase Authentication's modified scrypt (`POST /users/scrypt-modified`): validation of the
//! base64 inputs and constant-time verification. It must not accept inputs whose hash can never
//! verify, and must not panic on malformed stored data.
//!
//! Facts relied on: firebase/scrypt (`main.c`, `lib/scryptenc/scryptenc.c`
//! `scryptenc_buf_saltlen`): derived key = scrypt(password, salt ++ salt_separator,
//! N = 2^mem_cost, r = rounds, p = 1, 64 bytes); hash = AES-256-CTR(key = derived[0..32],
//! counter block = 8-byte big-endian nonce 0 ++ 8-byte big-endian block counter from 0) applied
//! to the signer key, base64 encoded. utopia-php/auth `Hashes/ScryptModified.php` (what Appwrite
//! runs) fixes mem_cost 14 and rounds 8 (N = 16384, r = 8, p = 1, 64 bytes), the values
//! Firebase's hash config shows, and takes no other parameters; its setters require salt,
//! separator and signer key to match `^[A-Za-z0-9+/]+={0,2}$`, and Appwrite bounds each with
//! `Text(128)`.

use aes::Aes256;
use base64::Engine;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use ctr::Ctr128BE;
use ctr::cipher::{KeyIvInit, StreamCipher};

use super::{MAX_HASH_BYTES, MAX_PARAM_CHARS, PasswordError, ct_eq};

const LOG_N: u8 = 14;
const R: u32 = 8;
const P: u32 = 1;
const DERIVED_LEN: usize = 64;
const AES_KEY_LEN: usize = 32;

/// PHP's `base64_decode` accepts missing padding and ignores stray low bits in the last
/// character, so decoding is equally lenient (the alphabet is still enforced).
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

struct Decoded {
    hash: Vec<u8>,
    salt: Vec<u8>,
    signer_key: Vec<u8>,
}

fn decode_param(value: &str, name: &'static str) -> Result<Vec<u8>, PasswordError> {
    let invalid = |reason| PasswordError::InvalidParam {
        param: name,
        reason,
    };
    if value.is_empty() {
        return Err(invalid("must not be empty"));
    }
    if value.chars().count() > MAX_PARAM_CHARS {
        return Err(invalid("must be at most 128 characters"));
    }
    let bytes = LENIENT_BASE64
        .decode(value)
        .map_err(|_| invalid("must be base64"))?;
    if bytes.is_empty() {
        return Err(invalid("must not be empty"));
    }
    Ok(bytes)
}

fn decode(
    hash: &str,
    salt: &str,
    salt_separator: &str,
    signer_key: &str,
) -> Result<Decoded, PasswordError> {
    let mut salt = decode_param(salt, "passwordSalt")?;
    salt.extend(decode_param(salt_separator, "passwordSaltSeparator")?);
    let signer_key = decode_param(signer_key, "passwordSignerKey")?;

    let invalid = |reason| PasswordError::InvalidHash {
        algorithm: "scryptMod",
        reason,
    };
    if hash.len() > MAX_HASH_BYTES {
        return Err(invalid("hash is too long"));
    }
    let hash = LENIENT_BASE64
        .decode(hash)
        .map_err(|_| invalid("hash is not base64"))?;
    // AES-CTR output is as long as its input, so any other length can never verify.
    if hash.len() != signer_key.len() {
        return Err(invalid("hash length does not match the signer key length"));
    }
    Ok(Decoded {
        hash,
        salt,
        signer_key,
    })
}

pub(super) fn validate(
    hash: &str,
    salt: &str,
    salt_separator: &str,
    signer_key: &str,
) -> Result<(), PasswordError> {
    decode(hash, salt, salt_separator, signer_key).map(drop)
}

pub(super) fn verify(
    hash: &str,
    salt: &str,
    salt_separator: &str,
    signer_key: &str,
    password: &[u8],
) -> bool {
    let Ok(decoded) = decode(hash, salt, salt_separator, signer_key) else {
        return false;
    };
    let Some(computed) = firebase_hash(password, &decoded.salt, &decoded.signer_key) else {
        return false;
    };
    ct_eq(&computed, &decoded.hash)
}

/// Firebase's construction; `None` only if a primitive reports an error.
fn firebase_hash(password: &[u8], salt: &[u8], signer_key: &[u8]) -> Option<Vec<u8>> {
    let params = ::scrypt::Params::new(LOG_N, R, P).ok()?;
    let mut derived = [0u8; DERIVED_LEN];
    ::scrypt::scrypt(password, salt, &params, &mut derived).ok()?;
    let key = derived.get(..AES_KEY_LEN)?;
    let mut cipher = Ctr128BE::<Aes256>::new_from_slices(key, &[0u8; 16]).ok()?;
    let mut out = signer_key.to_vec();
    cipher.try_apply_keystream(&mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample from firebase/scrypt's README (project hash config + exported user).
    #[test]
    fn firebase_readme_sample() {
        let hash = "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==";
        let salt = "42xEC+ixf3L2lw==";
        let separator = "Bw==";
        let key = "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==";
        assert!(validate(hash, salt, separator, key).is_ok());
        assert!(verify(hash, salt, separator, key, b"user1password"));
        // The separator is part of the salt (also serves as the mismatch check; each run costs
        // seconds unoptimised).
        assert!(!verify(hash, salt, "Bg==", key, b"user1password"));
    }

    #[test]
    fn lenient_base64_like_php() {
        // Unpadded forms decode to the same bytes.
        let padded = decode_param("42xEC+ixf3L2lw==", "passwordSalt").unwrap();
        let unpadded = decode_param("42xEC+ixf3L2lw", "passwordSalt").unwrap();
        assert_eq!(padded, unpadded);
    }

    #[test]
    fn rejects_malformed() {
        let key = "a2V5a2V5"; // 6 bytes
        let hash = "AAAAAAAA"; // 6 bytes
        assert!(validate(hash, "c2FsdA==", "Bw==", key).is_ok());
        for (h, s, sep, k, name) in [
            (hash, "", "Bw==", key, "passwordSalt"),
            (hash, "c2F sdA==", "Bw==", key, "passwordSalt"),
            (hash, "c2FsdA==", "", key, "passwordSaltSeparator"),
            (hash, "c2FsdA==", "B*==", key, "passwordSaltSeparator"),
            (hash, "c2FsdA==", "Bw==", "", "passwordSignerKey"),
            (
                hash,
                "c2FsdA==",
                "Bw==",
                &"A".repeat(132),
                "passwordSignerKey",
            ),
        ] {
            match validate(h, s, sep, k) {
                Err(PasswordError::InvalidParam { param, .. }) => assert_eq!(param, name),
                other => unreachable!("{name}: {other:?}"),
            }
        }
        assert!(validate("AAAA", "c2FsdA==", "Bw==", key).is_err());
        assert!(validate("!!!!", "c2FsdA==", "Bw==", key).is_err());
        assert!(!verify("AAAA", "c2FsdA==", "Bw==", key, b"x"));
    }
}
