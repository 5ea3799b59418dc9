//! The SQLite statements run against a real in-memory database and are checked against a
//! simple in-memory model: random rows and permissions, random filters, read roles, orders,
//! limit/offset, counts, and cursors walked page by page in both directions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use oxwrite_sql::{
    Cursor, Dialect, List, RowWrite, Statement, Value, count, create_table, cursor_anchor, decode,
    encode, insert_perms, insert_row, row_columns, select, validate_filters,
};
use oxwrite_types::query::{CursorDirection, Method, Order, Query};
use oxwrite_types::schema::{Column, ColumnType, Index, IndexType, TableShape};
use oxwrite_types::time;
use proptest::prelude::*;
use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use rusqlite::types::Value as Sql;
use serde_json::{Value as Json, json};

fn column(key: &str, column_type: ColumnType, array: bool) -> Column {
    Column {
        key: key.to_owned(),
        column_type,
        required: false,
        array,
        size: None,
        min: None,
        max: None,
        default: Json::Null,
        elements: Vec::new(),
        encrypt: false,
        relation: None,
        status: "available".to_owned(),
        error: String::new(),
        created_at: 0,
        updated_at: 0,
    }
}

fn shape() -> TableShape {
    TableShape {
        name: "r7".to_owned(),
        columns: vec![
            column("name", ColumnType::String, false),
            column("score", ColumnType::Integer, false),
            column("ratio", ColumnType::Float, false),
            column("flag", ColumnType::Boolean, false),
            column("when", ColumnType::Datetime, false),
            column("tags", ColumnType::String, true),
            column("nums", ColumnType::Integer, true),
            column("loc", ColumnType::Point, false),
            column("odd \"key\"", ColumnType::Text, false),
        ],
        indexes: vec![
            Index {
                key: "ft".to_owned(),
                index_type: IndexType::Fulltext,
                columns: vec!["name".to_owned()],
                lengths: Vec::new(),
                orders: Vec::new(),
                status: "available".to_owned(),
                error: String::new(),
                created_at: 0,
                updated_at: 0,
            },
            Index {
                key: "odd".to_owned(),
                index_type: IndexType::Fulltext,
                columns: vec!["odd \"key\"".to_owned()],
                lengths: Vec::new(),
                orders: Vec::new(),
                status: "available".to_owned(),
                error: String::new(),
                created_at: 0,
                updated_at: 0,
            },
        ],
    }
}

fn to_sql(v: &Value) -> Sql {
    match v {
        Value::Null => Sql::Null,
        Value::Int(i) => Sql::Integer(*i),
        Value::Float(f) => Sql::Real(*f),
        Value::Text(s) => Sql::Text(s.clone()),
        Value::Bool(b) => Sql::Integer(i64::from(*b)),
    }
}

fn from_sql(v: Sql) -> Value {
    match v {
        Sql::Null => Value::Null,
        Sql::Integer(i) => Value::Int(i),
        Sql::Real(f) => Value::Float(f),
        Sql::Text(s) => Value::Text(s),
        Sql::Blob(_) => Value::Null,
    }
}

/// Runs a statement and returns every row as values.
fn rows(conn: &Connection, statement: &Statement) -> Vec<Vec<Value>> {
    let mut stmt = conn
        .prepare(&statement.sql)
        .unwrap_or_else(|e| panic!("{}: {e}", statement.sql));
    let n = stmt.column_count();
    let params = statement.params.iter().map(to_sql).collect::<Vec<_>>();
    stmt.query_map(rusqlite::params_from_iter(params), |row| {
        (0..n).map(|i| row.get::<_, Sql>(i).map(from_sql)).collect()
    })
    .unwrap_or_else(|e| panic!("{}: {e}", statement.sql))
    .collect::<Result<Vec<_>, _>>()
    .unwrap_or_else(|e| panic!("{}: {e}", statement.sql))
}

/// Stubs of the functions the store registers (the real ones live in store-sqlite).
fn register_stubs(conn: &Connection) {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    // A tiny regexp: `^x` is a prefix test, anything else a substring test.
    conn.create_scalar_function("regexp", 2, flags, |ctx| {
        let pattern = ctx.get::<Option<String>>(0)?;
        let text = ctx.get::<Option<String>>(1)?;
        Ok(match (pattern, text) {
            (Some(p), Some(t)) => Some(match p.strip_prefix('^') {
                Some(prefix) => t.starts_with(prefix),
                None => t.contains(&p),
            }),
            _ => None,
        })
    })
    .unwrap();
    for name in [
        "ox_geo_intersects",
        "ox_geo_crosses",
        "ox_geo_overlaps",
        "ox_geo_touches",
        "ox_geo_equals",
        "ox_geo_covers",
    ] {
        conn.create_scalar_function(name, 2, flags, |ctx| {
            let a = ctx.get::<Option<String>>(0)?;
            let b = ctx.get::<Option<String>>(1)?;
            Ok(a.zip(b).map(|(a, b)| a == b))
        })
        .unwrap();
    }
    conn.create_scalar_function("ox_geo_distance", 3, flags, |ctx| {
        let a = ctx.get::<Option<String>>(0)?;
        Ok(a.map(|_| 1.0_f64))
    })
    .unwrap();
}

