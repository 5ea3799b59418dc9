//! Columns (legacy: attributes): create per type, get, list, update, delete. SQLite adds a
//! column in the same transaction that records it, so a created column is `available` at
//! once; clients that poll for `available` see it on their first poll.

use oxwrite_types::query;
use oxwrite_types::schema::{Column, ColumnType, STATUS_AVAILABLE};
use serde_json::{Number, Value, json};

use super::{Api, Part, TableRef, load_table, publish_table_event, values, views};
use crate::app::{App, now_ms};
use crate::caller::Caller;
use crate::ports::{SchemaChange, StoreError};
use crate::records::TableRecord;
use crate::services::lists::{self, ListInput};
use crate::{Error, Result};

/// User columns per table (MariaDB's 1017 less Appwrite's internal ones, rounded down).
pub const MAX_COLUMNS: usize = 1000;
/// The longest `varchar` (utf8mb4 VARCHAR in a 65,535-byte row).
pub const MAX_VARCHAR: u64 = 16_381;
/// The longest legacy `string` (Appwrite's `APP_DATABASE_ATTRIBUTE_STRING_MAX_LENGTH`).
pub const MAX_STRING: u64 = 1_073_741_824;
pub const MAX_ENUM_ELEMENTS: usize = 100;
pub const MAX_ENUM_ELEMENT_LEN: usize = 255;
/// Bytes Appwrite's own columns take in every row (`_uid`, `_createdAt`, `_updatedAt`,
/// `_permissions`, `_id`), counted in `bytesUsed` like MariaDB does.
const INTERNAL_BYTES: u64 = 1_067;

/// What a create or update request says about a column.
#[derive(Debug, Clone, Default)]
pub struct ColumnInput {
    pub key: String,
    pub required: bool,
    pub default: Value,
    pub array: bool,
    pub size: Option<u64>,
    pub min: Option<Number>,
    pub max: Option<Number>,
    pub elements: Option<Vec<String>>,
    pub encrypt: bool,
}

/// Appwrite's `Key` validator for column and index keys.
pub fn check_key(param: &str, key: &str) -> Result<()> {
    let ok = !key.is_empty()
        && key.len() <= oxwrite_types::id::MAX_ID_LEN
        && key.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_param(
            param,
            "Parameter must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, period, hyphen, and underscore. Can't start with a special char",
        ))
    }
}

/// A column key: [`check_key`], and none of the names SQLite keeps for a table's row id
/// (`rowid`, `oid`: a column of that name could not be added to an existing table).
pub fn check_column_key(param: &str, key: &str) -> Result<()> {
    check_key(param, key)?;
    if key.eq_ignore_ascii_case("rowid") || key.eq_ignore_ascii_case("oid") {
        return Err(Error::invalid_param(param, &format!("\"{key}\" is reserved; choose another key")));
    }
    Ok(())
}

/// Estimated bytes one row of these columns takes (MariaDB's widths), reported as
/// `bytesUsed` and bounded by `bytesMax`.
pub fn row_bytes(columns: &[Column]) -> u64 {
    INTERNAL_BYTES + columns.iter().filter(|c| c.is_physical()).map(width).sum::<u64>()
}

fn width(c: &Column) -> u64 {
    if c.array {
        return 20;
    }
    match c.column_type {
        ColumnType::String | ColumnType::Varchar => {
            let size = c.size.unwrap_or(0);
            if c.column_type == ColumnType::String && size > MAX_VARCHAR {
                12
            } else {
                size * 4 + if size > 255 { 2 } else { 1 }
            }
        }
        ColumnType::Text | ColumnType::Mediumtext | ColumnType::Longtext => 12,
        ColumnType::Email | ColumnType::Url | ColumnType::Ip | ColumnType::Enum => 255 * 4 + 1,
        ColumnType::Integer => {
            let (min, max) = values::int_bounds(c);
            if min < i64::from(i32::MIN) || max > i64::from(i32::MAX) { 8 } else { 4 }
        }
        ColumnType::Float => 8,
        ColumnType::Boolean => 1,
        ColumnType::Datetime => 7,
        ColumnType::Relationship => 255 * 4 + 2,
        ColumnType::Point | ColumnType::Line | ColumnType::Polygon => 25,
    }
}

