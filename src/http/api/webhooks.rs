//! `/api/v1/webhooks`: where case notices go besides the app (企业微信, 钉钉, JSON).
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::field::{FieldError, Problem};
use crate::domain::page::PageParams;
use crate::domain::webhook::{MAX_SECRET_CHARS, UrlPolicy, WebhookFormat, parse_url};
use crate::entities::webhook;
use crate::error::{AppResult, ErrorBody};
use crate::http::api::ListResponse;
use crate::http::shared::input::{Parser, choice};
use crate::http::shared::patch::nullable;
use crate::services::notices::webhooks::{self, NewWebhook, WebhookChanges, WebhookFilter, WebhookTarget};
use crate::services::organisation::actor::Actor;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list).service(get_one).service(create).service(update).service(remove);
}

/// A webhook as shown: the secret never leaves the server, only whether there is one.
#[derive(Serialize, ToSchema)]
pub struct WebhookDto {
    pub id: i32,
    pub station_id: Option<i32>,
    pub deputy_id: Option<i32>,
    /// `wecom`, `dingtalk` or `json`.
    pub format: String,
    pub url: String,
    pub has_secret: bool,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<webhook::Model> for WebhookDto {
    fn from(m: webhook::Model) -> Self {
        WebhookDto {
            id: m.id,
            station_id: m.station_id,
            deputy_id: m.deputy_id,
            format: m.format.as_str().to_owned(),
            url: m.url,
            has_secret: m.secret.is_some_and(|s| !s.is_empty()),
            active: m.active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// Exactly one of `station_id` and `deputy_id`.
#[derive(Deserialize, ToSchema)]
pub struct CreateWebhook {
    pub station_id: Option<i32>,
    pub deputy_id: Option<i32>,
    /// `wecom` (企业微信群机器人), `dingtalk` (钉钉群机器人) or `json`.
    pub format: String,
    /// http(s), at most 500 characters; https only in production.
    pub url: String,
    /// DingTalk's 加签 secret, or the key for `X-Liaison-Signature` on `json`. Write-only.
    pub secret: Option<String>,
    pub active: Option<bool>,
}

/// Giving `station_id` or `deputy_id` moves the webhook there (give one, not both).
#[derive(Deserialize, ToSchema)]
pub struct UpdateWebhook {
    pub station_id: Option<i32>,
    pub deputy_id: Option<i32>,
    pub format: Option<String>,
    pub url: Option<String>,
    /// `null` removes the secret.
    #[serde(default, deserialize_with = "nullable")]
    pub secret: Option<Option<String>>,
    pub active: Option<bool>,
}

#[derive(Deserialize, IntoParams)]
pub struct WebhookQuery {
    pub station_id: Option<i32>,
    pub deputy_id: Option<i32>,
}

fn target(station_id: Option<i32>, deputy_id: Option<i32>) -> Result<Option<WebhookTarget>, FieldError> {
    match (station_id, deputy_id) {
        (Some(station), None) => Ok(Some(WebhookTarget::Station(station))),
        (None, Some(deputy)) => Ok(Some(WebhookTarget::Deputy(deputy))),
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err(FieldError::invalid("deputy_id", "absent when station_id is given")),
    }
}

fn secret(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) if value.chars().count() > MAX_SECRET_CHARS => {
            Err(FieldError::new("secret", Problem::TooLong { max: MAX_SECRET_CHARS }))
        }
        Some(value) => Ok(Some(value.to_string())),
    }
}

fn url_policy(state: &AppState) -> UrlPolicy {
    UrlPolicy { https_only: state.settings.is_production(), allow_private: state.settings.webhook_allow_private }
}

fn format(raw: &str) -> Result<WebhookFormat, FieldError> {
    choice("format", raw, WebhookFormat::EXPECTED)
}

#[utoipa::path(
    tag = "webhooks",
    params(WebhookQuery, PageParams),
    responses((status = 200, body = ListResponse<WebhookDto>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/webhooks")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<WebhookQuery>,
    paging: web::Query<PageParams>,
) -> AppResult<web::Json<ListResponse<WebhookDto>>> {
    let filter = WebhookFilter { station_id: query.station_id, deputy_id: query.deputy_id };
    let page = webhooks::list(&state.db, &actor, filter, paging.request()).await?;
    Ok(web::Json(ListResponse::from_page(page, WebhookDto::from)))
}

#[utoipa::path(
    tag = "webhooks",
    responses((status = 200, body = WebhookDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/webhooks/{id}")]
pub async fn get_one(state: web::Data<AppState>, actor: Actor, id: web::Path<i32>) -> AppResult<web::Json<WebhookDto>> {
    Ok(web::Json(webhooks::get(&state.db, &actor, id.into_inner()).await?.into()))
}

/// Administrators; managers for the stations they manage and those stations' deputies.
#[utoipa::path(
    tag = "webhooks",
    request_body = CreateWebhook,
    responses((status = 201, body = WebhookDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/webhooks")]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<CreateWebhook>,
) -> AppResult<HttpResponse> {
    // Who may, before what was sent is checked: a refused caller learns nothing from it.
    actor.require(webhooks::KEEPERS)?;
    let mut p = Parser::default();
    let target = match p.take(target(body.station_id, body.deputy_id)) {
        Some(None) => {
            p.push(FieldError::required("station_id"));
            None
        }
        other => other.flatten(),
    };
    let format = p.take(format(&body.format));
    let url = p.take(parse_url("url", &body.url, url_policy(&state)));
    let secret = p.take(secret(body.secret.as_deref()));
    let new = p.finish(|| {
        Some(NewWebhook {
            target: target?,
            format: format?,
            url: url?,
            secret: secret?,
            active: body.active.unwrap_or(true),
        })
    })?;
    let created = webhooks::create(&state.db, &actor, state.clock.now(), new).await?;
    Ok(HttpResponse::Created().json(WebhookDto::from(created)))
}

#[utoipa::path(
    tag = "webhooks",
    request_body = UpdateWebhook,
    responses(
        (status = 200, body = WebhookDto),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[patch("/webhooks/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    body: web::Json<UpdateWebhook>,
) -> AppResult<web::Json<WebhookDto>> {
    let body = body.into_inner();
    let mut p = Parser::default();
    let target = p.take(target(body.station_id, body.deputy_id));
    let format = match &body.format {
        Some(raw) => p.take(format(raw)).map(Some),
        None => Some(None),
    };
    let url = match &body.url {
        Some(raw) => p.take(parse_url("url", raw, url_policy(&state))).map(Some),
        None => Some(None),
    };
    let secret = match &body.secret {
        Some(raw) => p.take(secret(raw.as_deref())).map(Some),
        None => Some(None),
    };
    let changes = p.finish(|| {
        Some(WebhookChanges { target: target?, format: format?, url: url?, secret: secret?, active: body.active })
    })?;
    Ok(web::Json(webhooks::update(&state.db, &actor, state.clock.now(), id.into_inner(), changes).await?.into()))
}

/// Deletes the webhook and its undelivered messages.
#[utoipa::path(
    tag = "webhooks",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/webhooks/{id}")]
pub async fn remove(state: web::Data<AppState>, actor: Actor, id: web::Path<i32>) -> AppResult<HttpResponse> {
    webhooks::delete(&state.db, &actor, state.clock.now(), id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
