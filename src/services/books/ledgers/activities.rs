//! 人大代表活动登记簿: one row per activity held in the period, in the order of the days
//! (then as recorded), with who was invited, who came, who was excused or absent, and the
//! cases raised and how many photos were kept.
use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{Cell, CellKind, Column, Keyset, Period, Row, col, names, of_stations};
use crate::domain::activity::{AttendanceStatus, When};
use crate::entities::{activity, activity_attendance, activity_case, activity_photo, case, deputy, station};
use crate::error::AppResult;
use crate::services::organisation::actor::StationScope;

pub const COLUMNS: &[Column] = &[
    col("held_on", "活动日期", CellKind::Date, 12.0),
    col("time", "时间", CellKind::Text, 12.0),
    col("station", "联络站", CellKind::Text, 20.0),
    col("kind", "活动类型", CellKind::Text, 12.0),
    col("topic", "活动主题", CellKind::Text, 30.0),
    col("place", "活动地点", CellKind::Text, 20.0),
    col("organiser", "组织者", CellKind::Text, 14.0),
    col("invited", "应到代表", CellKind::Text, 24.0),
    col("invited_count", "应到人数", CellKind::Integer, 9.0),
    col("present", "出席代表", CellKind::Text, 24.0),
    col("present_count", "实到人数", CellKind::Integer, 9.0),
    col("excused", "请假代表", CellKind::Text, 16.0),
    col("absent", "缺席代表", CellKind::Text, 16.0),
    col("other_participants", "其他参加人员", CellKind::Text, 20.0),
    col("cases", "收集意见建议（案件编号）", CellKind::Text, 20.0),
    col("summary", "活动情况", CellKind::Text, 50.0),
    col("photos", "照片（张）", CellKind::Integer, 9.0),
];

/// The deputies of one activity by mark, in the order of their ids.
#[derive(Default)]
struct Marks {
    invited: Vec<String>,
    present: Vec<String>,
    excused: Vec<String>,
    absent: Vec<String>,
}

pub struct ActivityRows {
    db: DatabaseConnection,
    stations: Option<Vec<i32>>,
    period: Period,
    station_names: HashMap<i32, String>,
    deputy_names: HashMap<i32, String>,
    /// Where the read stands, in (day, id) order.
    read: Keyset<NaiveDate>,
}

impl ActivityRows {
    #[tracing::instrument(skip_all)]
    pub async fn new(db: DatabaseConnection, scope: &StationScope, period: Period) -> AppResult<ActivityRows> {
        let station_names = names::<station::Entity>(&db, station::Column::Id, station::Column::Name).await?;
        let deputy_names = names::<deputy::Entity>(&db, deputy::Column::Id, deputy::Column::Name).await?;
        Ok(ActivityRows { db, stations: scope.ids(), period, station_names, deputy_names, read: Keyset::default() })
    }

    #[tracing::instrument(skip_all)]
    pub async fn next_batch(&mut self) -> AppResult<Option<Vec<Row>>> {
        let select = activity::Entity::find()
            .filter(activity::Column::HeldOn.gte(self.period.from))
            .filter(activity::Column::HeldOn.lte(self.period.to));
        let select = of_stations(select, activity::Column::StationId, self.stations.as_deref());
        let position = |r: &activity::Model| (r.held_on, r.id);
        let Some(batch) =
            self.read.next(&self.db, select, (activity::Column::HeldOn, activity::Column::Id), position).await?
        else {
            return Ok(None);
        };
        let ids: Vec<i32> = batch.iter().map(|a| a.id).collect();
        let marks = self.marks_of(&ids).await?;
        let codes = self.codes_of(&ids).await?;
        let photos = self.photos_of(&ids).await?;
        Ok(Some(batch.iter().map(|a| self.row(a, &marks, &codes, &photos)).collect()))
    }

