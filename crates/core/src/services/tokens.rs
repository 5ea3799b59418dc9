//! Resource tokens (`/v1/tokens`, keys only): a token grants read of one file to whoever
//! holds its secret, a JWT passed as `?token=` to download, view and preview. The JWT names
//! the token; the token's record decides (deleting it or letting it expire revokes the JWT).

use oxwrite_types::ErrorType;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::app::{App, now_ms};
use crate::caller::Caller;
use crate::records::{BucketRecord, FileRecord, ResourceTokenRecord};
use crate::services::lists::{self, ListInput};
use crate::services::storage::files::load_readable;
use crate::services::storage::load_bucket;
use crate::services::users::list_error;
use crate::{Error, Result, jwt, secrets};

/// Tokens may be filtered and ordered by these (Appwrite's validator also names `expire`,
/// then checks it against a schema without it).
pub const QUERY_ATTRIBUTES: &[&str] = &["$id", "$createdAt", "$updatedAt", "$sequence"];
/// The `exp` of a JWT whose token never expires (9999-12-31T23:59:59Z).
const NEVER: i64 = 253_402_300_799;
/// `accessedAt` is written at most this often per token (Appwrite: a day).
const ACCESS_GRANULARITY_MS: i64 = 86_400_000;

#[derive(Serialize, Deserialize)]
struct Claims {
    #[serde(rename = "tokenId")]
    token_id: String,
    #[serde(rename = "resourceType")]
    resource_type: String,
    #[serde(rename = "resourceId")]
    resource_id: String,
    exp: i64,
}

fn secret(app: &App, t: &ResourceTokenRecord) -> Result<String> {
    let claims = Claims {
        token_id: t.id.clone(),
        resource_type: t.resource_type.clone(),
        resource_id: t.resource_id.clone(),
        exp: t.expire.map_or(NEVER, |ms| ms.div_euclid(1000)),
    };
    jwt::sign(app.secret(), &claims).map_err(Error::internal)
}

fn model(app: &App, t: &ResourceTokenRecord) -> Result<Value> {
    use oxwrite_types::time::format_millis_opt as dt;
    Ok(json!({
        "$id": t.id,
        "$createdAt": dt(t.created_at),
        "resourceId": t.resource_id,
        "resourceType": t.resource_type,
        "expire": dt(t.expire.unwrap_or(0)),
        "secret": secret(app, t)?,
        "accessedAt": dt(t.accessed_at.unwrap_or(0)),
    }))
}

/// `expire`: an ISO 8601 date in the future, or none for a token that never expires.
fn parse_expire(expire: Option<&str>) -> Result<Option<i64>> {
    let Some(s) = expire.filter(|s| !s.is_empty()) else { return Ok(None) };
    let at = oxwrite_types::time::parse(s)
        .map(|t| t.as_millisecond())
        .filter(|at| *at > now_ms() && *at < NEVER * 1000)
        .ok_or_else(|| {
            Error::invalid_param("expire", "Value must be valid date in the future and between 0000-01-01 00:00:00 and 9999-12-31 00:00:00.")
        })?;
    Ok(Some(at))
}

/// The file a key addresses (keys see disabled buckets and every file).
async fn load_file(app: &App, caller: &Caller, bucket_id: &str, file_id: &str) -> Result<(BucketRecord, FileRecord)> {
    let b = load_bucket(app, caller, bucket_id).await?;
    let f = load_readable(app, caller, &b, file_id).await?;
    Ok((b, f))
}

pub async fn create_file_token(app: &App, caller: &Caller, bucket_id: &str, file_id: &str, expire: Option<&str>) -> Result<Value> {
    let (b, f) = load_file(app, caller, bucket_id, file_id).await?;
    let now = now_ms();
    let t = ResourceTokenRecord {
        project_id: caller.project.id.clone(),
        id: secrets::unique_id(),
        resource_type: "files".into(),
        resource_id: format!("{}:{}", b.id, f.id),
        resource_internal_id: format!("{}:{}", b.seq, f.seq),
        expire: parse_expire(expire)?,
        accessed_at: None,
        created_at: now,
        updated_at: now,
    };
    app.store.create_resource_token(t.clone()).await.map_err(Error::internal)?;
    model(app, &t)
}

