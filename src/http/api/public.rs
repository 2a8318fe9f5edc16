//! `/api/v1/public`: what a resident's phone (or a mini-program) may call without an account.
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::case_state::{CaseStatus, Satisfaction};
use crate::domain::field::FieldError;
use crate::domain::intake::{self, RawSubmission};
use crate::domain::org::DeputyLevel;
use crate::domain::tracking::{TrackingCode, parse_rating, parse_withdraw_reason};
use crate::entities::{deputy, station};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::http::shared::client::ClientInfo;
use crate::services::cases::submission::{self, Destination, Door, Resident};
use crate::services::cases::tracking;
use crate::services::context::Ctx;
use crate::services::organisation::stations;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(deputy_card)
        .service(station_card)
        .service(create_submission)
        .service(get_submission)
        .service(rate)
        .service(withdraw);
}

#[derive(Serialize, ToSchema)]
pub struct PublicDeputy {
    pub name: String,
    pub level: DeputyLevel,
    pub level_label: String,
    pub post: Option<String>,
    pub employer: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PublicStation {
    pub name: String,
    pub kind: crate::domain::org::StationKind,
    pub address: Option<String>,
    pub contact_phone: Option<String>,
    pub reception_days: Option<String>,
    /// Token of the station's own form.
    pub station_token: String,
}

#[derive(Serialize, ToSchema)]
pub struct PublicCategory {
    pub id: i32,
    pub name: String,
    pub hint: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PublicCard {
    /// `null` when the code was replaced: the station's form is used instead.
    pub deputy: Option<PublicDeputy>,
    pub station: PublicStation,
    pub categories: Vec<PublicCategory>,
    /// `code_retired` when the scanned code was replaced.
    pub notice: Option<String>,
}

fn public_station(s: station::Model) -> PublicStation {
    PublicStation {
        kind: stations::kind_of(&s),
        name: s.name,
        address: s.address,
        contact_phone: s.contact_phone,
        reception_days: s.reception_days,
        station_token: s.public_token,
    }
}

fn public_deputy(d: deputy::Model) -> PublicDeputy {
    let level: DeputyLevel = d.level;
    PublicDeputy { level, level_label: level.label_zh().to_string(), name: d.name, post: d.post, employer: d.employer }
}

async fn categories_list(state: &AppState) -> AppResult<Vec<PublicCategory>> {
    Ok(state
        .scan_cache
        .categories(&state.db)
        .await?
        .iter()
        .map(|c| PublicCategory { id: c.id, name: c.name.clone(), hint: c.hint.clone() })
        .collect())
}

/// Where a deputy's or a station's token leads, for intake: 422 naming the token otherwise.
async fn resolve(
    ctx: &Ctx,
    state: &AppState,
    qr_token: Option<&str>,
    station_token: Option<&str>,
) -> AppResult<Destination> {
    let (door, field) = match (qr_token, station_token) {
        (Some(token), None) => (Door::Deputy(token), "qr_token"),
        (None, Some(token)) => (Door::Station(token), "station_token"),
        _ => return Err(AppError::field(FieldError::invalid("qr_token", "exactly one of qr_token and station_token"))),
    };
    submission::destination(ctx, &state.scan_cache, door)
        .await?
        .ok_or_else(|| AppError::field(FieldError::unknown(field)))
}

/// A deputy's public card and the categories to choose from: what the form shows.
#[utoipa::path(
    tag = "public",
    params(("qr_token" = String, Path, description = "The token in the deputy's QR code")),
    responses((status = 200, body = PublicCard), (status = 404, body = ErrorBody))
)]
#[get("/public/deputies/{qr_token}")]
pub async fn deputy_card(
    state: web::Data<AppState>,
    ctx: Ctx,
    token: web::Path<String>,
) -> AppResult<web::Json<PublicCard>> {
    let found = submission::destination(&ctx, &state.scan_cache, Door::Deputy(&token))
        .await?
        .ok_or(AppError::NotFound("deputy"))?;
    Ok(web::Json(PublicCard {
        deputy: found.deputy.map(public_deputy),
        station: public_station(found.station),
        categories: categories_list(&state).await?,
        notice: found.retired.then(|| "code_retired".to_string()),
    }))
}

