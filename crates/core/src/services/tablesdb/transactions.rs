//! TablesDB transactions: operations are staged (checked against the rows as they would be
//! after the earlier staged operations) and applied together, all or none, at commit. Reads
//! with a `transactionId` see the staged state. Only the transaction's creator (and keys)
//! may see or use it.

use std::collections::HashMap;
use std::sync::Arc;

use oxwrite_types::ErrorType;
use oxwrite_types::permission::Action;
use oxwrite_types::query;
use oxwrite_types::time::format_millis_opt as dt;
use serde_json::{Map, Number, Value, json};

use super::{Api, access, load_table, values, views};
use crate::app::{App, now_ms};
use crate::caller::Caller;
use crate::ports::{RowOp, RowQuery, StoreError};
use crate::records::{RowRecord, TableRecord, TransactionRecord};
use crate::services::lists::{self, ListInput};
use crate::{Error, Result, secrets};

/// Operations one transaction may hold.
pub const MAX_OPERATIONS: usize = 100;
pub const DEFAULT_TTL: i64 = 300;
const TTL_RANGE: std::ops::RangeInclusive<i64> = 60..=3600;
const ACTIONS: &[&str] = &[
    "create", "update", "upsert", "delete", "increment", "decrement", "bulkCreate", "bulkUpdate", "bulkUpsert", "bulkDelete",
];

fn model(t: &TransactionRecord) -> Value {
    json!({
        "$id": t.id,
        "$createdAt": dt(t.created_at),
        "$updatedAt": dt(t.updated_at),
        "status": t.status,
        "operations": t.operations.len(),
        "expiresAt": dt(t.expires_at),
    })
}

fn bad_request(m: &str) -> Error {
    Error::msg(ErrorType::GeneralBadRequest, m)
}

fn not_pending() -> Error {
    // Appwrite's text, with its non-breaking hyphen.
    bad_request("Invalid or non\u{2011}pending transaction")
}

/// The caller's transaction (others' are invisible).
async fn load(app: &App, caller: &Caller, id: &str) -> Result<TransactionRecord> {
    let tx = if crate::services::bad_id(id) {
        None
    } else {
        app.store.get_transaction(&caller.project.id, id).await.map_err(Error::internal)?
    };
    match tx {
        Some(t) if caller.is_key() || t.owner.as_deref() == caller.user_id() => Ok(t),
        _ => Err(Error::with(ErrorType::TransactionNotFound, id)),
    }
}

/// A transaction that still takes operations.
async fn load_pending(app: &App, caller: &Caller, id: &str) -> Result<TransactionRecord> {
    let tx = load(app, caller, id).await?;
    if tx.status != "pending" {
        return Err(not_pending());
    }
    if tx.expires_at < now_ms() {
        return Err(ErrorType::TransactionExpired.into());
    }
    Ok(tx)
}

pub async fn create(app: &App, caller: &Caller, ttl: Option<i64>) -> Result<Value> {
    let ttl = ttl.unwrap_or(DEFAULT_TTL);
    if !TTL_RANGE.contains(&ttl) {
        return Err(Error::invalid_param("ttl", "Value must be a valid range between 60 and 3,600"));
    }
    let now = now_ms();
    let tx = TransactionRecord {
        project_id: caller.project.id.clone(),
        id: secrets::unique_id(),
        owner: if caller.is_key() { None } else { caller.user_id().map(str::to_owned) },
        status: "pending".into(),
        operations: Vec::new(),
        expires_at: now + ttl * 1000,
        created_at: now,
        updated_at: now,
    };
    app.store.create_transaction(tx.clone()).await.map_err(Error::internal)?;
    Ok(model(&tx))
}

pub async fn get(app: &App, caller: &Caller, id: &str) -> Result<Value> {
    Ok(model(&load(app, caller, id).await?))
}

pub async fn list(app: &App, caller: &Caller, input: ListInput) -> Result<Value> {
    let params = lists::params(input, query::TRANSACTIONS_QUERY_ATTRIBUTES)?;
    let owner = if caller.is_key() { None } else { Some(caller.user_id().unwrap_or_default()) };
    let all = app.store.list_transactions(&caller.project.id, owner).await.map_err(Error::internal)?;
    let models: Vec<Value> = all.iter().map(model).collect();
    let (total, items) = super::tables::filter_in_memory(models, &params)?;
    Ok(json!({ "total": total, "transactions": items }))
}

