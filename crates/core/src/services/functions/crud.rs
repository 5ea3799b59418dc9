//! Functions: create, list, get, update (PUT: omitted settings return to their defaults, as in
//! Appwrite), delete (with variables, deployments, executions), activating a deployment, and
//! the runtimes and specifications this host offers.

use oxwrite_types::role::Role;
use oxwrite_types::{ErrorType, query};
use serde_json::{Value, json};

use super::{DEFAULT_SPECIFICATION, SPECIFICATIONS, all_variables, deployments, emit, function_model, load_function};
use crate::app::{App, now_ms};
use crate::caller::Caller;
use crate::ports::StoreError;
use crate::records::{FunctionRecord, VariableRecord};
use crate::services::lists::{self, ListInput};
use crate::services::project::validate_scopes;
use crate::services::users::list_error;
use crate::{Error, Result, secrets, validate};

pub const MAX_TIMEOUT: i64 = 900;
pub const DEFAULT_TIMEOUT: i64 = 15;
const MAX_ROLES: usize = 100;
const MAX_EVENTS: usize = 100;
/// Event types a function may listen to (Appwrite's `events.php` keys, less `functions`).
const EVENT_TYPES: &[&str] = &["users", "databases", "buckets", "teams", "sites", "messages", "topics", "providers", "schedules", "rules", "reports"];
/// Runtime families Appwrite knows; an id of one of these that this host cannot run is
/// `function_runtime_unsupported`, anything else a bad parameter.
const RUNTIME_FAMILIES: &[&str] =
    &["node", "php", "ruby", "python", "python-ml", "deno", "dart", "dotnet", "java", "swift", "kotlin", "cpp", "bun", "go", "static", "flutter"];

/// A function's settings as create and update take them.
#[derive(Debug, Default, Clone)]
pub struct FunctionInput {
    pub name: String,
    pub runtime: Option<String>,
    pub execute: Option<Vec<String>>,
    pub events: Option<Vec<String>>,
    pub schedule: Option<String>,
    pub timeout: Option<i64>,
    pub enabled: Option<bool>,
    pub logging: Option<bool>,
    pub entrypoint: Option<String>,
    pub commands: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub build_specification: Option<String>,
    pub runtime_specification: Option<String>,
    pub deployment_retention: Option<i64>,
}

fn check_runtime(app: &App, runtime: &str) -> Result<()> {
    let available = app.runtimes.available();
    if available.iter().any(|r| r.id == runtime) {
        return Ok(());
    }
    let family = runtime.rsplit_once('-').map_or("", |(f, _)| f);
    if RUNTIME_FAMILIES.contains(&family) {
        return Err(Error::msg(ErrorType::FunctionRuntimeUnsupported, format!("Runtime \"{runtime}\" is not supported")));
    }
    let ids: Vec<String> = available.into_iter().map(|r| r.id).collect();
    Err(Error::invalid_param("runtime", &format!("Value must be one of ({})", ids.join(", "))))
}

fn check_roles(roles: &[String]) -> Result<()> {
    if roles.len() > MAX_ROLES {
        return Err(Error::invalid_param("execute", &format!("You can only provide up to {MAX_ROLES} roles.")));
    }
    for r in roles {
        Role::parse(r).map_err(|e| Error::invalid_param("execute", &e.to_string()))?;
    }
    Ok(())
}

/// Appwrite's `FunctionEvent` validator: 2 to 7 parts, a known type, never `functions.*`.
fn check_events(events: &[String]) -> Result<()> {
    let bad = |why: &str| Error::invalid_param("events", &format!("Value must a valid array no longer than {MAX_EVENTS} items and {why}"));
    if events.len() > MAX_EVENTS {
        return Err(bad("Event is not valid."));
    }
    for e in events {
        if e.starts_with("functions.") {
            return Err(bad("Triggering a function on a function event is not allowed."));
        }
        let parts: Vec<&str> = e.split('.').collect();
        if !(2..=7).contains(&parts.len()) || !EVENT_TYPES.contains(&parts[0]) || parts.iter().any(|p| p.is_empty() || p.len() > 36) {
            return Err(bad("Event is not valid."));
        }
    }
    Ok(())
}

pub(crate) fn parse_cron(schedule: &str) -> Option<croner::Cron> {
    schedule.parse::<croner::Cron>().ok()
}

fn check_specification(param: &str, slug: &str) -> Result<()> {
    if SPECIFICATIONS.iter().any(|(s, _, _)| *s == slug) {
        return Ok(());
    }
    let all: Vec<&str> = SPECIFICATIONS.iter().map(|(s, _, _)| *s).collect();
    Err(Error::invalid_param(param, &format!("Specification must be one of: {}", all.join(", "))))
}

