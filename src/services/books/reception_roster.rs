//! The reception roster (今日我接待): which deputy receives voters at which station on which
//! day and slot. Managers keep their stations' roster (administrators every station),
//! viewers and deputies read it, a deputy may swap their own duty, and the public station
//! page shows the coming days.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, SqlErr,
    TransactionSession, TransactionTrait,
};

use crate::domain::field::FieldError;
use crate::domain::reception::{DateRange, Slot};
use crate::domain::role::Role;
use crate::entities::{deputy, reception_duty, station};
use crate::error::{AppError, AppResult};
use crate::services::organisation::actor::Actor;
use crate::services::organisation::deputies;
use crate::services::privacy::audit;

/// A station the actor manages: 403 for roles that never manage, 404 for a station outside
/// their scope (its existence is not revealed).
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, station_id = station_id))]
pub async fn managed_station(db: &impl ConnectionTrait, actor: &Actor, station_id: i32) -> AppResult<station::Model> {
    actor.require(&[Role::Admin, Role::Manager])?;
    if !actor.managed_stations(db).await?.contains(station_id) {
        return Err(AppError::NotFound("station"));
    }
    station::Entity::find_by_id(station_id).one(db).await?.ok_or(AppError::NotFound("station"))
}

/// A station whose roster and log the actor may read (handlers have no business here).
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, station_id = station_id))]
pub async fn readable_station(db: &impl ConnectionTrait, actor: &Actor, station_id: i32) -> AppResult<station::Model> {
    actor.require(&[Role::Admin, Role::Manager, Role::Viewer, Role::Deputy])?;
    if !actor.readable_stations(db).await?.contains(station_id) {
        return Err(AppError::NotFound("station"));
    }
    station::Entity::find_by_id(station_id).one(db).await?.ok_or(AppError::NotFound("station"))
}

/// Deputies of `station_id` by id; any id that is not an active deputy of it is a field error.
#[tracing::instrument(skip_all, fields(station_id = station_id))]
pub async fn station_deputies(
    db: &impl ConnectionTrait,
    station_id: i32,
    ids: &[i32],
    field: &'static str,
) -> AppResult<Vec<deputy::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found = deputy::Entity::find()
        .filter(deputy::Column::Id.is_in(ids.to_vec()))
        .filter(deputy::Column::StationId.eq(station_id))
        .filter(deputy::Column::Active.eq(true))
        .all(db)
        .await?;
    let by_id: HashMap<i32, deputy::Model> = found.into_iter().map(|d| (d.id, d)).collect();
    ids.iter().map(|id| by_id.get(id).cloned().ok_or_else(|| AppError::field(FieldError::unknown(field)))).collect()
}

/// Duties to add: every day of the range (optionally only some weekdays, 1 = Monday).
#[derive(Debug, Clone)]
pub struct NewDuties {
    pub range: DateRange,
    pub slot: Slot,
    pub deputy_ids: Vec<i32>,
    pub weekdays: Option<Vec<u32>>,
    pub note: Option<String>,
}

/// A duty with the names to show.
#[derive(Debug, Clone)]
pub struct DutyView {
    pub duty: reception_duty::Model,
    pub deputy_name: String,
    pub station_name: String,
}

async fn views(db: &impl ConnectionTrait, duties: Vec<reception_duty::Model>) -> AppResult<Vec<DutyView>> {
    let deputy_ids: Vec<i32> = duties.iter().map(|d| d.deputy_id).collect();
    let station_ids: Vec<i32> = duties.iter().map(|d| d.station_id).collect();
    let deputies = deputies::names(db, deputy_ids).await?;
    let stations: HashMap<i32, String> = station::Entity::find()
        .filter(station::Column::Id.is_in(station_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    Ok(duties
        .into_iter()
        .map(|duty| DutyView {
            deputy_name: deputies.get(&duty.deputy_id).cloned().unwrap_or_default(),
            station_name: stations.get(&duty.station_id).cloned().unwrap_or_default(),
            duty,
        })
        .collect())
}

fn slot_order(slot: Slot) -> u8 {
    match slot {
        Slot::Morning => 0,
        Slot::AllDay => 1,
        Slot::Afternoon => 2,
    }
}

fn sorted(mut duties: Vec<DutyView>) -> Vec<DutyView> {
    duties.sort_by(|a, b| {
        (a.duty.date, slot_order(a.duty.slot), a.duty.station_id, a.duty.id).cmp(&(
            b.duty.date,
            slot_order(b.duty.slot),
            b.duty.station_id,
            b.duty.id,
        ))
    });
    duties
}

/// Adds the duties (a manager of the station); days already set for a deputy and slot are
/// left as they are. Returns the duties added.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, station_id = station_id))]
pub async fn set_duties<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: DateTime<Utc>,
    station_id: i32,
    new: NewDuties,
) -> AppResult<Vec<DutyView>> {
    managed_station(db, actor, station_id).await?;
    if new.deputy_ids.is_empty() {
        return Err(AppError::field(FieldError::required("deputy_ids")));
    }
    let deputies = station_deputies(db, station_id, &new.deputy_ids, "deputy_ids").await?;
    let existing: Vec<(NaiveDate, i32)> = reception_duty::Entity::find()
        .filter(reception_duty::Column::StationId.eq(station_id))
        .filter(reception_duty::Column::Slot.eq(new.slot.as_str()))
        .filter(reception_duty::Column::Date.between(new.range.from, new.range.to))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.date, d.deputy_id))
        .collect();
    let txn = db.begin().await?;
    let mut created = Vec::new();
    for day in new.range.days() {
        use chrono::Datelike;
        if let Some(weekdays) = &new.weekdays
            && !weekdays.contains(&day.weekday().number_from_monday())
        {
            continue;
        }
        for deputy in &deputies {
            if existing.contains(&(day, deputy.id))
                || created.iter().any(|d: &reception_duty::Model| d.date == day && d.deputy_id == deputy.id)
            {
                continue;
            }
            let inserted = reception_duty::ActiveModel {
                station_id: Set(station_id),
                date: Set(day),
                slot: Set(new.slot),
                deputy_id: Set(deputy.id),
                note: Set(new.note.clone()),
                created_by: Set(Some(actor.user_id)),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(duplicate)?;
            created.push(inserted);
        }
    }
    let detail = format!("{} duties {}..{} {}", created.len(), new.range.from, new.range.to, new.slot);
    audit::record(
        &txn,
        now,
        Some(actor.user_id),
        "reception_duties_set",
        Some(("station", Some(station_id))),
        Some(&detail),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(sorted(views(db, created).await?))
}

fn duplicate(error: sea_orm::DbErr) -> AppError {
    if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
        AppError::conflict("duty_taken", "that deputy is already on duty at this station on that day and slot")
    } else {
        error.into()
    }
}

