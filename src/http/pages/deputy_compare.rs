//! `/app/stations/{id}/deputies/compare`: the station's deputies side by side — performance
//! from the books next to the rates of the cases each collected, and the station's own rates
//! on the last line; `…/compare.xlsx` is the same table.
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::domain::rates::Rate;
use crate::error::AppError;
use crate::http::pages::home::Nav;
use crate::http::pages::session::StaffSession;
use crate::http::pages::{PageError, html};
use crate::http::shared::download;
use crate::http::shared::i18n::Lang;
use crate::http::shared::input::ledgers::LedgerQuery;
use crate::services::books::ledgers::Period;
use crate::services::insight::{
    deputy_comparison::{self, Comparison},
    figures::Figure,
    stats::Figures,
};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/app/stations/{id}/deputies/compare").route(web::get().to(show)))
        .service(web::resource("/app/stations/{id}/deputies/compare.xlsx").route(web::get().to(download)));
}

struct RateCell {
    value: String,
    numerator: i64,
    denominator: i64,
    href: String,
}

struct Row {
    /// `None` for the station's own line.
    deputy_id: Option<i32>,
    name: String,
    collected: i64,
    collected_href: String,
    rates: Vec<RateCell>,
    numbers: Vec<String>,
}

#[derive(Template)]
#[template(path = "app/deputy_compare.html")]
struct ComparePage {
    lang: Lang,
    nav: Nav,
    station_id: i32,
    station: String,
    from: String,
    to: String,
    rate_headings: Vec<&'static str>,
    number_headings: Vec<&'static str>,
    rows: Vec<Row>,
}

fn pick(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    lang.pick(zh, en)
}

/// The four rates, each with the figure of its numerator (for the link).
fn rates(f: &Figures) -> [(Rate, Figure); 4] {
    [
        (f.reply_rate, Figure::Replied),
        (f.on_time_rate, Figure::ClosedOnTime),
        (f.resolution_rate, Figure::Solved),
        (f.satisfaction_rate, Figure::Satisfied),
    ]
}

fn number_headings(lang: Lang) -> Vec<&'static str> {
    vec![
        pick(lang, "进站天数", "Days at station"),
        pick(lang, "接待值班", "Duties"),
        pick(lang, "接待来访", "Visitors"),
        pick(lang, "述职", "Reports"),
        pick(lang, "联系选民", "Contacts"),
        pick(lang, "参加活动", "Activities"),
        pick(lang, "领衔建议", "Led"),
        pick(lang, "附议建议", "Co-signed"),
    ]
}

fn rate_headings(lang: Lang) -> Vec<&'static str> {
    vec![
        pick(lang, "答复率", "Reply rate"),
        pick(lang, "按期办结率", "On-time rate"),
        pick(lang, "解决率", "Resolution rate"),
        pick(lang, "满意率", "Satisfaction rate"),
    ]
}

async fn load(state: &AppState, session: &StaffSession, id: i32, query: &LedgerQuery) -> Result<Comparison, AppError> {
    let tz = state.settings.time_zone();
    let now = state.clock.now();
    let period = Period::parse(query.from.as_deref(), query.to.as_deref(), now.with_timezone(&tz).date_naive())?;
    deputy_comparison::compare(&state.db, &session.0, id, period, tz, now).await
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    id: web::Path<i32>,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, PageError> {
    let c = load(&state, &session, *id, &query).await?;
    let base = format!("from={}&to={}&station={}", c.period.from, c.period.to, c.station.id);
    let drill = |figure: Figure, deputy: Option<i32>| {
        let who = deputy.map(|d| format!("&deputy={d}")).unwrap_or_default();
        format!("/app/cases?figure={}&{base}{who}", figure.as_str())
    };
    let cells = |f: &Figures, deputy: Option<i32>| {
        rates(f)
            .into_iter()
            .map(|(rate, figure)| RateCell {
                value: rate.value.map_or_else(|| pick(lang, "暂无数据", "no data").to_string(), |v| format!("{v:.1}%")),
                numerator: rate.numerator,
                denominator: rate.denominator,
                href: drill(figure, deputy),
            })
            .collect()
    };
    let mut rows: Vec<Row> = c
        .rows
        .iter()
        .map(|r| {
            let p = &r.performance;
            Row {
                deputy_id: Some(r.deputy.id),
                name: r.deputy.name.clone(),
                collected: r.figures.received,
                collected_href: drill(Figure::Received, Some(r.deputy.id)),
                rates: cells(&r.figures, Some(r.deputy.id)),
                numbers: vec![
                    p.station_days.to_string(),
                    p.duties_served.to_string(),
                    p.visits_received.to_string(),
                    p.reports_given.to_string(),
                    p.contacts.to_string(),
                    format!("{}/{}", p.activities_attended, p.activities_invited),
                    p.suggestions_led.to_string(),
                    p.suggestions_cosigned.to_string(),
                ],
            }
        })
        .collect();
    rows.push(Row {
        deputy_id: None,
        name: pick(lang, "全站", "Whole station").to_string(),
        collected: c.station_figures.received,
        collected_href: drill(Figure::Received, None),
        rates: cells(&c.station_figures, None),
        numbers: Vec::new(),
    });
    let page = ComparePage {
        lang,
        nav: Nav::new(&req, &session.0, lang),
        station_id: c.station.id,
        station: c.station.name,
        from: c.period.from.to_string(),
        to: c.period.to.to_string(),
        rate_headings: rate_headings(lang),
        number_headings: number_headings(lang),
        rows,
    };
    Ok(html(page.render()?))
}

pub async fn download(
    state: web::Data<AppState>,
    session: StaffSession,
    id: web::Path<i32>,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, PageError> {
    let c = load(&state, &session, *id, &query).await?;
    Ok(download::file(deputy_comparison::workbook(c).await?))
}
