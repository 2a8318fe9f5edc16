//! `/app/books`: a station's smaller books on one phone-friendly page — the ten haves (十有)
//! with evidence and photo, deputies' reports to voters (述职) and contact records with voter
//! households (民情联系卡). Managers keep all three; a deputy records their own contacts;
//! viewers read. Every form works without JavaScript and keeps what was typed on a refusal.
use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;

use crate::domain::field::{FieldError, Problem};
use crate::domain::role::Role;
use crate::domain::station_books::{ContactMode, ReportForm, TenHaveItem};
use crate::entities::{deputy, station};
use crate::error::AppError;
use crate::http::pages::form::station_id;
use crate::http::pages::form::{CsrfForm, csrf_multipart};
use crate::http::pages::form::{Outcome, outcome};
use crate::http::pages::home::Nav;
use crate::http::pages::reception_roster_view::day_label;
use crate::http::pages::resident::form::photo_message;
use crate::http::pages::session::StaffSession;
use crate::http::pages::{PageError, html, redirect};
use crate::http::shared::i18n::Lang;
use crate::http::shared::input::books::{ConfirmTenHave, RecordContact, RecordReport};
use crate::http::shared::multipart::FormLimits;
use crate::http::shared::photo_intake::{self, PhotoProblem};
use crate::http::shared::photos::jpeg;
use crate::photos::Variant;
use crate::services::books::{
    contact_records::{self, ContactFilter},
    reception_roster, reports,
    ten_haves::{self, Evidence},
};
use crate::services::organisation::actor::Actor;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/app/books").route(web::get().to(index)))
        .service(web::resource("/app/books/ten-haves").route(web::post().to(confirm_item)))
        .service(web::resource("/app/books/reports").route(web::post().to(record_report)))
        .service(web::resource("/app/books/contacts").route(web::post().to(record_contact)))
        .service(web::resource("/app/stations/{id}/ten-haves/{item}/photo").route(web::get().to(evidence_photo)));
}

