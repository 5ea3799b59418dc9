//! Functions on SQLite: functions, variables, deployments, executions (with the durable queue
//! of executions to run) and the claimed minutes of schedules.

use oxwrite_core::ports::{ListParams, Page, StoreError, StoreResult};
use oxwrite_core::records::{DeploymentRecord, ExecutionRecord, FunctionRecord, VariableRecord};
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::db::Db;
use crate::listing::{self, Kind, Listing};
use crate::rows::{all, internal, json, one, readable_by, strings, write_error};

fn pairs(s: String) -> Vec<(String, String)> {
    serde_json::from_str(&s).unwrap_or_default()
}

const FUNCTION_COLS: &str = "functions.project_id, functions.id, functions.seq, functions.name, functions.runtime, functions.execute, \
    functions.events, functions.schedule, functions.timeout, functions.enabled, functions.live, functions.logging, functions.entrypoint, \
    functions.commands, functions.scopes, functions.build_specification, functions.runtime_specification, functions.deployment_retention, \
    functions.deployment_id, functions.deployment_created_at, functions.latest_deployment_id, functions.latest_deployment_created_at, \
    functions.latest_deployment_status, functions.created_at, functions.updated_at";

fn function(r: &Row) -> rusqlite::Result<FunctionRecord> {
    Ok(FunctionRecord {
        project_id: r.get(0)?,
        id: r.get(1)?,
        seq: r.get(2)?,
        name: r.get(3)?,
        runtime: r.get(4)?,
        execute: strings(r.get(5)?),
        events: strings(r.get(6)?),
        schedule: r.get(7)?,
        timeout: r.get(8)?,
        enabled: r.get(9)?,
        live: r.get(10)?,
        logging: r.get(11)?,
        entrypoint: r.get(12)?,
        commands: r.get(13)?,
        scopes: strings(r.get(14)?),
        build_specification: r.get(15)?,
        runtime_specification: r.get(16)?,
        deployment_retention: r.get(17)?,
        deployment_id: r.get(18)?,
        deployment_created_at: r.get(19)?,
        latest_deployment_id: r.get(20)?,
        latest_deployment_created_at: r.get(21)?,
        latest_deployment_status: r.get(22)?,
        created_at: r.get(23)?,
        updated_at: r.get(24)?,
    })
}

pub const FUNCTIONS_LISTING: Listing = Listing {
    alias: "functions",
    columns: &[
        ("$id", "functions.id", Kind::Text),
        ("$createdAt", "functions.created_at", Kind::Datetime),
        ("$updatedAt", "functions.updated_at", Kind::Datetime),
        ("$sequence", "functions.seq", Kind::Int),
        ("name", "functions.name", Kind::Text),
        ("enabled", "functions.enabled", Kind::Bool),
        ("runtime", "functions.runtime", Kind::Text),
        ("deploymentId", "functions.deployment_id", Kind::Text),
        ("schedule", "functions.schedule", Kind::Text),
        ("timeout", "functions.timeout", Kind::Int),
        ("entrypoint", "functions.entrypoint", Kind::Text),
        ("commands", "functions.commands", Kind::Text),
    ],
    search: "(functions.id || ' ' || functions.name || ' ' || functions.runtime)",
};

const VARIABLE_COLS: &str = "function_variables.project_id, function_variables.function_id, function_variables.id, function_variables.key, \
    function_variables.value, function_variables.secret, function_variables.created_at, function_variables.updated_at";

fn variable(r: &Row) -> rusqlite::Result<VariableRecord> {
    Ok(VariableRecord {
        project_id: r.get(0)?,
        function_id: r.get(1)?,
        id: r.get(2)?,
        key: r.get(3)?,
        value: r.get(4)?,
        secret: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
    })
}

pub const VARIABLES_LISTING: Listing = Listing {
    alias: "function_variables",
    columns: &[
        ("$id", "function_variables.id", Kind::Text),
        ("$createdAt", "function_variables.created_at", Kind::Datetime),
        ("$updatedAt", "function_variables.updated_at", Kind::Datetime),
        ("$sequence", "function_variables.seq", Kind::Int),
        ("key", "function_variables.key", Kind::Text),
        ("secret", "function_variables.secret", Kind::Bool),
    ],
    search: "function_variables.key",
};

