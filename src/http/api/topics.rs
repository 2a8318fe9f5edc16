//! `GET /api/v1/stats/hot-topics` (热点难点) and `GET /api/v1/cases/{id}/similar` (likely
//! duplicates to merge).
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::case_state::CaseStatus;
use crate::error::{AppResult, ErrorBody};
use crate::services::books::ledgers::Period;
use crate::services::insight::topics::{self, DEFAULT_LIMIT};
use crate::services::organisation::actor::Actor;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(hot_topics).service(similar);
}

#[derive(Deserialize, IntoParams, Default)]
pub struct HotTopicsQuery {
    /// One station with its points and grids (default: every case the caller may read).
    pub station_id: Option<i32>,
    /// First day, `YYYY-MM-DD` in the service's time zone (default: 1 January of `to`'s year).
    pub from: Option<String>,
    /// Last day, included (default: today).
    pub to: Option<String>,
    /// Topics to return, 1–100 (default 20).
    pub limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct TopicDto {
    /// The most typical text of the topic, its first clause, at most 24 characters.
    pub label: String,
    /// Cases in the topic (residents who raised it).
    pub count: usize,
    pub case_ids: Vec<i32>,
    /// The category most of its cases have.
    pub category: Option<String>,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct HotTopicsDto {
    /// Topics of two cases or more, largest first.
    pub topics: Vec<TopicDto>,
    /// Cases of the period in scope that were grouped (rejected, withdrawn and merged-away
    /// cases are not counted).
    pub cases_considered: usize,
    pub from: String,
    pub to: String,
}

/// Hot topics (热点难点): cases of the period whose texts are about the same thing, grouped by
/// character-bigram MinHash with LSH and verified on the texts (no external service). Scoped
/// like the queues: administrators all cases, managers their stations' (with points and
/// grids), viewers the stations they may read, a deputy their own cases, a handler their
/// unit's. A `station_id` the caller may not see is 404.
#[utoipa::path(
    tag = "stats",
    params(HotTopicsQuery),
    responses(
        (status = 200, body = HotTopicsDto),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/stats/hot-topics")]
pub async fn hot_topics(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<HotTopicsQuery>,
) -> AppResult<web::Json<HotTopicsDto>> {
    let tz = state.settings.time_zone();
    let today = state.clock.now().with_timezone(&tz).date_naive();
    let period = Period::parse(query.from.as_deref(), query.to.as_deref(), today)?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    let found = topics::hot_topics(&state.db, &actor, query.station_id, period.bounds(tz), limit).await?;
    Ok(web::Json(HotTopicsDto {
        topics: found
            .topics
            .into_iter()
            .map(|t| TopicDto {
                label: t.label,
                count: t.count,
                case_ids: t.case_ids,
                category: t.category,
                first_at: t.first_at,
                last_at: t.last_at,
            })
            .collect(),
        cases_considered: found.cases_considered,
        from: period.from.to_string(),
        to: period.to.to_string(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct SimilarCaseDto {
    pub id: i32,
    pub tracking_code: String,
    pub status: CaseStatus,
    /// 0–1 (two decimals); 0.28 and above is shown.
    pub score: f64,
    pub content: String,
    pub location: Option<String>,
    pub category_id: i32,
    pub received_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct SimilarDto {
    /// Most alike first, at most 10.
    pub items: Vec<SimilarCaseDto>,
}

/// Likely duplicates of a case: open cases of the same station, not merged away, whose texts
/// are about the same thing — for the manager deciding to `merge`. Only cases the caller may
/// read; 404 for a case they may not.
#[utoipa::path(
    tag = "cases",
    responses((status = 200, body = SimilarDto), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/cases/{id}/similar")]
pub async fn similar(state: web::Data<AppState>, actor: Actor, id: web::Path<i32>) -> AppResult<web::Json<SimilarDto>> {
    let found = topics::similar(&state.db, &actor, id.into_inner()).await?;
    Ok(web::Json(SimilarDto {
        items: found
            .into_iter()
            .map(|s| SimilarCaseDto {
                id: s.case.id,
                tracking_code: s.case.tracking_code,
                status: s.case.status,
                score: (s.score * 100.0).round() / 100.0,
                content: s.case.content,
                location: s.case.location,
                category_id: s.case.category_id,
                received_at: s.case.received_at,
            })
            .collect(),
    }))
}
