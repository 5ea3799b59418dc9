//! TablesDB on SQLite: database and table metadata (`databases`, `db_tables`), schema
//! changes as DDL from the `sql` crate, and rows in each table's own SQL table. Every function
//! here runs inside one executor closure, so each is one transaction.

use oxwrite_core::ports::{LIST_TOTAL_CAP, Page, RowOp, RowQuery, SchemaChange, StoreError, StoreResult};
use oxwrite_core::records::{DatabaseRecord, RowRecord, TableRecord};
use oxwrite_sql::{self as sql, Dialect, Statement, Value as SqlValue};
use oxwrite_types::schema::{Column, Index, TableShape};
use rusqlite::types::{Value as Raw, ValueRef};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value};

use crate::listing::{self, Listing};
use crate::rows::{internal, json};

const D: Dialect = Dialect::Sqlite;

pub const DATABASE_COLS: &str = "databases.project_id, databases.id, databases.name, databases.enabled, databases.kind, databases.created_at, databases.updated_at";
pub const TABLE_COLS: &str = "db_tables.project_id, db_tables.database_id, db_tables.id, db_tables.seq, db_tables.name, db_tables.enabled, db_tables.row_security, db_tables.permissions, db_tables.columns, db_tables.indexes, db_tables.created_at, db_tables.updated_at";

pub const DATABASES_LISTING: Listing = Listing {
    alias: "databases",
    columns: &[
        ("$id", "databases.id", listing::Kind::Text),
        ("$createdAt", "databases.created_at", listing::Kind::Datetime),
        ("$updatedAt", "databases.updated_at", listing::Kind::Datetime),
        ("$sequence", "databases.seq", listing::Kind::Int),
        ("name", "databases.name", listing::Kind::Text),
        ("type", "databases.kind", listing::Kind::Text),
    ],
    search: "databases.name",
};

pub const TABLES_LISTING: Listing = Listing {
    alias: "db_tables",
    columns: &[
        ("$id", "db_tables.id", listing::Kind::Text),
        ("$createdAt", "db_tables.created_at", listing::Kind::Datetime),
        ("$updatedAt", "db_tables.updated_at", listing::Kind::Datetime),
        ("$sequence", "db_tables.seq", listing::Kind::Int),
        ("name", "db_tables.name", listing::Kind::Text),
        ("enabled", "db_tables.enabled", listing::Kind::Bool),
        ("rowSecurity", "db_tables.row_security", listing::Kind::Bool),
        ("documentSecurity", "db_tables.row_security", listing::Kind::Bool),
    ],
    search: "db_tables.name",
};

