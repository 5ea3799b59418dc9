//! SQL functions SQLite lacks and the `sql` crate's statements call (regexp, spatial).
//! Registered on every connection; all deterministic and innocuous.
//!
//! - `regexp(pattern, text)`: SQLite's `text REGEXP pattern` operator, an unanchored search with
//!   the `regex` crate's syntax (no look-around or back-references, unlike MariaDB's PCRE).
//!   NULL in either argument gives NULL; an invalid or oversized pattern is an SQL error.
//! - `ox_geo_intersects|crosses|overlaps|touches|equals|contains|covers(a, b)`: the spatial
//!   predicates of `oxwrite_sql::geo` on two geometries given as JSON coordinate arrays (or WKT)
//!   in TEXT; 0 or 1, NULL when either is NULL, an SQL error when one is not a geometry.
//! - `ox_geo_distance(a, b, meters)`: REAL distance, in coordinate units or (meters true) in
//!   meters on the sphere; NULL when a or b is NULL.
//!
//! Compiled patterns and parsed geometries are kept as SQLite auxiliary data, so a pattern or
//! geometry bound as a statement parameter is compiled or parsed once per statement rather than
//! once per row.

use std::borrow::Cow;
use std::sync::Arc;

use oxwrite_sql::geo::{self, Geometry};
use regex::{Regex, RegexBuilder};
use rusqlite::Connection;
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;

/// Longest accepted pattern, in bytes (a query value is at most 4096 characters anyway).
const REGEX_MAX_PATTERN: usize = 4096;
/// Limits on a compiled pattern's program and on its lazy DFA cache, per statement.
const REGEX_SIZE_LIMIT: usize = 1 << 20;
const REGEX_DFA_SIZE_LIMIT: usize = 1 << 20;

type Predicate = fn(&Geometry, &Geometry) -> bool;

const PREDICATES: [(&str, Predicate); 7] = [
    ("ox_geo_intersects", geo::intersects),
    ("ox_geo_crosses", geo::crosses),
    ("ox_geo_overlaps", geo::overlaps),
    ("ox_geo_touches", geo::touches),
    ("ox_geo_equals", geo::equals),
    ("ox_geo_contains", geo::contains),
    ("ox_geo_covers", geo::covers),
];

/// Registers the functions on `conn`.
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8
        | FunctionFlags::SQLITE_DETERMINISTIC
        | FunctionFlags::SQLITE_INNOCUOUS;
    conn.create_scalar_function("regexp", 2, flags, regexp)?;
    for (name, predicate) in PREDICATES {
        conn.create_scalar_function(name, 2, flags, move |ctx| {
            Ok(geometries(ctx, name)?.map(|(a, b)| predicate(&a, &b)))
        })?;
    }
    conn.create_scalar_function("ox_geo_distance", 3, flags, distance)?;
    Ok(())
}

fn user_error(message: String) -> rusqlite::Error {
    rusqlite::Error::UserFunctionError(message.into())
}

/// The text of a TEXT, BLOB or numeric value; `None` for NULL.
fn text<'a>(v: ValueRef<'a>) -> Option<Cow<'a, str>> {
    match v {
        ValueRef::Null => None,
        ValueRef::Text(b) | ValueRef::Blob(b) => Some(String::from_utf8_lossy(b)),
        ValueRef::Integer(i) => Some(Cow::Owned(i.to_string())),
        ValueRef::Real(f) => Some(Cow::Owned(f.to_string())),
    }
}

