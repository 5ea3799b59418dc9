//! Roles: who a permission is granted to, written `role[:identifier][/dimension]` (`any`,
//! `users/verified`, `user:abc`, `team:t1/owner`, `member:m1`, `label:vip`). This module parses
//! and prints them with the rules and error texts of utopia-php/database (`Helpers\Role::parse`
//! plus `Validator\Roles`). It must not decide which roles a caller holds or whether a role
//! grants anything; that is authorization, which lives in core.

use std::fmt;
use std::str::FromStr;

use crate::id::{self, MAX_ID_LEN};

/// Most roles one request parameter may carry (`APP_LIMIT_ARRAY_PARAMS_SIZE`), e.g. a
/// function's `execute` list.
pub const MAX_ROLES: usize = 100;

/// Longest team role name Appwrite accepts as a dimension: the `Key` rule sized for
/// `project-<36>-<36>` console roles.
pub const MAX_TEAM_ROLE_LEN: usize = 81;

/// The role names, in the order Appwrite lists them in its error messages.
const ROLE_NAMES: [&str; 7] = ["any", "guests", "users", "user", "team", "member", "label"];

/// One role.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Role {
    /// `any`: everyone, signed in or not.
    Any,
    /// `guests`: callers without a session.
    Guests,
    /// `users` or `users/<dimension>`: every signed-in user, optionally by verification state.
    Users { dimension: Option<UserDimension> },
    /// `user:<id>` or `user:<id>/<dimension>`.
    User {
        id: String,
        dimension: Option<UserDimension>,
    },
    /// `team:<id>` (every member) or `team:<id>/<role>` (members holding that team role).
    Team { id: String, role: Option<String> },
    /// `member:<membershipId>`.
    Member { id: String },
    /// `label:<label>`: users carrying that label.
    Label { name: String },
}

/// The verification dimension of `users` and `user:<id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserDimension {
    /// The user verified their email or phone.
    Verified,
    /// Neither email nor phone is verified.
    Unverified,
}

impl UserDimension {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::Unverified => "unverified",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "verified" => Some(Self::Verified),
            "unverified" => Some(Self::Unverified),
            _ => None,
        }
    }
}

