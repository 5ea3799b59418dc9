//! Indexes: key, unique, fulltext and spatial, with orders and lengths. Built in the same
//! transaction that records them, so they are `available` when the call returns.

use oxwrite_types::{ErrorType, query};
use oxwrite_types::schema::{ColumnType, Index, IndexOrder, IndexType, STATUS_AVAILABLE};
use serde_json::{Value, json};

use super::{Api, Part, TableRef, columns::check_key, load_table, publish_table_event, views};
use crate::app::{App, now_ms};
use crate::caller::Caller;
use crate::ports::{SchemaChange, StoreError};
use crate::records::TableRecord;
use crate::services::lists::{self, ListInput};
use crate::{Error, Result};

/// Indexes per table (MariaDB's 64).
pub const MAX_INDEXES: usize = 64;
/// Columns per index.
pub const MAX_INDEX_COLUMNS: usize = 16;

pub struct IndexInput {
    pub key: String,
    pub index_type: String,
    pub columns: Vec<String>,
    pub orders: Option<Vec<String>>,
    pub lengths: Option<Vec<Option<u64>>>,
}

/// Builds and checks an index against the table's columns (pure).
pub fn build(api: Api, table: &TableRecord, input: IndexInput, now: i64) -> Result<Index> {
    check_key("key", &input.key)?;
    let invalid = |why: String| Error::msg(api.index_invalid(), why);
    let index_type = match input.index_type.as_str() {
        "key" => IndexType::Key,
        "unique" => IndexType::Unique,
        "fulltext" => IndexType::Fulltext,
        "spatial" => IndexType::Spatial,
        other => {
            return Err(Error::invalid_param("type", &format!("Value must be one of (key, fulltext, unique, spatial), got {other}")));
        }
    };
    if table.indexes.iter().any(|i| i.key.eq_ignore_ascii_case(&input.key)) {
        return Err(Error::with(api.index_already_exists(), &input.key));
    }
    if table.indexes.len() >= MAX_INDEXES {
        return Err(Error::with(api.index_limit_exceeded(), &table.id));
    }
    if input.columns.is_empty() || input.columns.len() > MAX_INDEX_COLUMNS {
        return Err(Error::invalid_param("columns", &format!("Value must be an array of 1 to {MAX_INDEX_COLUMNS} column keys")));
    }
    for (i, key) in input.columns.iter().enumerate() {
        if input.columns[..i].contains(key) {
            return Err(invalid(format!("Duplicate attributes provided: {key}")));
        }
        if matches!(key.as_str(), "$id" | "$createdAt" | "$updatedAt") {
            if index_type != IndexType::Key && index_type != IndexType::Unique {
                return Err(invalid(format!("Attribute \"{key}\" cannot be part of a {} index", input.index_type)));
            }
            continue;
        }
        let Some(c) = table.columns.iter().find(|c| &c.key == key) else {
            return Err(Error::with(api.column_unknown(), key));
        };
        if c.column_type == ColumnType::Relationship {
            return Err(Error::msg(api.column_type_invalid(), format!("Cannot create an index for a relationship column: {key}")));
        }
        if c.array {
            return Err(Error::msg(ErrorType::IndexInvalid, "Creating indexes on array attributes is not currently supported."));
        }
        let text = matches!(
            c.column_type,
            ColumnType::String | ColumnType::Varchar | ColumnType::Text | ColumnType::Mediumtext | ColumnType::Longtext | ColumnType::Email | ColumnType::Url | ColumnType::Ip | ColumnType::Enum
        );
        match index_type {
            IndexType::Fulltext if !text || c.array => {
                return Err(invalid(format!("Attribute \"{key}\" cannot be part of a fulltext index, it must be of type string")));
            }
            IndexType::Spatial if !c.column_type.is_spatial() => {
                return Err(invalid(format!("Attribute \"{key}\" cannot be part of a spatial index, it must be a spatial type")));
            }
            IndexType::Key | IndexType::Unique if c.column_type.is_spatial() => {
                return Err(invalid(format!("Spatial attribute \"{key}\" can only be part of a spatial index")));
            }
            _ => {}
        }
    }
    if index_type == IndexType::Spatial && input.columns.len() != 1 {
        return Err(invalid("Spatial index can be created on a single spatial attribute".into()));
    }
    let orders = input.orders.unwrap_or_default();
    if orders.len() > input.columns.len() {
        return Err(invalid("Too many orders for the index's columns".into()));
    }
    let orders = orders
        .iter()
        .map(|o| match o.to_ascii_uppercase().as_str() {
            "ASC" => Ok(Some(IndexOrder::Asc)),
            "DESC" => Ok(Some(IndexOrder::Desc)),
            "" => Ok(None),
            _ => Err(Error::invalid_param("orders", "Value must be one of (ASC, DESC)")),
        })
        .collect::<Result<Vec<_>>>()?;
    let lengths = input.lengths.unwrap_or_default();
    if lengths.len() > input.columns.len() {
        return Err(invalid("Invalid index lengths. Count of lengths must be equal or less than the number of attributes.".into()));
    }
    let same = |i: &&Index| i.columns == input.columns && i.orders == orders;
    if table.indexes.iter().any(|i| same(&i)) {
        return Err(invalid("There is already an index with the same attributes and orders".into()));
    }
    Ok(Index {
        key: input.key,
        index_type,
        columns: input.columns,
        lengths,
        orders,
        status: STATUS_AVAILABLE.to_owned(),
        error: String::new(),
        created_at: now,
        updated_at: now,
    })
}