const DEPLOYMENT_COLS: &str = "deployments.project_id, deployments.function_id, deployments.id, deployments.kind, deployments.entrypoint, \
    deployments.commands, deployments.source_size, deployments.build_size, deployments.activate, deployments.status, deployments.build_logs, \
    deployments.build_duration, deployments.build_started_at, deployments.created_at, deployments.updated_at";

fn deployment(r: &Row) -> rusqlite::Result<DeploymentRecord> {
    Ok(DeploymentRecord {
        project_id: r.get(0)?,
        function_id: r.get(1)?,
        id: r.get(2)?,
        kind: r.get(3)?,
        entrypoint: r.get(4)?,
        commands: r.get(5)?,
        source_size: r.get(6)?,
        build_size: r.get(7)?,
        activate: r.get(8)?,
        status: r.get(9)?,
        build_logs: r.get(10)?,
        build_duration: r.get(11)?,
        build_started_at: r.get(12)?,
        created_at: r.get(13)?,
        updated_at: r.get(14)?,
    })
}

pub const DEPLOYMENTS_LISTING: Listing = Listing {
    alias: "deployments",
    columns: &[
        ("$id", "deployments.id", Kind::Text),
        ("$createdAt", "deployments.created_at", Kind::Datetime),
        ("$updatedAt", "deployments.updated_at", Kind::Datetime),
        ("$sequence", "deployments.seq", Kind::Int),
        ("buildSize", "deployments.build_size", Kind::Int),
        ("sourceSize", "deployments.source_size", Kind::Int),
        ("totalSize", "(deployments.build_size + deployments.source_size)", Kind::Int),
        ("buildDuration", "deployments.build_duration", Kind::Int),
        ("status", "deployments.status", Kind::Text),
        ("activate", "deployments.activate", Kind::Bool),
        ("type", "deployments.kind", Kind::Text),
    ],
    search: "(deployments.id || ' ' || deployments.status)",
};

const EXECUTION_COLS: &str = "executions.project_id, executions.function_id, executions.id, executions.seq, executions.deployment_id, \
    executions.trigger, executions.status, executions.permissions, executions.request_method, executions.request_path, \
    executions.request_headers, executions.response_status, executions.response_headers, executions.logs, executions.errors, \
    executions.duration, executions.scheduled_at, executions.due_at, executions.job, executions.created_at, executions.updated_at";

fn execution(r: &Row) -> rusqlite::Result<ExecutionRecord> {
    Ok(ExecutionRecord {
        project_id: r.get(0)?,
        function_id: r.get(1)?,
        id: r.get(2)?,
        seq: r.get(3)?,
        deployment_id: r.get(4)?,
        trigger: r.get(5)?,
        status: r.get(6)?,
        permissions: strings(r.get(7)?),
        request_method: r.get(8)?,
        request_path: r.get(9)?,
        request_headers: pairs(r.get(10)?),
        response_status: r.get(11)?,
        response_headers: pairs(r.get(12)?),
        logs: r.get(13)?,
        errors: r.get(14)?,
        duration: r.get(15)?,
        scheduled_at: r.get(16)?,
        due_at: r.get(17)?,
        job: r.get(18)?,
        created_at: r.get(19)?,
        updated_at: r.get(20)?,
    })
}

pub const EXECUTIONS_LISTING: Listing = Listing {
    alias: "executions",
    columns: &[
        ("$id", "executions.id", Kind::Text),
        ("$createdAt", "executions.created_at", Kind::Datetime),
        ("$updatedAt", "executions.updated_at", Kind::Datetime),
        ("$sequence", "executions.seq", Kind::Int),
        ("trigger", "executions.trigger", Kind::Text),
        ("status", "executions.status", Kind::Text),
        ("responseStatusCode", "executions.response_status", Kind::Int),
        ("duration", "executions.duration", Kind::Int),
        ("requestMethod", "executions.request_method", Kind::Text),
        ("requestPath", "executions.request_path", Kind::Text),
        ("deploymentId", "executions.deployment_id", Kind::Text),
    ],
    search: "executions.id",
};