    async fn marks_of(&self, ids: &[i32]) -> AppResult<HashMap<i32, Marks>> {
        let rows: Vec<(i32, i32, AttendanceStatus)> = activity_attendance::Entity::find()
            .select_only()
            .column(activity_attendance::Column::ActivityId)
            .column(activity_attendance::Column::DeputyId)
            .column(activity_attendance::Column::Status)
            .filter(activity_attendance::Column::ActivityId.is_in(ids.to_vec()))
            .order_by_asc(activity_attendance::Column::ActivityId)
            .order_by_asc(activity_attendance::Column::DeputyId)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut out: HashMap<i32, Marks> = HashMap::new();
        for (activity_id, deputy_id, status) in rows {
            let Some(name) = self.deputy_names.get(&deputy_id) else { continue };
            let marks = out.entry(activity_id).or_default();
            marks.invited.push(name.clone());
            match status {
                AttendanceStatus::Present => marks.present.push(name.clone()),
                AttendanceStatus::Excused => marks.excused.push(name.clone()),
                AttendanceStatus::Absent => marks.absent.push(name.clone()),
                AttendanceStatus::Invited => {}
            }
        }
        Ok(out)
    }

    async fn codes_of(&self, ids: &[i32]) -> AppResult<HashMap<i32, Vec<String>>> {
        let links: Vec<(i32, i32)> = activity_case::Entity::find()
            .select_only()
            .column(activity_case::Column::ActivityId)
            .column(activity_case::Column::CaseId)
            .filter(activity_case::Column::ActivityId.is_in(ids.to_vec()))
            .order_by_asc(activity_case::Column::ActivityId)
            .order_by_asc(activity_case::Column::CaseId)
            .into_tuple()
            .all(&self.db)
            .await?;
        if links.is_empty() {
            return Ok(HashMap::new());
        }
        let codes: HashMap<i32, String> = case::Entity::find()
            .select_only()
            .column(case::Column::Id)
            .column(case::Column::TrackingCode)
            .filter(case::Column::Id.is_in(links.iter().map(|(_, case_id)| *case_id).collect::<Vec<_>>()))
            .into_tuple::<(i32, String)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let mut out: HashMap<i32, Vec<String>> = HashMap::new();
        for (activity_id, case_id) in links {
            if let Some(code) = codes.get(&case_id) {
                out.entry(activity_id).or_default().push(code.clone());
            }
        }
        Ok(out)
    }

    /// How many photos each activity of the batch has.
    async fn photos_of(&self, ids: &[i32]) -> AppResult<HashMap<i32, i64>> {
        let rows: Vec<i32> = activity_photo::Entity::find()
            .select_only()
            .column(activity_photo::Column::ActivityId)
            .filter(activity_photo::Column::ActivityId.is_in(ids.to_vec()))
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut out: HashMap<i32, i64> = HashMap::new();
        for id in rows {
            *out.entry(id).or_default() += 1;
        }
        Ok(out)
    }

    fn row(
        &self,
        a: &activity::Model,
        marks: &HashMap<i32, Marks>,
        codes: &HashMap<i32, Vec<String>>,
        photos: &HashMap<i32, i64>,
    ) -> Row {
        let empty = Marks::default();
        let m = marks.get(&a.id).unwrap_or(&empty);
        let names = |list: &Vec<String>| if list.is_empty() { Cell::Empty } else { Cell::text(list.join("、")) };
        let time = When::label_zh(a.slot, a.starts_at.as_deref(), a.ends_at.as_deref());
        vec![
            Cell::Date(a.held_on),
            if time.is_empty() { Cell::Empty } else { Cell::text(time) },
            Cell::opt_text(self.station_names.get(&a.station_id).cloned()),
            Cell::text(a.kind.label_zh()),
            Cell::text(a.topic.clone()),
            Cell::text(a.place.clone()),
            Cell::opt_text(a.organiser.clone()),
            names(&m.invited),
            Cell::Integer(m.invited.len() as i64),
            names(&m.present),
            Cell::Integer(m.present.len() as i64),
            names(&m.excused),
            names(&m.absent),
            Cell::opt_text(a.other_participants.clone()),
            codes.get(&a.id).map_or(Cell::Empty, |list| Cell::text(list.join("、"))),
            Cell::opt_text(a.summary.clone()),
            Cell::Integer(photos.get(&a.id).copied().unwrap_or(0)),
        ]
    }
}
