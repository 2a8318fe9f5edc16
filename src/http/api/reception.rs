//! Reception (今日我接待): the duty roster and the reception log under `/api/v1`.
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::field::FieldError;
use crate::domain::reception::{
    self, DateRange, Disposition, MAX_RESULT_CHARS, Slot, Visitor, VisitorsCount, parse_date, parse_matter,
};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::http::shared::input::Parser;
use crate::http::shared::input::reception::{RecordVisit, SetDuties};
use crate::http::shared::patch::nullable;
use crate::services::books::{
    reception_log::{self, Clock, VisitChanges, VisitFilter, VisitView},
    reception_roster::{self, DutyView, SwapWith},
};
use crate::services::organisation::actor::Actor;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(today_duties)
        .service(list_duties)
        .service(set_duties)
        .service(remove_duty)
        .service(swap_duty)
        .service(list_visits)
        .service(record_visit)
        .service(get_visit)
        .service(update_visit);
}

#[derive(Serialize, ToSchema)]
pub struct DutyDto {
    pub id: i32,
    pub station_id: i32,
    pub station_name: String,
    /// YYYY-MM-DD
    pub date: String,
    /// morning, afternoon or all_day
    pub slot: String,
    pub deputy_id: i32,
    pub deputy_name: String,
    pub note: Option<String>,
}

