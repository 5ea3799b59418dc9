//! The ports core needs from the outside world. Adapters (store-sqlite, later store-postgres,
//! Redis limiters …) implement them; core never names a driver. Every store method is one
//! transaction: it either happens completely or not at all.

use async_trait::async_trait;
use oxwrite_types::query::Query;

use std::sync::Arc;

use oxwrite_types::query::{CursorDirection, Order};
use oxwrite_types::schema::{Column, Index};
use serde_json::{Map, Value};

use crate::records::{
    BucketRecord, DatabaseRecord, DeploymentRecord, ExecutionRecord, FileRecord, FunctionRecord, ResourceTokenRecord, VariableRecord, KeyRecord, LogRecord, MembershipRecord, MembershipView, PlatformRecord,
    DeliveryRecord, ProjectRecord, RowRecord, SessionRecord, TableRecord, TeamRecord, TokenRecord,
    TransactionRecord, UserRecord, WebhookRecord,
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
    /// A write's precondition no longer holds (the row changed, a bound would be crossed);
    /// the string names which.
    #[error("precondition failed: {0}")]
    Precondition(&'static str),
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

    // Databases.
    async fn create_database(&self, db: DatabaseRecord) -> StoreResult<()>;
    async fn get_database(&self, project: &str, id: &str) -> StoreResult<Option<DatabaseRecord>>;
    async fn list_databases(&self, project: &str, params: ListParams) -> StoreResult<Page<DatabaseRecord>>;
    async fn update_database(&self, db: DatabaseRecord) -> StoreResult<()>;
    /// Deletes the database with all its tables and their rows.
    async fn delete_database(&self, project: &str, id: &str) -> StoreResult<bool>;

    // Tables and their schema.
    /// Creates the table (with its columns and indexes) and its SQL table; returns it with
    /// its `seq`. `Conflict("id")` if the id is taken, `Conflict("index")` if a unique index
    /// cannot be built.
    async fn create_table(&self, table: TableRecord) -> StoreResult<TableRecord>;
    async fn get_table(&self, project: &str, database: &str, id: &str) -> StoreResult<Option<TableRecord>>;
    async fn list_tables(&self, project: &str, database: &str, params: ListParams) -> StoreResult<Page<TableRecord>>;
    /// Updates name, enabled, rowSecurity and permissions.
    async fn update_table(&self, table: TableRecord) -> StoreResult<()>;
    /// Drops the table and its rows.
    async fn delete_table(&self, project: &str, database: &str, id: &str) -> StoreResult<bool>;
    /// Applies one schema change to the table and its SQL table atomically; returns the table
    /// as it is afterwards.
    async fn change_schema(
        &self,
        project: &str,
        database: &str,
        table: &str,
        change: SchemaChange,
    ) -> StoreResult<TableRecord>;

    // Rows.
    async fn get_row(&self, table: &TableRecord, id: &str) -> StoreResult<Option<RowRecord>>;
    /// `NotFound("cursor")` when the cursor row does not exist (or is not readable).
    async fn list_rows(&self, table: &TableRecord, query: RowQuery) -> StoreResult<Page<RowRecord>>;
    /// Applies the operations in order, all or none, and returns one result per operation
    /// (the row as written; `None` for deletes).
    async fn write_rows(&self, ops: Vec<RowOp>) -> StoreResult<Vec<Option<RowRecord>>>;

    // Transactions.
    async fn create_transaction(&self, tx: TransactionRecord) -> StoreResult<()>;
    async fn get_transaction(&self, project: &str, id: &str) -> StoreResult<Option<TransactionRecord>>;
    /// The project's transactions, or only `owner`'s.
    async fn list_transactions(&self, project: &str, owner: Option<&str>) -> StoreResult<Vec<TransactionRecord>>;
    /// Replaces the transaction if its stored `updated_at` is still `expect_updated_at`, else
    /// `Precondition("stale")`.
    async fn update_transaction(&self, tx: TransactionRecord, expect_updated_at: i64) -> StoreResult<()>;
    async fn delete_transaction(&self, project: &str, id: &str) -> StoreResult<bool>;
    /// Applies `ops` and stores `tx` (now committed) atomically, if the stored transaction is
    /// still `pending`; else `Precondition("status")`.
    async fn commit_transaction(&self, tx: TransactionRecord, ops: Vec<RowOp>) -> StoreResult<Vec<Option<RowRecord>>>;

    // Webhooks and their delivery queue.
    async fn create_webhook(&self, webhook: WebhookRecord) -> StoreResult<()>;
    async fn get_webhook(&self, project: &str, id: &str) -> StoreResult<Option<WebhookRecord>>;
    async fn list_webhooks(&self, project: &str) -> StoreResult<Vec<WebhookRecord>>;
    async fn update_webhook(&self, webhook: WebhookRecord) -> StoreResult<()>;
    /// Deletes the webhook and its pending deliveries.
    async fn delete_webhook(&self, project: &str, id: &str) -> StoreResult<bool>;
    async fn enqueue_deliveries(&self, deliveries: Vec<DeliveryRecord>) -> StoreResult<()>;
    /// Deliveries due at `now`, oldest first, at most `limit`.
    async fn due_deliveries(&self, now: i64, limit: u64) -> StoreResult<Vec<DeliveryRecord>>;
    /// The earliest `next_at` of any pending delivery.
    async fn next_delivery_at(&self) -> StoreResult<Option<i64>>;
    /// Removes a delivery (done or given up), or reschedules it when `retry` is given
    /// (`(attempts, next_at)`).
    async fn finish_delivery(&self, seq: i64, retry: Option<(u32, i64)>) -> StoreResult<()>;

    // Storage: buckets and the records of their files (the bytes live in `Blobs`).
    /// Creates the bucket and returns it with its `seq`; `Conflict("id")` if the id is taken.
    async fn create_bucket(&self, bucket: BucketRecord) -> StoreResult<BucketRecord>;
    async fn get_bucket(&self, project: &str, id: &str) -> StoreResult<Option<BucketRecord>>;
    async fn list_buckets(&self, project: &str, params: ListParams) -> StoreResult<Page<BucketRecord>>;
    /// Updates the settings (not `seq`, `id` or `created_at`).
    async fn update_bucket(&self, bucket: BucketRecord) -> StoreResult<()>;
    /// Deletes the bucket with its file records and their tokens (core removes the blobs).
    async fn delete_bucket(&self, project: &str, id: &str) -> StoreResult<bool>;
    async fn get_file(&self, bucket: &BucketRecord, id: &str) -> StoreResult<Option<FileRecord>>;
    /// `read_roles`: only files whose permissions grant `read` to one of these roles.
    /// `NotFound("cursor")` when the cursor file does not exist.
    async fn list_files(
        &self,
        bucket: &BucketRecord,
        params: ListParams,
        read_roles: Option<Vec<String>>,
    ) -> StoreResult<Page<FileRecord>>;
    /// Inserts the file (the first chunk of an upload to arrive) unless its id is taken;
    /// returns the stored file and whether this call created it.
    async fn start_file(&self, file: FileRecord) -> StoreResult<(FileRecord, bool)>;
    /// Marks chunk `n` (1-based) of the file as stored (`present`) or not, and returns the
    /// file afterwards and whether this call stored its last missing chunk (exactly one call
    /// does). `NotFound("file")` if the file is gone.
    async fn set_chunk(&self, project: &str, file_seq: i64, n: u32, present: bool, now: i64) -> StoreResult<(FileRecord, bool)>;
    /// Replaces the file's name, permissions, content fields and layout.
    async fn update_file(&self, file: FileRecord) -> StoreResult<()>;
    /// Deletes the file record and its resource tokens.
    async fn delete_file(&self, project: &str, file_seq: i64) -> StoreResult<bool>;

    // Resource tokens (`/v1/tokens`).
    async fn create_resource_token(&self, token: ResourceTokenRecord) -> StoreResult<()>;
    async fn get_resource_token(&self, project: &str, id: &str) -> StoreResult<Option<ResourceTokenRecord>>;
    async fn list_resource_tokens(
        &self,
        project: &str,
        resource_type: &str,
        resource_id: &str,
        params: ListParams,
    ) -> StoreResult<Page<ResourceTokenRecord>>;
    async fn update_resource_token(&self, token: ResourceTokenRecord) -> StoreResult<()>;
    async fn delete_resource_token(&self, project: &str, id: &str) -> StoreResult<bool>;

    // Functions, their variables, deployments and executions.
    /// Creates the function and returns it with its `seq`; `Conflict("id")` if taken.
    async fn create_function(&self, function: FunctionRecord) -> StoreResult<FunctionRecord>;
    async fn get_function(&self, project: &str, id: &str) -> StoreResult<Option<FunctionRecord>>;
    async fn list_functions(&self, project: &str, params: ListParams) -> StoreResult<Page<FunctionRecord>>;
    /// Functions of every project with events or a schedule (what triggers look at).
    async fn triggered_functions(&self) -> StoreResult<Vec<FunctionRecord>>;
    async fn update_function(&self, function: FunctionRecord) -> StoreResult<()>;
    /// Deletes the function with its variables, deployments and executions.
    async fn delete_function(&self, project: &str, id: &str) -> StoreResult<bool>;
    /// `Conflict("id")` or `Conflict("key")`.
    async fn create_variable(&self, variable: VariableRecord) -> StoreResult<()>;
    async fn get_variable(&self, project: &str, function: &str, id: &str) -> StoreResult<Option<VariableRecord>>;
    async fn list_variables(&self, project: &str, function: &str, params: ListParams) -> StoreResult<Page<VariableRecord>>;
    /// Every variable of these functions, in creation order (one query for a page of functions).
    async fn variables_of(&self, project: &str, functions: &[String]) -> StoreResult<Vec<VariableRecord>>;
    /// `Conflict("key")` when another variable of the function has the key.
    async fn update_variable(&self, variable: VariableRecord) -> StoreResult<()>;
    async fn delete_variable(&self, project: &str, function: &str, id: &str) -> StoreResult<bool>;
    /// Inserts the deployment unless its id is taken; returns the stored one and whether it
    /// was created.
    async fn start_deployment(&self, deployment: DeploymentRecord) -> StoreResult<(DeploymentRecord, bool)>;
    async fn get_deployment(&self, project: &str, id: &str) -> StoreResult<Option<DeploymentRecord>>;
    async fn list_deployments(&self, project: &str, function: &str, params: ListParams) -> StoreResult<Page<DeploymentRecord>>;
    async fn update_deployment(&self, deployment: DeploymentRecord) -> StoreResult<()>;
    async fn delete_deployment(&self, project: &str, id: &str) -> StoreResult<bool>;
    /// Deployments whose build has not finished (`waiting`, `processing`, `building`).
    async fn unfinished_deployments(&self) -> StoreResult<Vec<DeploymentRecord>>;
    async fn create_execution(&self, execution: ExecutionRecord) -> StoreResult<()>;
    async fn get_execution(&self, project: &str, function: &str, id: &str) -> StoreResult<Option<ExecutionRecord>>;
    /// `read_roles`: only executions readable by one of these roles.
    async fn list_executions(
        &self,
        project: &str,
        function: &str,
        params: ListParams,
        read_roles: Option<Vec<String>>,
    ) -> StoreResult<Page<ExecutionRecord>>;
    async fn update_execution(&self, execution: ExecutionRecord) -> StoreResult<()>;
    async fn delete_execution(&self, project: &str, id: &str) -> StoreResult<bool>;
    /// Takes queued executions due at `now` (oldest first, at most `limit`): each is marked
    /// `processing` and leaves the queue in the same transaction, so it runs once.
    async fn take_due_executions(&self, now: i64, limit: u64) -> StoreResult<Vec<ExecutionRecord>>;
    /// When the next queued execution is due.
    async fn next_execution_due(&self) -> StoreResult<Option<i64>>;
    /// Puts queued executions that were taken but never finished (the process running them
    /// stopped) back into the queue, due at `now`; returns how many.
    async fn requeue_interrupted(&self, now: i64) -> StoreResult<u64>;
    /// Claims the cron minute `minute` (epoch minutes) of a function's schedule; true for
    /// exactly one caller per minute, across restarts and nodes.
    async fn claim_schedule_tick(&self, project: &str, function: &str, minute: i64) -> StoreResult<bool>;
}

/// Bytes in pieces: a download on its way out.
pub type ByteStream = futures_util::stream::BoxStream<'static, std::io::Result<bytes::Bytes>>;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob not found")]
    NotFound,
    #[error("blob store failure: {0}")]
    Failed(String),
}