pub async fn delete(app: &App, caller: &Caller, id: &str) -> Result<()> {
    let tx = load(app, caller, id).await?;
    app.store.delete_transaction(&tx.project_id, &tx.id).await.map_err(Error::internal)?;
    Ok(())
}

/// Checks the shape of `createOperations` items (Appwrite's Operation validator).
fn check_shape(op: &Value) -> Result<()> {
    let bad = |why: String| Error::invalid_param("operations", &why);
    let o = op.as_object().ok_or_else(|| bad("Each operation must be an object".into()))?;
    for key in ["action", "databaseId", "tableId"] {
        if !o.get(key).is_some_and(Value::is_string) {
            return Err(bad(format!("Missing required key: {key}")));
        }
    }
    let action = o.get("action").and_then(Value::as_str).unwrap_or_default();
    if !ACTIONS.contains(&action) {
        return Err(bad(format!("Invalid action: {action}. Must be one of: {}", ACTIONS.join(", "))));
    }
    if matches!(action, "create" | "update" | "upsert" | "delete" | "increment" | "decrement") && !o.get("rowId").is_some_and(Value::is_string) {
        return Err(bad(format!("Key 'rowId' is required for action '{action}'")));
    }
    if action != "delete" && action != "bulkDelete" && o.get("data").is_none_or(Value::is_null) {
        return Err(bad(format!("Key 'data' is required for action '{action}'")));
    }
    Ok(())
}

/// The staged state of the rows a transaction touched: `None` = deleted.
#[derive(Default)]
struct Overlay {
    rows: HashMap<(String, String), Option<RowRecord>>,
}

/// An event to publish once the commit is done: the action, the table and which row op's
/// result it reports (or, for deletes, the row as it was).
struct PlannedEvent {
    action: &'static str,
    table: Arc<TableRecord>,
    op: usize,
    deleted: Option<RowRecord>,
}

/// Plans staged operations into row writes, as the caller, against the rows as they are
/// plus what earlier operations did. Used to check at staging, to apply at commit and to
/// answer reads inside the transaction.
struct Planner<'a> {
    app: &'a App,
    caller: &'a Caller,
    api: Api,
    tables: HashMap<(String, String), Arc<TableRecord>>,
    overlay: Overlay,
    ops: Vec<RowOp>,
    events: Vec<PlannedEvent>,
}

fn obj(v: Option<&Value>) -> Map<String, Value> {
    v.and_then(Value::as_object).cloned().unwrap_or_default()
}

impl<'a> Planner<'a> {
    fn new(app: &'a App, caller: &'a Caller, api: Api) -> Self {
        Self { app, caller, api, tables: HashMap::new(), overlay: Overlay::default(), ops: Vec::new(), events: Vec::new() }
    }

    async fn table(&mut self, database: &str, id: &str) -> Result<Arc<TableRecord>> {
        let key = (database.to_owned(), id.to_owned());
        if let Some(t) = self.tables.get(&key) {
            return Ok(t.clone());
        }
        // appwrite-compat: staging reports a missing table as `collection_not_found`.
        let t = Arc::new(load_table(self.app, self.caller, Api::Legacy, database, id).await?);
        self.tables.insert(key, t.clone());
        Ok(t)
    }

    async fn current(&self, t: &TableRecord, id: &str) -> Result<Option<RowRecord>> {
        if let Some(state) = self.overlay.rows.get(&(t.id.clone(), id.to_owned())) {
            return Ok(state.clone());
        }
        self.app.store.get_row(t, id).await.map_err(Error::internal)
    }

    async fn existing(&self, t: &TableRecord, id: &str) -> Result<RowRecord> {
        // appwrite-compat: staging names a missing row `document_not_found` in both APIs.
        self.current(t, id).await?.ok_or_else(|| Error::with(ErrorType::DocumentNotFound, id))
    }

    fn set(&mut self, t: &TableRecord, id: &str, row: Option<RowRecord>) {
        self.overlay.rows.insert((t.id.clone(), id.to_owned()), row);
    }

    fn push(&mut self, op: RowOp, action: &'static str, table: &Arc<TableRecord>, deleted: Option<RowRecord>) {
        self.events.push(PlannedEvent { action, table: table.clone(), op: self.ops.len(), deleted });
        self.ops.push(op);
    }

    fn require_key(&self) -> Result<()> {
        if self.caller.is_key() { Ok(()) } else { Err(ErrorType::UserUnauthorized.into()) }
    }

