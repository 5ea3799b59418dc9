//! `/v1/realtime` over a real WebSocket: connecting with a session, subscribing, receiving only
//! the rows the user may read, keys ignored, unsubscribing, and a bad project closed with 1008.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use futures_util::{SinkExt, StreamExt};
use oxwrite_testkit::TestServer;
use reqwest::{Client, Method};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

struct Api {
    http: Client,
    s: TestServer,
}

impl Api {
    async fn key(&self, method: Method, path: &str, body: Value) -> Value {
        crate::support::ok(&self.s, method, path, body).await
    }

    /// A user with a session; returns (user id, session secret).
    async fn user(&self, name: &str) -> (String, String) {
        let user = self.key(Method::POST, "/users", json!({"userId": name, "email": format!("{name}@example.com"), "password": "password-123"})).await;
        let session = self.key(Method::POST, &format!("/users/{name}/sessions"), json!({})).await;
        (user["$id"].as_str().unwrap().to_owned(), session["secret"].as_str().unwrap().to_owned())
    }

    async fn connect(&self, query: &str, headers: &[(&'static str, &str)]) -> Socket {
        let url = format!("{}/realtime?{query}", self.s.endpoint.replace("http://", "ws://"));
        let mut req = url.into_client_request().unwrap();
        for (k, v) in headers {
            req.headers_mut().insert(*k, v.parse().unwrap());
        }
        tokio_tungstenite::connect_async(req).await.expect("websocket connects").0
    }

    /// Uploads file `id` (with `permission`) as the key does, in one request.
    async fn upload(&self, bucket: &str, id: &str, permission: &str) {
        let body = format!(
            "--b\r\nContent-Disposition: form-data; name=\"fileId\"\r\n\r\n{id}\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{id}.txt\"\r\n\r\nhello\r\n--b\r\nContent-Disposition: form-data; name=\"permissions[]\"\r\n\r\n{permission}\r\n--b--\r\n"
        );
        let res = self
            .http
            .post(format!("{}/storage/buckets/{bucket}/files", self.s.endpoint))
            .header("X-Appwrite-Project", &self.s.project)
            .header("X-Appwrite-Key", &self.s.key)
            .header("content-type", "multipart/form-data; boundary=b")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
    }
}

/// A server with table `db/t` (row security, a `title` column) and alice's socket on the
/// rows channel, connected; returns (api, alice's id, the socket).
async fn alice_on_rows() -> (Api, String, Socket) {
    let api = Api { http: Client::new(), s: TestServer::start().await.expect("server") };
    let (alice, secret) = api.user("alice").await;
    api.key(Method::POST, "/tablesdb", json!({"databaseId": "db", "name": "DB"})).await;
    api.key(Method::POST, "/tablesdb/db/tables", json!({"tableId": "t", "name": "T", "rowSecurity": true})).await;
    api.key(Method::POST, "/tablesdb/db/tables/t/columns/varchar", json!({"key": "title", "size": 20, "required": false})).await;
    let project = api.s.project.clone();
    let mut ws = api.connect(&format!("project={project}&channels[]=rows"), &[("x-appwrite-session", &secret)]).await;
    assert_eq!(next_json(&mut ws).await["data"]["user"]["$id"], alice);
    (api, alice, ws)
}

async fn next_json(ws: &mut Socket) -> Value {
    loop {
        match ws.next().await.expect("a message").expect("no socket error") {
            Message::Text(t) => return serde_json::from_str(&t).unwrap(),
            Message::Close(frame) => return json!({"closed": frame.map(|f| u16::from(f.code))}),
            _ => continue,
        }
    }
}

async fn send(ws: &mut Socket, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

#[tokio::test]
async fn rows_reach_only_readers_and_keys_are_ignored() {
    let api = Api { http: Client::new(), s: TestServer::start().await.expect("server") };
    let (alice, secret) = api.user("alice").await;
    api.user("bob").await;
    api.key(Method::POST, "/tablesdb", json!({"databaseId": "db", "name": "DB"})).await;
    api.key(Method::POST, "/tablesdb/db/tables", json!({"tableId": "t", "name": "T", "rowSecurity": true})).await;
    api.key(Method::POST, "/tablesdb/db/tables/t/columns/varchar", json!({"key": "title", "size": 20, "required": false})).await;

    let cookie = format!("a_session_{}={secret}", api.s.project);
    let mut ws = api.connect(&format!("project={}", api.s.project), &[("cookie", &cookie)]).await;
    let connected = next_json(&mut ws).await;
    assert_eq!(connected["type"], "connected");
    assert_eq!(connected["data"]["user"]["$id"], alice);

    send(&mut ws, json!({"type": "subscribe", "data": [{"subscriptionId": "s1", "channels": ["databases.db.tables.t.rows"], "queries": []}]})).await;
    let answer = next_json(&mut ws).await;
    assert_eq!(answer["data"]["to"], "subscribe");
    assert_eq!(answer["data"]["subscriptions"][0]["subscriptionId"], "s1");

    // A key-only socket is a guest: it gets no private events.
    let mut keyed = api.connect(&format!("project={}&channels[]=rows", api.s.project), &[("x-appwrite-key", &api.s.key)]).await;
    assert_eq!(next_json(&mut keyed).await["data"]["user"], Value::Null);

    // Bob's row first, then Alice's: the first event Alice sees must be hers.
    api.key(Method::POST, "/tablesdb/db/tables/t/rows", json!({"rowId": "bobs", "data": {"title": "b"}, "permissions": ["read(\"user:bob\")"]})).await;
    api.key(Method::POST, "/tablesdb/db/tables/t/rows", json!({"rowId": "alices", "data": {"title": "a"}, "permissions": ["read(\"user:alice\")"]})).await;
    let event = next_json(&mut ws).await;
    assert_eq!(event["type"], "event");
    assert_eq!(event["data"]["payload"]["$id"], "alices");
    assert_eq!(event["data"]["subscriptions"], json!(["s1"]));
    assert!(event["data"]["events"].as_array().unwrap().contains(&json!("databases.db.tables.t.rows.alices.create")));

    // A public row reaches the guest socket too; it is the first thing that socket sees.
    api.key(Method::POST, "/tablesdb/db/tables/t/rows", json!({"rowId": "public", "data": {"title": "p"}, "permissions": ["read(\"any\")"]})).await;
    assert_eq!(next_json(&mut keyed).await["data"]["payload"]["$id"], "public");
    assert_eq!(next_json(&mut ws).await["data"]["payload"]["$id"], "public");

    // Heartbeat, then unsubscribe: afterwards only the pong answers.
    send(&mut ws, json!({"type": "unsubscribe", "data": {"subscriptionId": "s1"}})).await;
    assert_eq!(next_json(&mut ws).await["data"]["to"], "unsubscribe");
    api.key(Method::POST, "/tablesdb/db/tables/t/rows", json!({"rowId": "later", "data": {"title": "l"}, "permissions": ["read(\"any\")"]})).await;
    send(&mut ws, json!({"type": "ping"})).await;
    assert_eq!(next_json(&mut ws).await["type"], "pong");
}

#[tokio::test]
async fn authentication_message_and_bad_project() {
    let api = Api { http: Client::new(), s: TestServer::start().await.expect("server") };
    let (alice, secret) = api.user("alice").await;
    let mut ws = api.connect(&format!("project={}", api.s.project), &[]).await;
    assert_eq!(next_json(&mut ws).await["data"]["user"], Value::Null);
    send(&mut ws, json!({"type": "authentication", "data": {"session": "nonsense"}})).await;
    assert_eq!(next_json(&mut ws).await["data"]["code"], 1003);
    send(&mut ws, json!({"type": "authentication", "data": {"session": secret}})).await;
    let ok = next_json(&mut ws).await;
    assert_eq!(ok["data"]["to"], "authentication");
    assert_eq!(ok["data"]["user"]["$id"], alice);
    send(&mut ws, json!({"type": "nonsense"})).await;
    assert_eq!(next_json(&mut ws).await["data"]["code"], 1003);

    let mut bad = api.connect("project=nope", &[]).await;
    assert_eq!(next_json(&mut bad).await["data"]["code"], 1008);
    assert_eq!(next_json(&mut bad).await["closed"], 1008);
}

#[tokio::test]
async fn account_events_reach_their_user_only() {
    let api = Api { http: Client::new(), s: TestServer::start().await.expect("server") };
    let (alice, secret) = api.user("alice").await;
    let (_, bob_secret) = api.user("bob").await;
    let project = api.s.project.clone();
    let mut ws = api.connect(&format!("project={project}&channels[]=account"), &[("x-appwrite-session", &secret)]).await;
    let connected = next_json(&mut ws).await;
    assert_eq!(connected["data"]["channels"], json!([format!("account.{alice}")]));

    // Bob renames himself first (Alice must not hear it), then Alice does.
    for (session, name) in [(&bob_secret, "Bobby"), (&secret, "Ally")] {
        let res = api
            .http
            .patch(format!("{}/account/name", api.s.endpoint))
            .header("X-Appwrite-Project", &project)
            .header("X-Appwrite-Session", session.as_str())
            .json(&json!({"name": name}))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success());
    }
    let event = next_json(&mut ws).await;
    assert_eq!(event["data"]["payload"]["name"], "Ally");
    assert!(event["data"]["events"].as_array().unwrap().contains(&json!(format!("users.{alice}.update.name"))));
    assert!(event["data"]["channels"].as_array().unwrap().contains(&json!(format!("account.{alice}"))));
}

#[tokio::test]
async fn a_deleted_session_stops_private_events_at_once() {
    let (api, alice, mut ws) = alice_on_rows().await;

    let sessions = api.key(Method::GET, &format!("/users/{alice}/sessions"), Value::Null).await;
    let session = sessions["sessions"][0]["$id"].as_str().unwrap().to_owned();
    api.key(Method::DELETE, &format!("/users/{alice}/sessions/{session}"), Value::Null).await;
    // Her private row must not arrive; the public one after it must.
    api.key(Method::POST, "/tablesdb/db/tables/t/rows", json!({"rowId": "private", "data": {"title": "p"}, "permissions": ["read(\"user:alice\")"]})).await;
    api.key(Method::POST, "/tablesdb/db/tables/t/rows", json!({"rowId": "public", "data": {"title": "p"}, "permissions": ["read(\"any\")"]})).await;
    assert_eq!(next_json(&mut ws).await["data"]["payload"]["$id"], "public");
}

#[tokio::test]
async fn foreign_origins_and_connection_floods_are_refused() {
    let api = Api { http: Client::new(), s: TestServer::start().await.expect("server") };
    let project = api.s.project.clone();
    let mut evil = api.connect(&format!("project={project}"), &[("origin", "http://evil.example")]).await;
    let refused = next_json(&mut evil).await;
    assert_eq!(refused["data"]["code"], 1008);
    assert!(refused["data"]["message"].as_str().unwrap().starts_with("Invalid Origin"));
    // Appwrite's abuse limit: 128 connections a minute per address.
    for _ in 0..128 {
        let mut ws = api.connect(&format!("project={project}"), &[]).await;
        assert_eq!(next_json(&mut ws).await["type"], "connected");
    }
    let mut flood = api.connect(&format!("project={project}"), &[]).await;
    assert_eq!(next_json(&mut flood).await["data"]["code"], 1013);
}

#[tokio::test]
async fn team_events_reach_members_only() {
    let api = Api { http: Client::new(), s: TestServer::start().await.expect("server") };
    let (_, alice_secret) = api.user("alice").await;
    let (_, bob_secret) = api.user("bob").await;
    let project = api.s.project.clone();
    // Alice creates a team (she becomes its owner); Bob is not in it.
    let res = api
        .http
        .post(format!("{}/teams", api.s.endpoint))
        .header("X-Appwrite-Project", &project)
        .header("X-Appwrite-Session", alice_secret.as_str())
        .json(&json!({"teamId": "crew", "name": "Crew"}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let mut alice = api.connect(&format!("project={project}&channels[]=teams"), &[("x-appwrite-session", &alice_secret)]).await;
    let mut bob = api.connect(&format!("project={project}&channels[]=teams&channels[]=rows"), &[("x-appwrite-session", &bob_secret)]).await;
    next_json(&mut alice).await;
    next_json(&mut bob).await;
    let res = api
        .http
        .put(format!("{}/teams/crew/prefs", api.s.endpoint))
        .header("X-Appwrite-Project", &project)
        .header("X-Appwrite-Session", alice_secret.as_str())
        .json(&json!({"prefs": {"color": "blue"}}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let event = next_json(&mut alice).await;
    assert!(event["data"]["channels"].as_array().unwrap().contains(&json!("teams.crew")));
    // Bob hears nothing of it: the next thing he gets is a public row.
    api.key(Method::POST, "/tablesdb", json!({"databaseId": "db", "name": "DB"})).await;
    api.key(Method::POST, "/tablesdb/db/tables", json!({"tableId": "t", "name": "T", "permissions": ["read(\"any\")"]})).await;
    api.key(Method::POST, "/tablesdb/db/tables/t/columns/varchar", json!({"key": "title", "size": 20, "required": false})).await;
    api.key(Method::POST, "/tablesdb/db/tables/t/rows", json!({"rowId": "open", "data": {"title": "o"}})).await;
    assert_eq!(next_json(&mut bob).await["data"]["payload"]["$id"], "open");
}

#[tokio::test]
async fn deleting_all_sessions_also_stops_private_events() {
    let (api, alice, mut ws) = alice_on_rows().await;
    api.key(Method::DELETE, &format!("/users/{alice}/sessions"), Value::Null).await;
    api.key(Method::POST, "/tablesdb/db/tables/t/rows", json!({"rowId": "private", "data": {"title": "p"}, "permissions": ["read(\"user:alice\")"]})).await;
    api.key(Method::POST, "/tablesdb/db/tables/t/rows", json!({"rowId": "public", "data": {"title": "p"}, "permissions": ["read(\"any\")"]})).await;
    assert_eq!(next_json(&mut ws).await["data"]["payload"]["$id"], "public");
}

#[tokio::test]
async fn file_events_reach_only_readers_of_the_file() {
    let api = Api { http: Client::new(), s: TestServer::start().await.expect("server") };
    let (_, secret) = api.user("alice").await;
    api.key(Method::POST, "/storage/buckets", json!({"bucketId": "b", "name": "B", "fileSecurity": true})).await;
    let cookie = format!("a_session_{}={secret}", api.s.project);
    let mut ws = api.connect(&format!("project={}&channels[]=files&channels[]=buckets.b.files", api.s.project), &[("cookie", &cookie)]).await;
    assert_eq!(next_json(&mut ws).await["type"], "connected");

    // Bob's file first, then Alice's: the first event Alice sees must be hers.
    api.upload("b", "bobs", "read(\"user:bob\")").await;
    api.upload("b", "alices", "read(\"user:alice\")").await;
    let event = next_json(&mut ws).await;
    assert_eq!(event["data"]["payload"]["$id"], "alices");
    for channel in ["files", "buckets.b.files", "buckets.b.files.alices", "files.create"] {
        assert!(event["data"]["channels"].as_array().unwrap().contains(&json!(channel)), "{channel}: {event}");
    }
    assert!(event["data"]["events"].as_array().unwrap().contains(&json!("buckets.b.files.alices.create")));

    api.key(Method::PUT, "/storage/buckets/b/files/alices", json!({"name": "renamed.txt"})).await;
    let event = next_json(&mut ws).await;
    assert_eq!((event["data"]["payload"]["name"].as_str(), event["data"]["events"][0].as_str().map(|e| e.ends_with(".update"))), (Some("renamed.txt"), Some(true)));
    api.key(Method::DELETE, "/storage/buckets/b/files/alices", Value::Null).await;
    let event = next_json(&mut ws).await;
    assert!(event["data"]["events"].as_array().unwrap().contains(&json!("buckets.b.files.alices.delete")));
}
