//! Health checks: the store answers a trivial read within the request.

use oxwrite_types::models;

use crate::app::App;
use crate::{Error, Result};

pub async fn get(app: &App) -> Result<models::HealthStatus> {
    let start = std::time::Instant::now();
    app.store.ping().await.map_err(Error::internal)?;
    Ok(models::HealthStatus { name: "database".into(), ping: start.elapsed().as_millis() as u64, status: "pass".into() })
}
