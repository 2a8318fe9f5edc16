//! The queue of cases: the list with its chips and filters, and the bulk actions on it.
use crate::domain::case_state::CaseStatus;
use crate::domain::org::TierCode;
use crate::domain::page::PageRequest;
use crate::domain::role::Role;
use crate::entities::{case, station};
use crate::error::AppError;
use crate::http::pages::form::CsrfForm;
use crate::http::pages::form::total_label;
use crate::http::pages::home::Nav;
use crate::http::pages::session::StaffSession;
use crate::http::pages::{PageError, html, redirect, urlencoding_component};
use crate::http::shared::i18n::Lang;
use crate::http::shared::input::cases::ActionRequest;
use crate::services::books::ledgers::Period;
use crate::services::cases::commands;
use crate::services::cases::deadlines::is_overdue;
use crate::services::cases::{
    actions,
    queries::{self, CaseFilter, CaseSort},
    reply_templates::{self, TemplateKind},
};
use crate::services::insight::figures::Figure;
use crate::services::organisation::actor::with_descendants;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use sea_orm::EntityTrait;
use serde::Deserialize;
use std::collections::HashMap;

use super::{display_code, given, local, name_of, names, number, short, status_label, tier_label, yes};

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
    let now = state.clock.now();
    let soon = queries::soon_horizon(&state.db, &state.settings, now).await?;
    let filter = filter_of(&state, &query, now).await?;
    let paging = PageRequest::new(query.page, Some(20));
    let page = queries::list(&state.db, &actor, now, &filter, paging).await?;
    let counts = queries::counts(&state.db, &actor, now, soon).await?;
    let names = names(&state, &actor).await?;
    let supervisor = actor.is_admin() || actor.is(Role::Manager);
    let wide_filters = !(actor.is(Role::Deputy) || actor.is(Role::Handler));

    let rows = page
        .items
        .iter()
        .map(|m: &case::Model| {
            let status = m.status;
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
            .await?
            .into_iter()
            .map(|t| (t.id, t.title))
            .collect()
    } else {
        Vec::new()
    };
    let drill = if query.drill_down() { drill_label(&state, &query, lang).await? } else { None };
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
    state: web::Data<AppState>,
    session: StaffSession,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let actor = session.0;
    // Repeated `case_ids`: read as pairs.
    let mut case_ids = Vec::new();
    let mut fields: HashMap<String, String> = HashMap::new();
    for (key, value) in pairs {
        if key == "case_ids" {
            if let Ok(id) = value.trim().parse::<i32>() {
                case_ids.push(id);
            }
        } else {
            fields.insert(key, value);
        }
    }
    actor.require(actions::BULK_ROLES)?;
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
                    .await?
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
    match commands::act_on_many(&state.ctx(), &actor, case_ids, &action.raw()).await {
        Ok(results) => {
            let succeeded = results.iter().filter(|(_, outcome)| outcome.is_ok()).count();
            let failed = results.len() - succeeded;
            Ok(redirect(&target(format!("done={succeeded}&failed={failed}"))))
        }
        Err(AppError::Validation(_)) => Ok(redirect(&target("bulk_error=invalid".into()))),
        Err(other) => Err(PageError::from(other)),
    }
}
