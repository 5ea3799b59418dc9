//! Webhooks against a local HTTP receiver: Appwrite's headers and signature, retries until the
//! receiver accepts, and a webhook disabled after ten failures in a row.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::{HeaderMap, StatusCode};
use oxwrite_testkit::TestServer;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// A receiver that answers 500 to the first `failures` requests and 200 after, and reports
/// every request it got.
async fn receiver(failures: usize) -> (String, mpsc::UnboundedReceiver<(HeaderMap, String)>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let seen = Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let (tx, seen) = (tx.clone(), seen.clone());
            async move {
                let n = seen.fetch_add(1, Ordering::SeqCst);
                let _ = tx.send((headers, body));
                if n < failures { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::OK }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, rx)
}

struct Api {
    s: TestServer,
}

impl Api {
    async fn key(&self, method: Method, path: &str, body: Value) -> Value {
        crate::support::ok(&self.s, method, path, body).await
    }

    async fn table(&self) {
        self.key(Method::POST, "/tablesdb", json!({"databaseId": "db", "name": "DB"})).await;
        self.key(Method::POST, "/tablesdb/db/tables", json!({"tableId": "t", "name": "T"})).await;
        self.key(Method::POST, "/tablesdb/db/tables/t/columns/varchar", json!({"key": "title", "size": 20, "required": false})).await;
    }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

#[tokio::test]
async fn deliveries_are_signed_and_retried_until_accepted() {
    let api = Api { s: TestServer::start().await.unwrap() };
    api.table().await;
    let (url, mut got) = receiver(2).await;
    let hook = api
        .key(Method::POST, "/webhooks", json!({"webhookId": "h1", "name": "Rows", "url": url, "events": ["databases.*.tables.*.rows.*.create"], "authUsername": "u", "authPassword": "p"}))
        .await;
    let secret = hook["secret"].as_str().unwrap().to_owned();
    assert_eq!(hook["enabled"], true);

    api.key(Method::POST, "/tablesdb/db/tables/t/rows", json!({"rowId": "r1", "data": {"title": "x"}})).await;
    // Two failures, then the third attempt is accepted.
    let mut last = None;
    for _ in 0..3 {
        last = Some(got.recv().await.unwrap());
    }
    let (headers, body) = last.unwrap();
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["$id"], "r1");
    assert_eq!(header(&headers, "x-appwrite-webhook-id"), "h1");
    assert_eq!(header(&headers, "x-appwrite-webhook-name"), "Rows");
    assert_eq!(header(&headers, "x-appwrite-webhook-project-id"), api.s.project);
    assert!(header(&headers, "x-appwrite-webhook-events").split(',').any(|e| e == "databases.db.tables.t.rows.r1.create"));
    assert_eq!(header(&headers, "x-appwrite-webhook-signature"), oxwrite_core::services::webhooks::signature(&secret, &url, &body));
    assert_eq!(header(&headers, "authorization"), "Basic dTpw");

    // Success resets the failure count; the last error stays in the logs.
    let mut hook = Value::Null;
    for _ in 0..200 {
        hook = api.key(Method::GET, "/webhooks/h1", Value::Null).await;
        if hook["attempts"] == 0 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(hook["attempts"], 0);
    assert!(hook["logs"].as_str().unwrap().contains("500"));
}

#[tokio::test]
async fn a_webhook_is_disabled_after_ten_failures_in_a_row() {
    let api = Api { s: TestServer::start().await.unwrap() };
    api.table().await;
    let (url, mut got) = receiver(usize::MAX).await;
    api.key(Method::POST, "/webhooks", json!({"webhookId": "h2", "name": "Down", "url": url, "events": ["databases.*.tables.*.rows.*.create"]})).await;
    for i in 0..10 {
        api.key(Method::POST, "/tablesdb/db/tables/t/rows", json!({"rowId": format!("r{i}"), "data": {"title": "x"}})).await;
    }
    for _ in 0..10 {
        got.recv().await.unwrap();
    }
    let mut hook = Value::Null;
    for _ in 0..200 {
        hook = api.key(Method::GET, "/webhooks/h2", Value::Null).await;
        if hook["enabled"] == false {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(hook["enabled"], false);
    assert_eq!(hook["attempts"], 10);
}

#[tokio::test]
async fn a_queued_delivery_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    // A receiver address with nobody listening yet.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/hook");
    let api = Api { s: TestServer::start_in(dir.path()).await.unwrap() };
    api.table().await;
    api.key(Method::POST, "/webhooks", json!({"webhookId": "h3", "name": "Later", "url": url, "events": ["databases.*.tables.*.rows.*.create"]})).await;
    api.key(Method::POST, "/tablesdb/db/tables/t/rows", json!({"rowId": "kept", "data": {"title": "x"}})).await;
    // The first attempt fails (connection refused) and the delivery waits in the queue.
    for _ in 0..500 {
        if api.key(Method::GET, "/webhooks/h3", Value::Null).await["attempts"] != 0 {
            break;
        }
        tokio::task::yield_now().await;
    }
    api.s.stop().await;

    // The receiver comes up, then the server again: the queued delivery arrives.
    let (tx, mut got) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: String| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(body);
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let again = TestServer::start_in(dir.path()).await.unwrap();
    let body = got.recv().await.unwrap();
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["$id"], "kept");
    again.stop().await;
}
