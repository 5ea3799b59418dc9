//! Executions: run a function now (`201` with its response) or later (`202`; queued durably in
//! the store, so a restart loses nothing), list, get, delete; the queue worker.
//!
//! Every run gets Appwrite's injected headers, among them `x-appwrite-key`: an ephemeral key
//! with the function's scopes, valid for its timeout plus a minute.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use oxwrite_types::{ErrorType, query};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::deployments::{artifact_key, environment};
use super::{load_function, specification};
use crate::app::{App, now_ms};
use crate::auth::EphemeralKeyClaims;
use crate::caller::Caller;
use crate::ports::{ExecJob, StoreError};
use crate::records::{DeploymentRecord, ExecutionRecord, FunctionRecord};
use crate::services::lists::{self, ListInput};
use crate::services::users::list_error;
use crate::{Error, Result, jwt, secrets};

pub const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"];
/// The body of an execution request (Appwrite: 10 MiB of text).
pub const MAX_BODY: usize = 10 * 1024 * 1024;
/// A synchronous execution answers within this long, or `408`.
pub const SYNC_LIMIT: Duration = Duration::from_secs(30);
/// Logs and errors keep at most this many characters (the tail).
const MAX_LOG: usize = 1_000_000;
const REQUEST_HEADERS_KEPT: &[&str] = &["content-type", "agent", "content-length", "host", "x-appwrite-client-ip"];
const RESPONSE_HEADERS_KEPT: &[&str] = &["content-type", "content-length"];
/// Queued executions run at most this many at once per node.
const WORKERS: usize = 8;

/// `x-appwrite-key` for a function: `ephemeral_<JWT>` with its scopes, for `secs` plus a minute.
pub(crate) fn ephemeral_key(app: &App, f: &FunctionRecord, secs: i64) -> Result<String> {
    let claims = EphemeralKeyClaims { project_id: f.project_id.clone(), scopes: f.scopes.clone(), name: String::new(), exp: now_ms() / 1000 + secs + 60 };
    Ok(format!("ephemeral_{}", jwt::sign(app.secret(), &claims).map_err(Error::internal)?))
}

/// An execution request as `createExecution` takes it.
#[derive(Debug, Clone, Default)]
pub struct ExecutionInput {
    pub body: String,
    pub is_async: bool,
    pub path: String,
    pub method: String,
    pub headers: Map<String, Value>,
    pub scheduled_at: Option<String>,
}

/// What a queued run needs (stored with the execution; no secrets: the keys are minted when
/// it runs).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Job {
    body: String,
    headers: Vec<(String, String)>,
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    session_id: String,
    #[serde(default)]
    event: String,
    #[serde(default)]
    client_ip: String,
}

fn check_headers(h: &Map<String, Value>) -> Result<Vec<(String, String)>> {
    let bad = || Error::msg(ErrorType::GeneralArgumentInvalid, "Invalid headers: Alphanumeric characters or hyphens only, cannot start with \"x-appwrite\", maximum 100 keys, and total size 16384.");
    if h.len() > 100 {
        return Err(bad());
    }
    let mut total = 0usize;
    let mut out = Vec::with_capacity(h.len());
    for (k, v) in h {
        let v = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return Err(bad()),
        };
        total += k.len() + v.len();
        let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        if total >= 16384 || !edge_ok(k.chars().next()) || !edge_ok(k.chars().last()) || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') || k.starts_with("x-appwrite-") {
            return Err(bad());
        }
        out.push((k.to_lowercase(), v));
    }
    Ok(out)
}

/// `scheduledAt`: a whole minute, more than a minute ahead.
fn check_schedule(s: &str) -> Result<i64> {
    let bad = || Error::msg(ErrorType::GeneralBadRequest, "Execution schedule must be a valid date, and at least 1 minute from now");
    let at = oxwrite_types::time::parse(s).ok_or_else(bad)?.as_millisecond();
    if at - now_ms() <= 60_000 || at % 60_000 != 0 {
        return Err(bad());
    }
    Ok(at)
}

