//! The activities of a station: the list by year and the form to record one.
use super::{ActivityForm, LIST_LIMIT, form_fields, kind_label, stations_for};
use crate::domain::activity::{ActivityKind, AttendanceStatus};
use crate::domain::reception::Slot;
use crate::error::AppError;
use crate::http::pages::form::CsrfForm;
use crate::http::pages::form::field_messages;
use crate::http::pages::home::Nav;
use crate::http::pages::reception_roster_view::{day_label, slot_label};
use crate::http::pages::session::StaffSession;
use crate::http::pages::{PageError, html, redirect};
use crate::http::shared::i18n::Lang;
use crate::http::shared::input::activities::{ActivityQuery, RecordActivity, first_page};
use crate::services::books::{
    activities::{self},
    reception_roster,
};
use crate::services::organisation::actor::Actor;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use std::collections::HashMap;

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
                    kind: kind_label(v.activity.kind, lang),
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
        kinds: ActivityKind::ALL.iter().map(|k| (k.as_str(), kind_label(*k, lang))).collect(),
        slots: Slot::ALL.iter().map(|s| (s.as_str(), slot_label(*s, lang))).collect(),
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
