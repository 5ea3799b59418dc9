//! The wire format of Appwrite 1.9.x and nothing else: ids, roles, permissions, scopes, the
//! query language, response models and the error table. This crate does no I/O and has no
//! async code, so every rule here can be unit- and property-tested on its own.

pub mod error;
pub mod events;
pub mod geo;
pub mod id;
pub mod models;
pub mod permission;
pub mod query;
pub mod role;
pub mod schema;
pub mod scope;
pub mod time;

pub use error::ErrorType;
