//! One running runtime server (node or python) for one deployment and environment: starting it
//! (through the sandbox launcher), waiting for its `listening <port>` line, sending it one
//! request over loopback HTTP with the open-runtimes headers, and reading back the request's
//! log files. Deciding which instance serves a request is the pool's job, not this module's.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use oxwrite_core::ports::ExecOutcome;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdin};

use crate::process::{Tail, collect, command, kill_group, tail_text};
use crate::sandbox::SandboxArgs;

/// The cap of each log file read back, as the open-runtimes executor caps them.
const LOG_CAP: usize = 5 * 1024 * 1024;
const LOG_TRUNCATED: &str = "\nLog file has been truncated to 5.00MB.";
/// The cap of a function's response body (the same 20 MB open-runtimes allows for requests).
const BODY_CAP: usize = 20 * 1024 * 1024;
pub const TIMED_OUT: &str = "Execution timed out.";
/// How long past the function's timeout we wait for the server's own timeout answer before
/// giving up on it (a function that blocks its event loop cannot answer at all).
const GRACE: Duration = Duration::from_millis(500);

/// How to start one instance.
pub struct Spawn<'a> {
    pub launcher: &'a [String],
    pub sandbox: SandboxArgs,
    pub code_dir: &'a Path,
    pub logs_dir: PathBuf,
    pub env: Vec<(String, String)>,
    pub secret: String,
    /// Until when it may take to print `listening <port>`.
    pub deadline: Instant,
}

pub struct Instance {
    pub pid: u32,
    port: u16,
    secret: String,
    logs_dir: PathBuf,
    child: Mutex<Child>,
    /// Held open: the server exits when it closes (when we drop the instance or die).
    _stdin: Option<ChildStdin>,
    stderr: Arc<Mutex<Tail>>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What went wrong with a request, as far as the pool must know.
#[derive(Debug)]
pub enum CallError {
    /// Nothing reached the server (it is gone): another instance may take the request.
    NotDelivered(String),
    /// The server failed during the request.
    Failed(String),
    /// The request could not be sent at all (an invalid method); the instance is fine.
    Invalid(String),
}

/// One request's answer, and whether the instance should be killed (it timed out).
pub struct Answer {
    pub outcome: ExecOutcome,
    pub kill: bool,
}

pub struct Request<'a> {
    pub client: &'a reqwest::Client,
    pub method: &'a str,
    pub path: &'a str,
    pub headers: &'a [(String, String)],
    pub body: Bytes,
    pub timeout: Duration,
    pub logging: bool,
}

