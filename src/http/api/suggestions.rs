//! Formal suggestions (代表建议) under `/api/v1`: list and draft per station, read and edit one,
//! act on it (submit, assign, extend, reply, rate, close), and draft one from a case or a visit.
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::field::FieldError;
use crate::domain::page::PageParams;
use crate::domain::suggestion::SuggestionStatus;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::http::api::ListResponse;
use crate::http::shared::input::suggestions::{CreateSuggestion, SuggestionActionBody, UpdateSuggestion};
use crate::services::books::suggestions::{self, Now, Party, SuggestionFilter, SuggestionView};
use crate::services::organisation::actor::Actor;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_suggestions)
        .service(list_station_suggestions)
        .service(create_suggestion)
        .service(get_suggestion)
        .service(update_suggestion)
        .service(act_on_suggestion)
        .service(suggestion_from_case)
        .service(suggestion_from_visit);
}

#[derive(Serialize, ToSchema)]
pub struct PartyDto {
    pub id: i32,
    pub name: String,
    /// lead or co
    pub role: String,
}

impl From<Party> for PartyDto {
    fn from(p: Party) -> Self {
        PartyDto { id: p.id, name: p.name, role: p.role.as_str().to_string() }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AllowedDto {
    pub edit: bool,
    pub submit: bool,
    pub assign: bool,
    pub extend: bool,
    pub reply: bool,
    pub rate: bool,
    pub close: bool,
    pub key_supervision: bool,
    pub reword: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SuggestionDto {
    pub id: i32,
    /// e.g. 2026-0001
    pub number: String,
    pub station_id: i32,
    pub station_name: String,
    /// YYYY-MM-DD
    pub raised_on: String,
    pub title: String,
    pub reasons: String,
    pub proposals: Option<String>,
    pub category_id: Option<i32>,
    pub category_name: Option<String>,
    pub lead_deputy_id: Option<i32>,
    pub co_deputy_ids: Vec<i32>,
    /// Lead first, then the co-signers in order
    pub deputies: Vec<PartyDto>,
    pub lead_unit_id: Option<i32>,
    pub co_unit_ids: Vec<i32>,
    pub units: Vec<PartyDto>,
    pub assigned_on: Option<String>,
    /// Three months after assignment
    pub due_on: Option<String>,
    /// At most six months after assignment
    pub extended_to: Option<String>,
    /// The deadline in force now (re-handling's own once it started)
    pub deadline: Option<String>,
    pub replied_on: Option<String>,
    pub reply: Option<String>,
    /// A solved, B being solved, C planned, D explained
    pub result_class: Option<String>,
    pub result_label: Option<String>,
    /// satisfied, basically_satisfied or dissatisfied
    pub satisfaction: Option<String>,
    pub rated_on: Option<String>,
    pub rehandling_due_on: Option<String>,
    pub rehandling_count: i32,
    pub key_supervision: bool,
    /// drafted, submitted, assigned, replied, rehandling or closed
    pub status: String,
    pub status_label: String,
    pub overdue: bool,
    pub closed_on: Option<String>,
    pub source_case_id: Option<i32>,
    pub source_visit_id: Option<i32>,
    pub created_by: i32,
    pub created_at: String,
    pub updated_at: String,
    pub version: i32,
    /// What the caller may do now
    pub allowed: AllowedDto,
}

fn day(value: Option<NaiveDate>) -> Option<String> {
    value.map(|d| d.to_string())
}

impl From<SuggestionView> for SuggestionDto {
    fn from(v: SuggestionView) -> Self {
        use crate::domain::suggestion::SuggestionRole;
        let s = v.suggestion;
        let lead_deputy_id = pick(&v.deputies, SuggestionRole::Lead).next();
        let co_deputy_ids: Vec<i32> = pick(&v.deputies, SuggestionRole::Co).collect();
        let co_unit_ids: Vec<i32> = pick(&v.units, SuggestionRole::Co).collect();
        fn pick(list: &[Party], role: SuggestionRole) -> impl Iterator<Item = i32> + '_ {
            list.iter().filter(move |p| p.role == role).map(|p| p.id)
        }
        SuggestionDto {
            id: s.id,
            number: s.number,
            station_id: s.station_id,
            station_name: v.station_name,
            raised_on: s.raised_on.to_string(),
            title: s.title,
            reasons: s.reasons,
            proposals: s.proposals,
            category_id: s.category_id,
            category_name: v.category_name,
            lead_deputy_id,
            co_deputy_ids,
            lead_unit_id: s.lead_unit_id,
            co_unit_ids,
            deputies: v.deputies.into_iter().map(Into::into).collect(),
            units: v.units.into_iter().map(Into::into).collect(),
            assigned_on: day(s.assigned_on),
            due_on: day(s.due_on),
            extended_to: day(s.extended_to),
            deadline: day(v.deadline),
            replied_on: day(s.replied_on),
            reply: s.reply,
            result_label: s.result_class.map(|c| c.label_zh().into()),
            result_class: s.result_class.map(|c| c.as_str().to_owned()),
            satisfaction: s.satisfaction.map(|c| c.as_str().to_owned()),
            rated_on: day(s.rated_on),
            rehandling_due_on: day(s.rehandling_due_on),
            rehandling_count: s.rehandling_count,
            key_supervision: s.key_supervision,
            status: v.status.as_str().to_string(),
            status_label: v.status.label_zh().to_string(),
            overdue: v.overdue,
            closed_on: day(s.closed_on),
            source_case_id: s.source_case_id,
            source_visit_id: s.source_visit_id,
            created_by: s.created_by,
            created_at: s.created_at.to_rfc3339(),
            updated_at: s.updated_at.to_rfc3339(),
            version: s.version,
            allowed: AllowedDto {
                edit: v.allowed.edit,
                submit: v.allowed.submit,
                assign: v.allowed.assign,
                extend: v.allowed.extend,
                reply: v.allowed.reply,
                rate: v.allowed.rate,
                close: v.allowed.close,
                key_supervision: v.allowed.key_supervision,
                reword: v.allowed.reword,
            },
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct SuggestionQuery {
    /// drafted, submitted, assigned, replied, rehandling or closed
    pub status: Option<String>,
    /// true: only those waiting for a reply past their deadline
    pub overdue: Option<bool>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

impl SuggestionQuery {
    fn filter(&self, station_id: Option<i32>) -> AppResult<SuggestionFilter> {
        let status = match self.status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(raw.parse::<SuggestionStatus>().map_err(|_| {
                AppError::field(FieldError::invalid(
                    "status",
                    "drafted, submitted, assigned, replied, rehandling or closed",
                ))
            })?),
        };
        Ok(SuggestionFilter { station_id, status, overdue: self.overdue.unwrap_or(false) })
    }

    fn page(&self) -> crate::domain::page::PageRequest {
        PageParams { page: self.page, per_page: self.per_page }.request()
    }
}

/// The suggestions the caller may read across stations, newest first.
#[utoipa::path(tag = "suggestions", params(SuggestionQuery), responses((status = 200, body = ListResponse<SuggestionDto>), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[get("/suggestions")]
pub async fn list_suggestions(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<SuggestionQuery>,
) -> AppResult<web::Json<ListResponse<SuggestionDto>>> {
    let filter = query.filter(None)?;
    let page = suggestions::list(&state.db, &actor, state.ctx().today(), &filter, query.page()).await?;
    Ok(web::Json(ListResponse::from_page(page, Into::into)))
}

/// A station's suggestions (with its points and grids) that the caller may read, newest first.
#[utoipa::path(tag = "suggestions", params(SuggestionQuery), responses((status = 200, body = ListResponse<SuggestionDto>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[get("/stations/{id}/suggestions")]
pub async fn list_station_suggestions(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    query: web::Query<SuggestionQuery>,
) -> AppResult<web::Json<ListResponse<SuggestionDto>>> {
    let filter = query.filter(Some(id.into_inner()))?;
    let page = suggestions::list(&state.db, &actor, state.ctx().today(), &filter, query.page()).await?;
    Ok(web::Json(ListResponse::from_page(page, Into::into)))
}

/// Draft a suggestion at a station: its managers (administrators), or a deputy for one they lead.
#[utoipa::path(
    tag = "suggestions",
    request_body = CreateSuggestion,
    responses((status = 201, body = SuggestionDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/stations/{id}/suggestions")]
pub async fn create_suggestion(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    body: web::Json<CreateSuggestion>,
) -> AppResult<HttpResponse> {
    // Who may, before what was sent is checked: a refused caller learns nothing from it.
    suggestions::require_may_draft(&state.db, &actor, *id).await?;
    let new = body.parse()?;
    let saved = suggestions::create(&state.db, &actor, Now::from(&state.ctx()), id.into_inner(), new).await?;
    Ok(HttpResponse::Created().json(SuggestionDto::from(saved)))
}

/// One suggestion.
#[utoipa::path(tag = "suggestions", responses((status = 200, body = SuggestionDto), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/suggestions/{id}")]
pub async fn get_suggestion(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
) -> AppResult<web::Json<SuggestionDto>> {
    Ok(web::Json(suggestions::get(&state.db, &actor, state.ctx().today(), id.into_inner()).await?.into()))
}

/// Edit a suggestion with the `version` read (409 if someone changed it first): its words and
/// deputies while drafted or submitted, key supervision at any time (managers).
#[utoipa::path(
    tag = "suggestions",
    request_body = UpdateSuggestion,
    responses((status = 200, body = SuggestionDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[patch("/suggestions/{id}")]
pub async fn update_suggestion(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    body: web::Json<UpdateSuggestion>,
) -> AppResult<web::Json<SuggestionDto>> {
    // Who may, before what was sent is checked: a refused caller learns nothing from it.
    suggestions::require_may_edit(&state.db, &actor, *id).await?;
    let changes = body.parse()?;
    Ok(web::Json(
        suggestions::update(&state.db, &actor, Now::from(&state.ctx()), id.into_inner(), changes).await?.into(),
    ))
}

/// One action on a suggestion with the `version` read: `submit` (managers, the lead deputy),
/// `assign` (`lead_unit_id`, `co_unit_ids`; due three months later), `extend` (`to`, at most six
/// months after assignment), `reply` (`text`, `result_class`; managers or the handling units),
/// `rate` (`satisfaction`; dissatisfied starts re-handling due within a month), `close`.
/// 409 on a stale version or a move the status does not allow.
#[utoipa::path(
    tag = "suggestions",
    request_body = SuggestionActionBody,
    responses((status = 200, body = SuggestionDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/suggestions/{id}/actions")]
pub async fn act_on_suggestion(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    body: web::Json<SuggestionActionBody>,
) -> AppResult<web::Json<SuggestionDto>> {
    // Who may, before what was sent is checked: a refused caller learns nothing from it.
    suggestions::require_may_act(&state.db, &actor, *id).await?;
    let (version, command) = body.parse()?;
    Ok(web::Json(
        suggestions::act(&state.db, &actor, Now::from(&state.ctx()), id.into_inner(), version, command).await?.into(),
    ))
}

/// Draft a suggestion from a case: its deputy leads, its words are the reasons (the case's
/// managers or its deputy). 409 if one was already drafted from it.
#[utoipa::path(
    tag = "suggestions",
    responses((status = 201, body = SuggestionDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/cases/{id}/suggestion")]
pub async fn suggestion_from_case(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let saved = suggestions::from_case(&state.db, &actor, Now::from(&state.ctx()), id.into_inner()).await?;
    Ok(HttpResponse::Created().json(SuggestionDto::from(saved)))
}

/// Draft a suggestion from a reception visit: the first deputy on duty leads, the visitor's
/// words are the reasons, and the visit's disposition becomes `suggestion` (the station's
/// managers). 409 if one was already drafted from it.
#[utoipa::path(
    tag = "suggestions",
    responses((status = 201, body = SuggestionDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/reception-visits/{id}/suggestion")]
pub async fn suggestion_from_visit(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let saved = suggestions::from_visit(&state.db, &actor, Now::from(&state.ctx()), id.into_inner()).await?;
    Ok(HttpResponse::Created().json(SuggestionDto::from(saved)))
}
