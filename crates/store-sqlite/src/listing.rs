//! Lists over system tables (users, teams, memberships): Appwrite queries compiled to one
//! SQLite statement against a fixed attribute → column map, plus a capped count. Attribute
//! names never reach SQL; only the mapped, known column expressions do. (User tables get
//! the general compiler of the `sql` crate; this covers the small fixed schemas here.)

use oxwrite_core::ports::{LIST_TOTAL_CAP, ListParams, Page, StoreError, StoreResult};
use oxwrite_types::query::{Method, Query};
use rusqlite::Connection;
use rusqlite::types::Value as Sql;
use serde_json::Value;

use crate::rows::internal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    Bool,
    /// Milliseconds in the column; ISO-8601 strings in queries.
    Datetime,
    /// A JSON array of strings; `contains` tests membership.
    JsonArray,
}

pub struct Listing {
    /// How the table is named in the FROM clause (for the sequence column).
    pub alias: &'static str,
    pub columns: &'static [(&'static str, &'static str, Kind)],
    /// The SQL expression `search` matches with LIKE.
    pub search: &'static str,
}

pub const DEFAULT_LIMIT: u64 = 25;
/// Appwrite has no hard cap on `limit` in CE; we bound it so one request cannot pull a
/// whole table into memory.
pub const MAX_LIMIT: u64 = 5000;

fn invalid(msg: impl Into<String>) -> StoreError {
    StoreError::InvalidQuery(msg.into())
}

impl Listing {
    fn column(&self, attr: &str) -> Option<(&'static str, Kind)> {
        self.columns.iter().find(|(a, _, _)| *a == attr).map(|(_, c, k)| (*c, *k))
    }

    fn seq(&self) -> String {
        format!("{}.seq", self.alias)
    }
}

fn sql_value(kind: Kind, v: &Value) -> Option<Sql> {
    Some(match (kind, v) {
        (Kind::Bool, Value::Bool(b)) => Sql::Integer(i64::from(*b)),
        (Kind::Int, Value::Number(n)) => Sql::Integer(n.as_i64()?),
        (Kind::Datetime, Value::String(s)) => Sql::Integer(oxwrite_types::time::parse(s)?.as_millisecond()),
        (Kind::Text | Kind::JsonArray, Value::String(s)) => Sql::Text(s.clone()),
        (Kind::Text, Value::Number(n)) => Sql::Text(n.to_string()),
        _ => return None,
    })
}

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

struct Compiled {
    sql: String,
    args: Vec<Sql>,
}

