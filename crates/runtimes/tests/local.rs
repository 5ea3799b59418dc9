//! `LocalRuntimes` through core's `Runtimes` port: builds from in-memory archives, executions
//! on warm instances, timeouts, crashes and removal. Without a sandbox launcher (see
//! `sandbox.rs` for runs through one).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use oxwrite_core::ports::{BuildJob, ExecJob, Runtimes};
use oxwrite_runtimes::{Config, LocalRuntimes};

const NODE_FUNCTION: &str = r#"
module.exports = async ({ req, res, log, error }) => {
  if (req.path === "/pid") {
    log("pid asked");
    return res.json({ pid: process.pid, var: process.env.MY_VAR ?? null, home: process.env.HOME });
  }
  if (req.path === "/busy") { while (true) {} }
  if (req.path === "/hang") { log("hanging"); return new Promise(() => {}); }
  if (req.path === "/exit") { process.exit(3); }
  if (req.path === "/echo") {
    return res.send(req.bodyText, 200, { "x-seen": req.headers["x-custom"] ?? "", "x-open-runtimes-leak": "1" });
  }
  error("unknown path");
  return res.text("nope", 404);
};
"#;

pub fn runtimes(root: &std::path::Path) -> LocalRuntimes {
    LocalRuntimes::new(Config::new(root)).unwrap()
}

fn build_job(deployment: &str, runtime: &str, source: Vec<u8>, commands: &str) -> BuildJob {
    BuildJob {
        deployment: deployment.to_owned(),
        runtime: runtime.to_owned(),
        source: Bytes::from(source),
        commands: commands.to_owned(),
        timeout: Duration::from_secs(60),
        env: vec![("BUILD_VAR".to_owned(), "from-env".to_owned())],
    }
}

fn exec_job(deployment: &str, path: &str) -> ExecJob {
    ExecJob {
        deployment: deployment.to_owned(),
        runtime: "node-20.0".to_owned(),
        entrypoint: "index.js".to_owned(),
        env: vec![("MY_VAR".to_owned(), "one".to_owned())],
        method: "POST".to_owned(),
        path: path.to_owned(),
        headers: vec![
            ("x-custom".to_owned(), "c".to_owned()),
            ("content-type".to_owned(), "text/plain".to_owned()),
            ("bad header".to_owned(), "dropped".to_owned()),
            ("x-open-runtimes-secret".to_owned(), "forged".to_owned()),
        ],
        body: Bytes::from_static(b"payload"),
        timeout: Duration::from_secs(10),
        memory_mb: 512,
        logging: true,
    }
}

async fn deployed(rt: &LocalRuntimes, deployment: &str) {
    let source = common::tar_gz(&[("index.js", NODE_FUNCTION)]);
    let out = rt
        .build(build_job(deployment, "node-20.0", source, ""))
        .await
        .unwrap();
    assert!(out.ok, "{}", out.logs);
}

async fn pid(rt: &LocalRuntimes, job: ExecJob) -> u64 {
    let out = rt.execute(job).await.unwrap();
    assert_eq!(out.status, 200, "{}", out.errors);
    let v: serde_json::Value = serde_json::from_slice(&out.body).unwrap();
    v["pid"].as_u64().unwrap()
}

#[tokio::test]
async fn available_runtimes() {
    let root = tempfile::tempdir().unwrap();
    let rt = runtimes(root.path());
    let list = rt.available();
    let node = list.iter().find(|r| r.key == "node").unwrap();
    assert_eq!(node.name, "Node.js");
    assert!(node.id.starts_with("node-"));
    assert!(node.base.starts_with("node "), "{}", node.base);
    let python = list.iter().find(|r| r.key == "python").unwrap();
    assert_eq!(python.name, "Python");
    assert!(python.id.starts_with("python-3."));
    println!("runtimes: {list:?}");
}

#[tokio::test]
async fn build_runs_commands() {
    let root = tempfile::tempdir().unwrap();
    let rt = runtimes(root.path());
    let source = common::tar_gz(&[("index.js", NODE_FUNCTION), ("lib/data.txt", "data")]);
    let commands = "echo building; echo \"$BUILD_VAR\" > built.txt; echo to-stderr >&2; test \"$HOME\" = \"$(pwd)\"";
    let out = rt
        .build(build_job("dep1", "node-20.0", source, commands))
        .await
        .unwrap();
    assert!(out.ok, "{}", out.logs);
    assert!(
        out.logs.contains("building") && out.logs.contains("to-stderr"),
        "{}",
        out.logs
    );
    let built = std::fs::read_to_string(root.path().join("dep1/code/built.txt")).unwrap();
    assert_eq!(built, "from-env\n");
    assert_eq!(
        std::fs::read_to_string(root.path().join("dep1/code/lib/data.txt")).unwrap(),
        "data"
    );
    assert_eq!(out.size, (NODE_FUNCTION.len() + 4 + 9) as u64);
}

