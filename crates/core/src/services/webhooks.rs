//! Webhooks (`/v1/webhooks`, keys only): CRUD, and the delivery of events. Every event a
//! webhook asks for becomes a row of the durable delivery queue in the store (so nothing is
//! lost across a restart); a worker POSTs due deliveries with Appwrite's headers and
//! signature, retries failures with exponential backoff, and disables a webhook after
//! [`MAX_FAILURES`] failures in a row.

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use oxwrite_types::{ErrorType, query};
use serde_json::{Value, json};
use sha1::Sha1;

use crate::app::{App, now_ms};
use crate::caller::Caller;
use crate::ports::{Event, Outbound, OutboundRequest, StoreError};
use crate::records::{DeliveryRecord, WebhookRecord};
use crate::services::lists::{self, ListInput};
use crate::{Error, Result, secrets, validate};

/// Failed deliveries in a row after which a webhook is disabled (Appwrite's limit).
pub const MAX_FAILURES: u32 = 10;
/// Attempts of one delivery before it is given up.
pub const MAX_ATTEMPTS: u32 = 10;
/// Events one webhook may listen to.
pub const MAX_EVENTS: usize = 100;
/// Deliveries handled per worker pass.
const BATCH: u64 = 50;
/// How long one delivery may take.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);
/// The longest wait between two attempts.
const MAX_BACKOFF_MS: i64 = 3_600_000;

fn model(w: &WebhookRecord) -> Value {
    use oxwrite_types::time::format_millis_opt as dt;
    json!({
        "$id": w.id,
        "$createdAt": dt(w.created_at),
        "$updatedAt": dt(w.updated_at),
        "name": w.name,
        "url": w.url,
        "events": w.events,
        "tls": w.tls,
        "authUsername": w.auth_username,
        "authPassword": w.auth_password,
        "secret": w.secret,
        "enabled": w.enabled,
        "logs": w.logs,
        "attempts": w.attempts,
    })
}

pub struct WebhookInput {
    pub name: String,
    pub url: String,
    pub events: Vec<String>,
    pub enabled: Option<bool>,
    pub tls: Option<bool>,
    pub auth_username: Option<String>,
    pub auth_password: Option<String>,
}

