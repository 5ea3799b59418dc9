//! [`Store`] on SQLite. Each method is one closure on the writer (one savepoint inside a
//! group commit) or on a reader; no driver type leaves this crate.

use std::path::Path;

use async_trait::async_trait;
use oxwrite_core::ports::{
    ListParams, Page, Principal, RowOp, RowQuery, SchemaChange, SessionLookup, Store, StoreError, StoreResult,
};
use oxwrite_core::records::{
    BucketRecord, DatabaseRecord, DeploymentRecord, ExecutionRecord, FileRecord, FunctionRecord, ResourceTokenRecord, VariableRecord, KeyRecord, LogRecord, MembershipRecord, MembershipView, PlatformRecord, ProjectRecord,
    DeliveryRecord, RowRecord, SessionRecord, TableRecord, TeamRecord, TokenKind, TokenRecord, TransactionRecord, UserRecord,
    WebhookRecord,
};
use rusqlite::{Connection, params};

use crate::db::Db;
use crate::listing::{self, Listing};
use crate::rows::{self, all, internal, json, one, write_error};
use crate::cache::SchemaCache;
use crate::{compute, storage, tables};

pub struct SqliteStore {
    db: Db,
    schema: SchemaCache,
}

impl SqliteStore {
    /// Opens `<dir>/oxwrite.db`, creating and migrating it as needed.
    pub fn open(dir: &Path) -> StoreResult<Self> {
        let readers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(2, 8);
        Ok(Self { db: Db::open(&dir.join("oxwrite.db"), readers)?, schema: SchemaCache::default() })
    }
}

fn user_by(conn: &Connection, column: &str, project: &str, value: &str) -> StoreResult<Option<UserRecord>> {
    let sql = format!("SELECT {} FROM users WHERE project_id = ?1 AND {column} = ?2", rows::USER_COLS);
    one(conn, &sql, params![project, value], rows::user)
}

fn confirmed_memberships(conn: &Connection, project: &str, user: &str) -> StoreResult<Vec<MembershipRecord>> {
    let sql = format!("SELECT {} FROM memberships m WHERE m.project_id = ?1 AND m.user_id = ?2 AND m.confirm = 1", rows::MEMBERSHIP_COLS);
    all(conn, &sql, params![project, user], rows::membership)
}

const USERS_LISTING: Listing = Listing {
    alias: "users",
    columns: &[
        ("$id", "id", listing::Kind::Text),
        ("$createdAt", "created_at", listing::Kind::Datetime),
        ("$updatedAt", "updated_at", listing::Kind::Datetime),
        ("$sequence", "seq", listing::Kind::Int),
        ("name", "name", listing::Kind::Text),
        ("email", "email", listing::Kind::Text),
        ("phone", "phone", listing::Kind::Text),
        ("status", "status", listing::Kind::Bool),
        ("passwordUpdate", "password_update", listing::Kind::Datetime),
        ("registration", "registration", listing::Kind::Datetime),
        ("emailVerification", "email_verification", listing::Kind::Bool),
        ("phoneVerification", "phone_verification", listing::Kind::Bool),
        ("labels", "labels", listing::Kind::JsonArray),
        ("impersonator", "impersonator", listing::Kind::Bool),
        ("accessedAt", "accessed_at", listing::Kind::Datetime),
    ],
    search: "search",
};

const TEAMS_LISTING: Listing = Listing {
    alias: "teams",
    columns: &[
        ("$id", "id", listing::Kind::Text),
        ("$createdAt", "created_at", listing::Kind::Datetime),
        ("$updatedAt", "updated_at", listing::Kind::Datetime),
        ("$sequence", "seq", listing::Kind::Int),
        ("name", "name", listing::Kind::Text),
        ("total", "total", listing::Kind::Int),
    ],
    search: "name",
};

