//! `GET /api/v1/public/stations/{station_token}/stats`: a station's public report, the JSON
//! twin of the page `/s/{station_token}/stats`.
use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::case_state::CaseStatus;
use crate::domain::page::PageRequest;
use crate::error::{AppResult, ErrorBody};
use crate::http::shared::input::public_report::ReportQuery;
use crate::services::context::Ctx;
use crate::services::insight::public_report::Found;
use crate::services::insight::{
    public_report::{self, DisclosedCase, Report},
    stats::{Figures, Group},
};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(station_stats);
}

#[derive(Serialize, ToSchema)]
pub struct ReportStation {
    pub name: String,
    pub address: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PublicProgressNote {
    pub at: DateTime<Utc>,
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct PublicDisclosedCase {
    pub received_at: DateTime<Utc>,
    pub category: Option<String>,
    /// Where, personal data masked.
    pub location: Option<String>,
    /// What the resident wrote, personal data masked (long numbers cut to their first 3 and
    /// last 2 digits, the resident's name masked).
    pub content: String,
    pub status: CaseStatus,
    pub status_label: String,
    /// 承诺: the deadline committed to.
    pub due_at: DateTime<Utc>,
    /// 计划·进度: the latest public progress notes, newest first.
    pub progress: Vec<PublicProgressNote>,
    /// 结果: the answer, once given.
    pub reply: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct PublicDisclosedList {
    pub items: Vec<PublicDisclosedCase>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

#[derive(Serialize, ToSchema)]
pub struct PublicStationReport {
    pub station: ReportStation,
    pub year: i32,
    /// YYYY-MM-DD: 1 January and 31 December, or today for this year.
    pub from: String,
    pub to: String,
    /// The years with a report, newest first.
    pub years: Vec<i32>,
    /// The same figures as `GET /api/v1/stats?station_id=&from=&to=` gives the station's staff.
    pub totals: Figures,
    /// One row per month (`key` YYYY-MM), the same as `group_by=month`.
    pub months: Vec<Group>,
    /// The station's disclosed cases (四公开), newest first.
    pub disclosed: PublicDisclosedList,
}

fn disclosed_dto(item: DisclosedCase) -> PublicDisclosedCase {
    PublicDisclosedCase {
        received_at: item.received_at,
        category: item.category,
        location: item.location,
        content: item.content,
        status_label: item.status.label_zh().to_string(),
        status: item.status,
        due_at: item.due_at,
        progress: item.progress.into_iter().map(|n| PublicProgressNote { at: n.at, note: n.note }).collect(),
        reply: item.reply,
        replied_at: item.replied_at,
    }
}

/// A station's public report for a year (四公开): cases received, the four rates each with
/// its numerator and denominator (`value` null without data), the satisfaction shares, the
/// median hours to the first response and to closing, month by month; and its disclosed
/// cases, newest first, 20 a page, with personal data masked. No account needed; nothing
/// personal (no names, phones or tracking codes).
#[utoipa::path(
    tag = "public",
    params(("station_token" = String, Path, description = "The station's public token"), ReportQuery),
    responses(
        (status = 200, body = PublicStationReport),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)
    )
)]
#[get("/public/stations/{station_token}/stats")]
pub async fn station_stats(
    ctx: Ctx,
    token: web::Path<String>,
    query: web::Query<ReportQuery>,
) -> AppResult<HttpResponse> {
    let Found { station, year, report } =
        public_report::find(&ctx, &token, query.year.as_deref(), PageRequest::new(query.page, None)).await?;
    let Report { stats, years, disclosed } = report;
    let body = PublicStationReport {
        station: ReportStation { name: station.name, address: station.address },
        year,
        from: stats.from,
        to: stats.to,
        years,
        totals: stats.totals,
        months: stats.groups,
        disclosed: PublicDisclosedList {
            total: disclosed.total,
            page: disclosed.request.page,
            per_page: disclosed.request.per_page,
            items: disclosed.items.into_iter().map(disclosed_dto).collect(),
        },
    };
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(body))
}
