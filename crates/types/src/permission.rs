//! Permission strings, `action("role")` (e.g. `read("user:abc")`): parsing and printing with the
//! rules and error texts of utopia-php/database (`Helpers\Permission` and
//! `Validator\Permissions`), the per-resource action whitelist, and the expansion of the `write`
//! alias into `create`/`update`/`delete`. This module must not evaluate permissions against a
//! caller or decide who may grant what; that is authorization, which lives in core.

use std::fmt;
use std::str::FromStr;

use crate::role::{self, Role, RoleError};

/// Most permissions one request may set (`APP_LIMIT_ARRAY_PARAMS_SIZE`).
pub const MAX_PERMISSIONS: usize = 100;

/// Actions a container (table, collection, bucket) accepts, in Appwrite's order: its
/// `Database::PERMISSIONS` plus the `write` alias.
pub const CONTAINER_ACTIONS: &[Action] = &[
    Action::Create,
    Action::Read,
    Action::Update,
    Action::Delete,
    Action::Write,
];

/// Actions an item (row, document, file) accepts: creating is decided by its container only.
pub const ITEM_ACTIONS: &[Action] = &[Action::Read, Action::Update, Action::Delete, Action::Write];

/// What a permission allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Read,
    Create,
    Update,
    Delete,
    /// Alias accepted on input only; [`expand_write`] replaces it before anything is stored.
    Write,
}

impl Action {
    /// Every action, in the order Appwrite lists them.
    pub const ALL: [Action; 5] = [
        Action::Create,
        Action::Read,
        Action::Update,
        Action::Delete,
        Action::Write,
    ];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Write => "write",
        }
    }

    /// Parses the exact (lowercase) wire spelling.
    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|action| action.as_str() == s)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One permission: an action granted to a role.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Permission {
    pub action: Action,
    pub role: Role,
}

/// Why a permission string or list was refused. Each message is the text Appwrite reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PermissionError {
    #[error("Wildcard permission \"*\" has been replaced. Use \"any\" instead.")]
    Wildcard,
    #[error(
        "Permissions using the \"role:\" prefix have been replaced. Use \"users\", \"guests\", or \"any\" instead."
    )]
    LegacyPrefix,
    /// The string does not start with an allowed action; carries the whole string.
    #[error("Permission \"{permission}\" is not allowed. Must be one of: {}.", join(.allowed))]
    NotAllowed {
        permission: String,
        allowed: Vec<Action>,
    },
    /// Not of the form `action("role")`; carries the whole string.
    #[error("Invalid permission string format: \"{0}\".")]
    Format(String),
    /// The text before `("` is not an action name.
    #[error("Invalid permission type: \"{0}\".")]
    Type(String),
    #[error(transparent)]
    Role(#[from] RoleError),
    #[error("You can only provide up to {0} permissions.")]
    TooMany(usize),
}