    /// Plans one staged operation.
    async fn apply(&mut self, op: &Value) -> Result<()> {
        let o = obj(Some(op));
        let s = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
        let (action, database, table, row_id) = (s("action"), s("databaseId"), s("tableId"), s("rowId"));
        let t = self.table(&database, &table).await?;
        let data = o.get("data");
        let permissions: Option<Vec<String>> = o
            .get("permissions")
            .or_else(|| data.and_then(|d| d.get("$permissions")))
            .and_then(|p| serde_json::from_value(p.clone()).ok());
        match action.as_str() {
            "create" => self.create(&t, &row_id, &obj(data), permissions.as_deref()).await,
            "update" => self.update(&t, &row_id, &obj(data), permissions.as_deref(), "update").await,
            "upsert" => {
                if self.current(&t, &row_id).await?.is_some() {
                    self.update(&t, &row_id, &obj(data), permissions.as_deref(), "update").await
                } else {
                    self.create(&t, &row_id, &obj(data), permissions.as_deref()).await
                }
            }
            "delete" => self.delete(&t, &row_id).await,
            "increment" | "decrement" => self.increment(&t, &row_id, &obj(data), action == "decrement").await,
            "bulkCreate" | "bulkUpsert" => {
                self.require_key()?;
                for item in data.and_then(Value::as_array).cloned().unwrap_or_default() {
                    let input = super::rows::new_row_from_object(obj(Some(&item)))?;
                    let upsert = action == "bulkUpsert" && self.current(&t, &input.id).await?.is_some();
                    if upsert {
                        self.update(&t, &input.id, &input.data, input.permissions.as_deref(), "update").await?;
                    } else {
                        self.create(&t, &input.id, &input.data, input.permissions.as_deref()).await?;
                    }
                }
                Ok(())
            }
            "bulkUpdate" | "bulkDelete" => {
                self.require_key()?;
                let d = obj(data);
                let queries: Vec<String> = d.get("queries").and_then(|q| serde_json::from_value(q.clone()).ok()).unwrap_or_default();
                let queries = query::parse_all(&queries).map_err(|e| Error::msg(ErrorType::GeneralQueryInvalid, e.message().to_owned()))?;
                let grouped = query::group(queries).map_err(|e| Error::msg(ErrorType::GeneralQueryInvalid, e.message().to_owned()))?;
                let q = RowQuery { filters: grouped.filters, limit: crate::ports::LIST_TOTAL_CAP, ..RowQuery::default() };
                let rows = self.app.store.list_rows(&t, q).await.map_err(Error::internal)?.items;
                let set = obj(d.get("data"));
                for r in rows {
                    if self.current(&t, &r.id).await?.is_none() {
                        continue;
                    }
                    if action == "bulkDelete" {
                        self.delete(&t, &r.id).await?;
                    } else {
                        self.update(&t, &r.id, &set, None, "update").await?;
                    }
                }
                Ok(())
            }
            other => Err(Error::invalid_param("operations", &format!("Invalid action: {other}"))),
        }
    }

    async fn create(&mut self, t: &Arc<TableRecord>, id: &str, data: &Map<String, Value>, permissions: Option<&[String]>) -> Result<()> {
        if !access::table_allows(t, self.caller, Action::Create) {
            return Err(ErrorType::UserUnauthorized.into());
        }
        let id = secrets::resolve_id("rowId", id)?;
        let permissions = access::row_permissions(self.caller, permissions)?;
        let data = values::for_create(self.api, t, data)?;
        let now = now_ms();
        let row = RowRecord { seq: 0, id: id.clone(), created_at: now, updated_at: now, permissions, data };
        self.set(t, &id, Some(row.clone()));
        self.push(RowOp::Create { table: t.clone(), row }, "create", t, None);
        Ok(())
    }

    async fn update(&mut self, t: &Arc<TableRecord>, id: &str, data: &Map<String, Value>, permissions: Option<&[String]>, action: &'static str) -> Result<()> {
        let mut row = self.existing(t, id).await?;
        if !access::row_allows(t, &row.permissions, self.caller, Action::Update) {
            return Err(ErrorType::UserUnauthorized.into());
        }
        let data = values::for_update(self.api, t, data)?;
        let permissions = permissions.map(|p| access::row_permissions(self.caller, Some(p))).transpose()?;
        let now = now_ms();
        for (k, v) in &data {
            row.data.insert(k.clone(), v.clone());
        }
        if let Some(p) = &permissions {
            row.permissions.clone_from(p);
        }
        row.updated_at = now;
        self.set(t, id, Some(row));
        self.push(RowOp::Update { table: t.clone(), id: id.to_owned(), expect_permissions: None, updated_at: now, data, permissions }, action, t, None);
        Ok(())
    }

