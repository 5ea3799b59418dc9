//! Oxwrite's domain: one module per Appwrite service, the caller model and every
//! authorization rule. Core declares the ports it needs (`Store`, `RateLimiter`) and never
//! depends on HTTP, a database driver or any other adapter.

pub mod app;
pub mod auth;
pub mod caller;
pub mod error;
pub mod events;
pub mod jwt;
pub mod password;
pub mod ports;
pub mod ratelimit;
pub mod realtime;
pub mod records;
pub mod secrets;
pub mod services;
pub mod validate;
pub mod views;

pub use app::{App, Config, ServerSecret};

/// The Appwrite version this server speaks (`X-Appwrite-Response-Format`, `APPWRITE_VERSION`).
pub const APPWRITE_VERSION: &str = "1.9.5";
pub use caller::{Caller, CallerKind};
pub use error::{Error, Result};
