//! Domain records: what the store keeps for each system resource. Timestamps are
//! milliseconds since the epoch (0 = never). Secrets appear only as SHA-256 digests; password
//! hashes only as [`PasswordHash`]. Converting a record to its wire model lives with the
//! service that owns it.

use serde_json::{Map, Value};

use crate::password::PasswordHash;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProjectRecord {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KeyRecord {
    pub project_id: String,
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    /// SHA-256 hex of the full key string (`standard_…`).
    pub secret_hash: String,
    /// 0 = never expires.
    pub expire: i64,
    pub accessed_at: i64,
    pub sdks: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlatformRecord {
    pub project_id: String,
    pub id: String,
    pub kind: oxwrite_types::models::PlatformKind,
    pub name: String,
    pub identifier: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserRecord {
    pub project_id: String,
    pub id: String,
    pub name: String,
    /// Stored lowercased-as-given; uniqueness is case-insensitive in the store.
    pub email: Option<String>,
    pub phone: Option<String>,
    pub password: Option<PasswordHash>,
    pub password_update: i64,
    pub registration: i64,
    pub status: bool,
    pub labels: Vec<String>,
    pub email_verification: bool,
    pub phone_verification: bool,
    pub mfa: bool,
    pub prefs: Map<String, Value>,
    pub accessed_at: i64,
    pub impersonator: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionRecord {
    pub project_id: String,
    pub id: String,
    pub user_id: String,
    pub secret_hash: String,
    pub provider: String,
    pub provider_uid: String,
    pub factors: Vec<String>,
    pub expire: i64,
    pub ip: String,
    pub user_agent: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a token may be exchanged for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `POST /users/{id}/tokens`: a generic token for `POST /account/sessions/token`.
    Session,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Session => "session",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "session" => Some(Self::Session),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TokenRecord {
    pub project_id: String,
    pub id: String,
    pub user_id: String,
    pub kind: TokenKind,
    pub secret_hash: String,
    pub expire: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TeamRecord {
    pub project_id: String,
    pub id: String,
    pub name: String,
    /// Confirmed members; kept by the store as memberships change.
    pub total: u64,
    pub prefs: Map<String, Value>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MembershipRecord {
    pub project_id: String,
    pub id: String,
    pub team_id: String,
    pub user_id: String,
    pub roles: Vec<String>,
    pub invited: i64,
    /// 0 until confirmed.
    pub joined: i64,
    pub confirm: bool,
    /// SHA-256 of the invitation secret, for unconfirmed memberships.
    pub secret_hash: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A membership together with the names the wire model shows.
#[derive(Debug, Clone, PartialEq)]
pub struct MembershipView {
    pub membership: MembershipRecord,
    pub user_name: String,
    pub user_email: String,
    pub user_phone: String,
    pub user_mfa: bool,
    pub team_name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogRecord {
    pub project_id: String,
    pub user_id: String,
    pub event: String,
    pub ip: String,
    pub user_agent: String,
    pub mode: String,
    pub user_type: String,
    pub time: i64,
}

/// A database (TablesDB or legacy; both APIs see the same ones).
#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseRecord {
    pub project_id: String,
    pub id: String,
    pub name: String,
    pub enabled: bool,
    /// `tablesdb` or `legacy`: which API created it (Appwrite's `type`).
    pub kind: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A table (legacy: collection) with its schema. `seq` names its SQL table (`r<seq>`).
#[derive(Debug, Clone, PartialEq)]
pub struct TableRecord {
    pub project_id: String,
    pub database_id: String,
    pub id: String,
    /// Assigned by the store on creation; never reused.
    pub seq: i64,
    pub name: String,
    pub enabled: bool,
    pub row_security: bool,
    /// Stored permission strings (`write` already expanded).
    pub permissions: Vec<String>,
    pub columns: Vec<oxwrite_types::schema::Column>,
    pub indexes: Vec<oxwrite_types::schema::Index>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl TableRecord {
    /// The physical shape the `sql` crate works from.
    pub fn shape(&self) -> oxwrite_types::schema::TableShape {
        oxwrite_types::schema::TableShape {
            name: format!("r{}", self.seq),
            columns: self.columns.clone(),
            indexes: self.indexes.clone(),
        }
    }
}

/// The id of the hidden table that links the rows of a many-to-many relationship, named after
/// the parent table and the parent's column key. Ids starting with `_` are never user ids.
pub fn junction_id(parent_table: &str, parent_key: &str) -> String {
    format!("_j_{parent_table}_{parent_key}")
}

/// A webhook: events of the project it is told about, POSTed to `url`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WebhookRecord {
    pub project_id: String,
    pub id: String,
    pub name: String,
    pub url: String,
    pub events: Vec<String>,
    /// Whether TLS certificates are verified.
    pub tls: bool,
    pub auth_username: String,
    pub auth_password: String,
    /// The key of the `X-Appwrite-Webhook-Signature` HMAC.
    pub secret: String,
    pub enabled: bool,
    /// The last delivery error.
    pub logs: String,
    /// Failed deliveries in a row (reset by a success); past the limit the webhook is disabled.
    pub attempts: u32,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One event waiting to be delivered to one webhook (the durable queue).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeliveryRecord {
    /// Assigned by the store.
    pub seq: i64,
    pub project_id: String,
    pub webhook_id: String,
    pub events: Vec<String>,
    /// The JSON body to send.
    pub payload: String,
    pub user_id: String,
    /// Failed attempts so far.
    pub attempts: u32,
    /// When it is due (milliseconds).
    pub next_at: i64,
}

/// A TablesDB transaction: operations staged until commit. `owner` is the user who created it
/// (`None` for keys); only they (and keys) see it.
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionRecord {
    pub project_id: String,
    pub id: String,
    pub owner: Option<String>,
    /// `pending`, `committing`, `committed` or `failed`.
    pub status: String,
    /// The staged operations as `createOperations` items (`{action, databaseId, tableId, rowId, data}`).
    pub operations: Vec<Value>,
    pub expires_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A row of a user table. `data` holds the user columns only.
#[derive(Debug, Clone, PartialEq)]
pub struct RowRecord {
    pub seq: i64,
    pub id: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub permissions: Vec<String>,
    pub data: Map<String, Value>,
}

/// A storage bucket. `seq` (assigned by the store) names its blobs, so a bucket deleted and
/// created again under the same id never sees the old one's bytes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BucketRecord {
    pub project_id: String,
    pub id: String,
    pub seq: i64,
    pub name: String,
    pub permissions: Vec<String>,
    pub file_security: bool,
    pub enabled: bool,
    pub maximum_file_size: i64,
    /// Lower-case extensions without the dot; empty allows every file.
    pub allowed_file_extensions: Vec<String>,
    /// `none`, `gzip` or `zstd`.
    pub compression: String,
    pub encryption: bool,
    pub antivirus: bool,
    pub transformations: bool,
    /// Bytes of its files as stored (filled by the store on reads).
    pub total_size: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A file of a bucket. While `chunks_uploaded < chunks_total` it is an upload in progress;
/// its bytes are the chunk blobs `<blob>/<n>`. A finished file is either those chunks
/// (`stored_whole = false`) or, when the bucket compresses or encrypts it, one blob
/// `<blob>/0` holding the transformed bytes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FileRecord {
    pub project_id: String,
    pub bucket_id: String,
    pub bucket_seq: i64,
    pub id: String,
    pub seq: i64,
    pub name: String,
    pub permissions: Vec<String>,
    /// MD5 of the original bytes, hex; empty until the upload completes.
    pub signature: String,
    pub mime_type: String,
    pub size_original: i64,
    /// Bytes as stored (after compression and encryption).
    pub size_actual: i64,
    pub chunks_total: u32,
    pub chunks_uploaded: u32,
    /// `none`, `gzip` or `zstd`: how the stored bytes are compressed.
    pub compression: String,
    /// The AES-GCM nonce (hex) when the stored bytes are encrypted.
    pub nonce: Option<String>,
    /// The blob key prefix of this file's bytes.
    pub blob: String,
    pub stored_whole: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl FileRecord {
    pub fn complete(&self) -> bool {
        self.chunks_uploaded >= self.chunks_total
    }
}

/// A resource token (`/v1/tokens`): grants read of one file to whoever holds its JWT.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResourceTokenRecord {
    pub project_id: String,
    pub id: String,
    /// `files`.
    pub resource_type: String,
    /// `<bucketId>:<fileId>`.
    pub resource_id: String,
    /// `<bucketSeq>:<fileSeq>`: a token outlives nothing it was made for.
    pub resource_internal_id: String,
    /// Milliseconds; `None` never expires.
    pub expire: Option<i64>,
    pub accessed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A function (`/v1/functions`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FunctionRecord {
    pub project_id: String,
    pub id: String,
    pub seq: i64,
    pub name: String,
    pub runtime: String,
    /// Roles that may execute it.
    pub execute: Vec<String>,
    pub events: Vec<String>,
    /// A cron expression, or empty.
    pub schedule: String,
    /// Seconds.
    pub timeout: i64,
    pub enabled: bool,
    pub live: bool,
    pub logging: bool,
    pub entrypoint: String,
    pub commands: String,
    /// Scopes of the key each execution gets.
    pub scopes: Vec<String>,
    pub build_specification: String,
    pub runtime_specification: String,
    pub deployment_retention: i64,
    /// The active deployment, or empty.
    pub deployment_id: String,
    pub deployment_created_at: i64,
    pub latest_deployment_id: String,
    pub latest_deployment_created_at: i64,
    pub latest_deployment_status: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A function variable.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VariableRecord {
    pub project_id: String,
    pub function_id: String,
    pub id: String,
    pub key: String,
    pub value: String,
    pub secret: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A deployment of a function: its uploaded code (a file of the project's hidden
/// deployments bucket with the same id) and its build.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeploymentRecord {
    pub project_id: String,
    pub function_id: String,
    pub id: String,
    /// `manual` or `cli`.
    pub kind: String,
    pub entrypoint: String,
    pub commands: String,
    pub source_size: i64,
    pub build_size: i64,
    pub activate: bool,
    /// `waiting`, `processing`, `building`, `ready`, `canceled`, `failed`.
    pub status: String,
    pub build_logs: String,
    /// Seconds.
    pub build_duration: i64,
    pub build_started_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An execution of a function. Queued ones carry what the run needs in `job` and are due at
/// `due_at`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExecutionRecord {
    pub project_id: String,
    pub function_id: String,
    pub id: String,
    pub seq: i64,
    pub deployment_id: String,
    /// `http`, `event`, `schedule`.
    pub trigger: String,
    /// `waiting`, `scheduled`, `processing`, `completed`, `failed`.
    pub status: String,
    pub permissions: Vec<String>,
    pub request_method: String,
    pub request_path: String,
    pub request_headers: Vec<(String, String)>,
    pub response_status: i64,
    pub response_headers: Vec<(String, String)>,
    pub logs: String,
    pub errors: String,
    pub duration: f64,
    pub scheduled_at: Option<i64>,
    /// When a queued execution should run; `None` once taken (or never queued).
    pub due_at: Option<i64>,
    /// What a queued run needs (body, headers, user) as JSON.
    pub job: String,
    pub created_at: i64,
    pub updated_at: i64,
}
