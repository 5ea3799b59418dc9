//! Starting and stopping the child processes of builds and instances: every one goes through
//! the sandbox launcher (when one is configured), in its own process group, with a cleared
//! environment; stopping one kills its whole group. Also the bounded buffer that keeps the tail
//! of a process's output. Nothing here knows about HTTP or deployments.

use std::ffi::OsString;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rustix::process::{Pid, Signal, kill_process_group};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

use crate::sandbox::SandboxArgs;

/// A command that runs `sandbox.program` with `sandbox.args`: through `launcher` (its program
/// and leading arguments, e.g. `[/usr/bin/oxwrite, sandbox]`) followed by the sandbox arguments,
/// or directly when `launcher` is empty. In a new process group, with only `env`.
pub fn command(
    launcher: &[String],
    sandbox: &SandboxArgs,
    cwd: &Path,
    env: &[(String, String)],
) -> Command {
    let mut cmd = match launcher.split_first() {
        Some((program, lead)) => {
            let mut cmd = Command::new(program);
            cmd.args(lead);
            cmd.args(sandbox.to_args());
            cmd
        }
        None => {
            let mut cmd = Command::new(&sandbox.program);
            cmd.args(&sandbox.args);
            cmd
        }
    };
    cmd.current_dir(cwd).env_clear();
    for (name, value) in env {
        // A name the OS cannot hold (empty, with `=` or NUL) is dropped rather than failing the
        // whole spawn.
        if !name.is_empty() && !name.contains(['=', '\0']) && !value.contains('\0') {
            cmd.env(name, value);
        }
    }
    cmd.process_group(0).kill_on_drop(true);
    cmd
}

/// Kills the process group led by `pid` (the whole tree a runtime or build started, unless a
/// process left the group on purpose).
pub fn kill_group(pid: u32) {
    let Ok(raw) = i32::try_from(pid) else { return };
    if let Some(pid) = Pid::from_raw(raw) {
        // The group may be gone already; there is nothing to do then.
        let _ = kill_process_group(pid, Signal::KILL);
    }
}

/// The last `cap` bytes of a process's output, and whether earlier bytes were dropped.
#[derive(Debug, Default)]
pub struct Tail {
    cap: usize,
    bytes: Vec<u8>,
    dropped: bool,
}

impl Tail {
    pub fn shared(cap: usize) -> Arc<Mutex<Tail>> {
        Arc::new(Mutex::new(Tail {
            cap,
            bytes: Vec::new(),
            dropped: false,
        }))
    }

    fn push(&mut self, chunk: &[u8]) {
        self.bytes.extend_from_slice(chunk);
        if self.bytes.len() > self.cap {
            let excess = self.bytes.len() - self.cap;
            self.bytes.drain(..excess);
            self.dropped = true;
        }
    }

    pub fn text(&self) -> String {
        let text = String::from_utf8_lossy(&self.bytes);
        if self.dropped {
            format!("[Output truncated to its last {} bytes]\n{text}", self.cap)
        } else {
            text.into_owned()
        }
    }
}

/// Reads `from` to its end into `tail`.
pub async fn collect(mut from: impl AsyncRead + Unpin, tail: Arc<Mutex<Tail>>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if let Ok(mut tail) = tail.lock() {
                    tail.push(&buf[..n]);
                }
            }
        }
    }
}

pub fn tail_text(tail: &Mutex<Tail>) -> String {
    tail.lock().map(|t| t.text()).unwrap_or_default()
}

/// `PATH` for a child: the interpreter's folder first, then the usual system folders.
pub fn path_var(extra: &[&Path]) -> String {
    let mut parts: Vec<OsString> = extra.iter().map(|p| p.as_os_str().to_owned()).collect();
    for dir in ["/usr/local/bin", "/usr/bin", "/bin"] {
        parts.push(dir.into());
    }
    parts
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_end() {
        let mut tail = Tail {
            cap: 4,
            bytes: Vec::new(),
            dropped: false,
        };
        tail.push(b"abc");
        assert_eq!(tail.text(), "abc");
        tail.push(b"defg");
        assert!(tail.text().ends_with("defg"));
        assert!(tail.text().starts_with("[Output truncated"));
    }
}
