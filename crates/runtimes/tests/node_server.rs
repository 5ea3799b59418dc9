//! The node server (`servers/node/server.mjs`) against the open-runtimes v5 protocol (behaviour
//! notes §7.1–7.3), started directly and called over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{SECRET, node};

const FUNCTION: &str = r#"
export default async ({ req, res, log, error }) => {
  switch (req.path) {
    case "/json":
      return res.json({ ok: true, n: 1 }, 201, { "X-Custom": "a", "x-open-runtimes-hidden": "b" });
    case "/text":
      return res.text("héllo");
    case "/binary":
      return res.binary(Buffer.from([0, 1, 2, 255]), 200, { "content-type": "application/octet-stream" });
    case "/empty":
      return res.empty();
    case "/redirect":
      return res.redirect("https://example.com/next", 302);
    case "/send":
      return res.send("sent", 202, { "content-type": "multipart/form-data; boundary=x" });
    case "/req":
      return res.json({
        method: req.method, path: req.path, query: req.query, queryString: req.queryString,
        headers: req.headers, host: req.host, port: req.port, scheme: req.scheme, url: req.url,
        body: req.body, bodyText: req.bodyText, bodyRaw: req.bodyRaw, binaryLength: req.bodyBinary.length,
      });
    case "/logs":
      log("hello", { a: 1 }, [1, 2]);
      error("oops", new Error("inner"));
      console.log("native");
      console.error("native error");
      log("x".repeat(9000));
      return res.text("ok");
    case "/throw":
      throw new Error("boom");
    case "/missing":
      return;
    case "/hang":
      return new Promise(() => {});
    case "/badjson":
      return res.json({ parsed: req.bodyJson });
  }
  return res.text("unknown", 404);
};
"#;

async fn server() -> common::Server {
    node("index.js", &[("index.js", FUNCTION)]).await
}

#[tokio::test]
async fn responses() {
    let s = server().await;

    let r = s.call("GET", "/json", &[], b"").await;
    assert_eq!(r.status, 201);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(r.header("x-custom").as_deref(), Some("a"));
    assert!(r.header("x-open-runtimes-hidden").is_none());
    assert!(r.header("x-open-runtimes-log-id").is_some());
    assert_eq!(r.json(), serde_json::json!({"ok": true, "n": 1}));

    let r = s.call("GET", "/text", &[], b"").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(r.text(), "héllo");

    let r = s.call("GET", "/binary", &[], b"").await;
    assert_eq!(r.body, vec![0, 1, 2, 255]);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/octet-stream; charset=utf-8")
    );

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
    assert_eq!(r.status, 202);
    assert_eq!(r.text(), "sent");
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("multipart/form-data; boundary=x")
    );
}

