//! List statements: one SELECT per page (filters, permission check, order, cursor, limit and
//! offset), a capped count, and the lookup of a cursor row's order values.
//!
//! Order: the given orders, then `_seq` ascending as the tie-breaker (as utopia-php/database
//! appends `$sequence` with the default direction), unless an order is already on `$sequence`
//! or `$id`, which are unique. NULLs sort first ascending and last descending in both dialects.
//! With `cursorBefore` every direction is reversed (so the page is read backwards from the
//! cursor); the caller reverses the rows it reads.
//!
//! The cursor condition is a keyset condition over the order keys: a row comes after the
//! anchor if, for some key, it equals the anchor on every key before and comes after it on
//! that one. A NULL anchor value is handled as the order places NULLs (`IS NULL` for equality,
//! any non-NULL value comes after it ascending, nothing comes after it descending).

use oxwrite_types::query::{CursorDirection, Order, Query};
use oxwrite_types::schema::TableShape;

use crate::filter::{FALSE, conditions, not_found};
use crate::rows::select_list;
use crate::writer::{ALIAS, Attr, Writer, ident};
use crate::{CompileError, Dialect, Statement, Value};

/// Where a page starts: the cursor row's value of every order key ([`cursor_anchor`]'s
/// columns), in order, including the trailing `_seq` tie-breaker when there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    pub direction: CursorDirection,
    pub anchor: Vec<Value>,
}

/// One page of rows to read.
#[derive(Debug, Clone, PartialEq)]
pub struct List<'a> {
    /// Filter queries only (including `and`/`or`).
    pub filters: &'a [Query],
    /// Attributes: user keys or `$id`, `$sequence`, `$createdAt`, `$updatedAt`.
    pub orders: &'a [(String, Order)],
    /// `orderRandom`: rows in random order (after any `orders`); no cursor allowed.
    pub random: bool,
    pub limit: u64,
    pub offset: u64,
    pub cursor: Option<Cursor>,
    /// `Some`: only rows with a `N_perms` ('read', role) entry for one of these roles.
    pub read_roles: Option<&'a [String]>,
}

/// One ORDER BY key.
struct Key<'s> {
    attr: Attr<'s>,
    ascending: bool,
}

/// The order keys of `orders`, with the `_seq` tie-breaker.
fn order_keys<'s>(
    shape: &'s TableShape,
    orders: &[(String, Order)],
    tie_breaker: bool,
) -> Result<Vec<Key<'s>>, CompileError> {
    let mut keys = Vec::with_capacity(orders.len() + 1);
    for (name, order) in orders {
        let attr = Attr::find(shape, name).ok_or_else(|| not_found(name))?;
        if !attr.is_physical() {
            return Err(CompileError(format!(
                "Cannot order by virtual relationship attribute: {name}"
            )));
        }
        if attr.is_array() {
            return Err(CompileError(format!(
                "Cannot order by array attribute: {name}"
            )));
        }
        if attr.is_spatial() {
            return Err(CompileError(format!(
                "Cannot order by spatial attribute: {name}"
            )));
        }
        keys.push(Key {
            attr,
            ascending: *order == Order::Asc,
        });
    }
    let unique = keys.iter().any(|k| matches!(k.attr, Attr::Seq | Attr::Id));
    if tie_breaker && !unique {
        keys.push(Key {
            attr: Attr::Seq,
            ascending: true,
        });
    }
    Ok(keys)
}

fn order_term(d: Dialect, expr: &str, ascending: bool, nullable: bool) -> String {
    match (d, ascending, nullable) {
        (Dialect::Postgres, true, true) => format!("{expr} ASC NULLS FIRST"),
        (Dialect::Postgres, false, true) => format!("{expr} DESC NULLS LAST"),
        (_, true, _) => format!("{expr} ASC"),
        (_, false, _) => format!("{expr} DESC"),
    }
}

/// `t._seq IN (SELECT _row FROM "N_perms" WHERE _type = 'read' AND _role IN (…))`.
fn read_condition(w: &mut Writer, shape: &TableShape, roles: &[String]) -> String {
    if roles.is_empty() {
        return FALSE.to_owned();
    }
    let placeholders = roles
        .iter()
        .map(|role| w.bind(Value::Text(role.clone())))
        .collect::<Vec<_>>();
    format!(
        "{ALIAS}.{} IN (SELECT {} FROM {} WHERE {} = 'read' AND {} IN ({}))",
        ident("_seq"),
        ident("_row"),
        ident(&format!("{}_perms", shape.name)),
        ident("_type"),
        ident("_role"),
        placeholders.join(", ")
    )
}

