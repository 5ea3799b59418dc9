//! The sandbox launcher, for real: this test binary is its own launcher (run as
//! `<this binary> sandbox <args>` it does what `oxwrite sandbox` does), so it has no libtest
//! harness and runs its checks itself. Landlock checks are skipped, with a note, on a kernel
//! without Landlock.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;
use std::time::Duration;

use bytes::Bytes;
use oxwrite_core::ports::{BuildJob, ExecJob, Runtimes};
use oxwrite_runtimes::sandbox::{SandboxArgs, exec, landlock_abi};
use oxwrite_runtimes::{Config, LocalRuntimes};

fn main() {
    let args: Vec<_> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "sandbox") {
        let parsed = match SandboxArgs::parse(args.into_iter().skip(2)) {
            Ok(parsed) => parsed,
            Err(e) => {
                eprintln!("sandbox: {e}");
                std::process::exit(2);
            }
        };
        let error = exec(parsed);
        eprintln!("sandbox: {error}");
        std::process::exit(127);
    }
    type Test = (&'static str, fn(u8));
    let tests: [Test; 2] = [
        ("launcher_confines_a_shell", launcher_confines_a_shell),
        ("runtimes_run_sandboxed", runtimes_run_sandboxed),
    ];
    // The listing protocol test runners use (`--list --format terse`; nothing is ignored).
    if args.iter().any(|a| a == "--list") {
        if !args.iter().any(|a| a == "--ignored") {
            for (name, _) in &tests {
                println!("{name}: test");
            }
        }
        return;
    }
    let abi = landlock_abi();
    if abi == 0 {
        println!("note: this kernel has no Landlock; only rlimits are checked");
    } else {
        println!("note: Landlock ABI {abi}");
    }
    // Like libtest: the first free argument filters by name (flag values are not names).
    let mut filter = None;
    let mut rest = std::env::args().skip(1);
    while let Some(arg) = rest.next() {
        if matches!(
            arg.as_str(),
            "--test-threads" | "--skip" | "--format" | "--color" | "-Z"
        ) {
            rest.next();
        } else if !arg.starts_with('-') {
            filter = Some(arg);
            break;
        }
    }
    let mut passed = 0;
    for (name, test) in tests {
        if filter.as_deref().is_some_and(|f| !name.contains(f)) {
            continue;
        }
        test(abi);
        println!("test {name} ... ok");
        passed += 1;
    }
    println!("\ntest result: ok. {passed} passed; 0 failed; 0 ignored; 0 measured; 0 filtered out");
}

fn launcher() -> Vec<String> {
    let exe = std::env::current_exe().unwrap();
    vec![exe.to_string_lossy().into_owned(), "sandbox".to_owned()]
}

fn launcher_confines_a_shell(abi: u8) {
    let rw = tempfile::tempdir().unwrap();
    let ro = tempfile::tempdir().unwrap();
    let hidden = tempfile::tempdir().unwrap();
    std::fs::write(ro.path().join("r"), "readable").unwrap();
    std::fs::write(hidden.path().join("secret"), "secret").unwrap();
    let script = format!(
        r#"echo "status=$OXWRITE_SANDBOX"
echo "nofile=$(ulimit -n)"; echo "core=$(ulimit -c)"; echo "data=$(ulimit -d)"
cat /etc/passwd >/dev/null 2>&1 && echo etc=ok || echo etc=denied
cat {hidden}/secret >/dev/null 2>&1 && echo secret=read || echo secret=denied
echo x > {rw}/f 2>/dev/null && echo rw=ok || echo rw=denied
echo x > {ro}/f 2>/dev/null && echo ro-write=ok || echo ro-write=denied
cat {ro}/r >/dev/null 2>&1 && echo ro-read=ok || echo ro-read=denied
(head -c 3000000 /dev/zero > {rw}/big) 2>/dev/null && echo fsize=exceeded || echo fsize=stopped
"#,
        hidden = hidden.path().display(),
        rw = rw.path().display(),
        ro = ro.path().display(),
    );
    let args = SandboxArgs {
        rw: vec![rw.path().to_path_buf()],
        ro: vec![ro.path().to_path_buf()],
        memory_mib: Some(256),
        nproc: None,
        nofile: Some(64),
        fsize_mib: Some(1),
        program: "/bin/sh".into(),
        args: vec!["-c".into(), script.into()],
    };
    let launcher = launcher();
    let out = Command::new(&launcher[0])
        .arg(&launcher[1])
        .args(args.to_args())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    println!("{text}{}", String::from_utf8_lossy(&out.stderr));
    let has = |line: &str| text.lines().any(|l| l == line);
    assert!(has("nofile=64"), "{text}");
    assert!(has("core=0"), "{text}");
    assert!(has("data=262144"), "{text}");
    assert!(has("etc=ok"), "{text}");
    assert!(has("rw=ok"), "{text}");
    assert!(has("ro-read=ok"), "{text}");
    assert!(has("fsize=stopped"), "{text}");
    if abi == 0 {
        assert!(
            has("status=rlimits=data,nofile,fsize,core;landlock=none"),
            "{text}"
        );
    } else {
        let level = if abi >= 6 { "full" } else { "partial" };
        assert!(
            has(&format!(
                "status=rlimits=data,nofile,fsize,core;landlock={level}"
            )),
            "{text}"
        );
        assert!(has("secret=denied"), "{text}");
        assert!(has("ro-write=denied"), "{text}");
    }
}