#[tokio::test]
async fn request_fields() {
    let s = server().await;
    let r = s
        .call(
            "POST",
            "/req?a=1&b&c=x=y&&d=%20",
            &[
                ("content-type", "application/json"),
                ("X-Mixed-Case", "v"),
                ("x-open-runtimes-extra", "hidden"),
            ],
            br#"{"k":[1,2]}"#,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.errors);
    let v = r.json();
    assert_eq!(v["method"], "POST");
    assert_eq!(v["path"], "/req");
    assert_eq!(v["queryString"], "a=1&b&c=x=y&&d=%20");
    assert_eq!(
        v["query"],
        serde_json::json!({"a": "1", "b": "", "c": "x=y", "d": "%20"})
    );
    assert_eq!(v["body"], serde_json::json!({"k": [1, 2]}));
    assert_eq!(v["bodyText"], r#"{"k":[1,2]}"#);
    assert_eq!(v["bodyRaw"], r#"{"k":[1,2]}"#);
    assert_eq!(v["binaryLength"], 11);
    assert_eq!(v["headers"]["x-mixed-case"], "v");
    assert_eq!(v["headers"]["x-forced"], "yes");
    assert!(v["headers"].get("x-open-runtimes-extra").is_none());
    assert!(v["headers"].get("x-open-runtimes-secret").is_none());
    assert_eq!(v["host"], "127.0.0.1");
    assert_eq!(v["port"], s.port);
    assert_eq!(v["scheme"], "http");
    assert_eq!(
        v["url"],
        format!("http://127.0.0.1:{}/req?a=1&b&c=x=y&&d=%20", s.port)
    );

    // Not JSON: the body is the text; empty JSON is `{}`; a forwarded https on 443 has no port.
    let r = s
        .call("POST", "/req", &[("content-type", "text/plain")], b"plain")
        .await;
    assert_eq!(r.json()["body"], "plain");
    let r = s
        .call(
            "POST",
            "/req",
            &[
                ("content-type", "application/json"),
                ("host", "example.com"),
                ("x-forwarded-proto", "https"),
            ],
            b"",
        )
        .await;
    let v = r.json();
    assert_eq!(v["body"], serde_json::json!({}));
    assert_eq!(v["port"], 443);
    assert_eq!(v["url"], "https://example.com/req");
}

#[tokio::test]
async fn logs_and_errors() {
    let s = server().await;
    let r = s.call("GET", "/logs", &[], b"").await;
    assert_eq!(r.status, 200);
    let lines: Vec<&str> = r.logs.lines().collect();
    assert_eq!(lines[0], r#"hello {"a":1} [1,2]"#);
    assert_eq!(
        lines[1],
        "Native logs detected. Use context.log() or context.error() for better experience."
    );
    assert_eq!(lines[2], "native");
    assert_eq!(lines[3], "native error");
    assert_eq!(
        lines[4],
        format!(
            "{}... Log truncated due to size limit (8000 characters)",
            "x".repeat(8000)
        )
    );
    assert!(
        r.errors.starts_with("oops Error: inner\n    at "),
        "{}",
        r.errors
    );

    // Logging disabled: no id, no files.
    let r = s
        .call(
            "GET",
            "/logs",
            &[("x-open-runtimes-logging", "disabled")],
            b"",
        )
        .await;
    assert_eq!(r.header("x-open-runtimes-log-id").as_deref(), Some(""));
    assert_eq!(r.logs, "");
}

#[tokio::test]
async fn failures() {
    let s = server().await;
    let r = s.call("GET", "/throw", &[], b"").await;
    assert_eq!(r.status, 500);
    assert!(r.body.is_empty());
    assert!(r.errors.starts_with("Error: boom\n    at "), "{}", r.errors);

    let r = s.call("GET", "/missing", &[], b"").await;
    assert_eq!(r.status, 500);
    assert_eq!(
        r.errors,
        "Return statement missing. return context.res.empty() if no response is expected.\n"
    );

    let r = s.call("POST", "/badjson", &[], b"{nope").await;
    assert_eq!(r.status, 500);
    assert!(r.errors.starts_with("SyntaxError:"), "{}", r.errors);

    let r = s
        .call("GET", "/hang", &[("x-open-runtimes-timeout", "1")], b"")
        .await;
    assert_eq!(r.status, 500);
    assert!(r.body.is_empty());
    assert_eq!(r.errors, "Execution timed out.\n");

    let r = s
        .call("GET", "/text", &[("x-open-runtimes-timeout", "abc")], b"")
        .await;
    assert_eq!(r.status, 500);
    assert_eq!(
        r.text(),
        r#"Header "x-open-runtimes-timeout" must be an integer greater than 0."#
    );

    let r = s.call_with("GET", "/text", &[], b"", false).await;
    assert_eq!(r.status, 500);
    assert_eq!(
        r.text(),
        r#"Unauthorized. Provide correct "x-open-runtimes-secret" header."#
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

    // Health needs no secret.
    let r = s.call_with("GET", "/__opr/health", &[], b"", false).await;
    assert_eq!((r.status, r.text()), (200, "OK".to_owned()));
    let _ = SECRET;
}

#[tokio::test]
async fn commonjs_loads() {
    let s = node(
        "src/main.js",
        &[(
            "src/main.js",
            "module.exports = async (context) => context.res.text('cjs');",
        )],
    )
    .await;
    let r = s.call("GET", "/", &[], b"").await;
    assert_eq!(
        (r.status, r.text()),
        (200, "cjs".to_owned()),
        "{}",
        r.errors
    );
}

#[tokio::test]
async fn esm_loads_without_package_type() {
    let s = node(
        "index.js",
        &[(
            "index.js",
            "export default async ({ res }) => res.text('esm');",
        )],
    )
    .await;
    let r = s.call("GET", "/", &[], b"").await;
    assert_eq!(
        (r.status, r.text()),
        (200, "esm".to_owned()),
        "{}",
        r.errors
    );
}

#[tokio::test]
async fn esm_loads_in_a_commonjs_package() {
    let s = node(
        "index.js",
        &[
            ("package.json", r#"{"type":"commonjs"}"#),
            ("helper.mjs", "export const word = 'helped';"),
            ("index.js", "import { word } from './helper.mjs';\nexport default async ({ res }) => res.text(word);"),
        ],
    )
    .await;
    let r = s.call("GET", "/", &[], b"").await;
    assert_eq!(
        (r.status, r.text()),
        (200, "helped".to_owned()),
        "{}",
        r.errors
    );
}

#[tokio::test]
async fn esm_with_a_named_module_file() {
    let s = node(
        "main.mjs",
        &[(
            "main.mjs",
            "export default ({ res }) => res.json({ sync: true });",
        )],
    )
    .await;
    let r = s.call("GET", "/", &[], b"").await;
    assert_eq!(r.json(), serde_json::json!({"sync": true}), "{}", r.errors);
}

#[tokio::test]
async fn load_errors() {
    let s = node("nope.js", &[]).await;
    let r = s.call("GET", "/", &[], b"").await;
    assert_eq!(r.status, 503);
    assert_eq!(
        r.errors,
        "Failed to load entrypoint, file nope.js does not exist.\n"
    );

    let s = node(
        "index.js",
        &[("index.js", "module.exports = { notAFunction: 1 };")],
    )
    .await;
    let r = s.call("GET", "/", &[], b"").await;
    assert_eq!(r.status, 503);
    assert_eq!(
        r.errors,
        "Function signature invalid. Did you forget to export a 'main' function?\n"
    );

    let s = node(
        "index.js",
        &[("index.js", "module.exports = async () => {")],
    )
    .await;
    let r = s.call("GET", "/", &[], b"").await;
    assert_eq!(r.status, 503);
    assert!(
        r.errors.starts_with("Syntax error in index.js: "),
        "{}",
        r.errors
    );
}