impl From<DutyView> for DutyDto {
    fn from(v: DutyView) -> Self {
        DutyDto {
            id: v.duty.id,
            station_id: v.duty.station_id,
            station_name: v.station_name,
            date: v.duty.date.to_string(),
            slot: v.duty.slot.as_str().to_owned(),
            deputy_id: v.duty.deputy_id,
            deputy_name: v.deputy_name,
            note: v.duty.note,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DutyList {
    pub items: Vec<DutyDto>,
    pub total: u64,
}

impl DutyList {
    fn of(views: Vec<DutyView>) -> DutyList {
        let items: Vec<DutyDto> = views.into_iter().map(Into::into).collect();
        DutyList { total: items.len() as u64, items }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct PeriodQuery {
    /// YYYY-MM-DD; default today
    pub from: Option<String>,
    /// YYYY-MM-DD; default 30 days after `from` for the roster, no end for the log
    pub to: Option<String>,
}

pub fn period(query: &PeriodQuery, today: NaiveDate, default_days: Option<i64>) -> AppResult<Option<DateRange>> {
    let mut p = Parser::default();
    let from = query.from.as_deref().map(|raw| p.take(parse_date("from", raw)));
    let to = query.to.as_deref().map(|raw| p.take(parse_date("to", raw)));
    let (from, to) = p.finish(|| Some((from.map(|f| f.unwrap_or(today)), to.map(|t| t.unwrap_or(today)))))?;
    match default_days {
        // The roster: from today for `days` days unless told otherwise, at most a year.
        Some(days) => {
            let from = from.unwrap_or(today);
            let to = to.unwrap_or(from + chrono::Duration::days(days - 1));
            Ok(Some(DateRange::new(from, to).map_err(AppError::field)?))
        }
        // The log may be read over any period; an open end is as far as dates go.
        None if from.is_none() && to.is_none() => Ok(None),
        None => {
            let from = from.unwrap_or(reception::EARLIEST);
            let to = to.unwrap_or(reception::LATEST);
            if to < from {
                return Err(AppError::field(FieldError::invalid("to", "a date on or after `from`")));
            }
            Ok(Some(DateRange { from, to }))
        }
    }
}

/// Who receives voters today at the stations the caller may read.
#[utoipa::path(tag = "reception", responses((status = 200, body = DutyList), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/reception-duties/today")]
pub async fn today_duties(state: web::Data<AppState>, actor: Actor) -> AppResult<web::Json<DutyList>> {
    Ok(web::Json(DutyList::of(reception_roster::today(&state.db, &actor, state.ctx().today()).await?)))
}

/// A station's roster over a period (default: the next 30 days).
#[utoipa::path(tag = "reception", params(PeriodQuery), responses((status = 200, body = DutyList), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/stations/{id}/reception-duties")]
pub async fn list_duties(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    query: web::Query<PeriodQuery>,
) -> AppResult<web::Json<DutyList>> {
    let range = period(&query, state.ctx().today(), Some(30))?.ok_or(AppError::NotFound("period"))?;
    Ok(web::Json(DutyList::of(reception_roster::list_duties(&state.db, &actor, id.into_inner(), range).await?)))
}

/// Put deputies on duty for a day or a period (managers of the station, administrators).
/// Days already set for a deputy and slot are kept; the answer lists the duties added.
#[utoipa::path(
    tag = "reception",
    request_body = SetDuties,
    responses((status = 201, body = DutyList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/stations/{id}/reception-duties")]
pub async fn set_duties(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    body: web::Json<SetDuties>,
) -> AppResult<HttpResponse> {
    // Who may, before what was sent is checked: a refused caller learns nothing from it.
    reception_roster::managed_station(&state.db, &actor, *id).await?;
    let new = body.parse()?;
    let added = reception_roster::set_duties(&state.db, &actor, state.clock.now(), id.into_inner(), new).await?;
    Ok(HttpResponse::Created().json(DutyList::of(added)))
}

/// Take a deputy off a duty (managers of the station, administrators).
#[utoipa::path(tag = "reception", responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[delete("/reception-duties/{id}")]
pub async fn remove_duty(state: web::Data<AppState>, actor: Actor, id: web::Path<i32>) -> AppResult<HttpResponse> {
    reception_roster::remove_duty(&state.db, &actor, state.clock.now(), id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
pub struct SwapDuty {
    /// Another duty of the same station: the two deputies change places
    pub with_duty_id: Option<i32>,
    /// Another deputy of the same station takes this duty over
    pub deputy_id: Option<i32>,
}

/// Swap a duty: the deputy on it (or a manager of the station) hands it to another deputy of
/// the station, or exchanges it with another duty. One transaction, logged.
#[utoipa::path(
    tag = "reception",
    request_body = SwapDuty,
    responses((status = 200, body = DutyList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/reception-duties/{id}/swap")]
pub async fn swap_duty(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    body: web::Json<SwapDuty>,
) -> AppResult<web::Json<DutyList>> {
    // Who may, before what was sent is checked: a refused caller learns nothing from it.
    reception_roster::require_may_swap(&state.db, &actor, *id).await?;
    let with = match (body.with_duty_id, body.deputy_id) {
        (Some(duty), None) => SwapWith::Duty(duty),
        (None, Some(deputy)) => SwapWith::Deputy(deputy),
        _ => return Err(AppError::field(FieldError::invalid("with_duty_id", "either with_duty_id or deputy_id"))),
    };
    Ok(web::Json(DutyList::of(
        reception_roster::swap(&state.db, &actor, state.clock.now(), id.into_inner(), with).await?,
    )))
}

#[derive(Serialize, ToSchema)]
pub struct VisitDeputy {
    pub id: i32,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct VisitDto {
    pub id: i32,
    pub station_id: i32,
    /// YYYY-MM-DD
    pub visited_on: String,
    pub slot: String,
    /// The deputies on duty who received the visitor, in order
    pub deputies: Vec<VisitDeputy>,
    /// Masked (张*) unless the caller manages the station
    pub visitor_name: Option<String>,
    /// Masked (138****1234) unless the caller manages the station
    pub visitor_phone: Option<String>,
    pub contact_masked: bool,
    pub consent: bool,
    pub visitors_count: i32,
    pub matter: String,
    pub category_id: Option<i32>,
    /// answered, community, street_office, suggestion or higher_deputy
    pub disposition: String,
    pub result: Option<String>,
    pub feedback: Option<String>,
    /// The case opened from this visit
    pub case_id: Option<i32>,
    pub case_tracking_code: Option<String>,
    pub recorded_by: i32,
    pub created_at: String,
    pub updated_at: String,
    pub version: i32,
}

impl From<VisitView> for VisitDto {
    fn from(v: VisitView) -> Self {
        let visit = v.visit;
        VisitDto {
            id: visit.id,
            station_id: visit.station_id,
            visited_on: visit.visited_on.to_string(),
            slot: visit.slot.as_str().to_owned(),
            deputies: v.deputies.into_iter().map(|(id, name)| VisitDeputy { id, name }).collect(),
            visitor_name: v.visitor_name,
            visitor_phone: v.visitor_phone,
            contact_masked: v.masked,
            consent: visit.consent,
            visitors_count: visit.visitors_count,
            matter: visit.matter,
            category_id: visit.category_id,
            disposition: visit.disposition.as_str().to_owned(),
            result: visit.result,
            feedback: visit.feedback,
            case_id: visit.case_id,
            case_tracking_code: v.tracking_code,
            recorded_by: visit.recorded_by,
            created_at: visit.created_at.to_rfc3339(),
            updated_at: visit.updated_at.to_rfc3339(),
            version: visit.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct VisitList {
    pub items: Vec<VisitDto>,
    pub total: u64,
}

#[derive(Deserialize, IntoParams)]
pub struct VisitQuery {
    /// YYYY-MM-DD
    pub from: Option<String>,
    /// YYYY-MM-DD
    pub to: Option<String>,
    /// The visit a case was opened from
    pub case_id: Option<i32>,
}

/// A station's reception log, newest first; visitors masked except for its managers (whose
/// view is logged).
#[utoipa::path(tag = "reception", params(VisitQuery), responses((status = 200, body = VisitList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/stations/{id}/reception-visits")]
pub async fn list_visits(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    query: web::Query<VisitQuery>,
) -> AppResult<web::Json<VisitList>> {
    let range = period(&PeriodQuery { from: query.from.clone(), to: query.to.clone() }, state.ctx().today(), None)?;
    let filter = VisitFilter { range, case_id: query.case_id };
    let items: Vec<VisitDto> =
        reception_log::list(&state.db, &state.cipher, &actor, state.clock.now(), id.into_inner(), &filter)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
    Ok(web::Json(VisitList { total: items.len() as u64, items }))
}

/// Record a visit to a station's reception (managers of the station, administrators), and
/// optionally open a case from it in the same step.
#[utoipa::path(
    tag = "reception",
    request_body = RecordVisit,
    responses((status = 201, body = VisitDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/stations/{id}/reception-visits")]
pub async fn record_visit(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    body: web::Json<RecordVisit>,
) -> AppResult<HttpResponse> {
    // Who may, before what was sent is checked: a refused caller learns nothing from it.
    reception_roster::managed_station(&state.db, &actor, *id).await?;
    let new = body.parse(state.ctx().today())?;
    let clock = Clock { now: state.clock.now(), time_zone: state.settings.time_zone() };
    let saved = reception_log::record(&state.db, &state.cipher, &actor, clock, id.into_inner(), new).await?;
    Ok(HttpResponse::Created().json(VisitDto::from(saved)))
}

/// One visit.
#[utoipa::path(tag = "reception", responses((status = 200, body = VisitDto), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/reception-visits/{id}")]
pub async fn get_visit(state: web::Data<AppState>, actor: Actor, id: web::Path<i32>) -> AppResult<web::Json<VisitDto>> {
    Ok(web::Json(
        reception_log::get(&state.db, &state.cipher, &actor, state.clock.now(), id.into_inner()).await?.into(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateVisit {
    /// The version read; a stale one is a 409
    pub version: i32,
    pub visited_on: Option<String>,
    pub slot: Option<String>,
    pub deputy_ids: Option<Vec<i32>>,
    /// Name and phone are replaced together, with `consent`, when either is sent
    pub visitor_name: Option<String>,
    pub visitor_phone: Option<String>,
    pub consent: Option<bool>,
    pub visitors_count: Option<i64>,
    pub matter: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i32>)]
    pub category_id: Option<Option<i32>>,
    pub disposition: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub result: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub feedback: Option<Option<String>>,
}

impl UpdateVisit {
    pub fn parse(&self) -> AppResult<VisitChanges> {
        let mut p = Parser::default();
        let visited_on = self.visited_on.as_deref().map(|raw| p.take(parse_date("visited_on", raw)));
        let slot = self.slot.as_deref().map(|raw| p.take(Slot::parse("slot", raw)));
        let visitor = if self.visitor_name.is_some() || self.visitor_phone.is_some() {
            let consent = self.consent.unwrap_or(false);
            match Visitor::parse(self.visitor_name.as_deref(), self.visitor_phone.as_deref(), consent) {
                Ok(visitor) => Some(Some((visitor, consent))),
                Err(errors) => {
                    errors.into_iter().for_each(|e| p.push(e));
                    Some(None)
                }
            }
        } else {
            None
        };
        let count = self.visitors_count.map(|n| p.take(VisitorsCount::new("visitors_count", n)));
        let matter = self.matter.as_deref().map(|raw| p.take(parse_matter("matter", raw)));
        let disposition = self.disposition.as_deref().map(|raw| p.take(Disposition::parse("disposition", raw)));
        let result = crate::http::shared::input::patch_text("result", self.result.clone(), MAX_RESULT_CHARS);
        let result = p.take(result);
        let feedback =
            p.take(crate::http::shared::input::patch_text("feedback", self.feedback.clone(), MAX_RESULT_CHARS));
        p.finish(|| {
            Some(VisitChanges {
                version: self.version,
                visited_on: visited_on.flatten(),
                slot: slot.flatten(),
                deputy_ids: self.deputy_ids.clone(),
                visitor: visitor.flatten(),
                visitors_count: count.flatten(),
                matter: matter.flatten(),
                category_id: self.category_id,
                disposition: disposition.flatten(),
                result: result?,
                feedback: feedback?,
            })
        })
    }
}

/// Edit a visit (managers of the station, administrators) with the `version` read; 409 if
/// someone changed it first.
#[utoipa::path(
    tag = "reception",
    request_body = UpdateVisit,
    responses((status = 200, body = VisitDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[patch("/reception-visits/{id}")]
pub async fn update_visit(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    body: web::Json<UpdateVisit>,
) -> AppResult<web::Json<VisitDto>> {
    let changes = body.parse()?;
    Ok(web::Json(
        reception_log::update(&state.db, &state.cipher, &actor, state.clock.now(), id.into_inner(), changes)
            .await?
            .into(),
    ))
}
