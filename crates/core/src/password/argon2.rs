//! Argon2 PHC strings: hashing new passwords with Appwrite's parameters and verifying stored or
//! imported argon2i/argon2id hashes the way PHP's `password_verify` (libargon2) does. It must not
//! run a stored hash whose cost parameters exceed the bounds below, and must not panic.
//!
//! Facts relied on: Appwrite 1.9 `app/init/resources/request.php` (`proofForPassword`) hashes
//! with `PASSWORD_ARGON2ID`, `memory_cost` 7168, `time_cost` 5, `threads` 1; PHP's argon2
//! output is 32 bytes with a 16-byte salt; libargon2's decoder treats a missing `v=` field as
//! version 0x10.

use ::argon2::password_hash::phc;
use ::argon2::{Algorithm, Argon2, Params, PasswordHasher, Version};
use rand::TryRng;
use rand::rngs::SysRng;

use super::{MAX_HASH_BYTES, PasswordError, ct_eq};

/// Appwrite's memory cost for new hashes, in KiB.
pub(super) const MEMORY_COST_KIB: u32 = 7168;
/// Appwrite's time cost (passes) for new hashes.
pub(super) const TIME_COST: u32 = 5;
/// Appwrite's parallelism (lanes) for new hashes.
pub(super) const PARALLELISM: u32 = 1;
/// PHP's `password_hash` Argon2 output length.
const OUTPUT_LEN: usize = 32;
/// PHP's `password_hash` Argon2 salt length.
const SALT_LEN: usize = 16;

/// Imported hashes above these bounds are refused: a stored hash decides how much memory and
/// CPU each login attempt costs, so an unbounded import is a denial-of-service lever. The
/// limits are 4x PHP's default (65536 KiB, t=4) and far above anything PHP emits by default.
const MAX_MEMORY_KIB: u32 = 262_144;
const MAX_MEMORY_TIME_PRODUCT: u64 = 1_048_576;
const MAX_LANES: u32 = 16;

const ALGORITHM: &str = "argon2";

/// Everything needed to recompute a stored Argon2 hash.
pub(super) struct Parsed {
    algorithm: Algorithm,
    version: Version,
    params: Params,
    salt: phc::Salt,
    expected: phc::Output,
}

fn invalid(reason: &'static str) -> PasswordError {
    PasswordError::InvalidHash {
        algorithm: ALGORITHM,
        reason,
    }
}

/// Parses and bounds-checks an Argon2 PHC string.
pub(super) fn parse(hash: &str) -> Result<Parsed, PasswordError> {
    if hash.len() > MAX_HASH_BYTES {
        return Err(invalid("hash is too long"));
    }
    let phc = phc::PasswordHash::new(hash).map_err(|_| invalid("not a PHC string"))?;
    // PHP's password API only knows argon2i and argon2id; argon2d would never verify there.
    let algorithm = match phc.algorithm.as_str() {
        "argon2id" => Algorithm::Argon2id,
        "argon2i" => Algorithm::Argon2i,
        _ => return Err(invalid("only argon2i and argon2id are supported")),
    };
    let version = match phc.version {
        // libargon2 (and so PHP) reads a PHC string without `v=` as the original 1.0 version.
        None | Some(0x10) => Version::V0x10,
        Some(0x13) => Version::V0x13,
        Some(_) => return Err(invalid("unknown argon2 version")),
    };
    let salt = phc.salt.ok_or_else(|| invalid("missing salt"))?;
    let expected = phc.hash.ok_or_else(|| invalid("missing hash"))?;
    // Also fixes the output length to the stored hash's length.
    let params = Params::try_from(&phc).map_err(|_| invalid("invalid m/t/p parameters"))?;
    if params.m_cost() > MAX_MEMORY_KIB
        || u64::from(params.m_cost()) * u64::from(params.t_cost()) > MAX_MEMORY_TIME_PRODUCT
        || params.p_cost() > MAX_LANES
    {
        return Err(invalid("cost parameters exceed this server's limits"));
    }
    Ok(Parsed {
        algorithm,
        version,
        params,
        salt,
        expected,
    })
}

/// Hashes a new password; the caller has already bounded its length.
pub(super) fn hash_new(password: &[u8]) -> Result<String, PasswordError> {
    let mut salt = [0u8; SALT_LEN];
    SysRng
        .try_fill_bytes(&mut salt)
        .map_err(|_| PasswordError::Rng)?;
    let params = Params::new(MEMORY_COST_KIB, TIME_COST, PARALLELISM, Some(OUTPUT_LEN))
        .map_err(|_| PasswordError::Hashing)?;
    let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let phc = hasher
        .hash_password_with_salt(password, &salt)
        .map_err(|_| PasswordError::Hashing)?;
    Ok(phc.to_string())
}

