//! Unpacks a deployment's `tar.gz` into its code folder, refusing anything that could write or
//! point outside that folder: absolute paths, `..`, links whose targets leave the folder,
//! devices and FIFOs; and bounding the total bytes and the number of entries (a gzip bomb stops at
//! the byte cap). Symbolic links are created last, after every file, so no entry is ever written
//! through a link. This is blocking code: callers run it on the blocking pool.

use std::fs::{self, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

use flate2::read::GzDecoder;
use tar::{Archive, EntryType};

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Total bytes of file content.
    pub max_bytes: u64,
    pub max_entries: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("the archive could not be read: {0}")]
    Read(std::io::Error),
    #[error("the archive entry `{0}` has an unsafe path")]
    UnsafePath(String),
    #[error("the archive link `{0}` points outside the code folder")]
    UnsafeLink(String),
    #[error("the archive entry `{0}` is a device, FIFO or other special file")]
    Special(String),
    #[error("the archive is larger than {0} bytes unpacked")]
    TooLarge(u64),
    #[error("the archive has more than {0} entries")]
    TooManyEntries(u64),
    #[error("could not write `{0}`: {1}")]
    Write(String, std::io::Error),
}

/// Unpacks `gz` (a gzip-compressed tar) into `dest`, which must exist and be empty.
pub fn extract(gz: &[u8], dest: &Path, limits: Limits) -> Result<(), ArchiveError> {
    let mut archive = Archive::new(GzDecoder::new(gz));
    let mut total: u64 = 0;
    let mut count: u64 = 0;
    let mut symlinks: Vec<(PathBuf, PathBuf, String)> = Vec::new();
    for entry in archive.entries().map_err(ArchiveError::Read)? {
        let mut entry = entry.map_err(ArchiveError::Read)?;
        count += 1;
        if count > limits.max_entries {
            return Err(ArchiveError::TooManyEntries(limits.max_entries));
        }
        let raw = entry.path().map_err(ArchiveError::Read)?.into_owned();
        let shown = raw.display().to_string();
        let Some(rel) = relative(&raw) else {
            return Err(ArchiveError::UnsafePath(shown));
        };
        let kind = entry.header().entry_type();
        if rel.as_os_str().is_empty() {
            // `./` itself: the folder exists already.
            if kind.is_dir() {
                continue;
            }
            return Err(ArchiveError::UnsafePath(shown));
        }
        let target = dest.join(&rel);
        match kind {
            EntryType::Directory => {
                fs::create_dir_all(&target).map_err(|e| ArchiveError::Write(shown, e))?;
            }
            EntryType::Regular | EntryType::Continuous => {
                let mode = entry.header().mode().unwrap_or(0o644);
                make_parent(&target, &shown)?;
                // A path given twice is replaced, never written through.
                remove_existing(&target);
                let mut file = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    // No set-id or sticky bits; the owner can always read and write.
                    .mode((mode & 0o777) | 0o600)
                    .open(&target)
                    .map_err(|e| ArchiveError::Write(shown.clone(), e))?;
                let left = limits.max_bytes.saturating_sub(total);
                let copied = copy_bounded(&mut entry, &mut file, left)
                    .map_err(|e| ArchiveError::Write(shown.clone(), e))?;
                total += copied;
                if copied > left {
                    return Err(ArchiveError::TooLarge(limits.max_bytes));
                }
            }
            EntryType::Link => {
                let link = entry.link_name().map_err(ArchiveError::Read)?;
                let Some(source) = link.as_deref().and_then(relative) else {
                    return Err(ArchiveError::UnsafeLink(shown));
                };
                let source = dest.join(source);
                // Only to a regular file unpacked before (never a folder, never a link).
                let is_file = fs::symlink_metadata(&source)
                    .map(|m| m.is_file())
                    .unwrap_or(false);
                if !is_file {
                    return Err(ArchiveError::UnsafeLink(shown));
                }
                make_parent(&target, &shown)?;
                remove_existing(&target);
                fs::hard_link(&source, &target).map_err(|e| ArchiveError::Write(shown, e))?;
            }
            EntryType::Symlink => {
                let link = entry.link_name().map_err(ArchiveError::Read)?;
                let Some(link) = link.map(|l| l.into_owned()) else {
                    return Err(ArchiveError::UnsafeLink(shown));
                };
                if !stays_inside(&rel, &link) {
                    return Err(ArchiveError::UnsafeLink(shown));
                }
                symlinks.push((target, link, shown));
            }
            // Metadata entries the tar crate does not fold into the next entry itself.
            EntryType::XGlobalHeader | EntryType::XHeader => {}
            _ => return Err(ArchiveError::Special(shown)),
        }
    }
    make_symlinks(dest, symlinks)
}

