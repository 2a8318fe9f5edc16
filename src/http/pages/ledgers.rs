//! `/app/ledgers`: the books of the stations in scope with a period picker and download
//! links; `/app/stations/{id}/ledgers/{ledger}/print`: one book as an A4 page to print or
//! save as PDF; `…/download`: the same CSV and XLSX as the API, for a signed-in browser.
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::role::Role;
use crate::entities::station;
use crate::error::AppError;
use crate::http::pages::home::Nav;
use crate::http::pages::session::StaffSession;
use crate::http::pages::{PageError, html};
use crate::http::shared::client::ClientInfo;
use crate::http::shared::i18n::Lang;
use crate::http::shared::input::ledgers::LedgerQuery;
use crate::http::shared::ledger_response;
use crate::services::books::ledgers::request::{self, LedgerAsk};
use crate::services::books::ledgers::{
    CellKind, LedgerCode, Period,
    render::{self, Format},
};
use crate::state::AppState;

/// The print view shows at most this many rows; larger books are for the spreadsheet.
const PRINT_LIMIT: usize = 5_000;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/app/ledgers").route(web::get().to(index)))
        .service(web::resource("/app/stations/{id}/ledgers/{ledger}/print").route(web::get().to(print)))
        .service(web::resource("/app/stations/{id}/ledgers/{ledger}/download").route(web::get().to(download)));
}

struct LedgerLink {
    code: &'static str,
    title: &'static str,
}

struct StationRow {
    id: i32,
    name: String,
}

#[derive(Template)]
#[template(path = "app/ledgers.html")]
struct LedgersPage {
    lang: Lang,
    nav: Nav,
    from: String,
    to: String,
    ledgers: Vec<LedgerLink>,
    stations: Vec<StationRow>,
}

fn period_or_default(state: &AppState, query: &LedgerQuery) -> Result<Period, AppError> {
    let tz = state.settings.time_zone();
    let today = state.clock.now().with_timezone(&tz).date_naive();
    Period::parse(query.from.as_deref(), query.to.as_deref(), today)
}

