//! `/app/activities`: the activities of my stations over a period, a no-JS form to record one
//! with the deputies invited as checkboxes; `/app/activities/{id}`: one activity, a form to
//! mark each deputy present / excused / absent, and the cases raised at it.
use std::collections::{HashMap, HashSet};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;

use crate::domain::activity::{ActivityKind, AttendanceStatus, When};
use crate::domain::field::{FieldError, Problem};
use crate::domain::reception::Slot;
use crate::domain::role::Role;
use crate::entities::station;
use crate::error::AppError;
use crate::http::pages::form::{CsrfForm, csrf_multipart};
use crate::http::pages::home::Nav;
use crate::http::pages::reception_roster_view::{day_label, slot_label};
use crate::http::pages::resident::form::photo_message;
use crate::http::pages::session::StaffSession;
use crate::http::pages::stations::field_messages;
use crate::http::pages::{PageError, html, redirect};
use crate::http::shared::i18n::Lang;
use crate::http::shared::input::activities::{
    ActivityQuery, AttendanceItem, RecordActivity, SetAttendance, UpdateActivity, first_page,
};
use crate::http::shared::multipart::FormLimits;
use crate::http::shared::photo_intake::{self, PhotoProblem};
use crate::http::shared::photos::jpeg;
use crate::photos::{Variant, is_valid_hash};
use crate::services::books::{
    activities::{self, ActivityView, CaseRef},
    reception_roster,
};
use crate::services::organisation::actor::Actor;
use crate::state::AppState;
use actix_multipart::Multipart;

/// The list shows at most this many activities; the ledger has them all.
const LIST_LIMIT: u64 = 100;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/app/activities").route(web::get().to(index)).route(web::post().to(record)))
        .service(web::resource("/app/activities/{id}").route(web::get().to(show)))
        .service(web::resource("/app/activities/{id}/edit").route(web::post().to(edit)))
        .service(web::resource("/app/activities/{id}/attendance").route(web::post().to(mark)))
        .service(web::resource("/app/activities/{id}/cases").route(web::post().to(link_case)))
        .service(web::resource("/app/activities/{id}/photos").route(web::post().to(add_photos)))
        .service(web::resource("/app/activities/{id}/photos/{hash}").route(web::get().to(photo)));
}

/// What was typed into the record form (kept on a 422).
#[derive(Default, Clone)]
struct ActivityForm {
    kind: String,
    held_on: String,
    slot: String,
    starts_at: String,
    ends_at: String,
    place: String,
    topic: String,
    organiser: String,
    other_participants: String,
    summary: String,
    deputy_ids: HashSet<i32>,
}

struct ListRow {
    id: i32,
    day: String,
    kind: String,
    topic: String,
    place: String,
    counts: String,
}

struct DeputyChoice {
    id: i32,
    name: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "app/activities.html")]
