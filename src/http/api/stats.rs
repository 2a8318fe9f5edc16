//! `GET /api/v1/stats`: counts, rates (with their denominators) and medians of the cases
//! received in a period, scoped by role, in total and grouped; as JSON or XLSX.
use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::field::FieldError;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::http::shared::download;
use crate::services::books::ledgers::Period;
use crate::services::insight::stats::{self, GroupBy, Stats, StatsRequest};
use crate::services::organisation::actor::Actor;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_stats);
}

#[derive(Deserialize, IntoParams, Default)]
pub struct StatsQuery {
    /// One station with its points and grids (default: every case the caller may read).
    pub station_id: Option<i32>,
    /// Only this deputy's cases.
    pub deputy_id: Option<i32>,
    /// First day of receipt, `YYYY-MM-DD` local time (default: 1 January of `to`'s year).
    pub from: Option<String>,
    /// Last day of receipt, included (default: today).
    pub to: Option<String>,
    /// `station`, `deputy`, `category`, `unit` or `month` (default: totals only).
    pub group_by: Option<String>,
    /// `json` (default) or `xlsx`: the table, one row per group and a total row.
    pub format: Option<String>,
}

/// Statistics of the cases received in `[from, to]`: counts by status, reply rate (replied ÷
/// accepted; rejected, withdrawn and merged-away excluded), on-time rate (closed by the deadline
/// ÷ closed), resolution rate (solved ÷ rated), satisfaction rate ((satisfied + basically
/// satisfied) ÷ rated) with the share of each rating, median hours to the first response and to
/// closing, and how many are overdue and under key supervision now. Every rate is
/// `{"numerator","denominator","value"}`, `value` a percentage with one decimal or null
/// without data. Scope: administrators every case, managers their stations', viewers their
/// readable stations', deputies their own cases, handlers their unit's; a `station_id`
/// outside the caller's stations is 404.
#[utoipa::path(
    tag = "stats",
    params(StatsQuery),
    responses(
        (status = 200, description = "JSON, or the XLSX table with `format=xlsx`", content(
            (Stats = "application/json"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        )),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/stats")]
pub async fn get_stats(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<StatsQuery>,
) -> AppResult<HttpResponse> {
    let xlsx = match query.format.as_deref().map(str::trim) {
        None | Some("") | Some("json") => false,
        Some("xlsx") => true,
        Some(_) => return Err(AppError::field(FieldError::invalid("format", "json or xlsx"))),
    };
    let group_by = GroupBy::parse(query.group_by.as_deref())?;
    let tz = state.settings.time_zone();
    let now = state.clock.now();
    let period = Period::parse(query.from.as_deref(), query.to.as_deref(), now.with_timezone(&tz).date_naive())?;
    let request = StatsRequest { station_id: query.station_id, deputy_id: query.deputy_id, period, group_by, tz, now };
    let result = stats::stats(&state.db, &actor, request).await?;
    if !xlsx {
        return Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(result));
    }
    let place = stats::place_name(&state.db, query.station_id).await?;
    let (bytes, place) = download::build(move || stats::xlsx(&result, &place).map(|bytes| (bytes, place))).await?;
    let ascii = format!("stats-{}-{}.xlsx", period.from, period.to);
    let name = format!("{place}-意见建议办理统计-{}至{}.xlsx", period.from, period.to);
    Ok(download::attachment(bytes, download::XLSX, &ascii, &name))
}
