//! TablesDB records → wire models, in the vocabulary of the [`Api`] asked. Models are built
//! as JSON objects because their fields vary by column type.

use oxwrite_types::schema::{Column, ColumnType, Index, IndexType};
use oxwrite_types::time::format_millis_opt as dt;
use serde_json::{Map, Value, json};

use super::Api;
use crate::records::{DatabaseRecord, RowRecord, TableRecord};

pub fn database(db: &DatabaseRecord) -> Value {
    json!({
        "$id": db.id,
        "name": db.name,
        "$createdAt": dt(db.created_at),
        "$updatedAt": dt(db.updated_at),
        "enabled": db.enabled,
        "type": db.kind,
    })
}

/// Appwrite's row width limit (MariaDB's 65,535 bytes), reported as `bytesMax`.
pub const BYTES_MAX: u64 = 65_535;

pub fn table(api: Api, t: &TableRecord) -> Value {
    let mut m = Map::new();
    m.insert("$id".into(), json!(t.id));
    m.insert("$createdAt".into(), json!(dt(t.created_at)));
    m.insert("$updatedAt".into(), json!(dt(t.updated_at)));
    m.insert("$permissions".into(), json!(t.permissions));
    m.insert("databaseId".into(), json!(t.database_id));
    m.insert("name".into(), json!(t.name));
    m.insert("enabled".into(), json!(t.enabled));
    m.insert(api.row_security_field().into(), json!(t.row_security));
    m.insert(
        api.columns_field().into(),
        Value::Array(t.columns.iter().filter(|c| super::relations::visible(c)).map(|c| column(api, c)).collect()),
    );
    m.insert("indexes".into(), Value::Array(t.indexes.iter().map(|i| index(api, i)).collect()));
    m.insert("bytesMax".into(), json!(BYTES_MAX));
    m.insert("bytesUsed".into(), json!(super::columns::row_bytes(&t.columns)));
    Value::Object(m)
}

/// The `type` a column reports.
pub fn type_name(t: ColumnType) -> &'static str {
    match t {
        ColumnType::String | ColumnType::Email | ColumnType::Ip | ColumnType::Url | ColumnType::Enum => "string",
        ColumnType::Varchar => "varchar",
        ColumnType::Text => "text",
        ColumnType::Mediumtext => "mediumtext",
        ColumnType::Longtext => "longtext",
        ColumnType::Integer => "integer",
        ColumnType::Float => "double",
        ColumnType::Boolean => "boolean",
        ColumnType::Datetime => "datetime",
        ColumnType::Relationship => "relationship",
        ColumnType::Point => "point",
        ColumnType::Line => "linestring",
        ColumnType::Polygon => "polygon",
    }
}

pub fn column(api: Api, c: &Column) -> Value {
    let mut m = Map::new();
    m.insert("key".into(), json!(c.key));
    m.insert("type".into(), json!(type_name(c.column_type)));
    m.insert("status".into(), json!(c.status));
    m.insert("error".into(), json!(c.error));
    m.insert("required".into(), json!(c.required));
    m.insert("array".into(), json!(c.array));
    m.insert("$createdAt".into(), json!(dt(c.created_at)));
    m.insert("$updatedAt".into(), json!(dt(c.updated_at)));
    let format = match c.column_type {
        ColumnType::Email => Some("email"),
        ColumnType::Ip => Some("ip"),
        ColumnType::Url => Some("url"),
        ColumnType::Enum => Some("enum"),
        ColumnType::Datetime => Some("datetime"),
        _ => None,
    };
    match c.column_type {
        ColumnType::String | ColumnType::Varchar => {
            m.insert("size".into(), json!(c.size.unwrap_or(0)));
            m.insert("default".into(), c.default.clone());
            m.insert("encrypt".into(), json!(c.encrypt));
        }
        ColumnType::Text | ColumnType::Mediumtext | ColumnType::Longtext => {
            m.insert("default".into(), c.default.clone());
            m.insert("encrypt".into(), json!(c.encrypt));
        }
        ColumnType::Integer | ColumnType::Float => {
            m.insert("min".into(), c.min.clone().map_or(Value::Null, Value::Number));
            m.insert("max".into(), c.max.clone().map_or(Value::Null, Value::Number));
            m.insert("default".into(), c.default.clone());
        }
        ColumnType::Enum => {
            m.insert("elements".into(), json!(c.elements));
            m.insert("format".into(), json!("enum"));
            m.insert("default".into(), c.default.clone());
        }
        ColumnType::Relationship => {
            if let Some(r) = &c.relation {
                let field = if api == Api::Tables { "relatedTable" } else { "relatedCollection" };
                m.insert(field.into(), json!(r.related_table));
                m.insert("relationType".into(), json!(r.relation_type));
                m.insert("twoWay".into(), json!(r.two_way));
                m.insert("twoWayKey".into(), json!(r.two_way_key));
                m.insert("onDelete".into(), json!(r.on_delete));
                m.insert("side".into(), json!(r.side));
            }
        }
        _ => {
            if let Some(f) = format {
                m.insert("format".into(), json!(f));
            }
            m.insert("default".into(), c.default.clone());
        }
    }
    Value::Object(m)
}

