//! Core's `Runtimes` port on local processes, without Docker: builds unpack a deployment's code
//! and run its commands; executions go to warm open-runtimes v5 servers (our own, in
//! `servers/`) started per deployment and environment. Every build and runtime process is
//! started through the sandbox launcher (`sandbox.rs`) when one is configured.
//!
//! Folders: `<root>/servers/` (the server scripts, written at construction),
//! `<root>/<deployment>/code/` (unpacked and built code), `<root>/<deployment>/logs/` (one
//! request's log files, deleted once read), `<root>/<deployment>/tmp/` (`TMPDIR`).
//! This crate must not read configuration from the environment: the binary passes [`Config`].

mod archive;
mod build;
mod detect;
mod instance;
mod pool;
mod process;
pub mod sandbox;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use oxwrite_core::ports::{BuildJob, BuildOutcome, ExecJob, ExecOutcome, RuntimeInfo, Runtimes};
use sha2::{Digest, Sha256};

pub use archive::Limits as ArchiveLimits;
pub use detect::Family;
pub use sandbox::{SandboxArgs, SandboxArgsError};

use crate::detect::Detected;
use crate::instance::{Answer, CallError, Instance, Request, Spawn};
use crate::pool::{Acquired, Key, Pool};

const NODE_SERVER: &str = include_str!("../servers/node/server.mjs");
const PYTHON_SERVER: &str = include_str!("../servers/python/server.py");

/// How [`LocalRuntimes`] runs code.
#[derive(Debug, Clone)]
pub struct Config {
    /// The runtimes folder (`<data>/functions`); created if missing.
    pub root: PathBuf,
    /// The sandbox launcher: program and leading arguments (`[/usr/bin/oxwrite, sandbox]`),
    /// followed by [`SandboxArgs::to_args`]. Empty: processes start without a sandbox.
    pub launcher: Vec<String>,
    /// The node program to detect (`node`, found on `PATH`, or a path).
    pub node: PathBuf,
    /// The python program to detect (`python3`, or a path).
    pub python: PathBuf,
    /// Instances of all deployments together.
    pub max_instances: usize,
    /// Requests one instance takes at once.
    pub concurrency_per_instance: usize,
    /// An instance without a request for this long is stopped.
    pub idle_timeout: Duration,
    /// Bytes of build output kept (the end of it).
    pub build_output_cap: usize,
    /// Bounds of an unpacked deployment archive.
    pub archive: ArchiveLimits,
    /// Memory of a build in MiB (Appwrite gives builds at least 1024).
    pub build_memory_mib: u64,
    /// Processes and threads per sandbox (`RLIMIT_NPROC`: per user, not enforced for root).
    pub nproc: Option<u64>,
    /// Open files per process.
    pub nofile: Option<u64>,
    /// Largest file a build or function may write, in MiB.
    pub fsize_mib: Option<u64>,
}

