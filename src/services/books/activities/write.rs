//! Recording an activity with the deputies invited, editing it, and marking who came.
use std::collections::HashSet;

use chrono::{DateTime, NaiveTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionSession, TransactionTrait,
};

use super::read::{get, managed, one_view, scope_deputies};
use super::{ActivityChanges, ActivityView, Mark, NewActivity, stale};
use crate::domain::activity::{AttendanceStatus, MAX_INVITED, When, format_time};
use crate::domain::field::{FieldError, Problem};
use crate::entities::{activity, activity_attendance};
use crate::error::{AppError, AppResult};
use crate::services::books::reception_roster::managed_station;
use crate::services::organisation::actor::Actor;
use crate::services::privacy::audit;
use crate::services::support::versioned::VersionedUpdate;

/// Every id must be an active deputy of the station, its points or grids: 422 otherwise.
async fn check_deputies(db: &impl ConnectionTrait, station_id: i32, ids: &[i32], field: &'static str) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    if ids.len() > MAX_INVITED {
        return Err(AppError::field(FieldError::new(field, Problem::OutOfRange { min: 0, max: MAX_INVITED as i64 })));
    }
    let known: HashSet<i32> = scope_deputies(db, station_id).await?.into_iter().map(|d| d.id).collect();
    match ids.iter().find(|id| !known.contains(id)) {
        None => Ok(()),
        Some(id) => Err(AppError::field(FieldError::new(
            field,
            Problem::Described(format!("deputy {id} is not a deputy of this station or of its points and grids")),
        ))),
    }
}

fn dedup(ids: Vec<i32>) -> Vec<i32> {
    let mut seen = HashSet::new();
    ids.into_iter().filter(|id| seen.insert(*id)).collect()
}

async fn insert_marks(db: &impl ConnectionTrait, activity_id: i32, marks: &[Mark]) -> AppResult<()> {
    for mark in marks {
        activity_attendance::ActiveModel {
            activity_id: Set(activity_id),
            deputy_id: Set(mark.deputy_id),
            status: Set(mark.status),
            note: Set(mark.note.clone()),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Records an activity of a station (its managers, administrators) with the deputies invited;
/// one transaction.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, station_id = station_id))]
pub async fn record<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: DateTime<Utc>,
    station_id: i32,
    new: NewActivity,
) -> AppResult<ActivityView> {
    managed_station(db, actor, station_id).await?;
    let deputy_ids = dedup(new.deputy_ids);
    check_deputies(db, station_id, &deputy_ids, "deputy_ids").await?;
    let txn = db.begin().await?;
    let saved = activity::ActiveModel {
        station_id: Set(station_id),
        kind: Set(new.kind),
        held_on: Set(new.held_on),
        slot: Set(new.when.slot),
        starts_at: Set(new.when.starts_at.map(format_time)),
        ends_at: Set(new.when.ends_at.map(format_time)),
        place: Set(new.place),
        topic: Set(new.topic),
        organiser: Set(new.organiser),
        other_participants: Set(new.other_participants),
        summary: Set(new.summary),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let marks: Vec<Mark> = deputy_ids
        .into_iter()
        .map(|deputy_id| Mark { deputy_id, status: AttendanceStatus::Invited, note: None })
        .collect();
    insert_marks(&txn, saved.id, &marks).await?;
    audit::record(&txn, now, Some(actor.user_id), "activity_recorded", Some(("activity", Some(saved.id))), None, None)
        .await?;
    txn.commit().await?;
    one_view(db, actor, saved).await
}

fn parse_stored_time(raw: Option<&str>) -> Option<NaiveTime> {
    raw.and_then(|t| NaiveTime::parse_from_str(t, "%H:%M").ok())
}

/// Edits an activity (a manager of its station) if `changes.version` is still current; 409
/// if someone changed it first.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i32,
    changes: ActivityChanges,
) -> AppResult<ActivityView> {
    let current = managed(db, actor, id).await?;
    // The times as they will be, checked together.
    let slot = changes.slot.unwrap_or(current.slot);
    let starts = changes.starts_at.unwrap_or_else(|| parse_stored_time(current.starts_at.as_deref()));
    let ends = changes.ends_at.unwrap_or_else(|| parse_stored_time(current.ends_at.as_deref()));
    let when = When::new(slot, starts, ends).map_err(AppError::field)?;
    let txn = db.begin().await?;
    use activity::Column as C;
    let written = VersionedUpdate::<activity::Entity>::new(C::Id, C::Version, id, current.version, changes.version)
        .set(C::UpdatedAt, now)
        .set(C::Slot, when.slot)
        .set(C::StartsAt, when.starts_at.map(format_time))
        .set(C::EndsAt, when.ends_at.map(format_time))
        .set_some(C::Kind, changes.kind)
        .set_some(C::HeldOn, changes.held_on)
        .set_some(C::Place, changes.place)
        .set_some(C::Topic, changes.topic)
        .set_some(C::Organiser, changes.organiser)
        .set_some(C::OtherParticipants, changes.other_participants)
        .set_some(C::Summary, changes.summary)
        .apply(&txn)
        .await?;
    if !written {
        return Err(stale(current.version));
    }
    audit::record(&txn, now, Some(actor.user_id), "activity_updated", Some(("activity", Some(id))), None, None).await?;
    txn.commit().await?;
    get(db, actor, id).await
}

/// Replaces who was invited and how each is marked (a manager of the station). With a
/// `version`, a stale one is a 409; the activity's version moves on either way.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn set_attendance<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i32,
    version: Option<i32>,
    marks: Vec<Mark>,
) -> AppResult<ActivityView> {
    let current = managed(db, actor, id).await?;
    let ids: Vec<i32> = marks.iter().map(|m| m.deputy_id).collect();
    if dedup(ids.clone()).len() != ids.len() {
        return Err(AppError::field(FieldError::new(
            "items",
            Problem::Described("each deputy may be listed once".into()),
        )));
    }
    check_deputies(db, current.station_id, &ids, "items").await?;
    let txn = db.begin().await?;
    let expected = version.unwrap_or(current.version);
    let done = activity::Entity::update_many()
        .col_expr(activity::Column::Version, Expr::value(current.version + 1))
        .col_expr(activity::Column::UpdatedAt, Expr::value(now))
        .filter(activity::Column::Id.eq(id))
        .filter(activity::Column::Version.eq(expected))
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(stale(current.version));
    }
    activity_attendance::Entity::delete_many()
        .filter(activity_attendance::Column::ActivityId.eq(id))
        .exec(&txn)
        .await?;
    insert_marks(&txn, id, &marks).await?;
    let detail = format!("{} deputies", marks.len());
    audit::record(
        &txn,
        now,
        Some(actor.user_id),
        "activity_attendance_set",
        Some(("activity", Some(id))),
        Some(&detail),
        None,
    )
    .await?;
    txn.commit().await?;
    get(db, actor, id).await
}
