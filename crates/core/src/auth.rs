//! Credential resolution (PROTOCOL.md §2–3): turns what a request carries (session blob, JWT,
//! API key, impersonation headers) into one [`Caller`]. The HTTP layer only collects the raw
//! strings; every rule about which credential wins and what is refused lives here.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use oxwrite_types::ErrorType;
use serde::{Deserialize, Serialize};

use crate::app::{App, now_ms};
use crate::caller::Caller;
use crate::ports::SessionLookup;
use crate::records::ProjectRecord;
use crate::{Error, Result, jwt, secrets};

/// Raw credentials as found on the request, in the order PROTOCOL.md §2 resolves them.
#[derive(Debug, Default, Clone)]
pub struct Credentials {
    /// The base64 session blob from the cookie, `X-Appwrite-Session` or `X-Fallback-Cookies`.
    pub session: Option<String>,
    pub jwt: Option<String>,
    pub key: Option<String>,
    pub impersonate: Option<Impersonation>,
}

#[derive(Debug, Clone)]
pub enum Impersonation {
    UserId(String),
    Email(String),
    Phone(String),
}

/// The decoded session blob: base64 of `{"id": userId, "secret": secret}`.
#[derive(Debug, Serialize, Deserialize)]
pub struct SessionBlob {
    pub id: String,
    pub secret: String,
}

