//! The account service: what a signed-in user (or a guest signing in) does to their own
//! account and sessions. Every function here acts on the caller's own user only.

use oxwrite_types::{ErrorType, models};
use serde_json::{Map, Value};

use crate::app::{App, now_ms};
use crate::caller::Caller;
use crate::password;
use crate::records::{TokenKind, UserRecord};
use crate::services::sessions::{self, Issued, RequestMeta};
use crate::services::users::{self, NewUser};
use crate::{Error, Result, secrets, validate, views};

fn me(caller: &Caller) -> Result<&UserRecord> {
    caller.user.as_ref().ok_or_else(|| Error::new(ErrorType::UserUnauthorized))
}

fn account_model(caller: &Caller, u: &UserRecord) -> models::User {
    let mut m = views::user(u, false);
    m.impersonator_user_id = caller.impersonator_user_id.clone();
    m
}

/// Session routes refuse a request that is already signed in.
fn no_session(caller: &Caller) -> Result<()> {
    if caller.session.is_some() {
        return Err(ErrorType::UserSessionAlreadyExists.into());
    }
    Ok(())
}

pub async fn get(caller: &Caller) -> Result<models::User> {
    Ok(account_model(caller, me(caller)?))
}

pub struct Create {
    pub user_id: String,
    pub email: String,
    pub password: String,
    pub name: Option<String>,
}

pub async fn create(app: &App, caller: &Caller, input: Create, meta: &RequestMeta) -> Result<models::User> {
    let user = users::insert(
        app,
        &caller.project.id,
        NewUser::with_password(input.user_id, Some(input.email), None, input.name, input.password),
    )
    .await?;
    sessions::audit(app, &user, "user.create", meta).await;
    Ok(account_model(caller, &user))
}

pub async fn update_name(app: &App, caller: &Caller, name: String) -> Result<models::User> {
    validate::name("name", &name)?;
    let mut u = me(caller)?.clone();
    u.name = name;
    save(app, caller, u).await
}

pub async fn update_email(app: &App, caller: &Caller, email: String, pass: String) -> Result<models::User> {
    let email = validate::email("email", &email)?;
    let mut u = me(caller)?.clone();
    check_password(app, &u, &pass).await?;
    u.email = Some(email);
    u.email_verification = false;
    save(app, caller, u).await
}

pub async fn update_phone(app: &App, caller: &Caller, phone: String, pass: String) -> Result<models::User> {
    validate::phone("phone", &phone)?;
    let mut u = me(caller)?.clone();
    check_password(app, &u, &pass).await?;
    u.phone = Some(phone);
    u.phone_verification = false;
    save(app, caller, u).await
}

pub async fn update_password(app: &App, caller: &Caller, new: String, old: Option<String>) -> Result<models::User> {
    validate::password("password", &new)?;
    let mut u = me(caller)?.clone();
    if u.password.is_some() {
        check_password(app, &u, old.as_deref().unwrap_or("")).await?;
    }
    u.password = Some(users::hash_password(app, new).await?);
    u.password_update = now_ms();
    save(app, caller, u).await
}

pub async fn get_prefs(caller: &Caller) -> Result<Map<String, Value>> {
    Ok(me(caller)?.prefs.clone())
}

pub async fn update_prefs(app: &App, caller: &Caller, prefs: Map<String, Value>) -> Result<models::User> {
    validate::prefs("prefs", &prefs)?;
    let mut u = me(caller)?.clone();
    u.prefs = prefs;
    save(app, caller, u).await
}

/// Blocks the caller's own account and ends all its sessions.
pub async fn update_status(app: &App, caller: &Caller) -> Result<models::User> {
    let mut u = me(caller)?.clone();
    u.status = false;
    let model = save(app, caller, u.clone()).await?;
    app.store.delete_sessions(&u.project_id, &u.id).await.map_err(Error::internal)?;
    Ok(model)
}

