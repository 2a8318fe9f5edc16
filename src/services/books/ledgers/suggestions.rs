//! 建议办理情况登记簿: one row per suggestion raised in the period, in the order of the days
//! they were raised (then as recorded), with its deputies, units, clock, reply and rating.
use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{Cell, CellKind, Column, Keyset, Period, Row, col, names, of_stations};
use crate::domain::suggestion::SuggestionRole;
use crate::entities::{category, deputy, suggestion, suggestion_deputy, suggestion_unit, unit};
use crate::error::AppResult;
use crate::services::books::suggestions::{deadline_of, overdue_on};
use crate::services::organisation::actor::StationScope;

pub const COLUMNS: &[Column] = &[
    col("number", "编号", CellKind::Text, 11.0),
    col("raised_on", "提出日期", CellKind::Date, 12.0),
    col("lead_deputy", "领衔代表", CellKind::Text, 10.0),
    col("co_deputies", "附议代表", CellKind::Text, 20.0),
    col("title", "标题", CellKind::Text, 36.0),
    col("category", "类别", CellKind::Text, 14.0),
    col("lead_unit", "主办单位", CellKind::Text, 16.0),
    col("co_units", "协办单位", CellKind::Text, 20.0),
    col("assigned_on", "交办日期", CellKind::Date, 12.0),
    col("deadline", "办理期限", CellKind::Date, 12.0),
    col("replied_on", "答复日期", CellKind::Date, 12.0),
    col("reply", "答复内容", CellKind::Text, 40.0),
    col("result_class", "办理结果", CellKind::Text, 16.0),
    col("satisfaction", "代表满意度", CellKind::Text, 11.0),
    col("key_supervision", "重点督办", CellKind::Text, 9.0),
    col("status", "状态", CellKind::Text, 10.0),
    col("overdue", "是否超期", CellKind::Text, 9.0),
];

pub struct SuggestionRows {
    db: DatabaseConnection,
    stations: Option<Vec<i32>>,
    period: Period,
    today: NaiveDate,
    category_names: HashMap<i32, String>,
    deputy_names: HashMap<i32, String>,
    unit_names: HashMap<i32, String>,
    /// Where the read stands, in (day raised, id) order.
    read: Keyset<NaiveDate>,
}

/// The deputies and units of the suggestions of one batch: lead and co names by suggestion.
#[derive(Default)]
struct Parties {
    lead: HashMap<i32, String>,
    co: HashMap<i32, Vec<String>>,
}

impl SuggestionRows {
    #[tracing::instrument(skip_all)]
    pub async fn new(
        db: DatabaseConnection,
        scope: &StationScope,
        period: Period,
        today: NaiveDate,
    ) -> AppResult<SuggestionRows> {
        let category_names = names::<category::Entity>(&db, category::Column::Id, category::Column::Name).await?;
        let deputy_names = names::<deputy::Entity>(&db, deputy::Column::Id, deputy::Column::Name).await?;
        let unit_names = names::<unit::Entity>(&db, unit::Column::Id, unit::Column::Name).await?;
        Ok(SuggestionRows {
            db,
            stations: scope.ids(),
            period,
            today,
            category_names,
            deputy_names,
            unit_names,
            read: Keyset::default(),
        })
    }

    #[tracing::instrument(skip_all)]
    pub async fn next_batch(&mut self) -> AppResult<Option<Vec<Row>>> {
        let select = suggestion::Entity::find()
            .filter(suggestion::Column::RaisedOn.gte(self.period.from))
            .filter(suggestion::Column::RaisedOn.lte(self.period.to));
        let select = of_stations(select, suggestion::Column::StationId, self.stations.as_deref());
        let position = |r: &suggestion::Model| (r.raised_on, r.id);
        let Some(batch) =
            self.read.next(&self.db, select, (suggestion::Column::RaisedOn, suggestion::Column::Id), position).await?
        else {
            return Ok(None);
        };
        let ids: Vec<i32> = batch.iter().map(|s| s.id).collect();
        let deputies = self.deputies_of(&ids).await?;
        let units = self.units_of(&ids).await?;
        Ok(Some(batch.iter().map(|s| self.row(s, &deputies, &units)).collect()))
    }

    async fn deputies_of(&self, ids: &[i32]) -> AppResult<Parties> {
        let rows: Vec<(i32, i32, String)> = suggestion_deputy::Entity::find()
            .select_only()
            .column(suggestion_deputy::Column::SuggestionId)
            .column(suggestion_deputy::Column::DeputyId)
            .column(suggestion_deputy::Column::Role)
            .filter(suggestion_deputy::Column::SuggestionId.is_in(ids.to_vec()))
            .order_by_asc(suggestion_deputy::Column::SuggestionId)
            .order_by_asc(suggestion_deputy::Column::Position)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(collect(rows, &self.deputy_names))
    }

    async fn units_of(&self, ids: &[i32]) -> AppResult<Parties> {
        let rows: Vec<(i32, i32, String)> = suggestion_unit::Entity::find()
            .select_only()
            .column(suggestion_unit::Column::SuggestionId)
            .column(suggestion_unit::Column::UnitId)
            .column(suggestion_unit::Column::Role)
            .filter(suggestion_unit::Column::SuggestionId.is_in(ids.to_vec()))
            .order_by_asc(suggestion_unit::Column::SuggestionId)
            .order_by_asc(suggestion_unit::Column::UnitId)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(collect(rows, &self.unit_names))
    }

    fn row(&self, s: &suggestion::Model, deputies: &Parties, units: &Parties) -> Row {
        let status = Some(s.status);
        let deadline = deadline_of(s);
        let joined = |parties: &Parties| parties.co.get(&s.id).filter(|v| !v.is_empty()).map(|v| v.join("、"));
        vec![
            Cell::text(s.number.clone()),
            Cell::Date(s.raised_on),
            Cell::opt_text(deputies.lead.get(&s.id).cloned()),
            Cell::opt_text(joined(deputies)),
            Cell::text(s.title.clone()),
            Cell::opt_text(s.category_id.and_then(|id| self.category_names.get(&id).cloned())),
            Cell::opt_text(units.lead.get(&s.id).cloned()),
            Cell::opt_text(joined(units)),
            s.assigned_on.map_or(Cell::Empty, Cell::Date),
            deadline.map_or(Cell::Empty, Cell::Date),
            s.replied_on.map_or(Cell::Empty, Cell::Date),
            Cell::opt_text(s.reply.clone()),
            Cell::opt_text(s.result_class.map(|c| c.label_zh())),
            Cell::opt_text(s.satisfaction.map(|c| c.label_zh())),
            Cell::text(if s.key_supervision { "是" } else { "否" }),
            Cell::text(status.map_or(s.status.as_str(), |st| st.label_zh())),
            Cell::text(if overdue_on(s, self.today) { "是" } else { "否" }),
        ]
    }
}

fn collect(rows: Vec<(i32, i32, String)>, names: &HashMap<i32, String>) -> Parties {
    let mut parties = Parties::default();
    for (suggestion_id, party_id, role) in rows {
        let Some(name) = names.get(&party_id) else { continue };
        if role == SuggestionRole::Lead.as_str() {
            parties.lead.insert(suggestion_id, name.clone());
        } else {
            parties.co.entry(suggestion_id).or_default().push(name.clone());
        }
    }
    parties
}
