//! `/app/reception`: today's receptions across my stations, a station's roster with a form to
//! put a deputy on duty, the reception log with a form to record a visit (and open a case).
use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;

use crate::domain::reception::{DateRange, Disposition, Slot};
use crate::entities::{deputy, station, suggestion};
use crate::error::AppError;
use crate::http::pages::form::CsrfForm;
use crate::http::pages::form::station_id;
use crate::http::pages::form::{Outcome, outcome};
use crate::http::pages::home::Nav;
use crate::http::pages::reception_roster_view::{RosterLine, day_label, lines, slot_label};
use crate::http::pages::session::StaffSession;
use crate::http::pages::{PageError, html, redirect};
use crate::http::shared::i18n::Lang;
use crate::http::shared::input::reception::{RecordVisit, SetDuties};
use crate::services::books::{
    reception_log::{self, Clock, VisitFilter},
    reception_roster,
};
use crate::services::organisation::actor::Actor;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/app/reception").route(web::get().to(index)))
        .service(web::resource("/app/reception/duties").route(web::post().to(add_duty)))
        .service(web::resource("/app/reception/visits").route(web::post().to(record_visit)));
}

#[derive(Deserialize, Default)]
pub struct DutyForm {
    #[serde(default)]
    station_id: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    slot: String,
    #[serde(default)]
    deputy_id: String,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize, Default)]
pub struct VisitForm {
    #[serde(default)]
    station_id: String,
    #[serde(default)]
    visited_on: String,
    #[serde(default)]
    slot: String,
    #[serde(default)]
    visitor_name: String,
    #[serde(default)]
    visitor_phone: String,
    #[serde(default)]
    consent: Option<String>,
    #[serde(default)]
    visitors_count: String,
    #[serde(default)]
    matter: String,
    #[serde(default)]
    category_id: String,
    #[serde(default)]
    disposition: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    open_case: Option<String>,
}

struct VisitRow {
    id: i32,
    /// The suggestion drafted from this visit, if any.
    suggestion: Option<i32>,
    day: String,
    slot: String,
    deputies: String,
    visitor: String,
    visitors_count: i32,
    matter: String,
    disposition: String,
    tracking_code: Option<String>,
}

struct TodayLine {
    station: String,
    slot: String,
    deputy: String,
}