/// Validates `input` and writes it over `f` (defaults for what is omitted, as Appwrite's PUT).
fn apply(app: &App, f: &mut FunctionRecord, input: FunctionInput) -> Result<()> {
    validate::name("name", &input.name)?;
    if input.name.is_empty() {
        return Err(Error::invalid_param("name", "Value must be a valid string and at least 1 chars and no longer than 128 chars"));
    }
    if let Some(r) = input.runtime.filter(|r| !r.is_empty()) {
        check_runtime(app, &r)?;
        f.runtime = r;
    }
    let execute = input.execute.unwrap_or_default();
    check_roles(&execute)?;
    let events = input.events.unwrap_or_default();
    check_events(&events)?;
    let schedule = input.schedule.unwrap_or_default();
    if !schedule.is_empty() && parse_cron(&schedule).is_none() {
        return Err(Error::invalid_param("schedule", "String must be a valid cron expression"));
    }
    let timeout = input.timeout.unwrap_or(DEFAULT_TIMEOUT);
    if !(1..=MAX_TIMEOUT).contains(&timeout) {
        return Err(Error::invalid_param("timeout", &format!("Value must be a valid range between 1 and {MAX_TIMEOUT}")));
    }
    let entrypoint = input.entrypoint.unwrap_or_default();
    if entrypoint.chars().count() > 1028 {
        return Err(Error::invalid_param("entrypoint", "Value must be a valid string and no longer than 1028 chars"));
    }
    let commands = input.commands.unwrap_or_default();
    if commands.chars().count() > 8192 {
        return Err(Error::invalid_param("commands", "Value must be a valid string and no longer than 8192 chars"));
    }
    let scopes = input.scopes.unwrap_or_default();
    if scopes.len() > 100 || scopes.iter().any(|s| !oxwrite_types::scope::is_project_key_scope(s)) {
        let all = oxwrite_types::scope::PROJECT_KEY_SCOPES.join(", ");
        return Err(Error::invalid_param("scopes", &format!("Value must a valid array no longer than 100 items and Value must be one of ({all})")));
    }
    let scopes = validate_scopes(&scopes)?;
    let build_spec = input.build_specification.unwrap_or_else(|| DEFAULT_SPECIFICATION.into());
    check_specification("buildSpecification", &build_spec)?;
    let runtime_spec = input.runtime_specification.unwrap_or_else(|| DEFAULT_SPECIFICATION.into());
    check_specification("runtimeSpecification", &runtime_spec)?;
    let retention = input.deployment_retention.unwrap_or(0);
    if !(0..=36500).contains(&retention) {
        return Err(Error::invalid_param("deploymentRetention", "Value must be a valid range between 0 and 36500"));
    }
    f.name = input.name;
    f.execute = execute;
    f.events = events;
    f.schedule = schedule;
    f.timeout = timeout;
    f.enabled = input.enabled.unwrap_or(true);
    f.logging = input.logging.unwrap_or(true);
    if !entrypoint.is_empty() || f.entrypoint.is_empty() {
        f.entrypoint = entrypoint;
    }
    f.commands = commands;
    f.scopes = scopes;
    f.build_specification = build_spec;
    f.runtime_specification = runtime_spec;
    f.deployment_retention = retention;
    Ok(())
}

pub async fn create(app: &App, caller: &Caller, id: &str, input: FunctionInput) -> Result<Value> {
    let id = secrets::resolve_id("functionId", id)?;
    let runtime = input.runtime.clone().unwrap_or_default();
    if runtime.is_empty() {
        return Err(Error::missing_param("runtime"));
    }
    let now = now_ms();
    let mut f = FunctionRecord { project_id: caller.project.id.clone(), id, live: true, created_at: now, updated_at: now, ..Default::default() };
    apply(app, &mut f, input)?;
    let f = app.store.create_function(f).await.map_err(|e| match e {
        StoreError::Conflict(_) => Error::new(ErrorType::FunctionAlreadyExists),
        other => Error::internal(other),
    })?;
    app.touch_functions();
    let model = function_model(&f, &[]);
    emit(app, caller, "functions.[functionId].create", &[("functionId", &f.id)], || model.clone());
    Ok(model)
}

