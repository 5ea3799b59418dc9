//! The users service (server side, API keys): every operation on any user of the project,
//! including hash imports. Also the user helpers the account and teams services share.

use oxwrite_types::{ErrorType, models, query};
use serde_json::{Map, Value};

use crate::app::{App, now_ms};
use crate::auth::AccountClaims;
use crate::caller::Caller;
use crate::password::{self, PasswordHash};
use crate::ports::{ListParams, StoreError};
use crate::records::{TokenKind, TokenRecord, UserRecord};
use crate::services::lists::{self, ListInput};
use crate::services::sessions::{self, Issued, RequestMeta};
use crate::{Error, Result, jwt, secrets, validate, views};

/// A user about to be created.
pub struct NewUser {
    pub id: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub name: Option<String>,
    pub password: Option<Secret>,
}

/// A password as supplied: plain (to be hashed) or an imported hash.
pub enum Secret {
    Plain(String),
    Imported(PasswordHash),
}

impl NewUser {
    pub fn with_password(id: String, email: Option<String>, phone: Option<String>, name: Option<String>, password: String) -> Self {
        Self { id, email, phone, name, password: Some(Secret::Plain(password)) }
    }

    pub fn anonymous() -> Self {
        Self { id: oxwrite_types::id::UNIQUE.to_owned(), email: None, phone: None, name: None, password: None }
    }
}

/// Validates and inserts a user. Id, email and phone must be unique in the project.
pub(crate) async fn insert(app: &App, project: &str, input: NewUser) -> Result<UserRecord> {
    let id = secrets::resolve_id("userId", &input.id)?;
    let email = input.email.filter(|e| !e.is_empty()).map(|e| validate::email("email", &e)).transpose()?;
    let phone = input.phone.filter(|p| !p.is_empty());
    if let Some(p) = &phone {
        validate::phone("phone", p)?;
    }
    let name = input.name.unwrap_or_default();
    validate::name("name", &name)?;
    let password = match input.password {
        Some(Secret::Plain(p)) => {
            validate::password("password", &p)?;
            Some(hash_password(app, p).await?)
        }
        Some(Secret::Imported(h)) => Some(h),
        None => None,
    };
    let now = now_ms();
    let user = UserRecord {
        project_id: project.to_owned(),
        id,
        name,
        email,
        phone,
        password_update: if password.is_some() { now } else { 0 },
        password,
        registration: now,
        status: true,
        labels: Vec::new(),
        email_verification: false,
        phone_verification: false,
        mfa: false,
        prefs: Map::new(),
        accessed_at: now,
        impersonator: false,
        created_at: now,
        updated_at: now,
    };
    app.store.create_user(user.clone()).await.map_err(|e| match e {
        StoreError::Conflict(_) => Error::new(ErrorType::UserAlreadyExists),
        other => Error::internal(other),
    })?;
    Ok(user)
}

/// Writes a changed user, mapping unique-constraint failures to Appwrite's errors.
pub(crate) async fn store_update(app: &App, user: UserRecord) -> Result<()> {
    app.store.update_user(user).await.map_err(|e| match e {
        StoreError::Conflict("email") => Error::new(ErrorType::UserEmailAlreadyExists),
        StoreError::Conflict("phone") => Error::new(ErrorType::UserPhoneAlreadyExists),
        StoreError::Conflict(_) => Error::new(ErrorType::UserAlreadyExists),
        StoreError::NotFound(_) => Error::new(ErrorType::UserNotFound),
        other => Error::internal(other),
    })
}

/// Hashes a new password with Argon2id on the bounded CPU pool.
pub(crate) async fn hash_password(app: &App, plain: String) -> Result<PasswordHash> {
    app.cpu(move || password::hash_new(&plain)).await?.map_err(Error::internal)
}

