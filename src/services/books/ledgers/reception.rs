//! 人大代表接待选民来访登记簿: one row per visit received in the period, in the order of the
//! days (then as recorded).
use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{Cell, CellKind, Column, Keyset, Period, Row, col, names, of_stations};
use crate::domain::person::mask_name;
use crate::domain::phone::mask_phone;
use crate::entities::{case, category, deputy, reception_visit, reception_visit_deputy, station};
use crate::error::AppResult;
use crate::services::organisation::actor::StationScope;
use crate::services::privacy::cipher::Cipher;

pub const COLUMNS: &[Column] = &[
    col("visited_on", "接待日期", CellKind::Date, 12.0),
    col("slot", "时段", CellKind::Text, 8.0),
    col("station", "联络站", CellKind::Text, 20.0),
    col("deputies", "接待代表", CellKind::Text, 20.0),
    col("visitor_name", "来访人", CellKind::Text, 10.0),
    col("visitor_phone", "联系电话", CellKind::Text, 14.0),
    col("visitors_count", "来访人数", CellKind::Integer, 9.0),
    col("matter", "反映事项", CellKind::Text, 50.0),
    col("category", "类别", CellKind::Text, 14.0),
    col("disposition", "处理方式", CellKind::Text, 16.0),
    col("case", "关联案件编号", CellKind::Text, 14.0),
    col("result", "办理结果", CellKind::Text, 30.0),
    col("feedback", "选民反馈", CellKind::Text, 30.0),
];

pub struct VisitRows {
    db: DatabaseConnection,
    cipher: Arc<Cipher>,
    stations: Option<Vec<i32>>,
    period: Period,
    masked: bool,
    station_names: HashMap<i32, String>,
    category_names: HashMap<i32, String>,
    deputy_names: HashMap<i32, String>,
    /// Where the read stands, in (day, id) order.
    read: Keyset<NaiveDate>,
}

impl VisitRows {
    #[tracing::instrument(skip_all)]
    pub async fn new(
        db: DatabaseConnection,
        cipher: Arc<Cipher>,
        scope: &StationScope,
        period: Period,
        masked: bool,
    ) -> AppResult<VisitRows> {
        let station_names = names::<station::Entity>(&db, station::Column::Id, station::Column::Name).await?;
        let category_names = names::<category::Entity>(&db, category::Column::Id, category::Column::Name).await?;
        let deputy_names = names::<deputy::Entity>(&db, deputy::Column::Id, deputy::Column::Name).await?;
        Ok(VisitRows {
            db,
            cipher,
            stations: scope.ids(),
            period,
            masked,
            station_names,
            category_names,
            deputy_names,
            read: Keyset::default(),
        })
    }

    #[tracing::instrument(skip_all)]
    pub async fn next_batch(&mut self) -> AppResult<Option<Vec<Row>>> {
        let select = reception_visit::Entity::find()
            .filter(reception_visit::Column::VisitedOn.gte(self.period.from))
            .filter(reception_visit::Column::VisitedOn.lte(self.period.to));
        let select = of_stations(select, reception_visit::Column::StationId, self.stations.as_deref());
        let position = |r: &reception_visit::Model| (r.visited_on, r.id);
        let Some(batch) = self
            .read
            .next(&self.db, select, (reception_visit::Column::VisitedOn, reception_visit::Column::Id), position)
            .await?
        else {
            return Ok(None);
        };
        let deputies = self.deputies_of(&batch).await?;
        let codes = self.tracking_codes(&batch).await?;
        Ok(Some(batch.iter().map(|v| self.row(v, &deputies, &codes)).collect::<AppResult<_>>()?))
    }

    /// The deputies on duty at each visit of the batch, in the order they were listed.
    async fn deputies_of(&self, batch: &[reception_visit::Model]) -> AppResult<HashMap<i32, Vec<String>>> {
        let ids: Vec<i32> = batch.iter().map(|v| v.id).collect();
        let rows: Vec<(i32, i32)> = reception_visit_deputy::Entity::find()
            .select_only()
            .column(reception_visit_deputy::Column::VisitId)
            .column(reception_visit_deputy::Column::DeputyId)
            .filter(reception_visit_deputy::Column::VisitId.is_in(ids))
            .order_by_asc(reception_visit_deputy::Column::VisitId)
            .order_by_asc(reception_visit_deputy::Column::Position)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut by_visit: HashMap<i32, Vec<String>> = HashMap::new();
        for (visit, deputy_id) in rows {
            if let Some(name) = self.deputy_names.get(&deputy_id) {
                by_visit.entry(visit).or_default().push(name.clone());
            }
        }
        Ok(by_visit)
    }

    async fn tracking_codes(&self, batch: &[reception_visit::Model]) -> AppResult<HashMap<i32, String>> {
        let ids: Vec<i32> = batch.iter().filter_map(|v| v.case_id).collect();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<(i32, String)> = case::Entity::find()
            .select_only()
            .column(case::Column::Id)
            .column(case::Column::TrackingCode)
            .filter(case::Column::Id.is_in(ids))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().collect())
    }

    fn row(
        &self,
        v: &reception_visit::Model,
        deputies: &HashMap<i32, Vec<String>>,
        codes: &HashMap<i32, String>,
    ) -> AppResult<Row> {
        let (name, phone) =
            (self.cipher.open_opt(v.visitor_name.as_ref())?, self.cipher.open_opt(v.visitor_phone.as_ref())?);
        let (name, phone) = if self.masked {
            (name.as_deref().map(mask_name), phone.as_deref().map(mask_phone))
        } else {
            (name, phone)
        };
        Ok(vec![
            Cell::Date(v.visited_on),
            Cell::text(v.slot.label_zh()),
            Cell::opt_text(self.station_names.get(&v.station_id).cloned()),
            Cell::opt_text(deputies.get(&v.id).map(|names| names.join("、"))),
            Cell::opt_text(name),
            Cell::opt_text(phone),
            Cell::Integer(i64::from(v.visitors_count)),
            Cell::text(v.matter.clone()),
            Cell::opt_text(v.category_id.and_then(|id| self.category_names.get(&id).cloned())),
            Cell::text(v.disposition.label_zh()),
            Cell::opt_text(v.case_id.and_then(|id| codes.get(&id).cloned())),
            Cell::opt_text(v.result.clone()),
            Cell::opt_text(v.feedback.clone()),
        ])
    }
}
