//! Input validators shared by services, with Appwrite's limits and wording. Each returns the
//! `400 general_argument_invalid` error for the named parameter.

use serde_json::{Map, Value};

use crate::{Error, Result};

pub const MAX_NAME_LEN: usize = 128;
pub const MAX_EMAIL_LEN: usize = 254;
pub const MAX_PREFS_BYTES: usize = 65_535;
pub const MAX_LABELS: usize = 1000;
pub const MAX_LABEL_LEN: usize = 36;
pub const MIN_PASSWORD_LEN: usize = 8;
pub const MAX_PASSWORD_LEN: usize = 256;
pub const MAX_ROLES: usize = 100;
pub const MAX_ROLE_LEN: usize = 81;
pub const MAX_SEARCH_LEN: usize = 256;

pub fn name(param: &str, v: &str) -> Result<()> {
    if v.chars().count() > MAX_NAME_LEN {
        return Err(Error::invalid_param(param, "Value must be a valid string and at least 1 chars and no longer than 128 chars"));
    }
    Ok(())
}

/// A plain structural email check (one `@`, non-empty local part, a dotted domain without
/// spaces); Appwrite's validator is similarly permissive. Returns the address lowercased.
pub fn email(param: &str, v: &str) -> Result<String> {
    let bad = || Error::invalid_param(param, "Value must be a valid email address");
    if v.is_empty() || v.len() > MAX_EMAIL_LEN || v.chars().any(char::is_whitespace) {
        return Err(bad());
    }
    let (local, domain) = v.rsplit_once('@').ok_or_else(bad)?;
    if local.is_empty() || local.contains('@') || local.len() > 64 {
        return Err(bad());
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty() || l.starts_with('-') || l.ends_with('-')) {
        return Err(bad());
    }
    Ok(v.to_lowercase())
}

pub fn password(param: &str, v: &str) -> Result<()> {
    let n = v.chars().count();
    if !(MIN_PASSWORD_LEN..=MAX_PASSWORD_LEN).contains(&n) {
        return Err(Error::invalid_param(
            param,
            "Password must be between 8 and 256 characters long, and should not be one of the commonly used password.",
        ));
    }
    Ok(())
}

/// E.164: `+` then at most fifteen digits.
pub fn phone(param: &str, v: &str) -> Result<()> {
    let digits = v.strip_prefix('+').unwrap_or("");
    if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid_param(
            param,
            "Phone number must start with a '+' can have a maximum of fifteen digits.",
        ));
    }
    Ok(())
}

pub fn prefs(param: &str, v: &Map<String, Value>) -> Result<()> {
    let size = serde_json::to_string(v).map(|s| s.len()).unwrap_or(usize::MAX);
    if size > MAX_PREFS_BYTES {
        return Err(Error::invalid_param(param, "Value must be a valid object no larger than 65535 bytes"));
    }
    Ok(())
}

pub fn labels(param: &str, v: &[String]) -> Result<()> {
    if v.len() > MAX_LABELS {
        return Err(Error::invalid_param(param, "Value must be an array of at most 1000 labels"));
    }
    for l in v {
        if l.is_empty() || l.len() > MAX_LABEL_LEN || !l.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::invalid_param(
                param,
                "Value must a valid array and Value must be a valid string and at least 1 chars and no longer than 36 chars and Value must only contain alphanumeric characters",
            ));
        }
    }
    Ok(())
}

/// Team roles of a membership: short alphanumeric names (plus `_-`).
pub fn team_roles(param: &str, v: &[String]) -> Result<()> {
    if v.len() > MAX_ROLES {
        return Err(Error::invalid_param(param, "Value must be an array of at most 100 roles"));
    }
    for r in v {
        let ok = !r.is_empty()
            && r.len() <= MAX_ROLE_LEN
            && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !ok {
            return Err(Error::invalid_param(param, "Value must be a valid array of role names"));
        }
    }
    Ok(())
}

pub fn search(param: &str, v: &str) -> Result<()> {
    if v.chars().count() > MAX_SEARCH_LEN {
        return Err(Error::invalid_param(param, "Value must be a valid string and at most 256 chars"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(email("e", "A@Example.com").unwrap(), "a@example.com");
        for bad in ["", "a", "a@", "@b.c", "a@b", "a b@c.d", "a@b..c", "a@-b.c"] {
            assert!(email("e", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_and_phones() {
        assert!(password("p", "1234567").is_err());
        assert!(password("p", "12345678").is_ok());
        assert!(password("p", &"x".repeat(257)).is_err());
        assert!(phone("p", "+14155552671").is_ok());
        assert!(phone("p", "14155552671").is_err());
        assert!(phone("p", "+1234567890123456").is_err());
    }

    #[test]
    fn labels_are_alphanumeric() {
        assert!(labels("l", &["vip".into(), "a1".into()]).is_ok());
        assert!(labels("l", &["no-dash".into()]).is_err());
        assert!(labels("l", &[String::new()]).is_err());
    }
}