fn database(shape: &TableShape) -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    register_stubs(&conn);
    for sql in create_table(Dialect::Sqlite, shape) {
        conn.execute_batch(&sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    conn
}

// ---------------------------------------------------------------------------------------------
// The model.

const NAMES: &[&str] = &[
    "", "a", "ab", "abc", "b", "B", "a%", "a_b", "é", "ba", "x y",
];
const TAGS: &[&str] = &["", "a", "b", "c"];
const DATES: &[i64] = &[0, 1_000, 86_400_000, 1_602_743_880_123];
const ROLES: &[&str] = &["any", "users", "user:1", "user:2", "user:3"];

#[derive(Debug, Clone)]
struct Row {
    id: String,
    created: i64,
    updated: i64,
    name: Option<String>,
    score: Option<i64>,
    ratio: Option<f64>,
    flag: Option<bool>,
    when: Option<i64>,
    tags: Option<Vec<String>>,
    nums: Option<Vec<i64>>,
    /// (action, role).
    perms: Vec<(String, String)>,
}

/// A comparable value of the model.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum V {
    S(String),
    N(f64),
}

fn arb_row() -> impl Strategy<Value = Row> {
    (
        (
            prop::sample::select(vec!["a", "b", "c"]),
            prop::sample::select(DATES.to_vec()),
            0i64..3,
            prop::option::of(prop::sample::select(NAMES.to_vec())),
            prop::option::of(-3i64..3),
            prop::option::of((-4i32..4).prop_map(|n| f64::from(n) / 2.0)),
        ),
        (
            prop::option::of(any::<bool>()),
            prop::option::of(prop::sample::select(DATES.to_vec())),
            prop::option::of(prop::collection::vec(
                prop::sample::select(TAGS.to_vec()),
                0..3,
            )),
            prop::option::of(prop::collection::vec(0i64..3, 0..3)),
            prop::collection::vec(
                (
                    prop::sample::select(vec!["read", "read", "update"]),
                    prop::sample::select(ROLES.to_vec()),
                ),
                0..3,
            ),
        ),
    )
        .prop_map(
            |((prefix, created, bump, name, score, ratio), (flag, when, tags, nums, perms))| Row {
                id: prefix.to_owned(),
                created,
                updated: created + bump,
                name: name.map(str::to_owned),
                score,
                ratio,
                flag,
                when,
                tags: tags.map(|t| t.into_iter().map(str::to_owned).collect()),
                nums,
                perms: perms
                    .into_iter()
                    .map(|(a, r)| (a.to_owned(), r.to_owned()))
                    .collect(),
            },
        )
}

fn arb_rows() -> impl Strategy<Value = Vec<Row>> {
    prop::collection::vec(arb_row(), 0..24).prop_map(|mut rows| {
        // Unique ids that do not sort like the insertion order.
        for (i, row) in rows.iter_mut().enumerate() {
            row.id = format!("{}{}", row.id, 99 - i);
        }
        rows
    })
}

/// The attributes filters and orders use, and how their values look.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Int,
    Float,
    Bool,
    Date,
    Seq,
    TextArray,
    IntArray,
}

const ATTRS: &[(&str, Kind)] = &[
    ("name", Kind::Text),
    ("score", Kind::Int),
    ("ratio", Kind::Float),
    ("flag", Kind::Bool),
    ("when", Kind::Date),
    ("$id", Kind::Text),
    ("$createdAt", Kind::Date),
    ("$updatedAt", Kind::Date),
    ("$sequence", Kind::Seq),
    ("tags", Kind::TextArray),
    ("nums", Kind::IntArray),
];

fn scalar(row: &Row, seq: i64, attr: &str) -> Option<V> {
    match attr {
        "name" => row.name.clone().map(V::S),
        "score" => row.score.map(|n| V::N(n as f64)),
        "ratio" => row.ratio.map(V::N),
        "flag" => row.flag.map(|b| V::N(f64::from(u8::from(b)))),
        "when" => row.when.map(|n| V::N(n as f64)),
        "$id" => Some(V::S(row.id.clone())),
        "$createdAt" => Some(V::N(row.created as f64)),
        "$updatedAt" => Some(V::N(row.updated as f64)),
        "$sequence" => Some(V::N(seq as f64)),
        _ => None,
    }
}