/// Removes one duty (a manager of its station).
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn remove_duty(db: &impl ConnectionTrait, actor: &Actor, now: DateTime<Utc>, id: i32) -> AppResult<()> {
    let duty = reception_duty::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("duty"))?;
    managed_station(db, actor, duty.station_id).await.map_err(|e| e.not_found_as("duty"))?;
    reception_duty::Entity::delete_by_id(id).exec(db).await?;
    let detail = format!("{} {} deputy {}", duty.date, duty.slot, duty.deputy_id);
    audit::record(
        db,
        now,
        Some(actor.user_id),
        "reception_duty_removed",
        Some(("reception_duty", Some(id))),
        Some(&detail),
        None,
    )
    .await?;
    Ok(())
}

/// The roster of a station over a period, for those who may read the station.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, station_id = station_id))]
pub async fn list_duties(
    db: &impl ConnectionTrait,
    actor: &Actor,
    station_id: i32,
    range: DateRange,
) -> AppResult<Vec<DutyView>> {
    readable_station(db, actor, station_id).await?;
    let duties = reception_duty::Entity::find()
        .filter(reception_duty::Column::StationId.eq(station_id))
        .filter(reception_duty::Column::Date.between(range.from, range.to))
        .order_by_asc(reception_duty::Column::Date)
        .all(db)
        .await?;
    Ok(sorted(views(db, duties).await?))
}

/// Who receives today, across the stations the actor may read (a deputy: their own duties
/// and those of their stations).
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn today(db: &impl ConnectionTrait, actor: &Actor, today: NaiveDate) -> AppResult<Vec<DutyView>> {
    actor.require(&[Role::Admin, Role::Manager, Role::Viewer, Role::Deputy])?;
    let mut select = reception_duty::Entity::find().filter(reception_duty::Column::Date.eq(today));
    if let Some(ids) = actor.readable_stations(db).await?.ids() {
        select = select.filter(reception_duty::Column::StationId.is_in(ids));
    }
    Ok(sorted(views(db, select.all(db).await?).await?))
}

