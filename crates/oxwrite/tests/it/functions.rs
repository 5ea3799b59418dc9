//! Functions over HTTP with a stand-in runtime (the real Node and Python runtimes are proven by
//! the official SDK suites in compat/): deployments build and activate, executions get
//! Appwrite's injected headers and environment, the injected key works within the function's
//! scopes, async runs come from the queue, events trigger functions, `execute` roles hold, and
//! queued executions survive a restart.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use oxwrite_core::ports::{BuildJob, BuildOutcome, Event, ExecJob, ExecOutcome, RuntimeInfo, Runtimes};
use oxwrite_testkit::TestServer;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::ok as key;

/// Builds succeed unless the commands say `fail`; a run answers its request as JSON, and
/// when asked (`x-call: databases`) first calls the API with its injected key.
struct Echo;

#[async_trait]
impl Runtimes for Echo {
    fn available(&self) -> Vec<RuntimeInfo> {
        vec![RuntimeInfo {
            id: "node-20.0".into(),
            key: "node".into(),
            name: "Node.js".into(),
            version: "20.0".into(),
            base: "test".into(),
            image: String::new(),
            logo: String::new(),
            supports: vec![],
        }]
    }

    async fn build(&self, job: BuildJob) -> Result<BuildOutcome, String> {
        Ok(BuildOutcome { ok: !job.commands.contains("fail"), logs: format!("ran {}", job.commands), size: job.source.len() as u64 })
    }

    async fn execute(&self, job: ExecJob) -> Result<ExecOutcome, String> {
        let header = |n: &str| job.headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()).unwrap_or_default();
        let env = |n: &str| job.env.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()).unwrap_or_default();
        let mut api = Value::Null;
        if header("x-call") == "databases" {
            let res = reqwest::Client::new()
                .get(format!("{}/databases", env("APPWRITE_FUNCTION_API_ENDPOINT")))
                .header("x-appwrite-project", env("APPWRITE_FUNCTION_PROJECT_ID"))
                .header("x-appwrite-key", header("x-appwrite-key"))
                .send()
                .await
                .map_err(|e| e.to_string())?;
            api = json!(res.status().as_u16());
        }
        let headers: serde_json::Map<String, Value> = job.headers.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        let body = json!({
            "method": job.method, "path": job.path, "body": String::from_utf8_lossy(&job.body), "headers": headers, "api": api,
            "functionId": env("APPWRITE_FUNCTION_ID"), "runtime": env("APPWRITE_FUNCTION_RUNTIME_NAME"), "greeting": env("GREETING"),
        });
        Ok(ExecOutcome {
            status: 200,
            headers: vec![("content-type".into(), "application/json; charset=utf-8".into()), ("x-extra".into(), "1".into())],
            body: Bytes::from(body.to_string()),
            logs: "a log line\n".into(),
            errors: String::new(),
            duration: 0.01,
        })
    }

    async fn remove(&self, _deployment: &str) {}
}

/// Waits for the next event on the bus whose names include `name`.
async fn event(rx: &mut tokio::sync::broadcast::Receiver<Event>, name: &str) -> Event {
    loop {
        let e = rx.recv().await.expect("the bus is open");
        if e.names.iter().any(|n| n == name) {
            return e;
        }
    }
}

/// Uploads a deployment the way the SDK does (multipart `code`, `activate`) and waits until
/// its build finished.
async fn deploy(s: &TestServer, function: &str, commands: &str) -> Value {
    let mut rx = s.bus.subscribe();
    let body = format!(
        "--b\r\nContent-Disposition: form-data; name=\"activate\"\r\n\r\ntrue\r\n--b\r\nContent-Disposition: form-data; name=\"commands\"\r\n\r\n{commands}\r\n--b\r\nContent-Disposition: form-data; name=\"code\"; filename=\"code.tar.gz\"\r\nContent-Type: application/gzip\r\n\r\nfake archive\r\n--b--\r\n"
    );
    let res = reqwest::Client::new()
        .post(format!("{}/functions/{function}/deployments", s.endpoint))
        .header("X-Appwrite-Project", &s.project)
        .header("X-Appwrite-Key", &s.key)
        .header("content-type", "multipart/form-data; boundary=b")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 202);
    let d: Value = res.json().await.unwrap();
    assert_eq!(d["status"], "waiting");
    let id = d["$id"].as_str().unwrap().to_owned();
    event(&mut rx, &format!("functions.{function}.deployments.{id}.update")).await.payload
}

