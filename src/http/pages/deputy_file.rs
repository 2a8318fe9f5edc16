//! `/app/deputies/{id}/file`: a deputy's whole file (一人一档) for a period — the numbers of
//! the performance ledger and the latest records behind them.
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::domain::activity::AttendanceStatus;
use crate::domain::case_state::CaseStatus;
use crate::domain::phone::mask_phone;
use crate::domain::rates::Rate;
use crate::domain::reception::{Disposition, Slot};
use crate::domain::role::Role;
use crate::domain::station_books::ContactMode;
use crate::error::AppError;
use crate::http::pages::home::Nav;
use crate::http::pages::reception_roster_view::day_label;
use crate::http::pages::session::StaffSession;
use crate::http::pages::{PageError, html};
use crate::http::shared::i18n::Lang;
use crate::http::shared::input::ledgers::LedgerQuery;
use crate::services::books::ledgers::Period;
use crate::services::insight::{
    performance::{self, FileLine, Window},
    stats::{self, Figures, StatsRequest},
};
use crate::services::organisation::deputies;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/app/deputies/{id}/file").route(web::get().to(show)));
}

struct Line {
    day: String,
    title: String,
    detail: String,
}

struct Figure {
    label: &'static str,
    value: String,
}

#[derive(Template)]
#[template(path = "app/deputy_file.html")]
struct FilePage {
    lang: Lang,
    nav: Nav,
    id: i32,
    name: String,
    level: String,
    station: String,
    post: String,
    phone: Option<String>,
    from: String,
    to: String,
    figures: Vec<Figure>,
    /// The four rates of the deputy's cases beside the station's: (title, deputy, station).
    rates: Vec<(&'static str, String, String)>,
    compare_href: Option<String>,
    sections: Vec<(&'static str, Vec<Line>)>,
}

fn lines(items: Vec<FileLine>, lang: Lang, title: impl Fn(&str) -> String) -> Vec<Line> {
    items.into_iter().map(|l| Line { day: day_label(l.day, lang), title: title(&l.title), detail: l.detail }).collect()
}

fn rate(value: Option<i32>) -> String {
    value.map_or_else(|| "—".into(), |r| format!("{r}%"))
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    id: web::Path<i32>,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, PageError> {
    let actor = session.0;
    let tz = state.settings.time_zone();
    let today = state.clock.now().with_timezone(&tz).date_naive();
    let period = Period::parse(query.from.as_deref(), query.to.as_deref(), today)?;
    let file = performance::file(&state.db, &actor, *id, Window::new(period, tz, today)).await?;
    let show_contact = deputies::can_see_contact(&state.db, &actor, &file.deputy).await?;
    let n = &file.numbers;
    let zh = lang == Lang::Zh;
    let pick = |zh_text: &'static str, en_text: &'static str| if zh { zh_text } else { en_text };
    let figures = vec![
        Figure { label: pick("进站履职（天）", "Days at a station"), value: n.station_days.to_string() },
        Figure { label: pick("接待值班（次）", "Reception duties"), value: n.duties_served.to_string() },
        Figure { label: pick("接待来访（件）", "Visitors received"), value: n.visits_received.to_string() },
        Figure { label: pick("收集意见建议（件）", "Cases collected"), value: n.cases_collected.to_string() },
        Figure { label: pick("已答复（件）", "Replied"), value: n.cases_replied.to_string() },
        Figure { label: pick("已办结（件）", "Closed"), value: n.cases_closed.to_string() },
        Figure { label: pick("答复率", "Reply rate"), value: rate(n.reply_rate()) },
        Figure { label: pick("办结率", "Close rate"), value: rate(n.close_rate()) },
        Figure { label: pick("向选民述职（次）", "Reports to voters"), value: n.reports_given.to_string() },
        Figure { label: pick("联系选民（次）", "Contacts with voters"), value: n.contacts.to_string() },
        Figure {
            label: pick("参加活动（次）", "Activities attended"),
            value: format!("{}/{}", n.activities_attended, n.activities_invited),
        },
        Figure { label: pick("领衔建议（件）", "Suggestions led"), value: n.suggestions_led.to_string() },
        Figure {
            label: pick("附议建议（件）", "Suggestions co-signed"), value: n.suggestions_cosigned.to_string()
        },
    ];
    let status = |code: &str| match code.parse::<CaseStatus>() {
        Ok(s) if zh => s.label_zh().to_string(),
        _ => code.to_string(),
    };
    let cases = file
        .cases
        .into_iter()
        .map(|l| {
            let (state_code, rest) = l.detail.split_once(" · ").unwrap_or((l.detail.as_str(), ""));
            Line {
                day: day_label(l.day, lang),
                title: l.title.clone(),
                detail: format!("{} · {rest}", status(state_code)),
            }
        })
        .collect();
    let slot = |code: &str| match code.parse::<Slot>() {
        Ok(s) if zh => s.label_zh().to_string(),
        Ok(s) => s.label_en().to_string(),
        Err(_) => code.to_string(),
    };
    let disposition = |code: &str| match code.parse::<Disposition>() {
        Ok(d) if zh => d.label_zh().to_string(),
        Ok(d) => d.label_en().to_string(),
        Err(_) => code.to_string(),
    };
    let attendance = |code: &str| match code.parse::<AttendanceStatus>() {
        Ok(s) if zh => s.label_zh().to_string(),
        Ok(s) => s.label_en().to_string(),
        Err(_) => code.to_string(),
    };
    let mode = |code: &str| match code.parse::<ContactMode>() {
        Ok(m) if zh => m.label_zh().to_string(),
        Ok(m) => m.label_en().to_string(),
        Err(_) => code.to_string(),
    };
    let sections = vec![
        (pick("收集的意见建议", "Cases"), cases),
        (pick("接待值班", "Reception duties"), lines(file.duties, lang, slot)),
        (pick("接待来访", "Visitors received"), lines(file.visits, lang, disposition)),
        (pick("向选民述职", "Reports to voters"), lines(file.reports, lang, str::to_string)),
        (pick("参加活动", "Activities"), lines(file.activities, lang, attendance)),
        (pick("提出建议", "Suggestions"), lines(file.suggestions, lang, str::to_string)),
        (pick("联系选民", "Contacts with voters"), lines(file.contacts, lang, mode)),
    ];
    let d = file.deputy;
    let ask = |station_id: Option<i32>, deputy_id: Option<i32>| StatsRequest {
        station_id,
        deputy_id,
        period,
        group_by: None,
        tz,
        now: state.clock.now(),
    };
    let own = stats::totals(&state.db, &actor, &ask(None, Some(d.id))).await?;
    // The station's figures are the yardstick where the reader may see them.
    let station = match stats::totals(&state.db, &actor, &ask(Some(d.station_id), None)).await {
        Ok(figures) => Some(figures),
        Err(AppError::NotFound(_)) => None,
        Err(e) => return Err(PageError::from(e)),
    };
    let shown = |rate: &Rate| match rate.value {
        Some(v) => format!("{v:.1}% ({}/{})", rate.numerator, rate.denominator),
        None => format!("{} (0/0)", pick("暂无数据", "no data")),
    };
    let of = |f: &Figures| [f.reply_rate, f.on_time_rate, f.resolution_rate, f.satisfaction_rate];
    let titles = [
        pick("答复率", "Reply rate"),
        pick("按期办结率", "On-time rate"),
        pick("解决率", "Resolution rate"),
        pick("满意率", "Satisfaction rate"),
    ];
    let rates = titles
        .into_iter()
        .enumerate()
        .map(|(i, title)| {
            let station_text = station.as_ref().map_or_else(|| "—".to_string(), |f| shown(&of(f)[i]));
            (title, shown(&of(&own)[i]), station_text)
        })
        .collect();
    let compare_href = (!actor.is(Role::Deputy))
        .then(|| format!("/app/stations/{}/deputies/compare?from={}&to={}", d.station_id, period.from, period.to));
    let page = FilePage {
        lang,
        nav: Nav::new(&req, &actor, lang),
        id: d.id,
        level: if zh { d.level.label_zh() } else { d.level.label_en() }.to_string(),
        name: d.name,
        station: file.station_name,
        post: [d.employer, d.post].into_iter().flatten().collect::<Vec<_>>().join(" "),
        phone: d.phone.map(|p| if show_contact { p } else { mask_phone(&p) }),
        from: period.from.to_string(),
        to: period.to.to_string(),
        figures,
        rates,
        compare_href,
        sections,
    };
    Ok(html(page.render()?))
}
