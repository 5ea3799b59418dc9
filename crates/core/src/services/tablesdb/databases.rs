//! Databases: create, list, get, update, delete (cascading to tables and rows).

use oxwrite_types::{ErrorType, query};
use serde_json::Value;

use super::{Api, load_database, publish, views};
use crate::app::{App, now_ms};
use crate::caller::Caller;
use crate::ports::StoreError;
use crate::records::DatabaseRecord;
use crate::services::lists::{self, ListInput};
use crate::services::users::list_error;
use crate::{Error, Result, secrets, validate};

const EVENT: &str = "databases.[databaseId]";

fn emit(app: &App, caller: &Caller, action: &str, db: &DatabaseRecord, payload: Value) {
    publish(app, caller, &[&format!("{EVENT}.{action}")], &[("databaseId", &db.id)], || payload, || None);
}

pub async fn create(app: &App, caller: &Caller, api: Api, id: &str, name: String, enabled: Option<bool>) -> Result<Value> {
    let id = secrets::resolve_id("databaseId", id)?;
    validate::name("name", &name)?;
    let now = now_ms();
    let db = DatabaseRecord {
        project_id: caller.project.id.clone(),
        id,
        name,
        enabled: enabled.unwrap_or(true),
        kind: api.database_kind().to_owned(),
        created_at: now,
        updated_at: now,
    };
    app.store.create_database(db.clone()).await.map_err(|e| match e {
        StoreError::Conflict(_) => Error::with(ErrorType::DatabaseAlreadyExists, &db.id),
        other => Error::internal(other),
    })?;
    let model = views::database(&db);
    emit(app, caller, "create", &db, model.clone());
    Ok(model)
}

pub async fn list(app: &App, caller: &Caller, api: Api, input: ListInput) -> Result<Value> {
    let mut params = lists::params(input, query::DATABASES_QUERY_ATTRIBUTES)?;
    // appwrite-compat: the legacy list shows only legacy databases; TablesDB lists all.
    if api == Api::Legacy {
        params.queries.push(query::Query::new(query::Method::Equal, Some("type".into()), vec![Value::from("legacy")]));
    }
    let page = app.store.list_databases(&caller.project.id, params).await.map_err(list_error)?;
    let items: Vec<Value> = page.items.iter().map(views::database).collect();
    Ok(serde_json::json!({ "total": page.total, "databases": items }))
}

pub async fn get(app: &App, caller: &Caller, id: &str) -> Result<Value> {
    Ok(views::database(&load_database(app, caller, id).await?))
}

pub async fn update(app: &App, caller: &Caller, id: &str, name: Option<String>, enabled: Option<bool>) -> Result<Value> {
    let mut db = load_database(app, caller, id).await?;
    if let Some(name) = name {
        validate::name("name", &name)?;
        db.name = name;
    }
    // appwrite-compat: an omitted `enabled` means enabled, as in Appwrite.
    db.enabled = enabled.unwrap_or(true);
    db.updated_at = now_ms();
    app.store.update_database(db.clone()).await.map_err(Error::internal)?;
    let model = views::database(&db);
    emit(app, caller, "update", &db, model.clone());
    Ok(model)
}

pub async fn delete(app: &App, caller: &Caller, id: &str) -> Result<()> {
    let db = load_database(app, caller, id).await?;
    app.store.delete_database(&db.project_id, &db.id).await.map_err(Error::internal)?;
    emit(app, caller, "delete", &db, views::database(&db));
    Ok(())
}
