//! Formal suggestions (代表建议) under `/api/v1`: list and draft per station, read and edit one,
//! act on it (submit, assign, extend, reply, rate, close), and draft one from a case or a visit.
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::case_state::Satisfaction;
use crate::domain::field::FieldError;
use crate::domain::page::PageParams;
use crate::domain::reception::parse_date;
use crate::domain::suggestion::{
    ResultClass, SuggestionAction, SuggestionStatus, parse_proposals, parse_reasons, parse_reply, parse_title,
};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::http::api::reception::local_today;
use crate::http::api::{ListResponse, Parser};
use crate::http::shared::patch::nullable;
use crate::services::books::suggestions::{
    self, Command, NewSuggestion, Now, Party, SuggestionChanges, SuggestionFilter, SuggestionView,
};
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

pub fn now(state: &AppState) -> Now {
    Now { at: state.clock.now(), today: local_today(state) }
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
            result_label: s
                .result_class
                .as_deref()
                .and_then(|c| c.parse::<ResultClass>().ok())
                .map(|c| c.label_zh().into()),
            result_class: s.result_class,
            satisfaction: s.satisfaction,
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
    let page = suggestions::list(&state.db, &actor, local_today(&state), &filter, query.page()).await?;
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
    let page = suggestions::list(&state.db, &actor, local_today(&state), &filter, query.page()).await?;
    Ok(web::Json(ListResponse::from_page(page, Into::into)))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct CreateSuggestion {
    /// YYYY-MM-DD; default today
    pub raised_on: Option<String>,
    /// One line, ≤ 200 characters
    pub title: String,
    /// 案由, ≤ 5,000 characters
    pub reasons: String,
    /// 建议内容, ≤ 5,000 characters
    pub proposals: Option<String>,
    pub category_id: Option<i32>,
    /// Required for managers; a deputy leads their own drafts
    pub lead_deputy_id: Option<i32>,
    #[serde(default)]
    pub co_deputy_ids: Vec<i32>,
    /// 重点督办 (managers only)
    #[serde(default)]
    pub key_supervision: bool,
}

impl CreateSuggestion {
    pub fn parse(&self) -> AppResult<NewSuggestion> {
        let mut p = Parser::default();
        let raised_on = match self.raised_on.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(raw) => p.take(parse_date("raised_on", raw)).map(Some),
        };
        let title = p.take(parse_title(&self.title));
        let reasons = p.take(parse_reasons(&self.reasons));
        let proposals = p.take(parse_proposals(self.proposals.as_deref()));
        if self.co_deputy_ids.len() > crate::domain::suggestion::MAX_CO {
            p.push(FieldError::new(
                "co_deputy_ids",
                crate::domain::field::Problem::OutOfRange { min: 0, max: crate::domain::suggestion::MAX_CO as i64 },
            ));
        }
        p.finish(|| {
            Some(NewSuggestion {
                raised_on: raised_on?,
                title: title?,
                reasons: reasons?,
                proposals: proposals?,
                category_id: self.category_id,
                lead_deputy_id: self.lead_deputy_id,
                co_deputy_ids: self.co_deputy_ids.clone(),
                key_supervision: self.key_supervision,
            })
        })
    }
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
    let saved = suggestions::create(&state.db, &actor, now(&state), id.into_inner(), new).await?;
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
    Ok(web::Json(suggestions::get(&state.db, &actor, local_today(&state), id.into_inner()).await?.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateSuggestion {
    /// The version read; a stale one is a 409
    pub version: i32,
    pub raised_on: Option<String>,
    pub title: Option<String>,
    pub reasons: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub proposals: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i32>)]
    pub category_id: Option<Option<i32>>,
    pub lead_deputy_id: Option<i32>,
    pub co_deputy_ids: Option<Vec<i32>>,
    pub key_supervision: Option<bool>,
}

impl UpdateSuggestion {
    pub fn parse(&self) -> AppResult<SuggestionChanges> {
        let mut p = Parser::default();
        let raised_on = self.raised_on.as_deref().map(|raw| p.take(parse_date("raised_on", raw)));
        let title = self.title.as_deref().map(|raw| p.take(parse_title(raw)));
        let reasons = self.reasons.as_deref().map(|raw| p.take(parse_reasons(raw)));
        let proposals = self.proposals.as_ref().map(|value| p.take(parse_proposals(value.as_deref())));
        if self.co_deputy_ids.as_ref().is_some_and(|ids| ids.len() > crate::domain::suggestion::MAX_CO) {
            p.push(FieldError::new(
                "co_deputy_ids",
                crate::domain::field::Problem::OutOfRange { min: 0, max: crate::domain::suggestion::MAX_CO as i64 },
            ));
        }
        p.finish(|| {
            Some(SuggestionChanges {
                version: self.version,
                raised_on: raised_on.flatten(),
                title: title.flatten(),
                reasons: reasons.flatten(),
                proposals: match proposals {
                    None => None,
                    Some(parsed) => Some(parsed?),
                },
                category_id: self.category_id,
                lead_deputy_id: self.lead_deputy_id,
                co_deputy_ids: self.co_deputy_ids.clone(),
                key_supervision: self.key_supervision,
            })
        })
    }
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
    Ok(web::Json(suggestions::update(&state.db, &actor, now(&state), id.into_inner(), changes).await?.into()))
}

#[derive(Deserialize, ToSchema, Default, Clone)]
pub struct SuggestionActionBody {
    /// submit, assign, extend, reply, rate or close
    pub action: String,
    /// The version read; a stale one is a 409
    pub version: Option<i32>,
    /// assign: the lead handling unit
    pub lead_unit_id: Option<i32>,
    /// assign: co-handling units
    #[serde(default)]
    pub co_unit_ids: Vec<i32>,
    /// extend: the new deadline, YYYY-MM-DD, at most six months after assignment
    pub to: Option<String>,
    /// reply: the answer, ≤ 5,000 characters
    pub text: Option<String>,
    /// reply: A, B, C or D
    pub result_class: Option<String>,
    /// rate: satisfied, basically_satisfied or dissatisfied
    pub satisfaction: Option<String>,
}

impl SuggestionActionBody {
    pub fn parse(&self) -> AppResult<(i32, Command)> {
        let mut p = Parser::default();
        let action = p.take(
            self.action
                .trim()
                .parse::<SuggestionAction>()
                .map_err(|_| FieldError::invalid("action", SuggestionAction::EXPECTED)),
        );
        let version = match self.version {
            Some(v) => Some(v),
            None => {
                p.push(FieldError::required("version"));
                None
            }
        };
        let command = match action {
            None => None,
            Some(SuggestionAction::Submit) => Some(Command::Submit),
            Some(SuggestionAction::Close) => Some(Command::Close),
            Some(SuggestionAction::Assign) => {
                if self.co_unit_ids.len() > crate::domain::suggestion::MAX_CO {
                    p.push(FieldError::new(
                        "co_unit_ids",
                        crate::domain::field::Problem::OutOfRange {
                            min: 0,
                            max: crate::domain::suggestion::MAX_CO as i64,
                        },
                    ));
                }
                match self.lead_unit_id {
                    Some(lead) => Some(Command::Assign { lead_unit_id: lead, co_unit_ids: self.co_unit_ids.clone() }),
                    None => {
                        p.push(FieldError::required("lead_unit_id"));
                        None
                    }
                }
            }
            Some(SuggestionAction::Extend) => {
                p.take(parse_date("to", self.to.as_deref().unwrap_or(""))).map(|to| Command::Extend { to })
            }
            Some(SuggestionAction::Reply) => {
                let text = p.take(parse_reply(self.text.as_deref().unwrap_or("")));
                let class = p.take(ResultClass::parse("result_class", self.result_class.as_deref().unwrap_or("")));
                match (text, class) {
                    (Some(text), Some(result_class)) => Some(Command::Reply { text, result_class }),
                    _ => None,
                }
            }
            Some(SuggestionAction::Rate) => {
                let raw = self.satisfaction.as_deref().map(str::trim).unwrap_or("");
                if raw.is_empty() {
                    p.push(FieldError::required("satisfaction"));
                    None
                } else {
                    p.take(raw.parse::<Satisfaction>().map_err(|_| {
                        FieldError::invalid("satisfaction", "satisfied, basically_satisfied or dissatisfied")
                    }))
                    .map(|satisfaction| Command::Rate { satisfaction })
                }
            }
        };
        p.finish(|| Some((version?, command?)))
    }
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
    Ok(web::Json(suggestions::act(&state.db, &actor, now(&state), id.into_inner(), version, command).await?.into()))
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
    let saved = suggestions::from_case(&state.db, &actor, now(&state), id.into_inner()).await?;
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
    let saved = suggestions::from_visit(&state.db, &actor, now(&state), id.into_inner()).await?;
    Ok(HttpResponse::Created().json(SuggestionDto::from(saved)))
}