pub async fn list(app: &App, caller: &Caller, input: ListInput) -> Result<Value> {
    let params = lists::params(input, query::FUNCTIONS_QUERY_ATTRIBUTES)?;
    let page = app.store.list_functions(&caller.project.id, params).await.map_err(list_error)?;
    let ids: Vec<String> = page.items.iter().map(|f| f.id.clone()).collect();
    let mut variables: std::collections::HashMap<String, Vec<VariableRecord>> = std::collections::HashMap::new();
    for v in app.store.variables_of(&caller.project.id, &ids).await.map_err(Error::internal)? {
        variables.entry(v.function_id.clone()).or_default().push(v);
    }
    let items: Vec<Value> = page.items.iter().map(|f| function_model(f, variables.get(&f.id).map_or(&[][..], Vec::as_slice))).collect();
    Ok(json!({ "total": page.total, "functions": items }))
}

pub async fn get(app: &App, caller: &Caller, id: &str) -> Result<Value> {
    let f = load_function(app, caller, id).await?;
    Ok(function_model(&f, &all_variables(app, &f).await?))
}

pub async fn update(app: &App, caller: &Caller, id: &str, input: FunctionInput) -> Result<Value> {
    let mut f = load_function(app, caller, id).await?;
    let before = (f.name.clone(), f.entrypoint.clone(), f.commands.clone(), f.runtime.clone());
    apply(app, &mut f, input)?;
    f.live = before == (f.name.clone(), f.entrypoint.clone(), f.commands.clone(), f.runtime.clone());
    f.updated_at = now_ms();
    app.store.update_function(f.clone()).await.map_err(Error::internal)?;
    app.touch_functions();
    let model = function_model(&f, &all_variables(app, &f).await?);
    emit(app, caller, "functions.[functionId].update", &[("functionId", &f.id)], || model.clone());
    Ok(model)
}

pub async fn delete(app: &App, caller: &Caller, id: &str) -> Result<()> {
    let f = load_function(app, caller, id).await?;
    let ids = deployments::ids_of(app, &f).await?;
    if !app.store.delete_function(&f.project_id, &f.id).await.map_err(Error::internal)? {
        return Err(Error::with(ErrorType::FunctionNotFound, id));
    }
    app.touch_functions();
    for d in ids {
        deployments::remove_artifacts(app, &f.project_id, &d).await;
    }
    let model = function_model(&f, &[]);
    emit(app, caller, "functions.[functionId].delete", &[("functionId", &f.id)], || model);
    Ok(())
}

/// `PATCH /functions/{id}/deployment`: make a ready deployment the active one.
pub async fn update_deployment(app: &App, caller: &Caller, id: &str, deployment_id: &str) -> Result<Value> {
    let mut f = load_function(app, caller, id).await?;
    let d = deployments::load(app, caller, None, deployment_id).await?;
    if d.status != "ready" {
        return Err(ErrorType::BuildNotReady.into());
    }
    f.deployment_id = d.id.clone();
    f.deployment_created_at = d.created_at;
    f.updated_at = now_ms();
    app.store.update_function(f.clone()).await.map_err(Error::internal)?;
    app.touch_functions();
    emit(app, caller, "functions.[functionId].deployments.[deploymentId].update", &[("functionId", &f.id), ("deploymentId", &d.id)], || {
        super::deployment_model(&d)
    });
    Ok(function_model(&f, &all_variables(app, &f).await?))
}

pub fn list_runtimes(app: &App) -> Value {
    let runtimes: Vec<Value> = app
        .runtimes
        .available()
        .into_iter()
        .map(|r| json!({"$id": r.id, "key": r.key, "name": r.name, "version": r.version, "base": r.base, "image": r.image, "logo": r.logo, "supports": r.supports}))
        .collect();
    json!({ "total": runtimes.len(), "runtimes": runtimes })
}

pub fn list_specifications() -> Value {
    let specs: Vec<Value> = SPECIFICATIONS
        .iter()
        .map(|(slug, cpus, memory)| {
            let cpus = if cpus.fract() == 0.0 { json!(*cpus as i64) } else { json!(cpus) };
            json!({"memory": memory, "cpus": cpus, "enabled": true, "slug": slug})
        })
        .collect();
    json!({ "total": specs.len(), "specifications": specs })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_follow_appwrites_validator() {
        assert!(check_events(&["databases.*.tables.*.rows.*.create".into(), "users.*.create".into(), "buckets.*.files.*.create".into()]).is_ok());
        let e = check_events(&["functions.*.executions.*.create".into()]).unwrap_err();
        assert!(e.message().ends_with("Triggering a function on a function event is not allowed."));
        assert!(check_events(&["nonsense".into()]).is_err());
        assert!(check_events(&["tablesdb.*.tables.*.rows.*.create".into()]).is_err(), "tablesdb events are not subscribable in 1.9");
    }

    #[test]
    fn cron_expressions_parse() {
        assert!(parse_cron("*/5 * * * *").is_some());
        assert!(parse_cron("0 0 * * 1").is_some());
        assert!(parse_cron("not cron").is_none());
    }
}
