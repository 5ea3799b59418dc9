//! The request pipeline (DESIGN.md "A request's way through"): route → project → origin check
//! → caller → scope check → rate limit → parameters → handler → response with CORS headers.
//! Built once from the route table; one generic function serves every operation.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use axum::routing::{MethodFilter, MethodRouter, on};
use oxwrite_core::auth::{self, Credentials, Impersonation};
use oxwrite_core::services::sessions::RequestMeta;
use oxwrite_core::{App, Caller, Error};
use oxwrite_types::ErrorType;
use serde_json::{Map, Value};

use crate::params::{ClientInfo, Ctx, Params};
use crate::reply::{Reply, error_response};
use crate::routes::{Binding, RateRule, SpecOp, binding, rate_reset_on, spec_ops};
use crate::{APPWRITE_VERSION, cors};

/// Largest JSON request body (uploads, which are multipart, get their own limit later).
pub const MAX_BODY: usize = 2 * 1024 * 1024;

/// HTTP-level settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Hostnames that are always allowed as browser origins (the server's own names).
    pub hostnames: Vec<String>,
    /// Whether a reverse proxy in front of us sets `X-Forwarded-For`. Off by default: a client
    /// talking to us directly could otherwise pick any IP and escape per-IP rate limits.
    pub trust_forwarded_for: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self { hostnames: vec!["localhost".into(), "127.0.0.1".into()], trust_forwarded_for: false }
    }
}

pub struct Server {
    pub app: Arc<App>,
    pub config: ServerConfig,
    /// Realtime connections, fed by the event bus.
    pub hub: Arc<oxwrite_core::realtime::Hub>,
}

/// The `/v1` router with every spec operation, `/v1/ping`, `/v1/health/version`, CORS
/// preflight and the 404 fallback.
pub fn router(server: Arc<Server>) -> Router {
    let mut by_path: HashMap<&'static str, MethodRouter> = HashMap::new();
    let mut methods: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
    let mut add = |path: &'static str, op: &'static SpecOp| {
        let Some(filter) = method_filter(op.method) else { return };
        let taken = methods.entry(path).or_default();
        if taken.contains(&op.method) {
            return;
        }
        taken.push(op.method);
        let s = server.clone();
        let b = binding(op.operation);
        let handler = move |req: Request| dispatch(s.clone(), op, b, req);
        let entry = by_path.remove(path).unwrap_or_default();
        by_path.insert(path, entry.on(filter, handler));
    };
    for op in spec_ops() {
        add(op.path, op);
    }
    // A literal segment wins over a parameter in the router, so `GET …/columns/email` would
    // meet only `POST …/columns/email`. Give each literal path the methods of the parameter
    // routes it also matches (`GET …/columns/{key}`), as Appwrite's router does.
    for literal in spec_ops() {
        for op in spec_ops() {
            if op.path != literal.path && shadows(literal.path, op.path) {
                add(literal.path, op);
            }
        }
    }
    let mut router = Router::new();
    for (path, mr) in by_path {
        router = router.route(&format!("/v1{path}"), mr.options(preflight));
    }
    let realtime = Arc::new(crate::realtime::Realtime {
        app: server.app.clone(),
        hub: server.hub.clone(),
        hostnames: server.config.hostnames.clone(),
        trust_forwarded_for: server.config.trust_forwarded_for,
    });
    let realtime = Router::new().route("/v1/realtime", axum::routing::get(crate::realtime::upgrade)).with_state(realtime);
    router
        .merge(realtime)
        .route("/v1/ping", on(MethodFilter::GET, |req: Request| async move { finish(&req_origin(&req), Reply::text("Pong!").into_response()) }))
        .route("/v1/health/version", on(MethodFilter::GET, |req: Request| async move {
            let body = serde_json::json!({ "version": APPWRITE_VERSION });
            finish(&req_origin(&req), Reply::ok(&body).map(Reply::into_response).unwrap_or_else(|e| error_response(&e)))
        }))
        .fallback(not_found)
}

/// Whether the path `literal` is also an instance of `template` (same length, equal where
/// `template` has literals).
fn shadows(literal: &str, template: &str) -> bool {
    let (a, b): (Vec<&str>, Vec<&str>) = (literal.split('/').collect(), template.split('/').collect());
    a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x == y || (y.starts_with('{') && !x.starts_with('{')))
}

