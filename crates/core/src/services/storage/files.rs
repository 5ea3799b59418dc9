//! Files: upload (whole, or in 5 MiB chunks that may arrive concurrently, out of order and
//! more than once), list, get, update (name, permissions), delete.
//!
//! An upload's first chunk to arrive creates the file record; each stored chunk is recorded;
//! the request that stores the last missing one completes the file (signature, MIME type,
//! compression and encryption) and fires `create`. Every chunk is answered with the file.

use bytes::Bytes;
use futures_util::StreamExt;
use md5::Digest;
use oxwrite_types::permission::Action;
use oxwrite_types::{ErrorType, query};
use serde_json::Value;

use super::signature::{self, SNIFF_LEN};
use super::codec;
use super::{CHUNK_SIZE, TRANSFORM_LIMIT, bucket_allows, bucket_blobs, emit, file_allows, file_model, load_bucket};
use crate::app::{App, now_ms};
use crate::caller::Caller;
use crate::ports::StoreError;
use crate::records::{BucketRecord, FileRecord};
use crate::services::lists::{self, ListInput};
use crate::services::tablesdb::access;
use crate::services::users::list_error;
use crate::{Error, Result, secrets};

/// The longest name an upload may carry (Appwrite's column size).
pub const MAX_UPLOAD_NAME_LEN: usize = 2048;
/// The longest name `updateFile` sets.
pub const MAX_NAME_LEN: usize = 128;

/// `Content-Range: bytes <start>-<end>/<total>` (end inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentRange {
    pub start: u64,
    pub end: u64,
    pub total: u64,
}

impl ContentRange {
    pub fn parse(header: &str) -> Result<Self> {
        let bad = || Error::new(ErrorType::StorageInvalidContentRange);
        let rest = header.trim().strip_prefix("bytes ").ok_or_else(bad)?;
        let (span, total) = rest.split_once('/').ok_or_else(bad)?;
        let (start, end) = span.split_once('-').ok_or_else(bad)?;
        let num = |s: &str| s.trim().parse::<u64>().map_err(|_| bad());
        let r = Self { start: num(start)?, end: num(end)?, total: num(total)? };
        if r.start > r.end || r.end >= r.total {
            return Err(bad());
        }
        Ok(r)
    }
}

/// One upload request: the file part of the form and what came with it.
#[derive(Debug, Clone)]
pub struct NewFile {
    /// The form's `fileId` (`unique()` allowed).
    pub file_id: String,
    /// `X-Appwrite-Id`: the id of an upload in progress (chunks after the first).
    pub upload_id: Option<String>,
    pub permissions: Option<Vec<String>>,
    pub range: Option<ContentRange>,
    /// The uploaded file's name (its multipart filename).
    pub name: String,
    pub data: Bytes,
}

/// Which chunk a request carries and how many the file has.
fn chunking(range: Option<ContentRange>, len: u64) -> Result<(u32, u32, u64)> {
    let Some(r) = range else {
        return Ok((1, 1, len));
    };
    let bad = |why: &str| Error::msg(ErrorType::StorageInvalidContentRange, format!("{} {why}", ErrorType::StorageInvalidContentRange.default_message()));
    if r.end - r.start + 1 != len {
        return Err(bad("The range does not match the size of the uploaded chunk."));
    }
    let last = r.end + 1 == r.total;
    if r.start % CHUNK_SIZE != 0 || (!last && len != CHUNK_SIZE) {
        return Err(bad("Chunks must be 5 MiB (5242880 bytes) each, the last one may be shorter."));
    }
    let total = u32::try_from(r.total.div_ceil(CHUNK_SIZE)).map_err(|_| bad("The file has too many chunks."))?;
    let n = u32::try_from(r.start / CHUNK_SIZE + 1).map_err(|_| bad("The file has too many chunks."))?;
    Ok((n, total, r.total))
}

/// The extension as PHP's `pathinfo` sees it, lower-cased; empty when there is none.
fn extension(name: &str) -> String {
    let base = name.rsplit('/').next().unwrap_or(name);
    base.rsplit_once('.').map(|(_, ext)| ext.to_lowercase()).unwrap_or_default()
}

fn chunk_key(f: &FileRecord, n: u32) -> String {
    format!("{}/c/{n}", f.blob)
}

pub(crate) fn whole_key(f: &FileRecord) -> String {
    format!("{}/w", f.blob)
}

/// What an upload request answers: the file after this chunk (`201`), or, for a chunk of an
/// upload that had already finished, the file as it is (`200`).
#[derive(Debug)]
pub enum Created {
    Chunk(Value),
    Again(Value),
}

