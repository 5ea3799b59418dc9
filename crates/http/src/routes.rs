//! The route table: every spec operation (from `spec_ops.rs`) and the handlers bound to them
//! by operation id, with the events each one emits. An operation without a binding answers
//! `501 general_not_implemented`; a path that is no operation answers
//! `404 general_route_not_found`.

use std::future::Future;
use std::pin::Pin;

use oxwrite_core::Error;

use crate::handlers::{account, functions, health, project, storage, tablesdb, teams, tokens, users, webhooks};
use crate::params::Ctx;
use crate::reply::Reply;

/// One operation of Appwrite's OpenAPI specs.
#[derive(Debug)]
pub struct SpecOp {
    pub method: &'static str,
    pub path: &'static str,
    pub operation: &'static str,
    pub service: &'static str,
    pub sdk: &'static str,
    /// Which specs list it: S(erver), C(lient), (console) K.
    pub platforms: &'static str,
    /// The request passes the scope check if it holds any of these.
    pub scopes: &'static [&'static str],
    pub rate: Option<RateRule>,
}

/// A fixed-window rate limit (PROTOCOL.md §10).
#[derive(Debug)]
pub struct RateRule {
    pub limit: u32,
    pub window: u32,
    /// Key templates; the request is counted under each.
    pub keys: &'static [&'static str],
}

pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<Reply, Error>> + Send>>;
pub type Handler = fn(Ctx) -> HandlerFuture;

/// A handler bound to a spec operation, and the events it emits (PROTOCOL.md §9).
pub struct Binding {
    pub operation: &'static str,
    pub handler: Handler,
    pub events: &'static [&'static str],
}

pub fn spec_ops() -> &'static [SpecOp] {
    crate::spec_ops::SPEC_OPS
}

macro_rules! bind {
    ($($op:literal => $h:path $([$($ev:literal),*])?;)*) => {
        &[$(Binding { operation: $op, handler: $h, events: &[$($($ev),*)?] }),*]
    };
}

