//! 代表述职登记簿: one row per report to voters in the period, in date order.
use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::{Cell, CellKind, Column, Keyset, Period, Row, col, names, of_stations};
use crate::domain::station_books::Vote;
use crate::entities::{deputy, deputy_report, station};
use crate::error::AppResult;
use crate::services::organisation::actor::StationScope;

pub const COLUMNS: &[Column] = &[
    col("reported_on", "述职日期", CellKind::Date, 12.0),
    col("place", "述职地点", CellKind::Text, 20.0),
    col("station", "联络站", CellKind::Text, 20.0),
    col("deputy", "述职代表", CellKind::Text, 10.0),
    col("form", "述职形式", CellKind::Text, 10.0),
    col("voters_present", "参加选民人数", CellKind::Integer, 10.0),
    col("summary", "述职内容摘要", CellKind::Text, 50.0),
    col("comments", "选民意见", CellKind::Text, 40.0),
    col("votes_satisfied", "满意票", CellKind::Integer, 8.0),
    col("votes_basically_satisfied", "基本满意票", CellKind::Integer, 10.0),
    col("votes_dissatisfied", "不满意票", CellKind::Integer, 9.0),
    col("satisfaction_rate", "满意率", CellKind::Percent, 8.0),
    col("published", "是否公开", CellKind::Text, 8.0),
];

pub struct ReportRows {
    db: DatabaseConnection,
    stations: Option<Vec<i32>>,
    period: Period,
    station_names: HashMap<i32, String>,
    deputy_names: HashMap<i32, String>,
    read: Keyset<NaiveDate>,
}

impl ReportRows {
    #[tracing::instrument(skip_all)]
    pub async fn new(db: DatabaseConnection, scope: &StationScope, period: Period) -> AppResult<ReportRows> {
        let station_names = names::<station::Entity>(&db, station::Column::Id, station::Column::Name).await?;
        let deputy_names = names::<deputy::Entity>(&db, deputy::Column::Id, deputy::Column::Name).await?;
        Ok(ReportRows { db, stations: scope.ids(), period, station_names, deputy_names, read: Keyset::default() })
    }

    #[tracing::instrument(skip_all)]
    pub async fn next_batch(&mut self) -> AppResult<Option<Vec<Row>>> {
        let select = deputy_report::Entity::find()
            .filter(deputy_report::Column::ReportedOn.between(self.period.from, self.period.to));
        let select = of_stations(select, deputy_report::Column::StationId, self.stations.as_deref());
        let position = |r: &deputy_report::Model| (r.reported_on, r.id);
        let Some(batch) = self
            .read
            .next(&self.db, select, (deputy_report::Column::ReportedOn, deputy_report::Column::Id), position)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(batch.iter().map(|r| self.row(r)).collect()))
    }

    fn row(&self, r: &deputy_report::Model) -> Row {
        let vote = Vote {
            satisfied: r.votes_satisfied,
            basically_satisfied: r.votes_basically_satisfied,
            dissatisfied: r.votes_dissatisfied,
        };
        vec![
            Cell::Date(r.reported_on),
            Cell::text(r.place.clone()),
            Cell::opt_text(self.station_names.get(&r.station_id).cloned()),
            Cell::opt_text(self.deputy_names.get(&r.deputy_id).cloned()),
            Cell::text(r.form.label_zh()),
            Cell::Integer(i64::from(r.voters_present)),
            Cell::text(r.summary.clone()),
            Cell::opt_text(r.comments.clone()),
            Cell::Integer(i64::from(r.votes_satisfied)),
            Cell::Integer(i64::from(r.votes_basically_satisfied)),
            Cell::Integer(i64::from(r.votes_dissatisfied)),
            vote.satisfaction_rate().map_or(Cell::Empty, Cell::Percent),
            Cell::text(if r.published { "已公开" } else { "未公开" }),
        ]
    }
}
