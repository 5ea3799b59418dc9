//! Row ↔ record mapping for the system tables, and driver-error conversion. JSON columns
//! (scopes, labels, prefs, roles, password hash) are stored as text.

use oxwrite_core::password::PasswordHash;
use oxwrite_core::ports::StoreError;
use oxwrite_core::records::{
    KeyRecord, LogRecord, MembershipRecord, MembershipView, PlatformRecord, ProjectRecord,
    SessionRecord, TeamRecord, TokenKind, TokenRecord, UserRecord,
};
use oxwrite_types::models::PlatformKind;
use rusqlite::Row;
use serde_json::{Map, Value};

pub fn internal(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}

/// Maps a unique-constraint failure to `Conflict(<which>)`; anything else is internal.
pub fn write_error(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, Some(msg)) = &e
        && f.code == rusqlite::ErrorCode::ConstraintViolation && msg.contains("UNIQUE") {
            let which = if msg.contains(".email") {
                "email"
            } else if msg.contains(".phone") {
                "phone"
            } else if msg.contains(".secret_hash") {
                "secret"
            } else if msg.contains(".user_id") {
                "user"
            } else {
                "id"
            };
            return StoreError::Conflict(which);
        }
    internal(e)
}

/// The one row `sql` finds, mapped by `f`.
pub(crate) fn one<T>(
    conn: &rusqlite::Connection,
    sql: &str,
    p: impl rusqlite::Params,
    f: fn(&Row) -> rusqlite::Result<T>,
) -> Result<Option<T>, StoreError> {
    use rusqlite::OptionalExtension;
    conn.prepare_cached(sql).map_err(internal)?.query_row(p, f).optional().map_err(internal)
}

/// Every row `sql` finds, mapped by `f`.
pub(crate) fn all<T>(
    conn: &rusqlite::Connection,
    sql: &str,
    p: impl rusqlite::Params,
    f: fn(&Row) -> rusqlite::Result<T>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(internal)?;
    let rows = stmt.query_map(p, f).map_err(internal)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(internal)
}

/// The condition (and its arguments) that keeps only items whose permissions (a JSON array of
/// normalized strings in `column`) grant `read` to one of `roles`.
pub(crate) fn readable_by(column: &str, roles: &[String]) -> (String, Vec<rusqlite::types::Value>) {
    let marks = vec!["?"; roles.len().max(1)].join(", ");
    let sql = format!(" AND EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value IN ({marks}))");
    let mut args: Vec<rusqlite::types::Value> = roles.iter().map(|r| rusqlite::types::Value::Text(format!("read(\"{r}\")"))).collect();
    if args.is_empty() {
        args.push(rusqlite::types::Value::Null);
    }
    (sql, args)
}

pub fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

pub(crate) fn strings(s: String) -> Vec<String> {
    serde_json::from_str(&s).unwrap_or_default()
}

fn object(s: String) -> Map<String, Value> {
    serde_json::from_str(&s).unwrap_or_default()
}

pub const PROJECT_COLS: &str = "id, name, created_at, updated_at";

pub fn project(r: &Row) -> rusqlite::Result<ProjectRecord> {
    Ok(ProjectRecord { id: r.get(0)?, name: r.get(1)?, created_at: r.get(2)?, updated_at: r.get(3)? })
}

pub const KEY_COLS: &str =
    "project_id, id, name, scopes, secret_hash, expire, accessed_at, sdks, created_at, updated_at";

pub fn key(r: &Row) -> rusqlite::Result<KeyRecord> {
    Ok(KeyRecord {
        project_id: r.get(0)?,
        id: r.get(1)?,
        name: r.get(2)?,
        scopes: strings(r.get(3)?),
        secret_hash: r.get(4)?,
        expire: r.get(5)?,
        accessed_at: r.get(6)?,
        sdks: strings(r.get(7)?),
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
    })
}

pub const PLATFORM_COLS: &str = "project_id, id, kind, name, identifier, created_at, updated_at";