fn join(actions: &[Action]) -> String {
    actions
        .iter()
        .map(|action| action.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Permission {
    pub fn new(action: Action, role: Role) -> Self {
        Self { action, role }
    }

    /// Parses one permission string, accepting every action (`write` included).
    pub fn parse(s: &str) -> Result<Permission, PermissionError> {
        parse_one(s, &Action::ALL)
    }
}

/// Runs Appwrite's `Permissions` validator steps on one string, in its order.
fn parse_one(s: &str, allowed: &[Action]) -> Result<Permission, PermissionError> {
    if s == "*" {
        return Err(PermissionError::Wildcard);
    }
    if s.contains("role:") {
        return Err(PermissionError::LegacyPrefix);
    }
    // Appwrite checks the allowed actions by prefix before it parses anything.
    if !allowed.iter().any(|action| s.starts_with(action.as_str())) {
        return Err(PermissionError::NotAllowed {
            permission: s.to_owned(),
            allowed: allowed.to_vec(),
        });
    }
    // Appwrite splits on `("` and needs exactly two parts. It is not lenient about whitespace:
    // `read( "any")` fails here and `read ("any")` fails as an unknown type.
    let mut parts = s.split("(\"");
    let (Some(action), Some(rest), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(PermissionError::Format(s.to_owned()));
    };
    let Some(action) = Action::parse(action) else {
        return Err(PermissionError::Type(action.to_owned()));
    };
    // Appwrite merely deletes every `")` from the rest, so it also takes `read("any"`. We ask
    // for the closing `")` at the end; SDKs always send it.
    let Some(role) = rest.strip_suffix("\")") else {
        return Err(PermissionError::Format(s.to_owned()));
    };
    let role = role::parse_body(role)?;
    Ok(Permission { action, role })
}

/// Parses a `permissions` parameter for a container: every action allowed, at most
/// [`MAX_PERMISSIONS`] entries (Appwrite's `new Permissions(APP_LIMIT_ARRAY_PARAMS_SIZE)`).
pub fn parse_list(values: &[String]) -> Result<Vec<Permission>, PermissionError> {
    parse_list_for(values, CONTAINER_ACTIONS)
}

/// Parses a `permissions` parameter accepting only `allowed` actions (pass [`ITEM_ACTIONS`] for
/// rows and files), at most [`MAX_PERMISSIONS`] entries. The first bad entry is reported.
pub fn parse_list_for(
    values: &[String],
    allowed: &[Action],
) -> Result<Vec<Permission>, PermissionError> {
    if values.len() > MAX_PERMISSIONS {
        return Err(PermissionError::TooMany(MAX_PERMISSIONS));
    }
    values
        .iter()
        .map(|value| parse_one(value, allowed))
        .collect()
}

/// Checks already-parsed permissions against a resource's allowed actions, reporting the first
/// offender with Appwrite's message.
pub fn check_allowed(perms: &[Permission], allowed: &[Action]) -> Result<(), PermissionError> {
    match perms.iter().find(|perm| !allowed.contains(&perm.action)) {
        Some(perm) => Err(PermissionError::NotAllowed {
            permission: perm.to_string(),
            allowed: allowed.to_vec(),
        }),
        None => Ok(()),
    }
}

/// Replaces each `write` with `create`, `update`, `delete` (those of them in `allowed`) and drops
/// repeats, keeping the first occurrence, as Appwrite's `Permission::aggregate` does before it
/// stores permissions. Other actions pass through even when not in `allowed`: rejecting them is
/// the validator's job ([`parse_list_for`], [`check_allowed`]).
pub fn expand_write(perms: &[Permission], allowed: &[Action]) -> Vec<Permission> {
    let mut out: Vec<Permission> = Vec::with_capacity(perms.len());
    let mut push = |perm: Permission| {
        // Lists are at most 100 long (300 after expansion), so a linear scan is cheaper than
        // hashing and keeps first-seen order trivially.
        if !out.contains(&perm) {
            out.push(perm);
        }
    };
    for perm in perms {
        if perm.action == Action::Write {
            for action in [Action::Create, Action::Update, Action::Delete] {
                if allowed.contains(&action) {
                    push(Permission::new(action, perm.role.clone()));
                }
            }
        } else {
            push(perm.clone());
        }
    }
    out
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(\"{}\")", self.action, self.role)
    }
}

impl FromStr for Permission {
    type Err = PermissionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Permission::parse(s)
    }
}

impl TryFrom<String> for Permission {
    type Error = PermissionError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Permission::parse(&value)
    }
}

