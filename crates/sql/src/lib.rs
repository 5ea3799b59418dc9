//! SQL for user tables, for two dialects (SQLite and PostgreSQL): DDL for tables, columns and
//! indexes; one statement per list (filters, permission check, order, cursor, limit) and a
//! capped count; inserts, updates and deletes of rows and their permissions. It holds no
//! connection, so every statement it writes can be tested on its own.
//!
//! Physical layout of a user table named `N` (see `oxwrite_types::schema::TableShape`):
//! - `N`: `_seq` integer primary key (auto-increment, never reused), `_id` text unique,
//!   `_created_at` / `_updated_at` integer milliseconds, `_permissions` text (JSON array of
//!   permission strings as returned to clients), then one column per physical user column,
//!   named by its key, always quoted.
//! - `N_perms`: `(_type, _role, _row)` primary key: one entry per (action, role) the row's
//!   permissions grant; `_row` is the row's `_seq`. Indexed by `_row` too.
//! - `N_fts_<index key>`: a fulltext index (FTS5 on SQLite) over the index's columns, kept in
//!   sync with `N` (SQLite: external-content FTS5 with triggers).
//!
//! Attribute names never reach SQL unquoted and values always travel as parameters.
//!
//! Conventions every statement follows:
//! - The user table is aliased `t` in queries; identifiers are always double-quoted (with
//!   doubled inner quotes).
//! - Every SELECT of rows returns `_seq, _id, _created_at, _updated_at, _permissions`, then the
//!   physical user columns in `shape.columns` order ([`row_columns`]). On PostgreSQL, JSON
//!   columns (arrays, geometries) are selected as `::text`, so every column reads back as one
//!   of [`Value`]'s variants.
//! - On PostgreSQL, JSON parameters are written `$n::text::jsonb` (the parameter is text), text
//!   columns use `COLLATE "C"` so comparisons and orders match SQLite's binary collation, and
//!   ORDER BY spells out SQLite's NULL placement (NULLs first ascending, last descending).
//! - SQLite statements call functions the store registers: `regexp(pattern, text)` (for
//!   `REGEXP`), the spatial predicates `ox_geo_equals`, `ox_geo_crosses`, `ox_geo_intersects`,
//!   `ox_geo_overlaps`, `ox_geo_touches`, `ox_geo_covers` (column JSON, geometry JSON) → bool
//!   (`contains` is `covers`), and `ox_geo_distance(column JSON, geometry JSON, meters)` → real.
//!   Geometry parameters are canonical coordinate-array JSON (see [`geo`]).

mod ddl;
mod filter;
mod list;
mod rows;
pub mod value;
mod writer;

pub use ddl::{add_column, create_index, create_table, drop_column, drop_index, drop_table, rename_column};
pub use filter::validate_filters;
pub use list::{Cursor, List, count, cursor_anchor, select, validate_orders};
pub use rows::{
    RowWrite, delete_perms, delete_row, insert_perms, insert_row, row_columns, select_by_id,
    update_row,
};
pub use value::{Value, decode, encode};

/// The SQL dialect to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A statement and its parameters, in order. Placeholders are `?N` (SQLite) or `$N`
/// (PostgreSQL), numbered from 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<Value>,
}

/// A query the table's schema cannot answer. The message is what the client sees after
/// `Invalid query: ` (Appwrite's wording where it has one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CompileError(pub String);

/// Spatial predicates live with the wire types (core validates geometries too).
pub use oxwrite_types::geo;

#[cfg(test)]
mod tests;