/// The keyset condition: rows after `anchor` in the order of `keys` (directions as written).
fn cursor_condition(w: &mut Writer, keys: &[Key<'_>], anchor: &[Value]) -> String {
    // Each anchor value is bound once and its placeholder reused.
    let bound = anchor
        .iter()
        .map(|v| match v {
            Value::Null => None,
            v => Some(w.bind(v.clone())),
        })
        .collect::<Vec<_>>();
    let mut disjuncts = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let expr = key.attr.expr();
        let after = match (bound.get(i).cloned().flatten(), key.ascending) {
            (None, true) => Some(format!("{expr} IS NOT NULL")),
            (None, false) => None,
            (Some(p), true) => Some(format!("{expr} > {p}")),
            (Some(p), false) if key.attr.nullable() => {
                Some(format!("({expr} < {p} OR {expr} IS NULL)"))
            }
            (Some(p), false) => Some(format!("{expr} < {p}")),
        };
        let Some(after) = after else { continue };
        let mut parts = keys[..i]
            .iter()
            .zip(&bound)
            .map(|(k, p)| match p {
                Some(p) => format!("{} = {p}", k.attr.expr()),
                None => format!("{} IS NULL", k.attr.expr()),
            })
            .collect::<Vec<_>>();
        parts.push(after);
        disjuncts.push(if parts.len() == 1 {
            parts.remove(0)
        } else {
            format!("({})", parts.join(" AND "))
        });
    }
    match disjuncts.len() {
        0 => FALSE.to_owned(),
        1 => disjuncts.remove(0),
        _ => format!("({})", disjuncts.join(" OR ")),
    }
}

fn where_clause(conditions: &[String]) -> String {
    if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    }
}

fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Checks orders against the table's schema the way `select` would (unknown attributes, array,
/// spatial and virtual relationship columns), without writing SQL.
pub fn validate_orders(shape: &TableShape, orders: &[(String, Order)]) -> Result<(), CompileError> {
    order_keys(shape, orders, false).map(drop)
}

/// One page of rows (columns as [`crate::row_columns`] describes).
pub fn select(d: Dialect, shape: &TableShape, list: &List) -> Result<Statement, CompileError> {
    let mut w = Writer::new(d);
    let mut conds = conditions(&mut w, shape, list.filters)?;
    if let Some(roles) = list.read_roles {
        conds.push(read_condition(&mut w, shape, roles));
    }
    let mut keys = order_keys(shape, list.orders, !list.random)?;
    if let Some(cursor) = &list.cursor {
        if list.random {
            return Err(CompileError(
                "Cursor pagination is not supported with random order".to_owned(),
            ));
        }
        if cursor.anchor.len() != keys.len() {
            return Err(CompileError("Invalid cursor".to_owned()));
        }
        if cursor.direction == CursorDirection::Before {
            for key in &mut keys {
                key.ascending = !key.ascending;
            }
        }
        conds.push(cursor_condition(&mut w, &keys, &cursor.anchor));
    }
    let mut order = keys
        .iter()
        .map(|k| order_term(d, &k.attr.expr(), k.ascending, k.attr.nullable()))
        .collect::<Vec<_>>();
    if list.random {
        order.push("random()".to_owned());
    }
    let limit = w.bind(Value::Int(clamp(list.limit)));
    let offset = w.bind(Value::Int(clamp(list.offset)));
    let sql = format!(
        "SELECT {} FROM {} AS {ALIAS}{} ORDER BY {} LIMIT {limit} OFFSET {offset}",
        select_list(d, shape),
        ident(&shape.name),
        where_clause(&conds),
        order.join(", ")
    );
    Ok(w.finish(sql))
}

/// The number of rows the filters (and read roles) match, counting at most `cap`:
/// `SELECT COUNT(*) FROM (SELECT 1 … LIMIT cap)`. One integer column.
pub fn count(
    d: Dialect,
    shape: &TableShape,
    filters: &[Query],
    read_roles: Option<&[String]>,
    cap: u64,
) -> Result<Statement, CompileError> {
    let mut w = Writer::new(d);
    // Without filters the permission side table alone has the answer (each of its entries
    // belongs to an existing row), which spares a lookup of every visible row.
    if filters.is_empty()
        && let Some(roles) = read_roles.filter(|r| !r.is_empty())
    {
        let placeholders = roles.iter().map(|role| w.bind(Value::Text(role.clone()))).collect::<Vec<_>>();
        let cap = w.bind(Value::Int(clamp(cap)));
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT DISTINCT {} FROM {} WHERE {} = 'read' AND {} IN ({}) LIMIT {cap}) AS c",
            ident("_row"),
            ident(&format!("{}_perms", shape.name)),
            ident("_type"),
            ident("_role"),
            placeholders.join(", ")
        );
        return Ok(w.finish(sql));
    }
    let mut conds = conditions(&mut w, shape, filters)?;
    if let Some(roles) = read_roles {
        conds.push(read_condition(&mut w, shape, roles));
    }
    let cap = w.bind(Value::Int(clamp(cap)));
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM {} AS {ALIAS}{} LIMIT {cap}) AS c",
        ident(&shape.name),
        where_clause(&conds)
    );
    Ok(w.finish(sql))
}

/// The order-key values of row `id` (the `orders`' columns, then `_seq` when it is the
/// tie-breaker): what [`Cursor::anchor`] takes. No row means the cursor was not found.
pub fn cursor_anchor(
    d: Dialect,
    shape: &TableShape,
    orders: &[(String, Order)],
    id: &str,
) -> Result<Statement, CompileError> {
    let keys = order_keys(shape, orders, true)?;
    let mut w = Writer::new(d);
    let id = w.bind(Value::Text(id.to_owned()));
    let columns = keys.iter().map(|k| k.attr.expr()).collect::<Vec<_>>();
    let sql = format!(
        "SELECT {} FROM {} AS {ALIAS} WHERE {ALIAS}.{} = {id}",
        columns.join(", "),
        ident(&shape.name),
        ident("_id")
    );
    Ok(w.finish(sql))
}
