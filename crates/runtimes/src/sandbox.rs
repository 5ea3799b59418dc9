//! The sandbox launcher: the part of `oxwrite sandbox …` that confines a runtime or build process
//! before it becomes that process. It parses its arguments ([`SandboxArgs`]), applies resource
//! limits (rlimits), then a Landlock ruleset where the kernel has Landlock, then `exec`s the
//! program in place, so the process id the caller spawned is the program's.
//!
//! Everything here is safe code over the `rlimit` and `landlock` crates. Landlock is best effort:
//! on a kernel without it the program still runs, with rlimits only. What applied is told to the
//! program in `OXWRITE_SANDBOX` (e.g. `rlimits=data,nofile,fsize,core;landlock=full`), never logged.
//! This module must not read configuration or spawn anything but the one program.

use std::ffi::{OsStr, OsString};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;

use landlock::{
    ABI, Access, AccessFs, PathBeneath, PathFd, Ruleset, RulesetAttr, RulesetCreatedAttr,
    RulesetStatus, Scope,
};
use rlimit::Resource;

/// The environment variable that tells the sandboxed program what applied.
pub const STATUS_ENV: &str = "OXWRITE_SANDBOX";

/// Below this, node's threads fail to start and the process hangs instead of failing: a
/// smaller `--memory` is raised to it.
const MIN_DATA_MIB: u64 = 128;

/// System folders every program may read and execute (when they exist).
const SYSTEM_RO: &[&str] = &[
    "/usr",
    "/lib",
    "/lib64",
    "/lib32",
    "/bin",
    "/sbin",
    "/etc",
    "/opt",
    "/proc",
    "/sys",
    "/dev/urandom",
    "/dev/random",
];
/// Device files every program may write.
const SYSTEM_RW: &[&str] = &["/dev/null", "/dev/zero", "/dev/full", "/dev/tty"];

/// What `oxwrite sandbox` is told: `--rw <dir>… --ro <dir>… --memory <MiB> --nproc <n>
/// --nofile <n> --fsize <MiB> -- <program> <args>…`. Absent limits are left as they are.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SandboxArgs {
    /// Folders the program may read and write (the deployment's folder).
    pub rw: Vec<PathBuf>,
    /// Folders (or files) it may only read and execute, besides the system folders.
    pub ro: Vec<PathBuf>,
    /// Limit of its private writable memory (`RLIMIT_DATA`) in MiB.
    pub memory_mib: Option<u64>,
    /// Limit of processes and threads (`RLIMIT_NPROC`); counted per user by the kernel and not
    /// enforced for root.
    pub nproc: Option<u64>,
    /// Limit of open files (`RLIMIT_NOFILE`).
    pub nofile: Option<u64>,
    /// Largest file it may write (`RLIMIT_FSIZE`) in MiB.
    pub fsize_mib: Option<u64>,
    pub program: OsString,
    pub args: Vec<OsString>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SandboxArgsError {
    #[error("missing value for {0}")]
    MissingValue(String),
    #[error("invalid number for {0}: {1}")]
    InvalidNumber(String, String),
    #[error("unknown option {0}")]
    UnknownOption(String),
    #[error("missing `-- <program>`")]
    MissingProgram,
}

