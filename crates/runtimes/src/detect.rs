//! Finds the runtimes this host has (node, python3) and names them with Appwrite's runtime ids.
//! It runs each interpreter once, at construction, to learn its real version, executable and
//! installation prefix (the sandbox grants read access to that prefix). It must not start
//! anything else.

use std::path::{Path, PathBuf};
use std::process::Command;

use oxwrite_core::ports::RuntimeInfo;

/// Which server script a runtime runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Node,
    Python,
}

/// A runtime found on this host.
#[derive(Debug, Clone)]
pub struct Detected {
    pub family: Family,
    pub info: RuntimeInfo,
    /// The interpreter itself (not a shim such as pyenv's).
    pub program: PathBuf,
    /// Its installation folder, readable inside the sandbox.
    pub prefix: PathBuf,
}

/// Asks `node` (the program name or path) for its version and location.
pub fn node(program: &Path) -> Option<Detected> {
    let out = run(
        program,
        &["-p", "process.version + '\\n' + process.execPath"],
    )?;
    let mut lines = out.lines();
    let full = lines.next()?.trim().trim_start_matches('v').to_owned();
    let exec = PathBuf::from(lines.next()?.trim());
    let major: u32 = full.split('.').next()?.parse().ok()?;
    // Appwrite's ids: node-18.0, node-20.0, node-21.0, then node-22, node-23 …
    let version = if major <= 21 {
        format!("{major}.0")
    } else {
        major.to_string()
    };
    let prefix = exec.parent()?.parent()?.to_path_buf();
    Some(Detected {
        family: Family::Node,
        info: info("node", "Node.js", &version, &full, &exec),
        program: exec,
        prefix,
    })
}

/// Asks `python3` (the program name or path) for its version and location.
pub fn python(program: &Path) -> Option<Detected> {
    let script = "import sys, platform; print(platform.python_version()); \
                  print(sys.executable); print(sys.base_prefix)";
    let out = run(program, &["-c", script])?;
    let mut lines = out.lines();
    let full = lines.next()?.trim().to_owned();
    let exec = PathBuf::from(lines.next()?.trim());
    let prefix = PathBuf::from(lines.next()?.trim());
    let mut parts = full.split('.');
    let version = format!("{}.{}", parts.next()?, parts.next()?);
    Some(Detected {
        family: Family::Python,
        info: info("python", "Python", &version, &full, &exec),
        program: exec,
        prefix,
    })
}

fn info(key: &str, name: &str, version: &str, full: &str, exec: &Path) -> RuntimeInfo {
    let arch = match std::env::consts::ARCH {
        "x86_64" | "x86" => "x86",
        "aarch64" => "arm64",
        other => other,
    };
    RuntimeInfo {
        id: format!("{key}-{version}"),
        key: key.to_owned(),
        name: name.to_owned(),
        version: version.to_owned(),
        base: format!("{key} {full} ({})", exec.display()),
        image: format!("local/{key}:{full}"),
        logo: format!("{key}.png"),
        supports: vec![arch.to_owned()],
    }
}

fn run(program: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8(out.stdout).ok()
}
