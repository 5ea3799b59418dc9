//! Password hashing for Appwrite-compatible users: owns the stored-hash model (`PasswordHash`),
//! hashing of new passwords (Argon2id with Appwrite's parameters), verification of every
//! algorithm Appwrite can import (argon2, bcrypt, md5, sha*, phpass, scrypt, Firebase's modified
//! scrypt), the values shown in the user model's `password`/`hash`/`hashOptions` fields, and the
//! validation of `POST /users/{algorithm}` imports. It must not do I/O, logging of secrets,
//! or HTTP/error-code mapping (callers turn `PasswordError` into Appwrite errors), and it must
//! never panic on stored data: anything malformed simply fails verification.
//!
//! Behaviour mirrors Appwrite 1.9.x, which delegates to utopia-php/auth 0.7 (`Hashes/*.php`) and
//! Appwrite's own `php-scrypt` extension; the per-algorithm files cite the exact facts relied on.

mod argon2;
mod bcrypt;
mod legacy;
mod phpass;
mod scrypt;
mod scrypt_modified;

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::json;
use subtle::ConstantTimeEq;

/// Longest plaintext password accepted, in bytes. Appwrite's `Password` validator uses PHP
/// `strlen` (bytes) with a 256 maximum for every password parameter, so nothing longer can ever
/// have been hashed; refusing it up front also bounds the work an attacker can request.
pub const MAX_PASSWORD_BYTES: usize = 256;

/// Longest imported hash string accepted, in bytes. The import endpoints validate the hash with
/// the same `Password` validator (8..=256 bytes), so longer strings cannot come from Appwrite.
pub const MAX_HASH_BYTES: usize = 256;

/// Longest salt / salt separator / signer key accepted, in characters: Appwrite validates these
/// import parameters with `Text(128)`.
pub const MAX_PARAM_CHARS: usize = 128;

/// Why a password could not be hashed or an imported hash was refused.
///
/// Messages never contain the password or hash material, so they are safe to return to clients.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordError {
    /// The plaintext password is longer than [`MAX_PASSWORD_BYTES`].
    #[error("password must be at most {max} bytes long")]
    PasswordTooLong {
        /// The limit in bytes.
        max: usize,
    },
    /// An imported hash string does not have the shape its algorithm produces.
    #[error("invalid {algorithm} password hash: {reason}")]
    InvalidHash {
        /// Appwrite's algorithm name (`argon2`, `bcrypt`, ...).
        algorithm: &'static str,
        /// What is wrong, in words.
        reason: &'static str,
    },
    /// An import parameter (named as in the Appwrite request, e.g. `passwordSalt`) is invalid.
    #[error("invalid {param}: {reason}")]
    InvalidParam {
        /// The Appwrite request parameter name.
        param: &'static str,
        /// What is wrong, in words.
        reason: &'static str,
    },
    /// The operating system's random number generator failed.
    #[error("the operating system random number generator failed")]
    Rng,
    /// The Argon2 implementation rejected its own fixed parameters (should not happen).
    #[error("password hashing failed")]
    Hashing,
}

/// SHA variants accepted by `POST /users/sha` (`passwordVersion`), spelled exactly as the
/// OpenAPI enum and PHP's `hash()` algorithm names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum ShaVersion {
    /// `sha1`
    #[serde(rename = "sha1")]
    Sha1,
    /// `sha224`
    #[serde(rename = "sha224")]
    Sha224,
    /// `sha256`, the default when `passwordVersion` is omitted (utopia-php/auth `Sha` default).
    #[default]
    #[serde(rename = "sha256")]
    Sha256,
    /// `sha384`
    #[serde(rename = "sha384")]
    Sha384,
    /// `sha512/224`
    #[serde(rename = "sha512/224")]
    Sha512_224,
    /// `sha512/256`
    #[serde(rename = "sha512/256")]
    Sha512_256,
    /// `sha512`
    #[serde(rename = "sha512")]
    Sha512,
    /// `sha3-224`
    #[serde(rename = "sha3-224")]
    Sha3_224,
    /// `sha3-256`
    #[serde(rename = "sha3-256")]
    Sha3_256,
    /// `sha3-384`
    #[serde(rename = "sha3-384")]
    Sha3_384,
    /// `sha3-512`
    #[serde(rename = "sha3-512")]
    Sha3_512,
}

