//! One activity: its page, the attendance marks, the linked cases, edits and photos.
use super::{ActivityForm, form_fields, kind_label, status_label};
use crate::domain::activity::{ActivityKind, AttendanceStatus, When};
use crate::domain::field::{FieldError, Problem};
use crate::domain::reception::Slot;
use crate::domain::role::Role;
use crate::entities::station;
use crate::error::AppError;
use crate::http::pages::form::field_messages;
use crate::http::pages::form::{CsrfForm, csrf_multipart};
use crate::http::pages::form::{Outcome, outcome};
use crate::http::pages::home::Nav;
use crate::http::pages::reception_roster_view::{day_label, slot_label};
use crate::http::pages::resident::form::photo_message;
use crate::http::pages::session::StaffSession;
use crate::http::pages::{PageError, html, redirect};
use crate::http::shared::i18n::Lang;
use crate::http::shared::input::activities::{AttendanceItem, SetAttendance, UpdateActivity};
use crate::http::shared::multipart::FormLimits;
use crate::http::shared::photo_intake::{self, PhotoProblem};
use crate::http::shared::photos::jpeg;
use crate::photos::{Variant, is_valid_hash};
use crate::services::books::activities::{self, ActivityView, CaseRef};
use crate::services::organisation::actor::Actor;
use crate::state::AppState;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use sea_orm::EntityTrait;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

struct MarkRow {
    id: i32,
    name: String,
    /// "" when not invited
    status: String,
    note: String,
}

