//! `/api/v1/jobs/{name}/run`: an administrator runs a background job now (after fixing a
//! webhook, or to check the digest) instead of waiting for its timer.
use actix_web::{post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::role::Role;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::jobs::digest::DigestMode;
use crate::jobs::{deliver, digest, retention, sweep};
use crate::services::organisation::actor::Actor;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(run);
}

#[derive(Deserialize, IntoParams)]
pub struct RunQuery {
    /// `digest` only: send today's digest again even if it went out.
    pub force: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct JobRunResult {
    /// False when another process holds the job's lease (it is running there now).
    pub ran: bool,
    /// What the run did; its shape depends on the job.
    #[schema(value_type = Option<Object>)]
    pub summary: Option<serde_json::Value>,
}

fn result<T: Serialize>(summary: Option<T>) -> AppResult<JobRunResult> {
    let summary = summary.map(|s| serde_json::to_value(s).map_err(AppError::internal)).transpose()?;
    Ok(JobRunResult { ran: summary.is_some(), summary })
}

/// Administrators only. `name` is `sweep`, `deliver`, `digest` or `retention`; the digest runs whatever
/// the hour, once a day unless `force=true`.
#[utoipa::path(
    tag = "jobs",
    params(("name" = String, Path, description = "sweep, deliver, digest or retention"), RunQuery),
    responses((status = 200, body = JobRunResult), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/jobs/{name}/run")]
pub async fn run(
    state: web::Data<AppState>,
    actor: Actor,
    name: web::Path<String>,
    query: web::Query<RunQuery>,
) -> AppResult<web::Json<JobRunResult>> {
    actor.require(&[Role::Admin])?;
    let outcome = match name.as_str() {
        "sweep" => result(sweep::run(&state).await?)?,
        "deliver" => result(deliver::run(&state).await?)?,
        "retention" => result(retention::run(&state).await?)?,
        "digest" => {
            let mode = if query.force.unwrap_or(false) { DigestMode::Force } else { DigestMode::Now };
            result(digest::run(&state, mode).await?)?
        }
        _ => return Err(AppError::NotFound("job")),
    };
    Ok(web::Json(outcome))
}