impl ShaVersion {
    /// Every accepted version, in the order of the OpenAPI enum.
    pub const ALL: [Self; 11] = [
        Self::Sha1,
        Self::Sha224,
        Self::Sha256,
        Self::Sha384,
        Self::Sha512_224,
        Self::Sha512_256,
        Self::Sha512,
        Self::Sha3_224,
        Self::Sha3_256,
        Self::Sha3_384,
        Self::Sha3_512,
    ];

    /// The wire spelling (`passwordVersion` value and `hashOptions.version`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha224 => "sha224",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512_224 => "sha512/224",
            Self::Sha512_256 => "sha512/256",
            Self::Sha512 => "sha512",
            Self::Sha3_224 => "sha3-224",
            Self::Sha3_256 => "sha3-256",
            Self::Sha3_384 => "sha3-384",
            Self::Sha3_512 => "sha3-512",
        }
    }

    /// Digest size in bytes (the stored hex digest is twice as long).
    #[must_use]
    pub const fn digest_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha224 | Self::Sha512_224 | Self::Sha3_224 => 28,
            Self::Sha256 | Self::Sha512_256 | Self::Sha3_256 => 32,
            Self::Sha384 | Self::Sha3_384 => 48,
            Self::Sha512 | Self::Sha3_512 => 64,
        }
    }
}

impl fmt::Display for ShaVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ShaVersion {
    type Err = PasswordError;

    /// Strict parse of a `passwordVersion` value. An empty value is an error here; the HTTP
    /// layer maps Appwrite's "omitted / empty" to [`ShaVersion::default`] (sha256).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.as_str() == s)
            .ok_or(PasswordError::InvalidParam {
                param: "passwordVersion",
                reason: "must be one of sha1, sha224, sha256, sha384, sha512/224, sha512/256, \
                         sha512, sha3-224, sha3-256, sha3-384, sha3-512",
            })
    }
}

/// A stored password hash, tagged by algorithm (`"algorithm"` key in JSON, using Appwrite's
/// algorithm names). Serialised as-is into the user record.
///
/// Values built through the constructors are validated; values read back from storage may not
/// be, so [`verify`] re-checks everything and treats anything malformed as a mismatch.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "algorithm")]
pub enum PasswordHash {
    /// Argon2 PHC string (`$argon2id$v=19$m=..,t=..,p=..$salt$hash`); also `$argon2i$` imports.
    #[serde(rename = "argon2")]
    Argon2 {
        /// The PHC string.
        hash: String,
    },
    /// bcrypt modular-crypt string (`$2y$`, `$2a$` or `$2b$`).
    #[serde(rename = "bcrypt")]
    Bcrypt {
        /// The 60-character crypt string.
        hash: String,
    },
    /// Unsalted MD5 of the password, hex encoded.
    #[serde(rename = "md5")]
    Md5 {
        /// Hex digest (32 characters).
        digest: String,
    },
    /// Unsalted SHA-family digest of the password, hex encoded.
    #[serde(rename = "sha")]
    Sha {
        /// Which SHA function.
        version: ShaVersion,
        /// Hex digest.
        digest: String,
    },
    /// phpass portable hash (`$P$` / `$H$`, 34 characters); phpass's bcrypt output
    /// (`$2a$`/`$2b$`/`$2y$`) is accepted too, as PHPass::verify falls back to `crypt()`.
    #[serde(rename = "phpass")]
    Phpass {
        /// The crypt string.
        hash: String,
    },
    /// Plain scrypt as Appwrite's `POST /users/scrypt` stores it.
    #[serde(rename = "scrypt", rename_all = "camelCase")]
    Scrypt {
        /// Lowercase (or uppercase) hex of the derived key (`password`).
        hash: String,
        /// Salt, used as its raw UTF-8 bytes, not decoded (`passwordSalt`).
        salt: String,
        /// N, the CPU/memory cost; a power of two (`passwordCpu`).
        cost_cpu: u32,
        /// r, the block size (`passwordMemory`).
        cost_memory: u32,
        /// p, the parallelisation (`passwordParallel`).
        cost_parallel: u32,
        /// Derived key length in bytes (`passwordLength`).
        length: u32,
    },
    /// Firebase's modified scrypt (`POST /users/scrypt-modified`); all fields base64 as
    /// exported by Firebase.
    #[serde(rename = "scryptMod", rename_all = "camelCase")]
    ScryptModified {
        /// Base64 password hash (`password`).
        hash: String,
        /// Base64 per-user salt (`passwordSalt`).
        salt: String,
        /// Base64 project salt separator (`passwordSaltSeparator`).
        salt_separator: String,
        /// Base64 project signer key (`passwordSignerKey`).
        signer_key: String,
    },
}