impl SandboxArgs {
    /// Parses the arguments that follow `sandbox` on the command line.
    pub fn parse<I, S>(args: I) -> Result<Self, SandboxArgsError>
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        let mut parsed = SandboxArgs::default();
        let mut iter = args.into_iter().map(Into::into);
        while let Some(arg) = iter.next() {
            let flag = arg.to_string_lossy().into_owned();
            if flag == "--" {
                parsed.program = iter.next().ok_or(SandboxArgsError::MissingProgram)?;
                parsed.args = iter.collect();
                return Ok(parsed);
            }
            let value = iter
                .next()
                .ok_or_else(|| SandboxArgsError::MissingValue(flag.clone()))?;
            match flag.as_str() {
                "--rw" => parsed.rw.push(PathBuf::from(value)),
                "--ro" => parsed.ro.push(PathBuf::from(value)),
                "--memory" => parsed.memory_mib = Some(number(&flag, &value)?),
                "--nproc" => parsed.nproc = Some(number(&flag, &value)?),
                "--nofile" => parsed.nofile = Some(number(&flag, &value)?),
                "--fsize" => parsed.fsize_mib = Some(number(&flag, &value)?),
                _ => return Err(SandboxArgsError::UnknownOption(flag)),
            }
        }
        Err(SandboxArgsError::MissingProgram)
    }

    /// The arguments [`SandboxArgs::parse`] reads back: what a launcher passes after `sandbox`.
    pub fn to_args(&self) -> Vec<OsString> {
        let mut out: Vec<OsString> = Vec::new();
        for dir in &self.rw {
            out.push("--rw".into());
            out.push(dir.clone().into_os_string());
        }
        for dir in &self.ro {
            out.push("--ro".into());
            out.push(dir.clone().into_os_string());
        }
        let limits = [
            ("--memory", self.memory_mib),
            ("--nproc", self.nproc),
            ("--nofile", self.nofile),
            ("--fsize", self.fsize_mib),
        ];
        for (flag, value) in limits {
            if let Some(value) = value {
                out.push(flag.into());
                out.push(value.to_string().into());
            }
        }
        out.push("--".into());
        out.push(self.program.clone());
        out.extend(self.args.iter().cloned());
        out
    }
}

fn number(flag: &str, value: &OsStr) -> Result<u64, SandboxArgsError> {
    let text = value.to_string_lossy();
    text.parse::<u64>()
        .map_err(|_| SandboxArgsError::InvalidNumber(flag.to_owned(), text.into_owned()))
}

/// Confines the current process and replaces it with the program. Returns only on failure,
/// with the error that stopped it (a limit that could not be set, or `exec` itself).
pub fn exec(args: SandboxArgs) -> std::io::Error {
    let limits = match apply_rlimits(&args) {
        Ok(applied) => applied,
        Err(e) => return e,
    };
    let landlock = match apply_landlock(&args) {
        Ok(status) => status,
        Err(e) => return e,
    };
    let status = format!("rlimits={};landlock={landlock}", limits.join(","));
    Command::new(&args.program)
        .args(&args.args)
        .env(STATUS_ENV, status)
        .exec()
}

/// Sets the limits asked for, plus no core dumps. Returns the names of the limits set.
fn apply_rlimits(args: &SandboxArgs) -> std::io::Result<Vec<&'static str>> {
    const MIB: u64 = 1024 * 1024;
    let mut applied = Vec::new();
    // RLIMIT_AS would break V8, which reserves far more address space than it uses; since Linux
    // 4.7 RLIMIT_DATA counts private writable mappings, i.e. what the program really allocates.
    let wanted = [
        (
            "data",
            Resource::DATA,
            args.memory_mib
                .map(|m| m.max(MIN_DATA_MIB).saturating_mul(MIB)),
        ),
        ("nproc", Resource::NPROC, args.nproc),
        ("nofile", Resource::NOFILE, args.nofile),
        (
            "fsize",
            Resource::FSIZE,
            args.fsize_mib.map(|m| m.saturating_mul(MIB)),
        ),
        ("core", Resource::CORE, Some(0)),
    ];
    for (name, resource, value) in wanted {
        if let Some(value) = value {
            let (_, hard) = resource.get()?;
            // An unprivileged process may only lower its hard limit: never ask for more.
            let value = value.min(hard);
            resource.set(value, value)?;
            applied.push(name);
        }
    }
    Ok(applied)
}

