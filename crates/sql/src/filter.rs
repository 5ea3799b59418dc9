//! Filter queries to SQL conditions, with the schema checks of utopia-php/database's
//! `Validator\Query\Filter` and `Validator\IndexedQueries` (their messages where they have one).
//!
//! Semantics, the same in both dialects:
//! - Comparisons follow SQL's three-valued logic, as Appwrite's SQL adapters do: a NULL column
//!   matches neither a predicate nor its negation (`notEqual`, `notContains`, `notBetween`,
//!   `notStartsWith`, … never return rows where the column is NULL). The exceptions are
//!   `isNull`, `notExists` and `notSearch` (a NULL column is not found by the search, so
//!   `notSearch` returns it, as MariaDB does).
//! - `equal` matches any of its values, `notEqual` none; the comparisons use the first value.
//! - String matching (`startsWith`, `endsWith`, `contains` on strings and their negations) is
//!   case-sensitive and treats every character literally (no LIKE wildcards).
//! - On array columns, `contains`/`containsAny` match rows holding any of the values,
//!   `containsAll` all of them, `notContains` none (and the column must not be NULL).
//!   `containsAll` on a string needs every value as a substring.
//! - `search` needs a fulltext index on exactly that one column (as Appwrite). The search
//!   string is split into words (runs of letters and digits); the row matches if it has any of
//!   the words, the last one also as a prefix (`foo bar` finds "foo" or "bar…", like MariaDB's
//!   boolean mode). A string wrapped in double quotes is a phrase. A string without words
//!   matches nothing (and `notSearch` everything).

use oxwrite_types::query::{Method, MethodKind, Query};
use oxwrite_types::schema::{IndexType, Storage, TableShape};
use serde_json::Value as Json;

use crate::ddl::tsvector;
use crate::geo;
use crate::value::parse_datetime;
use crate::writer::{ALIAS, Attr, Writer, ident};
use crate::{CompileError, Dialect, Value};

/// Deepest `and`/`or` nesting compiled (parsed queries stop far earlier).
const MAX_DEPTH: usize = 64;

pub(crate) const TRUE: &str = "1 = 1";
pub(crate) const FALSE: &str = "1 = 0";

fn error(message: impl Into<String>) -> CompileError {
    CompileError(message.into())
}

pub(crate) fn not_found(name: &str) -> CompileError {
    error(format!("Attribute not found in schema: {name}"))
}

fn invalid_value(name: &str) -> CompileError {
    error(format!("Query value is invalid for attribute \"{name}\""))
}

/// `Equal` for `equal`, as Appwrite's messages capitalize method names.
fn title(method: Method) -> String {
    title_case(method.as_str())
}

/// Checks filter queries against the table's schema the way `select` and `count` would, without
/// keeping any SQL: unknown attributes, values of the wrong type, methods the column's type does
/// not support, `search` without a fulltext index.
pub fn validate_filters(shape: &TableShape, filters: &[Query]) -> Result<(), CompileError> {
    let mut w = Writer::new(Dialect::Sqlite);
    conditions(&mut w, shape, filters).map(drop)
}

/// One SQL condition per filter, parameters bound into `w`.
pub(crate) fn conditions(
    w: &mut Writer,
    shape: &TableShape,
    filters: &[Query],
) -> Result<Vec<String>, CompileError> {
    let mut compiler = Compiler {
        shape,
        w,
        deferred: None,
    };
    let mut out = Vec::with_capacity(filters.len());
    for filter in filters {
        out.push(compiler.query(filter, 0)?);
    }
    // Appwrite checks fulltext indexes only once every query passed its own checks.
    match compiler.deferred {
        Some(err) => Err(err),
        None => Ok(out),
    }
}

struct Compiler<'s, 'w> {
    shape: &'s TableShape,
    w: &'w mut Writer,
    /// The first `search` without a fulltext index, reported after every other check.
    deferred: Option<CompileError>,
}

