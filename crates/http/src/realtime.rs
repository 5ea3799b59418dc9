//! `GET /v1/realtime`: the WebSocket endpoint (PROTOCOL.md §8). This module only speaks the
//! protocol: it resolves the connection's caller (sessions only; keys are never consulted),
//! registers it with core's [`Hub`], turns `subscribe` / `unsubscribe` / `authentication` /
//! `ping` messages into hub calls, and forwards what the hub queues. Who may see which event
//! is decided in `oxwrite_core::realtime`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query as QueryString, State};
use axum::http::HeaderMap;
use axum::response::Response;
use oxwrite_core::auth::{self, Credentials};
use oxwrite_core::realtime::{self, Hub, MAX_CHANNELS, Outgoing, Subscription};
use oxwrite_core::{App, Caller};
use oxwrite_types::query;
use serde_json::{Value, json};

use crate::dispatch::credentials;

/// Messages a connection may send per minute (Appwrite: 32; beyond, error 1013).
const MESSAGES_PER_MINUTE: u32 = 32;
/// Largest message a client may send.
const MAX_MESSAGE: usize = 64 * 1024;
/// Bytes read from a socket at a time.
const READ_BUFFER: usize = 1024;
/// Unsent bytes one connection may hold before writes fail (a client that stopped reading).
const MAX_WRITE_BUFFER: usize = 1024 * 1024;

pub struct Realtime {
    pub app: Arc<App>,
    pub hub: Arc<Hub>,
    /// The server's own host names (always allowed origins).
    pub hostnames: Vec<String>,
    pub trust_forwarded_for: bool,
}

/// Connections one client address may open per minute (Appwrite's realtime abuse limit).
const CONNECTS_PER_MINUTE: u64 = 128;

