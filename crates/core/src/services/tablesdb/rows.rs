//! Rows (legacy: documents): create (single and bulk), get, list, update, upsert, delete,
//! update / delete by queries, increment / decrement. Every read and write goes through the
//! rules of [`super::access`]; writes carry the permissions they were authorized against, so
//! a concurrent permission change makes them retry instead of slipping through.

use std::sync::Arc;

use oxwrite_types::permission::Action;
use oxwrite_types::query::{self, Query, QueryError};
use oxwrite_types::schema::ColumnType;
use oxwrite_types::ErrorType;
use serde_json::{Map, Number, Value, json};

use super::{Api, Part, TableRef, access, load_table, publish_table_event, relations, transactions, values, views};
use crate::app::{App, now_ms};
use crate::caller::Caller;
use crate::ports::{LIST_TOTAL_CAP, Page, RowOp, RowQuery, StoreError};
use crate::records::{RowRecord, TableRecord};
use crate::{Error, Result, secrets};

/// Rows one bulk request may carry (Appwrite's `ArrayList(JSON, 100)`).
pub const MAX_BULK: usize = 100;
/// Rows written per store call when updating or deleting by queries.
const WRITE_BATCH: usize = 1000;
/// Rows one list page returns at most.
pub const MAX_PAGE: u64 = 5000;
/// How often a write whose row changed underneath it is retried.
const RETRIES: usize = 5;

fn query_error(e: QueryError) -> Error {
    match e {
        QueryError::Argument(m) => Error::invalid_param("queries", &m),
        QueryError::Syntax(m) => Error::msg(ErrorType::GeneralQueryInvalid, m),
        QueryError::Invalid(m) => Error::msg(ErrorType::GeneralQueryInvalid, m),
    }
}

/// A query the schema refused. appwrite-compat: Appwrite prefixes "Invalid query: " except on
/// the fulltext-index message.
fn invalid_query(m: String) -> Error {
    if m.starts_with("Searching by") {
        Error::msg(ErrorType::GeneralQueryInvalid, m)
    } else {
        Error::msg(ErrorType::GeneralQueryInvalid, format!("Invalid query: {m}"))
    }
}

fn store_error(api: Api, e: StoreError) -> Error {
    match e {
        StoreError::Conflict(_) => Error::new(api.row_already_exists()),
        StoreError::NotFound("cursor") => Error::new(ErrorType::GeneralCursorNotFound),
        StoreError::NotFound(_) => Error::new(api.row_not_found()),
        StoreError::InvalidQuery(m) => invalid_query(m),
        StoreError::Precondition(_) => Error::new(api.row_update_conflict()),
        other => Error::internal(other),
    }
}

/// Roles that may read the row: the table's readers and, with row security, the row's.
fn readers(t: &TableRecord, r: &RowRecord) -> Vec<String> {
    access::readers(&t.permissions, &r.permissions, t.row_security)
}

pub(crate) fn emit(app: &App, caller: &Caller, api: Api, action: &str, t: &TableRecord, r: &RowRecord) {
    publish_table_event(app, caller, t, Part::Row(&r.id), action, || views::row(api, t, r, &[]), || Some(readers(t, r)));
}

/// The transaction a call names, if any (an empty id is none).
fn tx(transaction: Option<&str>) -> Option<&str> {
    transaction.filter(|t| !t.is_empty())
}

