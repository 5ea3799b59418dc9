//! The Appwrite query language: the AST, its JSON form (`{"method":…,"attribute":…,"values":[…]}`,
//! with `and`/`or`/`elemMatch` nesting query objects in `values`), the limits on a `queries`
//! parameter, the per-method shape rules of utopia-php/database's query validators (with their
//! exact messages), grouping into filters/selection/order/pagination, and the attribute
//! whitelists of Appwrite's non-database list endpoints. It must not look at a table schema
//! (column existence and types, fulltext indexes) or build SQL: those need the schema and live in
//! the store and sql crates, which get [`validate_attributes`] as a hook.

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value};

use crate::id;

/// Most entries in one `queries` parameter (`APP_LIMIT_ARRAY_PARAMS_SIZE`).
pub const MAX_QUERIES: usize = 100;

/// Longest query string, in characters (`APP_LIMIT_ARRAY_ELEMENT_SIZE`).
pub const MAX_QUERY_LENGTH: usize = 4096;

/// Most values one filter may carry (`APP_DATABASE_QUERY_MAX_VALUES`).
pub const MAX_VALUES: usize = 500;

/// Deepest nesting of `and`/`or`/`elemMatch` we accept (a top-level query is depth 0).
// Appwrite sets no limit of its own; the 4096-char cap already bounds real inputs to about 60
// levels. This bound keeps recursion shallow for callers that skip `parse_all`'s length check,
// and is far above anything an app writes by hand.
pub const MAX_NESTING_DEPTH: usize = 16;

/// Page size Appwrite uses when a list request has no `limit` query.
pub const DEFAULT_LIMIT: u64 = 25;

/// Description of the `queries` parameter's validator (`ArrayList(Text(4096), 100)`), reported
/// for too many entries or an empty or over-long entry.
pub const ARGUMENT_MESSAGE: &str = "Value must a valid array no longer than 100 items and Value must be a valid string and at least 1 chars and no longer than 4096 chars";

/// The internal attributes every list endpoint lets a caller filter and order by.
pub const INTERNAL_QUERY_ATTRIBUTES: &[&str] = &["$id", "$createdAt", "$updatedAt", "$sequence"];

// Whitelists of Appwrite's `Validator\Queries\*` classes (1.9.6). Appwrite keeps only those names
// that also exist in the collection's schema, so names it declares but cannot find there are left
// out (noted per list): querying them fails in Appwrite too.

/// `GET /users`.
pub const USERS_QUERY_ATTRIBUTES: &[&str] = &[
    "name",
    "email",
    "phone",
    "status",
    "passwordUpdate",
    "registration",
    "emailVerification",
    "phoneVerification",
    "labels",
    "impersonator",
    "accessedAt",
    "$id",
    "$createdAt",
    "$updatedAt",
    "$sequence",
];

/// `GET /teams`. (Appwrite also declares `billingPlan`, which is not in the teams schema.)
pub const TEAMS_QUERY_ATTRIBUTES: &[&str] = &[
    "name",
    "total",
    "$id",
    "$createdAt",
    "$updatedAt",
    "$sequence",
];

/// `GET /teams/{teamId}/memberships`.
pub const MEMBERSHIPS_QUERY_ATTRIBUTES: &[&str] = &[
    "userId",
    "teamId",
    "invited",
    "joined",
    "confirm",
    "roles",
    "$id",
    "$createdAt",
    "$updatedAt",
    "$sequence",
];

/// `GET /account/identities`, `GET /users/identities`.
pub const IDENTITIES_QUERY_ATTRIBUTES: &[&str] = &[
    "userId",
    "provider",
    "providerUid",
    "providerEmail",
    "providerAccessTokenExpiry",
    "$id",
    "$createdAt",
    "$updatedAt",
    "$sequence",
];

/// `GET /users/{userId}/targets`.
pub const TARGETS_QUERY_ATTRIBUTES: &[&str] = &[
    "userId",
    "providerId",
    "identifier",
    "providerType",
    "$id",
    "$createdAt",
    "$updatedAt",
    "$sequence",
];

/// `GET /tablesdb`.
pub const DATABASES_QUERY_ATTRIBUTES: &[&str] =
    &["name", "$id", "$createdAt", "$updatedAt", "$sequence"];

/// `GET /tablesdb/{databaseId}/tables`. (Appwrite also declares `rowSecurity`, but the schema
/// column is `documentSecurity`, so that query fails in Appwrite.)
pub const TABLES_QUERY_ATTRIBUTES: &[&str] = &[
    "name",
    "enabled",
    "$id",
    "$createdAt",
    "$updatedAt",
    "$sequence",
];

/// `GET /tablesdb/{databaseId}/tables/{tableId}/columns`.
pub const COLUMNS_QUERY_ATTRIBUTES: &[&str] = &[
    "key",
    "type",
    "size",
    "required",
    "array",
    "status",
    "error",
    "$id",
    "$createdAt",
    "$updatedAt",
    "$sequence",
];

/// `GET /tablesdb/{databaseId}/tables/{tableId}/indexes`.
pub const INDEXES_QUERY_ATTRIBUTES: &[&str] = &[
    "key",
    "type",
    "status",
    "attributes",
    "error",
    "$id",
    "$createdAt",
    "$updatedAt",
    "$sequence",
];

/// `GET /tablesdb/transactions`.
pub const TRANSACTIONS_QUERY_ATTRIBUTES: &[&str] = &[
    "status",
    "expiresAt",
    "$id",
    "$createdAt",
    "$updatedAt",
    "$sequence",
];

/// `GET /storage/buckets`.
pub const BUCKETS_QUERY_ATTRIBUTES: &[&str] = &[
    "enabled",
    "name",
    "fileSecurity",
    "maximumFileSize",
    "encryption",
    "antivirus",
    "transformations",
    "$id",
    "$createdAt",
    "$updatedAt",
    "$sequence",
];

/// `GET /storage/buckets/{bucketId}/files`.
pub const FILES_QUERY_ATTRIBUTES: &[&str] = &[
    "name",
    "folder",
    "signature",
    "mimeType",
    "sizeOriginal",
    "chunksTotal",
    "chunksUploaded",
    "$id",
    "$createdAt",
    "$updatedAt",
    "$sequence",
];

/// `GET /functions`. (Appwrite also declares `scheduleNext` and `schedulePrevious`, which are
/// not in the functions schema.)
pub const FUNCTIONS_QUERY_ATTRIBUTES: &[&str] = &[
    "name",
    "enabled",
    "runtime",
    "deploymentId",
    "schedule",
    "timeout",
    "entrypoint",
    "commands",
    "installationId",
    "$id",
    "$createdAt",
    "$updatedAt",
    "$sequence",
];

/// `GET /functions/{functionId}/executions`.
pub const EXECUTIONS_QUERY_ATTRIBUTES: &[&str] = &[
    "trigger",
    "status",
    "responseStatusCode",
    "duration",
    "requestMethod",
    "requestPath",
    "deploymentId",
    "$id",
    "$createdAt",
    "$updatedAt",
    "$sequence",
];

/// `GET /functions/{functionId}/deployments` (this list also allows `select`).
pub const DEPLOYMENTS_QUERY_ATTRIBUTES: &[&str] = &[
    "buildSize",
    "sourceSize",
    "totalSize",
    "buildDuration",
    "status",
    "activate",
    "type",
    "$id",
    "$createdAt",
    "$updatedAt",
    "$sequence",
];

/// `GET /functions/{functionId}/variables`.
pub const VARIABLES_QUERY_ATTRIBUTES: &[&str] = &[
    "key",
    "resourceType",
    "resourceId",
    "secret",
    "$id",
    "$createdAt",
    "$updatedAt",
    "$sequence",
];

/// Project API key lists.
/// `GET /webhooks`.
pub const WEBHOOKS_QUERY_ATTRIBUTES: &[&str] =
    &["name", "url", "authUsername", "tls", "events", "enabled", "logs", "attempts", "$id", "$createdAt", "$updatedAt"];

pub const KEYS_QUERY_ATTRIBUTES: &[&str] = &[
    "expire",
    "accessedAt",
    "name",
    "scopes",
    "$id",
    "$createdAt",
    "$updatedAt",
    "$sequence",
];