fn insert_function(c: &Connection, f: &FunctionRecord) -> StoreResult<i64> {
    c.execute(
        "INSERT INTO functions (project_id, id, name, runtime, execute, events, schedule, timeout, enabled, live, logging, entrypoint, commands,
         scopes, build_specification, runtime_specification, deployment_retention, deployment_id, deployment_created_at, latest_deployment_id,
         latest_deployment_created_at, latest_deployment_status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)",
        params![f.project_id, f.id, f.name, f.runtime, json(&f.execute), json(&f.events), f.schedule, f.timeout, f.enabled, f.live, f.logging,
            f.entrypoint, f.commands, json(&f.scopes), f.build_specification, f.runtime_specification, f.deployment_retention, f.deployment_id,
            f.deployment_created_at, f.latest_deployment_id, f.latest_deployment_created_at, f.latest_deployment_status, f.created_at, f.updated_at],
    )
    .map_err(write_error)?;
    Ok(c.last_insert_rowid())
}

pub async fn create_function(db: &Db, f: FunctionRecord) -> StoreResult<FunctionRecord> {
    db.write(move |c| {
        let seq = insert_function(c, &f)?;
        Ok(FunctionRecord { seq, ..f })
    })
    .await
}

pub async fn get_function(db: &Db, project: &str, id: &str) -> StoreResult<Option<FunctionRecord>> {
    let (p, i) = (project.to_owned(), id.to_owned());
    db.read(move |c| one(c, &format!("SELECT {FUNCTION_COLS} FROM functions WHERE project_id = ?1 AND id = ?2"), params![p, i], function)).await
}

pub async fn list_functions(db: &Db, project: &str, params: ListParams) -> StoreResult<Page<FunctionRecord>> {
    let p = project.to_owned();
    db.read(move |c| listing::run(c, &FUNCTIONS_LISTING, FUNCTION_COLS, "functions", "functions.project_id = ?", vec![p.into()], &params, function)).await
}

pub async fn triggered_functions(db: &Db) -> StoreResult<Vec<FunctionRecord>> {
    db.read(move |c| {
        all(c, &format!("SELECT {FUNCTION_COLS} FROM functions WHERE events != '[]' OR schedule != '' ORDER BY seq"), [], function)
    })
    .await
}

pub async fn update_function(db: &Db, f: FunctionRecord) -> StoreResult<()> {
    db.write(move |c| {
        c.execute(
            "UPDATE functions SET name = ?3, runtime = ?4, execute = ?5, events = ?6, schedule = ?7, timeout = ?8, enabled = ?9, live = ?10,
             logging = ?11, entrypoint = ?12, commands = ?13, scopes = ?14, build_specification = ?15, runtime_specification = ?16,
             deployment_retention = ?17, deployment_id = ?18, deployment_created_at = ?19, latest_deployment_id = ?20,
             latest_deployment_created_at = ?21, latest_deployment_status = ?22, updated_at = ?23 WHERE project_id = ?1 AND id = ?2",
            params![f.project_id, f.id, f.name, f.runtime, json(&f.execute), json(&f.events), f.schedule, f.timeout, f.enabled, f.live, f.logging,
                f.entrypoint, f.commands, json(&f.scopes), f.build_specification, f.runtime_specification, f.deployment_retention, f.deployment_id,
                f.deployment_created_at, f.latest_deployment_id, f.latest_deployment_created_at, f.latest_deployment_status, f.updated_at],
        )
        .map_err(internal)?;
        Ok(())
    })
    .await
}

pub async fn delete_function(db: &Db, project: &str, id: &str) -> StoreResult<bool> {
    let (p, i) = (project.to_owned(), id.to_owned());
    db.write(move |c| {
        if c.execute("DELETE FROM functions WHERE project_id = ?1 AND id = ?2", params![p, i]).map_err(internal)? == 0 {
            return Ok(false);
        }
        for table in ["function_variables", "deployments", "executions", "function_schedule_ticks"] {
            c.execute(&format!("DELETE FROM {table} WHERE project_id = ?1 AND function_id = ?2"), params![p, i]).map_err(internal)?;
        }
        Ok(true)
    })
    .await
}

