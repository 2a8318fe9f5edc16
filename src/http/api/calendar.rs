//! `/api/v1/calendar`: holidays and make-up working days.
use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::calendar::{CalendarEntry, DayKind, parse_calendar_csv};
use crate::domain::field::{FieldError, Problem};
use crate::domain::text;
use crate::entities::calendar_day;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::http::shared::input::{Parser, choice};
use crate::services::organisation::{actor::Actor, calendar};
use crate::state::AppState;

/// Largest calendar CSV accepted (a year is about 40 rows, ~1 KiB).
pub const MAX_CSV_BYTES: usize = 64 * 1024;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list).service(import).service(set_day).service(clear_day);
}

#[derive(Serialize, ToSchema)]
pub struct CalendarDayDto {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub name: Option<String>,
}

impl From<calendar_day::Model> for CalendarDayDto {
    fn from(m: calendar_day::Model) -> Self {
        CalendarDayDto { date: m.day, kind: m.kind, name: m.name }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CalendarList {
    pub items: Vec<CalendarDayDto>,
    pub total: u64,
}

#[derive(Deserialize, IntoParams)]
pub struct CalendarQuery {
    /// Only this year
    pub year: Option<i32>,
}

/// Days that differ from the default (weekdays work, weekends rest).
#[utoipa::path(
    tag = "calendar",
    params(CalendarQuery),
    responses((status = 200, body = CalendarList), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/calendar")]
pub async fn list(
    state: web::Data<AppState>,
    _actor: Actor,
    query: web::Query<CalendarQuery>,
) -> AppResult<web::Json<CalendarList>> {
    let items: Vec<CalendarDayDto> = calendar::list(&state.db, query.year).await?.into_iter().map(Into::into).collect();
    Ok(web::Json(CalendarList { total: items.len() as u64, items }))
}

#[derive(Deserialize, ToSchema)]
pub struct SetDay {
    #[schema(value_type = DayKind)]
    pub kind: String,
    pub name: Option<String>,
}

fn parse_date(raw: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| AppError::field(FieldError::invalid("date", "a date as YYYY-MM-DD")))
}

/// Mark a day as a holiday or a make-up working day (administrators).
#[utoipa::path(
    tag = "calendar",
    params(("date" = String, Path, description = "YYYY-MM-DD")),
    request_body = SetDay,
    responses((status = 200, body = CalendarDayDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[put("/calendar/{date}")]
pub async fn set_day(
    state: web::Data<AppState>,
    actor: Actor,
    date: web::Path<String>,
    body: web::Json<SetDay>,
) -> AppResult<web::Json<CalendarDayDto>> {
    let day = parse_date(&date)?;
    let mut p = Parser::default();
    let kind = p.take(choice::<DayKind>("kind", &body.kind, "holiday or workday"));
    let name = p.take(text::optional_line("name", body.name.as_deref(), 50));
    let entry = p.finish(|| Some(CalendarEntry { day, kind: kind?, name: name? }))?;
    Ok(web::Json(calendar::set_day(&state.db, &actor, state.clock.now(), entry).await?.into()))
}

/// Return a day to the default (administrators).
#[utoipa::path(
    tag = "calendar",
    params(("date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/calendar/{date}")]
pub async fn clear_day(state: web::Data<AppState>, actor: Actor, date: web::Path<String>) -> AppResult<HttpResponse> {
    let day = parse_date(&date)?;
    if calendar::clear_day(&state.db, &actor, state.clock.now(), day).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(AppError::NotFound("calendar day"))
    }
}

#[derive(Serialize, ToSchema)]
pub struct ImportResult {
    pub imported: usize,
    /// Entries of the same years that the import replaced.
    pub replaced: u64,
    pub years: Vec<i32>,
}

/// Import a year's schedule as CSV `date,kind,name` (the body, `Content-Type: text/csv`).
/// The years in the file are replaced as a whole; a bad row rejects the file (422, with the
/// line number) and nothing changes.
#[utoipa::path(
    tag = "calendar",
    request_body(content = String, content_type = "text/csv", example = "date,kind,name\n2027-01-01,holiday,元旦\n"),
    responses(
        (status = 200, body = ImportResult),
        (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/calendar/import")]
pub async fn import(state: web::Data<AppState>, actor: Actor, body: web::Bytes) -> AppResult<web::Json<ImportResult>> {
    actor.require(&[crate::domain::role::Role::Admin])?;
    if body.len() > MAX_CSV_BYTES {
        return Err(AppError::PayloadTooLarge(format!(
            "the calendar file is larger than {} KiB",
            MAX_CSV_BYTES / 1024
        )));
    }
    let text = std::str::from_utf8(&body).map_err(|_| AppError::BadRequest("the file must be UTF-8 text".into()))?;
    let entries = parse_calendar_csv(text).map_err(|e| {
        AppError::field(FieldError::new("file", Problem::Described(format!("line {}: {}", e.line, e.message))))
    })?;
    if entries.is_empty() {
        return Err(AppError::field(FieldError::required("file")));
    }
    let summary = calendar::import(&state.db, &actor, state.clock.now(), entries).await?;
    Ok(web::Json(ImportResult { imported: summary.imported, replaced: summary.replaced, years: summary.years }))
}