pub async fn list(app: &App, caller: &Caller, bucket_id: &str, file_id: &str, input: ListInput) -> Result<Value> {
    let (b, f) = load_file(app, caller, bucket_id, file_id).await?;
    let params = lists::params(input, QUERY_ATTRIBUTES)?;
    let page = app
        .store
        .list_resource_tokens(&caller.project.id, "files", &format!("{}:{}", b.id, f.id), params)
        .await
        .map_err(list_error)?;
    let items = page.items.iter().map(|t| model(app, t)).collect::<Result<Vec<_>>>()?;
    Ok(json!({ "total": page.total, "tokens": items }))
}

async fn load(app: &App, caller: &Caller, id: &str) -> Result<ResourceTokenRecord> {
    let t = if crate::services::bad_id(id) {
        None
    } else {
        app.store.get_resource_token(&caller.project.id, id).await.map_err(Error::internal)?
    };
    t.ok_or_else(|| ErrorType::TokenNotFound.into())
}

pub async fn get(app: &App, caller: &Caller, id: &str) -> Result<Value> {
    model(app, &load(app, caller, id).await?)
}

pub async fn update(app: &App, caller: &Caller, id: &str, expire: Option<&str>) -> Result<Value> {
    let mut t = load(app, caller, id).await?;
    t.expire = parse_expire(expire)?;
    t.updated_at = now_ms();
    app.store.update_resource_token(t.clone()).await.map_err(Error::internal)?;
    model(app, &t)
}

pub async fn delete(app: &App, caller: &Caller, id: &str) -> Result<()> {
    let t = load(app, caller, id).await?;
    if !app.store.delete_resource_token(&t.project_id, &t.id).await.map_err(Error::internal)? {
        return Err(ErrorType::TokenNotFound.into());
    }
    Ok(())
}

/// The live resource token `token` (a JWT) stands for, if any. As in Appwrite, a malformed,
/// forged, expired or revoked token counts as none: the request then meets the normal
/// permission checks. A token for something other than files is `400`.
pub(crate) async fn resolve(app: &App, caller: &Caller, token: &str) -> Result<Option<ResourceTokenRecord>> {
    let now = now_ms();
    let Ok(claims) = jwt::verify::<Claims>(app.secret(), token, now.div_euclid(1000)) else {
        return Ok(None);
    };
    let Some(t) = app.store.get_resource_token(&caller.project.id, &claims.token_id).await.map_err(Error::internal)? else {
        return Ok(None);
    };
    if t.expire.is_some_and(|e| e <= now) || t.resource_id != claims.resource_id {
        return Ok(None);
    }
    if t.resource_type != "files" {
        return Err(ErrorType::TokenResourceTypeInvalid.into());
    }
    if t.accessed_at.is_none_or(|at| now - at > ACCESS_GRANULARITY_MS) {
        let mut touched = t.clone();
        touched.accessed_at = Some(now);
        if let Err(e) = app.store.update_resource_token(touched).await {
            tracing::warn!(error = %e, "could not record a token's access");
        }
    }
    Ok(Some(t))
}

/// Whether a file token is for exactly this file (by internal ids: a file deleted and
/// uploaded again under the same id is another file).
pub(crate) fn grants_file(t: &ResourceTokenRecord, b: &BucketRecord, f: &FileRecord) -> bool {
    t.resource_type == "files" && t.resource_internal_id == format!("{}:{}", b.seq, f.seq)
}

/// Whether a file token is for some file of this bucket.
pub(crate) fn in_bucket(t: &ResourceTokenRecord, b: &BucketRecord) -> bool {
    t.resource_internal_id.split_once(':').is_some_and(|(bucket, _)| bucket == b.seq.to_string())
}
