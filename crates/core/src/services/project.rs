//! The project service as a project's own API keys see it (`/v1/project/*`): API keys and
//! platforms. Key secrets are shown once, at creation, and stored only as digests.

use oxwrite_types::models::{self, PlatformKind};
use oxwrite_types::time::format_millis_opt as dt;
use oxwrite_types::{ErrorType, scope};

use crate::app::{App, now_ms};
use crate::auth::EphemeralKeyClaims;
use crate::caller::Caller;
use crate::ports::StoreError;
use crate::records::{KeyRecord, PlatformRecord};
use crate::{Error, Result, jwt, secrets, validate};

pub const MAX_KEY_SCOPES: usize = 100;

fn key_model(k: &KeyRecord, secret: String) -> models::Key {
    models::Key {
        id: k.id.clone(),
        created_at: dt(k.created_at),
        updated_at: dt(k.updated_at),
        name: k.name.clone(),
        expire: dt(k.expire),
        scopes: k.scopes.clone(),
        secret,
        accessed_at: dt(k.accessed_at),
        sdks: k.sdks.clone(),
    }
}

/// Scopes must be known project-key scopes; duplicates are dropped.
pub fn validate_scopes(scopes: &[String]) -> Result<Vec<String>> {
    if scopes.len() > MAX_KEY_SCOPES {
        return Err(Error::invalid_param("scopes", "Value must be an array of at most 100 scopes"));
    }
    let mut out: Vec<String> = Vec::new();
    for s in scopes {
        if !scope::is_project_key_scope(s) {
            return Err(Error::invalid_param("scopes", &format!("Value must be one of the allowed scopes; '{s}' is not")));
        }
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    Ok(out)
}

fn parse_expire(expire: Option<&str>) -> Result<i64> {
    match expire.filter(|e| !e.is_empty()) {
        None => Ok(0),
        Some(e) => oxwrite_types::time::parse(e)
            .map(oxwrite_types::time::to_millis)
            .ok_or_else(|| Error::invalid_param("expire", "Value must be valid date in ISO 8601 format.")),
    }
}

pub struct KeyInput {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub expire: Option<String>,
}

/// A created key with its one-time secret.
pub struct CreatedKey {
    pub model: models::Key,
    pub secret: String,
}

/// Creates a key in `project`; shared by the API and the `oxwrite key create` command.
pub async fn create_key_in(app: &App, project: &str, input: KeyInput) -> Result<CreatedKey> {
    let id = secrets::resolve_id("keyId", &input.id)?;
    validate::name("name", &input.name)?;
    let scopes = validate_scopes(&input.scopes)?;
    let expire = parse_expire(input.expire.as_deref())?;
    let secret = format!("standard_{}", secrets::random_hex(128));
    let now = now_ms();
    let key = KeyRecord {
        project_id: project.to_owned(),
        id,
        name: input.name,
        scopes,
        secret_hash: secrets::sha256_hex(&secret),
        expire,
        accessed_at: 0,
        sdks: Vec::new(),
        created_at: now,
        updated_at: now,
    };
    app.store.create_key(key.clone()).await.map_err(|e| match e {
        StoreError::Conflict(_) => Error::new(ErrorType::KeyAlreadyExists),
        other => Error::internal(other),
    })?;
    Ok(CreatedKey { model: key_model(&key, secret.clone()), secret })
}

pub async fn create_key(app: &App, caller: &Caller, input: KeyInput) -> Result<models::Key> {
    Ok(create_key_in(app, &caller.project.id, input).await?.model)
}

pub async fn list_keys_in(app: &App, project: &str) -> Result<models::List<models::Key>> {
    let keys = app.store.list_keys(project).await.map_err(Error::internal)?;
    let items: Vec<_> = keys.iter().map(|k| key_model(k, String::new())).collect();
    Ok(models::List { field: "keys", total: items.len() as u64, items })
}

pub async fn list_keys(app: &App, caller: &Caller) -> Result<models::List<models::Key>> {
    list_keys_in(app, &caller.project.id).await
}

async fn load_key(app: &App, project: &str, id: &str) -> Result<KeyRecord> {
    app.store.get_key(project, id).await.map_err(Error::internal)?.ok_or_else(|| Error::new(ErrorType::KeyNotFound))
}

pub async fn get_key(app: &App, caller: &Caller, id: &str) -> Result<models::Key> {
    Ok(key_model(&load_key(app, &caller.project.id, id).await?, String::new()))
}

pub async fn update_key(app: &App, caller: &Caller, id: &str, name: String, scopes: Vec<String>, expire: Option<String>) -> Result<models::Key> {
    validate::name("name", &name)?;
    let mut k = load_key(app, &caller.project.id, id).await?;
    k.scopes = validate_scopes(&scopes)?;
    k.expire = parse_expire(expire.as_deref())?;
    k.name = name;
    k.updated_at = now_ms();
    app.store.update_key(k.clone()).await.map_err(Error::internal)?;
    Ok(key_model(&k, String::new()))
}

pub async fn delete_key_in(app: &App, project: &str, id: &str) -> Result<()> {
    if !app.store.delete_key(project, id).await.map_err(Error::internal)? {
        return Err(ErrorType::KeyNotFound.into());
    }
    Ok(())
}

pub async fn delete_key(app: &App, caller: &Caller, id: &str) -> Result<()> {
    delete_key_in(app, &caller.project.id, id).await
}

pub const EPHEMERAL_MAX_SECS: i64 = 3600;

/// `POST /project/keys/ephemeral`: a signed, short-lived key that is never stored.
pub async fn create_ephemeral_key(app: &App, caller: &Caller, scopes: Vec<String>, duration: i64) -> Result<models::Key> {
    let scopes = validate_scopes(&scopes)?;
    if !(1..=EPHEMERAL_MAX_SECS).contains(&duration) {
        return Err(Error::invalid_param("duration", "Value must be a valid range between 1 and 3,600"));
    }
    let now = now_ms();
    let exp = now / 1000 + duration;
    let claims = EphemeralKeyClaims { project_id: caller.project.id.clone(), scopes: scopes.clone(), name: String::new(), exp };
    let token = jwt::sign(app.secret(), &claims).map_err(Error::internal)?;
    Ok(models::Key {
        id: secrets::unique_id(),
        created_at: dt(now),
        updated_at: dt(now),
        name: String::new(),
        expire: dt(exp * 1000),
        scopes,
        secret: format!("ephemeral_{token}"),
        accessed_at: String::new(),
        sdks: Vec::new(),
    })
}

fn platform_model(p: &PlatformRecord) -> models::Platform {
    models::Platform {
        id: p.id.clone(),
        created_at: dt(p.created_at),
        updated_at: dt(p.updated_at),
        name: p.name.clone(),
        kind: p.kind,
        identifier: p.identifier.clone(),
    }
}

fn validate_identifier(kind: PlatformKind, v: &str) -> Result<()> {
    let field = kind.identifier_field();
    if v.is_empty() || v.len() > 256 || v.chars().any(char::is_whitespace) {
        return Err(Error::invalid_param(field, "Value must be a valid string and at least 1 chars and no longer than 256 chars"));
    }
    if kind == PlatformKind::Web && v.contains('/') {
        return Err(Error::invalid_param(field, "Value must be a valid hostname without scheme, port or path"));
    }
    Ok(())
}

pub async fn create_platform(app: &App, caller: &Caller, kind: PlatformKind, id: String, name: String, identifier: String) -> Result<models::Platform> {
    let id = secrets::resolve_id("platformId", &id)?;
    validate::name("name", &name)?;
    validate_identifier(kind, &identifier)?;
    let now = now_ms();
    let p = PlatformRecord {
        project_id: caller.project.id.clone(),
        id,
        kind,
        name,
        identifier: identifier.to_lowercase(),
        created_at: now,
        updated_at: now,
    };
    app.store.create_platform(p.clone()).await.map_err(|e| match e {
        StoreError::Conflict(_) => Error::new(ErrorType::PlatformAlreadyExists),
        other => Error::internal(other),
    })?;
    Ok(platform_model(&p))
}

pub async fn list_platforms(app: &App, caller: &Caller) -> Result<models::List<models::Platform>> {
    let list = app.store.list_platforms(&caller.project.id).await.map_err(Error::internal)?;
    let items: Vec<_> = list.iter().map(platform_model).collect();
    Ok(models::List { field: "platforms", total: items.len() as u64, items })
}

async fn load_platform(app: &App, caller: &Caller, id: &str) -> Result<PlatformRecord> {
    app.store
        .get_platform(&caller.project.id, id)
        .await
        .map_err(Error::internal)?
        .ok_or_else(|| Error::new(ErrorType::PlatformNotFound))
}

pub async fn get_platform(app: &App, caller: &Caller, id: &str) -> Result<models::Platform> {
    Ok(platform_model(&load_platform(app, caller, id).await?))
}

pub async fn update_platform(app: &App, caller: &Caller, kind: PlatformKind, id: &str, name: String, identifier: String) -> Result<models::Platform> {
    validate::name("name", &name)?;
    validate_identifier(kind, &identifier)?;
    let mut p = load_platform(app, caller, id).await?;
    if p.kind != kind {
        return Err(ErrorType::PlatformNotFound.into());
    }
    p.name = name;
    p.identifier = identifier.to_lowercase();
    p.updated_at = now_ms();
    app.store.update_platform(p.clone()).await.map_err(Error::internal)?;
    Ok(platform_model(&p))
}

pub async fn delete_platform(app: &App, caller: &Caller, id: &str) -> Result<()> {
    if !app.store.delete_platform(&caller.project.id, id).await.map_err(Error::internal)? {
        return Err(ErrorType::PlatformNotFound.into());
    }
    Ok(())
}

/// Whether a browser origin's host may call this project: the server's own names or a
/// registered web platform (`*.example.com` wildcards allowed).
pub async fn origin_allowed(app: &App, project: &str, host: &str, own_hosts: &[String]) -> Result<bool> {
    let host = host.to_ascii_lowercase();
    if own_hosts.iter().any(|h| h == &host) {
        return Ok(true);
    }
    let platforms = app.store.list_platforms(project).await.map_err(Error::internal)?;
    Ok(platforms.iter().filter(|p| p.kind == PlatformKind::Web).any(|p| host_matches(&p.identifier, &host)))
}

fn host_matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(suffix) => host.len() > suffix.len() + 1 && host.ends_with(suffix) && host[..host.len() - suffix.len()].ends_with('.'),
        None => pattern == host || pattern == "*",
    }
}

#[cfg(test)]
mod tests {
    use super::host_matches;

    #[test]
    fn wildcard_hosts() {
        assert!(host_matches("example.com", "example.com"));
        assert!(!host_matches("example.com", "evil-example.com"));
        assert!(host_matches("*.example.com", "app.example.com"));
        assert!(!host_matches("*.example.com", "example.com"));
        assert!(!host_matches("*.example.com", "appexample.com"));
    }
}