pub fn index(api: Api, i: &Index) -> Value {
    let kind = match i.index_type {
        IndexType::Key => "key",
        IndexType::Unique => "unique",
        IndexType::Fulltext => "fulltext",
        IndexType::Spatial => "spatial",
    };
    let mut m = Map::new();
    m.insert("$id".into(), json!(i.key));
    m.insert("$createdAt".into(), json!(dt(i.created_at)));
    m.insert("$updatedAt".into(), json!(dt(i.updated_at)));
    m.insert("key".into(), json!(i.key));
    m.insert("type".into(), json!(kind));
    m.insert("status".into(), json!(i.status));
    m.insert("error".into(), json!(i.error));
    m.insert(api.columns_field().into(), json!(i.columns));
    m.insert("lengths".into(), json!(i.lengths.iter().map(|l| l.map_or(Value::Null, |n| json!(n))).collect::<Vec<_>>()));
    m.insert(
        "orders".into(),
        json!(i.orders.iter().map(|o| o.map_or(Value::Null, |o| json!(o))).collect::<Vec<_>>()),
    );
    Value::Object(m)
}

/// A row. `select` (when not empty and not `*`) limits the user columns returned; the `$`
/// fields are always present. Relationships show the stored related id on the side that
/// holds one and are absent otherwise, until `relations::populate` fills them.
pub fn row(api: Api, t: &TableRecord, r: &RowRecord, select: &[String]) -> Value {
    let mut m = Map::new();
    m.insert("$id".into(), json!(r.id));
    m.insert("$sequence".into(), json!(r.seq.to_string()));
    m.insert(api.table_id_field().into(), json!(t.id));
    m.insert("$databaseId".into(), json!(t.database_id));
    m.insert("$createdAt".into(), json!(dt(r.created_at)));
    m.insert("$updatedAt".into(), json!(dt(r.updated_at)));
    m.insert("$permissions".into(), json!(r.permissions));
    let all = select.is_empty() || select.iter().any(|s| s == "*");
    for c in &t.columns {
        if !c.is_physical() || !super::relations::visible(c) || !(all || select.contains(&c.key)) {
            continue;
        }
        m.insert(c.key.clone(), r.data.get(&c.key).cloned().unwrap_or(Value::Null));
    }
    Value::Object(m)
}

/// A page of rows, serialized straight from the records (no intermediate JSON objects: a
/// list is the hottest path of the API). `populated` replaces the rows when relationships
/// were loaded into them.
pub struct RowList {
    pub api: Api,
    pub table: TableRecord,
    pub rows: Vec<RowRecord>,
    pub select: Vec<String>,
    pub total: u64,
    pub populated: Option<Vec<Value>>,
}

struct RowRef<'a> {
    api: Api,
    table: &'a TableRecord,
    row: &'a RowRecord,
    all: bool,
    select: &'a [String],
}

impl serde::Serialize for RowRef<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let (t, r) = (self.table, self.row);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("$id", &r.id)?;
        m.serialize_entry("$sequence", &r.seq.to_string())?;
        m.serialize_entry(self.api.table_id_field(), &t.id)?;
        m.serialize_entry("$databaseId", &t.database_id)?;
        m.serialize_entry("$createdAt", &dt(r.created_at))?;
        m.serialize_entry("$updatedAt", &dt(r.updated_at))?;
        m.serialize_entry("$permissions", &r.permissions)?;
        for c in &t.columns {
            if !c.is_physical() || !super::relations::visible(c) || !(self.all || self.select.contains(&c.key)) {
                continue;
            }
            m.serialize_entry(&c.key, r.data.get(&c.key).unwrap_or(&Value::Null))?;
        }
        m.end()
    }
}

impl serde::Serialize for RowList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        struct Rows<'a>(&'a RowList);
        impl serde::Serialize for Rows<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let l = self.0;
                if let Some(p) = &l.populated {
                    return p.serialize(s);
                }
                let all = l.select.is_empty() || l.select.iter().any(|x| x == "*");
                let mut seq = s.serialize_seq(Some(l.rows.len()))?;
                for row in &l.rows {
                    seq.serialize_element(&RowRef { api: l.api, table: &l.table, row, all, select: &l.select })?;
                }
                seq.end()
            }
        }
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("total", &self.total)?;
        m.serialize_entry(self.api.rows_field(), &Rows(self))?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxwrite_types::schema::{Column, ColumnType};

    #[test]
    fn a_streamed_list_equals_the_row_models() {
        let column = |key: &str| Column {
            key: key.into(),
            column_type: ColumnType::Varchar,
            required: false,
            array: false,
            size: Some(10),
            min: None,
            max: None,
            default: Value::Null,
            elements: vec![],
            encrypt: false,
            relation: None,
            status: "available".into(),
            error: String::new(),
            created_at: 0,
            updated_at: 0,
        };
        let table = TableRecord {
            project_id: "p".into(),
            database_id: "d".into(),
            id: "t".into(),
            seq: 1,
            name: "t".into(),
            enabled: true,
            row_security: false,
            permissions: vec![],
            columns: vec![column("a"), column("b")],
            indexes: vec![],
            created_at: 0,
            updated_at: 0,
        };
        let mut data = Map::new();
        data.insert("a".into(), json!("x"));
        let row = RowRecord { seq: 7, id: "r".into(), created_at: 1, updated_at: 2, permissions: vec!["read(\"any\")".into()], data };
        for (api, select) in [(Api::Tables, vec![]), (Api::Legacy, vec!["b".to_owned()])] {
            let list = RowList { api, table: table.clone(), rows: vec![row.clone()], select: select.clone(), total: 9, populated: None };
            let expected = json!({ "total": 9, api.rows_field(): [super::row(api, &table, &row, &select)] });
            assert_eq!(serde_json::to_value(&list).unwrap(), expected);
        }
    }
}
