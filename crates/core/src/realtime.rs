//! Realtime (PROTOCOL.md §8): which events reach which connections. The [`Hub`] keeps every
//! open connection's roles and subscriptions, takes events from the bus and hands each
//! connection the events it may see, already serialized. Transport (the WebSocket) lives in
//! the HTTP crate; every decision about who sees what lives here.
//!
//! A connection sees an event when (1) the event names one of its subscribed channels, (2)
//! its roles intersect the roles that may read the resource, and (3) the subscription's
//! queries match the payload. Each connection has a bounded queue; a connection that falls
//! behind is dropped rather than slowing the bus or the other connections.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use oxwrite_types::query::{Method, Query};
use serde_json::Value;
use tokio::sync::{broadcast, mpsc};

use crate::ports::Event;

/// Messages queued per connection before it counts as too slow and is dropped.
pub const QUEUE: usize = 256;
/// Subscriptions one connection may hold, and channels one subscription may name.
pub const MAX_SUBSCRIPTIONS: usize = 100;
pub const MAX_CHANNELS: usize = 100;

/// One subscription of a connection (message mode), or the URL-mode channels.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    pub id: String,
    pub channels: Vec<String>,
    pub queries: Vec<Query>,
}

/// What the hub sends a connection.
#[derive(Debug, Clone)]
pub enum Outgoing {
    /// A serialized `event` message.
    Text(Arc<str>),
    /// The user's sessions, status or memberships changed: resolve the caller again and
    /// report the new roles (or guest).
    Refresh,
}

/// What the hub knows about a connection.
struct Conn {
    project: String,
    user_id: Option<String>,
    roles: Vec<String>,
    subscriptions: Vec<Subscription>,
    tx: mpsc::Sender<Outgoing>,
}

/// The registry of realtime connections.
#[derive(Default)]
pub struct Hub {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    next: u64,
    conns: HashMap<u64, Conn>,
}

/// A registered connection: its id and the queue the hub fills.
pub struct Registration {
    pub id: u64,
    pub rx: mpsc::Receiver<Outgoing>,
}