/// A staged operation on this table (`createOperations` form).
fn staged(action: &str, database: &str, table: &str, row: Option<&str>, data: Value, permissions: Option<&[String]>) -> Value {
    let mut o = Map::new();
    o.insert("action".into(), json!(action));
    o.insert("databaseId".into(), json!(database));
    o.insert("tableId".into(), json!(table));
    if let Some(r) = row {
        o.insert("rowId".into(), json!(r));
    }
    if !data.is_null() {
        o.insert("data".into(), data);
    }
    if let Some(p) = permissions {
        o.insert("permissions".into(), json!(p));
    }
    Value::Object(o)
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

/// A new row with its relationship values resolved: the operations to run, in order, and
/// which of them is the row itself.
async fn prepare_linked(app: &App, caller: &Caller, api: Api, t: &Arc<TableRecord>, input: NewRow, now: i64) -> Result<(Vec<RowOp>, usize)> {
    let id = secrets::resolve_id("rowId", &input.id)?;
    let permissions = access::row_permissions(caller, input.permissions.as_deref())?;
    let mut data = input.data;
    let (created_at, updated_at) = preserved_dates(caller, &data, now)?;
    let mut tables = relations::Tables::new(app, caller, api, t);
    let plan = relations::plan(&mut tables, t, &id, &mut data, &permissions, false, 0).await?;
    let data = values::for_create(api, t, &data)?;
    let mut ops = plan.before;
    let at = ops.len();
    ops.push(RowOp::Create { table: t.clone(), row: RowRecord { seq: 0, id, created_at, updated_at, permissions, data } });
    ops.extend(plan.after);
    Ok((ops, at))
}

/// `$createdAt` / `$updatedAt` from the data: honoured for keys (imports keep their dates),
/// ignored for everyone else, as in Appwrite.
fn preserved_dates(caller: &Caller, data: &Map<String, Value>, now: i64) -> Result<(i64, i64)> {
    if !caller.is_key() {
        return Ok((now, now));
    }
    let date = |k: &str| -> Result<Option<i64>> {
        match data.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => values::parse_datetime(s)
                .map(|ts| Some(ts.as_millisecond()))
                .ok_or_else(|| Error::invalid_param(k, "Value must be valid date between 0000-01-01 00:00:00 and 9999-12-31 23:59:59.")),
            Some(_) => Err(Error::invalid_param(k, "Value must be a valid date string")),
        }
    };
    Ok((date("$createdAt")?.unwrap_or(now), date("$updatedAt")?.unwrap_or(now)))
}

/// The row model with every relationship filled (create and update answers carry them).
async fn full_model(app: &App, caller: &Caller, api: Api, t: &TableRecord, row: &RowRecord) -> Result<Value> {
    let mut models = vec![views::row(api, t, row, &[])];
    if relations::has_relations(t) {
        let all: Vec<String> = t.columns.iter().filter(|c| c.relation.is_some() && relations::visible(c)).map(|c| format!("{}.*", c.key)).collect();
        let selection = relations::selected(t, &all)?;
        relations::populate(app, caller, api, t, std::slice::from_ref(row), &mut models, &selection).await?;
    }
    Ok(models.pop().unwrap_or(Value::Null))
}

pub async fn create(app: &App, caller: &Caller, at: TableRef<'_>, input: NewRow, transaction: Option<&str>) -> Result<Value> {
    let TableRef { api, database, table } = at;
    if let Some(txid) = tx(transaction) {
        let id = secrets::resolve_id("rowId", &input.id)?;
        let op = staged("create", database, table, Some(&id), Value::Object(input.data), input.permissions.as_deref());
        return transactions::stage_one(app, caller, api, txid, op).await.map(|m| m.unwrap_or(Value::Null));
    }
    let t = Arc::new(load_table(app, caller, api, database, table).await?);
    if !access::table_allows(&t, caller, Action::Create) {
        return Err(ErrorType::UserUnauthorized.into());
    }
    let (ops, at) = prepare_linked(app, caller, api, &t, input, now_ms()).await?;
    let id = match &ops[at] {
        RowOp::Create { row, .. } => row.id.clone(),
        _ => String::new(),
    };
    let written = app.store.write_rows(ops).await.map_err(|e| match e {
        StoreError::Conflict(_) => Error::with(api.row_already_exists(), &id),
        other => store_error(api, other),
    })?;
    let row = written.into_iter().nth(at).flatten().ok_or_else(|| Error::internal("create returned no row"))?;
    emit(app, caller, api, "create", &t, &row);
    full_model(app, caller, api, &t, &row).await
}

fn no_relations(t: &TableRecord, what: &str) -> Result<()> {
    if relations::has_relations(t) {
        return Err(Error::msg(
            ErrorType::GeneralBadRequest,
            format!("Bulk {what} is not supported for tablesDB with relationship columns"),
        ));
    }
    Ok(())
}

