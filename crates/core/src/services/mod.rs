//! One module per Appwrite service. Functions carry the spec's operation names, take the
//! [`crate::Caller`] and typed input, and return wire models or [`crate::Error`].

pub mod account;
pub mod health;
pub mod lists;
pub mod project;
pub mod projects;
pub mod sessions;
pub mod teams;
pub mod tablesdb;
pub mod users;
pub mod webhooks;