fn runtimes_run_sandboxed(abi: u8) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let root = tempfile::tempdir().unwrap();
        let hidden = tempfile::tempdir().unwrap();
        std::fs::write(hidden.path().join("secret"), "secret").unwrap();
        let mut config = Config::new(root.path());
        config.launcher = launcher();
        let runtimes = LocalRuntimes::new(config).unwrap();

        let node = r#"
const fs = require("fs");
module.exports = async ({ req, res }) => {
  if (req.path === "/alloc") {
    const kept = [];
    for (let i = 0; i < 64; i++) kept.push(Buffer.alloc(16 * 1024 * 1024, 1));
    return res.text("allocated " + kept.length);
  }
  let secret, signal = "sent";
  try { secret = fs.readFileSync(process.env.SECRET_FILE, "utf8"); } catch (e) { secret = e.code; }
  try { process.kill(Number(process.env.OUTSIDE_PID), 0); } catch (e) { signal = e.code; }
  return res.json({ sandbox: process.env.OXWRITE_SANDBOX, secret, signal, own: fs.readFileSync("index.js", "utf8").length > 0 });
};
"#;
        let build = runtimes
            .build(BuildJob {
                deployment: "dep1".to_owned(),
                runtime: "node-20.0".to_owned(),
                source: Bytes::from(common::tar_gz(&[("index.js", node)])),
                commands: "echo sandboxed-build > built.txt; cat built.txt".to_owned(),
                timeout: Duration::from_secs(30),
                env: Vec::new(),
            })
            .await
            .unwrap();
        assert!(build.ok, "{}", build.logs);
        assert_eq!(build.logs, "sandboxed-build\n");

        let mut job = ExecJob {
            deployment: "dep1".to_owned(),
            runtime: "node-20.0".to_owned(),
            entrypoint: "index.js".to_owned(),
            env: vec![
                ("SECRET_FILE".to_owned(), hidden.path().join("secret").to_string_lossy().into_owned()),
                ("OUTSIDE_PID".to_owned(), std::process::id().to_string()),
            ],
            method: "GET".to_owned(),
            path: "/".to_owned(),
            headers: Vec::new(),
            body: Bytes::new(),
            timeout: Duration::from_secs(15),
            memory_mb: 256,
            logging: true,
        };
        let cold = std::time::Instant::now();
        let out = runtimes.execute(job.clone()).await.unwrap();
        let cold = cold.elapsed();
        let warm = std::time::Instant::now();
        runtimes.execute(job.clone()).await.unwrap();
        println!("sandboxed node: cold start + request {cold:?}, warm request {:?}", warm.elapsed());
        assert_eq!(out.status, 200, "{}", out.errors);
        let v: serde_json::Value = serde_json::from_slice(&out.body).unwrap();
        println!("node in the sandbox: {v}");
        assert_eq!(v["own"], true);
        if abi == 0 {
            assert_eq!(v["secret"], "secret");
        } else {
            assert_eq!(v["secret"], "EACCES");
        }
        if abi >= 6 {
            assert!(v["sandbox"].as_str().unwrap().ends_with("landlock=full"));
            assert_eq!(v["signal"], "EPERM", "no signal leaves the sandbox");
        }

        // 1 GiB of buffers in a 256 MiB instance fails inside the function.
        job.path = "/alloc".to_owned();
        let out = runtimes.execute(job).await;
        println!("allocation beyond the limit: {out:?}");
        match out {
            Ok(out) => {
                assert_eq!(out.status, 500);
                assert!(out.errors.contains("allocation failed"), "{}", out.errors);
            }
            // The process may also die of it before it can answer.
            Err(e) => assert!(!e.is_empty()),
        }

        let python = "import os\n\ndef main(context):\n    try:\n        secret = open(os.environ['SECRET_FILE']).read()\n    except OSError as e:\n        secret = type(e).__name__\n    return context.res.json({'secret': secret})\n";
        let build = runtimes
            .build(BuildJob {
                deployment: "py1".to_owned(),
                runtime: "python-3.11".to_owned(),
                source: Bytes::from(common::tar_gz(&[("main.py", python)])),
                commands: String::new(),
                timeout: Duration::from_secs(30),
                env: Vec::new(),
            })
            .await
            .unwrap();
        assert!(build.ok, "{}", build.logs);
        let out = runtimes
            .execute(ExecJob {
                deployment: "py1".to_owned(),
                runtime: "python-3.11".to_owned(),
                entrypoint: "main.py".to_owned(),
                env: vec![("SECRET_FILE".to_owned(), hidden.path().join("secret").to_string_lossy().into_owned())],
                method: "GET".to_owned(),
                path: "/".to_owned(),
                headers: Vec::new(),
                body: Bytes::new(),
                timeout: Duration::from_secs(15),
                memory_mb: 256,
                logging: true,
            })
            .await
            .unwrap();
        assert_eq!(out.status, 200, "{}", out.errors);
        let v: serde_json::Value = serde_json::from_slice(&out.body).unwrap();
        println!("python in the sandbox: {v}");
        let expected = if abi == 0 { "secret" } else { "PermissionError" };
        assert_eq!(v["secret"], expected);
    });
}
