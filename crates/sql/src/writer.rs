//! The statement buffer, identifier quoting and the mapping of attribute names to columns that
//! every other module shares.

use oxwrite_types::schema::{Column, Storage, TableShape};

use crate::{Dialect, Statement, Value};

/// The alias of the user table in every query.
pub(crate) const ALIAS: &str = "t";

/// Quotes an identifier: `"name"`, inner quotes doubled.
pub(crate) fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Quotes a string literal: `'text'`, inner quotes doubled.
pub(crate) fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A statement being written: its parameters so far and the dialect's placeholders.
pub(crate) struct Writer {
    pub dialect: Dialect,
    pub params: Vec<Value>,
}

impl Writer {
    pub fn new(dialect: Dialect) -> Self {
        Self {
            dialect,
            params: Vec::new(),
        }
    }

    /// The placeholder of parameter `n` (1-based).
    pub fn placeholder(&self, n: usize) -> String {
        match self.dialect {
            Dialect::Sqlite => format!("?{n}"),
            Dialect::Postgres => format!("${n}"),
        }
    }

    /// Adds a parameter and returns its placeholder.
    pub fn bind(&mut self, value: Value) -> String {
        self.params.push(value);
        self.placeholder(self.params.len())
    }

    /// Adds a parameter holding JSON text and returns the placeholder as a JSON expression
    /// (`$n::text::jsonb` on PostgreSQL).
    pub fn bind_json(&mut self, json: String) -> String {
        let placeholder = self.bind(Value::Text(json));
        match self.dialect {
            Dialect::Sqlite => placeholder,
            Dialect::Postgres => format!("{placeholder}::text::jsonb"),
        }
    }

    pub fn finish(self, sql: String) -> Statement {
        Statement {
            sql,
            params: self.params,
        }
    }
}

/// An attribute a query may name: one of the internal ones or a user column.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Attr<'a> {
    Seq,
    Id,
    CreatedAt,
    UpdatedAt,
    Column(&'a Column),
}

impl<'a> Attr<'a> {
    /// Looks an attribute name up: `$id`, `$sequence`, `$createdAt`, `$updatedAt` or a column key.
    pub fn find(shape: &'a TableShape, name: &str) -> Option<Self> {
        Some(match name {
            "$sequence" => Attr::Seq,
            "$id" => Attr::Id,
            "$createdAt" => Attr::CreatedAt,
            "$updatedAt" => Attr::UpdatedAt,
            _ => Attr::Column(shape.column(name)?),
        })
    }

    /// The SQL column's name (unquoted).
    pub fn column_name(&self) -> &'a str {
        match self {
            Attr::Seq => "_seq",
            Attr::Id => "_id",
            Attr::CreatedAt => "_created_at",
            Attr::UpdatedAt => "_updated_at",
            Attr::Column(column) => &column.key,
        }
    }

    /// `t."name"`.
    pub fn expr(&self) -> String {
        format!("{ALIAS}.{}", ident(self.column_name()))
    }

    pub fn column(&self) -> Option<&'a Column> {
        match self {
            Attr::Column(column) => Some(column),
            _ => None,
        }
    }

    pub fn is_array(&self) -> bool {
        self.column().is_some_and(|c| c.array)
    }

    pub fn nullable(&self) -> bool {
        matches!(self, Attr::Column(_))
    }

    pub fn is_spatial(&self) -> bool {
        self.column().is_some_and(|c| c.column_type.is_spatial())
    }

    /// Whether the column holds text (strings, relationship ids, `$id`).
    pub fn is_text(&self) -> bool {
        match self {
            Attr::Id => true,
            Attr::Column(c) => matches!(c.storage(), Storage::Text | Storage::Relationship),
            _ => false,
        }
    }

    /// Whether the column exists in the SQL table (not the virtual side of a relationship).
    pub fn is_physical(&self) -> bool {
        self.column().is_none_or(Column::is_physical)
    }
}

/// A column's name in SQL for an index or fulltext definition (internal names mapped).
pub(crate) fn index_column_name<'a>(shape: &'a TableShape, name: &'a str) -> Option<&'a str> {
    let attr = Attr::find(shape, name)?;
    attr.is_physical().then(|| attr.column_name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(ident("a"), "\"a\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(literal("it's"), "'it''s'");
        let mut w = Writer::new(Dialect::Postgres);
        assert_eq!(w.bind(Value::Int(1)), "$1");
        assert_eq!(w.bind_json("[]".into()), "$2::text::jsonb");
        let mut w = Writer::new(Dialect::Sqlite);
        assert_eq!(w.bind(Value::Int(1)), "?1");
        assert_eq!(w.bind_json("[]".into()), "?2");
    }
}
