//! `/v1/functions/*`: functions, variables, deployments (keys) and executions (every caller).

use axum::http::StatusCode;
use oxwrite_core::Error;
use oxwrite_core::services::functions::deployments::{self, NewDeployment};
use oxwrite_core::services::functions::executions::{self, Created, ExecutionInput};
use oxwrite_core::services::functions::crud::{self as fns, FunctionInput};
use oxwrite_core::services::functions::variables;
use oxwrite_core::services::storage::files::{ContentRange, NewFile};
use oxwrite_types::ErrorType;
use serde_json::Value;

use super::handlers;
use super::storage::{range, send_download};
use crate::params::Params;
use crate::reply::Reply;

fn function_input(p: &Params) -> Result<FunctionInput, Error> {
    Ok(FunctionInput {
        name: p.str("name")?,
        runtime: p.opt_str("runtime")?,
        execute: p.opt_strings("execute")?,
        events: p.opt_strings("events")?,
        schedule: p.opt_str("schedule")?,
        timeout: p.opt_int("timeout")?,
        enabled: p.opt_bool("enabled")?,
        logging: p.opt_bool("logging")?,
        entrypoint: p.opt_str("entrypoint")?,
        commands: p.opt_str("commands")?,
        scopes: p.opt_strings("scopes")?,
        build_specification: p.opt_str("buildSpecification")?,
        runtime_specification: p.opt_str("runtimeSpecification")?,
        deployment_retention: p.opt_int("deploymentRetention")?,
    })
}

fn accepted(v: &Value) -> Result<Reply, Error> {
    Reply::json(StatusCode::ACCEPTED, v)
}