/// Builds an index from an `indexes[]` item of `createTable`.
pub fn from_json(api: Api, table: &TableRecord, v: &Value, now: i64) -> Result<Index> {
    let bad = || Error::invalid_param("indexes", "Value must be an array of index objects");
    let o = v.as_object().ok_or_else(bad)?;
    let strings = |name: &str| -> Option<Vec<String>> { o.get(name).and_then(|v| serde_json::from_value(v.clone()).ok()) };
    let input = IndexInput {
        key: o.get("key").and_then(Value::as_str).unwrap_or_default().to_owned(),
        index_type: o.get("type").and_then(Value::as_str).unwrap_or_default().to_owned(),
        columns: strings("columns").or_else(|| strings("attributes")).unwrap_or_default(),
        orders: strings("orders"),
        lengths: o.get("lengths").and_then(|v| serde_json::from_value(v.clone()).ok()),
    };
    build(api, table, input, now)
}

fn emit(app: &App, caller: &Caller, api: Api, action: &str, t: &TableRecord, i: &Index) {
    publish_table_event(app, caller, t, Part::Index(&i.key), action, || views::index(api, i), || None);
}

pub async fn create(app: &App, caller: &Caller, at: TableRef<'_>, input: IndexInput) -> Result<Value> {
    let TableRef { api, database, table } = at;
    let tbl = load_table(app, caller, api, database, table).await?;
    let index = build(api, &tbl, input, now_ms())?;
    let after = app
        .store
        .change_schema(&tbl.project_id, &tbl.database_id, &tbl.id, SchemaChange::AddIndex(index.clone()))
        .await
        .map_err(|e| match e {
            StoreError::Conflict("index") => Error::with(api.index_already_exists(), &index.key),
            StoreError::Conflict(_) => Error::msg(api.index_invalid(), "Existing rows violate the unique index; remove the duplicates first."),
            other => Error::internal(other),
        })?;
    emit(app, caller, api, "create", &after, &index);
    Ok(views::index(api, &index))
}

pub async fn get(app: &App, caller: &Caller, at: TableRef<'_>, key: &str) -> Result<Value> {
    let TableRef { api, database, table } = at;
    let tbl = load_table(app, caller, api, database, table).await?;
    let i = tbl.indexes.iter().find(|i| i.key == key).ok_or_else(|| Error::with(api.index_not_found(), key))?;
    Ok(views::index(api, i))
}

pub async fn list(app: &App, caller: &Caller, at: TableRef<'_>, input: ListInput) -> Result<Value> {
    let TableRef { api, database, table } = at;
    let tbl = load_table(app, caller, api, database, table).await?;
    let allowed: Vec<&str> = query::INDEXES_QUERY_ATTRIBUTES
        .iter()
        .map(|a| if *a == "columns" && api == Api::Legacy { "attributes" } else { *a })
        .collect();
    let params = lists::params(input, &allowed)?;
    let models: Vec<Value> = tbl.indexes.iter().map(|i| views::index(api, i)).collect();
    let (total, items) = super::tables::filter_in_memory(models, &params)?;
    Ok(json!({ "total": total, "indexes": items }))
}

pub async fn delete(app: &App, caller: &Caller, at: TableRef<'_>, key: &str) -> Result<()> {
    let TableRef { api, database, table } = at;
    let tbl = load_table(app, caller, api, database, table).await?;
    let i = tbl.indexes.iter().find(|i| i.key == key).cloned().ok_or_else(|| Error::with(api.index_not_found(), key))?;
    let after = app
        .store
        .change_schema(&tbl.project_id, &tbl.database_id, &tbl.id, SchemaChange::DeleteIndex(key.to_owned()))
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => Error::new(api.index_not_found()),
            other => Error::internal(other),
        })?;
    emit(app, caller, api, "delete", &after, &i);
    Ok(())
}