// Hash material must not end up in logs through `{:?}`, so Debug shows the algorithm only.
impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHash")
            .field("algorithm", &algorithm_name(self))
            .finish_non_exhaustive()
    }
}

impl PasswordHash {
    /// Validates an imported Argon2 PHC string (`POST /users/argon2`).
    ///
    /// # Errors
    /// [`PasswordError::InvalidHash`] if it is not an argon2i/argon2id PHC string with a salt and
    /// hash, or its cost parameters exceed this server's safety bounds.
    pub fn argon2(hash: &str) -> Result<Self, PasswordError> {
        argon2::parse(hash)?;
        Ok(Self::Argon2 {
            hash: hash.to_owned(),
        })
    }

    /// Validates an imported bcrypt string (`POST /users/bcrypt`).
    ///
    /// # Errors
    /// [`PasswordError::InvalidHash`] if it is not a `$2a$`/`$2b$`/`$2y$` string or its cost is
    /// outside this server's bounds.
    pub fn bcrypt(hash: &str) -> Result<Self, PasswordError> {
        bcrypt::validate(hash, "bcrypt")?;
        Ok(Self::Bcrypt {
            hash: hash.to_owned(),
        })
    }

    /// Validates an imported MD5 hex digest (`POST /users/md5`).
    ///
    /// # Errors
    /// [`PasswordError::InvalidHash`] unless it is 32 hex digits.
    pub fn md5(digest: &str) -> Result<Self, PasswordError> {
        legacy::validate_md5(digest)?;
        Ok(Self::Md5 {
            digest: digest.to_owned(),
        })
    }

    /// Validates an imported SHA hex digest (`POST /users/sha`).
    ///
    /// # Errors
    /// [`PasswordError::InvalidHash`] unless it is hex of exactly the digest length of `version`.
    pub fn sha(digest: &str, version: ShaVersion) -> Result<Self, PasswordError> {
        legacy::validate_sha(digest, version)?;
        Ok(Self::Sha {
            version,
            digest: digest.to_owned(),
        })
    }

    /// Validates an imported phpass hash (`POST /users/phpass`).
    ///
    /// # Errors
    /// [`PasswordError::InvalidHash`] unless it is a well-formed `$P$`/`$H$` portable hash with
    /// an acceptable iteration count, or a bcrypt string.
    pub fn phpass(hash: &str) -> Result<Self, PasswordError> {
        phpass::validate(hash)?;
        Ok(Self::Phpass {
            hash: hash.to_owned(),
        })
    }

