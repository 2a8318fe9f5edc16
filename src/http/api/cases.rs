//! `/api/v1/cases`: the queues, one case in full, and the actions on it.
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::case_state::{CaseStatus, Satisfaction};
use crate::domain::field::FieldError;
use crate::domain::org::TierCode;
use crate::domain::page::PageParams;
use crate::entities::{case, case_event, case_photo, extension_request};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::http::api::ListResponse;
use crate::http::shared::client::ClientInfo;
use crate::http::shared::input::cases::ActionRequest;
use crate::http::shared::photos::jpeg;
use crate::services::books::ledgers::Period;
use crate::services::cases::commands;
use crate::services::cases::deadlines::is_overdue;
use crate::services::cases::photos::photo_of;
use crate::services::cases::{
    access,
    actions::{self},
    queries::{self, CaseFilter, CaseSort, ContactView, QueueCounts, full_contact, masked_contact},
};
use crate::services::context::Ctx;
use crate::services::insight::figures::Figure;
use crate::services::organisation::actor::Actor;
use crate::services::privacy::cipher::Cipher;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list).service(counts).service(bulk).service(get_one).service(act).service(photo);
}

#[derive(Serialize, ToSchema)]
pub struct CaseDto {
    pub id: i32,
    pub tracking_code: String,
    pub status: CaseStatus,
    pub status_label: String,
    /// Send back as `version` with an action: a stale one is refused with 409.
    pub version: i32,
    /// qr, reception, visit or phone
    pub channel: String,
    pub station_id: i32,
    pub deputy_id: Option<i32>,
    pub category_id: i32,
    pub tier: TierCode,
    pub unit_id: Option<i32>,
    pub content: String,
    pub location: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Masked (张*, 138****1234) unless the caller handles this case.
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_masked: bool,
    pub anonymous: bool,
    pub wants_callback: bool,
    pub received_at: DateTime<Utc>,
    pub first_response_due_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    /// Open and past `due_at`, now.
    pub overdue: bool,
    pub first_responded_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub replied_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
    /// rated, unrated, closed_by_staff, merged, withdrawn
    pub close_reason: Option<String>,
    pub reply: Option<String>,
    pub satisfaction: Option<Satisfaction>,
    pub solved: Option<bool>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<DateTime<Utc>>,
    pub key_supervision: bool,
    pub disclosed: bool,
    pub merged_into_id: Option<i32>,
    pub reopened_count: i32,
    pub returned_count: i32,
    pub percent: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl CaseDto {
    pub fn new(m: case::Model, contact: ContactView, now: DateTime<Utc>) -> Self {
        let status: CaseStatus = m.status;
        CaseDto {
            overdue: is_overdue(&m, now),
            status,
            status_label: status.label_zh().to_string(),
            tier: m.tier,
            contact_name: contact.name,
            contact_phone: contact.phone,
            contact_masked: contact.masked,
            satisfaction: m.satisfaction,
            id: m.id,
            tracking_code: m.tracking_code,
            version: m.version,
            channel: m.channel.as_str().to_owned(),
            station_id: m.station_id,
            deputy_id: m.deputy_id,
            category_id: m.category_id,
            unit_id: m.unit_id,
            content: m.content,
            location: m.location,
            latitude: m.latitude,
            longitude: m.longitude,
            anonymous: m.anonymous,
            wants_callback: m.wants_callback,
            received_at: m.received_at,
            first_response_due_at: m.first_response_due_at,
            due_at: m.due_at,
            first_responded_at: m.first_responded_at,
            accepted_at: m.accepted_at,
            assigned_at: m.assigned_at,
            replied_at: m.replied_at,
            closed_at: m.closed_at,
            archived_at: m.archived_at,
            close_reason: m.close_reason.map(|r| r.as_str().to_owned()),
            reply: m.reply,
            solved: m.solved,
            rating_comment: m.rating_comment,
            rated_at: m.rated_at,
            key_supervision: m.key_supervision,
            disclosed: m.disclosed,
            merged_into_id: m.merged_into_id,
            reopened_count: m.reopened_count,
            returned_count: m.returned_count,
            percent: m.percent,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }

    /// In lists the contact is always masked.
    pub fn listed(cipher: &Cipher, m: case::Model, now: DateTime<Utc>) -> AppResult<Self> {
        let contact = masked_contact(cipher, &m)?;
        Ok(CaseDto::new(m, contact, now))
    }
}

#[derive(Deserialize, IntoParams)]
pub struct CaseQuery {
    /// One status or several, comma-separated (`assigned,in_progress`).
    pub status: Option<String>,
    pub station_id: Option<i32>,
    pub deputy_id: Option<i32>,
    pub category_id: Option<i32>,
    pub unit_id: Option<i32>,
    pub tier: Option<TierCode>,
    /// Open and past the deadline now.
    pub overdue: Option<bool>,
    /// Open and due within the due-soon window.
    pub due_soon: Option<bool>,
    pub key_supervision: Option<bool>,
    pub disclosed: Option<bool>,
    /// Text in the resident's words or the place, a tracking code, or the resident's whole
    /// phone number (however written: `138 1234 5678`, `+86…`); part of a number finds nothing,
    /// since phones are stored encrypted and matched by a keyed hash.
    pub q: Option<String>,
    /// `due` (default: overdue and soonest due first) or `received` (newest first).
    pub sort: Option<String>,
    /// Received on or after this day, `YYYY-MM-DD` local time (with `to`: the period of a statistic).
    pub from: Option<String>,
    /// Received on or before this day.
    pub to: Option<String>,
    /// Only the cases counted in this figure of `/api/v1/stats` (the drill-down from a number):
    /// received, rejected, merged, withdrawn, accepted, replied, unreplied, closed,
    /// closed_on_time, closed_late, rated, solved, unsolved, satisfied, basically_satisfied,
    /// dissatisfied, overdue_now or key_supervision_now.
    pub figure: Option<String>,
}

async fn filter_of(state: &AppState, query: &CaseQuery) -> AppResult<CaseFilter> {
    let mut statuses = Vec::new();
    for part in query.status.as_deref().unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()) {
        statuses.push(part.parse::<CaseStatus>().map_err(|_| {
            AppError::field(FieldError::invalid(
                "status",
                "submitted, accepted, rejected, assigned, returned, in_progress, replied, closed or archived",
            ))
        })?);
    }
    let sort = match query.sort.as_deref() {
        None | Some("due") => CaseSort::Due,
        Some("received") => CaseSort::Received,
        Some(_) => return Err(AppError::field(FieldError::invalid("sort", "due or received"))),
    };
    let now = state.clock.now();
    let due_before = match query.due_soon {
        Some(true) => Some(queries::soon_horizon(&state.db, &state.settings, now).await?),
        _ => None,
    };
    let figure = match query.figure.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
        None => None,
        Some(raw) => Some(
            Figure::parse(raw)
                .ok_or_else(|| AppError::field(FieldError::invalid("figure", "a figure name of /api/v1/stats")))?,
        ),
    };
    let received = if query.from.is_some() || query.to.is_some() {
        let tz = state.settings.time_zone();
        let today = now.with_timezone(&tz).date_naive();
        Some(Period::parse(query.from.as_deref(), query.to.as_deref(), today)?.bounds(tz))
    } else {
        None
    };
    Ok(CaseFilter {
        statuses,
        station_id: query.station_id,
        deputy_id: query.deputy_id,
        category_id: query.category_id,
        unit_id: query.unit_id,
        tier: query.tier,
        overdue: query.overdue,
        due_before,
        key_supervision: query.key_supervision,
        disclosed: query.disclosed,
        q: query.q.clone(),
        q_phone_hash: None,
        received,
        station_ids: None,
        figure,
        sort,
    }
    .with_phone_lookup(&state.cipher))
}