/// A validated operand of a scalar (or array element) comparison.
fn operand(attr: &Attr<'_>, name: &str, v: &Json) -> Result<Value, CompileError> {
    let bad = || invalid_value(name);
    let string = || {
        v.as_str()
            .map(|s| Value::Text(s.to_owned()))
            .ok_or_else(bad)
    };
    let datetime = || {
        v.as_str()
            .and_then(parse_datetime)
            .map(Value::Int)
            .ok_or_else(bad)
    };
    match attr {
        // Appwrite's Sequence validator: a non-empty integer or numeric string from 1 up.
        Attr::Seq => {
            let n = match v {
                Json::Number(n) => n.as_i64(),
                Json::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                    s.parse::<i64>().ok()
                }
                _ => None,
            };
            n.filter(|n| *n >= 1).map(Value::Int).ok_or_else(bad)
        }
        Attr::Id => string(),
        Attr::CreatedAt | Attr::UpdatedAt => datetime(),
        Attr::Column(column) => match column.storage() {
            Storage::Text => string(),
            // `Text(255)`: the query is always on the related row's id.
            Storage::Relationship => match v {
                Json::String(s) if s.chars().count() <= 255 => Ok(Value::Text(s.clone())),
                _ => Err(bad()),
            },
            Storage::Integer => {
                let n = v.as_i64().ok_or_else(bad)?;
                // Appwrite makes a column 32-bit unless its maximum needs more.
                let max = column.max.as_ref().and_then(serde_json::Number::as_i64);
                let narrow = max.is_some_and(|m| m <= i64::from(i32::MAX));
                if narrow && i32::try_from(n).is_err() {
                    return Err(bad());
                }
                Ok(Value::Int(n))
            }
            Storage::Float => v.as_f64().map(Value::Float).ok_or_else(bad),
            Storage::Boolean => v.as_bool().map(Value::Bool).ok_or_else(bad),
            Storage::Datetime => datetime(),
            Storage::Point | Storage::Line | Storage::Polygon => Err(bad()),
        },
    }
}

/// The text of a value, for string-only operations.
fn text_of(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Text(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
    }
}

/// Whether Appwrite counts the attribute as a string type (`Database::STRING_TYPES`, `$id`).
fn is_string(attr: &Attr<'_>) -> bool {
    match attr {
        Attr::Id => true,
        Attr::Column(c) => c.storage() == Storage::Text,
        _ => false,
    }
}

impl Compiler<'_, '_> {
    fn query(&mut self, q: &Query, depth: usize) -> Result<String, CompileError> {
        match q.method {
            Method::And | Method::Or => {
                if depth >= MAX_DEPTH {
                    return Err(error("Query nesting is too deep"));
                }
                let parts = q
                    .nested
                    .iter()
                    .map(|nested| self.query(nested, depth + 1))
                    .collect::<Result<Vec<_>, _>>()?;
                let (joiner, empty) = if q.method == Method::And {
                    (" AND ", TRUE)
                } else {
                    (" OR ", FALSE)
                };
                if parts.is_empty() {
                    return Ok(empty.to_owned());
                }
                Ok(format!("({})", parts.join(joiner)))
            }
            Method::ElemMatch => Err(error("elemMatch is not supported by the database")),
            m if m.is_vector() => Err(error(
                "Vector queries can only be used on vector attributes",
            )),
            m if m.kind() != MethodKind::Filter => Err(error(format!("Invalid query method: {m}"))),
            Method::Exists | Method::NotExists => self.exists(q),
            _ => self.leaf(q),
        }
    }

    fn exists(&mut self, q: &Query) -> Result<String, CompileError> {
        if q.values.is_empty() {
            return Err(error(format!(
                "{} queries require at least one value.",
                title(q.method)
            )));
        }
        let test = if q.method == Method::Exists {
            "IS NOT NULL"
        } else {
            "IS NULL"
        };
        let mut parts = Vec::with_capacity(q.values.len());
        for value in &q.values {
            let name = match value {
                Json::String(name) => name.clone(),
                other => return Err(not_found(&other.to_string())),
            };
            let attr = Attr::find(self.shape, &name).ok_or_else(|| not_found(&name))?;
            if !attr.is_physical() {
                return Err(error("Cannot query on virtual relationship attribute"));
            }
            parts.push(format!("{} {test}", attr.expr()));
        }
        Ok(format!("({})", parts.join(" AND ")))
    }