/// The public roster of one station: the next `days` days from `today`.
#[tracing::instrument(skip_all, fields(station_id = station_id))]
pub async fn public_upcoming(
    db: &impl ConnectionTrait,
    station_id: i32,
    today: NaiveDate,
    days: i64,
) -> AppResult<Vec<DutyView>> {
    let until = today + chrono::Duration::days(days - 1);
    let duties = reception_duty::Entity::find()
        .filter(reception_duty::Column::StationId.eq(station_id))
        .filter(reception_duty::Column::Date.between(today, until))
        .all(db)
        .await?;
    let mut shown = views(db, duties).await?;
    // Only active deputies are named on the public page.
    let active: Vec<i32> = deputy::Entity::find()
        .filter(deputy::Column::StationId.eq(station_id))
        .filter(deputy::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect();
    shown.retain(|v| active.contains(&v.duty.deputy_id));
    Ok(sorted(shown))
}

/// With whom a duty is swapped: another duty (the two deputies change places), or another
/// deputy of the station who takes it over.
#[derive(Debug, Clone, Copy)]
pub enum SwapWith {
    Duty(i32),
    Deputy(i32),
}

/// Whether the actor may swap duties of this station at all: its managers, and its deputies
/// (their own duties, checked by `may_swap`); 404 for a station out of scope.
async fn may_swap_at(db: &impl ConnectionTrait, actor: &Actor, station_id: i32) -> AppResult<()> {
    let scope = match actor.role {
        Role::Admin | Role::Manager => actor.managed_stations(db).await?,
        Role::Deputy => actor.readable_stations(db).await?,
        Role::Viewer | Role::Handler => {
            return Err(AppError::forbidden(format!("the {} role may not do this", actor.role)));
        }
    };
    if scope.contains(station_id) { Ok(()) } else { Err(AppError::NotFound("duty")) }
}

async fn may_swap(db: &impl ConnectionTrait, actor: &Actor, duties: &[&reception_duty::Model]) -> AppResult<()> {
    may_swap_at(db, actor, duties[0].station_id).await?;
    match actor.deputy_id {
        _ if actor.role != Role::Deputy => Ok(()),
        Some(me) if duties.iter().any(|d| d.deputy_id == me) => Ok(()),
        _ => Err(AppError::forbidden("a deputy may only swap their own duty")),
    }
}

/// 403/404 unless the actor may swap duties at the station of duty `id`: checked before the
/// request is read, so a refused caller learns nothing from it.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn require_may_swap(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<()> {
    let duty = reception_duty::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("duty"))?;
    may_swap_at(db, actor, duty.station_id).await
}

/// Swaps a duty, in one transaction, with an audit entry. Both deputies must belong to the
/// duty's station.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn swap<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i32,
    with: SwapWith,
) -> AppResult<Vec<DutyView>> {
    let duty = reception_duty::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("duty"))?;
    let txn = db.begin().await?;
    let (changed, detail) = match with {
        SwapWith::Duty(other_id) => {
            let other = reception_duty::Entity::find_by_id(other_id)
                .one(db)
                .await?
                .ok_or_else(|| AppError::field(FieldError::unknown("with_duty_id")))?;
            may_swap(db, actor, &[&duty, &other]).await?;
            if other.station_id != duty.station_id || other.id == duty.id {
                return Err(AppError::field(FieldError::unknown("with_duty_id")));
            }
            if other.deputy_id == duty.deputy_id {
                return Err(AppError::conflict("same_deputy", "both duties are the same deputy's"));
            }
            if other.date == duty.date && other.slot == duty.slot {
                return Err(AppError::conflict("duty_taken", "both deputies are already on duty in that slot"));
            }
            station_deputies(db, duty.station_id, &[duty.deputy_id, other.deputy_id], "with_duty_id").await?;
            // Move one aside first so the (station, day, slot, deputy) key never collides.
            let (first, second) = (duty.deputy_id, other.deputy_id);
            set_deputy(&txn, &duty, second).await?;
            set_deputy(&txn, &other, first).await?;
            let detail = format!("duty {} ⇄ duty {}: deputy {first} ⇄ deputy {second}", duty.id, other.id);
            (vec![duty.id, other.id], detail)
        }
        SwapWith::Deputy(deputy_id) => {
            may_swap(db, actor, &[&duty]).await?;
            station_deputies(db, duty.station_id, &[deputy_id], "deputy_id").await?;
            if deputy_id == duty.deputy_id {
                return Err(AppError::conflict("same_deputy", "that deputy is already on this duty"));
            }
            set_deputy(&txn, &duty, deputy_id).await?;
            let detail = format!("duty {}: deputy {} → deputy {deputy_id}", duty.id, duty.deputy_id);
            (vec![duty.id], detail)
        }
    };
    audit::record(
        &txn,
        now,
        Some(actor.user_id),
        "reception_duty_swapped",
        Some(("reception_duty", Some(duty.id))),
        Some(&detail),
        None,
    )
    .await?;
    txn.commit().await?;
    let duties = reception_duty::Entity::find().filter(reception_duty::Column::Id.is_in(changed)).all(db).await?;
    Ok(sorted(views(db, duties).await?))
}

async fn set_deputy(db: &impl ConnectionTrait, duty: &reception_duty::Model, deputy_id: i32) -> AppResult<()> {
    let mut active: reception_duty::ActiveModel = duty.clone().into();
    active.deputy_id = Set(deputy_id);
    active.update(db).await.map_err(duplicate)?;
    Ok(())
}

/// Deputies on duty at a station on a day in a slot (an all-day duty counts for both halves).
#[tracing::instrument(skip_all, fields(station_id = station_id))]
pub async fn on_duty(db: &impl ConnectionTrait, station_id: i32, day: NaiveDate, slot: Slot) -> AppResult<Vec<i32>> {
    let duties = reception_duty::Entity::find()
        .filter(reception_duty::Column::StationId.eq(station_id))
        .filter(reception_duty::Column::Date.eq(day))
        .order_by_asc(reception_duty::Column::Id)
        .all(db)
        .await?;
    let mut ids = Vec::new();
    for duty in duties {
        if slot.overlaps(duty.slot) && !ids.contains(&duty.deputy_id) {
            ids.push(duty.deputy_id);
        }
    }
    Ok(ids)
}
