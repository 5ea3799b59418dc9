//! Plain scrypt hashes imported through `POST /users/scrypt`: parameter validation and
//! constant-time verification. It must not run scrypt with parameters beyond the memory/work
//! bounds below (a stored hash decides each login's cost) and must not panic.
//!
//! Facts relied on: utopia-php/auth `Hashes/Scrypt.php` calls
//! `scrypt($password, $salt, $costCpu, $costMemory, $costParallel, $length)` from Appwrite's
//! php-scrypt extension (appwrite/php-scrypt `src/lib.rs`), which takes N itself (log2 is taken
//! internally), r, p, the raw salt bytes (the `passwordSalt` string, not decoded), and returns
//! lowercase hex of `length` bytes; utopia requires N > 1 and a power of two, r >= 1, p >= 1,
//! length >= 16, and a non-empty salt. Appwrite validates the salt with `Text(128)`.

use ::scrypt::Params;

use super::{MAX_HASH_BYTES, MAX_PARAM_CHARS, PasswordError, ct_eq};

/// Largest N accepted (2^20).
const MAX_LOG_N: u32 = 20;
/// scrypt needs 128 * r * N bytes; 128 * 2^21 = 256 MiB.
const MAX_N_TIMES_R: u64 = 1 << 21;
/// Total work is proportional to N * r * p; 2^24 is a few seconds per attempt.
const MAX_WORK: u64 = 1 << 24;
const MAX_PARALLEL: i64 = 16;
/// utopia's minimum output length.
const MIN_LENGTH: i64 = 16;
/// The hash travels as hex in a parameter of at most 256 characters.
const MAX_LENGTH: i64 = 128;

/// Validated numeric parameters.
pub(super) struct Checked {
    pub(super) cost_cpu: u32,
    pub(super) cost_memory: u32,
    pub(super) cost_parallel: u32,
    pub(super) length: u32,
    log_n: u8,
    expected: Vec<u8>,
}

fn param(param: &'static str, reason: &'static str) -> PasswordError {
    PasswordError::InvalidParam { param, reason }
}

pub(super) fn validate(
    hash: &str,
    salt: &str,
    cost_cpu: i64,
    cost_memory: i64,
    cost_parallel: i64,
    length: i64,
) -> Result<Checked, PasswordError> {
    if salt.is_empty() {
        return Err(param("passwordSalt", "must not be empty"));
    }
    if salt.chars().count() > MAX_PARAM_CHARS {
        return Err(param("passwordSalt", "must be at most 128 characters"));
    }
    let n = u32::try_from(cost_cpu)
        .ok()
        .filter(|n| *n > 1 && n.is_power_of_two() && n.trailing_zeros() <= MAX_LOG_N)
        .ok_or_else(|| param("passwordCpu", "must be a power of two from 2 to 1048576"))?;
    let r = u32::try_from(cost_memory)
        .ok()
        .filter(|r| *r >= 1 && u64::from(n) * u64::from(*r) <= MAX_N_TIMES_R)
        .ok_or_else(|| {
            param(
                "passwordMemory",
                "must be at least 1, with passwordCpu * passwordMemory at most 2097152",
            )
        })?;
    let p = u32::try_from(cost_parallel)
        .ok()
        .filter(|p| {
            (1..=MAX_PARALLEL).contains(&i64::from(*p))
                && u64::from(n) * u64::from(r) * u64::from(*p) <= MAX_WORK
        })
        .ok_or_else(|| {
            param(
                "passwordParallel",
                "must be 1 to 16, with passwordCpu * passwordMemory * passwordParallel at most 16777216",
            )
        })?;
    let len = u32::try_from(length)
        .ok()
        .filter(|l| (MIN_LENGTH..=MAX_LENGTH).contains(&i64::from(*l)))
        .ok_or_else(|| param("passwordLength", "must be from 16 to 128"))?;

    let invalid = |reason| PasswordError::InvalidHash {
        algorithm: "scrypt",
        reason,
    };
    if hash.len() > MAX_HASH_BYTES {
        return Err(invalid("hash is too long"));
    }
    let expected = hex::decode(hash).map_err(|_| invalid("hash is not hexadecimal"))?;
    if u32::try_from(expected.len()).ok() != Some(len) {
        return Err(invalid("hash length does not match passwordLength"));
    }
    // n is a power of two <= 2^20, so its exponent fits in a u8.
    let log_n = u8::try_from(n.trailing_zeros())
        .map_err(|_| param("passwordCpu", "must be a power of two from 2 to 1048576"))?;
    Ok(Checked {
        cost_cpu: n,
        cost_memory: r,
        cost_parallel: p,
        length: len,
        log_n,
        expected,
    })
}