#[derive(Template)]
#[template(path = "app/reception.html")]
struct ReceptionPage {
    lang: Lang,
    nav: Nav,
    today_label: String,
    today: Vec<TodayLine>,
    stations: Vec<(i32, String)>,
    station_id: i32,
    station_name: String,
    roster: Vec<RosterLine>,
    can_manage: bool,
    deputies: Vec<(i32, String)>,
    categories: Vec<(i32, String)>,
    slots: Vec<(&'static str, String)>,
    dispositions: Vec<(&'static str, String)>,
    duty: DutyForm,
    duty_errors: HashMap<String, String>,
    visit: VisitForm,
    visit_errors: HashMap<String, String>,
    visits: Vec<VisitRow>,
    saved: bool,
}

#[derive(Deserialize)]
pub struct ReceptionQuery {
    station: Option<i32>,
    #[serde(default)]
    saved: bool,
}

fn disposition_label(disposition: Disposition, lang: Lang) -> String {
    match lang {
        Lang::Zh => disposition.label_zh().to_string(),
        Lang::En => disposition.label_en().to_string(),
    }
}

async fn readable_stations(state: &AppState, actor: &Actor) -> Result<Vec<station::Model>, AppError> {
    let mut select = station::Entity::find().filter(station::Column::Active.eq(true)).order_by_asc(station::Column::Id);
    if let Some(ids) = actor.readable_stations(&state.db).await?.ids() {
        select = select.filter(station::Column::Id.is_in(ids));
    }
    Ok(select.all(&state.db).await?)
}

#[allow(clippy::too_many_arguments)]
async fn render(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    chosen: Option<i32>,
    duty: DutyForm,
    duty_errors: HashMap<String, String>,
    visit: VisitForm,
    visit_errors: HashMap<String, String>,
    saved: bool,
) -> Result<HttpResponse, PageError> {
    let today = state.ctx().today();
    let today_duties = reception_roster::today(&state.db, actor, today).await?;
    let stations = readable_stations(state, actor).await?;
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
    let range = DateRange { from: today, to: today + chrono::Duration::days(29) };
    let roster = reception_roster::list_duties(&state.db, actor, station.id, range).await?;
    let visits =
        reception_log::list(&state.db, &state.cipher, actor, state.clock.now(), station.id, &VisitFilter::default())
            .await?;
    let drafted: HashMap<i32, i32> = suggestion::Entity::find()
        .select_only()
        .column(suggestion::Column::SourceVisitId)
        .column(suggestion::Column::Id)
        .filter(
            suggestion::Column::SourceVisitId.is_in(visits.iter().take(100).map(|v| v.visit.id).collect::<Vec<_>>()),
        )
        .into_tuple::<(Option<i32>, i32)>()
        .all(&state.db)
        .await?
        .into_iter()
        .filter_map(|(visit, id)| Some((visit?, id)))
        .collect();
    let deputies = deputy::Entity::find()
        .filter(deputy::Column::StationId.eq(station.id))
        .filter(deputy::Column::Active.eq(true))
        .order_by_asc(deputy::Column::Id)
        .all(&state.db)
        .await?;
    let categories = state.scan_cache.categories(&state.db).await?;
    let page = ReceptionPage {
        lang,
        nav: Nav::new(req, actor, lang),
        today_label: day_label(today, lang),
        today: today_duties
            .iter()
            .map(|d| TodayLine {
                station: d.station_name.clone(),
                slot: slot_label(d.duty.slot, lang),
                deputy: d.deputy_name.clone(),
            })
            .collect(),
        stations: stations.iter().map(|s| (s.id, s.name.clone())).collect(),
        station_id: station.id,
        station_name: station.name.clone(),
        roster: lines(&roster, today, lang),
        can_manage: managed.contains(station.id),
        deputies: deputies.into_iter().map(|d| (d.id, d.name)).collect(),
        categories: categories.iter().map(|c| (c.id, c.name.clone())).collect(),
        slots: Slot::ALL.iter().map(|s| (s.as_str(), slot_label(*s, lang))).collect(),
        dispositions: Disposition::ALL.iter().map(|d| (d.as_str(), disposition_label(*d, lang))).collect(),
        duty,
        duty_errors,
        visit,
        visit_errors,
        visits: visits
            .into_iter()
            .take(100)
            .map(|v| VisitRow {
                id: v.visit.id,
                suggestion: drafted.get(&v.visit.id).copied(),
                day: day_label(v.visit.visited_on, lang),
                slot: slot_label(v.visit.slot, lang),
                deputies: v.deputies.iter().map(|(_, name)| name.as_str()).collect::<Vec<_>>().join("、"),
                visitor: [v.visitor_name.clone(), v.visitor_phone.clone()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" "),
                visitors_count: v.visit.visitors_count,
                matter: v.visit.matter,
                disposition: disposition_label(v.visit.disposition, lang),
                tracking_code: v.tracking_code,
            })
            .collect(),
        saved,
    };
    Ok(html(page.render()?))
}

fn blank_forms(today: NaiveDate) -> (DutyForm, VisitForm) {
    (
        DutyForm { date: today.to_string(), slot: "morning".into(), ..DutyForm::default() },
        VisitForm {
            visited_on: today.to_string(),
            slot: "morning".into(),
            visitors_count: "1".into(),
            disposition: "answered".into(),
            ..VisitForm::default()
        },
    )
}

pub async fn index(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    query: web::Query<ReceptionQuery>,
) -> Result<HttpResponse, PageError> {
    let (duty, visit) = blank_forms(state.ctx().today());
    render(&req, &state, &session.0, lang, query.station, duty, HashMap::new(), visit, HashMap::new(), query.saved)
        .await
}

pub async fn add_duty(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<DutyForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let actor = session.0;
    let station_id = station_id(&form.station_id)?;
    // Who may, before what was typed is checked: a refused caller learns nothing from it.
    reception_roster::managed_station(&state.db, &actor, station_id).await?;
    let request = SetDuties {
        date: Some(form.date.clone()),
        from: None,
        to: None,
        slot: form.slot.clone(),
        deputy_id: form.deputy_id.trim().parse().ok(),
        deputy_ids: None,
        weekdays: None,
        note: Some(form.note.clone()),
    };
    let result = match request.parse() {
        Ok(new) => {
            reception_roster::set_duties(&state.db, &actor, state.clock.now(), station_id, new).await.map(|_| ())
        }
        Err(error) => Err(error),
    };
    match outcome(result, lang)? {
        Outcome::Done => Ok(redirect(&format!("/app/reception?station={station_id}&saved=true"))),
        Outcome::Refused(errors) => {
            let (_, visit) = blank_forms(state.ctx().today());
            render(&req, &state, &actor, lang, Some(station_id), form, errors, visit, HashMap::new(), false).await
        }
    }
}

pub async fn record_visit(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<VisitForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let actor = session.0;
    let station_id = station_id(&form.station_id)?;
    // Who may, before what was typed is checked: a refused caller learns nothing from it.
    reception_roster::managed_station(&state.db, &actor, station_id).await?;
    let count = form.visitors_count.trim();
    let request = RecordVisit {
        visited_on: Some(form.visited_on.clone()),
        slot: form.slot.clone(),
        deputy_ids: None,
        visitor_name: Some(form.visitor_name.clone()),
        visitor_phone: Some(form.visitor_phone.clone()),
        consent: form.consent.is_some(),
        visitors_count: if count.is_empty() { Some(1) } else { Some(count.parse().unwrap_or(0)) },
        matter: form.matter.clone(),
        category_id: form.category_id.trim().parse().ok(),
        disposition: form.disposition.clone(),
        result: Some(form.result.clone()),
        feedback: None,
        open_case: form.open_case.is_some(),
    };
    let clock = Clock { now: state.clock.now(), time_zone: state.settings.time_zone() };
    let result = match request.parse(state.ctx().today()) {
        Ok(new) => reception_log::record(&state.db, &state.cipher, &actor, clock, station_id, new).await.map(|_| ()),
        Err(error) => Err(error),
    };
    match outcome(result, lang)? {
        Outcome::Done => Ok(redirect(&format!("/app/reception?station={station_id}&saved=true"))),
        Outcome::Refused(errors) => {
            let (duty, _) = blank_forms(state.ctx().today());
            render(&req, &state, &actor, lang, Some(station_id), duty, HashMap::new(), form, errors, false).await
        }
    }
}