fn array(row: &Row, attr: &str) -> Option<Vec<V>> {
    match attr {
        "tags" => row
            .tags
            .as_ref()
            .map(|t| t.iter().cloned().map(V::S).collect()),
        "nums" => row
            .nums
            .as_ref()
            .map(|n| n.iter().map(|n| V::N(*n as f64)).collect()),
        _ => None,
    }
}

/// A filter and what the model makes of it.
#[derive(Debug, Clone)]
enum F {
    Leaf {
        method: Method,
        attr: &'static str,
        values: Vec<V>,
        kind: Kind,
    },
    And(Vec<F>),
    Or(Vec<F>),
}

fn to_json(kind: Kind, v: &V) -> Json {
    match (kind, v) {
        (Kind::Text | Kind::TextArray, V::S(s)) => json!(s),
        (Kind::Int | Kind::IntArray | Kind::Seq, V::N(n)) => json!(*n as i64),
        (Kind::Float, V::N(n)) => json!(n),
        (Kind::Bool, V::N(n)) => json!(*n != 0.0),
        (Kind::Date, V::N(n)) => json!(time::format(time::from_millis(*n as i64))),
        _ => Json::Null,
    }
}

impl F {
    fn query(&self) -> Query {
        match self {
            F::Leaf {
                method,
                attr,
                values,
                kind,
            } => Query::new(
                *method,
                Some((*attr).to_owned()),
                values.iter().map(|v| to_json(*kind, v)).collect(),
            ),
            F::And(nested) => {
                Query::logical(Method::And, None, nested.iter().map(F::query).collect())
            }
            F::Or(nested) => {
                Query::logical(Method::Or, None, nested.iter().map(F::query).collect())
            }
        }
    }

    /// SQL's answer with NULL read as false: `and`/`or` are monotone and no method negates a
    /// composite, so "NULL" and "false" can be merged at every level.
    fn eval(&self, row: &Row, seq: i64) -> bool {
        match self {
            F::And(nested) => nested.iter().all(|f| f.eval(row, seq)),
            F::Or(nested) => nested.iter().any(|f| f.eval(row, seq)),
            F::Leaf {
                method,
                attr,
                values,
                kind,
            } => {
                if matches!(kind, Kind::TextArray | Kind::IntArray) {
                    let items = array(row, attr);
                    return match method {
                        Method::IsNull => items.is_none(),
                        Method::IsNotNull => items.is_some(),
                        _ => {
                            let Some(items) = items else { return false };
                            let has = |v: &V| items.contains(v);
                            match method {
                                Method::Contains | Method::ContainsAny => values.iter().any(has),
                                Method::ContainsAll => values.iter().all(has),
                                Method::NotContains => !values.iter().any(has),
                                _ => unreachable!(),
                            }
                        }
                    };
                }
                let x = scalar(row, seq, attr);
                match method {
                    Method::IsNull => return x.is_none(),
                    Method::IsNotNull => return x.is_some(),
                    _ => {}
                }
                let Some(x) = x else { return false };
                let first = &values[0];
                let text = |v: &V| match v {
                    V::S(s) => s.clone(),
                    V::N(_) => unreachable!(),
                };
                let xs = || text(&x);
                match method {
                    Method::Equal => values.contains(&x),
                    Method::NotEqual => !values.contains(&x),
                    Method::LessThan => x < *first,
                    Method::LessThanEqual => x <= *first,
                    Method::GreaterThan => x > *first,
                    Method::GreaterThanEqual => x >= *first,
                    Method::Between => *first <= x && x <= values[1],
                    Method::NotBetween => !(*first <= x && x <= values[1]),
                    Method::StartsWith => xs().starts_with(&text(first)),
                    Method::NotStartsWith => !xs().starts_with(&text(first)),
                    Method::EndsWith => xs().ends_with(&text(first)),
                    Method::NotEndsWith => !xs().ends_with(&text(first)),
                    Method::Contains | Method::ContainsAny => {
                        values.iter().any(|v| xs().contains(&text(v)))
                    }
                    Method::ContainsAll => values.iter().all(|v| xs().contains(&text(v))),
                    Method::NotContains => !values.iter().any(|v| xs().contains(&text(v))),
                    Method::Regex => {
                        let p = text(first);
                        match p.strip_prefix('^') {
                            Some(prefix) => xs().starts_with(prefix),
                            None => xs().contains(&p),
                        }
                    }
                    _ => unreachable!(),
                }
            }
        }
    }
}

