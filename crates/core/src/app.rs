//! The application context every core function receives: ports, the server secret, the
//! bounded hashing pool and configuration. Built once by the binary.

use std::sync::{Arc, OnceLock, Weak};

use tokio::sync::Semaphore;

use crate::ports::{Blobs, EventBus, RateLimiter, Runtimes, Store};
use crate::{Error, Result};

/// The adapters behind core's ports.
pub struct Ports {
    pub store: Arc<dyn Store>,
    pub limiter: Arc<dyn RateLimiter>,
    pub bus: Arc<dyn EventBus>,
    pub blobs: Arc<dyn Blobs>,
    pub runtimes: Arc<dyn Runtimes>,
}

/// Settings core needs; the binary fills them from flags and `OXWRITE_*` variables.
#[derive(Debug, Clone)]
pub struct Config {
    /// Session lifetime in seconds (Appwrite's `auths.duration`, default one year).
    pub session_duration: i64,
    /// Active sessions per user before the oldest are removed (Appwrite default 10).
    pub session_limit: usize,
    /// Whether rate limits apply at all (`_APP_OPTIONS_ABUSE`).
    pub rate_limits: bool,
    /// Whether an SMTP server is configured; without one, email invitations answer 503.
    pub smtp_enabled: bool,
    /// The first webhook retry waits this long; each further one twice as long.
    pub webhook_retry_ms: i64,
    /// The largest file a bucket may accept, in bytes (`_APP_STORAGE_LIMIT`).
    pub storage_limit: i64,
    /// The largest deployment (`_APP_COMPUTE_SIZE_LIMIT`).
    pub compute_size_limit: i64,
    /// How long a build may take, in seconds (`_APP_COMPUTE_BUILD_TIMEOUT`).
    pub build_timeout_secs: i64,
    /// Builds running at once.
    pub concurrent_builds: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            session_duration: 31_536_000,
            session_limit: 10,
            rate_limits: true,
            smtp_enabled: false,
            webhook_retry_ms: 1000,
            storage_limit: 30_000_000,
            compute_size_limit: 30_000_000,
            build_timeout_secs: 900,
            concurrent_builds: 2,
        }
    }
}

pub struct App {
    pub store: Arc<dyn Store>,
    pub limiter: Arc<dyn RateLimiter>,
    pub bus: Arc<dyn EventBus>,
    pub blobs: Arc<dyn Blobs>,
    pub runtimes: Arc<dyn Runtimes>,
    secret: ServerSecret,
    /// Builds running at once.
    pub(crate) builds: Semaphore,
    /// The public API endpoint (`http://host:port/v1`), known once the server listens.
    endpoint: OnceLock<String>,
    /// Running MD5 states of uploads in progress.
    pub(crate) signatures: crate::services::storage::signature::Signatures,
    /// Wakes the execution queue worker when something is queued.
    queue: tokio::sync::Notify,
    /// Bumped when functions change, so triggers reload them at once on this node.
    functions_generation: std::sync::atomic::AtomicU64,
    me: Weak<App>,
    hashing: Semaphore,
    pub config: Config,
}

/// The server secret (HMAC key for JWTs). Deliberately has no `Display` or `Debug` output.
pub struct ServerSecret(Vec<u8>);

impl ServerSecret {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl std::fmt::Debug for ServerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerSecret(..)")
    }
}

impl App {
    pub fn new(ports: Ports, secret: ServerSecret, config: Config) -> Arc<Self> {
        let Ports { store, limiter, bus, blobs, runtimes } = ports;
        // Argon2id with Appwrite's parameters costs ~7 MiB and ~16 ms of one core per hash.
        // The permits bound memory and keep a login burst from starving I/O; one more than
        // the core count keeps every core hashing while a finished job hands its permit on
        // (measured in BENCHMARKS.md: with exactly one per core, cores idled ~2.5 %).
        let permits = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2) + 1;
        let builds = Semaphore::new(config.concurrent_builds.max(1));
        Arc::new_cyclic(|me| Self {
            store,
            limiter,
            bus,
            blobs,
            runtimes,
            secret,
            hashing: Semaphore::new(permits),
            builds,
            endpoint: OnceLock::new(),
            signatures: Default::default(),
            queue: tokio::sync::Notify::new(),
            functions_generation: std::sync::atomic::AtomicU64::new(0),
            me: me.clone(),
            config,
        })
    }

    /// The app itself, for work that outlives a request (builds, executions).
    pub(crate) fn me(&self) -> Option<Arc<App>> {
        self.me.upgrade()
    }

    /// Records the public API endpoint once the server listens (functions get it as
    /// `APPWRITE_FUNCTION_API_ENDPOINT`).
    pub fn set_endpoint(&self, endpoint: String) {
        let _ = self.endpoint.set(endpoint);
    }

    pub(crate) fn wake_queue(&self) {
        self.queue.notify_one();
    }

    pub(crate) async fn queue_woken(&self) {
        self.queue.notified().await;
    }

    /// Marks the functions as changed (their triggers reload).
    pub(crate) fn touch_functions(&self) {
        self.functions_generation.fetch_add(1, std::sync::atomic::Ordering::Release);
    }

    /// Counts changes to functions: a trigger loop that saw another value reloads them.
    pub(crate) fn functions_generation(&self) -> u64 {
        self.functions_generation.load(std::sync::atomic::Ordering::Acquire)
    }

    pub fn endpoint(&self) -> String {
        self.endpoint.get().cloned().unwrap_or_else(|| "http://localhost/v1".to_owned())
    }

    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret.0
    }

    /// Runs CPU-heavy work (password hashing, compression, image previews) on the blocking
    /// pool, at most one job per core (plus one).
    pub(crate) async fn cpu<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self.hashing.acquire().await.map_err(Error::internal)?;
        tokio::task::spawn_blocking(f).await.map_err(Error::internal)
    }
}

/// Milliseconds since the epoch: the unit every record uses.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}