/// Bulk operations are for keys (Appwrite refuses them to other callers by scope), and carry
/// at most [`MAX_BULK`] rows.
fn bulk(caller: &Caller, api: Api, n: usize) -> Result<()> {
    if !caller.is_key() {
        return Err(ErrorType::GeneralUnauthorizedScope.into());
    }
    if n > MAX_BULK {
        let name = if api == Api::Tables { "rows" } else { "documents" };
        return Err(Error::invalid_param(
            name,
            &format!("Value must a valid array no longer than {MAX_BULK} items and Value must be a valid JSON"),
        ));
    }
    Ok(())
}

/// Bulk creation, for keys (Appwrite offers bulk operations to server SDKs only).
pub async fn create_many(app: &App, caller: &Caller, at: TableRef<'_>, rows: Vec<Value>, transaction: Option<&str>) -> Result<Value> {
    let TableRef { api, database, table } = at;
    bulk(caller, api, rows.len())?;
    if let Some(txid) = tx(transaction) {
        let n = rows.len();
        transactions::stage(app, caller, api, txid, vec![staged("bulkCreate", database, table, None, Value::Array(rows), None)]).await?;
        return Ok(json!({ "total": n, api.rows_field(): [] }));
    }
    let t = Arc::new(load_table(app, caller, api, database, table).await?);
    no_relations(&t, "create")?;
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
            let base = name.split('.').next().unwrap_or(name);
            if name != "*" && !name.starts_with('$') && !t.columns.iter().any(|c| c.key == base && relations::visible(c)) {
                return Err(Error::msg(ErrorType::GeneralQueryInvalid, format!("Invalid query: Attribute not found in schema: {name}")));
            }
            out.push(name.to_owned());
        }
    }
    Ok(out)
}

/// Loads a row the caller may read, or `row_not_found`.
async fn load_row(app: &App, caller: &Caller, api: Api, t: &TableRecord, id: &str) -> Result<RowRecord> {
    let row = load_for_write(app, api, t, id).await?;
    if access::row_allows(t, &row.permissions, caller, Action::Read) { Ok(row) } else { Err(row_not_found(api, id)) }
}

/// Loads a row for an update or delete. appwrite-compat: Appwrite looks it up without the
/// read check, so a row the caller cannot change answers `401`, not `404`.
async fn load_for_write(app: &App, api: Api, t: &TableRecord, id: &str) -> Result<RowRecord> {
    let row = if crate::services::bad_id(id) {
        None
    } else {
        app.store.get_row(t, id).await.map_err(|e| store_error(api, e))?
    };
    row.ok_or_else(|| row_not_found(api, id))
}

fn row_not_found(api: Api, id: &str) -> Error {
    Error::msg(api.row_not_found(), format!("{} with the requested ID '{id}' could not be found.", noun(api)))
}

fn noun(api: Api) -> &'static str {
    match api {
        Api::Tables => "Row",
        Api::Legacy => "Document",
    }
}

pub async fn get(app: &App, caller: &Caller, at: TableRef<'_>, id: &str, queries: &[String], transaction: Option<&str>) -> Result<Value> {
    let TableRef { api, database, table } = at;
    let t = load_table(app, caller, api, database, table).await?;
    let queries = query::parse_all(queries).map_err(query_error)?;
    if let Some(q) = queries.iter().find(|q| q.method != query::Method::Select) {
        return Err(Error::msg(ErrorType::GeneralQueryInvalid, format!("Invalid query: Query method not allowed: {}", q.method.as_str())));
    }
    let select = selection(&t, &queries)?;
    let row = match tx(transaction) {
        Some(txid) => transactions::read_row(app, caller, api, txid, &t, id)
            .await?
            .filter(|r| access::row_allows(&t, &r.permissions, caller, Action::Read))
            .ok_or_else(|| row_not_found(api, id))?,
        None => load_row(app, caller, api, &t, id).await?,
    };
    let mut models = vec![views::row(api, &t, &row, &select)];
    let linked = relations::selected(&t, &select)?;
    relations::populate(app, caller, api, &t, std::slice::from_ref(&row), &mut models, &linked).await?;
    Ok(models.pop().unwrap_or(Value::Null))
}