pub(super) fn verify(
    hash: &str,
    salt: &str,
    cost_cpu: i64,
    cost_memory: i64,
    cost_parallel: i64,
    length: i64,
    password: &[u8],
) -> bool {
    let Ok(checked) = validate(hash, salt, cost_cpu, cost_memory, cost_parallel, length) else {
        return false;
    };
    derive_key(password, salt.as_bytes(), &checked)
        .is_some_and(|computed| ct_eq(&computed, &checked.expected))
}

/// Runs scrypt with already validated parameters; `None` only if the primitive errors.
fn derive_key(password: &[u8], salt: &[u8], checked: &Checked) -> Option<Vec<u8>> {
    let params = Params::new(checked.log_n, checked.cost_memory, checked.cost_parallel).ok()?;
    let mut out = vec![0u8; checked.expected.len()];
    ::scrypt::scrypt(password, salt, &params, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7914 section 12, first vector: scrypt("", "", N=16, r=1, p=1, 64). Appwrite refuses an
    /// empty salt, so this goes through `derive` directly; it pins the N/r/p mapping cheaply.
    #[test]
    fn rfc7914_empty_vector() {
        let expected = "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede2144\
                        2fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906";
        let checked = Checked {
            cost_cpu: 16,
            cost_memory: 1,
            cost_parallel: 1,
            length: 64,
            log_n: 4,
            expected: hex::decode(expected).unwrap(),
        };
        assert_eq!(derive_key(b"", b"", &checked).unwrap(), checked.expected);
        assert_ne!(derive_key(b"x", b"", &checked).unwrap(), checked.expected);
        assert_ne!(derive_key(b"", b"x", &checked).unwrap(), checked.expected);
    }

    /// RFC 7914 section 12, third vector: scrypt("password", "NaCl", N=1024, r=8, p=16, 64),
    /// in Appwrite's encoding (N as given, raw salt string, hex output).
    #[test]
    fn rfc7914_in_appwrite_encoding() {
        let hash = "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162\
                    2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640";
        assert!(validate(hash, "NaCl", 1024, 8, 16, 64).is_ok());
        assert!(validate(&hash.to_uppercase(), "NaCl", 1024, 8, 16, 64).is_ok());
        assert!(verify(hash, "NaCl", 1024, 8, 16, 64, b"password"));
    }

    /// appwrite/php-scrypt tests/ScryptTest.php: scrypt('password', 'salt', 16384, 8, 1, 64).
    #[test]
    fn php_scrypt_extension_vector() {
        let hash = "745731af4484f323968969eda289aeee005b5903ac561e64a5aca121797bf773\
                    4ef9fd58422e2e22183bcacba9ec87ba0c83b7a2e788f03ce0da06463433cda6";
        assert!(verify(hash, "salt", 16384, 8, 1, 64, b"password"));
    }

    #[test]
    fn parameter_validation() {
        let ok = |cpu, mem, par, len| validate(&"ab".repeat(16), "s", cpu, mem, par, len);
        assert!(ok(8, 14, 1, 16).is_ok()); // Appwrite's documented defaults (N=8, r=14)
        for (cpu, mem, par, len, name) in [
            (0, 8, 1, 16, "passwordCpu"),
            (1, 8, 1, 16, "passwordCpu"),
            (1000, 8, 1, 16, "passwordCpu"),
            (-16, 8, 1, 16, "passwordCpu"),
            (1 << 21, 1, 1, 16, "passwordCpu"),
            (16, 0, 1, 16, "passwordMemory"),
            (1 << 20, 4, 1, 16, "passwordMemory"),
            (16, 8, 0, 16, "passwordParallel"),
            (16, 8, 17, 16, "passwordParallel"),
            (1 << 20, 2, 16, 16, "passwordParallel"),
            (16, 8, 1, 15, "passwordLength"),
            (16, 8, 1, 129, "passwordLength"),
        ] {
            match ok(cpu, mem, par, len) {
                Err(PasswordError::InvalidParam { param, .. }) => {
                    assert_eq!(param, name, "{cpu} {mem} {par} {len}");
                }
                _ => unreachable!("accepted {cpu} {mem} {par} {len}"),
            }
        }
        assert!(validate("abcd", "", 16, 8, 1, 16).is_err());
        assert!(validate("abcd", &"s".repeat(129), 16, 8, 1, 16).is_err());
        // 128 multi-byte characters are fine: Text(128) counts characters.
        assert!(validate(&"ab".repeat(16), &"ä".repeat(128), 16, 8, 1, 16).is_ok());
        // Hash must be hex of exactly `length` bytes.
        assert!(validate(&"ab".repeat(17), "s", 16, 8, 1, 16).is_err());
        assert!(validate(&"zz".repeat(16), "s", 16, 8, 1, 16).is_err());
    }
}
