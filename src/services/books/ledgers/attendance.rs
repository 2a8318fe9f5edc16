//! 人大代表参加活动情况登记表: the deputy × activity matrix over the period. One row per
//! deputy of the stations in scope (and any other deputy invited to their activities), one
//! column per activity (its date and topic) with 出席 / 请假 / 缺席 / 待登记, or — when not
//! invited; then the totals, the attendance rate (present ÷ invited), and present/invited per
//! quarter the period touches (and per year when it touches more than one).
use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{BATCH, Cell, CellKind, Column, Period, Row, names};
use crate::domain::activity::{AttendanceStatus, MAX_MATRIX_ACTIVITIES, Quarter, Tally, matrix_too_wide};
use crate::entities::{activity, activity_attendance, deputy, station};
use crate::error::{AppError, AppResult};
use crate::services::organisation::actor::StationScope;

/// What a cell shows for a deputy who was not invited.
pub const NOT_INVITED: &str = "—";

/// An activity as a column of the matrix.
struct ActivityColumn {
    id: i32,
    quarter: Quarter,
}

pub struct AttendanceRows {
    db: DatabaseConnection,
    stations: Option<Vec<i32>>,
    activities: Vec<ActivityColumn>,
    quarters: Vec<Quarter>,
    /// The years, when the period touches more than one.
    years: Vec<i32>,
    /// Deputies invited to the period's activities, whichever station they belong to now.
    invited: Vec<i32>,
    station_names: HashMap<i32, String>,
    after: Option<i32>,
    done: bool,
}

impl AttendanceRows {
    /// The columns (built from the period's activities) and the cursor over the deputies.
    /// 422 when the period holds more activities than one table shows.
    #[tracing::instrument(skip_all)]
    pub async fn open(
        db: DatabaseConnection,
        scope: &StationScope,
        period: Period,
    ) -> AppResult<(Vec<Column>, AttendanceRows)> {
        let stations = scope.ids();
        let mut select = activity::Entity::find()
            .select_only()
            .column(activity::Column::Id)
            .column(activity::Column::HeldOn)
            .column(activity::Column::Topic)
            .filter(activity::Column::HeldOn.gte(period.from))
            .filter(activity::Column::HeldOn.lte(period.to));
        if let Some(ids) = &stations {
            select = select.filter(activity::Column::StationId.is_in(ids.clone()));
        }
        let found: Vec<(i32, NaiveDate, String)> = select
            .order_by_asc(activity::Column::HeldOn)
            .order_by_asc(activity::Column::Id)
            .limit(MAX_MATRIX_ACTIVITIES as u64 + 1)
            .into_tuple()
            .all(&db)
            .await?;
        if let Some(error) = matrix_too_wide(found.len()) {
            return Err(AppError::field(error));
        }
        let quarters = Quarter::touched(period.from, period.to);
        let years: Vec<i32> = if period.from.year() == period.to.year() {
            Vec::new()
        } else {
            (period.from.year()..=period.to.year()).collect()
        };

        let mut columns = vec![
            Column::owned("deputy".into(), "代表姓名".into(), CellKind::Text, 10.0),
            Column::owned("station".into(), "所属联络站".into(), CellKind::Text, 18.0),
        ];
        for (id, day, topic) in &found {
            columns.push(Column::owned(
                format!("activity_{id}"),
                format!("{} {topic}", day.format("%Y-%m-%d")),
                CellKind::Text,
                12.0,
            ));
        }
        for (key, title) in
            [("invited", "应参加次数"), ("present", "出席次数"), ("excused", "请假次数"), ("absent", "缺席次数")]
        {
            columns.push(Column::owned(key.into(), title.into(), CellKind::Integer, 9.0));
        }
        columns.push(Column::owned("rate".into(), "出席率".into(), CellKind::Percent, 8.0));
        for quarter in &quarters {
            columns.push(Column::owned(
                quarter.key(),
                format!("{}（出席/应参加）", quarter.label_zh()),
                CellKind::Text,
                14.0,
            ));
        }
        for year in &years {
            columns.push(Column::owned(format!("y{year}"), format!("{year}年（出席/应参加）"), CellKind::Text, 14.0));
        }

        let activity_ids: Vec<i32> = found.iter().map(|(id, _, _)| *id).collect();
        let invited: Vec<i32> = if activity_ids.is_empty() {
            Vec::new()
        } else {
            let ids: BTreeSet<i32> = activity_attendance::Entity::find()
                .select_only()
                .column(activity_attendance::Column::DeputyId)
                .filter(activity_attendance::Column::ActivityId.is_in(activity_ids))
                .into_tuple::<i32>()
                .all(&db)
                .await?
                .into_iter()
                .collect();
            ids.into_iter().collect()
        };
        let station_names = names::<station::Entity>(&db, station::Column::Id, station::Column::Name).await?;
        let rows = AttendanceRows {
            db,
            stations,
            activities: found
                .into_iter()
                .map(|(id, day, _)| ActivityColumn { id, quarter: Quarter::of(day) })
                .collect(),
            quarters,
            years,
            invited,
            station_names,
            after: None,
            done: false,
        };
        Ok((columns, rows))
    }