pub async fn index(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, PageError> {
    let actor = session.0;
    actor.require(&[Role::Admin, Role::Manager, Role::Viewer])?;
    let period = period_or_default(&state, &query)?;
    let scope = match actor.role {
        Role::Manager => actor.managed_stations(&state.db).await,
        _ => actor.readable_stations(&state.db).await,
    }?;
    let mut select = station::Entity::find().order_by_asc(station::Column::Id);
    if let Some(ids) = scope.ids() {
        select = select.filter(station::Column::Id.is_in(ids));
    }
    let stations = select.all(&state.db).await?.into_iter().map(|s| StationRow { id: s.id, name: s.name }).collect();
    let ledgers = LedgerCode::ALL
        .iter()
        .map(|code| LedgerLink {
            code: code.as_str(),
            title: match lang {
                Lang::Zh => code.title_zh(),
                Lang::En => code.title_en(),
            },
        })
        .collect();
    let page = LedgersPage {
        lang,
        nav: Nav::new(&req, &actor, lang),
        from: period.from.to_string(),
        to: period.to.to_string(),
        ledgers,
        stations,
    };
    Ok(html(page.render()?))
}

#[derive(Template)]
#[template(path = "app/ledger_print.html")]
struct PrintPage {
    lang: Lang,
    station: String,
    title: String,
    period: String,
    headers: Vec<String>,
    /// Each column's share of the page width (%), from the book's column widths, so long
    /// texts get room and short codes don't wrap (a `<col width>` attribute: no inline style).
    widths: Vec<String>,
    rows: Vec<Vec<String>>,
    truncated: bool,
    limit: usize,
    masked: bool,
    printed_on: String,
}

/// The share of the page (after the 3 % of the row number) of each column, in percent: in
/// proportion to the book's widths, but never so narrow that a date or a number breaks.
fn column_shares(columns: &[(f64, CellKind)]) -> Vec<String> {
    const PAGE: f64 = 97.0;
    let least = |kind: CellKind| match kind {
        CellKind::Date => 6.3,
        CellKind::DateTime => 9.0,
        CellKind::Integer | CellKind::Percent | CellKind::Text => 3.0,
    };
    let total: f64 = columns.iter().map(|(w, _)| w).sum();
    if total <= 0.0 {
        return columns.iter().map(|_| "0.0%".to_string()).collect();
    }
    let raw: Vec<f64> = columns.iter().map(|(w, kind)| (w / total * PAGE).max(least(*kind))).collect();
    // Take what the minimums added from the columns that are wider than theirs.
    let excess = raw.iter().sum::<f64>() - PAGE;
    let flexible: f64 = raw.iter().zip(columns).map(|(r, (_, kind))| r - least(*kind)).sum();
    raw.iter()
        .zip(columns)
        .map(|(r, (_, kind))| {
            let give = if excess > 0.0 && flexible > 0.0 { (r - least(*kind)) / flexible * excess } else { 0.0 };
            format!("{:.1}%", r - give)
        })
        .collect()
}

fn period_label(code: LedgerCode, period: Period) -> String {
    let day = |d: NaiveDate| format!("{}年{}月{}日", d.year(), d.month(), d.day());
    if code.uses_period() {
        format!("{} 至 {}", day(period.from), day(period.to))
    } else {
        format!("截至 {}", day(period.to))
    }
}

pub async fn print(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    path: web::Path<(i32, String)>,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, PageError> {
    let actor = session.0;
    let (id, code) = path.into_inner();
    let client = ClientInfo::of(&req);
    let ask = LedgerAsk {
        code: &code,
        station_id: Some(id),
        from: query.from.as_deref(),
        to: query.to.as_deref(),
        format: "print",
        ip: Some(&client.ip),
    };
    let mut ledger = request::open_asked(&state.ctx(), &actor, ask).await?;
    let (rows, truncated) = render::collect(&mut ledger, PRINT_LIMIT).await?;
    let tz = state.settings.time_zone();
    let page = PrintPage {
        lang,
        station: ledger.scope.station.as_ref().map_or_else(String::new, |s| s.name.clone()),
        title: ledger.title.to_string(),
        period: period_label(ledger.code, ledger.period),
        headers: ledger.columns.iter().map(|c| c.title.to_string()).collect(),
        widths: column_shares(&ledger.columns.iter().map(|c| (c.width, c.kind)).collect::<Vec<_>>()),
        rows: rows.iter().map(|row| row.iter().map(|cell| cell.display()).collect()).collect(),
        truncated,
        limit: PRINT_LIMIT,
        masked: ledger.masked,
        printed_on: state.clock.now().with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
    };
    Ok(html(page.render()?))
}

pub async fn download(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: StaffSession,
    path: web::Path<(i32, String)>,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, PageError> {
    let actor = session.0;
    let (id, code) = path.into_inner();
    let client = ClientInfo::of(&req);
    let format = match Format::parse(query.format.as_deref())? {
        Format::Json => Format::Csv,
        other => other,
    };
    let ask = LedgerAsk {
        code: &code,
        station_id: Some(id),
        from: query.from.as_deref(),
        to: query.to.as_deref(),
        format: format.as_str(),
        ip: Some(&client.ip),
    };
    let ledger = request::open_asked(&state.ctx(), &actor, ask).await?;
    Ok(ledger_response::respond(ledger, format, state.settings.data_dir.join("tmp")).await?)
}

#[cfg(test)]
mod tests {
    use super::column_shares;
    use crate::services::books::ledgers::CellKind;

    #[test]
    fn columns_share_the_page_by_their_widths() {
        let text = |w: f64| (w, CellKind::Text);
        assert_eq!(column_shares(&[text(10.0), text(30.0), text(57.0)]), vec!["10.0%", "30.0%", "57.0%"]);
        assert_eq!(column_shares(&[text(0.0)]), vec!["0.0%"]);
    }

    #[test]
    fn a_date_keeps_its_room_among_many_columns() {
        let mut columns = vec![(12.0, CellKind::Date)];
        columns.extend(std::iter::repeat_n((40.0, CellKind::Text), 20));
        let shares: Vec<f64> =
            column_shares(&columns).iter().map(|s| s.trim_end_matches('%').parse().unwrap()).collect();
        assert_eq!(shares[0], 6.3);
        assert!((shares.iter().sum::<f64>() - 97.0).abs() < 1.0, "{shares:?}");
    }
}
