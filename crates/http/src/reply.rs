//! Responses: the `Reply` handlers return, the one `core::Error` → HTTP mapping (Appwrite's
//! `{message, code, type, version}`), the headers every response carries, and the session
//! cookies.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use oxwrite_core::Error;
use oxwrite_core::services::sessions::Issued;
use serde::Serialize;

use crate::APPWRITE_VERSION;
use crate::params::ClientInfo;

pub const JSON: &str = "application/json; charset=UTF-8";
pub const TEXT: &str = "text/plain; charset=UTF-8";

pub struct Reply {
    pub status: StatusCode,
    pub body: Vec<u8>,
    /// A body sent as it is read (downloads); replaces `body` when set.
    pub stream: Option<oxwrite_core::ports::ByteStream>,
    pub content_type: &'static str,
    pub headers: HeaderMap,
}

impl Reply {
    pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Result<Self, Error> {
        let body = serde_json::to_vec(value).map_err(Error::internal)?;
        Ok(Self { status, body, stream: None, content_type: JSON, headers: HeaderMap::new() })
    }

    pub fn ok<T: Serialize>(value: &T) -> Result<Self, Error> {
        Self::json(StatusCode::OK, value)
    }

    pub fn created<T: Serialize>(value: &T) -> Result<Self, Error> {
        Self::json(StatusCode::CREATED, value)
    }

    /// `204` with an empty body — still with a Content-Type, which the Python SDK reads, but
    /// not JSON: node-appwrite would try to parse the empty body.
    pub fn no_content() -> Result<Self, Error> {
        Ok(Self { status: StatusCode::NO_CONTENT, body: Vec::new(), stream: None, content_type: TEXT, headers: HeaderMap::new() })
    }

    pub fn text(body: &str) -> Self {
        Self {
            status: StatusCode::OK,
            body: body.as_bytes().to_vec(),
            stream: None,
            content_type: TEXT,
            headers: HeaderMap::new(),
        }
    }

    pub fn header(mut self, name: HeaderName, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.append(name, v);
        }
        self
    }

    /// Bytes of `content_type` sent as they are read from `stream`.
    pub fn stream(status: StatusCode, content_type: &str, stream: oxwrite_core::ports::ByteStream) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")));
        Self { status, body: Vec::new(), stream: Some(stream), content_type: TEXT, headers }
    }

    pub fn into_response(self) -> Response {
        let body = match self.stream {
            Some(s) => Body::from_stream(s),
            None => Body::from(self.body),
        };
        let mut res = Response::new(body);
        *res.status_mut() = self.status;
        let h = res.headers_mut();
        if !self.headers.contains_key(header::CONTENT_TYPE) {
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        }
        for (k, v) in self.headers.iter() {
            h.append(k.clone(), v.clone());
        }
        res
    }
}

/// Appwrite's error body. Statuses outside the set Appwrite passes through become 500.
pub fn error_response(e: &Error) -> Response {
    let code = e.kind.code();
    let (status, code, kind, message) = match StatusCode::from_u16(code) {
        Ok(s) if s.is_client_error() || s == StatusCode::NOT_IMPLEMENTED || s == StatusCode::SERVICE_UNAVAILABLE => {
            (s, code, e.kind.as_str(), e.message().to_owned())
        }
        _ => (StatusCode::INTERNAL_SERVER_ERROR, 500, "general_unknown", "Server Error".to_owned()),
    };
    // Field order as Appwrite sends it.
    #[derive(Serialize)]
    struct Body<'a> {
        message: &'a str,
        code: u16,
        #[serde(rename = "type")]
        kind: &'a str,
        version: &'a str,
    }
    let body = serde_json::to_vec(&Body { message: &message, code, kind, version: APPWRITE_VERSION }).unwrap_or_default();
    let mut res = Response::new(axum::body::Body::from(body));
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, no-store, must-revalidate"));
    h.insert(header::EXPIRES, HeaderValue::from_static("0"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

fn is_ip_or_localhost(host: &str) -> bool {
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[')
}

/// The last two labels of a hostname: close enough to a registrable domain to decide whether
/// the browser will treat our cookies as third-party.
fn site(host: &str) -> String {
    if is_ip_or_localhost(host) {
        return host.to_owned();
    }
    let labels: Vec<&str> = host.split('.').collect();
    labels[labels.len().saturating_sub(2)..].join(".")
}

fn cookie(name: &str, value: &str, expires: &str, client: &ClientInfo, same_site_none: bool) -> String {
    let mut c = format!("{name}={value}; expires={expires}; path=/");
    if !is_ip_or_localhost(&client.host) {
        c.push_str(&format!("; domain=.{}", client.host));
    }
    if client.secure {
        c.push_str("; secure");
    }
    c.push_str("; httponly");
    if same_site_none {
        c.push_str("; samesite=None");
    }
    c
}

fn http_date(ms: i64) -> String {
    let ts = oxwrite_types::time::from_millis(ms);
    ts.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Sets `a_session_<project>` (SameSite=None) and its `_legacy` twin (no SameSite) to `value`.
fn set_session_cookies(reply: &mut Reply, name: &str, value: &str, expires: &str, client: &ClientInfo) {
    for (n, same_site_none) in [(name.to_owned(), true), (format!("{name}_legacy"), false)] {
        if let Ok(v) = HeaderValue::from_str(&cookie(&n, value, expires, client, same_site_none)) {
            reply.headers.append(header::SET_COOKIE, v);
        }
    }
}

/// Sets both session cookies (PROTOCOL.md §2) and, for cross-site browsers, the
/// `X-Fallback-Cookies` header the web SDK stores instead.
pub fn with_session_cookies(mut reply: Reply, project: &str, issued: &Issued, client: &ClientInfo) -> Reply {
    let name = format!("a_session_{project}");
    set_session_cookies(&mut reply, &name, &issued.blob, &http_date(issued.expire), client);
    // appwrite-compat: Appwrite sends the fallback unless the browser's origin is on the API's
    // own site (its "domain verification"); requests without an Origin get it too.
    let same_site = client.origin_host.as_deref().is_some_and(|o| site(o) == site(&client.host));
    if !same_site {
        let fallback = serde_json::json!({ name: issued.blob }).to_string();
        reply = reply.header(HeaderName::from_static("x-fallback-cookies"), &fallback);
    }
    reply
}

/// Expires both session cookies and empties the fallback (logout).
pub fn clear_session_cookies(mut reply: Reply, project: &str, client: &ClientInfo) -> Reply {
    set_session_cookies(&mut reply, &format!("a_session_{project}"), "", &http_date(0), client);
    reply.header(HeaderName::from_static("x-fallback-cookies"), "[]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_and_cookie_domains() {
        assert_eq!(site("api.example.com"), "example.com");
        assert_eq!(site("localhost"), "localhost");
        let local = ClientInfo { host: "localhost".into(), secure: false, origin_host: None };
        let c = cookie("a", "v", "x", &local, true);
        assert!(!c.contains("domain"));
        assert!(c.contains("httponly") && c.contains("samesite=None"));
        let remote = ClientInfo { host: "api.example.com".into(), secure: true, origin_host: None };
        let c = cookie("a", "v", "x", &remote, false);
        assert!(c.contains("domain=.api.example.com") && c.contains("secure") && !c.contains("samesite"));
    }

    #[test]
    fn http_dates() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }
}
