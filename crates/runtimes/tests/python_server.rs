//! The python server (`servers/python/server.py`) against the open-runtimes v5 protocol
//! (behaviour notes §7.2 and §7.4), started directly and called over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::python;

const FUNCTION: &str = r#"
import asyncio

from .helper import WORD


async def main(context):
    req = context.req
    res = context.res
    path = req.path
    if path == "/json":
        return res.json({"ok": True, "n": 1}, 201, {"X-Custom": "a", "x-open-runtimes-hidden": "b"})
    if path == "/text":
        return res.text("héllo")
    if path == "/binary":
        return res.binary(bytes([0, 1, 2, 255]), 200, {"content-type": "application/octet-stream"})
    if path == "/empty":
        return res.empty()
    if path == "/redirect":
        return res.redirect("https://example.com/next", 302)
    if path == "/send":
        return res.send("sent", 202)
    if path == "/req":
        return res.json({
            "method": req.method, "path": req.path, "query": req.query,
            "query_string": req.query_string, "headers": req.headers, "host": req.host,
            "port": req.port, "scheme": req.scheme, "url": req.url, "body": req.body,
            "body_text": req.body_text, "body_raw": req.body_raw, "binary_length": len(req.body_binary),
        })
    if path == "/logs":
        context.log("hello", {"a": 1}, [1, 2])
        context.error("oops")
        print("native")
        context.log("x" * 9000)
        return res.text("ok")
    if path == "/throw":
        raise ValueError("boom")
    if path == "/missing":
        return None
    if path == "/hang":
        await asyncio.sleep(3600)
    if path == "/word":
        return res.text(WORD)
    if path == "/badjson":
        return res.json({"parsed": req.body_json})
    return res.text("unknown", 404)
"#;

async fn server() -> common::Server {
    python(
        "src/main.py",
        &[
            ("src/main.py", FUNCTION),
            ("src/helper.py", "WORD = 'relative'\n"),
        ],
    )
    .await
}

#[tokio::test]
async fn responses() {
    let s = server().await;

    let r = s.call("GET", "/json", &[], b"").await;
    assert_eq!(r.status, 201, "{}", r.errors);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(r.header("x-custom").as_deref(), Some("a"));
    assert!(r.header("x-open-runtimes-hidden").is_none());
    assert_eq!(r.text(), r#"{"ok":true,"n":1}"#);

    let r = s.call("GET", "/text", &[], b"").await;
    assert_eq!((r.status, r.text()), (200, "héllo".to_owned()));
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/plain; charset=utf-8")
    );

    let r = s.call("GET", "/binary", &[], b"").await;
    assert_eq!(r.body, vec![0, 1, 2, 255]);

    let r = s.call("GET", "/empty", &[], b"").await;
    assert_eq!(r.status, 204);
    assert!(r.body.is_empty());

    let r = s.call("GET", "/redirect", &[], b"").await;
    assert_eq!(r.status, 302);
    assert_eq!(
        r.header("location").as_deref(),
        Some("https://example.com/next")
    );

    let r = s.call("GET", "/send", &[], b"").await;
    assert_eq!((r.status, r.text()), (202, "sent".to_owned()));

    let r = s.call("GET", "/word", &[], b"").await;
    assert_eq!(r.text(), "relative", "{}", r.errors);
}

