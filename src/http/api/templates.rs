//! `/api/v1/reply-templates`: ready answers and rejection texts.
use actix_web::{HttpResponse, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::case_command::{MAX_NOTE_CHARS, MAX_REPLY_CHARS};
use crate::domain::field::FieldError;
use crate::domain::text;
use crate::entities::reply_template;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::http::shared::input::{Parser, choice};
use crate::services::cases::reply_templates::{self, NewTemplate, TemplateChanges, TemplateKind};
use crate::services::organisation::actor::Actor;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list).service(create).service(update);
}

#[derive(Serialize, ToSchema)]
pub struct TemplateDto {
    pub id: i32,
    /// Null for a template every station shares.
    pub station_id: Option<i32>,
    /// reply or reject
    pub kind: String,
    pub title: String,
    pub body: String,
    pub sort_order: i32,
    pub active: bool,
}

impl From<reply_template::Model> for TemplateDto {
    fn from(t: reply_template::Model) -> Self {
        TemplateDto {
            id: t.id,
            station_id: t.station_id,
            kind: t.kind.as_str().to_owned(),
            title: t.title,
            body: t.body,
            sort_order: t.sort_order,
            active: t.active,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TemplateList {
    pub items: Vec<TemplateDto>,
    pub total: u64,
}

#[derive(Deserialize, IntoParams)]
pub struct TemplateQuery {
    /// reply or reject
    pub kind: Option<String>,
}

/// The templates the caller may use.
#[utoipa::path(tag = "cases", params(TemplateQuery), responses((status = 200, body = TemplateList)), security(("bearer" = [])))]
#[get("/reply-templates")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<TemplateQuery>,
) -> AppResult<web::Json<TemplateList>> {
    let kind = match query.kind.as_deref() {
        Some(raw) => Some(
            raw.parse::<TemplateKind>().map_err(|_| AppError::field(FieldError::invalid("kind", "reply or reject")))?,
        ),
        None => None,
    };
    let items: Vec<TemplateDto> =
        reply_templates::usable(&state.db, &actor, kind).await?.into_iter().map(Into::into).collect();
    Ok(web::Json(TemplateList { total: items.len() as u64, items }))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateTemplate {
    pub station_id: Option<i32>,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub sort_order: Option<i32>,
}

/// Administrators keep the shared templates; managers their stations' own.
#[utoipa::path(
    tag = "cases",
    request_body = CreateTemplate,
    responses((status = 201, body = TemplateDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/reply-templates")]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<CreateTemplate>,
) -> AppResult<HttpResponse> {
    // Who may, before what was sent is checked: a refused caller learns nothing from it.
    actor.require(reply_templates::KEEPERS)?;
    let mut p = Parser::default();
    let kind = p.take(choice::<TemplateKind>("kind", &body.kind, "reply or reject"));
    let title = p.take(text::required_line("title", &body.title, 50));
    let text = p.take(text::required_text("body", &body.body, 1, MAX_REPLY_CHARS.max(MAX_NOTE_CHARS)));
    let new = p.finish(|| {
        Some(NewTemplate {
            station_id: body.station_id,
            kind: kind?,
            title: title?,
            body: text?,
            sort_order: body.sort_order,
        })
    })?;
    let saved = reply_templates::create(&state.db, &actor, state.clock.now(), new).await?;
    Ok(HttpResponse::Created().json(TemplateDto::from(saved)))
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateTemplate {
    pub title: Option<String>,
    pub body: Option<String>,
    pub sort_order: Option<i32>,
    pub active: Option<bool>,
}

#[utoipa::path(
    tag = "cases",
    request_body = UpdateTemplate,
    responses((status = 200, body = TemplateDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[patch("/reply-templates/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    body: web::Json<UpdateTemplate>,
) -> AppResult<web::Json<TemplateDto>> {
    let mut p = Parser::default();
    let title = match &body.title {
        Some(raw) => p.take(text::required_line("title", raw, 50)).map(Some),
        None => Some(None),
    };
    let text = match &body.body {
        Some(raw) => p.take(text::required_text("body", raw, 1, MAX_REPLY_CHARS)).map(Some),
        None => Some(None),
    };
    let changes = p.finish(|| {
        Some(TemplateChanges { title: title?, body: text?, sort_order: body.sort_order, active: body.active })
    })?;
    Ok(web::Json(reply_templates::update(&state.db, &actor, state.clock.now(), id.into_inner(), changes).await?.into()))
}
