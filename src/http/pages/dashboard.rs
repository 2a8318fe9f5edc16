//! `/app/dashboard`: how the station serves people — the four rates with their denominators and
//! their change from the period before, the monthly trend, the breakdowns and the overdue list,
//! every number a link to the cases behind it (`/app/cases?figure=…`). Deputies and handlers
//! get the lighter version about their own cases. `/app/dashboard.xlsx` is the same in a
//! workbook.
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;

use crate::domain::rates::Rate;
use crate::entities::station;
use crate::error::AppError;
use crate::http::pages::charts::{self, Bar, TrendLegend, TrendPoint};
use crate::http::pages::home::Nav;
use crate::http::pages::session::StaffSession;
use crate::http::pages::{PageError, form_page, urlencoding_component};
use crate::http::shared::download;
use crate::http::shared::i18n::Lang;
use crate::services::books::ledgers::Period;
use crate::services::insight::{
    dashboard::{self, Compare, Dashboard, DashboardRequest},
    figures::Figure,
    stats::{Figures, Group, GroupBy},
};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/app/dashboard").route(web::get().to(show)))
        .service(web::resource("/app/dashboard.xlsx").route(web::get().to(download)));
}

#[derive(Deserialize, Default, Clone)]
pub struct DashboardQuery {
    from: Option<String>,
    to: Option<String>,
    station: Option<String>,
    compare: Option<String>,
}

/// Where a number leads: the queue filtered to the cases it counts.
#[derive(Clone)]
struct Drill {
    from: NaiveDate,
    to: NaiveDate,
    station: Option<i32>,
}

impl Drill {
    fn href(&self, figure: Figure, extra: Option<(&str, &str)>) -> String {
        let mut href = format!("/app/cases?figure={}&from={}&to={}", figure.as_str(), self.from, self.to);
        if let Some(id) = self.station {
            href.push_str(&format!("&station={id}"));
        }
        if let Some((key, value)) = extra {
            href.push_str(&format!("&{key}={}", urlencoding_component(value)));
        }
        href
    }
}

fn pick(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    lang.pick(zh, en)
}

fn figure_label(figure: Figure, lang: Lang) -> &'static str {
    pick(lang, figure.label_zh(), figure.label_en())
}

fn percent(rate: &Rate, lang: Lang) -> String {
    rate.value.map_or_else(|| pick(lang, "暂无数据", "no data").to_string(), |v| format!("{v:.1}%"))
}

/// One headline rate.
struct RateCard {
    title: &'static str,
    value: String,
    has_data: bool,
    numerator: i64,
    numerator_label: &'static str,
    numerator_href: String,
    denominator: i64,
    denominator_label: &'static str,
    denominator_href: String,
    /// "+4.5" percentage points, with its direction for the arrow; `None` without data.
    change: Option<String>,
    direction: &'static str,
    before: String,
}

/// One count with its link.
struct Count {
    label: &'static str,
    value: i64,
    href: String,
    alert: bool,
}

/// One cell of a breakdown table: a rate with its numerator and denominator as links.
struct RateCell {
    value: String,
    numerator: i64,
    denominator: i64,
    href: Option<String>,
}

struct BreakdownRow {
    label: String,
    received: i64,
    received_href: Option<String>,
    rates: Vec<RateCell>,
    overdue: i64,
    overdue_href: Option<String>,
}

struct Breakdown {
    title: &'static str,
    first: &'static str,
    rows: Vec<BreakdownRow>,
    chart: String,
}

struct MonthRow {
    month: String,
    received: i64,
    href: String,
    reply: String,
    satisfaction: String,
}

struct OverdueRow {
    id: i32,
    content: String,
    due: String,
    days: i64,
}

struct StationChoice {
    id: i32,
    name: String,
}

