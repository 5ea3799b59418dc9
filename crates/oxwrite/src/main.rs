//! The `oxwrite` binary: configuration (flags and `OXWRITE_*` variables), wiring of the
//! adapters, and the operator commands. The only crate that reads the environment.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use oxwrite_core::events::InProcessBus;
use oxwrite_core::ratelimit::MemoryRateLimiter;
use oxwrite_core::realtime::Hub;
use oxwrite_core::services::{project, projects};
use oxwrite_blobs::ObjectBlobs;
use oxwrite_core::app::Ports;
use oxwrite_core::{App, Config, ServerSecret};
use oxwrite_http::{Server, ServerConfig};
use oxwrite_store_sqlite::SqliteStore;

/// mimalloc: the server allocates many small, short-lived objects per request (JSON values,
/// rows); it is measurably faster than glibc's allocator for that (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "oxwrite", version, about = "A backend server that speaks Appwrite's API, in one binary.")]
struct Cli {
    #[command(flatten)]
    data: DataArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DataArgs {
    /// Folder holding all state: the SQLite database, the server secret, later files.
    #[arg(long, env = "OXWRITE_DATA", default_value = "./data", global = true)]
    data: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API under /v1.
    Serve(ServeArgs),
    /// Manage projects.
    #[command(subcommand)]
    Project(ProjectCmd),
    /// Manage a project's API keys.
    #[command(subcommand)]
    Key(KeyCmd),
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (printed in the start-up line).
    #[arg(long, env = "OXWRITE_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Extra hostnames browsers may call from (comma-separated); localhost is always allowed.
    #[arg(long, env = "OXWRITE_HOSTNAMES", value_delimiter = ',')]
    hostnames: Vec<String>,
    /// Trust `X-Forwarded-For` (set this only behind a reverse proxy that sets it).
    #[arg(long, env = "OXWRITE_TRUST_FORWARDED_FOR", default_value_t = false)]
    trust_forwarded_for: bool,
    /// Session lifetime in seconds.
    #[arg(long, env = "OXWRITE_SESSION_DURATION", default_value_t = 31_536_000)]
    session_duration: i64,
    /// Active sessions kept per user; older ones are removed.
    #[arg(long, env = "OXWRITE_SESSION_LIMIT", default_value_t = 10)]
    session_limit: usize,
    /// Rate limits on client requests (`enabled` or `disabled`).
    #[arg(long, env = "OXWRITE_RATE_LIMITS", default_value = "enabled", value_parser = ["enabled", "disabled"])]
    rate_limits: String,
    /// Log filter (tracing's env-filter syntax).
    #[arg(long, env = "OXWRITE_LOG", default_value = "info")]
    log: String,
    /// The largest file a bucket may accept, in bytes (Appwrite's `_APP_STORAGE_LIMIT`).
    #[arg(long, env = "OXWRITE_STORAGE_LIMIT", default_value_t = 30_000_000)]
    storage_limit: i64,
    /// The largest function deployment, in bytes (Appwrite's `_APP_COMPUTE_SIZE_LIMIT`).
    #[arg(long, env = "OXWRITE_COMPUTE_SIZE_LIMIT", default_value_t = 30_000_000)]
    compute_size_limit: i64,
    /// How long a function build may take, in seconds (`_APP_COMPUTE_BUILD_TIMEOUT`).
    #[arg(long, env = "OXWRITE_BUILD_TIMEOUT", default_value_t = 900)]
    build_timeout: i64,
}

#[derive(Subcommand)]
enum ProjectCmd {
    /// Create a project.
    Create {
        #[arg(long, env = "OXWRITE_PROJECT_ID")]
        id: String,
        #[arg(long, env = "OXWRITE_PROJECT_NAME")]
        name: String,
    },
    /// List projects.
    List,
}

#[derive(Subcommand)]
enum KeyCmd {
    /// Create an API key; its secret is printed as the last line.
    Create {
        #[arg(long, env = "OXWRITE_PROJECT")]
        project: String,
        #[arg(long, env = "OXWRITE_KEY_NAME")]
        name: String,
        /// `all`, or a comma-separated list of scopes.
        #[arg(long, env = "OXWRITE_KEY_SCOPES")]
        scopes: String,
        /// Expiry as RFC 3339 (default: never).
        #[arg(long, env = "OXWRITE_KEY_EXPIRE")]
        expire: Option<String>,
        /// Key id (default: generated).
        #[arg(long, env = "OXWRITE_KEY_ID", default_value = "unique()")]
        id: String,
    },
    /// List a project's keys (secrets are never shown again).
    List {
        #[arg(long, env = "OXWRITE_PROJECT")]
        project: String,
    },
    /// Delete a key.
    Delete {
        #[arg(long, env = "OXWRITE_PROJECT")]
        project: String,
        #[arg(long)]
        id: String,
    },
}

fn main() -> Result<()> {
    // `oxwrite sandbox [limits] -- <program> <args>`: how function processes start. It applies
    // rlimits and Landlock to itself, then becomes the program (never returns on success).
    let mut argv = std::env::args_os().skip(1);
    if argv.next().is_some_and(|a| a == "sandbox") {
        let args = oxwrite_runtimes::SandboxArgs::parse(argv).map_err(|e| anyhow::anyhow!("sandbox: {e}"))?;
        let err = oxwrite_runtimes::sandbox::exec(args);
        eprintln!("sandbox: {err}");
        std::process::exit(127);
    }
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve(args) => serve(&cli.data.data, args).await,
        Command::Project(cmd) => {
            let app = open(&cli.data.data, Config::default())?;
            match cmd {
                ProjectCmd::Create { id, name } => {
                    let p = projects::create(&app, &id, &name).await.map_err(api)?;
                    println!("{}", p.id);
                }
                ProjectCmd::List => {
                    for p in projects::list(&app).await.map_err(api)? {
                        println!("{}\t{}", p.id, p.name);
                    }
                }
            }
            Ok(())
        }
        Command::Key(cmd) => {
            let app = open(&cli.data.data, Config::default())?;
            match cmd {
                KeyCmd::Create { project: pid, name, scopes, expire, id } => {
                    let scopes: Vec<String> = if scopes.trim() == "all" {
                        oxwrite_types::scope::all_project_key_scopes()
                    } else {
                        scopes.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
                    };
                    ensure_project(&app, &pid).await?;
                    let created = project::create_key_in(&app, &pid, project::KeyInput { id, name, scopes, expire })
                        .await
                        .map_err(api)?;
                    println!("created key {} in project {pid}", created.model.id);
                    println!("{}", created.secret);
                }
                KeyCmd::List { project: pid } => {
                    ensure_project(&app, &pid).await?;
                    for k in project::list_keys_in(&app, &pid).await.map_err(api)?.items {
                        println!("{}\t{}\t{}\texpire={}", k.id, k.name, k.scopes.join(","), if k.expire.is_empty() { "never" } else { &k.expire });
                    }
                }
                KeyCmd::Delete { project: pid, id } => {
                    project::delete_key_in(&app, &pid, &id).await.map_err(api)?;
                    println!("deleted key {id}");
                }
            }
            Ok(())
        }
    }
}

