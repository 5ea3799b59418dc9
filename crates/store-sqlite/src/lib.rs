//! The embedded default store: SQLite in WAL mode behind a single-writer executor with group
//! commit. Implements core's `Store` port; no rusqlite type appears outside this crate.

mod cache;
mod db;
mod functions;
mod listing;
mod rows;
mod schema;
mod storage;
mod compute;
mod store;
mod tables;

pub use store::SqliteStore;