fn filter(l: &Listing, q: &Query, out: &mut Compiled) -> StoreResult<()> {
    if matches!(q.method, Method::And | Method::Or) {
        let joiner = if q.method == Method::And { " AND " } else { " OR " };
        out.sql.push('(');
        for (i, nested) in q.nested.iter().enumerate() {
            if i > 0 {
                out.sql.push_str(joiner);
            }
            filter(l, nested, out)?;
        }
        out.sql.push(')');
        return Ok(());
    }
    let attr = q.attribute.as_deref().unwrap_or("");
    let (col, kind) = l.column(attr).ok_or_else(|| invalid(format!("attribute not found in schema: {attr}")))?;
    let values = || -> StoreResult<Vec<Sql>> {
        q.values
            .iter()
            .map(|v| sql_value(kind, v).ok_or_else(|| invalid(format!("invalid value for {attr}"))))
            .collect()
    };
    let cmp = |op: &str, out: &mut Compiled| -> StoreResult<()> {
        let v = values()?.into_iter().next().ok_or_else(|| invalid("missing value"))?;
        out.sql.push_str(&format!("{col} {op} ?"));
        out.args.push(v);
        Ok(())
    };
    match q.method {
        Method::Equal | Method::NotEqual if kind == Kind::JsonArray => {
            return Err(invalid(format!("cannot query equal on array attribute {attr}; use contains")));
        }
        Method::Equal | Method::NotEqual => {
            let vs = values()?;
            let not = if q.method == Method::NotEqual { "NOT " } else { "" };
            out.sql.push_str(&format!("{not}({col} IN ({}))", vec!["?"; vs.len().max(1)].join(", ")));
            if vs.is_empty() {
                out.args.push(Sql::Null);
            }
            out.args.extend(vs);
        }
        Method::LessThan => cmp("<", out)?,
        Method::LessThanEqual => cmp("<=", out)?,
        Method::GreaterThan => cmp(">", out)?,
        Method::GreaterThanEqual => cmp(">=", out)?,
        Method::Between | Method::NotBetween => {
            let vs = values()?;
            let [a, b] = <[Sql; 2]>::try_from(vs).map_err(|_| invalid("between needs two values"))?;
            let not = if q.method == Method::NotBetween { "NOT " } else { "" };
            out.sql.push_str(&format!("{col} {not}BETWEEN ? AND ?"));
            out.args.extend([a, b]);
        }
        Method::IsNull => out.sql.push_str(&format!("{col} IS NULL")),
        Method::IsNotNull => out.sql.push_str(&format!("{col} IS NOT NULL")),
        Method::StartsWith | Method::NotStartsWith | Method::EndsWith | Method::NotEndsWith => {
            let v = q.values.first().and_then(Value::as_str).ok_or_else(|| invalid("expected a string"))?;
            let pattern = match q.method {
                Method::StartsWith | Method::NotStartsWith => format!("{}%", like_escape(v)),
                _ => format!("%{}", like_escape(v)),
            };
            let not = if matches!(q.method, Method::NotStartsWith | Method::NotEndsWith) { "NOT " } else { "" };
            out.sql.push_str(&format!("coalesce({col}, '') {not}LIKE ? ESCAPE '\\'"));
            out.args.push(Sql::Text(pattern));
        }
        Method::Contains | Method::NotContains => {
            let not = if q.method == Method::NotContains { "NOT " } else { "" };
            let vs = values()?;
            out.sql.push_str(&format!("{not}("));
            for (i, v) in vs.into_iter().enumerate() {
                if i > 0 {
                    out.sql.push_str(" OR ");
                }
                if kind == Kind::JsonArray {
                    out.sql.push_str(&format!("EXISTS (SELECT 1 FROM json_each({col}) WHERE value = ?)"));
                    out.args.push(v);
                } else {
                    out.sql.push_str(&format!("coalesce({col}, '') LIKE ? ESCAPE '\\'"));
                    let Sql::Text(s) = v else { return Err(invalid("expected a string")) };
                    out.args.push(Sql::Text(format!("%{}%", like_escape(&s))));
                }
            }
            out.sql.push(')');
        }
        Method::Search | Method::NotSearch => {
            let v = q.values.first().and_then(Value::as_str).ok_or_else(|| invalid("expected a string"))?;
            let not = if q.method == Method::NotSearch { "NOT " } else { "" };
            out.sql.push_str(&format!("coalesce({col}, '') {not}LIKE ? ESCAPE '\\'"));
            out.args.push(Sql::Text(format!("%{}%", like_escape(v))));
        }
        other => return Err(invalid(format!("method {} is not supported on this list", other.as_str()))),
    }
    Ok(())
}

