//! Staff pages for handling cases: the queue of the signed-in role (`/app`, `/app/cases`),
//! bulk assign / reply from it, and one case with the actions this person may take now
//! (`/app/cases/{id}`). The same services as `/api/v1/cases`; handlers only translate forms.
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Deserialize;

use crate::domain::case_command::RejectReason;
use crate::domain::case_state::CaseStatus;
use crate::domain::field::FieldError;
use crate::domain::intake::MAX_PHOTOS;
use crate::domain::org::TierCode;
use crate::domain::page::PageRequest;
use crate::domain::role::Role;
use crate::domain::tracking::TrackingCode;
use crate::entities::{case, station, suggestion};
use crate::error::{AppError, AppResult};
use crate::http::api::cases::{ActionRequest, perform, perform_with_photos, run_bulk};
use crate::http::client::ClientInfo;
use crate::http::csrf;
use crate::http::extract::StaffSession;
use crate::http::i18n::Lang;
use crate::http::multipart::{self, FormLimits};
use crate::http::pages::home::Nav;
use crate::http::pages::resident::form::photo_message;
use crate::http::pages::stations::{field_messages, total_label};
use crate::http::pages::{PageError, html, redirect, urlencoding_component};
use crate::http::photo_intake::{self, PhotoProblem};
use crate::services::books::ledgers::Period;
use crate::services::cases::deadlines::is_overdue;
use crate::services::cases::{
    actions,
    queries::{self, CaseFilter, CaseSort},
    reply_templates::{self, TemplateKind},
};
use crate::services::insight::{figures::Figure, topics};
use crate::services::organisation::{
    actor::{Actor, with_descendants},
    categories,
    deputies::{self, DeputyFilter},
    units,
};
use crate::state::AppState;
use actix_multipart::Multipart;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/app").route(web::get().to(queue)))
        .service(web::resource("/app/cases").route(web::get().to(queue)))
        .service(web::resource("/app/cases/bulk").route(web::post().to(bulk)))
        .service(web::resource("/app/cases/{id}").route(web::get().to(show)))
        .service(web::resource("/app/cases/{id}/actions").route(web::post().to(act)))
        .service(web::resource("/app/cases/{id}/progress").route(web::post().to(progress_with_photos)));
}

fn status_label(status: CaseStatus, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => status.label_zh(),
        Lang::En => status.label_en(),
    }
}

fn tier_label(tier: TierCode, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => tier.label_zh(),
        Lang::En => tier.label_en(),
    }
}

fn display_code(raw: &str) -> String {
    TrackingCode::parse(raw).map_or_else(|| raw.to_string(), |c| c.display())
}