fn api(e: oxwrite_core::Error) -> anyhow::Error {
    anyhow::anyhow!("{} ({})", e.message(), e.kind.as_str())
}

async fn ensure_project(app: &App, id: &str) -> Result<()> {
    app.store
        .get_project(id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .map(|_| ())
        .with_context(|| format!("project {id} does not exist"))
}

/// Opens the data folder: creates it, loads (or creates) the server secret, opens the store
/// and the file store (`<data>/files`).
fn open(dir: &Path, config: Config) -> Result<Arc<App>> {
    Ok(open_with_bus(dir, config)?.0)
}

/// Opens the data folder with the in-process event bus, which `serve` feeds realtime from.
/// Functions run only under `serve` (`runtimes`); other commands get none.
fn open_with_bus(dir: &Path, config: Config) -> Result<(Arc<App>, Arc<InProcessBus>)> {
    open_with(dir, config, Arc::new(oxwrite_core::ports::NoRuntimes))
}

/// Function processes live in `<data>/functions` and start through `oxwrite sandbox`.
fn local_runtimes(dir: &Path) -> Result<Arc<dyn oxwrite_core::ports::Runtimes>> {
    // Absolute: function processes run in their own folders.
    let root = std::path::absolute(dir.join("functions")).context("resolving the functions folder")?;
    let mut config = oxwrite_runtimes::Config::new(root);
    let me = std::env::current_exe().context("locating the oxwrite binary for the function sandbox")?;
    config.launcher = vec![me.to_string_lossy().into_owned(), "sandbox".to_owned()];
    let runtimes = oxwrite_runtimes::LocalRuntimes::new(config).map_err(|e| anyhow::anyhow!("function runtimes: {e}"))?;
    Ok(Arc::new(runtimes))
}

fn open_with(dir: &Path, config: Config, runtimes: Arc<dyn oxwrite_core::ports::Runtimes>) -> Result<(Arc<App>, Arc<InProcessBus>)> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating data folder {}", dir.display()))?;
    let secret = load_secret(dir)?;
    let store = SqliteStore::open(dir).map_err(|e| anyhow::anyhow!("opening the store: {e}"))?;
    let bus = Arc::new(InProcessBus::default());
    let blobs = ObjectBlobs::local(&dir.join("files")).map_err(|e| anyhow::anyhow!("opening the file store: {e}"))?;
    let ports = Ports { store: Arc::new(store), limiter: Arc::new(MemoryRateLimiter::default()), bus: bus.clone(), blobs: Arc::new(blobs), runtimes };
    Ok((App::new(ports, secret, config), bus))
}

