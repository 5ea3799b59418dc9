//! Rows (legacy: documents): create (single and bulk), get, list, update, upsert, delete,
//! update / delete by queries, increment / decrement. Every read and write goes through the
//! rules of [`super::access`]; writes carry the permissions they were authorized against, so
//! a concurrent permission change makes them retry instead of slipping through.

use std::sync::Arc;

use oxwrite_types::permission::{Action, Permission};
use oxwrite_types::query::{self, Query, QueryError};
use oxwrite_types::schema::ColumnType;
use oxwrite_types::ErrorType;
use serde_json::{Map, Number, Value, json};

use super::{Api, TableRef, access, load_table, publish, values, views};
use crate::app::{App, now_ms};
use crate::caller::Caller;
use crate::ports::{LIST_TOTAL_CAP, Page, RowOp, RowQuery, StoreError};
use crate::records::{RowRecord, TableRecord};
use crate::{Error, Result, secrets};

/// Rows one bulk request may carry (Appwrite's `APP_LIMIT_DATABASE_BATCH`).
pub const MAX_BATCH: usize = 1000;
/// How often a write whose row changed underneath it is retried.
const RETRIES: usize = 5;

fn query_error(e: QueryError) -> Error {
    match e {
        QueryError::Argument(m) => Error::invalid_param("queries", &m),
        QueryError::Syntax(m) => Error::msg(ErrorType::GeneralQueryInvalid, format!("Invalid query: {m}")),
        QueryError::Invalid(m) => Error::msg(ErrorType::GeneralQueryInvalid, m),
    }
}

fn store_error(api: Api, e: StoreError) -> Error {
    match e {
        StoreError::Conflict(_) => Error::new(api.row_already_exists()),
        StoreError::NotFound("cursor") => Error::msg(ErrorType::GeneralCursorNotFound, "Cursor not found"),
        StoreError::NotFound(_) => Error::new(api.row_not_found()),
        StoreError::InvalidQuery(m) => Error::msg(ErrorType::GeneralQueryInvalid, format!("Invalid query: {m}")),
        StoreError::Precondition(_) => Error::new(api.row_update_conflict()),
        other => Error::internal(other),
    }
}

/// Roles that may read the row: the table's readers and, with row security, the row's.
fn readers(t: &TableRecord, r: &RowRecord) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let row_perms: &[String] = if t.row_security { &r.permissions } else { &[] };
    for p in t.permissions.iter().chain(row_perms) {
        if let Ok(perm) = Permission::parse(p)
            && perm.action == Action::Read
        {
            let role = perm.role.to_string();
            if !out.contains(&role) {
                out.push(role);
            }
        }
    }
    out
}

fn emit(app: &App, caller: &Caller, api: Api, action: &str, t: &TableRecord, r: &RowRecord) {
    let patterns = [
        format!("databases.[databaseId].tables.[tableId].rows.[rowId].{action}"),
        format!("tablesdb.[databaseId].tables.[tableId].rows.[rowId].{action}"),
        format!("databases.[databaseId].collections.[tableId].documents.[rowId].{action}"),
    ];
    let patterns: Vec<&str> = patterns.iter().map(String::as_str).collect();
    let params = [("databaseId", t.database_id.as_str()), ("tableId", t.id.as_str()), ("rowId", r.id.as_str())];
    publish(app, caller, &patterns, &params, views::row(api, t, r, &[]), Some(readers(t, r)));
}

fn reject_transaction(transaction: Option<&str>) -> Result<()> {
    match transaction {
        Some(t) if !t.is_empty() => Err(Error::msg(ErrorType::GeneralNotImplemented, "Transactions are not implemented yet.")),
        _ => Ok(()),
    }
}

/// A new row as a request describes it.
#[derive(Debug, Clone, Default)]
pub struct NewRow {
    pub id: String,
    pub data: Map<String, Value>,
    pub permissions: Option<Vec<String>>,
}

