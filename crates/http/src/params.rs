//! Request parameters as Appwrite reads them: path, query string and JSON body merged into
//! one bag, with typed getters that accept both JSON values and the string forms query
//! strings carry (`true`, `25`, `queries[0]=…`, `key[]=…`). Every getter fails with
//! Appwrite's `400 general_argument_invalid` wording; unknown parameters are ignored.

use std::sync::Arc;

use oxwrite_core::services::lists::ListInput;
use oxwrite_core::services::sessions::RequestMeta;
use oxwrite_core::{App, Caller, Error, Result};
use serde_json::{Map, Value};

/// Everything a handler gets: the app, the resolved caller, the parameters and where the
/// request came from.
pub struct Ctx {
    pub app: Arc<App>,
    pub caller: Caller,
    pub params: Params,
    pub meta: RequestMeta,
    pub client: ClientInfo,
    /// The request's headers (uploads and downloads read `Content-Range`, `Range` …).
    pub headers: axum::http::HeaderMap,
    /// The `file` part of a multipart body.
    pub upload: Option<crate::upload::Upload>,
}

impl Ctx {
    /// A request header as text, trimmed; `None` when absent, empty or not text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty())
    }
}

/// What cookie handling needs to know about the request.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    /// Hostname the client addressed (without port).
    pub host: String,
    pub secure: bool,
    /// Hostname of the `Origin`, when the request has one.
    pub origin_host: Option<String>,
}

#[derive(Debug, Default)]
pub struct Params(Map<String, Value>);

/// Keys of the query string are at most this long; longer ones are ignored.
const MAX_KEY_LEN: usize = 128;
/// Array indexes in `key[n]=` beyond this are refused (bounds memory for sparse indexes).
const MAX_INDEX: usize = 1000;

impl Params {
    /// Merges the query string, then the body (an object), then path parameters.
    pub fn build(query: Option<&str>, body: Option<Map<String, Value>>, path: Vec<(String, String)>) -> Result<Self> {
        let mut map = Map::new();
        if let Some(q) = query {
            for (k, v) in form_urlencoded::parse(q.as_bytes()) {
                insert_query_pair(&mut map, &k, v.into_owned())?;
            }
        }
        if let Some(body) = body {
            map.extend(body);
        }
        for (k, v) in path {
            map.insert(k, Value::String(v));
        }
        Ok(Self(map))
    }

    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub fn str(&self, name: &str) -> Result<String> {
        self.opt_str(name)?.ok_or_else(|| Error::missing_param(name))
    }

    pub fn opt_str(&self, name: &str) -> Result<Option<String>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(Error::invalid_param(name, "Value must be a valid string")),
        }
    }

    pub fn bool(&self, name: &str) -> Result<bool> {
        self.opt_bool(name)?.ok_or_else(|| Error::missing_param(name))
    }

    pub fn opt_bool(&self, name: &str) -> Result<Option<bool>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s == "true" || s == "1" => Ok(Some(true)),
            Some(Value::String(s)) if s == "false" || s == "0" => Ok(Some(false)),
            Some(_) => Err(Error::invalid_param(name, "Value must be a valid boolean")),
        }
    }

    pub fn int(&self, name: &str) -> Result<i64> {
        self.opt_int(name)?.ok_or_else(|| Error::missing_param(name))
    }

    pub fn opt_int(&self, name: &str) -> Result<Option<i64>> {
        let bad = || Error::invalid_param(name, "Value must be a valid integer");
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(bad),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad()),
            Some(_) => Err(bad()),
        }
    }

    pub fn strings(&self, name: &str) -> Result<Vec<String>> {
        self.opt_strings(name)?.ok_or_else(|| Error::missing_param(name))
    }

    pub fn opt_strings(&self, name: &str) -> Result<Option<Vec<String>>> {
        let bad = || Error::invalid_param(name, "Value must a valid array and Value must be a valid string");
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    // Nested query objects (or, and) may arrive parsed; keep their JSON text.
                    Value::Object(_) => Ok(v.to_string()),
                    _ => Err(bad()),
                })
                .collect::<Result<Vec<_>>>()
                .map(Some),
            Some(Value::String(s)) if s.is_empty() => Ok(Some(Vec::new())),
            Some(_) => Err(bad()),
        }
    }

    pub fn object(&self, name: &str) -> Result<Map<String, Value>> {
        self.opt_object(name)?.ok_or_else(|| Error::missing_param(name))
    }

    pub fn opt_object(&self, name: &str) -> Result<Option<Map<String, Value>>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m.clone())),
            // An empty JSON array is how PHP-ish clients send an empty object.
            Some(Value::Array(a)) if a.is_empty() => Ok(Some(Map::new())),
            Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                Ok(Value::Object(m)) => Ok(Some(m)),
                _ => Err(Error::invalid_param(name, "Value must be a valid object")),
            },
            Some(_) => Err(Error::invalid_param(name, "Value must be a valid object")),
        }
    }

    /// Any JSON value (`null` reads as absent).
    pub fn opt_value(&self, name: &str) -> Option<Value> {
        self.get(name).cloned()
    }

    pub fn opt_number(&self, name: &str) -> Result<Option<serde_json::Number>> {
        let bad = || Error::invalid_param(name, "Value must be a valid number");
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(Some(n.clone())),
            Some(Value::String(s)) => match serde_json::from_str::<Value>(s.trim()) {
                Ok(Value::Number(n)) => Ok(Some(n)),
                _ => Err(bad()),
            },
            Some(_) => Err(bad()),
        }
    }

    pub fn opt_u64(&self, name: &str) -> Result<Option<u64>> {
        match self.opt_int(name)? {
            Some(n) => u64::try_from(n).map(Some).map_err(|_| Error::invalid_param(name, "Value must be a valid range between 0 and 9,223,372,036,854,775,807")),
            None => Ok(None),
        }
    }

    /// An array of arbitrary JSON values (objects of bulk rows, column definitions …). A
    /// string is read as JSON text, as multipart and query-string clients send arrays.
    pub fn opt_array(&self, name: &str) -> Result<Option<Vec<Value>>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(
                items
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| v.clone()),
                        other => other.clone(),
                    })
                    .collect(),
            )),
            Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                Ok(Value::Array(items)) => Ok(Some(items)),
                _ => Err(Error::invalid_param(name, "Value must a valid array")),
            },
            Some(_) => Err(Error::invalid_param(name, "Value must a valid array")),
        }
    }

    /// The `queries`, `search` and `total` parameters of list operations.
    pub fn list(&self) -> Result<ListInput> {
        Ok(ListInput {
            queries: self.opt_strings("queries")?.unwrap_or_default(),
            search: self.opt_str("search")?,
            total: self.opt_bool("total")?,
        })
    }
}