fn arb_value(kind: Kind) -> BoxedStrategy<V> {
    match kind {
        Kind::Text => prop_oneof![
            prop::sample::select(NAMES.to_vec()),
            prop::sample::select(vec!["%", "_", "A", "zz", "a99", "b98", "c9"]),
        ]
        .prop_map(|s| V::S(s.to_owned()))
        .boxed(),
        Kind::Int => (-4i64..4).prop_map(|n| V::N(n as f64)).boxed(),
        Kind::Seq => (1i64..26).prop_map(|n| V::N(n as f64)).boxed(),
        Kind::Float => (-5i32..5).prop_map(|n| V::N(f64::from(n) / 2.0)).boxed(),
        Kind::Bool => any::<bool>()
            .prop_map(|b| V::N(f64::from(u8::from(b))))
            .boxed(),
        Kind::Date => prop_oneof![
            prop::sample::select(DATES.to_vec()),
            prop::sample::select(vec![1, 500, 2_000]),
        ]
        .prop_map(|n| V::N(n as f64))
        .boxed(),
        Kind::TextArray => prop::sample::select(TAGS.to_vec())
            .prop_map(|s| V::S(s.to_owned()))
            .boxed(),
        Kind::IntArray => (0i64..4).prop_map(|n| V::N(n as f64)).boxed(),
    }
}

fn arb_leaf() -> impl Strategy<Value = F> {
    prop::sample::select(ATTRS.to_vec()).prop_flat_map(|(attr, kind)| {
        let methods: Vec<Method> = match kind {
            Kind::TextArray | Kind::IntArray => vec![
                Method::Contains,
                Method::ContainsAny,
                Method::ContainsAll,
                Method::NotContains,
                Method::IsNull,
                Method::IsNotNull,
            ],
            Kind::Bool => vec![
                Method::Equal,
                Method::NotEqual,
                Method::IsNull,
                Method::IsNotNull,
            ],
            Kind::Text => vec![
                Method::Equal,
                Method::NotEqual,
                Method::LessThan,
                Method::LessThanEqual,
                Method::GreaterThan,
                Method::GreaterThanEqual,
                Method::Between,
                Method::NotBetween,
                Method::IsNull,
                Method::IsNotNull,
                Method::StartsWith,
                Method::NotStartsWith,
                Method::EndsWith,
                Method::NotEndsWith,
                Method::Contains,
                Method::ContainsAll,
                Method::NotContains,
                Method::Regex,
            ],
            _ => vec![
                Method::Equal,
                Method::NotEqual,
                Method::LessThan,
                Method::LessThanEqual,
                Method::GreaterThan,
                Method::GreaterThanEqual,
                Method::Between,
                Method::NotBetween,
                Method::IsNull,
                Method::IsNotNull,
            ],
        };
        (
            prop::sample::select(methods),
            prop::collection::vec(arb_value(kind), 1..4),
        )
            .prop_map(move |(method, mut values)| {
                match method {
                    Method::IsNull | Method::IsNotNull => values.clear(),
                    Method::Between | Method::NotBetween => {
                        let first = values[0].clone();
                        values.resize(2, first);
                    }
                    Method::Equal
                    | Method::Contains
                    | Method::ContainsAny
                    | Method::ContainsAll
                    | Method::NotContains => {}
                    _ => values.truncate(1),
                }
                F::Leaf {
                    method,
                    attr,
                    values,
                    kind,
                }
            })
    })
}

fn arb_filter() -> impl Strategy<Value = F> {
    arb_leaf().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(F::And),
            prop::collection::vec(inner, 2..4).prop_map(F::Or),
        ]
    })
}

fn arb_orders() -> impl Strategy<Value = Vec<(String, Order)>> {
    let attrs = ATTRS
        .iter()
        .filter(|(_, kind)| !matches!(kind, Kind::TextArray | Kind::IntArray))
        .map(|(attr, _)| *attr)
        .collect::<Vec<_>>();
    prop::collection::vec(
        (
            prop::sample::select(attrs),
            prop::sample::select(vec![Order::Asc, Order::Desc]),
        )
            .prop_map(|(a, o)| (a.to_owned(), o)),
        0..3,
    )
}

fn arb_roles() -> impl Strategy<Value = Option<Vec<String>>> {
    prop::option::of(
        prop::collection::vec(prop::sample::select(ROLES.to_vec()), 0..3)
            .prop_map(|r| r.into_iter().map(str::to_owned).collect()),
    )
}

// ---------------------------------------------------------------------------------------------
// Loading rows and reading them back.

