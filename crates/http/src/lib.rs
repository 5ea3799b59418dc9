//! The only crate that knows HTTP: the route table, request parsing (project, credentials,
//! parameters), the one `core::Error` → response mapping, cookies, CORS and the origin
//! check. A handler extracts its input, calls one core function and converts the result.

mod cors;
mod dispatch;
mod handlers;
mod params;
mod realtime;
mod reply;
pub mod routes;
mod spec_ops;
mod upload;

pub use dispatch::{Server, ServerConfig, router};
pub use routes::{BINDINGS, SpecOp, spec_ops};

/// The Appwrite version whose wire format this server speaks.
pub const APPWRITE_VERSION: &str = oxwrite_core::APPWRITE_VERSION;