    /// Validates an imported scrypt hash and its parameters (`POST /users/scrypt`). The integer
    /// parameters are taken as `i64` so request values can be passed through unchecked.
    ///
    /// # Errors
    /// [`PasswordError::InvalidParam`] (named after the request parameter) for a bad salt or
    /// cost, [`PasswordError::InvalidHash`] if the hash is not hex of `length` bytes.
    pub fn scrypt(
        hash: &str,
        salt: &str,
        cost_cpu: i64,
        cost_memory: i64,
        cost_parallel: i64,
        length: i64,
    ) -> Result<Self, PasswordError> {
        let checked = scrypt::validate(hash, salt, cost_cpu, cost_memory, cost_parallel, length)?;
        Ok(Self::Scrypt {
            hash: hash.to_owned(),
            salt: salt.to_owned(),
            cost_cpu: checked.cost_cpu,
            cost_memory: checked.cost_memory,
            cost_parallel: checked.cost_parallel,
            length: checked.length,
        })
    }

    /// Validates an imported Firebase scrypt hash and its parameters
    /// (`POST /users/scrypt-modified`).
    ///
    /// # Errors
    /// [`PasswordError::InvalidParam`] for a salt, separator or signer key that is empty, too long
    /// or not base64; [`PasswordError::InvalidHash`] if the hash is not base64 of the signer key's
    /// length.
    pub fn scrypt_modified(
        hash: &str,
        salt: &str,
        salt_separator: &str,
        signer_key: &str,
    ) -> Result<Self, PasswordError> {
        scrypt_modified::validate(hash, salt, salt_separator, signer_key)?;
        Ok(Self::ScryptModified {
            hash: hash.to_owned(),
            salt: salt.to_owned(),
            salt_separator: salt_separator.to_owned(),
            signer_key: signer_key.to_owned(),
        })
    }
}

/// Hashes a new password with Argon2id (memory 7168 KiB, time 5, threads 1, 16-byte salt from
/// the OS RNG, 32-byte output), as Appwrite 1.9's `proofForPassword` does.
///
/// # Errors
/// [`PasswordError::PasswordTooLong`] over [`MAX_PASSWORD_BYTES`]; [`PasswordError::Rng`] if the
/// OS RNG fails; [`PasswordError::Hashing`] if Argon2 itself fails.
pub fn hash_new(password: &str) -> Result<PasswordHash, PasswordError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(PasswordError::PasswordTooLong {
            max: MAX_PASSWORD_BYTES,
        });
    }
    Ok(PasswordHash::Argon2 {
        hash: argon2::hash_new(password.as_bytes())?,
    })
}

/// Checks `password` against a stored hash. Digest comparisons are constant-time. Returns
/// `false` (never panics) for malformed stored data, parameters beyond this server's bounds, or
/// passwords longer than [`MAX_PASSWORD_BYTES`].
#[must_use]
pub fn verify(hash: &PasswordHash, password: &str) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    let password = password.as_bytes();
    match hash {
        PasswordHash::Argon2 { hash } => argon2::verify(hash, password),
        PasswordHash::Bcrypt { hash } => bcrypt::verify(hash, password),
        PasswordHash::Md5 { digest } => legacy::verify_md5(digest, password),
        PasswordHash::Sha { version, digest } => legacy::verify_sha(digest, *version, password),
        PasswordHash::Phpass { hash } => phpass::verify(hash, password),
        PasswordHash::Scrypt {
            hash,
            salt,
            cost_cpu,
            cost_memory,
            cost_parallel,
            length,
        } => scrypt::verify(
            hash,
            salt,
            i64::from(*cost_cpu),
            i64::from(*cost_memory),
            i64::from(*cost_parallel),
            i64::from(*length),
            password,
        ),
        PasswordHash::ScryptModified {
            hash,
            salt,
            salt_separator,
            signer_key,
        } => scrypt_modified::verify(hash, salt, salt_separator, signer_key, password),
    }
}