fn row_json(row: &Row) -> Vec<(&'static str, Json)> {
    vec![
        ("name", row.name.clone().map_or(Json::Null, Json::from)),
        ("score", row.score.map_or(Json::Null, Json::from)),
        ("ratio", row.ratio.map_or(Json::Null, Json::from)),
        ("flag", row.flag.map_or(Json::Null, Json::from)),
        (
            "when",
            row.when
                .map_or(Json::Null, |ms| json!(time::format(time::from_millis(ms)))),
        ),
        ("tags", row.tags.clone().map_or(Json::Null, Json::from)),
        ("nums", row.nums.clone().map_or(Json::Null, Json::from)),
        ("loc", json!([1.0, 2.0])),
        (
            "odd \"key\"",
            row.name.clone().map_or(Json::Null, Json::from),
        ),
    ]
}

/// Inserts the rows; returns their sequences.
fn load(conn: &Connection, shape: &TableShape, rows: &[Row]) -> Vec<i64> {
    rows.iter()
        .map(|row| {
            let values = row_json(row)
                .into_iter()
                .map(|(key, v)| {
                    let column = shape.column(key).unwrap();
                    (key.to_owned(), encode(column, &v).unwrap())
                })
                .collect();
            let write = RowWrite {
                id: row.id.clone(),
                created_at: row.created,
                updated_at: row.updated,
                permissions: Vec::new(),
                values,
            };
            let inserted = rows_of(conn, &insert_row(Dialect::Sqlite, shape, &write));
            let Value::Int(seq) = inserted[0][0] else {
                panic!("no sequence")
            };
            if let Some(statement) = insert_perms(Dialect::Sqlite, shape, seq, &row.perms) {
                rows_of(conn, &statement);
            }
            seq
        })
        .collect()
}

fn rows_of(conn: &Connection, statement: &Statement) -> Vec<Vec<Value>> {
    rows(conn, statement)
}

/// The ids of a page, checking every row decodes to what was written.
fn page_ids(
    conn: &Connection,
    shape: &TableShape,
    statement: &Statement,
    model: &[Row],
) -> Vec<String> {
    let columns = row_columns(shape);
    rows(conn, statement)
        .into_iter()
        .map(|values| {
            let Value::Text(id) = &values[1] else {
                panic!("no id")
            };
            let row = model.iter().find(|r| &r.id == id).unwrap();
            let expected = row_json(row);
            for (column, value) in columns.iter().zip(values[5..].iter().cloned()) {
                let (_, want) = expected.iter().find(|(k, _)| *k == column.key).unwrap();
                assert_eq!(&decode(column, value), want, "{}", column.key);
            }
            id.clone()
        })
        .collect()
}

fn anchor(
    conn: &Connection,
    shape: &TableShape,
    orders: &[(String, Order)],
    id: &str,
) -> Vec<Value> {
    let statement = cursor_anchor(Dialect::Sqlite, shape, orders, id).unwrap();
    rows(conn, &statement)
        .into_iter()
        .next()
        .expect("anchor row")
}

/// The model's sorted ids of visible, matching rows.
fn model_ids(
    rows: &[Row],
    seqs: &[i64],
    filters: &[F],
    orders: &[(String, Order)],
    roles: Option<&[String]>,
) -> Vec<String> {
    let mut matched = rows
        .iter()
        .zip(seqs)
        .filter(|(row, seq)| filters.iter().all(|f| f.eval(row, **seq)))
        .filter(|(row, _)| {
            roles.is_none_or(|roles| {
                row.perms
                    .iter()
                    .any(|(action, role)| action == "read" && roles.contains(role))
            })
        })
        .collect::<Vec<_>>();
    let unique = orders.iter().any(|(a, _)| a == "$id" || a == "$sequence");
    matched.sort_by(|(a, sa), (b, sb)| {
        for (attr, order) in orders {
            let (x, y) = (scalar(a, **sa, attr), scalar(b, **sb, attr));
            // NULLs first ascending; DESC reverses everything, NULLs included.
            let ord = match (&x, &y) {
                (None, None) => std::cmp::Ordering::Equal,
                (None, Some(_)) => std::cmp::Ordering::Less,
                (Some(_), None) => std::cmp::Ordering::Greater,
                (Some(x), Some(y)) => x.partial_cmp(y).unwrap(),
            };
            let ord = if *order == Order::Desc {
                ord.reverse()
            } else {
                ord
            };
            if ord != std::cmp::Ordering::Equal {
                return ord;
            }
        }
        if unique {
            std::cmp::Ordering::Equal
        } else {
            sa.cmp(sb)
        }
    });
    matched.into_iter().map(|(row, _)| row.id.clone()).collect()
}

