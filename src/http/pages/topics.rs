//! `/app/topics`: hot topics (热点难点) — what residents raise most, ranked by how many raised
//! it, with the cases of each; `/app/topics.xlsx` the same rows as a spreadsheet. The same
//! service and scope as `GET /api/v1/stats/hot-topics`: managers their stations, viewers what
//! they may read, administrators everything, a deputy their own cases; not handlers.
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{Duration, NaiveDate};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;

use crate::domain::case_state::CaseStatus;
use crate::domain::field::FieldError;
use crate::domain::role::Role;
use crate::entities::station;
use crate::error::{AppError, AppResult};
use crate::http::pages::home::Nav;
use crate::http::pages::session::StaffSession;
use crate::http::pages::{PageError, html};
use crate::http::shared::download;
use crate::http::shared::i18n::Lang;
use crate::services::books::ledgers::Period;
use crate::services::insight::{
    stats::place_name,
    topics::{self, HotTopics},
};
use crate::services::organisation::actor::Actor;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/app/topics").route(web::get().to(index)))
        .service(web::resource("/app/topics.xlsx").route(web::get().to(download)));
}

/// Topics on the page and in the spreadsheet.
const LIMIT: usize = 50;
/// Cases listed under each topic on the page.
const CASES_SHOWN: usize = 30;
/// The default period: the last 90 days, today included.
const DEFAULT_DAYS: i64 = 90;

#[derive(Deserialize, Default)]
pub struct TopicsQuery {
    station: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// What the query asks for, parsed.
struct Request {
    station: Option<i32>,
    period: Period,
}

fn parse(state: &AppState, query: &TopicsQuery) -> AppResult<Request> {
    let given = |raw: &Option<String>| raw.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let station = match given(&query.station) {
        None => None,
        Some(raw) => {
            Some(raw.parse::<i32>().map_err(|_| AppError::field(FieldError::invalid("station", "a station")))?)
        }
    };
    let tz = state.settings.time_zone();
    let today = state.clock.now().with_timezone(&tz).date_naive();
    let to = given(&query.to);
    let from = given(&query.from).or_else(|| {
        // The last 90 days up to `to` (today by default).
        let end = to.as_deref().and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()).unwrap_or(today);
        Some((end - Duration::days(DEFAULT_DAYS - 1)).to_string())
    });
    let period = Period::parse(from.as_deref(), to.as_deref(), today)?;
    Ok(Request { station, period })
}

async fn find(state: &AppState, actor: &Actor, request: &Request) -> AppResult<HotTopics> {
    actor.require(&[Role::Admin, Role::Manager, Role::Viewer, Role::Deputy])?;
    let bounds = request.period.bounds(state.settings.time_zone());
    topics::hot_topics(&state.db, actor, request.station, bounds, LIMIT).await
}

struct CaseLink {
    id: i32,
    status: String,
    status_class: &'static str,
    received: String,
}

struct TopicRow {
    label: String,
    count: usize,
    category: Option<String>,
    cases: Vec<CaseLink>,
    more: usize,
}

#[derive(Template)]
#[template(path = "app/topics.html")]
struct TopicsPage {
    lang: Lang,
    nav: Nav,
    from: String,
    to: String,
    /// (id, name, chosen) of the stations to choose from.
    stations: Vec<(i32, String, bool)>,
    topics: Vec<TopicRow>,
    considered: usize,
    xlsx_url: String,
}

fn status_label(status: CaseStatus, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => status.label_zh(),
        Lang::En => status.label_en(),
    }
}

/// The stations the actor may pick (a manager: those they manage, as the service checks).
async fn stations(state: &AppState, actor: &Actor) -> AppResult<Vec<(i32, String)>> {
    let scope = match actor.role {
        Role::Manager => actor.managed_stations(&state.db).await?,
        _ => actor.readable_stations(&state.db).await?,
    };
    let mut select = station::Entity::find().order_by_asc(station::Column::Id);
    if let Some(ids) = scope.ids() {
        select = select.filter(station::Column::Id.is_in(ids));
    }
    Ok(select.all(&state.db).await?.into_iter().map(|s| (s.id, s.name)).collect())
}

pub async fn index(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    query: web::Query<TopicsQuery>,
) -> Result<HttpResponse, PageError> {
    let actor = session.0;
    let request = parse(&state, &query)?;
    let found = find(&state, &actor, &request).await?;
    let cases = topics::topic_cases(&state.db, &found, CASES_SHOWN).await?;
    let tz = state.settings.time_zone();
    let rows = found
        .topics
        .iter()
        .map(|t| TopicRow {
            label: t.label.clone(),
            count: t.count,
            category: t.category.clone(),
            cases: t
                .case_ids
                .iter()
                .take(CASES_SHOWN)
                .filter_map(|id| cases.get(id))
                .map(|c| CaseLink {
                    id: c.id,
                    status: status_label(c.status, lang).to_string(),
                    status_class: c.status.as_str(),
                    received: c.received_at.with_timezone(&tz).format("%Y-%m-%d").to_string(),
                })
                .collect(),
            more: t.case_ids.len().saturating_sub(CASES_SHOWN),
        })
        .collect();
    let (from, to) = (request.period.from.to_string(), request.period.to.to_string());
    let station_param = request.station.map(|s| s.to_string()).unwrap_or_default();
    let page = TopicsPage {
        lang,
        nav: Nav::new(&req, &actor, lang),
        xlsx_url: format!("/app/topics.xlsx?station={station_param}&from={from}&to={to}"),
        from,
        to,
        stations: stations(&state, &actor)
            .await?
            .into_iter()
            .map(|(id, name)| (id, name, request.station == Some(id)))
            .collect(),
        topics: rows,
        considered: found.cases_considered,
    };
    Ok(html(page.render()?))
}

pub async fn download(
    state: web::Data<AppState>,
    session: StaffSession,
    query: web::Query<TopicsQuery>,
) -> Result<HttpResponse, PageError> {
    let actor = session.0;
    let request = parse(&state, &query)?;
    let found = find(&state, &actor, &request).await?;
    let place = place_name(&state.db, request.station).await?;
    let (from, to) = (request.period.from.to_string(), request.period.to.to_string());
    let tz = state.settings.time_zone();
    let name = format!("{place}-热点难点-{from}至{to}.xlsx");
    let ascii = format!("topics-{from}-{to}.xlsx");
    let bytes = download::build(move || topics::xlsx(&found, &place, (&from, &to), tz)).await?;
    Ok(download::attachment(bytes, download::XLSX, &ascii, &name))
}