/// The server secret signs JWTs. Created once (0600) and never printed.
fn load_secret(dir: &Path) -> Result<ServerSecret> {
    let path = dir.join("secret");
    if let Ok(hex) = std::fs::read_to_string(&path) {
        let bytes = decode_hex(hex.trim()).context("the server secret file is corrupt")?;
        return Ok(ServerSecret::new(bytes));
    }
    let hex = oxwrite_core::secrets::random_hex(32);
    write_private(&path, &hex).with_context(|| format!("writing {}", path.display()))?;
    let bytes = decode_hex(&hex).context("generated secret")?;
    Ok(ServerSecret::new(bytes))
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() < 32 {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    // create_new: two processes starting at once cannot both write a secret.
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(contents.as_bytes())
}

async fn serve(dir: &Path, args: ServeArgs) -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&args.log).unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let config = Config {
        session_duration: args.session_duration,
        session_limit: args.session_limit.max(1),
        rate_limits: args.rate_limits == "enabled",
        smtp_enabled: false,
        webhook_retry_ms: Config::default().webhook_retry_ms,
        storage_limit: args.storage_limit.max(1),
        compute_size_limit: args.compute_size_limit.max(1),
        build_timeout_secs: args.build_timeout.max(1),
        concurrent_builds: Config::default().concurrent_builds,
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating data folder {}", dir.display()))?;
    let (app, bus) = open_with(dir, config, local_runtimes(dir)?)?;
    let hub = Hub::start(bus.subscribe());
    let outbound = oxwrite_outbound::HttpOutbound::new().map_err(|e| anyhow::anyhow!("HTTP client: {e}"))?;
    tokio::spawn(oxwrite_core::services::webhooks::run(app.clone(), Arc::new(outbound), bus.subscribe()));
    let mut hostnames = ServerConfig::default().hostnames;
    hostnames.extend(args.hostnames.into_iter().map(|h| h.to_ascii_lowercase()));
    let server = Arc::new(Server { app: app.clone(), config: ServerConfig { hostnames, trust_forwarded_for: args.trust_forwarded_for }, hub });
    let listener = tokio::net::TcpListener::bind(&args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    let addr = listener.local_addr()?;
    // Functions call the API back on the address we listen on (loopback when on all addresses).
    let callback = if addr.ip().is_unspecified() { std::net::SocketAddr::from(([127, 0, 0, 1], addr.port())) } else { addr };
    app.set_endpoint(format!("http://{callback}/v1"));
    let _functions = oxwrite_core::services::functions::start(app.clone(), bus.subscribe());
    // The start-up banner is the contract for scripts and tests: one stdout line with the URL.
    println!("Oxwrite {} listening on http://{addr}/v1 (data: {})", env!("CARGO_PKG_VERSION"), dir.display());
    let app = oxwrite_http::router(server).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