/// Splits a bulk `rows[]` item into id, permissions and data.
pub fn new_row_from_object(mut o: Map<String, Value>) -> Result<NewRow> {
    let id = match o.remove("$id") {
        Some(Value::String(s)) => s,
        None | Some(Value::Null) => "unique()".to_owned(),
        Some(_) => return Err(Error::invalid_param("rows", "$id must be a string")),
    };
    let permissions = match o.remove("$permissions") {
        None | Some(Value::Null) => None,
        Some(v) => Some(serde_json::from_value(v).map_err(|_| Error::invalid_param("rows", "$permissions must be an array of strings"))?),
    };
    o.retain(|k, _| !k.starts_with('$'));
    Ok(NewRow { id, data: o, permissions })
}

fn prepare(api: Api, caller: &Caller, t: &TableRecord, input: NewRow, now: i64) -> Result<RowRecord> {
    let id = secrets::resolve_id("rowId", &input.id)?;
    let permissions = access::row_permissions(caller, input.permissions.as_deref())?;
    let data = values::for_create(api, t, &input.data)?;
    Ok(RowRecord { seq: 0, id, created_at: now, updated_at: now, permissions, data })
}

pub async fn create(app: &App, caller: &Caller, at: TableRef<'_>, input: NewRow, transaction: Option<&str>) -> Result<Value> {
    let TableRef { api, database, table } = at;
    reject_transaction(transaction)?;
    let t = Arc::new(load_table(app, caller, api, database, table).await?);
    if !access::table_allows(&t, caller, Action::Create) {
        return Err(ErrorType::UserUnauthorized.into());
    }
    let row = prepare(api, caller, &t, input, now_ms())?;
    let written = app.store.write_rows(vec![RowOp::Create { table: t.clone(), row }]).await.map_err(|e| store_error(api, e))?;
    let row = written.into_iter().flatten().next().ok_or_else(|| Error::internal("create returned no row"))?;
    emit(app, caller, api, "create", &t, &row);
    Ok(views::row(api, &t, &row, &[]))
}

fn bulk_len(n: usize) -> Result<()> {
    if n == 0 || n > MAX_BATCH {
        return Err(Error::invalid_param("rows", &format!("Value must be an array of 1 to {MAX_BATCH} rows")));
    }
    Ok(())
}

/// Bulk creation, for keys (Appwrite offers bulk operations to server SDKs only).
pub async fn create_many(app: &App, caller: &Caller, at: TableRef<'_>, rows: Vec<Value>, transaction: Option<&str>) -> Result<Value> {
    let TableRef { api, database, table } = at;
    reject_transaction(transaction)?;
    if !caller.is_key() {
        return Err(ErrorType::UserUnauthorized.into());
    }
    bulk_len(rows.len())?;
    let t = Arc::new(load_table(app, caller, api, database, table).await?);
    let now = now_ms();
    let mut ops = Vec::with_capacity(rows.len());
    for v in rows {
        let Value::Object(o) = v else { return Err(Error::invalid_param("rows", "Value must be an array of objects")) };
        ops.push(RowOp::Create { table: t.clone(), row: prepare(api, caller, &t, new_row_from_object(o)?, now)? });
    }
    let written: Vec<RowRecord> = app.store.write_rows(ops).await.map_err(|e| store_error(api, e))?.into_iter().flatten().collect();
    for r in &written {
        emit(app, caller, api, "create", &t, r);
    }
    let items: Vec<Value> = written.iter().map(|r| views::row(api, &t, r, &[])).collect();
    Ok(json!({ "total": items.len(), api.rows_field(): items }))
}

/// The `select` of a get or list, checked; empty means everything.
fn selection(t: &TableRecord, queries: &[Query]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for q in queries.iter().filter(|q| q.method == query::Method::Select) {
        for v in &q.values {
            let Some(name) = v.as_str() else { continue };
            if name != "*" && !name.starts_with('$') && !t.columns.iter().any(|c| c.key == name) {
                return Err(Error::msg(ErrorType::GeneralQueryInvalid, format!("Invalid query: Attribute not found in schema: {name}")));
            }
            out.push(name.to_owned());
        }
    }
    Ok(out)
}

