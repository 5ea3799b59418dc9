//! One module per Appwrite service. Functions carry the spec's operation names, take the
//! [`crate::Caller`] and typed input, and return wire models or [`crate::Error`].

pub mod account;
pub mod functions;
pub mod health;
pub mod lists;
pub mod project;
pub mod projects;
pub mod sessions;
pub mod storage;
pub mod teams;
pub mod tokens;
pub mod tablesdb;
pub mod users;
pub mod webhooks;

use crate::app::App;
use crate::caller::Caller;

/// Whether `id` cannot name anything (empty, or past Appwrite's id length): lookups answer
/// not found without asking the store.
pub(crate) fn bad_id(id: &str) -> bool {
    id.is_empty() || id.len() > oxwrite_types::id::MAX_ID_LEN
}

/// Publishes an event after its commit under every spelling and wildcard (PROTOCOL.md §9).
/// The payload is only built when someone listens.
pub(crate) fn publish(
    app: &App,
    caller: &Caller,
    patterns: &[&str],
    params: &[(&str, &str)],
    payload: impl FnOnce() -> serde_json::Value,
    readers: impl FnOnce() -> Option<Vec<String>>,
) {
    if !app.bus.listening() {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    let mut names: Vec<String> = Vec::new();
    for pattern in patterns {
        for name in oxwrite_types::events::generate(pattern, params) {
            if seen.insert(name.clone()) {
                names.push(name);
            }
        }
    }
    app.bus.publish(crate::ports::Event {
        project: caller.project.id.clone(),
        names,
        payload: payload(),
        readers: readers(),
        user_id: caller.user_id().map(str::to_owned),
    });
}
