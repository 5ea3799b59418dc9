//! Resource IDs as Appwrite's wire format defines them: the custom-ID rule (utopia-php/database
//! `Validator\Key`, wrapped by Appwrite's `CustomId`), the `unique()` placeholder, and the layout
//! of server-generated IDs (`Helpers\ID::unique()`). This module must not generate IDs itself:
//! that needs a clock and randomness, which callers own; [`format_unique_id`] only lays out the
//! digits it is given.

use std::fmt::Write as _;

/// Longest custom ID Appwrite accepts (`Database::MAX_UID_DEFAULT_LENGTH`).
pub const MAX_ID_LEN: usize = 36;

/// The placeholder older SDKs send instead of an ID to ask the server to pick one.
pub const UNIQUE: &str = "unique()";

/// Description Appwrite's `UID` validator reports (used for cursors and path IDs). It reads
/// differently from [`IdError`]'s text but checks the same rule.
// appwrite-compat: the text says "underscore" only, yet the rule also allows period and hyphen.
pub const UID_MESSAGE: &str = "UID must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, and underscore. Can't start with a leading underscore";

/// An ID or key broke the `Key` rule; displays Appwrite's exact description for the length used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Parameter must contain at most {max_len} chars. Valid chars are a-z, A-Z, 0-9, period, hyphen, and underscore. Can't start with a special char"
)]
pub struct IdError {
    /// The length limit that applied (36 for IDs, 81 for team role names).
    pub max_len: usize,
}

/// Whether `s` is the literal `unique()` placeholder. Appwrite's `CustomId` accepts it wherever
/// a custom ID is accepted, so callers check this before [`validate_custom_id`].
pub fn is_unique_placeholder(s: &str) -> bool {
    s == UNIQUE
}

/// Checks a client-chosen ID: 1–36 chars of `[A-Za-z0-9._-]`, not starting with `_`, `.` or `-`.
/// The `unique()` placeholder is *not* accepted here (see [`is_unique_placeholder`]).
pub fn validate_custom_id(s: &str) -> Result<(), IdError> {
    validate_key(s, MAX_ID_LEN)
}

/// The `Key` rule with a caller-chosen length limit. Roles reuse it with 81 for team role names
/// (Appwrite sizes that for `project-<id>-<role>` dimensions).
pub fn validate_key(s: &str, max_len: usize) -> Result<(), IdError> {
    if is_valid_key(s, max_len) {
        Ok(())
    } else {
        Err(IdError { max_len })
    }
}

/// Boolean form of [`validate_key`], for callers that build their own message.
pub fn is_valid_key(s: &str, max_len: usize) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    // A leading special char is refused so IDs never look like internal keys (`_uid`, `$id`).
    // `$` falls out of the charset test below, which is what Key does with allowInternal=false.
    if matches!(first, '_' | '.' | '-') {
        return false;
    }
    let charset_ok = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    // The charset is ASCII-only, so byte length equals Appwrite's mb_strlen here.
    charset_ok && s.len() <= max_len
}

/// Lays out an ID exactly as Appwrite's server does: PHP `uniqid()` (8 hex digits of Unix
/// seconds, then 5 hex digits of the microsecond part) followed by the first 7 hex digits of
/// 4 random bytes. For any instant before 2106 the result is 20 lowercase hex chars.
pub fn format_unique_id(unix_micros: u64, random: [u8; 4]) -> String {
    let seconds = unix_micros / 1_000_000;
    let micros = unix_micros % 1_000_000;
    let mut out = String::with_capacity(20);
    // uniqid() is sprintf("%08x%05x"); the seconds field widens past 8 digits after 2106,
    // as PHP's does. Writing to a String cannot fail, so the results are ignored.
    let _ = write!(out, "{seconds:08x}{micros:05x}");
    let mut hex = String::with_capacity(8);
    for byte in random {
        let _ = write!(hex, "{byte:02x}");
    }
    // Appwrite draws ceil(7/2) = 4 bytes and keeps 7 of their 8 hex digits.
    hex.truncate(7);
    out.push_str(&hex);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MESSAGE: &str = "Parameter must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, period, hyphen, and underscore. Can't start with a special char";

    #[test]
    fn accepts_valid_ids() {
        for id in [
            "a",
            "abc",
            "A1",
            "0",
            "user.name-1_x",
            "6553f1001e240abcdef0",
            &"a".repeat(36),
        ] {
            assert_eq!(validate_custom_id(id), Ok(()), "{id}");
        }
    }

    #[test]
    fn rejects_invalid_ids() {
        let too_long = "a".repeat(37);
        for id in [
            "", "_a", ".a", "-a", "$id", "a b", "a/b", "a:b", "é", "unique()", &too_long,
        ] {
            assert_eq!(validate_custom_id(id), Err(IdError { max_len: 36 }), "{id}");
        }
    }

    #[test]
    fn error_text_matches_appwrite() {
        assert_eq!(IdError { max_len: 36 }.to_string(), MESSAGE);
        assert!(
            IdError { max_len: 81 }
                .to_string()
                .starts_with("Parameter must contain at most 81 chars.")
        );
    }

    #[test]
    fn unique_placeholder() {
        assert!(is_unique_placeholder("unique()"));
        assert!(!is_unique_placeholder("unique"));
        assert!(!is_unique_placeholder("Unique()"));
    }

    #[test]
    fn formats_like_php_uniqid() {
        // 1_700_000_000 s = 0x6553f100, 123_456 µs = 0x1e240.
        let id = format_unique_id(1_700_000_000_123_456, [0xab, 0xcd, 0xef, 0x01]);
        assert_eq!(id, "6553f1001e240abcdef0");
        assert_eq!(format_unique_id(0, [0, 0, 0, 0]), "00000000000000000000");
        // Microseconds pad to 5 digits and seconds to 8.
        assert_eq!(
            format_unique_id(1_000_001, [0xff; 4]),
            "0000000100001fffffff"
        );
        assert_eq!(
            format_unique_id(999_999, [0x12, 0x34, 0x56, 0x78]),
            "00000000f423f1234567"
        );
    }

    proptest! {
        #[test]
        fn formatted_ids_validate(micros in 0u64..=u64::MAX, random in any::<[u8; 4]>()) {
            let id = format_unique_id(micros, random);
            prop_assert!(validate_custom_id(&id).is_ok(), "{}", id);
            if micros < (1u64 << 32) * 1_000_000 {
                prop_assert_eq!(id.len(), 20);
            }
        }

        #[test]
        fn validate_never_panics(s in any::<String>()) {
            let _ = validate_custom_id(&s);
        }

        #[test]
        fn charset_ids_validate(s in "[A-Za-z0-9][A-Za-z0-9._-]{0,35}") {
            prop_assert!(validate_custom_id(&s).is_ok());
        }
    }
}