async fn save(app: &App, caller: &Caller, mut u: UserRecord) -> Result<models::User> {
    u.updated_at = now_ms();
    users::store_update(app, u.clone()).await?;
    Ok(account_model(caller, &u))
}

/// Verifies the user's current password (users without one pass), as email, phone and
/// password changes require.
async fn check_password(app: &App, u: &UserRecord, pass: &str) -> Result<()> {
    if let Some(hash) = u.password.clone() {
        let pass = pass.to_owned();
        if !app.cpu(move || password::verify(&hash, &pass)).await? {
            return Err(ErrorType::UserInvalidCredentials.into());
        }
    }
    Ok(())
}

pub async fn create_email_password_session(
    app: &App,
    caller: &Caller,
    email: String,
    pass: String,
    meta: &RequestMeta,
) -> Result<Issued> {
    no_session(caller)?;
    let email = validate::email("email", &email)?;
    validate::password("password", &pass)?;
    let found = app.store.find_user_by_email(&caller.project.id, &email).await.map_err(Error::internal)?;
    let Some(mut user) = found else {
        // Hash anyway so a missing account costs the same time as a wrong password.
        let _ = users::hash_password(app, pass).await;
        return Err(ErrorType::UserInvalidCredentials.into());
    };
    let Some(hash) = user.password.clone() else {
        return Err(ErrorType::UserInvalidCredentials.into());
    };
    let candidate = pass.clone();
    let ok = app.cpu(move || password::verify(&hash, &candidate)).await?;
    if !ok {
        return Err(ErrorType::UserInvalidCredentials.into());
    }
    if !user.status {
        return Err(ErrorType::UserBlocked.into());
    }
    if user.password.as_ref().is_some_and(password::needs_rehash) {
        // Imported hashes are upgraded to Argon2id on the first successful login.
        user.password = Some(users::hash_password(app, pass).await?);
        user.updated_at = now_ms();
        users::store_update(app, user.clone()).await?;
    }
    sessions::issue(app, caller, &user, "email", &["password"], meta).await
}

pub async fn create_anonymous_session(app: &App, caller: &Caller, meta: &RequestMeta) -> Result<Issued> {
    no_session(caller)?;
    let user = users::insert(app, &caller.project.id, NewUser::anonymous()).await?;
    sessions::audit(app, &user, "user.create", meta).await;
    sessions::issue(app, caller, &user, "anonymous", &["anonymous"], meta).await
}

/// `POST /account/sessions/token`: exchanges a token from `users.createToken` for a session.
pub async fn create_session(
    app: &App,
    caller: &Caller,
    user_id: String,
    secret: String,
    meta: &RequestMeta,
) -> Result<Issued> {
    no_session(caller)?;
    oxwrite_types::id::validate_custom_id(&user_id).map_err(|e| Error::invalid_param("userId", &e.to_string()))?;
    if secret.is_empty() || secret.len() > 512 {
        return Err(Error::invalid_param("secret", "Value must be a valid string and at least 1 chars and no longer than 512 chars"));
    }
    let project = &caller.project.id;
    let user = app.store.get_user(project, &user_id).await.map_err(Error::internal)?;
    let Some(user) = user else {
        return Err(ErrorType::UserInvalidToken.into());
    };
    let hash = secrets::sha256_hex(&secret);
    let token = app
        .store
        .take_token(project, &user.id, TokenKind::Session, &hash, now_ms())
        .await
        .map_err(Error::internal)?;
    if token.is_none() {
        return Err(ErrorType::UserInvalidToken.into());
    }
    if !user.status {
        return Err(ErrorType::UserBlocked.into());
    }
    sessions::issue(app, caller, &user, "token", &["token"], meta).await
}

pub async fn list_sessions(app: &App, caller: &Caller) -> Result<models::List<models::Session>> {
    let u = me(caller)?;
    let current = caller.session.as_ref().map(|s| s.id.as_str());
    let list = app.store.list_sessions(&u.project_id, &u.id).await.map_err(Error::internal)?;
    let items: Vec<_> = list
        .iter()
        .map(|s| views::session(s, Some(s.id.as_str()) == current, String::new()))
        .collect();
    Ok(models::List { field: "sessions", total: items.len() as u64, items })
}

