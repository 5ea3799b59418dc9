//! The application context every core function receives: ports, the server secret, the
//! bounded hashing pool and configuration. Built once by the binary.

use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::ports::{Blobs, EventBus, RateLimiter, Store};
use crate::{Error, Result};

/// The adapters behind core's ports.
pub struct Ports {
    pub store: Arc<dyn Store>,
    pub limiter: Arc<dyn RateLimiter>,
    pub bus: Arc<dyn EventBus>,
    pub blobs: Arc<dyn Blobs>,
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
}

impl Default for Config {
    fn default() -> Self {
        Self { session_duration: 31_536_000, session_limit: 10, rate_limits: true, smtp_enabled: false, webhook_retry_ms: 1000, storage_limit: 30_000_000 }
    }
}

pub struct App {
    pub store: Arc<dyn Store>,
    pub limiter: Arc<dyn RateLimiter>,
    pub bus: Arc<dyn EventBus>,
    pub blobs: Arc<dyn Blobs>,
    secret: ServerSecret,
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
    pub fn new(ports: Ports, secret: ServerSecret, config: Config) -> Self {
        let Ports { store, limiter, bus, blobs } = ports;
        // Argon2id with Appwrite's parameters costs ~7 MiB and ~16 ms of one core per hash.
        // The permits bound memory and keep a login burst from starving I/O; one more than
        // the core count keeps every core hashing while a finished job hands its permit on
        // (measured in BENCHMARKS.md: with exactly one per core, cores idled ~2.5 %).
        let permits = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2) + 1;
        Self { store, limiter, bus, blobs, secret, hashing: Semaphore::new(permits), config }
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