#[tokio::test]
async fn build_failure_and_timeout() {
    let root = tempfile::tempdir().unwrap();
    let rt = runtimes(root.path());
    let source = common::tar_gz(&[("index.js", NODE_FUNCTION)]);
    let out = rt
        .build(build_job(
            "dep1",
            "node-20.0",
            source.clone(),
            "echo failing-now; exit 3",
        ))
        .await
        .unwrap();
    assert!(!out.ok);
    assert!(out.logs.contains("failing-now"), "{}", out.logs);
    assert!(
        out.logs.ends_with("Build command failed with exit code 3."),
        "{}",
        out.logs
    );

    let mut job = build_job(
        "dep2",
        "node-20.0",
        source,
        "echo started; sleep 30 & sleep 30",
    );
    job.timeout = Duration::from_millis(300);
    let started = Instant::now();
    let out = rt.build(job).await.unwrap();
    assert!(!out.ok);
    assert!(out.logs.contains("started"), "{}", out.logs);
    assert!(
        out.logs.ends_with("Build timed out after 0.3 seconds."),
        "{}",
        out.logs
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn malicious_archives_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let rt = runtimes(root.path());
    let cases = [
        (
            "../escape.txt",
            tar::EntryType::Regular,
            None,
            "unsafe path",
        ),
        (
            "/tmp/absolute.txt",
            tar::EntryType::Regular,
            None,
            "unsafe path",
        ),
        (
            "etc",
            tar::EntryType::Symlink,
            Some("/etc"),
            "points outside",
        ),
        (
            "up",
            tar::EntryType::Symlink,
            Some("../.."),
            "points outside",
        ),
        (
            "hard",
            tar::EntryType::Link,
            Some("/etc/passwd"),
            "points outside",
        ),
        ("dev", tar::EntryType::Char, None, "special file"),
    ];
    for (i, (name, kind, link, message)) in cases.into_iter().enumerate() {
        let source = common::raw_tar_gz(name, kind, link, b"x");
        let deployment = format!("bad{i}");
        let out = rt
            .build(build_job(&deployment, "node-20.0", source, "touch ran"))
            .await
            .unwrap();
        assert!(!out.ok, "{name}");
        assert!(out.logs.contains(message), "{name}: {}", out.logs);
        assert!(!root.path().join(&deployment).join("code/ran").exists());
    }
    assert!(!root.path().join("escape.txt").exists());
    assert!(!std::path::Path::new("/tmp/absolute.txt").exists());

    // A symbolic link that stays inside is fine.
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Symlink);
    header.set_size(0);
    builder
        .append_link(&mut header, "link.js", "index.js")
        .unwrap();
    let mut header = tar::Header::new_gnu();
    header.set_size(NODE_FUNCTION.len() as u64);
    builder
        .append_data(&mut header, "index.js", NODE_FUNCTION.as_bytes())
        .unwrap();
    let source = builder.into_inner().unwrap().finish().unwrap();
    let out = rt
        .build(build_job("good", "node-20.0", source, ""))
        .await
        .unwrap();
    assert!(out.ok, "{}", out.logs);
    assert!(root.path().join("good/code/link.js").is_symlink());
}

#[tokio::test]
async fn warm_instances_and_env() {
    let root = tempfile::tempdir().unwrap();
    let rt = runtimes(root.path());
    deployed(&rt, "dep1").await;

    let cold = Instant::now();
    let out = rt.execute(exec_job("dep1", "/echo?x=1")).await.unwrap();
    let cold = cold.elapsed();
    assert_eq!(out.status, 200, "{}", out.errors);
    assert_eq!(&out.body[..], b"payload");
    assert!(out.headers.iter().any(|(n, v)| n == "x-seen" && v == "c"));
    assert!(
        out.headers
            .iter()
            .all(|(n, _)| !n.starts_with("x-open-runtimes-")),
        "{:?}",
        out.headers
    );
    assert!(out.duration > 0.0 && out.duration < 5.0);

    let first = pid(&rt, exec_job("dep1", "/pid")).await;
    let warm = Instant::now();
    let out = rt.execute(exec_job("dep1", "/pid")).await.unwrap();
    let warm = warm.elapsed();
    assert_eq!(out.logs, "pid asked\n");
    let v: serde_json::Value = serde_json::from_slice(&out.body).unwrap();
    assert_eq!(
        v["pid"].as_u64().unwrap(),
        first,
        "the warm instance answers"
    );
    assert_eq!(v["var"], "one");
    assert!(v["home"].as_str().unwrap().ends_with("dep1/code"));
    assert_eq!(rt.instances(), 1);
    println!("node cold start + request: {cold:?}, warm request: {warm:?}");

    let mut other = exec_job("dep1", "/pid");
    other.env = vec![("MY_VAR".to_owned(), "two".to_owned())];
    let out = rt.execute(other).await.unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.body).unwrap();
    assert_ne!(
        v["pid"].as_u64().unwrap(),
        first,
        "another environment is another instance"
    );
    assert_eq!(v["var"], "two");
    assert_eq!(rt.instances(), 2);

    // Log files are read and deleted.
    let left: Vec<_> = std::fs::read_dir(root.path().join("dep1/logs"))
        .unwrap()
        .collect();
    assert!(left.is_empty(), "{left:?}");

    rt.remove("dep1").await;
    assert_eq!(rt.instances(), 0);
    assert!(!root.path().join("dep1").exists());
}