async fn function(s: &TestServer, id: &str, extra: Value) -> Value {
    let mut body = json!({"functionId": id, "name": id, "runtime": "node-20.0", "entrypoint": "index.js"});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    key(s, Method::POST, "/functions", body).await
}

#[tokio::test]
async fn deploy_run_and_the_injected_key() {
    let s = TestServer::start_with_runtimes(Arc::new(Echo)).await.unwrap();
    key(&s, Method::POST, "/databases", json!({"databaseId": "db", "name": "DB"})).await;
    let f = function(&s, "echo", json!({"scopes": ["databases.read"], "execute": ["any"]})).await;
    assert_eq!((f["version"].as_str(), f["deploymentId"].as_str()), (Some("v5"), Some("")));
    let v = key(&s, Method::POST, "/functions/echo/variables", json!({"variableId": "unique()", "key": "GREETING", "value": "hi"})).await;
    assert_eq!((v["value"].as_str(), v["secret"].as_bool()), (Some(""), Some(true)), "secret by default, never shown");

    let failed = deploy(&s, "echo", "fail please").await;
    assert_eq!(failed["status"], "failed");
    let ready = deploy(&s, "echo", "npm install").await;
    assert_eq!(ready["status"], "ready");
    assert!(ready["buildLogs"].as_str().unwrap().contains("ran npm install"));
    let f = key(&s, Method::GET, "/functions/echo", Value::Null).await;
    assert_eq!(f["deploymentId"], ready["$id"]);
    assert_eq!(f["latestDeploymentStatus"], "ready");

    let e = key(&s, Method::POST, "/functions/echo/executions", json!({"body": "hello", "path": "/p?x=1", "method": "PUT", "headers": {"x-call": "databases"}})).await;
    assert_eq!((e["status"].as_str(), e["responseStatusCode"].as_i64(), e["trigger"].as_str()), (Some("completed"), Some(200), Some("http")));
    assert_eq!(e["logs"], "a log line\n", "keys see logs");
    let out: Value = serde_json::from_str(e["responseBody"].as_str().unwrap()).unwrap();
    assert_eq!((out["method"].as_str(), out["path"].as_str(), out["body"].as_str()), (Some("PUT"), Some("/p?x=1"), Some("hello")));
    assert_eq!((out["functionId"].as_str(), out["runtime"].as_str(), out["greeting"].as_str()), (Some("echo"), Some("Node.js"), Some("hi")));
    let h = &out["headers"];
    assert!(h["x-appwrite-key"].as_str().unwrap().starts_with("ephemeral_"));
    assert_eq!((h["x-appwrite-trigger"].as_str(), h["x-appwrite-execution-id"].as_str()), (Some("http"), e["$id"].as_str()));
    assert_eq!(out["api"], 200, "the injected key may list databases (its scope)");
    let names: Vec<&str> = e["responseHeaders"].as_array().unwrap().iter().map(|h| h["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"x-appwrite-execution-id") && names.contains(&"x-extra"), "{names:?}");

    // Stored: no body, only the allowed headers.
    let stored = key(&s, Method::GET, &format!("/functions/echo/executions/{}", e["$id"].as_str().unwrap()), Value::Null).await;
    assert_eq!(stored["responseBody"], "");
    assert_eq!(stored["responseHeaders"], json!([{"name": "content-type", "value": "application/json; charset=utf-8"}]));

    // Without the scope the same call is refused.
    key(&s, Method::PUT, "/functions/echo", json!({"name": "echo", "scopes": [], "execute": ["any"]})).await;
    let e = key(&s, Method::POST, "/functions/echo/executions", json!({"headers": {"x-call": "databases"}})).await;
    let out: Value = serde_json::from_str(e["responseBody"].as_str().unwrap()).unwrap();
    assert_eq!(out["api"], 401);
    s.stop().await;
}

#[tokio::test]
async fn async_runs_events_and_execute_roles() {
    let s = TestServer::start_with_runtimes(Arc::new(Echo)).await.unwrap();
    function(&s, "hook", json!({"events": ["users.*.create"], "execute": ["users"]})).await;
    deploy(&s, "hook", "").await;

    // Async: 202 waiting, then the queue runs it.
    let mut rx = s.bus.subscribe();
    let (status, e) = s.with_key(Method::POST, "/functions/hook/executions", json!({"async": true, "body": "later"})).await.unwrap();
    assert_eq!((status, e["status"].as_str()), (202, Some("waiting")));
    let id = e["$id"].as_str().unwrap();
    let done = event(&mut rx, &format!("functions.hook.executions.{id}.update")).await;
    assert_eq!(done.payload["status"], "completed");

    // Creating a user triggers the function with the user as its body.
    key(&s, Method::POST, "/users", json!({"userId": "alice", "email": "alice@example.com", "password": "password-123"})).await;
    let run = loop {
        let e = rx.recv().await.unwrap();
        if e.names.iter().any(|n| n.starts_with("functions.hook.executions.") && n.ends_with(".update")) {
            break e;
        }
    };
    assert_eq!(run.payload["trigger"], "event");
    let list = key(&s, Method::GET, "/functions/hook/executions", Value::Null).await;
    assert_eq!(list["total"], 2);

    // `execute: ["users"]`: a guest may not run it, a signed-in user may and reads only theirs.
    let http = reqwest::Client::new();
    let guest = http.post(format!("{}/functions/hook/executions", s.endpoint)).header("X-Appwrite-Project", &s.project).json(&json!({})).send().await.unwrap();
    assert_eq!(guest.status().as_u16(), 401);
    let session = key(&s, Method::POST, "/users/alice/sessions", json!({})).await;
    let secret = session["secret"].as_str().unwrap();
    let mine: Value = http
        .post(format!("{}/functions/hook/executions", s.endpoint))
        .header("X-Appwrite-Project", &s.project)
        .header("X-Appwrite-Session", secret)
        .json(&json!({"body": "from alice"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((mine["status"].as_str(), mine["logs"].as_str()), (Some("completed"), Some("")), "sessions never see logs: {mine}");
    let out: Value = serde_json::from_str(mine["responseBody"].as_str().unwrap()).unwrap();
    assert_eq!(out["headers"]["x-appwrite-user-id"], "alice");
    assert!(!out["headers"]["x-appwrite-user-jwt"].as_str().unwrap().is_empty());
    let listed: Value = http
        .get(format!("{}/functions/hook/executions", s.endpoint))
        .header("X-Appwrite-Project", &s.project)
        .header("X-Appwrite-Session", secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["total"], 1, "a user lists only their own executions: {listed}");
    s.stop().await;
}

#[tokio::test]
async fn scheduled_executions_stay_queued_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let at = (oxwrite_core::app::now_ms() / 60_000 + 3) * 60_000;
    let when = oxwrite_types::time::format(jiff::Timestamp::from_millisecond(at).unwrap());
    let s = TestServer::start_with(dir.path(), Arc::new(Echo)).await.unwrap();
    function(&s, "later", json!({})).await;
    deploy(&s, "later", "").await;
    let (status, e) = s.with_key(Method::POST, "/functions/later/executions", json!({"async": true, "scheduledAt": when})).await.unwrap();
    assert_eq!((status, e["status"].as_str(), e["trigger"].as_str()), (202, Some("scheduled"), Some("schedule")), "{e}");
    let id = e["$id"].as_str().unwrap().to_owned();
    let (status, e) = s.with_key(Method::POST, "/functions/later/executions", json!({"scheduledAt": when})).await.unwrap();
    assert_eq!((status, e["type"].as_str()), (400, Some("general_bad_request")), "scheduled runs must be async");
    s.stop().await;

    let s = TestServer::start_with(dir.path(), Arc::new(Echo)).await.unwrap();
    let e = key(&s, Method::GET, &format!("/functions/later/executions/{id}"), Value::Null).await;
    assert_eq!(e["status"], "scheduled");
    assert_eq!(s.app.store.next_execution_due().await.unwrap(), Some(at), "still queued for its minute");
    s.stop().await;
}
