//! 履职情况登记簿 (一人一档): one row per deputy of the stations in scope with what they did in
//! the period, derived from the records (see `services::performance`).
use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::DatabaseConnection;

use super::{Cell, CellKind, Column, Keyset, Period, Row, col, names, next_deputies};
use crate::entities::{deputy, station};
use crate::error::AppResult;
use crate::services::insight::performance::{self, Performance, Window};
use crate::services::organisation::actor::StationScope;

pub const COLUMNS: &[Column] = &[
    col("deputy", "代表姓名", CellKind::Text, 10.0),
    col("level", "代表层级", CellKind::Text, 18.0),
    col("station", "所在联络站", CellKind::Text, 22.0),
    col("station_days", "进站履职（天）", CellKind::Integer, 12.0),
    col("duties_served", "接待值班（次）", CellKind::Integer, 12.0),
    col("visits_received", "接待来访（件）", CellKind::Integer, 12.0),
    col("cases_collected", "收集意见建议（件）", CellKind::Integer, 14.0),
    col("cases_replied", "已答复（件）", CellKind::Integer, 11.0),
    col("cases_closed", "已办结（件）", CellKind::Integer, 11.0),
    col("reply_rate", "答复率", CellKind::Percent, 8.0),
    col("close_rate", "办结率", CellKind::Percent, 8.0),
    col("reports_given", "向选民述职（次）", CellKind::Integer, 13.0),
    col("contacts", "联系选民（次）", CellKind::Integer, 12.0),
    col("activities_invited", "应参加活动（次）", CellKind::Integer, 13.0),
    col("activities_attended", "参加活动（次）", CellKind::Integer, 12.0),
    col("suggestions_led", "领衔建议（件）", CellKind::Integer, 12.0),
    col("suggestions_cosigned", "附议建议（件）", CellKind::Integer, 12.0),
];

pub struct PerformanceRows {
    db: DatabaseConnection,
    stations: Option<Vec<i32>>,
    window: Window,
    station_names: HashMap<i32, String>,
    read: Keyset<i32>,
}

impl PerformanceRows {
    #[tracing::instrument(skip_all)]
    pub async fn new(
        db: DatabaseConnection,
        scope: &StationScope,
        period: Period,
        tz: chrono_tz::Tz,
        today: NaiveDate,
    ) -> AppResult<PerformanceRows> {
        let station_names = names::<station::Entity>(&db, station::Column::Id, station::Column::Name).await?;
        let window = Window::new(period, tz, today);
        Ok(PerformanceRows { db, stations: scope.ids(), window, station_names, read: Keyset::default() })
    }

    #[tracing::instrument(skip_all)]
    pub async fn next_batch(&mut self) -> AppResult<Option<Vec<Row>>> {
        let Some(batch) = next_deputies(&self.db, self.stations.as_deref(), &mut self.read).await? else {
            return Ok(None);
        };
        let ids: Vec<i32> = batch.iter().map(|d| d.id).collect();
        let numbers = performance::of_deputies(&self.db, &ids, self.window).await?;
        let none = Performance::default();
        Ok(Some(batch.iter().map(|d| self.row(d, numbers.get(&d.id).unwrap_or(&none))).collect()))
    }

    fn row(&self, d: &deputy::Model, p: &Performance) -> Row {
        vec![
            Cell::text(d.name.clone()),
            Cell::text(d.level.label_zh()),
            Cell::opt_text(self.station_names.get(&d.station_id).cloned()),
            Cell::Integer(p.station_days),
            Cell::Integer(p.duties_served),
            Cell::Integer(p.visits_received),
            Cell::Integer(p.cases_collected),
            Cell::Integer(p.cases_replied),
            Cell::Integer(p.cases_closed),
            p.reply_rate().map_or(Cell::Empty, Cell::Percent),
            p.close_rate().map_or(Cell::Empty, Cell::Percent),
            Cell::Integer(p.reports_given),
            Cell::Integer(p.contacts),
            Cell::Integer(p.activities_invited),
            Cell::Integer(p.activities_attended),
            Cell::Integer(p.suggestions_led),
            Cell::Integer(p.suggestions_cosigned),
        ]
    }
}