fn short(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

/// Blank form fields count as not given.
fn given(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn number<T: std::str::FromStr>(raw: &Option<String>) -> Option<T> {
    given(raw).and_then(|s| s.parse().ok())
}

fn yes(raw: &Option<String>) -> Option<bool> {
    given(raw).map(|s| matches!(s, "1" | "true" | "on" | "yes"))
}

// ---------------------------------------------------------------------------------------
// The queue
// ---------------------------------------------------------------------------------------

/// The queue's filters as GET parameters (all text, so an empty choice is simply "any").
#[derive(Deserialize, Default, Clone)]
pub struct QueueQuery {
    /// A status, `open` (the default: everything still to answer) or `all`.
    status: Option<String>,
    category: Option<String>,
    tier: Option<String>,
    deputy: Option<String>,
    unit: Option<String>,
    overdue: Option<String>,
    due_soon: Option<String>,
    key: Option<String>,
    q: Option<String>,
    /// The drill-down from a figure of the statistics: received from/to (dates), a station with
    /// its points and grids, and the figure.
    from: Option<String>,
    to: Option<String>,
    station: Option<String>,
    figure: Option<String>,
    page: Option<u64>,
    /// After a bulk action: how many cases it went through for, and how many refused it.
    done: Option<usize>,
    failed: Option<usize>,
    /// After a bulk post that could not be carried out.
    bulk_error: Option<String>,
}

impl QueueQuery {
    /// The query string of these filters (without the page), for links that keep them.
    fn filters(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for (key, value) in [
            ("status", &self.status),
            ("category", &self.category),
            ("tier", &self.tier),
            ("deputy", &self.deputy),
            ("unit", &self.unit),
            ("overdue", &self.overdue),
            ("due_soon", &self.due_soon),
            ("key", &self.key),
            ("q", &self.q),
            ("from", &self.from),
            ("to", &self.to),
            ("station", &self.station),
            ("figure", &self.figure),
        ] {
            if let Some(v) = given(value) {
                out.push((key, v.to_string()));
            }
        }
        out
    }

    fn query_string(&self) -> String {
        self.filters().iter().map(|(k, v)| format!("{k}={}", urlencoding_component(v))).collect::<Vec<_>>().join("&")
    }

    /// Open cases by default; every status when drilling down from a figure.
    fn status_choice(&self) -> String {
        let default = if self.drill_down() { "all" } else { "open" };
        given(&self.status).unwrap_or(default).to_string()
    }

    fn drill_down(&self) -> bool {
        [&self.from, &self.to, &self.station, &self.figure].into_iter().any(|v| given(v).is_some())
    }

    /// The drill-down parameters alone, for the filter form to keep them.
    fn drill_params(&self) -> Vec<(&'static str, String)> {
        self.filters().into_iter().filter(|(k, _)| matches!(*k, "from" | "to" | "station" | "figure")).collect()
    }
}

struct Row {
    id: i32,
    code: String,
    category: String,
    content: String,
    status: String,
    status_label: String,
    due: String,
    overdue: bool,
    due_soon: bool,
    key_supervision: bool,
    deputy: Option<String>,
    unit: Option<String>,
}

struct Chip {
    label: String,
    count: u64,
    href: String,
    active: bool,
    alert: bool,
}

#[derive(Template)]
#[template(path = "app/cases.html")]
struct QueuePage {
    lang: Lang,
    nav: Nav,
    welcome: String,
    heading: String,
    total_label: String,
    chips: Vec<Chip>,
    rows: Vec<Row>,
    /// Managers and administrators filter by everything and act in bulk.
    supervisor: bool,
    /// Filter by deputy and unit (everyone but deputies and handlers).
    wide_filters: bool,
    query: QueueQueryView,
    /// What a drill-down lists ("已答复 · 2026-01-01 至 2026-03-31 · 城关站"), and its
    /// parameters for the filter form to keep.
    drill: Option<String>,
    drill_params: Vec<(&'static str, String)>,
    statuses: Vec<(&'static str, &'static str)>,
    categories: Vec<(i32, String)>,
    tiers: Vec<(&'static str, &'static str)>,
    deputies: Vec<(i32, String)>,
    units: Vec<(i32, String)>,
    templates: Vec<(i32, String)>,
    notice: Option<String>,
    problem: Option<String>,
    page: u64,
    prev_href: Option<String>,
    next_href: Option<String>,
    back: String,
}

/// The filters as the form shows them.
struct QueueQueryView {
    status: String,
    category: String,
    tier: String,
    deputy: String,
    unit: String,
    overdue: bool,
    due_soon: bool,
    key: bool,
    q: String,
}

fn local(state: &AppState, at: DateTime<Utc>) -> String {
    at.with_timezone(&state.settings.time_zone()).format("%Y-%m-%d %H:%M").to_string()
}

async fn filter_of(state: &AppState, query: &QueueQuery, now: DateTime<Utc>) -> Result<CaseFilter, AppError> {
    let statuses = match query.status_choice().as_str() {
        "all" => Vec::new(),
        "open" => CaseStatus::ALL.into_iter().filter(|s| s.is_open()).collect(),
        other => other.parse::<CaseStatus>().map(|s| vec![s]).unwrap_or_default(),
    };
    let due_before = match yes(&query.due_soon) {
        Some(true) => Some(queries::soon_horizon(&state.db, &state.settings, now).await?),
        _ => None,
    };
    let received = if given(&query.from).is_some() || given(&query.to).is_some() {
        let tz = state.settings.time_zone();
        let today = now.with_timezone(&tz).date_naive();
        Some(Period::parse(given(&query.from), given(&query.to), today)?.bounds(tz))
    } else {
        None
    };
    let station_ids = match number::<i32>(&query.station) {
        Some(id) => Some(with_descendants(&state.db, &[id]).await?.ids().unwrap_or_default()),
        None => None,
    };
    Ok(CaseFilter {
        statuses,
        station_id: None,
        deputy_id: number(&query.deputy),
        category_id: number(&query.category),
        unit_id: number(&query.unit),
        tier: given(&query.tier).and_then(|t| t.parse().ok()),
        overdue: yes(&query.overdue).filter(|on| *on),
        due_before,
        key_supervision: yes(&query.key).filter(|on| *on),
        disclosed: None,
        q: given(&query.q).map(str::to_string),
        q_phone_hash: None,
        received,
        station_ids,
        figure: given(&query.figure).and_then(Figure::parse),
        sort: CaseSort::Due,
    }
    .with_phone_lookup(&state.cipher))
}

/// The words for a drill-down: the figure, the period, the station.
async fn drill_label(state: &AppState, query: &QueueQuery, lang: Lang) -> Result<Option<String>, AppError> {
    let mut parts = Vec::new();
    if let Some(figure) = given(&query.figure).and_then(Figure::parse) {
        parts.push(if lang == Lang::Zh { figure.label_zh() } else { figure.label_en() }.to_string());
    }
    match (given(&query.from), given(&query.to)) {
        (None, None) => {}
        (from, to) => {
            let joiner = if lang == Lang::Zh { " 至 " } else { " – " };
            parts.push(format!("{}{joiner}{}", from.unwrap_or("…"), to.unwrap_or("…")));
        }
    }
    if let Some(id) = number::<i32>(&query.station)
        && let Some(station) = station::Entity::find_by_id(id).one(&state.db).await?
    {
        parts.push(station.name);
    }
    Ok((!parts.is_empty()).then(|| parts.join(" · ")))
}

/// Names of what the rows refer to.
struct Names {
    categories: Vec<(i32, String)>,
    deputies: Vec<(i32, String)>,
    units: Vec<(i32, String)>,
}

async fn names(state: &AppState, actor: &Actor) -> Result<Names, AppError> {
    let categories = categories::list(&state.db, false).await?.into_iter().map(|c| (c.id, c.name)).collect();
    let deputies = if actor.is(Role::Handler) {
        Vec::new()
    } else {
        let filter = DeputyFilter { active: Some(true), ..DeputyFilter::default() };
        deputies::list(&state.db, actor, &filter, PageRequest::new(Some(1), Some(100)))
            .await?
            .items
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect()
    };
    let units = units::list(&state.db, None, Some(true), PageRequest::new(Some(1), Some(100)))
        .await?
        .items
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    Ok(Names { categories, deputies, units })
}

fn name_of(list: &[(i32, String)], id: Option<i32>) -> Option<String> {
    id.and_then(|id| list.iter().find(|(i, _)| *i == id).map(|(_, n)| n.clone()))
}

/// `/app` and `/app/cases`: the signed-in person's queue.
pub async fn queue(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, PageError> {
    let actor = session.0;
    let query = query.into_inner();
    let fail = |e| PageError::new(e, lang);
    let now = state.clock.now();
    let soon = queries::soon_horizon(&state.db, &state.settings, now).await.map_err(fail)?;
    let filter = filter_of(&state, &query, now).await.map_err(fail)?;
    let paging = PageRequest::new(query.page, Some(20));
    let page = queries::list(&state.db, &actor, now, &filter, paging).await.map_err(fail)?;
    let counts = queries::counts(&state.db, &actor, now, soon).await.map_err(fail)?;
    let names = names(&state, &actor).await.map_err(fail)?;
    let supervisor = actor.is_admin() || actor.is(Role::Manager);
    let wide_filters = !(actor.is(Role::Deputy) || actor.is(Role::Handler));

    let rows = page
        .items
        .iter()
        .map(|m: &case::Model| {
            let status = m.status.parse::<CaseStatus>().unwrap_or(CaseStatus::Submitted);
            Row {
                id: m.id,
                code: display_code(&m.tracking_code),
                category: name_of(&names.categories, Some(m.category_id)).unwrap_or_default(),
                content: short(&m.content, 60),
                status: status.as_str().to_string(),
                status_label: status_label(status, lang).to_string(),
                due: local(&state, m.due_at),
                overdue: is_overdue(m, now),
                due_soon: status.is_open() && m.due_at >= now && m.due_at < soon,
                key_supervision: m.key_supervision,
                deputy: name_of(&names.deputies, m.deputy_id),
                unit: name_of(&names.units, m.unit_id),
            }
        })
        .collect();

    // Chips: what is open, what is late, then each status that has cases.
    let choice = query.status_choice();
    let flagged =
        yes(&query.overdue) == Some(true) || yes(&query.due_soon) == Some(true) || yes(&query.key) == Some(true);
    let mut chips = vec![Chip {
        label: lang.t("cases.chip.open").into_owned(),
        count: counts.open,
        href: "/app/cases?status=open".into(),
        active: choice == "open" && !flagged,
        alert: false,
    }];
    for (key, count, param, on) in [
        ("cases.chip.overdue", counts.overdue, "overdue", yes(&query.overdue) == Some(true)),
        ("cases.chip.due_soon", counts.due_soon, "due_soon", yes(&query.due_soon) == Some(true)),
        ("cases.chip.key", counts.key_supervision, "key", yes(&query.key) == Some(true)),
    ] {
        chips.push(Chip {
            label: lang.t(key).into_owned(),
            count,
            href: format!("/app/cases?status=open&{param}=1"),
            active: on,
            alert: count > 0 && param == "overdue",
        });
    }
    for status in CaseStatus::ALL {
        let count = counts.by_status.get(status.as_str()).copied().unwrap_or(0);
        if count > 0 || choice == status.as_str() {
            chips.push(Chip {
                label: status_label(status, lang).to_string(),
                count,
                href: format!("/app/cases?status={}", status.as_str()),
                active: choice == status.as_str() && !flagged,
                alert: false,
            });
        }
    }
    let all: u64 = counts.by_status.values().sum();
    chips.push(Chip {
        label: lang.t("cases.chip.all").into_owned(),
        count: all,
        href: "/app/cases?status=all".into(),
        active: choice == "all" && !flagged,
        alert: false,
    });

    let qs = query.query_string();
    let link =
        |n: u64| if qs.is_empty() { format!("/app/cases?page={n}") } else { format!("/app/cases?{qs}&page={n}") };
    let has_next = page.request.page * page.request.per_page < page.total;
    let notice = query.done.map(|done| {
        rust_i18n::t!("cases.bulk_done", locale = lang.code(), done = done, failed = query.failed.unwrap_or(0))
            .into_owned()
    });
    let problem = given(&query.bulk_error).map(|code| match code {
        "none" => lang.t("cases.bulk_none").into_owned(),
        _ => lang.t("cases.bulk_invalid").into_owned(),
    });
    let templates = if supervisor {
        reply_templates::usable(&state.db, &actor, Some(TemplateKind::Reply))
            .await
            .map_err(fail)?
            .into_iter()
            .map(|t| (t.id, t.title))
            .collect()
    } else {
        Vec::new()
    };
    let drill = if query.drill_down() { drill_label(&state, &query, lang).await.map_err(fail)? } else { None };
    let name = actor.display_name.clone().unwrap_or_else(|| actor.username.clone());
    let heading = match actor.role {
        Role::Deputy => lang.t("cases.inbox"),
        Role::Handler => lang.t("cases.unit_queue"),
        _ => lang.t("cases.queue"),
    }
    .into_owned();
    let view = QueuePage {
        lang,
        nav: Nav::new(&req, &actor, lang),
        welcome: rust_i18n::t!("home.welcome", locale = lang.code(), name = name).into_owned(),
        heading,
        total_label: total_label(lang, page.total),
        chips,
        rows,
        supervisor,
        wide_filters,
        query: QueueQueryView {
            status: choice,
            category: given(&query.category).unwrap_or("").to_string(),
            tier: given(&query.tier).unwrap_or("").to_string(),
            deputy: given(&query.deputy).unwrap_or("").to_string(),
            unit: given(&query.unit).unwrap_or("").to_string(),
            overdue: yes(&query.overdue) == Some(true),
            due_soon: yes(&query.due_soon) == Some(true),
            key: yes(&query.key) == Some(true),
            q: given(&query.q).unwrap_or("").to_string(),
        },
        drill,
        drill_params: query.drill_params(),
        statuses: CaseStatus::ALL.iter().map(|s| (s.as_str(), status_label(*s, lang))).collect(),
        categories: names.categories,
        tiers: TierCode::ALL.iter().map(|t| (t.as_str(), tier_label(*t, lang))).collect(),
        deputies: names.deputies,
        units: names.units,
        templates,
        notice,
        problem,
        page: page.request.page,
        prev_href: (page.request.page > 1).then(|| link(page.request.page - 1)),
        next_href: has_next.then(|| link(page.request.page + 1)),
        back: qs,
    };
    Ok(html(view.render()?))
}

/// `POST /app/cases/bulk`: the checked cases, one action (assign to a unit and/or deputy, or
/// reply from a template), through the same service as `POST /api/v1/cases/bulk`.
pub async fn bulk(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let actor = session.0;
    let mut csrf_token = String::new();
    let mut case_ids = Vec::new();
    let mut fields: HashMap<String, String> = HashMap::new();
    for (key, value) in form_urlencoded::parse(&body) {
        match key.as_ref() {
            "csrf" => csrf_token = value.into_owned(),
            "case_ids" => {
                if let Ok(id) = value.trim().parse::<i32>() {
                    case_ids.push(id);
                }
            }
            _ => {
                fields.insert(key.into_owned(), value.into_owned());
            }
        }
    }
    if !csrf::verify(&req, &csrf_token) {
        return Err(PageError::csrf(lang));
    }
    actor.require(actions::BULK_ROLES).map_err(|e| PageError::new(e, lang))?;
    let back = fields.get("back").map(String::as_str).unwrap_or("");
    let back = if back.starts_with('/') || back.contains("://") { "" } else { back };
    let target = |extra: String| {
        if back.is_empty() { format!("/app/cases?{extra}") } else { format!("/app/cases?{back}&{extra}") }
    };
    if case_ids.is_empty() {
        return Ok(redirect(&target("bulk_error=none".into())));
    }
    let field = |name: &str| fields.get(name).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let action = match field("bulk_action").as_deref() {
        Some("reply") => {
            let text = match field("template_id").and_then(|id| id.parse::<i32>().ok()) {
                Some(id) => reply_templates::usable(&state.db, &actor, Some(TemplateKind::Reply))
                    .await
                    .map_err(|e| PageError::new(e, lang))?
                    .into_iter()
                    .find(|t| t.id == id)
                    .map(|t| t.body),
                None => None,
            };
            ActionRequest { action: "reply".into(), text, ..ActionRequest::default() }
        }
        _ => ActionRequest {
            action: "assign".into(),
            unit_id: field("unit_id").and_then(|v| v.parse().ok()),
            deputy_id: field("deputy_id").and_then(|v| v.parse().ok()),
            ..ActionRequest::default()
        },
    };
    match run_bulk(&state, &actor, case_ids, action).await {
        Ok(result) => Ok(redirect(&target(format!("done={}&failed={}", result.succeeded, result.failed)))),
        Err(AppError::Validation(_)) => Ok(redirect(&target("bulk_error=invalid".into()))),
        Err(other) => Err(PageError::new(other, lang)),
    }
}

// ---------------------------------------------------------------------------------------
// One case
// ---------------------------------------------------------------------------------------

/// What one of the case page's action forms sends.
#[derive(Deserialize, Default, Clone)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    version: Option<String>,
    note: Option<String>,
    text: Option<String>,
    reason: Option<String>,
    unit_id: Option<String>,
    deputy_id: Option<String>,
    tier: Option<String>,
    days: Option<String>,
    percent: Option<String>,
    decision: Option<String>,
    into_case_id: Option<String>,
    on: Option<String>,
    public: Option<String>,
}

fn int_field<T: std::str::FromStr>(
    name: &'static str,
    raw: &Option<String>,
    problems: &mut Vec<FieldError>,
) -> Option<T> {
    let value = given(raw)?;
    match value.parse() {
        Ok(n) => Some(n),
        Err(_) => {
            problems.push(FieldError::invalid(name, "a whole number"));
            None
        }
    }
}

impl ActionForm {
    fn request(&self) -> Result<ActionRequest, AppError> {
        let mut problems = Vec::new();
        let request = ActionRequest {
            action: self.action.trim().to_string(),
            version: int_field("version", &self.version, &mut problems),
            note: given(&self.note).map(str::to_string),
            text: given(&self.text).map(str::to_string),
            reason: given(&self.reason).map(str::to_string),
            unit_id: int_field("unit_id", &self.unit_id, &mut problems),
            deputy_id: int_field("deputy_id", &self.deputy_id, &mut problems),
            tier: given(&self.tier).map(str::to_string),
            days: int_field("days", &self.days, &mut problems),
            percent: int_field("percent", &self.percent, &mut problems),
            decision: given(&self.decision).map(str::to_string),
            into_case_id: int_field("into_case_id", &self.into_case_id, &mut problems),
            on: yes(&self.on),
            public: yes(&self.public),
        };
        if problems.is_empty() { Ok(request) } else { Err(AppError::Validation(problems)) }
    }
}

struct EventRow {
    at: String,
    label: String,
    note: Option<String>,
    public: bool,
}

/// Which forms to show.
#[derive(Default)]
struct Can {
    accept: bool,
    reject: bool,
    assign: bool,
    start: bool,
    progress: bool,
    extend: bool,
    /// A manager deciding a pending request.
    decide_extension: bool,
    return_case: bool,
    reply: bool,
    close: bool,
    reopen: bool,
    merge: bool,
    archive: bool,
    key_supervision: bool,
    disclose: bool,
}

impl Can {
    fn any(&self) -> bool {
        self.accept
            || self.reject
            || self.assign
            || self.start
            || self.progress
            || self.extend
            || self.decide_extension
            || self.return_case
            || self.reply
            || self.close
            || self.reopen
            || self.merge
            || self.archive
            || self.key_supervision
            || self.disclose
    }
}

/// At most this many likely duplicates on the case page.
const SIMILAR_SHOWN: usize = 5;

/// A likely duplicate of the case, with a button to merge the case into it.
struct SimilarRow {
    id: i32,
    text: String,
    status_label: &'static str,
    status: &'static str,
    received: String,
    /// Similarity in percent.
    score: i64,
}

#[derive(Template)]
#[template(path = "app/case.html")]
struct CasePage {
    lang: Lang,
    nav: Nav,
    id: i32,
    /// The suggestion drafted from this case, if any; else whether the reader may draft one.
    suggestion: Option<i32>,
    to_suggestion: bool,
    code: String,
    version: i32,
    status: String,
    status_label: String,
    content: String,
    location: Option<String>,
    category: String,
    station: String,
    deputy: Option<String>,
    unit: Option<String>,
    tier_label: String,
    received: String,
    due: String,
    overdue: bool,
    due_soon: bool,
    key_supervision: bool,
    disclosed: bool,
    percent: Option<i32>,
    reply: Option<String>,
    /// Duplicates merged into this case: the answer goes to their residents too.
    merged_in: u64,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    contact_masked: bool,
    photos: Vec<String>,
    /// 可能重复: for those who may merge, while the case is open.
    similar: Vec<SimilarRow>,
    events: Vec<EventRow>,
    pending_extension: Option<String>,
    can: Can,
    reject_reasons: Vec<(&'static str, &'static str)>,
    tiers: Vec<(&'static str, &'static str)>,
    units: Vec<(i32, String)>,
    deputies: Vec<(i32, String)>,
    /// (id, title, chosen)
    templates: Vec<(i32, String, bool)>,
    /// What the person typed into the form that was refused (`typed.action` says which).
    typed: ActionForm,
    reply_text: String,
    errors: HashMap<String, String>,
    notice: Option<String>,
    problem: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct CaseQuery {
    /// A reply template to put in the reply box (works without JavaScript).
    template: Option<String>,
    /// The action just carried out, for the notice.
    done: Option<String>,
}

fn action_label(lang: Lang, action: &str) -> String {
    let key = format!("case.action.{action}");
    match lang.t(&key) {
        text if text != key => text.into_owned(),
        _ => action.to_string(),
    }
}

/// What went wrong with a form, re-rendered on the case page rather than an error page.
struct Refusal {
    status: StatusCode,
    problem: Option<String>,
    errors: HashMap<String, String>,
}

#[allow(clippy::too_many_arguments)]
async fn render_case(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    ip: &str,
    query: CaseQuery,
    typed: ActionForm,
    refusal: Option<Refusal>,
) -> Result<HttpResponse, PageError> {
    let fail = |e| PageError::new(e, lang);
    let now = state.clock.now();
    let detail = queries::detail(&state.db, &state.cipher, actor, id, now, Some(ip)).await.map_err(fail)?;
    let record = &detail.case;
    let available = actions::available(&state.db, actor, record).await.map_err(fail)?;
    let has = |name: &str| available.contains(&name);
    let status = record.status.parse::<CaseStatus>().unwrap_or(CaseStatus::Submitted);
    let soon = queries::soon_horizon(&state.db, &state.settings, now).await.map_err(fail)?;
    let supervisor = actor.is_admin() || actor.is(Role::Manager);
    let pending = detail.extensions.iter().find(|e| e.status == "pending");
    let can = Can {
        accept: has("accept"),
        reject: has("reject"),
        assign: has("assign"),
        start: has("start"),
        progress: has("progress"),
        extend: has("extend") && pending.is_none(),
        decide_extension: has("extend") && supervisor && pending.is_some(),
        return_case: has("return"),
        reply: has("reply"),
        close: has("close"),
        reopen: has("reopen"),
        merge: has("merge"),
        archive: has("archive"),
        key_supervision: has("key_supervision"),
        disclose: has("disclose"),
    };
    let tz = state.settings.time_zone();
    let similar = if can.merge && supervisor && status.is_open() {
        topics::similar(&state.db, actor, record.id)
            .await
            .map_err(fail)?
            .into_iter()
            .take(SIMILAR_SHOWN)
            .map(|found| {
                let other = found.case.status.parse::<CaseStatus>().unwrap_or(CaseStatus::Submitted);
                SimilarRow {
                    id: found.case.id,
                    text: short(&found.case.content, 60),
                    status_label: status_label(other, lang),
                    status: other.as_str(),
                    received: found.case.received_at.with_timezone(&tz).format("%Y-%m-%d").to_string(),
                    score: (found.score * 100.0).round() as i64,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let suggestion: Option<i32> = suggestion::Entity::find()
        .select_only()
        .column(suggestion::Column::Id)
        .filter(suggestion::Column::SourceCaseId.eq(record.id))
        .into_tuple()
        .one(&state.db)
        .await
        .map_err(|e| fail(e.into()))?;
    let to_suggestion = suggestion.is_none()
        && record.deputy_id.is_some()
        && matches!(actor.role, Role::Admin | Role::Manager | Role::Deputy);
    let templates: Vec<(i32, String, String)> = if can.reply {
        reply_templates::usable(&state.db, actor, Some(TemplateKind::Reply))
            .await
            .map_err(fail)?
            .into_iter()
            .map(|t| (t.id, t.title, t.body))
            .collect()
    } else {
        Vec::new()
    };
    let chosen_template = number::<i32>(&query.template);
    let reply_text = if typed.action == "reply" {
        typed.text.clone().unwrap_or_default()
    } else {
        chosen_template
            .and_then(|id| templates.iter().find(|(i, _, _)| *i == id))
            .map(|(_, _, body)| body.clone())
            .unwrap_or_default()
    };
    let (units, deputies) = if can.assign {
        let names = names(state, actor).await.map_err(fail)?;
        (names.units, names.deputies)
    } else {
        (Vec::new(), Vec::new())
    };
    let events = detail
        .events
        .iter()
        .map(|e| EventRow {
            at: e.at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            label: action_label(lang, &e.action),
            note: e.note.clone(),
            public: e.public,
        })
        .collect();
    let notice = given(&query.done).map(|action| {
        rust_i18n::t!("case.done", locale = lang.code(), action = action_label(lang, action)).into_owned()
    });
    let (http_status, problem, errors) = match refusal {
        Some(r) => (r.status, r.problem, r.errors),
        None => (StatusCode::OK, None, HashMap::new()),
    };
    let view = CasePage {
        lang,
        nav: Nav::new(req, actor, lang),
        id: record.id,
        suggestion,
        to_suggestion,
        code: display_code(&record.tracking_code),
        version: record.version,
        status: status.as_str().to_string(),
        status_label: status_label(status, lang).to_string(),
        content: record.content.clone(),
        location: record.location.clone(),
        category: detail.category.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
        station: detail.station.as_ref().map(|s| s.name.clone()).unwrap_or_default(),
        deputy: detail.deputy.as_ref().map(|d| d.name.clone()),
        unit: detail.unit.as_ref().map(|u| u.name.clone()),
        tier_label: record.tier.parse::<TierCode>().map(|t| tier_label(t, lang)).unwrap_or("").to_string(),
        received: local(state, record.received_at),
        due: local(state, record.due_at),
        overdue: is_overdue(record, now),
        due_soon: status.is_open() && record.due_at >= now && record.due_at < soon,
        key_supervision: record.key_supervision,
        disclosed: record.disclosed,
        percent: record.percent,
        merged_in: detail.merged_in,
        reply: record.reply.clone(),
        contact_name: detail.contact.name.clone(),
        contact_phone: detail.contact.phone.clone(),
        contact_masked: detail.contact.masked,
        photos: detail.photos.iter().map(|p| p.hash.clone()).collect(),
        similar,
        events,
        pending_extension: pending.map(|e| {
            rust_i18n::t!("case.extension_pending", locale = lang.code(), days = e.days, reason = e.reason.as_str())
                .into_owned()
        }),
        can,
        reject_reasons: RejectReason::ALL
            .iter()
            .map(|r| {
                let label = match lang {
                    Lang::Zh => r.label_zh(),
                    Lang::En => reject_label_en(*r),
                };
                (r.as_str(), label)
            })
            .collect(),
        tiers: TierCode::ALL.iter().map(|t| (t.as_str(), tier_label(*t, lang))).collect(),
        units,
        deputies,
        templates: templates.into_iter().map(|(id, title, _)| (id, title, chosen_template == Some(id))).collect(),
        typed,
        reply_text,
        errors,
        notice,
        problem,
    };
    let body = view.render()?;
    let mut response = html(body);
    *response.status_mut() = http_status;
    Ok(response)
}

fn reject_label_en(reason: RejectReason) -> &'static str {
    match reason {
        RejectReason::PersonalGrievance => "A personal grievance: please use the petitions channel (信访)",
        RejectReason::Litigation => "Before a court or arbitration",
        RejectReason::OutsideRemit => "Outside what the station takes up",
        RejectReason::NotActionable => "Nothing that can be acted on",
        RejectReason::Other => "Other reason",
    }
}

/// `/app/cases/{id}`: the case in full and what this person may do to it.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    client: ClientInfo,
    id: web::Path<i32>,
    query: web::Query<CaseQuery>,
) -> Result<HttpResponse, PageError> {
    let actor = session.0;
    render_case(
        &req,
        &state,
        &actor,
        lang,
        id.into_inner(),
        &client.ip,
        query.into_inner(),
        ActionForm::default(),
        None,
    )
    .await
}

/// `POST /app/cases/{id}/actions`: one action from the case page. Success goes back to the
/// case with a notice; a stale version or a move the case no longer allows shows the case as
/// it is now (409), with what the person typed still in the form.
pub async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    client: ClientInfo,
    id: web::Path<i32>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    if !csrf::verify(&req, &form.csrf) {
        return Err(PageError::csrf(lang));
    }
    actions::require_may_act(&state.db, &session.0, *id).await.map_err(|e| PageError::new(e, lang))?;
    let result = match form.request() {
        Ok(request) => perform(&state, &session.0, *id, &request).await.map(|_| ()),
        Err(error) => Err(error),
    };
    respond(&req, &state, lang, session.0, id.into_inner(), &client, form, result).await
}

/// What a progress report with photos may carry: a few fields and the case's photo limit.
const PROGRESS_LIMITS: FormLimits = FormLimits {
    max_fields: 10,
    max_text_bytes: 8 * 1024,
    max_files: MAX_PHOTOS,
    max_file_bytes: photo_intake::MAX_PHOTO_BYTES,
    max_total_bytes: MAX_PHOTOS * photo_intake::MAX_PHOTO_BYTES + 64 * 1024,
};

/// `POST /app/cases/{id}/progress` (multipart): a progress report with up to four photos,
/// re-encoded like the resident's. A photo that cannot be taken fails the whole report (422),
/// keeping the note, so nothing is half-recorded.
pub async fn progress_with_photos(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    client: ClientInfo,
    id: web::Path<i32>,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let received = multipart::read(payload, PROGRESS_LIMITS).await.map_err(|e| PageError::new(e, lang))?;
    if !csrf::verify(&req, &received.text("csrf")) {
        return Err(PageError::csrf(lang));
    }
    // Before any photo is processed and stored.
    actions::require_may_act(&state.db, &session.0, *id).await.map_err(|e| PageError::new(e, lang))?;
    let optional = |name: &str| Some(received.text(name)).filter(|v| !v.trim().is_empty());
    let form = ActionForm {
        csrf: received.text("csrf"),
        action: "progress".into(),
        version: optional("version"),
        note: optional("note"),
        percent: optional("percent"),
        public: optional("public"),
        ..ActionForm::default()
    };
    let mut problems: Vec<PhotoProblem> = received.problems.iter().copied().map(PhotoProblem::from).collect();
    let uploads: Vec<Vec<u8>> =
        received.files.into_iter().filter(|f| f.field == "photos" && !f.bytes.is_empty()).map(|f| f.bytes).collect();
    let result = match form.request() {
        Err(error) => Err(error),
        Ok(request) => {
            let (photos, photo_problems) =
                photo_intake::process_and_store(&state, uploads).await.map_err(|e| PageError::new(e, lang))?;
            problems.extend(photo_problems);
            if let Some(problem) = problems.first() {
                Err(AppError::field(FieldError::new(
                    "photos",
                    crate::domain::field::Problem::Described(photo_message(*problem, lang)),
                )))
            } else {
                perform_with_photos(&state, &session.0, *id, &request, photos).await.map(|_| ())
            }
        }
    };
    respond(&req, &state, lang, session.0, id.into_inner(), &client, form, result).await
}

/// After an action: back to the case with a notice, or the case as it is now with the
/// refusal and what was typed.
#[allow(clippy::too_many_arguments)]
async fn respond(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    lang: Lang,
    actor: Actor,
    id: i32,
    client: &ClientInfo,
    form: ActionForm,
    result: AppResult<()>,
) -> Result<HttpResponse, PageError> {
    let refusal = match result {
        Ok(()) => {
            let done = urlencoding_component(form.action.trim());
            return Ok(redirect(&format!("/app/cases/{id}?done={done}")));
        }
        Err(AppError::Conflict { code, .. }) => {
            let current = crate::services::cases::access::get(&state.db, &actor, id)
                .await
                .map_err(|e| PageError::new(e, lang))?;
            let status = current.status.parse::<CaseStatus>().unwrap_or(CaseStatus::Submitted);
            let key = match code {
                "stale_version" => "case.conflict.stale",
                "illegal_transition" => "case.conflict.illegal",
                "extension_pending" => "case.conflict.extension_pending",
                "no_extension_request" => "case.conflict.no_extension",
                "return_window_passed" => "case.conflict.return_window",
                "merge_target_closed" => "case.conflict.merge_target",
                _ => "case.conflict.other",
            };
            let message = rust_i18n::t!(
                key,
                locale = lang.code(),
                state = status_label(status, lang),
                action = action_label(lang, form.action.trim())
            )
            .into_owned();
            Refusal { status: StatusCode::CONFLICT, problem: Some(message), errors: HashMap::new() }
        }
        Err(error @ AppError::Validation(_)) => Refusal {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            problem: Some(lang.t("common.fix_below").into_owned()),
            errors: field_messages(&error, lang).unwrap_or_default(),
        },
        Err(error) => return Err(PageError::new(error, lang)),
    };
    render_case(req, state, &actor, lang, id, &client.ip, CaseQuery::default(), form, Some(refusal)).await
}