pub(crate) fn sign_jwt(app: &App, project: &str, user: &str, session: &str, secs: i64) -> Result<models::Jwt> {
    let claims = AccountClaims {
        user_id: user.to_owned(),
        session_id: session.to_owned(),
        project_id: project.to_owned(),
        exp: now_ms() / 1000 + secs,
    };
    let jwt = jwt::sign(app.secret(), &claims).map_err(Error::internal)?;
    Ok(models::Jwt { jwt })
}

pub(crate) async fn logs_of(app: &App, u: &UserRecord, limit: u64, offset: u64) -> Result<models::List<models::Log>> {
    let page = app.store.list_logs(&u.project_id, &u.id, limit, offset).await.map_err(Error::internal)?;
    let items = page.items.iter().map(|l| views::log(l, u)).collect();
    Ok(models::List { field: "logs", total: page.total, items })
}

async fn load(app: &App, caller: &Caller, id: &str) -> Result<UserRecord> {
    if id.len() > oxwrite_types::id::MAX_ID_LEN {
        return Err(ErrorType::UserNotFound.into());
    }
    app.store
        .get_user(&caller.project.id, id)
        .await
        .map_err(Error::internal)?
        .ok_or_else(|| Error::new(ErrorType::UserNotFound))
}

pub async fn list(app: &App, caller: &Caller, input: ListInput) -> Result<models::List<models::User>> {
    let params: ListParams = lists::params(input, query::USERS_QUERY_ATTRIBUTES)?;
    let page = app.store.list_users(&caller.project.id, params).await.map_err(list_error)?;
    let items = page.items.iter().map(|u| views::user(u, true)).collect();
    Ok(models::List { field: "users", total: page.total, items })
}

/// Maps list failures: a cursor naming a missing row is the client's error.
pub(crate) fn list_error(e: StoreError) -> Error {
    match e {
        StoreError::NotFound(_) => Error::msg(ErrorType::GeneralCursorNotFound, "Cursor not found"),
        StoreError::InvalidQuery(m) => Error::invalid_param("queries", &format!("Invalid query: {m}")),
        other => Error::internal(other),
    }
}

pub async fn create(app: &App, caller: &Caller, input: NewUser, meta: &RequestMeta) -> Result<models::User> {
    let user = insert(app, &caller.project.id, input).await?;
    sessions::audit(app, &user, "user.create", meta).await;
    Ok(views::user(&user, true))
}

/// The hash-import creates (`createArgon2User`, `createBcryptUser`, …): `hash` was already
/// parsed and validated by [`PasswordHash`]'s constructors.
pub async fn create_imported(
    app: &App,
    caller: &Caller,
    id: String,
    email: String,
    name: Option<String>,
    hash: PasswordHash,
    meta: &RequestMeta,
) -> Result<models::User> {
    let input = NewUser { id, email: Some(email), phone: None, name, password: Some(Secret::Imported(hash)) };
    create(app, caller, input, meta).await
}

pub async fn get(app: &App, caller: &Caller, id: &str) -> Result<models::User> {
    Ok(views::user(&load(app, caller, id).await?, true))
}

pub async fn delete(app: &App, caller: &Caller, id: &str) -> Result<()> {
    let u = load(app, caller, id).await?;
    app.store.delete_user(&u.project_id, &u.id).await.map_err(Error::internal)?;
    Ok(())
}

/// Applies `change` to the user and saves it; the shared shape of every `users.update*`.
async fn update<F>(app: &App, caller: &Caller, id: &str, change: F) -> Result<models::User>
where
    F: FnOnce(&mut UserRecord),
{
    let mut u = load(app, caller, id).await?;
    change(&mut u);
    u.updated_at = now_ms();
    store_update(app, u.clone()).await?;
    Ok(views::user(&u, true))
}

pub async fn update_name(app: &App, caller: &Caller, id: &str, name: String) -> Result<models::User> {
    validate::name("name", &name)?;
    update(app, caller, id, |u| u.name = name).await
}