    #[tracing::instrument(skip_all)]
    pub async fn next_batch(&mut self) -> AppResult<Option<Vec<Row>>> {
        if self.done {
            return Ok(None);
        }
        // The active deputies of the stations in scope, and anyone invited in the period.
        let mut belongs = Condition::all().add(deputy::Column::Active.eq(true));
        if let Some(ids) = &self.stations {
            belongs = belongs.add(deputy::Column::StationId.is_in(ids.clone()));
        }
        let mut who = Condition::any().add(belongs);
        if !self.invited.is_empty() {
            who = who.add(deputy::Column::Id.is_in(self.invited.clone()));
        }
        let mut select = deputy::Entity::find()
            .select_only()
            .column(deputy::Column::Id)
            .column(deputy::Column::Name)
            .column(deputy::Column::StationId)
            .filter(who);
        if let Some(after) = self.after {
            select = select.filter(deputy::Column::Id.gt(after));
        }
        let batch: Vec<(i32, String, i32)> =
            select.order_by_asc(deputy::Column::Id).limit(BATCH).into_tuple().all(&self.db).await?;
        if (batch.len() as u64) < BATCH {
            self.done = true;
        }
        let Some(last) = batch.last() else {
            return Ok(None);
        };
        self.after = Some(last.0);
        let marks = self.marks_of(&batch).await?;
        Ok(Some(batch.iter().map(|(id, name, station)| self.row(*id, name, *station, &marks)).collect()))
    }

    /// (deputy, activity) → mark, for the deputies of the batch.
    async fn marks_of(&self, batch: &[(i32, String, i32)]) -> AppResult<HashMap<(i32, i32), AttendanceStatus>> {
        if self.activities.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<(i32, i32, AttendanceStatus)> = activity_attendance::Entity::find()
            .select_only()
            .column(activity_attendance::Column::DeputyId)
            .column(activity_attendance::Column::ActivityId)
            .column(activity_attendance::Column::Status)
            .filter(activity_attendance::Column::DeputyId.is_in(batch.iter().map(|(id, _, _)| *id).collect::<Vec<_>>()))
            .filter(
                activity_attendance::Column::ActivityId.is_in(self.activities.iter().map(|a| a.id).collect::<Vec<_>>()),
            )
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|(deputy, activity, status)| ((deputy, activity), status)).collect())
    }

    fn row(&self, deputy_id: i32, name: &str, station_id: i32, marks: &HashMap<(i32, i32), AttendanceStatus>) -> Row {
        let mut total = Tally::default();
        let mut by_quarter: HashMap<Quarter, Tally> = HashMap::new();
        let mut by_year: HashMap<i32, Tally> = HashMap::new();
        let mut row = Vec::with_capacity(self.activities.len() + 8 + self.quarters.len() + self.years.len());
        row.push(Cell::text(name));
        row.push(Cell::opt_text(self.station_names.get(&station_id).cloned()));
        for activity in &self.activities {
            match marks.get(&(deputy_id, activity.id)) {
                Some(status) => {
                    total.add(*status);
                    by_quarter.entry(activity.quarter).or_default().add(*status);
                    by_year.entry(activity.quarter.year).or_default().add(*status);
                    row.push(Cell::text(status.label_zh()));
                }
                None => row.push(Cell::text(NOT_INVITED)),
            }
        }
        row.push(Cell::Integer(total.invited));
        row.push(Cell::Integer(total.present));
        row.push(Cell::Integer(total.excused));
        row.push(Cell::Integer(total.absent));
        row.push(total.rate_percent().map_or(Cell::Empty, Cell::Percent));
        for quarter in &self.quarters {
            row.push(Cell::text(by_quarter.get(quarter).copied().unwrap_or_default().fraction()));
        }
        for year in &self.years {
            row.push(Cell::text(by_year.get(year).copied().unwrap_or_default().fraction()));
        }
        row
    }
}