/// Where file bytes live: a local folder, or an S3-compatible bucket. Keys are `/`-separated
/// paths core builds from ids and sequence numbers. Every `put` is atomic.
#[async_trait]
pub trait Blobs: Send + Sync + 'static {
    /// Stores `data` under `key`, replacing what was there.
    async fn put(&self, key: &str, data: bytes::Bytes) -> Result<(), BlobError>;
    /// The bytes of `key` (or of `range` within it) as a stream.
    async fn get(&self, key: &str, range: Option<std::ops::Range<u64>>) -> Result<ByteStream, BlobError>;
    /// Removes every blob whose key starts with `prefix/`.
    async fn delete_prefix(&self, prefix: &str) -> Result<(), BlobError>;
}

/// An outgoing HTTP request (webhook deliveries).
#[derive(Debug, Clone)]
pub struct OutboundRequest {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub verify_tls: bool,
    pub timeout: std::time::Duration,
}

/// Sends HTTP requests to the outside world; the adapter owns the client and TLS.
#[async_trait]
pub trait Outbound: Send + Sync + 'static {
    /// POSTs the request and returns the response status, or why it could not be sent.
    async fn post(&self, request: OutboundRequest) -> Result<u16, String>;
}

/// One change to a table's schema.
#[derive(Debug, Clone)]
pub enum SchemaChange {
    /// `Conflict("column")` if the key exists (case-insensitively).
    AddColumn(Column),
    /// Replaces the column `key` (same type); a new key renames it.
    UpdateColumn { key: String, column: Column },
    DeleteColumn(String),
    /// `Conflict("index")` if the key exists; `Conflict("unique")` if existing rows break a
    /// unique index.
    AddIndex(Index),
    DeleteIndex(String),
    /// Adds a relationship: `column` on this table, `twin` on the related table `related`
    /// (which may be this table), and for many-to-many the hidden `junction` table.
    AddRelation { column: Box<Column>, related: String, twin: Box<Column>, junction: Option<Box<TableRecord>> },
    /// Removes relationship `key` from this table, its twin from the related table and the
    /// junction table, if any.
    DeleteRelation(String),
}