impl Config {
    pub fn new(root: impl Into<PathBuf>) -> Config {
        Config {
            root: root.into(),
            launcher: Vec::new(),
            node: PathBuf::from("node"),
            python: PathBuf::from("python3"),
            max_instances: 32,
            concurrency_per_instance: 8,
            idle_timeout: Duration::from_secs(600),
            build_output_cap: 1024 * 1024,
            archive: ArchiveLimits {
                max_bytes: 1 << 30,
                max_entries: 100_000,
            },
            build_memory_mib: 2048,
            nproc: Some(4096),
            nofile: Some(4096),
            fsize_mib: Some(2048),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("could not prepare {0}: {1}")]
    Folder(PathBuf, std::io::Error),
    #[error("could not build the HTTP client: {0}")]
    Client(String),
}

struct Inner {
    config: Config,
    runtimes: Vec<Detected>,
    servers: PathBuf,
    client: reqwest::Client,
    pool: Arc<Pool>,
}

/// Runs functions in local processes. Cheap to share behind an `Arc`; dropping the last handle
/// stops every instance.
pub struct LocalRuntimes {
    inner: Arc<Inner>,
}

impl Drop for LocalRuntimes {
    fn drop(&mut self) {
        self.inner.pool.kill_all();
    }
}

impl LocalRuntimes {
    /// Detects node and python, writes the server scripts to `<root>/servers/`, and (inside a
    /// tokio runtime) starts the task that reaps idle instances.
    pub fn new(config: Config) -> Result<LocalRuntimes, InitError> {
        let servers = config.root.join("servers");
        for (dir, file, text) in [
            ("node", "server.mjs", NODE_SERVER),
            ("python", "server.py", PYTHON_SERVER),
        ] {
            let dir = servers.join(dir);
            std::fs::create_dir_all(&dir).map_err(|e| InitError::Folder(dir.clone(), e))?;
            let path = dir.join(file);
            std::fs::write(&path, text).map_err(|e| InitError::Folder(path, e))?;
        }
        let runtimes: Vec<Detected> = [detect::node(&config.node), detect::python(&config.python)]
            .into_iter()
            .flatten()
            .collect();
        let client = reqwest::Client::builder()
            .no_proxy()
            // A function's redirect is its answer, for the caller to follow or not.
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| InitError::Client(e.to_string()))?;
        let pool = Arc::new(Pool::new(
            config.max_instances,
            config.concurrency_per_instance,
            config.idle_timeout,
        ));
        let inner = Arc::new(Inner {
            config,
            runtimes,
            servers,
            client,
            pool,
        });
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(reaper(Arc::downgrade(&inner.pool)));
        }
        Ok(LocalRuntimes { inner })
    }

    /// Stops the instances idle for longer than the idle timeout (the reaper task does this
    /// on its own; this is for callers without one).
    pub fn reap_idle(&self) {
        self.inner.pool.reap();
    }

    /// How many instances are running.
    pub fn instances(&self) -> usize {
        self.inner.pool.count()
    }

    fn runtime(&self, id: &str) -> Option<&Detected> {
        let runtimes = &self.inner.runtimes;
        // An id of another version of the same language (a deployment made for `node-18.0` on a
        // host with node 20) runs on the version this host has.
        let key = id.split('-').next().unwrap_or(id);
        runtimes
            .iter()
            .find(|r| r.info.id == id)
            .or_else(|| runtimes.iter().find(|r| r.info.key == key))
    }

    fn folder(&self, deployment: &str) -> Result<PathBuf, String> {
        let valid = !deployment.is_empty()
            && deployment != "servers"
            && deployment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && !deployment.starts_with('.');
        if !valid {
            return Err(format!("invalid deployment name `{deployment}`"));
        }
        Ok(self.inner.config.root.join(deployment))
    }

    fn sandbox(
        &self,
        runtime: &Detected,
        rw: &Path,
        memory_mib: Option<u64>,
        program: &Path,
        args: Vec<String>,
    ) -> SandboxArgs {
        let config = &self.inner.config;
        SandboxArgs {
            rw: vec![rw.to_path_buf()],
            ro: vec![runtime.prefix.clone(), self.inner.servers.clone()],
            memory_mib,
            nproc: config.nproc,
            nofile: config.nofile,
            fsize_mib: config.fsize_mib,
            program: program.as_os_str().to_owned(),
            args: args.into_iter().map(Into::into).collect(),
        }
    }

    async fn start(
        &self,
        job: &ExecJob,
        runtime: &Detected,
        dir: &Path,
        deadline: Instant,
    ) -> Result<Instance, String> {
        let code = dir.join("code");
        if !tokio::fs::try_exists(&code).await.unwrap_or(false) {
            return Err(format!("deployment {} is not built", job.deployment));
        }
        let logs = dir.join("logs");
        let tmp = dir.join("tmp");
        for folder in [&logs, &tmp] {
            tokio::fs::create_dir_all(folder)
                .await
                .map_err(|e| format!("could not prepare {}: {e}", folder.display()))?;
        }
        let secret = instance::new_secret();
        let memory = (job.memory_mb > 0).then_some(job.memory_mb);
        let (script, mut args) = match runtime.family {
            Family::Node => (self.inner.servers.join("node/server.mjs"), Vec::new()),
            Family::Python => (self.inner.servers.join("python/server.py"), Vec::new()),
        };
        if let (Family::Node, Some(mb)) = (runtime.family, memory) {
            // V8 fails with a clear "heap out of memory" before the data limit kills it.
            args.push(format!("--max-old-space-size={}", (mb * 3 / 4).max(16)));
        }
        args.push(script.to_string_lossy().into_owned());
        let mut env = base_env(runtime, &code, &tmp);
        env.extend(job.env.iter().cloned());
        env.extend([
            ("OPEN_RUNTIMES_SECRET".to_owned(), secret.clone()),
            (
                "OPEN_RUNTIMES_ENTRYPOINT".to_owned(),
                job.entrypoint.clone(),
            ),
            (
                "OPEN_RUNTIMES_LOGS_DIR".to_owned(),
                logs.to_string_lossy().into_owned(),
            ),
            ("OPEN_RUNTIMES_WATCH_STDIN".to_owned(), "1".to_owned()),
            ("OPEN_RUNTIMES_MEMORY".to_owned(), job.memory_mb.to_string()),
            ("PORT".to_owned(), "0".to_owned()),
        ]);
        let sandbox = self.sandbox(runtime, dir, memory, &runtime.program, args);
        Instance::start(Spawn {
            launcher: &self.inner.config.launcher,
            sandbox,
            code_dir: &code,
            logs_dir: logs,
            env,
            secret,
            deadline,
        })
        .await
    }

    async fn execute_inner(&self, job: ExecJob) -> Result<ExecOutcome, String> {
        let runtime = self
            .runtime(&job.runtime)
            .ok_or_else(|| format!("runtime {} is not available", job.runtime))?;
        let dir = self.folder(&job.deployment)?;
        let key = Key {
            deployment: job.deployment.clone(),
            env_hash: env_hash(&job),
        };
        let started = Instant::now();
        let deadline = started + job.timeout;
        let pool = &self.inner.pool;
        // One retry: a warm instance that died since its last request is replaced at once.
        for attempt in 0..2 {
            let lease = match pool.acquire(&key, deadline).await {
                None => return Err("no runtime instance became free in time".to_owned()),
                Some(Acquired::Warm(lease)) => lease,
                Some(Acquired::Start) => {
                    let cold = Instant::now();
                    match self.start(&job, runtime, &dir, deadline).await {
                        Ok(instance) => {
                            tracing::debug!(
                                deployment = %job.deployment,
                                runtime = %runtime.info.id,
                                pid = instance.pid,
                                cold_start_ms = cold.elapsed().as_millis() as u64,
                                "runtime instance started"
                            );
                            pool.add(&key, instance)
                        }
                        Err(e) => {
                            pool.start_failed(&key);
                            return Err(e);
                        }
                    }
                }
            };
            let request = Request {
                client: &self.inner.client,
                method: &job.method,
                path: &job.path,
                headers: &job.headers,
                body: job.body.clone(),
                // The time the cold start took is the function's no more (as the executor does).
                timeout: deadline
                    .saturating_duration_since(Instant::now())
                    .max(Duration::from_millis(1)),
                logging: job.logging,
            };
            match lease.instance.call(request).await {
                Ok(Answer { outcome, kill }) => {
                    if kill {
                        lease.discard();
                    }
                    return Ok(outcome);
                }
                Err(CallError::NotDelivered(e)) => {
                    lease.discard();
                    if attempt == 1 {
                        return Err(e);
                    }
                }
                Err(CallError::Invalid(e)) => return Err(e),
                Err(CallError::Failed(e)) => {
                    // The connection broke mid-request: the server crashed or is crashing (it
                    // may not have exited yet). Either way it serves no further request.
                    lease.discard();
                    return Err(e);
                }
            }
        }
        Err("the runtime could not be reached".to_owned())
    }

    async fn build_inner(&self, job: BuildJob) -> Result<BuildOutcome, String> {
        let runtime = self
            .runtime(&job.runtime)
            .ok_or_else(|| format!("runtime {} is not available", job.runtime))?;
        let dir = self.folder(&job.deployment)?;
        // A new build of the same deployment starts from nothing.
        self.inner.pool.remove_deployment(&job.deployment);
        if tokio::fs::try_exists(&dir).await.unwrap_or(false) {
            tokio::fs::remove_dir_all(&dir)
                .await
                .map_err(|e| format!("could not clear {}: {e}", dir.display()))?;
        }
        let code = dir.join("code");
        let tmp = dir.join("tmp");
        for folder in [&code, &tmp, &dir.join("logs")] {
            tokio::fs::create_dir_all(folder)
                .await
                .map_err(|e| format!("could not prepare {}: {e}", folder.display()))?;
        }
        let limits = self.inner.config.archive;
        let source = job.source.clone();
        let target = code.clone();
        let unpacked =
            tokio::task::spawn_blocking(move || archive::extract(&source, &target, limits))
                .await
                .map_err(|e| format!("the unpacking task failed: {e}"))?;
        if let Err(e) = unpacked {
            return Ok(BuildOutcome {
                ok: false,
                logs: e.to_string(),
                size: 0,
            });
        }
        let mut logs = String::new();
        let mut ok = true;
        if !job.commands.trim().is_empty() {
            let mut env = base_env(runtime, &code, &tmp);
            if runtime.family == Family::Python {
                // `pip install` goes to the code folder (PYTHONUSERBASE), never the host's Python.
                env.push(("PIP_USER".to_owned(), "1".to_owned()));
                env.push(("PIP_DISABLE_PIP_VERSION_CHECK".to_owned(), "1".to_owned()));
            }
            env.extend(job.env.iter().cloned());
            let sandbox = self.sandbox(
                runtime,
                &dir,
                Some(self.inner.config.build_memory_mib),
                Path::new("/bin/sh"),
                vec!["-c".to_owned(), job.commands.clone()],
            );
            let result = build::run(build::CommandRun {
                launcher: &self.inner.config.launcher,
                sandbox,
                cwd: &code,
                env,
                timeout: job.timeout,
                output_cap: self.inner.config.build_output_cap,
            })
            .await?;
            ok = result.ok;
            logs = result.output;
        }
        let size = tokio::task::spawn_blocking(move || archive::folder_size(&code))
            .await
            .unwrap_or(0);
        Ok(BuildOutcome { ok, logs, size })
    }
}