pub fn platform(r: &Row) -> rusqlite::Result<PlatformRecord> {
    let kind: String = r.get(2)?;
    Ok(PlatformRecord {
        project_id: r.get(0)?,
        id: r.get(1)?,
        kind: PlatformKind::parse(&kind).unwrap_or(PlatformKind::Web),
        name: r.get(3)?,
        identifier: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

pub const USER_COLS: &str = "project_id, id, name, email, phone, password, password_update, registration, status, labels, email_verification, phone_verification, mfa, prefs, accessed_at, impersonator, created_at, updated_at";

pub fn user(r: &Row) -> rusqlite::Result<UserRecord> {
    let password: Option<String> = r.get(5)?;
    Ok(UserRecord {
        project_id: r.get(0)?,
        id: r.get(1)?,
        name: r.get(2)?,
        email: r.get(3)?,
        phone: r.get(4)?,
        password: password.and_then(|p| serde_json::from_str::<PasswordHash>(&p).ok()),
        password_update: r.get(6)?,
        registration: r.get(7)?,
        status: r.get(8)?,
        labels: strings(r.get(9)?),
        email_verification: r.get(10)?,
        phone_verification: r.get(11)?,
        mfa: r.get(12)?,
        prefs: object(r.get(13)?),
        accessed_at: r.get(14)?,
        impersonator: r.get(15)?,
        created_at: r.get(16)?,
        updated_at: r.get(17)?,
    })
}

/// The text the users `search` parameter matches against.
pub fn user_search(u: &UserRecord) -> String {
    [Some(u.id.as_str()), Some(u.name.as_str()), u.email.as_deref(), u.phone.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

pub const SESSION_COLS: &str = "project_id, id, user_id, secret_hash, provider, provider_uid, factors, expire, ip, user_agent, created_at, updated_at";

pub fn session(r: &Row) -> rusqlite::Result<SessionRecord> {
    Ok(SessionRecord {
        project_id: r.get(0)?,
        id: r.get(1)?,
        user_id: r.get(2)?,
        secret_hash: r.get(3)?,
        provider: r.get(4)?,
        provider_uid: r.get(5)?,
        factors: strings(r.get(6)?),
        expire: r.get(7)?,
        ip: r.get(8)?,
        user_agent: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
    })
}

pub const TOKEN_COLS: &str = "project_id, id, user_id, kind, secret_hash, expire, created_at";

pub fn token(r: &Row) -> rusqlite::Result<TokenRecord> {
    let kind: String = r.get(3)?;
    Ok(TokenRecord {
        project_id: r.get(0)?,
        id: r.get(1)?,
        user_id: r.get(2)?,
        kind: TokenKind::parse(&kind).unwrap_or(TokenKind::Session),
        secret_hash: r.get(4)?,
        expire: r.get(5)?,
        created_at: r.get(6)?,
    })
}

pub const TEAM_COLS: &str = "project_id, id, name, total, prefs, created_at, updated_at";

pub fn team(r: &Row) -> rusqlite::Result<TeamRecord> {
    let total: i64 = r.get(3)?;
    Ok(TeamRecord {
        project_id: r.get(0)?,
        id: r.get(1)?,
        name: r.get(2)?,
        total: total.max(0) as u64,
        prefs: object(r.get(4)?),
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

pub const MEMBERSHIP_COLS: &str = "m.project_id, m.id, m.team_id, m.user_id, m.roles, m.invited, m.joined, m.confirm, m.secret_hash, m.created_at, m.updated_at";

pub fn membership(r: &Row) -> rusqlite::Result<MembershipRecord> {
    Ok(MembershipRecord {
        project_id: r.get(0)?,
        id: r.get(1)?,
        team_id: r.get(2)?,
        user_id: r.get(3)?,
        roles: strings(r.get(4)?),
        invited: r.get(5)?,
        joined: r.get(6)?,
        confirm: r.get(7)?,
        secret_hash: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
    })
}

/// Membership columns followed by the joined user and team names (see [`membership_view`]).
pub const MEMBERSHIP_VIEW_COLS: &str = "m.project_id, m.id, m.team_id, m.user_id, m.roles, m.invited, m.joined, m.confirm, m.secret_hash, m.created_at, m.updated_at, u.name, u.email, u.phone, u.mfa, t.name";
pub const MEMBERSHIP_VIEW_FROM: &str = "memberships m JOIN users u ON u.project_id = m.project_id AND u.id = m.user_id JOIN teams t ON t.project_id = m.project_id AND t.id = m.team_id";

pub fn membership_view(r: &Row) -> rusqlite::Result<MembershipView> {
    let email: Option<String> = r.get(12)?;
    let phone: Option<String> = r.get(13)?;
    Ok(MembershipView {
        membership: membership(r)?,
        user_name: r.get(11)?,
        user_email: email.unwrap_or_default(),
        user_phone: phone.unwrap_or_default(),
        user_mfa: r.get(14)?,
        team_name: r.get(15)?,
    })
}

pub const LOG_COLS: &str = "project_id, user_id, event, ip, user_agent, mode, user_type, time";

pub fn log(r: &Row) -> rusqlite::Result<LogRecord> {
    Ok(LogRecord {
        project_id: r.get(0)?,
        user_id: r.get(1)?,
        event: r.get(2)?,
        ip: r.get(3)?,
        user_agent: r.get(4)?,
        mode: r.get(5)?,
        user_type: r.get(6)?,
        time: r.get(7)?,
    })
}