/// The caller's queue: a deputy their cases, a handler their unit's, a manager their
/// stations', an administrator all. Contacts are masked in lists.
#[utoipa::path(
    tag = "cases",
    params(CaseQuery, PageParams),
    responses((status = 200, body = ListResponse<CaseDto>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/cases")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<CaseQuery>,
    paging: web::Query<PageParams>,
) -> AppResult<web::Json<ListResponse<CaseDto>>> {
    let filter = filter_of(&state, &query).await?;
    let now = state.clock.now();
    let page = queries::list(&state.db, &actor, now, &filter, paging.request()).await?;
    Ok(web::Json(ListResponse::try_from_page(page, |m| CaseDto::listed(&state.cipher, m, now))?))
}

/// The numbers on top of the caller's queue.
#[utoipa::path(tag = "cases", responses((status = 200, body = QueueCounts)), security(("bearer" = [])))]
#[get("/cases/counts")]
pub async fn counts(state: web::Data<AppState>, actor: Actor) -> AppResult<web::Json<QueueCounts>> {
    let now = state.clock.now();
    let soon = queries::soon_horizon(&state.db, &state.settings, now).await?;
    Ok(web::Json(queries::counts(&state.db, &actor, now, soon).await?))
}

#[derive(Serialize, ToSchema)]
pub struct EventDto {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<i32>,
    /// resident, system or a staff role
    pub actor_role: String,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub note: Option<String>,
    /// Shown on the resident's tracking page.
    pub public: bool,
}

impl From<case_event::Model> for EventDto {
    fn from(e: case_event::Model) -> Self {
        EventDto {
            id: e.id,
            at: e.at,
            actor_user_id: e.actor_user_id,
            actor_role: e.actor_role,
            action: e.action,
            from_status: e.from_status.map(|s| s.as_str().to_owned()),
            to_status: e.to_status.map(|s| s.as_str().to_owned()),
            note: e.note,
            public: e.public,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PhotoDto {
    pub hash: String,
    pub width: i32,
    pub height: i32,
    /// Set for photos of a progress report.
    pub event_id: Option<i64>,
    pub url: String,
    pub thumb_url: String,
}

impl PhotoDto {
    fn new(p: case_photo::Model) -> Self {
        PhotoDto {
            url: format!("/api/v1/cases/{}/photos/{}", p.case_id, p.hash),
            thumb_url: format!("/api/v1/cases/{}/photos/{}?thumb=true", p.case_id, p.hash),
            hash: p.hash,
            width: p.width,
            height: p.height,
            event_id: p.event_id,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ExtensionDto {
    pub id: i32,
    pub requested_by: i32,
    pub requested_at: DateTime<Utc>,
    pub reason: String,
    pub days: i32,
    /// pending, granted or refused
    pub status: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
}

impl From<extension_request::Model> for ExtensionDto {
    fn from(e: extension_request::Model) -> Self {
        ExtensionDto {
            id: e.id,
            requested_by: e.requested_by,
            requested_at: e.requested_at,
            reason: e.reason,
            days: e.days,
            status: e.status,
            decided_at: e.decided_at,
            decision_note: e.decision_note,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CaseDetailDto {
    #[serde(flatten)]
    pub case: CaseDto,
    pub station_name: Option<String>,
    pub deputy_name: Option<String>,
    pub unit_name: Option<String>,
    pub category_name: Option<String>,
    pub events: Vec<EventDto>,
    pub photos: Vec<PhotoDto>,
    pub extensions: Vec<ExtensionDto>,
    /// What the caller may do to the case now.
    pub available_actions: Vec<String>,
}

/// One case in full. The resident's contact is unmasked only for those handling the case,
/// and every such view is recorded in the audit log.
#[utoipa::path(
    tag = "cases",
    responses((status = 200, body = CaseDetailDto), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/cases/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    actor: Actor,
    client: ClientInfo,
    id: web::Path<i32>,
) -> AppResult<web::Json<CaseDetailDto>> {
    let now = state.clock.now();
    let detail = queries::detail(&state.db, &state.cipher, &actor, id.into_inner(), now, Some(&client.ip)).await?;
    let actions = actions::available(&state.db, &actor, &detail.case).await?;
    Ok(web::Json(CaseDetailDto {
        station_name: detail.station.map(|s| s.name),
        deputy_name: detail.deputy.map(|d| d.name),
        unit_name: detail.unit.map(|u| u.name),
        category_name: detail.category.map(|c| c.name),
        events: detail.events.into_iter().map(EventDto::from).collect(),
        photos: detail.photos.into_iter().map(PhotoDto::new).collect(),
        extensions: detail.extensions.into_iter().map(ExtensionDto::from).collect(),
        available_actions: actions.into_iter().map(String::from).collect(),
        case: CaseDto::new(detail.case, detail.contact, now),
    }))
}

/// Act on a case. Each action is one transaction: state, version, a timeline event and the
/// notices. 409 for a stale version or a move the state machine does not allow, saying what
/// the case is now; 403 when the caller may not; 404 when the case is not theirs to see.
#[utoipa::path(
    tag = "cases",
    request_body = ActionRequest,
    responses(
        (status = 200, body = CaseDto),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/cases/{id}/actions")]
pub async fn act(
    state: web::Data<AppState>,
    ctx: Ctx,
    actor: Actor,
    id: web::Path<i32>,
    body: web::Json<ActionRequest>,
) -> AppResult<web::Json<CaseDto>> {
    let id = id.into_inner();
    let saved = commands::act(&ctx, &actor, id, body.version, &body.raw(), Vec::new()).await?;
    let now = state.clock.now();
    let contact = if access::handles(&state.db, &actor, &saved).await? {
        full_contact(&state.cipher, &saved)?
    } else {
        masked_contact(&state.cipher, &saved)?
    };
    Ok(web::Json(CaseDto::new(saved, contact, now)))
}

#[derive(Deserialize, ToSchema)]
pub struct BulkRequest {
    /// Up to 100 cases.
    pub case_ids: Vec<i32>,
    /// The same action for each (its `version` is ignored: each case is acted on as it is).
    #[serde(flatten)]
    pub action: ActionRequest,
}

#[derive(Serialize, ToSchema)]
pub struct BulkResult {
    pub case_id: i32,
    pub ok: bool,
    pub status: Option<CaseStatus>,
    pub error: Option<ErrorBody>,
}

#[derive(Serialize, ToSchema)]
pub struct BulkResponse {
    pub results: Vec<BulkResult>,
    pub succeeded: usize,
    pub failed: usize,
}

impl From<Vec<(i32, AppResult<case::Model>)>> for BulkResponse {
    fn from(outcomes: Vec<(i32, AppResult<case::Model>)>) -> Self {
        let results: Vec<BulkResult> = outcomes
            .into_iter()
            .map(|(case_id, outcome)| match outcome {
                Ok(saved) => BulkResult { case_id, ok: true, status: Some(saved.status), error: None },
                Err(error) => BulkResult { case_id, ok: false, status: None, error: Some(error.body()) },
            })
            .collect();
        let succeeded = results.iter().filter(|r| r.ok).count();
        BulkResponse { failed: results.len() - succeeded, succeeded, results }
    }
}

/// The same action on many cases (bulk assign, bulk reply from a template). Each case is its
/// own transaction: one refused case does not stop the others.
#[utoipa::path(
    tag = "cases",
    request_body = BulkRequest,
    responses((status = 200, body = BulkResponse), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/cases/bulk")]
pub async fn bulk(ctx: Ctx, actor: Actor, body: web::Json<BulkRequest>) -> AppResult<web::Json<BulkResponse>> {
    let body = body.into_inner();
    let results = commands::act_on_many(&ctx, &actor, body.case_ids, &body.action.raw()).await?;
    Ok(web::Json(BulkResponse::from(results)))
}

#[derive(Deserialize, IntoParams)]
pub struct PhotoQuery {
    #[serde(default)]
    pub thumb: bool,
}

/// A photo of a case the caller may read (JPEG, re-encoded, no metadata).
#[utoipa::path(
    tag = "cases",
    params(PhotoQuery),
    responses((status = 200, content_type = "image/jpeg", body = Vec<u8>), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/cases/{id}/photos/{hash}")]
pub async fn photo(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(i32, String)>,
    query: web::Query<PhotoQuery>,
) -> AppResult<HttpResponse> {
    let (id, hash) = path.into_inner();
    let record = access::get(&state.db, &actor, id).await?;
    let bytes = photo_of(&state.db, &state.photos, &record, &hash, query.thumb).await?;
    Ok(jpeg(bytes, false))
}