/// Loads a row the caller may read, or `row_not_found`.
async fn load_row(app: &App, caller: &Caller, api: Api, t: &TableRecord, id: &str) -> Result<RowRecord> {
    let row = if id.is_empty() || id.len() > oxwrite_types::id::MAX_ID_LEN {
        None
    } else {
        app.store.get_row(t, id).await.map_err(|e| store_error(api, e))?
    };
    match row {
        Some(r) if access::row_allows(t, &r.permissions, caller, Action::Read) => Ok(r),
        _ => Err(Error::msg(api.row_not_found(), format!("{} with the requested ID '{id}' could not be found.", noun(api)))),
    }
}

fn noun(api: Api) -> &'static str {
    match api {
        Api::Tables => "Row",
        Api::Legacy => "Document",
    }
}

pub async fn get(app: &App, caller: &Caller, at: TableRef<'_>, id: &str, queries: &[String], transaction: Option<&str>) -> Result<Value> {
    let TableRef { api, database, table } = at;
    reject_transaction(transaction)?;
    let t = load_table(app, caller, api, database, table).await?;
    let queries = query::parse_all(queries).map_err(query_error)?;
    if let Some(q) = queries.iter().find(|q| q.method != query::Method::Select) {
        return Err(Error::msg(ErrorType::GeneralQueryInvalid, format!("Invalid query: Query method not allowed: {}", q.method.as_str())));
    }
    let select = selection(&t, &queries)?;
    let row = load_row(app, caller, api, &t, id).await?;
    Ok(views::row(api, &t, &row, &select))
}

/// Turns list queries into a store query for the caller (permissions included).
fn row_query(t: &TableRecord, caller: &Caller, queries: Vec<Query>, total: bool) -> Result<RowQuery> {
    let grouped = query::group(queries).map_err(query_error)?;
    Ok(RowQuery {
        filters: grouped.filters,
        orders: grouped.orders,
        random: grouped.order_random,
        limit: grouped.limit.unwrap_or(query::DEFAULT_LIMIT),
        offset: grouped.offset.unwrap_or(0),
        cursor: grouped.cursor,
        read_roles: access::read_filter(t, caller)?,
        total,
    })
}

pub async fn list(app: &App, caller: &Caller, at: TableRef<'_>, queries: &[String], total: Option<bool>, transaction: Option<&str>) -> Result<Value> {
    let TableRef { api, database, table } = at;
    reject_transaction(transaction)?;
    let t = load_table(app, caller, api, database, table).await?;
    let queries = query::parse_all(queries).map_err(query_error)?;
    let select = selection(&t, &queries)?;
    let q = row_query(&t, caller, queries, total.unwrap_or(true))?;
    let page: Page<RowRecord> = app.store.list_rows(&t, q).await.map_err(|e| store_error(api, e))?;
    let items: Vec<Value> = page.items.iter().map(|r| views::row(api, &t, r, &select)).collect();
    Ok(json!({ "total": page.total.min(LIST_TOTAL_CAP), api.rows_field(): items }))
}

/// What an update changes: data (partial) and/or permissions.
#[derive(Debug, Clone, Default)]
pub struct RowPatch {
    pub data: Option<Map<String, Value>>,
    pub permissions: Option<Vec<String>>,
}

async fn write_update(app: &App, caller: &Caller, api: Api, t: &Arc<TableRecord>, id: &str, patch: &RowPatch) -> Result<RowRecord> {
    for _ in 0..RETRIES {
        let row = load_row(app, caller, api, t, id).await?;
        if !access::row_allows(t, &row.permissions, caller, Action::Update) {
            return Err(ErrorType::UserUnauthorized.into());
        }
        let data = match &patch.data {
            Some(d) => values::for_update(api, t, d)?,
            None => Map::new(),
        };
        let permissions = match &patch.permissions {
            Some(p) => Some(access::row_permissions(caller, Some(p))?),
            None => None,
        };
        let op = RowOp::Update {
            table: t.clone(),
            id: row.id.clone(),
            expect_permissions: Some(row.permissions.clone()),
            updated_at: now_ms(),
            data,
            permissions,
        };
        match app.store.write_rows(vec![op]).await {
            Ok(written) => return written.into_iter().flatten().next().ok_or_else(|| Error::internal("update returned no row")),
            Err(StoreError::Precondition(_)) => continue,
            Err(e) => return Err(store_error(api, e)),
        }
    }
    Err(Error::new(api.row_update_conflict()))
}

