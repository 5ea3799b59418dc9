//! Values bound to statement parameters and read back from rows, and the conversions between
//! them and the JSON values of the wire format.
//!
//! How a column's values are kept (see `lib.rs` for the table layout):
//! - text, email, ip, url, enum, relationship: text;
//! - integer: 64-bit integer; float: double; boolean: `Bool` (SQLite keeps 0/1);
//! - datetime: integer milliseconds since the epoch;
//! - point, line, polygon: the coordinate arrays as compact JSON text with every number a
//!   float (`[1.0,2.0]`), so equal geometries have equal text;
//! - arrays: the elements as a JSON array, each element kept as its scalar would be (datetimes
//!   as millisecond numbers, floats as floats).

use oxwrite_types::schema::{Column, Storage};
use oxwrite_types::time;
use serde_json::{Number, Value as Json};

use crate::{CompileError, geo};

/// A parameter or result value. Adapters map it to their driver's types.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    Bool(bool),
}

impl Value {
    /// The value as a JSON scalar (used for JSON parameters such as PostgreSQL `@>` operands).
    pub(crate) fn to_json(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Int(i) => Json::from(*i),
            Value::Float(f) => float_json(*f),
            Value::Text(s) => Json::from(s.as_str()),
            Value::Bool(b) => Json::Bool(*b),
        }
    }
}

fn float_json(f: f64) -> Json {
    Number::from_f64(f).map_or(Json::Null, Json::Number)
}

/// Parses a datetime the way Appwrite's validator accepts one: RFC 3339 / ISO 8601 with an
/// offset, or without one (read as UTC), or a bare date (midnight UTC). Years must lie in
/// 0000..=9999. Returns milliseconds since the epoch.
pub fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let ts = match time::parse(s) {
        Some(ts) => ts,
        None => {
            let civil = s.parse::<jiff::civil::DateTime>().ok().or_else(|| {
                s.parse::<jiff::civil::Date>()
                    .ok()
                    .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
            })?;
            civil.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp()
        }
    };
    let year = ts.to_zoned(jiff::tz::TimeZone::UTC).year();
    if !(0..=9999).contains(&year) {
        return None;
    }
    Some(time::to_millis(ts))
}

/// Normalizes a geometry (nested arrays of numbers): every number becomes a float. `None` if
/// anything but arrays and numbers is found.
pub(crate) fn normalize_geometry(v: &Json) -> Option<Json> {
    match v {
        Json::Array(items) => items
            .iter()
            .map(normalize_geometry)
            .collect::<Option<Vec<_>>>()
            .map(Json::Array),
        Json::Number(n) => n.as_f64().map(float_json),
        _ => None,
    }
}

/// One array element (or scalar) in its stored JSON form.
fn element_json(storage: Storage, v: &Json) -> Option<Json> {
    Some(match (storage, v) {
        (_, Json::Null) => Json::Null,
        (Storage::Text | Storage::Relationship, Json::String(_)) => v.clone(),
        (Storage::Integer, Json::Number(n)) => Json::from(n.as_i64()?),
        (Storage::Float, Json::Number(n)) => float_json(n.as_f64()?),
        (Storage::Boolean, Json::Bool(_)) => v.clone(),
        (Storage::Datetime, Json::String(s)) => Json::from(parse_datetime(s)?),
        (Storage::Point | Storage::Line | Storage::Polygon, _) => normalize_geometry(v)?,
        _ => return None,
    })
}

/// Converts a JSON value that core has already validated against `column` into what is stored.
/// Arrays and geometries become JSON text, datetimes milliseconds; `null` is `Null`.
pub fn encode(column: &Column, v: &Json) -> Result<Value, CompileError> {
    let bad = || CompileError(format!("Invalid value for attribute \"{}\"", column.key));
    if v.is_null() {
        return Ok(Value::Null);
    }
    let storage = column.storage();
    if column.array {
        let Json::Array(items) = v else {
            return Err(bad());
        };
        let items = items
            .iter()
            .map(|item| element_json(storage, item))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(bad)?;
        return Ok(Value::Text(Json::Array(items).to_string()));
    }
    let value = match storage {
        Storage::Text | Storage::Relationship => v.as_str().map(|s| Value::Text(s.to_owned())),
        Storage::Integer => v.as_i64().map(Value::Int),
        Storage::Float => v.as_f64().map(Value::Float),
        Storage::Boolean => v.as_bool().map(Value::Bool),
        Storage::Datetime => v.as_str().and_then(parse_datetime).map(Value::Int),
        Storage::Point | Storage::Line | Storage::Polygon => {
            let kind = match storage {
                Storage::Point => geo::Kind::Point,
                Storage::Line => geo::Kind::Line,
                _ => geo::Kind::Polygon,
            };
            // Canonical form: floats, closed rings; WKT taken too, as Appwrite does.
            geo::parse_as(kind, v).map(|g| Value::Text(g.to_json().to_string()))
        }
    };
    value.ok_or_else(bad)
}

