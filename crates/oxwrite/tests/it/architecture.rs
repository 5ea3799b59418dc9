//! ARCHITECTURE.md's invariants that a machine can check: the crates depend on each other in
//! one direction only, core and types stay free of I/O drivers, and only the binary reads the
//! environment.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The names in a manifest's `[dependencies]` section (not dev-dependencies).
fn dependencies(krate: &str) -> BTreeSet<String> {
    let manifest = std::fs::read_to_string(crates_dir().join(krate).join("Cargo.toml")).unwrap();
    let mut in_deps = false;
    let mut out = BTreeSet::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        if in_deps && !line.is_empty() && !line.starts_with('#') {
            let name = line.split(['=', '.', ' ']).next().unwrap_or_default();
            out.insert(name.to_owned());
        }
    }
    out
}

fn ours(deps: &BTreeSet<String>) -> BTreeSet<String> {
    deps.iter().filter(|d| d.starts_with("oxwrite-")).cloned().collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn crates_depend_one_way() {
    let allowed: &[(&str, &[&str])] = &[
        ("types", &[]),
        ("sql", &["oxwrite-types"]),
        ("core", &["oxwrite-types", "oxwrite-preview"]),
        ("store-sqlite", &["oxwrite-types", "oxwrite-core", "oxwrite-sql"]),
        ("http", &["oxwrite-types", "oxwrite-core"]),
        ("outbound", &["oxwrite-core"]),
        ("blobs", &["oxwrite-core"]),
        ("runtimes", &["oxwrite-core"]),
        ("preview", &[]),
    ];
    for (krate, expected) in allowed {
        let found = ours(&dependencies(krate));
        assert!(found.is_subset(&set(expected)), "{krate} depends on {found:?}; ARCHITECTURE.md allows only {expected:?}");
    }
}

#[test]
fn core_and_types_name_no_driver() {
    let drivers = set(&["axum", "http", "hyper", "tower", "tower-http", "rusqlite", "tokio-postgres", "reqwest", "object_store", "redis"]);
    for krate in ["types", "core", "sql", "preview"] {
        let deps = dependencies(krate);
        let bad: Vec<_> = deps.intersection(&drivers).collect();
        assert!(bad.is_empty(), "{krate} depends on drivers {bad:?}");
    }
    // types, sql and preview do no async work either.
    for krate in ["types", "sql", "preview"] {
        assert!(!dependencies(krate).contains("tokio"), "{krate} must stay synchronous");
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn only_the_binary_reads_the_environment() {
    for krate in ["types", "sql", "core", "store-sqlite", "http", "outbound", "blobs", "preview", "runtimes"] {
        let mut files = Vec::new();
        rust_files(&crates_dir().join(krate).join("src"), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for needle in ["std::env::var", "env::var(", "env::vars("] {
                assert!(!text.contains(needle), "{} reads the environment ({needle})", file.display());
            }
        }
    }
}