/// Why a role string was refused. Each message is the text Appwrite's validator reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    #[error("Wildcard role \"*\" has been replaced. Use \"any\" instead.")]
    Wildcard,
    #[error(
        "Roles using the \"role:\" prefix have been removed. Use \"users\", \"guests\", or \"any\" instead."
    )]
    LegacyPrefix,
    /// Carries the whole input when no role name even prefixes it, else the parsed name.
    #[error(
        "Role \"{0}\" is not allowed. Must be one of: any, guests, users, user, team, member, label."
    )]
    Unknown(String),
    #[error("Only one dimension can be provided")]
    MultipleDimensions,
    #[error("Dimension must not be empty")]
    EmptyDimension,
    #[error("Role \"{0}\" can not have an ID value.")]
    IdNotAllowed(&'static str),
    #[error("Role \"{0}\" must have an ID value.")]
    IdRequired(&'static str),
    #[error("Role \"{0}\" identifier value is invalid: {1}")]
    InvalidId(&'static str, String),
    #[error("Role \"{0}\" can not have a dimension value.")]
    DimensionNotAllowed(&'static str),
    #[error("Role \"{0}\" dimension value is invalid. Must be one of: verified, unverified.")]
    InvalidUserDimension(&'static str),
    #[error("Role \"{0}\" dimension value is invalid: {1}")]
    InvalidTeamRole(&'static str, String),
    #[error("You can only provide up to {0} roles.")]
    TooMany(usize),
}

/// Description of Appwrite's `Label` validator, reported for bad `label:` names.
const LABEL_MESSAGE: &str =
    "Value must be a valid string between 1 and 36 chars containing only alphanumeric chars";

impl Role {
    /// Parses one role string as Appwrite's `Roles` validator does (used for function `execute`
    /// lists and team/permission checks).
    pub fn parse(s: &str) -> Result<Role, RoleError> {
        if s == "*" {
            return Err(RoleError::Wildcard);
        }
        if s.contains("role:") {
            return Err(RoleError::LegacyPrefix);
        }
        // Appwrite first checks that some role name prefixes the string and reports the whole
        // input if none does; a string that passes but names no role is reported by name later.
        if !ROLE_NAMES.iter().any(|name| s.starts_with(name)) {
            return Err(RoleError::Unknown(s.to_owned()));
        }
        parse_body(s)
    }

    /// The role's name (`any`, `guests`, `users`, `user`, `team`, `member`, `label`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::Guests => "guests",
            Self::Users { .. } => "users",
            Self::User { .. } => "user",
            Self::Team { .. } => "team",
            Self::Member { .. } => "member",
            Self::Label { .. } => "label",
        }
    }
}

/// Parses a list of role strings with Appwrite's limit of [`MAX_ROLES`] entries.
pub fn parse_list(values: &[String]) -> Result<Vec<Role>, RoleError> {
    if values.len() > MAX_ROLES {
        return Err(RoleError::TooMany(MAX_ROLES));
    }
    values.iter().map(|value| Role::parse(value)).collect()
}

/// PHP's `empty()` on a string: `""` and `"0"` are both empty.
// appwrite-compat: Appwrite tests identifiers and dimensions with empty(), so `user:0` counts as
// having no ID and `any:` as plain `any`. Mirroring it keeps us refusing and accepting the same
// strings (and Appwrite could not print `user:0` back anyway).
fn php_empty(s: &str) -> bool {
    s.is_empty() || s == "0"
}

/// Splits and validates a role string without the `Roles`-level prechecks; the permission
/// parser uses this directly because Appwrite's `Permissions` validator skips those prechecks.
pub(crate) fn parse_body(s: &str) -> Result<Role, RoleError> {
    let (name, identifier, dimension) = split(s)?;
    build(name, identifier, dimension)
}

/// Splits `role[:identifier][/dimension]` the way `Helpers\Role::parse` does.
fn split(s: &str) -> Result<(&str, &str, &str), RoleError> {
    match s.split_once(':') {
        None => match s.split_once('/') {
            None => Ok((s, "", "")),
            Some((name, dimension)) => {
                if dimension.contains('/') {
                    return Err(RoleError::MultipleDimensions);
                }
                if php_empty(dimension) {
                    return Err(RoleError::EmptyDimension);
                }
                Ok((name, "", dimension))
            }
        },
        Some((name, rest)) => {
            // Appwrite looks for the dimension only after the first colon; a slash before it
            // leaves nothing to split there, which it reports as a dimension error.
            if name.contains('/') {
                return Err(RoleError::MultipleDimensions);
            }
            match rest.split_once('/') {
                None => Ok((name, rest, "")),
                Some((identifier, dimension)) => {
                    if dimension.contains('/') {
                        return Err(RoleError::MultipleDimensions);
                    }
                    if php_empty(dimension) {
                        return Err(RoleError::EmptyDimension);
                    }
                    Ok((name, identifier, dimension))
                }
            }
        }
    }
}

/// Applies `Validator\Roles::isValidRole` to the split parts and builds the role.
// Unlike Appwrite, which keeps only the text between the first and second colon, an identifier
// containing another colon is refused here (the colon fails the identifier charset).
fn build(name: &str, identifier: &str, dimension: &str) -> Result<Role, RoleError> {
    let Some(name) = ROLE_NAMES.iter().copied().find(|known| *known == name) else {
        return Err(RoleError::Unknown(name.to_owned()));
    };
    let has_id = !php_empty(identifier);
    let has_dimension = !php_empty(dimension);
    let (id_allowed, dimension_allowed) = match name {
        "any" | "guests" => (false, false),
        "users" => (false, true),
        "member" | "label" => (true, false),
        _ => (true, true),
    };
    if !id_allowed && has_id {
        return Err(RoleError::IdNotAllowed(name));
    }
    if id_allowed && !has_id {
        return Err(RoleError::IdRequired(name));
    }
    if has_id {
        let valid = if name == "label" {
            id::is_valid_key(identifier, MAX_ID_LEN)
                && identifier.chars().all(|c| c.is_ascii_alphanumeric())
        } else {
            id::is_valid_key(identifier, MAX_ID_LEN)
        };
        if !valid {
            let message = if name == "label" {
                LABEL_MESSAGE.to_owned()
            } else {
                id::IdError {
                    max_len: MAX_ID_LEN,
                }
                .to_string()
            };
            return Err(RoleError::InvalidId(name, message));
        }
    }
    if !dimension_allowed && has_dimension {
        return Err(RoleError::DimensionNotAllowed(name));
    }
    let user_dimension = if has_dimension && name != "team" {
        match UserDimension::parse(dimension) {
            Some(parsed) => Some(parsed),
            None => return Err(RoleError::InvalidUserDimension(name)),
        }
    } else {
        None
    };
    if name == "team"
        && has_dimension
        && let Err(err) = id::validate_key(dimension, MAX_TEAM_ROLE_LEN)
    {
        return Err(RoleError::InvalidTeamRole(name, err.to_string()));
    }
    let identifier = identifier.to_owned();
    Ok(match name {
        "any" => Role::Any,
        "guests" => Role::Guests,
        "users" => Role::Users {
            dimension: user_dimension,
        },
        "user" => Role::User {
            id: identifier,
            dimension: user_dimension,
        },
        "team" => Role::Team {
            id: identifier,
            role: has_dimension.then(|| dimension.to_owned()),
        },
        "member" => Role::Member { id: identifier },
        _ => Role::Label { name: identifier },
    })
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any | Self::Guests => f.write_str(self.name()),
            Self::Users { dimension } => {
                f.write_str("users")?;
                if let Some(dimension) = dimension {
                    write!(f, "/{}", dimension.as_str())?;
                }
                Ok(())
            }
            Self::User { id, dimension } => {
                write!(f, "user:{id}")?;
                if let Some(dimension) = dimension {
                    write!(f, "/{}", dimension.as_str())?;
                }
                Ok(())
            }
            Self::Team { id, role } => {
                write!(f, "team:{id}")?;
                if let Some(role) = role {
                    write!(f, "/{role}")?;
                }
                Ok(())
            }
            Self::Member { id } => write!(f, "member:{id}"),
            Self::Label { name } => write!(f, "label:{name}"),
        }
    }
}

impl FromStr for Role {
    type Err = RoleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::parse(s)
    }
}

