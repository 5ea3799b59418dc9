//! Writes and single-row reads of a user table and its permission side table.

use oxwrite_types::schema::{Column, Storage, TableShape};

use crate::writer::{ALIAS, Writer, ident};
use crate::{Dialect, Statement, Value};

/// A row to insert. `values` are already [`crate::encode`]d, keyed by column key; keys that are
/// not physical columns of the shape are ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct RowWrite {
    pub id: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// The permission strings as returned to clients (kept as a JSON array in `_permissions`).
    pub permissions: Vec<String>,
    pub values: Vec<(String, Value)>,
}

/// The physical user columns, in `shape.columns` order: the columns every row SELECT returns
/// after `_seq, _id, _created_at, _updated_at, _permissions`.
pub fn row_columns(shape: &TableShape) -> Vec<&Column> {
    shape.columns.iter().filter(|c| c.is_physical()).collect()
}

/// Whether the column is JSON (jsonb on PostgreSQL).
pub(crate) fn is_json(column: &Column) -> bool {
    column.array
        || matches!(
            column.storage(),
            Storage::Point | Storage::Line | Storage::Polygon
        )
}

/// The select list of a row: internal columns, then the physical user columns.
pub(crate) fn select_list(d: Dialect, shape: &TableShape) -> String {
    let mut list = ["_seq", "_id", "_created_at", "_updated_at", "_permissions"]
        .iter()
        .map(|name| format!("{ALIAS}.{}", ident(name)))
        .collect::<Vec<_>>();
    for column in row_columns(shape) {
        let name = ident(&column.key);
        list.push(match d {
            Dialect::Postgres if is_json(column) => format!("{ALIAS}.{name}::text AS {name}"),
            _ => format!("{ALIAS}.{name}"),
        });
    }
    list.join(", ")
}

/// The physical column of `shape` called `key`.
fn physical<'a>(shape: &'a TableShape, key: &str) -> Option<&'a Column> {
    shape.column(key).filter(|c| c.is_physical())
}

/// Binds a column's value, as JSON where the column is JSON.
fn bind_column(w: &mut Writer, column: &Column, value: &Value) -> String {
    match (w.dialect, is_json(column), value) {
        (Dialect::Postgres, true, Value::Text(text)) => w.bind_json(text.clone()),
        (Dialect::Postgres, true, _) => {
            let placeholder = w.bind(value.clone());
            format!("{placeholder}::text::jsonb")
        }
        _ => w.bind(value.clone()),
    }
}

fn permissions_json(permissions: &[String]) -> Value {
    Value::Text(serde_json::Value::from(permissions.to_vec()).to_string())
}

/// `INSERT INTO "N" (...) VALUES (...) RETURNING "_seq"`.
pub fn insert_row(d: Dialect, shape: &TableShape, row: &RowWrite) -> Statement {
    let mut w = Writer::new(d);
    let mut names = ["_id", "_created_at", "_updated_at", "_permissions"]
        .iter()
        .map(|name| ident(name))
        .collect::<Vec<_>>();
    let mut values = vec![
        w.bind(Value::Text(row.id.clone())),
        w.bind(Value::Int(row.created_at)),
        w.bind(Value::Int(row.updated_at)),
        w.bind(permissions_json(&row.permissions)),
    ];
    for (key, value) in &row.values {
        let Some(column) = physical(shape, key) else {
            continue;
        };
        names.push(ident(&column.key));
        values.push(bind_column(&mut w, column, value));
    }
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({}) RETURNING {}",
        ident(&shape.name),
        names.join(", "),
        values.join(", "),
        ident("_seq")
    );
    w.finish(sql)
}

/// `UPDATE "N" SET "_updated_at" = …, ["_permissions" = …,] columns… WHERE "_seq" = …`.
pub fn update_row(
    d: Dialect,
    shape: &TableShape,
    seq: i64,
    updated_at: i64,
    permissions: Option<&[String]>,
    values: &[(String, Value)],
) -> Statement {
    let mut w = Writer::new(d);
    let mut sets = vec![format!(
        "{} = {}",
        ident("_updated_at"),
        w.bind(Value::Int(updated_at))
    )];
    if let Some(permissions) = permissions {
        let placeholder = w.bind(permissions_json(permissions));
        sets.push(format!("{} = {placeholder}", ident("_permissions")));
    }
    for (key, value) in values {
        let Some(column) = physical(shape, key) else {
            continue;
        };
        let placeholder = bind_column(&mut w, column, value);
        sets.push(format!("{} = {placeholder}", ident(&column.key)));
    }
    let seq = w.bind(Value::Int(seq));
    let sql = format!(
        "UPDATE {} SET {} WHERE {} = {seq}",
        ident(&shape.name),
        sets.join(", "),
        ident("_seq")
    );
    w.finish(sql)
}

/// `DELETE FROM "N" WHERE "_seq" = …`.
pub fn delete_row(d: Dialect, shape: &TableShape, seq: i64) -> Statement {
    let mut w = Writer::new(d);
    let seq = w.bind(Value::Int(seq));
    let sql = format!(
        "DELETE FROM {} WHERE {} = {seq}",
        ident(&shape.name),
        ident("_seq")
    );
    w.finish(sql)
}

/// Deletes every permission entry of the row.
pub fn delete_perms(d: Dialect, shape: &TableShape, seq: i64) -> Statement {
    let mut w = Writer::new(d);
    let seq = w.bind(Value::Int(seq));
    let sql = format!(
        "DELETE FROM {} WHERE {} = {seq}",
        ident(&format!("{}_perms", shape.name)),
        ident("_row")
    );
    w.finish(sql)
}

/// Inserts the row's `(action, role)` entries (duplicates written once, existing ones kept);
/// `None` when there are none.
pub fn insert_perms(
    d: Dialect,
    shape: &TableShape,
    seq: i64,
    entries: &[(String, String)],
) -> Option<Statement> {
    let mut unique: Vec<&(String, String)> = Vec::with_capacity(entries.len());
    for entry in entries {
        if !unique.contains(&entry) {
            unique.push(entry);
        }
    }
    if unique.is_empty() {
        return None;
    }
    let mut w = Writer::new(d);
    let row = w.bind(Value::Int(seq));
    let tuples = unique
        .into_iter()
        .map(|(action, role)| {
            let action = w.bind(Value::Text(action.clone()));
            let role = w.bind(Value::Text(role.clone()));
            format!("({action}, {role}, {row})")
        })
        .collect::<Vec<_>>();
    let sql = format!(
        "INSERT INTO {} ({}, {}, {}) VALUES {} ON CONFLICT DO NOTHING",
        ident(&format!("{}_perms", shape.name)),
        ident("_type"),
        ident("_role"),
        ident("_row"),
        tuples.join(", ")
    );
    Some(w.finish(sql))
}

/// The row with `_id` = `id` (columns as [`row_columns`] describes).
pub fn select_by_id(d: Dialect, shape: &TableShape, id: &str) -> Statement {
    let mut w = Writer::new(d);
    let id = w.bind(Value::Text(id.to_owned()));
    let sql = format!(
        "SELECT {} FROM {} AS {ALIAS} WHERE {ALIAS}.{} = {id}",
        select_list(d, shape),
        ident(&shape.name),
        ident("_id")
    );
    w.finish(sql)
}