    fn leaf(&mut self, q: &Query) -> Result<String, CompileError> {
        let method = q.method;
        let name = q.attribute.as_deref().unwrap_or("");
        let attr = Attr::find(self.shape, name).ok_or_else(|| not_found(name))?;
        if attr.column().is_some_and(|c| c.encrypt) {
            return Err(error(format!("Cannot query encrypted attribute: {name}")));
        }
        if method.is_spatial() && !attr.is_spatial() {
            return Err(error(format!(
                "Spatial query \"{method}\" cannot be applied on non-spatial attribute: {name}"
            )));
        }
        if attr.is_spatial() {
            return self.spatial(q, &attr, name);
        }
        let values = q
            .values
            .iter()
            .map(|v| operand(&attr, name, v))
            .collect::<Result<Vec<_>, _>>()?;
        if !attr.is_physical() {
            return Err(error("Cannot query on virtual relationship attribute"));
        }
        let contains = matches!(
            method,
            Method::Contains | Method::ContainsAny | Method::ContainsAll | Method::NotContains
        );
        if contains && !attr.is_array() && !is_string(&attr) {
            let shown = if method == Method::NotContains {
                "notContains"
            } else {
                "contains"
            };
            return Err(error(format!(
                "Cannot query {shown} on attribute \"{name}\" because it is not an array, string, or object."
            )));
        }
        if attr.is_array() && !contains && !matches!(method, Method::IsNull | Method::IsNotNull) {
            return Err(error(format!(
                "Cannot query {method} on attribute \"{name}\" because it is an array."
            )));
        }
        let col = attr.expr();
        let at_least_one = || {
            if values.is_empty() {
                Err(error(format!(
                    "{} queries require at least one value.",
                    title(method)
                )))
            } else {
                Ok(())
            }
        };
        let exactly_one = || match values.as_slice() {
            [value] => Ok(value.clone()),
            _ => Err(error(format!(
                "{} queries require exactly one value.",
                title(method)
            ))),
        };
        let needs_text = || {
            if attr.is_text() {
                Ok(())
            } else {
                Err(error(format!(
                    "Cannot query {method} on attribute \"{name}\" because it is not a string."
                )))
            }
        };
        match method {
            Method::Equal | Method::NotEqual => {
                at_least_one()?;
                let not = method == Method::NotEqual;
                let placeholders = values
                    .into_iter()
                    .map(|v| self.w.bind(v))
                    .collect::<Vec<_>>();
                Ok(in_list(&col, &placeholders, not))
            }
            Method::LessThan
            | Method::LessThanEqual
            | Method::GreaterThan
            | Method::GreaterThanEqual => {
                let value = exactly_one()?;
                let op = match method {
                    Method::LessThan => "<",
                    Method::LessThanEqual => "<=",
                    Method::GreaterThan => ">",
                    _ => ">=",
                };
                let p = self.w.bind(value);
                Ok(format!("{col} {op} {p}"))
            }
            Method::Between | Method::NotBetween => {
                let [low, high] = <[Value; 2]>::try_from(values).map_err(|_| {
                    error(format!(
                        "{} queries require exactly two values.",
                        title(method)
                    ))
                })?;
                let not = if method == Method::NotBetween {
                    "NOT "
                } else {
                    ""
                };
                let low = self.w.bind(low);
                let high = self.w.bind(high);
                Ok(format!("{col} {not}BETWEEN {low} AND {high}"))
            }
            Method::IsNull => Ok(format!("{col} IS NULL")),
            Method::IsNotNull => Ok(format!("{col} IS NOT NULL")),
            Method::StartsWith | Method::NotStartsWith | Method::EndsWith | Method::NotEndsWith => {
                needs_text()?;
                let value = exactly_one()?;
                let p = self.w.bind(Value::Text(text_of(&value)));
                let test = match (self.w.dialect, method) {
                    (Dialect::Sqlite, Method::StartsWith | Method::NotStartsWith) => {
                        format!("substr({col}, 1, length({p})) = {p}")
                    }
                    (Dialect::Sqlite, _) => {
                        format!("substr({col}, length({col}) - length({p}) + 1) = {p}")
                    }
                    (Dialect::Postgres, Method::StartsWith | Method::NotStartsWith) => {
                        format!("left({col}, char_length({p}::text)) = {p}::text")
                    }
                    (Dialect::Postgres, _) => {
                        format!("right({col}, char_length({p}::text)) = {p}::text")
                    }
                };
                Ok(match method {
                    Method::NotStartsWith | Method::NotEndsWith => format!("NOT ({test})"),
                    _ => test,
                })
            }
            Method::Contains | Method::ContainsAny | Method::ContainsAll | Method::NotContains => {
                at_least_one()?;
                if attr.is_array() {
                    Ok(self.array_contains(method, &col, values))
                } else {
                    Ok(self.string_contains(method, &col, values))
                }
            }
            Method::Search | Method::NotSearch => {
                let value = exactly_one()?;
                Ok(self.search(method, &attr, name, &text_of(&value)))
            }
            Method::Regex => {
                needs_text()?;
                let value = exactly_one()?;
                let p = self.w.bind(Value::Text(text_of(&value)));
                Ok(match self.w.dialect {
                    Dialect::Sqlite => format!("{col} REGEXP {p}"),
                    Dialect::Postgres => format!("{col} ~ {p}"),
                })
            }
            _ => Err(error(format!("Invalid query method: {method}"))),
        }
    }