#[derive(Template)]
#[template(path = "app/dashboard.html")]
struct DashboardPage {
    lang: Lang,
    nav: Nav,
    light: bool,
    /// The form's dates: what was typed when it could not be read.
    from: String,
    to: String,
    /// The period the figures are of.
    shown_from: String,
    shown_to: String,
    before: String,
    compare: &'static str,
    station: Option<i32>,
    place: String,
    stations: Vec<StationChoice>,
    all_stations: bool,
    presets: Vec<(&'static str, String)>,
    rates: Vec<RateCard>,
    counts: Vec<Count>,
    shares: Vec<Count>,
    medians: Vec<(&'static str, String)>,
    trend: String,
    months: Vec<MonthRow>,
    breakdowns: Vec<Breakdown>,
    overdue: Vec<OverdueRow>,
    overdue_total: u64,
    overdue_href: String,
    export_href: String,
    compare_href: Option<String>,
    /// A period that could not be read: what was wrong (the figures are of the default period).
    problem: Option<String>,
}

struct Inputs {
    request: DashboardRequest,
    today: NaiveDate,
}

fn inputs(state: &AppState, query: &DashboardQuery) -> Result<Inputs, AppError> {
    let tz = state.settings.time_zone();
    let now = state.clock.now();
    let today = now.with_timezone(&tz).date_naive();
    let period = Period::parse(query.from.as_deref(), query.to.as_deref(), today)?;
    let station_id = query.station.as_deref().map(str::trim).filter(|s| !s.is_empty()).and_then(|s| s.parse().ok());
    let compare = Compare::parse(query.compare.as_deref());
    Ok(Inputs { request: DashboardRequest { station_id, period, compare, tz, now }, today })
}

/// Quick periods: this month, last month, this quarter, this year, the last twelve months.
fn presets(today: NaiveDate, lang: Lang) -> Vec<(&'static str, String)> {
    let first = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(today);
    let month_start = first(today.year(), today.month());
    let last_month_end = month_start.pred_opt().unwrap_or(today);
    let last_month_start = first(last_month_end.year(), last_month_end.month());
    let quarter_start = first(today.year(), (today.month0() / 3) * 3 + 1);
    let year_start = first(today.year(), 1);
    let twelve = month_start.checked_sub_months(chrono::Months::new(11)).unwrap_or(month_start);
    [
        (pick(lang, "本月", "This month"), month_start, today),
        (pick(lang, "上月", "Last month"), last_month_start, last_month_end),
        (pick(lang, "本季度", "This quarter"), quarter_start, today),
        (pick(lang, "本年", "This year"), year_start, today),
        (pick(lang, "近12个月", "Last 12 months"), twelve, today),
    ]
    .into_iter()
    .map(|(label, from, to)| (label, format!("from={from}&to={to}")))
    .collect()
}

fn rate_cards(d: &Dashboard, drill: &Drill, lang: Lang) -> Vec<RateCard> {
    let (c, p) = (&d.current, &d.previous);
    let card = |title, now: &Rate, before: &Rate, numerator: Figure, denominator: Figure| {
        let change = dashboard::change(now.value, before.value);
        RateCard {
            title,
            value: percent(now, lang),
            has_data: now.value.is_some(),
            numerator: now.numerator,
            numerator_label: figure_label(numerator, lang),
            numerator_href: drill.href(numerator, None),
            denominator: now.denominator,
            denominator_label: figure_label(denominator, lang),
            denominator_href: drill.href(denominator, None),
            change: change.map(|x| format!("{x:+.1}")),
            direction: match change {
                Some(x) if x > 0.0 => "up",
                Some(x) if x < 0.0 => "down",
                _ => "flat",
            },
            before: percent(before, lang),
        }
    };
    vec![
        card(pick(lang, "答复率", "Reply rate"), &c.reply_rate, &p.reply_rate, Figure::Replied, Figure::Accepted),
        card(
            pick(lang, "按期办结率", "On-time rate"),
            &c.on_time_rate,
            &p.on_time_rate,
            Figure::ClosedOnTime,
            Figure::Closed,
        ),
        card(
            pick(lang, "解决率", "Resolution rate"),
            &c.resolution_rate,
            &p.resolution_rate,
            Figure::Solved,
            Figure::Rated,
        ),
        card(
            pick(lang, "满意率", "Satisfaction rate"),
            &c.satisfaction_rate,
            &p.satisfaction_rate,
            Figure::Satisfied,
            Figure::Rated,
        ),
    ]
}

fn counts(f: &Figures, drill: &Drill, lang: Lang) -> Vec<Count> {
    let rejected = f.by_status.get("rejected").copied().unwrap_or(0);
    [
        (Figure::Received, f.received, false),
        (Figure::Accepted, f.accepted, false),
        (Figure::Rejected, rejected, false),
        (Figure::Merged, f.merged, false),
        (Figure::Withdrawn, f.withdrawn, false),
        (Figure::Replied, f.replied, false),
        (Figure::Closed, f.closed, false),
        (Figure::Rated, f.rated, false),
        (Figure::OverdueNow, f.overdue_now, f.overdue_now > 0),
        (Figure::KeySupervisionNow, f.key_supervision_now, false),
    ]
    .into_iter()
    .map(|(figure, value, alert)| Count {
        label: figure_label(figure, lang),
        value,
        href: drill.href(figure, None),
        alert,
    })
    .collect()
}

fn shares(f: &Figures, drill: &Drill, lang: Lang) -> Vec<Count> {
    let s = &f.satisfaction_shares;
    [
        (Figure::Satisfied, s.satisfied),
        (Figure::BasicallySatisfied, s.basically_satisfied),
        (Figure::Dissatisfied, s.dissatisfied),
    ]
    .into_iter()
    .map(|(figure, rate)| Count {
        label: figure_label(figure, lang),
        value: rate.numerator,
        href: drill.href(figure, None),
        alert: false,
    })
    .collect()
}

fn hours(value: Option<f64>, lang: Lang) -> String {
    match value {
        None => pick(lang, "暂无数据", "no data").to_string(),
        Some(h) if h < 48.0 => format!("{h:.1} {}", pick(lang, "小时", "h")),
        Some(h) => format!("{:.1} {}", h / 24.0, pick(lang, "天", "days")),
    }
}

fn month_bounds(key: &str, within: Period) -> Option<(NaiveDate, NaiveDate)> {
    let start = NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d").ok()?;
    let end = start.checked_add_months(chrono::Months::new(1))?.pred_opt()?;
    Some((start.max(within.from), end.min(within.to)))
}

fn trend(d: &Dashboard, drill: &Drill, lang: Lang) -> (String, Vec<MonthRow>) {
    let mut points = Vec::new();
    let mut rows = Vec::new();
    for g in &d.trend {
        let Some((from, to)) = month_bounds(&g.key, d.trend_period) else { continue };
        let month_drill = Drill { from, to, station: drill.station };
        let href = month_drill.href(Figure::Received, None);
        let month = from.month();
        points.push(TrendPoint {
            label: if lang == Lang::Zh { format!("{month}月") } else { from.format("%b").to_string() },
            count: g.figures.received,
            first: g.figures.reply_rate.value,
            second: g.figures.satisfaction_rate.value,
            href: href.clone(),
            title: format!("{}: {} {}", g.key, pick(lang, "收到", "received"), g.figures.received),
        });
        rows.push(MonthRow {
            month: g.key.clone(),
            received: g.figures.received,
            href,
            reply: rate_text(&g.figures.reply_rate, lang),
            satisfaction: rate_text(&g.figures.satisfaction_rate, lang),
        });
    }
    let legend = TrendLegend {
        title: pick(lang, "月度趋势", "Monthly trend"),
        bars: pick(lang, "收到件数", "Received"),
        first: pick(lang, "答复率", "Reply rate"),
        second: pick(lang, "满意率", "Satisfaction"),
    };
    (charts::trend(&points, &legend), rows)
}

fn rate_text(rate: &Rate, lang: Lang) -> String {
    format!("{} ({}/{})", percent(rate, lang), rate.numerator, rate.denominator)
}

fn breakdown(
    groups: &[Group],
    group_by: GroupBy,
    drill: &Drill,
    lang: Lang,
    title: &'static str,
    first: &'static str,
) -> Breakdown {
    let param = match group_by {
        GroupBy::Station => "station",
        GroupBy::Deputy => "deputy",
        GroupBy::Category => "category",
        GroupBy::Unit => "unit",
        GroupBy::Month => "month",
    };
    let rows: Vec<BreakdownRow> = groups
        .iter()
        .map(|g| {
            // Cases without a unit or deputy have no filter of their own: no link.
            let linkable = g.key != "none";
            let href = |figure: Figure| {
                linkable.then(|| {
                    if group_by == GroupBy::Station {
                        Drill { station: g.key.parse().ok(), ..drill.clone() }.href(figure, None)
                    } else {
                        drill.href(figure, Some((param, &g.key)))
                    }
                })
            };
            let f = &g.figures;
            let cell = |rate: &Rate, figure: Figure| RateCell {
                value: percent(rate, lang),
                numerator: rate.numerator,
                denominator: rate.denominator,
                href: href(figure),
            };
            BreakdownRow {
                label: if linkable { g.label.clone() } else { pick(lang, "未指定", "None").to_string() },
                received: f.received,
                received_href: href(Figure::Received),
                rates: vec![
                    cell(&f.reply_rate, Figure::Replied),
                    cell(&f.on_time_rate, Figure::ClosedOnTime),
                    cell(&f.resolution_rate, Figure::Solved),
                    cell(&f.satisfaction_rate, Figure::Satisfied),
                ],
                overdue: f.overdue_now,
                overdue_href: href(Figure::OverdueNow),
            }
        })
        .collect();
    let bars: Vec<Bar> = rows
        .iter()
        .take(10)
        .map(|r| Bar { label: r.label.clone(), value: r.received, href: r.received_href.clone().unwrap_or_default() })
        .collect();
    Breakdown { title, first, chart: charts::bars(&bars, title), rows }
}

async fn station_choices(
    state: &AppState,
    actor: &crate::services::organisation::actor::Actor,
) -> Result<Vec<StationChoice>, AppError> {
    let scope = actor.readable_stations(&state.db).await?;
    let mut select = station::Entity::find().order_by_asc(station::Column::Id);
    if let Some(ids) = scope.ids() {
        select = select.filter(station::Column::Id.is_in(ids));
    }
    Ok(select.all(&state.db).await?.into_iter().map(|s| StationChoice { id: s.id, name: s.name }).collect())
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    query: web::Query<DashboardQuery>,
) -> Result<HttpResponse, PageError> {
    let actor = session.0;
    // A period that cannot be read keeps what was typed, says why, and shows the default period.
    let (parsed, problem) = match inputs(&state, &query) {
        Ok(parsed) => (parsed, None),
        Err(AppError::Validation(fields)) => {
            let fallback = DashboardQuery { from: None, to: None, ..query.0.clone() };
            let words: Vec<String> = fields.iter().map(|f| format!("{}: {}", f.field, lang.field_message(f))).collect();
            (inputs(&state, &fallback)?, Some(words.join("; ")))
        }
        Err(e) => return Err(PageError::from(e)),
    };
    let Inputs { request, today } = parsed;
    let (station_id, compare, tz, now) = (request.station_id, request.compare, request.tz, request.now);
    let d = dashboard::dashboard(&state.db, &actor, request).await?;
    let light = dashboard::is_light(&actor);
    let stations = if light { Vec::new() } else { station_choices(&state, &actor).await? };
    let place = match station_id {
        Some(id) => stations.iter().find(|s| s.id == id).map_or_else(|| format!("#{id}"), |s| s.name.clone()),
        None if light => pick(lang, "我的案件", "My cases").to_string(),
        None => pick(lang, "全部", "All").to_string(),
    };
    let drill = Drill { from: d.period.from, to: d.period.to, station: station_id };
    let (trend_svg, months) = trend(&d, &drill, lang);
    let mut breakdowns = Vec::new();
    if !d.by_station.is_empty() {
        let title = pick(lang, "按联络站", "By station");
        breakdowns.push(breakdown(
            &d.by_station,
            GroupBy::Station,
            &drill,
            lang,
            title,
            pick(lang, "联络站", "Station"),
        ));
    }
    let title = pick(lang, "按类别", "By category");
    breakdowns.push(breakdown(&d.by_category, GroupBy::Category, &drill, lang, title, pick(lang, "类别", "Category")));
    if !light {
        let title = pick(lang, "按承办单位", "By handling unit");
        breakdowns.push(breakdown(&d.by_unit, GroupBy::Unit, &drill, lang, title, pick(lang, "承办单位", "Unit")));
    }
    let overdue = d
        .overdue
        .items
        .iter()
        .map(|m| {
            let due = m.due_at.with_timezone(&tz);
            OverdueRow {
                id: m.id,
                content: m.content.chars().take(40).collect(),
                due: due.format("%Y-%m-%d %H:%M").to_string(),
                days: (now - m.due_at).num_days(),
            }
        })
        .collect();
    let station_param = station_id.map(|id| format!("&station={id}")).unwrap_or_default();
    let qs = format!("from={}&to={}{station_param}&compare={}", d.period.from, d.period.to, compare.as_str());
    let page = DashboardPage {
        lang,
        nav: Nav::new(&req, &actor, lang),
        light,
        from: if problem.is_some() { query.from.clone().unwrap_or_default() } else { d.period.from.to_string() },
        to: if problem.is_some() { query.to.clone().unwrap_or_default() } else { d.period.to.to_string() },
        shown_from: d.period.from.to_string(),
        shown_to: d.period.to.to_string(),
        before: format!("{} – {}", d.before.from, d.before.to),
        compare: compare.as_str(),
        station: station_id,
        place,
        all_stations: actor.is_admin() || stations.len() > 1,
        stations,
        presets: presets(today, lang)
            .into_iter()
            .map(|(label, period)| {
                (label, format!("/app/dashboard?{period}{station_param}&compare={}", compare.as_str()))
            })
            .collect(),
        rates: rate_cards(&d, &drill, lang),
        counts: counts(&d.current, &drill, lang),
        shares: shares(&d.current, &drill, lang),
        medians: vec![
            (
                pick(lang, "首次响应时长中位数", "Median time to first response"),
                hours(d.current.median_first_response_hours, lang),
            ),
            (pick(lang, "办结时长中位数", "Median time to close"), hours(d.current.median_close_hours, lang)),
        ],
        trend: trend_svg,
        months,
        breakdowns,
        overdue,
        overdue_total: d.overdue.total,
        overdue_href: format!("/app/cases?status=open&overdue=1{station_param}"),
        export_href: format!("/app/dashboard.xlsx?{qs}"),
        problem,
        compare_href: station_id
            .filter(|_| !light)
            .map(|id| format!("/app/stations/{id}/deputies/compare?from={}&to={}", d.period.from, d.period.to)),
    };
    let refused = page.problem.is_some();
    Ok(form_page(page.render()?, refused))
}

/// `/app/dashboard.xlsx`: the same figures as the page, one sheet per part.
pub async fn download(
    state: web::Data<AppState>,
    session: StaffSession,
    query: web::Query<DashboardQuery>,
) -> Result<HttpResponse, PageError> {
    let actor = session.0;
    let Inputs { request, .. } = inputs(&state, &query)?;
    let (station_id, tz, now) = (request.station_id, request.tz, request.now);
    let mut d = dashboard::dashboard(&state.db, &actor, request).await?;
    // The workbook lists every overdue case, not the page's first ten.
    d.overdue = dashboard::all_overdue(&state.db, &actor, station_id, now).await?;
    let place = if station_id.is_none() && dashboard::is_light(&actor) {
        actor.display_name.clone().unwrap_or_else(|| actor.username.clone())
    } else {
        crate::services::insight::stats::place_name(&state.db, station_id).await?
    };
    let (from, to) = (d.period.from, d.period.to);
    let (bytes, place) = download::build(move || {
        crate::services::insight::dashboard_xlsx::workbook(&d, &place, tz, now).map(|b| (b, place))
    })
    .await?;
    let ascii = format!("dashboard-{from}-{to}.xlsx");
    let name = format!("{place}-办理情况-{from}至{to}.xlsx");
    Ok(download::attachment(bytes, download::XLSX, &ascii, &name))
}
