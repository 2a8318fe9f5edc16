//! 民情联系卡 (records): one row per contact of a deputy with a voter household in the
//! period, in date order. Households are masked unless the reader manages the station.
use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};

use super::{Cell, CellKind, Column, Keyset, Period, Row, col, names, of_stations};
use crate::domain::person::mask_name;
use crate::domain::phone::mask_phone;
use crate::entities::{case, contact_record, deputy, station};
use crate::error::AppResult;
use crate::services::organisation::actor::StationScope;
use crate::services::privacy::cipher::Cipher;

pub const COLUMNS: &[Column] = &[
    col("contacted_on", "联系日期", CellKind::Date, 12.0),
    col("station", "联络站", CellKind::Text, 20.0),
    col("deputy", "代表", CellKind::Text, 10.0),
    col("mode", "联系方式", CellKind::Text, 9.0),
    col("household", "联系选民（户）", CellKind::Text, 16.0),
    col("phone", "联系电话", CellKind::Text, 14.0),
    col("matter", "反映事项", CellKind::Text, 50.0),
    col("handling", "办理情况", CellKind::Text, 40.0),
    col("case", "关联案件编号", CellKind::Text, 14.0),
];

pub struct ContactRows {
    db: DatabaseConnection,
    cipher: Arc<Cipher>,
    stations: Option<Vec<i32>>,
    period: Period,
    masked: bool,
    station_names: HashMap<i32, String>,
    deputy_names: HashMap<i32, String>,
    read: Keyset<NaiveDate>,
}

impl ContactRows {
    #[tracing::instrument(skip_all)]
    pub async fn new(
        db: DatabaseConnection,
        cipher: Arc<Cipher>,
        scope: &StationScope,
        period: Period,
        masked: bool,
    ) -> AppResult<ContactRows> {
        let station_names = names::<station::Entity>(&db, station::Column::Id, station::Column::Name).await?;
        let deputy_names = names::<deputy::Entity>(&db, deputy::Column::Id, deputy::Column::Name).await?;
        Ok(ContactRows {
            db,
            cipher,
            stations: scope.ids(),
            period,
            masked,
            station_names,
            deputy_names,
            read: Keyset::default(),
        })
    }

    #[tracing::instrument(skip_all)]
    pub async fn next_batch(&mut self) -> AppResult<Option<Vec<Row>>> {
        let select = contact_record::Entity::find()
            .filter(contact_record::Column::ContactedOn.between(self.period.from, self.period.to));
        let select = of_stations(select, contact_record::Column::StationId, self.stations.as_deref());
        let position = |r: &contact_record::Model| (r.contacted_on, r.id);
        let Some(batch) = self
            .read
            .next(&self.db, select, (contact_record::Column::ContactedOn, contact_record::Column::Id), position)
            .await?
        else {
            return Ok(None);
        };
        let case_ids: Vec<i32> = batch.iter().filter_map(|r| r.case_id).collect();
        let codes: HashMap<i32, String> = if case_ids.is_empty() {
            HashMap::new()
        } else {
            case::Entity::find()
                .select_only()
                .column(case::Column::Id)
                .column(case::Column::TrackingCode)
                .filter(case::Column::Id.is_in(case_ids))
                .into_tuple::<(i32, String)>()
                .all(&self.db)
                .await?
                .into_iter()
                .collect()
        };
        Ok(Some(batch.iter().map(|r| self.row(r, &codes)).collect::<AppResult<_>>()?))
    }

    fn row(&self, r: &contact_record::Model, codes: &HashMap<i32, String>) -> AppResult<Row> {
        let (household, phone) = (self.cipher.open(&r.household)?, self.cipher.open_opt(r.phone.as_ref())?);
        let (household, phone) =
            if self.masked { (mask_name(&household), phone.as_deref().map(mask_phone)) } else { (household, phone) };
        Ok(vec![
            Cell::Date(r.contacted_on),
            Cell::opt_text(self.station_names.get(&r.station_id).cloned()),
            Cell::opt_text(self.deputy_names.get(&r.deputy_id).cloned()),
            Cell::text(r.mode.label_zh()),
            Cell::text(household),
            Cell::opt_text(phone),
            Cell::text(r.matter.clone()),
            Cell::opt_text(r.handling.clone()),
            Cell::opt_text(r.case_id.and_then(|id| codes.get(&id).cloned())),
        ])
    }
}