fn compile(pattern: ValueRef<'_>) -> Result<Regex, String> {
    let pattern = text(pattern).ok_or("regexp: NULL pattern")?;
    if pattern.len() > REGEX_MAX_PATTERN {
        return Err(format!(
            "regexp: pattern longer than {REGEX_MAX_PATTERN} bytes"
        ));
    }
    RegexBuilder::new(&pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
        .build()
        .map_err(|e| format!("regexp: {e}"))
}

/// `regexp(pattern, text)`, called by SQLite for `text REGEXP pattern`.
fn regexp(ctx: &Context<'_>) -> rusqlite::Result<Option<bool>> {
    if matches!(ctx.get_raw(0), ValueRef::Null) {
        return Ok(None);
    }
    let Some(subject) = text(ctx.get_raw(1)) else {
        return Ok(None);
    };
    let re: Arc<Regex> = ctx.get_or_create_aux(0, compile)?;
    Ok(Some(re.is_match(&subject)))
}

fn geometry(ctx: &Context<'_>, idx: usize, name: &str) -> rusqlite::Result<Option<Arc<Geometry>>> {
    let raw = ctx.get_raw(idx);
    if matches!(raw, ValueRef::Null) {
        return Ok(None);
    }
    let arg = i32::try_from(idx).map_err(|e| user_error(e.to_string()))?;
    ctx.get_or_create_aux(arg, |v| {
        text(v)
            .and_then(|s| geo::parse_str(&s))
            .ok_or_else(|| format!("{name}: argument {} is not a geometry", idx + 1))
    })
    .map(Some)
}

fn geometries(
    ctx: &Context<'_>,
    name: &str,
) -> rusqlite::Result<Option<(Arc<Geometry>, Arc<Geometry>)>> {
    let Some(a) = geometry(ctx, 0, name)? else {
        return Ok(None);
    };
    Ok(geometry(ctx, 1, name)?.map(|b| (a, b)))
}

/// `ox_geo_distance(a, b, meters)`; `meters` is a boolean (0/1, NULL as false).
fn distance(ctx: &Context<'_>) -> rusqlite::Result<Option<f64>> {
    let meters = match ctx.get_raw(2) {
        ValueRef::Null => false,
        ValueRef::Integer(i) => i != 0,
        ValueRef::Real(f) => f != 0.0,
        ValueRef::Text(_) | ValueRef::Blob(_) => {
            return Err(user_error(
                "ox_geo_distance: argument 3 must be a boolean".to_owned(),
            ));
        }
    };
    Ok(geometries(ctx, "ox_geo_distance")?.map(|(a, b)| geo::distance(&a, &b, meters)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::types::Value;

    fn conn() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        conn
    }

    fn one(conn: &Connection, sql: &str) -> Value {
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    fn err(conn: &Connection, sql: &str) -> String {
        match conn.query_row(sql, [], |r| r.get::<_, Value>(0)) {
            Ok(v) => panic!("{sql} gave {v:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn regexp_operator() {
        let c = conn();
        assert_eq!(one(&c, "SELECT 'abc' REGEXP 'b'"), Value::Integer(1));
        assert_eq!(one(&c, "SELECT 'abc' REGEXP '^b'"), Value::Integer(0));
        assert_eq!(one(&c, "SELECT 'abc' NOT REGEXP 'x'"), Value::Integer(1));
        assert_eq!(one(&c, "SELECT regexp('^a.c$', 'abc')"), Value::Integer(1));
        assert_eq!(one(&c, "SELECT 'ABC' REGEXP '(?i)abc'"), Value::Integer(1));
        assert_eq!(
            one(&c, "SELECT 'héllo' REGEXP '^h.llo$'"),
            Value::Integer(1)
        );
        assert_eq!(one(&c, "SELECT 12345 REGEXP '^[0-9]+$'"), Value::Integer(1));
        assert_eq!(one(&c, "SELECT NULL REGEXP 'a'"), Value::Null);
        assert_eq!(one(&c, "SELECT 'a' REGEXP NULL"), Value::Null);
    }

    #[test]
    fn regexp_rejects_bad_patterns() {
        let c = conn();
        assert!(err(&c, "SELECT 'abc' REGEXP '('").contains("regexp:"));
        let long = format!("SELECT 'a' REGEXP '{}'", "a".repeat(REGEX_MAX_PATTERN + 1));
        assert!(err(&c, &long).contains("longer than"));
        // Within the length limit but far beyond the compiled-size limit.
        assert!(err(&c, "SELECT 'a' REGEXP '\\w{1000}\\w{1000}\\w{1000}'").contains("regexp:"));
    }

    #[test]
    fn regexp_over_rows_with_a_bound_pattern() {
        let c = conn();
        c.execute_batch(
            "CREATE TABLE t(s TEXT); INSERT INTO t VALUES ('apple'), ('banana'), (NULL), ('cherry');",
        )
        .unwrap();
        let mut stmt = c
            .prepare("SELECT s FROM t WHERE s REGEXP ?1 ORDER BY s")
            .unwrap();
        let rows: Vec<String> = stmt
            .query_map(["an|rr"], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows, ["banana", "cherry"]);
    }

    #[test]
    fn geo_predicates_on_literals() {
        let c = conn();
        let sq = "'[[[0,0],[10,0],[10,10],[0,10],[0,0]]]'";
        let cases = [
            (format!("ox_geo_intersects({sq}, '[5,5]')"), 1),
            (format!("ox_geo_intersects({sq}, '[15,5]')"), 0),
            ("ox_geo_intersects('[5,5]', 'POINT(5 5)')".to_owned(), 1),
            (format!("ox_geo_crosses('[[-5,5],[15,5]]', {sq})"), 1),
            (format!("ox_geo_crosses('[[1,1],[2,2]]', {sq})"), 0),
            (
                format!("ox_geo_overlaps({sq}, '[[[5,5],[15,5],[15,15],[5,15]]]')"),
                1,
            ),
            (
                format!("ox_geo_overlaps({sq}, '[[[20,20],[30,20],[30,30],[20,20]]]')"),
                0,
            ),
            (
                format!("ox_geo_touches({sq}, '[[[10,0],[20,0],[20,10],[10,10],[10,0]]]')"),
                1,
            ),
            (format!("ox_geo_touches({sq}, '[5,5]')"), 0),
            (
                format!("ox_geo_equals({sq}, '[[[10,10],[10,0],[0,0],[0,10]]]')"),
                1,
            ),
            (
                "ox_geo_equals('[[0,0],[2,0]]', '[[2,0],[1,0],[0,0]]')".to_owned(),
                1,
            ),
            ("ox_geo_equals('[1,2]', '[1,2.5]')".to_owned(), 0),
            (format!("ox_geo_contains({sq}, '[0,0]')"), 0),
            (format!("ox_geo_covers({sq}, '[0,0]')"), 1),
            (format!("NOT ox_geo_intersects({sq}, '[15,5]')"), 1),
        ];
        for (expr, want) in cases {
            assert_eq!(
                one(&c, &format!("SELECT {expr}")),
                Value::Integer(want),
                "{expr}"
            );
        }
        assert_eq!(
            one(&c, "SELECT ox_geo_intersects(NULL, '[1,2]')"),
            Value::Null
        );
        assert_eq!(one(&c, "SELECT ox_geo_touches('[1,2]', NULL)"), Value::Null);
        assert!(
            err(&c, "SELECT ox_geo_equals('[1,2]', 'nope')")
                .contains("argument 2 is not a geometry")
        );
    }

    #[test]
    fn geo_distance_on_literals() {
        let c = conn();
        assert_eq!(
            one(&c, "SELECT ox_geo_distance('[5,5]', '[6,6]', 0)"),
            Value::Real(std::f64::consts::SQRT_2)
        );
        assert_eq!(
            one(
                &c,
                "SELECT ox_geo_distance('[[0,0],[10,0]]', '[5,3]', false)"
            ),
            Value::Real(3.0)
        );
        let Value::Real(m) = one(&c, "SELECT ox_geo_distance('[0,0]', '[0,1]', true)") else {
            panic!("not a real");
        };
        let one_degree = geo::EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        assert!((m - one_degree).abs() < 1e-6, "{m}");
        assert_eq!(
            one(&c, "SELECT ox_geo_distance('[0,0]', '[0,1]', NULL)"),
            Value::Real(1.0)
        );
        assert_eq!(
            one(&c, "SELECT ox_geo_distance(NULL, '[0,1]', 1)"),
            Value::Null
        );
        assert_eq!(
            one(&c, "SELECT ox_geo_distance('[0,0]', '[3,4]', 0) < 5.5"),
            Value::Integer(1)
        );
        assert!(err(&c, "SELECT ox_geo_distance('[0,0]', '[3,4]', 'yes')").contains("boolean"));
    }

    #[test]
    fn geo_over_rows_with_a_bound_geometry() {
        let c = conn();
        c.execute_batch(
            "CREATE TABLE p(id TEXT, loc TEXT);
             INSERT INTO p VALUES ('a', '[1,1]'), ('b', '[20,20]'), ('c', NULL), ('d', '[10,5]');",
        )
        .unwrap();
        let mut stmt = c
            .prepare("SELECT id FROM p WHERE ox_geo_intersects(loc, ?1) ORDER BY id")
            .unwrap();
        let rows: Vec<String> = stmt
            .query_map(["[[[0,0],[10,0],[10,10],[0,10],[0,0]]]"], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows, ["a", "d"]);
    }
}