const MEMBERSHIPS_LISTING: Listing = Listing {
    alias: "m",
    columns: &[
        ("$id", "m.id", listing::Kind::Text),
        ("$createdAt", "m.created_at", listing::Kind::Datetime),
        ("$updatedAt", "m.updated_at", listing::Kind::Datetime),
        ("$sequence", "m.seq", listing::Kind::Int),
        ("userId", "m.user_id", listing::Kind::Text),
        ("teamId", "m.team_id", listing::Kind::Text),
        ("invited", "m.invited", listing::Kind::Datetime),
        ("joined", "m.joined", listing::Kind::Datetime),
        ("confirm", "m.confirm", listing::Kind::Bool),
        ("roles", "m.roles", listing::Kind::JsonArray),
        ("userName", "u.name", listing::Kind::Text),
        ("userEmail", "u.email", listing::Kind::Text),
    ],
    search: "(u.name || ' ' || coalesce(u.email, '') || ' ' || m.user_id)",
};

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        self.db.read(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(internal)).await
    }

    async fn create_project(&self, p: ProjectRecord) -> StoreResult<()> {
        self.db
            .write(move |c| {
                c.execute(
                    "INSERT INTO projects (id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?4)",
                    params![p.id, p.name, p.created_at, p.updated_at],
                )
                .map_err(write_error)?;
                Ok(())
            })
            .await
    }

    async fn get_project(&self, id: &str) -> StoreResult<Option<ProjectRecord>> {
        let id = id.to_owned();
        let sql = format!("SELECT {} FROM projects WHERE id = ?1", rows::PROJECT_COLS);
        self.db.read(move |c| one(c, &sql, [id], rows::project)).await
    }

    async fn list_projects(&self) -> StoreResult<Vec<ProjectRecord>> {
        let sql = format!("SELECT {} FROM projects ORDER BY created_at, id", rows::PROJECT_COLS);
        self.db.read(move |c| all(c, &sql, [], rows::project)).await
    }

    async fn create_key(&self, k: KeyRecord) -> StoreResult<()> {
        self.db
            .write(move |c| {
                c.execute(
                    "INSERT INTO keys (project_id, id, name, scopes, secret_hash, expire, accessed_at, sdks, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    params![k.project_id, k.id, k.name, json(&k.scopes), k.secret_hash, k.expire, k.accessed_at, json(&k.sdks), k.created_at, k.updated_at],
                )
                .map_err(write_error)?;
                Ok(())
            })
            .await
    }

    async fn get_key(&self, project: &str, id: &str) -> StoreResult<Option<KeyRecord>> {
        let (p, i) = (project.to_owned(), id.to_owned());
        let sql = format!("SELECT {} FROM keys WHERE project_id = ?1 AND id = ?2", rows::KEY_COLS);
        self.db.read(move |c| one(c, &sql, params![p, i], rows::key)).await
    }

    async fn find_key_by_secret_hash(&self, hash: &str) -> StoreResult<Option<KeyRecord>> {
        let h = hash.to_owned();
        let sql = format!("SELECT {} FROM keys WHERE secret_hash = ?1", rows::KEY_COLS);
        self.db.read(move |c| one(c, &sql, [h], rows::key)).await
    }

    async fn list_keys(&self, project: &str) -> StoreResult<Vec<KeyRecord>> {
        let p = project.to_owned();
        let sql = format!("SELECT {} FROM keys WHERE project_id = ?1 ORDER BY created_at, id", rows::KEY_COLS);
        self.db.read(move |c| all(c, &sql, [p], rows::key)).await
    }

    async fn update_key(&self, k: KeyRecord) -> StoreResult<()> {
        self.db
            .write(move |c| {
                c.execute(
                    "UPDATE keys SET name = ?3, scopes = ?4, expire = ?5, updated_at = ?6 WHERE project_id = ?1 AND id = ?2",
                    params![k.project_id, k.id, k.name, json(&k.scopes), k.expire, k.updated_at],
                )
                .map_err(write_error)?;
                Ok(())
            })
            .await
    }

    async fn touch_key(&self, project: &str, id: &str, at: i64) -> StoreResult<()> {
        let (p, i) = (project.to_owned(), id.to_owned());
        self.db
            .write(move |c| {
                c.execute("UPDATE keys SET accessed_at = ?3 WHERE project_id = ?1 AND id = ?2", params![p, i, at])
                    .map_err(internal)?;
                Ok(())
            })
            .await
    }

    async fn delete_key(&self, project: &str, id: &str) -> StoreResult<bool> {
        let (p, i) = (project.to_owned(), id.to_owned());
        self.db
            .write(move |c| {
                let n = c.execute("DELETE FROM keys WHERE project_id = ?1 AND id = ?2", params![p, i]).map_err(internal)?;
                Ok(n > 0)
            })
            .await
    }

    async fn create_platform(&self, p: PlatformRecord) -> StoreResult<()> {
        self.db
            .write(move |c| {
                c.execute(
                    "INSERT INTO platforms (project_id, id, kind, name, identifier, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![p.project_id, p.id, p.kind.as_str(), p.name, p.identifier, p.created_at, p.updated_at],
                )
                .map_err(write_error)?;
                Ok(())
            })
            .await
    }

    async fn get_platform(&self, project: &str, id: &str) -> StoreResult<Option<PlatformRecord>> {
        let (p, i) = (project.to_owned(), id.to_owned());
        let sql = format!("SELECT {} FROM platforms WHERE project_id = ?1 AND id = ?2", rows::PLATFORM_COLS);
        self.db.read(move |c| one(c, &sql, params![p, i], rows::platform)).await
    }

    async fn list_platforms(&self, project: &str) -> StoreResult<Vec<PlatformRecord>> {
        let p = project.to_owned();
        let sql = format!("SELECT {} FROM platforms WHERE project_id = ?1 ORDER BY created_at, id", rows::PLATFORM_COLS);
        self.db.read(move |c| all(c, &sql, [p], rows::platform)).await
    }

    async fn update_platform(&self, p: PlatformRecord) -> StoreResult<()> {
        self.db
            .write(move |c| {
                c.execute(
                    "UPDATE platforms SET name = ?3, identifier = ?4, updated_at = ?5 WHERE project_id = ?1 AND id = ?2",
                    params![p.project_id, p.id, p.name, p.identifier, p.updated_at],
                )
                .map_err(write_error)?;
                Ok(())
            })
            .await
    }

    async fn delete_platform(&self, project: &str, id: &str) -> StoreResult<bool> {
        let (p, i) = (project.to_owned(), id.to_owned());
        self.db
            .write(move |c| {
                let n = c.execute("DELETE FROM platforms WHERE project_id = ?1 AND id = ?2", params![p, i]).map_err(internal)?;
                Ok(n > 0)
            })
            .await
    }

    async fn create_user(&self, u: UserRecord) -> StoreResult<()> {
        self.db
            .write(move |c| {
                c.execute(
                    &format!("INSERT INTO users ({}, search) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)", rows::USER_COLS),
                    params![
                        u.project_id, u.id, u.name, u.email, u.phone, u.password.as_ref().map(json),
                        u.password_update, u.registration, u.status, json(&u.labels), u.email_verification,
                        u.phone_verification, u.mfa, json(&u.prefs), u.accessed_at, u.impersonator,
                        u.created_at, u.updated_at, rows::user_search(&u)
                    ],
                )
                .map_err(write_error)?;
                Ok(())
            })
            .await
    }

    async fn get_user(&self, project: &str, id: &str) -> StoreResult<Option<UserRecord>> {
        let (p, i) = (project.to_owned(), id.to_owned());
        self.db.read(move |c| user_by(c, "id", &p, &i)).await
    }

    async fn find_user_by_email(&self, project: &str, email: &str) -> StoreResult<Option<UserRecord>> {
        let (p, e) = (project.to_owned(), email.to_lowercase());
        self.db.read(move |c| user_by(c, "email", &p, &e)).await
    }

    async fn find_user_by_phone(&self, project: &str, phone: &str) -> StoreResult<Option<UserRecord>> {
        let (p, ph) = (project.to_owned(), phone.to_owned());
        self.db.read(move |c| user_by(c, "phone", &p, &ph)).await
    }

    async fn update_user(&self, u: UserRecord) -> StoreResult<()> {
        self.db
            .write(move |c| {
                let n = c
                    .execute(
                        "UPDATE users SET name = ?3, email = ?4, phone = ?5, password = ?6, password_update = ?7, status = ?8, labels = ?9, email_verification = ?10, phone_verification = ?11, mfa = ?12, prefs = ?13, accessed_at = ?14, impersonator = ?15, updated_at = ?16, search = ?17 WHERE project_id = ?1 AND id = ?2",
                        params![
                            u.project_id, u.id, u.name, u.email, u.phone, u.password.as_ref().map(json),
                            u.password_update, u.status, json(&u.labels), u.email_verification,
                            u.phone_verification, u.mfa, json(&u.prefs), u.accessed_at, u.impersonator,
                            u.updated_at, rows::user_search(&u)
                        ],
                    )
                    .map_err(write_error)?;
                if n == 0 {
                    return Err(StoreError::NotFound("user"));
                }
                Ok(())
            })
            .await
    }

    async fn delete_user(&self, project: &str, id: &str) -> StoreResult<bool> {
        let (p, i) = (project.to_owned(), id.to_owned());
        // Sessions, tokens and memberships go with the user by ON DELETE CASCADE; team
        // totals follow through the membership triggers.
        self.db
            .write(move |c| {
                let n = c.execute("DELETE FROM users WHERE project_id = ?1 AND id = ?2", params![p, i]).map_err(internal)?;
                Ok(n > 0)
            })
            .await
    }

    async fn list_users(&self, project: &str, params: ListParams) -> StoreResult<Page<UserRecord>> {
        let p = project.to_owned();
        self.db
            .read(move |c| {
                listing::run(c, &USERS_LISTING, rows::USER_COLS, "users", "users.project_id = ?", vec![p.into()], &params, rows::user)
            })
            .await
    }

    async fn load_principal(
        &self,
        project: &str,
        user_id: &str,
        session: SessionLookup<'_>,
        now: i64,
    ) -> StoreResult<Option<Principal>> {
        let (p, u) = (project.to_owned(), user_id.to_owned());
        let lookup = match session {
            SessionLookup::None => None,
            SessionLookup::BySecretHash(h) => Some((true, h.to_owned())),
            SessionLookup::ById(id) => Some((false, id.to_owned())),
        };
        self.db
            .read(move |c| {
                let Some(user) = user_by(c, "id", &p, &u)? else {
                    return Ok(None);
                };
                let session = match lookup {
                    None => None,
                    Some((by_hash, value)) => {
                        let sql = format!("SELECT {} FROM sessions WHERE project_id = ?1 AND user_id = ?2 AND expire >= ?3", rows::SESSION_COLS);
                        let sessions = all(c, &sql, params![p, u, now], rows::session)?;
                        // Compare every candidate in constant time; a user has few sessions.
                        sessions.into_iter().find(|s| {
                            if by_hash {
                                oxwrite_core::secrets::ct_eq(&s.secret_hash, &value)
                            } else {
                                s.id == value
                            }
                        })
                    }
                };
                let memberships = confirmed_memberships(c, &p, &u)?;
                Ok(Some(Principal { user, session, memberships }))
            })
            .await
    }

    async fn create_session(&self, s: SessionRecord, limit: usize) -> StoreResult<()> {
        self.db
            .write(move |c| {
                c.execute(
                    &format!("INSERT INTO sessions ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)", rows::SESSION_COLS),
                    params![s.project_id, s.id, s.user_id, s.secret_hash, s.provider, s.provider_uid, json(&s.factors), s.expire, s.ip, s.user_agent, s.created_at, s.updated_at],
                )
                .map_err(write_error)?;
                // Keep only the newest `limit` sessions of this user.
                c.execute(
                    "DELETE FROM sessions WHERE project_id = ?1 AND user_id = ?2 AND id NOT IN (SELECT id FROM sessions WHERE project_id = ?1 AND user_id = ?2 ORDER BY created_at DESC, rowid DESC LIMIT ?3)",
                    params![s.project_id, s.user_id, limit as i64],
                )
                .map_err(internal)?;
                Ok(())
            })
            .await
    }

    async fn list_sessions(&self, project: &str, user: &str) -> StoreResult<Vec<SessionRecord>> {
        let (p, u) = (project.to_owned(), user.to_owned());
        let sql = format!("SELECT {} FROM sessions WHERE project_id = ?1 AND user_id = ?2 ORDER BY created_at, rowid", rows::SESSION_COLS);
        self.db.read(move |c| all(c, &sql, params![p, u], rows::session)).await
    }

    async fn get_session(&self, project: &str, user: &str, id: &str) -> StoreResult<Option<SessionRecord>> {
        let (p, u, i) = (project.to_owned(), user.to_owned(), id.to_owned());
        let sql = format!("SELECT {} FROM sessions WHERE project_id = ?1 AND user_id = ?2 AND id = ?3", rows::SESSION_COLS);
        self.db.read(move |c| one(c, &sql, params![p, u, i], rows::session)).await
    }

    async fn update_session(&self, s: SessionRecord) -> StoreResult<()> {
        self.db
            .write(move |c| {
                c.execute(
                    "UPDATE sessions SET expire = ?3, updated_at = ?4 WHERE project_id = ?1 AND id = ?2",
                    params![s.project_id, s.id, s.expire, s.updated_at],
                )
                .map_err(internal)?;
                Ok(())
            })
            .await
    }

    async fn delete_session(&self, project: &str, user: &str, id: &str) -> StoreResult<bool> {
        let (p, u, i) = (project.to_owned(), user.to_owned(), id.to_owned());
        self.db
            .write(move |c| {
                let n = c
                    .execute("DELETE FROM sessions WHERE project_id = ?1 AND user_id = ?2 AND id = ?3", params![p, u, i])
                    .map_err(internal)?;
                Ok(n > 0)
            })
            .await
    }

    async fn delete_sessions(&self, project: &str, user: &str) -> StoreResult<u64> {
        let (p, u) = (project.to_owned(), user.to_owned());
        self.db
            .write(move |c| {
                let n = c.execute("DELETE FROM sessions WHERE project_id = ?1 AND user_id = ?2", params![p, u]).map_err(internal)?;
                Ok(n as u64)
            })
            .await
    }

    async fn create_token(&self, t: TokenRecord) -> StoreResult<()> {
        self.db
            .write(move |c| {
                c.execute(
                    &format!("INSERT INTO tokens ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", rows::TOKEN_COLS),
                    params![t.project_id, t.id, t.user_id, t.kind.as_str(), t.secret_hash, t.expire, t.created_at],
                )
                .map_err(write_error)?;
                Ok(())
            })
            .await
    }

    async fn take_token(
        &self,
        project: &str,
        user: &str,
        kind: TokenKind,
        secret_hash: &str,
        now: i64,
    ) -> StoreResult<Option<TokenRecord>> {
        let (p, u, h) = (project.to_owned(), user.to_owned(), secret_hash.to_owned());
        self.db
            .write(move |c| {
                let sql = format!("SELECT {} FROM tokens WHERE project_id = ?1 AND user_id = ?2 AND kind = ?3 AND expire >= ?4", rows::TOKEN_COLS);
                let tokens = all(c, &sql, params![p, u, kind.as_str(), now], rows::token)?;
                let Some(found) = tokens.into_iter().find(|t| oxwrite_core::secrets::ct_eq(&t.secret_hash, &h)) else {
                    return Ok(None);
                };
                c.execute("DELETE FROM tokens WHERE project_id = ?1 AND id = ?2", params![p, found.id]).map_err(internal)?;
                Ok(Some(found))
            })
            .await
    }

    async fn create_team(&self, t: TeamRecord, owner: Option<MembershipRecord>) -> StoreResult<()> {
        self.db
            .write(move |c| {
                c.execute(
                    "INSERT INTO teams (project_id, id, name, total, prefs, created_at, updated_at) VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6)",
                    params![t.project_id, t.id, t.name, json(&t.prefs), t.created_at, t.updated_at],
                )
                .map_err(write_error)?;
                if let Some(m) = owner {
                    insert_membership(c, &m)?;
                }
                Ok(())
            })
            .await
    }

    async fn get_team(&self, project: &str, id: &str) -> StoreResult<Option<TeamRecord>> {
        let (p, i) = (project.to_owned(), id.to_owned());
        let sql = format!("SELECT {} FROM teams WHERE project_id = ?1 AND id = ?2", rows::TEAM_COLS);
        self.db.read(move |c| one(c, &sql, params![p, i], rows::team)).await
    }

    async fn list_teams(&self, project: &str, only: Option<Vec<String>>, params: ListParams) -> StoreResult<Page<TeamRecord>> {
        let p = project.to_owned();
        self.db
            .read(move |c| {
                let mut scope = "teams.project_id = ?".to_owned();
                let mut args: Vec<rusqlite::types::Value> = vec![p.into()];
                if let Some(ids) = only {
                    // A user sees only teams they belong to; the list is bounded by their
                    // memberships, so an IN list is fine.
                    if ids.is_empty() {
                        return Ok(Page { items: Vec::new(), total: 0 });
                    }
                    scope.push_str(&format!(" AND teams.id IN ({})", vec!["?"; ids.len()].join(", ")));
                    args.extend(ids.into_iter().map(Into::into));
                }
                listing::run(c, &TEAMS_LISTING, rows::TEAM_COLS, "teams", &scope, args, &params, rows::team)
            })
            .await
    }

    async fn update_team(&self, t: TeamRecord) -> StoreResult<()> {
        self.db
            .write(move |c| {
                c.execute(
                    "UPDATE teams SET name = ?3, prefs = ?4, updated_at = ?5 WHERE project_id = ?1 AND id = ?2",
                    params![t.project_id, t.id, t.name, json(&t.prefs), t.updated_at],
                )
                .map_err(internal)?;
                Ok(())
            })
            .await
    }

    async fn delete_team(&self, project: &str, id: &str) -> StoreResult<bool> {
        let (p, i) = (project.to_owned(), id.to_owned());
        self.db
            .write(move |c| {
                let n = c.execute("DELETE FROM teams WHERE project_id = ?1 AND id = ?2", params![p, i]).map_err(internal)?;
                Ok(n > 0)
            })
            .await
    }

    async fn create_membership(&self, m: MembershipRecord) -> StoreResult<()> {
        self.db.write(move |c| insert_membership(c, &m)).await
    }

    async fn get_membership(&self, project: &str, team: &str, id: &str) -> StoreResult<Option<MembershipView>> {
        let (p, t, i) = (project.to_owned(), team.to_owned(), id.to_owned());
        let sql = format!(
            "SELECT {} FROM {} WHERE m.project_id = ?1 AND m.team_id = ?2 AND m.id = ?3",
            rows::MEMBERSHIP_VIEW_COLS,
            rows::MEMBERSHIP_VIEW_FROM
        );
        self.db.read(move |c| one(c, &sql, params![p, t, i], rows::membership_view)).await
    }

    async fn list_memberships(
        &self,
        project: &str,
        team: Option<&str>,
        user: Option<&str>,
        params: ListParams,
    ) -> StoreResult<Page<MembershipView>> {
        let p = project.to_owned();
        let (team, user) = (team.map(str::to_owned), user.map(str::to_owned));
        self.db
            .read(move |c| {
                let mut scope = "m.project_id = ?".to_owned();
                let mut args: Vec<rusqlite::types::Value> = vec![p.into()];
                if let Some(t) = team {
                    scope.push_str(" AND m.team_id = ?");
                    args.push(t.into());
                }
                if let Some(u) = user {
                    scope.push_str(" AND m.user_id = ?");
                    args.push(u.into());
                }
                let (cols, from) = (rows::MEMBERSHIP_VIEW_COLS, rows::MEMBERSHIP_VIEW_FROM);
                listing::run(c, &MEMBERSHIPS_LISTING, cols, from, &scope, args, &params, rows::membership_view)
            })
            .await
    }

    async fn update_membership(&self, m: MembershipRecord) -> StoreResult<()> {
        self.db
            .write(move |c| {
                c.execute(
                    "UPDATE memberships SET roles = ?3, joined = ?4, confirm = ?5, updated_at = ?6 WHERE project_id = ?1 AND id = ?2",
                    params![m.project_id, m.id, json(&m.roles), m.joined, m.confirm, m.updated_at],
                )
                .map_err(internal)?;
                Ok(())
            })
            .await
    }

    async fn delete_membership(&self, project: &str, team: &str, id: &str) -> StoreResult<bool> {
        let (p, t, i) = (project.to_owned(), team.to_owned(), id.to_owned());
        self.db
            .write(move |c| {
                let n = c
                    .execute("DELETE FROM memberships WHERE project_id = ?1 AND team_id = ?2 AND id = ?3", params![p, t, i])
                    .map_err(internal)?;
                Ok(n > 0)
            })
            .await
    }

    async fn append_log(&self, l: LogRecord) -> StoreResult<()> {
        self.db
            .write(move |c| {
                c.execute(
                    &format!("INSERT INTO logs ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", rows::LOG_COLS),
                    params![l.project_id, l.user_id, l.event, l.ip, l.user_agent, l.mode, l.user_type, l.time],
                )
                .map_err(internal)?;
                Ok(())
            })
            .await
    }

    async fn list_logs(&self, project: &str, user: &str, limit: u64, offset: u64) -> StoreResult<Page<LogRecord>> {
        let (p, u) = (project.to_owned(), user.to_owned());
        self.db
            .read(move |c| {
                let sql = format!("SELECT {} FROM logs WHERE project_id = ?1 AND user_id = ?2 ORDER BY seq DESC LIMIT ?3 OFFSET ?4", rows::LOG_COLS);
                let items = all(c, &sql, params![p, u, limit as i64, offset as i64], rows::log)?;
                let total: i64 = c
                    .query_row(
                        "SELECT count(*) FROM (SELECT 1 FROM logs WHERE project_id = ?1 AND user_id = ?2 LIMIT ?3)",
                        params![p, u, oxwrite_core::ports::LIST_TOTAL_CAP as i64],
                        |r| r.get(0),
                    )
                    .map_err(internal)?;
                Ok(Page { items, total: total as u64 })
            })
            .await
    }

    async fn create_database(&self, d: DatabaseRecord) -> StoreResult<()> {
        self.db
            .write(move |c| {
                c.execute(
                    "INSERT INTO databases (project_id, id, name, enabled, kind, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![d.project_id, d.id, d.name, d.enabled, d.kind, d.created_at, d.updated_at],
                )
                .map_err(write_error)?;
                Ok(())
            })
            .await
    }

    async fn get_database(&self, project: &str, id: &str) -> StoreResult<Option<DatabaseRecord>> {
        if let Some(db) = self.schema.database(project, id) {
            return Ok(Some(db));
        }
        let generation = self.schema.generation();
        let (p, i) = (project.to_owned(), id.to_owned());
        let found = self
            .db
            .read(move |c| {
                let sql = format!("SELECT {} FROM databases WHERE project_id = ?1 AND id = ?2", tables::DATABASE_COLS);
                one(c, &sql, params![p, i], tables::database)
            })
            .await?;
        if let Some(db) = &found {
            self.schema.put_database(generation, db);
        }
        Ok(found)
    }

    async fn list_databases(&self, project: &str, params: ListParams) -> StoreResult<Page<DatabaseRecord>> {
        let p = project.to_owned();
        self.db
            .read(move |c| {
                let scope = "databases.project_id = ?";
                listing::run(c, &tables::DATABASES_LISTING, tables::DATABASE_COLS, "databases", scope, vec![p.into()], &params, tables::database)
            })
            .await
    }

    async fn update_database(&self, d: DatabaseRecord) -> StoreResult<()> {
        let result = self
            .db
            .write(move |c| {
                c.execute(
                    "UPDATE databases SET name = ?3, enabled = ?4, updated_at = ?5 WHERE project_id = ?1 AND id = ?2",
                    params![d.project_id, d.id, d.name, d.enabled, d.updated_at],
                )
                .map_err(internal)?;
                Ok(())
            })
            .await;
        self.schema.clear();
        result
    }

    async fn delete_database(&self, project: &str, id: &str) -> StoreResult<bool> {
        let (p, i) = (project.to_owned(), id.to_owned());
        let result = self.db.write(move |c| tables::delete_database(c, &p, &i)).await;
        self.schema.clear();
        result
    }

    async fn create_table(&self, t: TableRecord) -> StoreResult<TableRecord> {
        let result = self.db.write(move |c| tables::create_table(c, t)).await;
        self.schema.clear();
        result
    }

    async fn get_table(&self, project: &str, database: &str, id: &str) -> StoreResult<Option<TableRecord>> {
        if let Some(t) = self.schema.table(project, database, id) {
            return Ok(Some(t));
        }
        let generation = self.schema.generation();
        let (p, d, i) = (project.to_owned(), database.to_owned(), id.to_owned());
        let found = self.db.read(move |c| tables::load_table(c, &p, &d, &i)).await?;
        if let Some(t) = &found {
            self.schema.put_table(generation, t);
        }
        Ok(found)
    }

    async fn list_tables(&self, project: &str, database: &str, params: ListParams) -> StoreResult<Page<TableRecord>> {
        let (p, d) = (project.to_owned(), database.to_owned());
        self.db
            .read(move |c| {
                // Tables whose id starts with `_` are internal (relationship junctions).
                let scope = "db_tables.project_id = ? AND db_tables.database_id = ? AND substr(db_tables.id, 1, 1) <> '_'";
                listing::run(c, &tables::TABLES_LISTING, tables::TABLE_COLS, "db_tables", scope, vec![p.into(), d.into()], &params, tables::table)
            })
            .await
    }

    async fn update_table(&self, t: TableRecord) -> StoreResult<()> {
        let result = self
            .db
            .write(move |c| {
                // Only the table's own settings; the schema changes through `change_schema`.
                let mut current = tables::load_table(c, &t.project_id, &t.database_id, &t.id)?.ok_or(StoreError::NotFound("table"))?;
                current.name = t.name;
                current.enabled = t.enabled;
                current.row_security = t.row_security;
                current.permissions = t.permissions;
                current.updated_at = t.updated_at;
                tables::update_table(c, &current)
            })
            .await;
        self.schema.clear();
        result
    }

    async fn delete_table(&self, project: &str, database: &str, id: &str) -> StoreResult<bool> {
        let (p, d, i) = (project.to_owned(), database.to_owned(), id.to_owned());
        let result = self.db.write(move |c| tables::delete_table(c, &p, &d, &i)).await;
        self.schema.clear();
        result
    }

    async fn change_schema(&self, project: &str, database: &str, table: &str, change: SchemaChange) -> StoreResult<TableRecord> {
        let (p, d, t) = (project.to_owned(), database.to_owned(), table.to_owned());
        let result = self.db.write(move |c| tables::change_schema(c, &p, &d, &t, change)).await;
        self.schema.clear();
        result
    }

    async fn get_row(&self, table: &TableRecord, id: &str) -> StoreResult<Option<RowRecord>> {
        let (t, i) = (table.clone(), id.to_owned());
        self.db.read(move |c| tables::get_row(c, &t, &i)).await
    }

    async fn list_rows(&self, table: &TableRecord, query: RowQuery) -> StoreResult<Page<RowRecord>> {
        let t = table.clone();
        self.db.read(move |c| tables::list_rows(c, &t, &query)).await
    }

    async fn write_rows(&self, ops: Vec<RowOp>) -> StoreResult<Vec<Option<RowRecord>>> {
        self.db.write(move |c| tables::write_rows(c, ops)).await
    }

    async fn create_transaction(&self, tx: TransactionRecord) -> StoreResult<()> {
        self.db.write(move |c| tables::put_transaction(c, &tx, None)).await
    }

    async fn get_transaction(&self, project: &str, id: &str) -> StoreResult<Option<TransactionRecord>> {
        let (p, i) = (project.to_owned(), id.to_owned());
        self.db
            .read(move |c| {
                let sql = format!("SELECT {} FROM transactions WHERE project_id = ?1 AND id = ?2", tables::TX_COLS);
                one(c, &sql, params![p, i], tables::transaction)
            })
            .await
    }

    async fn list_transactions(&self, project: &str, owner: Option<&str>) -> StoreResult<Vec<TransactionRecord>> {
        let (p, o) = (project.to_owned(), owner.map(str::to_owned));
        self.db
            .read(move |c| {
                let sql = format!(
                    "SELECT {} FROM transactions WHERE project_id = ?1 AND (?2 IS NULL OR owner = ?2) ORDER BY seq LIMIT 5000",
                    tables::TX_COLS
                );
                all(c, &sql, params![p, o], tables::transaction)
            })
            .await
    }

    async fn update_transaction(&self, tx: TransactionRecord, expect_updated_at: i64) -> StoreResult<()> {
        self.db.write(move |c| tables::put_transaction(c, &tx, Some(expect_updated_at))).await
    }

    async fn delete_transaction(&self, project: &str, id: &str) -> StoreResult<bool> {
        let (p, i) = (project.to_owned(), id.to_owned());
        self.db
            .write(move |c| Ok(c.execute("DELETE FROM transactions WHERE project_id = ?1 AND id = ?2", params![p, i]).map_err(internal)? > 0))
            .await
    }

    async fn commit_transaction(&self, tx: TransactionRecord, ops: Vec<RowOp>) -> StoreResult<Vec<Option<RowRecord>>> {
        self.db.write(move |c| tables::commit_transaction(c, &tx, ops)).await
    }

    async fn create_webhook(&self, w: WebhookRecord) -> StoreResult<()> {
        self.db
            .write(move |c| {
                c.execute(
                    &format!("INSERT INTO webhooks ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)", tables::WEBHOOK_COLS),
                    params![w.project_id, w.id, w.name, w.url, json(&w.events), w.tls, w.auth_username, w.auth_password, w.secret, w.enabled, w.logs, w.attempts, w.created_at, w.updated_at],
                )
                .map_err(write_error)?;
                Ok(())
            })
            .await
    }

    async fn get_webhook(&self, project: &str, id: &str) -> StoreResult<Option<WebhookRecord>> {
        let (p, i) = (project.to_owned(), id.to_owned());
        self.db
            .read(move |c| one(c, &format!("SELECT {} FROM webhooks WHERE project_id = ?1 AND id = ?2", tables::WEBHOOK_COLS), params![p, i], tables::webhook))
            .await
    }

    async fn list_webhooks(&self, project: &str) -> StoreResult<Vec<WebhookRecord>> {
        let p = project.to_owned();
        self.db
            .read(move |c| all(c, &format!("SELECT {} FROM webhooks WHERE project_id = ?1 ORDER BY created_at, id", tables::WEBHOOK_COLS), params![p], tables::webhook))
            .await
    }

    async fn update_webhook(&self, w: WebhookRecord) -> StoreResult<()> {
        self.db
            .write(move |c| {
                c.execute(
                    "UPDATE webhooks SET name = ?3, url = ?4, events = ?5, tls = ?6, auth_username = ?7, auth_password = ?8, secret = ?9,
                     enabled = ?10, logs = ?11, attempts = ?12, updated_at = ?13 WHERE project_id = ?1 AND id = ?2",
                    params![w.project_id, w.id, w.name, w.url, json(&w.events), w.tls, w.auth_username, w.auth_password, w.secret, w.enabled, w.logs, w.attempts, w.updated_at],
                )
                .map_err(internal)?;
                Ok(())
            })
            .await
    }

    async fn delete_webhook(&self, project: &str, id: &str) -> StoreResult<bool> {
        let (p, i) = (project.to_owned(), id.to_owned());
        self.db
            .write(move |c| {
                c.execute("DELETE FROM webhook_deliveries WHERE project_id = ?1 AND webhook_id = ?2", params![p, i]).map_err(internal)?;
                Ok(c.execute("DELETE FROM webhooks WHERE project_id = ?1 AND id = ?2", params![p, i]).map_err(internal)? > 0)
            })
            .await
    }

    async fn enqueue_deliveries(&self, deliveries: Vec<DeliveryRecord>) -> StoreResult<()> {
        self.db
            .write(move |c| {
                let mut st = c
                    .prepare_cached(
                        "INSERT INTO webhook_deliveries (project_id, webhook_id, events, payload, user_id, attempts, next_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )
                    .map_err(internal)?;
                for d in deliveries {
                    st.execute(params![d.project_id, d.webhook_id, json(&d.events), d.payload, d.user_id, d.attempts, d.next_at]).map_err(internal)?;
                }
                Ok(())
            })
            .await
    }

    async fn due_deliveries(&self, now: i64, limit: u64) -> StoreResult<Vec<DeliveryRecord>> {
        self.db
            .read(move |c| {
                let sql = format!("SELECT {} FROM webhook_deliveries WHERE next_at <= ?1 ORDER BY next_at, seq LIMIT ?2", tables::DELIVERY_COLS);
                all(c, &sql, params![now, limit as i64], tables::delivery)
            })
            .await
    }

    async fn next_delivery_at(&self) -> StoreResult<Option<i64>> {
        self.db.read(move |c| Ok(one(c, "SELECT min(next_at) FROM webhook_deliveries", [], |r| r.get(0))?.flatten())).await
    }

    async fn finish_delivery(&self, seq: i64, retry: Option<(u32, i64)>) -> StoreResult<()> {
        self.db
            .write(move |c| {
                match retry {
                    Some((attempts, next_at)) => c
                        .execute("UPDATE webhook_deliveries SET attempts = ?2, next_at = ?3 WHERE seq = ?1", params![seq, attempts, next_at])
                        .map_err(internal)?,
                    None => c.execute("DELETE FROM webhook_deliveries WHERE seq = ?1", params![seq]).map_err(internal)?,
                };
                Ok(())
            })
            .await
    }

    async fn create_bucket(&self, bucket: BucketRecord) -> StoreResult<BucketRecord> {
        storage::create_bucket(&self.db, bucket).await
    }
    async fn get_bucket(&self, project: &str, id: &str) -> StoreResult<Option<BucketRecord>> {
        storage::get_bucket(&self.db, project, id).await
    }
    async fn list_buckets(&self, project: &str, params: ListParams) -> StoreResult<Page<BucketRecord>> {
        storage::list_buckets(&self.db, project, params).await
    }
    async fn update_bucket(&self, bucket: BucketRecord) -> StoreResult<()> {
        storage::update_bucket(&self.db, bucket).await
    }
    async fn delete_bucket(&self, project: &str, id: &str) -> StoreResult<bool> {
        storage::delete_bucket(&self.db, project, id).await
    }
    async fn get_file(&self, bucket: &BucketRecord, id: &str) -> StoreResult<Option<FileRecord>> {
        storage::get_file(&self.db, bucket, id).await
    }
    async fn list_files(&self, bucket: &BucketRecord, params: ListParams, read_roles: Option<Vec<String>>) -> StoreResult<Page<FileRecord>> {
        storage::list_files(&self.db, bucket, params, read_roles).await
    }
    async fn start_file(&self, file: FileRecord) -> StoreResult<(FileRecord, bool)> {
        storage::start_file(&self.db, file).await
    }
    async fn set_chunk(&self, project: &str, file_seq: i64, n: u32, present: bool, now: i64) -> StoreResult<(FileRecord, bool)> {
        storage::set_chunk(&self.db, project, file_seq, n, present, now).await
    }
    async fn update_file(&self, file: FileRecord) -> StoreResult<()> {
        storage::update_file(&self.db, file).await
    }
    async fn delete_file(&self, project: &str, file_seq: i64) -> StoreResult<bool> {
        storage::delete_file(&self.db, project, file_seq).await
    }
    async fn create_resource_token(&self, token: ResourceTokenRecord) -> StoreResult<()> {
        storage::create_resource_token(&self.db, token).await
    }
    async fn get_resource_token(&self, project: &str, id: &str) -> StoreResult<Option<ResourceTokenRecord>> {
        storage::get_resource_token(&self.db, project, id).await
    }
    async fn list_resource_tokens(&self, project: &str, resource_type: &str, resource_id: &str, params: ListParams) -> StoreResult<Page<ResourceTokenRecord>> {
        storage::list_resource_tokens(&self.db, project, resource_type, resource_id, params).await
    }
    async fn update_resource_token(&self, token: ResourceTokenRecord) -> StoreResult<()> {
        storage::update_resource_token(&self.db, token).await
    }
    async fn delete_resource_token(&self, project: &str, id: &str) -> StoreResult<bool> {
        storage::delete_resource_token(&self.db, project, id).await
    }

    async fn create_function(&self, f: FunctionRecord) -> StoreResult<FunctionRecord> {
        compute::create_function(&self.db, f).await
    }
    async fn get_function(&self, project: &str, id: &str) -> StoreResult<Option<FunctionRecord>> {
        compute::get_function(&self.db, project, id).await
    }
    async fn list_functions(&self, project: &str, params: ListParams) -> StoreResult<Page<FunctionRecord>> {
        compute::list_functions(&self.db, project, params).await
    }
    async fn triggered_functions(&self) -> StoreResult<Vec<FunctionRecord>> {
        compute::triggered_functions(&self.db).await
    }
    async fn update_function(&self, f: FunctionRecord) -> StoreResult<()> {
        compute::update_function(&self.db, f).await
    }
    async fn delete_function(&self, project: &str, id: &str) -> StoreResult<bool> {
        compute::delete_function(&self.db, project, id).await
    }
    async fn create_variable(&self, v: VariableRecord) -> StoreResult<()> {
        compute::create_variable(&self.db, v).await
    }
    async fn get_variable(&self, project: &str, function: &str, id: &str) -> StoreResult<Option<VariableRecord>> {
        compute::get_variable(&self.db, project, function, id).await
    }
    async fn list_variables(&self, project: &str, function: &str, params: ListParams) -> StoreResult<Page<VariableRecord>> {
        compute::list_variables(&self.db, project, function, params).await
    }
    async fn variables_of(&self, project: &str, functions: &[String]) -> StoreResult<Vec<VariableRecord>> {
        compute::variables_of(&self.db, project, functions).await
    }
    async fn update_variable(&self, v: VariableRecord) -> StoreResult<()> {
        compute::update_variable(&self.db, v).await
    }
    async fn delete_variable(&self, project: &str, function: &str, id: &str) -> StoreResult<bool> {
        compute::delete_variable(&self.db, project, function, id).await
    }
    async fn start_deployment(&self, d: DeploymentRecord) -> StoreResult<(DeploymentRecord, bool)> {
        compute::start_deployment(&self.db, d).await
    }
    async fn get_deployment(&self, project: &str, id: &str) -> StoreResult<Option<DeploymentRecord>> {
        compute::get_deployment(&self.db, project, id).await
    }
    async fn list_deployments(&self, project: &str, function: &str, params: ListParams) -> StoreResult<Page<DeploymentRecord>> {
        compute::list_deployments(&self.db, project, function, params).await
    }
    async fn update_deployment(&self, d: DeploymentRecord) -> StoreResult<()> {
        compute::update_deployment(&self.db, d).await
    }
    async fn delete_deployment(&self, project: &str, id: &str) -> StoreResult<bool> {
        compute::delete_deployment(&self.db, project, id).await
    }
    async fn unfinished_deployments(&self) -> StoreResult<Vec<DeploymentRecord>> {
        compute::unfinished_deployments(&self.db).await
    }
    async fn create_execution(&self, e: ExecutionRecord) -> StoreResult<()> {
        compute::create_execution(&self.db, e).await
    }
    async fn get_execution(&self, project: &str, function: &str, id: &str) -> StoreResult<Option<ExecutionRecord>> {
        compute::get_execution(&self.db, project, function, id).await
    }
    async fn list_executions(&self, project: &str, function: &str, params: ListParams, read_roles: Option<Vec<String>>) -> StoreResult<Page<ExecutionRecord>> {
        compute::list_executions(&self.db, project, function, params, read_roles).await
    }
    async fn update_execution(&self, e: ExecutionRecord) -> StoreResult<()> {
        compute::update_execution(&self.db, e).await
    }
    async fn delete_execution(&self, project: &str, id: &str) -> StoreResult<bool> {
        compute::delete_execution(&self.db, project, id).await
    }
    async fn take_due_executions(&self, now: i64, limit: u64) -> StoreResult<Vec<ExecutionRecord>> {
        compute::take_due_executions(&self.db, now, limit).await
    }
    async fn next_execution_due(&self) -> StoreResult<Option<i64>> {
        compute::next_execution_due(&self.db).await
    }
    async fn requeue_interrupted(&self, now: i64) -> StoreResult<u64> {
        compute::requeue_interrupted(&self.db, now).await
    }
    async fn claim_schedule_tick(&self, project: &str, function: &str, minute: i64) -> StoreResult<bool> {
        compute::claim_schedule_tick(&self.db, project, function, minute).await
    }
}

fn insert_membership(c: &Connection, m: &MembershipRecord) -> StoreResult<()> {
    c.execute(
        "INSERT INTO memberships (project_id, id, team_id, user_id, roles, invited, joined, confirm, secret_hash, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![m.project_id, m.id, m.team_id, m.user_id, json(&m.roles), m.invited, m.joined, m.confirm, m.secret_hash, m.created_at, m.updated_at],
    )
    .map_err(write_error)?;
    Ok(())
}
