//! Parsing the `queries` / `search` / `total` parameters of list operations on system
//! collections into [`ListParams`], with each collection's attribute whitelist.

use oxwrite_types::query;

use crate::ports::ListParams;
use crate::{Error, Result, validate};

/// Raw list parameters as the HTTP layer extracted them.
#[derive(Debug, Default, Clone)]
pub struct ListInput {
    pub queries: Vec<String>,
    pub search: Option<String>,
    pub total: Option<bool>,
}

/// Parses and whitelists the queries. `allowed` are the attributes this collection may be
/// filtered and ordered by (the `*_QUERY_ATTRIBUTES` lists of `oxwrite_types::query`).
pub fn params(input: ListInput, allowed: &[&str]) -> Result<ListParams> {
    // appwrite-compat: on non-database lists Appwrite validates `queries` as a parameter, so
    // a bad query is `general_argument_invalid` "Invalid `queries` param: …".
    let bad = |e: query::QueryError| Error::invalid_param("queries", &e.validator_message());
    let queries = query::parse_all(&input.queries).map_err(bad)?;
    // An order without attribute sorts by `$sequence`, which is always allowed.
    let ok = |a: &str| a.is_empty() || allowed.contains(&a);
    query::validate_attributes(&queries, &ok).map_err(bad)?;
    if let Some(s) = &input.search {
        validate::search("search", s)?;
    }
    Ok(ListParams {
        queries,
        search: input.search.filter(|s| !s.trim().is_empty()),
        total: input.total.unwrap_or(true),
    })
}

/// Limit and offset for lists that only page (logs): other queries are refused.
pub fn page(input: &ListInput) -> Result<(u64, u64)> {
    let queries = query::parse_all(&input.queries).map_err(|e| Error::invalid_param("queries", &e.validator_message()))?;
    let (mut limit, mut offset) = (25u64, 0u64);
    for q in &queries {
        let n = q.values.first().and_then(serde_json::Value::as_u64);
        match (q.method, n) {
            (query::Method::Limit, Some(n)) => limit = n.min(5000),
            (query::Method::Offset, Some(n)) => offset = n,
            _ => {
                return Err(Error::invalid_param(
                    "queries",
                    &format!("Invalid query: Method not allowed: {}", q.method.as_str()),
                ));
            }
        }
    }
    Ok((limit, offset))
}