/// Recomputes the hash with the stored parameters and compares in constant time.
pub(super) fn verify(hash: &str, password: &[u8]) -> bool {
    let Ok(parsed) = parse(hash) else {
        return false;
    };
    let expected = parsed.expected.as_bytes();
    let mut computed = vec![0u8; expected.len()];
    let hasher = Argon2::new(parsed.algorithm, parsed.version, parsed.params);
    if hasher
        .hash_password_into(password, &parsed.salt, &mut computed)
        .is_err()
    {
        return false;
    }
    ct_eq(&computed, expected)
}

/// True only for Argon2id v1.3 with exactly Appwrite's memory/time/threads.
pub(super) fn is_current(hash: &str) -> bool {
    parse(hash).is_ok_and(|p| {
        p.algorithm == Algorithm::Argon2id
            && p.version == Version::V0x13
            && p.params.m_cost() == MEMORY_COST_KIB
            && p.params.t_cost() == TIME_COST
            && p.params.p_cost() == PARALLELISM
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_hash_has_php_shape() {
        let hash = hash_new(b"hunter2hunter2").unwrap();
        let phc = phc::PasswordHash::new(&hash).unwrap();
        assert_eq!(phc.algorithm.as_str(), "argon2id");
        assert_eq!(phc.version, Some(0x13));
        assert_eq!(phc.salt.unwrap().len(), SALT_LEN);
        assert_eq!(phc.hash.unwrap().len(), OUTPUT_LEN);
        // Round-trip verification is covered in mod.rs; each hash costs seconds unoptimised.
        assert!(is_current(&hash));
    }

    /// Generated with argon2-cffi (libargon2) `hash_secret(b"password", b"somesaltsomesalt",
    /// time_cost=5, memory_cost=7168, parallelism=1, hash_len=32, type=ID)`, i.e. what PHP's
    /// password_hash would produce for Appwrite's parameters with that salt.
    const LIBARGON2_ID: &str = "$argon2id$v=19$m=7168,t=5,p=1$c29tZXNhbHRzb21lc2FsdA$r4Oo1wGvZA95Ee2ql0BxTjPMLtEb2RJx3pJ/l+PU2ts";

    #[test]
    fn libargon2_vector_and_current_params() {
        assert!(verify(LIBARGON2_ID, b"password"));
        assert!(is_current(LIBARGON2_ID));
    }

    /// argon2-cffi `hash_secret(b"password", b"somesaltsomesalt", 2, 64, 1, 32, Type.I,
    /// version=0x10)` printed with `v=16`; with the `v=` field removed libargon2 still reads it
    /// as version 0x10, and so must we.
    #[test]
    fn version_0x10_and_missing_version() {
        let with_v = "$argon2i$v=16$m=64,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$mMAhXSmCFKJZ93OgxhtgJEb3Vm5jscSkQSI5DEkd3Lc";
        let without_v = "$argon2i$m=64,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$mMAhXSmCFKJZ93OgxhtgJEb3Vm5jscSkQSI5DEkd3Lc";
        assert!(verify(with_v, b"password"));
        assert!(verify(without_v, b"password"));
        assert!(!is_current(with_v));
    }

    #[test]
    fn other_params_are_not_current() {
        // Same salt/hash shape but different costs: valid, verifiable format, yet outdated.
        let t4 = LIBARGON2_ID.replace("t=5", "t=4");
        assert!(parse(&t4).is_ok());
        assert!(!is_current(&t4));
        let argon2i = LIBARGON2_ID.replace("$argon2id$", "$argon2i$");
        assert!(!is_current(&argon2i));
    }

    #[test]
    fn rejects_unsupported_or_costly_imports() {
        let d = LIBARGON2_ID.replace("$argon2id$", "$argon2d$");
        assert!(parse(&d).is_err());
        let huge_m = LIBARGON2_ID.replace("m=7168", "m=4194304");
        assert!(parse(&huge_m).is_err());
        let huge_t = LIBARGON2_ID.replace("t=5", "t=1000");
        assert!(parse(&huge_t).is_err());
        let v_bad = LIBARGON2_ID.replace("v=19", "v=20");
        assert!(parse(&v_bad).is_err());
        assert!(parse("$argon2id$v=19$m=7168,t=5,p=1$c29tZXNhbHRzb21lc2FsdA").is_err());
        assert!(parse("$2y$10$abcdefghijklmnopqrstuughE8Ev8uGFaUgY2cNEySvxngrb/Jzdm").is_err());
    }
}
