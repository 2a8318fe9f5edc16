//! Three smaller books under `/api/v1`: deputies' reports to voters (代表述职), deputies'
//! contact records with voter households (民情联系卡) and the station's ten haves (十有).
use actix_web::{HttpResponse, get, patch, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::reception::parse_date;
use crate::domain::station_books::{self as books, ContactMode, ReportForm, parse_code, parse_count};
use crate::error::{AppResult, ErrorBody};
use crate::http::api::reception::{PeriodQuery, period};
use crate::http::shared::input::books::{ConfirmTenHave, RecordContact, RecordReport, parse_vote};
use crate::http::shared::input::{Parser, optional_phone};
use crate::http::shared::patch::nullable;
use crate::services::books::{
    contact_records::{self, ContactChanges, ContactFilter, ContactView},
    reception_roster,
    reports::{self, ReportChanges, ReportView},
    ten_haves::{self, Checklist},
};
use crate::services::organisation::actor::Actor;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_reports)
        .service(record_report)
        .service(get_report)
        .service(update_report)
        .service(list_contacts)
        .service(deputy_contacts)
        .service(record_contact)
        .service(get_contact)
        .service(update_contact)
        .service(get_ten_haves)
        .service(confirm_ten_have);
}

// ---------------------------------------------------------------- reports (述职)

#[derive(Serialize, ToSchema)]
pub struct ReportDto {
    pub id: i32,
    pub station_id: i32,
    pub deputy_id: i32,
    pub deputy_name: String,
    /// YYYY-MM-DD
    pub reported_on: String,
    pub place: String,
    /// oral or written
    pub form: String,
    pub voters_present: i32,
    pub summary: String,
    pub comments: Option<String>,
    pub votes_satisfied: i32,
    pub votes_basically_satisfied: i32,
    pub votes_dissatisfied: i32,
    /// (satisfied + basically satisfied) ÷ votes cast, whole percent; null when nobody voted
    pub satisfaction_rate: Option<i32>,
    pub published: bool,
    pub version: i32,
}