fn method_filter(m: &str) -> Option<MethodFilter> {
    Some(match m {
        "GET" => MethodFilter::GET,
        "POST" => MethodFilter::POST,
        "PUT" => MethodFilter::PUT,
        "PATCH" => MethodFilter::PATCH,
        "DELETE" => MethodFilter::DELETE,
        "HEAD" => MethodFilter::HEAD,
        _ => return None,
    })
}

fn req_origin(req: &Request) -> Option<String> {
    header_str(req.headers(), "origin").map(str::to_owned)
}

/// Adds the headers every response carries. `origin` is echoed for CORS when given.
fn finish(origin: &Option<String>, mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(header::SERVER, HeaderValue::from_static("Appwrite"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(HeaderName::from_static("x-debug-fallback"), HeaderValue::from_static("false"));
    if !h.contains_key(header::CONTENT_TYPE) {
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(crate::reply::JSON));
    }
    cors::apply(h, origin.as_deref());
    res
}

async fn preflight(req: Request) -> Response {
    // The project (and so its platforms) is unknown on a preflight: browsers do not send
    // header values. The real request is checked by the origin check.
    let mut res = Response::new(Body::empty());
    *res.status_mut() = StatusCode::NO_CONTENT;
    finish(&req_origin(&req), res)
}

async fn not_found(req: Request) -> Response {
    if req.method() == Method::OPTIONS {
        return preflight(req).await;
    }
    finish(&req_origin(&req), error_response(&Error::new(ErrorType::GeneralRouteNotFound)))
}

fn header_str<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty())
}

async fn dispatch(server: Arc<Server>, op: &'static SpecOp, bound: Option<&'static Binding>, req: Request) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let mut allowed_origin = None;
    let mut extra = HeaderMap::new();
    let mut res = match run(&server, op, bound, req, &mut allowed_origin, &mut extra).await {
        Ok(reply) => reply.into_response(),
        Err(e) => error_response(&e),
    };
    // Rate-limit headers go on failures too: they tell a client how long to back off.
    res.headers_mut().extend(extra);
    let res = finish(&allowed_origin, res);
    // One line per request; never the query string or headers, which may carry secrets.
    tracing::info!(
        target: "oxwrite::request",
        method = %method,
        path = %path,
        operation = op.operation,
        status = res.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
    );
    res
}