/// Builds and checks a column of type `t` from `input` (pure: also used by table creation).
pub fn build(api: Api, t: ColumnType, input: ColumnInput, now: i64) -> Result<Column> {
    check_column_key("key", &input.key)?;
    let noun = if api == Api::Tables { "column" } else { "attribute" };
    if !input.default.is_null() && input.required {
        return Err(Error::msg(api.column_default_unsupported(), format!("Cannot set default value for required {noun}")));
    }
    if !input.default.is_null() && input.array {
        return Err(Error::msg(api.column_default_unsupported(), format!("Cannot set default value for array {noun}s")));
    }
    let mut c = Column {
        key: input.key,
        column_type: t,
        required: input.required,
        array: input.array && !t.is_spatial(),
        size: None,
        min: None,
        max: None,
        default: Value::Null,
        elements: Vec::new(),
        encrypt: input.encrypt,
        relation: None,
        status: STATUS_AVAILABLE.to_owned(),
        error: String::new(),
        created_at: now,
        updated_at: now,
    };
    match t {
        ColumnType::String | ColumnType::Varchar => {
            let max = if t == ColumnType::Varchar { MAX_VARCHAR } else { MAX_STRING };
            let size = input.size.ok_or_else(|| Error::missing_param("size"))?;
            if size == 0 || size > max {
                let max = values::thousands(&max.to_string());
                return Err(Error::invalid_param("size", &format!("Value must be a valid range between 1 and {max}")));
            }
            c.size = Some(size);
        }
        ColumnType::Integer => {
            let min = input.min.as_ref().map(|n| n.as_i64().ok_or_else(|| Error::invalid_param("min", "Value must be a valid integer"))).transpose()?;
            let max = input.max.as_ref().map(|n| n.as_i64().ok_or_else(|| Error::invalid_param("max", "Value must be a valid integer"))).transpose()?;
            let (lo, hi) = (min.unwrap_or(i64::MIN), max.unwrap_or(i64::MAX));
            if lo > hi {
                return Err(Error::msg(api.column_value_invalid(), "Minimum value must be lesser than maximum value"));
            }
            c.min = Some(lo.into());
            c.max = Some(hi.into());
        }
        ColumnType::Float => {
            let lo = input.min.as_ref().and_then(Number::as_f64).unwrap_or(-f64::MAX);
            let hi = input.max.as_ref().and_then(Number::as_f64).unwrap_or(f64::MAX);
            if lo > hi {
                return Err(Error::msg(api.column_value_invalid(), "Minimum value must be lesser than maximum value"));
            }
            c.min = Number::from_f64(lo);
            c.max = Number::from_f64(hi);
        }
        ColumnType::Enum => {
            let elements = input.elements.unwrap_or_default();
            if elements.is_empty() || elements.len() > MAX_ENUM_ELEMENTS {
                return Err(Error::invalid_param("elements", &format!("Value must be an array of 1 to {MAX_ENUM_ELEMENTS} strings")));
            }
            if elements.iter().any(|e| e.is_empty() || e.chars().count() > MAX_ENUM_ELEMENT_LEN) {
                return Err(Error::msg(api.column_value_invalid(), format!("Each enum element must not be empty and not longer than {MAX_ENUM_ELEMENT_LEN} characters")));
            }
            c.elements = elements;
        }
        _ => {}
    }
    if !input.default.is_null() {
        if c.column_type == ColumnType::Enum && input.default.as_str().is_some_and(|d| !c.elements.iter().any(|e| e == d)) {
            return Err(Error::msg(api.column_value_invalid(), "Default value not found in elements"));
        }
        values::scalar(&c, &input.default).map_err(|why| Error::msg(api.column_value_invalid(), why))?;
        c.default = match (t, &input.default) {
            // Datetimes are stored in Appwrite's own format.
            (ColumnType::Datetime, Value::String(s)) => values::parse_datetime(s).map_or(Value::Null, |ts| json!(oxwrite_types::time::format(ts))),
            (_, v) => v.clone(),
        };
    }
    Ok(c)
}