/// Attributes `select` always accepts (utopia `Validator\Query\Select::INTERNAL_ATTRIBUTES`).
const SELECT_INTERNAL_ATTRIBUTES: &[&str] = &[
    "$id",
    "$sequence",
    "$createdAt",
    "$updatedAt",
    "$permissions",
    "$collection",
];

/// `number_format(PHP_INT_MAX)`, the upper bound Appwrite prints in limit/offset errors.
const PHP_INT_MAX_FORMATTED: &str = "9,223,372,036,854,775,807";

macro_rules! methods {
    ($($variant:ident => $name:literal,)+) => {
        /// A query method, as named on the wire (utopia-php/database `Query::TYPES`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Method {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )+
        }

        impl Method {
            /// Every method.
            pub const ALL: &'static [Method] = &[$(Method::$variant,)+];

            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Method::$variant => $name,)+
                }
            }

            /// Looks up an exact (case-sensitive) wire name.
            pub fn from_name(name: &str) -> Option<Method> {
                match name {
                    $($name => Some(Method::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

methods! {
    Equal => "equal",
    NotEqual => "notEqual",
    LessThan => "lessThan",
    LessThanEqual => "lessThanEqual",
    GreaterThan => "greaterThan",
    GreaterThanEqual => "greaterThanEqual",
    Contains => "contains",
    ContainsAny => "containsAny",
    ContainsAll => "containsAll",
    NotContains => "notContains",
    Search => "search",
    NotSearch => "notSearch",
    IsNull => "isNull",
    IsNotNull => "isNotNull",
    Between => "between",
    NotBetween => "notBetween",
    StartsWith => "startsWith",
    NotStartsWith => "notStartsWith",
    EndsWith => "endsWith",
    NotEndsWith => "notEndsWith",
    Regex => "regex",
    Exists => "exists",
    NotExists => "notExists",
    ElemMatch => "elemMatch",
    Crosses => "crosses",
    NotCrosses => "notCrosses",
    Intersects => "intersects",
    NotIntersects => "notIntersects",
    Overlaps => "overlaps",
    NotOverlaps => "notOverlaps",
    Touches => "touches",
    NotTouches => "notTouches",
    DistanceEqual => "distanceEqual",
    DistanceNotEqual => "distanceNotEqual",
    DistanceGreaterThan => "distanceGreaterThan",
    DistanceLessThan => "distanceLessThan",
    VectorDot => "vectorDot",
    VectorCosine => "vectorCosine",
    VectorEuclidean => "vectorEuclidean",
    Select => "select",
    OrderAsc => "orderAsc",
    OrderDesc => "orderDesc",
    OrderRandom => "orderRandom",
    Limit => "limit",
    Offset => "offset",
    CursorAfter => "cursorAfter",
    CursorBefore => "cursorBefore",
    And => "and",
    Or => "or",
}

/// Which validator (and which bucket of [`Grouped`]) a method belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MethodKind {
    /// Narrows the result set; includes `and`, `or`, `elemMatch`, spatial and vector methods.
    Filter,
    Select,
    Order,
    Limit,
    Offset,
    Cursor,
}

impl Method {
    pub fn kind(self) -> MethodKind {
        match self {
            Method::Select => MethodKind::Select,
            Method::OrderAsc | Method::OrderDesc | Method::OrderRandom => MethodKind::Order,
            Method::Limit => MethodKind::Limit,
            Method::Offset => MethodKind::Offset,
            Method::CursorAfter | Method::CursorBefore => MethodKind::Cursor,
            _ => MethodKind::Filter,
        }
    }

    /// Whether `values` holds nested query objects rather than operands.
    pub fn is_logical(self) -> bool {
        matches!(self, Method::And | Method::Or | Method::ElemMatch)
    }

    /// Geometry predicates, valid only on point/line/polygon columns.
    pub fn is_spatial(self) -> bool {
        matches!(
            self,
            Method::Crosses
                | Method::NotCrosses
                | Method::Intersects
                | Method::NotIntersects
                | Method::Overlaps
                | Method::NotOverlaps
                | Method::Touches
                | Method::NotTouches
                | Method::DistanceEqual
                | Method::DistanceNotEqual
                | Method::DistanceGreaterThan
                | Method::DistanceLessThan
        )
    }

    /// Vector similarity orderings (vectorsDB).
    pub fn is_vector(self) -> bool {
        matches!(
            self,
            Method::VectorDot | Method::VectorCosine | Method::VectorEuclidean
        )
    }

    /// The name with its first letter upper-cased, as Appwrite's messages print it.
    fn title(self) -> String {
        let name = self.as_str();
        let mut chars = name.chars();
        match chars.next() {
            Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
            None => String::new(),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Method {
    type Err = QueryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Method::from_name(s).ok_or_else(|| QueryError::Syntax(format!("Invalid query method: {s}")))
    }
}

/// A rejected query. The message is Appwrite's text; the variant tells the HTTP layer how
/// Appwrite reports it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// The `queries` parameter itself broke its limits (too many entries, or an entry empty or
    /// too long). Appwrite answers `400 general_argument_invalid` with
    /// "Invalid `queries` param: " followed by this message.
    #[error("{0}")]
    Argument(String),
    /// `Query::parse` refused the string: bad JSON, unknown method, wrong field types. Row and
    /// document lists answer `400 general_query_invalid` with this message as is.
    #[error("{0}")]
    Syntax(String),
    /// A well-formed query broke a method's rules or the endpoint's whitelist. The message
    /// already starts with "Invalid query: " where Appwrite's validator adds it.
    #[error("{0}")]
    Invalid(String),
}

impl QueryError {
    /// The message as row/document list endpoints report it.
    pub fn message(&self) -> &str {
        match self {
            Self::Argument(message) | Self::Syntax(message) | Self::Invalid(message) => message,
        }
    }

    /// The message as Appwrite's `Queries` parameter validator words it, which is what the
    /// non-database lists (users, teams, buckets, …) report after "Invalid `queries` param: ".
    /// That validator wraps parse failures in one more "Invalid query: ".
    pub fn validator_message(&self) -> String {
        match self {
            Self::Syntax(message) => format!("Invalid query: {message}"),
            Self::Argument(message) | Self::Invalid(message) => message.clone(),
        }
    }
}

fn invalid(message: impl fmt::Display) -> QueryError {
    QueryError::Invalid(format!("Invalid query: {message}"))
}

/// One query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub method: Method,
    /// The attribute (column) name. An empty `attribute` on the wire reads as `None`, as
    /// Appwrite does; `orderAsc`/`orderDesc` without one order by `$sequence`.
    pub attribute: Option<String>,
    /// Operands, exactly as sent. Empty for `and`, `or` and `elemMatch`.
    pub values: Vec<Value>,
    /// Sub-queries of `and`, `or` and `elemMatch` (sent as objects inside `values`); empty for
    /// every other method.
    pub nested: Vec<Query>,
}

impl Query {
    /// A non-logical query.
    pub fn new(method: Method, attribute: Option<String>, values: Vec<Value>) -> Self {
        Self {
            method,
            attribute,
            values,
            nested: Vec::new(),
        }
    }

    /// An `and`, `or` or `elemMatch` query over `nested`.
    pub fn logical(method: Method, attribute: Option<String>, nested: Vec<Query>) -> Self {
        Self {
            method,
            attribute,
            values: Vec::new(),
            nested,
        }
    }

    /// Applies the per-method shape rules of Appwrite's validators (value counts, limit/offset
    /// ranges, cursor IDs, `select` lists, what `and`/`or` may contain). Sub-queries are checked
    /// first, as Appwrite does. No schema is consulted.
    pub fn check(&self) -> Result<(), QueryError> {
        for query in &self.nested {
            query.check()?;
        }
        match self.method.kind() {
            MethodKind::Select => check_select(&self.values),
            MethodKind::Limit => check_int(self.values.first(), 1, "limit", "limit").map(drop),
            // appwrite-compat: Appwrite says "Invalid limit" for a non-numeric offset too.
            MethodKind::Offset => check_int(self.values.first(), 0, "limit", "offset").map(drop),
            MethodKind::Cursor => check_cursor(self.values.first()).map(drop),
            MethodKind::Order => Ok(()),
            MethodKind::Filter => check_filter(self),
        }
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&to_json(self))
    }
}

impl FromStr for Query {
    type Err = QueryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

/// Parses one query string and checks its shape ([`Query::check`]). Parameter-level limits are
/// [`parse_all`]'s job.
pub fn parse(s: &str) -> Result<Query, QueryError> {
    let query = decode(s)?;
    query.check()?;
    Ok(query)
}

/// Parses a `queries` parameter the way a row list does: the parameter limits first (at most
/// [`MAX_QUERIES`] entries of 1..=[`MAX_QUERY_LENGTH`] chars), then every string is decoded, then
/// every query is checked in order, then at most one vector query may appear.
pub fn parse_all(list: &[String]) -> Result<Vec<Query>, QueryError> {
    let bad_entry = |s: &String| {
        // Appwrite's Text validator counts characters (mb_strlen), not bytes.
        s.is_empty() || s.chars().nth(MAX_QUERY_LENGTH).is_some()
    };
    if list.len() > MAX_QUERIES || list.iter().any(bad_entry) {
        return Err(QueryError::Argument(ARGUMENT_MESSAGE.to_owned()));
    }
    let queries = list
        .iter()
        .map(|s| decode(s))
        .collect::<Result<Vec<_>, _>>()?;
    for query in &queries {
        query.check()?;
    }
    if count_vector_queries(&queries) > 1 {
        return Err(QueryError::Invalid(
            "Cannot use multiple vector queries in a single request".to_owned(),
        ));
    }
    Ok(queries)
}

fn count_vector_queries(queries: &[Query]) -> usize {
    queries
        .iter()
        .map(|query| usize::from(query.method.is_vector()) + count_vector_queries(&query.nested))
        .sum()
}

/// Serializes a query the way the SDKs do: keys in the order method, attribute, values, with
/// `attribute` omitted when absent and `values` omitted when empty (e.g. `{"method":"orderRandom"}`).
pub fn to_json(query: &Query) -> String {
    let mut out = String::new();
    write_json(query, &mut out);
    out
}

fn write_json(query: &Query, out: &mut String) {
    // serde_json's Map sorts keys, so the object is written by hand to keep the SDK's key order.
    out.push_str("{\"method\":");
    out.push_str(&Value::from(query.method.as_str()).to_string());
    if let Some(attribute) = &query.attribute {
        out.push_str(",\"attribute\":");
        out.push_str(&Value::from(attribute.as_str()).to_string());
    }
    if query.method.is_logical() {
        if !query.nested.is_empty() {
            out.push_str(",\"values\":[");
            for (i, nested) in query.nested.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(nested, out);
            }
            out.push(']');
        }
    } else if !query.values.is_empty() {
        out.push_str(",\"values\":[");
        for (i, value) in query.values.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&value.to_string());
        }
        out.push(']');
    }
    out.push('}');
}