/// Turns list queries into a store query for the caller (permissions included).
fn row_query(t: &TableRecord, caller: &Caller, queries: Vec<Query>, total: bool) -> Result<RowQuery> {
    let grouped = query::group(queries).map_err(query_error)?;
    Ok(RowQuery {
        filters: grouped.filters,
        orders: grouped.orders,
        random: grouped.order_random,
        // Appwrite CE has no upper bound; one page is capped so a request cannot pull a whole
        // table into memory.
        limit: grouped.limit.unwrap_or(query::DEFAULT_LIMIT).min(MAX_PAGE),
        offset: grouped.offset.unwrap_or(0),
        cursor: grouped.cursor,
        read_roles: access::read_filter(t, caller)?,
        total,
    })
}

pub async fn list(app: &App, caller: &Caller, at: TableRef<'_>, queries: &[String], total: Option<bool>, transaction: Option<&str>) -> Result<views::RowList> {
    let TableRef { api, database, table } = at;
    let t = load_table(app, caller, api, database, table).await?;
    let queries = query::parse_all(queries).map_err(query_error)?;
    let select = selection(&t, &queries)?;
    let mut q = row_query(&t, caller, queries, total.unwrap_or(true))?;
    if relations::has_relations(&t) {
        q.filters = relations::rewrite_filters(app, caller, api, &t, q.filters).await?;
    }
    let cursor = q.cursor.as_ref().map(|(_, id)| id.clone()).unwrap_or_default();
    let page: Page<RowRecord> = app.store.list_rows(&t, q).await.map_err(|e| match e {
        StoreError::NotFound("cursor") => {
            Error::msg(ErrorType::GeneralCursorNotFound, format!("{} '{cursor}' for the 'cursor' value not found.", noun(api)))
        }
        other => store_error(api, other),
    })?;
    let mut page = page;
    if let Some(txid) = tx(transaction) {
        page.items = transactions::overlay_page(app, caller, api, txid, &t, page.items).await?;
        page.items.retain(|r| access::row_allows(&t, &r.permissions, caller, Action::Read));
    }
    let linked = relations::selected(&t, &select)?;
    let populated = if linked.is_empty() {
        None
    } else {
        let mut items: Vec<Value> = page.items.iter().map(|r| views::row(api, &t, r, &select)).collect();
        relations::populate(app, caller, api, &t, &page.items, &mut items, &linked).await?;
        Some(items)
    };
    Ok(views::RowList { api, table: t, rows: page.items, select, total: page.total.min(LIST_TOTAL_CAP), populated })
}

/// What an update changes: data (partial) and/or permissions.
#[derive(Debug, Clone, Default)]
pub struct RowPatch {
    pub data: Option<Map<String, Value>>,
    pub permissions: Option<Vec<String>>,
}

async fn write_update(app: &App, caller: &Caller, api: Api, t: &Arc<TableRecord>, id: &str, patch: &RowPatch) -> Result<RowRecord> {
    for _ in 0..RETRIES {
        let row = load_for_write(app, api, t, id).await?;
        if !access::row_allows(t, &row.permissions, caller, Action::Update) {
            return Err(ErrorType::UserUnauthorized.into());
        }
        let permissions = match &patch.permissions {
            Some(p) => Some(access::row_permissions(caller, Some(p))?),
            None => None,
        };
        let mut data = patch.data.clone().unwrap_or_default();
        let mut tables = relations::Tables::new(app, caller, api, t);
        let inherited = permissions.clone().unwrap_or_else(|| row.permissions.clone());
        let plan = relations::plan(&mut tables, t, &row.id, &mut data, &inherited, true, 0).await?;
        let data = values::for_update(api, t, &data)?;
        let mut ops = plan.before;
        let at = ops.len();
        ops.push(RowOp::Update {
            table: t.clone(),
            id: row.id.clone(),
            expect_permissions: Some(row.permissions.clone()),
            updated_at: now_ms(),
            data,
            permissions,
        });
        ops.extend(plan.after);
        match app.store.write_rows(ops).await {
            Ok(written) => return written.into_iter().nth(at).flatten().ok_or_else(|| Error::internal("update returned no row")),
            Err(StoreError::Precondition(_)) => continue,
            Err(e) => return Err(store_error(api, e)),
        }
    }
    Err(Error::new(api.row_update_conflict()))
}