/// The function and its active, built deployment, if the caller may run it.
async fn runnable(app: &App, caller: &Caller, function_id: &str) -> Result<(FunctionRecord, DeploymentRecord)> {
    let f = visible_function(app, caller, function_id).await?;
    if !app.runtimes.available().iter().any(|r| r.id == f.runtime) {
        return Err(Error::msg(ErrorType::FunctionRuntimeUnsupported, format!("Runtime \"{}\" is not supported", f.runtime)));
    }
    let d = match app.store.get_deployment(&f.project_id, &f.deployment_id).await.map_err(Error::internal)? {
        Some(d) if !f.deployment_id.is_empty() && d.function_id == f.id => d,
        _ => return Err(Error::msg(ErrorType::DeploymentNotFound, "Deployment not found. Create a deployment before trying to execute a function")),
    };
    if d.status != "ready" {
        return Err(ErrorType::BuildNotReady.into());
    }
    if !caller.is_key() && !f.execute.iter().any(|r| caller.roles.contains(r)) {
        return Err(ErrorType::UserUnauthorized.into());
    }
    Ok((f, d))
}

/// Whether an unfinished execution has outlived its function's timeout (shown as failed).
fn overdue(e: &ExecutionRecord, timeout_secs: i64) -> bool {
    matches!(e.status.as_str(), "waiting" | "processing") && e.due_at.is_none() && now_ms() - e.updated_at >= timeout_secs * 1000
}

fn headers_json(h: &[(String, String)]) -> Vec<Value> {
    h.iter().map(|(k, v)| json!({"name": k, "value": v})).collect()
}

/// The execution model; `logs` and `errors` only for keys, `responseBody` only in the
/// synchronous answer.
fn model(e: &ExecutionRecord, caller: &Caller, timeout_secs: i64, response: Option<(&Bytes, &[(String, String)])>) -> Value {
    use oxwrite_types::time::format_millis_opt as dt;
    let status = if overdue(e, timeout_secs) { "failed" } else { e.status.as_str() };
    let (body, headers) = match response {
        Some((b, h)) => (String::from_utf8_lossy(b).into_owned(), headers_json(h)),
        None => (String::new(), headers_json(&e.response_headers)),
    };
    json!({
        "$id": e.id,
        "$createdAt": dt(e.created_at),
        "$updatedAt": dt(e.updated_at),
        "$permissions": e.permissions,
        "functionId": e.function_id,
        "deploymentId": e.deployment_id,
        "trigger": e.trigger,
        "status": status,
        "requestMethod": e.request_method,
        "requestPath": e.request_path,
        "requestHeaders": headers_json(&e.request_headers),
        "responseStatusCode": e.response_status,
        "responseBody": body,
        "responseHeaders": headers,
        "logs": if caller.is_key() { e.logs.as_str() } else { "" },
        "errors": if caller.is_key() { e.errors.as_str() } else { "" },
        "duration": e.duration,
        "scheduledAt": e.scheduled_at.map(dt),
    })
}

/// What `createExecution` answers: `201` (ran) or `202` (queued).
pub enum Created {
    Ran(Value),
    Queued(Value),
}

fn tail(s: String, what: &str) -> String {
    if s.chars().count() <= MAX_LOG {
        return s;
    }
    let skip = s.chars().count() - MAX_LOG;
    format!("[WARNING] {what} truncated. The output exceeded {MAX_LOG} characters.\n{}", s.chars().skip(skip).collect::<String>())
}

