//! TablesDB (`/v1/tablesdb`) and the legacy Databases API (`/v1/databases`): one engine, two
//! vocabularies. [`Api`] picks the names (`rows` / `documents`, `$tableId` / `$collectionId`,
//! `row_not_found` / `document_not_found` …); everything else is shared, so both APIs see the
//! same data.
//!
//! - `databases` / `tables` / `columns` / `indexes`: schema, for keys (and console users).
//! - `rows`: data, for every caller, under the permission rules of `access`.
//! - `values`: checking row data against the columns.
//! - `views`: records → wire models.

pub mod access;
pub mod columns;
pub mod databases;
pub mod indexes;
pub mod relations;
pub mod rows;
pub mod tables;
pub mod transactions;
pub mod values;
pub mod views;

use oxwrite_types::ErrorType;

use crate::app::App;
use crate::caller::Caller;
use crate::records::{DatabaseRecord, TableRecord};
use crate::{Error, Result};

/// Which API a request came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Tables,
    Legacy,
}

impl Api {
    pub fn table_not_found(self) -> ErrorType {
        self.pick(ErrorType::TableNotFound, ErrorType::CollectionNotFound)
    }
    pub fn table_already_exists(self) -> ErrorType {
        self.pick(ErrorType::TableAlreadyExists, ErrorType::CollectionAlreadyExists)
    }
    pub fn row_not_found(self) -> ErrorType {
        self.pick(ErrorType::RowNotFound, ErrorType::DocumentNotFound)
    }
    pub fn row_already_exists(self) -> ErrorType {
        self.pick(ErrorType::RowAlreadyExists, ErrorType::DocumentAlreadyExists)
    }
    pub fn row_invalid_structure(self) -> ErrorType {
        self.pick(ErrorType::RowInvalidStructure, ErrorType::DocumentInvalidStructure)
    }
    pub fn row_missing_payload(self) -> ErrorType {
        self.pick(ErrorType::RowMissingPayload, ErrorType::DocumentMissingPayload)
    }
    pub fn row_missing_data(self) -> ErrorType {
        self.pick(ErrorType::RowMissingData, ErrorType::DocumentMissingData)
    }
    pub fn row_update_conflict(self) -> ErrorType {
        self.pick(ErrorType::RowUpdateConflict, ErrorType::DocumentUpdateConflict)
    }
    pub fn column_not_found(self) -> ErrorType {
        self.pick(ErrorType::ColumnNotFound, ErrorType::AttributeNotFound)
    }
    pub fn column_already_exists(self) -> ErrorType {
        self.pick(ErrorType::ColumnAlreadyExists, ErrorType::AttributeAlreadyExists)
    }
    pub fn column_limit_exceeded(self) -> ErrorType {
        self.pick(ErrorType::ColumnLimitExceeded, ErrorType::AttributeLimitExceeded)
    }
    pub fn column_value_invalid(self) -> ErrorType {
        self.pick(ErrorType::ColumnValueInvalid, ErrorType::AttributeValueInvalid)
    }
    pub fn column_default_unsupported(self) -> ErrorType {
        self.pick(ErrorType::ColumnDefaultUnsupported, ErrorType::AttributeDefaultUnsupported)
    }
    pub fn column_type_invalid(self) -> ErrorType {
        self.pick(ErrorType::ColumnTypeInvalid, ErrorType::AttributeTypeInvalid)
    }
    pub fn column_not_available(self) -> ErrorType {
        self.pick(ErrorType::ColumnNotAvailable, ErrorType::AttributeNotAvailable)
    }
    pub fn column_unknown(self) -> ErrorType {
        self.pick(ErrorType::ColumnUnknown, ErrorType::AttributeUnknown)
    }
    pub fn index_not_found(self) -> ErrorType {
        self.pick(ErrorType::ColumnIndexNotFound, ErrorType::IndexNotFound)
    }
    pub fn index_already_exists(self) -> ErrorType {
        self.pick(ErrorType::ColumnIndexAlreadyExists, ErrorType::IndexAlreadyExists)
    }
    pub fn index_invalid(self) -> ErrorType {
        self.pick(ErrorType::ColumnIndexInvalid, ErrorType::IndexInvalid)
    }
    pub fn index_dependency(self) -> ErrorType {
        self.pick(ErrorType::ColumnIndexDependency, ErrorType::IndexDependency)
    }
    pub fn row_delete_restricted(self) -> ErrorType {
        self.pick(ErrorType::RowDeleteRestricted, ErrorType::DocumentDeleteRestricted)
    }
    pub fn index_limit_exceeded(self) -> ErrorType {
        self.pick(ErrorType::ColumnIndexLimitExceeded, ErrorType::IndexLimitExceeded)
    }

