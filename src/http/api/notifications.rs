//! `/api/v1/notifications`: the caller's own in-app notifications.
use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::page::PageParams;
use crate::entities::notification;
use crate::error::{AppResult, ErrorBody};
use crate::services::notices::notifications;
use crate::services::organisation::actor::Actor;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list).service(read_all).service(read_one);
}

#[derive(Serialize, ToSchema)]
pub struct NotificationDto {
    pub id: i64,
    /// e.g. `case_submitted`, `case_overdue`, `daily_digest`.
    pub event: String,
    pub case_id: Option<i32>,
    pub title: String,
    pub body: String,
    /// The staff page to open, when there is one.
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

impl From<notification::Model> for NotificationDto {
    fn from(m: notification::Model) -> Self {
        NotificationDto {
            id: m.id,
            link: m.case_id.map(|id| format!("/app/cases/{id}")),
            event: m.event,
            case_id: m.case_id,
            title: m.title,
            body: m.body,
            created_at: m.created_at,
            read_at: m.read_at,
        }
    }
}

/// A page of notifications, newest first, with how many are unread in all.
#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    pub items: Vec<NotificationDto>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    pub unread_count: u64,
}

#[derive(Deserialize, IntoParams)]
pub struct NotificationQuery {
    /// Only the unread ones.
    pub unread: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct ReadAll {
    /// How many were unread.
    pub marked: u64,
}

#[utoipa::path(
    tag = "notifications",
    params(NotificationQuery, PageParams),
    responses((status = 200, body = NotificationList), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/notifications")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<NotificationQuery>,
    paging: web::Query<PageParams>,
) -> AppResult<web::Json<NotificationList>> {
    let page = notifications::list(&state.db, actor.user_id, query.unread.unwrap_or(false), paging.request()).await?;
    let unread_count = notifications::unread_count(&state.db, actor.user_id).await?;
    Ok(web::Json(NotificationList {
        total: page.total,
        page: page.request.page,
        per_page: page.request.per_page,
        items: page.items.into_iter().map(NotificationDto::from).collect(),
        unread_count,
    }))
}

#[utoipa::path(
    tag = "notifications",
    responses((status = 200, body = NotificationDto), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/notifications/{id}/read")]
pub async fn read_one(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<web::Json<NotificationDto>> {
    let marked = notifications::mark_read(&state.db, actor.user_id, id.into_inner(), state.clock.now()).await?;
    Ok(web::Json(marked.into()))
}

#[utoipa::path(
    tag = "notifications",
    responses((status = 200, body = ReadAll), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/notifications/read-all")]
pub async fn read_all(state: web::Data<AppState>, actor: Actor) -> AppResult<web::Json<ReadAll>> {
    let marked = notifications::mark_all_read(&state.db, actor.user_id, state.clock.now()).await?;
    Ok(web::Json(ReadAll { marked }))
}