impl SessionBlob {
    /// Strict decoding; anything malformed is simply "no session" (the caller is a guest).
    pub fn decode(value: &str) -> Option<Self> {
        if value.len() > 4096 {
            return None;
        }
        let bytes = STANDARD.decode(value.trim()).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    pub fn encode(user_id: &str, secret: &str) -> String {
        let json = serde_json::json!({ "id": user_id, "secret": secret }).to_string();
        STANDARD.encode(json)
    }
}

/// Claims of an account JWT (`POST /account/jwts`).
#[derive(Debug, Serialize, Deserialize)]
pub struct AccountClaims {
    #[serde(rename = "userId")]
    pub user_id: String,
    #[serde(rename = "sessionId")]
    pub session_id: String,
    #[serde(rename = "projectId", default)]
    pub project_id: String,
    pub exp: i64,
}

/// Claims of an ephemeral key (`ephemeral_<JWT>`).
#[derive(Debug, Serialize, Deserialize)]
pub struct EphemeralKeyClaims {
    #[serde(rename = "projectId")]
    pub project_id: String,
    pub scopes: Vec<String>,
    #[serde(default)]
    pub name: String,
    pub exp: i64,
}

/// Loads the project named by the request. Missing → 403, unknown → 404.
pub async fn project(app: &App, id: Option<&str>) -> Result<ProjectRecord> {
    let Some(id) = id.filter(|s| !s.is_empty() && *s != "console") else {
        return Err(Error::msg(
            ErrorType::GeneralAccessForbidden,
            "No Appwrite project was specified. Please specify your project ID when initializing your Appwrite SDK.",
        ));
    };
    if id.len() > oxwrite_types::id::MAX_ID_LEN {
        return Err(ErrorType::ProjectNotFound.into());
    }
    app.store
        .get_project(id)
        .await
        .map_err(Error::internal)?
        .ok_or_else(|| ErrorType::ProjectNotFound.into())
}

/// Resolves the caller of a request to `project`.
pub async fn resolve(app: &App, project: ProjectRecord, creds: &Credentials) -> Result<Caller> {
    let now = now_ms();
    if let Some(key) = creds.key.as_deref().filter(|k| !k.is_empty()) {
        // A project key wins over any session the request also carries (PROTOCOL.md §14).
        return resolve_key(app, project, key, now).await;
    }
    let mut caller = Caller::guest(project.clone());
    if let Some(blob) = creds.session.as_deref().and_then(SessionBlob::decode) {
        let hash = secrets::sha256_hex(&blob.secret);
        let principal = app
            .store
            .load_principal(&project.id, &blob.id, SessionLookup::BySecretHash(&hash), now)
            .await
            .map_err(Error::internal)?;
        if let Some(p) = principal.filter(|p| p.session.is_some()) {
            caller = Caller::user(project.clone(), p.user, p.session, &p.memberships);
        }
    }
    if let Some(token) = creds.jwt.as_deref().filter(|t| !t.is_empty()) {
        if caller.user.is_some() {
            return Err(ErrorType::UserJwtAndCookieSet.into());
        }
        let claims: AccountClaims = jwt::verify(app.secret(), token, now / 1000)
            .map_err(|_| Error::new(ErrorType::UserJwtInvalid))?;
        if !claims.project_id.is_empty() && claims.project_id != project.id {
            return Err(ErrorType::UserJwtInvalid.into());
        }
        // A JWT minted without a session (users.createJWT for a user with none) names no
        // session; one that names a session dies with it.
        let lookup = if claims.session_id.is_empty() {
            SessionLookup::None
        } else {
            SessionLookup::ById(&claims.session_id)
        };
        let principal = app
            .store
            .load_principal(&project.id, &claims.user_id, lookup, now)
            .await
            .map_err(Error::internal)?;
        if let Some(p) = principal.filter(|p| claims.session_id.is_empty() || p.session.is_some()) {
            caller = Caller::user(project.clone(), p.user, p.session, &p.memberships);
        }
    }
    if let Some(user) = &caller.user {
        if !user.status {
            return Err(ErrorType::UserBlocked.into());
        }
        if user.impersonator
            && let Some(target) = &creds.impersonate {
                caller = impersonate(app, caller, target, now).await?;
            }
    }
    Ok(caller)
}

async fn resolve_key(app: &App, project: ProjectRecord, key: &str, now: i64) -> Result<Caller> {
    let (kind, rest) = key.split_once('_').unwrap_or(("standard", key));
    match kind {
        "ephemeral" | "dynamic" => {
            let Ok(claims) = jwt::verify::<EphemeralKeyClaims>(app.secret(), rest, now / 1000) else {
                return Err(unknown_key());
            };
            if claims.project_id != project.id {
                return Err(unknown_key());
            }
            Ok(Caller::key(project, &claims.scopes))
        }
        _ => {
            let hash = secrets::sha256_hex(key);
            let Some(record) = app.store.find_key_by_secret_hash(&hash).await.map_err(Error::internal)? else {
                return Err(unknown_key());
            };
            // The lookup was by digest; compare again in constant time so equality never
            // depends on a short-circuiting comparison of secret material. A key of another
            // project is as unknown here as a made-up one.
            if !secrets::ct_eq(&record.secret_hash, &hash) || record.project_id != project.id {
                return Err(unknown_key());
            }
            if record.expire > 0 && record.expire < now {
                return Err(ErrorType::ProjectKeyExpired.into());
            }
            // accessedAt is refreshed at most once a day, so keys cost no write per request.
            if now - record.accessed_at > 86_400_000 {
                app.store.touch_key(&record.project_id, &record.id, now).await.map_err(Error::internal)?;
            }
            Ok(Caller::key(project, &record.scopes))
        }
    }
}

/// appwrite-compat: Appwrite decodes an unknown key (or another project's) as a guest key and
/// then refuses the request in its API hook with `401 user_unauthorized`.
fn unknown_key() -> Error {
    Error::new(ErrorType::UserUnauthorized)
}

/// A key sent without a project: Appwrite cannot tell which project it belongs to.
pub fn project_id_missing() -> Error {
    Error::msg(
        ErrorType::ProjectIdMissing,
        "When using project API key, make sure to pass x-appwrite-project header with your project ID.",
    )
}

async fn impersonate(app: &App, caller: Caller, target: &Impersonation, now: i64) -> Result<Caller> {
    let project = caller.project.clone();
    let found = match target {
        Impersonation::UserId(id) => app.store.get_user(&project.id, id).await,
        Impersonation::Email(email) => app.store.find_user_by_email(&project.id, email).await,
        Impersonation::Phone(phone) => app.store.find_user_by_phone(&project.id, phone).await,
    }
    .map_err(Error::internal)?;
    let Some(user) = found else {
        return Err(ErrorType::UserNotFound.into());
    };
    let principal = app
        .store
        .load_principal(&project.id, &user.id, SessionLookup::None, now)
        .await
        .map_err(Error::internal)?
        .ok_or_else(|| Error::new(ErrorType::UserNotFound))?;
    let impersonator = caller.user_id().map(str::to_owned);
    let mut next = Caller::user(project, principal.user, caller.session, &principal.memberships);
    next.impersonator_user_id = impersonator;
    Ok(next)
}
