//! Row permissions exactly as PROTOCOL.md §4: a caller may act on a row if the table grants
//! the action to one of its roles, or — with row security on — the row does. Keys may do
//! anything. Pure functions, so every rule is unit-tested here.

use oxwrite_types::permission::{self, Action, ITEM_ACTIONS, Permission};
use oxwrite_types::ErrorType;

use crate::caller::Caller;
use crate::records::TableRecord;
use crate::{Error, Result};

/// Whether `permissions` grant `action` to one of `roles`.
pub fn grants(permissions: &[String], action: Action, roles: &[String]) -> bool {
    permissions.iter().any(|p| match Permission::parse(p) {
        Ok(perm) => perm.action == action && roles.iter().any(|r| *r == perm.role.to_string()),
        Err(_) => false,
    })
}

/// Roles that may read an item: its container's readers and, with item security on, the
/// item's own (a row in a table, a file in a bucket).
pub fn readers(container: &[String], item: &[String], item_security: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let item: &[String] = if item_security { item } else { &[] };
    for p in container.iter().chain(item) {
        if let Ok(perm) = Permission::parse(p)
            && perm.action == Action::Read
        {
            let role = perm.role.to_string();
            if !out.contains(&role) {
                out.push(role);
            }
        }
    }
    out
}

/// Parses the permissions of a container (table, bucket): every action allowed, `write`
/// expanded.
pub fn container_permissions(requested: &[String]) -> Result<Vec<String>> {
    let parsed = permission::parse_list(requested).map_err(|e| Error::invalid_param("permissions", &e.to_string()))?;
    let allowed = [Action::Create, Action::Read, Action::Update, Action::Delete];
    Ok(permission::expand_write(&parsed, &allowed).iter().map(ToString::to_string).collect())
}

/// Whether the caller may do `action` on every row of the table (table permission or key).
pub fn table_allows(table: &TableRecord, caller: &Caller, action: Action) -> bool {
    caller.is_key() || grants(&table.permissions, action, &caller.roles)
}

/// Whether the caller may do `action` on a row with `row_permissions`.
pub fn row_allows(table: &TableRecord, row_permissions: &[String], caller: &Caller, action: Action) -> bool {
    table_allows(table, caller, action) || (table.row_security && grants(row_permissions, action, &caller.roles))
}

/// How a list must be filtered for the caller: `Ok(None)` = every row, `Ok(Some(roles))` = rows
/// granting `read` to one of the roles. Without table read and without row security the
/// caller may read nothing: `401 user_unauthorized`, as Appwrite answers.
pub fn read_filter(table: &TableRecord, caller: &Caller) -> Result<Option<Vec<String>>> {
    if table_allows(table, caller, Action::Read) {
        Ok(None)
    } else if table.row_security {
        Ok(Some(caller.roles.clone()))
    } else {
        Err(ErrorType::UserUnauthorized.into())
    }
}

/// Parses, checks and normalizes the `permissions` a caller asks a row to have.
///
/// - `None` (omitted): a user gets `read`, `update`, `delete` for themselves; others get none.
/// - Only `read`, `update`, `delete` and `write` (expanded to update + delete) are allowed.
/// - A caller that is not a key may grant only roles it holds (exact role strings).
pub fn row_permissions(caller: &Caller, requested: Option<&[String]>) -> Result<Vec<String>> {
    let Some(requested) = requested else {
        return Ok(match (&caller.user, caller.is_key()) {
            (Some(u), false) => ["read", "update", "delete"].iter().map(|a| format!("{a}(\"user:{}\")", u.id)).collect(),
            _ => Vec::new(),
        });
    };
    let parsed = permission::parse_list_for(requested, ITEM_ACTIONS)
        .map_err(|e| Error::invalid_param("permissions", &e.to_string()))?;
    let expanded = permission::expand_write(&parsed, ITEM_ACTIONS);
    if !caller.is_key() {
        for perm in &expanded {
            let role = perm.role.to_string();
            if !caller.roles.contains(&role) {
                let held = caller.roles.join(", ");
                return Err(Error::msg(
                    ErrorType::UserUnauthorized,
                    format!("Permissions must be one of: ({held})"),
                ));
            }
        }
    }
    Ok(expanded.iter().map(ToString::to_string).collect())
}

