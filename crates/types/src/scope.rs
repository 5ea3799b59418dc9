//! API scopes: the project-key scopes Appwrite knows and the scopes its built-in roles hold
//! (PROTOCOL.md §3). Which route needs which scope is in the route table, not here.

/// Every scope a project API key may be given (`app/config/scopes/project.php`), deprecated
/// ones included because older SDKs and keys still use them.
pub const PROJECT_KEY_SCOPES: &[&str] = &[
    "project.read", "project.write", "keys.read", "keys.write", "platforms.read",
    "platforms.write", "mocks.read", "mocks.write", "policies.read", "policies.write",
    "project.policies.read", "project.policies.write", "templates.read", "templates.write",
    "oauth2.read", "oauth2.write", "users.read", "users.write", "sessions.read",
    "sessions.write", "teams.read", "teams.write", "databases.read", "databases.write",
    "tables.read", "tables.write", "columns.read", "columns.write", "indexes.read",
    "indexes.write", "rows.read", "rows.write", "collections.read", "collections.write",
    "attributes.read", "attributes.write", "documents.read", "documents.write", "buckets.read",
    "buckets.write", "files.read", "files.write", "tokens.read", "tokens.write",
    "functions.read", "functions.write", "executions.read", "executions.write",
    "execution.read", "execution.write", "sites.read", "sites.write", "log.read", "log.write",
    "providers.read", "providers.write", "topics.read", "topics.write", "subscribers.read",
    "subscribers.write", "targets.read", "targets.write", "messages.read", "messages.write",
    "rules.read", "rules.write", "webhooks.read", "webhooks.write", "locale.read",
    "avatars.read", "health.read", "assistant.read", "migrations.read", "migrations.write",
    "schedules.read", "schedules.write", "vcs.read", "vcs.write", "insights.read",
    "insights.write", "reports.read", "reports.write", "presences.read", "presences.write",
];

/// Scopes of the `guests` role (`app/config/roles.php`).
pub const GUESTS: &[&str] = &[
    "global", "public", "home", "console", "graphql", "sessions.write", "documents.read",
    "documents.write", "rows.read", "rows.write", "files.read", "files.write", "locale.read",
    "avatars.read", "executions.write",
];

/// Scopes of the `users` role (`app/config/roles.php`).
pub const USERS: &[&str] = &[
    "global", "public", "home", "console", "graphql", "sessions.write", "account",
    "teams.read", "teams.write", "presences.read", "presences.write", "documents.read",
    "documents.write", "rows.read", "rows.write", "files.read", "files.write", "projects.read",
    "locale.read", "avatars.read", "executions.read", "executions.write", "targets.read",
    "targets.write", "subscribers.write", "subscribers.read", "assistant.read", "rules.read",
];

/// Scopes every key holds on top of its own.
pub const KEYS_BASE: &[&str] = &["global", "health.read", "graphql"];

/// Every project-key scope as owned strings: what `--scopes all` grants.
pub fn all_project_key_scopes() -> Vec<String> {
    PROJECT_KEY_SCOPES.iter().map(|s| (*s).to_owned()).collect()
}

/// Whether `scope` is a scope a project key may be given.
pub fn is_project_key_scope(scope: &str) -> bool {
    PROJECT_KEY_SCOPES.contains(&scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_no_duplicates() {
        for table in [PROJECT_KEY_SCOPES, GUESTS, USERS, KEYS_BASE] {
            let mut v: Vec<&str> = table.to_vec();
            v.sort_unstable();
            let n = v.len();
            v.dedup();
            assert_eq!(n, v.len());
        }
    }

    #[test]
    fn guests_cannot_use_account() {
        assert!(!GUESTS.contains(&"account"));
        assert!(USERS.contains(&"account"));
        assert!(is_project_key_scope("users.read"));
        assert!(!is_project_key_scope("account"));
    }
}
