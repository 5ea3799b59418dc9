//! The binary's integration tests, in one test binary: one link instead of seven, which keeps
//! the debug build small and fast to link. Each module is one area, run through HTTP against a
//! real server on port 0 (see `oxwrite-testkit`).

#![allow(clippy::expect_used)]

mod api;
mod architecture;
mod events;
mod functions;
mod realtime;
mod storage;
mod webhooks;

/// What the areas share.
mod support {
    use oxwrite_testkit::TestServer;
    use reqwest::Method;
    use serde_json::Value;

    /// A request with the project's all-scopes key that must succeed; its JSON body.
    pub async fn ok(s: &TestServer, method: Method, path: &str, body: Value) -> Value {
        let (status, json) = s.with_key(method, path, body).await.expect("request");
        assert!(status < 300, "{path}: {status} {json}");
        json
    }
}
