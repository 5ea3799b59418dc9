//! Row data checked against a table's columns, with Appwrite's structure errors
//! (`row_invalid_structure` / `document_invalid_structure`): unknown columns, missing
//! required ones, wrong types, sizes, ranges, formats and enum elements.

use oxwrite_types::schema::{Column, ColumnType};
use serde_json::{Map, Value};

use super::Api;
use crate::records::TableRecord;
use crate::{Error, Result};

/// Most characters a text column holds, by type (MariaDB's TEXT / MEDIUMTEXT / LONGTEXT, in
/// characters; the request body limit is lower still).
pub fn max_chars(c: &Column) -> u64 {
    match c.column_type {
        ColumnType::Text => 65_535,
        ColumnType::Mediumtext => 16_777_215,
        ColumnType::Longtext => 4_294_967_295,
        ColumnType::Email | ColumnType::Url | ColumnType::Ip | ColumnType::Enum => 2048,
        _ => c.size.unwrap_or(0),
    }
}

/// Elements an array column may hold (Appwrite's `APP_LIMIT_ARRAY_ELEMENT_SIZE`... bounded so a
/// row cannot grow without limit).
pub const MAX_ARRAY_ELEMENTS: usize = 1000;

/// appwrite-compat: utopia's structure validator says "document" in both APIs.
fn structure(api: Api, why: String) -> Error {
    Error::msg(api.row_invalid_structure(), format!("Invalid document structure: {why}"))
}

/// The data of a new row: every key must be a column, required columns must be present
/// (defaults fill the others), and each value must fit its column. System keys (`$id`,
/// `$permissions` …) are not data and are dropped.
pub fn for_create(api: Api, table: &TableRecord, data: &Map<String, Value>) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    check_keys(api, table, data)?;
    for c in table.columns.iter().filter(|c| c.is_physical()) {
        let v = data.get(&c.key).cloned().unwrap_or(Value::Null);
        let v = if v.is_null() { c.default.clone() } else { v };
        if v.is_null() {
            if c.required {
                return Err(structure(api, format!("Missing required attribute \"{}\"", c.key)));
            }
            out.insert(c.key.clone(), Value::Null);
            continue;
        }
        check(api, c, &v)?;
        out.insert(c.key.clone(), v);
    }
    Ok(out)
}

/// Checks that every required column has a value in `data`.
pub fn require_all(api: Api, table: &TableRecord, data: &Map<String, Value>) -> Result<()> {
    for c in table.columns.iter().filter(|c| c.required && c.is_physical()) {
        if data.get(&c.key).is_none_or(Value::is_null) {
            return Err(structure(api, format!("Missing required attribute \"{}\"", c.key)));
        }
    }
    Ok(())
}

/// The data of an update: only the given columns change; a required column cannot be
/// cleared.
pub fn for_update(api: Api, table: &TableRecord, data: &Map<String, Value>) -> Result<Map<String, Value>> {
    check_keys(api, table, data)?;
    let mut out = Map::new();
    for (k, v) in data {
        if k.starts_with('$') {
            continue;
        }
        let Some(c) = table.columns.iter().find(|c| &c.key == k && c.is_physical()) else { continue };
        if v.is_null() {
            if c.required {
                return Err(structure(api, format!("Missing required attribute \"{}\"", c.key)));
            }
        } else {
            check(api, c, v)?;
        }
        out.insert(k.clone(), v.clone());
    }
    Ok(out)
}

fn check_keys(api: Api, table: &TableRecord, data: &Map<String, Value>) -> Result<()> {
    for k in data.keys() {
        if k.starts_with('$') {
            continue;
        }
        if !table.columns.iter().any(|c| &c.key == k && super::relations::visible(c)) {
            return Err(unknown(api, k));
        }
    }
    Ok(())
}

/// `Unknown attribute: "<key>"`.
pub fn unknown(api: Api, key: &str) -> Error {
    structure(api, format!("Unknown attribute: \"{key}\""))
}