/// Whether a successfully verified password should be re-hashed with [`hash_new`]: true for
/// every stored hash except Argon2id (v=19) with exactly memory 7168 KiB, time 5, threads 1.
#[must_use]
pub fn needs_rehash(hash: &PasswordHash) -> bool {
    match hash {
        PasswordHash::Argon2 { hash } => !argon2::is_current(hash),
        _ => true,
    }
}

/// The user model's `hash` field: Appwrite's algorithm name.
#[must_use]
pub fn algorithm_name(hash: &PasswordHash) -> &'static str {
    match hash {
        PasswordHash::Argon2 { .. } => "argon2",
        PasswordHash::Bcrypt { .. } => "bcrypt",
        PasswordHash::Md5 { .. } => "md5",
        PasswordHash::Sha { .. } => "sha",
        PasswordHash::Phpass { .. } => "phpass",
        PasswordHash::Scrypt { .. } => "scrypt",
        PasswordHash::ScryptModified { .. } => "scryptMod",
    }
}

/// The user model's `hashOptions` field, as Appwrite 1.9 actually returns it.
///
/// Appwrite stores utopia-php/auth's `Hash::getOptions()` array in the user document (JSON
/// filter) and its Response passes that array through untouched (only `Document` values are
/// re-shaped by the Algo* models), so the keys are utopia's, not the OpenAPI model's: argon2 uses
/// `memory_cost`/`time_cost` (snake case), sha has only `version`, bcrypt reports the fixed
/// `cost: 8` Appwrite sets on import, and imported argon2 hashes report utopia's defaults
/// (65536/4/3) whatever their real parameters.
#[must_use]
pub fn hash_options(hash: &PasswordHash) -> serde_json::Value {
    match hash {
        PasswordHash::Argon2 { hash } => {
            // Hashes made by hash_new carry the proofForPassword options; any other argon2
            // string can only be an import, which Appwrite labels with `new Argon2()` defaults.
            let (memory, time, threads) = if argon2::is_current(hash) {
                (
                    argon2::MEMORY_COST_KIB,
                    argon2::TIME_COST,
                    argon2::PARALLELISM,
                )
            } else {
                (65_536, 4, 3)
            };
            json!({
                "type": "argon2",
                "memory_cost": memory,
                "time_cost": time,
                "threads": threads,
            })
        }
        PasswordHash::Bcrypt { .. } => json!({ "type": "bcrypt", "cost": 8 }),
        PasswordHash::Md5 { .. } => json!({ "type": "md5" }),
        // utopia's Sha constructor sets only `version` (no `type`), and Appwrite returns that.
        PasswordHash::Sha { version, .. } => json!({ "version": version.as_str() }),
        // utopia also stores a `random_state` (microtime + pid seed for its own hashing); it is
        // meaningless for imports and is left out.
        PasswordHash::Phpass { .. } => json!({
            "type": "phpass",
            "iteration_count_log2": 8,
            "portable_hashes": false,
        }),
        PasswordHash::Scrypt {
            salt,
            cost_cpu,
            cost_memory,
            cost_parallel,
            length,
            ..
        } => json!({
            "type": "scrypt",
            "costCpu": cost_cpu,
            "costMemory": cost_memory,
            "costParallel": cost_parallel,
            "length": length,
            "salt": salt,
        }),
        PasswordHash::ScryptModified {
            salt,
            salt_separator,
            signer_key,
            ..
        } => json!({
            "type": "scryptMod",
            "salt": salt,
            "saltSeparator": salt_separator,
            "signerKey": signer_key,
        }),
    }
}

/// The user model's `password` field: the stored hash string exactly as hashed or imported.
#[must_use]
pub fn stored_string(hash: &PasswordHash) -> String {
    match hash {
        PasswordHash::Argon2 { hash }
        | PasswordHash::Bcrypt { hash }
        | PasswordHash::Phpass { hash }
        | PasswordHash::Scrypt { hash, .. }
        | PasswordHash::ScryptModified { hash, .. } => hash.clone(),
        PasswordHash::Md5 { digest } | PasswordHash::Sha { digest, .. } => digest.clone(),
    }
}