pub async fn update(app: &App, caller: &Caller, at: TableRef<'_>, id: &str, patch: RowPatch, transaction: Option<&str>) -> Result<Value> {
    let TableRef { api, database, table } = at;
    reject_transaction(transaction)?;
    let t = Arc::new(load_table(app, caller, api, database, table).await?);
    let row = write_update(app, caller, api, &t, id, &patch).await?;
    emit(app, caller, api, "update", &t, &row);
    Ok(views::row(api, &t, &row, &[]))
}

/// Creates the row, or updates it when the id exists (PUT).
pub async fn upsert(app: &App, caller: &Caller, at: TableRef<'_>, input: NewRow, transaction: Option<&str>) -> Result<Value> {
    let TableRef { api, database, table } = at;
    reject_transaction(transaction)?;
    let t = Arc::new(load_table(app, caller, api, database, table).await?);
    let (row, action) = upsert_one(app, caller, api, &t, input).await?;
    emit(app, caller, api, action, &t, &row);
    emit(app, caller, api, "upsert", &t, &row);
    Ok(views::row(api, &t, &row, &[]))
}

async fn upsert_one(app: &App, caller: &Caller, api: Api, t: &Arc<TableRecord>, input: NewRow) -> Result<(RowRecord, &'static str)> {
    let id = secrets::resolve_id("rowId", &input.id)?;
    for _ in 0..RETRIES {
        let existing = app.store.get_row(t, &id).await.map_err(|e| store_error(api, e))?;
        if existing.is_some() {
            let patch = RowPatch { data: Some(input.data.clone()), permissions: input.permissions.clone() };
            return Ok((write_update(app, caller, api, t, &id, &patch).await?, "update"));
        }
        if !access::table_allows(t, caller, Action::Create) {
            return Err(ErrorType::UserUnauthorized.into());
        }
        let row = prepare(api, caller, t, NewRow { id: id.clone(), ..input.clone() }, now_ms())?;
        match app.store.write_rows(vec![RowOp::Create { table: t.clone(), row }]).await {
            Ok(written) => return Ok((written.into_iter().flatten().next().ok_or_else(|| Error::internal("no row"))?, "create")),
            // Someone created it meanwhile: update it instead.
            Err(StoreError::Conflict("id")) => continue,
            Err(e) => return Err(store_error(api, e)),
        }
    }
    Err(Error::new(api.row_update_conflict()))
}

/// Bulk upsert, for keys.
pub async fn upsert_many(app: &App, caller: &Caller, at: TableRef<'_>, rows: Vec<Value>, transaction: Option<&str>) -> Result<Value> {
    let TableRef { api, database, table } = at;
    reject_transaction(transaction)?;
    if !caller.is_key() {
        return Err(ErrorType::UserUnauthorized.into());
    }
    bulk_len(rows.len())?;
    let t = Arc::new(load_table(app, caller, api, database, table).await?);
    let now = now_ms();
    let mut ops = Vec::with_capacity(rows.len());
    for v in rows {
        let Value::Object(o) = v else { return Err(Error::invalid_param("rows", "Value must be an array of objects")) };
        let input = new_row_from_object(o)?;
        let id = secrets::resolve_id("rowId", &input.id)?;
        match app.store.get_row(&t, &id).await.map_err(|e| store_error(api, e))? {
            Some(old) => {
                let permissions = input.permissions.as_deref().map(|p| access::row_permissions(caller, Some(p))).transpose()?;
                ops.push(RowOp::Update {
                    table: t.clone(),
                    id,
                    expect_permissions: Some(old.permissions),
                    updated_at: now,
                    data: values::for_update(api, &t, &input.data)?,
                    permissions,
                });
            }
            None => ops.push(RowOp::Create { table: t.clone(), row: prepare(api, caller, &t, NewRow { id, ..input }, now)? }),
        }
    }
    let written: Vec<RowRecord> = app.store.write_rows(ops).await.map_err(|e| store_error(api, e))?.into_iter().flatten().collect();
    for r in &written {
        emit(app, caller, api, "upsert", &t, r);
    }
    let items: Vec<Value> = written.iter().map(|r| views::row(api, &t, r, &[])).collect();
    Ok(json!({ "total": items.len(), api.rows_field(): items }))
}

