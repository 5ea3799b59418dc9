//! The integration test binary: real HTTP against a real server on port 0.
// A failing setup step should fail the test loudly; the no-expect rule is for library code.
#![allow(clippy::expect_used)]

use oxwrite_testkit::TestServer;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

struct Api {
    http: Client,
    s: TestServer,
}

impl Api {
    async fn new() -> Self {
        Self { http: Client::new(), s: TestServer::start().await.expect("server starts") }
    }

    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.s.endpoint)).header("X-Appwrite-Project", &self.s.project)
    }

    async fn call(&self, rb: reqwest::RequestBuilder) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let res = rb.send().await.expect("request");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        (status, headers, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
}

#[tokio::test]
async fn ping_and_unknown_routes() {
    let api = Api::new().await;
    let (status, _, body) = api.call(api.req(reqwest::Method::GET, "/ping")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "Pong!");
    let (status, _, body) = api.call(api.req(reqwest::Method::GET, "/no/such/route")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["type"], "general_route_not_found");
    // A spec operation that is not built yet answers 501, never a stub.
    let (status, _, body) = api.call(api.req(reqwest::Method::GET, "/storage/usage").header("X-Appwrite-Key", &api.s.key)).await;
    assert_eq!(status, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(body["type"], "general_not_implemented");
}

#[tokio::test]
async fn guests_lack_the_account_scope() {
    let api = Api::new().await;
    let (status, _, body) = api.call(api.req(reqwest::Method::GET, "/account")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["type"], "general_unauthorized_scope");
    assert_eq!(body["message"], "User (role: guests) missing scopes ([\"account\"])");
    assert_eq!(body["version"], "1.9.5");
}

#[tokio::test]
async fn server_side_rendering_flow() {
    let api = Api::new().await;
    let admin = api.s.key_with(&["sessions.write"]).await.expect("key");
    let signup = json!({"userId": "unique()", "email": "Ssr@Example.com", "password": "password123"});
    let (status, _, user) = api.call(api.req(reqwest::Method::POST, "/account").header("X-Appwrite-Key", &admin).json(&signup)).await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    assert_eq!(user["email"], "ssr@example.com");
    assert!(user.get("password").is_none(), "account model hides the hash");

    let login = json!({"email": "ssr@example.com", "password": "password123"});
    let (status, _, session) = api.call(api.req(reqwest::Method::POST, "/account/sessions/email").header("X-Appwrite-Key", &admin).json(&login)).await;
    assert_eq!(status, StatusCode::CREATED, "{session}");
    let secret = session["secret"].as_str().expect("key callers see the secret").to_owned();
    assert!(!secret.is_empty());

    let (status, _, me) = api.call(api.req(reqwest::Method::GET, "/account").header("X-Appwrite-Session", &secret)).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["$id"], user["$id"]);

    let (status, _, _) = api.call(api.req(reqwest::Method::DELETE, "/account/sessions/current").header("X-Appwrite-Session", &secret)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = api.call(api.req(reqwest::Method::GET, "/account").header("X-Appwrite-Session", &secret)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "logout invalidates the secret");
}

#[tokio::test]
async fn browser_login_sets_cookies_and_hides_the_secret() {
    let api = Api::new().await;
    let signup = json!({"userId": "u1", "email": "b@example.com", "password": "password123"});
    let (status, _, _) = api.call(api.req(reqwest::Method::POST, "/account").json(&signup)).await;
    assert_eq!(status, StatusCode::CREATED);
    let login = json!({"email": "b@example.com", "password": "password123"});
    let (status, headers, session) = api.call(api.req(reqwest::Method::POST, "/account/sessions/email").json(&login)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(session["secret"], "");
    let cookies: Vec<&str> = headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).collect();
    assert!(cookies.iter().any(|c| c.starts_with("a_session_test=") && c.contains("httponly") && c.contains("samesite=None")));
    assert!(cookies.iter().any(|c| c.starts_with("a_session_test_legacy=") && !c.contains("samesite")));
}

#[tokio::test]
async fn failed_browser_logins_are_rate_limited_but_keys_are_not() {
    let api = Api::new().await;
    let bad = json!({"email": "nobody@example.com", "password": "wrong-password"});
    for i in 1..=10 {
        let (status, headers, _) = api.call(api.req(reqwest::Method::POST, "/account/sessions/email").json(&bad)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {i}");
        assert_eq!(headers["x-ratelimit-limit"], "10");
    }
    let (status, _, body) = api.call(api.req(reqwest::Method::POST, "/account/sessions/email").json(&bad)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["type"], "general_rate_limit_exceeded");
    let (status, _, _) = api.call(api.req(reqwest::Method::POST, "/account/sessions/email").header("X-Appwrite-Key", &api.s.key).json(&bad)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "keys are never counted");
}

#[tokio::test]
async fn scopes_and_bad_input() {
    let api = Api::new().await;
    let reader = api.s.key_with(&["users.read"]).await.expect("key");
    let (status, _, _) = api.call(api.req(reqwest::Method::GET, "/users").header("X-Appwrite-Key", &reader)).await;
    assert_eq!(status, StatusCode::OK);
    let create = json!({"userId": "x", "email": "x@example.com"});
    let (status, _, body) = api.call(api.req(reqwest::Method::POST, "/users").header("X-Appwrite-Key", &reader).json(&create)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["type"], "general_unauthorized_scope");

    let key = api.s.key.clone();
    let (status, _, body) = api
        .call(api.req(reqwest::Method::POST, "/users").header("X-Appwrite-Key", &key).header("content-type", "application/json").body("{not json"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["type"], "general_argument_invalid");
    let long = json!({"userId": "a".repeat(37), "email": "l@example.com"});
    let (status, _, body) = api.call(api.req(reqwest::Method::POST, "/users").header("X-Appwrite-Key", &key).json(&long)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let wrong_type = json!({"userId": "ok", "email": 42});
    let (status, _, _) = api.call(api.req(reqwest::Method::POST, "/users").header("X-Appwrite-Key", &key).json(&wrong_type)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, body) = api.call(api.req(reqwest::Method::GET, "/users?queries[0]=nonsense").header("X-Appwrite-Key", &key)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn spoofed_forwarded_for_does_not_escape_ip_limits() {
    // POST /account allows 10 signups per hour per IP; without a trusted proxy a client's own
    // X-Forwarded-For must not count as a new IP.
    let api = Api::new().await;
    for i in 1..=10 {
        let body = json!({"userId": "unique()", "email": format!("s{i}@example.com"), "password": "password123"});
        let (status, _, _) = api.call(api.req(reqwest::Method::POST, "/account").header("X-Forwarded-For", format!("10.0.0.{i}")).json(&body)).await;
        assert_eq!(status, StatusCode::CREATED, "signup {i}");
    }
    let body = json!({"userId": "unique()", "email": "s11@example.com", "password": "password123"});
    let (status, _, _) = api.call(api.req(reqwest::Method::POST, "/account").header("X-Forwarded-For", "10.0.0.11").json(&body)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}