/// Inserts `key=value`, `key[]=value`, `key[3]=value` or `key[sub]=value`.
pub(crate) fn insert_query_pair(map: &mut Map<String, Value>, key: &str, value: String) -> Result<()> {
    if key.len() > MAX_KEY_LEN {
        return Ok(());
    }
    let Some((name, rest)) = key.split_once('[') else {
        map.insert(key.to_owned(), Value::String(value));
        return Ok(());
    };
    let Some(inner) = rest.strip_suffix(']') else {
        map.insert(key.to_owned(), Value::String(value));
        return Ok(());
    };
    if inner.is_empty() || inner.bytes().all(|b| b.is_ascii_digit()) {
        let slot = map.entry(name.to_owned()).or_insert_with(|| Value::Array(Vec::new()));
        let Value::Array(arr) = slot else {
            return Err(Error::invalid_param(name, "Value must a valid array"));
        };
        match inner.parse::<usize>() {
            Ok(i) if i > MAX_INDEX => return Err(Error::invalid_param(name, "Array index out of range")),
            Ok(i) => {
                if arr.len() <= i {
                    arr.resize(i + 1, Value::Null);
                }
                arr[i] = Value::String(value);
            }
            Err(_) => arr.push(Value::String(value)),
        }
        // Holes left by sparse indexes are dropped so arrays stay dense.
        if let Value::Array(arr) = slot
            && arr.iter().any(Value::is_null) && inner.is_empty() {
                arr.retain(|v| !v.is_null());
            }
    } else {
        let slot = map.entry(name.to_owned()).or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(obj) = slot else {
            return Err(Error::invalid_param(name, "Value must be a valid object"));
        };
        obj.insert(inner.to_owned(), Value::String(value));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_arrays_and_coercion() {
        let p = Params::build(Some("queries%5B0%5D=a&queries%5B1%5D=b&total=false&limit=5&k[]=x&k[]=y&o[a]=1"), None, vec![]).unwrap();
        assert_eq!(p.strings("queries").unwrap(), vec!["a", "b"]);
        assert_eq!(p.opt_bool("total").unwrap(), Some(false));
        assert_eq!(p.opt_int("limit").unwrap(), Some(5));
        assert_eq!(p.strings("k").unwrap(), vec!["x", "y"]);
        assert_eq!(p.object("o").unwrap()["a"], "1");
        assert!(p.str("missing").is_err());
    }

    #[test]
    fn body_and_path_win() {
        let mut body = Map::new();
        body.insert("a".into(), Value::Bool(true));
        let p = Params::build(Some("a=false&id=q"), Some(body), vec![("id".into(), "path".into())]).unwrap();
        assert!(p.bool("a").unwrap());
        assert_eq!(p.str("id").unwrap(), "path");
        assert!(p.opt_int("a").is_err());
    }

    #[test]
    fn huge_indexes_are_refused() {
        assert!(Params::build(Some("q[999999999]=x"), None, vec![]).is_err());
    }
}