pub async fn delete(app: &App, caller: &Caller, at: TableRef<'_>, id: &str, transaction: Option<&str>) -> Result<()> {
    let TableRef { api, database, table } = at;
    reject_transaction(transaction)?;
    let t = Arc::new(load_table(app, caller, api, database, table).await?);
    for _ in 0..RETRIES {
        let row = load_row(app, caller, api, &t, id).await?;
        if !access::row_allows(&t, &row.permissions, caller, Action::Delete) {
            return Err(ErrorType::UserUnauthorized.into());
        }
        let op = RowOp::Delete { table: t.clone(), id: row.id.clone(), expect_permissions: Some(row.permissions.clone()) };
        match app.store.write_rows(vec![op]).await {
            Ok(_) => {
                emit(app, caller, api, "delete", &t, &row);
                return Ok(());
            }
            Err(StoreError::Precondition(_)) => continue,
            Err(e) => return Err(store_error(api, e)),
        }
    }
    Err(Error::new(api.row_update_conflict()))
}

/// The rows matching `queries` (all of them, in batches), for bulk update and delete.
async fn matching(app: &App, caller: &Caller, t: &TableRecord, queries: &[String]) -> Result<Vec<RowRecord>> {
    let queries = query::parse_all(queries).map_err(query_error)?;
    let mut q = row_query(t, caller, queries, false)?;
    q.limit = q.limit.max(1);
    let wanted = if q.limit == query::DEFAULT_LIMIT && q.offset == 0 { u64::MAX } else { q.limit };
    let mut out: Vec<RowRecord> = Vec::new();
    // Without an explicit limit every matching row is affected, in pages.
    q.limit = wanted.min(MAX_BATCH as u64);
    loop {
        let page = app.store.list_rows(t, q.clone()).await.map_err(|e| store_error(Api::Tables, e))?;
        let n = page.items.len() as u64;
        let last = page.items.last().map(|r| r.id.clone());
        out.extend(page.items);
        if n < q.limit || out.len() as u64 >= wanted {
            break;
        }
        let Some(last) = last else { break };
        q.cursor = Some((query::CursorDirection::After, last));
        q.offset = 0;
    }
    Ok(out)
}

/// Updates every row matching `queries` with `data` (keys only).
pub async fn update_many(app: &App, caller: &Caller, at: TableRef<'_>, data: Map<String, Value>, queries: &[String], transaction: Option<&str>) -> Result<Value> {
    let TableRef { api, database, table } = at;
    reject_transaction(transaction)?;
    if !caller.is_key() {
        return Err(ErrorType::UserUnauthorized.into());
    }
    let t = Arc::new(load_table(app, caller, api, database, table).await?);
    let data = values::for_update(api, &t, &data)?;
    let rows = matching(app, caller, &t, queries).await?;
    let now = now_ms();
    let mut written: Vec<RowRecord> = Vec::new();
    for chunk in rows.chunks(MAX_BATCH) {
        let ops = chunk
            .iter()
            .map(|r| RowOp::Update { table: t.clone(), id: r.id.clone(), expect_permissions: None, updated_at: now, data: data.clone(), permissions: None })
            .collect();
        written.extend(app.store.write_rows(ops).await.map_err(|e| store_error(api, e))?.into_iter().flatten());
    }
    for r in &written {
        emit(app, caller, api, "update", &t, r);
    }
    let items: Vec<Value> = written.iter().map(|r| views::row(api, &t, r, &[])).collect();
    Ok(json!({ "total": items.len(), api.rows_field(): items }))
}