/// Constant-time equality for digests; a length mismatch returns false early, which only
/// reveals the (public) digest length.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_hash_round_trip_and_metadata() {
        let hash = hash_new("correct horse battery").unwrap();
        let stored = stored_string(&hash);
        assert!(
            stored.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"),
            "{stored}"
        );
        assert!(verify(&hash, "correct horse battery"));
        assert!(!verify(&hash, "correct horse batterY"));
        assert!(!needs_rehash(&hash));
        assert_eq!(algorithm_name(&hash), "argon2");
        assert_eq!(
            hash_options(&hash),
            json!({"type": "argon2", "memory_cost": 7168, "time_cost": 5, "threads": 1})
        );
        // Serialised form round-trips and is tagged by algorithm.
        let json = serde_json::to_value(&hash).unwrap();
        assert_eq!(json["algorithm"], "argon2");
        let back: PasswordHash = serde_json::from_value(json).unwrap();
        assert_eq!(back, hash);
    }

    #[test]
    fn hash_new_bounds_password_length() {
        let long = "x".repeat(MAX_PASSWORD_BYTES + 1);
        assert_eq!(
            hash_new(&long),
            Err(PasswordError::PasswordTooLong {
                max: MAX_PASSWORD_BYTES
            })
        );
    }

    #[test]
    fn verify_rejects_overlong_password_without_hashing() {
        let md5 = PasswordHash::md5(&"0".repeat(32)).unwrap();
        assert!(!verify(&md5, &"x".repeat(MAX_PASSWORD_BYTES + 1)));
    }

    /// The hashes of "appwrite" used by Appwrite 1.9.6's own e2e suite
    /// (tests/e2e/Services/Users/UsersBase.php, testCreateUser / testCreateUserSessionHashed),
    /// minus bcrypt (cost 15; covered in bcrypt.rs with a cheaper vector and an ignored test).
    /// The scrypt ones are separate tests so they run in parallel (slow unoptimised).
    #[test]
    fn appwrite_e2e_vectors() {
        let cases = [
            PasswordHash::md5("144fa7eaa4904e8ee120651997f70dcc").unwrap(),
            PasswordHash::argon2(
                "$argon2i$v=19$m=20,t=3,p=2$YXBwd3JpdGU$A/54i238ed09ZR4NwlACU5XnkjNBZU9QeOEuhjLiexI",
            )
            .unwrap(),
            PasswordHash::sha(
                "4243da0a694e8a2f727c8060fe0507c8fa01ca68146c76d2c190805b638c20c6\
                 bf6ba04e21f11ae138785d0bff63c416e6f87badbffad37f6dee50094cc38c70",
                ShaVersion::Sha512,
            )
            .unwrap(),
            PasswordHash::phpass("$P$Br387rwferoKN7uwHZqNMu98q3U8RO.").unwrap(),
        ];
        for hash in &cases {
            assert!(verify(hash, "appwrite"), "{hash:?}");
            assert!(!verify(hash, "appwritf"), "{hash:?}");
            assert!(!verify(hash, ""), "{hash:?}");
            assert!(needs_rehash(hash), "{hash:?}");
        }
    }

    #[test]
    fn appwrite_e2e_scrypt_vector() {
        let hash = PasswordHash::scrypt(
            "3fdef49701bc4cfaacd551fe017283513284b4731e6945c263246ef948d3cf63\
             b5d269c31fd697246085111a428245e24a4ddc6b64c687bc60a8910dbafc1d5b",
            "appwrite",
            16384,
            13,
            2,
            64,
        )
        .unwrap();
        assert!(verify(&hash, "appwrite"));
        assert!(needs_rehash(&hash));
    }

    #[test]
    fn appwrite_e2e_scrypt_modified_vector() {
        let hash = PasswordHash::scrypt_modified(
            "UlM7JiXRcQhzAGlaonpSqNSLIz475WMddOgLjej5De9vxTy48K6WtqlEzrRFeK4t0COfMhWCb8wuMHgxOFCHFQ==",
            "UxLMreBr6tYyjQ==",
            "Bw==",
            "XyEKE9RcTDeLEsL/RjwPDBv/RqDl8fb3gpYEOQaPihbxf1ZAtSOHCjuAAa7Q3oHpCYhXSN9tizHgVOwn6krflQ==",
        )
        .unwrap();
        assert!(verify(&hash, "appwrite"));
        assert!(needs_rehash(&hash));
    }

    #[test]
    fn names_and_options_match_appwrite() {
        let scrypt = PasswordHash::scrypt(
            "3fdef49701bc4cfaacd551fe017283513284b4731e6945c263246ef948d3cf63\
             b5d269c31fd697246085111a428245e24a4ddc6b64c687bc60a8910dbafc1d5b",
            "appwrite",
            16384,
            13,
            2,
            64,
        )
        .unwrap();
        assert_eq!(algorithm_name(&scrypt), "scrypt");
        assert_eq!(
            hash_options(&scrypt),
            json!({"type": "scrypt", "costCpu": 16384, "costMemory": 13, "costParallel": 2,
                   "length": 64, "salt": "appwrite"})
        );
        assert_eq!(stored_string(&scrypt).len(), 128);

        let sha = PasswordHash::sha(&"a".repeat(128), ShaVersion::Sha512).unwrap();
        assert_eq!(algorithm_name(&sha), "sha");
        assert_eq!(hash_options(&sha), json!({"version": "sha512"}));

        let fb = PasswordHash::scrypt_modified("AAAA", "c2FsdA==", "Bw==", "a2V5").unwrap();
        assert_eq!(algorithm_name(&fb), "scryptMod");
        assert_eq!(
            hash_options(&fb),
            json!({"type": "scryptMod", "salt": "c2FsdA==", "saltSeparator": "Bw==",
                   "signerKey": "a2V5"})
        );

        let md5 = PasswordHash::md5("144fa7eaa4904e8ee120651997f70dcc").unwrap();
        assert_eq!(algorithm_name(&md5), "md5");
        assert_eq!(hash_options(&md5), json!({"type": "md5"}));
        assert_eq!(stored_string(&md5), "144fa7eaa4904e8ee120651997f70dcc");

        let phpass = PasswordHash::phpass("$P$Br387rwferoKN7uwHZqNMu98q3U8RO.").unwrap();
        assert_eq!(algorithm_name(&phpass), "phpass");
        assert_eq!(hash_options(&phpass)["type"], "phpass");

        let imported = PasswordHash::argon2(
            "$argon2i$v=19$m=20,t=3,p=2$YXBwd3JpdGU$A/54i238ed09ZR4NwlACU5XnkjNBZU9QeOEuhjLiexI",
        )
        .unwrap();
        assert_eq!(
            hash_options(&imported),
            json!({"type": "argon2", "memory_cost": 65536, "time_cost": 4, "threads": 3})
        );
    }

    #[test]
    fn sha_version_wire_names() {
        for v in ShaVersion::ALL {
            assert_eq!(v.as_str().parse::<ShaVersion>(), Ok(v));
            assert_eq!(serde_json::to_value(v).unwrap(), json!(v.as_str()));
        }
        assert!("sha512-256".parse::<ShaVersion>().is_err());
        assert!("".parse::<ShaVersion>().is_err());
        assert_eq!(ShaVersion::default(), ShaVersion::Sha256);
    }

    #[test]
    fn serde_tags_and_field_names() {
        let fb = PasswordHash::scrypt_modified("AAAA", "c2FsdA==", "Bw==", "a2V5").unwrap();
        let json = serde_json::to_value(&fb).unwrap();
        assert_eq!(
            json,
            json!({"algorithm": "scryptMod", "hash": "AAAA", "salt": "c2FsdA==",
                   "saltSeparator": "Bw==", "signerKey": "a2V5"})
        );
        let sha = PasswordHash::sha(&"0".repeat(56), ShaVersion::Sha512_224).unwrap();
        assert_eq!(
            serde_json::to_value(&sha).unwrap(),
            json!({"algorithm": "sha", "version": "sha512/224", "digest": "0".repeat(56)})
        );
        for value in [json, serde_json::to_value(&sha).unwrap()] {
            let back: PasswordHash = serde_json::from_value(value.clone()).unwrap();
            assert_eq!(serde_json::to_value(&back).unwrap(), value);
        }
    }

    #[test]
    fn malformed_stored_data_fails_closed() {
        let garbage = [
            "",
            "$",
            "$$$$",
            "\u{0}",
            "ü$2y$10$",
            "$argon2id$v=19$m=7168,t=5,p=1$$",
            "$argon2id$v=19$m=99999999999,t=5,p=1$c29tZXNhbHQ$aGFzaA",
            "$2y$99$abcdefghijklmnopqrstuughE8Ev8uGFaUgY2cNEySvxngrb/Jzdm",
            "$P$",
            "$P$~12345678",
            "zzzz",
        ];
        for g in garbage {
            let g = g.to_owned();
            let hashes = [
                PasswordHash::Argon2 { hash: g.clone() },
                PasswordHash::Bcrypt { hash: g.clone() },
                PasswordHash::Md5 { digest: g.clone() },
                PasswordHash::Sha {
                    version: ShaVersion::Sha1,
                    digest: g.clone(),
                },
                PasswordHash::Phpass { hash: g.clone() },
                PasswordHash::Scrypt {
                    hash: g.clone(),
                    salt: g.clone(),
                    cost_cpu: 16,
                    cost_memory: 1,
                    cost_parallel: 1,
                    length: 16,
                },
                PasswordHash::ScryptModified {
                    hash: g.clone(),
                    salt: g.clone(),
                    salt_separator: g.clone(),
                    signer_key: g.clone(),
                },
            ];
            for h in &hashes {
                assert!(!verify(h, ""), "{g:?} {h:?}");
                assert!(!verify(h, "password"), "{g:?} {h:?}");
                assert!(needs_rehash(h));
                let _ = hash_options(h);
            }
        }
        // Absurd scrypt costs read back from storage are refused rather than attempted.
        let huge = PasswordHash::Scrypt {
            hash: "00".repeat(16),
            salt: "salt".to_owned(),
            cost_cpu: 1 << 31,
            cost_memory: u32::MAX,
            cost_parallel: u32::MAX,
            length: u32::MAX,
        };
        assert!(!verify(&huge, "password"));
    }

    #[test]
    fn debug_does_not_leak_hash_material() {
        let md5 = PasswordHash::md5("144fa7eaa4904e8ee120651997f70dcc").unwrap();
        let shown = format!("{md5:?}");
        assert!(!shown.contains("144fa7"), "{shown}");
        assert!(shown.contains("md5"), "{shown}");
    }

    #[test]
    fn import_length_bounds() {
        let long = "a".repeat(MAX_HASH_BYTES + 1);
        assert!(PasswordHash::argon2(&long).is_err());
        assert!(PasswordHash::bcrypt(&long).is_err());
        assert!(PasswordHash::md5(&long).is_err());
        assert!(PasswordHash::sha(&long, ShaVersion::Sha512).is_err());
        assert!(PasswordHash::phpass(&long).is_err());
        assert!(PasswordHash::scrypt(&long, "salt", 16, 1, 1, 16).is_err());
        assert!(PasswordHash::scrypt_modified(&long, "AAAA", "Bw==", "AAAA").is_err());
    }
}
