//! Buckets: create, list, get, update (PUT: omitted settings return to their defaults, as in
//! Appwrite), delete (with every file and its bytes).

use oxwrite_types::{ErrorType, query};
use serde_json::Value;

use super::{bucket_blobs, bucket_model, emit, load_bucket};
use crate::app::{App, now_ms};
use crate::caller::Caller;
use crate::ports::StoreError;
use crate::records::BucketRecord;
use crate::services::lists::{self, ListInput};
use crate::services::tablesdb::access;
use crate::services::users::list_error;
use crate::{Error, Result, secrets, validate};

/// At most this many allowed extensions, each at most [`MAX_EXTENSION_LEN`] characters.
pub const MAX_EXTENSIONS: usize = 100;
pub const MAX_EXTENSION_LEN: usize = 64;
pub const COMPRESSIONS: &[&str] = &["none", "gzip", "zstd"];

/// A bucket's settings as a create or update call gives them.
#[derive(Debug, Default, Clone)]
pub struct BucketInput {
    pub name: String,
    pub permissions: Option<Vec<String>>,
    pub file_security: Option<bool>,
    pub enabled: Option<bool>,
    pub maximum_file_size: Option<i64>,
    pub allowed_file_extensions: Option<Vec<String>>,
    pub compression: Option<String>,
    pub encryption: Option<bool>,
    pub antivirus: Option<bool>,
    pub transformations: Option<bool>,
}

/// Validates `input` and writes it over `b`'s settings (defaults for what is omitted).
fn apply(app: &App, b: &mut BucketRecord, input: BucketInput) -> Result<()> {
    validate::name("name", &input.name)?;
    let limit = app.config.storage_limit;
    let max = input.maximum_file_size.unwrap_or(limit);
    if !(1..=limit).contains(&max) {
        return Err(Error::invalid_param("maximumFileSize", &format!("Value must be a valid range between 1 and {}", group_thousands(limit))));
    }
    let extensions = input.allowed_file_extensions.unwrap_or_default();
    if extensions.len() > MAX_EXTENSIONS || extensions.iter().any(|e| e.chars().count() > MAX_EXTENSION_LEN) {
        return Err(Error::invalid_param(
            "allowedFileExtensions",
            &format!("Value must a valid array no longer than {MAX_EXTENSIONS} items and Value must be a valid string and no longer than {MAX_EXTENSION_LEN} chars"),
        ));
    }
    let compression = input.compression.unwrap_or_else(|| "none".into());
    if !COMPRESSIONS.contains(&compression.as_str()) {
        return Err(Error::invalid_param("compression", &format!("Value must be one of ({})", COMPRESSIONS.join(", "))));
    }
    if let Some(p) = input.permissions {
        b.permissions = access::container_permissions(&p)?;
    }
    b.name = input.name;
    b.file_security = input.file_security.unwrap_or(false);
    b.enabled = input.enabled.unwrap_or(true);
    b.maximum_file_size = max;
    b.allowed_file_extensions = extensions.into_iter().map(|e| e.trim_start_matches('.').to_lowercase()).collect();
    b.compression = compression;
    b.encryption = input.encryption.unwrap_or(true);
    b.antivirus = input.antivirus.unwrap_or(true);
    b.transformations = input.transformations.unwrap_or(true);
    Ok(())
}

/// `30000000` → `30,000,000`, as PHP's `number_format` writes Appwrite's range messages.
fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

pub async fn create(app: &App, caller: &Caller, id: &str, input: BucketInput) -> Result<Value> {
    let id = secrets::resolve_id("bucketId", id)?;
    let now = now_ms();
    let mut b = BucketRecord { project_id: caller.project.id.clone(), id, created_at: now, updated_at: now, ..Default::default() };
    apply(app, &mut b, input)?;
    let b = app.store.create_bucket(b).await.map_err(|e| match e {
        StoreError::Conflict(_) => Error::new(ErrorType::StorageBucketAlreadyExists),
        other => Error::internal(other),
    })?;
    emit(app, caller, "create", &b, None);
    Ok(bucket_model(&b))
}

pub async fn list(app: &App, caller: &Caller, input: ListInput) -> Result<Value> {
    let params = lists::params(input, query::BUCKETS_QUERY_ATTRIBUTES)?;
    let page = app.store.list_buckets(&caller.project.id, params).await.map_err(list_error)?;
    let items: Vec<Value> = page.items.iter().map(bucket_model).collect();
    Ok(serde_json::json!({ "total": page.total, "buckets": items }))
}

pub async fn get(app: &App, caller: &Caller, id: &str) -> Result<Value> {
    Ok(bucket_model(&load_bucket(app, caller, id).await?))
}

pub async fn update(app: &App, caller: &Caller, id: &str, input: BucketInput) -> Result<Value> {
    let mut b = load_bucket(app, caller, id).await?;
    apply(app, &mut b, input)?;
    b.updated_at = now_ms();
    app.store.update_bucket(b.clone()).await.map_err(Error::internal)?;
    emit(app, caller, "update", &b, None);
    Ok(bucket_model(&b))
}

pub async fn delete(app: &App, caller: &Caller, id: &str) -> Result<()> {
    let b = load_bucket(app, caller, id).await?;
    if !app.store.delete_bucket(&b.project_id, &b.id).await.map_err(Error::internal)? {
        return Err(Error::with(ErrorType::StorageBucketNotFound, id));
    }
    // The records are gone, so nothing reaches these bytes any more; a failure here leaves
    // only unreachable blobs behind, never a file without its bytes.
    if let Err(e) = app.blobs.delete_prefix(&bucket_blobs(&b)).await {
        tracing::warn!(bucket = %b.id, error = %e, "could not remove a deleted bucket's blobs");
    }
    emit(app, caller, "delete", &b, None);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_are_grouped_like_php() {
        assert_eq!(super::group_thousands(30_000_000), "30,000,000");
        assert_eq!(super::group_thousands(999), "999");
        assert_eq!(super::group_thousands(1000), "1,000");
    }
}