#[tokio::test]
async fn request_fields() {
    let s = server().await;
    let r = s
        .call(
            "PATCH",
            "/req?a=1&b&c=x=y",
            &[
                ("content-type", "application/json; charset=utf-8"),
                ("X-Mixed-Case", "v"),
                ("x-open-runtimes-extra", "h"),
            ],
            br#"{"k":[1,2]}"#,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.errors);
    let v = r.json();
    assert_eq!(v["method"], "PATCH");
    assert_eq!(v["path"], "/req");
    assert_eq!(v["query_string"], "a=1&b&c=x=y");
    assert_eq!(
        v["query"],
        serde_json::json!({"a": "1", "b": "", "c": "x=y"})
    );
    assert_eq!(v["body"], serde_json::json!({"k": [1, 2]}));
    assert_eq!(v["body_text"], r#"{"k":[1,2]}"#);
    assert_eq!(v["body_raw"], r#"{"k":[1,2]}"#);
    assert_eq!(v["binary_length"], 11);
    assert_eq!(v["headers"]["x-mixed-case"], "v");
    assert_eq!(v["headers"]["x-forced"], "yes");
    assert!(v["headers"].get("x-open-runtimes-extra").is_none());
    assert_eq!(v["host"], "127.0.0.1");
    assert_eq!(v["port"], s.port);
    assert_eq!(
        v["url"],
        format!("http://127.0.0.1:{}/req?a=1&b&c=x=y", s.port)
    );

    let r = s
        .call("POST", "/req", &[("content-type", "application/json")], b"")
        .await;
    assert_eq!(r.json()["body"], serde_json::json!({}));
    let r = s.call("POST", "/req", &[], b"plain").await;
    assert_eq!(r.json()["body"], "plain");
}

#[tokio::test]
async fn logs_and_errors() {
    let s = server().await;
    let r = s.call("GET", "/logs", &[], b"").await;
    assert_eq!(r.status, 200, "{}", r.errors);
    let lines: Vec<&str> = r.logs.lines().collect();
    assert_eq!(lines[0], r#"hello {"a":1} [1,2]"#);
    assert_eq!(
        lines[1],
        format!(
            "{}... Log truncated due to size limit (8000 characters)",
            "x".repeat(8000)
        )
    );
    assert_eq!(
        lines[2],
        "Native logs detected. Use context.log() or context.error() for better experience."
    );
    assert_eq!(lines[3], "native");
    assert_eq!(r.errors, "oops\n");
}

#[tokio::test]
async fn failures() {
    let s = server().await;
    let r = s.call("GET", "/throw", &[], b"").await;
    assert_eq!(r.status, 500);
    assert!(r.body.is_empty());
    assert!(
        r.errors.starts_with("Traceback (most recent call last):"),
        "{}",
        r.errors
    );
    assert!(r.errors.contains("ValueError: boom"), "{}", r.errors);

    let r = s.call("GET", "/missing", &[], b"").await;
    assert_eq!(r.status, 500);
    assert_eq!(
        r.errors,
        "Return statement missing. return context.res.empty() if no response is expected.\n"
    );

    let r = s.call("POST", "/badjson", &[], b"{nope").await;
    assert_eq!(r.status, 500);
    assert!(r.errors.contains("JSONDecodeError"), "{}", r.errors);

    let r = s
        .call("GET", "/hang", &[("x-open-runtimes-timeout", "1")], b"")
        .await;
    assert_eq!(r.status, 500);
    assert_eq!(r.errors, "Execution timed out.\n");

    let r = s
        .call("GET", "/text", &[("x-open-runtimes-timeout", "0")], b"")
        .await;
    assert_eq!(
        r.text(),
        r#"Header "x-open-runtimes-timeout" must be an integer greater than 0."#
    );

    let r = s
        .call_with(
            "GET",
            "/text",
            &[("x-open-runtimes-secret", "wrong")],
            b"",
            false,
        )
        .await;
    assert_eq!(r.status, 500);
    assert_eq!(
        r.text(),
        r#"Unauthorized. Provide correct "x-open-runtimes-secret" header."#
    );

    let r = s.call_with("GET", "/__opr/health", &[], b"", false).await;
    assert_eq!((r.status, r.text()), (200, "OK".to_owned()));
}

#[tokio::test]
async fn sync_main() {
    let s = python(
        "main.py",
        &[(
            "main.py",
            "def main(context):\n    return context.res.json({'sync': True})\n",
        )],
    )
    .await;
    let r = s.call("GET", "/", &[], b"").await;
    assert_eq!(r.json(), serde_json::json!({"sync": true}), "{}", r.errors);
}

#[tokio::test]
async fn load_errors() {
    let s = python("nope.py", &[]).await;
    let r = s.call("GET", "/", &[], b"").await;
    assert_eq!(r.status, 503);
    assert_eq!(
        r.errors,
        "Failed to load entrypoint, file nope.py does not exist.\n"
    );

    let s = python("main.py", &[("main.py", "VALUE = 1\n")]).await;
    let r = s.call("GET", "/", &[], b"").await;
    assert_eq!(r.status, 503);
    assert_eq!(
        r.errors,
        "Function signature invalid. Did you forget to export a 'main' function?\n"
    );

    let s = python("main.py", &[("main.py", "import not_a_module_anywhere\n")]).await;
    let r = s.call("GET", "/", &[], b"").await;
    assert_eq!(r.status, 503);
    assert_eq!(r.errors, "Module not found: not_a_module_anywhere\n");

    let s = python("main.py", &[("main.py", "def main(context:\n")]).await;
    let r = s.call("GET", "/", &[], b"").await;
    assert_eq!(r.status, 503);
    assert!(r.errors.starts_with("Syntax error in "), "{}", r.errors);
}
