//! The shape of a user table as TablesDB defines it: columns (Appwrite's attributes) and
//! indexes. Core validates and stores these; the `sql` crate turns them into DDL and queries.
//! Serialized with serde for the stores' own metadata (not the wire models, which
//! `core::views` builds).

use serde::{Deserialize, Serialize};
use serde_json::{Number, Value};

/// The column types of the spec's `create*Column` operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    /// The legacy `string` column (`size` decides the SQL type in Appwrite).
    String,
    Varchar,
    Text,
    Mediumtext,
    Longtext,
    Integer,
    Float,
    Boolean,
    Datetime,
    Email,
    Ip,
    Url,
    Enum,
    Relationship,
    Point,
    Line,
    Polygon,
}

/// How a column's values are kept in SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Storage {
    Text,
    Integer,
    Float,
    Boolean,
    /// Milliseconds since the epoch in an integer column; Appwrite datetime strings on the wire.
    Datetime,
    /// GeoJSON-like coordinate arrays (`[x, y]`, `[[x, y], …]`, `[[[x, y], …], …]`).
    Point,
    Line,
    Polygon,
    /// The related row's id (text), on the side of a relationship that holds it.
    Relationship,
}

impl ColumnType {
    pub fn storage(self) -> Storage {
        match self {
            Self::String | Self::Varchar | Self::Text | Self::Mediumtext | Self::Longtext => Storage::Text,
            Self::Email | Self::Ip | Self::Url | Self::Enum => Storage::Text,
            Self::Integer => Storage::Integer,
            Self::Float => Storage::Float,
            Self::Boolean => Storage::Boolean,
            Self::Datetime => Storage::Datetime,
            Self::Relationship => Storage::Relationship,
            Self::Point => Storage::Point,
            Self::Line => Storage::Line,
            Self::Polygon => Storage::Polygon,
        }
    }

    pub fn is_spatial(self) -> bool {
        matches!(self, Self::Point | Self::Line | Self::Polygon)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RelationType {
    OneToOne,
    OneToMany,
    ManyToOne,
    ManyToMany,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OnDelete {
    Cascade,
    Restrict,
    SetNull,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Parent,
    Child,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Relation {
    /// The related table's id (same database).
    pub related_table: String,
    pub relation_type: RelationType,
    pub two_way: bool,
    pub two_way_key: String,
    pub on_delete: OnDelete,
    pub side: Side,
}

impl Relation {
    /// Whether this side keeps the related id in a column of its own table (the other
    /// cases are kept by the other side's column or a junction table).
    pub fn holds_column(&self) -> bool {
        match (self.relation_type, self.side) {
            (RelationType::OneToOne, Side::Parent) => true,
            (RelationType::OneToOne, Side::Child) => self.two_way,
            (RelationType::ManyToOne, Side::Parent) | (RelationType::OneToMany, Side::Child) => true,
            _ => false,
        }
    }
}

/// Where a column is in its lifecycle (Appwrite's `status`).
pub const STATUS_AVAILABLE: &str = "available";
pub const STATUS_PROCESSING: &str = "processing";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub key: String,
    #[serde(rename = "type")]
    pub column_type: ColumnType,
    pub required: bool,
    #[serde(default)]
    pub array: bool,
    /// Maximum length in characters (string / varchar; text types have fixed maxima).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Number>,
    /// The default value (`Value::Null` when none).
    #[serde(default)]
    pub default: Value,
    /// Enum elements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub elements: Vec<String>,
    #[serde(default)]
    pub encrypt: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<Relation>,
    pub status: String,
    #[serde(default)]
    pub error: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Column {
    pub fn storage(&self) -> Storage {
        self.column_type.storage()
    }

    /// Whether the column exists in the table's own SQL table.
    pub fn is_physical(&self) -> bool {
        self.relation.as_ref().is_none_or(Relation::holds_column)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndexType {
    Key,
    Unique,
    Fulltext,
    Spatial,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum IndexOrder {
    Asc,
    Desc,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Index {
    pub key: String,
    #[serde(rename = "type")]
    pub index_type: IndexType,
    pub columns: Vec<String>,
    #[serde(default)]
    pub lengths: Vec<Option<u64>>,
    #[serde(default)]
    pub orders: Vec<Option<IndexOrder>>,
    pub status: String,
    #[serde(default)]
    pub error: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A user table's physical shape: what the `sql` crate needs to write DDL and queries.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableShape {
    /// The SQL table's name (`r<seq>`); the permission side table is `<name>_perms` and a
    /// fulltext index `<name>_fts_<index key>`.
    pub name: String,
    pub columns: Vec<Column>,
    pub indexes: Vec<Index>,
}

impl TableShape {
    pub fn column(&self, key: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.key == key)
    }
}