/// The environment every build and instance starts from; the job's variables come after it.
fn base_env(runtime: &Detected, code: &Path, tmp: &Path) -> Vec<(String, String)> {
    let code_text = code.to_string_lossy().into_owned();
    let mut bins: Vec<PathBuf> = Vec::new();
    if let Some(bin) = runtime.program.parent() {
        bins.push(bin.to_path_buf());
    }
    let mut env = vec![
        ("HOME".to_owned(), code_text.clone()),
        ("TMPDIR".to_owned(), tmp.to_string_lossy().into_owned()),
        ("CI".to_owned(), "true".to_owned()),
        ("LANG".to_owned(), "C.UTF-8".to_owned()),
    ];
    match runtime.family {
        Family::Node => {
            bins.insert(0, code.join("node_modules/.bin"));
            env.push(("npm_config_update_notifier".to_owned(), "false".to_owned()));
        }
        Family::Python => {
            let userbase = code.join("runtime-env");
            bins.insert(0, userbase.join("bin"));
            env.push((
                "PYTHONUSERBASE".to_owned(),
                userbase.to_string_lossy().into_owned(),
            ));
            env.push(("PYTHONDONTWRITEBYTECODE".to_owned(), "1".to_owned()));
            env.push(("PYTHONUNBUFFERED".to_owned(), "1".to_owned()));
        }
    }
    let bin_refs: Vec<&Path> = bins.iter().map(PathBuf::as_path).collect();
    env.push(("PATH".to_owned(), process::path_var(&bin_refs)));
    env
}