/// Restricts file system access to the system folders and the given ones, and signals to the
/// sandbox. `full`, `partial` (an older kernel: some rights are not handled) or `none` (no
/// Landlock here).
fn apply_landlock(args: &SandboxArgs) -> std::io::Result<&'static str> {
    let abi = ABI::V5;
    let read = AccessFs::from_read(abi);
    let all = AccessFs::from_all(abi);
    // Since ABI 6 a sandboxed process can neither signal processes outside its sandbox (the
    // server, other functions running as the same user) nor reach their abstract sockets.
    let created = Ruleset::default()
        .handle_access(all)
        .and_then(|ruleset| ruleset.scope(Scope::from_all(ABI::V6)))
        .and_then(|ruleset| ruleset.create())
        .map_err(std::io::Error::other)?;
    let ro = SYSTEM_RO
        .iter()
        .map(PathBuf::from)
        .chain(args.ro.iter().cloned());
    let rw = SYSTEM_RW
        .iter()
        .map(PathBuf::from)
        .chain(args.rw.iter().cloned());
    let mut rules = Vec::new();
    for (path, access) in ro.map(|p| (p, read)).chain(rw.map(|p| (p, all))) {
        // A folder that does not exist here (no /lib32) is simply not granted.
        if let Ok(fd) = PathFd::new(&path) {
            let access = if path.is_dir() {
                access
            } else {
                access & AccessFs::from_file(abi)
            };
            rules.push(PathBeneath::new(fd, access));
        }
    }
    let status = created
        .add_rules(rules.into_iter().map(Ok::<_, landlock::RulesetError>))
        .and_then(|ruleset| ruleset.restrict_self())
        .map_err(std::io::Error::other)?;
    Ok(match status.ruleset {
        RulesetStatus::FullyEnforced => "full",
        RulesetStatus::PartiallyEnforced => "partial",
        RulesetStatus::NotEnforced => "none",
    })
}

/// The highest Landlock ABI this kernel supports (0 = none), for diagnostics and tests.
pub fn landlock_abi() -> u8 {
    use landlock::{CompatLevel, Compatible};
    let levels = [
        (6, ABI::V6),
        (5, ABI::V5),
        (4, ABI::V4),
        (3, ABI::V3),
        (2, ABI::V2),
        (1, ABI::V1),
    ];
    for (level, abi) in levels {
        let created = Ruleset::default()
            .set_compatibility(CompatLevel::HardRequirement)
            .handle_access(AccessFs::from_all(abi))
            .and_then(|ruleset| ruleset.create());
        if created.is_ok() {
            return level;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_round_trips() {
        let args = SandboxArgs::parse([
            "--rw",
            "/srv/f/d1",
            "--ro",
            "/opt/node",
            "--ro",
            "/srv/f/servers",
            "--memory",
            "512",
            "--nproc",
            "256",
            "--nofile",
            "1024",
            "--fsize",
            "100",
            "--",
            "node",
            "server.mjs",
            "--x",
        ])
        .unwrap();
        assert_eq!(args.rw, vec![PathBuf::from("/srv/f/d1")]);
        assert_eq!(args.ro.len(), 2);
        assert_eq!(args.memory_mib, Some(512));
        assert_eq!(args.nproc, Some(256));
        assert_eq!(args.program, OsString::from("node"));
        assert_eq!(
            args.args,
            vec![OsString::from("server.mjs"), OsString::from("--x")]
        );
        assert_eq!(SandboxArgs::parse(args.to_args()).unwrap(), args);
    }

    #[test]
    fn parse_errors() {
        assert_eq!(
            SandboxArgs::parse(["--rw"]),
            Err(SandboxArgsError::MissingValue("--rw".into()))
        );
        assert_eq!(
            SandboxArgs::parse(["--rw", "/x"]),
            Err(SandboxArgsError::MissingProgram)
        );
        assert_eq!(
            SandboxArgs::parse(["--"]),
            Err(SandboxArgsError::MissingProgram)
        );
        assert!(matches!(
            SandboxArgs::parse(["--memory", "lots", "--", "x"]),
            Err(SandboxArgsError::InvalidNumber(..))
        ));
        assert!(matches!(
            SandboxArgs::parse(["--net", "1", "--", "x"]),
            Err(SandboxArgsError::UnknownOption(..))
        ));
    }
}