pub async fn create(app: &App, caller: &Caller, bucket_id: &str, input: NewFile) -> Result<Created> {
    let b = load_bucket(app, caller, bucket_id).await?;
    if !bucket_allows(&b, caller, Action::Create) {
        return Err(ErrorType::UserUnauthorized.into());
    }
    let permissions = access::row_permissions(caller, input.permissions.as_deref())?;
    Ok(match receive(app, &b, input, permissions).await? {
        Received::Again(f) => Created::Again(file_model(&f)),
        Received::Partial(f) => Created::Chunk(file_model(&f)),
        Received::Complete(f) => {
            emit(app, caller, "create", &b, Some(&f));
            Created::Chunk(file_model(&f))
        }
    })
}

/// What one upload request did to its file.
#[derive(Debug)]
pub(crate) enum Received {
    /// A chunk of an upload that had already finished.
    Again(FileRecord),
    /// Stored; chunks are still missing.
    Partial(FileRecord),
    /// This request stored the last missing chunk; the file is complete.
    Complete(FileRecord),
}

/// The id an upload request names: `X-Appwrite-Id` for chunks after the first, else the
/// form's id (`unique()` allowed).
pub(crate) fn upload_id(input: &NewFile, param: &str) -> Result<String> {
    match (&input.range, &input.upload_id) {
        (Some(_), Some(upload)) => {
            if oxwrite_types::id::is_unique_placeholder(upload) || oxwrite_types::id::validate_custom_id(upload).is_err() {
                return Err(ErrorType::StorageInvalidAppwriteId.into());
            }
            Ok(upload.clone())
        }
        _ => secrets::resolve_id(param, &input.file_id),
    }
}

/// Stores one upload request (a whole file or one chunk) in bucket `b` under the bucket's
/// limits; the request that completes the file finishes it (signature, MIME type, transforms).
/// Authorization is the caller's business.
pub(crate) async fn receive(app: &App, b: &BucketRecord, input: NewFile, permissions: Vec<String>) -> Result<Received> {
    let id = upload_id(&input, "fileId")?;
    if input.name.chars().count() > MAX_UPLOAD_NAME_LEN {
        return Err(Error::invalid_param("file", &format!("File name must be at most {MAX_UPLOAD_NAME_LEN} chars")));
    }
    let (n, chunks_total, size) = chunking(input.range, input.data.len() as u64)?;
    // appwrite-compat: extensions compare case-insensitively (Appwrite lower-cases only the
    // file's, so a listed `JPG` never matches there).
    let ext = extension(&input.name);
    if !b.allowed_file_extensions.is_empty() && !b.allowed_file_extensions.iter().any(|e| e.eq_ignore_ascii_case(&ext)) {
        return Err(Error::msg(ErrorType::StorageFileTypeUnsupported, "File extension not allowed"));
    }
    let size = i64::try_from(size).map_err(|_| Error::msg(ErrorType::StorageInvalidFileSize, "File size not allowed"))?;
    if size > b.maximum_file_size {
        return Err(Error::msg(ErrorType::StorageInvalidFileSize, "File size not allowed"));
    }

    let now = now_ms();
    let fresh = FileRecord {
        project_id: b.project_id.clone(),
        bucket_id: b.id.clone(),
        bucket_seq: b.seq,
        id: id.clone(),
        name: input.name.clone(),
        permissions: permissions.clone(),
        size_original: size,
        chunks_total,
        // A random name, not the id: a file deleted and uploaded again never meets the old
        // one's bytes.
        blob: format!("{}/{}", bucket_blobs(b), secrets::random_hex(12)),
        created_at: now,
        updated_at: now,
        ..Default::default()
    };
    let (file, _created) = app.store.start_file(fresh).await.map_err(Error::internal)?;
    if file.complete() {
        // A chunk sent again after the upload finished is answered with the file (200 in
        // Appwrite), a whole upload under a taken id is refused.
        return match input.range {
            Some(_) => Ok(Received::Again(file)),
            None => Err(ErrorType::StorageFileAlreadyExists.into()),
        };
    }
    if file.chunks_total != chunks_total || file.size_original != size {
        return Err(Error::msg(
            ErrorType::StorageInvalidContentRange,
            "The content range does not match the upload in progress with this ID (its size or chunk count differ).",
        ));
    }
    let data = input.data;
    app.blobs.put(&chunk_key(&file, n), data.clone()).await.map_err(Error::internal)?;
    let hashing = app.signatures.state(file.seq);
    let (file, completed) = app.store.set_chunk(&file.project_id, file.seq, n, true, now_ms()).await.map_err(|e| match e {
        StoreError::NotFound(_) => Error::with(ErrorType::StorageFileNotFound, &id),
        other => Error::internal(other),
    })?;
    if !completed {
        // Hashing is a cache: a failure there only means the full pass later.
        signature::advance_later(app, hashing, &file, n, data).await;
        return Ok(Received::Partial(file));
    }
    if let Err(e) = signature::advance(app, &hashing, &file, Some((n, data))).await {
        tracing::warn!(file = %file.id, error = %e.message(), "could not hash the last chunk");
    }
    // As in Appwrite, the request that completes the upload sets the file's permissions.
    let mut file = file;
    file.permissions = permissions;
    match complete(app, b, file.clone(), &hashing).await {
        Ok(done) => Ok(Received::Complete(done)),
        Err(e) => {
            // Give the chunk back so that sending it again completes the file.
            let _ = app.store.set_chunk(&file.project_id, file.seq, n, false, now_ms()).await;
            Err(e)
        }
    }
}