/// Instances are shared by requests with the same deployment, runtime, entrypoint, memory and
/// environment.
fn env_hash(job: &ExecJob) -> String {
    let mut hasher = Sha256::new();
    for part in [
        job.runtime.as_str(),
        job.entrypoint.as_str(),
        &job.memory_mb.to_string(),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    for (name, value) in &job.env {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(value.as_bytes());
        hasher.update([0]);
    }
    hex::encode(&hasher.finalize()[..12])
}

async fn reaper(pool: Weak<Pool>) {
    let every = match pool.upgrade() {
        Some(pool) => (pool.idle / 2).clamp(Duration::from_millis(100), Duration::from_secs(30)),
        None => return,
    };
    loop {
        tokio::time::sleep(every).await;
        match pool.upgrade() {
            Some(pool) => pool.reap(),
            None => return,
        }
    }
}

#[async_trait]
impl Runtimes for LocalRuntimes {
    fn available(&self) -> Vec<RuntimeInfo> {
        self.inner.runtimes.iter().map(|r| r.info.clone()).collect()
    }

    async fn build(&self, job: BuildJob) -> Result<BuildOutcome, String> {
        self.build_inner(job).await
    }

    async fn execute(&self, job: ExecJob) -> Result<ExecOutcome, String> {
        self.execute_inner(job).await
    }

    async fn remove(&self, deployment: &str) {
        self.inner.pool.remove_deployment(deployment);
        if let Ok(dir) = self.folder(deployment) {
            // Already gone is as good as removed.
            let _ = tokio::fs::remove_dir_all(dir).await;
        }
    }
}