struct ActivitiesPage {
    lang: Lang,
    nav: Nav,
    stations: Vec<(i32, String)>,
    station_id: i32,
    station_name: String,
    from: String,
    to: String,
    period_errors: HashMap<String, String>,
    rows: Vec<ListRow>,
    total: u64,
    can_manage: bool,
    kinds: Vec<(&'static str, String)>,
    slots: Vec<(&'static str, String)>,
    deputies: Vec<DeputyChoice>,
    form: ActivityForm,
    errors: HashMap<String, String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    station: Option<i32>,
    from: Option<String>,
    to: Option<String>,
}

fn kind_label(code: &str, lang: Lang) -> String {
    match (code.parse::<ActivityKind>(), lang) {
        (Ok(k), Lang::Zh) => k.label_zh().to_string(),
        (Ok(k), Lang::En) => k.label_en().to_string(),
        (Err(_), _) => code.to_string(),
    }
}

fn status_label(status: AttendanceStatus, lang: Lang) -> String {
    match lang {
        Lang::Zh => status.label_zh().to_string(),
        Lang::En => status.label_en().to_string(),
    }
}

/// The stations whose activities the reader may see (managers their own, viewers theirs,
/// administrators all); deputies and handlers have their own pages.
async fn stations_for(state: &AppState, actor: &Actor) -> Result<Vec<station::Model>, AppError> {
    actor.require(&[Role::Admin, Role::Manager, Role::Viewer])?;
    let mut select = station::Entity::find().filter(station::Column::Active.eq(true)).order_by_asc(station::Column::Id);
    if let Some(ids) = actor.readable_stations(&state.db).await?.ids() {
        select = select.filter(station::Column::Id.is_in(ids));
    }
    Ok(select.all(&state.db).await?)
}

fn year_bounds(today: NaiveDate) -> (String, String) {
    let from = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let to = NaiveDate::from_ymd_opt(today.year(), 12, 31).unwrap_or(today);
    (from.to_string(), to.to_string())
}

#[allow(clippy::too_many_arguments)]
async fn render_list(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    chosen: Option<i32>,
    period: (String, String),
    form: ActivityForm,
    errors: HashMap<String, String>,
) -> Result<HttpResponse, PageError> {
    let stations = stations_for(state, actor).await?;
    let managed = actor.managed_stations(&state.db).await?;
    let station = match chosen {
        Some(id) => {
            stations.iter().find(|s| s.id == id).ok_or_else(|| PageError::from(AppError::NotFound("station")))?
        }
        None => match stations.iter().find(|s| managed.contains(s.id)).or(stations.first()) {
            Some(station) => station,
            None => return Err(PageError::from(AppError::NotFound("station"))),
        },
    };
    let query = ActivityQuery { from: Some(period.0.clone()), to: Some(period.1.clone()), kind: None };
    let (page, period_errors) = match query.parse() {
        Ok(filter) => {
            let first = first_page(LIST_LIMIT);
            (Some(activities::list(&state.db, actor, station.id, &filter, first).await?), HashMap::new())
        }
        Err(error) => (None, field_messages(&error, lang).ok_or_else(|| PageError::from(error))?),
    };
    let can_manage = managed.contains(station.id);
    let deputies = if can_manage { activities::scope_deputies(&state.db, station.id).await? } else { Vec::new() };
    let (rows, total) = match page {
        Some(page) => (
            page.items
                .iter()
                .map(|v| ListRow {
                    id: v.activity.id,
                    day: day_label(v.activity.held_on, lang),
                    kind: kind_label(&v.activity.kind, lang),
                    topic: v.activity.topic.clone(),
                    place: v.activity.place.clone(),
                    counts: format!(
                        "{} {}/{}",
                        lang.t("activities.present_of_invited"),
                        v.count(AttendanceStatus::Present),
                        v.attendance.len()
                    ),
                })
                .collect(),
            page.total,
        ),
        None => (Vec::new(), 0),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ActivitiesPage {
        lang,
        nav: Nav::new(req, actor, lang),
        stations: stations.iter().map(|s| (s.id, s.name.clone())).collect(),
        station_id: station.id,
        station_name: station.name.clone(),
        from: period.0,
        to: period.1,
        period_errors,
        rows,
        total,
        can_manage,
        kinds: ActivityKind::ALL.iter().map(|k| (k.as_str(), kind_label(k.as_str(), lang))).collect(),
        slots: Slot::ALL.iter().map(|s| (s.as_str(), slot_label(s.as_str(), lang))).collect(),
        deputies: deputies
            .into_iter()
            .map(|d| DeputyChoice { checked: form.deputy_ids.contains(&d.id), id: d.id, name: d.name })
            .collect(),
        form,
        errors,
    };
    let mut response = html(page.render()?);
    *response.status_mut() = status;
    Ok(response)
}

pub async fn index(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let today = state.ctx().today();
    let (from, to) = year_bounds(today);
    let period = (query.from.clone().unwrap_or(from), query.to.clone().unwrap_or(to));
    let form = ActivityForm { held_on: today.to_string(), kind: "research".into(), ..ActivityForm::default() };
    render_list(&req, &state, &session.0, lang, query.station, period, form, HashMap::new()).await
}

/// The fields of a form; repeated keys (checkboxes) are gathered by `multi`.
fn form_fields(pairs: Vec<(String, String)>, multi: &str) -> (HashMap<String, String>, Vec<String>) {
    let mut fields = HashMap::new();
    let mut many = Vec::new();
    for (key, value) in pairs {
        if key == multi {
            many.push(value);
        } else {
            fields.insert(key, value);
        }
    }
    (fields, many)
}

pub async fn record(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let (fields, deputy_ids) = form_fields(pairs, "deputy_ids");
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let actor = session.0;
    let station_id: i32 =
        field("station_id").trim().parse().map_err(|_| PageError::from(AppError::NotFound("station")))?;
    // Who may, before what was typed is checked: a refused caller learns nothing from it.
    reception_roster::managed_station(&state.db, &actor, station_id).await?;
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
        deputy_ids: deputy_ids.iter().filter_map(|id| id.trim().parse().ok()).collect(),
    };
    let request = RecordActivity {
        kind: form.kind.clone(),
        held_on: form.held_on.clone(),
        slot: Some(form.slot.clone()),
        starts_at: Some(form.starts_at.clone()),
        ends_at: Some(form.ends_at.clone()),
        place: form.place.clone(),
        topic: form.topic.clone(),
        organiser: Some(form.organiser.clone()),
        other_participants: Some(form.other_participants.clone()),
        summary: Some(form.summary.clone()),
        deputy_ids: deputy_ids.iter().filter_map(|id| id.trim().parse().ok()).collect(),
    };
    let result = match request.parse() {
        Ok(new) => activities::record(&state.db, &actor, state.clock.now(), station_id, new).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(saved) => Ok(redirect(&format!("/app/activities/{}?saved=true", saved.activity.id))),
        Err(error) => match field_messages(&error, lang) {
            Some(errors) => {
                let period = year_bounds(state.ctx().today());
                render_list(&req, &state, &actor, lang, Some(station_id), period, form, errors).await
            }
            None => Err(PageError::from(error)),
        },
    }
}

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
        kind: a.kind.clone(),
        held_on: a.held_on.to_string(),
        slot: a.slot.clone().unwrap_or_default(),
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
        time: When::label_zh(a.slot.as_deref(), a.starts_at.as_deref(), a.ends_at.as_deref()),
        kind: kind_label(&a.kind, lang),
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
        kinds: ActivityKind::ALL.iter().map(|k| (k.as_str(), kind_label(k.as_str(), lang))).collect(),
        slots: Slot::ALL.iter().map(|s| (s.as_str(), slot_label(s.as_str(), lang))).collect(),
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
    match result {
        Ok(()) => Ok(redirect(&format!("/app/activities/{id}?saved=true"))),
        Err(error) => match field_messages(&error, lang) {
            Some(errors) => {
                render_one(&req, &state, &actor, lang, id, Shown { errors, tracking_code: typed, ..Shown::default() })
                    .await
            }
            None => Err(PageError::from(error)),
        },
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
    match result {
        Ok(()) => Ok(redirect(&format!("/app/activities/{id}?saved=true"))),
        Err(error) => match field_messages(&error, lang) {
            Some(errors) => render_one(&req, &state, &actor, lang, id, Shown { errors, ..Shown::default() }).await,
            None => Err(PageError::from(error)),
        },
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