pub async fn create(app: &App, caller: &Caller, function_id: &str, input: ExecutionInput, client_ip: &str) -> Result<Created> {
    if input.scheduled_at.is_some() && !input.is_async {
        return Err(Error::msg(ErrorType::GeneralBadRequest, "Scheduled executions must run asynchronously. Set scheduledAt to a future date, or set async to true."));
    }
    let scheduled_at = input.scheduled_at.as_deref().map(check_schedule).transpose()?;
    let headers = check_headers(&input.headers)?;
    if !METHODS.contains(&input.method.as_str()) {
        return Err(Error::invalid_param("method", &format!("Value must be one of ({})", METHODS.join(", "))));
    }
    if input.path.is_empty() || input.path.chars().count() > 2048 {
        return Err(Error::invalid_param("path", "Value must be a valid string and at least 1 chars and no longer than 2048 chars"));
    }
    if input.body.len() > MAX_BODY {
        return Err(Error::invalid_param("body", &format!("Value must be a valid string and no longer than {MAX_BODY} chars")));
    }
    let (f, d) = runnable(app, caller, function_id).await?;
    let now = now_ms();
    let user_id = caller.user_id().unwrap_or_default().to_owned();
    let job = Job {
        body: input.body,
        headers,
        user_id: user_id.clone(),
        session_id: caller.session.as_ref().map(|s| s.id.clone()).unwrap_or_default(),
        event: String::new(),
        client_ip: client_ip.to_owned(),
    };
    let mut e = ExecutionRecord {
        project_id: f.project_id.clone(),
        function_id: f.id.clone(),
        id: secrets::unique_id(),
        deployment_id: d.id.clone(),
        trigger: if scheduled_at.is_some() { "schedule" } else { "http" }.into(),
        status: "processing".into(),
        permissions: if user_id.is_empty() { vec![] } else { vec![format!("read(\"user:{user_id}\")")] },
        request_method: input.method,
        request_path: input.path,
        scheduled_at,
        created_at: now,
        updated_at: now,
        ..Default::default()
    };
    if input.is_async {
        e.status = if scheduled_at.is_some() { "scheduled" } else { "waiting" }.into();
        e.due_at = Some(scheduled_at.unwrap_or(now));
        e.request_headers = kept(&job.headers, client_ip);
        e.job = serde_json::to_string(&job).map_err(Error::internal)?;
        app.store.create_execution(e.clone()).await.map_err(Error::internal)?;
        app.wake_queue();
        emit_execution(app, caller, "create", &e);
        return Ok(Created::Queued(model(&e, caller, f.timeout, None)));
    }
    let ran = tokio::time::timeout(SYNC_LIMIT, run(app, &f, &d, &mut e, &job)).await;
    let (body, response_headers) = match ran {
        Ok(r) => r,
        Err(_) => {
            e.status = "failed".into();
            e.response_status = 500;
            e.errors = "Synchronous function execution timed out. Use asynchronous execution instead, or ensure the execution duration doesn't exceed 30 seconds.\\nError Code: 408".into();
            e.duration = SYNC_LIMIT.as_secs_f64();
            app.store.create_execution(e).await.map_err(Error::internal)?;
            return Err(ErrorType::FunctionSynchronousTimeout.into());
        }
    };
    app.store.create_execution(e.clone()).await.map_err(Error::internal)?;
    emit_execution(app, caller, "create", &e);
    let mut all = response_headers;
    all.push(("x-appwrite-execution-id".into(), e.id.clone()));
    Ok(Created::Ran(model(&e, caller, f.timeout, Some((&body, &all)))))
}

fn emit_execution(app: &App, caller: &Caller, action: &str, e: &ExecutionRecord) {
    // Events reach browsers (realtime): no logs or errors in them, whoever ran it.
    let payload = || model(e, &Caller::guest(caller.project.clone()), i64::MAX / 2000, None);
    // Realtime delivers an execution to the roles it grants `read` (its user).
    let readers = || Some(crate::services::tablesdb::access::readers(&e.permissions, &[], false));
    crate::services::publish(
        app,
        caller,
        &[&format!("functions.[functionId].executions.[executionId].{action}")],
        &[("functionId", &e.function_id), ("executionId", &e.id)],
        payload,
        readers,
    );
}

