//! 意见建议办理台账: one row per case received in the period.
use crate::domain::intake::Channel;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::{Cell, CellKind, Column, Keyset, Period, Row, col, names, of_stations};
use crate::domain::person::mask_name;
use crate::domain::phone::mask_phone;
use crate::entities::{case, category, deputy, station, unit};
use crate::error::AppResult;
use crate::services::organisation::actor::StationScope;
use crate::services::privacy::cipher::Cipher;

pub const COLUMNS: &[Column] = &[
    col("tracking_code", "编号", CellKind::Text, 14.0),
    col("received_on", "收集日期", CellKind::Date, 12.0),
    col("channel", "来源渠道", CellKind::Text, 10.0),
    col("contact_name", "反映人", CellKind::Text, 10.0),
    col("contact_phone", "联系电话", CellKind::Text, 14.0),
    col("deputy", "收集代表", CellKind::Text, 10.0),
    col("station", "联络站", CellKind::Text, 20.0),
    col("content", "主要内容", CellKind::Text, 50.0),
    col("location", "地点", CellKind::Text, 20.0),
    col("category", "类别", CellKind::Text, 14.0),
    col("tier", "办理时限", CellKind::Text, 10.0),
    col("unit", "承办单位", CellKind::Text, 16.0),
    col("assigned_on", "交办日期", CellKind::Date, 12.0),
    col("due_on", "办结时限", CellKind::Date, 12.0),
    col("progress", "办理进度", CellKind::Percent, 9.0),
    col("reply", "答复内容", CellKind::Text, 40.0),
    col("replied_on", "答复日期", CellKind::Date, 12.0),
    col("result", "办理结果", CellKind::Text, 10.0),
    col("satisfaction", "群众评价", CellKind::Text, 10.0),
    col("key_supervision", "重点督办", CellKind::Text, 9.0),
    col("disclosed", "公开情况", CellKind::Text, 9.0),
    col("closed_on", "办结日期", CellKind::Date, 12.0),
];

pub fn channel_label(channel: Channel) -> &'static str {
    match channel {
        Channel::Qr => "扫码",
        Channel::Reception => "接待来访",
        Channel::Visit => "走访",
        Channel::Phone => "电话",
    }
}

/// Names of the small tables a case row refers to, read once per export.
struct Names {
    stations: HashMap<i32, String>,
    deputies: HashMap<i32, String>,
    categories: HashMap<i32, String>,
    units: HashMap<i32, String>,
}

impl Names {
    async fn load(db: &DatabaseConnection) -> AppResult<Names> {
        Ok(Names {
            stations: names::<station::Entity>(db, station::Column::Id, station::Column::Name).await?,
            deputies: names::<deputy::Entity>(db, deputy::Column::Id, deputy::Column::Name).await?,
            categories: names::<category::Entity>(db, category::Column::Id, category::Column::Name).await?,
            units: names::<unit::Entity>(db, unit::Column::Id, unit::Column::Name).await?,
        })
    }
}

pub struct CaseRows {
    db: DatabaseConnection,
    cipher: Arc<Cipher>,
    stations: Option<Vec<i32>>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    tz: chrono_tz::Tz,
    masked: bool,
    names: Names,
    /// Where the read stands, in (received, id) order.
    read: Keyset<DateTime<Utc>>,
}

impl CaseRows {
    #[tracing::instrument(skip_all)]
    pub async fn new(
        db: DatabaseConnection,
        cipher: Arc<Cipher>,
        scope: &StationScope,
        period: Period,
        tz: chrono_tz::Tz,
        masked: bool,
    ) -> AppResult<CaseRows> {
        let (start, end) = period.bounds(tz);
        let names = Names::load(&db).await?;
        Ok(CaseRows { db, cipher, stations: scope.ids(), start, end, tz, masked, names, read: Keyset::default() })
    }

    #[tracing::instrument(skip_all)]
    pub async fn next_batch(&mut self) -> AppResult<Option<Vec<Row>>> {
        // In the order received, by (received_at, id): each batch continues the index range
        // where the last one stopped, rather than sorting what is left of the period again.
        let select = case::Entity::find()
            .filter(case::Column::ReceivedAt.gte(self.start))
            .filter(case::Column::ReceivedAt.lt(self.end));
        let select = of_stations(select, case::Column::StationId, self.stations.as_deref());
        let position = |r: &case::Model| (r.received_at, r.id);
        let Some(batch) =
            self.read.next(&self.db, select, (case::Column::ReceivedAt, case::Column::Id), position).await?
        else {
            return Ok(None);
        };
        Ok(Some(batch.iter().map(|m| self.row(m)).collect::<AppResult<_>>()?))
    }

    fn row(&self, m: &case::Model) -> AppResult<Row> {
        let day =
            |at: Option<DateTime<Utc>>| at.map_or(Cell::Empty, |t| Cell::Date(t.with_timezone(&self.tz).date_naive()));
        let name =
            |map: &HashMap<i32, String>, id: Option<i32>| Cell::opt_text(id.and_then(|id| map.get(&id).cloned()));
        let (contact_name, contact_phone) =
            (self.cipher.open_opt(m.contact_name.as_ref())?, self.cipher.open_opt(m.contact_phone.as_ref())?);
        let (contact_name, contact_phone) = if self.masked {
            (contact_name.as_deref().map(mask_name), contact_phone.as_deref().map(mask_phone))
        } else {
            (contact_name, contact_phone)
        };
        let status = Some(m.status);
        Ok(vec![
            Cell::text(m.tracking_code.clone()),
            day(Some(m.received_at)),
            Cell::text(channel_label(m.channel)),
            if m.anonymous && contact_name.is_none() { Cell::text("匿名") } else { Cell::opt_text(contact_name) },
            Cell::opt_text(contact_phone),
            name(&self.names.deputies, m.deputy_id),
            name(&self.names.stations, Some(m.station_id)),
            Cell::text(m.content.clone()),
            Cell::opt_text(m.location.clone()),
            name(&self.names.categories, Some(m.category_id)),
            Cell::text(m.tier.label_zh()),
            name(&self.names.units, m.unit_id),
            day(m.assigned_at),
            day(Some(m.due_at)),
            m.percent.map_or(Cell::Empty, Cell::Percent),
            Cell::opt_text(m.reply.clone()),
            day(m.replied_at),
            Cell::text(status.map_or(m.status.as_str(), |s| s.label_zh())),
            Cell::opt_text(m.satisfaction.map(|s| s.label_zh())),
            Cell::text(if m.key_supervision { "是" } else { "否" }),
            Cell::text(if m.disclosed { "已公开" } else { "未公开" }),
            day(m.closed_at),
        ])
    }
}
