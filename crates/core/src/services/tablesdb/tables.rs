//! Tables (legacy: collections): create (with columns and indexes), list, get, update,
//! delete (dropping the SQL table and its rows).

use oxwrite_types::query::{self, Method};
use serde_json::{Value, json};

use super::{Api, Part, access, columns, indexes, load_database, load_table, publish_table_event, views};
use crate::app::{App, now_ms};
use crate::caller::Caller;
use crate::ports::{ListParams, StoreError};
use crate::records::TableRecord;
use crate::services::lists::{self, ListInput};
use crate::services::users::list_error;
use crate::{Error, Result, secrets, validate};

fn emit(app: &App, caller: &Caller, action: &str, api: Api, t: &TableRecord) {
    publish_table_event(app, caller, t, Part::Table, action, || views::table(api, t), || None);
}

pub struct NewTable {
    pub id: String,
    pub name: String,
    pub permissions: Option<Vec<String>>,
    pub row_security: Option<bool>,
    pub enabled: Option<bool>,
    pub columns: Option<Vec<Value>>,
    pub indexes: Option<Vec<Value>>,
}

pub async fn create(app: &App, caller: &Caller, api: Api, database: &str, input: NewTable) -> Result<Value> {
    let db = load_database(app, caller, database).await?;
    let id = secrets::resolve_id(&format!("{}Id", api.pick_noun()), &input.id)?;
    validate::name("name", &input.name)?;
    let permissions = access::container_permissions(&input.permissions.unwrap_or_default())?;
    let now = now_ms();
    let cols = input
        .columns
        .unwrap_or_default()
        .iter()
        .map(|v| columns::from_json(api, v, now))
        .collect::<Result<Vec<_>>>()?;
    columns::check_fit(api, &id, &cols)?;
    let mut table = TableRecord {
        project_id: caller.project.id.clone(),
        database_id: db.id.clone(),
        id,
        seq: 0,
        name: input.name,
        enabled: input.enabled.unwrap_or(true),
        row_security: input.row_security.unwrap_or(false),
        permissions,
        columns: cols,
        indexes: Vec::new(),
        created_at: now,
        updated_at: now,
    };
    for v in input.indexes.unwrap_or_default() {
        let index = indexes::from_json(api, &table, &v, now)?;
        table.indexes.push(index);
    }
    let id = table.id.clone();
    let table = app.store.create_table(table).await.map_err(|e| match e {
        StoreError::Conflict("id") => Error::with(api.table_already_exists(), &id),
        other => Error::internal(other),
    })?;
    emit(app, caller, "create", api, &table);
    Ok(views::table(api, &table))
}

pub async fn list(app: &App, caller: &Caller, api: Api, database: &str, input: ListInput) -> Result<Value> {
    let db = load_database(app, caller, database).await?;
    let params = lists::params(input, &legacy_attributes(api))?;
    let page = app.store.list_tables(&caller.project.id, &db.id, params).await.map_err(list_error)?;
    let items: Vec<Value> = page.items.iter().map(|t| views::table(api, t)).collect();
    Ok(json!({ "total": page.total, api.tables_field(): items }))
}

/// The attributes table lists may be queried by (`documentSecurity` for the legacy API).
fn legacy_attributes(api: Api) -> Vec<&'static str> {
    query::TABLES_QUERY_ATTRIBUTES
        .iter()
        .map(|a| if *a == "rowSecurity" && api == Api::Legacy { "documentSecurity" } else { *a })
        .collect()
}

pub async fn get(app: &App, caller: &Caller, api: Api, database: &str, id: &str) -> Result<Value> {
    Ok(views::table(api, &load_table(app, caller, api, database, id).await?))
}

pub struct TableUpdate {
    pub name: Option<String>,
    pub permissions: Option<Vec<String>>,
    pub row_security: Option<bool>,
    pub enabled: Option<bool>,
}

pub async fn update(app: &App, caller: &Caller, api: Api, database: &str, id: &str, u: TableUpdate) -> Result<Value> {
    let mut t = load_table(app, caller, api, database, id).await?;
    if let Some(name) = u.name {
        validate::name("name", &name)?;
        t.name = name;
    }
    if let Some(p) = u.permissions {
        t.permissions = access::container_permissions(&p)?;
    }
    // appwrite-compat: omitted flags take their defaults again (row security off, enabled),
    // exactly as Appwrite's update does.
    t.row_security = u.row_security.unwrap_or(false);
    t.enabled = u.enabled.unwrap_or(true);
    t.updated_at = now_ms();
    app.store.update_table(t.clone()).await.map_err(Error::internal)?;
    emit(app, caller, "update", api, &t);
    Ok(views::table(api, &t))
}

pub async fn delete(app: &App, caller: &Caller, api: Api, database: &str, id: &str) -> Result<()> {
    let t = load_table(app, caller, api, database, id).await?;
    app.store.delete_table(&t.project_id, &t.database_id, &t.id).await.map_err(Error::internal)?;
    emit(app, caller, "delete", api, &t);
    Ok(())
}

/// Filters, orders and pages a small list of models (columns, indexes) in memory by their
/// fields: `equal`, `notEqual`, `orderAsc`/`orderDesc`, `limit`, `offset`.
pub fn filter_in_memory(mut items: Vec<Value>, params: &ListParams) -> Result<(u64, Vec<Value>)> {
    let (mut limit, mut offset) = (query::DEFAULT_LIMIT as usize, 0usize);
    for q in &params.queries {
        let attr = q.attribute.as_deref().unwrap_or_default();
        match q.method {
            Method::Equal => items.retain(|m| q.values.contains(m.get(attr).unwrap_or(&Value::Null))),
            Method::NotEqual => items.retain(|m| !q.values.contains(m.get(attr).unwrap_or(&Value::Null))),
            Method::Limit => limit = q.values.first().and_then(Value::as_u64).unwrap_or(25) as usize,
            Method::Offset => offset = q.values.first().and_then(Value::as_u64).unwrap_or(0) as usize,
            Method::OrderAsc | Method::OrderDesc => {
                let key = |m: &Value| m.get(attr).map(ToString::to_string).unwrap_or_default();
                items.sort_by_key(key);
                if q.method == Method::OrderDesc {
                    items.reverse();
                }
            }
            other => {
                return Err(Error::invalid_param("queries", &format!("Invalid query: Method not allowed: {}", other.as_str())));
            }
        }
    }
    let total = if params.total { items.len() as u64 } else { 0 };
    Ok((total, items.into_iter().skip(offset).take(limit).collect()))
}