/// Why a connection is refused once upgraded (the web SDK reads the error, then the close).
enum Refusal {
    Policy(&'static str),
    TooMany,
}

fn text(v: Value) -> Message {
    Message::Text(v.to_string().into())
}

fn error(code: u16, message: &str) -> Message {
    text(json!({"type": "error", "data": {"code": code, "message": message}}))
}

fn account(caller: &Caller) -> Value {
    caller.user.as_ref().map_or(Value::Null, |u| serde_json::to_value(oxwrite_core::views::user(u, false)).unwrap_or(Value::Null))
}

/// The upgrade: resolve the project and the caller first, then hand the socket over.
pub async fn upgrade(
    State(rt): State<Arc<Realtime>>,
    ws: WebSocketUpgrade,
    headers: HeaderMap,
    QueryString(pairs): QueryString<Vec<(String, String)>>,
    raw: axum::extract::RawQuery,
    connect: axum::extract::ConnectInfo<std::net::SocketAddr>,
) -> Response {
    let param = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let Ok(project) = auth::project(&rt.app, param("project").as_deref()).await else {
        return ws.on_upgrade(|socket| close(socket, Refusal::Policy("Missing or unknown project ID")));
    };
    if let Some(refusal) = refuse(&rt, &project.id, &headers, connect.0).await {
        return ws.on_upgrade(move |socket| close(socket, refusal));
    }
    let channels: Vec<String> = pairs.iter().filter(|(k, _)| k == "channels[]" || k.starts_with("channels[")).map(|(_, v)| v.clone()).collect();
    let mut creds: Credentials = credentials(&headers, &project.id, raw.0.as_deref());
    // Realtime never consults keys: a key-only connection is a guest.
    creds.key = None;
    creds.impersonate = None;
    // The web SDK puts a JWT in the URL (browsers cannot set WebSocket headers).
    if creds.jwt.is_none() && creds.session.is_none() {
        creds.jwt = param("jwt").filter(|j| !j.is_empty());
    }
    let caller = auth::resolve(&rt.app, project.clone(), &creds).await.unwrap_or_else(|_| Caller::guest(project));
    // Small buffers: realtime holds many idle connections with little traffic each
    // (tungstenite's default read buffer alone is 128 KiB per connection).
    ws.max_message_size(MAX_MESSAGE)
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .on_upgrade(move |socket| Box::pin(run(rt, socket, caller, creds, channels)))
}

/// A browser must come from an allowed origin, and one address may open only so many
/// connections a minute.
async fn refuse(rt: &Realtime, project: &str, headers: &HeaderMap, peer: std::net::SocketAddr) -> Option<Refusal> {
    if let Some(origin) = headers.get("origin").and_then(|v| v.to_str().ok()) {
        let allowed = match crate::cors::origin_host(origin) {
            Some(host) => oxwrite_core::services::project::origin_allowed(&rt.app, project, &host, &rt.hostnames).await.unwrap_or(false),
            None => false,
        };
        if !allowed {
            return Some(Refusal::Policy("Invalid Origin. Register your new client as a new Web platform on your project console dashboard"));
        }
    }
    if rt.app.config.rate_limits {
        let ip = crate::dispatch::client_ip_of(headers, peer, rt.trust_forwarded_for);
        let now = oxwrite_core::app::now_ms() / 1000;
        let count = rt.app.limiter.hit(&format!("realtime:{project}:{ip}"), now - now % 60, 60).await;
        if count > CONNECTS_PER_MINUTE {
            return Some(Refusal::TooMany);
        }
    }
    None
}

async fn close(mut socket: WebSocket, refusal: Refusal) {
    // A policy violation (1008) tells the web SDK not to reconnect.
    let (code, message) = match refusal {
        Refusal::Policy(m) => (1008, m),
        Refusal::TooMany => (1013, "Too many requests"),
    };
    let _ = socket.send(error(code, message)).await;
    let _ = socket.send(Message::Close(Some(CloseFrame { code, reason: message.into() }))).await;
}

async fn run(rt: Arc<Realtime>, mut socket: WebSocket, mut caller: Caller, mut creds: Credentials, url_channels: Vec<String>) {
    let mut reg = rt.hub.register(&caller.project.id, caller.user_id(), caller.roles.clone());
    let mut subscriptions = Vec::new();
    let channels: Vec<String> = url_channels.iter().take(MAX_CHANNELS).map(|c| realtime::rewrite_channel(c, caller.user_id())).collect();
    if !channels.is_empty() {
        let id = oxwrite_core::secrets::unique_id();
        let _ = rt.hub.subscribe(reg.id, vec![Subscription { id: id.clone(), channels: channels.clone(), queries: Vec::new() }]);
        subscriptions.push(id);
    }
    let connected = json!({"type": "connected", "data": {"channels": channels, "subscriptions": subscriptions, "user": account(&caller)}});
    if socket.send(text(connected)).await.is_err() {
        rt.hub.remove(reg.id);
        return;
    }
    let (mut window, mut count) = (Instant::now(), 0u32);
    loop {
        tokio::select! {
            out = reg.rx.recv() => match out {
                Some(Outgoing::Text(t)) => {
                    if socket.send(Message::Text(t.as_ref().into())).await.is_err() {
                        break;
                    }
                }
                Some(Outgoing::Refresh) => {
                    // Sessions, status or memberships changed: act as whoever the credentials
                    // are now (a guest if the session is gone or the user blocked).
                    caller = Box::pin(auth::resolve(&rt.app, caller.project.clone(), &creds))
                        .await
                        .unwrap_or_else(|_| Caller::guest(caller.project.clone()));
                    rt.hub.set_identity(reg.id, caller.user_id(), caller.roles.clone());
                }
                // The hub dropped us (too slow).
                None => {
                    let _ = socket.send(Message::Close(Some(CloseFrame { code: 1013, reason: "Too slow to keep up".into() }))).await;
                    break;
                }
            },
            msg = socket.recv() => {
                let Some(Ok(msg)) = msg else { break };
                let body = match msg {
                    Message::Text(t) => t.to_string(),
                    Message::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
                    Message::Close(_) => break,
                    Message::Ping(_) | Message::Pong(_) => continue,
                };
                if window.elapsed() > Duration::from_secs(60) {
                    (window, count) = (Instant::now(), 0);
                }
                count += 1;
                if count > MESSAGES_PER_MINUTE {
                    let _ = socket.send(error(1013, "Too many messages.")).await;
                    continue;
                }
                // Boxed: the state of an answer lives only while it runs, not in every idle
                // connection's task.
                let reply = Box::pin(handle(&rt, reg.id, &mut caller, &mut creds, &body)).await;
                if socket.send(reply).await.is_err() {
                    break;
                }
            }
        }
    }
    rt.hub.remove(reg.id);
}

/// Answers one client message.
async fn handle(rt: &Realtime, id: u64, caller: &mut Caller, creds: &mut Credentials, body: &str) -> Message {
    let Ok(msg) = serde_json::from_str::<Value>(body) else {
        return error(1003, "Message format is not valid.");
    };
    let data = msg.get("data").cloned().unwrap_or(Value::Null);
    match msg.get("type").and_then(Value::as_str) {
        Some("ping") => text(json!({"type": "pong"})),
        Some("authentication") => {
            let Some(session) = data.get("session").and_then(Value::as_str) else {
                return error(1003, "Payload is not valid.");
            };
            let offered = Credentials { session: Some(session.to_owned()), jwt: None, key: None, impersonate: None };
            match auth::resolve(&rt.app, caller.project.clone(), &offered).await {
                Ok(c) if c.user.is_some() => {
                    *caller = c;
                    *creds = offered;
                    rt.hub.set_identity(id, caller.user_id(), caller.roles.clone());
                    text(json!({"type": "response", "data": {"to": "authentication", "success": true, "user": account(caller)}}))
                }
                _ => error(1003, "Session is not valid."),
            }
        }
        Some("subscribe") => subscribe(rt, id, caller, &data),
        Some("unsubscribe") => {
            let ids: Vec<String> = match &data {
                Value::Array(items) => items.iter().filter_map(|i| i.get("subscriptionId").and_then(Value::as_str).map(str::to_owned)).collect(),
                other => other.get("subscriptionId").and_then(Value::as_str).map(str::to_owned).into_iter().collect(),
            };
            if ids.is_empty() {
                return error(1003, "Payload is not valid.");
            }
            for s in &ids {
                rt.hub.unsubscribe(id, s);
            }
            text(json!({"type": "response", "data": {"to": "unsubscribe", "success": true, "subscriptions": ids}}))
        }
        _ => error(1003, "Message format is not valid."),
    }
}

fn subscribe(rt: &Realtime, id: u64, caller: &Caller, data: &Value) -> Message {
    let Some(items) = data.as_array() else {
        return error(1003, "Payload is not valid.");
    };
    let mut subs = Vec::new();
    let mut answer = Vec::new();
    for item in items {
        let sub_id = item.get("subscriptionId").and_then(Value::as_str).map(str::to_owned).unwrap_or_else(oxwrite_core::secrets::unique_id);
        let channels: Vec<String> = item
            .get("channels")
            .and_then(Value::as_array)
            .map(|c| c.iter().filter_map(Value::as_str).take(MAX_CHANNELS).map(|c| realtime::rewrite_channel(c, caller.user_id())).collect())
            .unwrap_or_default();
        let raw_queries: Vec<String> = item
            .get("queries")
            .and_then(Value::as_array)
            .map(|q| q.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)).collect())
            .unwrap_or_default();
        let queries = match query::parse_all(&raw_queries).map_err(|e| e.message().to_owned()).and_then(|q| realtime::check_queries(&q).map(|()| q)) {
            Ok(q) => q,
            Err(m) => return error(1003, &m),
        };
        if channels.is_empty() {
            return error(1003, "Missing channels.");
        }
        answer.push(json!({"subscriptionId": sub_id, "channels": channels, "queries": raw_queries}));
        subs.push(Subscription { id: sub_id, channels, queries });
    }
    if let Err(m) = rt.hub.subscribe(id, subs) {
        return error(1008, m);
    }
    text(json!({"type": "response", "data": {"to": "subscribe", "success": true, "subscriptions": answer}}))
}