/// Builds a column from a `columns[]` item of `createTable` (`{key, type, size, required, …}`).
pub fn from_json(api: Api, v: &Value, now: i64) -> Result<Column> {
    let bad = |why: &str| Error::invalid_param("columns", why);
    let o = v.as_object().ok_or_else(|| bad("Value must be an array of column objects"))?;
    let t: ColumnType = match (o.get("type").and_then(Value::as_str), o.get("format").and_then(Value::as_str)) {
        (Some("string"), Some(f @ ("email" | "ip" | "url" | "enum"))) => serde_json::from_value(json!(f)).map_err(|_| bad("unknown column type"))?,
        (Some("double"), _) => ColumnType::Float,
        (Some("linestring"), _) => ColumnType::Line,
        (Some(t), _) => serde_json::from_value(json!(t)).map_err(|_| bad(&format!("Unknown column type: {t}")))?,
        (None, _) => return Err(bad("Each column needs a type")),
    };
    if t == ColumnType::Relationship {
        return Err(bad("Relationship columns cannot be created with the table; create them afterwards"));
    }
    let input = ColumnInput {
        key: o.get("key").and_then(Value::as_str).unwrap_or_default().to_owned(),
        required: o.get("required").and_then(Value::as_bool).unwrap_or(false),
        default: o.get("default").cloned().unwrap_or(Value::Null),
        array: o.get("array").and_then(Value::as_bool).unwrap_or(false),
        size: o.get("size").and_then(Value::as_u64),
        min: o.get("min").and_then(|v| v.as_number().cloned()),
        max: o.get("max").and_then(|v| v.as_number().cloned()),
        elements: o.get("elements").and_then(|v| serde_json::from_value(v.clone()).ok()),
        encrypt: o.get("encrypt").and_then(Value::as_bool).unwrap_or(false),
    };
    build(api, t, input, now)
}

/// Checks that the columns fit together: unique keys (case-insensitively, as the SQL names
/// are), the count and the row width.
pub fn check_fit(api: Api, table_id: &str, columns: &[Column]) -> Result<()> {
    for (i, c) in columns.iter().enumerate() {
        if columns[..i].iter().any(|o| o.key.eq_ignore_ascii_case(&c.key)) {
            return Err(Error::with(api.column_already_exists(), &c.key));
        }
    }
    if columns.len() > MAX_COLUMNS || row_bytes(columns) > views::BYTES_MAX {
        return Err(Error::msg(
            api.column_limit_exceeded(),
            format!("The maximum number or size of columns for table '{table_id}' has been reached."),
        ));
    }
    Ok(())
}

pub(crate) fn emit(app: &App, caller: &Caller, api: Api, action: &str, t: &TableRecord, c: &Column) {
    publish_table_event(app, caller, t, Part::Column(&c.key), action, || views::column(api, c), || None);
}

fn schema_error(api: Api, e: StoreError) -> Error {
    match e {
        StoreError::Conflict("column") => Error::msg(api.column_already_exists(), "Column with the requested key already exists. Column keys must be unique, try again with a different key."),
        StoreError::NotFound(_) => Error::new(api.column_not_found()),
        other => Error::internal(other),
    }
}

fn not_found(api: Api, key: &str) -> Error {
    Error::with(api.column_not_found(), key)
}

pub async fn create(app: &App, caller: &Caller, at: TableRef<'_>, t: ColumnType, input: ColumnInput) -> Result<Value> {
    let TableRef { api, database, table } = at;
    let tbl = load_table(app, caller, api, database, table).await?;
    let column = build(api, t, input, now_ms())?;
    let mut all = tbl.columns.clone();
    all.push(column.clone());
    check_fit(api, &tbl.id, &all)?;
    let after = app
        .store
        .change_schema(&tbl.project_id, &tbl.database_id, &tbl.id, SchemaChange::AddColumn(column.clone()))
        .await
        .map_err(|e| schema_error(api, e))?;
    emit(app, caller, api, "create", &after, &column);
    Ok(views::column(api, &column))
}