async fn run(
    server: &Server,
    op: &'static SpecOp,
    bound: Option<&'static Binding>,
    req: Request,
    allowed_origin: &mut Option<String>,
    extra: &mut HeaderMap,
) -> Result<Reply, Error> {
    let (parts, body) = req.into_parts();
    let h = &parts.headers;
    let query_project = parts.uri.query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "project").map(|(_, v)| v.into_owned())
    });
    let project_id = header_str(h, "x-appwrite-project").map(str::to_owned).or(query_project);
    let origin = header_str(h, "origin").map(str::to_owned);
    let key = header_str(h, "x-appwrite-key").map(str::to_owned);
    let host = header_str(h, "host").map(|v| v.rsplit_once(':').filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit())).map_or(v, |(h, _)| h).to_ascii_lowercase()).unwrap_or_default();
    let origin_host = origin.as_deref().and_then(cors::origin_host);

    let app = &server.app;
    if project_id.is_none() && key.is_some() {
        return Err(auth::project_id_missing());
    }
    let project = auth::project(app, project_id.as_deref()).await?;

    // Origin check: browsers (requests with an Origin) without a key must come from an
    // allowed host. The CORS headers echo the origin only when it passed.
    if let Some(o) = &origin {
        let mut own = server.config.hostnames.clone();
        own.push(host.clone());
        let ok = match &origin_host {
            Some(oh) => oxwrite_core::services::project::origin_allowed(app, &project.id, oh, &own).await?,
            None => false,
        };
        if ok {
            *allowed_origin = Some(o.clone());
        } else if key.is_none() {
            return Err(Error::msg(ErrorType::GeneralUnknownOrigin, format!("Invalid Origin. Register your new client ({}) as a new Web platform on your project console dashboard", origin_host.as_deref().unwrap_or(o))));
        }
    }

    let Some(bound) = bound else {
        return Err(Error::msg(
            ErrorType::GeneralNotImplemented,
            format!("Oxwrite does not implement {} ({} {}) yet; see COMPAT.md.", op.operation, op.method, op.path),
        ));
    };

    let creds = credentials(h, &project.id, parts.uri.query());
    let caller = auth::resolve(app, project, &creds).await?;
    check_scopes(op, &caller)?;

    let ip = client_ip(h, &parts.extensions, server.config.trust_forwarded_for);

    let content_type = header_str(h, "content-type");
    let (body, upload) = if crate::upload::is_multipart(content_type) {
        let length = header_str(h, "content-length").and_then(|v| v.parse::<u64>().ok());
        let (fields, upload) = crate::upload::read(content_type.unwrap_or_default(), length, body).await?;
        (Some(fields), upload)
    } else {
        let bytes = to_bytes(body, MAX_BODY)
            .await
            .map_err(|_| Error::msg(ErrorType::GeneralArgumentInvalid, format!("Request body is too large or unreadable (limit {MAX_BODY} bytes)")))?;
        (parse_body(h, &bytes)?, None)
    };
    let path_params = path_params(op.path, parts.uri.path());
    let event_scope = (!bound.events.is_empty()).then(|| (caller.project.id.clone(), caller.user_id().map(str::to_owned), path_params.clone()));
    let params = Params::build(parts.uri.query(), body, path_params)?;

    let mut reset_keys = Vec::new();
    if let Some(rule) = &op.rate
        && !caller.is_key() && app.config.rate_limits {
            let request = RequestKey { ip: &ip, method: parts.method.as_str(), host: &host, headers: h };
            reset_keys = rate_limit(app, rule, op, &caller, &params, &request, extra).await?;
        }

    let user_agent = if caller.is_key() {
        header_str(h, "x-forwarded-user-agent").or(header_str(h, "user-agent"))
    } else {
        header_str(h, "user-agent")
    }
    .unwrap_or("")
    .chars()
    .take(512)
    .collect();
    let ctx = Ctx {
        app: app.clone(),
        caller,
        params,
        meta: RequestMeta { ip, user_agent },
        client: ClientInfo {
            host,
            secure: header_str(h, "x-forwarded-proto") == Some("https"),
            origin_host,
        },
        headers: parts.headers.clone(),
        upload,
    };
    // The handler and what follows its commit (events) run as their own task: a client that
    // hangs up mid-request must not cut a committed write off from its events.
    let events = bound.events;
    let app2 = app.clone();
    let work = tokio::spawn(async move {
        let reply = (bound.handler)(ctx).await?;
        if let Some((project, user, path)) = event_scope
            && reply.status.is_success()
        {
            publish_route_events(&app2, events, &project, user.as_deref(), &path, &reply);
        }
        Ok::<Reply, Error>(reply)
    });
    let reply = work.await.map_err(Error::internal)??;
    if rate_reset_on(op.operation) == Some(reply.status) {
        for key in reset_keys {
            app.limiter.reset(&key).await;
        }
    }
    Ok(reply)
}

/// Publishes the events the route table names for a successful call (account, users and
/// teams; TablesDB publishes its own from core). Each `[name]` of a pattern is filled from
/// the path, then the response's field of that name, then the response's `$id` for the last
/// one, then the caller's user id for `userId`. Secrets and password hashes never travel in
/// event payloads.
fn publish_route_events(app: &App, events: &[&str], project: &str, user: Option<&str>, path: &[(String, String)], reply: &Reply) {
    if !app.bus.listening() {
        return;
    }
    let mut payload: Value = serde_json::from_slice(&reply.body).unwrap_or_else(|_| Value::Object(Map::new()));
    // Event payloads reach browsers (realtime) and third parties (webhooks): no secrets and no
    // password hashes, whatever the response to a key showed.
    if let Value::Object(m) = &mut payload {
        for field in ["secret", "password", "hash", "hashOptions"] {
            m.remove(field);
        }
    }
    for pattern in events {
        let names: Vec<&str> = pattern.split('.').filter_map(|p| p.strip_prefix('[')?.strip_suffix(']')).collect();
        let mut params: Vec<(&str, String)> = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let from_path = path.iter().find(|(k, v)| k == name && v != "current").map(|(_, v)| v.clone());
            let from_body = || payload.get(*name).and_then(Value::as_str).map(str::to_owned);
            let own_id = || (i + 1 == names.len()).then(|| payload.get("$id").and_then(Value::as_str).map(str::to_owned)).flatten();
            let caller = || (*name == "userId").then(|| user.map(str::to_owned)).flatten();
            // A call that ends several resources at once (deleting all sessions) names none
            // of them: the last id becomes `*`.
            let every = || (i + 1 == names.len() && i > 0).then(|| "*".to_owned());
            match from_path.or_else(from_body).or_else(own_id).or_else(caller).or_else(every) {
                Some(v) => params.push((name, v)),
                None => break,
            }
        }
        if params.len() != names.len() {
            continue;
        }
        let refs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        app.bus.publish(oxwrite_core::ports::Event {
            project: project.to_owned(),
            names: oxwrite_types::events::generate(pattern, &refs),
            payload: payload.clone(),
            readers: None,
            user_id: user.map(str::to_owned),
        });
    }
}