impl Instance {
    pub async fn start(spawn: Spawn<'_>) -> Result<Instance, String> {
        let mut cmd = command(spawn.launcher, &spawn.sandbox, spawn.code_dir, &spawn.env);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("could not start the runtime: {e}"))?;
        let Some(pid) = child.id() else {
            return Err("the runtime exited at once".to_owned());
        };
        let stderr = Tail::shared(16 * 1024);
        if let Some(err) = child.stderr.take() {
            tokio::spawn(collect(err, stderr.clone()));
        }
        let Some(stdout) = child.stdout.take() else {
            kill_group(pid);
            return Err("the runtime has no stdout".to_owned());
        };
        let mut lines = BufReader::new(stdout).lines();
        let wait = tokio::time::timeout_at(spawn.deadline.into(), lines.next_line()).await;
        let port = match wait {
            Ok(Ok(Some(line))) => line
                .strip_prefix("listening ")
                .and_then(|p| p.trim().parse::<u16>().ok()),
            Ok(Ok(None)) | Ok(Err(_)) => None,
            Err(_) => {
                kill_group(pid);
                return Err("the runtime did not start in time".to_owned());
            }
        };
        let Some(port) = port else {
            kill_group(pid);
            let _ = child.wait().await;
            return Err(format!(
                "the runtime did not start: {}",
                tail_text(&stderr).trim_end()
            ));
        };
        // The rest of stdout is the server's own business; read it so it never blocks.
        tokio::spawn(async move {
            let mut lines = lines;
            while let Ok(Some(_)) = lines.next_line().await {}
        });
        Ok(Instance {
            pid,
            port,
            secret: spawn.secret,
            logs_dir: spawn.logs_dir,
            _stdin: child.stdin.take(),
            child: Mutex::new(child),
            stderr,
        })
    }

    /// Whether the process is still running.
    pub fn alive(&self) -> bool {
        match self.child.lock() {
            Ok(mut child) => matches!(child.try_wait(), Ok(None)),
            Err(_) => false,
        }
    }

    pub fn kill(&self) {
        kill_group(self.pid);
        if let Ok(mut child) = self.child.lock() {
            let _ = child.start_kill();
        }
    }

    fn exited(&self) -> String {
        let stderr = tail_text(&self.stderr);
        let stderr = stderr.trim_end();
        if stderr.is_empty() {
            "the runtime exited".to_owned()
        } else {
            format!("the runtime exited: {stderr}")
        }
    }

    pub async fn call(&self, req: Request<'_>) -> Result<Answer, CallError> {
        let log_id = if req.logging {
            new_log_id()
        } else {
            String::new()
        };
        let timeout_secs = req.timeout.as_secs_f64().ceil().max(1.0) as u64;
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|_| CallError::Invalid(format!("invalid method {}", req.method)))?;
        let path = if req.path.starts_with('/') {
            req.path.to_owned()
        } else {
            format!("/{}", req.path)
        };
        let url = format!("http://127.0.0.1:{}{path}", self.port);
        let mut builder = req.client.request(method, url).body(req.body);
        for (name, value) in req.headers {
            let lower = name.to_ascii_lowercase();
            if lower.starts_with("x-open-runtimes-") || HOP_BY_HOP.contains(&lower.as_str()) {
                continue;
            }
            // A header HTTP cannot carry is dropped, not a reason to fail the execution.
            let (Ok(name), Ok(value)) = (
                reqwest::header::HeaderName::from_bytes(lower.as_bytes()),
                reqwest::header::HeaderValue::from_str(value),
            ) else {
                continue;
            };
            builder = builder.header(name, value);
        }
        builder = builder
            .header("x-open-runtimes-secret", &self.secret)
            .header("x-open-runtimes-timeout", timeout_secs.to_string())
            .header(
                "x-open-runtimes-logging",
                if req.logging { "enabled" } else { "disabled" },
            );
        if req.logging {
            builder = builder.header("x-open-runtimes-log-id", &log_id);
        }

        let started = Instant::now();
        let limit = Duration::from_secs(timeout_secs) + GRACE;
        let sent = tokio::time::timeout(limit, async {
            let mut response = builder.send().await?;
            let status = response.status().as_u16();
            let headers: Vec<(String, String)> = response
                .headers()
                .iter()
                .filter(|(name, _)| !name.as_str().starts_with("x-open-runtimes-"))
                .map(|(name, value)| {
                    (
                        name.as_str().to_owned(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let mut body: Vec<u8> = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                let room = BODY_CAP.saturating_sub(body.len());
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok::<_, reqwest::Error>((status, headers, body))
        })
        .await;
        let duration = started.elapsed().as_secs_f64();

        match sent {
            Ok(Ok((status, headers, body))) => {
                let (logs, errors) = self.take_logs(&log_id).await;
                // The server gave up on the function itself; its promise or thread may still be
                // running, so the instance goes.
                let kill = status == 500 && errors.trim_end().ends_with(TIMED_OUT);
                Ok(Answer {
                    outcome: ExecOutcome {
                        status,
                        headers,
                        body: Bytes::from(body),
                        logs,
                        errors,
                        duration,
                    },
                    kill,
                })
            }
            Ok(Err(e)) => {
                let _ = self.take_logs(&log_id).await;
                if !self.alive() {
                    return Err(if e.is_connect() {
                        CallError::NotDelivered(self.exited())
                    } else {
                        CallError::Failed(self.exited())
                    });
                }
                if e.is_connect() {
                    return Err(CallError::NotDelivered(format!(
                        "could not reach the runtime: {e}"
                    )));
                }
                Err(CallError::Failed(format!("the runtime failed: {e}")))
            }
            Err(_) => {
                // Nothing came back in time: kill first, so no further log lines are written.
                self.kill();
                let (logs, mut errors) = self.take_logs(&log_id).await;
                if !errors.trim_end().ends_with(TIMED_OUT) {
                    errors.push_str(TIMED_OUT);
                    errors.push('\n');
                }
                Ok(Answer {
                    outcome: ExecOutcome {
                        status: 500,
                        headers: Vec::new(),
                        body: Bytes::new(),
                        logs,
                        errors,
                        duration,
                    },
                    kill: true,
                })
            }
        }
    }

    /// Reads and deletes the two log files of one request.
    async fn take_logs(&self, log_id: &str) -> (String, String) {
        if log_id.is_empty() {
            return (String::new(), String::new());
        }
        let logs = read_log(&self.logs_dir.join(format!("{log_id}_logs.log"))).await;
        let errors = read_log(&self.logs_dir.join(format!("{log_id}_errors.log"))).await;
        (logs, errors)
    }
}

const HOP_BY_HOP: &[&str] = &[
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "proxy-connection",
];

async fn read_log(path: &Path) -> String {
    let Ok(bytes) = tokio::fs::read(path).await else {
        return String::new();
    };
    let _ = tokio::fs::remove_file(path).await;
    if bytes.len() > LOG_CAP {
        let mut text = String::from_utf8_lossy(&bytes[..LOG_CAP]).into_owned();
        text.push_str(LOG_TRUNCATED);
        text
    } else {
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

fn new_log_id() -> String {
    let bytes: [u8; 12] = rand::random();
    hex::encode(bytes)
}

pub fn new_secret() -> String {
    let bytes: [u8; 24] = rand::random();
    hex::encode(bytes)
}
