//! Deployments: the code of a function (a `tar.gz`, uploaded whole or in 5 MiB chunks exactly
//! like files, into the project's hidden deployments bucket under the deployment's id), its
//! build (the `Runtimes` port runs the function's commands in the deployment's folder), and
//! activation.

use oxwrite_types::{ErrorType, query};
use serde_json::{Value, json};

use super::{all_variables, deployment_model, emit, load_function, specification};
use crate::app::{App, now_ms};
use crate::caller::Caller;
use crate::ports::{BuildJob, StoreError};
use crate::records::{BucketRecord, DeploymentRecord, FunctionRecord};
use crate::services::lists::{self, ListInput};
use crate::services::storage::content::{self, ByteRange, Content};
use crate::services::storage::files::{self, NewFile, Received};
use crate::services::users::list_error;
use crate::{Error, Result};

/// The hidden bucket holding every deployment's code; ids starting with `_` are never user ids.
pub const BUCKET: &str = "_deployments";

/// The project's deployments bucket, created on first use.
async fn bucket(app: &App, project: &str) -> Result<BucketRecord> {
    if let Some(b) = app.store.get_bucket(project, BUCKET).await.map_err(Error::internal)? {
        return Ok(b);
    }
    let now = now_ms();
    let b = BucketRecord {
        project_id: project.to_owned(),
        id: BUCKET.into(),
        name: "Deployments".into(),
        enabled: true,
        maximum_file_size: app.config.compute_size_limit,
        allowed_file_extensions: vec!["gz".into()],
        compression: "none".into(),
        created_at: now,
        updated_at: now,
        ..Default::default()
    };
    match app.store.create_bucket(b).await {
        Ok(b) => Ok(b),
        // Another request created it first.
        Err(StoreError::Conflict(_)) => app.store.get_bucket(project, BUCKET).await.map_err(Error::internal)?.ok_or_else(|| Error::internal("deployments bucket vanished")),
        Err(e) => Err(Error::internal(e)),
    }
}

/// The deployment, if it exists (and, when `function` is given, belongs to it).
pub(crate) async fn load(app: &App, caller: &Caller, function: Option<&FunctionRecord>, id: &str) -> Result<DeploymentRecord> {
    let d = if crate::services::bad_id(id) {
        None
    } else {
        app.store.get_deployment(&caller.project.id, id).await.map_err(Error::internal)?
    };
    match d {
        Some(d) if function.is_none_or(|f| f.id == d.function_id) => Ok(d),
        _ => Err(Error::with(ErrorType::DeploymentNotFound, id)),
    }
}

/// An upload request for a deployment.
pub struct NewDeployment {
    pub upload: NewFile,
    pub activate: bool,
    pub entrypoint: Option<String>,
    pub commands: Option<String>,
    /// `cli` when the CLI sent it, else `manual`.
    pub kind: String,
}

pub async fn create(app: &App, caller: &Caller, function_id: &str, input: NewDeployment) -> Result<Value> {
    let f = load_function(app, caller, function_id).await?;
    let entrypoint = input.entrypoint.filter(|e| !e.is_empty()).unwrap_or_else(|| f.entrypoint.clone());
    if entrypoint.is_empty() {
        return Err(ErrorType::FunctionEntrypointMissing.into());
    }
    if entrypoint.chars().count() > 1028 {
        return Err(Error::invalid_param("entrypoint", "Value must be a valid string and at least 1 chars and no longer than 1028 chars"));
    }
    let commands = input.commands.unwrap_or_else(|| f.commands.clone());
    let b = bucket(app, &f.project_id).await?;
    let mut upload = input.upload;
    // The deployment's id: `X-Appwrite-Id` for later chunks, else a new one.
    upload.file_id = "unique()".into();
    let id = files::upload_id(&upload, "deploymentId")?;
    upload.file_id = id.clone();
    upload.upload_id = Some(id.clone());
    let total = upload.range.map_or(upload.data.len() as i64, |r| i64::try_from(r.total).unwrap_or(i64::MAX));
    let now = now_ms();
    let fresh = DeploymentRecord {
        project_id: f.project_id.clone(),
        function_id: f.id.clone(),
        id: id.clone(),
        kind: input.kind,
        entrypoint,
        commands,
        source_size: total,
        activate: input.activate,
        status: "waiting".into(),
        created_at: now,
        updated_at: now,
        ..Default::default()
    };
    let received = files::receive(app, &b, upload, Vec::new()).await?;
    let (d, _) = app.store.start_deployment(fresh).await.map_err(Error::internal)?;
    if d.function_id != f.id {
        return Err(Error::with(ErrorType::DeploymentNotFound, &id));
    }
    if let Received::Complete(file) = received {
        let mut d = d;
        d.source_size = file.size_original;
        d.updated_at = now_ms();
        app.store.update_deployment(d.clone()).await.map_err(Error::internal)?;
        emit(app, caller, "functions.[functionId].deployments.[deploymentId].create", &[("functionId", &f.id), ("deploymentId", &d.id)], || {
            deployment_model(&d)
        });
        spawn_build(app, d.clone());
        return Ok(deployment_model(&d));
    }
    Ok(deployment_model(&d))
}