pub fn database(r: &rusqlite::Row) -> rusqlite::Result<DatabaseRecord> {
    Ok(DatabaseRecord {
        project_id: r.get(0)?,
        id: r.get(1)?,
        name: r.get(2)?,
        enabled: r.get(3)?,
        kind: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

fn parse<T: serde::de::DeserializeOwned>(r: &rusqlite::Row, i: usize) -> rusqlite::Result<T> {
    let s: String = r.get(i)?;
    serde_json::from_str(&s).map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
}

pub fn table(r: &rusqlite::Row) -> rusqlite::Result<TableRecord> {
    Ok(TableRecord {
        project_id: r.get(0)?,
        database_id: r.get(1)?,
        id: r.get(2)?,
        seq: r.get(3)?,
        name: r.get(4)?,
        enabled: r.get(5)?,
        row_security: r.get(6)?,
        permissions: parse(r, 7)?,
        columns: parse(r, 8)?,
        indexes: parse(r, 9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
    })
}

pub fn load_table(c: &Connection, project: &str, database: &str, id: &str) -> StoreResult<Option<TableRecord>> {
    let sql = format!("SELECT {TABLE_COLS} FROM db_tables WHERE project_id = ?1 AND database_id = ?2 AND id = ?3");
    c.prepare_cached(&sql).map_err(internal)?.query_row(params![project, database, id], table).optional().map_err(internal)
}

fn run_ddl(c: &Connection, statements: Vec<String>) -> StoreResult<()> {
    for s in statements {
        c.execute_batch(&s).map_err(row_write_error)?;
    }
    Ok(())
}

/// Unique violations on `_id` are a taken row id; on anything else a unique index.
fn row_write_error(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, Some(msg)) = &e
        && f.code == rusqlite::ErrorCode::ConstraintViolation
        && msg.contains("UNIQUE")
    {
        return StoreError::Conflict(if msg.contains("._id") { "id" } else { "unique" });
    }
    internal(e)
}

pub fn create_table(c: &Connection, mut t: TableRecord) -> StoreResult<TableRecord> {
    t.seq = c
        .query_row(
            "INSERT INTO db_tables (project_id, database_id, id, name, enabled, row_security, permissions, columns, indexes, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING seq",
            params![
                t.project_id,
                t.database_id,
                t.id,
                t.name,
                t.enabled,
                t.row_security,
                json(&t.permissions),
                json(&t.columns),
                json(&t.indexes),
                t.created_at,
                t.updated_at
            ],
            |r| r.get(0),
        )
        .map_err(crate::rows::write_error)?;
    run_ddl(c, sql::create_table(D, &t.shape()))?;
    Ok(t)
}

pub fn update_table(c: &Connection, t: &TableRecord) -> StoreResult<()> {
    c.execute(
        "UPDATE db_tables SET name = ?4, enabled = ?5, row_security = ?6, permissions = ?7, columns = ?8, indexes = ?9, updated_at = ?10
         WHERE project_id = ?1 AND database_id = ?2 AND id = ?3",
        params![
            t.project_id,
            t.database_id,
            t.id,
            t.name,
            t.enabled,
            t.row_security,
            json(&t.permissions),
            json(&t.columns),
            json(&t.indexes),
            t.updated_at
        ],
    )
    .map_err(internal)?;
    Ok(())
}

pub fn delete_table(c: &Connection, project: &str, database: &str, id: &str) -> StoreResult<bool> {
    let Some(t) = load_table(c, project, database, id)? else { return Ok(false) };
    run_ddl(c, sql::drop_table(D, &t.shape()))?;
    c.execute("DELETE FROM db_tables WHERE seq = ?1", params![t.seq]).map_err(internal)?;
    Ok(true)
}

pub fn delete_database(c: &Connection, project: &str, id: &str) -> StoreResult<bool> {
    let ids: Vec<String> = c
        .prepare("SELECT id FROM db_tables WHERE project_id = ?1 AND database_id = ?2")
        .map_err(internal)?
        .query_map(params![project, id], |r| r.get(0))
        .map_err(internal)?
        .collect::<Result<_, _>>()
        .map_err(internal)?;
    for t in ids {
        delete_table(c, project, id, &t)?;
    }
    Ok(c.execute("DELETE FROM databases WHERE project_id = ?1 AND id = ?2", params![project, id]).map_err(internal)? > 0)
}

pub fn change_schema(c: &Connection, project: &str, database: &str, id: &str, change: SchemaChange) -> StoreResult<TableRecord> {
    let mut t = load_table(c, project, database, id)?.ok_or(StoreError::NotFound("table"))?;
    let shape = t.shape();
    match change {
        SchemaChange::AddColumn(col) => {
            if t.columns.iter().any(|o| o.key.eq_ignore_ascii_case(&col.key)) {
                return Err(StoreError::Conflict("column"));
            }
            run_ddl(c, sql::add_column(D, &shape, &col))?;
            t.columns.push(col);
        }
        SchemaChange::UpdateColumn { key, column } => {
            let i = t.columns.iter().position(|o| o.key == key).ok_or(StoreError::NotFound("column"))?;
            if column.key != key {
                if t.columns.iter().any(|o| o.key != key && o.key.eq_ignore_ascii_case(&column.key)) {
                    return Err(StoreError::Conflict("column"));
                }
                run_ddl(c, sql::rename_column(D, &shape, &key, &column.key))?;
                for index in &mut t.indexes {
                    for k in &mut index.columns {
                        if *k == key {
                            k.clone_from(&column.key);
                        }
                    }
                }
            }
            t.columns[i] = column;
        }
        SchemaChange::DeleteColumn(key) => {
            if !t.columns.iter().any(|o| o.key == key) {
                return Err(StoreError::NotFound("column"));
            }
            run_ddl(c, sql::drop_column(D, &shape, &key))?;
            t.columns.retain(|o| o.key != key);
            t.indexes.retain(|i| !i.columns.contains(&key));
        }
        SchemaChange::AddIndex(index) => {
            if t.indexes.iter().any(|o| o.key.eq_ignore_ascii_case(&index.key)) {
                return Err(StoreError::Conflict("index"));
            }
            run_ddl(c, sql::create_index(D, &shape, &index))?;
            t.indexes.push(index);
        }
        SchemaChange::DeleteIndex(key) => {
            let index: Index = t.indexes.iter().find(|i| i.key == key).cloned().ok_or(StoreError::NotFound("index"))?;
            run_ddl(c, sql::drop_index(D, &shape, &index))?;
            t.indexes.retain(|i| i.key != key);
        }
        SchemaChange::AddRelation { column, related, twin, junction } => {
            if t.columns.iter().any(|o| o.key.eq_ignore_ascii_case(&column.key)) {
                return Err(StoreError::Conflict("column"));
            }
            run_ddl(c, sql::add_column(D, &shape, &column))?;
            t.columns.push(*column);
            // The twin goes onto the related table, which may be this one.
            if related == t.id {
                if t.columns.iter().any(|o| o.key.eq_ignore_ascii_case(&twin.key)) {
                    return Err(StoreError::Conflict("twin"));
                }
                run_ddl(c, sql::add_column(D, &t.shape(), &twin))?;
                t.columns.push(*twin);
            } else {
                let mut r = load_table(c, project, database, &related)?.ok_or(StoreError::NotFound("related"))?;
                if r.columns.iter().any(|o| o.key.eq_ignore_ascii_case(&twin.key)) {
                    return Err(StoreError::Conflict("twin"));
                }
                run_ddl(c, sql::add_column(D, &r.shape(), &twin))?;
                r.columns.push(*twin);
                update_table(c, &r)?;
            }
            if let Some(j) = junction {
                create_table(c, *j)?;
            }
        }
        SchemaChange::DeleteRelation(key) => {
            let col = t.columns.iter().find(|o| o.key == key).cloned().ok_or(StoreError::NotFound("column"))?;
            let rel = col.relation.clone().ok_or(StoreError::NotFound("column"))?;
            run_ddl(c, sql::drop_column(D, &shape, &key))?;
            t.columns.retain(|o| o.key != key);
            let (parent_table, parent_key) = match rel.side {
                oxwrite_types::schema::Side::Parent => (t.id.clone(), key.clone()),
                oxwrite_types::schema::Side::Child => (rel.related_table.clone(), rel.two_way_key.clone()),
            };
            if rel.related_table == t.id {
                let twin_shape = t.shape();
                run_ddl(c, sql::drop_column(D, &twin_shape, &rel.two_way_key))?;
                t.columns.retain(|o| o.key != rel.two_way_key);
            } else if let Some(mut r) = load_table(c, project, database, &rel.related_table)? {
                run_ddl(c, sql::drop_column(D, &r.shape(), &rel.two_way_key))?;
                r.columns.retain(|o| o.key != rel.two_way_key);
                update_table(c, &r)?;
            }
            delete_table(c, project, database, &oxwrite_core::records::junction_id(&parent_table, &parent_key))?;
        }
    }
    t.updated_at = t.updated_at.max(oxwrite_types::time::to_millis(jiff::Timestamp::now()));
    update_table(c, &t)?;
    Ok(t)
}

// Rows.

fn bind(v: &SqlValue) -> Raw {
    match v {
        SqlValue::Null => Raw::Null,
        SqlValue::Int(i) => Raw::Integer(*i),
        SqlValue::Float(f) => Raw::Real(*f),
        SqlValue::Text(s) => Raw::Text(s.clone()),
        SqlValue::Bool(b) => Raw::Integer(i64::from(*b)),
    }
}

fn read(v: ValueRef<'_>) -> SqlValue {
    match v {
        ValueRef::Null => SqlValue::Null,
        ValueRef::Integer(i) => SqlValue::Int(i),
        ValueRef::Real(f) => SqlValue::Float(f),
        ValueRef::Text(t) | ValueRef::Blob(t) => SqlValue::Text(String::from_utf8_lossy(t).into_owned()),
    }
}

fn query_rows<T>(c: &Connection, st: &Statement, mut f: impl FnMut(&rusqlite::Row) -> rusqlite::Result<T>) -> StoreResult<Vec<T>> {
    let mut stmt = c.prepare_cached(&st.sql).map_err(internal)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(st.params.iter().map(bind)), |r| f(r)).map_err(internal)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(internal)
}

fn execute(c: &Connection, st: &Statement) -> StoreResult<usize> {
    c.prepare_cached(&st.sql).map_err(internal)?.execute(rusqlite::params_from_iter(st.params.iter().map(bind))).map_err(row_write_error)
}

/// Maps a selected row (`_seq, _id, _created_at, _updated_at, _permissions, columns…`).
fn row_mapper(columns: Vec<Column>) -> impl FnMut(&rusqlite::Row) -> rusqlite::Result<RowRecord> {
    move |r| {
        let permissions: String = r.get(4)?;
        let mut data = Map::new();
        for (i, col) in columns.iter().enumerate() {
            data.insert(col.key.clone(), sql::decode(col, read(r.get_ref(5 + i)?)));
        }
        Ok(RowRecord {
            seq: r.get(0)?,
            id: r.get(1)?,
            created_at: r.get(2)?,
            updated_at: r.get(3)?,
            permissions: serde_json::from_str(&permissions).unwrap_or_default(),
            data,
        })
    }
}

fn physical(shape: &TableShape) -> Vec<Column> {
    sql::row_columns(shape).into_iter().cloned().collect()
}

fn get_row_in(c: &Connection, shape: &TableShape, id: &str) -> StoreResult<Option<RowRecord>> {
    let st = sql::select_by_id(D, shape, id);
    Ok(query_rows(c, &st, row_mapper(physical(shape)))?.into_iter().next())
}

pub fn get_row(c: &Connection, t: &TableRecord, id: &str) -> StoreResult<Option<RowRecord>> {
    get_row_in(c, &t.shape(), id)
}

fn compile_error(e: sql::CompileError) -> StoreError {
    StoreError::InvalidQuery(e.0)
}

/// A list reads its page and its count in the reader's one transaction: both see the same
/// snapshot.
pub fn list_rows(c: &Connection, t: &TableRecord, q: &RowQuery) -> StoreResult<Page<RowRecord>> {
    let shape = t.shape();
    let roles = q.read_roles.as_deref();
    sql::validate_filters(&shape, &q.filters).map_err(compile_error)?;
    let cursor = match &q.cursor {
        None => None,
        Some((direction, id)) => {
            let st = sql::cursor_anchor(D, &shape, &q.orders, id).map_err(compile_error)?;
            let anchor = query_rows(c, &st, |r| (0..r.as_ref().column_count()).map(|i| r.get_ref(i).map(read)).collect::<rusqlite::Result<Vec<_>>>())?
                .into_iter()
                .next()
                .ok_or(StoreError::NotFound("cursor"))?;
            Some(sql::Cursor { direction: *direction, anchor })
        }
    };
    let before = matches!(cursor, Some(sql::Cursor { direction: oxwrite_types::query::CursorDirection::Before, .. }));
    let list = sql::List {
        filters: &q.filters,
        orders: &q.orders,
        random: q.random,
        limit: q.limit,
        offset: q.offset,
        cursor,
        read_roles: roles,
    };
    let st = sql::select(D, &shape, &list).map_err(compile_error)?;
    let mut items = query_rows(c, &st, row_mapper(physical(&shape)))?;
    if before {
        items.reverse();
    }
    let total = if q.total {
        let st = sql::count(D, &shape, &q.filters, roles, LIST_TOTAL_CAP).map_err(compile_error)?;
        query_rows(c, &st, |r| r.get::<_, i64>(0))?.into_iter().next().unwrap_or(0).max(0) as u64
    } else {
        0
    };
    Ok(Page { items, total })
}

fn encode_all(shape: &TableShape, data: &Map<String, Value>) -> StoreResult<Vec<(String, SqlValue)>> {
    data.iter()
        .filter_map(|(k, v)| shape.column(k).filter(|c| c.is_physical()).map(|c| (k, c, v)))
        .map(|(k, c, v)| sql::encode(c, v).map(|v| (k.clone(), v)).map_err(|e| StoreError::InvalidQuery(e.0)))
        .collect()
}

/// The row a write applies to, if it still carries the permissions it was authorized against.
fn current_row(c: &Connection, shape: &TableShape, id: &str, expect: &Option<Vec<String>>) -> StoreResult<RowRecord> {
    let current = get_row_in(c, shape, id)?.ok_or(StoreError::NotFound("row"))?;
    if expect.as_ref().is_some_and(|p| *p != current.permissions) {
        return Err(StoreError::Precondition("stale"));
    }
    Ok(current)
}

fn write_perms(c: &Connection, shape: &TableShape, seq: i64, permissions: &[String], replace: bool) -> StoreResult<()> {
    if replace {
        execute(c, &sql::delete_perms(D, shape, seq))?;
    }
    let entries = oxwrite_core::services::tablesdb::access::entries(permissions);
    if let Some(st) = sql::insert_perms(D, shape, seq, &entries) {
        execute(c, &st)?;
    }
    Ok(())
}

pub fn write_rows(c: &Connection, ops: Vec<RowOp>) -> StoreResult<Vec<Option<RowRecord>>> {
    let mut out = Vec::with_capacity(ops.len());
    for op in ops {
        out.push(match op {
            RowOp::Create { table, row } => {
                let shape = table.shape();
                let write = sql::RowWrite {
                    id: row.id.clone(),
                    created_at: row.created_at,
                    updated_at: row.updated_at,
                    permissions: row.permissions.clone(),
                    values: encode_all(&shape, &row.data)?,
                };
                let st = sql::insert_row(D, &shape, &write);
                let seq: i64 = c
                    .prepare_cached(&st.sql)
                    .map_err(internal)?
                    .query_row(rusqlite::params_from_iter(st.params.iter().map(bind)), |r| r.get(0))
                    .map_err(row_write_error)?;
                write_perms(c, &shape, seq, &row.permissions, false)?;
                Some(RowRecord { seq, ..row })
            }
            RowOp::Update { table, id, expect_permissions, updated_at, data, permissions } => {
                let shape = table.shape();
                let current = current_row(c, &shape, &id, &expect_permissions)?;
                let values = encode_all(&shape, &data)?;
                execute(c, &sql::update_row(D, &shape, current.seq, updated_at, permissions.as_deref(), &values))?;
                if let Some(p) = &permissions {
                    write_perms(c, &shape, current.seq, p, true)?;
                }
                get_row_in(c, &shape, &id)?
            }
            RowOp::Delete { table, id, expect_permissions } => {
                let shape = table.shape();
                let current = current_row(c, &shape, &id, &expect_permissions)?;
                execute(c, &sql::delete_perms(D, &shape, current.seq))?;
                execute(c, &sql::delete_row(D, &shape, current.seq))?;
                None
            }
            RowOp::Increment { table, id, expect_permissions, updated_at, column, by, min, max } => {
                let shape = table.shape();
                let current = current_row(c, &shape, &id, &expect_permissions)?;
                let now = current.data.get(&column).cloned().unwrap_or(Value::Null);
                let next = add(&now, &by);
                let n = next.as_f64().unwrap_or(0.0);
                if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                    return Err(StoreError::Precondition("bound"));
                }
                let mut data = Map::new();
                data.insert(column, next);
                let values = encode_all(&shape, &data)?;
                execute(c, &sql::update_row(D, &shape, current.seq, updated_at, None, &values))?;
                get_row_in(c, &shape, &id)?
            }
        });
    }
    Ok(out)
}

// Webhooks.

pub const WEBHOOK_COLS: &str =
    "project_id, id, name, url, events, tls, auth_username, auth_password, secret, enabled, logs, attempts, created_at, updated_at";

pub fn webhook(r: &rusqlite::Row) -> rusqlite::Result<oxwrite_core::records::WebhookRecord> {
    Ok(oxwrite_core::records::WebhookRecord {
        project_id: r.get(0)?,
        id: r.get(1)?,
        name: r.get(2)?,
        url: r.get(3)?,
        events: parse(r, 4)?,
        tls: r.get(5)?,
        auth_username: r.get(6)?,
        auth_password: r.get(7)?,
        secret: r.get(8)?,
        enabled: r.get(9)?,
        logs: r.get(10)?,
        attempts: r.get(11)?,
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
    })
}

pub const DELIVERY_COLS: &str = "seq, project_id, webhook_id, events, payload, user_id, attempts, next_at";

pub fn delivery(r: &rusqlite::Row) -> rusqlite::Result<oxwrite_core::records::DeliveryRecord> {
    Ok(oxwrite_core::records::DeliveryRecord {
        seq: r.get(0)?,
        project_id: r.get(1)?,
        webhook_id: r.get(2)?,
        events: parse(r, 3)?,
        payload: r.get(4)?,
        user_id: r.get(5)?,
        attempts: r.get(6)?,
        next_at: r.get(7)?,
    })
}

// Transactions.

pub const TX_COLS: &str = "project_id, id, owner, status, operations, expires_at, created_at, updated_at";

pub fn transaction(r: &rusqlite::Row) -> rusqlite::Result<oxwrite_core::records::TransactionRecord> {
    Ok(oxwrite_core::records::TransactionRecord {
        project_id: r.get(0)?,
        id: r.get(1)?,
        owner: r.get(2)?,
        status: r.get(3)?,
        operations: parse(r, 4)?,
        expires_at: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
    })
}

pub fn put_transaction(c: &Connection, t: &oxwrite_core::records::TransactionRecord, expect: Option<i64>) -> StoreResult<()> {
    match expect {
        None => {
            // Finished or long-expired transactions of anyone are swept on the way.
            c.execute("DELETE FROM transactions WHERE expires_at < ?1", params![t.created_at - 86_400_000]).map_err(internal)?;
            c.execute(
                &format!("INSERT INTO transactions ({TX_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
                params![t.project_id, t.id, t.owner, t.status, json(&t.operations), t.expires_at, t.created_at, t.updated_at],
            )
            .map_err(crate::rows::write_error)?;
        }
        Some(expect) => {
            let n = c
                .execute(
                    "UPDATE transactions SET status = ?3, operations = ?4, updated_at = ?5 WHERE project_id = ?1 AND id = ?2 AND updated_at = ?6",
                    params![t.project_id, t.id, t.status, json(&t.operations), t.updated_at, expect],
                )
                .map_err(internal)?;
            if n == 0 {
                return Err(StoreError::Precondition("stale"));
            }
        }
    }
    Ok(())
}

pub fn commit_transaction(c: &Connection, t: &oxwrite_core::records::TransactionRecord, ops: Vec<RowOp>) -> StoreResult<Vec<Option<RowRecord>>> {
    let status: Option<String> = c
        .query_row("SELECT status FROM transactions WHERE project_id = ?1 AND id = ?2", params![t.project_id, t.id], |r| r.get(0))
        .optional()
        .map_err(internal)?;
    if status.as_deref() != Some("pending") {
        return Err(StoreError::Precondition("status"));
    }
    let out = write_rows(c, ops)?;
    c.execute(
        "UPDATE transactions SET status = ?3, updated_at = ?4 WHERE project_id = ?1 AND id = ?2",
        params![t.project_id, t.id, t.status, t.updated_at],
    )
    .map_err(internal)?;
    Ok(out)
}

/// `a + b` keeping integers integral (a missing value counts as zero).
fn add(a: &Value, b: &serde_json::Number) -> Value {
    match (a.as_i64().or(if a.is_null() { Some(0) } else { None }), b.as_i64()) {
        (Some(x), Some(y)) => x.checked_add(y).map_or_else(|| Value::from(x as f64 + y as f64), Value::from),
        _ => Value::from(a.as_f64().unwrap_or(0.0) + b.as_f64().unwrap_or(0.0)),
    }
}
