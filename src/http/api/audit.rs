//! `GET /api/v1/audit`: the audit log for administrators — who signed in, who saw residents'
//! contacts unmasked, who exported personal data, who changed what — as JSON pages, or the
//! whole filtered log as CSV or XLSX (the export itself is logged).
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::page::PageParams;
use crate::error::{AppResult, ErrorBody};
use crate::http::api::ListResponse;
use crate::http::shared::client::ClientInfo;
use crate::http::shared::download;
use crate::http::shared::input::audit::{AuditFormat, AuditQuery, filter_of};
use crate::services::context::Ctx;
use crate::services::organisation::actor::Actor;
use crate::services::privacy::audit::{self, AuditEntry};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list);
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryDto {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user_id: Option<i32>,
    pub username: Option<String>,
    /// What was done, e.g. `sign_in`, `sign_in_failed`, `view_contact`, `export_ledger_unmasked`.
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<i32>,
    /// Never personal data: which record, what format, how many.
    pub detail: Option<String>,
    pub ip: Option<String>,
}

impl From<AuditEntry> for AuditEntryDto {
    fn from(entry: AuditEntry) -> Self {
        let e = entry.entry;
        AuditEntryDto {
            id: e.id,
            at: e.at,
            user_id: e.user_id,
            username: entry.username,
            action: e.action,
            target_type: e.target_type,
            target_id: e.target_id,
            detail: e.detail,
            ip: e.ip,
        }
    }
}

/// The audit log, newest first (administrators only: 403 for everyone else).
#[utoipa::path(
    tag = "users",
    params(AuditQuery, PageParams),
    responses(
        (status = 200, description = "JSON; CSV or XLSX with `format`", content(
            (ListResponse<AuditEntryDto> = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        )),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/audit")]
pub async fn list(
    ctx: Ctx,
    actor: Actor,
    client: ClientInfo,
    query: web::Query<AuditQuery>,
    paging: web::Query<PageParams>,
) -> AppResult<HttpResponse> {
    let format = AuditFormat::parse(query.format.as_deref())?;
    let filter = filter_of(&ctx, &query)?;
    if let Some(format) = format.file() {
        return Ok(download::file(audit::export_file(&ctx, &actor, &filter, format, Some(&client.ip)).await?));
    }
    let page = audit::list(&ctx.db, &actor, &filter, paging.request()).await?;
    Ok(HttpResponse::Ok().json(ListResponse::from_page(page, AuditEntryDto::from)))
}