#[tokio::test]
async fn timeouts_kill_the_instance() {
    let root = tempfile::tempdir().unwrap();
    let rt = runtimes(root.path());
    deployed(&rt, "dep1").await;
    let before = pid(&rt, exec_job("dep1", "/pid")).await;

    // A function that blocks its event loop cannot answer: we give up on it.
    let mut job = exec_job("dep1", "/busy");
    job.timeout = Duration::from_secs(1);
    let out = rt.execute(job).await.unwrap();
    assert_eq!(out.status, 500);
    assert_eq!(out.errors, "Execution timed out.\n");
    assert!(out.body.is_empty());
    let after = pid(&rt, exec_job("dep1", "/pid")).await;
    assert_ne!(before, after, "the busy instance was killed");

    // A function that never resolves: the server's own timeout answers, and the instance goes.
    let mut job = exec_job("dep1", "/hang");
    job.timeout = Duration::from_secs(1);
    let out = rt.execute(job).await.unwrap();
    assert_eq!(out.status, 500);
    assert_eq!(out.logs, "hanging\n");
    assert_eq!(out.errors, "Execution timed out.\n");
    let last = pid(&rt, exec_job("dep1", "/pid")).await;
    assert_ne!(after, last);
    assert_eq!(rt.instances(), 1);
}

#[tokio::test]
async fn crashed_instance_restarts() {
    let root = tempfile::tempdir().unwrap();
    let rt = runtimes(root.path());
    deployed(&rt, "dep1").await;
    let before = pid(&rt, exec_job("dep1", "/pid")).await;
    let crashed = rt.execute(exec_job("dep1", "/exit")).await;
    assert!(crashed.is_err(), "{crashed:?}");
    let after = pid(&rt, exec_job("dep1", "/pid")).await;
    assert_ne!(before, after);
}

#[tokio::test]
async fn concurrent_requests_share_instances() {
    let root = tempfile::tempdir().unwrap();
    let mut config = Config::new(root.path());
    config.max_instances = 2;
    config.concurrency_per_instance = 2;
    let rt = std::sync::Arc::new(LocalRuntimes::new(config).unwrap());
    deployed(&rt, "dep1").await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let rt = rt.clone();
        tasks.push(tokio::spawn(async move {
            rt.execute(exec_job("dep1", "/echo")).await
        }));
    }
    for task in tasks {
        let out = task.await.unwrap().unwrap();
        assert_eq!(&out.body[..], b"payload");
    }
    assert!(rt.instances() <= 2);
}

#[tokio::test]
async fn idle_instances_are_reaped() {
    let root = tempfile::tempdir().unwrap();
    let mut config = Config::new(root.path());
    config.idle_timeout = Duration::ZERO;
    let rt = LocalRuntimes::new(config).unwrap();
    deployed(&rt, "dep1").await;
    pid(&rt, exec_job("dep1", "/pid")).await;
    rt.reap_idle();
    assert_eq!(rt.instances(), 0);
}

#[tokio::test]
async fn python_deployment() {
    let root = tempfile::tempdir().unwrap();
    let rt = runtimes(root.path());
    let code = "import os\n\nasync def main(context):\n    context.log('py')\n    return context.res.json({'pid': os.getpid(), 'var': os.environ.get('MY_VAR')})\n";
    let source = common::tar_gz(&[("src/main.py", code)]);
    let out = rt
        .build(build_job("py1", "python-3.11", source, ""))
        .await
        .unwrap();
    assert!(out.ok, "{}", out.logs);
    let mut job = exec_job("py1", "/");
    job.runtime = "python-3.11".to_owned();
    job.entrypoint = "src/main.py".to_owned();
    let cold = Instant::now();
    let first = pid(&rt, job.clone()).await;
    let cold = cold.elapsed();
    let warm = Instant::now();
    let out = rt.execute(job).await.unwrap();
    let warm = warm.elapsed();
    assert_eq!(out.logs, "py\n");
    let v: serde_json::Value = serde_json::from_slice(&out.body).unwrap();
    assert_eq!(v["pid"].as_u64().unwrap(), first);
    assert_eq!(v["var"], "one");
    println!("python cold start + request: {cold:?}, warm request: {warm:?}");
}

#[tokio::test]
async fn unknown_things_are_errors() {
    let root = tempfile::tempdir().unwrap();
    let rt = runtimes(root.path());
    let mut job = exec_job("never-built", "/");
    assert!(rt.execute(job.clone()).await.is_err());
    job.runtime = "ruby-3.3".to_owned();
    assert!(rt.execute(job).await.is_err());
    assert!(rt.execute(exec_job("../escape", "/")).await.is_err());
}
