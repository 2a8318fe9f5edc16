//! `/s/{station_token}/stats`: a station's public report (四公开) — its figures for a year,
//! each rate beside what it was computed from, month by month, and its disclosed cases.
//! No account; nothing personal. The same data as `GET /api/v1/public/stations/{token}/stats`.
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::domain::page::PageRequest;
use crate::domain::rates::Rate;
use crate::http::pages::charts::{self, TrendLegend, TrendPoint};
use crate::http::pages::resident::track::status_label;
use crate::http::pages::resident::{Prefs, local_date};
use crate::http::pages::{PageError, html};
use crate::http::shared::i18n::Lang;
use crate::http::shared::input::public_report::ReportQuery;
use crate::services::context::Ctx;
use crate::services::insight::public_report::{self, Found};
use crate::services::insight::{public_report::Report, stats::Figures};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/s/{station_token}/stats").route(web::get().to(show)));
}

fn say(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    }
}

/// A rate as read: its value, or "no data" (never 0 % or 100 % without a denominator).
fn rate_value(rate: &Rate, lang: Lang) -> String {
    match rate.value {
        Some(value) => format!("{value:.1}%"),
        None => say(lang, "暂无数据", "no data"),
    }
}

pub struct RateLine {
    pub label: String,
    pub value: String,
    pub no_data: bool,
    /// "4 ÷ 5 (replied ÷ accepted)".
    pub basis: String,
}

fn rate_line(lang: Lang, label: String, rate: &Rate, numerator: (&str, &str), denominator: (&str, &str)) -> RateLine {
    let (n, d) = match lang {
        Lang::Zh => (numerator.0, denominator.0),
        Lang::En => (numerator.1, denominator.1),
    };
    RateLine {
        label,
        value: rate_value(rate, lang),
        no_data: rate.value.is_none(),
        basis: match lang {
            Lang::Zh => format!("{} ÷ {}（{n} ÷ {d}）", rate.numerator, rate.denominator),
            Lang::En => format!("{} ÷ {} ({n} ÷ {d})", rate.numerator, rate.denominator),
        },
    }
}

fn rates(f: &Figures, lang: Lang) -> Vec<RateLine> {
    vec![
        rate_line(
            lang,
            say(lang, "答复率", "Reply rate"),
            &f.reply_rate,
            ("已答复", "replied"),
            ("已受理", "accepted"),
        ),
        rate_line(
            lang,
            say(lang, "按期办结率", "On-time rate"),
            &f.on_time_rate,
            ("按期办结", "closed on time"),
            ("已办结", "closed"),
        ),
        rate_line(
            lang,
            say(lang, "解决率", "Resolution rate"),
            &f.resolution_rate,
            ("已解决", "solved"),
            ("已评价", "rated"),
        ),
        rate_line(
            lang,
            say(lang, "满意率", "Satisfaction rate"),
            &f.satisfaction_rate,
            ("满意和基本满意", "satisfied or basically"),
            ("已评价", "rated"),
        ),
    ]
}

fn shares(f: &Figures, lang: Lang) -> Vec<RateLine> {
    let s = &f.satisfaction_shares;
    let rated = ("已评价", "rated");
    vec![
        rate_line(lang, say(lang, "满意", "Satisfied"), &s.satisfied, ("满意", "satisfied"), rated),
        rate_line(
            lang,
            say(lang, "基本满意", "Basically satisfied"),
            &s.basically_satisfied,
            ("基本满意", "basically satisfied"),
            rated,
        ),
        rate_line(lang, say(lang, "不满意", "Dissatisfied"), &s.dissatisfied, ("不满意", "dissatisfied"), rated),
    ]
}

fn hours(value: Option<f64>, lang: Lang) -> String {
    match value {
        None => say(lang, "暂无数据", "no data"),
        Some(h) if h >= 48.0 => match lang {
            Lang::Zh => format!("{h:.1} 小时（约 {:.1} 天）", h / 24.0),
            Lang::En => format!("{h:.1} hours (about {:.1} days)", h / 24.0),
        },
        Some(h) => match lang {
            Lang::Zh => format!("{h:.1} 小时"),
            Lang::En => format!("{h:.1} hours"),
        },
    }
}