    async fn delete(&mut self, t: &Arc<TableRecord>, id: &str) -> Result<()> {
        let row = self.existing(t, id).await?;
        if !access::row_allows(t, &row.permissions, self.caller, Action::Delete) {
            return Err(ErrorType::UserUnauthorized.into());
        }
        self.set(t, id, None);
        self.push(RowOp::Delete { table: t.clone(), id: id.to_owned(), expect_permissions: None }, "delete", t, Some(row));
        Ok(())
    }

    async fn increment(&mut self, t: &Arc<TableRecord>, id: &str, d: &Map<String, Value>, decrement: bool) -> Result<()> {
        let column = d.get("column").and_then(Value::as_str).unwrap_or_default().to_owned();
        let mut row = self.existing(t, id).await?;
        if !access::row_allows(t, &row.permissions, self.caller, Action::Update) {
            return Err(ErrorType::UserUnauthorized.into());
        }
        let c = t.columns.iter().find(|c| c.key == column).ok_or_else(|| Error::with(self.api.column_not_found(), &column))?;
        let by = d.get("value").and_then(Value::as_number).cloned().unwrap_or_else(|| Number::from(1));
        let limit = d.get(if decrement { "min" } else { "max" }).and_then(Value::as_f64);
        let (by, min, max) = super::rows::increment_bounds(self.api, c, by, limit, decrement)?;
        let next = super::rows::add(row.data.get(&column).unwrap_or(&Value::Null), &by);
        let n = next.as_f64().unwrap_or(0.0);
        if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
            return Err(Error::new(ErrorType::AttributeLimitExceeded));
        }
        let now = now_ms();
        row.data.insert(column.clone(), next);
        row.updated_at = now;
        self.set(t, id, Some(row));
        let op = RowOp::Increment { table: t.clone(), id: id.to_owned(), expect_permissions: None, updated_at: now, column, by, min, max };
        self.push(op, "update", t, None);
        Ok(())
    }
}

/// Replays a transaction's staged operations.
async fn replay<'a>(app: &'a App, caller: &'a Caller, api: Api, staged: &[Value]) -> Result<Planner<'a>> {
    let mut planner = Planner::new(app, caller, api);
    for op in staged {
        Box::pin(planner.apply(op)).await?;
    }
    Ok(planner)
}

/// `createOperations`: checks and stages operations.
pub async fn stage(app: &App, caller: &Caller, api: Api, id: &str, operations: Vec<Value>) -> Result<Value> {
    if operations.is_empty() {
        return Err(bad_request("Operations array cannot be empty"));
    }
    for op in &operations {
        check_shape(op)?;
    }
    let mut tx = load_pending(app, caller, id).await?;
    if tx.operations.len() + operations.len() > MAX_OPERATIONS {
        return Err(Error::msg(
            ErrorType::TransactionLimitExceeded,
            format!(
                "Transaction already has {} operations, adding {} would exceed the maximum of {MAX_OPERATIONS}",
                tx.operations.len(),
                operations.len()
            ),
        ));
    }
    let mut all = tx.operations.clone();
    all.extend(operations);
    // Dry run: every operation must apply on top of the earlier ones.
    replay(app, caller, api, &all).await?;
    let expect = tx.updated_at;
    tx.operations = all;
    tx.updated_at = now_ms().max(expect + 1);
    app.store.update_transaction(tx.clone(), expect).await.map_err(|e| match e {
        StoreError::Precondition(_) => Error::new(ErrorType::TransactionConflict),
        other => Error::internal(other),
    })?;
    Ok(model(&tx))
}

/// Stages one operation from a single-row call with `transactionId` and answers with the row
/// as the transaction sees it (`None` for deletes).
pub async fn stage_one(app: &App, caller: &Caller, api: Api, id: &str, op: Value) -> Result<Option<Value>> {
    check_shape(&op)?;
    stage(app, caller, api, id, vec![op.clone()]).await?;
    let tx = load(app, caller, id).await?;
    let planner = replay(app, caller, api, &tx.operations).await?;
    let s = |k: &str| op.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    let Some(t) = planner.tables.get(&(s("databaseId"), s("tableId"))).cloned() else { return Ok(None) };
    Ok(planner.current(&t, &s("rowId")).await?.map(|r| views::row(api, &t, &r, &[])))
}