/// Builds in the background; the app is reached through `app.me()` so the task owns it.
fn spawn_build(app: &App, d: DeploymentRecord) {
    let Some(app) = app.me() else { return };
    tokio::spawn(async move {
        let _permit = app.builds.acquire().await;
        if let Err(e) = build(&app, d).await {
            tracing::error!(error = %e, "build failed to run");
        }
    });
}

/// Builds every deployment whose build had not finished (after a restart).
pub async fn resume_builds(app: &App) {
    match app.store.unfinished_deployments().await {
        Ok(list) => {
            for d in list {
                spawn_build(app, d);
            }
        }
        Err(e) => tracing::error!(error = %e, "could not list unfinished builds"),
    }
}

fn log_line(color: &str, text: &str) -> String {
    let t = jiff::Timestamp::now().strftime("%H:%M:%S");
    format!("\u{1b}[90m[{t}] \u{1b}[90m[\u{1b}[0mappwrite\u{1b}[90m]{color} {text} \u{1b}[0m\n")
}

/// Runs one build: `waiting` → `processing` → `building` → `ready` | `failed` (unless it is
/// canceled meanwhile), then activates it when asked and nothing newer is active.
async fn build(app: &App, mut d: DeploymentRecord) -> Result<()> {
    let Some(mut f) = app.store.get_function(&d.project_id, &d.function_id).await.map_err(Error::internal)? else {
        return Ok(());
    };
    let started = now_ms();
    d.status = "processing".into();
    d.build_started_at = started;
    d.updated_at = started;
    app.store.update_deployment(d.clone()).await.map_err(Error::internal)?;
    latest(app, &mut f, &d).await?;

    let b = bucket(app, &d.project_id).await?;
    let source = match app.store.get_file(&b, &d.id).await.map_err(Error::internal)? {
        Some(file) if file.complete() => content::original_bytes(app, &file).await?,
        _ => return finish(app, f, d, false, "The deployment's code is missing.".into(), 0, started).await,
    };
    d.status = "building".into();
    d.updated_at = now_ms();
    app.store.update_deployment(d.clone()).await.map_err(Error::internal)?;

    let mut env = environment(app, &f, &d).await?;
    env.push(("APPWRITE_FUNCTION_API_KEY".into(), super::executions::ephemeral_key(app, &f, app.config.build_timeout_secs)?));
    let job = BuildJob {
        deployment: artifact_key(&d.project_id, &d.id),
        runtime: f.runtime.clone(),
        source,
        commands: d.commands.clone(),
        timeout: std::time::Duration::from_secs(u64::try_from(app.config.build_timeout_secs).unwrap_or(900)),
        env,
    };
    let (ok, logs, size) = match app.runtimes.build(job).await {
        Ok(outcome) => (outcome.ok, outcome.logs, outcome.size),
        Err(e) => (false, e, 0),
    };
    finish(app, f, d, ok, logs, i64::try_from(size).unwrap_or(i64::MAX), started).await
}

async fn finish(app: &App, mut f: FunctionRecord, mut d: DeploymentRecord, ok: bool, logs: String, size: i64, started: i64) -> Result<()> {
    // A cancel wins over whatever the build did.
    if let Some(now) = app.store.get_deployment(&d.project_id, &d.id).await.map_err(Error::internal)?
        && now.status == "canceled"
    {
        return Ok(());
    }
    d.status = if ok { "ready" } else { "failed" }.into();
    d.build_logs = if ok {
        format!("{logs}{}", log_line("\u{1b}[32m", "Deployment finished."))
    } else if logs.contains('\u{1b}') {
        logs
    } else {
        format!("{logs}\n\u{1b}[31m{}", "Build failed.")
    };
    d.build_size = if ok { size } else { 0 };
    d.build_duration = (now_ms() - started + 999) / 1000;
    d.updated_at = now_ms();
    app.store.update_deployment(d.clone()).await.map_err(Error::internal)?;
    latest(app, &mut f, &d).await?;
    if ok && d.activate && (f.deployment_id.is_empty() || f.deployment_created_at <= d.created_at) {
        f.deployment_id = d.id.clone();
        f.deployment_created_at = d.created_at;
        f.live = true;
        f.updated_at = now_ms();
        app.store.update_function(f).await.map_err(Error::internal)?;
        app.touch_functions();
    }
    // Published once the deployment is active (when it was to be): waiting for this event is
    // waiting for the function to run the new code.
    let system = Caller::key(crate::records::ProjectRecord { id: d.project_id.clone(), ..Default::default() }, &[]);
    emit(app, &system, "functions.[functionId].deployments.[deploymentId].update", &[("functionId", &d.function_id), ("deploymentId", &d.id)], || {
        deployment_model(&d)
    });
    Ok(())
}

