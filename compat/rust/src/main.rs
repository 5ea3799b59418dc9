//! Smoke test of the official Appwrite Rust SDK (`appwrite` 0.22.0) against Oxwrite.
//!
//! Starts its own `oxwrite serve` (binary from `OXWRITE_BIN`, default
//! `<repo>/target/debug/oxwrite`) on 127.0.0.1:0 with a temp data folder,
//! creates a project and an API key with the CLI, then runs the SSR flow:
//! create a user with the key, log in with the key client, read
//! `session.secret`, act as the user with a fresh client (`set_session`),
//! list users, log out. Prints `N passed, M failed`; exits 1 on failure.

use std::future::Future;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use appwrite::id::ID;
use appwrite::query::Query;
use appwrite::permission::Permission;
use appwrite::role::Role;
use appwrite::services::{Account, TablesDB, Users};
use appwrite::{AppwriteError, Client};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const PROJECT_ID: &str = "rust-smoke";
const PASSWORD: &str = "Rust-Pass-12345";

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct Server {
    bin: PathBuf,
    data: PathBuf,
    child: Child,
    endpoint: String,
    /// Server output (stdout + stderr), printed when a check fails.
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    async fn start(bin: PathBuf) -> Result<Self, BoxError> {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
        let data = std::env::temp_dir().join(format!("oxwrite-rs-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&data)?;
        let mut child = Command::new(&bin)
            .arg("serve")
            .env("OXWRITE_DATA", &data)
            .env("OXWRITE_LISTEN", "127.0.0.1:0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let stderr = child.stderr.take().ok_or("no stderr")?;
        let err_log = Arc::clone(&log);
        let echo = std::env::var("OXWRITE_TEST_LOG").as_deref() == Ok("1");
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if echo {
                    eprintln!("[oxwrite] {line}");
                }
                if let Ok(mut l) = err_log.lock() {
                    l.push(line);
                }
            }
        });
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let wait_ms: u64 = std::env::var("OXWRITE_START_TIMEOUT_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(60_000);
        let endpoint = tokio::time::timeout(Duration::from_millis(wait_ms), async {
            while let Some(line) = lines.next_line().await? {
                if let Some(idx) = line.find("listening on ") {
                    let url = line[idx + "listening on ".len()..]
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .trim_end_matches('/')
                        .to_string();
                    if url.starts_with("http://") {
                        return Ok::<_, std::io::Error>(Some(url));
                    }
                }
            }
            Ok(None)
        })
        .await;
        let endpoint = match endpoint {
            Ok(Ok(Some(url))) => url,
            other => {
                let _ = child.kill().await;
                return Err(format!("oxwrite did not print 'listening on': {other:?}").into());
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self { bin, data, child, endpoint, log })
    }

    async fn cli(&self, args: &[&str]) -> Result<String, BoxError> {
        let out = Command::new(&self.bin)
            .args(args)
            .env("OXWRITE_DATA", &self.data)
            .stdin(Stdio::null())
            .output()
            .await?;
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        if !out.status.success() {
            return Err(format!(
                "oxwrite {} failed: {}\n{}\n{}",
                args.join(" "),
                out.status,
                stdout,
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        Ok(stdout)
    }

    async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            // Graceful stop (SIGTERM), then kill if it hangs.
            let _ = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status();
            if tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await.is_err() {
                let _ = self.child.kill().await;
            }
        }
        if std::env::var("OXWRITE_KEEP_DATA").as_deref() != Ok("1") {
            let _ = std::fs::remove_dir_all(&self.data);
        }
    }
}

#[derive(Default)]
struct Report {
    passed: u32,
    failed: u32,
}

impl Report {
    async fn check<F, Fut>(&mut self, name: &str, f: F)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(), BoxError>>,
    {
        match f().await {
            Ok(()) => {
                self.passed += 1;
                println!("ok   - {name}");
            }
            Err(e) => {
                self.failed += 1;
                println!("FAIL - {name}: {e}");
            }
        }
    }
}

fn ensure(cond: bool, msg: impl Into<String>) -> Result<(), BoxError> {
    if cond { Ok(()) } else { Err(msg.into().into()) }
}

fn expect_err<T: std::fmt::Debug>(res: Result<T, AppwriteError>, code: u16, kind: &str) -> Result<(), BoxError> {
    match res {
        Ok(v) => Err(format!("expected error {code} {kind}, got Ok({v:?})").into()),
        Err(e) => {
            ensure(e.code == code, format!("code {} != {code} ({:?}: {})", e.code, e.error_type, e.message))?;
            ensure(e.error_type.as_deref() == Some(kind), format!("type {:?} != {kind} ({})", e.error_type, e.message))
        }
    }
}

#[tokio::main]
async fn main() {
    let bin = std::env::var_os("OXWRITE_BIN").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/debug/oxwrite")
    });
    if !bin.exists() {
        println!("oxwrite binary not found at {} (cargo build -p oxwrite, or set OXWRITE_BIN)", bin.display());
        println!("0 passed, 1 failed");
        std::process::exit(1);
    }
    let server = match Server::start(bin).await {
        Ok(s) => s,
        Err(e) => {
            println!("could not start oxwrite: {e}");
            println!("0 passed, 1 failed");
            std::process::exit(1);
        }
    };
    let report = run(&server).await;
    let log = server.log.clone();
    server.stop().await;
    if report.failed > 0 {
        if let Ok(lines) = log.lock() {
            println!("--- oxwrite log (last 60 lines) ---");
            for line in lines.iter().rev().take(60).collect::<Vec<_>>().into_iter().rev() {
                println!("{line}");
            }
            println!("--- end of oxwrite log ---");
        }
    }
    println!("{} passed, {} failed", report.passed, report.failed);
    std::process::exit(if report.failed == 0 { 0 } else { 1 });
}

async fn run(server: &Server) -> Report {
    let mut report = Report::default();
    let setup = async {
        server.cli(&["project", "create", "--id", PROJECT_ID, "--name", "Rust smoke"]).await?;
        let out = server
            .cli(&["key", "create", "--project", PROJECT_ID, "--name", "rust-admin", "--scopes", "all"])
            .await?;
        let key = out.lines().map(str::trim).filter(|l| !l.is_empty()).last().unwrap_or("").to_string();
        ensure(key.starts_with("standard_"), format!("unexpected key output: {out}"))?;
        Ok::<_, BoxError>(key)
    };
    let key = match setup.await {
        Ok(k) => k,
        Err(e) => {
            report.failed += 1;
            println!("FAIL - setup (project + key via CLI): {e}");
            return report;
        }
    };

    let endpoint = server.endpoint.clone();
    let client = move || Client::new().set_endpoint(endpoint.clone()).set_project(PROJECT_ID);
    let admin = client().set_key(key);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let email = format!("rs-{nanos:x}@example.com");

    let mut user_id = String::new();
    let mut secret = String::new();

    report
        .check("users.create with a key", || async {
            let user = Users::new(&admin)
                .create(ID::unique(), Some(email.as_str()), None, Some(PASSWORD), Some("Rust User"))
                .await?;
            ensure(user.email == email && user.name == "Rust User", format!("{user:?}"))?;
            user_id = user.id;
            Ok(())
        })
        .await;

    report
        .check("account.create_email_password_session with the key returns secret", || async {
            let session = Account::new(&admin).create_email_password_session(email.as_str(), PASSWORD, None).await?;
            ensure(session.user_id == user_id, format!("userId {} != {user_id}", session.user_id))?;
            ensure(!session.secret.is_empty(), "key client must see session.secret")?;
            ensure(session.current, "session.current")?;
            secret = session.secret;
            Ok(())
        })
        .await;

    report
        .check("set_session(secret) -> account.get acts as the user", || async {
            let me = Account::new(&client().set_session(secret.clone())).get().await?;
            ensure(me.id == user_id && me.email == email, format!("{me:?}"))
        })
        .await;

    report
        .check("users.list (with Query.equal)", || async {
            let q = Query::equal("email", json!([email])).to_string();
            let found = Users::new(&admin).list(Some(vec![q]), None, None).await?;
            ensure(found.total == 1, format!("total {}", found.total))?;
            ensure(found.users.first().map(|u| u.id.as_str()) == Some(user_id.as_str()), "listed user id")?;
            let all = Users::new(&admin).list(None, None, None).await?;
            ensure(all.total >= 1, "total >= 1")
        })
        .await;

    report
        .check("guest account.get -> 401 general_unauthorized_scope", || async {
            expect_err(Account::new(&client()).get().await, 401, "general_unauthorized_scope")
        })
        .await;

    report
        .check("delete_session(current) logs out", || async {
            Account::new(&client().set_session(secret.clone())).delete_session("current").await?;
            expect_err(
                Account::new(&client().set_session(secret.clone())).get().await,
                401,
                "general_unauthorized_scope",
            )
        })
        .await;

    report
        .check("wrong password -> 401 user_invalid_credentials", || async {
            expect_err(
                Account::new(&admin).create_email_password_session(email.as_str(), "Wrong-Pass-123", None).await,
                401,
                "user_invalid_credentials",
            )
        })
        .await;

    // TablesDB: the seeds' first pattern through the Rust crate.
    report
        .check("tablesDB: database, table and columns with a key", || async {
            let db = TablesDB::new(&admin);
            db.create("rs", "Rs", None, None, None, None, None).await?;
            let perms = vec![Permission::create(Role::users(None)).to_string()];
            db.create_table("rs", "notes", "Notes", Some(perms), Some(true), None, None, None, None).await?;
            db.create_varchar_column("rs", "notes", "title", 64, true, None, None, None, None).await?;
            db.create_integer_column("rs", "notes", "n", false, None, None, None, None, None).await?;
            Ok(())
        })
        .await;

    report
        .check("tablesDB: a user's private rows; a guest sees none", || async {
            let login = Account::new(&admin).create_email_password_session(email.as_str(), PASSWORD, None).await?;
            let me = TablesDB::new(&client().set_session(login.secret.clone()));
            for i in 0..3 {
                let row = me.create_row("rs", "notes", ID::unique(), json!({"title": format!("t{i}"), "n": i}), None, None).await?;
                ensure(row.get::<String>("title") == Some(format!("t{i}")), format!("{row:?}"))?;
            }
            let q = vec![Query::greater_than("n", json!(0)).to_string(), Query::order_desc("n").to_string()];
            let page = me.list_rows("rs", "notes", Some(q), None, None, None).await?;
            ensure(page.total == 2, format!("total {}", page.total))?;
            let guest = TablesDB::new(&client()).list_rows("rs", "notes", None, None, None, None).await?;
            ensure(guest.total == 0 && guest.rows.is_empty(), "a guest sees no rows")?;
            expect_err(TablesDB::new(&admin).get_row("rs", "notes", "missing", None, None).await, 404, "row_not_found")
        })
        .await;

    report
}
