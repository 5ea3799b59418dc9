//! Storage (`/v1/storage`, PROTOCOL.md §12): buckets, files uploaded whole or in 5 MiB chunks
//! (concurrent, out of order, resumable), downloads with ranges, and image previews.
//!
//! - `buckets`: settings, for keys.
//! - `files`: uploads and file records, for every caller, under the same permission rules as
//!   rows (`tablesdb::access`): bucket permissions, plus the file's own with `fileSecurity`.
//! - `content`: download, view and preview, also through a resource token (`tokens`).
//! - `codec`: MIME sniffing, compression and encryption at rest.
//!
//! Bytes live in the `Blobs` port: chunk `n` of a file at `<blob>/c/<n>`; a file the bucket
//! compresses or encrypts (20 MB or less, as Appwrite) as one blob `<blob>/w` once complete.

pub mod buckets;
pub mod codec;
pub mod content;
pub mod files;
pub mod signature;

use oxwrite_types::ErrorType;
use oxwrite_types::permission::Action;
use serde_json::{Value, json};

use crate::app::App;
use crate::caller::Caller;
use crate::records::{BucketRecord, FileRecord};
use crate::services::tablesdb::access;
use crate::{Error, Result};

/// The chunk size of chunked uploads (the official SDKs send exactly this much per request).
pub const CHUNK_SIZE: u64 = 5 * 1024 * 1024;
/// Files up to this size are compressed and encrypted when the bucket asks for it; larger
/// ones are stored as sent (Appwrite's `APP_STORAGE_READ_BUFFER`).
pub const TRANSFORM_LIMIT: i64 = 20_000_000;

/// The bucket, if it exists and the caller may use it: disabled buckets are invisible to
/// everyone but keys.
pub(crate) async fn load_bucket(app: &App, caller: &Caller, id: &str) -> Result<BucketRecord> {
    // Ids starting with `_` are internal buckets (deployments), never reachable as buckets.
    let bucket = if crate::services::bad_id(id) || id.starts_with('_') {
        None
    } else {
        app.store.get_bucket(&caller.project.id, id).await.map_err(Error::internal)?
    };
    match bucket {
        Some(b) if b.enabled || caller.is_key() => Ok(b),
        _ => Err(Error::with(ErrorType::StorageBucketNotFound, id)),
    }
}

/// Whether the caller may do `action` on every file of the bucket.
pub(crate) fn bucket_allows(b: &BucketRecord, caller: &Caller, action: Action) -> bool {
    caller.is_key() || access::grants(&b.permissions, action, &caller.roles)
}

/// Whether the caller may do `action` on the file.
pub(crate) fn file_allows(b: &BucketRecord, f: &FileRecord, caller: &Caller, action: Action) -> bool {
    bucket_allows(b, caller, action) || (b.file_security && access::grants(&f.permissions, action, &caller.roles))
}

/// The blob prefix of all files of a bucket.
pub(crate) fn bucket_blobs(b: &BucketRecord) -> String {
    format!("files/{}/{}", b.project_id, b.seq)
}

pub(crate) fn bucket_model(b: &BucketRecord) -> Value {
    use oxwrite_types::time::format_millis_opt as dt;
    json!({
        "$id": b.id,
        "$createdAt": dt(b.created_at),
        "$updatedAt": dt(b.updated_at),
        "$permissions": b.permissions,
        "fileSecurity": b.file_security,
        "name": b.name,
        "enabled": b.enabled,
        "maximumFileSize": b.maximum_file_size,
        "allowedFileExtensions": b.allowed_file_extensions,
        "compression": b.compression,
        "encryption": b.encryption,
        "antivirus": b.antivirus,
        "transformations": b.transformations,
        "totalSize": b.total_size,
    })
}

pub(crate) fn file_model(f: &FileRecord) -> Value {
    use oxwrite_types::time::format_millis_opt as dt;
    // `folder` and `key` are not in 1.9's model, but Python appwrite 23 requires them (they
    // arrive with virtual folders after 1.9); files live at the bucket root.
    json!({
        "$id": f.id,
        "bucketId": f.bucket_id,
        "$createdAt": dt(f.created_at),
        "$updatedAt": dt(f.updated_at),
        "$permissions": f.permissions,
        "name": f.name,
        "signature": f.signature,
        "mimeType": f.mime_type,
        "sizeOriginal": f.size_original,
        "sizeActual": f.size_actual,
        "chunksTotal": f.chunks_total,
        "chunksUploaded": f.chunks_uploaded,
        "encryption": f.nonce.is_some(),
        "compression": f.compression,
        "folder": "",
        "key": f.name,
    })
}

/// Publishes a bucket or file event (`buckets.[bucketId](.files.[fileId]).<action>`). File
/// events reach the roles that may read the file.
pub(crate) fn emit(app: &App, caller: &Caller, action: &str, b: &BucketRecord, f: Option<&FileRecord>) {
    match f {
        None => crate::services::publish(
            app,
            caller,
            &[&format!("buckets.[bucketId].{action}")],
            &[("bucketId", &b.id)],
            || bucket_model(b),
            || None,
        ),
        Some(f) => crate::services::publish(
            app,
            caller,
            &[&format!("buckets.[bucketId].files.[fileId].{action}")],
            &[("bucketId", &b.id), ("fileId", &f.id)],
            || file_model(f),
            || Some(access::readers(&b.permissions, &f.permissions, b.file_security)),
        ),
    }
}