/// A list of rows: filters already validated against the schema by core.
#[derive(Debug, Clone, Default)]
pub struct RowQuery {
    pub filters: Vec<Query>,
    pub orders: Vec<(String, Order)>,
    pub random: bool,
    pub limit: u64,
    pub offset: u64,
    pub cursor: Option<(CursorDirection, String)>,
    /// `Some`: only rows granting `read` to one of these roles (row security).
    pub read_roles: Option<Vec<String>>,
    pub total: bool,
}

/// One row write. `expect_permissions`, when set, must equal the row's stored permissions
/// (what core authorized against), else `Precondition("stale")`.
#[derive(Debug, Clone)]
pub enum RowOp {
    /// `Conflict("id")` on a taken id, `Conflict("unique")` on a unique index violation.
    Create { table: Arc<TableRecord>, row: RowRecord },
    /// Sets the given columns (and permissions) of row `id`; `NotFound("row")` if gone.
    Update {
        table: Arc<TableRecord>,
        id: String,
        expect_permissions: Option<Vec<String>>,
        updated_at: i64,
        data: Map<String, Value>,
        permissions: Option<Vec<String>>,
    },
    Delete { table: Arc<TableRecord>, id: String, expect_permissions: Option<Vec<String>> },
    /// Adds `by` to a numeric column; `Precondition("bound")` if the result would pass
    /// `min` / `max`.
    Increment {
        table: Arc<TableRecord>,
        id: String,
        expect_permissions: Option<Vec<String>>,
        updated_at: i64,
        column: String,
        by: serde_json::Number,
        min: Option<f64>,
        max: Option<f64>,
    },
}

