//! Test support: starts a real Oxwrite server (SQLite store, full router) on 127.0.0.1:0 in
//! a temporary data folder, with a project and an all-scopes key ready. Dev-only.

use std::sync::Arc;

use oxwrite_core::events::InProcessBus;
use oxwrite_core::ratelimit::MemoryRateLimiter;
use oxwrite_core::services::{project, projects};
use oxwrite_blobs::ObjectBlobs;
use oxwrite_core::app::Ports;
use oxwrite_core::{App, Config, ServerSecret};
use oxwrite_http::{Server, ServerConfig};
use oxwrite_store_sqlite::SqliteStore;

pub struct TestServer {
    /// `http://127.0.0.1:<port>/v1`
    pub endpoint: String,
    pub project: String,
    /// A key with every project scope.
    pub key: String,
    pub app: Arc<App>,
    /// The server's event bus, to observe what it publishes.
    pub bus: Arc<InProcessBus>,
    _dir: Option<tempfile::TempDir>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    /// A server on a fresh temporary data folder.
    pub async fn start() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let mut s = Self::start_in(dir.path()).await?;
        s._dir = Some(dir);
        Ok(s)
    }

    /// A server on `dir` (which may hold an earlier server's data: the project is reused, a
    /// new key is made).
    pub async fn start_in(dir: &std::path::Path) -> anyhow::Result<Self> {
        Self::start_with(dir, Arc::new(oxwrite_core::ports::NoRuntimes)).await
    }

    /// A server on a fresh temporary data folder whose functions run on `runtimes`.
    pub async fn start_with_runtimes(runtimes: Arc<dyn oxwrite_core::ports::Runtimes>) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let mut s = Self::start_with(dir.path(), runtimes).await?;
        s._dir = Some(dir);
        Ok(s)
    }

    /// A server on `dir` whose functions run on `runtimes`.
    pub async fn start_with(dir: &std::path::Path, runtimes: Arc<dyn oxwrite_core::ports::Runtimes>) -> anyhow::Result<Self> {
        let store = SqliteStore::open(dir).map_err(|e| anyhow::anyhow!("{e}"))?;
        // The secret stays with the data (encrypted files must survive a restart).
        let secret_path = dir.join("secret");
        let secret = match std::fs::read(&secret_path) {
            Ok(bytes) => bytes,
            Err(_) => {
                let fresh = oxwrite_core::secrets::random_hex(32).into_bytes();
                std::fs::write(&secret_path, &fresh)?;
                fresh
            }
        };
        let secret = ServerSecret::new(secret);
        let blobs = Arc::new(ObjectBlobs::local(&dir.join("files")).map_err(|e| anyhow::anyhow!("{e}"))?);
        let bus = Arc::new(InProcessBus::default());
        // Webhook retries back off from 20 ms so tests see them quickly.
        let config = Config { webhook_retry_ms: 20, ..Config::default() };
        let ports = Ports { store: Arc::new(store), limiter: Arc::new(MemoryRateLimiter::default()), bus: bus.clone(), blobs, runtimes };
        let app = App::new(ports, secret, config);
        if app.store.get_project("test").await.map_err(|e| anyhow::anyhow!("{e}"))?.is_none() {
            projects::create(&app, "test", "Test").await.map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        let scopes = oxwrite_types::scope::all_project_key_scopes();
        let key = project::create_key_in(&app, "test", project::KeyInput { id: "unique()".into(), name: "all".into(), scopes, expire: None })
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .secret;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let hub = oxwrite_core::realtime::Hub::start(bus.subscribe());
        let outbound = oxwrite_outbound::HttpOutbound::new().map_err(|e| anyhow::anyhow!("{e}"))?;
        let worker = tokio::spawn(oxwrite_core::services::webhooks::run(app.clone(), Arc::new(outbound), bus.subscribe()));
        app.set_endpoint(format!("http://{addr}/v1"));
        let mut tasks = oxwrite_core::services::functions::start(app.clone(), bus.subscribe());
        let server = Arc::new(Server { app: app.clone(), config: ServerConfig::default(), hub });
        let svc = oxwrite_http::router(server).into_make_service_with_connect_info::<std::net::SocketAddr>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, svc).await;
        });
        tasks.extend([task, worker]);
        Ok(Self { endpoint: format!("http://{addr}/v1"), project: "test".into(), key, app, bus, _dir: None, tasks })
    }

    /// Stops serving and working, as a process exit would (a started request may be cut off).
    pub async fn stop(self) {
        for t in &self.tasks {
            t.abort();
        }
        for t in self.tasks {
            let _ = t.await;
        }
    }

    /// Calls the API with this server's all-scopes key; answers the status and the JSON body
    /// (`Null` when there is none).
    pub async fn with_key(&self, method: reqwest::Method, path: &str, body: serde_json::Value) -> anyhow::Result<(u16, serde_json::Value)> {
        let res = reqwest::Client::new()
            .request(method, format!("{}{path}", self.endpoint))
            .header("X-Appwrite-Project", &self.project)
            .header("X-Appwrite-Key", &self.key)
            .json(&body)
            .send()
            .await?;
        let status = res.status().as_u16();
        Ok((status, res.json().await.unwrap_or(serde_json::Value::Null)))
    }

    /// A key of this project with exactly `scopes`.
    pub async fn key_with(&self, scopes: &[&str]) -> anyhow::Result<String> {
        let input = project::KeyInput {
            id: "unique()".into(),
            name: "scoped".into(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            expire: None,
        };
        Ok(project::create_key_in(&self.app, &self.project, input).await.map_err(|e| anyhow::anyhow!("{e}"))?.secret)
    }
}