fn list<'a>(
    filters: &'a [Query],
    orders: &'a [(String, Order)],
    roles: Option<&'a [String]>,
    limit: u64,
    offset: u64,
    cursor: Option<Cursor>,
) -> List<'a> {
    List {
        filters,
        orders,
        random: false,
        limit,
        offset,
        cursor,
        read_roles: roles,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn matches_the_model(
        model in arb_rows(),
        filters in prop::collection::vec(arb_filter(), 0..3),
        orders in arb_orders(),
        roles in arb_roles(),
        limit in 1u64..6,
        offset in 0u64..4,
        cap in 0u64..30,
        pick in any::<prop::sample::Index>(),
    ) {
        let shape = shape();
        let conn = database(&shape);
        let seqs = load(&conn, &shape, &model);
        let queries = filters.iter().map(F::query).collect::<Vec<_>>();
        prop_assert_eq!(validate_filters(&shape, &queries), Ok(()));
        let roles = roles.as_deref();
        let expected = model_ids(&model, &seqs, &filters, &orders, roles);

        // Everything, then one page.
        let all = select(Dialect::Sqlite, &shape, &list(&queries, &orders, roles, 1000, 0, None)).unwrap();
        prop_assert_eq!(&page_ids(&conn, &shape, &all, &model), &expected);
        let page = select(Dialect::Sqlite, &shape, &list(&queries, &orders, roles, limit, offset, None)).unwrap();
        let want = expected.iter().skip(offset as usize).take(limit as usize).cloned().collect::<Vec<_>>();
        prop_assert_eq!(page_ids(&conn, &shape, &page, &model), want);

        // Capped count.
        let counted = rows(&conn, &count(Dialect::Sqlite, &shape, &queries, roles, cap).unwrap());
        prop_assert_eq!(&counted[0][0], &Value::Int(expected.len().min(cap as usize) as i64));

        // Forward walk.
        let mut walked = Vec::new();
        let mut cursor = None;
        loop {
            let statement = select(Dialect::Sqlite, &shape, &list(&queries, &orders, roles, limit, 0, cursor.take())).unwrap();
            let ids = page_ids(&conn, &shape, &statement, &model);
            let done = (ids.len() as u64) < limit;
            if let Some(last) = ids.last() {
                cursor = Some(Cursor { direction: CursorDirection::After, anchor: anchor(&conn, &shape, &orders, last) });
            }
            walked.extend(ids);
            if done || cursor.is_none() {
                break;
            }
            prop_assert!(walked.len() <= expected.len());
        }
        prop_assert_eq!(&walked, &expected);

        // Backward walk from the last row.
        if let Some(last) = expected.last() {
            let mut walked = vec![last.clone()];
            let mut from = last.clone();
            loop {
                let cursor = Cursor { direction: CursorDirection::Before, anchor: anchor(&conn, &shape, &orders, &from) };
                let statement = select(Dialect::Sqlite, &shape, &list(&queries, &orders, roles, limit, 0, Some(cursor))).unwrap();
                let mut ids = page_ids(&conn, &shape, &statement, &model);
                ids.reverse();
                let Some(first) = ids.first().cloned() else { break };
                from = first;
                walked.splice(0..0, ids);
                prop_assert!(walked.len() <= expected.len());
            }
            prop_assert_eq!(&walked, &expected);
        }

        // One step each way from any row, with an offset.
        if !expected.is_empty() {
            let k = pick.index(expected.len());
            let at = anchor(&conn, &shape, &orders, &expected[k]);
            let after = select(Dialect::Sqlite, &shape, &list(&queries, &orders, roles, limit, offset,
                Some(Cursor { direction: CursorDirection::After, anchor: at.clone() }))).unwrap();
            let want = expected[k + 1..].iter().skip(offset as usize).take(limit as usize).cloned().collect::<Vec<_>>();
            prop_assert_eq!(page_ids(&conn, &shape, &after, &model), want);
            let before = select(Dialect::Sqlite, &shape, &list(&queries, &orders, roles, limit, offset,
                Some(Cursor { direction: CursorDirection::Before, anchor: at }))).unwrap();
            let mut got = page_ids(&conn, &shape, &before, &model);
            got.reverse();
            let mut want = expected[..k].iter().rev().skip(offset as usize).take(limit as usize).cloned().collect::<Vec<_>>();
            want.reverse();
            prop_assert_eq!(got, want);
        }
    }
}