/// Reads the complete file once: its MD5 and MIME type, and (when the bucket asks and the
/// file is small enough) compresses and encrypts it into one blob.
async fn complete(app: &App, b: &BucketRecord, mut f: FileRecord, hashing: &signature::State) -> Result<FileRecord> {
    let transform = (b.compression != "none" || b.encryption) && f.size_original <= TRANSFORM_LIMIT;
    let hashed = signature::finish(app, hashing, &f).await.unwrap_or(None);
    if let (Some((sig, head)), false) = (&hashed, transform) {
        f.signature = sig.clone();
        f.mime_type = codec::sniff(head);
        f.size_actual = f.size_original;
        f.compression = "none".into();
        f.updated_at = now_ms();
        app.store.update_file(f.clone()).await.map_err(Error::internal)?;
        return Ok(f);
    }
    let mut md5 = md5::Md5::new();
    let mut head: Vec<u8> = Vec::with_capacity(SNIFF_LEN);
    let mut whole: Vec<u8> = Vec::with_capacity(if transform { usize::try_from(f.size_original).unwrap_or(0) } else { 0 });
    for n in 1..=f.chunks_total {
        let mut stream = app.blobs.get(&chunk_key(&f, n), None).await.map_err(Error::internal)?;
        while let Some(piece) = stream.next().await {
            let piece = piece.map_err(Error::internal)?;
            md5.update(&piece);
            if head.len() < SNIFF_LEN {
                head.extend_from_slice(&piece[..piece.len().min(SNIFF_LEN - head.len())]);
            }
            if transform {
                whole.extend_from_slice(&piece);
            }
        }
    }
    f.signature = hex::encode(md5.finalize());
    f.mime_type = codec::sniff(&head);
    f.size_actual = f.size_original;
    f.compression = "none".into();
    if transform {
        let key = if b.encryption { Some(codec::file_key(app.secret()).map_err(Error::internal)?) } else { None };
        let compression = b.compression.clone();
        let (stored, t) = app.cpu(move || codec::encode(&whole, &compression, key.as_ref())).await?.map_err(Error::internal)?;
        f.size_actual = stored.len() as i64;
        app.blobs.put(&whole_key(&f), Bytes::from(stored)).await.map_err(Error::internal)?;
        f.compression = t.compression;
        f.nonce = t.nonce.map(hex::encode);
        f.stored_whole = true;
    }
    f.updated_at = now_ms();
    app.store.update_file(f.clone()).await.map_err(Error::internal)?;
    if f.stored_whole && let Err(e) = app.blobs.delete_prefix(&format!("{}/c", f.blob)).await {
        tracing::warn!(file = %f.id, error = %e, "could not remove the chunks of a transformed file");
    }
    Ok(f)
}

pub async fn list(app: &App, caller: &Caller, bucket_id: &str, input: ListInput) -> Result<Value> {
    let b = load_bucket(app, caller, bucket_id).await?;
    let read_roles = if bucket_allows(&b, caller, Action::Read) {
        None
    } else if b.file_security {
        Some(caller.roles.clone())
    } else {
        return Err(ErrorType::UserUnauthorized.into());
    };
    let params = lists::params(input, query::FILES_QUERY_ATTRIBUTES)?;
    let page = app.store.list_files(&b, params, read_roles).await.map_err(list_error)?;
    let items: Vec<Value> = page.items.iter().map(file_model).collect();
    Ok(serde_json::json!({ "total": page.total, "files": items }))
}

