//! Health and the API description.
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` once the database answers, `unavailable` otherwise (with status 503).
    pub status: &'static str,
}

/// Liveness and readiness: answers 200 only when the database does.
#[utoipa::path(tag = "meta", responses((status = 200, body = Health), (status = 503, body = Health)))]
#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    match db::ping(&state.db).await {
        Ok(()) => HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(Health { status: "ok" }),
        Err(error) => {
            tracing::warn!(%error, "health check: database unavailable");
            HttpResponse::ServiceUnavailable()
                .insert_header(("Cache-Control", "no-store"))
                .json(Health { status: "unavailable" })
        }
    }
}