pub async fn get(app: &App, caller: &Caller, at: TableRef<'_>, key: &str) -> Result<Value> {
    let TableRef { api, database, table } = at;
    let tbl = load_table(app, caller, api, database, table).await?;
    let c = tbl.columns.iter().find(|c| c.key == key && super::relations::visible(c)).ok_or_else(|| not_found(api, key))?;
    Ok(views::column(api, c))
}

pub async fn list(app: &App, caller: &Caller, at: TableRef<'_>, input: ListInput) -> Result<Value> {
    let TableRef { api, database, table } = at;
    let tbl = load_table(app, caller, api, database, table).await?;
    let params = lists::params(input, query::COLUMNS_QUERY_ATTRIBUTES)?;
    let models: Vec<Value> = tbl.columns.iter().filter(|c| super::relations::visible(c)).map(|c| views::column(api, c)).collect();
    let (total, items) = super::tables::filter_in_memory(models, &params)?;
    Ok(json!({ "total": total, api.columns_field(): items }))
}

/// What an update may change.
#[derive(Debug, Clone, Default)]
pub struct ColumnUpdate {
    pub required: bool,
    pub default: Value,
    pub size: Option<u64>,
    pub min: Option<Number>,
    pub max: Option<Number>,
    pub elements: Option<Vec<String>>,
    pub new_key: Option<String>,
}

pub async fn update(app: &App, caller: &Caller, at: TableRef<'_>, t: ColumnType, key: &str, u: ColumnUpdate) -> Result<Value> {
    let TableRef { api, database, table } = at;
    let tbl = load_table(app, caller, api, database, table).await?;
    let old = tbl.columns.iter().find(|c| c.key == key).ok_or_else(|| not_found(api, key))?;
    if old.column_type != t {
        return Err(Error::msg(api.column_type_invalid(), format!("The column '{key}' type is invalid.")));
    }
    let input = ColumnInput {
        key: u.new_key.clone().unwrap_or_else(|| old.key.clone()),
        required: u.required,
        default: u.default,
        array: old.array,
        size: u.size.or(old.size),
        min: u.min.or_else(|| old.min.clone()),
        max: u.max.or_else(|| old.max.clone()),
        elements: u.elements.or_else(|| Some(old.elements.clone())),
        encrypt: old.encrypt,
    };
    let mut column = build(api, t, input, old.created_at)?;
    column.relation = old.relation.clone();
    column.updated_at = now_ms();
    let all: Vec<Column> = tbl.columns.iter().map(|c| if c.key == key { column.clone() } else { c.clone() }).collect();
    check_fit(api, &tbl.id, &all)?;
    let after = app
        .store
        .change_schema(&tbl.project_id, &tbl.database_id, &tbl.id, SchemaChange::UpdateColumn { key: key.to_owned(), column: column.clone() })
        .await
        .map_err(|e| schema_error(api, e))?;
    emit(app, caller, api, "update", &after, &column);
    Ok(views::column(api, &column))
}

pub async fn delete(app: &App, caller: &Caller, at: TableRef<'_>, key: &str) -> Result<()> {
    let TableRef { api, database, table } = at;
    let tbl = load_table(app, caller, api, database, table).await?;
    let c = tbl.columns.iter().find(|c| c.key == key).cloned().ok_or_else(|| not_found(api, key))?;
    if tbl.indexes.iter().any(|i| i.columns.iter().any(|k| k == key)) {
        return Err(Error::with(api.index_dependency(), key));
    }
    if c.column_type == ColumnType::Relationship {
        return super::relations::delete_column(app, caller, api, &tbl, &c).await;
    }
    let after = app
        .store
        .change_schema(&tbl.project_id, &tbl.database_id, &tbl.id, SchemaChange::DeleteColumn(key.to_owned()))
        .await
        .map_err(|e| schema_error(api, e))?;
    emit(app, caller, api, "delete", &after, &c);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sqlite_keeps_are_refused() {
        assert!(check_column_key("key", "title").is_ok());
        assert!(check_column_key("key", "rowId").is_err());
        assert!(check_column_key("key", "OID").is_err());
        assert!(check_column_key("key", "rowIds").is_ok());
        assert!(check_key("key", "rowid").is_ok(), "index keys are not SQL names");
    }
}
