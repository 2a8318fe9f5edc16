//! The deputies of a station side by side (一人一档, compared): each one's performance numbers
//! from the books next to the rates of the cases they collected, with the station's own
//! figures as the yardstick. The rates come from `services::stats`, so each equals the
//! dashboard's and the API's for that deputy.
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::rates::Rate;
use crate::domain::role::Role;
use crate::entities::{deputy, station};
use crate::error::{AppError, AppResult};
use crate::services::books::ledgers::Period;
use crate::services::insight::{
    performance::{self, Performance, Window},
    stats::{self, Figures, GroupBy, StatsRequest},
};
use crate::services::organisation::actor::{Actor, with_descendants};
use crate::services::support::file::{self, FileDownload};
use crate::services::support::xlsx::{self, Book, PageHeader, formats};

pub struct ComparisonRow {
    pub deputy: deputy::Model,
    pub performance: Performance,
    pub figures: Figures,
}

pub struct Comparison {
    pub station: station::Model,
    pub period: Period,
    /// Active deputies of the station (with its points and grids), and former ones who
    /// collected cases in the period.
    pub rows: Vec<ComparisonRow>,
    /// The whole station's figures, deputies' cases or not.
    pub station_figures: Figures,
}

/// Managers, administrators and viewers of the station; 404 for a station out of reach.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, station_id = station_id))]
pub async fn compare(
    db: &impl ConnectionTrait,
    actor: &Actor,
    station_id: i32,
    period: Period,
    tz: chrono_tz::Tz,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Comparison> {
    actor.require(&[Role::Admin, Role::Manager, Role::Viewer])?;
    if !actor.readable_stations(db).await?.contains(station_id) {
        return Err(AppError::NotFound("station"));
    }
    let station = station::Entity::find_by_id(station_id).one(db).await?.ok_or(AppError::NotFound("station"))?;
    let request = StatsRequest { station_id: Some(station_id), deputy_id: None, period, group_by: None, tz, now };
    let station_figures = stats::totals(db, actor, &request).await?;
    let by_deputy: HashMap<i32, Figures> = stats::groups(db, actor, &request, GroupBy::Deputy)
        .await?
        .into_iter()
        .filter_map(|g| Some((g.key.parse().ok()?, g.figures)))
        .collect();
    let mut select = deputy::Entity::find().order_by_asc(deputy::Column::Name).order_by_asc(deputy::Column::Id);
    if let Some(ids) = with_descendants(db, &[station_id]).await?.ids() {
        select = select.filter(deputy::Column::StationId.is_in(ids));
    }
    let deputies: Vec<deputy::Model> =
        select.all(db).await?.into_iter().filter(|d| d.active || by_deputy.contains_key(&d.id)).collect();
    let ids: Vec<i32> = deputies.iter().map(|d| d.id).collect();
    let today = now.with_timezone(&tz).date_naive();
    let mut numbers = performance::of_deputies(db, &ids, Window::new(period, tz, today)).await?;
    let rows = deputies
        .into_iter()
        .map(|d| ComparisonRow {
            performance: numbers.remove(&d.id).unwrap_or_default(),
            figures: by_deputy.get(&d.id).cloned().unwrap_or_else(Figures::empty),
            deputy: d,
        })
        .collect();
    Ok(Comparison { station, period, rows, station_figures })
}

/// The rates a comparison shows, each with the figure counted in its numerator.
fn rates(f: &Figures) -> [Rate; 4] {
    [f.reply_rate, f.on_time_rate, f.resolution_rate, f.satisfaction_rate]
}

const RATE_HEADINGS: [&str; 4] = ["答复率", "按期办结率", "解决率", "满意率"];
const NUMBER_HEADINGS: [&str; 9] =
    ["进站天数", "接待值班", "接待来访", "述职", "联系选民", "受邀活动", "参加活动", "领衔建议", "附议建议"];

/// The comparison as a workbook: one row per deputy and one for the whole station, each rate
/// beside its numerator and denominator.
#[tracing::instrument(skip_all)]
pub async fn workbook(c: Comparison) -> AppResult<FileDownload> {
    let (from, to) = (c.period.from, c.period.to);
    let name = c.station.name.clone();
    let bytes = file::blocking(move || write(&c)).await?;
    Ok(FileDownload {
        bytes,
        content_type: file::XLSX,
        name: format!("{name}-代表履职对比-{from}至{to}.xlsx"),
        ascii_name: format!("deputies-{from}-{to}.xlsx"),
    })
}

fn write(c: &Comparison) -> AppResult<Vec<u8>> {
    let mut book = Book::new();
    let mut sheet = book.sheet("代表履职对比")?;
    let period = xlsx::period(c.period.from, c.period.to);
    sheet.printed(PageHeader { place: &c.station.name, title: "代表履职对比", right: &period });
    sheet.freeze(1, 1)?;
    let mut headings = vec!["代表".to_string(), "收集意见建议".to_string()];
    for rate in RATE_HEADINGS {
        headings.extend([rate.to_string(), format!("{rate}分子"), format!("{rate}分母")]);
    }
    headings.extend(NUMBER_HEADINGS.map(str::to_string));
    let widths: Vec<(String, f64)> =
        headings.into_iter().enumerate().map(|(i, h)| (h, if i == 0 { 14.0 } else { 9.0 })).collect();
    sheet.columns(0, &widths)?;
    let percent = formats::percent();
    let lines = c
        .rows
        .iter()
        .map(|r| (r.deputy.name.as_str(), &r.figures, Some(&r.performance)))
        .chain(std::iter::once(("全站", &c.station_figures, None)));
    for (i, (name, figures, performance)) in lines.enumerate() {
        let row = i + 1;
        sheet.text(row, 0, name)?;
        sheet.count(row, 1, figures.received)?;
        let mut col = 2;
        for rate in rates(figures) {
            if let Some(x) = rate.fraction() {
                sheet.number_as(row, col, x, &percent)?;
            }
            sheet.count(row, col + 1, rate.numerator)?;
            sheet.count(row, col + 2, rate.denominator)?;
            col += 3;
        }
        if let Some(p) = performance {
            for n in [
                p.station_days,
                p.duties_served,
                p.visits_received,
                p.reports_given,
                p.contacts,
                p.activities_invited,
                p.activities_attended,
                p.suggestions_led,
                p.suggestions_cosigned,
            ] {
                sheet.count(row, col, n)?;
                col += 1;
            }
        }
    }
    book.to_bytes()
}