fn datetime_json(ms: i64) -> Json {
    Json::from(time::format(time::from_millis(ms)))
}

/// One stored array element back in wire form.
fn decode_element(storage: Storage, v: Json) -> Json {
    match (storage, v) {
        (Storage::Datetime, Json::Number(n)) => match n.as_i64() {
            Some(ms) => datetime_json(ms),
            None => n.as_f64().map_or(Json::Null, |f| datetime_json(f as i64)),
        },
        (Storage::Float, Json::Number(n)) => n.as_f64().map_or(Json::Null, float_json),
        (_, v) => v,
    }
}

/// Converts what a row holds back into the wire JSON for `column` (the inverse of [`encode`]).
/// Tolerates SQLite's loose typing: booleans read as 0/1, floats that read back as integers,
/// numbers in text columns. Unreadable stored JSON becomes `null`.
pub fn decode(column: &Column, v: Value) -> Json {
    let storage = column.storage();
    if matches!(v, Value::Null) {
        return Json::Null;
    }
    if column.array {
        let Value::Text(text) = v else {
            return Json::Null;
        };
        return match serde_json::from_str::<Json>(&text) {
            Ok(Json::Array(items)) => Json::Array(
                items
                    .into_iter()
                    .map(|item| decode_element(storage, item))
                    .collect(),
            ),
            _ => Json::Null,
        };
    }
    match storage {
        Storage::Text | Storage::Relationship => match v {
            Value::Text(s) => Json::from(s),
            Value::Int(i) => Json::from(i.to_string()),
            Value::Float(f) => Json::from(f.to_string()),
            Value::Bool(b) => Json::from(b.to_string()),
            Value::Null => Json::Null,
        },
        Storage::Integer => match v {
            Value::Int(i) => Json::from(i),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Json::from(f as i64),
            Value::Float(f) => float_json(f),
            Value::Bool(b) => Json::from(i64::from(b)),
            Value::Text(s) => s.trim().parse::<i64>().map_or(Json::Null, Json::from),
            Value::Null => Json::Null,
        },
        Storage::Float => match v {
            Value::Float(f) => float_json(f),
            Value::Int(i) => float_json(i as f64),
            Value::Bool(b) => float_json(f64::from(u8::from(b))),
            Value::Text(s) => s.trim().parse::<f64>().map_or(Json::Null, float_json),
            Value::Null => Json::Null,
        },
        Storage::Boolean => match v {
            Value::Bool(b) => Json::Bool(b),
            Value::Int(i) => Json::Bool(i != 0),
            Value::Float(f) => Json::Bool(f != 0.0),
            Value::Text(s) => Json::Bool(matches!(s.as_str(), "1" | "true")),
            Value::Null => Json::Null,
        },
        Storage::Datetime => match v {
            Value::Int(ms) => datetime_json(ms),
            Value::Float(f) => datetime_json(f as i64),
            Value::Text(s) => match parse_datetime(&s) {
                Some(ms) => datetime_json(ms),
                None => Json::from(s),
            },
            Value::Bool(_) | Value::Null => Json::Null,
        },
        Storage::Point | Storage::Line | Storage::Polygon => match v {
            Value::Text(s) => serde_json::from_str(&s).unwrap_or(Json::Null),
            _ => Json::Null,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxwrite_types::schema::ColumnType;
    use serde_json::json;

    pub(crate) fn column(key: &str, column_type: ColumnType, array: bool) -> Column {
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

    #[test]
    fn scalars_round_trip() {
        let cases = [
            (ColumnType::String, json!("héllo")),
            (ColumnType::Email, json!("a@b.c")),
            (ColumnType::Integer, json!(-42)),
            (ColumnType::Integer, json!(i64::MAX)),
            (ColumnType::Float, json!(1.5)),
            (ColumnType::Boolean, json!(true)),
            (ColumnType::Datetime, json!("2020-10-15T06:38:00.123+00:00")),
            (ColumnType::Point, json!([1.5, -2.0])),
            (ColumnType::Line, json!([[1.0, 2.0], [3.0, 4.0]])),
            (
                ColumnType::Polygon,
                json!([[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]),
            ),
            (ColumnType::Relationship, json!("row1")),
        ];
        for (column_type, v) in cases {
            let c = column("c", column_type, false);
            let stored = encode(&c, &v).unwrap();
            assert_eq!(decode(&c, stored), v, "{column_type:?}");
            assert_eq!(encode(&c, &Json::Null).unwrap(), Value::Null);
            assert_eq!(decode(&c, Value::Null), Json::Null);
        }
    }

    #[test]
    fn encodings() {
        let dt = column("d", ColumnType::Datetime, false);
        assert_eq!(
            encode(&dt, &json!("2020-10-15T08:38:00.123+02:00")).unwrap(),
            Value::Int(1_602_743_880_123)
        );
        assert_eq!(
            encode(&dt, &json!("1970-01-02")).unwrap(),
            Value::Int(86_400_000)
        );
        assert_eq!(
            encode(&dt, &json!("1970-01-01T00:00:01")).unwrap(),
            Value::Int(1000)
        );
        assert!(encode(&dt, &json!("yesterday")).is_err());
        assert!(encode(&dt, &json!("")).is_err());
        let float = column("f", ColumnType::Float, false);
        assert_eq!(encode(&float, &json!(2)).unwrap(), Value::Float(2.0));
        let point = column("p", ColumnType::Point, false);
        assert_eq!(
            encode(&point, &json!([1, 2])).unwrap(),
            Value::Text("[1.0,2.0]".into())
        );
        assert!(encode(&point, &json!("x")).is_err());
        assert_eq!(
            encode(&point, &json!("POINT(1 2)")).unwrap(),
            Value::Text("[1.0,2.0]".into())
        );
        let tags = column("t", ColumnType::String, true);
        assert_eq!(
            encode(&tags, &json!(["a", "b"])).unwrap(),
            Value::Text(r#"["a","b"]"#.into())
        );
        assert!(encode(&tags, &json!("a")).is_err());
        assert!(encode(&tags, &json!([1])).is_err());
        let dates = column("ds", ColumnType::Datetime, true);
        let stored = encode(&dates, &json!(["1970-01-01T00:00:01.000+00:00"])).unwrap();
        assert_eq!(stored, Value::Text("[1000]".into()));
        assert_eq!(
            decode(&dates, stored),
            json!(["1970-01-01T00:00:01.000+00:00"])
        );
        let floats = column("fs", ColumnType::Float, true);
        let stored = encode(&floats, &json!([1, 2.5])).unwrap();
        assert_eq!(stored, Value::Text("[1.0,2.5]".into()));
        assert_eq!(decode(&floats, stored), json!([1.0, 2.5]));
        let ints = column("is", ColumnType::Integer, true);
        assert!(encode(&ints, &json!([1.5])).is_err());
        assert_eq!(decode(&ints, Value::Text("[1,2]".into())), json!([1, 2]));
        assert_eq!(decode(&ints, Value::Text("{bad".into())), Json::Null);
    }

    #[test]
    fn sqlite_loose_types_decode() {
        let b = column("b", ColumnType::Boolean, false);
        assert_eq!(decode(&b, Value::Int(1)), json!(true));
        assert_eq!(decode(&b, Value::Int(0)), json!(false));
        let f = column("f", ColumnType::Float, false);
        assert_eq!(decode(&f, Value::Int(3)), json!(3.0));
        let i = column("i", ColumnType::Integer, false);
        assert_eq!(decode(&i, Value::Float(3.0)), json!(3));
        let s = column("s", ColumnType::String, false);
        assert_eq!(decode(&s, Value::Int(12)), json!("12"));
    }
}