impl From<Permission> for String {
    fn from(perm: Permission) -> Self {
        perm.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::UserDimension;
    use proptest::prelude::*;

    fn ok(s: &str) -> Permission {
        Permission::parse(s).unwrap()
    }

    fn err(s: &str) -> String {
        Permission::parse(s).unwrap_err().to_string()
    }

    fn strings(perms: &[Permission]) -> Vec<String> {
        perms.iter().map(ToString::to_string).collect()
    }

    fn owned(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_sdk_output() {
        // Strings as node-appwrite 27.1.0's Permission helpers print them.
        assert_eq!(
            ok("read(\"any\")"),
            Permission::new(Action::Read, Role::Any)
        );
        assert_eq!(
            ok("write(\"user:abc/verified\")"),
            Permission::new(
                Action::Write,
                Role::User {
                    id: "abc".into(),
                    dimension: Some(UserDimension::Verified)
                }
            )
        );
        assert_eq!(
            ok("update(\"team:t1/owner\")"),
            Permission::new(
                Action::Update,
                Role::Team {
                    id: "t1".into(),
                    role: Some("owner".into())
                }
            )
        );
        assert_eq!(
            ok("delete(\"member:m1\")").role,
            Role::Member { id: "m1".into() }
        );
        assert_eq!(ok("create(\"label:vip\")").action, Action::Create);
        assert_eq!(
            ok("read(\"users/unverified\")").role,
            Role::Users {
                dimension: Some(UserDimension::Unverified)
            }
        );
        assert_eq!(ok("read(\"guests\")").role, Role::Guests);
        for s in [
            "read(\"any\")",
            "write(\"user:abc/verified\")",
            "update(\"team:t1/owner\")",
        ] {
            assert_eq!(ok(s).to_string(), s);
        }
    }

    #[test]
    fn error_messages_match_appwrite() {
        assert_eq!(
            err("*"),
            "Wildcard permission \"*\" has been replaced. Use \"any\" instead."
        );
        assert_eq!(
            err("read(\"role:all\")"),
            "Permissions using the \"role:\" prefix have been replaced. Use \"users\", \"guests\", or \"any\" instead."
        );
        assert_eq!(
            err("execute(\"any\")"),
            "Permission \"execute(\"any\")\" is not allowed. Must be one of: create, read, update, delete, write."
        );
        assert_eq!(
            err(" read(\"any\")"),
            "Permission \" read(\"any\")\" is not allowed. Must be one of: create, read, update, delete, write."
        );
        assert_eq!(err("readx(\"any\")"), "Invalid permission type: \"readx\".");
        assert_eq!(err("read (\"any\")"), "Invalid permission type: \"read \".");
        assert_eq!(err("read"), "Invalid permission string format: \"read\".");
        assert_eq!(
            err("read(any)"),
            "Invalid permission string format: \"read(any)\"."
        );
        assert_eq!(
            err("read( \"any\")"),
            "Invalid permission string format: \"read( \"any\")\"."
        );
        assert_eq!(
            err("read(\"a(\"b\")"),
            "Invalid permission string format: \"read(\"a(\"b\")\"."
        );
        assert_eq!(
            err("read(\"any\""),
            "Invalid permission string format: \"read(\"any\"\"."
        );
        assert_eq!(
            err("read(\"nobody\")"),
            "Role \"nobody\" is not allowed. Must be one of: any, guests, users, user, team, member, label."
        );
        assert_eq!(
            err("read(\"*\")"),
            "Role \"*\" is not allowed. Must be one of: any, guests, users, user, team, member, label."
        );
        assert_eq!(
            err("read(\"user:\")"),
            "Role \"user\" must have an ID value."
        );
        assert_eq!(
            err("read(\"any \")"),
            "Role \"any \" is not allowed. Must be one of: any, guests, users, user, team, member, label."
        );
    }

    #[test]
    fn item_lists_refuse_create() {
        let list = owned(&["read(\"any\")", "create(\"any\")"]);
        assert_eq!(
            parse_list_for(&list, ITEM_ACTIONS).unwrap_err().to_string(),
            "Permission \"create(\"any\")\" is not allowed. Must be one of: read, update, delete, write."
        );
        let list = owned(&["read(\"any\")", "write(\"users\")"]);
        assert_eq!(parse_list_for(&list, ITEM_ACTIONS).unwrap().len(), 2);
        assert_eq!(parse_list(&owned(&["create(\"any\")"])).unwrap().len(), 1);
    }

    #[test]
    fn list_limit() {
        let list = vec!["read(\"any\")".to_owned(); 100];
        assert_eq!(parse_list(&list).unwrap().len(), 100);
        let list = vec!["read(\"any\")".to_owned(); 101];
        assert_eq!(
            parse_list(&list).unwrap_err().to_string(),
            "You can only provide up to 100 permissions."
        );
    }

    #[test]
    fn check_allowed_reports_first_offender() {
        let perms = vec![
            ok("read(\"any\")"),
            ok("create(\"users\")"),
            ok("create(\"guests\")"),
        ];
        assert_eq!(check_allowed(&perms, CONTAINER_ACTIONS), Ok(()));
        assert_eq!(
            check_allowed(&perms, ITEM_ACTIONS).unwrap_err().to_string(),
            "Permission \"create(\"users\")\" is not allowed. Must be one of: read, update, delete, write."
        );
    }

    #[test]
    fn write_expands_per_resource() {
        let perms = vec![ok("write(\"user:x\")")];
        assert_eq!(
            strings(&expand_write(&perms, ITEM_ACTIONS)),
            ["update(\"user:x\")", "delete(\"user:x\")"]
        );
        assert_eq!(
            strings(&expand_write(&perms, CONTAINER_ACTIONS)),
            [
                "create(\"user:x\")",
                "update(\"user:x\")",
                "delete(\"user:x\")"
            ]
        );
    }

    #[test]
    fn expansion_dedups_keeping_first_seen_order() {
        let perms = vec![
            ok("delete(\"any\")"),
            ok("read(\"any\")"),
            ok("write(\"any\")"),
            ok("read(\"any\")"),
            ok("update(\"users\")"),
            ok("write(\"users\")"),
        ];
        assert_eq!(
            strings(&expand_write(&perms, ITEM_ACTIONS)),
            [
                "delete(\"any\")",
                "read(\"any\")",
                "update(\"any\")",
                "update(\"users\")",
                "delete(\"users\")"
            ]
        );
        // Equivalent spellings collapse too, as Appwrite's toString() normalises them.
        let perms = vec![ok("read(\"any\")"), ok("read(\"any:\")")];
        assert_eq!(
            strings(&expand_write(&perms, ITEM_ACTIONS)),
            ["read(\"any\")"]
        );
    }

    #[test]
    fn serde_as_string() {
        let perm = ok("read(\"team:t1/owner\")");
        assert_eq!(
            serde_json::to_string(&perm).unwrap(),
            "\"read(\\\"team:t1/owner\\\")\""
        );
        let back: Permission = serde_json::from_str("\"read(\\\"team:t1/owner\\\")\"").unwrap();
        assert_eq!(back, perm);
        assert!(serde_json::from_str::<Permission>("\"read(any)\"").is_err());
        assert_eq!(
            serde_json::to_string(&Action::Delete).unwrap(),
            "\"delete\""
        );
    }

    fn arb_action() -> impl Strategy<Value = Action> {
        prop::sample::select(Action::ALL.to_vec())
    }

    fn arb_permission() -> impl Strategy<Value = Permission> {
        (arb_action(), crate::role::tests::arb_role())
            .prop_map(|(action, role)| Permission { action, role })
    }

    proptest! {
        #[test]
        fn round_trips(perm in arb_permission()) {
            prop_assert_eq!(Permission::parse(&perm.to_string()), Ok(perm));
        }

        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = Permission::parse(&s);
            let _ = parse_list_for(&[s], ITEM_ACTIONS);
        }

        #[test]
        fn never_panics_on_permission_like_input(s in "(read|write|create)?[(\"]{0,2}[a-z0-9:/*]{0,12}[\")]{0,2}") {
            if let Ok(perm) = Permission::parse(&s) {
                prop_assert_eq!(Permission::parse(&perm.to_string()), Ok(perm));
            }
        }

        #[test]
        fn expansion_has_no_write_and_no_repeats(perms in prop::collection::vec(arb_permission(), 0..20)) {
            let expanded = expand_write(&perms, ITEM_ACTIONS);
            for p in &expanded {
                prop_assert!(p.action != Action::Write);
                // A create can only come from an explicit create, never from a row's write.
                prop_assert!(p.action != Action::Create || perms.contains(p));
            }
            for (i, p) in expanded.iter().enumerate() {
                prop_assert!(!expanded[..i].contains(p));
            }
        }
    }
}