/// Runs a list: `scope` (with `scope_args`) restricts to the project (and parent); queries
/// add filters, order, cursor and paging.
#[allow(clippy::too_many_arguments)]
pub fn run<T>(
    conn: &Connection,
    l: &Listing,
    cols: &str,
    from: &str,
    scope: &str,
    scope_args: Vec<Sql>,
    params: &ListParams,
    map: fn(&rusqlite::Row) -> rusqlite::Result<T>,
) -> StoreResult<Page<T>> {
    let mut w = Compiled { sql: scope.to_owned(), args: scope_args };
    let mut orders: Vec<(String, bool)> = Vec::new();
    let mut limit = DEFAULT_LIMIT;
    let mut offset = 0u64;
    let mut cursor: Option<(bool, String)> = None;
    for q in &params.queries {
        match q.method {
            Method::Limit => limit = q.values.first().and_then(Value::as_u64).ok_or_else(|| invalid("limit"))?,
            Method::Offset => offset = q.values.first().and_then(Value::as_u64).ok_or_else(|| invalid("offset"))?,
            Method::CursorAfter | Method::CursorBefore => {
                let id = q.values.first().and_then(Value::as_str).ok_or_else(|| invalid("cursor"))?;
                cursor = Some((q.method == Method::CursorAfter, id.to_owned()));
            }
            Method::OrderAsc | Method::OrderDesc => {
                let attr = q.attribute.as_deref().unwrap_or("");
                let col = if attr.is_empty() {
                    l.seq()
                } else {
                    l.column(attr).map(|(c, _)| c.to_owned()).ok_or_else(|| invalid(format!("attribute not found in schema: {attr}")))?
                };
                orders.push((col, q.method == Method::OrderAsc));
            }
            Method::Select => {}
            _ => {
                w.sql.push_str(" AND ");
                filter(l, q, &mut w)?;
            }
        }
    }
    let limit = limit.min(MAX_LIMIT);
    if let Some(s) = &params.search {
        w.sql.push_str(&format!(" AND {} LIKE ? ESCAPE '\\'", l.search));
        w.args.push(Sql::Text(format!("%{}%", like_escape(s.trim()))));
    }
    // The filter without the cursor is what `total` counts.
    let count_where = w.sql.clone();
    let count_args = w.args.clone();
    orders.push((l.seq(), orders.last().is_none_or(|(_, asc)| *asc)));
    if let Some((after, id)) = &cursor {
        let probe = format!("SELECT {} FROM {} WHERE {} AND {}.id = ?", orders.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>().join(", "), from, scope, l.alias);
        let mut probe_args: Vec<Sql> = w.args[..scope_arg_count(scope)].to_vec();
        probe_args.push(Sql::Text(id.clone()));
        let n = orders.len();
        let anchor: Option<Vec<Sql>> = conn
            .prepare(&probe)
            .map_err(internal)?
            .query_row(rusqlite::params_from_iter(probe_args), |r| (0..n).map(|i| r.get::<_, Sql>(i)).collect())
            .map(Some)
            .or_else(|e| if matches!(e, rusqlite::Error::QueryReturnedNoRows) { Ok(None) } else { Err(e) })
            .map_err(internal)?;
        let anchor = anchor.ok_or(StoreError::NotFound("cursor"))?;
        // Keyset condition: rows strictly after (or before) the anchor in the sort order.
        let mut ors = Vec::new();
        for i in 0..n {
            let mut ands = Vec::new();
            for (j, (col, _)) in orders.iter().enumerate().take(i) {
                ands.push(format!("{col} IS ?"));
                w.args.push(anchor[j].clone());
            }
            let (col, asc) = &orders[i];
            let forward = *asc == *after;
            ands.push(format!("{col} {} ?", if forward { ">" } else { "<" }));
            w.args.push(anchor[i].clone());
            ors.push(format!("({})", ands.join(" AND ")));
        }
        w.sql.push_str(&format!(" AND ({})", ors.join(" OR ")));
    }
    let before = matches!(cursor, Some((false, _)));
    let order_sql = orders
        .iter()
        .map(|(c, asc)| format!("{c} {}", if *asc != before { "ASC" } else { "DESC" }))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("SELECT {cols} FROM {from} WHERE {} ORDER BY {order_sql} LIMIT ? OFFSET ?", w.sql);
    w.args.push(Sql::Integer(limit as i64));
    w.args.push(Sql::Integer(offset.min(i64::MAX as u64) as i64));
    let mut stmt = conn.prepare(&sql).map_err(internal)?;
    let mut items = stmt
        .query_map(rusqlite::params_from_iter(w.args), map)
        .map_err(internal)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(internal)?;
    if before {
        items.reverse();
    }
    let total = if params.total {
        let sql = format!("SELECT count(*) FROM (SELECT 1 FROM {from} WHERE {count_where} LIMIT {LIST_TOTAL_CAP})");
        let n: i64 = conn.query_row(&sql, rusqlite::params_from_iter(count_args), |r| r.get(0)).map_err(internal)?;
        n as u64
    } else {
        0
    };
    Ok(Page { items, total })
}

fn scope_arg_count(scope: &str) -> usize {
    scope.matches('?').count()
}
