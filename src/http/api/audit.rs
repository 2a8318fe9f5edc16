//! `GET /api/v1/audit`: the audit log for administrators — who signed in, who saw residents'
//! contacts unmasked, who exported personal data, who changed what — as JSON pages, or the
//! whole filtered log as CSV or XLSX (the export itself is logged).
use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::field::FieldError;
use crate::domain::page::PageParams;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::http::api::ListResponse;
use crate::http::api::stats::encode;
use crate::http::shared::client::ClientInfo;
use crate::services::books::ledgers::Period;
use crate::services::organisation::actor::Actor;
use crate::services::privacy::audit::{self, AuditEntry, AuditFilter};
use crate::state::AppState;

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

#[derive(Deserialize, IntoParams, Default)]
pub struct AuditQuery {
    /// First day (YYYY-MM-DD, the service's time zone); with neither `from` nor `to`, all of it.
    pub from: Option<String>,
    /// Last day, included.
    pub to: Option<String>,
    pub action: Option<String>,
    pub user_id: Option<i32>,
    pub target_type: Option<String>,
    pub target_id: Option<i32>,
    /// `json` (default, paged), `csv` or `xlsx` (everything that matches, at most 100,000 lines).
    pub format: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditFormat {
    Json,
    Csv,
    Xlsx,
}

impl AuditFormat {
    pub fn parse(raw: Option<&str>) -> AppResult<AuditFormat> {
        match raw.map(str::trim).unwrap_or("") {
            "" | "json" => Ok(AuditFormat::Json),
            "csv" => Ok(AuditFormat::Csv),
            "xlsx" => Ok(AuditFormat::Xlsx),
            _ => Err(AppError::field(FieldError::invalid("format", "json, csv or xlsx"))),
        }
    }
}

/// The filter the query asks for; the period in the service's time zone.
pub fn filter_of(state: &AppState, query: &AuditQuery) -> AppResult<AuditFilter> {
    let given = |raw: &Option<String>| raw.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let (from, to) = (given(&query.from), given(&query.to));
    let bounds = if from.is_none() && to.is_none() {
        None
    } else {
        let tz = state.settings.time_zone();
        let today = state.clock.now().with_timezone(&tz).date_naive();
        Some(Period::parse(from.as_deref(), to.as_deref(), today)?.bounds(tz))
    };
    Ok(AuditFilter {
        bounds,
        action: given(&query.action),
        user_id: query.user_id,
        target_type: given(&query.target_type),
        target_id: query.target_id,
    })
}

/// The filtered log as a CSV or XLSX download (the export is logged).
pub async fn download(
    state: &AppState,
    actor: &Actor,
    client: &ClientInfo,
    filter: &AuditFilter,
    format: AuditFormat,
) -> AppResult<HttpResponse> {
    let kind = if format == AuditFormat::Csv { "csv" } else { "xlsx" };
    let entries = audit::export(&state.db, actor, filter, state.clock.now(), kind, Some(&client.ip)).await?;
    let tz = state.settings.time_zone();
    let (bytes, content_type) = match format {
        AuditFormat::Csv => (audit::csv(&entries, tz)?, "text/csv; charset=utf-8"),
        _ => (
            web::block(move || audit::xlsx(&entries, tz))
                .await
                .map_err(|e| AppError::internal(anyhow::anyhow!("xlsx: {e}")))??,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    };
    let today = state.clock.now().with_timezone(&tz).date_naive();
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"audit-log-{today}.{kind}\"; filename*=UTF-8''{}",
                encode(&format!("审计日志-{today}.{kind}"))
            ),
        ))
        .body(bytes))
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
    state: web::Data<AppState>,
    actor: Actor,
    client: ClientInfo,
    query: web::Query<AuditQuery>,
    paging: web::Query<PageParams>,
) -> AppResult<HttpResponse> {
    let format = AuditFormat::parse(query.format.as_deref())?;
    let filter = filter_of(&state, &query)?;
    if format != AuditFormat::Json {
        return download(&state, &actor, &client, &filter, format).await;
    }
    let page = audit::list(&state.db, &actor, &filter, paging.request()).await?;
    Ok(HttpResponse::Ok().json(ListResponse::from_page(page, AuditEntryDto::from)))
}
