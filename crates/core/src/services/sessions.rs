//! Session issuing shared by the account and users services: secrets, the session blob,
//! expiry, the per-user session limit and the audit entry.

use oxwrite_types::models;

use crate::app::{App, now_ms};
use crate::auth::SessionBlob;
use crate::caller::Caller;
use crate::records::{LogRecord, SessionRecord, UserRecord};
use crate::{Error, Result, secrets, views};

/// Where a request came from, for sessions and audit logs.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: String,
    pub user_agent: String,
}

/// A new session: the model to return and the blob for the cookies.
#[derive(Debug)]
pub struct Issued {
    pub session: models::Session,
    /// base64 `{id, secret}`: the cookie value and, for key callers, `session.secret`.
    pub blob: String,
    /// Expiry in milliseconds since the epoch.
    pub expire: i64,
}

pub async fn issue(
    app: &App,
    caller: &Caller,
    user: &UserRecord,
    provider: &str,
    factors: &[&str],
    meta: &RequestMeta,
) -> Result<Issued> {
    let now = now_ms();
    let secret = secrets::random_hex(128);
    let record = SessionRecord {
        project_id: user.project_id.clone(),
        id: secrets::unique_id(),
        user_id: user.id.clone(),
        secret_hash: secrets::sha256_hex(&secret),
        provider: provider.to_owned(),
        provider_uid: user.email.clone().unwrap_or_default(),
        factors: factors.iter().map(|f| (*f).to_owned()).collect(),
        expire: now + app.config.session_duration * 1000,
        ip: meta.ip.clone(),
        user_agent: meta.user_agent.clone(),
        created_at: now,
        updated_at: now,
    };
    app.store
        .create_session(record.clone(), app.config.session_limit)
        .await
        .map_err(Error::internal)?;
    audit(app, user, "session.create", meta).await;
    let blob = SessionBlob::encode(&user.id, &secret);
    // The secret is sensitive: only key callers (the SSR admin client) get it in the body.
    let shown = if caller.is_key() { blob.clone() } else { String::new() };
    Ok(Issued { session: views::session(&record, true, shown), blob, expire: record.expire })
}

/// Appends an audit entry; a failure to log never fails the request.
pub async fn audit(app: &App, user: &UserRecord, event: &str, meta: &RequestMeta) {
    let log = LogRecord {
        project_id: user.project_id.clone(),
        user_id: user.id.clone(),
        event: event.to_owned(),
        ip: meta.ip.clone(),
        user_agent: meta.user_agent.clone(),
        mode: "default".to_owned(),
        user_type: "user".to_owned(),
        time: now_ms(),
    };
    if let Err(e) = app.store.append_log(log).await {
        tracing::warn!(error = %e, "audit log append failed");
    }
}