/// `Query::parse`: JSON to AST, without shape checks.
fn decode(s: &str) -> Result<Query, QueryError> {
    let value: Value = serde_json::from_str(s).map_err(|err| json_error(&err))?;
    decode_node(&value, 0)
}

/// Maps a JSON error to the PHP `json_last_error_msg()` text Appwrite would show.
fn json_error(err: &serde_json::Error) -> QueryError {
    let text = err.to_string();
    let reason = if text.contains("recursion limit") {
        "Maximum stack depth exceeded"
    } else if text.contains("control character") {
        "Control character error, possibly incorrectly encoded"
    } else if text.contains("surrogate") {
        "Single unpaired UTF-16 surrogate in unicode escape"
    } else {
        "Syntax error"
    };
    QueryError::Syntax(format!("Invalid query: {reason}"))
}

/// PHP's `gettype()` of what `json_decode(…, true)` makes of a JSON value.
fn php_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NULL",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() => "integer",
        Value::Number(_) => "double",
        Value::String(_) => "string",
        Value::Array(_) | Value::Object(_) => "array",
    }
}

/// PHP's `get_debug_type()` of the same, used by the `select` validator.
fn php_debug_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() => "int",
        Value::Number(_) => "float",
        Value::String(_) => "string",
        Value::Array(_) | Value::Object(_) => "array",
    }
}

/// `Query::parseQuery` on one decoded node.
fn decode_node(node: &Value, depth: usize) -> Result<Query, QueryError> {
    let empty = Map::new();
    let map = match node {
        Value::Object(map) => map,
        // appwrite-compat: PHP decodes a JSON list to an array with no "method" key, so it
        // fails below as an empty method rather than as a type error.
        Value::Array(_) => &empty,
        other => {
            return Err(QueryError::Syntax(format!(
                "Invalid query. Must be an array, got {}",
                php_type(other)
            )));
        }
    };
    // Missing and null fields read as their defaults, as PHP's `??` does.
    let method = match map.get("method") {
        None | Some(Value::Null) => "",
        Some(Value::String(method)) => method.as_str(),
        Some(other) => {
            return Err(QueryError::Syntax(format!(
                "Invalid query method. Must be a string, got {}",
                php_type(other)
            )));
        }
    };
    let method: Method = method.parse()?;
    let attribute = match map.get("attribute") {
        None | Some(Value::Null) => None,
        Some(Value::String(attribute)) if attribute.is_empty() => None,
        Some(Value::String(attribute)) => Some(attribute.clone()),
        Some(other) => {
            return Err(QueryError::Syntax(format!(
                "Invalid query attribute. Must be a string, got {}",
                php_type(other)
            )));
        }
    };
    let values = match map.get("values") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(values)) => values.clone(),
        // PHP would take a JSON object here as an array of its values; no SDK sends one, and
        // its key order would not survive a round trip, so it is refused.
        Some(Value::Object(_)) => {
            return Err(QueryError::Syntax(
                "Invalid query values. Must be an array, got object".to_owned(),
            ));
        }
        Some(other) => {
            return Err(QueryError::Syntax(format!(
                "Invalid query values. Must be an array, got {}",
                php_type(other)
            )));
        }
    };
    // Appwrite's Query constructor turns an empty order attribute into the insertion order.
    let attribute = match (method, attribute) {
        (Method::OrderAsc | Method::OrderDesc, None) => Some("$sequence".to_owned()),
        (_, attribute) => attribute,
    };
    if !method.is_logical() {
        return Ok(Query::new(method, attribute, values));
    }
    if depth >= MAX_NESTING_DEPTH && !values.is_empty() {
        return Err(QueryError::Syntax(format!(
            "Invalid query: nesting is limited to {MAX_NESTING_DEPTH} levels"
        )));
    }
    let nested = values
        .iter()
        .map(|value| decode_node(value, depth + 1))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Query::logical(method, attribute, nested))
}

/// What PHP makes of a limit/offset value: `is_numeric()`, then `$value + 0` must be an int.
enum PhpInt {
    NotNumeric,
    /// Numeric but not an integer (a float, or an integer beyond i64).
    NotInt,
    Int(i64),
}

fn php_int(value: Option<&Value>) -> PhpInt {
    match value {
        Some(Value::Number(n)) => match n.as_i64() {
            Some(i) => PhpInt::Int(i),
            // json_decode turns 2.0, 1e3 and integers past i64 into floats.
            None => PhpInt::NotInt,
        },
        // appwrite-compat: Appwrite accepts numeric strings such as "25" (is_numeric), with
        // PHP's leading and trailing whitespace allowed.
        Some(Value::String(s)) => php_numeric_string(s),
        _ => PhpInt::NotNumeric,
    }
}

fn php_numeric_string(s: &str) -> PhpInt {
    let t = s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{0b}' | '\u{0c}'));
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if digits(unsigned) {
        return match t.parse::<i64>() {
            Ok(i) => PhpInt::Int(i),
            // Integer strings past i64 become floats in PHP.
            Err(_) => PhpInt::NotInt,
        };
    }
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => {
            (whole.is_empty() || digits(whole))
                && (fraction.is_empty() || digits(fraction))
                && !(whole.is_empty() && fraction.is_empty())
        }
        None => digits(mantissa),
    };
    let exponent_ok = match exponent {
        Some(exponent) => digits(exponent.strip_prefix(['+', '-']).unwrap_or(exponent)),
        None => true,
    };
    if mantissa_ok && exponent_ok {
        PhpInt::NotInt
    } else {
        PhpInt::NotNumeric
    }
}