impl Hub {
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        let mut guard = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }

    /// Starts a hub fed by `events` (the bus). The task ends when the bus closes.
    pub fn start(mut events: broadcast::Receiver<Event>) -> Arc<Hub> {
        let hub = Arc::new(Hub::default());
        let h = hub.clone();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(event) => h.dispatch(&event),
                    // Missed events cannot be replayed; the connections carry on.
                    Err(broadcast::error::RecvError::Lagged(n)) => tracing::warn!(missed = n, "realtime fell behind the event bus"),
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        hub
    }

    pub fn register(&self, project: &str, user_id: Option<&str>, roles: Vec<String>) -> Registration {
        let (tx, rx) = mpsc::channel(QUEUE);
        let id = self.with(|i| {
            i.next += 1;
            let id = i.next;
            let conn = Conn { project: project.to_owned(), user_id: user_id.map(str::to_owned), roles, subscriptions: Vec::new(), tx };
            i.conns.insert(id, conn);
            id
        });
        Registration { id, rx }
    }

    pub fn remove(&self, id: u64) {
        self.with(|i| i.conns.remove(&id));
    }

    /// Sets who the connection acts as (after `authentication` or a refresh).
    pub fn set_identity(&self, id: u64, user_id: Option<&str>, roles: Vec<String>) {
        self.with(|i| {
            if let Some(c) = i.conns.get_mut(&id) {
                c.user_id = user_id.map(str::to_owned);
                c.roles = roles;
            }
        });
    }

    /// Adds or replaces subscriptions (by id). Fails when the connection would hold more than
    /// [`MAX_SUBSCRIPTIONS`].
    pub fn subscribe(&self, id: u64, subs: Vec<Subscription>) -> Result<(), &'static str> {
        self.with(|i| {
            let Some(c) = i.conns.get_mut(&id) else { return Err("connection closed") };
            for s in subs {
                if let Some(i) = c.subscriptions.iter().position(|o| o.id == s.id) {
                    c.subscriptions[i] = s;
                } else if c.subscriptions.len() >= MAX_SUBSCRIPTIONS {
                    return Err("too many subscriptions");
                } else {
                    c.subscriptions.push(s);
                }
            }
            Ok(())
        })
    }

    pub fn unsubscribe(&self, id: u64, subscription: &str) -> bool {
        self.with(|i| {
            let Some(c) = i.conns.get_mut(&id) else { return false };
            let before = c.subscriptions.len();
            c.subscriptions.retain(|s| s.id != subscription);
            before != c.subscriptions.len()
        })
    }

    /// Open connections (for health and tests).
    pub fn len(&self) -> usize {
        self.with(|i| i.conns.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Delivers `event` to every connection that may see it, then asks the connections
    /// whose roles it changes to refresh them.
    pub fn dispatch(&self, event: &Event) {
        self.deliver(event);
        self.refresh_affected(event);
    }

    fn deliver(&self, event: &Event) {
        let channels = event_channels(event);
        if channels.is_empty() {
            return;
        }
        let readers = readers(event);
        self.with(|i| {
            // The parts every recipient shares are serialized once, for the first recipient:
            // most events have nobody listening and cost no serializing.
            let mut shared: Option<String> = None;
            let mut slow = Vec::new();
            for (id, c) in &i.conns {
                if c.project != event.project || !c.roles.iter().any(|r| readers.contains(r)) {
                    continue;
                }
                let ids: Vec<&str> = c
                    .subscriptions
                    .iter()
                    .filter(|s| s.channels.iter().any(|ch| channels.contains(ch)) && queries_match(&s.queries, &event.payload))
                    .map(|s| s.id.as_str())
                    .collect();
                if ids.is_empty() {
                    continue;
                }
                let data = shared.get_or_insert_with(|| {
                    let mut text = serde_json::json!({
                        "events": event.names,
                        "channels": channels,
                        "timestamp": oxwrite_types::time::format(jiff::Timestamp::now()),
                        "payload": event.payload,
                    })
                    .to_string();
                    // Left open for the recipient's `subscriptions`.
                    text.pop();
                    text
                });
                let subs = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into());
                let text: Arc<str> = format!("{{\"type\":\"event\",\"data\":{data},\"subscriptions\":{subs}}}}}").into();
                if c.tx.try_send(Outgoing::Text(text)).is_err() {
                    slow.push(*id);
                }
            }
            // Dropping a slow connection's sender ends its socket task.
            for id in slow {
                i.conns.remove(&id);
            }
        });
    }
}

impl Hub {
    /// Events that change who a user is (a deleted session, status, labels, verification,
    /// email or phone, deletion, memberships) make that user's connections resolve their
    /// caller again.
    fn refresh_affected(&self, event: &Event) {
        // The variants naming the user or team say what happened (a session id may be `*`:
        // all of a user's sessions).
        let affected = event.names.iter().find_map(|name| {
            let parts: Vec<&str> = name.split('.').collect();
            match parts.as_slice() {
                ["users", u, "sessions", _, "delete"] | ["users", u, "delete"] if *u != "*" => Some((Some(*u), None)),
                ["users", u, "update", "status" | "labels" | "verification" | "email" | "phone"] if *u != "*" => Some((Some(*u), None)),
                ["teams", t, "memberships", m, ..] if *t != "*" && *m != "*" => {
                    Some((event.payload.get("userId").and_then(Value::as_str), None))
                }
                ["teams", t, "delete"] if *t != "*" => Some((None, Some(*t))),
                _ => None,
            }
        });
        let Some((user, team)) = affected else { return };
        let team_role = team.map(|t| format!("team:{t}"));
        self.with(|i| {
            for c in i.conns.values_mut() {
                let hit = c.project == event.project
                    && (user.is_some_and(|u| c.user_id.as_deref() == Some(u)) || team_role.as_ref().is_some_and(|r| c.roles.contains(r)));
                if hit {
                    // Until the connection has resolved its caller again it holds only `any`:
                    // it may miss an event meanwhile, but never sees one it may no longer see.
                    c.roles = vec!["any".to_owned()];
                    let _ = c.tx.try_send(Outgoing::Refresh);
                }
            }
        });
    }
}