/// Deletes every row matching `queries` (keys only); answers with the deleted rows.
pub async fn delete_many(app: &App, caller: &Caller, at: TableRef<'_>, queries: &[String], transaction: Option<&str>) -> Result<Value> {
    let TableRef { api, database, table } = at;
    reject_transaction(transaction)?;
    if !caller.is_key() {
        return Err(ErrorType::UserUnauthorized.into());
    }
    let t = Arc::new(load_table(app, caller, api, database, table).await?);
    let rows = matching(app, caller, &t, queries).await?;
    for chunk in rows.chunks(MAX_BATCH) {
        let ops = chunk.iter().map(|r| RowOp::Delete { table: t.clone(), id: r.id.clone(), expect_permissions: None }).collect();
        app.store.write_rows(ops).await.map_err(|e| store_error(api, e))?;
    }
    for r in &rows {
        emit(app, caller, api, "delete", &t, r);
    }
    let items: Vec<Value> = rows.iter().map(|r| views::row(api, &t, r, &[])).collect();
    Ok(json!({ "total": items.len(), api.rows_field(): items }))
}

/// Adds `by` (negative to decrement) to a numeric column, bounded by `limit` (a maximum when
/// incrementing, a minimum when decrementing) and the column's own range.
#[allow(clippy::too_many_arguments)]
pub async fn increment(
    app: &App,
    caller: &Caller,
    at: TableRef<'_>,
    id: &str,
    column: &str,
    by: Option<Number>,
    limit: Option<Number>,
    decrement: bool,
    transaction: Option<&str>,
) -> Result<Value> {
    let TableRef { api, database, table } = at;
    reject_transaction(transaction)?;
    let t = Arc::new(load_table(app, caller, api, database, table).await?);
    let c = t.columns.iter().find(|c| c.key == column).ok_or_else(|| Error::new(api.column_not_found()))?;
    if !matches!(c.column_type, ColumnType::Integer | ColumnType::Float) || c.array {
        return Err(Error::msg(api.column_type_invalid(), format!("The column '{column}' type is invalid.")));
    }
    let by = by.unwrap_or_else(|| 1.into());
    let by_f = by.as_f64().unwrap_or(0.0);
    if by_f <= 0.0 || (c.column_type == ColumnType::Integer && by.as_i64().is_none()) {
        return Err(Error::invalid_param("value", "Value must be a valid number greater than 0"));
    }
    let by = if decrement {
        by.as_i64().map(|n| Number::from(-n)).or_else(|| Number::from_f64(-by_f)).unwrap_or(by)
    } else {
        by
    };
    let (col_min, col_max) = match c.column_type {
        ColumnType::Integer => {
            let (a, b) = values::int_bounds(c);
            (a as f64, b as f64)
        }
        _ => values::float_bounds(c),
    };
    let bound = limit.as_ref().and_then(Number::as_f64);
    let (min, max) = if decrement { (Some(bound.map_or(col_min, |b| b.max(col_min))), None) } else { (None, Some(bound.map_or(col_max, |b| b.min(col_max)))) };
    for _ in 0..RETRIES {
        let row = load_row(app, caller, api, &t, id).await?;
        if !access::row_allows(&t, &row.permissions, caller, Action::Update) {
            return Err(ErrorType::UserUnauthorized.into());
        }
        let op = RowOp::Increment {
            table: t.clone(),
            id: row.id.clone(),
            expect_permissions: Some(row.permissions.clone()),
            updated_at: now_ms(),
            column: column.to_owned(),
            by: by.clone(),
            min,
            max,
        };
        match app.store.write_rows(vec![op]).await {
            Ok(written) => {
                let row = written.into_iter().flatten().next().ok_or_else(|| Error::internal("increment returned no row"))?;
                emit(app, caller, api, "update", &t, &row);
                return Ok(views::row(api, &t, &row, &[]));
            }
            Err(StoreError::Precondition("bound")) => {
                let (word, value) = if decrement { ("minimum", min) } else { ("maximum", max) };
                return Err(Error::msg(
                    ErrorType::GeneralArgumentInvalid,
                    format!("Column '{column}' would go past its {word} of {}", value.unwrap_or_default()),
                ));
            }
            Err(StoreError::Precondition(_)) => continue,
            Err(e) => return Err(store_error(api, e)),
        }
    }
    Err(Error::new(api.row_update_conflict()))
}