/// Resolves `current` to the caller's session id.
fn session_id<'a>(caller: &'a Caller, id: &'a str) -> Result<&'a str> {
    if id == "current" {
        return caller
            .session
            .as_ref()
            .map(|s| s.id.as_str())
            .ok_or_else(|| Error::new(ErrorType::UserSessionNotFound));
    }
    Ok(id)
}

pub async fn get_session(app: &App, caller: &Caller, id: &str) -> Result<models::Session> {
    let u = me(caller)?;
    let id = session_id(caller, id)?;
    let s = app.store.get_session(&u.project_id, &u.id, id).await.map_err(Error::internal)?;
    let s = s.ok_or_else(|| Error::new(ErrorType::UserSessionNotFound))?;
    let current = caller.session.as_ref().is_some_and(|c| c.id == s.id);
    Ok(views::session(&s, current, String::new()))
}

/// Extends a session to a full lifetime from now (Appwrite also refreshes OAuth tokens here).
pub async fn update_session(app: &App, caller: &Caller, id: &str) -> Result<models::Session> {
    let u = me(caller)?;
    let id = session_id(caller, id)?;
    let s = app.store.get_session(&u.project_id, &u.id, id).await.map_err(Error::internal)?;
    let mut s = s.ok_or_else(|| Error::new(ErrorType::UserSessionNotFound))?;
    let now = now_ms();
    s.expire = now + app.config.session_duration * 1000;
    s.updated_at = now;
    app.store.update_session(s.clone()).await.map_err(Error::internal)?;
    let current = caller.session.as_ref().is_some_and(|c| c.id == s.id);
    Ok(views::session(&s, current, String::new()))
}

/// Deletes one session; returns whether it was the caller's current one (cookies to clear).
pub async fn delete_session(app: &App, caller: &Caller, id: &str, meta: &RequestMeta) -> Result<bool> {
    let u = me(caller)?;
    let id = session_id(caller, id)?;
    if !app.store.delete_session(&u.project_id, &u.id, id).await.map_err(Error::internal)? {
        return Err(ErrorType::UserSessionNotFound.into());
    }
    sessions::audit(app, u, "session.delete", meta).await;
    Ok(caller.session.as_ref().is_some_and(|c| c.id == id))
}

pub async fn delete_sessions(app: &App, caller: &Caller, meta: &RequestMeta) -> Result<()> {
    let u = me(caller)?;
    app.store.delete_sessions(&u.project_id, &u.id).await.map_err(Error::internal)?;
    sessions::audit(app, u, "session.delete", meta).await;
    Ok(())
}

pub const JWT_DEFAULT_SECS: i64 = 900;
pub const JWT_MAX_SECS: i64 = 3600;

pub async fn create_jwt(app: &App, caller: &Caller, duration: Option<i64>) -> Result<models::Jwt> {
    let u = me(caller)?;
    let duration = duration.unwrap_or(JWT_DEFAULT_SECS);
    if !(0..=JWT_MAX_SECS).contains(&duration) {
        return Err(Error::invalid_param("duration", "Value must be a valid range between 0 and 3,600"));
    }
    let session = caller.session.as_ref().ok_or_else(|| Error::new(ErrorType::UserSessionNotFound))?;
    users::sign_jwt(app, &caller.project.id, &u.id, &session.id, duration)
}

/// Identities of the caller (or, for `users.listIdentities`, of the project): always empty,
/// because identities come from OAuth2 logins, which this server does not offer yet.
pub fn list_identities() -> models::List<models::Identity> {
    models::List { field: "identities", total: 0, items: Vec::new() }
}

pub async fn list_logs(app: &App, caller: &Caller, limit: u64, offset: u64) -> Result<models::List<models::Log>> {
    let u = me(caller)?;
    users::logs_of(app, u, limit, offset).await
}