/// The roles that may see an event: its readers, or for account and team events the user or
/// team concerned.
fn readers(event: &Event) -> Vec<String> {
    if let Some(r) = &event.readers {
        return r.clone();
    }
    let full = event.names.first().map(String::as_str).unwrap_or_default();
    let parts: Vec<&str> = full.split('.').collect();
    match parts.as_slice() {
        ["users", user, ..] => vec![format!("user:{user}")],
        ["teams", team, ..] => vec![format!("team:{team}")],
        _ => Vec::new(),
    }
}

/// The channels an event is delivered on, each with its action twin (PROTOCOL.md §8).
pub fn event_channels(event: &Event) -> Vec<String> {
    let full = event.names.first().map(String::as_str).unwrap_or_default();
    let parts: Vec<&str> = full.split('.').collect();
    let mut base: Vec<String> = Vec::new();
    let action = match parts.as_slice() {
        ["databases", db, "tables", t, "rows", r, action, ..] => {
            base.push("rows".into());
            base.push(format!("databases.{db}.tables.{t}.rows"));
            base.push(format!("databases.{db}.tables.{t}.rows.{r}"));
            base.push(format!("tablesdb.{db}.tables.{t}.rows"));
            base.push(format!("tablesdb.{db}.tables.{t}.rows.{r}"));
            base.push("documents".into());
            base.push(format!("databases.{db}.collections.{t}.documents"));
            base.push(format!("databases.{db}.collections.{t}.documents.{r}"));
            *action
        }
        ["users", user, rest @ ..] => {
            base.push("account".into());
            base.push(format!("account.{user}"));
            rest.iter().find(|p| matches!(**p, "create" | "update" | "delete")).copied().unwrap_or("update")
        }
        ["teams", team, "memberships", m, action, ..] => {
            base.push("memberships".into());
            base.push(format!("memberships.{m}"));
            let _ = team;
            *action
        }
        ["teams", team, action, ..] => {
            base.push("teams".into());
            base.push(format!("teams.{team}"));
            *action
        }
        ["buckets", b, "files", f, action, ..] => {
            base.push("files".into());
            base.push(format!("buckets.{b}.files"));
            base.push(format!("buckets.{b}.files.{f}"));
            *action
        }
        ["functions", func, "executions", e, action, ..] => {
            base.push("executions".into());
            base.push(format!("executions.{e}"));
            base.push(format!("functions.{func}"));
            *action
        }
        _ => return Vec::new(),
    };
    let mut out = base.clone();
    out.extend(base.into_iter().map(|c| format!("{c}.{action}")));
    out
}

/// A subscribed channel as the hub matches it: `account` means the caller's own account.
pub fn rewrite_channel(channel: &str, user_id: Option<&str>) -> String {
    match (channel, user_id) {
        ("account", Some(u)) => format!("account.{u}"),
        (c, Some(u)) if c.starts_with("account.") && !c.starts_with(&format!("account.{u}")) && is_action(&c["account.".len()..]) => {
            format!("account.{u}.{}", &c["account.".len()..])
        }
        (c, _) => c.to_owned(),
    }
}

fn is_action(s: &str) -> bool {
    matches!(s, "create" | "update" | "upsert" | "delete")
}

/// The query methods realtime subscriptions may use.
pub fn check_queries(queries: &[Query]) -> Result<(), String> {
    for q in queries {
        match q.method {
            Method::And | Method::Or => check_queries(&q.nested)?,
            Method::Equal
            | Method::NotEqual
            | Method::LessThan
            | Method::LessThanEqual
            | Method::GreaterThan
            | Method::GreaterThanEqual
            | Method::Between
            | Method::IsNull
            | Method::IsNotNull
            | Method::StartsWith
            | Method::EndsWith
            | Method::Contains => {}
            other => return Err(format!("Query method not supported in realtime: {}", other.as_str())),
        }
    }
    Ok(())
}

/// Whether `payload` passes every query (an empty list passes everything).
pub fn queries_match(queries: &[Query], payload: &Value) -> bool {
    queries.iter().all(|q| query_matches(q, payload))
}