/// Which unique constraint a variable write broke.
fn variable_conflict(c: &Connection, v: &VariableRecord, e: StoreError) -> StoreError {
    if !matches!(e, StoreError::Conflict(_)) {
        return e;
    }
    let key_taken = c
        .query_row(
            "SELECT 1 FROM function_variables WHERE project_id = ?1 AND function_id = ?2 AND key = ?3 AND id != ?4",
            params![v.project_id, v.function_id, v.key, v.id],
            |_| Ok(()),
        )
        .optional()
        .ok()
        .flatten()
        .is_some();
    StoreError::Conflict(if key_taken { "key" } else { "id" })
}

pub async fn create_variable(db: &Db, v: VariableRecord) -> StoreResult<()> {
    db.write(move |c| {
        c.execute(
            "INSERT INTO function_variables (project_id, function_id, id, key, value, secret, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![v.project_id, v.function_id, v.id, v.key, v.value, v.secret, v.created_at, v.updated_at],
        )
        .map_err(write_error)
        .map_err(|e| variable_conflict(c, &v, e))?;
        Ok(())
    })
    .await
}

pub async fn get_variable(db: &Db, project: &str, function: &str, id: &str) -> StoreResult<Option<VariableRecord>> {
    let (p, f, i) = (project.to_owned(), function.to_owned(), id.to_owned());
    db.read(move |c| {
        one(c, &format!("SELECT {VARIABLE_COLS} FROM function_variables WHERE project_id = ?1 AND function_id = ?2 AND id = ?3"), params![p, f, i], variable)
    })
    .await
}

pub async fn list_variables(db: &Db, project: &str, function: &str, params: ListParams) -> StoreResult<Page<VariableRecord>> {
    let args: Vec<Sql> = vec![project.to_owned().into(), function.to_owned().into()];
    db.read(move |c| {
        let scope = "function_variables.project_id = ? AND function_variables.function_id = ?";
        listing::run(c, &VARIABLES_LISTING, VARIABLE_COLS, "function_variables", scope, args, &params, variable)
    })
    .await
}

pub async fn variables_of(db: &Db, project: &str, functions: &[String]) -> StoreResult<Vec<VariableRecord>> {
    if functions.is_empty() {
        return Ok(Vec::new());
    }
    // One statement whatever the page size: the ids go in as one JSON array.
    let sql = format!("SELECT {VARIABLE_COLS} FROM function_variables WHERE project_id = ?1 AND function_id IN (SELECT value FROM json_each(?2)) ORDER BY seq");
    let (p, ids) = (project.to_owned(), serde_json::to_string(functions).map_err(internal)?);
    db.read(move |c| all(c, &sql, params![p, ids], variable)).await
}

pub async fn update_variable(db: &Db, v: VariableRecord) -> StoreResult<()> {
    db.write(move |c| {
        c.execute(
            "UPDATE function_variables SET key = ?4, value = ?5, secret = ?6, updated_at = ?7 WHERE project_id = ?1 AND function_id = ?2 AND id = ?3",
            params![v.project_id, v.function_id, v.id, v.key, v.value, v.secret, v.updated_at],
        )
        .map_err(write_error)
        .map_err(|e| variable_conflict(c, &v, e))?;
        Ok(())
    })
    .await
}

pub async fn delete_variable(db: &Db, project: &str, function: &str, id: &str) -> StoreResult<bool> {
    let (p, f, i) = (project.to_owned(), function.to_owned(), id.to_owned());
    db.write(move |c| {
        Ok(c.execute("DELETE FROM function_variables WHERE project_id = ?1 AND function_id = ?2 AND id = ?3", params![p, f, i]).map_err(internal)? > 0)
    })
    .await
}

pub async fn start_deployment(db: &Db, d: DeploymentRecord) -> StoreResult<(DeploymentRecord, bool)> {
    db.write(move |c| {
        let sql = format!("SELECT {DEPLOYMENT_COLS} FROM deployments WHERE project_id = ?1 AND id = ?2");
        if let Some(existing) = one(c, &sql, params![d.project_id, d.id], deployment)? {
            return Ok((existing, false));
        }
        c.execute(
            "INSERT INTO deployments (project_id, function_id, id, kind, entrypoint, commands, source_size, build_size, activate, status, build_logs,
             build_duration, build_started_at, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![d.project_id, d.function_id, d.id, d.kind, d.entrypoint, d.commands, d.source_size, d.build_size, d.activate, d.status,
                d.build_logs, d.build_duration, d.build_started_at, d.created_at, d.updated_at],
        )
        .map_err(write_error)?;
        Ok((d, true))
    })
    .await
}