/// The `(action, role)` entries a row's permissions put into the side table.
pub fn entries(permissions: &[String]) -> Vec<(String, String)> {
    permissions
        .iter()
        .filter_map(|p| Permission::parse(p).ok())
        .map(|p| (p.action.as_str().to_owned(), p.role.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{ProjectRecord, UserRecord};

    fn table(perms: &[&str], row_security: bool) -> TableRecord {
        TableRecord {
            project_id: "p".into(),
            database_id: "d".into(),
            id: "t".into(),
            seq: 1,
            name: "t".into(),
            enabled: true,
            row_security,
            permissions: perms.iter().map(|s| (*s).to_owned()).collect(),
            columns: vec![],
            indexes: vec![],
            created_at: 0,
            updated_at: 0,
        }
    }

    fn project() -> ProjectRecord {
        ProjectRecord { id: "p".into(), name: "p".into(), created_at: 0, updated_at: 0 }
    }

    fn user(id: &str) -> Caller {
        let mut c = Caller::guest(project());
        c.kind = crate::caller::CallerKind::User;
        c.user = Some(UserRecord { project_id: "p".into(), id: id.into(), ..Default::default() });
        c.roles = vec!["any".into(), "users".into(), format!("user:{id}"), "users/unverified".into(), format!("user:{id}/unverified")];
        c
    }

    #[test]
    fn table_permission_or_row_permission_with_row_security() {
        let alice = user("alice");
        let row = vec![r#"read("user:alice")"#.to_owned()];
        assert!(!row_allows(&table(&[], false), &row, &alice, Action::Read), "row permissions ignored without row security");
        assert!(row_allows(&table(&[], true), &row, &alice, Action::Read));
        assert!(!row_allows(&table(&[], true), &row, &user("bob"), Action::Read));
        assert!(row_allows(&table(&[r#"read("users")"#], false), &[], &user("bob"), Action::Read));
        assert!(!row_allows(&table(&[r#"read("users")"#], false), &[], &user("bob"), Action::Update));
        assert!(row_allows(&table(&[], false), &[], &Caller::key(project(), &[]), Action::Delete));
    }

    #[test]
    fn list_filter_follows_table_and_row_security() {
        let alice = user("alice");
        assert_eq!(read_filter(&table(&[r#"read("any")"#], true), &alice).unwrap(), None);
        assert_eq!(read_filter(&table(&[], true), &alice).unwrap().unwrap(), alice.roles);
        assert_eq!(read_filter(&table(&[], false), &alice).unwrap_err().kind, ErrorType::UserUnauthorized);
        assert_eq!(read_filter(&table(&[], false), &Caller::key(project(), &[])).unwrap(), None);
    }

    #[test]
    fn defaults_expansion_and_granting_only_held_roles() {
        let alice = user("alice");
        assert_eq!(
            row_permissions(&alice, None).unwrap(),
            [r#"read("user:alice")"#, r#"update("user:alice")"#, r#"delete("user:alice")"#]
        );
        assert!(row_permissions(&Caller::key(project(), &[]), None).unwrap().is_empty());
        let write = vec![r#"write("user:alice")"#.to_owned()];
        assert_eq!(row_permissions(&alice, Some(&write)).unwrap(), [r#"update("user:alice")"#, r#"delete("user:alice")"#]);
        let foreign = vec![r#"read("user:bob")"#.to_owned()];
        let err = row_permissions(&alice, Some(&foreign)).unwrap_err();
        assert_eq!(err.kind, ErrorType::UserUnauthorized);
        assert!(err.message().starts_with("Permissions must be one of: (any, users, user:alice"));
        assert!(row_permissions(&Caller::key(project(), &[]), Some(&foreign)).is_ok());
        let create = vec![r#"create("users")"#.to_owned()];
        assert_eq!(row_permissions(&alice, Some(&create)).unwrap_err().kind, ErrorType::GeneralArgumentInvalid);
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        const ROLES: &[&str] = &["any", "users", "guests", "user:alice", "user:bob", "team:t", "team:t/owner", "label:vip"];
        const ACTIONS: &[&str] = &["read", "update", "delete", "create"];

        fn perms() -> impl Strategy<Value = Vec<String>> {
            prop::collection::vec((0..ACTIONS.len(), 0..ROLES.len()), 0..6)
                .prop_map(|v| v.into_iter().map(|(a, r)| format!("{}(\"{}\")", ACTIONS[a], ROLES[r])).collect())
        }

        fn caller() -> impl Strategy<Value = Caller> {
            (prop::collection::vec(0..ROLES.len(), 0..4), any::<bool>()).prop_map(|(idx, is_key)| {
                if is_key {
                    return Caller::key(project(), &[]);
                }
                let mut c = user("alice");
                c.roles = std::iter::once("any".to_owned()).chain(idx.into_iter().map(|i| ROLES[i].to_owned())).collect();
                c
            })
        }

        proptest! {
            /// What a list shows (the side-table filter over `entries`) is exactly what a get
            /// allows: no row leaks into a list, none is hidden from it.
            #[test]
            fn list_filter_agrees_with_get(table_perms in perms(), row_perms in perms(), row_security in any::<bool>(), c in caller()) {
                let mut t = table(&[], row_security);
                t.permissions = table_perms;
                let get = row_allows(&t, &row_perms, &c, Action::Read);
                match read_filter(&t, &c) {
                    Ok(None) => prop_assert!(get),
                    Ok(Some(roles)) => {
                        let listed = entries(&row_perms).iter().any(|(a, r)| a == "read" && roles.contains(r));
                        prop_assert_eq!(listed, get);
                    }
                    Err(_) => prop_assert!(!get),
                }
            }
        }
    }

    #[test]
    fn side_table_entries() {
        let perms = vec![r#"read("any")"#.to_owned(), r#"update("team:t/owner")"#.to_owned()];
        assert_eq!(entries(&perms), [("read".to_owned(), "any".to_owned()), ("update".to_owned(), "team:t/owner".to_owned())]);
    }
}