fn kept(headers: &[(String, String)], client_ip: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = headers.iter().filter(|(k, _)| REQUEST_HEADERS_KEPT.contains(&k.as_str())).cloned().collect();
    if !client_ip.is_empty() {
        out.push(("x-appwrite-client-ip".into(), client_ip.to_owned()));
    }
    out
}

/// Runs the execution `e` of `f` on deployment `d` and fills in its outcome; returns the
/// response body and headers (all of them, for the synchronous answer).
async fn run(app: &App, f: &FunctionRecord, d: &DeploymentRecord, e: &mut ExecutionRecord, job: &Job) -> (Bytes, Vec<(String, String)>) {
    let key = ephemeral_key(app, f, f.timeout).unwrap_or_default();
    let user_jwt = if job.user_id.is_empty() || job.session_id.is_empty() {
        String::new()
    } else {
        crate::services::users::sign_jwt(app, &f.project_id, &job.user_id, &job.session_id, f.timeout + 60).map(|j| j.jwt).unwrap_or_default()
    };
    let mut headers: Vec<(String, String)> = job.headers.clone();
    let injected = [
        ("x-appwrite-execution-id", e.id.clone()),
        ("x-appwrite-key", key),
        ("x-appwrite-trigger", e.trigger.clone()),
        ("x-appwrite-event", job.event.clone()),
        ("x-appwrite-user-id", job.user_id.clone()),
        ("x-appwrite-user-jwt", user_jwt),
        ("x-appwrite-country-code", String::new()),
        ("x-appwrite-continent-code", String::new()),
        ("x-appwrite-continent-eu", "false".into()),
        ("x-appwrite-client-ip", job.client_ip.clone()),
    ];
    for (k, v) in injected {
        headers.retain(|(h, _)| h != k);
        headers.push((k.to_owned(), v));
    }
    if e.request_headers.is_empty() {
        e.request_headers = kept(&job.headers, &job.client_ip);
    }
    let env = match environment(app, f, d).await {
        Ok(env) => env,
        Err(err) => {
            fail(e, format!("{}\\nError Code: 500", err.message()));
            return (Bytes::new(), Vec::new());
        }
    };
    let exec = ExecJob {
        deployment: artifact_key(&d.project_id, &d.id),
        runtime: f.runtime.clone(),
        entrypoint: d.entrypoint.clone(),
        env,
        method: e.request_method.clone(),
        path: e.request_path.clone(),
        headers,
        body: Bytes::from(job.body.clone()),
        timeout: Duration::from_secs(u64::try_from(f.timeout).unwrap_or(15)),
        memory_mb: u64::try_from(specification(&f.runtime_specification).1).unwrap_or(512),
        logging: f.logging,
    };
    match app.runtimes.execute(exec).await {
        Ok(out) => {
            e.response_status = i64::from(out.status);
            e.status = if out.status >= 500 { "failed" } else { "completed" }.into();
            e.logs = tail(out.logs, "Logs");
            e.errors = tail(out.errors, "Errors");
            e.duration = out.duration;
            e.response_headers = out.headers.iter().filter(|(k, _)| RESPONSE_HEADERS_KEPT.contains(&k.as_str())).cloned().collect();
            e.updated_at = now_ms();
            (out.body, out.headers)
        }
        Err(msg) => {
            fail(e, format!("{msg}\\nError Code: 500"));
            (Bytes::new(), Vec::new())
        }
    }
}

fn fail(e: &mut ExecutionRecord, errors: String) {
    e.status = "failed".into();
    e.response_status = 500;
    e.errors = errors;
    e.updated_at = now_ms();
}

