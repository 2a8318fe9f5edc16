//! The working-day calendar kept by the administrator.
use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession, TransactionTrait,
};

use crate::domain::calendar::{CalendarEntry, WorkCalendar};
use crate::domain::role::Role;
use crate::entities::calendar_day;
use crate::error::AppResult;
use crate::services::organisation::actor::Actor;
use crate::services::privacy::audit;

fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
    let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    (first, last)
}

#[tracing::instrument(skip_all)]
pub async fn list(db: &impl ConnectionTrait, year: Option<i32>) -> AppResult<Vec<calendar_day::Model>> {
    let mut select = calendar_day::Entity::find().order_by_asc(calendar_day::Column::Day);
    if let Some(year) = year {
        let (first, last) = year_bounds(year);
        select = select.filter(calendar_day::Column::Day.between(first, last));
    }
    Ok(select.all(db).await?)
}

/// Every override, as the calendar deadlines are computed on.
#[tracing::instrument(skip_all)]
pub async fn load(db: &impl ConnectionTrait) -> AppResult<WorkCalendar> {
    let rows = calendar_day::Entity::find().all(db).await?;
    Ok(WorkCalendar::new(rows.into_iter().map(|row| (row.day, row.kind))))
}

fn upsert() -> OnConflict {
    OnConflict::column(calendar_day::Column::Day)
        .update_columns([calendar_day::Column::Kind, calendar_day::Column::Name, calendar_day::Column::UpdatedAt])
        .to_owned()
}

fn row(entry: &CalendarEntry, now: DateTime<Utc>) -> calendar_day::ActiveModel {
    calendar_day::ActiveModel {
        day: Set(entry.day),
        kind: Set(entry.kind),
        name: Set(entry.name.clone()),
        updated_at: Set(now),
    }
}

/// Marks one day as a holiday or a make-up working day.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn set_day(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    entry: CalendarEntry,
) -> AppResult<calendar_day::Model> {
    actor.require(&[Role::Admin])?;
    calendar_day::Entity::insert(row(&entry, now)).on_conflict(upsert()).exec(db).await?;
    audit::record(
        db,
        now,
        Some(actor.user_id),
        "calendar_set",
        None,
        Some(&format!("{} {}", entry.day, entry.kind.as_str())),
        None,
    )
    .await?;
    calendar_day::Entity::find_by_id(entry.day).one(db).await?.ok_or(crate::error::AppError::NotFound("calendar day"))
}

/// Returns a day to the default (weekday works, weekend rests). True if there was an entry.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn clear_day(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    day: NaiveDate,
) -> AppResult<bool> {
    actor.require(&[Role::Admin])?;
    let deleted = calendar_day::Entity::delete_by_id(day).exec(db).await?.rows_affected;
    audit::record(db, now, Some(actor.user_id), "calendar_cleared", None, Some(&day.to_string()), None).await?;
    Ok(deleted > 0)
}

/// Imports a schedule: the years it covers are replaced by it, as one transaction.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn import<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: DateTime<Utc>,
    entries: Vec<CalendarEntry>,
) -> AppResult<ImportSummary> {
    actor.require(&[Role::Admin])?;
    let years: BTreeSet<i32> = entries.iter().map(|e| e.day.year()).collect();
    let txn = db.begin().await?;
    let mut replaced = 0;
    for year in &years {
        let (first, last) = year_bounds(*year);
        replaced += calendar_day::Entity::delete_many()
            .filter(calendar_day::Column::Day.between(first, last))
            .exec(&txn)
            .await?
            .rows_affected;
    }
    for chunk in entries.chunks(200) {
        calendar_day::Entity::insert_many(chunk.iter().map(|e| row(e, now))).exec(&txn).await?;
    }
    let detail = format!("{} days for {:?}", entries.len(), years);
    audit::record(&txn, now, Some(actor.user_id), "calendar_imported", None, Some(&detail), None).await?;
    txn.commit().await?;
    Ok(ImportSummary { imported: entries.len(), replaced, years: years.into_iter().collect() })
}

#[derive(Debug, Clone)]
pub struct ImportSummary {
    pub imported: usize,
    pub replaced: u64,
    pub years: Vec<i32>,
}