pub async fn get_deployment(db: &Db, project: &str, id: &str) -> StoreResult<Option<DeploymentRecord>> {
    let (p, i) = (project.to_owned(), id.to_owned());
    db.read(move |c| one(c, &format!("SELECT {DEPLOYMENT_COLS} FROM deployments WHERE project_id = ?1 AND id = ?2"), params![p, i], deployment)).await
}

pub async fn list_deployments(db: &Db, project: &str, function: &str, params: ListParams) -> StoreResult<Page<DeploymentRecord>> {
    let args: Vec<Sql> = vec![project.to_owned().into(), function.to_owned().into()];
    db.read(move |c| {
        let scope = "deployments.project_id = ? AND deployments.function_id = ?";
        listing::run(c, &DEPLOYMENTS_LISTING, DEPLOYMENT_COLS, "deployments", scope, args, &params, deployment)
    })
    .await
}

pub async fn update_deployment(db: &Db, d: DeploymentRecord) -> StoreResult<()> {
    db.write(move |c| {
        c.execute(
            "UPDATE deployments SET entrypoint = ?3, commands = ?4, source_size = ?5, build_size = ?6, activate = ?7, status = ?8, build_logs = ?9,
             build_duration = ?10, build_started_at = ?11, updated_at = ?12 WHERE project_id = ?1 AND id = ?2",
            params![d.project_id, d.id, d.entrypoint, d.commands, d.source_size, d.build_size, d.activate, d.status, d.build_logs,
                d.build_duration, d.build_started_at, d.updated_at],
        )
        .map_err(internal)?;
        Ok(())
    })
    .await
}

pub async fn delete_deployment(db: &Db, project: &str, id: &str) -> StoreResult<bool> {
    let (p, i) = (project.to_owned(), id.to_owned());
    db.write(move |c| Ok(c.execute("DELETE FROM deployments WHERE project_id = ?1 AND id = ?2", params![p, i]).map_err(internal)? > 0)).await
}

pub async fn unfinished_deployments(db: &Db) -> StoreResult<Vec<DeploymentRecord>> {
    db.read(move |c| {
        all(c, &format!("SELECT {DEPLOYMENT_COLS} FROM deployments WHERE status IN ('waiting', 'processing', 'building') ORDER BY seq"), [], deployment)
    })
    .await
}

fn write_execution(c: &Connection, e: &ExecutionRecord, insert: bool) -> StoreResult<()> {
    let sql = if insert {
        "INSERT INTO executions (project_id, function_id, id, deployment_id, trigger, status, permissions, request_method, request_path,
         request_headers, response_status, response_headers, logs, errors, duration, scheduled_at, due_at, job, updated_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)"
    } else {
        "UPDATE executions SET deployment_id = ?4, trigger = ?5, status = ?6, permissions = ?7, request_method = ?8, request_path = ?9,
         request_headers = ?10, response_status = ?11, response_headers = ?12, logs = ?13, errors = ?14, duration = ?15, scheduled_at = ?16,
         due_at = ?17, job = ?18, updated_at = ?19 WHERE project_id = ?1 AND function_id = ?2 AND id = ?3"
    };
    let common = params![e.project_id, e.function_id, e.id, e.deployment_id, e.trigger, e.status, json(&e.permissions), e.request_method,
        e.request_path, json(&e.request_headers), e.response_status, json(&e.response_headers), e.logs, e.errors, e.duration, e.scheduled_at,
        e.due_at, e.job, e.updated_at];
    let mut stmt = c.prepare_cached(sql).map_err(internal)?;
    let mut values: Vec<&dyn rusqlite::ToSql> = common.to_vec();
    if insert {
        values.push(&e.created_at);
    }
    stmt.execute(values.as_slice()).map_err(write_error)?;
    Ok(())
}

