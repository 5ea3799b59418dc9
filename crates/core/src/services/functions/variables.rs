//! Function variables: the function's environment. Secret values are never returned (`""`);
//! any change makes the function not `live` until its next deployment.

use oxwrite_types::{ErrorType, query};
use serde_json::{Value, json};

use super::{load_function, variable_model};
use crate::app::{App, now_ms};
use crate::caller::Caller;
use crate::ports::StoreError;
use crate::records::{FunctionRecord, VariableRecord};
use crate::services::lists::{self, ListInput};
use crate::services::users::list_error;
use crate::{Error, Result, secrets};

const MAX_KEY_LEN: usize = 255;
const MAX_VALUE_LEN: usize = 8192;

fn conflict(e: StoreError) -> Error {
    match e {
        StoreError::Conflict(_) => Error::new(ErrorType::VariableAlreadyExists),
        other => Error::internal(other),
    }
}

fn check(key: &str, value: &str) -> Result<()> {
    if key.is_empty() || key.chars().count() > MAX_KEY_LEN {
        return Err(Error::invalid_param("key", &format!("Value must be a valid string and at least 1 chars and no longer than {MAX_KEY_LEN} chars")));
    }
    if value.chars().count() > MAX_VALUE_LEN {
        return Err(Error::invalid_param("value", &format!("Value must be a valid string and no longer than {MAX_VALUE_LEN} chars")));
    }
    Ok(())
}

async fn not_live(app: &App, mut f: FunctionRecord) -> Result<()> {
    if f.live {
        f.live = false;
        f.updated_at = now_ms();
        app.store.update_function(f).await.map_err(Error::internal)?;
        app.touch_functions();
    }
    Ok(())
}

async fn load(app: &App, caller: &Caller, f: &FunctionRecord, id: &str) -> Result<VariableRecord> {
    let v = if crate::services::bad_id(id) {
        None
    } else {
        app.store.get_variable(&caller.project.id, &f.id, id).await.map_err(Error::internal)?
    };
    v.ok_or_else(|| Error::new(ErrorType::VariableNotFound))
}

pub async fn create(app: &App, caller: &Caller, function_id: &str, id: &str, key: String, value: String, secret: Option<bool>) -> Result<Value> {
    let f = load_function(app, caller, function_id).await?;
    let id = secrets::resolve_id("variableId", id)?;
    check(&key, &value)?;
    let now = now_ms();
    let v = VariableRecord {
        project_id: f.project_id.clone(),
        function_id: f.id.clone(),
        id,
        key,
        value,
        secret: secret.unwrap_or(true),
        created_at: now,
        updated_at: now,
    };
    app.store.create_variable(v.clone()).await.map_err(conflict)?;
    not_live(app, f).await?;
    Ok(variable_model(&v))
}

pub async fn list(app: &App, caller: &Caller, function_id: &str, input: ListInput) -> Result<Value> {
    let f = load_function(app, caller, function_id).await?;
    let mut params = lists::params(input, query::VARIABLES_QUERY_ATTRIBUTES)?;
    // Every variable here is the function's: `resourceType` / `resourceId` filters match all
    // or nothing, which the store cannot see; drop the ones that match all.
    params.queries.retain(|q| !matches!(q.attribute.as_deref(), Some("resourceType" | "resourceId")));
    let page = app.store.list_variables(&f.project_id, &f.id, params).await.map_err(list_error)?;
    let items: Vec<Value> = page.items.iter().map(variable_model).collect();
    Ok(json!({ "total": page.total, "variables": items }))
}

pub async fn get(app: &App, caller: &Caller, function_id: &str, id: &str) -> Result<Value> {
    let f = load_function(app, caller, function_id).await?;
    Ok(variable_model(&load(app, caller, &f, id).await?))
}

pub async fn update(app: &App, caller: &Caller, function_id: &str, id: &str, key: Option<String>, value: Option<String>, secret: Option<bool>) -> Result<Value> {
    let f = load_function(app, caller, function_id).await?;
    let mut v = load(app, caller, &f, id).await?;
    if key.is_none() && value.is_none() && secret.is_none() {
        return Err(ErrorType::GeneralArgumentInvalid.into());
    }
    if v.secret && secret == Some(false) {
        return Err(ErrorType::VariableCannotUnsetSecret.into());
    }
    if let Some(k) = key {
        v.key = k;
    }
    if let Some(val) = value {
        v.value = val;
    }
    if let Some(s) = secret {
        v.secret = s;
    }
    check(&v.key, &v.value)?;
    v.updated_at = now_ms();
    app.store.update_variable(v.clone()).await.map_err(conflict)?;
    not_live(app, f).await?;
    Ok(variable_model(&v))
}

pub async fn delete(app: &App, caller: &Caller, function_id: &str, id: &str) -> Result<()> {
    let f = load_function(app, caller, function_id).await?;
    let v = load(app, caller, &f, id).await?;
    if !app.store.delete_variable(&f.project_id, &f.id, &v.id).await.map_err(Error::internal)? {
        return Err(ErrorType::VariableNotFound.into());
    }
    not_live(app, f).await
}