pub async fn update(app: &App, caller: &Caller, at: TableRef<'_>, id: &str, patch: RowPatch, transaction: Option<&str>) -> Result<Value> {
    let TableRef { api, database, table } = at;
    if patch.data.as_ref().is_none_or(Map::is_empty) && patch.permissions.is_none() {
        return Err(Error::new(api.row_missing_payload()));
    }
    if let Some(txid) = tx(transaction) {
        let data = Value::Object(patch.data.unwrap_or_default());
        let op = staged("update", database, table, Some(id), data, patch.permissions.as_deref());
        return transactions::stage_one(app, caller, api, txid, op).await.map(|m| m.unwrap_or(Value::Null));
    }
    let t = Arc::new(load_table(app, caller, api, database, table).await?);
    let row = write_update(app, caller, api, &t, id, &patch).await?;
    emit(app, caller, api, "update", &t, &row);
    full_model(app, caller, api, &t, &row).await
}

/// Creates the row, or updates it when the id exists (PUT).
pub async fn upsert(app: &App, caller: &Caller, at: TableRef<'_>, input: NewRow, transaction: Option<&str>) -> Result<Value> {
    let TableRef { api, database, table } = at;
    if input.data.is_empty() && input.permissions.is_none() {
        return Err(Error::new(api.row_missing_payload()));
    }
    if let Some(txid) = tx(transaction) {
        let id = secrets::resolve_id("rowId", &input.id)?;
        let op = staged("upsert", database, table, Some(&id), Value::Object(input.data), input.permissions.as_deref());
        return transactions::stage_one(app, caller, api, txid, op).await.map(|m| m.unwrap_or(Value::Null));
    }
    let t = Arc::new(load_table(app, caller, api, database, table).await?);
    let (row, _) = upsert_one(app, caller, api, &t, input).await?;
    emit(app, caller, api, "upsert", &t, &row);
    full_model(app, caller, api, &t, &row).await
}