pub async fn update_email(app: &App, caller: &Caller, id: &str, email: String) -> Result<models::User> {
    // Appwrite allows clearing the email with an empty string.
    let email = if email.is_empty() { None } else { Some(validate::email("email", &email)?) };
    update(app, caller, id, |u| {
        if u.email != email {
            u.email_verification = false;
        }
        u.email = email;
    })
    .await
}

pub async fn update_phone(app: &App, caller: &Caller, id: &str, phone: String) -> Result<models::User> {
    let phone = if phone.is_empty() { None } else { Some(phone) };
    if let Some(p) = &phone {
        validate::phone("number", p)?;
    }
    update(app, caller, id, |u| {
        if u.phone != phone {
            u.phone_verification = false;
        }
        u.phone = phone;
    })
    .await
}

pub async fn update_password(app: &App, caller: &Caller, id: &str, plain: String) -> Result<models::User> {
    // An empty password removes it (the user can then only sign in by other means).
    let hash = if plain.is_empty() {
        None
    } else {
        validate::password("password", &plain)?;
        Some(hash_password(app, plain).await?)
    };
    update(app, caller, id, |u| {
        u.password = hash;
        u.password_update = now_ms();
    })
    .await
}

pub async fn update_status(app: &App, caller: &Caller, id: &str, status: bool) -> Result<models::User> {
    update(app, caller, id, |u| u.status = status).await
}

pub async fn update_labels(app: &App, caller: &Caller, id: &str, mut labels: Vec<String>) -> Result<models::User> {
    validate::labels("labels", &labels)?;
    let mut seen = std::collections::HashSet::new();
    labels.retain(|l| seen.insert(l.clone()));
    update(app, caller, id, |u| u.labels = labels).await
}

pub async fn update_email_verification(app: &App, caller: &Caller, id: &str, v: bool) -> Result<models::User> {
    update(app, caller, id, |u| u.email_verification = v).await
}

pub async fn update_phone_verification(app: &App, caller: &Caller, id: &str, v: bool) -> Result<models::User> {
    update(app, caller, id, |u| u.phone_verification = v).await
}

pub async fn update_impersonator(app: &App, caller: &Caller, id: &str, v: bool) -> Result<models::User> {
    update(app, caller, id, |u| u.impersonator = v).await
}

pub async fn get_prefs(app: &App, caller: &Caller, id: &str) -> Result<Map<String, Value>> {
    Ok(load(app, caller, id).await?.prefs)
}

pub async fn update_prefs(app: &App, caller: &Caller, id: &str, prefs: Map<String, Value>) -> Result<Map<String, Value>> {
    validate::prefs("prefs", &prefs)?;
    let out = prefs.clone();
    update(app, caller, id, |u| u.prefs = prefs).await?;
    Ok(out)
}

pub async fn list_sessions(app: &App, caller: &Caller, id: &str) -> Result<models::List<models::Session>> {
    let u = load(app, caller, id).await?;
    let list = app.store.list_sessions(&u.project_id, &u.id).await.map_err(Error::internal)?;
    let items: Vec<_> = list.iter().map(|s| views::session(s, false, String::new())).collect();
    Ok(models::List { field: "sessions", total: items.len() as u64, items })
}

/// `POST /users/{id}/sessions`: the SSR admin flow; the key caller gets the session blob.
pub async fn create_session(app: &App, caller: &Caller, id: &str, meta: &RequestMeta) -> Result<Issued> {
    let u = load(app, caller, id).await?;
    sessions::issue(app, caller, &u, "server", &["server"], meta).await
}

pub async fn delete_sessions(app: &App, caller: &Caller, id: &str) -> Result<()> {
    let u = load(app, caller, id).await?;
    app.store.delete_sessions(&u.project_id, &u.id).await.map_err(Error::internal)?;
    Ok(())
}

pub async fn delete_session(app: &App, caller: &Caller, id: &str, session: &str) -> Result<()> {
    let u = load(app, caller, id).await?;
    if !app.store.delete_session(&u.project_id, &u.id, session).await.map_err(Error::internal)? {
        return Err(ErrorType::UserSessionNotFound.into());
    }
    Ok(())
}