    fn array_contains(&mut self, method: Method, col: &str, values: Vec<Value>) -> String {
        match self.w.dialect {
            Dialect::Sqlite => {
                let member =
                    |test: String| format!("EXISTS (SELECT 1 FROM json_each({col}) WHERE {test})");
                let placeholders = values
                    .into_iter()
                    .map(|v| self.w.bind(v))
                    .collect::<Vec<_>>();
                match method {
                    Method::ContainsAll => format!(
                        "({})",
                        placeholders
                            .iter()
                            .map(|p| member(format!("value = {p}")))
                            .collect::<Vec<_>>()
                            .join(" AND ")
                    ),
                    Method::NotContains => format!(
                        "({col} IS NOT NULL AND NOT {})",
                        member(in_list("value", &placeholders, false))
                    ),
                    _ => member(in_list("value", &placeholders, false)),
                }
            }
            Dialect::Postgres => {
                if method == Method::ContainsAll {
                    let all = Json::Array(values.iter().map(Value::to_json).collect());
                    let p = self.w.bind_json(all.to_string());
                    return format!("{col} @> {p}");
                }
                let any = values
                    .iter()
                    .map(|v| {
                        let p = self.w.bind_json(Json::Array(vec![v.to_json()]).to_string());
                        format!("{col} @> {p}")
                    })
                    .collect::<Vec<_>>()
                    .join(" OR ");
                if method == Method::NotContains {
                    format!("NOT ({any})")
                } else {
                    format!("({any})")
                }
            }
        }
    }

    fn string_contains(&mut self, method: Method, col: &str, values: Vec<Value>) -> String {
        let tests = values
            .iter()
            .map(|v| {
                let p = self.w.bind(Value::Text(text_of(v)));
                match self.w.dialect {
                    Dialect::Sqlite => format!("instr({col}, {p}) > 0"),
                    Dialect::Postgres => format!("strpos({col}, {p}::text) > 0"),
                }
            })
            .collect::<Vec<_>>();
        match method {
            Method::ContainsAll => format!("({})", tests.join(" AND ")),
            Method::NotContains => format!("NOT ({})", tests.join(" OR ")),
            _ => format!("({})", tests.join(" OR ")),
        }
    }

    fn search(&mut self, method: Method, attr: &Attr<'_>, name: &str, text: &str) -> String {
        let index = self.shape.indexes.iter().find(|i| {
            i.index_type == IndexType::Fulltext
                && i.columns.len() == 1
                && i.columns.first().is_some_and(|c| c == name)
        });
        let Some(index) = index else {
            if self.deferred.is_none() {
                self.deferred = Some(error(format!(
                    "Searching by attribute \"{name}\" requires a fulltext index."
                )));
            }
            return FALSE.to_owned();
        };
        let not = method == Method::NotSearch;
        let (words, phrase) = search_words(text);
        if words.is_empty() {
            return if not { TRUE } else { FALSE }.to_owned();
        }
        match self.w.dialect {
            Dialect::Sqlite => {
                let fts = ident(&format!("{}_fts_{}", self.shape.name, index.key));
                let p = self.w.bind(Value::Text(fts5_query(&words, phrase)));
                let not = if not { "NOT " } else { "" };
                format!(
                    "{ALIAS}.{} {not}IN (SELECT rowid FROM {fts} WHERE {fts} MATCH {p})",
                    ident("_seq")
                )
            }
            Dialect::Postgres => {
                let p = self.w.bind(Value::Text(tsquery(&words, phrase)));
                let test = format!("{} @@ to_tsquery('simple', {p})", tsvector(&[attr.expr()]));
                if not { format!("NOT ({test})") } else { test }
            }
        }
    }