pub struct MonthRow {
    pub month: String,
    pub received: i64,
    pub replied: i64,
    pub closed: i64,
    pub reply_rate: String,
    pub on_time_rate: String,
    pub satisfaction_rate: String,
}

pub struct Note {
    pub at: String,
    pub text: String,
}

pub struct CaseRow {
    pub received: String,
    pub category: Option<String>,
    pub location: Option<String>,
    pub content: String,
    pub status: String,
    pub status_class: &'static str,
    pub due: String,
    pub progress: Vec<Note>,
    pub reply: Option<String>,
    pub replied_at: Option<String>,
}

#[derive(Template)]
#[template(path = "resident/report.html")]
struct ReportPage {
    lang: Lang,
    prefs: Prefs,
    token: String,
    station: String,
    year: i32,
    period: String,
    /// (year, the one shown)
    years: Vec<(i32, bool)>,
    received: i64,
    accepted: i64,
    rates: Vec<RateLine>,
    shares: Vec<RateLine>,
    first_response: String,
    close: String,
    months: Vec<MonthRow>,
    /// The months as a chart drawn here (SVG, no links).
    trend: String,
    cases: Vec<CaseRow>,
    disclosed_total: u64,
    page: u64,
    has_prev: bool,
    has_next: bool,
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: Ctx,
    lang: Lang,
    token: web::Path<String>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, PageError> {
    let Found { station, year, report } =
        public_report::find(&ctx, &token, query.year.as_deref(), PageRequest::new(query.page, None)).await?;
    let Report { stats, years, disclosed } = report;
    let f = &stats.totals;
    let page = disclosed.request;
    let points: Vec<TrendPoint> = stats
        .groups
        .iter()
        .map(|g| {
            let month = g.label.rsplit('-').next().and_then(|m| m.parse::<u32>().ok()).unwrap_or(0);
            TrendPoint {
                label: if lang == Lang::Zh { format!("{month}月") } else { g.label.clone() },
                count: g.figures.received,
                first: g.figures.reply_rate.value,
                second: g.figures.satisfaction_rate.value,
                href: String::new(),
                title: format!("{}: {}", g.label, g.figures.received),
            }
        })
        .collect();
    let zh = lang == Lang::Zh;
    let trend = charts::trend(
        &points,
        &TrendLegend {
            title: if zh { "逐月情况" } else { "Month by month" },
            bars: if zh { "收到件数" } else { "Received" },
            first: if zh { "答复率" } else { "Reply rate" },
            second: if zh { "满意率" } else { "Satisfaction" },
        },
    );
    let view = ReportPage {
        lang,
        prefs: Prefs::of(&req, lang),
        token: station.public_token.clone(),
        station: station.name,
        year,
        period: format!("{} – {}", stats.from, stats.to),
        years: years.into_iter().map(|y| (y, y == year)).collect(),
        received: f.received,
        accepted: f.accepted,
        rates: rates(f, lang),
        shares: shares(f, lang),
        first_response: hours(f.median_first_response_hours, lang),
        close: hours(f.median_close_hours, lang),
        months: stats
            .groups
            .iter()
            .map(|g| MonthRow {
                month: g.label.clone(),
                received: g.figures.received,
                replied: g.figures.replied,
                closed: g.figures.closed,
                reply_rate: rate_value(&g.figures.reply_rate, lang),
                on_time_rate: rate_value(&g.figures.on_time_rate, lang),
                satisfaction_rate: rate_value(&g.figures.satisfaction_rate, lang),
            })
            .collect(),
        trend,
        cases: disclosed
            .items
            .into_iter()
            .map(|c| CaseRow {
                received: local_date(&state, c.received_at),
                category: c.category,
                location: c.location,
                content: c.content,
                status: status_label(c.status, lang).to_string(),
                status_class: c.status.as_str(),
                due: local_date(&state, c.due_at),
                progress: c.progress.into_iter().map(|n| Note { at: local_date(&state, n.at), text: n.note }).collect(),
                reply: c.reply,
                replied_at: c.replied_at.map(|at| local_date(&state, at)),
            })
            .collect(),
        disclosed_total: disclosed.total,
        page: page.page,
        has_prev: page.page > 1,
        has_next: page.offset() + page.per_page < disclosed.total,
    };
    Ok(html(view.render()?))
}
