//! 联络站“十有”建设情况: one row per station in scope (in name order) with each of the ten
//! items as 有 (with the evidence date) or 缺, and the completeness score. The checklist as it
//! stands: not tied to a period.
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::{Cell, CellKind, Column, Row, col};
use crate::entities::station;
use crate::error::AppResult;
use crate::services::books::ten_haves::{items_of, records_of, score_of};
use crate::services::organisation::actor::StationScope;

pub const COLUMNS: &[Column] = &[
    col("station", "联络站", CellKind::Text, 22.0),
    col("kind", "类型", CellKind::Text, 8.0),
    col("place", "有场所", CellKind::Text, 12.0),
    col("sign", "有牌子", CellKind::Text, 12.0),
    col("equipment", "有设备", CellKind::Text, 12.0),
    col("staff", "有人员", CellKind::Text, 12.0),
    col("rules", "有制度", CellKind::Text, 12.0),
    col("plan", "有计划", CellKind::Text, 12.0),
    col("activities", "有活动", CellKind::Text, 12.0),
    col("ledgers", "有台账", CellKind::Text, 12.0),
    col("archives", "有档案", CellKind::Text, 12.0),
    col("cases", "有案例", CellKind::Text, 12.0),
    col("score", "完成度", CellKind::Percent, 8.0),
];

/// Stations are few (hundreds in a district): read in one go.
pub struct TenHaveRows {
    db: DatabaseConnection,
    stations: Option<Vec<i32>>,
    done: bool,
}

impl TenHaveRows {
    pub fn new(db: DatabaseConnection, scope: &StationScope) -> TenHaveRows {
        TenHaveRows { db, stations: scope.ids(), done: false }
    }

    #[tracing::instrument(skip_all)]
    pub async fn next_batch(&mut self) -> AppResult<Option<Vec<Row>>> {
        if self.done {
            return Ok(None);
        }
        self.done = true;
        let mut select = station::Entity::find().filter(station::Column::Active.eq(true));
        if let Some(ids) = &self.stations {
            select = select.filter(station::Column::Id.is_in(ids.clone()));
        }
        let stations = select.order_by_asc(station::Column::Id).all(&self.db).await?;
        if stations.is_empty() {
            return Ok(None);
        }
        let ids: Vec<i32> = stations.iter().map(|s| s.id).collect();
        let mut recorded = records_of(&self.db, &ids).await?;
        let rows = stations
            .iter()
            .map(|s| {
                let items = recorded.remove(&s.id).unwrap_or_default();
                let mut row = vec![Cell::text(s.name.clone()), Cell::text(s.kind.label_zh())];
                for (_, record) in items_of(&items) {
                    row.push(match record {
                        Some(r) if r.present => match r.evidence_on {
                            Some(day) => Cell::text(format!("有（{}）", day.format("%Y-%m-%d"))),
                            None => Cell::text("有"),
                        },
                        _ => Cell::text("缺"),
                    });
                }
                row.push(Cell::Percent(score_of(&items)));
                row
            })
            .collect();
        Ok(Some(rows))
    }
}