    /// Methods on point, line and polygon columns. SQLite calls the store's `ox_geo_*`
    /// functions on the geometry JSON; PostgreSQL uses PostGIS on GeoJSON built from it.
    fn spatial(&mut self, q: &Query, attr: &Attr<'_>, name: &str) -> Result<String, CompileError> {
        let method = q.method;
        if q.values.iter().any(|v| !v.is_array()) {
            return Err(error("Spatial data must be an array"));
        }
        let col = attr.expr();
        let geometry = |v: &Json| -> Result<(String, &'static str), CompileError> {
            let g = geo::parse(v).ok_or_else(|| invalid_value(name))?;
            let kind = match g.kind() {
                geo::Kind::Point => "Point",
                geo::Kind::Line => "LineString",
                geo::Kind::Polygon => "Polygon",
            };
            Ok((g.to_json().to_string(), kind))
        };
        let first = || {
            q.values.first().ok_or_else(|| {
                error(format!(
                    "{} queries require at least one value.",
                    title(method)
                ))
            })
        };
        let dialect = self.w.dialect;
        let column_type = attr.column().map_or("Point", |c| match c.storage() {
            Storage::Line => "LineString",
            Storage::Polygon => "Polygon",
            _ => "Point",
        });
        let column_geometry = format!(
            "ST_GeomFromGeoJSON(json_build_object('type', '{column_type}', 'coordinates', {col})::text)"
        );
        let bind_geometry = |w: &mut Writer, (json, kind): (String, &'static str)| match dialect {
            Dialect::Sqlite => w.bind(Value::Text(json)),
            Dialect::Postgres => {
                let geojson = format!("{{\"type\":\"{kind}\",\"coordinates\":{json}}}");
                let p = w.bind(Value::Text(geojson));
                format!("ST_GeomFromGeoJSON({p}::text)")
            }
        };
        let predicate = |name: &str| match dialect {
            Dialect::Sqlite => (format!("ox_geo_{name}"), col.clone()),
            Dialect::Postgres => (format!("ST_{}", title_case(name)), column_geometry.clone()),
        };
        match method {
            // Topological equality, as Appwrite's ST_Equals: any of the values.
            Method::Equal | Method::NotEqual => {
                if q.values.is_empty() {
                    return Err(error(format!(
                        "{} queries require at least one value.",
                        title(method)
                    )));
                }
                let (function, column) = predicate("equals");
                let mut calls = Vec::with_capacity(q.values.len());
                for v in &q.values {
                    let p = bind_geometry(self.w, geometry(v)?);
                    calls.push(format!("{function}({column}, {p})"));
                }
                let any = calls.join(" OR ");
                Ok(if method == Method::NotEqual {
                    format!("NOT ({any})")
                } else {
                    format!("({any})")
                })
            }
            Method::IsNull => Ok(format!("{col} IS NULL")),
            Method::IsNotNull => Ok(format!("{col} IS NOT NULL")),
            Method::Contains
            | Method::NotContains
            | Method::Crosses
            | Method::NotCrosses
            | Method::Intersects
            | Method::NotIntersects
            | Method::Overlaps
            | Method::NotOverlaps
            | Method::Touches
            | Method::NotTouches => {
                let value = geometry(first()?)?;
                let (base, negated) = match method {
                    Method::Contains => ("covers", false),
                    Method::NotContains => ("covers", true),
                    Method::Crosses => ("crosses", false),
                    Method::NotCrosses => ("crosses", true),
                    Method::Intersects => ("intersects", false),
                    Method::NotIntersects => ("intersects", true),
                    Method::Overlaps => ("overlaps", false),
                    Method::NotOverlaps => ("overlaps", true),
                    Method::Touches => ("touches", false),
                    _ => ("touches", true),
                };
                let (function, column) = predicate(base);
                let p = bind_geometry(self.w, value);
                let call = format!("{function}({column}, {p})");
                Ok(if negated { format!("NOT {call}") } else { call })
            }
            Method::DistanceEqual
            | Method::DistanceNotEqual
            | Method::DistanceGreaterThan
            | Method::DistanceLessThan => {
                let shape_error =
                    || error("Distance query requires [[geometry, distance]] parameters");
                let params = match q.values.as_slice() {
                    [Json::Array(params)] => params,
                    _ => return Err(shape_error()),
                };
                let (target, distance, meters) = match params.as_slice() {
                    [target, distance, rest @ ..] => (
                        target,
                        distance,
                        rest.first().is_some_and(|m| *m == Json::Bool(true)),
                    ),
                    _ => return Err(shape_error()),
                };
                let distance = distance.as_f64().ok_or_else(|| invalid_value(name))?;
                let op = match method {
                    Method::DistanceEqual => "=",
                    Method::DistanceNotEqual => "<>",
                    Method::DistanceGreaterThan => ">",
                    _ => "<",
                };
                let target = geometry(target)?;
                match dialect {
                    Dialect::Sqlite => {
                        let p = bind_geometry(self.w, target);
                        let m = self.w.bind(Value::Bool(meters));
                        let d = self.w.bind(Value::Float(distance));
                        Ok(format!("ox_geo_distance({col}, {p}, {m}) {op} {d}"))
                    }
                    Dialect::Postgres => {
                        let p = bind_geometry(self.w, target);
                        let d = self.w.bind(Value::Float(distance));
                        let measure = if meters {
                            format!("ST_Distance(({column_geometry})::geography, ({p})::geography)")
                        } else {
                            format!("ST_Distance({column_geometry}, {p})")
                        };
                        Ok(format!("{measure} {op} {d}"))
                    }
                }
            }
            _ => Err(error(format!("Unknown spatial query method: {method}"))),
        }
    }
}