impl From<ReportView> for ReportDto {
    fn from(v: ReportView) -> Self {
        let rate = v.vote().satisfaction_rate();
        let r = v.report;
        ReportDto {
            id: r.id,
            station_id: r.station_id,
            deputy_id: r.deputy_id,
            deputy_name: v.deputy_name,
            reported_on: r.reported_on.to_string(),
            place: r.place,
            form: r.form.as_str().to_owned(),
            voters_present: r.voters_present,
            summary: r.summary,
            comments: r.comments,
            votes_satisfied: r.votes_satisfied,
            votes_basically_satisfied: r.votes_basically_satisfied,
            votes_dissatisfied: r.votes_dissatisfied,
            satisfaction_rate: rate,
            published: r.published,
            version: r.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReportList {
    pub items: Vec<ReportDto>,
    pub total: u64,
}

#[derive(Deserialize, IntoParams)]
pub struct BookQuery {
    /// YYYY-MM-DD
    pub from: Option<String>,
    /// YYYY-MM-DD
    pub to: Option<String>,
    pub deputy_id: Option<i32>,
}

/// A station's reports to voters, newest first.
#[utoipa::path(tag = "books", params(BookQuery), responses((status = 200, body = ReportList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/stations/{id}/deputy-reports")]
pub async fn list_reports(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    query: web::Query<BookQuery>,
) -> AppResult<web::Json<ReportList>> {
    let range = period(&PeriodQuery { from: query.from.clone(), to: query.to.clone() }, state.ctx().today(), None)?;
    let items: Vec<ReportDto> = reports::list(&state.db, &actor, id.into_inner(), range, query.deputy_id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(web::Json(ReportList { total: items.len() as u64, items }))
}

/// Record a deputy's report to voters (managers of the station, administrators).
#[utoipa::path(tag = "books", request_body = RecordReport, responses((status = 201, body = ReportDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[post("/stations/{id}/deputy-reports")]
pub async fn record_report(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    body: web::Json<RecordReport>,
) -> AppResult<HttpResponse> {
    // Who may, before what was sent is checked: a refused caller learns nothing from it.
    reception_roster::managed_station(&state.db, &actor, *id).await?;
    let new = body.parse(state.ctx().today())?;
    let view = reports::record(&state.db, &actor, state.clock.now(), id.into_inner(), new).await?;
    Ok(HttpResponse::Created().json(ReportDto::from(view)))
}

#[utoipa::path(tag = "books", responses((status = 200, body = ReportDto), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/deputy-reports/{id}")]
pub async fn get_report(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
) -> AppResult<web::Json<ReportDto>> {
    Ok(web::Json(reports::get(&state.db, &actor, id.into_inner()).await?.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateReport {
    pub version: i32,
    pub reported_on: Option<String>,
    pub place: Option<String>,
    pub form: Option<String>,
    pub voters_present: Option<i64>,
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub comments: Option<Option<String>>,
    /// The three counts change together
    pub votes_satisfied: Option<i64>,
    pub votes_basically_satisfied: Option<i64>,
    pub votes_dissatisfied: Option<i64>,
    pub published: Option<bool>,
}

impl UpdateReport {
    fn parse(&self) -> AppResult<ReportChanges> {
        let mut p = Parser::default();
        let reported_on = self.reported_on.as_deref().map(|raw| p.take(parse_date("reported_on", raw)));
        let place = self.place.as_deref().map(|raw| p.take(books::parse_place(raw)));
        let form = self.form.as_deref().map(|raw| p.take(parse_code::<ReportForm>("form", raw, ReportForm::EXPECTED)));
        let voters = self.voters_present.map(|n| p.take(parse_count("voters_present", n)));
        let summary = self.summary.as_deref().map(|raw| p.take(books::parse_summary(raw)));
        let comments = self.comments.as_ref().map(|raw| p.take(books::parse_comments(raw.as_deref())));
        let vote = match (self.votes_satisfied, self.votes_basically_satisfied, self.votes_dissatisfied) {
            (None, None, None) => None,
            (Some(s), Some(b), Some(d)) => {
                // Checked against the voters present in the service, where both are known.
                Some(parse_vote(&mut p, [s, b, d], Some(0)))
            }
            _ => {
                p.push(crate::domain::field::FieldError::invalid("votes_satisfied", "the three vote counts together"));
                None
            }
        };
        p.finish(|| {
            Some(ReportChanges {
                version: self.version,
                reported_on: reported_on.flatten(),
                place: place.flatten(),
                form: form.flatten(),
                summary: summary.flatten(),
                comments: comments.flatten(),
                voters_present: voters.flatten(),
                vote: vote.flatten(),
                published: self.published,
            })
        })
    }
}

/// Edit a report (managers of the station); 409 when `version` is stale.
#[utoipa::path(tag = "books", request_body = UpdateReport, responses((status = 200, body = ReportDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[patch("/deputy-reports/{id}")]
pub async fn update_report(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    body: web::Json<UpdateReport>,
) -> AppResult<web::Json<ReportDto>> {
    let changes = body.parse()?;
    Ok(web::Json(reports::update(&state.db, &actor, state.clock.now(), id.into_inner(), changes).await?.into()))
}

// ---------------------------------------------------------------- contact records (民情联系卡)

#[derive(Serialize, ToSchema)]
pub struct ContactDto {
    pub id: i32,
    pub station_id: i32,
    pub deputy_id: i32,
    pub deputy_name: String,
    /// YYYY-MM-DD
    pub contacted_on: String,
    /// visit, phone, wechat or other
    pub mode: String,
    /// Masked (张*) except for the deputy and the station's managers
    pub household: String,
    pub phone: Option<String>,
    pub masked: bool,
    pub matter: String,
    pub handling: Option<String>,
    pub case_tracking_code: Option<String>,
    pub version: i32,
}

impl From<ContactView> for ContactDto {
    fn from(v: ContactView) -> Self {
        let r = v.record;
        ContactDto {
            id: r.id,
            station_id: r.station_id,
            deputy_id: r.deputy_id,
            deputy_name: v.deputy_name,
            contacted_on: r.contacted_on.to_string(),
            mode: r.mode.as_str().to_owned(),
            household: v.household,
            phone: v.phone,
            masked: v.masked,
            matter: r.matter,
            handling: r.handling,
            case_tracking_code: v.tracking_code,
            version: r.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ContactList {
    pub items: Vec<ContactDto>,
    pub total: u64,
}

impl ContactList {
    fn of(views: Vec<ContactView>) -> ContactList {
        let items: Vec<ContactDto> = views.into_iter().map(Into::into).collect();
        ContactList { total: items.len() as u64, items }
    }
}

/// A station's contact records, newest first (a deputy sees only their own).
#[utoipa::path(tag = "books", params(BookQuery), responses((status = 200, body = ContactList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/stations/{id}/contact-records")]
pub async fn list_contacts(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    query: web::Query<BookQuery>,
) -> AppResult<web::Json<ContactList>> {
    let range = period(&PeriodQuery { from: query.from.clone(), to: query.to.clone() }, state.ctx().today(), None)?;
    let filter = ContactFilter { range, deputy_id: query.deputy_id };
    Ok(web::Json(ContactList::of(
        contact_records::list(&state.db, &state.cipher, &actor, state.clock.now(), id.into_inner(), filter).await?,
    )))
}

/// One deputy's contact records, newest first.
#[utoipa::path(tag = "books", params(PeriodQuery), responses((status = 200, body = ContactList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/deputies/{id}/contact-records")]
pub async fn deputy_contacts(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    query: web::Query<PeriodQuery>,
) -> AppResult<web::Json<ContactList>> {
    let range = period(&query, state.ctx().today(), None)?;
    Ok(web::Json(ContactList::of(
        contact_records::of_deputy(&state.db, &state.cipher, &actor, state.clock.now(), id.into_inner(), range).await?,
    )))
}

/// Record a deputy's contact with a household (the deputy, or a manager of their station).
#[utoipa::path(tag = "books", request_body = RecordContact, responses((status = 201, body = ContactDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[post("/deputies/{id}/contact-records")]
pub async fn record_contact(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    body: web::Json<RecordContact>,
) -> AppResult<HttpResponse> {
    // Who may, before what was sent is checked: a refused caller learns nothing from it.
    contact_records::writable_deputy(&state.db, &actor, *id).await?;
    let new = body.parse(state.ctx().today())?;
    let view =
        contact_records::record(&state.db, &state.cipher, &actor, state.clock.now(), id.into_inner(), new).await?;
    Ok(HttpResponse::Created().json(ContactDto::from(view)))
}

#[utoipa::path(tag = "books", responses((status = 200, body = ContactDto), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/contact-records/{id}")]
pub async fn get_contact(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
) -> AppResult<web::Json<ContactDto>> {
    Ok(web::Json(
        contact_records::get(&state.db, &state.cipher, &actor, state.clock.now(), id.into_inner()).await?.into(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateContact {
    pub version: i32,
    pub contacted_on: Option<String>,
    pub mode: Option<String>,
    pub household: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub phone: Option<Option<String>>,
    pub matter: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub handling: Option<Option<String>>,
}

impl UpdateContact {
    fn parse(&self) -> AppResult<ContactChanges> {
        let mut p = Parser::default();
        let contacted_on = self.contacted_on.as_deref().map(|raw| p.take(parse_date("contacted_on", raw)));
        let mode =
            self.mode.as_deref().map(|raw| p.take(parse_code::<ContactMode>("mode", raw, ContactMode::EXPECTED)));
        let household = self.household.as_deref().map(|raw| p.take(books::parse_household(raw)));
        let phone = self.phone.as_ref().map(|raw| p.take(optional_phone("phone", raw.as_deref())));
        let matter = self.matter.as_deref().map(|raw| p.take(books::parse_matter(raw)));
        let handling = self.handling.as_ref().map(|raw| p.take(books::parse_handling(raw.as_deref())));
        p.finish(|| {
            Some(ContactChanges {
                version: self.version,
                contacted_on: contacted_on.flatten(),
                mode: mode.flatten(),
                household: household.flatten(),
                phone: phone.flatten(),
                matter: matter.flatten(),
                handling: handling.flatten(),
            })
        })
    }
}

/// Edit a contact record (its deputy or a manager of its station); 409 when `version` is stale.
#[utoipa::path(tag = "books", request_body = UpdateContact, responses((status = 200, body = ContactDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[patch("/contact-records/{id}")]
pub async fn update_contact(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    body: web::Json<UpdateContact>,
) -> AppResult<web::Json<ContactDto>> {
    let changes = body.parse()?;
    Ok(web::Json(
        contact_records::update(&state.db, &state.cipher, &actor, state.clock.now(), id.into_inner(), changes)
            .await?
            .into(),
    ))
}

// ---------------------------------------------------------------- ten haves (十有)

#[derive(Serialize, ToSchema)]
pub struct TenHaveDto {
    /// place, sign, equipment, staff, rules, plan, activities, ledgers, archives or cases
    pub item: String,
    /// 有场所 …
    pub label: String,
    pub present: bool,
    pub note: Option<String>,
    /// YYYY-MM-DD
    pub evidence_on: Option<String>,
    pub has_photo: bool,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<String>,
    /// 0 for an item never recorded
    pub version: i32,
}

#[derive(Serialize, ToSchema)]
pub struct TenHavesDto {
    pub station_id: i32,
    pub station_name: String,
    pub items: Vec<TenHaveDto>,
    /// Items present ÷ 10, whole percent
    pub score: i32,
}

impl From<Checklist> for TenHavesDto {
    fn from(c: Checklist) -> Self {
        TenHavesDto {
            station_id: c.station.id,
            station_name: c.station.name,
            score: c.score,
            items: c
                .items
                .into_iter()
                .map(|view| {
                    let record = view.record.as_ref();
                    TenHaveDto {
                        item: view.item.as_str().to_string(),
                        label: view.item.label_zh().to_string(),
                        present: view.present(),
                        note: record.and_then(|r| r.note.clone()),
                        evidence_on: record.and_then(|r| r.evidence_on).map(|d| d.to_string()),
                        has_photo: record.is_some_and(|r| r.photo_hash.is_some()),
                        confirmed_by: view.confirmed_by_name.clone(),
                        confirmed_at: record.and_then(|r| r.confirmed_at).map(|t| t.to_rfc3339()),
                        version: record.map_or(0, |r| r.version),
                    }
                })
                .collect(),
        }
    }
}

/// A station's ten haves with its completeness score.
#[utoipa::path(tag = "books", responses((status = 200, body = TenHavesDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/stations/{id}/ten-haves")]
pub async fn get_ten_haves(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
) -> AppResult<web::Json<TenHavesDto>> {
    Ok(web::Json(ten_haves::checklist(&state.db, &actor, id.into_inner()).await?.into()))
}

/// Confirm (or withdraw) one item of the ten haves (managers of the station).
#[utoipa::path(tag = "books", request_body = ConfirmTenHave, responses((status = 200, body = TenHavesDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[put("/stations/{id}/ten-haves/{item}")]
pub async fn confirm_ten_have(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(i32, String)>,
    body: web::Json<ConfirmTenHave>,
) -> AppResult<web::Json<TenHavesDto>> {
    let (station_id, item) = path.into_inner();
    let (item, evidence) = body.parse(&item)?;
    let checklist = ten_haves::confirm(&state.db, &actor, state.clock.now(), station_id, item, evidence).await?;
    Ok(web::Json(checklist.into()))
}