#[test]
fn fulltext_search_and_updates() {
    let shape = shape();
    let conn = database(&shape);
    let names = [
        "Hello world",
        "hello there",
        "worldly wise",
        "nothing",
        "héllo",
    ];
    let model = names
        .iter()
        .enumerate()
        .map(|(i, name)| Row {
            id: format!("s{i}"),
            created: 0,
            updated: 0,
            name: Some((*name).to_owned()),
            score: None,
            ratio: None,
            flag: None,
            when: None,
            tags: None,
            nums: None,
            perms: Vec::new(),
        })
        .chain(std::iter::once(Row {
            id: "null".to_owned(),
            created: 0,
            updated: 0,
            name: None,
            score: None,
            ratio: None,
            flag: None,
            when: None,
            tags: None,
            nums: None,
            perms: Vec::new(),
        }))
        .collect::<Vec<_>>();
    load(&conn, &shape, &model);
    let search = |model: &[Row], method: &str, attribute: &str, text: &str| {
        let query: Query = json!({"method": method, "attribute": attribute, "values": [text]})
            .to_string()
            .parse()
            .unwrap();
        let filters = [query];
        let statement = select(
            Dialect::Sqlite,
            &shape,
            &list(&filters, &[], None, 100, 0, None),
        )
        .unwrap();
        page_ids(&conn, &shape, &statement, model)
    };
    assert_eq!(search(&model, "search", "name", "hello"), ["s0", "s1"]);
    assert_eq!(search(&model, "search", "name", "HELLO"), ["s0", "s1"]);
    // The last word is also a prefix.
    assert_eq!(search(&model, "search", "name", "world"), ["s0", "s2"]);
    assert_eq!(
        search(&model, "search", "name", "nothing wor"),
        ["s0", "s2", "s3"]
    );
    assert_eq!(search(&model, "search", "name", "\"hello world\""), ["s0"]);
    assert_eq!(search(&model, "search", "name", "héllo"), ["s4"]);
    // FTS5 syntax in the input is just words.
    assert_eq!(
        search(&model, "search", "name", "hello* AND NOT \"x"),
        ["s0", "s1"]
    );
    assert_eq!(
        search(&model, "search", "name", ")(*"),
        Vec::<String>::new()
    );
    assert_eq!(
        search(&model, "notSearch", "name", ")(*"),
        ["s0", "s1", "s2", "s3", "s4", "null"]
    );
    assert_eq!(
        search(&model, "notSearch", "name", "hello"),
        ["s2", "s3", "s4", "null"]
    );
    // An index on an oddly named column.
    assert_eq!(search(&model, "search", "odd \"key\"", "there"), ["s1"]);

    // The triggers keep the index in step with updates and deletes.
    let update = oxwrite_sql::update_row(
        Dialect::Sqlite,
        &shape,
        4,
        1,
        None,
        &[
            ("name".to_owned(), Value::Text("goodbye world".to_owned())),
            (
                "odd \"key\"".to_owned(),
                Value::Text("goodbye world".to_owned()),
            ),
        ],
    );
    rows(&conn, &update);
    rows(&conn, &oxwrite_sql::delete_row(Dialect::Sqlite, &shape, 1));
    let mut model = model;
    model[3].name = Some("goodbye world".to_owned());
    assert_eq!(search(&model, "search", "name", "world"), ["s2", "s3"]);
    assert_eq!(
        search(&model, "search", "name", "nothing"),
        Vec::<String>::new()
    );
    assert_eq!(search(&model, "search", "name", "hello"), ["s1"]);

    // Renaming a column rebuilds the fulltext index over it under the new name.
    for sql in oxwrite_sql::rename_column(Dialect::Sqlite, &shape, "name", "title") {
        conn.execute_batch(&sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let mut renamed = shape.clone();
    renamed.columns[0].key = "title".to_owned();
    renamed.indexes[0].columns = vec!["title".to_owned()];
    let query: Query = json!({"method": "search", "attribute": "title", "values": ["world"]})
        .to_string()
        .parse()
        .unwrap();
    let filters = [query];
    let statement = select(
        Dialect::Sqlite,
        &renamed,
        &list(&filters, &[], None, 100, 0, None),
    )
    .unwrap();
    let ids = rows(&conn, &statement)
        .into_iter()
        .map(|r| r[1].clone())
        .collect::<Vec<_>>();
    assert_eq!(ids, [Value::Text("s2".into()), Value::Text("s3".into())]);
    let shape = renamed;

    // Dropping the indexed column drops its index first.
    for sql in oxwrite_sql::drop_column(Dialect::Sqlite, &shape, "title") {
        conn.execute_batch(&sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    for sql in oxwrite_sql::drop_table(Dialect::Sqlite, &shape) {
        conn.execute_batch(&sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

// ---------------------------------------------------------------------------------------------
// Arbitrary queries never panic, and SQLite accepts every statement that compiles.

fn arb_scalar() -> impl Strategy<Value = Json> {
    prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::from),
        any::<i64>().prop_map(Json::from),
        (-100i64..100).prop_map(Json::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Json::from),
        "\\PC{0,8}".prop_map(Json::from),
        prop::sample::select(vec![
            "2020-01-01T00:00:00.000+00:00",
            "2020-01-01",
            "POINT(1 2)",
            "\"a b\"",
            "x*",
            "12"
        ])
        .prop_map(Json::from),
    ]
}

fn arb_json() -> impl Strategy<Value = Json> {
    arb_scalar().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            prop::collection::vec(-200i32..200, 2..3)
                .prop_map(|c| json!(c.iter().map(|n| f64::from(*n) / 2.0).collect::<Vec<_>>())),
            Just(json!([[0, 0], [1, 1]])),
            Just(json!([[[0, 0], [1, 0], [1, 1], [0, 0]]])),
            Just(json!([[1, 2], 5, true])),
            prop::collection::btree_map("[a-z]{0,4}", inner, 0..3)
                .prop_map(|m| Json::Object(m.into_iter().collect())),
        ]
    })
}

fn arb_attribute() -> impl Strategy<Value = Option<String>> {
    let mut names = shape()
        .columns
        .iter()
        .map(|c| c.key.clone())
        .collect::<Vec<_>>();
    names.extend(
        [
            "$id",
            "$sequence",
            "$createdAt",
            "$updatedAt",
            "$permissions",
            "nope",
            "",
        ]
        .iter()
        .map(|s| (*s).to_owned()),
    );
    prop::option::weighted(0.95, prop::sample::select(names))
}

fn arb_query() -> impl Strategy<Value = Query> {
    let leaf = (
        prop::sample::select(Method::ALL.to_vec()),
        arb_attribute(),
        prop::collection::vec(arb_json(), 0..4),
    )
        .prop_map(|(method, attribute, values)| Query::new(method, attribute, values));
    leaf.prop_recursive(3, 16, 4, |inner| {
        (
            prop::sample::select(vec![Method::And, Method::Or, Method::ElemMatch]),
            prop::collection::vec(inner, 0..4),
        )
            .prop_map(|(method, nested)| Query::logical(method, None, nested))
    })
}

fn check_compiles_and_runs(
    conn: &Connection,
    shape: &TableShape,
    filters: &[Query],
    orders: &[(String, Order)],
) {
    let valid = validate_filters(shape, filters);
    let roles = ["any".to_owned()];
    for d in [Dialect::Sqlite, Dialect::Postgres] {
        let listed = select(d, shape, &list(filters, orders, Some(&roles), 5, 1, None));
        let counted = count(d, shape, filters, None, 10);
        assert_eq!(counted.as_ref().err(), valid.as_ref().err());
        if listed.is_ok() {
            assert!(valid.is_ok());
        }
        if d == Dialect::Sqlite {
            if let Ok(statement) = &listed {
                rows(conn, statement);
            }
            if let Ok(statement) = &counted {
                rows(conn, statement);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn arbitrary_queries_never_panic(
        queries in prop::collection::vec(arb_query(), 0..3),
        orders in prop::collection::vec((arb_attribute(), any::<bool>()), 0..2),
    ) {
        let shape = shape();
        let conn = database(&shape);
        let row = Row {
            id: "x".to_owned(), created: 0, updated: 0, name: Some("a b".to_owned()), score: Some(1),
            ratio: Some(0.5), flag: Some(true), when: Some(0), tags: Some(vec!["a".to_owned()]),
            nums: Some(vec![1]), perms: vec![("read".to_owned(), "any".to_owned())],
        };
        load(&conn, &shape, &[row]);
        let orders = orders
            .into_iter()
            .map(|(a, asc)| (a.unwrap_or_default(), if asc { Order::Asc } else { Order::Desc }))
            .collect::<Vec<_>>();
        check_compiles_and_runs(&conn, &shape, &queries, &orders);
    }

    #[test]
    fn parsed_queries_never_panic(values in prop::collection::vec(arb_json(), 0..4), method in prop::sample::select(Method::ALL.to_vec()), attribute in arb_attribute()) {
        let mut object = serde_json::Map::new();
        object.insert("method".into(), json!(method.as_str()));
        if let Some(attribute) = attribute {
            object.insert("attribute".into(), json!(attribute));
        }
        object.insert("values".into(), Json::Array(values));
        let Ok(query) = oxwrite_types::query::parse(&Json::Object(object).to_string()) else {
            return Ok(());
        };
        let Ok(grouped) = oxwrite_types::query::group(vec![query]) else { return Ok(()) };
        let shape = shape();
        let conn = database(&shape);
        check_compiles_and_runs(&conn, &shape, &grouped.filters, &grouped.orders);
    }
}