async fn upsert_one(app: &App, caller: &Caller, api: Api, t: &Arc<TableRecord>, input: NewRow) -> Result<(RowRecord, &'static str)> {
    let id = secrets::resolve_id("rowId", &input.id)?;
    for _ in 0..RETRIES {
        let existing = app.store.get_row(t, &id).await.map_err(|e| store_error(api, e))?;
        if existing.is_some() {
            // An upsert writes the whole row: required columns must be there.
            values::require_all(api, t, &input.data)?;
            let patch = RowPatch { data: Some(input.data.clone()), permissions: input.permissions.clone() };
            return Ok((write_update(app, caller, api, t, &id, &patch).await?, "update"));
        }
        if !access::table_allows(t, caller, Action::Create) {
            return Err(ErrorType::UserUnauthorized.into());
        }
        let (ops, at) = prepare_linked(app, caller, api, t, NewRow { id: id.clone(), ..input.clone() }, now_ms()).await?;
        match app.store.write_rows(ops).await {
            Ok(written) => return Ok((written.into_iter().nth(at).flatten().ok_or_else(|| Error::internal("no row"))?, "create")),
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
    bulk(caller, api, rows.len())?;
    if let Some(txid) = tx(transaction) {
        transactions::stage(app, caller, api, txid, vec![staged("bulkUpsert", database, table, None, Value::Array(rows), None)]).await?;
        return Ok(json!({ "total": 0, api.rows_field(): [] }));
    }
    let t = Arc::new(load_table(app, caller, api, database, table).await?);
    no_relations(&t, "upsert")?;
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
    if let Some(txid) = tx(transaction) {
        transactions::stage_one(app, caller, api, txid, staged("delete", database, table, Some(id), Value::Null, None)).await?;
        return Ok(());
    }
    let t = Arc::new(load_table(app, caller, api, database, table).await?);
    for _ in 0..RETRIES {
        let row = load_for_write(app, api, &t, id).await?;
        if !access::row_allows(&t, &row.permissions, caller, Action::Delete) {
            return Err(ErrorType::UserUnauthorized.into());
        }
        let mut ops = relations::on_delete(app, api, &t, &row).await?;
        ops.push(RowOp::Delete { table: t.clone(), id: row.id.clone(), expect_permissions: Some(row.permissions.clone()) });
        match app.store.write_rows(ops).await {
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

/// Applies `write` to every row matching `queries`, a batch at a time (keys only): all of
/// them, or `limit` of them when the queries name one. Returns how many rows were written and
/// the first [`MAX_PAGE`] of them as written (deleted rows as they were).
async fn for_each_match(
    app: &App,
    caller: &Caller,
    api: Api,
    t: &Arc<TableRecord>,
    queries: &[String],
    deleting: bool,
    write: impl Fn(&RowRecord) -> RowOp,
) -> Result<(u64, Vec<RowRecord>)> {
    let queries = query::parse_all(queries).map_err(query_error)?;
    let explicit = queries.iter().any(|q| q.method == query::Method::Limit);
    let mut q = row_query(t, caller, queries, false)?;
    let mut left = if explicit { q.limit } else { u64::MAX };
    let (mut count, mut shown) = (0u64, Vec::new());
    while left > 0 {
        q.limit = left.min(WRITE_BATCH as u64);
        let page = app.store.list_rows(t, q.clone()).await.map_err(|e| store_error(api, e))?.items;
        let Some(last) = page.last().map(|r| r.id.clone()) else { break };
        let n = page.len() as u64;
        let written = app.store.write_rows(page.iter().map(&write).collect()).await.map_err(|e| store_error(api, e))?;
        let rows: Vec<RowRecord> = if deleting { page } else { written.into_iter().flatten().collect() };
        for r in &rows {
            emit(app, caller, api, if deleting { "delete" } else { "update" }, t, r);
        }
        count += n;
        left = left.saturating_sub(n);
        shown.extend(rows.into_iter().take((MAX_PAGE as usize).saturating_sub(shown.len())));
        if n < q.limit {
            break;
        }
        // Deleted rows leave the result, so the next batch is found at the same place; updated
        // rows stay, so it continues after the last one.
        if !deleting {
            q.cursor = Some((query::CursorDirection::After, last));
            q.offset = 0;
        }
    }
    Ok((count, shown))
}

/// Updates every row matching `queries` with `data` (keys only).
pub async fn update_many(app: &App, caller: &Caller, at: TableRef<'_>, data: Map<String, Value>, queries: &[String], transaction: Option<&str>) -> Result<Value> {
    let TableRef { api, database, table } = at;
    bulk(caller, api, 0)?;
    if data.is_empty() {
        return Err(Error::new(api.row_missing_payload()));
    }
    if let Some(txid) = tx(transaction) {
        let d = json!({ "queries": queries, "data": data });
        transactions::stage(app, caller, api, txid, vec![staged("bulkUpdate", database, table, None, d, None)]).await?;
        return Ok(json!({ "total": 0, api.rows_field(): [] }));
    }
    let t = Arc::new(load_table(app, caller, api, database, table).await?);
    no_relations(&t, "update")?;
    let data = values::for_update(api, &t, &data)?;
    let now = now_ms();
    let write = |r: &RowRecord| RowOp::Update { table: t.clone(), id: r.id.clone(), expect_permissions: None, updated_at: now, data: data.clone(), permissions: None };
    let (total, rows) = for_each_match(app, caller, api, &t, queries, false, write).await?;
    let items: Vec<Value> = rows.iter().map(|r| views::row(api, &t, r, &[])).collect();
    Ok(json!({ "total": total, api.rows_field(): items }))
}

/// Deletes every row matching `queries` (keys only); answers with the deleted rows.
pub async fn delete_many(app: &App, caller: &Caller, at: TableRef<'_>, queries: &[String], transaction: Option<&str>) -> Result<Value> {
    let TableRef { api, database, table } = at;
    bulk(caller, api, 0)?;
    if let Some(txid) = tx(transaction) {
        let d = json!({ "queries": queries });
        transactions::stage(app, caller, api, txid, vec![staged("bulkDelete", database, table, None, d, None)]).await?;
        return Ok(json!({ "total": 0, api.rows_field(): [] }));
    }
    let t = Arc::new(load_table(app, caller, api, database, table).await?);
    no_relations(&t, "delete")?;
    let write = |r: &RowRecord| RowOp::Delete { table: t.clone(), id: r.id.clone(), expect_permissions: None };
    let (total, rows) = for_each_match(app, caller, api, &t, queries, true, write).await?;
    let items: Vec<Value> = rows.iter().map(|r| views::row(api, &t, r, &[])).collect();
    Ok(json!({ "total": total, api.rows_field(): items }))
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
    if let Some(txid) = tx(transaction) {
        let mut d = json!({ "column": column, "value": by.clone().unwrap_or_else(|| 1.into()) });
        if let Some(l) = &limit {
            d[if decrement { "min" } else { "max" }] = Value::Number(l.clone());
        }
        let action = if decrement { "decrement" } else { "increment" };
        return transactions::stage_one(app, caller, api, txid, staged(action, database, table, Some(id), d, None)).await.map(|m| m.unwrap_or(Value::Null));
    }
    let t = Arc::new(load_table(app, caller, api, database, table).await?);
    let c = t.columns.iter().find(|c| c.key == column).ok_or_else(|| Error::with(api.column_not_found(), column))?;
    let service = if api == Api::Tables { "tablesDB" } else { "databases" };
    let (by, min, max) = increment_bounds(api, c, by.unwrap_or_else(|| 1.into()), limit.as_ref().and_then(Number::as_f64), decrement)?;
    for _ in 0..RETRIES {
        let row = load_for_write(app, api, &t, id).await?;
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
                let value = value.map_or_else(String::new, |v| if v.fract() == 0.0 && v.abs() < 9e15 { (v as i64).to_string() } else { v.to_string() });
                return Err(Error::msg(api.column_limit_exceeded(), format!("{service} \"{column}\" has reached the {word} value of {value}")));
            }
            Err(StoreError::Precondition(_)) => continue,
            Err(e) => return Err(store_error(api, e)),
        }
    }
    Err(Error::new(api.row_update_conflict()))
}

/// Checks an increment of column `c` by `by` and returns the signed step and the bounds it
/// must stay within: `limit` (a maximum when incrementing, a minimum when decrementing) and
/// the column's own range.
pub(crate) fn increment_bounds(api: Api, c: &oxwrite_types::schema::Column, by: Number, limit: Option<f64>, decrement: bool) -> Result<(Number, Option<f64>, Option<f64>)> {
    let service = if api == Api::Tables { "tablesDB" } else { "databases" };
    if !matches!(c.column_type, ColumnType::Integer | ColumnType::Float) || c.array {
        return Err(Error::msg(ErrorType::AttributeTypeInvalid, format!("{service} \"{}\" is not a number", c.key)));
    }
    let by_f = by.as_f64().unwrap_or(0.0);
    if by_f <= 0.0 || (c.column_type == ColumnType::Integer && by.as_i64().is_none()) {
        return Err(Error::msg(ErrorType::GeneralArgumentInvalid, "Value must be numeric and greater than 0"));
    }
    let by = if decrement { by.as_i64().map(|n| Number::from(-n)).or_else(|| Number::from_f64(-by_f)).unwrap_or(by) } else { by };
    let (col_min, col_max) = match c.column_type {
        ColumnType::Integer => {
            let (a, b) = values::int_bounds(c);
            (a as f64, b as f64)
        }
        _ => values::float_bounds(c),
    };
    Ok(if decrement {
        (by, Some(limit.map_or(col_min, |b| b.max(col_min))), None)
    } else {
        (by, None, Some(limit.map_or(col_max, |b| b.min(col_max))))
    })
}

/// `a + b` keeping integers integral (a missing value counts as zero).
pub(crate) fn add(a: &Value, b: &Number) -> Value {
    match (a.as_i64().or(if a.is_null() { Some(0) } else { None }), b.as_i64()) {
        (Some(x), Some(y)) => x.checked_add(y).map_or_else(|| Value::from(x as f64 + y as f64), Value::from),
        _ => Value::from(a.as_f64().unwrap_or(0.0) + b.as_f64().unwrap_or(0.0)),
    }
}