/// Checks one non-null value against its column.
pub fn check(api: Api, c: &Column, v: &Value) -> Result<()> {
    if c.array {
        let Some(items) = v.as_array() else {
            return Err(structure(api, format!("Attribute \"{}\" must be an array", c.key)));
        };
        if items.len() > MAX_ARRAY_ELEMENTS {
            return Err(structure(
                api,
                format!("Attribute \"{}\" has invalid format. Value must be an array of at most {MAX_ARRAY_ELEMENTS} items", c.key),
            ));
        }
        for (i, item) in items.iter().enumerate() {
            if item.is_null() {
                continue;
            }
            scalar(c, item).map_err(|why| structure(api, format!("Attribute \"{}[{i}]\" has invalid type. {why}", c.key)))?;
        }
        return Ok(());
    }
    scalar(c, v).map_err(|why| {
        // Columns with a format (Appwrite's intRange / floatRange / email …) report "format".
        let what = if matches!(
            c.column_type,
            ColumnType::Email | ColumnType::Url | ColumnType::Ip | ColumnType::Enum | ColumnType::Datetime | ColumnType::Integer | ColumnType::Float
        ) {
            "format"
        } else {
            "type"
        };
        structure(api, format!("Attribute \"{}\" has invalid {what}. {why}", c.key))
    })
}

/// Checks a single (non-array) value; the error is the validator's description.
pub fn scalar(c: &Column, v: &Value) -> std::result::Result<(), String> {
    match c.column_type {
        ColumnType::String
        | ColumnType::Varchar
        | ColumnType::Text
        | ColumnType::Mediumtext
        | ColumnType::Longtext
        | ColumnType::Email
        | ColumnType::Url
        | ColumnType::Ip
        | ColumnType::Enum => {
            let max = max_chars(c);
            let ok = v.as_str().is_some_and(|s| (s.chars().count() as u64) <= max);
            if !ok {
                return Err(format!("Value must be a valid string and no longer than {max} chars"));
            }
            let s = v.as_str().unwrap_or_default();
            match c.column_type {
                ColumnType::Email if !is_email(s) => Err("Value must be a valid email address".into()),
                ColumnType::Url if !is_url(s) => Err("Value must be a valid URL".into()),
                ColumnType::Ip if s.parse::<std::net::IpAddr>().is_err() => Err("Value must be a valid IP address".into()),
                ColumnType::Enum if !c.elements.iter().any(|e| e == s) => {
                    Err(format!("Value must be one of ({})", c.elements.join(", ")))
                }
                _ => Ok(()),
            }
        }
        ColumnType::Integer => {
            let (min, max) = int_bounds(c);
            match v.as_i64() {
                Some(n) if n >= min && n <= max => Ok(()),
                _ if min == i64::MIN && max == i64::MAX => Err(format!(
                    "Value must be a valid signed 64-bit integer between {} and {}",
                    thousands(&min.to_string()),
                    thousands(&max.to_string())
                )),
                _ => Err(format!("Value must be a valid range between {} and {}", thousands(&min.to_string()), thousands(&max.to_string()))),
            }
        }
        ColumnType::Float => {
            let (min, max) = float_bounds(c);
            match v.as_f64() {
                Some(n) if n >= min && n <= max => Ok(()),
                Some(_) if min > -f64::MAX || max < f64::MAX => {
                    Err(format!("Value must be a valid range between {} and {}", thousands(&fmt_float(min)), thousands(&fmt_float(max))))
                }
                _ => Err("Value must be a valid float".into()),
            }
        }
        ColumnType::Boolean => v.as_bool().map(|_| ()).ok_or_else(|| "Value must be a valid boolean".into()),
        ColumnType::Datetime => v
            .as_str()
            .and_then(parse_datetime)
            .map(|_| ())
            .ok_or_else(|| "Value must be valid date between 0000-01-01 00:00:00 and 9999-12-31 23:59:59.".into()),
        ColumnType::Point | ColumnType::Line | ColumnType::Polygon => geometry(c.column_type, v),
        ColumnType::Relationship => match v {
            Value::String(s) if !s.is_empty() && s.len() <= oxwrite_types::id::MAX_ID_LEN => Ok(()),
            _ => Err("Value must be a valid row ID".into()),
        },
    }
}