fn cmp(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn query_matches(q: &Query, payload: &Value) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    let value = q.attribute.as_deref().and_then(|a| payload.get(a)).unwrap_or(&Value::Null);
    let first = q.values.first().unwrap_or(&Value::Null);
    match q.method {
        Method::And => q.nested.iter().all(|n| query_matches(n, payload)),
        Method::Or => q.nested.iter().any(|n| query_matches(n, payload)),
        Method::Equal => q.values.iter().any(|v| cmp(value, v) == Some(Equal)),
        Method::NotEqual => !value.is_null() && q.values.iter().all(|v| cmp(value, v) != Some(Equal)),
        Method::LessThan => cmp(value, first) == Some(Less),
        Method::LessThanEqual => matches!(cmp(value, first), Some(Less | Equal)),
        Method::GreaterThan => cmp(value, first) == Some(Greater),
        Method::GreaterThanEqual => matches!(cmp(value, first), Some(Greater | Equal)),
        Method::Between => {
            let hi = q.values.get(1).unwrap_or(&Value::Null);
            matches!(cmp(value, first), Some(Greater | Equal)) && matches!(cmp(value, hi), Some(Less | Equal))
        }
        Method::IsNull => value.is_null(),
        Method::IsNotNull => !value.is_null(),
        Method::StartsWith => matches!((value, first), (Value::String(v), Value::String(p)) if v.starts_with(p.as_str())),
        Method::EndsWith => matches!((value, first), (Value::String(v), Value::String(p)) if v.ends_with(p.as_str())),
        Method::Contains => match value {
            Value::Array(items) => q.values.iter().any(|v| items.contains(v)),
            Value::String(s) => q.values.iter().any(|v| v.as_str().is_some_and(|p| s.contains(p))),
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row_event(readers: &[&str], payload: Value) -> Event {
        Event {
            project: "p".into(),
            names: oxwrite_types::events::generate(
                "databases.[databaseId].tables.[tableId].rows.[rowId].create",
                &[("databaseId", "db"), ("tableId", "t"), ("rowId", "r")],
            ),
            payload,
            readers: Some(readers.iter().map(|s| (*s).to_owned()).collect()),
            user_id: None,
        }
    }

    fn sub(id: &str, channels: &[&str], queries: Vec<Query>) -> Subscription {
        Subscription { id: id.into(), channels: channels.iter().map(|s| (*s).to_owned()).collect(), queries }
    }

    #[test]
    fn row_channels_in_every_spelling_with_action_twins() {
        let ch = event_channels(&row_event(&[], json!({})));
        for c in ["rows", "rows.create", "databases.db.tables.t.rows", "databases.db.tables.t.rows.r.create", "tablesdb.db.tables.t.rows", "documents", "databases.db.collections.t.documents.r"] {
            assert!(ch.contains(&c.to_owned()), "{c} missing from {ch:?}");
        }
    }

    #[test]
    fn account_channel_is_the_callers_own() {
        assert_eq!(rewrite_channel("account", Some("u1")), "account.u1");
        assert_eq!(rewrite_channel("rows", Some("u1")), "rows");
        let event = Event { project: "p".into(), names: vec!["users.u1.update.email".into()], payload: json!({}), readers: None, user_id: None };
        assert!(event_channels(&event).contains(&"account.u1".to_owned()));
        assert_eq!(readers(&event), ["user:u1"]);
    }

    #[tokio::test]
    async fn delivery_needs_a_channel_a_role_and_matching_queries() {
        let hub = Hub::default();
        let mut alice = hub.register("p", Some("alice"), vec!["any".into(), "user:alice".into()]);
        let mut bob = hub.register("p", Some("bob"), vec!["any".into(), "user:bob".into()]);
        let mut other = hub.register("q", Some("alice"), vec!["any".into(), "user:alice".into()]);
        for r in [&alice, &bob, &other] {
            hub.subscribe(r.id, vec![sub("s1", &["rows"], vec![])]).unwrap();
        }
        let only_big = Query::new(Method::GreaterThan, Some("n".into()), vec![json!(10)]);
        hub.subscribe(alice.id, vec![sub("big", &["databases.db.tables.t.rows"], vec![only_big])]).unwrap();

        hub.dispatch(&row_event(&["user:alice"], json!({"$id": "r", "n": 5})));
        let Some(Outgoing::Text(msg)) = alice.rx.try_recv().ok() else { panic!("alice gets her row") };
        let msg: Value = serde_json::from_str(&msg).unwrap();
        assert_eq!(msg["type"], "event");
        assert_eq!(msg["data"]["payload"]["$id"], "r");
        assert_eq!(msg["data"]["subscriptions"], json!(["s1"]), "the query of `big` does not match n = 5");
        assert!(bob.rx.try_recv().is_err(), "bob may not read the row");
        assert!(other.rx.try_recv().is_err(), "another project's connection sees nothing");

        hub.dispatch(&row_event(&["user:alice"], json!({"$id": "r", "n": 50})));
        let Some(Outgoing::Text(msg)) = alice.rx.try_recv().ok() else { panic!("second event") };
        let msg: Value = serde_json::from_str(&msg).unwrap();
        let mut subs: Vec<String> = serde_json::from_value(msg["data"]["subscriptions"].clone()).unwrap();
        subs.sort();
        assert_eq!(subs, ["big", "s1"]);

        assert!(hub.unsubscribe(alice.id, "s1"));
        assert!(hub.unsubscribe(alice.id, "big"));
        hub.dispatch(&row_event(&["any"], json!({"$id": "r"})));
        assert!(alice.rx.try_recv().is_err(), "no subscriptions, no events");
        assert!(bob.rx.try_recv().is_ok(), "`any` reaches bob");
    }

    #[tokio::test]
    async fn slow_connections_are_dropped() {
        let hub = Hub::default();
        let r = hub.register("p", None, vec!["any".into()]);
        hub.subscribe(r.id, vec![sub("s", &["rows"], vec![])]).unwrap();
        for _ in 0..=QUEUE {
            hub.dispatch(&row_event(&["any"], json!({})));
        }
        assert_eq!(hub.len(), 0, "a full queue drops the connection");
        drop(r);
    }

    #[tokio::test]
    async fn identity_changes_ask_the_users_connections_to_refresh() {
        let hub = Hub::default();
        let mut alice = hub.register("p", Some("alice"), vec!["any".into(), "user:alice".into(), "team:t".into()]);
        let mut bob = hub.register("p", Some("bob"), vec!["any".into(), "user:bob".into()]);
        let event = |name: &str, payload: Value| Event { project: "p".into(), names: vec![name.into()], payload, readers: None, user_id: None };
        hub.dispatch(&event("users.alice.sessions.s1.delete", json!({})));
        assert!(matches!(alice.rx.try_recv(), Ok(Outgoing::Refresh)));
        assert!(bob.rx.try_recv().is_err());
        assert_eq!(hub.with(|i| i.conns[&alice.id].roles.clone()), ["any"], "only `any` until refreshed");
        // The socket task resolves the caller again.
        hub.set_identity(alice.id, Some("alice"), vec!["any".into(), "user:alice".into(), "team:t".into()]);
        hub.dispatch(&event("teams.t.memberships.m.create", json!({"userId": "bob"})));
        assert!(matches!(bob.rx.try_recv(), Ok(Outgoing::Refresh)));
        hub.dispatch(&event("teams.t.delete", json!({})));
        assert!(matches!(alice.rx.try_recv(), Ok(Outgoing::Refresh)));
        assert!(bob.rx.try_recv().is_err(), "bob's roles do not name team t");
    }

    #[test]
    fn realtime_queries() {
        let p = json!({"n": 5, "s": "hello", "tags": ["a"], "x": null});
        let q = |m, a: &str, v: Vec<Value>| Query::new(m, Some(a.into()), v);
        assert!(queries_match(&[q(Method::Equal, "n", vec![json!(4), json!(5)])], &p));
        assert!(queries_match(&[q(Method::Between, "n", vec![json!(1), json!(5)])], &p));
        assert!(queries_match(&[q(Method::StartsWith, "s", vec![json!("he")])], &p));
        assert!(queries_match(&[q(Method::Contains, "tags", vec![json!("a")])], &p));
        assert!(queries_match(&[q(Method::IsNull, "x", vec![])], &p));
        assert!(!queries_match(&[q(Method::NotEqual, "n", vec![json!(5)])], &p));
        assert!(check_queries(&[q(Method::Search, "s", vec![json!("x")])]).is_err());
    }
}