/// The file, if the caller may read it: without bucket read and file security the caller may
/// read nothing (`401`); a file it cannot read does not exist for it (`404`).
pub(crate) async fn load_readable(app: &App, caller: &Caller, b: &BucketRecord, id: &str) -> Result<FileRecord> {
    if !b.file_security && !bucket_allows(b, caller, Action::Read) {
        return Err(ErrorType::UserUnauthorized.into());
    }
    let file = if crate::services::bad_id(id) {
        None
    } else {
        app.store.get_file(b, id).await.map_err(Error::internal)?
    };
    match file {
        Some(f) if file_allows(b, &f, caller, Action::Read) => Ok(f),
        _ => Err(Error::with(ErrorType::StorageFileNotFound, id)),
    }
}

pub async fn get(app: &App, caller: &Caller, bucket_id: &str, id: &str) -> Result<Value> {
    let b = load_bucket(app, caller, bucket_id).await?;
    Ok(file_model(&load_readable(app, caller, &b, id).await?))
}

/// The file an update or delete acts on, if the caller may do `action` to it: without the
/// bucket's permission and file security nothing (`401`); a missing file is `404`.
async fn load_for(app: &App, caller: &Caller, b: &BucketRecord, id: &str, action: Action) -> Result<FileRecord> {
    if !b.file_security && !bucket_allows(b, caller, action) {
        return Err(ErrorType::UserUnauthorized.into());
    }
    let file = if crate::services::bad_id(id) {
        None
    } else {
        app.store.get_file(b, id).await.map_err(Error::internal)?
    };
    let f = file.ok_or_else(|| Error::with(ErrorType::StorageFileNotFound, id))?;
    if !file_allows(b, &f, caller, action) {
        return Err(ErrorType::UserUnauthorized.into());
    }
    Ok(f)
}

pub async fn update(app: &App, caller: &Caller, bucket_id: &str, id: &str, name: Option<String>, permissions: Option<Vec<String>>) -> Result<Value> {
    let b = load_bucket(app, caller, bucket_id).await?;
    let mut f = load_for(app, caller, &b, id, Action::Update).await?;
    if let Some(name) = name {
        if name.chars().count() > MAX_NAME_LEN {
            return Err(Error::invalid_param("name", &format!("Value must be a valid string and at most {MAX_NAME_LEN} chars")));
        }
        f.name = name;
    }
    if let Some(p) = permissions {
        f.permissions = access::row_permissions(caller, Some(&p))?;
    }
    f.updated_at = now_ms();
    app.store.update_file(f.clone()).await.map_err(Error::internal)?;
    emit(app, caller, "update", &b, Some(&f));
    Ok(file_model(&f))
}

pub async fn delete(app: &App, caller: &Caller, bucket_id: &str, id: &str) -> Result<()> {
    let b = load_bucket(app, caller, bucket_id).await?;
    let f = load_for(app, caller, &b, id, Action::Delete).await?;
    if !app.store.delete_file(&f.project_id, f.seq).await.map_err(Error::internal)? {
        return Err(Error::with(ErrorType::StorageFileNotFound, id));
    }
    if let Err(e) = app.blobs.delete_prefix(&f.blob).await {
        tracing::warn!(file = %f.id, error = %e, "could not remove a deleted file's blobs");
    }
    emit(app, caller, "delete", &b, Some(&f));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_parses_and_refuses_nonsense() {
        assert_eq!(ContentRange::parse("bytes 0-9/20").unwrap(), ContentRange { start: 0, end: 9, total: 20 });
        for bad in ["bytes 9-0/20", "bytes 0-20/20", "0-9/20", "bytes 0-9", "bytes a-9/20", "bytes -1-9/20"] {
            assert_eq!(ContentRange::parse(bad).unwrap_err().kind, ErrorType::StorageInvalidContentRange, "{bad}");
        }
    }

    #[test]
    fn chunks_are_numbered_by_offset() {
        let c = CHUNK_SIZE;
        assert_eq!(chunking(None, 7).unwrap(), (1, 1, 7));
        let r = |start, end, total| Some(ContentRange { start, end, total });
        assert_eq!(chunking(r(0, c - 1, 2 * c + 5), c).unwrap(), (1, 3, 2 * c + 5));
        assert_eq!(chunking(r(2 * c, 2 * c + 4, 2 * c + 5), 5).unwrap(), (3, 3, 2 * c + 5));
        assert!(chunking(r(0, 9, 20), 10).is_err(), "a short chunk that is not the last");
        assert!(chunking(r(0, c - 1, 2 * c), c - 1).is_err(), "the body does not match the range");
        assert!(chunking(r(1, c, 2 * c), c).is_err(), "not on a chunk boundary");
    }

    #[test]
    fn extensions_are_lower_case_like_pathinfo() {
        assert_eq!(extension("a.PNG"), "png");
        assert_eq!(extension("archive.tar.gz"), "gz");
        assert_eq!(extension("README"), "");
        assert_eq!(extension("dir.d/README"), "");
    }
}
