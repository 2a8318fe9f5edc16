//! What hangs off an activity: the cases raised at it, and its photos.
use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::read::{get, managed, readable};
use super::{ActivityView, CaseRef};
use crate::domain::activity::MAX_PHOTOS;
use crate::domain::field::{FieldError, Problem};
use crate::entities::{activity_case, activity_photo, case};
use crate::error::{AppError, AppResult};
use crate::services::cases::intake::PhotoRecord;
use crate::services::organisation::actor::{Actor, with_descendants};
use crate::services::privacy::audit;

/// Links a case raised at the activity (a case of the same station, its points or grids).
/// Linking it again changes nothing.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn link_case(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i32,
    which: CaseRef,
) -> AppResult<ActivityView> {
    let current = managed(db, actor, id).await?;
    let stations = with_descendants(db, &[current.station_id]).await?.ids().unwrap_or_default();
    let select = case::Entity::find().filter(case::Column::StationId.is_in(stations));
    let (select, field) = match which {
        CaseRef::Id(case_id) => (select.filter(case::Column::Id.eq(case_id)), "case_id"),
        CaseRef::TrackingCode(code) => {
            (select.filter(case::Column::TrackingCode.eq(code.trim().to_uppercase())), "tracking_code")
        }
    };
    let found = select.one(db).await?.ok_or_else(|| AppError::field(FieldError::unknown(field)))?;
    let linked = activity_case::Entity::find_by_id((id, found.id)).one(db).await?;
    if linked.is_none() {
        activity_case::ActiveModel { activity_id: Set(id), case_id: Set(found.id) }.insert(db).await?;
        let detail = format!("case {}", found.id);
        audit::record(
            db,
            now,
            Some(actor.user_id),
            "activity_case_linked",
            Some(("activity", Some(id))),
            Some(&detail),
            None,
        )
        .await?;
    }
    get(db, actor, id).await
}

/// Unlinks a case from the activity; 404 if it was not linked.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id, case_id = case_id))]
pub async fn unlink_case(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i32,
    case_id: i32,
) -> AppResult<ActivityView> {
    managed(db, actor, id).await?;
    let done = activity_case::Entity::delete_many()
        .filter(activity_case::Column::ActivityId.eq(id))
        .filter(activity_case::Column::CaseId.eq(case_id))
        .exec(db)
        .await?;
    if done.rows_affected == 0 {
        return Err(AppError::NotFound("case"));
    }
    let detail = format!("case {case_id}");
    audit::record(
        db,
        now,
        Some(actor.user_id),
        "activity_case_unlinked",
        Some(("activity", Some(id))),
        Some(&detail),
        None,
    )
    .await?;
    get(db, actor, id).await
}

/// Adds photos (already re-encoded and stored) to an activity (a manager of its station), at
/// most `MAX_PHOTOS` in all; a photo added twice is kept once.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn add_photos(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i32,
    photos: Vec<PhotoRecord>,
) -> AppResult<ActivityView> {
    managed(db, actor, id).await?;
    let existing: HashSet<String> = activity_photo::Entity::find()
        .filter(activity_photo::Column::ActivityId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.hash)
        .collect();
    let mut seen = existing.clone();
    let new: Vec<PhotoRecord> = photos.into_iter().filter(|p| seen.insert(p.hash.clone())).collect();
    if existing.len() + new.len() > MAX_PHOTOS {
        return Err(AppError::field(FieldError::new(
            "photos",
            Problem::Described(format!("an activity keeps at most {MAX_PHOTOS} photos")),
        )));
    }
    for photo in &new {
        activity_photo::ActiveModel {
            activity_id: Set(id),
            hash: Set(photo.hash.clone()),
            width: Set(photo.width),
            height: Set(photo.height),
            bytes: Set(photo.bytes),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    if !new.is_empty() {
        let detail = format!("{} photos", new.len());
        audit::record(
            db,
            now,
            Some(actor.user_id),
            "activity_photos_added",
            Some(("activity", Some(id))),
            Some(&detail),
            None,
        )
        .await?;
    }
    get(db, actor, id).await
}

/// Whether `hash` is a photo of an activity the actor may read (404 otherwise).
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn readable_photo(db: &impl ConnectionTrait, actor: &Actor, id: i32, hash: &str) -> AppResult<()> {
    readable(db, actor, id).await?;
    activity_photo::Entity::find_by_id((id, hash.to_string())).one(db).await?.ok_or(AppError::NotFound("photo"))?;
    Ok(())
}