pub static BINDINGS: &[Binding] = bind! {
    // Account.
    "accountGet" => account::get;
    "accountCreate" => account::create ["users.[userId].create"];
    "accountUpdateName" => account::update_name ["users.[userId].update.name"];
    "accountUpdateEmail" => account::update_email ["users.[userId].update.email"];
    "accountUpdatePhone" => account::update_phone ["users.[userId].update.phone"];
    "accountUpdatePassword" => account::update_password ["users.[userId].update.password"];
    "accountGetPrefs" => account::get_prefs;
    "accountUpdatePrefs" => account::update_prefs ["users.[userId].update.prefs"];
    "accountUpdateStatus" => account::update_status ["users.[userId].update.status"];
    "accountCreateEmailPasswordSession" => account::create_email_password_session ["users.[userId].sessions.[sessionId].create"];
    "accountCreateAnonymousSession" => account::create_anonymous_session ["users.[userId].sessions.[sessionId].create"];
    "accountCreateSession" => account::create_session ["users.[userId].sessions.[sessionId].create"];
    "accountListSessions" => account::list_sessions;
    "accountGetSession" => account::get_session;
    "accountUpdateSession" => account::update_session ["users.[userId].sessions.[sessionId].update"];
    "accountDeleteSession" => account::delete_session ["users.[userId].sessions.[sessionId].delete"];
    "accountDeleteSessions" => account::delete_sessions ["users.[userId].sessions.[sessionId].delete"];
    "accountCreateJWT" => account::create_jwt;
    "accountListIdentities" => account::list_identities;
    "accountDeleteIdentity" => account::delete_identity;
    "accountListLogs" => account::list_logs;
    // Users.
    "usersList" => users::list;
    "usersCreate" => users::create ["users.[userId].create"];
    "usersCreateArgon2User" => users::create_argon2 ["users.[userId].create"];
    "usersCreateBcryptUser" => users::create_bcrypt ["users.[userId].create"];
    "usersCreateMD5User" => users::create_md5 ["users.[userId].create"];
    "usersCreatePHPassUser" => users::create_phpass ["users.[userId].create"];
    "usersCreateScryptUser" => users::create_scrypt ["users.[userId].create"];
    "usersCreateScryptModifiedUser" => users::create_scrypt_modified ["users.[userId].create"];
    "usersCreateSHAUser" => users::create_sha ["users.[userId].create"];
    "usersGet" => users::get;
    "usersDelete" => users::delete ["users.[userId].delete"];
    "usersUpdateName" => users::update_name ["users.[userId].update.name"];
    "usersUpdateEmail" => users::update_email ["users.[userId].update.email"];
    "usersUpdatePhone" => users::update_phone ["users.[userId].update.phone"];
    "usersUpdatePassword" => users::update_password ["users.[userId].update.password"];
    "usersUpdateStatus" => users::update_status ["users.[userId].update.status"];
    "usersUpdateLabels" => users::update_labels ["users.[userId].update.labels"];
    "usersUpdateEmailVerification" => users::update_email_verification ["users.[userId].update.verification"];
    "usersUpdatePhoneVerification" => users::update_phone_verification ["users.[userId].update.verification"];
    "usersUpdateImpersonator" => users::update_impersonator ["users.[userId].update.impersonator"];
    "usersGetPrefs" => users::get_prefs;
    "usersUpdatePrefs" => users::update_prefs ["users.[userId].update.prefs"];
    "usersListSessions" => users::list_sessions;
    "usersCreateSession" => users::create_session ["users.[userId].sessions.[sessionId].create"];
    "usersDeleteSessions" => users::delete_sessions ["users.[userId].sessions.[sessionId].delete"];
    "usersDeleteSession" => users::delete_session ["users.[userId].sessions.[sessionId].delete"];
    "usersCreateToken" => users::create_token ["users.[userId].tokens.[tokenId].create"];
    "usersCreateJWT" => users::create_jwt;
    "usersListMemberships" => users::list_memberships;
    "usersListLogs" => users::list_logs;
    "usersListIdentities" => users::list_identities;
    // Teams.
    "teamsList" => teams::list;
    "teamsCreate" => teams::create ["teams.[teamId].create"];
    "teamsGet" => teams::get;
    "teamsUpdateName" => teams::update_name ["teams.[teamId].update"];
    "teamsDelete" => teams::delete ["teams.[teamId].delete"];
    "teamsGetPrefs" => teams::get_prefs;
    "teamsUpdatePrefs" => teams::update_prefs ["teams.[teamId].update.prefs"];
    "teamsListMemberships" => teams::list_memberships;
    "teamsCreateMembership" => teams::create_membership ["teams.[teamId].memberships.[membershipId].create"];
    "teamsGetMembership" => teams::get_membership;
    "teamsUpdateMembership" => teams::update_membership ["teams.[teamId].memberships.[membershipId].update"];
    "teamsUpdateMembershipStatus" => teams::update_membership_status ["teams.[teamId].memberships.[membershipId].update.status"];
    "teamsDeleteMembership" => teams::delete_membership ["teams.[teamId].memberships.[membershipId].delete"];
    // Project (keys and platforms).
    "projectListKeys" => project::list_keys;
    "projectCreateKey" => project::create_key;
    "projectGetKey" => project::get_key;
    "projectUpdateKey" => project::update_key;
    "projectDeleteKey" => project::delete_key;
    "projectCreateEphemeralKey" => project::create_ephemeral_key;
    "projectListPlatforms" => project::list_platforms;
    "projectGetPlatform" => project::get_platform;
    "projectDeletePlatform" => project::delete_platform;
    "projectCreateWebPlatform" => project::create_web_platform;
    "projectUpdateWebPlatform" => project::update_web_platform;
    "projectCreateApplePlatform" => project::create_apple_platform;
    "projectUpdateApplePlatform" => project::update_apple_platform;
    "projectCreateAndroidPlatform" => project::create_android_platform;
    "projectUpdateAndroidPlatform" => project::update_android_platform;
    "projectCreateWindowsPlatform" => project::create_windows_platform;
    "projectUpdateWindowsPlatform" => project::update_windows_platform;
    "projectCreateLinuxPlatform" => project::create_linux_platform;
    "projectUpdateLinuxPlatform" => project::update_linux_platform;
    // TablesDB and the legacy Databases API (events are published by core after commit).
    "tablesDBCreateRelationshipColumn" => tablesdb::tables::create_relationship;
    "tablesDBUpdateRelationshipColumn" => tablesdb::tables::update_relationship;
    "databasesCreateRelationshipAttribute" => tablesdb::legacy::create_relationship;
    "databasesUpdateRelationshipAttribute" => tablesdb::legacy::update_relationship;
    "tablesDBListTransactions" => tablesdb::tables::list_transactions;
    "tablesDBCreateTransaction" => tablesdb::tables::create_transaction;
    "tablesDBGetTransaction" => tablesdb::tables::get_transaction;
    "tablesDBUpdateTransaction" => tablesdb::tables::update_transaction;
    "tablesDBDeleteTransaction" => tablesdb::tables::delete_transaction;
    "tablesDBCreateOperations" => tablesdb::tables::create_operations;
    "databasesListTransactions" => tablesdb::legacy::list_transactions;
    "databasesCreateTransaction" => tablesdb::legacy::create_transaction;
    "databasesGetTransaction" => tablesdb::legacy::get_transaction;
    "databasesUpdateTransaction" => tablesdb::legacy::update_transaction;
    "databasesDeleteTransaction" => tablesdb::legacy::delete_transaction;
    "databasesCreateOperations" => tablesdb::legacy::create_operations;
    "tablesDBList" => tablesdb::tables::list;
    "tablesDBCreate" => tablesdb::tables::create;
    "tablesDBGet" => tablesdb::tables::get;
    "tablesDBUpdate" => tablesdb::tables::update;
    "tablesDBDelete" => tablesdb::tables::delete;
    "tablesDBListTables" => tablesdb::tables::list_tables;
    "tablesDBCreateTable" => tablesdb::tables::create_table;
    "tablesDBGetTable" => tablesdb::tables::get_table;
    "tablesDBUpdateTable" => tablesdb::tables::update_table;
    "tablesDBDeleteTable" => tablesdb::tables::delete_table;
    "tablesDBListColumns" => tablesdb::tables::list_columns;
    "tablesDBGetColumn" => tablesdb::tables::get_column;
    "tablesDBDeleteColumn" => tablesdb::tables::delete_column;
    "tablesDBListIndexes" => tablesdb::tables::list_indexes;
    "tablesDBCreateIndex" => tablesdb::tables::create_index;
    "tablesDBGetIndex" => tablesdb::tables::get_index;
    "tablesDBDeleteIndex" => tablesdb::tables::delete_index;
    "tablesDBListRows" => tablesdb::tables::list_rows;
    "tablesDBCreateRow" => tablesdb::tables::create_row;
    "tablesDBGetRow" => tablesdb::tables::get_row;
    "tablesDBUpdateRow" => tablesdb::tables::update_row;
    "tablesDBUpsertRow" => tablesdb::tables::upsert_row;
    "tablesDBUpsertRows" => tablesdb::tables::upsert_rows;
    "tablesDBUpdateRows" => tablesdb::tables::update_rows;
    "tablesDBDeleteRow" => tablesdb::tables::delete_row;
    "tablesDBDeleteRows" => tablesdb::tables::delete_rows;
    "tablesDBIncrementRowColumn" => tablesdb::tables::increment;
    "tablesDBDecrementRowColumn" => tablesdb::tables::decrement;
    "tablesDBCreateStringColumn" => tablesdb::columns_by_type::tables::create_string;
    "tablesDBUpdateStringColumn" => tablesdb::columns_by_type::tables::update_string;
    "tablesDBCreateVarcharColumn" => tablesdb::columns_by_type::tables::create_varchar;
    "tablesDBUpdateVarcharColumn" => tablesdb::columns_by_type::tables::update_varchar;
    "tablesDBCreateTextColumn" => tablesdb::columns_by_type::tables::create_text;
    "tablesDBUpdateTextColumn" => tablesdb::columns_by_type::tables::update_text;
    "tablesDBCreateMediumtextColumn" => tablesdb::columns_by_type::tables::create_mediumtext;
    "tablesDBUpdateMediumtextColumn" => tablesdb::columns_by_type::tables::update_mediumtext;
    "tablesDBCreateLongtextColumn" => tablesdb::columns_by_type::tables::create_longtext;
    "tablesDBUpdateLongtextColumn" => tablesdb::columns_by_type::tables::update_longtext;
    "tablesDBCreateIntegerColumn" => tablesdb::columns_by_type::tables::create_integer;
    "tablesDBUpdateIntegerColumn" => tablesdb::columns_by_type::tables::update_integer;
    "tablesDBCreateFloatColumn" => tablesdb::columns_by_type::tables::create_float;
    "tablesDBUpdateFloatColumn" => tablesdb::columns_by_type::tables::update_float;
    "tablesDBCreateBooleanColumn" => tablesdb::columns_by_type::tables::create_boolean;
    "tablesDBUpdateBooleanColumn" => tablesdb::columns_by_type::tables::update_boolean;
    "tablesDBCreateDatetimeColumn" => tablesdb::columns_by_type::tables::create_datetime;
    "tablesDBUpdateDatetimeColumn" => tablesdb::columns_by_type::tables::update_datetime;
    "tablesDBCreateEmailColumn" => tablesdb::columns_by_type::tables::create_email;
    "tablesDBUpdateEmailColumn" => tablesdb::columns_by_type::tables::update_email;
    "tablesDBCreateIpColumn" => tablesdb::columns_by_type::tables::create_ip;
    "tablesDBUpdateIpColumn" => tablesdb::columns_by_type::tables::update_ip;
    "tablesDBCreateUrlColumn" => tablesdb::columns_by_type::tables::create_url;
    "tablesDBUpdateUrlColumn" => tablesdb::columns_by_type::tables::update_url;
    "tablesDBCreateEnumColumn" => tablesdb::columns_by_type::tables::create_enum;
    "tablesDBUpdateEnumColumn" => tablesdb::columns_by_type::tables::update_enum;
    "tablesDBCreatePointColumn" => tablesdb::columns_by_type::tables::create_point;
    "tablesDBUpdatePointColumn" => tablesdb::columns_by_type::tables::update_point;
    "tablesDBCreateLineColumn" => tablesdb::columns_by_type::tables::create_line;
    "tablesDBUpdateLineColumn" => tablesdb::columns_by_type::tables::update_line;
    "tablesDBCreatePolygonColumn" => tablesdb::columns_by_type::tables::create_polygon;
    "tablesDBUpdatePolygonColumn" => tablesdb::columns_by_type::tables::update_polygon;
    "databasesList" => tablesdb::legacy::list;
    "databasesCreate" => tablesdb::legacy::create;
    "databasesGet" => tablesdb::legacy::get;
    "databasesUpdate" => tablesdb::legacy::update;
    "databasesDelete" => tablesdb::legacy::delete;
    "databasesListCollections" => tablesdb::legacy::list_tables;
    "databasesCreateCollection" => tablesdb::legacy::create_table;
    "databasesGetCollection" => tablesdb::legacy::get_table;
    "databasesUpdateCollection" => tablesdb::legacy::update_table;
    "databasesDeleteCollection" => tablesdb::legacy::delete_table;
    "databasesListAttributes" => tablesdb::legacy::list_columns;
    "databasesGetAttribute" => tablesdb::legacy::get_column;
    "databasesDeleteAttribute" => tablesdb::legacy::delete_column;
    "databasesListIndexes" => tablesdb::legacy::list_indexes;
    "databasesCreateIndex" => tablesdb::legacy::create_index;
    "databasesGetIndex" => tablesdb::legacy::get_index;
    "databasesDeleteIndex" => tablesdb::legacy::delete_index;
    "databasesListDocuments" => tablesdb::legacy::list_rows;
    "databasesCreateDocument" => tablesdb::legacy::create_row;
    "databasesGetDocument" => tablesdb::legacy::get_row;
    "databasesUpdateDocument" => tablesdb::legacy::update_row;
    "databasesUpsertDocument" => tablesdb::legacy::upsert_row;
    "databasesUpsertDocuments" => tablesdb::legacy::upsert_rows;
    "databasesUpdateDocuments" => tablesdb::legacy::update_rows;
    "databasesDeleteDocument" => tablesdb::legacy::delete_row;
    "databasesDeleteDocuments" => tablesdb::legacy::delete_rows;
    "databasesIncrementDocumentAttribute" => tablesdb::legacy::increment;
    "databasesDecrementDocumentAttribute" => tablesdb::legacy::decrement;
    "databasesCreateStringAttribute" => tablesdb::columns_by_type::legacy::create_string;
    "databasesUpdateStringAttribute" => tablesdb::columns_by_type::legacy::update_string;
    "databasesCreateVarcharAttribute" => tablesdb::columns_by_type::legacy::create_varchar;
    "databasesUpdateVarcharAttribute" => tablesdb::columns_by_type::legacy::update_varchar;
    "databasesCreateTextAttribute" => tablesdb::columns_by_type::legacy::create_text;
    "databasesUpdateTextAttribute" => tablesdb::columns_by_type::legacy::update_text;
    "databasesCreateMediumtextAttribute" => tablesdb::columns_by_type::legacy::create_mediumtext;
    "databasesUpdateMediumtextAttribute" => tablesdb::columns_by_type::legacy::update_mediumtext;
    "databasesCreateLongtextAttribute" => tablesdb::columns_by_type::legacy::create_longtext;
    "databasesUpdateLongtextAttribute" => tablesdb::columns_by_type::legacy::update_longtext;
    "databasesCreateIntegerAttribute" => tablesdb::columns_by_type::legacy::create_integer;
    "databasesUpdateIntegerAttribute" => tablesdb::columns_by_type::legacy::update_integer;
    "databasesCreateFloatAttribute" => tablesdb::columns_by_type::legacy::create_float;
    "databasesUpdateFloatAttribute" => tablesdb::columns_by_type::legacy::update_float;
    "databasesCreateBooleanAttribute" => tablesdb::columns_by_type::legacy::create_boolean;
    "databasesUpdateBooleanAttribute" => tablesdb::columns_by_type::legacy::update_boolean;
    "databasesCreateDatetimeAttribute" => tablesdb::columns_by_type::legacy::create_datetime;
    "databasesUpdateDatetimeAttribute" => tablesdb::columns_by_type::legacy::update_datetime;
    "databasesCreateEmailAttribute" => tablesdb::columns_by_type::legacy::create_email;
    "databasesUpdateEmailAttribute" => tablesdb::columns_by_type::legacy::update_email;
    "databasesCreateIpAttribute" => tablesdb::columns_by_type::legacy::create_ip;
    "databasesUpdateIpAttribute" => tablesdb::columns_by_type::legacy::update_ip;
    "databasesCreateUrlAttribute" => tablesdb::columns_by_type::legacy::create_url;
    "databasesUpdateUrlAttribute" => tablesdb::columns_by_type::legacy::update_url;
    "databasesCreateEnumAttribute" => tablesdb::columns_by_type::legacy::create_enum;
    "databasesUpdateEnumAttribute" => tablesdb::columns_by_type::legacy::update_enum;
    "databasesCreatePointAttribute" => tablesdb::columns_by_type::legacy::create_point;
    "databasesUpdatePointAttribute" => tablesdb::columns_by_type::legacy::update_point;
    "databasesCreateLineAttribute" => tablesdb::columns_by_type::legacy::create_line;
    "databasesUpdateLineAttribute" => tablesdb::columns_by_type::legacy::update_line;
    "databasesCreatePolygonAttribute" => tablesdb::columns_by_type::legacy::create_polygon;
    "databasesUpdatePolygonAttribute" => tablesdb::columns_by_type::legacy::update_polygon;
    // Functions.
    "functionsList" => functions::list;
    "functionsCreate" => functions::create;
    "functionsListRuntimes" => functions::list_runtimes;
    "functionsListSpecifications" => functions::list_specifications;
    "functionsGet" => functions::get;
    "functionsUpdate" => functions::update;
    "functionsDelete" => functions::delete;
    "functionsUpdateFunctionDeployment" => functions::update_function_deployment;
    "functionsListVariables" => functions::list_variables;
    "functionsCreateVariable" => functions::create_variable;
    "functionsGetVariable" => functions::get_variable;
    "functionsUpdateVariable" => functions::update_variable;
    "functionsDeleteVariable" => functions::delete_variable;
    "functionsListDeployments" => functions::list_deployments;
    "functionsCreateDeployment" => functions::create_deployment;
    "functionsCreateDuplicateDeployment" => functions::create_duplicate_deployment;
    "functionsGetDeployment" => functions::get_deployment;
    "functionsDeleteDeployment" => functions::delete_deployment;
    "functionsGetDeploymentDownload" => functions::get_deployment_download;
    "functionsUpdateDeploymentStatus" => functions::update_deployment_status;
    "functionsListExecutions" => functions::list_executions;
    "functionsCreateExecution" => functions::create_execution;
    "functionsGetExecution" => functions::get_execution;
    "functionsDeleteExecution" => functions::delete_execution;
    // Storage.
    "storageListBuckets" => storage::list_buckets;
    "storageCreateBucket" => storage::create_bucket;
    "storageGetBucket" => storage::get_bucket;
    "storageUpdateBucket" => storage::update_bucket;
    "storageDeleteBucket" => storage::delete_bucket;
    "storageListFiles" => storage::list_files;
    "storageCreateFile" => storage::create_file;
    "storageGetFile" => storage::get_file;
    "storageUpdateFile" => storage::update_file;
    "storageDeleteFile" => storage::delete_file;
    "storageGetFileDownload" => storage::download;
    "storageGetFileView" => storage::view;
    "storageGetFilePreview" => storage::preview;

    // Tokens.
    "tokensList" => tokens::list;
    "tokensCreateFileToken" => tokens::create_file_token;
    "tokensGet" => tokens::get;
    "tokensUpdate" => tokens::update;
    "tokensDelete" => tokens::delete;
    // Webhooks.
    "webhooksList" => webhooks::list;
    "webhooksCreate" => webhooks::create;
    "webhooksGet" => webhooks::get;
    "webhooksUpdate" => webhooks::update;
    "webhooksUpdateSecret" => webhooks::update_secret;
    "webhooksDelete" => webhooks::delete;
    // Health.
    "healthGet" => health::get;
};

/// appwrite-compat: Appwrite's `abuse-reset` label (not in the spec): a response with this
/// status forgets the request's rate-limit counts, so a user who signs in often is never
/// locked out by their own successful logins.
pub fn rate_reset_on(operation: &str) -> Option<http::StatusCode> {
    match operation {
        "accountCreateEmailPasswordSession" => Some(http::StatusCode::CREATED),
        _ => None,
    }
}

pub fn binding(operation: &str) -> Option<&'static Binding> {
    BINDINGS.iter().find(|b| b.operation == operation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_binding_names_a_spec_operation_once() {
        let mut seen = std::collections::HashSet::new();
        for b in BINDINGS {
            assert!(spec_ops().iter().any(|op| op.operation == b.operation), "{} is not in the spec", b.operation);
            assert!(seen.insert(b.operation), "{} bound twice", b.operation);
        }
    }
}
