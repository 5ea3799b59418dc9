//! The embedded default store: SQLite in WAL mode behind a single-writer executor with group
//! commit. Implements core's `Store` port; no rusqlite type appears outside this crate.

mod db;
mod listing;
mod rows;
mod schema;
mod store;

pub use store::SqliteStore;