/// Something that happened, published after its transaction committed (PROTOCOL.md §9).
#[derive(Debug, Clone)]
pub struct Event {
    pub project: String,
    /// Every name the event matches, from `oxwrite_types::events::generate`.
    pub names: Vec<String>,
    /// The resource's model as the API returns it.
    pub payload: Value,
    /// Roles that may read the resource (realtime delivers only to holders), or `None` for
    /// events only keys and the affected user may see.
    pub readers: Option<Vec<String>>,
    /// The user the event concerns, when there is one.
    pub user_id: Option<String>,
}

/// Where events go: realtime, webhooks and function triggers subscribe. In process now;
/// Redis or NATS fan-out across nodes later. Publishing never blocks.
pub trait EventBus: Send + Sync + 'static {
    fn publish(&self, event: Event);
    /// Whether anything listens: when nothing does, publishers skip building events.
    fn listening(&self) -> bool {
        true
    }
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

/// A runtime this host can run functions in (`/v1/functions/runtimes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeInfo {
    /// `<key>-<version>`, e.g. `node-20.0`, `python-3.11` (Appwrite's runtime ids).
    pub id: String,
    /// `node`, `python`.
    pub key: String,
    /// `Node.js`, `Python`.
    pub name: String,
    /// `20.0`, `3.11`.
    pub version: String,
    /// What really runs it, e.g. `node v20.20.2 (/usr/bin/node)`.
    pub base: String,
    pub image: String,
    pub logo: String,
    pub supports: Vec<String>,
}