/// A row as transaction `id` sees it.
pub async fn read_row(app: &App, caller: &Caller, api: Api, id: &str, t: &TableRecord, row: &str) -> Result<Option<RowRecord>> {
    let tx = load(app, caller, id).await?;
    let planner = replay(app, caller, api, &tx.operations).await?;
    planner.current(t, row).await
}

/// Applies transaction `id`'s view to a page of committed rows: staged deletes drop out,
/// staged updates show, staged creates are added (without re-applying the filters, as
/// Appwrite does).
pub async fn overlay_page(app: &App, caller: &Caller, api: Api, id: &str, t: &TableRecord, rows: Vec<RowRecord>) -> Result<Vec<RowRecord>> {
    let tx = load(app, caller, id).await?;
    let planner = replay(app, caller, api, &tx.operations).await?;
    let mut out: Vec<RowRecord> = Vec::new();
    for r in rows {
        match planner.overlay.rows.get(&(t.id.clone(), r.id.clone())) {
            Some(Some(staged)) => out.push(staged.clone()),
            Some(None) => {}
            None => out.push(r),
        }
    }
    for ((table, _), state) in &planner.overlay.rows {
        if let Some(r) = state
            && *table == t.id
            && !out.iter().any(|o| o.id == r.id)
            && app.store.get_row(t, &r.id).await.map_err(Error::internal)?.is_none()
        {
            out.push(r.clone());
        }
    }
    Ok(out)
}

/// `updateTransaction`: commit (all staged operations at once) or roll back.
pub async fn update(app: &App, caller: &Caller, api: Api, id: &str, commit: Option<bool>, rollback: Option<bool>) -> Result<Value> {
    let (commit, rollback) = (commit.unwrap_or(false), rollback.unwrap_or(false));
    if commit && rollback {
        return Err(bad_request("Cannot commit and rollback at the same time"));
    }
    if !commit && !rollback {
        return Err(bad_request("Either commit or rollback must be true"));
    }
    let mut tx = load(app, caller, id).await?;
    if tx.status != "pending" {
        return Err(ErrorType::TransactionNotReady.into());
    }
    if tx.expires_at < now_ms() {
        return Err(ErrorType::TransactionExpired.into());
    }
    let expect = tx.updated_at;
    if rollback {
        // appwrite-compat: a rolled-back transaction is `failed`.
        tx.status = "failed".into();
        tx.updated_at = now_ms().max(expect + 1);
        app.store.update_transaction(tx.clone(), expect).await.map_err(|_| Error::new(ErrorType::TransactionNotReady))?;
        return Ok(model(&tx));
    }
    let planned = replay(app, caller, api, &tx.operations).await;
    let result = match planned {
        Ok(planner) => {
            let mut done = tx.clone();
            done.status = "committed".into();
            done.updated_at = now_ms().max(expect + 1);
            let ops = planner.ops.clone();
            match app.store.commit_transaction(done.clone(), ops).await {
                Ok(written) => {
                    for e in &planner.events {
                        let row = e.deleted.clone().or_else(|| written.get(e.op).cloned().flatten());
                        if let Some(row) = row {
                            super::rows::emit(app, caller, api, e.action, &e.table, &row);
                        }
                    }
                    return Ok(model(&done));
                }
                Err(StoreError::Conflict(_)) => Error::new(ErrorType::TransactionConflict),
                Err(StoreError::Precondition("status")) => return Err(ErrorType::TransactionNotReady.into()),
                Err(StoreError::Precondition(_)) => Error::new(ErrorType::AttributeLimitExceeded),
                Err(StoreError::NotFound(_)) => Error::new(ErrorType::DocumentNotFound),
                Err(StoreError::InvalidQuery(m)) => Error::msg(ErrorType::GeneralQueryInvalid, m),
                Err(other) => return Err(Error::internal(other)),
            }
        }
        Err(e) => e,
    };
    // A failed commit applies nothing and leaves the transaction `failed`.
    tx.status = "failed".into();
    tx.updated_at = now_ms().max(expect + 1);
    let _ = app.store.update_transaction(tx, expect).await;
    Err(result)
}