impl TryFrom<String> for Role {
    type Error = RoleError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Role::parse(&value)
    }
}

impl From<Role> for String {
    fn from(role: Role) -> Self {
        role.to_string()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(s: &str) -> Role {
        Role::parse(s).unwrap()
    }

    fn err(s: &str) -> String {
        Role::parse(s).unwrap_err().to_string()
    }

    #[test]
    fn parses_every_form() {
        assert_eq!(ok("any"), Role::Any);
        assert_eq!(ok("guests"), Role::Guests);
        assert_eq!(ok("users"), Role::Users { dimension: None });
        assert_eq!(
            ok("users/verified"),
            Role::Users {
                dimension: Some(UserDimension::Verified)
            }
        );
        assert_eq!(
            ok("users/unverified"),
            Role::Users {
                dimension: Some(UserDimension::Unverified)
            }
        );
        assert_eq!(
            ok("user:abc"),
            Role::User {
                id: "abc".into(),
                dimension: None
            }
        );
        assert_eq!(
            ok("user:abc/verified"),
            Role::User {
                id: "abc".into(),
                dimension: Some(UserDimension::Verified)
            }
        );
        assert_eq!(
            ok("team:t1"),
            Role::Team {
                id: "t1".into(),
                role: None
            }
        );
        assert_eq!(
            ok("team:t1/owner"),
            Role::Team {
                id: "t1".into(),
                role: Some("owner".into())
            }
        );
        assert_eq!(ok("member:m1"), Role::Member { id: "m1".into() });
        assert_eq!(ok("label:vip"), Role::Label { name: "vip".into() });
    }

    #[test]
    fn prints_canonical_strings() {
        for s in [
            "any",
            "guests",
            "users",
            "users/verified",
            "user:abc",
            "user:abc/unverified",
            "team:t1",
            "team:t1/owner",
            "member:m1",
            "label:vip",
        ] {
            assert_eq!(ok(s).to_string(), s);
        }
    }

    #[test]
    fn php_empty_quirks() {
        // Appwrite treats an empty (or "0") identifier as absent.
        assert_eq!(ok("any:"), Role::Any);
        assert_eq!(
            ok("users:/verified"),
            Role::Users {
                dimension: Some(UserDimension::Verified)
            }
        );
        assert_eq!(err("user:0"), "Role \"user\" must have an ID value.");
        assert_eq!(err("team:t1/0"), "Dimension must not be empty");
    }

    #[test]
    fn error_messages_match_appwrite() {
        let any_of = "Must be one of: any, guests, users, user, team, member, label.";
        assert_eq!(
            err("*"),
            "Wildcard role \"*\" has been replaced. Use \"any\" instead."
        );
        assert_eq!(
            err("role:all"),
            "Roles using the \"role:\" prefix have been removed. Use \"users\", \"guests\", or \"any\" instead."
        );
        assert_eq!(err("foo"), format!("Role \"foo\" is not allowed. {any_of}"));
        assert_eq!(
            err("admins:x"),
            format!("Role \"admins:x\" is not allowed. {any_of}")
        );
        assert_eq!(
            err("anyone"),
            format!("Role \"anyone\" is not allowed. {any_of}")
        );
        assert_eq!(err(""), format!("Role \"\" is not allowed. {any_of}"));
        assert_eq!(err("any:x"), "Role \"any\" can not have an ID value.");
        assert_eq!(err("guests:x"), "Role \"guests\" can not have an ID value.");
        assert_eq!(err("users:x"), "Role \"users\" can not have an ID value.");
        assert_eq!(err("user"), "Role \"user\" must have an ID value.");
        assert_eq!(err("user:"), "Role \"user\" must have an ID value.");
        assert_eq!(err("team/owner"), "Role \"team\" must have an ID value.");
        assert_eq!(err("member"), "Role \"member\" must have an ID value.");
        assert_eq!(err("label"), "Role \"label\" must have an ID value.");
        assert_eq!(
            err("user:_abc"),
            "Role \"user\" identifier value is invalid: Parameter must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, period, hyphen, and underscore. Can't start with a special char"
        );
        assert!(
            err(&format!("team:{}", "a".repeat(37)))
                .starts_with("Role \"team\" identifier value is invalid:")
        );
        assert!(err("user:a:b").starts_with("Role \"user\" identifier value is invalid:"));
        assert_eq!(
            err("label:vip-1"),
            "Role \"label\" identifier value is invalid: Value must be a valid string between 1 and 36 chars containing only alphanumeric chars"
        );
        assert_eq!(
            err("any/verified"),
            "Role \"any\" can not have a dimension value."
        );
        assert_eq!(
            err("member:m1/owner"),
            "Role \"member\" can not have a dimension value."
        );
        assert_eq!(
            err("label:vip/x"),
            "Role \"label\" can not have a dimension value."
        );
        assert_eq!(
            err("users/admin"),
            "Role \"users\" dimension value is invalid. Must be one of: verified, unverified."
        );
        assert_eq!(
            err("user:abc/Verified"),
            "Role \"user\" dimension value is invalid. Must be one of: verified, unverified."
        );
        assert_eq!(
            err("team:t1/-owner"),
            "Role \"team\" dimension value is invalid: Parameter must contain at most 81 chars. Valid chars are a-z, A-Z, 0-9, period, hyphen, and underscore. Can't start with a special char"
        );
        assert_eq!(err("users/"), "Dimension must not be empty");
        assert_eq!(err("team:t1/"), "Dimension must not be empty");
        assert_eq!(err("team:t1/a/b"), "Only one dimension can be provided");
        assert_eq!(err("users/a/b"), "Only one dimension can be provided");
        assert_eq!(
            err("users/verified:x"),
            "Only one dimension can be provided"
        );
    }

    #[test]
    fn team_roles_may_be_long_keys() {
        let long = "r".repeat(81);
        assert_eq!(
            ok(&format!("team:t1/{long}")),
            Role::Team {
                id: "t1".into(),
                role: Some(long)
            }
        );
        assert_eq!(
            ok("team:t1/project-abc-developer"),
            Role::Team {
                id: "t1".into(),
                role: Some("project-abc-developer".into())
            }
        );
        assert!(Role::parse(&format!("team:t1/{}", "r".repeat(82))).is_err());
    }

    #[test]
    fn list_limit() {
        let list = vec!["any".to_owned(); 100];
        assert_eq!(parse_list(&list).unwrap().len(), 100);
        let list = vec!["any".to_owned(); 101];
        assert_eq!(
            parse_list(&list).unwrap_err().to_string(),
            "You can only provide up to 100 roles."
        );
        let list = vec!["any".to_owned(), "nobody".to_owned()];
        assert!(parse_list(&list).is_err());
    }

    #[test]
    fn serde_as_string() {
        let role = Role::Team {
            id: "t1".into(),
            role: Some("owner".into()),
        };
        assert_eq!(serde_json::to_string(&role).unwrap(), "\"team:t1/owner\"");
        let back: Role = serde_json::from_str("\"team:t1/owner\"").unwrap();
        assert_eq!(back, role);
        assert!(serde_json::from_str::<Role>("\"team:\"").is_err());
        let parsed: Role = "users/verified".parse().unwrap();
        assert_eq!(
            parsed,
            Role::Users {
                dimension: Some(UserDimension::Verified)
            }
        );
    }

    pub(crate) fn arb_role() -> impl Strategy<Value = Role> {
        let id = "[A-Za-z1-9][A-Za-z0-9._-]{0,35}";
        let dimension = prop::option::of(prop_oneof![
            Just(UserDimension::Verified),
            Just(UserDimension::Unverified)
        ]);
        prop_oneof![
            Just(Role::Any),
            Just(Role::Guests),
            dimension
                .clone()
                .prop_map(|dimension| Role::Users { dimension }),
            (id, dimension).prop_map(|(id, dimension)| Role::User { id, dimension }),
            (id, prop::option::of("[A-Za-z1-9][A-Za-z0-9._-]{0,80}"))
                .prop_map(|(id, role)| Role::Team { id, role }),
            id.prop_map(|id| Role::Member { id }),
            "[A-Za-z1-9][A-Za-z0-9]{0,35}".prop_map(|name| Role::Label { name }),
        ]
    }

    proptest! {
        #[test]
        fn round_trips(role in arb_role()) {
            prop_assert_eq!(Role::parse(&role.to_string()), Ok(role));
        }

        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = Role::parse(&s);
        }

        #[test]
        fn never_panics_on_role_like_input(s in "[a-z0-9:/*_.-]{0,24}") {
            if let Ok(role) = Role::parse(&s) {
                // Whatever parses prints to something that parses back to the same role.
                prop_assert_eq!(Role::parse(&role.to_string()), Ok(role));
            }
        }
    }
}
