//! The ports core needs from the outside world. Adapters (store-sqlite, later store-postgres,
//! Redis limiters …) implement them; core never names a driver. Every store method is one
//! transaction: it either happens completely or not at all.

use async_trait::async_trait;
use oxwrite_types::query::Query;

use crate::records::{
    KeyRecord, LogRecord, MembershipRecord, MembershipView, PlatformRecord, ProjectRecord,
    SessionRecord, TeamRecord, TokenRecord, UserRecord,
};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint failed; the string names the constraint (`id`, `email`, `phone` …).
    #[error("conflict on {0}")]
    Conflict(&'static str),
    /// A referenced row (cursor, parent) does not exist.
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// A query the store cannot apply to this collection (unknown attribute, wrong type).
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    #[error("store failure: {0}")]
    Internal(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A list request against a system collection. `queries` were already validated against the
/// collection's allowed attributes by core.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub queries: Vec<Query>,
    pub search: Option<String>,
    /// Whether to count matches (capped at [`LIST_TOTAL_CAP`]).
    pub total: bool,
}

/// Appwrite caps `total` at 5000 so counting never costs more than a bounded scan.
pub const LIST_TOTAL_CAP: u64 = 5000;

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// What the caller resolution needs about a session user in one round trip.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: UserRecord,
    pub session: Option<SessionRecord>,
    /// Confirmed memberships only.
    pub memberships: Vec<MembershipRecord>,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// A trivial round trip, for health checks.
    async fn ping(&self) -> StoreResult<()>;

    // Projects.
    async fn create_project(&self, project: ProjectRecord) -> StoreResult<()>;
    async fn get_project(&self, id: &str) -> StoreResult<Option<ProjectRecord>>;
    async fn list_projects(&self) -> StoreResult<Vec<ProjectRecord>>;

    // Keys.
    async fn create_key(&self, key: KeyRecord) -> StoreResult<()>;
    async fn get_key(&self, project: &str, id: &str) -> StoreResult<Option<KeyRecord>>;
    async fn find_key_by_secret_hash(&self, hash: &str) -> StoreResult<Option<KeyRecord>>;
    async fn list_keys(&self, project: &str) -> StoreResult<Vec<KeyRecord>>;
    async fn update_key(&self, key: KeyRecord) -> StoreResult<()>;
    async fn touch_key(&self, project: &str, id: &str, accessed_at: i64) -> StoreResult<()>;
    async fn delete_key(&self, project: &str, id: &str) -> StoreResult<bool>;

    // Platforms.
    async fn create_platform(&self, platform: PlatformRecord) -> StoreResult<()>;
    async fn get_platform(&self, project: &str, id: &str) -> StoreResult<Option<PlatformRecord>>;
    async fn list_platforms(&self, project: &str) -> StoreResult<Vec<PlatformRecord>>;
    async fn update_platform(&self, platform: PlatformRecord) -> StoreResult<()>;
    async fn delete_platform(&self, project: &str, id: &str) -> StoreResult<bool>;

    // Users.
    async fn create_user(&self, user: UserRecord) -> StoreResult<()>;
    async fn get_user(&self, project: &str, id: &str) -> StoreResult<Option<UserRecord>>;
    async fn find_user_by_email(&self, project: &str, email: &str) -> StoreResult<Option<UserRecord>>;
    async fn find_user_by_phone(&self, project: &str, phone: &str) -> StoreResult<Option<UserRecord>>;
    async fn update_user(&self, user: UserRecord) -> StoreResult<()>;
    /// Deletes the user with its sessions, tokens and memberships (team totals follow).
    async fn delete_user(&self, project: &str, id: &str) -> StoreResult<bool>;
    async fn list_users(&self, project: &str, params: ListParams) -> StoreResult<Page<UserRecord>>;
    /// The user, the session whose secret digest matches (if `session_hash` is given and the
    /// session is unexpired at `now`), and the confirmed memberships.
    async fn load_principal(
        &self,
        project: &str,
        user_id: &str,
        session: SessionLookup<'_>,
        now: i64,
    ) -> StoreResult<Option<Principal>>;

    // Sessions.
    /// Inserts the session and removes the user's oldest sessions beyond `limit`.
    async fn create_session(&self, session: SessionRecord, limit: usize) -> StoreResult<()>;
    async fn list_sessions(&self, project: &str, user: &str) -> StoreResult<Vec<SessionRecord>>;
    async fn get_session(&self, project: &str, user: &str, id: &str) -> StoreResult<Option<SessionRecord>>;
    async fn update_session(&self, session: SessionRecord) -> StoreResult<()>;
    async fn delete_session(&self, project: &str, user: &str, id: &str) -> StoreResult<bool>;
    async fn delete_sessions(&self, project: &str, user: &str) -> StoreResult<u64>;

    // Tokens.
    async fn create_token(&self, token: TokenRecord) -> StoreResult<()>;
    /// Removes and returns the user's unexpired token of `kind` whose digest matches.
    async fn take_token(
        &self,
        project: &str,
        user: &str,
        kind: crate::records::TokenKind,
        secret_hash: &str,
        now: i64,
    ) -> StoreResult<Option<TokenRecord>>;

    // Teams and memberships.
    /// Creates the team and, when given, its first (confirmed) membership atomically.
    async fn create_team(&self, team: TeamRecord, owner: Option<MembershipRecord>) -> StoreResult<()>;
    async fn get_team(&self, project: &str, id: &str) -> StoreResult<Option<TeamRecord>>;
    /// Lists teams; `only` restricts to these team ids (a user's teams) when given.
    async fn list_teams(
        &self,
        project: &str,
        only: Option<Vec<String>>,
        params: ListParams,
    ) -> StoreResult<Page<TeamRecord>>;
    async fn update_team(&self, team: TeamRecord) -> StoreResult<()>;
    async fn delete_team(&self, project: &str, id: &str) -> StoreResult<bool>;
    async fn create_membership(&self, membership: MembershipRecord) -> StoreResult<()>;
    async fn get_membership(&self, project: &str, team: &str, id: &str) -> StoreResult<Option<MembershipView>>;
    async fn list_memberships(
        &self,
        project: &str,
        team: Option<&str>,
        user: Option<&str>,
        params: ListParams,
    ) -> StoreResult<Page<MembershipView>>;
    async fn update_membership(&self, membership: MembershipRecord) -> StoreResult<()>;
    async fn delete_membership(&self, project: &str, team: &str, id: &str) -> StoreResult<bool>;

    // Audit logs.
    async fn append_log(&self, log: LogRecord) -> StoreResult<()>;
    async fn list_logs(&self, project: &str, user: &str, limit: u64, offset: u64) -> StoreResult<Page<LogRecord>>;
}

/// How [`Store::load_principal`] should pick the session.
#[derive(Debug, Clone, Copy)]
pub enum SessionLookup<'a> {
    /// No session needed (JWT callers name the session by id, see `ById`).
    None,
    /// The session whose secret digest equals this (cookie / `X-Appwrite-Session`).
    BySecretHash(&'a str),
    /// The session with this id (JWT claims).
    ById(&'a str),
}

/// A fixed-window rate limiter (PROTOCOL.md §10). In memory on one node; Redis later.
#[async_trait]
pub trait RateLimiter: Send + Sync + 'static {
    /// Counts one hit on `key` in the window of `window_secs` starting at `window_start` and
    /// returns the count including this hit.
    async fn hit(&self, key: &str, window_start: i64, window_secs: i64) -> u64;
    /// Forgets `key`'s count (Appwrite's `abuse-reset` after a successful login).
    async fn reset(&self, key: &str);
}
