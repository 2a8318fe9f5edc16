//! Health and the API description.
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the database answers and has every migration this binary needs;
    /// `migrations_pending` when it answers without them (an empty or older database);
    /// `unavailable` when it does not answer. Both of the latter with status 503.
    pub status: &'static str,
}

fn health(ok: bool, status: &'static str) -> HttpResponse {
    let mut response = if ok { HttpResponse::Ok() } else { HttpResponse::ServiceUnavailable() };
    if !ok {
        response.insert_header(("Retry-After", "5"));
    }
    response.insert_header(("Cache-Control", "no-store")).json(Health { status })
}

/// Readiness: 200 only when the database answers and its schema is at this binary's
/// migration level, so a load balancer sends no traffic to a process that would fail it.
#[utoipa::path(tag = "meta", responses((status = 200, body = Health), (status = 503, body = Health)))]
#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    match db::readiness(&state.db).await {
        Ok(db::Readiness::Ready) => health(true, "ok"),
        Ok(db::Readiness::MigrationsPending) => {
            tracing::error!("health check: the database lacks migrations this binary needs; run `liaison migrate`");
            health(false, "migrations_pending")
        }
        Err(error) => {
            tracing::warn!(%error, "health check: database unavailable");
            health(false, "unavailable")
        }
    }
}

/// Liveness: 200 while the process serves HTTP, whatever the database does (restarting the
/// process would not bring the database back).
#[utoipa::path(tag = "meta", responses((status = 200, body = Health)))]
#[get("/livez")]
pub async fn livez() -> HttpResponse {
    health(true, "ok")
}