pub const TOKEN_DEFAULT_LENGTH: usize = 6;
pub const TOKEN_DEFAULT_EXPIRE: i64 = 900;

/// `POST /users/{id}/tokens`: a secret the user can exchange at `POST /account/sessions/token`.
pub async fn create_token(
    app: &App,
    caller: &Caller,
    id: &str,
    length: Option<i64>,
    expire: Option<i64>,
) -> Result<models::Token> {
    let length = length.unwrap_or(TOKEN_DEFAULT_LENGTH as i64);
    if !(4..=128).contains(&length) {
        return Err(Error::invalid_param("length", "Value must be a valid range between 4 and 128"));
    }
    let expire = expire.unwrap_or(TOKEN_DEFAULT_EXPIRE);
    if !(60..=31_536_000).contains(&expire) {
        return Err(Error::invalid_param("expire", "Value must be a valid range between 60 and 31,536,000"));
    }
    let u = load(app, caller, id).await?;
    let mut secret = secrets::random_hex(64);
    secret.truncate(length as usize);
    let now = now_ms();
    let token = TokenRecord {
        project_id: u.project_id.clone(),
        id: secrets::unique_id(),
        user_id: u.id.clone(),
        kind: TokenKind::Session,
        secret_hash: secrets::sha256_hex(&secret),
        expire: now + expire * 1000,
        created_at: now,
    };
    app.store.create_token(token.clone()).await.map_err(Error::internal)?;
    Ok(models::Token {
        id: token.id,
        created_at: oxwrite_types::time::format_millis_opt(now),
        user_id: u.id,
        secret,
        expire: oxwrite_types::time::format_millis_opt(token.expire),
        phrase: String::new(),
    })
}

/// `POST /users/{id}/jwts`: `session` is an id or `recent` (the newest session; none is
/// allowed and yields a JWT tied to no session).
pub async fn create_jwt(
    app: &App,
    caller: &Caller,
    id: &str,
    session: Option<String>,
    duration: Option<i64>,
) -> Result<models::Jwt> {
    let duration = duration.unwrap_or(crate::services::account::JWT_DEFAULT_SECS);
    if !(0..=crate::services::account::JWT_MAX_SECS).contains(&duration) {
        return Err(Error::invalid_param("duration", "Value must be a valid range between 0 and 3,600"));
    }
    let u = load(app, caller, id).await?;
    let sessions = app.store.list_sessions(&u.project_id, &u.id).await.map_err(Error::internal)?;
    let session_id = match session.as_deref() {
        None | Some("") | Some("recent") => {
            sessions.iter().max_by_key(|s| s.created_at).map(|s| s.id.clone()).unwrap_or_default()
        }
        Some(sid) => sessions
            .iter()
            .find(|s| s.id == sid)
            .map(|s| s.id.clone())
            .ok_or_else(|| Error::new(ErrorType::UserSessionNotFound))?,
    };
    sign_jwt(app, &u.project_id, &u.id, &session_id, duration)
}

pub async fn list_memberships(
    app: &App,
    caller: &Caller,
    id: &str,
    input: ListInput,
) -> Result<models::List<models::Membership>> {
    let u = load(app, caller, id).await?;
    let params = lists::params(input, query::MEMBERSHIPS_QUERY_ATTRIBUTES)?;
    let page = app
        .store
        .list_memberships(&u.project_id, None, Some(&u.id), params)
        .await
        .map_err(list_error)?;
    let items = page.items.iter().map(views::membership).collect();
    Ok(models::List { field: "memberships", total: page.total, items })
}

pub async fn list_logs(app: &App, caller: &Caller, id: &str, limit: u64, offset: u64) -> Result<models::List<models::Log>> {
    let u = load(app, caller, id).await?;
    logs_of(app, &u, limit, offset).await
}