/// Keeps `latestDeployment*` on the newest deployment.
async fn latest(app: &App, f: &mut FunctionRecord, d: &DeploymentRecord) -> Result<()> {
    if f.latest_deployment_id == d.id || f.latest_deployment_created_at <= d.created_at {
        f.latest_deployment_id = d.id.clone();
        f.latest_deployment_created_at = d.created_at;
        f.latest_deployment_status = d.status.clone();
        app.store.update_function(f.clone()).await.map_err(Error::internal)?;
        app.touch_functions();
    }
    Ok(())
}

/// The environment of a build or run: variables, then Appwrite's (which win).
pub(crate) async fn environment(app: &App, f: &FunctionRecord, d: &DeploymentRecord) -> Result<Vec<(String, String)>> {
    let mut env: Vec<(String, String)> = all_variables(app, f).await?.into_iter().map(|v| (v.key, v.value)).collect();
    let runtime = app.runtimes.available().into_iter().find(|r| r.id == f.runtime);
    let (cpus, memory) = specification(&f.runtime_specification);
    let fixed = [
        ("APPWRITE_FUNCTION_API_ENDPOINT", app.endpoint()),
        ("APPWRITE_FUNCTION_ID", f.id.clone()),
        ("APPWRITE_FUNCTION_NAME", f.name.clone()),
        ("APPWRITE_FUNCTION_DEPLOYMENT", d.id.clone()),
        ("APPWRITE_FUNCTION_PROJECT_ID", f.project_id.clone()),
        ("APPWRITE_FUNCTION_RUNTIME_NAME", runtime.as_ref().map(|r| r.name.clone()).unwrap_or_default()),
        ("APPWRITE_FUNCTION_RUNTIME_VERSION", runtime.as_ref().map(|r| r.version.clone()).unwrap_or_default()),
        ("APPWRITE_FUNCTION_CPUS", if cpus.fract() == 0.0 { format!("{}", cpus as i64) } else { cpus.to_string() }),
        ("APPWRITE_FUNCTION_MEMORY", memory.to_string()),
        ("APPWRITE_VERSION", crate::APPWRITE_VERSION.to_owned()),
        ("APPWRITE_REGION", "default".to_owned()),
        ("APPWRITE_DEPLOYMENT_TYPE", d.kind.clone()),
    ];
    for (k, v) in fixed {
        env.retain(|(key, _)| key != k);
        env.push((k.to_owned(), v));
    }
    Ok(env)
}

/// The runtimes' name for a deployment's folder and instances.
pub(crate) fn artifact_key(project: &str, deployment: &str) -> String {
    format!("{project}-{deployment}")
}

pub async fn list(app: &App, caller: &Caller, function_id: &str, input: ListInput) -> Result<Value> {
    let f = load_function(app, caller, function_id).await?;
    let params = lists::params(input, query::DEPLOYMENTS_QUERY_ATTRIBUTES)?;
    let page = app.store.list_deployments(&f.project_id, &f.id, params).await.map_err(list_error)?;
    let items: Vec<Value> = page.items.iter().map(deployment_model).collect();
    Ok(json!({ "total": page.total, "deployments": items }))
}

pub async fn get(app: &App, caller: &Caller, function_id: &str, id: &str) -> Result<Value> {
    let f = load_function(app, caller, function_id).await?;
    Ok(deployment_model(&load(app, caller, Some(&f), id).await?))
}

/// The ids of a function's deployments (for cleaning up after it).
pub(crate) async fn ids_of(app: &App, f: &FunctionRecord) -> Result<Vec<String>> {
    let params = crate::ports::ListParams {
        queries: vec![query::Query::new(query::Method::Limit, None, vec![Value::from(5000)])],
        search: None,
        total: false,
    };
    Ok(app.store.list_deployments(&f.project_id, &f.id, params).await.map_err(Error::internal)?.items.into_iter().map(|d| d.id).collect())
}

/// Removes a deployment's code and its runtime folder and instances (best effort: the record
/// is already gone, so nothing reaches them).
pub(crate) async fn remove_artifacts(app: &App, project: &str, id: &str) {
    app.runtimes.remove(&artifact_key(project, id)).await;
    if let Ok(Some(b)) = app.store.get_bucket(project, BUCKET).await
        && let Ok(Some(file)) = app.store.get_file(&b, id).await
    {
        let _ = app.store.delete_file(project, file.seq).await;
        if let Err(e) = app.blobs.delete_prefix(&file.blob).await {
            tracing::warn!(deployment = %id, error = %e, "could not remove a deployment's code");
        }
    }
}