/// A station's public card and the categories to choose from.
#[utoipa::path(
    tag = "public",
    params(("station_token" = String, Path, description = "The token in the station's QR code")),
    responses((status = 200, body = PublicCard), (status = 404, body = ErrorBody))
)]
#[get("/public/stations/{station_token}")]
pub async fn station_card(
    state: web::Data<AppState>,
    ctx: Ctx,
    token: web::Path<String>,
) -> AppResult<web::Json<PublicCard>> {
    let found = submission::destination(&ctx, &state.scan_cache, Door::Station(&token))
        .await?
        .ok_or(AppError::NotFound("station"))?;
    Ok(web::Json(PublicCard {
        deputy: None,
        station: public_station(found.station),
        categories: categories_list(&state).await?,
        notice: None,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct SubmissionRequest {
    /// A deputy's QR token, or
    pub qr_token: Option<String>,
    /// a station's token.
    pub station_token: Option<String>,
    pub category_id: i32,
    /// What happened, 5–2,000 characters.
    pub content: String,
    pub location: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    #[serde(default)]
    pub anonymous: bool,
    #[serde(default)]
    pub wants_callback: bool,
    /// The resident agreed to the data-use notice; must be true.
    #[serde(default)]
    pub consent: bool,
    /// An idempotency key: resending with the same key returns the first case.
    pub submission_key: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SubmissionCreated {
    pub tracking_code: String,
    pub status: CaseStatus,
    /// The resident's tracking page.
    pub tracking_url: String,
}

/// Submit a case (no photos through this call; the web form takes photos).
#[utoipa::path(
    tag = "public",
    request_body = SubmissionRequest,
    responses(
        (status = 201, body = SubmissionCreated),
        (status = 200, description = "the same submission_key was sent before", body = SubmissionCreated),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)
    )
)]
#[post("/public/submissions")]
pub async fn create_submission(
    state: web::Data<AppState>,
    ctx: Ctx,
    client: ClientInfo,
    body: web::Json<SubmissionRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let target = resolve(&ctx, &state, body.qr_token.as_deref(), body.station_token.as_deref()).await?.target;
    let raw = RawSubmission {
        category_id: body.category_id.to_string(),
        content: body.content,
        location: body.location.unwrap_or_default(),
        latitude: body.latitude.map(|v| v.to_string()).unwrap_or_default(),
        longitude: body.longitude.map(|v| v.to_string()).unwrap_or_default(),
        contact_name: body.contact_name.unwrap_or_default(),
        contact_phone: body.contact_phone.unwrap_or_default(),
        anonymous: body.anonymous,
        wants_callback: body.wants_callback,
        consent: body.consent,
    };
    let submission = intake::parse_submission(&raw).map_err(AppError::Validation)?;
    let key = match body.submission_key.map(|k| k.trim().to_string()).filter(|k| !k.is_empty()) {
        Some(key) if key.len() <= 64 && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') => {
            Some(key)
        }
        Some(_) => {
            return Err(AppError::field(FieldError::invalid("submission_key", "up to 64 letters, digits, - or _")));
        }
        None => None,
    };
    let resident = Resident { lang: "zh-CN", submission_key: key, address_hash: state.address_hash(&client.ip) };
    let outcome = submission::submit(&ctx, resident, target, submission, Vec::new()).await?;
    let created = SubmissionCreated {
        tracking_url: format!("{}/t/{}", state.public_url, outcome.case.tracking_code),
        tracking_code: outcome.case.tracking_code,
        status: outcome.case.status,
    };
    Ok(if outcome.created { HttpResponse::Created() } else { HttpResponse::Ok() }.json(created))
}

#[derive(Serialize, ToSchema)]
pub struct PublicEvent {
    pub at: DateTime<Utc>,
    /// The case's status after this event.
    pub status: CaseStatus,
    /// What happened (`submitted`, `accept`, `reply`, `rated`…).
    pub event: String,
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PublicSubmission {
    pub tracking_code: String,
    pub status: CaseStatus,
    pub status_label: String,
    pub submitted_at: DateTime<Utc>,
    pub timeline: Vec<PublicEvent>,
    pub reply: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub can_rate: bool,
    pub satisfaction: Option<Satisfaction>,
    pub solved: Option<bool>,
    /// The case this one was merged into follows; its answer is this one's.
    pub merged: bool,
}

fn parse_code(raw: &str) -> AppResult<TrackingCode> {
    TrackingCode::parse(raw).ok_or(AppError::NotFound("case"))
}

/// A case's status, public timeline and reply, by tracking code. Nothing personal.
#[utoipa::path(
    tag = "public",
    params(("tracking_code" = String, Path)),
    responses((status = 200, body = PublicSubmission), (status = 404, body = ErrorBody))
)]
#[get("/public/submissions/{tracking_code}")]
pub async fn get_submission(
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> AppResult<web::Json<PublicSubmission>> {
    let code = parse_code(&code)?;
    Ok(web::Json(submission_view(&state, &code).await?))
}

async fn submission_view(state: &AppState, code: &TrackingCode) -> AppResult<PublicSubmission> {
    let view = tracking::public_view(&state.db, &state.cipher, code).await?;
    let status = view.status();
    let shown = view.shown().clone();
    let timeline = view
        .events
        .iter()
        .map(|e| PublicEvent {
            at: e.at,
            status: e.to_status.unwrap_or(status),
            event: e.action.clone(),
            note: tracking::public_note(e),
        })
        .collect();
    Ok(PublicSubmission {
        tracking_code: view.case.tracking_code.clone(),
        status,
        status_label: status.label_zh().to_string(),
        submitted_at: view.case.received_at,
        timeline,
        reply: view.reply().map(str::to_string),
        replied_at: shown.replied_at,
        due_at: status.is_open().then_some(shown.due_at),
        can_rate: view.can_rate(),
        satisfaction: view.satisfaction(),
        solved: view.solved(),
        merged: view.merged(),
    })
}

#[derive(Deserialize, ToSchema)]
pub struct RatingRequest {
    #[schema(value_type = Satisfaction)]
    pub satisfaction: String,
    pub solved: bool,
    pub comment: Option<String>,
}

/// Rate the reply: satisfied or basically satisfied closes the case; dissatisfied reopens it
/// for re-handling. 409 unless the case is replied.
#[utoipa::path(
    tag = "public",
    params(("tracking_code" = String, Path)),
    request_body = RatingRequest,
    responses(
        (status = 200, body = PublicSubmission),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)
    )
)]
#[post("/public/submissions/{tracking_code}/rating")]
pub async fn rate(
    state: web::Data<AppState>,
    code: web::Path<String>,
    body: web::Json<RatingRequest>,
) -> AppResult<web::Json<PublicSubmission>> {
    let code = parse_code(&code)?;
    let rating =
        parse_rating(&body.satisfaction, Some(body.solved), body.comment.as_deref()).map_err(AppError::field)?;
    tracking::rate(&state.db, state.clock.now(), &code, rating).await?;
    Ok(web::Json(submission_view(&state, &code).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct WithdrawRequest {
    /// Why (optional, at most 500 characters); shown on the case's public timeline.
    pub reason: Option<String>,
}

/// Take back a case nobody has handled yet: it closes as withdrawn and counts in no rate.
/// 409 once the station has acted on it (or merged it into another case).
#[utoipa::path(
    tag = "public",
    params(("tracking_code" = String, Path)),
    request_body = WithdrawRequest,
    responses(
        (status = 200, body = PublicSubmission),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)
    )
)]
#[post("/public/submissions/{tracking_code}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    code: web::Path<String>,
    body: web::Json<WithdrawRequest>,
) -> AppResult<web::Json<PublicSubmission>> {
    let code = parse_code(&code)?;
    let reason = parse_withdraw_reason(body.reason.as_deref()).map_err(AppError::field)?;
    tracking::withdraw(&state.db, state.clock.now(), &code, reason).await?;
    Ok(web::Json(submission_view(&state, &code).await?))
}