/// `Covers` for `covers`.
fn title_case(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// `col = p` / `col IN (p, …)`, or their negations.
fn in_list(col: &str, placeholders: &[String], not: bool) -> String {
    match (placeholders, not) {
        ([], false) => FALSE.to_owned(),
        ([], true) => TRUE.to_owned(),
        ([p], false) => format!("{col} = {p}"),
        ([p], true) => format!("{col} <> {p}"),
        (ps, false) => format!("{col} IN ({})", ps.join(", ")),
        (ps, true) => format!("{col} NOT IN ({})", ps.join(", ")),
    }
}

/// The words of a search string (lower-cased runs of letters and digits), and whether the
/// string asks for a phrase (wrapped in double quotes).
pub(crate) fn search_words(text: &str) -> (Vec<String>, bool) {
    let phrase = text.len() >= 2 && text.starts_with('"') && text.ends_with('"');
    let words = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    (words, phrase)
}

/// An FTS5 MATCH expression: `"a" OR "b"*`, or the phrase `"a b"`. Words hold only letters and
/// digits, so quoting them is enough to keep FTS5 operators out.
pub(crate) fn fts5_query(words: &[String], phrase: bool) -> String {
    if phrase {
        return format!("\"{}\"", words.join(" "));
    }
    let last = words.len().saturating_sub(1);
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i == last {
                format!("\"{w}\"*")
            } else {
                format!("\"{w}\"")
            }
        })
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// A tsquery: `'a' | 'b':*`, or the phrase `'a' <-> 'b'`.
pub(crate) fn tsquery(words: &[String], phrase: bool) -> String {
    if phrase {
        return words
            .iter()
            .map(|w| format!("'{w}'"))
            .collect::<Vec<_>>()
            .join(" <-> ");
    }
    let last = words.len().saturating_sub(1);
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i == last {
                format!("'{w}':*")
            } else {
                format!("'{w}'")
            }
        })
        .collect::<Vec<_>>()
        .join(" | ")
}