pub(crate) fn credentials(h: &HeaderMap, project: &str, query: Option<&str>) -> Credentials {
    let cookie_name = format!("a_session_{project}");
    let legacy_name = format!("{cookie_name}_legacy");
    let mut session = None;
    let mut legacy = None;
    for c in h.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()) {
        for pair in c.split(';') {
            if let Some((k, v)) = pair.trim().split_once('=') {
                if k == cookie_name && session.is_none() {
                    session = Some(v.to_owned());
                } else if k == legacy_name && legacy.is_none() {
                    legacy = Some(v.to_owned());
                }
            }
        }
    }
    let session = session
        .filter(|s| !s.is_empty())
        .or(legacy.filter(|s| !s.is_empty()))
        .or_else(|| header_str(h, "x-appwrite-session").map(str::to_owned))
        .or_else(|| {
            let fallback = header_str(h, "x-fallback-cookies")?;
            let map: Map<String, Value> = serde_json::from_str(fallback).ok()?;
            map.get(&cookie_name).and_then(Value::as_str).map(str::to_owned)
        });
    let q = |name: &str| -> Option<String> {
        query.and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.into_owned())
                .filter(|v| !v.is_empty())
        })
    };
    let impersonate = header_str(h, "x-appwrite-impersonate-user-id")
        .map(str::to_owned)
        .or_else(|| q("impersonateUserId"))
        .map(Impersonation::UserId)
        .or_else(|| {
            header_str(h, "x-appwrite-impersonate-user-email").map(str::to_owned).or_else(|| q("impersonateEmail")).map(Impersonation::Email)
        })
        .or_else(|| {
            header_str(h, "x-appwrite-impersonate-user-phone").map(str::to_owned).or_else(|| q("impersonatePhone")).map(Impersonation::Phone)
        });
    Credentials {
        session,
        jwt: header_str(h, "x-appwrite-jwt").map(str::to_owned),
        key: header_str(h, "x-appwrite-key").map(str::to_owned),
        impersonate,
    }
}

fn check_scopes(op: &SpecOp, caller: &Caller) -> Result<(), Error> {
    // `public` operations (the runtimes list) are open to every caller.
    if op.scopes.is_empty() || op.scopes.iter().any(|s| *s == "public" || caller.has_scope(s)) {
        return Ok(());
    }
    let who = caller.user.as_ref().and_then(|u| u.email.clone()).unwrap_or_else(|| "User".to_owned());
    let missing = serde_json::to_string(op.scopes).unwrap_or_default();
    Err(Error::msg(
        ErrorType::GeneralUnauthorizedScope,
        format!("{who} (role: {}) missing scopes ({missing})", caller.role_label()),
    ))
}

/// The client's IP for rate limits and sessions: the socket peer, or, behind a trusted proxy,
/// the right-most `X-Forwarded-For` entry (the one that proxy appended; entries to its left
/// came from the client and prove nothing).
/// [`client_ip`] for a known peer address (the realtime upgrade).
pub(crate) fn client_ip_of(h: &HeaderMap, peer: SocketAddr, trust_forwarded_for: bool) -> String {
    let mut ext = axum::http::Extensions::new();
    ext.insert(ConnectInfo(peer));
    client_ip(h, &ext, trust_forwarded_for)
}

fn client_ip(h: &HeaderMap, ext: &axum::http::Extensions, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for
        && let Some(last) = header_str(h, "x-forwarded-for")
            .and_then(|xff| xff.rsplit(',').next())
            .map(str::trim)
            .filter(|s| s.parse::<std::net::IpAddr>().is_ok())
    {
        return last.to_owned();
    }
    ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_default()
}

