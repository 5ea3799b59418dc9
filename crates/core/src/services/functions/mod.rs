//! Functions (`/v1/functions`, PROTOCOL.md §11): functions and their variables (keys),
//! deployments (uploaded like files, built by the `Runtimes` port), executions (HTTP, events,
//! schedules; sync, or async from a durable queue), and the short-lived key each execution
//! gets. Behaviour follows Appwrite 1.9.6.
//!
//! - `crud`: functions themselves (CRUD), runtimes, specifications, activating a deployment.
//! - `variables`: the function's environment (secret values are never shown).
//! - `deployments`: upload (chunked, through the project's hidden deployments bucket), build,
//!   download, cancel, duplicate, delete.
//! - `executions`: create (sync / async / scheduled), run, list, get, delete; the queue worker.
//! - `triggers`: event and cron triggers.

pub mod deployments;
pub mod executions;
pub mod crud;
pub mod triggers;
pub mod variables;

use oxwrite_types::ErrorType;
use serde_json::{Value, json};

use crate::app::App;
use crate::caller::Caller;
use crate::records::{DeploymentRecord, FunctionRecord, VariableRecord};
use crate::{Error, Result};

/// Machine specifications (`/v1/functions/specifications`): slug, CPUs, memory in MiB.
pub const SPECIFICATIONS: &[(&str, f64, i64)] = &[
    ("s-0.5vcpu-512mb", 0.5, 512),
    ("s-1vcpu-512mb", 1.0, 512),
    ("s-1vcpu-1gb", 1.0, 1024),
    ("s-2vcpu-2gb", 2.0, 2048),
    ("s-2vcpu-4gb", 2.0, 4096),
    ("s-4vcpu-4gb", 4.0, 4096),
    ("s-4vcpu-8gb", 4.0, 8192),
    ("s-8vcpu-4gb", 8.0, 4096),
    ("s-8vcpu-8gb", 8.0, 8192),
];
/// What Appwrite self-hosted stores when no specification is given: the largest.
pub const DEFAULT_SPECIFICATION: &str = "s-8vcpu-8gb";

pub(crate) fn specification(slug: &str) -> (f64, i64) {
    SPECIFICATIONS.iter().find(|(s, _, _)| *s == slug).map_or((8.0, 8192), |(_, c, m)| (*c, *m))
}

/// The function, if it exists: `404 function_not_found`.
pub(crate) async fn load_function(app: &App, caller: &Caller, id: &str) -> Result<FunctionRecord> {
    let f = if crate::services::bad_id(id) {
        None
    } else {
        app.store.get_function(&caller.project.id, id).await.map_err(Error::internal)?
    };
    f.ok_or_else(|| Error::with(ErrorType::FunctionNotFound, id))
}

pub(crate) fn variable_model(v: &VariableRecord) -> Value {
    use oxwrite_types::time::format_millis_opt as dt;
    json!({
        "$id": v.id,
        "$createdAt": dt(v.created_at),
        "$updatedAt": dt(v.updated_at),
        "key": v.key,
        "value": if v.secret { "" } else { v.value.as_str() },
        "secret": v.secret,
        "resourceType": "function",
        "resourceId": v.function_id,
    })
}

pub(crate) fn function_model(f: &FunctionRecord, vars: &[VariableRecord]) -> Value {
    use oxwrite_types::time::format_millis_opt as dt;
    json!({
        "$id": f.id,
        "$createdAt": dt(f.created_at),
        "$updatedAt": dt(f.updated_at),
        "execute": f.execute,
        "name": f.name,
        "enabled": f.enabled,
        "live": f.live,
        "logging": f.logging,
        "runtime": f.runtime,
        "deploymentRetention": f.deployment_retention,
        "deploymentId": f.deployment_id,
        "deploymentCreatedAt": dt(f.deployment_created_at),
        "latestDeploymentId": f.latest_deployment_id,
        "latestDeploymentCreatedAt": dt(f.latest_deployment_created_at),
        "latestDeploymentStatus": f.latest_deployment_status,
        "scopes": f.scopes,
        "vars": vars.iter().map(variable_model).collect::<Vec<_>>(),
        "events": f.events,
        "schedule": f.schedule,
        "timeout": f.timeout,
        "entrypoint": f.entrypoint,
        "commands": f.commands,
        "version": "v5",
        "installationId": "",
        "providerRepositoryId": "",
        "providerBranch": "",
        "providerRootDirectory": "",
        "providerSilentMode": false,
        "providerBranches": [],
        "providerPaths": [],
        "buildSpecification": f.build_specification,
        "runtimeSpecification": f.runtime_specification,
    })
}

pub(crate) fn deployment_model(d: &DeploymentRecord) -> Value {
    use oxwrite_types::time::format_millis_opt as dt;
    json!({
        "$id": d.id,
        "$createdAt": dt(d.created_at),
        "$updatedAt": dt(d.updated_at),
        "type": d.kind,
        "resourceId": d.function_id,
        "resourceType": "functions",
        "entrypoint": d.entrypoint,
        "sourceSize": d.source_size,
        "buildSize": d.build_size,
        "totalSize": d.source_size + d.build_size,
        "buildId": "",
        "activate": d.activate,
        "screenshotLight": "",
        "screenshotDark": "",
        "status": d.status,
        "buildLogs": d.build_logs,
        "buildDuration": d.build_duration,
        "providerRepositoryName": "",
        "providerRepositoryOwner": "",
        "providerRepositoryUrl": "",
        "providerCommitHash": "",
        "providerCommitAuthorUrl": "",
        "providerCommitAuthor": "",
        "providerCommitMessage": "",
        "providerCommitUrl": "",
        "providerBranch": "",
        "providerBranchUrl": "",
    })
}

/// All the function's variables (for its model and its environment).
pub(crate) async fn all_variables(app: &App, f: &FunctionRecord) -> Result<Vec<VariableRecord>> {
    let params = crate::ports::ListParams {
        queries: vec![oxwrite_types::query::Query::new(oxwrite_types::query::Method::Limit, None, vec![Value::from(1000)])],
        search: None,
        total: false,
    };
    Ok(app.store.list_variables(&f.project_id, &f.id, params).await.map_err(Error::internal)?.items)
}

/// Publishes `functions.[functionId](.<rest>).<action>`.
pub(crate) fn emit(app: &App, caller: &Caller, pattern: &str, params: &[(&str, &str)], payload: impl FnOnce() -> Value) {
    crate::services::publish(app, caller, &[pattern], params, payload, || None);
}

/// Starts the background work of functions: the execution queue, event and schedule
/// triggers, and builds a restart interrupted. Returns the tasks (abort them to stop).
pub fn start(app: std::sync::Arc<App>, events: tokio::sync::broadcast::Receiver<crate::ports::Event>) -> Vec<tokio::task::JoinHandle<()>> {
    let resume = app.clone();
    vec![
        tokio::spawn(executions::run_queue(app.clone())),
        tokio::spawn(triggers::run_events(app.clone(), events)),
        tokio::spawn(triggers::run_schedules(app)),
        tokio::spawn(async move { deployments::resume_builds(&resume).await }),
    ]
}