/// Build one deployment: unpack its code and run its build commands in its own folder.
#[derive(Debug, Clone)]
pub struct BuildJob {
    /// Names the deployment's folder and its warm instances; `/`-free, unique per deployment.
    pub deployment: String,
    pub runtime: String,
    /// The uploaded `tar.gz` of the code.
    pub source: bytes::Bytes,
    /// Shell commands (`npm install`), run with `sh -c` in the code folder; empty = none.
    pub commands: String,
    pub timeout: std::time::Duration,
    /// The build's environment (besides a minimal `PATH`/`HOME`): function variables etc.
    pub env: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildOutcome {
    pub ok: bool,
    /// Output of the commands (stdout and stderr, bounded), or why the build failed.
    pub logs: String,
    /// Bytes of the built folder.
    pub size: u64,
}

/// One request to a function.
#[derive(Debug, Clone)]
pub struct ExecJob {
    pub deployment: String,
    pub runtime: String,
    /// Path of the entrypoint within the code folder (`index.js`, `src/main.py`).
    pub entrypoint: String,
    /// The function's environment (`APPWRITE_FUNCTION_*` and variables); an instance with
    /// other variables is another instance.
    pub env: Vec<(String, String)>,
    pub method: String,
    /// Path and query string, e.g. `/?a=1`.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: bytes::Bytes,
    pub timeout: std::time::Duration,
    /// Memory limit of the instance in MiB.
    pub memory_mb: u64,
    pub logging: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExecOutcome {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: bytes::Bytes,
    pub logs: String,
    pub errors: String,
    /// Seconds, as Appwrite reports `duration`.
    pub duration: f64,
}

/// Runs function code on this host: builds deployments and executes requests against warm
/// runtime processes (PROTOCOL.md §11, open-runtimes v5), each in its own sandbox.
#[async_trait]
pub trait Runtimes: Send + Sync + 'static {
    /// The runtimes this host has.
    fn available(&self) -> Vec<RuntimeInfo>;
    /// `Err` only when the build could not be attempted at all (the runtime is missing …);
    /// a failing command is `Ok` with `ok: false` and its logs.
    async fn build(&self, job: BuildJob) -> Result<BuildOutcome, String>;
    /// `Err` when no instance could answer (it did not start, it crashed); a timeout is `Ok`
    /// with status 500 and `Execution timed out.` in `errors`, as open-runtimes answers.
    async fn execute(&self, job: ExecJob) -> Result<ExecOutcome, String>;
    /// Stops the deployment's instances and removes its folder.
    async fn remove(&self, deployment: &str);
}

/// A host that runs no functions (every runtime is unsupported).
pub struct NoRuntimes;

#[async_trait]
impl Runtimes for NoRuntimes {
    fn available(&self) -> Vec<RuntimeInfo> {
        Vec::new()
    }
    async fn build(&self, _job: BuildJob) -> Result<BuildOutcome, String> {
        Err("This server runs no functions.".into())
    }
    async fn execute(&self, _job: ExecJob) -> Result<ExecOutcome, String> {
        Err("This server runs no functions.".into())
    }
    async fn remove(&self, _deployment: &str) {}
}