fn parse_body(h: &HeaderMap, bytes: &[u8]) -> Result<Option<Map<String, Value>>, Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let ct = header_str(h, "content-type").unwrap_or("application/json").to_ascii_lowercase();
    if ct.starts_with("application/x-www-form-urlencoded") {
        let q = std::str::from_utf8(bytes).map_err(|_| Error::msg(ErrorType::GeneralArgumentInvalid, "Invalid form body"))?;
        return Params::build(Some(q), None, Vec::new()).map(|p| Some(p.into_map()));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(Some(m)),
        Ok(Value::Array(a)) if a.is_empty() => Ok(None),
        Ok(Value::Null) => Ok(None),
        Ok(_) => Err(Error::msg(ErrorType::GeneralArgumentInvalid, "Request body must be a JSON object")),
        Err(e) => Err(Error::msg(ErrorType::GeneralArgumentInvalid, format!("Invalid JSON body: {e}"))),
    }
}

/// Pairs the spec path's `{name}` segments with the request path's segments.
fn path_params(template: &str, path: &str) -> Vec<(String, String)> {
    let path = path.strip_prefix("/v1").unwrap_or(path);
    template
        .split('/')
        .zip(path.split('/'))
        .filter_map(|(t, v)| {
            let name = t.strip_prefix('{')?.strip_suffix('}')?;
            let value = percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned();
            Some((name.to_owned(), value))
        })
        .collect()
}

/// What of the request a rate-limit key may name.
struct RequestKey<'a> {
    ip: &'a str,
    method: &'a str,
    host: &'a str,
    headers: &'a HeaderMap,
}

/// Counts the request under each of the route's key templates and refuses it past the
/// limit. Sets the `X-RateLimit-*` headers of the tightest key and returns the keys counted.
async fn rate_limit(
    app: &App,
    rule: &RateRule,
    op: &SpecOp,
    caller: &Caller,
    params: &Params,
    request: &RequestKey<'_>,
    headers: &mut HeaderMap,
) -> Result<Vec<String>, Error> {
    let now = jiff::Timestamp::now().as_second();
    let window = i64::from(rule.window.max(1));
    let start = now - now % window;
    let mut worst: Option<u64> = None;
    let mut keys = Vec::with_capacity(rule.keys.len());
    for template in rule.keys {
        let key = format!("{}|{}|{}", caller.project.id, op.operation, expand_key(template, op, caller, params, request));
        let count = app.limiter.hit(&key, start, window).await;
        worst = Some(worst.map_or(count, |w| w.max(count)));
        keys.push(key);
    }
    let count = worst.unwrap_or(0);
    let limit = u64::from(rule.limit);
    let mut set = |name: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            headers.insert(HeaderName::from_static(name), v);
        }
    };
    set("x-ratelimit-limit", limit.to_string());
    set("x-ratelimit-remaining", limit.saturating_sub(count).to_string());
    set("x-ratelimit-reset", (start + window).to_string());
    if count > limit {
        return Err(Error::new(ErrorType::GeneralRateLimitExceeded));
    }
    Ok(keys)
}

fn expand_key(template: &str, op: &SpecOp, caller: &Caller, params: &Params, request: &RequestKey<'_>) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else { break };
        let name = &rest[open + 1..open + close];
        let value = match name {
            "url" => format!("{}{}", request.host, op.path),
            "ip" => request.ip.to_owned(),
            "method" => request.method.to_owned(),
            // Each chunk of an upload is counted on its own, as in Appwrite.
            "chunkId" => header_str(request.headers, "content-range")
                .and_then(|r| oxwrite_core::services::storage::files::ContentRange::parse(r).ok())
                .map(|r| (r.start / (r.end + 1 - r.start)).to_string())
                .unwrap_or_default(),
            "userId" => caller.user_id().unwrap_or("").to_owned(),
            "projectId" => caller.project.id.clone(),
            n => match n.strip_prefix("param-") {
                Some(p) => params.opt_str(p).ok().flatten().unwrap_or_default().to_lowercase(),
                None => String::new(),
            },
        };
        out.push_str(&value);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_params_follow_the_template() {
        let p = path_params("/users/{userId}/sessions/{sessionId}", "/v1/users/u%201/sessions/s");
        assert_eq!(p, vec![("userId".into(), "u 1".into()), ("sessionId".into(), "s".into())]);
    }
}
