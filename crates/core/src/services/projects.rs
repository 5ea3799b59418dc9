//! Projects as the operator manages them (`oxwrite project …`). Projects are created from the
//! command line; no API caller can create or list them.

use oxwrite_types::ErrorType;

use crate::app::{App, now_ms};
use crate::ports::StoreError;
use crate::records::ProjectRecord;
use crate::{Error, Result, secrets, validate};

pub async fn create(app: &App, id: &str, name: &str) -> Result<ProjectRecord> {
    let id = secrets::resolve_id("projectId", id)?;
    if id == "console" {
        return Err(Error::invalid_param("projectId", "The id 'console' is reserved"));
    }
    validate::name("name", name)?;
    let now = now_ms();
    let p = ProjectRecord { id, name: name.to_owned(), created_at: now, updated_at: now };
    app.store.create_project(p.clone()).await.map_err(|e| match e {
        StoreError::Conflict(_) => Error::new(ErrorType::ProjectAlreadyExists),
        other => Error::internal(other),
    })?;
    Ok(p)
}

pub async fn list(app: &App) -> Result<Vec<ProjectRecord>> {
    app.store.list_projects().await.map_err(Error::internal)
}