/// Queues a run (events and schedules): the queue worker takes it.
pub(crate) async fn enqueue(app: &App, f: &FunctionRecord, trigger: &str, body: String, headers: Vec<(String, String)>, event: &str, user_id: Option<&str>) -> Result<()> {
    let now = now_ms();
    let user_id = user_id.unwrap_or_default().to_owned();
    let job = Job { body, headers, user_id: user_id.clone(), event: event.to_owned(), ..Default::default() };
    let e = ExecutionRecord {
        project_id: f.project_id.clone(),
        function_id: f.id.clone(),
        id: secrets::unique_id(),
        deployment_id: f.deployment_id.clone(),
        trigger: trigger.into(),
        status: "waiting".into(),
        permissions: if user_id.is_empty() { vec![] } else { vec![format!("read(\"user:{user_id}\")")] },
        request_method: "POST".into(),
        request_path: "/".into(),
        request_headers: kept(&job.headers, ""),
        due_at: Some(now),
        job: serde_json::to_string(&job).map_err(Error::internal)?,
        created_at: now,
        updated_at: now,
        ..Default::default()
    };
    app.store.create_execution(e).await.map_err(Error::internal)?;
    app.wake_queue();
    Ok(())
}

/// Runs one queued execution (taken from the queue: it runs once).
async fn run_queued(app: &App, mut e: ExecutionRecord) {
    let job: Job = serde_json::from_str(&e.job).unwrap_or_default();
    e.job = String::new();
    let Ok(Some(f)) = app.store.get_function(&e.project_id, &e.function_id).await else {
        return;
    };
    let d = match app.store.get_deployment(&f.project_id, &f.deployment_id).await {
        Ok(Some(d)) if !f.deployment_id.is_empty() && d.function_id == f.id && d.status == "ready" => d,
        Ok(Some(_)) => {
            fail(&mut e, "The execution could not be completed because the build is not ready. Please wait for the build to complete and try again.".into());
            e.response_status = 0;
            let _ = app.store.update_execution(e).await;
            return;
        }
        _ => {
            fail(&mut e, "The execution could not be completed because a corresponding deployment was not found. A function deployment needs to be created before it can be executed. Please create a deployment for your function and try again.".into());
            e.response_status = 0;
            e.deployment_id = String::new();
            let _ = app.store.update_execution(e).await;
            return;
        }
    };
    e.deployment_id = d.id.clone();
    e.updated_at = now_ms();
    let _ = run(app, &f, &d, &mut e, &job).await;
    if let Err(err) = app.store.update_execution(e.clone()).await {
        tracing::error!(error = %err, "could not store an execution's result");
    }
    let system = Caller::key(crate::records::ProjectRecord { id: e.project_id.clone(), ..Default::default() }, &[]);
    emit_execution(app, &system, "update", &e);
}

/// The queue worker: takes due executions and runs them, at most [`WORKERS`] at once. On
/// start it puts back what a stopped process had taken but not finished (one node per store:
/// several nodes will need leases).
pub async fn run_queue(app: Arc<App>) {
    match app.store.requeue_interrupted(now_ms()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(executions = n, "queued again the executions a stop interrupted"),
        Err(e) => tracing::error!(error = %e, "could not queue interrupted executions again"),
    }
    let slots = Arc::new(tokio::sync::Semaphore::new(WORKERS));
    loop {
        let now = now_ms();
        let free = slots.available_permits() as u64;
        let due = if free == 0 { Vec::new() } else { app.store.take_due_executions(now, free).await.unwrap_or_default() };
        for e in due {
            let Ok(permit) = slots.clone().acquire_owned().await else { return };
            let app2 = app.clone();
            tokio::spawn(async move {
                run_queued(&app2, e).await;
                drop(permit);
                app2.wake_queue();
            });
        }
        let next = app.store.next_execution_due().await.ok().flatten();
        let wait = next.map_or(Duration::from_secs(60), |at| Duration::from_millis(u64::try_from((at - now_ms()).clamp(0, 60_000)).unwrap_or(0)));
        if next.is_some_and(|at| at <= now_ms()) && slots.available_permits() > 0 {
            continue;
        }
        let _ = tokio::time::timeout(wait, app.queue_woken()).await;
    }
}