/// Appwrite's `Limit`/`Offset` validators: `Numeric`, then `Range(min, PHP_INT_MAX)`.
fn check_int(
    value: Option<&Value>,
    min: i64,
    numeric_label: &str,
    range_label: &str,
) -> Result<u64, QueryError> {
    let out_of_range = || {
        invalid(format!(
            "Invalid {range_label}: Value must be a valid range between {min} and {PHP_INT_MAX_FORMATTED}"
        ))
    };
    match php_int(value) {
        PhpInt::NotNumeric => Err(invalid(format!(
            "Invalid {numeric_label}: Value must be a valid number"
        ))),
        PhpInt::NotInt => Err(out_of_range()),
        PhpInt::Int(i) if i < min => Err(out_of_range()),
        PhpInt::Int(i) => u64::try_from(i).map_err(|_| out_of_range()),
    }
}

/// Appwrite's `Cursor` validator: the first value must be a valid ID.
fn check_cursor(value: Option<&Value>) -> Result<String, QueryError> {
    match value {
        Some(Value::String(id)) if id::is_valid_key(id, id::MAX_ID_LEN) => Ok(id.clone()),
        _ => Err(invalid(format!("Invalid cursor: {}", id::UID_MESSAGE))),
    }
}

/// Appwrite's `Select` validator, minus the schema lookup.
fn check_select(values: &[Value]) -> Result<(), QueryError> {
    if values.is_empty() {
        return Err(invalid("No attributes selected"));
    }
    let mut names: Vec<&str> = Vec::with_capacity(values.len());
    for value in values {
        match value {
            Value::String(name) => names.push(name),
            other => {
                return Err(invalid(format!(
                    "Attribute selection must be a string, got {}",
                    php_debug_type(other)
                )));
            }
        }
    }
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(invalid("Duplicate attributes selected"));
        }
    }
    Ok(())
}

/// Appwrite's `Filter::isEmpty`: no values, or a first value that is an empty array.
fn is_empty(values: &[Value]) -> bool {
    match values.first() {
        None => true,
        Some(Value::Array(items)) => items.is_empty(),
        Some(Value::Object(items)) => items.is_empty(),
        Some(_) => false,
    }
}

/// Appwrite's `Filter` validator, minus the schema lookups.
fn check_filter(query: &Query) -> Result<(), QueryError> {
    let method = query.method;
    let values = &query.values;
    match method {
        Method::Equal
        | Method::Contains
        | Method::ContainsAny
        | Method::NotContains
        | Method::ContainsAll
        | Method::Exists
        | Method::NotExists => {
            if is_empty(values) {
                return Err(invalid(format!(
                    "{} queries require at least one value.",
                    method.title()
                )));
            }
            // exists/notExists name their attributes in `values`; Appwrite leaves the check of
            // those (and of the empty `attribute`) to the schema lookup.
            if matches!(method, Method::Exists | Method::NotExists) {
                return Ok(());
            }
            check_attribute_and_values(query)
        }
        Method::DistanceEqual
        | Method::DistanceNotEqual
        | Method::DistanceGreaterThan
        | Method::DistanceLessThan => {
            let shaped = values.len() == 1
                && match values.first() {
                    Some(Value::Array(items)) => items.len() == 3,
                    Some(Value::Object(items)) => items.len() == 3,
                    _ => false,
                };
            if !shaped {
                return Err(invalid(
                    "Distance query requires [[geometry, distance]] parameters",
                ));
            }
            check_attribute_and_values(query)
        }
        Method::NotEqual
        | Method::LessThan
        | Method::LessThanEqual
        | Method::GreaterThan
        | Method::GreaterThanEqual
        | Method::Search
        | Method::NotSearch
        | Method::StartsWith
        | Method::NotStartsWith
        | Method::EndsWith
        | Method::NotEndsWith
        | Method::Regex => {
            if values.len() != 1 {
                return Err(invalid(format!(
                    "{} queries require exactly one value.",
                    method.title()
                )));
            }
            check_attribute_and_values(query)
        }
        Method::Between | Method::NotBetween => {
            if values.len() != 2 {
                return Err(invalid(format!(
                    "{} queries require exactly two values.",
                    method.title()
                )));
            }
            check_attribute_and_values(query)
        }
        Method::IsNull | Method::IsNotNull => check_attribute_and_values(query),
        Method::VectorDot | Method::VectorCosine | Method::VectorEuclidean => {
            // Appwrite looks the attribute up before it counts values.
            check_attribute(query)?;
            if values.len() != 1 {
                return Err(invalid(format!(
                    "{} queries require exactly one vector value.",
                    method.title()
                )));
            }
            check_attribute_and_values(query)
        }
        Method::And | Method::Or => {
            if query
                .nested
                .iter()
                .any(|nested| nested.method.kind() != MethodKind::Filter)
            {
                return Err(invalid(format!(
                    "{} queries can only contain filter queries",
                    method.title()
                )));
            }
            if query.nested.len() < 2 {
                return Err(invalid(format!(
                    "{} queries require at least two queries",
                    method.title()
                )));
            }
            Ok(())
        }
        // appwrite-compat: utopia only runs elemMatch on schemaless adapters (MongoDB); every
        // SQL-backed Appwrite, like us, refuses it with this message.
        Method::ElemMatch => Err(invalid("elemMatch is not supported by the database")),
        Method::Crosses
        | Method::NotCrosses
        | Method::Intersects
        | Method::NotIntersects
        | Method::Overlaps
        | Method::NotOverlaps
        | Method::Touches
        | Method::NotTouches => {
            if is_empty(values) {
                return Err(invalid(format!(
                    "{} queries require at least one value.",
                    method.title()
                )));
            }
            check_attribute_and_values(query)
        }
        // Not filters; `check` never sends them here.
        Method::Select
        | Method::OrderAsc
        | Method::OrderDesc
        | Method::OrderRandom
        | Method::Limit
        | Method::Offset
        | Method::CursorAfter
        | Method::CursorBefore => Ok(()),
    }
}

/// A filter needs an attribute. Appwrite finds none and reports the schema miss for "".
fn check_attribute(query: &Query) -> Result<&str, QueryError> {
    match query.attribute.as_deref() {
        Some(attribute) => Ok(attribute),
        None => Err(invalid("Attribute not found in schema: ")),
    }
}

fn check_attribute_and_values(query: &Query) -> Result<(), QueryError> {
    let attribute = check_attribute(query)?;
    if query.values.len() > MAX_VALUES {
        return Err(invalid(format!(
            "Query on attribute has greater than {MAX_VALUES} values: {attribute}"
        )));
    }
    Ok(())
}

/// Refuses any query (nested ones included) whose method `allowed` rejects, with Appwrite's
/// "Invalid query method: …". Non-database lists allow every method but `select` (deployments
/// allow it too).
pub fn validate_methods(
    queries: &[Query],
    allowed: &dyn Fn(Method) -> bool,
) -> Result<(), QueryError> {
    for query in queries {
        validate_methods(&query.nested, allowed)?;
        if !allowed(query.method) {
            return Err(QueryError::Invalid(format!(
                "Invalid query method: {}",
                query.method
            )));
        }
    }
    Ok(())
}

/// Checks every attribute the queries name against a whitelist, walking into `and`/`or`, with
/// Appwrite's "Invalid query: Attribute not found in schema: …". Filters (including
/// `exists`/`notExists`, whose own attribute is empty, as in Appwrite) and `orderAsc`/`orderDesc`
/// are checked by their attribute; `select` by each name (or the part before the first `.`),
/// where `*` and the internal `$` attributes always pass.
pub fn validate_attributes(
    queries: &[Query],
    allowed: &dyn Fn(&str) -> bool,
) -> Result<(), QueryError> {
    let not_found = |name: &str| invalid(format!("Attribute not found in schema: {name}"));
    for query in queries {
        match query.method.kind() {
            MethodKind::Filter | MethodKind::Order => {
                if matches!(query.method, Method::And | Method::Or | Method::OrderRandom) {
                    validate_attributes(&query.nested, allowed)?;
                    continue;
                }
                let attribute = query.attribute.as_deref().unwrap_or("");
                if !allowed(attribute) {
                    return Err(not_found(attribute));
                }
                validate_attributes(&query.nested, allowed)?;
            }
            MethodKind::Select => {
                for value in &query.values {
                    let Value::String(name) = value else { continue };
                    let top = name.split('.').next().unwrap_or(name);
                    let passes = name == "*"
                        || SELECT_INTERNAL_ATTRIBUTES.contains(&top)
                        || allowed(name)
                        || allowed(top);
                    if !passes {
                        return Err(not_found(top));
                    }
                }
            }
            MethodKind::Limit | MethodKind::Offset | MethodKind::Cursor => {}
        }
    }
    Ok(())
}