    /// The field naming a row's table: `$tableId` or `$collectionId`.
    pub fn table_id_field(self) -> &'static str {
        self.pick("$tableId", "$collectionId")
    }
    pub fn rows_field(self) -> &'static str {
        self.pick("rows", "documents")
    }
    pub fn tables_field(self) -> &'static str {
        self.pick("tables", "collections")
    }
    pub fn columns_field(self) -> &'static str {
        self.pick("columns", "attributes")
    }
    pub fn row_security_field(self) -> &'static str {
        self.pick("rowSecurity", "documentSecurity")
    }
    /// The `type` a database created through this API gets.
    pub fn database_kind(self) -> &'static str {
        self.pick("tablesdb", "legacy")
    }
    /// The name of the table id parameter's stem: `table` or `collection`.
    pub fn pick_noun(self) -> &'static str {
        self.pick("table", "collection")
    }

    fn pick<T>(self, tables: T, legacy: T) -> T {
        match self {
            Api::Tables => tables,
            Api::Legacy => legacy,
        }
    }
}

/// The table a request addresses, and through which API.
#[derive(Debug, Clone, Copy)]
pub struct TableRef<'a> {
    pub api: Api,
    pub database: &'a str,
    pub table: &'a str,
}

/// The database, if it exists and the caller may use it: disabled databases are invisible to
/// everyone but keys.
pub(crate) async fn load_database(app: &App, caller: &Caller, id: &str) -> Result<DatabaseRecord> {
    let db = if crate::services::bad_id(id) { None } else { app.store.get_database(&caller.project.id, id).await.map_err(Error::internal)? };
    match db {
        Some(db) if db.enabled || caller.is_key() => Ok(db),
        _ => Err(Error::with(ErrorType::DatabaseNotFound, id)),
    }
}

/// The table, if its database and itself are visible to the caller.
pub(crate) async fn load_table(app: &App, caller: &Caller, api: Api, database: &str, id: &str) -> Result<TableRecord> {
    let db = load_database(app, caller, database).await?;
    let table = if crate::services::bad_id(id) { None } else { app.store.get_table(&caller.project.id, &db.id, id).await.map_err(Error::internal)? };
    match table {
        Some(t) if t.enabled || caller.is_key() => Ok(t),
        _ => Err(Error::with(api.table_not_found(), id)),
    }
}

pub(crate) use super::publish;

/// What a table event is about: the table itself, or one of its rows, columns or indexes
/// (with its id).
pub(crate) enum Part<'a> {
    Table,
    Row(&'a str),
    Column(&'a str),
    Index(&'a str),
}

/// Publishes a table-level event under its three spellings (PROTOCOL.md §9):
/// `databases.…tables…`, `tablesdb.…tables…` and the legacy `databases.…collections…`
/// (`documents`, `attributes`).
pub(crate) fn publish_table_event(
    app: &App,
    caller: &Caller,
    t: &TableRecord,
    part: Part<'_>,
    action: &str,
    payload: impl FnOnce() -> serde_json::Value,
    readers: impl FnOnce() -> Option<Vec<String>>,
) {
    if !app.bus.listening() {
        return;
    }
    let (current, legacy, param, id) = match part {
        Part::Table => (String::new(), String::new(), "", ""),
        Part::Row(id) => (".rows.[rowId]".into(), ".documents.[rowId]".into(), "rowId", id),
        Part::Column(id) => (".columns.[columnId]".into(), ".attributes.[columnId]".into(), "columnId", id),
        Part::Index(id) => (".indexes.[indexId]".into(), ".indexes.[indexId]".into(), "indexId", id),
    };
    let patterns = [
        format!("databases.[databaseId].tables.[tableId]{current}.{action}"),
        format!("tablesdb.[databaseId].tables.[tableId]{current}.{action}"),
        format!("databases.[databaseId].collections.[tableId]{legacy}.{action}"),
    ];
    let patterns: Vec<&str> = patterns.iter().map(String::as_str).collect();
    let mut params = vec![("databaseId", t.database_id.as_str()), ("tableId", t.id.as_str())];
    if !param.is_empty() {
        params.push((param, id));
    }
    publish(app, caller, &patterns, &params, payload, readers);
}
