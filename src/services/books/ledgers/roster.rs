//! 五级人大代表花名册: the deputies of the stations in scope, as the register stands.
use std::collections::HashMap;

use sea_orm::{DatabaseConnection, EntityTrait, QuerySelect};

use super::{Cell, CellKind, Column, Keyset, Row, col, next_deputies};
use crate::domain::phone::mask_phone;
use crate::entities::{deputy, station};
use crate::error::AppResult;
use crate::services::organisation::actor::StationScope;

pub const COLUMNS: &[Column] = &[
    col("name", "姓名", CellKind::Text, 10.0),
    col("gender", "性别", CellKind::Text, 6.0),
    col("ethnicity", "民族", CellKind::Text, 8.0),
    col("birth_month", "出生年月", CellKind::Text, 10.0),
    col("party", "政治面貌", CellKind::Text, 12.0),
    col("education", "文化程度", CellKind::Text, 10.0),
    col("occupation", "职业", CellKind::Text, 12.0),
    col("employer_post", "工作单位及职务", CellKind::Text, 30.0),
    col("level", "代表层级", CellKind::Text, 18.0),
    col("term", "届次", CellKind::Text, 10.0),
    col("card_number", "代表证号", CellKind::Text, 12.0),
    col("constituency", "选区", CellKind::Text, 16.0),
    col("station", "所在联络站（点、网格）", CellKind::Text, 30.0),
    col("phone", "联系电话", CellKind::Text, 14.0),
    col("address", "通讯地址", CellKind::Text, 30.0),
];

pub struct RosterRows {
    db: DatabaseConnection,
    stations: Option<Vec<i32>>,
    /// Each station's name with its parents: 城关联络站 / 东门联络点.
    paths: HashMap<i32, String>,
    masked: bool,
    read: Keyset<i32>,
}

impl RosterRows {
    #[tracing::instrument(skip_all)]
    pub async fn new(db: DatabaseConnection, scope: &StationScope, masked: bool) -> AppResult<RosterRows> {
        let all: Vec<(i32, Option<i32>, String)> = station::Entity::find()
            .select_only()
            .column(station::Column::Id)
            .column(station::Column::ParentId)
            .column(station::Column::Name)
            .into_tuple()
            .all(&db)
            .await?;
        let by_id: HashMap<i32, (Option<i32>, String)> =
            all.iter().map(|(id, parent, name)| (*id, (*parent, name.clone()))).collect();
        let paths = all
            .iter()
            .map(|(id, _, _)| {
                let mut names = Vec::new();
                let mut current = Some(*id);
                // The hierarchy is at most three deep; the bound guards against a cycle.
                for _ in 0..8 {
                    let Some((parent, name)) = current.and_then(|c| by_id.get(&c)) else { break };
                    names.push(name.clone());
                    current = *parent;
                }
                names.reverse();
                (*id, names.join(" / "))
            })
            .collect();
        Ok(RosterRows { db, stations: scope.ids(), paths, masked, read: Keyset::default() })
    }

    #[tracing::instrument(skip_all)]
    pub async fn next_batch(&mut self) -> AppResult<Option<Vec<Row>>> {
        let Some(batch) = next_deputies(&self.db, self.stations.as_deref(), &mut self.read).await? else {
            return Ok(None);
        };
        Ok(Some(batch.iter().map(|d| self.row(d)).collect()))
    }

    fn row(&self, d: &deputy::Model) -> Row {
        let employer_post = match (d.employer.as_deref(), d.post.as_deref()) {
            (Some(e), Some(p)) => Some(format!("{e}{p}")),
            (Some(e), None) => Some(e.to_string()),
            (None, Some(p)) => Some(p.to_string()),
            (None, None) => None,
        };
        let phone = d.phone.as_deref().map(|p| if self.masked { mask_phone(p) } else { p.to_string() });
        vec![
            Cell::text(d.name.clone()),
            Cell::opt_text(d.gender.clone()),
            Cell::opt_text(d.ethnicity.clone()),
            Cell::opt_text(d.birth_month.clone()),
            Cell::opt_text(d.party.clone()),
            Cell::opt_text(d.education.clone()),
            Cell::opt_text(d.occupation.clone()),
            Cell::opt_text(employer_post),
            Cell::text(d.level.label_zh()),
            Cell::opt_text(d.term.clone()),
            Cell::opt_text(d.card_number.clone()),
            Cell::opt_text(d.constituency.clone()),
            Cell::opt_text(self.paths.get(&d.station_id).cloned()),
            Cell::opt_text(phone),
            Cell::opt_text(d.address.clone()),
        ]
    }
}