/// Sort direction of an `orderAsc`/`orderDesc` query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Order {
    Asc,
    Desc,
}

/// Which side of the cursor row a page lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CursorDirection {
    After,
    Before,
}

/// Queries sorted by role, as utopia's `Query::groupByType` does.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grouped {
    /// Every filter (including `and`/`or`), in request order.
    pub filters: Vec<Query>,
    /// The names of all `select` queries, concatenated; empty means "everything".
    pub selections: Vec<String>,
    /// `orderAsc`/`orderDesc` in request order.
    pub orders: Vec<(String, Order)>,
    /// Whether an `orderRandom` was given.
    pub order_random: bool,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    /// The cursor row ID and direction.
    pub cursor: Option<(CursorDirection, String)>,
}

/// Splits queries into filters, selection, order and pagination. As in Appwrite, only the
/// first `limit`, the first `offset` and the first cursor count; later ones are ignored. Fails
/// only on values that [`Query::check`] would also refuse.
pub fn group(queries: Vec<Query>) -> Result<Grouped, QueryError> {
    let mut grouped = Grouped::default();
    for query in queries {
        match query.method {
            Method::OrderAsc | Method::OrderDesc => {
                let direction = if query.method == Method::OrderAsc {
                    Order::Asc
                } else {
                    Order::Desc
                };
                let attribute = query.attribute.unwrap_or_else(|| "$sequence".to_owned());
                grouped.orders.push((attribute, direction));
            }
            Method::OrderRandom => grouped.order_random = true,
            Method::Limit => {
                if grouped.limit.is_none() {
                    grouped.limit = Some(check_int(query.values.first(), 1, "limit", "limit")?);
                }
            }
            Method::Offset => {
                if grouped.offset.is_none() {
                    grouped.offset = Some(check_int(query.values.first(), 0, "limit", "offset")?);
                }
            }
            Method::CursorAfter | Method::CursorBefore => {
                if grouped.cursor.is_none() {
                    let direction = if query.method == Method::CursorAfter {
                        CursorDirection::After
                    } else {
                        CursorDirection::Before
                    };
                    grouped.cursor = Some((direction, check_cursor(query.values.first())?));
                }
            }
            Method::Select => {
                check_select(&query.values)?;
                grouped.selections.extend(
                    query
                        .values
                        .iter()
                        .filter_map(|value| value.as_str().map(str::to_owned)),
                );
            }
            _ => grouped.filters.push(query),
        }
    }
    Ok(grouped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn ok(s: &str) -> Query {
        parse(s).unwrap_or_else(|err| panic!("{s}: {err}"))
    }

    fn err(s: &str) -> String {
        parse(s).unwrap_err().to_string()
    }

    fn owned(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    // Strings exactly as node-appwrite 27.1.0's Query helpers print them.
    const SDK: &[&str] = &[
        r#"{"method":"limit","values":[25]}"#,
        r#"{"method":"offset","values":[0]}"#,
        r#"{"method":"equal","attribute":"name","values":["a"]}"#,
        r#"{"method":"notEqual","attribute":"name","values":["a"]}"#,
        r#"{"method":"orderRandom"}"#,
        r#"{"method":"orderAsc","attribute":"name"}"#,
        r#"{"method":"orderDesc","attribute":""}"#,
        r#"{"method":"orderAsc"}"#,
        r#"{"method":"cursorAfter","values":["abc"]}"#,
        r#"{"method":"select","values":["name","$id"]}"#,
        r#"{"method":"isNull","attribute":"x"}"#,
        r#"{"method":"between","attribute":"age","values":[1,10]}"#,
        r#"{"method":"exists","values":["a","b"]}"#,
        r#"{"method":"notExists","values":["a"]}"#,
        r#"{"method":"or","values":[{"method":"equal","attribute":"a","values":[1]},{"method":"lessThan","attribute":"b","values":[2.5]}]}"#,
        r#"{"method":"and","values":[{"method":"equal","attribute":"a","values":[true]},{"method":"or","values":[{"method":"isNull","attribute":"c"},{"method":"startsWith","attribute":"d","values":["x"]}]}]}"#,
        r#"{"method":"distanceLessThan","attribute":"loc","values":[[[1,2],100,true]]}"#,
        r#"{"method":"intersects","attribute":"loc","values":[[[0,0],[1,1]]]}"#,
        r#"{"method":"vectorDot","attribute":"v","values":[[0.1,0.2]]}"#,
        r#"{"method":"lessThan","attribute":"$createdAt","values":["2024-01-01T00:00:00.000+00:00"]}"#,
        r#"{"method":"search","attribute":"name","values":["foo bar"]}"#,
        r#"{"method":"contains","attribute":"tags","values":["a","b"]}"#,
        r#"{"method":"regex","attribute":"n","values":["^a"]}"#,
    ];

    #[test]
    fn accepts_everything_the_sdk_prints() {
        for s in SDK {
            let query = ok(s);
            assert_eq!(ok(&to_json(&query)), query, "{s}");
        }
        let all = SDK
            .iter()
            .map(|s| (*s).to_owned())
            .filter(|s| !s.contains("vector"))
            .collect::<Vec<_>>();
        assert_eq!(parse_all(&all).unwrap().len(), all.len());
    }

    #[test]
    fn prints_like_the_sdk() {
        for s in [
            r#"{"method":"limit","values":[25]}"#,
            r#"{"method":"equal","attribute":"name","values":["a"]}"#,
            r#"{"method":"orderRandom"}"#,
            r#"{"method":"orderAsc","attribute":"name"}"#,
            r#"{"method":"isNull","attribute":"x"}"#,
            r#"{"method":"select","values":["name","$id"]}"#,
            r#"{"method":"or","values":[{"method":"equal","attribute":"a","values":[1]},{"method":"lessThan","attribute":"b","values":[2.5]}]}"#,
        ] {
            assert_eq!(to_json(&ok(s)), s);
        }
        // The default order attribute is spelled out.
        assert_eq!(
            to_json(&ok(r#"{"method":"orderDesc","attribute":""}"#)),
            r#"{"method":"orderDesc","attribute":"$sequence"}"#
        );
    }

    #[test]
    fn decodes_fields() {
        let query = ok(r#"{"method":"equal","attribute":"name","values":["a",1,null]}"#);
        assert_eq!(
            query,
            Query::new(
                Method::Equal,
                Some("name".into()),
                vec![json!("a"), json!(1), json!(null)]
            )
        );
        let query = ok(
            r#"{"method":"or","values":[{"method":"equal","attribute":"a","values":[1]},{"method":"isNull","attribute":"b"}]}"#,
        );
        assert_eq!(query.method, Method::Or);
        assert!(query.values.is_empty());
        assert_eq!(query.nested.len(), 2);
        assert_eq!(
            query.nested[1],
            Query::new(Method::IsNull, Some("b".into()), vec![])
        );
        assert_eq!(
            ok(r#"{"method":"orderAsc"}"#).attribute.as_deref(),
            Some("$sequence")
        );
        // Null fields read as absent; unknown keys are ignored; whitespace is JSON's business.
        assert_eq!(
            ok(r#" { "method" : "isNull" , "attribute" : "x" , "values" : null , "extra": 1 } "#),
            Query::new(Method::IsNull, Some("x".into()), vec![])
        );
    }

    #[test]
    fn method_names_round_trip() {
        assert_eq!(Method::ALL.len(), 49);
        for method in Method::ALL {
            assert_eq!(method.as_str().parse::<Method>().unwrap(), *method);
        }
        assert!("Equal".parse::<Method>().is_err());
        assert_eq!(Method::LessThanEqual.title(), "LessThanEqual");
    }

    #[test]
    fn syntax_errors() {
        assert_eq!(err("not json"), "Invalid query: Syntax error");
        assert_eq!(err(""), "Invalid query: Syntax error");
        assert_eq!(err(r#"{"method":"limit""#), "Invalid query: Syntax error");
        assert_eq!(
            err("\"limit\""),
            "Invalid query. Must be an array, got string"
        );
        assert_eq!(err("5"), "Invalid query. Must be an array, got integer");
        assert_eq!(err("null"), "Invalid query. Must be an array, got NULL");
        assert_eq!(err("[1,2]"), "Invalid query method: ");
        assert_eq!(err("{}"), "Invalid query method: ");
        assert_eq!(err(r#"{"method":"foo"}"#), "Invalid query method: foo");
        assert_eq!(err(r#"{"method":"Equal"}"#), "Invalid query method: Equal");
        assert_eq!(
            err(r#"{"method":1}"#),
            "Invalid query method. Must be a string, got integer"
        );
        assert_eq!(
            err(r#"{"method":"equal","attribute":2.5,"values":[1]}"#),
            "Invalid query attribute. Must be a string, got double"
        );
        assert_eq!(
            err(r#"{"method":"equal","attribute":"a","values":"x"}"#),
            "Invalid query values. Must be an array, got string"
        );
        assert_eq!(
            err(r#"{"method":"or","values":["x",{"method":"isNull","attribute":"a"}]}"#),
            "Invalid query. Must be an array, got string"
        );
        assert_eq!(
            err(
                r#"{"method":"or","values":[{"method":"nope"},{"method":"isNull","attribute":"a"}]}"#
            ),
            "Invalid query method: nope"
        );
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert_eq!(err(&deep), "Invalid query: Maximum stack depth exceeded");
        assert!(matches!(parse("x").unwrap_err(), QueryError::Syntax(_)));
    }

    #[test]
    fn nesting_is_bounded() {
        let leaf = r#"{"method":"isNull","attribute":"a"}"#.to_owned();
        let mut query = leaf.clone();
        for _ in 0..MAX_NESTING_DEPTH {
            query = format!(r#"{{"method":"and","values":[{query},{leaf}]}}"#);
        }
        assert!(parse(&query).is_ok());
        let deeper = format!(r#"{{"method":"and","values":[{query},{leaf}]}}"#);
        assert_eq!(
            parse(&deeper).unwrap_err().to_string(),
            "Invalid query: nesting is limited to 16 levels"
        );
    }

    #[test]
    fn limit_shapes() {
        assert!(parse(r#"{"method":"limit","values":[1]}"#).is_ok());
        assert!(parse(r#"{"method":"limit","values":[9223372036854775807]}"#).is_ok());
        // appwrite-compat: numeric strings pass, and only the first value counts.
        assert!(parse(r#"{"method":"limit","values":["25"]}"#).is_ok());
        assert!(parse(r#"{"method":"limit","values":[" 25 "]}"#).is_ok());
        assert!(parse(r#"{"method":"limit","values":[5, "x"]}"#).is_ok());
        let range = "Invalid query: Invalid limit: Value must be a valid range between 1 and 9,223,372,036,854,775,807";
        let number = "Invalid query: Invalid limit: Value must be a valid number";
        assert_eq!(err(r#"{"method":"limit","values":[0]}"#), range);
        assert_eq!(err(r#"{"method":"limit","values":[-1]}"#), range);
        assert_eq!(err(r#"{"method":"limit","values":[2.5]}"#), range);
        assert_eq!(err(r#"{"method":"limit","values":[25.0]}"#), range);
        assert_eq!(err(r#"{"method":"limit","values":[1e2]}"#), range);
        assert_eq!(err(r#"{"method":"limit","values":["1e2"]}"#), range);
        assert_eq!(err(r#"{"method":"limit","values":["2.5"]}"#), range);
        assert_eq!(
            err(r#"{"method":"limit","values":[9223372036854775808]}"#),
            range
        );
        assert_eq!(
            err(r#"{"method":"limit","values":["99999999999999999999"]}"#),
            range
        );
        assert_eq!(err(r#"{"method":"limit"}"#), number);
        assert_eq!(err(r#"{"method":"limit","values":[]}"#), number);
        assert_eq!(err(r#"{"method":"limit","values":[null]}"#), number);
        assert_eq!(err(r#"{"method":"limit","values":[true]}"#), number);
        assert_eq!(err(r#"{"method":"limit","values":["ten"]}"#), number);
        assert_eq!(err(r#"{"method":"limit","values":["0x1A"]}"#), number);
        assert_eq!(err(r#"{"method":"limit","values":[[5]]}"#), number);
    }

    #[test]
    fn offset_shapes() {
        assert!(parse(r#"{"method":"offset","values":[0]}"#).is_ok());
        assert!(parse(r#"{"method":"offset","values":[5000]}"#).is_ok());
        assert_eq!(
            err(r#"{"method":"offset","values":[-1]}"#),
            "Invalid query: Invalid offset: Value must be a valid range between 0 and 9,223,372,036,854,775,807"
        );
        // appwrite-compat: Appwrite's offset validator says "limit" here.
        assert_eq!(
            err(r#"{"method":"offset","values":["x"]}"#),
            "Invalid query: Invalid limit: Value must be a valid number"
        );
    }

    #[test]
    fn cursor_shapes() {
        assert!(parse(r#"{"method":"cursorAfter","values":["abc"]}"#).is_ok());
        assert!(parse(r#"{"method":"cursorBefore","values":["6553f1001e240abcdef0"]}"#).is_ok());
        let message = "Invalid query: Invalid cursor: UID must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, and underscore. Can't start with a leading underscore";
        for bad in [
            r#"{"method":"cursorAfter"}"#,
            r#"{"method":"cursorAfter","values":[1]}"#,
            r#"{"method":"cursorAfter","values":["_abc"]}"#,
            r#"{"method":"cursorBefore","values":[""]}"#,
            r#"{"method":"cursorBefore","values":["a b"]}"#,
        ] {
            assert_eq!(err(bad), message, "{bad}");
        }
    }

    #[test]
    fn order_shapes() {
        assert_eq!(
            ok(r#"{"method":"orderRandom"}"#),
            Query::new(Method::OrderRandom, None, vec![])
        );
        assert_eq!(
            ok(r#"{"method":"orderDesc","attribute":"name"}"#)
                .attribute
                .as_deref(),
            Some("name")
        );
    }

    #[test]
    fn select_shapes() {
        assert!(parse(r#"{"method":"select","values":["*"]}"#).is_ok());
        assert_eq!(
            err(r#"{"method":"select"}"#),
            "Invalid query: No attributes selected"
        );
        assert_eq!(
            err(r#"{"method":"select","values":[]}"#),
            "Invalid query: No attributes selected"
        );
        assert_eq!(
            err(r#"{"method":"select","values":["a",1]}"#),
            "Invalid query: Attribute selection must be a string, got int"
        );
        assert_eq!(
            err(r#"{"method":"select","values":[["a"]]}"#),
            "Invalid query: Attribute selection must be a string, got array"
        );
        assert_eq!(
            err(r#"{"method":"select","values":["a","b","a"]}"#),
            "Invalid query: Duplicate attributes selected"
        );
    }

    #[test]
    fn filter_value_counts() {
        assert!(parse(r#"{"method":"equal","attribute":"a","values":["x","y"]}"#).is_ok());
        assert_eq!(
            err(r#"{"method":"equal","attribute":"name","values":[]}"#),
            "Invalid query: Equal queries require at least one value."
        );
        assert_eq!(
            err(r#"{"method":"equal","attribute":"name","values":[[]]}"#),
            "Invalid query: Equal queries require at least one value."
        );
        assert_eq!(
            err(r#"{"method":"containsAny","attribute":"t"}"#),
            "Invalid query: ContainsAny queries require at least one value."
        );
        assert_eq!(
            err(r#"{"method":"exists"}"#),
            "Invalid query: Exists queries require at least one value."
        );
        assert_eq!(
            err(r#"{"method":"notEqual","attribute":"a","values":["x","y"]}"#),
            "Invalid query: NotEqual queries require exactly one value."
        );
        assert_eq!(
            err(r#"{"method":"greaterThanEqual","attribute":"a"}"#),
            "Invalid query: GreaterThanEqual queries require exactly one value."
        );
        assert_eq!(
            err(r#"{"method":"between","attribute":"a","values":[1]}"#),
            "Invalid query: Between queries require exactly two values."
        );
        assert_eq!(
            err(r#"{"method":"notBetween","attribute":"a","values":[1,2,3]}"#),
            "Invalid query: NotBetween queries require exactly two values."
        );
        // isNull ignores values, as Appwrite does.
        assert!(parse(r#"{"method":"isNotNull","attribute":"a","values":[1]}"#).is_ok());
    }

    #[test]
    fn filters_need_an_attribute() {
        for bad in [
            r#"{"method":"equal","values":["x"]}"#,
            r#"{"method":"equal","attribute":"","values":["x"]}"#,
            r#"{"method":"isNull"}"#,
            r#"{"method":"between","values":[1,2]}"#,
            r#"{"method":"vectorCosine","values":[[1]]}"#,
        ] {
            assert_eq!(
                err(bad),
                "Invalid query: Attribute not found in schema: ",
                "{bad}"
            );
        }
    }

    #[test]
    fn value_limit() {
        let values = vec!["1"; MAX_VALUES].join(",");
        assert!(
            parse(&format!(
                r#"{{"method":"equal","attribute":"n","values":[{values}]}}"#
            ))
            .is_ok()
        );
        let values = vec!["1"; MAX_VALUES + 1].join(",");
        assert_eq!(
            err(&format!(
                r#"{{"method":"equal","attribute":"n","values":[{values}]}}"#
            )),
            "Invalid query: Query on attribute has greater than 500 values: n"
        );
    }

    #[test]
    fn spatial_and_vector_shapes() {
        assert_eq!(
            err(r#"{"method":"crosses","attribute":"l"}"#),
            "Invalid query: Crosses queries require at least one value."
        );
        assert_eq!(
            err(r#"{"method":"notTouches","attribute":"l","values":[[]]}"#),
            "Invalid query: NotTouches queries require at least one value."
        );
        let distance = "Invalid query: Distance query requires [[geometry, distance]] parameters";
        assert_eq!(
            err(r#"{"method":"distanceEqual","attribute":"l","values":[[[1,2],100]]}"#),
            distance
        );
        assert_eq!(
            err(r#"{"method":"distanceEqual","attribute":"l","values":[[1,2],100,true]}"#),
            distance
        );
        assert_eq!(
            err(r#"{"method":"vectorEuclidean","attribute":"v","values":[[1],[2]]}"#),
            "Invalid query: VectorEuclidean queries require exactly one vector value."
        );
        let two_vectors = owned(&[
            r#"{"method":"vectorDot","attribute":"v","values":[[1]]}"#,
            r#"{"method":"or","values":[{"method":"vectorCosine","attribute":"v","values":[[1]]},{"method":"isNull","attribute":"a"}]}"#,
        ]);
        assert_eq!(
            parse_all(&two_vectors).unwrap_err().to_string(),
            "Cannot use multiple vector queries in a single request"
        );
    }

    #[test]
    fn logical_shapes() {
        assert_eq!(
            err(r#"{"method":"and","values":[{"method":"isNull","attribute":"a"}]}"#),
            "Invalid query: And queries require at least two queries"
        );
        assert_eq!(
            err(r#"{"method":"or"}"#),
            "Invalid query: Or queries require at least two queries"
        );
        assert_eq!(
            err(
                r#"{"method":"or","values":[{"method":"isNull","attribute":"a"},{"method":"limit","values":[1]}]}"#
            ),
            "Invalid query: Or queries can only contain filter queries"
        );
        // Sub-queries are checked before their parent.
        assert_eq!(
            err(r#"{"method":"or","values":[{"method":"equal","attribute":"a","values":[]}]}"#),
            "Invalid query: Equal queries require at least one value."
        );
        assert_eq!(
            err(
                r#"{"method":"elemMatch","attribute":"items","values":[{"method":"equal","attribute":"a","values":[1]}]}"#
            ),
            "Invalid query: elemMatch is not supported by the database"
        );
    }

    #[test]
    fn parameter_limits() {
        let argument = |list: &[String]| match parse_all(list) {
            Err(QueryError::Argument(message)) => message,
            other => panic!("{other:?}"),
        };
        let limit = r#"{"method":"limit","values":[1]}"#.to_owned();
        assert_eq!(
            parse_all(&vec![limit.clone(); MAX_QUERIES]).unwrap().len(),
            100
        );
        assert_eq!(argument(&vec![limit; MAX_QUERIES + 1]), ARGUMENT_MESSAGE);
        assert_eq!(argument(&[String::new()]), ARGUMENT_MESSAGE);
        let pad = "é".repeat(MAX_QUERY_LENGTH - 60);
        let long = format!(r#"{{"method":"equal","attribute":"a","values":["{pad}"]}}"#);
        assert!(long.chars().count() <= MAX_QUERY_LENGTH && long.len() > MAX_QUERY_LENGTH);
        assert!(parse_all(&[long]).is_ok());
        let pad = "a".repeat(MAX_QUERY_LENGTH);
        assert_eq!(
            argument(&[format!(
                r#"{{"method":"equal","attribute":"a","values":["{pad}"]}}"#
            )]),
            ARGUMENT_MESSAGE
        );
        // Every string is decoded before any is checked, as Appwrite does for rows.
        let list = owned(&[
            r#"{"method":"limit","values":[0]}"#,
            r#"{"method":"bogus"}"#,
        ]);
        assert_eq!(
            parse_all(&list).unwrap_err().to_string(),
            "Invalid query method: bogus"
        );
    }

    #[test]
    fn error_wording_per_endpoint() {
        let syntax = parse(r#"{"method":"bogus"}"#).unwrap_err();
        assert_eq!(syntax.message(), "Invalid query method: bogus");
        assert_eq!(
            syntax.validator_message(),
            "Invalid query: Invalid query method: bogus"
        );
        let shape = parse(r#"{"method":"limit","values":[0]}"#).unwrap_err();
        assert_eq!(shape.validator_message(), shape.message());
    }

    #[test]
    fn method_whitelist() {
        let queries = parse_all(&owned(&[
            r#"{"method":"limit","values":[1]}"#,
            r#"{"method":"select","values":["name"]}"#,
        ]))
        .unwrap();
        assert_eq!(
            validate_methods(&queries, &|m| m != Method::Select)
                .unwrap_err()
                .to_string(),
            "Invalid query method: select"
        );
        assert!(validate_methods(&queries, &|_| true).is_ok());
    }

    #[test]
    fn attribute_whitelist() {
        let users = |a: &str| USERS_QUERY_ATTRIBUTES.contains(&a);
        let good = parse_all(&owned(&[
            r#"{"method":"equal","attribute":"email","values":["a@b.c"]}"#,
            r#"{"method":"orderDesc","attribute":"$createdAt"}"#,
            r#"{"method":"orderAsc"}"#,
            r#"{"method":"orderRandom"}"#,
            r#"{"method":"or","values":[{"method":"isNull","attribute":"phone"},{"method":"equal","attribute":"labels","values":["x"]}]}"#,
            r#"{"method":"limit","values":[5]}"#,
            r#"{"method":"cursorAfter","values":["abc"]}"#,
        ]))
        .unwrap();
        assert!(validate_attributes(&good, &users).is_ok());
        let check = |s: &str| validate_attributes(&[ok(s)], &users).map_err(|e| e.to_string());
        assert_eq!(
            check(r#"{"method":"equal","attribute":"password","values":["x"]}"#),
            Err("Invalid query: Attribute not found in schema: password".into())
        );
        assert_eq!(
            check(r#"{"method":"orderAsc","attribute":"prefs"}"#),
            Err("Invalid query: Attribute not found in schema: prefs".into())
        );
        assert_eq!(
            check(
                r#"{"method":"and","values":[{"method":"isNull","attribute":"name"},{"method":"isNull","attribute":"mfa"}]}"#
            ),
            Err("Invalid query: Attribute not found in schema: mfa".into())
        );
        // appwrite-compat: exists/notExists carry no attribute, so schema-checked lists refuse them.
        assert_eq!(
            check(r#"{"method":"exists","values":["name"]}"#),
            Err("Invalid query: Attribute not found in schema: ".into())
        );
        assert_eq!(
            check(r#"{"method":"select","values":["*","$permissions","name"]}"#),
            Ok(())
        );
        assert_eq!(
            check(r#"{"method":"select","values":["secret.x"]}"#),
            Err("Invalid query: Attribute not found in schema: secret".into())
        );
        assert!(TEAMS_QUERY_ATTRIBUTES.contains(&"total"));
        assert!(MEMBERSHIPS_QUERY_ATTRIBUTES.contains(&"roles"));
        for list in [
            USERS_QUERY_ATTRIBUTES,
            TEAMS_QUERY_ATTRIBUTES,
            FILES_QUERY_ATTRIBUTES,
            KEYS_QUERY_ATTRIBUTES,
        ] {
            for internal in INTERNAL_QUERY_ATTRIBUTES {
                assert!(list.contains(internal));
            }
        }
    }

    #[test]
    fn grouping_keeps_the_first_pagination_query() {
        let queries = parse_all(&owned(&[
            r#"{"method":"equal","attribute":"a","values":[1]}"#,
            r#"{"method":"limit","values":[10]}"#,
            r#"{"method":"limit","values":[20]}"#,
            r#"{"method":"offset","values":["5"]}"#,
            r#"{"method":"offset","values":[7]}"#,
            r#"{"method":"cursorBefore","values":["row1"]}"#,
            r#"{"method":"cursorAfter","values":["row2"]}"#,
            r#"{"method":"orderDesc","attribute":"b"}"#,
            r#"{"method":"orderAsc"}"#,
            r#"{"method":"orderRandom"}"#,
            r#"{"method":"select","values":["a","b"]}"#,
            r#"{"method":"select","values":["c"]}"#,
            r#"{"method":"or","values":[{"method":"isNull","attribute":"c"},{"method":"isNull","attribute":"d"}]}"#,
        ]))
        .unwrap();
        let grouped = group(queries).unwrap();
        assert_eq!(grouped.filters.len(), 2);
        assert_eq!(grouped.filters[1].method, Method::Or);
        assert_eq!(grouped.limit, Some(10));
        assert_eq!(grouped.offset, Some(5));
        assert_eq!(
            grouped.cursor,
            Some((CursorDirection::Before, "row1".to_owned()))
        );
        assert_eq!(
            grouped.orders,
            vec![
                ("b".to_owned(), Order::Desc),
                ("$sequence".to_owned(), Order::Asc)
            ]
        );
        assert!(grouped.order_random);
        assert_eq!(grouped.selections, ["a", "b", "c"]);
        assert_eq!(group(Vec::new()).unwrap(), Grouped::default());
        let bad = Query::new(Method::Limit, None, vec![json!(0)]);
        assert!(group(vec![bad]).is_err());
    }

    fn arb_scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            // Eighths print and parse back exactly, so equality survives a round trip.
            any::<i32>().prop_map(|n| Value::from(f64::from(n) / 8.0)),
            "\\PC{0,8}".prop_map(Value::from),
        ]
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        arb_scalar().prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-z]{0,8}", inner, 0..4)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    fn arb_method_name() -> impl Strategy<Value = Value> {
        prop_oneof![
            8 => prop::sample::select(Method::ALL.to_vec()).prop_map(|m| Value::from(m.as_str())),
            1 => arb_scalar(),
        ]
    }

    /// Query-shaped JSON objects, nested through and/or, many of which are valid.
    fn arb_query_json() -> impl Strategy<Value = Value> {
        let leaf = (
            arb_method_name(),
            prop::option::weighted(
                0.9,
                prop_oneof![8 => "[a-z$]{0,6}".prop_map(Value::from), 1 => arb_scalar()],
            ),
            prop::option::weighted(
                0.9,
                prop_oneof![
                    3 => prop::collection::vec(arb_scalar(), 1..3),
                    1 => prop::collection::vec(arb_json(), 0..4),
                ]
                .prop_map(Value::Array),
            ),
        )
            .prop_map(|(method, attribute, values)| {
                let mut map = Map::new();
                map.insert("method".into(), method);
                if let Some(attribute) = attribute {
                    map.insert("attribute".into(), attribute);
                }
                if let Some(values) = values {
                    map.insert("values".into(), values);
                }
                Value::Object(map)
            });
        leaf.prop_recursive(3, 24, 4, |inner| {
            (
                prop::sample::select(vec!["and", "or", "elemMatch"]),
                prop::collection::vec(inner, 0..5),
            )
                .prop_map(|(method, values)| json!({ "method": method, "values": values }))
        })
    }

    /// Queries that pass every check, built from typed parts.
    fn arb_valid_query() -> impl Strategy<Value = Query> {
        let attribute = "[a-z][a-zA-Z0-9_]{0,10}|\\$id|\\$createdAt";
        let values = prop::collection::vec(arb_json(), 1..5);
        let leaf = prop_oneof![
            (
                prop::sample::select(vec![
                    Method::Equal,
                    Method::Contains,
                    Method::ContainsAny,
                    Method::NotContains
                ]),
                attribute,
                values
            )
                .prop_filter("first value must not be empty", |(_, _, values)| !is_empty(
                    values
                ))
                .prop_map(|(method, attribute, values)| Query::new(
                    method,
                    Some(attribute),
                    values
                )),
            (
                prop::sample::select(vec![
                    Method::NotEqual,
                    Method::LessThan,
                    Method::GreaterThan,
                    Method::Search,
                    Method::StartsWith,
                    Method::Regex
                ]),
                attribute,
                arb_json()
            )
                .prop_map(|(method, attribute, value)| Query::new(
                    method,
                    Some(attribute),
                    vec![value]
                )),
            (
                prop::sample::select(vec![Method::Between, Method::NotBetween]),
                attribute,
                arb_scalar(),
                arb_scalar()
            )
                .prop_map(|(method, attribute, a, b)| Query::new(
                    method,
                    Some(attribute),
                    vec![a, b]
                )),
            (
                prop::sample::select(vec![Method::IsNull, Method::IsNotNull]),
                attribute
            )
                .prop_map(|(method, attribute)| Query::new(
                    method,
                    Some(attribute),
                    vec![]
                )),
            (
                prop::sample::select(vec![Method::OrderAsc, Method::OrderDesc]),
                attribute
            )
                .prop_map(|(method, attribute)| Query::new(
                    method,
                    Some(attribute),
                    vec![]
                )),
            Just(Query::new(Method::OrderRandom, None, vec![])),
            (1i64..=i64::MAX).prop_map(|n| Query::new(Method::Limit, None, vec![Value::from(n)])),
            (0i64..=i64::MAX).prop_map(|n| Query::new(Method::Offset, None, vec![Value::from(n)])),
            (
                prop::sample::select(vec![Method::CursorAfter, Method::CursorBefore]),
                "[a-z0-9][a-z0-9._-]{0,35}"
            )
                .prop_map(|(method, id)| Query::new(
                    method,
                    None,
                    vec![Value::from(id)]
                )),
            prop::collection::btree_set(attribute, 1..5).prop_map(|names| Query::new(
                Method::Select,
                None,
                names.into_iter().map(Value::from).collect()
            )),
            prop::collection::vec("[a-z]{1,6}".prop_map(Value::from), 1..4)
                .prop_map(|names| Query::new(Method::Exists, None, names)),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            (
                prop::sample::select(vec![Method::And, Method::Or]),
                prop::collection::vec(inner, 2..4),
            )
                .prop_filter("and/or take filters only", |(_, nested)| {
                    nested.iter().all(|q| q.method.kind() == MethodKind::Filter)
                })
                .prop_map(|(method, nested)| Query::logical(method, None, nested))
        })
    }

    proptest! {
        #[test]
        fn never_panics_on_strings(s in any::<String>()) {
            let _ = parse(&s);
            let _ = parse_all(&[s]);
        }

        #[test]
        fn never_panics_on_json(value in arb_json()) {
            if let Ok(query) = parse(&value.to_string()) {
                prop_assert_eq!(parse(&to_json(&query)), Ok(query));
            }
        }

        #[test]
        fn valid_queries_round_trip(query in arb_valid_query()) {
            prop_assert_eq!(query.check(), Ok(()));
            let json = to_json(&query);
            prop_assert_eq!(parse(&json), Ok(query.clone()));
            prop_assert_eq!(json.parse::<Query>(), Ok(query.clone()));
            prop_assert!(group(vec![query]).is_ok());
        }
    }

    proptest! {
        // Only a few percent of these random objects are valid queries, so run many.
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn query_shaped_json_round_trips(value in arb_query_json()) {
            if let Ok(query) = parse(&value.to_string()) {
                prop_assert_eq!(parse(&to_json(&query)), Ok(query.clone()));
                let _ = group(vec![query]);
            }
        }
    }
}