pub async fn create_execution(db: &Db, e: ExecutionRecord) -> StoreResult<()> {
    db.write(move |c| write_execution(c, &e, true)).await
}

pub async fn update_execution(db: &Db, e: ExecutionRecord) -> StoreResult<()> {
    db.write(move |c| write_execution(c, &e, false)).await
}

pub async fn get_execution(db: &Db, project: &str, function: &str, id: &str) -> StoreResult<Option<ExecutionRecord>> {
    let (p, f, i) = (project.to_owned(), function.to_owned(), id.to_owned());
    db.read(move |c| {
        one(c, &format!("SELECT {EXECUTION_COLS} FROM executions WHERE project_id = ?1 AND function_id = ?2 AND id = ?3"), params![p, f, i], execution)
    })
    .await
}

pub async fn list_executions(db: &Db, project: &str, function: &str, params: ListParams, read_roles: Option<Vec<String>>) -> StoreResult<Page<ExecutionRecord>> {
    let (p, f) = (project.to_owned(), function.to_owned());
    db.read(move |c| {
        let mut scope = "executions.project_id = ? AND executions.function_id = ?".to_owned();
        let mut args: Vec<Sql> = vec![p.into(), f.into()];
        if let Some(roles) = read_roles {
            let (sql, more) = readable_by("executions.permissions", &roles);
            scope.push_str(&sql);
            args.extend(more);
        }
        listing::run(c, &EXECUTIONS_LISTING, EXECUTION_COLS, "executions", &scope, args, &params, execution)
    })
    .await
}

pub async fn delete_execution(db: &Db, project: &str, id: &str) -> StoreResult<bool> {
    let (p, i) = (project.to_owned(), id.to_owned());
    db.write(move |c| Ok(c.execute("DELETE FROM executions WHERE project_id = ?1 AND id = ?2", params![p, i]).map_err(internal)? > 0)).await
}

pub async fn take_due_executions(db: &Db, now: i64, limit: u64) -> StoreResult<Vec<ExecutionRecord>> {
    db.write(move |c| {
        let sql = format!("SELECT {EXECUTION_COLS} FROM executions WHERE due_at IS NOT NULL AND due_at <= ?1 ORDER BY due_at, seq LIMIT ?2");
        let due: Vec<ExecutionRecord> = {
            let mut stmt = c.prepare_cached(&sql).map_err(internal)?;
            let rows = stmt.query_map(params![now, limit as i64], execution).map_err(internal)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(internal)?
        };
        let mut taken = Vec::with_capacity(due.len());
        for e in due {
            c.execute("UPDATE executions SET due_at = NULL, status = 'processing', updated_at = ?2 WHERE seq = ?1", params![e.seq, now])
                .map_err(internal)?;
            taken.push(ExecutionRecord { due_at: None, status: "processing".into(), updated_at: now, ..e });
        }
        Ok(taken)
    })
    .await
}

pub async fn next_execution_due(db: &Db) -> StoreResult<Option<i64>> {
    db.read(move |c| c.query_row("SELECT min(due_at) FROM executions WHERE due_at IS NOT NULL", [], |r| r.get(0)).map_err(internal)).await
}

pub async fn claim_schedule_tick(db: &Db, project: &str, function: &str, minute: i64) -> StoreResult<bool> {
    let (p, f) = (project.to_owned(), function.to_owned());
    db.write(move |c| {
        let changed = c
            .execute(
                "INSERT INTO function_schedule_ticks (project_id, function_id, minute) VALUES (?1, ?2, ?3)
                 ON CONFLICT (project_id, function_id) DO UPDATE SET minute = excluded.minute WHERE minute < excluded.minute",
                params![p, f, minute],
            )
            .map_err(internal)?;
        Ok(changed > 0)
    })
    .await
}

pub async fn requeue_interrupted(db: &Db, now: i64) -> StoreResult<u64> {
    db.write(move |c| {
        let n = c
            .execute(
                "UPDATE executions SET status = 'waiting', due_at = ?1, updated_at = ?1 WHERE status = 'processing' AND due_at IS NULL AND job != ''",
                params![now],
            )
            .map_err(internal)?;
        Ok(n as u64)
    })
    .await
}