handlers! {
    fn list(cx) { Reply::ok(&fns::list(&cx.app, &cx.caller, cx.params.list()?).await?) }

    fn create(cx) {
        let id = cx.params.str("functionId")?;
        Reply::created(&fns::create(&cx.app, &cx.caller, &id, function_input(&cx.params)?).await?)
    }

    fn list_runtimes(cx) { Reply::ok(&fns::list_runtimes(&cx.app)) }

    fn list_specifications(cx) {
        let _ = &cx;
        Reply::ok(&fns::list_specifications())
    }

    fn get(cx) { Reply::ok(&fns::get(&cx.app, &cx.caller, &cx.params.str("functionId")?).await?) }

    fn update(cx) {
        let id = cx.params.str("functionId")?;
        Reply::ok(&fns::update(&cx.app, &cx.caller, &id, function_input(&cx.params)?).await?)
    }

    fn delete(cx) {
        fns::delete(&cx.app, &cx.caller, &cx.params.str("functionId")?).await?;
        Reply::no_content()
    }

    fn update_function_deployment(cx) {
        let (id, deployment) = (cx.params.str("functionId")?, cx.params.str("deploymentId")?);
        Reply::ok(&fns::update_deployment(&cx.app, &cx.caller, &id, &deployment).await?)
    }

    fn list_variables(cx) {
        Reply::ok(&variables::list(&cx.app, &cx.caller, &cx.params.str("functionId")?, cx.params.list()?).await?)
    }

    fn create_variable(cx) {
        let p = &cx.params;
        let (function, id) = (p.str("functionId")?, p.str("variableId")?);
        Reply::created(&variables::create(&cx.app, &cx.caller, &function, &id, p.str("key")?, p.str("value")?, p.opt_bool("secret")?).await?)
    }

    fn get_variable(cx) {
        let (function, id) = (cx.params.str("functionId")?, cx.params.str("variableId")?);
        Reply::ok(&variables::get(&cx.app, &cx.caller, &function, &id).await?)
    }

    fn update_variable(cx) {
        let p = &cx.params;
        let (function, id) = (p.str("functionId")?, p.str("variableId")?);
        Reply::ok(&variables::update(&cx.app, &cx.caller, &function, &id, p.opt_str("key")?, p.opt_str("value")?, p.opt_bool("secret")?).await?)
    }

    fn delete_variable(cx) {
        let (function, id) = (cx.params.str("functionId")?, cx.params.str("variableId")?);
        variables::delete(&cx.app, &cx.caller, &function, &id).await?;
        Reply::no_content()
    }

    fn list_deployments(cx) {
        Reply::ok(&deployments::list(&cx.app, &cx.caller, &cx.params.str("functionId")?, cx.params.list()?).await?)
    }

    fn create_deployment(cx) {
        let function = cx.params.str("functionId")?;
        let upload = cx.upload.clone().ok_or_else(|| Error::msg(ErrorType::StorageFileEmpty, "No file sent"))?;
        let input = NewDeployment {
            upload: NewFile {
                file_id: String::new(),
                upload_id: cx.header("x-appwrite-id").map(str::to_owned),
                permissions: None,
                range: cx.header("content-range").map(ContentRange::parse).transpose()?,
                name: upload.filename,
                data: upload.data,
            },
            activate: cx.params.opt_bool("activate")?.unwrap_or(false),
            entrypoint: cx.params.opt_str("entrypoint")?,
            commands: cx.params.opt_str("commands")?,
            kind: if cx.header("x-sdk-language") == Some("cli") { "cli" } else { "manual" }.into(),
        };
        accepted(&deployments::create(&cx.app, &cx.caller, &function, input).await?)
    }

    fn create_duplicate_deployment(cx) {
        let (function, id) = (cx.params.str("functionId")?, cx.params.str("deploymentId")?);
        accepted(&deployments::duplicate(&cx.app, &cx.caller, &function, &id).await?)
    }

    fn get_deployment(cx) {
        let (function, id) = (cx.params.str("functionId")?, cx.params.str("deploymentId")?);
        Reply::ok(&deployments::get(&cx.app, &cx.caller, &function, &id).await?)
    }

    fn delete_deployment(cx) {
        let (function, id) = (cx.params.str("functionId")?, cx.params.str("deploymentId")?);
        deployments::delete(&cx.app, &cx.caller, &function, &id).await?;
        Reply::no_content()
    }

    fn get_deployment_download(cx) {
        let (function, id) = (cx.params.str("functionId")?, cx.params.str("deploymentId")?);
        let kind = cx.params.opt_str("type")?;
        let c = deployments::download(&cx.app, &cx.caller, &function, &id, kind.as_deref(), range(&cx)?).await?;
        let mime = c.mime.clone();
        Ok(send_download(c, &mime, "attachment"))
    }

    fn update_deployment_status(cx) {
        let (function, id) = (cx.params.str("functionId")?, cx.params.str("deploymentId")?);
        Reply::ok(&deployments::cancel(&cx.app, &cx.caller, &function, &id).await?)
    }

    fn list_executions(cx) {
        Reply::ok(&executions::list(&cx.app, &cx.caller, &cx.params.str("functionId")?, cx.params.list()?).await?)
    }

    fn create_execution(cx) {
        let p = &cx.params;
        let function = p.str("functionId")?;
        let headers = match p.opt_value("headers") {
            None | Some(Value::Null) => serde_json::Map::new(),
            Some(Value::Object(m)) => m,
            Some(Value::Array(a)) if a.is_empty() => serde_json::Map::new(),
            Some(Value::String(s)) => serde_json::from_str(&s).map_err(|_| Error::invalid_param("headers", "Value must be a valid object"))?,
            Some(_) => return Err(Error::invalid_param("headers", "Value must be a valid object")),
        };
        let input = ExecutionInput {
            body: p.opt_str("body")?.unwrap_or_default(),
            is_async: p.opt_bool("async")?.unwrap_or(false),
            path: p.opt_str("path")?.unwrap_or_else(|| "/".into()),
            method: p.opt_str("method")?.unwrap_or_else(|| "POST".into()),
            headers,
            scheduled_at: p.opt_str("scheduledAt")?.filter(|s| !s.is_empty()),
        };
        match executions::create(&cx.app, &cx.caller, &function, input, &cx.meta.ip).await? {
            Created::Ran(e) => Reply::created(&e),
            Created::Queued(e) => accepted(&e),
        }
    }

    fn get_execution(cx) {
        let (function, id) = (cx.params.str("functionId")?, cx.params.str("executionId")?);
        Reply::ok(&executions::get(&cx.app, &cx.caller, &function, &id).await?)
    }

    fn delete_execution(cx) {
        let (function, id) = (cx.params.str("functionId")?, cx.params.str("executionId")?);
        executions::delete(&cx.app, &cx.caller, &function, &id).await?;
        Reply::no_content()
    }
}
