//! Shared helpers: start one of our runtime servers directly (no sandbox, no pool) on a code
//! folder, and call it over HTTP the way the executor does.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const SECRET: &str = "test-secret";

pub fn server_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("servers")
        .join(name)
}

pub struct Server {
    pub port: u16,
    pub code: tempfile::TempDir,
    pub logs: tempfile::TempDir,
    child: Child,
    client: reqwest::Client,
}

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
    pub logs: String,
    pub errors: String,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }
}

/// Writes `files` into a fresh code folder and starts `program script` there.
pub async fn start(
    program: &str,
    script: &str,
    entrypoint: &str,
    files: &[(&str, &str)],
) -> Server {
    let code = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = code.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let mut child = Command::new(program)
        .arg(server_script(script))
        .current_dir(code.path())
        .env("OPEN_RUNTIMES_SECRET", SECRET)
        .env("OPEN_RUNTIMES_ENTRYPOINT", entrypoint)
        .env("OPEN_RUNTIMES_LOGS_DIR", logs.path())
        .env("OPEN_RUNTIMES_HEADERS", r#"{"X-Forced":"yes"}"#)
        .env("OPEN_RUNTIMES_WATCH_STDIN", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PORT", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next_line().await.unwrap().unwrap();
    let port: u16 = first.strip_prefix("listening ").unwrap().parse().unwrap();
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Server {
        port,
        code,
        logs,
        child,
        client,
    }
}

pub async fn node(entrypoint: &str, files: &[(&str, &str)]) -> Server {
    start("node", "node/server.mjs", entrypoint, files).await
}

pub async fn python(entrypoint: &str, files: &[(&str, &str)]) -> Server {
    start("python3", "python/server.py", entrypoint, files).await
}

impl Server {
    /// Sends a request with the right secret, a log id and the given extra headers.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        self.call_with(method, path, headers, body, true).await
    }

    pub async fn call_with(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        with_secret: bool,
    ) -> Reply {
        let url = format!("http://127.0.0.1:{}{path}", self.port);
        let log_id = format!("log{}", rand_id());
        let mut req = self
            .client
            .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url)
            .header("x-open-runtimes-log-id", &log_id)
            .body(body.to_vec());
        if with_secret {
            req = req.header("x-open-runtimes-secret", SECRET);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.unwrap().to_vec();
        let read = |suffix: &str| {
            std::fs::read_to_string(self.logs.path().join(format!("{log_id}_{suffix}.log")))
                .unwrap_or_default()
        };
        Reply {
            status,
            headers,
            body,
            logs: read("logs"),
            errors: read("errors"),
        }
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }
}

fn rand_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A gzip-compressed tar of the given files (path, contents).
pub fn tar_gz(files: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (name, text) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(&mut header, name, text.as_bytes())
            .unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// A tar.gz with one raw entry whose name (and link name) are written byte for byte, so that
/// unsafe paths the tar crate's builder refuses can be tested.
pub fn raw_tar_gz(name: &str, kind: tar::EntryType, link: Option<&str>, data: &[u8]) -> Vec<u8> {
    let mut header = tar::Header::new_old();
    {
        let old = header.as_old_mut();
        old.name[..name.len()].copy_from_slice(name.as_bytes());
        if let Some(link) = link {
            old.linkname[..link.len()].copy_from_slice(link.as_bytes());
        }
    }
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_entry_type(kind);
    header.set_cksum();
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    builder.append(&header, data).unwrap();
    builder.into_inner().unwrap().finish().unwrap()
}
