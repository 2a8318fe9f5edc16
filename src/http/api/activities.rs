//! Deputies' activities (人大代表活动登记簿) and attendance under `/api/v1`.
use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::activity::AttendanceStatus;
use crate::domain::field::FieldError;
use crate::domain::page::PageParams;
use crate::domain::tracking::TrackingCode;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::http::api::ListResponse;
use crate::http::shared::input::activities::{ActivityQuery, RecordActivity, SetAttendance, UpdateActivity};
use crate::services::books::{
    activities::{self, ActivityView, CaseRef},
    reception_roster,
};
use crate::services::organisation::actor::Actor;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(my_activities)
        .service(list_activities)
        .service(record_activity)
        .service(get_activity)
        .service(update_activity)
        .service(set_attendance)
        .service(link_case)
        .service(unlink_case);
}

#[derive(Serialize, ToSchema)]
pub struct AttendanceDto {
    pub deputy_id: i32,
    pub deputy_name: String,
    /// invited (not yet marked), present, excused or absent
    pub status: String,
    /// 待登记, 出席, 请假 or 缺席
    pub status_label: String,
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LinkedCase {
    pub id: i32,
    pub tracking_code: String,
}

#[derive(Serialize, ToSchema)]
pub struct AttendanceCounts {
    pub invited: usize,
    pub present: usize,
    pub excused: usize,
    pub absent: usize,
}

#[derive(Serialize, ToSchema)]
pub struct ActivityDto {
    pub id: i32,
    pub station_id: i32,
    /// attend_congress, training, research, inspection, law_enforcement_check, reception,
    /// mediation, good_deeds, report_to_voters or other
    pub kind: String,
    /// The kind in the books' words (出席人代会 …)
    pub kind_label: String,
    /// YYYY-MM-DD
    pub held_on: String,
    /// morning, afternoon or all_day
    pub slot: Option<String>,
    /// HH:MM
    pub starts_at: Option<String>,
    /// HH:MM
    pub ends_at: Option<String>,
    pub place: String,
    pub topic: String,
    pub organiser: Option<String>,
    pub other_participants: Option<String>,
    pub summary: Option<String>,
    /// Everyone invited with their mark (a deputy sees only their own line)
    pub attendance: Vec<AttendanceDto>,
    pub counts: AttendanceCounts,
    /// Cases raised at the activity
    pub cases: Vec<LinkedCase>,
    /// Hashes of its photos (`/app/activities/{id}/photos/{hash}` for signed-in readers)
    pub photos: Vec<String>,
    pub created_by: i32,
    pub created_at: String,
    pub updated_at: String,
    pub version: i32,
}

impl From<ActivityView> for ActivityDto {
    fn from(v: ActivityView) -> Self {
        let counts = AttendanceCounts {
            invited: v.attendance.len(),
            present: v.count(AttendanceStatus::Present),
            excused: v.count(AttendanceStatus::Excused),
            absent: v.count(AttendanceStatus::Absent),
        };
        let a = v.activity;
        ActivityDto {
            id: a.id,
            station_id: a.station_id,
            kind_label: a.kind.label_zh().to_string(),
            kind: a.kind.as_str().to_owned(),
            held_on: a.held_on.to_string(),
            slot: a.slot.map(|s| s.as_str().to_owned()),
            starts_at: a.starts_at,
            ends_at: a.ends_at,
            place: a.place,
            topic: a.topic,
            organiser: a.organiser,
            other_participants: a.other_participants,
            summary: a.summary,
            attendance: v
                .attendance
                .into_iter()
                .map(|line| AttendanceDto {
                    deputy_id: line.deputy_id,
                    deputy_name: line.deputy_name,
                    status: line.status.as_str().to_string(),
                    status_label: line.status.label_zh().to_string(),
                    note: line.note,
                })
                .collect(),
            counts,
            cases: v.cases.into_iter().map(|(id, tracking_code)| LinkedCase { id, tracking_code }).collect(),
            photos: v.photos,
            created_by: a.created_by,
            created_at: a.created_at.to_rfc3339(),
            updated_at: a.updated_at.to_rfc3339(),
            version: a.version,
        }
    }
}

/// The activities of a station with its points and grids, newest first (managers and viewers
/// of the station, administrators; a deputy sees those they were invited to).
#[utoipa::path(
    tag = "activities",
    params(ActivityQuery, PageParams),
    responses((status = 200, body = ListResponse<ActivityDto>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/stations/{id}/activities")]
pub async fn list_activities(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    query: web::Query<ActivityQuery>,
    paging: web::Query<PageParams>,
) -> AppResult<web::Json<ListResponse<ActivityDto>>> {
    let filter = query.parse()?;
    let page = activities::list(&state.db, &actor, id.into_inner(), &filter, paging.request()).await?;
    Ok(web::Json(ListResponse::from_page(page, ActivityDto::from)))
}

#[derive(Serialize, ToSchema)]
pub struct ActivityList {
    pub items: Vec<ActivityDto>,
    pub total: u64,
}

/// The activities the signed-in deputy was invited to, with their own mark (deputies only).
#[utoipa::path(
    tag = "activities",
    params(ActivityQuery),
    responses((status = 200, body = ActivityList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/deputies/me/activities")]
pub async fn my_activities(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<ActivityQuery>,
) -> AppResult<web::Json<ActivityList>> {
    let filter = query.parse()?;
    let items: Vec<ActivityDto> =
        activities::mine(&state.db, &actor, &filter).await?.into_iter().map(Into::into).collect();
    Ok(web::Json(ActivityList { total: items.len() as u64, items }))
}

/// Record an activity of a station with the deputies invited (managers of the station,
/// administrators). Nothing is stored unless every field is right.
#[utoipa::path(
    tag = "activities",
    request_body = RecordActivity,
    responses((status = 201, body = ActivityDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/stations/{id}/activities")]
pub async fn record_activity(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    body: web::Json<RecordActivity>,
) -> AppResult<HttpResponse> {
    // Who may, before what was sent is checked: a refused caller learns nothing from it.
    reception_roster::managed_station(&state.db, &actor, *id).await?;
    let new = body.parse()?;
    let saved = activities::record(&state.db, &actor, state.clock.now(), id.into_inner(), new).await?;
    Ok(HttpResponse::Created().json(ActivityDto::from(saved)))
}

/// One activity.
#[utoipa::path(tag = "activities", responses((status = 200, body = ActivityDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/activities/{id}")]
pub async fn get_activity(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
) -> AppResult<web::Json<ActivityDto>> {
    Ok(web::Json(activities::get(&state.db, &actor, id.into_inner()).await?.into()))
}

/// Edit an activity (managers of the station, administrators) with the `version` read; 409
/// if someone changed it first.
#[utoipa::path(
    tag = "activities",
    request_body = UpdateActivity,
    responses((status = 200, body = ActivityDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[patch("/activities/{id}")]
pub async fn update_activity(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    body: web::Json<UpdateActivity>,
) -> AppResult<web::Json<ActivityDto>> {
    let changes = body.parse()?;
    Ok(web::Json(activities::update(&state.db, &actor, state.clock.now(), id.into_inner(), changes).await?.into()))
}

/// Set who was invited and how each is marked: present, excused or absent (managers of the
/// station, administrators). Every deputy must belong to the station or its points and grids.
#[utoipa::path(
    tag = "activities",
    request_body = SetAttendance,
    responses((status = 200, body = ActivityDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[put("/activities/{id}/attendance")]
pub async fn set_attendance(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    body: web::Json<SetAttendance>,
) -> AppResult<web::Json<ActivityDto>> {
    let marks = body.parse()?;
    let saved =
        activities::set_attendance(&state.db, &actor, state.clock.now(), id.into_inner(), body.version, marks).await?;
    Ok(web::Json(saved.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct LinkCase {
    /// The case's id, or
    pub case_id: Option<i32>,
    /// its tracking code
    pub tracking_code: Option<String>,
}

/// Link a case raised at the activity: a case of the same station, its points or grids
/// (managers of the station, administrators). Linking it again changes nothing.
#[utoipa::path(
    tag = "activities",
    request_body = LinkCase,
    responses((status = 200, body = ActivityDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/activities/{id}/cases")]
pub async fn link_case(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    body: web::Json<LinkCase>,
) -> AppResult<web::Json<ActivityDto>> {
    // Who may, before what was sent is checked: a refused caller learns nothing from it.
    activities::require_managed(&state.db, &actor, *id).await?;
    let which = match (body.case_id, body.tracking_code.as_deref()) {
        (Some(case_id), None) => CaseRef::Id(case_id),
        (None, Some(raw)) => match TrackingCode::parse(raw) {
            Some(code) => CaseRef::TrackingCode(code.to_string()),
            None => return Err(AppError::field(FieldError::invalid("tracking_code", "a 12-character tracking code"))),
        },
        _ => return Err(AppError::field(FieldError::invalid("case_id", "either case_id or tracking_code"))),
    };
    Ok(web::Json(activities::link_case(&state.db, &actor, state.clock.now(), id.into_inner(), which).await?.into()))
}

/// Unlink a case from the activity (managers of the station, administrators).
#[utoipa::path(tag = "activities", responses((status = 200, body = ActivityDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[delete("/activities/{id}/cases/{case_id}")]
pub async fn unlink_case(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(i32, i32)>,
) -> AppResult<web::Json<ActivityDto>> {
    let (id, case_id) = path.into_inner();
    Ok(web::Json(activities::unlink_case(&state.db, &actor, state.clock.now(), id, case_id).await?.into()))
}