pub fn int_bounds(c: &Column) -> (i64, i64) {
    (c.min.as_ref().and_then(|n| n.as_i64()).unwrap_or(i64::MIN), c.max.as_ref().and_then(|n| n.as_i64()).unwrap_or(i64::MAX))
}

pub fn float_bounds(c: &Column) -> (f64, f64) {
    (c.min.as_ref().and_then(|n| n.as_f64()).unwrap_or(-f64::MAX), c.max.as_ref().and_then(|n| n.as_f64()).unwrap_or(f64::MAX))
}

fn fmt_float(n: f64) -> String {
    n.to_string()
}

/// PHP's `number_format` grouping of the integer part: `-1234567.5` → `-1,234,567.5`.
pub fn thousands(n: &str) -> String {
    let (sign, rest) = n.strip_prefix('-').map_or(("", n), |r| ("-", r));
    let (int, frac) = rest.split_once('.').map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

/// Datetimes as Appwrite accepts them: RFC 3339 / ISO 8601 with an offset, or without one
/// (then UTC), with or without a time.
pub fn parse_datetime(s: &str) -> Option<jiff::Timestamp> {
    if let Some(ts) = oxwrite_types::time::parse(s) {
        return Some(ts);
    }
    let civil = s.parse::<jiff::civil::DateTime>().ok().or_else(|| s.parse::<jiff::civil::Date>().ok().map(|d| d.to_datetime(jiff::civil::Time::midnight())))?;
    civil.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp())
}

fn is_email(s: &str) -> bool {
    crate::validate::email("email", s).is_ok()
}

fn is_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https" | "ftp" | "ftps" | "ws" | "wss") && u.host().is_some())
}

fn geometry(kind: ColumnType, v: &Value) -> std::result::Result<(), String> {
    use oxwrite_types::geo::{Kind, validate};
    let kind = match kind {
        ColumnType::Point => Kind::Point,
        ColumnType::Line => Kind::Line,
        _ => Kind::Polygon,
    };
    validate(kind, v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn col(key: &str, t: ColumnType) -> Column {
        Column {
            key: key.into(),
            column_type: t,
            required: false,
            array: false,
            size: Some(5),
            min: None,
            max: None,
            default: Value::Null,
            elements: vec!["a".into(), "b".into()],
            encrypt: false,
            relation: None,
            status: "available".into(),
            error: String::new(),
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn scalars() {
        assert!(scalar(&col("s", ColumnType::Varchar), &json!("hello")).is_ok());
        assert!(scalar(&col("s", ColumnType::Varchar), &json!("hello!")).is_err());
        assert!(scalar(&col("s", ColumnType::Varchar), &json!(5)).is_err());
        assert!(scalar(&col("e", ColumnType::Email), &json!("a@b.co")).is_ok());
        assert!(scalar(&col("e", ColumnType::Email), &json!("nope")).is_err());
        assert!(scalar(&col("i", ColumnType::Ip), &json!("::1")).is_ok());
        assert!(scalar(&col("u", ColumnType::Url), &json!("https://x.io/a")).is_ok());
        assert!(scalar(&col("u", ColumnType::Url), &json!("x.io")).is_err());
        assert!(scalar(&col("n", ColumnType::Enum), &json!("b")).is_ok());
        assert!(scalar(&col("n", ColumnType::Enum), &json!("c")).is_err());
        let mut i = col("i", ColumnType::Integer);
        i.min = Some(0.into());
        i.max = Some(10.into());
        assert!(scalar(&i, &json!(10)).is_ok());
        assert!(scalar(&i, &json!(11)).is_err());
        assert!(scalar(&i, &json!(1.5)).is_err());
        assert!(scalar(&col("f", ColumnType::Float), &json!(1)).is_ok());
        assert!(scalar(&col("b", ColumnType::Boolean), &json!(0)).is_err());
        assert!(scalar(&col("d", ColumnType::Datetime), &json!("2024-01-02T03:04:05.000+00:00")).is_ok());
        assert!(scalar(&col("d", ColumnType::Datetime), &json!("2024-01-02")).is_ok());
        assert!(scalar(&col("d", ColumnType::Datetime), &json!("yesterday")).is_err());
    }
}