fn make_symlinks(dest: &Path, links: Vec<(PathBuf, PathBuf, String)>) -> Result<(), ArchiveError> {
    for (target, link, shown) in &links {
        make_parent(target, shown)?;
        remove_existing(target);
        std::os::unix::fs::symlink(link, target)
            .map_err(|e| ArchiveError::Write(shown.clone(), e))?;
    }
    // Each target was checked on its own; a chain of links can still climb out (`a -> x/..`
    // where `x` is itself a link). Resolve every link for real now that all exist.
    let root = dest
        .canonicalize()
        .map_err(|e| ArchiveError::Write(dest.display().to_string(), e))?;
    for (target, _, shown) in &links {
        if let Ok(resolved) = target.canonicalize()
            && !resolved.starts_with(&root)
        {
            return Err(ArchiveError::UnsafeLink(shown.clone()));
        }
    }
    Ok(())
}

/// The entry's path as plain folder names, or `None` if it is absolute or climbs with `..`.
fn relative(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(name) => out.push(name),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// Whether a symbolic link at `entry` (relative to the root) with target `link` resolves,
/// lexically, inside the root.
fn stays_inside(entry: &Path, link: &Path) -> bool {
    if link.is_absolute() {
        return false;
    }
    let mut depth: Vec<&std::ffi::OsStr> = Vec::new();
    if let Some(parent) = entry.parent() {
        for component in parent.components() {
            if let Component::Normal(name) = component {
                depth.push(name);
            }
        }
    }
    for component in link.components() {
        match component {
            Component::Normal(name) => depth.push(name),
            Component::CurDir => {}
            Component::ParentDir => {
                if depth.pop().is_none() {
                    return false;
                }
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

fn make_parent(target: &Path, shown: &str) -> Result<(), ArchiveError> {
    match target.parent() {
        Some(parent) => {
            fs::create_dir_all(parent).map_err(|e| ArchiveError::Write(shown.to_owned(), e))
        }
        None => Ok(()),
    }
}

fn remove_existing(target: &Path) {
    if let Ok(meta) = fs::symlink_metadata(target) {
        // Best effort: creating the new entry reports the failure if it is still there.
        let _ = if meta.is_dir() {
            fs::remove_dir_all(target)
        } else {
            fs::remove_file(target)
        };
    }
}

/// Copies at most `left + 1` bytes, so the caller sees when the entry went over.
fn copy_bounded(from: &mut impl Read, to: &mut impl Write, left: u64) -> std::io::Result<u64> {
    std::io::copy(&mut from.take(left.saturating_add(1)), to)
}

/// Total bytes of the regular files under `dir` (links not followed).
pub fn folder_size(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let Ok(entries) = fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(entry.path());
            } else if meta.is_file() {
                total += meta.len();
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative(Path::new("./a/b.js")),
            Some(PathBuf::from("a/b.js"))
        );
        assert_eq!(relative(Path::new("../x")), None);
        assert_eq!(relative(Path::new("a/../../x")), None);
        assert_eq!(relative(Path::new("/etc/passwd")), None);
    }

    #[test]
    fn links_inside() {
        assert!(stays_inside(
            Path::new("node_modules/.bin/tsc"),
            Path::new("../typescript/bin/tsc")
        ));
        assert!(stays_inside(Path::new("a"), Path::new("b/c")));
        assert!(!stays_inside(Path::new("a"), Path::new("../x")));
        assert!(!stays_inside(Path::new("a/b"), Path::new("../../x")));
        assert!(!stays_inside(Path::new("a"), Path::new("/etc")));
    }
}