fn check(input: &WebhookInput) -> Result<()> {
    validate::name("name", &input.name)?;
    let ok = url::Url::parse(&input.url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    if !ok || input.url.len() > 2048 {
        return Err(Error::invalid_param("url", "Value must be a valid URL"));
    }
    if input.events.len() > MAX_EVENTS || input.events.iter().any(|e| e.is_empty() || e.len() > 256 || e.contains(char::is_whitespace)) {
        return Err(Error::invalid_param("events", &format!("Value must a valid array no longer than {MAX_EVENTS} items and each a valid event name")));
    }
    Ok(())
}

async fn load(app: &App, caller: &Caller, id: &str) -> Result<WebhookRecord> {
    app.store
        .get_webhook(&caller.project.id, id)
        .await
        .map_err(Error::internal)?
        .ok_or_else(|| Error::with(ErrorType::WebhookNotFound, id))
}

pub async fn create(app: &App, caller: &Caller, id: &str, input: WebhookInput, secret: Option<String>) -> Result<Value> {
    check(&input)?;
    let now = now_ms();
    let w = WebhookRecord {
        project_id: caller.project.id.clone(),
        id: secrets::resolve_id("webhookId", id)?,
        name: input.name,
        url: input.url,
        events: input.events,
        tls: input.tls.unwrap_or(true),
        auth_username: input.auth_username.unwrap_or_default(),
        auth_password: input.auth_password.unwrap_or_default(),
        secret: secret.filter(|s| !s.is_empty()).unwrap_or_else(|| secrets::random_hex(64)),
        enabled: input.enabled.unwrap_or(true),
        logs: String::new(),
        attempts: 0,
        created_at: now,
        updated_at: now,
    };
    app.store.create_webhook(w.clone()).await.map_err(|e| match e {
        StoreError::Conflict(_) => Error::with(ErrorType::WebhookAlreadyExists, &w.id),
        other => Error::internal(other),
    })?;
    changed();
    Ok(model(&w))
}

pub async fn list(app: &App, caller: &Caller, input: ListInput) -> Result<Value> {
    let params = lists::params(input, query::WEBHOOKS_QUERY_ATTRIBUTES)?;
    let all = app.store.list_webhooks(&caller.project.id).await.map_err(Error::internal)?;
    let models: Vec<Value> = all.iter().map(model).collect();
    let (total, items) = crate::services::tablesdb::tables::filter_in_memory(models, &params)?;
    Ok(json!({ "total": total, "webhooks": items }))
}

pub async fn get(app: &App, caller: &Caller, id: &str) -> Result<Value> {
    Ok(model(&load(app, caller, id).await?))
}

pub async fn update(app: &App, caller: &Caller, id: &str, input: WebhookInput) -> Result<Value> {
    check(&input)?;
    let mut w = load(app, caller, id).await?;
    w.name = input.name;
    w.url = input.url;
    w.events = input.events;
    w.enabled = input.enabled.unwrap_or(true);
    w.tls = input.tls.unwrap_or(true);
    w.auth_username = input.auth_username.unwrap_or_default();
    w.auth_password = input.auth_password.unwrap_or_default();
    if w.enabled {
        // Re-enabling starts the failure count over.
        w.attempts = 0;
    }
    w.updated_at = now_ms();
    app.store.update_webhook(w.clone()).await.map_err(Error::internal)?;
    changed();
    Ok(model(&w))
}

pub async fn update_secret(app: &App, caller: &Caller, id: &str, secret: Option<String>) -> Result<Value> {
    let mut w = load(app, caller, id).await?;
    w.secret = secret.filter(|s| !s.is_empty()).unwrap_or_else(|| secrets::random_hex(64));
    w.updated_at = now_ms();
    app.store.update_webhook(w.clone()).await.map_err(Error::internal)?;
    Ok(model(&w))
}

pub async fn delete(app: &App, caller: &Caller, id: &str) -> Result<()> {
    let w = load(app, caller, id).await?;
    app.store.delete_webhook(&w.project_id, &w.id).await.map_err(Error::internal)?;
    changed();
    Ok(())
}

/// Bumped by every webhook change in this process, so the worker can remember which projects
/// have no webhooks without asking the store for each event.
static GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn changed() {
    GENERATION.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
}

/// Queues `event` for every enabled webhook of its project that listens to one of its names.
/// Returns how many deliveries were queued, or `None` when the project has no webhooks.
pub async fn enqueue_for(app: &App, event: &Event) -> Result<Option<usize>> {
    let hooks = app.store.list_webhooks(&event.project).await.map_err(Error::internal)?;
    if hooks.is_empty() {
        return Ok(None);
    }
    let now = now_ms();
    let payload = event.payload.to_string();
    let deliveries: Vec<DeliveryRecord> = hooks
        .iter()
        .filter(|w| w.enabled && w.events.iter().any(|e| event.names.contains(e)))
        .map(|w| DeliveryRecord {
            seq: 0,
            project_id: w.project_id.clone(),
            webhook_id: w.id.clone(),
            events: event.names.clone(),
            payload: payload.clone(),
            user_id: event.user_id.clone().unwrap_or_default(),
            attempts: 0,
            next_at: now,
        })
        .collect();
    let n = deliveries.len();
    if n > 0 {
        app.store.enqueue_deliveries(deliveries).await.map_err(Error::internal)?;
    }
    Ok(Some(n))
}

/// `X-Appwrite-Webhook-Signature`: base64 of HMAC-SHA1 over the URL followed by the body,
/// keyed with the webhook's secret.
pub fn signature(secret: &str, url: &str, body: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret.as_bytes()) else { return String::new() };
    mac.update(url.as_bytes());
    mac.update(body.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn request(w: &WebhookRecord, d: &DeliveryRecord) -> OutboundRequest {
    let mut headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("User-Agent".to_owned(), "Appwrite-Server (Oxwrite). Please report abuse at security@appwrite.io".to_owned()),
        ("X-Appwrite-Webhook-Id".to_owned(), w.id.clone()),
        ("X-Appwrite-Webhook-Name".to_owned(), w.name.clone()),
        ("X-Appwrite-Webhook-Events".to_owned(), d.events.join(",")),
        ("X-Appwrite-Webhook-Project-Id".to_owned(), w.project_id.clone()),
        ("X-Appwrite-Webhook-User-Id".to_owned(), d.user_id.clone()),
        ("X-Appwrite-Webhook-Signature".to_owned(), signature(&w.secret, &w.url, &d.payload)),
    ];
    if !w.auth_username.is_empty() {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", w.auth_username, w.auth_password));
        headers.push(("Authorization".to_owned(), format!("Basic {basic}")));
    }
    OutboundRequest { url: w.url.clone(), headers, body: d.payload.clone().into_bytes(), verify_tls: w.tls, timeout: TIMEOUT }
}

/// Delivers every due delivery once; returns when the next one is due (if any).
pub async fn deliver_due(app: &App, out: &dyn Outbound) -> Result<Option<i64>> {
    let now = now_ms();
    let due = app.store.due_deliveries(now, BATCH).await.map_err(Error::internal)?;
    for d in due {
        deliver(app, out, d).await?;
    }
    app.store.next_delivery_at().await.map_err(Error::internal)
}

async fn deliver(app: &App, out: &dyn Outbound, d: DeliveryRecord) -> Result<()> {
    let Some(mut w) = app.store.get_webhook(&d.project_id, &d.webhook_id).await.map_err(Error::internal)? else {
        return app.store.finish_delivery(d.seq, None).await.map_err(Error::internal);
    };
    if !w.enabled {
        return app.store.finish_delivery(d.seq, None).await.map_err(Error::internal);
    }
    let outcome = match out.post(request(&w, &d)).await {
        Ok(status) if (200..300).contains(&status) => Ok(()),
        Ok(status) => Err(format!("Webhook receiver responded with status code {status}")),
        Err(e) => Err(format!("Webhook delivery failed: {e}")),
    };
    let now = now_ms();
    match outcome {
        Ok(()) => {
            app.store.finish_delivery(d.seq, None).await.map_err(Error::internal)?;
            if w.attempts > 0 {
                w.attempts = 0;
                w.updated_at = now;
                app.store.update_webhook(w).await.map_err(Error::internal)?;
            }
        }
        Err(why) => {
            w.attempts += 1;
            w.logs = why;
            w.enabled = w.attempts < MAX_FAILURES;
            w.updated_at = now;
            let attempts = d.attempts + 1;
            let retry = (w.enabled && attempts < MAX_ATTEMPTS).then(|| {
                let backoff = app.config.webhook_retry_ms.saturating_mul(1 << attempts.min(20)).min(MAX_BACKOFF_MS);
                (attempts, now + backoff)
            });
            app.store.update_webhook(w).await.map_err(Error::internal)?;
            app.store.finish_delivery(d.seq, retry).await.map_err(Error::internal)?;
        }
    }
    Ok(())
}

/// The webhook worker: queues every event the bus carries for the webhooks that want it,
/// and delivers due deliveries (at start, after each queued event, and when a retry falls
/// due). Runs until the bus closes.
pub async fn run(app: std::sync::Arc<App>, out: std::sync::Arc<dyn Outbound>, mut events: tokio::sync::broadcast::Receiver<Event>) {
    use tokio::sync::broadcast::error::RecvError;
    // When the next delivery pass is due: now at start (deliveries a restart left), then as
    // the store says, or at once when an event queued deliveries. Events that queue nothing
    // cost no pass (it was two store reads per event).
    let mut next: Option<i64> = Some(0);
    // Projects known to have no webhooks, as of a webhook generation and for at most a second
    // (another node may have created one).
    let mut quiet: (u64, i64, std::collections::HashSet<String>) = (0, 0, std::collections::HashSet::new());
    loop {
        let wait = next.map(|at| std::time::Duration::from_millis((at - now_ms()).clamp(0, 60_000) as u64));
        let event = match wait {
            Some(d) => tokio::time::timeout(d, events.recv()).await.ok(),
            None => Some(events.recv().await),
        };
        match event {
            Some(Ok(e)) => {
                let generation = GENERATION.load(std::sync::atomic::Ordering::Acquire);
                if quiet.0 != generation || now_ms() - quiet.1 > 1000 {
                    quiet = (generation, now_ms(), std::collections::HashSet::new());
                }
                if !quiet.2.contains(&e.project) {
                    match enqueue_for(&app, &e).await {
                        Ok(Some(0)) => {}
                        Ok(Some(_)) => next = Some(now_ms()),
                        Ok(None) => {
                            quiet.2.insert(e.project.clone());
                        }
                        Err(err) => tracing::warn!(error = %err, "could not queue webhook deliveries"),
                    }
                }
            }
            Some(Err(RecvError::Lagged(n))) => tracing::warn!(missed = n, "webhooks fell behind the event bus"),
            Some(Err(RecvError::Closed)) => break,
            None => {}
        }
        if next.is_some_and(|at| at <= now_ms()) {
            next = match deliver_due(&app, out.as_ref()).await {
                Ok(n) => n,
                Err(err) => {
                    tracing::warn!(error = %err, "webhook delivery pass failed");
                    Some(now_ms() + 1000)
                }
            };
        }
    }
}
