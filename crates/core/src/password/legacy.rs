//! Unsalted hex digests imported through `POST /users/md5` and `POST /users/sha`: validation and
//! constant-time verification. It must not compare digests with `==` and must not panic on
//! malformed stored data.
//!
//! Facts relied on: utopia-php/auth `MD5` is `md5($password)` and `Sha` is
//! `hash($version, $password)`, both lowercase hex compared with `hash_equals`. Hex here is
//! decoded case-insensitively and compared as bytes, which accepts everything Appwrite accepts.

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512, Sha512_224, Sha512_256};
use sha3::{Sha3_224, Sha3_256, Sha3_384, Sha3_512};

use super::{MAX_HASH_BYTES, PasswordError, ShaVersion, ct_eq};

const MD5_LEN: usize = 16;

/// Decodes a hex digest that must be exactly `len` bytes.
fn decode_hex(digest: &str, len: usize, algorithm: &'static str) -> Result<Vec<u8>, PasswordError> {
    let invalid = |reason| PasswordError::InvalidHash { algorithm, reason };
    if digest.len() > MAX_HASH_BYTES {
        return Err(invalid("hash is too long"));
    }
    if digest.len() != len * 2 {
        return Err(invalid(
            "hex digest has the wrong length for this algorithm",
        ));
    }
    hex::decode(digest).map_err(|_| invalid("digest is not hexadecimal"))
}

pub(super) fn validate_md5(digest: &str) -> Result<(), PasswordError> {
    decode_hex(digest, MD5_LEN, "md5").map(drop)
}

pub(super) fn validate_sha(digest: &str, version: ShaVersion) -> Result<(), PasswordError> {
    decode_hex(digest, version.digest_len(), "sha").map(drop)
}

pub(super) fn verify_md5(digest: &str, password: &[u8]) -> bool {
    let Ok(expected) = decode_hex(digest, MD5_LEN, "md5") else {
        return false;
    };
    ct_eq(&Md5::digest(password), &expected)
}

pub(super) fn verify_sha(digest: &str, version: ShaVersion, password: &[u8]) -> bool {
    let Ok(expected) = decode_hex(digest, version.digest_len(), "sha") else {
        return false;
    };
    ct_eq(&sha_digest(version, password), &expected)
}

fn sha_digest(version: ShaVersion, data: &[u8]) -> Vec<u8> {
    match version {
        ShaVersion::Sha1 => Sha1::digest(data).to_vec(),
        ShaVersion::Sha224 => Sha224::digest(data).to_vec(),
        ShaVersion::Sha256 => Sha256::digest(data).to_vec(),
        ShaVersion::Sha384 => Sha384::digest(data).to_vec(),
        ShaVersion::Sha512_224 => Sha512_224::digest(data).to_vec(),
        ShaVersion::Sha512_256 => Sha512_256::digest(data).to_vec(),
        ShaVersion::Sha512 => Sha512::digest(data).to_vec(),
        ShaVersion::Sha3_224 => Sha3_224::digest(data).to_vec(),
        ShaVersion::Sha3_256 => Sha3_256::digest(data).to_vec(),
        ShaVersion::Sha3_384 => Sha3_384::digest(data).to_vec(),
        ShaVersion::Sha3_512 => Sha3_512::digest(data).to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FIPS 180-4 / FIPS 202 / RFC 1321 digests of "abc" (cross-checked with Python hashlib).
    const ABC: [(ShaVersion, &str); 11] = [
        (ShaVersion::Sha1, "a9993e364706816aba3e25717850c26c9cd0d89d"),
        (
            ShaVersion::Sha224,
            "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
        ),
        (
            ShaVersion::Sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            ShaVersion::Sha384,
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed\
             8086072ba1e7cc2358baeca134c825a7",
        ),
        (
            ShaVersion::Sha512_224,
            "4634270f707b6a54daae7530460842e20e37ed265ceee9a43e8924aa",
        ),
        (
            ShaVersion::Sha512_256,
            "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23",
        ),
        (
            ShaVersion::Sha512,
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        ),
        (
            ShaVersion::Sha3_224,
            "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf",
        ),
        (
            ShaVersion::Sha3_256,
            "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
        ),
        (
            ShaVersion::Sha3_384,
            "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b2\
             98d88cea927ac7f539f1edf228376d25",
        ),
        (
            ShaVersion::Sha3_512,
            "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e\
             10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0",
        ),
    ];

    #[test]
    fn sha_known_answers() {
        for (version, digest) in ABC {
            assert!(validate_sha(digest, version).is_ok(), "{version}");
            assert!(verify_sha(digest, version, b"abc"), "{version}");
            assert!(!verify_sha(digest, version, b"abd"), "{version}");
            // Uppercase hex is the same digest.
            assert!(
                verify_sha(&digest.to_uppercase(), version, b"abc"),
                "{version}"
            );
        }
    }

    #[test]
    fn sha_version_must_match_length() {
        let (_, sha256) = ABC[2];
        assert!(validate_sha(sha256, ShaVersion::Sha1).is_err());
        assert!(!verify_sha(sha256, ShaVersion::Sha512, b"abc"));
        // Same length, different function: well-formed but no match.
        assert!(!verify_sha(sha256, ShaVersion::Sha3_256, b"abc"));
    }

    #[test]
    fn md5_known_answers() {
        // RFC 1321 test suite.
        assert!(verify_md5("d41d8cd98f00b204e9800998ecf8427e", b""));
        assert!(verify_md5("900150983cd24fb0d6963f7d28e17f72", b"abc"));
        assert!(verify_md5(
            "57edf4a22be3c955ac49da2e2107b67a",
            b"12345678901234567890123456789012345678901234567890123456789012345678901234567890"
        ));
        assert!(!verify_md5("900150983cd24fb0d6963f7d28e17f72", b"abd"));
    }

    #[test]
    fn rejects_malformed() {
        assert!(validate_md5("900150983cd24fb0d6963f7d28e17f7").is_err());
        assert!(validate_md5("900150983cd24fb0d6963f7d28e17f7g").is_err());
        assert!(validate_md5("900150983cd24fb0d6963f7d28e17f7ä").is_err());
        assert!(!verify_md5("", b""));
        assert!(!verify_md5("zz", b""));
    }
}