#[derive(Deserialize, Default, Clone)]
pub struct ReportFields {
    #[serde(default)]
    station_id: String,
    #[serde(default)]
    deputy_id: String,
    #[serde(default)]
    reported_on: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    form: String,
    #[serde(default)]
    voters_present: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    comments: String,
    #[serde(default)]
    votes_satisfied: String,
    #[serde(default)]
    votes_basically_satisfied: String,
    #[serde(default)]
    votes_dissatisfied: String,
    #[serde(default)]
    published: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct ContactFields {
    #[serde(default)]
    station_id: String,
    #[serde(default)]
    deputy_id: String,
    #[serde(default)]
    contacted_on: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    household: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    matter: String,
    #[serde(default)]
    handling: String,
}

/// What was typed into one item's form.
#[derive(Default, Clone)]
struct ItemFields {
    present: bool,
    evidence_on: String,
    note: String,
}

struct ItemLine {
    code: &'static str,
    label: String,
    present: bool,
    evidence: String,
    confirmed: String,
    has_photo: bool,
    version: i32,
    typed: ItemFields,
    errors: HashMap<String, String>,
}

struct ReportLine {
    day: String,
    deputy: String,
    form: String,
    place: String,
    voters: i32,
    votes: String,
    rate: String,
    published: bool,
    summary: String,
}

struct ContactLine {
    day: String,
    deputy: String,
    mode: String,
    household: String,
    matter: String,
    handling: String,
}

#[derive(Template)]
#[template(path = "app/books.html")]
struct BooksPage {
    lang: Lang,
    nav: Nav,
    stations: Vec<(i32, String)>,
    station_id: i32,
    station_name: String,
    can_manage: bool,
    /// A deputy: only the contacts section, for their own records.
    own_deputy: Option<i32>,
    score: i32,
    items: Vec<ItemLine>,
    reports: Vec<ReportLine>,
    contacts: Vec<ContactLine>,
    deputies: Vec<(i32, String)>,
    report_forms: Vec<(&'static str, String)>,
    contact_modes: Vec<(&'static str, String)>,
    report: ReportFields,
    report_errors: HashMap<String, String>,
    contact: ContactFields,
    contact_errors: HashMap<String, String>,
    saved: bool,
}

/// What went wrong with which form, to show it again as typed.
#[derive(Default)]
struct Refusal {
    report: Option<(ReportFields, HashMap<String, String>)>,
    contact: Option<(ContactFields, HashMap<String, String>)>,
    item: Option<(String, ItemFields, HashMap<String, String>)>,
}

#[derive(Deserialize)]
pub struct BooksQuery {
    station: Option<i32>,
    #[serde(default)]
    saved: bool,
}

fn label<T: Copy>(value: T, lang: Lang, zh: impl Fn(T) -> &'static str, en: impl Fn(T) -> &'static str) -> String {
    match lang {
        Lang::Zh => zh(value).to_string(),
        Lang::En => en(value).to_string(),
    }
}

async fn stations_of(state: &AppState, actor: &Actor) -> Result<Vec<station::Model>, AppError> {
    let mut select = station::Entity::find().filter(station::Column::Active.eq(true)).order_by_asc(station::Column::Id);
    if let Some(ids) = actor.readable_stations(&state.db).await?.ids() {
        select = select.filter(station::Column::Id.is_in(ids));
    }
    Ok(select.all(&state.db).await?)
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    chosen: Option<i32>,
    refusal: Refusal,
    saved: bool,
) -> Result<HttpResponse, PageError> {
    actor.require(&[Role::Admin, Role::Manager, Role::Viewer, Role::Deputy])?;
    let today = state.ctx().today();
    let stations = stations_of(state, actor).await?;
    let managed = actor.managed_stations(&state.db).await?;
    let station = match chosen {
        Some(id) => {
            stations.iter().find(|s| s.id == id).ok_or_else(|| PageError::from(AppError::NotFound("station")))?
        }
        None => match actor.role {
            // A deputy's own station first.
            Role::Deputy => stations.iter().find(|s| actor.station_ids.contains(&s.id)).or(stations.first()),
            _ => stations.iter().find(|s| managed.contains(s.id)).or(stations.first()),
        }
        .ok_or_else(|| PageError::from(AppError::NotFound("station")))?,
    };
    let can_manage = managed.contains(station.id);
    let own_deputy = if actor.is(Role::Deputy) { actor.deputy_id } else { None };
    let checklist = ten_haves::checklist(&state.db, actor, station.id).await?;
    let reports = reports::list(&state.db, actor, station.id, None, None).await?;
    let contacts =
        contact_records::list(&state.db, &state.cipher, actor, state.clock.now(), station.id, ContactFilter::default())
            .await?;
    let deputies = deputy::Entity::find()
        .filter(deputy::Column::StationId.eq(station.id))
        .filter(deputy::Column::Active.eq(true))
        .order_by_asc(deputy::Column::Id)
        .all(&state.db)
        .await?;
    let (report, report_errors) = refusal.report.unwrap_or_else(|| {
        (
            ReportFields {
                reported_on: today.to_string(),
                form: "oral".into(),
                voters_present: "0".into(),
                votes_satisfied: "0".into(),
                votes_basically_satisfied: "0".into(),
                votes_dissatisfied: "0".into(),
                ..ReportFields::default()
            },
            HashMap::new(),
        )
    });
    let (contact, contact_errors) = refusal.contact.unwrap_or_else(|| {
        (
            ContactFields { contacted_on: today.to_string(), mode: "visit".into(), ..ContactFields::default() },
            HashMap::new(),
        )
    });
    let mut refused_item = refusal.item;
    let items = checklist
        .items
        .iter()
        .map(|view| {
            let record = view.record.as_ref();
            let (typed, errors) = match refused_item.take_if(|(code, _, _)| code == view.item.as_str()) {
                Some((_, typed, errors)) => (typed, errors),
                None => (
                    ItemFields {
                        present: view.present(),
                        evidence_on: record.and_then(|r| r.evidence_on).map(|d| d.to_string()).unwrap_or_default(),
                        note: record.and_then(|r| r.note.clone()).unwrap_or_default(),
                    },
                    HashMap::new(),
                ),
            };
            ItemLine {
                code: view.item.as_str(),
                label: if lang == Lang::Zh { view.item.label_zh().into() } else { view.item.label_en().into() },
                present: view.present(),
                evidence: [
                    record.and_then(|r| r.evidence_on).map(|d| day_label(d, lang)),
                    record.and_then(|r| r.note.clone()),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
                confirmed: view.confirmed_by_name.clone().unwrap_or_default(),
                has_photo: record.is_some_and(|r| r.photo_hash.is_some()),
                version: record.map_or(0, |r| r.version),
                typed,
                errors,
            }
        })
        .collect();
    let page = BooksPage {
        lang,
        nav: Nav::new(req, actor, lang),
        stations: stations.iter().map(|s| (s.id, s.name.clone())).collect(),
        station_id: station.id,
        station_name: station.name.clone(),
        can_manage,
        own_deputy,
        score: checklist.score,
        items,
        reports: reports
            .iter()
            .take(100)
            .map(|v| {
                let vote = v.vote();
                ReportLine {
                    day: day_label(v.report.reported_on, lang),
                    deputy: v.deputy_name.clone(),
                    form: label(v.report.form, lang, ReportForm::label_zh, ReportForm::label_en),
                    place: v.report.place.clone(),
                    voters: v.report.voters_present,
                    votes: format!("{}/{}/{}", vote.satisfied, vote.basically_satisfied, vote.dissatisfied),
                    rate: vote.satisfaction_rate().map(|r| format!("{r}%")).unwrap_or_else(|| "—".into()),
                    published: v.report.published,
                    summary: v.report.summary.clone(),
                }
            })
            .collect(),
        contacts: contacts
            .into_iter()
            .take(100)
            .map(|v| ContactLine {
                day: day_label(v.record.contacted_on, lang),
                deputy: v.deputy_name,
                mode: label(v.record.mode, lang, ContactMode::label_zh, ContactMode::label_en),
                household: [Some(v.household), v.phone].into_iter().flatten().collect::<Vec<_>>().join(" "),
                matter: v.record.matter,
                handling: v.record.handling.unwrap_or_default(),
            })
            .collect(),
        deputies: deputies.into_iter().map(|d| (d.id, d.name)).collect(),
        report_forms: ReportForm::ALL
            .iter()
            .map(|f| (f.as_str(), label(*f, lang, ReportForm::label_zh, ReportForm::label_en)))
            .collect(),
        contact_modes: ContactMode::ALL
            .iter()
            .map(|m| (m.as_str(), label(*m, lang, ContactMode::label_zh, ContactMode::label_en)))
            .collect(),
        report,
        report_errors,
        contact,
        contact_errors,
        saved,
    };
    Ok(html(page.render()?))
}

pub async fn index(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    query: web::Query<BooksQuery>,
) -> Result<HttpResponse, PageError> {
    render(&req, &state, &session.0, lang, query.station, Refusal::default(), query.saved).await
}

/// A count typed into a form: blank is 0; anything not a number is out of range.
fn count(raw: &str) -> i64 {
    match raw.trim() {
        "" => 0,
        value => value.parse().unwrap_or(-1),
    }
}

/// Back to the page with a notice, or the page again with the refusal and what was typed.
async fn after(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    station_id: i32,
    result: Result<(), AppError>,
    refusal: impl FnOnce(HashMap<String, String>) -> Refusal,
) -> Result<HttpResponse, PageError> {
    match outcome(result, lang)? {
        Outcome::Done => Ok(redirect(&format!("/app/books?station={station_id}&saved=true"))),
        Outcome::Refused(errors) => {
            let mut page = render(req, state, actor, lang, Some(station_id), refusal(errors), false).await?;
            *page.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(page)
        }
    }
}

pub async fn record_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<ReportFields>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let actor = session.0;
    let station_id = station_id(&form.station_id)?;
    // Who may, before what was typed is checked: a refused caller learns nothing from it.
    reception_roster::managed_station(&state.db, &actor, station_id).await?;
    let request = RecordReport {
        deputy_id: form.deputy_id.trim().parse().unwrap_or(0),
        reported_on: Some(form.reported_on.clone()),
        place: form.place.clone(),
        form: form.form.clone(),
        voters_present: count(&form.voters_present),
        summary: form.summary.clone(),
        comments: Some(form.comments.clone()),
        votes_satisfied: count(&form.votes_satisfied),
        votes_basically_satisfied: count(&form.votes_basically_satisfied),
        votes_dissatisfied: count(&form.votes_dissatisfied),
        published: form.published.is_some(),
    };
    let result = match request.parse(state.ctx().today()) {
        Ok(new) => reports::record(&state.db, &actor, state.clock.now(), station_id, new).await.map(|_| ()),
        Err(error) => Err(error),
    };
    after(&req, &state, &actor, lang, station_id, result, |errors| Refusal {
        report: Some((form, errors)),
        ..Refusal::default()
    })
    .await
}

pub async fn record_contact(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<ContactFields>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let actor = session.0;
    let station_id = station_id(&form.station_id)?;
    // A deputy records for themselves whatever the form says.
    let deputy_id = match actor.deputy_id.filter(|_| actor.is(Role::Deputy)) {
        Some(own) => Some(own),
        None => form.deputy_id.trim().parse().ok(),
    };
    // Who may, before what was typed is checked: a refused caller learns nothing from it.
    match deputy_id {
        Some(id) => contact_records::writable_deputy(&state.db, &actor, id).await.map(|_| ()),
        None => actor.require(contact_records::WRITERS),
    }?;
    let request = RecordContact {
        contacted_on: Some(form.contacted_on.clone()),
        mode: form.mode.clone(),
        household: form.household.clone(),
        phone: Some(form.phone.clone()),
        matter: form.matter.clone(),
        handling: Some(form.handling.clone()),
    };
    let result = match (request.parse(state.ctx().today()), deputy_id) {
        (Err(error), _) => Err(error),
        (Ok(_), None) => Err(AppError::field(FieldError::required("deputy_id"))),
        (Ok(new), Some(deputy_id)) => {
            contact_records::record(&state.db, &state.cipher, &actor, state.clock.now(), deputy_id, new)
                .await
                .map(|_| ())
        }
    };
    after(&req, &state, &actor, lang, station_id, result, |errors| Refusal {
        contact: Some((form, errors)),
        ..Refusal::default()
    })
    .await
}

/// An item's form: a few fields and one photo.
const ITEM_LIMITS: FormLimits = FormLimits {
    max_fields: 10,
    max_text_bytes: 8 * 1024,
    max_files: 1,
    max_file_bytes: photo_intake::MAX_PHOTO_BYTES,
    max_total_bytes: photo_intake::MAX_PHOTO_BYTES + 64 * 1024,
};

/// `POST /app/books/ten-haves` (multipart): confirms one item with its evidence and an
/// optional photo. A photo that can't be taken refuses the whole change, keeping the note.
pub async fn confirm_item(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let received = csrf_multipart(&req, payload, ITEM_LIMITS).await?;
    let actor = session.0;
    let station_id = station_id(&received.text("station_id"))?;
    let item = received.text("item");
    let typed = ItemFields {
        present: received.checked("present"),
        evidence_on: received.text("evidence_on"),
        note: received.text("note"),
    };
    let request = ConfirmTenHave {
        present: typed.present,
        note: Some(typed.note.clone()),
        evidence_on: Some(typed.evidence_on.clone()),
        version: received.text("version").trim().parse().ok(),
    };
    let mut problems: Vec<PhotoProblem> = received.problems.iter().copied().map(PhotoProblem::from).collect();
    let uploads: Vec<Vec<u8>> =
        received.files.into_iter().filter(|f| f.field == "photo" && !f.bytes.is_empty()).map(|f| f.bytes).collect();
    let result = match request.parse(&item) {
        Err(error) => Err(error),
        Ok((code, mut evidence)) => {
            let (photos, photo_problems) = photo_intake::process_and_store(&state, uploads).await?;
            problems.extend(photo_problems);
            match problems.first() {
                Some(problem) => {
                    Err(AppError::field(FieldError::new("photo", Problem::Described(photo_message(*problem, lang)))))
                }
                None => {
                    evidence = Evidence { photo_hash: photos.into_iter().next().map(|p| Some(p.hash)), ..evidence };
                    ten_haves::confirm(&state.db, &actor, state.clock.now(), station_id, code, evidence)
                        .await
                        .map(|_| ())
                }
            }
        }
    };
    after(&req, &state, &actor, lang, station_id, result, |errors| Refusal {
        item: Some((item, typed, errors)),
        ..Refusal::default()
    })
    .await
}

/// `/app/stations/{id}/ten-haves/{item}/photo`: the evidence photo, for whoever may read the
/// station's checklist.
pub async fn evidence_photo(
    state: web::Data<AppState>,
    session: StaffSession,
    path: web::Path<(i32, String)>,
) -> Result<HttpResponse, PageError> {
    let (station_id, item) = path.into_inner();
    let item: TenHaveItem = item.parse().map_err(|_| PageError::from(AppError::NotFound("photo")))?;
    let checklist = ten_haves::checklist(&state.db, &session.0, station_id).await?;
    let hash = checklist
        .items
        .into_iter()
        .find(|view| view.item == item)
        .and_then(|view| view.record)
        .and_then(|record| record.photo_hash)
        .ok_or_else(|| PageError::from(AppError::NotFound("photo")))?;
    let bytes = state.photos.open_async(hash, Variant::Full).await.map_err(|e| {
        tracing::error!(error = %e, "an evidence photo is missing from the store");
        PageError::from(AppError::NotFound("photo"))
    })?;
    Ok(jpeg(bytes, false))
}
