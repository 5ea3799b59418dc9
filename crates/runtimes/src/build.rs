//! Runs a deployment's build commands: `sh -c "<commands>"` in its code folder, through the
//! sandbox launcher, with the build's timeout (the whole process group is killed when it runs
//! out) and bounded output. It only runs the commands; unpacking and sizes are the caller's.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use crate::process::{Tail, collect, command, kill_group, tail_text};
use crate::sandbox::SandboxArgs;

pub struct CommandRun<'a> {
    pub launcher: &'a [String],
    pub sandbox: SandboxArgs,
    pub cwd: &'a Path,
    pub env: Vec<(String, String)>,
    pub timeout: Duration,
    pub output_cap: usize,
}

#[derive(Debug)]
pub struct CommandResult {
    pub ok: bool,
    pub output: String,
}

/// Kills a process group when dropped.
struct GroupGuard(Option<u32>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            kill_group(pid);
        }
    }
}

/// How long the output readers may go on after the commands ended; only a process that left
/// the group on purpose keeps a pipe open that long.
const DRAIN: Duration = Duration::from_secs(2);

pub async fn run(job: CommandRun<'_>) -> Result<CommandResult, String> {
    let mut cmd = command(job.launcher, &job.sandbox, job.cwd, &job.env);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("could not start the build: {e}"))?;
    let pid = child.id();
    // Also when this future is dropped (the server shuts down mid-build): nothing the commands
    // started may outlive the build.
    let _group = GroupGuard(pid);
    let tail = Tail::shared(job.output_cap);
    // stdout and stderr go to one buffer, in the order they arrive.
    let readers: Vec<_> = [
        child
            .stdout
            .take()
            .map(|out| tokio::spawn(collect(out, tail.clone()))),
        child
            .stderr
            .take()
            .map(|err| tokio::spawn(collect(err, tail.clone()))),
    ]
    .into_iter()
    .flatten()
    .collect();

    let waited = tokio::time::timeout(job.timeout, child.wait()).await;
    // Whatever the commands left running in the background ends with the build.
    if let Some(pid) = pid {
        kill_group(pid);
    }
    let (ok, timed_out, code) = match waited {
        Ok(Ok(status)) => (status.success(), false, status.code()),
        Ok(Err(e)) => return Err(format!("could not wait for the build: {e}")),
        Err(_) => {
            let _ = child.wait().await;
            (false, true, None)
        }
    };
    for reader in readers {
        let abort = reader.abort_handle();
        if tokio::time::timeout(DRAIN, reader).await.is_err() {
            abort.abort();
        }
    }
    let mut output = tail_text(&tail);
    let last = if timed_out {
        Some(format!(
            "Build timed out after {} seconds.",
            job.timeout.as_secs_f64()
        ))
    } else if !ok {
        Some(match code {
            Some(code) => format!("Build command failed with exit code {code}."),
            None => "Build command was killed.".to_owned(),
        })
    } else {
        None
    };
    if let Some(last) = last {
        if !output.is_empty() && !output.ends_with('\n') {
            output.push('\n');
        }
        output.push_str(&last);
    }
    Ok(CommandResult { ok, output })
}