#[derive(Template)]
#[template(path = "app/activity.html")]
struct ActivityPage {
    lang: Lang,
    nav: Nav,
    id: i32,
    version: i32,
    station_name: String,
    day: String,
    time: String,
    kind: String,
    topic: String,
    place: String,
    organiser: String,
    other_participants: String,
    summary: String,
    present: String,
    excused: String,
    absent: String,
    unmarked: String,
    cases: Vec<(i32, String)>,
    can_manage: bool,
    statuses: Vec<(&'static str, String)>,
    marks: Vec<MarkRow>,
    errors: HashMap<String, String>,
    conflict: bool,
    saved: bool,
    tracking_code: String,
    kinds: Vec<(&'static str, String)>,
    slots: Vec<(&'static str, String)>,
    edit: ActivityForm,
    edit_errors: HashMap<String, String>,
    photos: Vec<String>,
}

#[derive(Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    saved: bool,
}

fn names_with(view: &ActivityView, status: AttendanceStatus) -> String {
    view.attendance
        .iter()
        .filter(|line| line.status == status)
        .map(|line| line.deputy_name.as_str())
        .collect::<Vec<_>>()
        .join("、")
}

/// What the attendance form shows again after a failure: the marks as typed.
type TypedMarks = HashMap<i32, (String, String)>;

/// What an activity's page shows again after a failed form: what was typed and what was wrong.
#[derive(Default)]
struct Shown {
    typed: Option<TypedMarks>,
    errors: HashMap<String, String>,
    edit: Option<ActivityForm>,
    edit_errors: HashMap<String, String>,
    conflict: bool,
    saved: bool,
    tracking_code: String,
}

/// The edit form filled with the activity as stored.
fn stored_form(a: &crate::entities::activity::Model) -> ActivityForm {
    ActivityForm {
        kind: a.kind.as_str().to_owned(),
        held_on: a.held_on.to_string(),
        slot: a.slot.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        starts_at: a.starts_at.clone().unwrap_or_default(),
        ends_at: a.ends_at.clone().unwrap_or_default(),
        place: a.place.clone(),
        topic: a.topic.clone(),
        organiser: a.organiser.clone().unwrap_or_default(),
        other_participants: a.other_participants.clone().unwrap_or_default(),
        summary: a.summary.clone().unwrap_or_default(),
        deputy_ids: HashSet::new(),
    }
}

async fn render_one(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    shown: Shown,
) -> Result<HttpResponse, PageError> {
    let Shown { typed, errors, edit, edit_errors, conflict, saved, tracking_code } = shown;
    actor.require(&[Role::Admin, Role::Manager, Role::Viewer])?;
    let view = activities::get(&state.db, actor, id).await?;
    let a = &view.activity;
    let station = station::Entity::find_by_id(a.station_id).one(&state.db).await?;
    let can_manage = actor.managed_stations(&state.db).await?.contains(a.station_id);
    let marks = if can_manage {
        let current: HashMap<i32, (String, String)> = view
            .attendance
            .iter()
            .map(|line| (line.deputy_id, (line.status.as_str().to_string(), line.note.clone().unwrap_or_default())))
            .collect();
        let shown = typed.unwrap_or(current);
        activities::scope_deputies(&state.db, a.station_id)
            .await?
            .into_iter()
            .map(|d| {
                let (status, note) = shown.get(&d.id).cloned().unwrap_or_default();
                MarkRow { id: d.id, name: d.name, status, note }
            })
            .collect()
    } else {
        Vec::new()
    };
    let status = if conflict {
        StatusCode::CONFLICT
    } else if errors.is_empty() && edit_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ActivityPage {
        lang,
        nav: Nav::new(req, actor, lang),
        id: a.id,
        version: a.version,
        station_name: station.map(|s| s.name).unwrap_or_default(),
        day: day_label(a.held_on, lang),
        time: When::label_zh(a.slot, a.starts_at.as_deref(), a.ends_at.as_deref()),
        kind: kind_label(a.kind, lang),
        topic: a.topic.clone(),
        place: a.place.clone(),
        organiser: a.organiser.clone().unwrap_or_default(),
        other_participants: a.other_participants.clone().unwrap_or_default(),
        summary: a.summary.clone().unwrap_or_default(),
        present: names_with(&view, AttendanceStatus::Present),
        excused: names_with(&view, AttendanceStatus::Excused),
        absent: names_with(&view, AttendanceStatus::Absent),
        unmarked: names_with(&view, AttendanceStatus::Invited),
        cases: view.cases.clone(),
        can_manage,
        statuses: AttendanceStatus::ALL.iter().map(|s| (s.as_str(), status_label(*s, lang))).collect(),
        marks,
        errors,
        conflict,
        saved,
        tracking_code,
        kinds: ActivityKind::ALL.iter().map(|k| (k.as_str(), kind_label(*k, lang))).collect(),
        slots: Slot::ALL.iter().map(|s| (s.as_str(), slot_label(*s, lang))).collect(),
        edit: edit.unwrap_or_else(|| stored_form(a)),
        edit_errors,
        photos: view.photos.clone(),
    };
    let mut response = html(page.render()?);
    *response.status_mut() = status;
    Ok(response)
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    id: web::Path<i32>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, PageError> {
    render_one(&req, &state, &session.0, lang, id.into_inner(), Shown { saved: query.saved, ..Shown::default() }).await
}

/// `POST /app/activities/{id}/attendance`: `status_{deputy}` (blank = not invited) and
/// `note_{deputy}` for every deputy of the station, with the activity's `version`.
pub async fn mark(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    id: web::Path<i32>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let (fields, _) = form_fields(pairs, "");
    let actor = session.0;
    let id = id.into_inner();
    let mut typed: TypedMarks = HashMap::new();
    for (key, value) in &fields {
        if let Some(deputy) = key.strip_prefix("status_").and_then(|d| d.parse::<i32>().ok()) {
            let note = fields.get(&format!("note_{deputy}")).cloned().unwrap_or_default();
            typed.insert(deputy, (value.trim().to_string(), note));
        }
    }
    let mut items: Vec<AttendanceItem> = typed
        .iter()
        .filter(|(_, (status, _))| !status.is_empty())
        .map(|(deputy, (status, note))| AttendanceItem {
            deputy_id: *deputy,
            status: status.clone(),
            note: Some(note.clone()),
        })
        .collect();
    items.sort_by_key(|item| item.deputy_id);
    let request = SetAttendance { version: fields.get("version").and_then(|v| v.trim().parse().ok()), items };
    let result = match request.parse() {
        Ok(marks) => activities::set_attendance(&state.db, &actor, state.clock.now(), id, request.version, marks).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(_) => Ok(redirect(&format!("/app/activities/{id}?saved=true"))),
        Err(AppError::Conflict { .. }) => {
            render_one(&req, &state, &actor, lang, id, Shown { typed: Some(typed), conflict: true, ..Shown::default() })
                .await
        }
        Err(error) => match field_messages(&error, lang) {
            Some(errors) => {
                render_one(&req, &state, &actor, lang, id, Shown { typed: Some(typed), errors, ..Shown::default() })
                    .await
            }
            None => Err(PageError::from(error)),
        },
    }
}

/// `POST /app/activities/{id}/cases`: link a case by its tracking code.
pub async fn link_case(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    id: web::Path<i32>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let (fields, _) = form_fields(pairs, "");
    let actor = session.0;
    let id = id.into_inner();
    // Who may, before what was typed is checked: a refused caller learns nothing from it.
    activities::require_managed(&state.db, &actor, id).await?;
    let typed = fields.get("tracking_code").cloned().unwrap_or_default();
    let result = match crate::domain::tracking::TrackingCode::parse(&typed) {
        Some(code) => {
            activities::link_case(&state.db, &actor, state.clock.now(), id, CaseRef::TrackingCode(code.to_string()))
                .await
                .map(|_| ())
        }
        None => Err(AppError::field(FieldError::invalid("tracking_code", "a 12-character tracking code"))),
    };
    match outcome(result, lang)? {
        Outcome::Done => Ok(redirect(&format!("/app/activities/{id}?saved=true"))),
        Outcome::Refused(errors) => {
            render_one(&req, &state, &actor, lang, id, Shown { errors, tracking_code: typed, ..Shown::default() }).await
        }
    }
}

/// `POST /app/activities/{id}/edit`: every field of the activity with the `version` read; a
/// stale version shows the activity as it is now (409) and keeps what was typed.
pub async fn edit(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    id: web::Path<i32>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let (fields, _) = form_fields(pairs, "");
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let actor = session.0;
    let id = id.into_inner();
    // Who may, before what was typed is checked: a refused caller learns nothing from it.
    activities::require_managed(&state.db, &actor, id).await?;
    let form = ActivityForm {
        kind: field("kind"),
        held_on: field("held_on"),
        slot: field("slot"),
        starts_at: field("starts_at"),
        ends_at: field("ends_at"),
        place: field("place"),
        topic: field("topic"),
        organiser: field("organiser"),
        other_participants: field("other_participants"),
        summary: field("summary"),
        deputy_ids: HashSet::new(),
    };
    let request = UpdateActivity {
        version: field("version").trim().parse().unwrap_or(0),
        kind: Some(form.kind.clone()),
        held_on: Some(form.held_on.clone()),
        slot: Some(Some(form.slot.clone())),
        starts_at: Some(Some(form.starts_at.clone())),
        ends_at: Some(Some(form.ends_at.clone())),
        place: Some(form.place.clone()),
        topic: Some(form.topic.clone()),
        organiser: Some(Some(form.organiser.clone())),
        other_participants: Some(Some(form.other_participants.clone())),
        summary: Some(Some(form.summary.clone())),
    };
    let result = match request.parse() {
        Ok(changes) => activities::update(&state.db, &actor, state.clock.now(), id, changes).await.map(|_| ()),
        Err(error) => Err(error),
    };
    match result {
        Ok(()) => Ok(redirect(&format!("/app/activities/{id}?saved=true"))),
        Err(AppError::Conflict { .. }) => {
            render_one(&req, &state, &actor, lang, id, Shown { edit: Some(form), conflict: true, ..Shown::default() })
                .await
        }
        Err(error) => match field_messages(&error, lang) {
            Some(edit_errors) => {
                render_one(&req, &state, &actor, lang, id, Shown { edit: Some(form), edit_errors, ..Shown::default() })
                    .await
            }
            None => Err(PageError::from(error)),
        },
    }
}

/// What a photo upload may carry: the CSRF token and up to four photos.
const PHOTO_LIMITS: FormLimits = FormLimits {
    max_fields: 4,
    max_text_bytes: 4 * 1024,
    max_files: PHOTOS_PER_UPLOAD,
    max_file_bytes: photo_intake::MAX_PHOTO_BYTES,
    max_total_bytes: PHOTOS_PER_UPLOAD * photo_intake::MAX_PHOTO_BYTES + 16 * 1024,
};
const PHOTOS_PER_UPLOAD: usize = 4;

/// `POST /app/activities/{id}/photos` (multipart): up to four photos, re-encoded like the
/// residents'. A photo that cannot be taken refuses the whole upload (422).
pub async fn add_photos(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    id: web::Path<i32>,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let received = csrf_multipart(&req, payload, PHOTO_LIMITS).await?;
    let actor = session.0;
    let id = id.into_inner();
    // Only those who may change the activity get to upload (and use the photo workers).
    activities::require_managed(&state.db, &actor, id).await?;
    let mut problems: Vec<PhotoProblem> = received.problems.iter().copied().map(PhotoProblem::from).collect();
    let uploads: Vec<Vec<u8>> =
        received.files.into_iter().filter(|f| f.field == "photos" && !f.bytes.is_empty()).map(|f| f.bytes).collect();
    let result = if uploads.is_empty() && problems.is_empty() {
        Err(AppError::field(FieldError::required("photos")))
    } else {
        let (photos, photo_problems) = photo_intake::process_and_store(&state, uploads).await?;
        problems.extend(photo_problems);
        match problems.first() {
            Some(problem) => {
                Err(AppError::field(FieldError::new("photos", Problem::Described(photo_message(*problem, lang)))))
            }
            None => activities::add_photos(&state.db, &actor, state.clock.now(), id, photos).await.map(|_| ()),
        }
    };
    match outcome(result, lang)? {
        Outcome::Done => Ok(redirect(&format!("/app/activities/{id}?saved=true"))),
        Outcome::Refused(errors) => {
            render_one(&req, &state, &actor, lang, id, Shown { errors, ..Shown::default() }).await
        }
    }
}

#[derive(Deserialize)]
pub struct PhotoQuery {
    #[serde(default)]
    thumb: bool,
}

/// `GET /app/activities/{id}/photos/{hash}`: for signed-in staff who may read the activity.
pub async fn photo(
    state: web::Data<AppState>,
    session: StaffSession,
    path: web::Path<(i32, String)>,
    query: web::Query<PhotoQuery>,
) -> Result<HttpResponse, PageError> {
    let (id, hash) = path.into_inner();
    if !is_valid_hash(&hash) {
        return Err(PageError::from(AppError::NotFound("photo")));
    }
    activities::readable_photo(&state.db, &session.0, id, &hash).await?;
    let variant = if query.thumb { Variant::Thumb } else { Variant::Full };
    let bytes = state.photos.open_async(hash, variant).await.map_err(|e| {
        tracing::error!(error = %e, "a recorded photo is missing from the store");
        PageError::from(AppError::NotFound("photo"))
    })?;
    Ok(jpeg(bytes, false))
}