async fn load_execution(app: &App, caller: &Caller, f: &FunctionRecord, id: &str) -> Result<ExecutionRecord> {
    let e = if crate::services::bad_id(id) {
        None
    } else {
        app.store.get_execution(&f.project_id, &f.id, id).await.map_err(Error::internal)?
    };
    match e {
        Some(e) if caller.is_key() || e.permissions.iter().any(|p| caller.roles.iter().any(|r| *p == format!("read(\"{r}\")"))) => Ok(e),
        _ => Err(Error::new(ErrorType::ExecutionNotFound)),
    }
}

/// The function, unless it is missing or (for everyone but keys) disabled.
async fn visible_function(app: &App, caller: &Caller, function_id: &str) -> Result<FunctionRecord> {
    match load_function(app, caller, function_id).await {
        Ok(f) if f.enabled || caller.is_key() => Ok(f),
        _ => Err(Error::with(ErrorType::FunctionNotFound, function_id)),
    }
}

pub async fn get(app: &App, caller: &Caller, function_id: &str, id: &str) -> Result<Value> {
    let f = visible_function(app, caller, function_id).await?;
    let e = load_execution(app, caller, &f, id).await?;
    Ok(model(&e, caller, f.timeout, None))
}

pub async fn list(app: &App, caller: &Caller, function_id: &str, input: ListInput) -> Result<Value> {
    let f = visible_function(app, caller, function_id).await?;
    let params = lists::params(input, query::EXECUTIONS_QUERY_ATTRIBUTES)?;
    let roles = (!caller.is_key()).then(|| caller.roles.clone());
    let page = app.store.list_executions(&f.project_id, &f.id, params, roles).await.map_err(list_error)?;
    let items: Vec<Value> = page.items.iter().map(|e| model(e, caller, f.timeout, None)).collect();
    Ok(json!({ "total": page.total, "executions": items }))
}

pub async fn delete(app: &App, caller: &Caller, function_id: &str, id: &str) -> Result<()> {
    let f = load_function(app, caller, function_id).await?;
    let e = load_execution(app, caller, &f, id).await?;
    // An execution grants its user `read` only: deleting is for keys (Appwrite's delete check
    // fails for everyone else).
    if !caller.is_key() {
        return Err(ErrorType::UserUnauthorized.into());
    }
    let finished = matches!(e.status.as_str(), "completed" | "failed" | "scheduled") || overdue(&e, f.timeout);
    if !finished {
        return Err(ErrorType::ExecutionInProgress.into());
    }
    match app.store.delete_execution(&f.project_id, &e.id).await {
        Ok(true) => {}
        Ok(false) => return Err(Error::new(ErrorType::ExecutionNotFound)),
        Err(StoreError::NotFound(_)) => return Err(Error::new(ErrorType::ExecutionNotFound)),
        Err(err) => return Err(Error::internal(err)),
    }
    emit_execution(app, caller, "delete", &e);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_follow_appwrites_rules() {
        let ok: Map<String, Value> = serde_json::from_value(json!({"Content-Type": "application/json", "x-custom-1": 5})).unwrap();
        assert_eq!(check_headers(&ok).unwrap(), vec![("content-type".into(), "application/json".into()), ("x-custom-1".into(), "5".into())]);
        for bad in [json!({"x-appwrite-key": "k"}), json!({"-bad": "v"}), json!({"a b": "v"}), json!({"k": {"nested": 1}})] {
            let m: Map<String, Value> = serde_json::from_value(bad).unwrap();
            assert!(check_headers(&m).is_err());
        }
    }

    #[test]
    fn schedules_need_a_whole_minute_ahead() {
        assert!(check_schedule("2001-01-01T00:00:00.000+00:00").is_err());
        let soon = jiff::Timestamp::from_millisecond((now_ms() / 60_000 + 5) * 60_000).unwrap();
        assert!(check_schedule(&oxwrite_types::time::format(soon)).is_ok());
        let odd = jiff::Timestamp::from_millisecond((now_ms() / 60_000 + 5) * 60_000 + 1000).unwrap();
        assert!(check_schedule(&oxwrite_types::time::format(odd)).is_err());
    }
}