pub async fn delete(app: &App, caller: &Caller, function_id: &str, id: &str) -> Result<()> {
    let mut f = load_function(app, caller, function_id).await?;
    let d = load(app, caller, Some(&f), id).await?;
    if !app.store.delete_deployment(&d.project_id, &d.id).await.map_err(Error::internal)? {
        return Err(Error::with(ErrorType::DeploymentNotFound, id));
    }
    remove_artifacts(app, &d.project_id, &d.id).await;
    let mut changed = false;
    if f.deployment_id == d.id {
        f.deployment_id.clear();
        f.deployment_created_at = 0;
        changed = true;
    }
    if f.latest_deployment_id == d.id {
        let params = crate::ports::ListParams {
            queries: vec![query::Query::new(query::Method::OrderDesc, Some("$sequence".into()), vec![]), query::Query::new(query::Method::Limit, None, vec![Value::from(1)])],
            search: None,
            total: false,
        };
        let newest = app.store.list_deployments(&f.project_id, &f.id, params).await.map_err(Error::internal)?.items.into_iter().next();
        f.latest_deployment_id = newest.as_ref().map(|n| n.id.clone()).unwrap_or_default();
        f.latest_deployment_created_at = newest.as_ref().map_or(0, |n| n.created_at);
        f.latest_deployment_status = newest.map(|n| n.status).unwrap_or_default();
        changed = true;
    }
    if changed {
        f.updated_at = now_ms();
        app.store.update_function(f.clone()).await.map_err(Error::internal)?;
        app.touch_functions();
    }
    emit(app, caller, "functions.[functionId].deployments.[deploymentId].delete", &[("functionId", &f.id), ("deploymentId", &d.id)], || {
        deployment_model(&d)
    });
    Ok(())
}

/// `PATCH …/deployments/{id}/status`: cancels a build that has not finished.
pub async fn cancel(app: &App, caller: &Caller, function_id: &str, id: &str) -> Result<Value> {
    let _f = load_function(app, caller, function_id).await?;
    let mut d = load(app, caller, None, id).await?;
    if matches!(d.status.as_str(), "ready" | "failed") {
        return Err(ErrorType::BuildAlreadyCompleted.into());
    }
    d.status = "canceled".into();
    d.build_logs.push_str(&log_line("\u{1b}[33m", "Build has been canceled."));
    if d.build_started_at > 0 {
        d.build_duration = (now_ms() - d.build_started_at) / 1000;
    }
    d.updated_at = now_ms();
    app.store.update_deployment(d.clone()).await.map_err(Error::internal)?;
    Ok(deployment_model(&d))
}

/// `POST …/deployments/duplicate`: builds a deployment's code again, as a new deployment, with
/// the function's current entrypoint and commands.
pub async fn duplicate(app: &App, caller: &Caller, function_id: &str, id: &str) -> Result<Value> {
    let f = load_function(app, caller, function_id).await?;
    let d = load(app, caller, None, id).await?;
    let b = bucket(app, &f.project_id).await?;
    let source = match app.store.get_file(&b, &d.id).await.map_err(Error::internal)? {
        Some(file) if file.complete() => content::original_bytes(app, &file).await?,
        _ => return Err(Error::with(ErrorType::DeploymentNotFound, id)),
    };
    let upload = NewFile { file_id: String::new(), upload_id: None, permissions: None, range: None, name: "code.tar.gz".into(), data: source };
    let input = NewDeployment { upload, activate: d.activate, entrypoint: None, commands: None, kind: d.kind.clone() };
    create(app, caller, &f.id, input).await
}

/// `GET …/deployments/{id}/download`: the uploaded code (`source`); built output is not kept
/// as an archive (`output` answers 404 like a missing build).
pub async fn download(app: &App, caller: &Caller, function_id: &str, id: &str, kind: Option<&str>, range: Option<ByteRange>) -> Result<Content> {
    let f = load_function(app, caller, function_id).await?;
    let d = load(app, caller, Some(&f), id).await?;
    match kind.unwrap_or("source") {
        "source" => {}
        "output" => return Err(Error::with(ErrorType::DeploymentNotFound, id)),
        _ => return Err(Error::invalid_param("type", "Value must be one of (source, output)")),
    }
    let b = bucket(app, &f.project_id).await?;
    let key = Caller::key(caller.project.clone(), &[]);
    let mut c = content::read_in(app, &key, &b, &d.id, None, range).await.map_err(|e| match e.kind {
        ErrorType::StorageInvalidRange => e,
        _ => Error::with(ErrorType::DeploymentNotFound, id),
    })?;
    c.name = format!("{}-source.tar.gz", d.id);
    c.mime = "application/gzip".into();
    Ok(c)
}
