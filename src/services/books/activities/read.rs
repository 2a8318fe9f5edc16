//! Who may read or change an activity, and reading them: one, a station's, a deputy's own.
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{ActivityFilter, ActivityView, AttendanceLine};
use crate::domain::page::{Page, PageRequest};
use crate::domain::role::Role;
use crate::entities::{activity, activity_attendance, activity_case, activity_photo, case, deputy};
use crate::error::{AppError, AppResult};
use crate::services::books::reception_roster::{managed_station, readable_station};
use crate::services::organisation::actor::{Actor, with_descendants};
use crate::services::organisation::deputies;

/// The active deputies of a station with its points and grids, by name order of id.
#[tracing::instrument(skip_all, fields(station_id = station_id))]
pub async fn scope_deputies(db: &impl ConnectionTrait, station_id: i32) -> AppResult<Vec<deputy::Model>> {
    let stations = with_descendants(db, &[station_id]).await?.ids().unwrap_or_default();
    Ok(deputy::Entity::find()
        .filter(deputy::Column::StationId.is_in(stations))
        .filter(deputy::Column::Active.eq(true))
        .order_by_asc(deputy::Column::Id)
        .all(db)
        .await?)
}

async fn views(
    db: &impl ConnectionTrait,
    actor: &Actor,
    activities: Vec<activity::Model>,
) -> AppResult<Vec<ActivityView>> {
    let ids: Vec<i32> = activities.iter().map(|a| a.id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut marks = activity_attendance::Entity::find()
        .filter(activity_attendance::Column::ActivityId.is_in(ids.clone()))
        .order_by_asc(activity_attendance::Column::ActivityId)
        .order_by_asc(activity_attendance::Column::DeputyId);
    // A deputy sees their own mark, not their colleagues'.
    if actor.is(Role::Deputy) {
        marks = marks.filter(activity_attendance::Column::DeputyId.eq(actor.deputy_id.unwrap_or(0)));
    }
    let marks = marks.all(db).await?;
    let names = deputies::names(db, marks.iter().map(|m| m.deputy_id).collect()).await?;
    let links = activity_case::Entity::find().filter(activity_case::Column::ActivityId.is_in(ids)).all(db).await?;
    let codes: HashMap<i32, String> = case::Entity::find()
        .select_only()
        .column(case::Column::Id)
        .column(case::Column::TrackingCode)
        .filter(case::Column::Id.is_in(links.iter().map(|l| l.case_id).collect::<Vec<_>>()))
        .into_tuple::<(i32, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut photos: HashMap<i32, Vec<String>> = HashMap::new();
    for photo in activity_photo::Entity::find()
        .filter(activity_photo::Column::ActivityId.is_in(activities.iter().map(|a| a.id).collect::<Vec<_>>()))
        .order_by_asc(activity_photo::Column::CreatedAt)
        .order_by_asc(activity_photo::Column::Hash)
        .all(db)
        .await?
    {
        photos.entry(photo.activity_id).or_default().push(photo.hash);
    }
    let mut attendance: HashMap<i32, Vec<AttendanceLine>> = HashMap::new();
    for mark in marks {
        attendance.entry(mark.activity_id).or_default().push(AttendanceLine {
            deputy_id: mark.deputy_id,
            deputy_name: names.get(&mark.deputy_id).cloned().unwrap_or_default(),
            status: mark.status,
            note: mark.note,
        });
    }
    let mut cases: HashMap<i32, Vec<(i32, String)>> = HashMap::new();
    for link in links {
        if let Some(code) = codes.get(&link.case_id) {
            cases.entry(link.activity_id).or_default().push((link.case_id, code.clone()));
        }
    }
    Ok(activities
        .into_iter()
        .map(|activity| {
            let mut linked = cases.remove(&activity.id).unwrap_or_default();
            linked.sort();
            ActivityView {
                attendance: attendance.remove(&activity.id).unwrap_or_default(),
                cases: linked,
                photos: photos.remove(&activity.id).unwrap_or_default(),
                activity,
            }
        })
        .collect())
}

pub(super) async fn one_view(
    db: &impl ConnectionTrait,
    actor: &Actor,
    activity: activity::Model,
) -> AppResult<ActivityView> {
    views(db, actor, vec![activity]).await?.pop().ok_or(AppError::NotFound("activity"))
}

/// The ids of the activities a deputy was invited to.
async fn invited_to(db: &impl ConnectionTrait, deputy_id: Option<i32>) -> AppResult<Vec<i32>> {
    let Some(deputy_id) = deputy_id else { return Ok(Vec::new()) };
    Ok(activity_attendance::Entity::find()
        .select_only()
        .column(activity_attendance::Column::ActivityId)
        .filter(activity_attendance::Column::DeputyId.eq(deputy_id))
        .into_tuple::<i32>()
        .all(db)
        .await?)
}

/// The activities of a station with its points and grids, newest first, a page at a time.
/// A deputy sees only those they were invited to.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, station_id = station_id))]
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    station_id: i32,
    filter: &ActivityFilter,
    page: PageRequest,
) -> AppResult<Page<ActivityView>> {
    readable_station(db, actor, station_id).await?;
    let stations = with_descendants(db, &[station_id]).await?.ids().unwrap_or_default();
    let mut select = activity::Entity::find().filter(activity::Column::StationId.is_in(stations));
    if actor.is(Role::Deputy) {
        select = select.filter(activity::Column::Id.is_in(invited_to(db, actor.deputy_id).await?));
    }
    let select = filter.apply(select);
    let total = select.clone().count(db).await?;
    let items = select
        .order_by_desc(activity::Column::HeldOn)
        .order_by_desc(activity::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok(Page { items: views(db, actor, items).await?, total, request: page })
}

/// The activities the signed-in deputy was invited to, newest first, with their own mark.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn mine(db: &impl ConnectionTrait, actor: &Actor, filter: &ActivityFilter) -> AppResult<Vec<ActivityView>> {
    actor.require(&[Role::Deputy])?;
    let select = filter
        .apply(activity::Entity::find().filter(activity::Column::Id.is_in(invited_to(db, actor.deputy_id).await?)));
    let items = select.order_by_desc(activity::Column::HeldOn).order_by_desc(activity::Column::Id).all(db).await?;
    views(db, actor, items).await
}

/// An activity the actor may read: staff by the station's scope, a deputy if invited.
pub(super) async fn readable(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<activity::Model> {
    let found = activity::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("activity"))?;
    readable_station(db, actor, found.station_id).await.map_err(|e| e.not_found_as("activity"))?;
    if actor.is(Role::Deputy) && !invited_to(db, actor.deputy_id).await?.contains(&id) {
        return Err(AppError::NotFound("activity"));
    }
    Ok(found)
}

/// An activity the actor may change: 403 for roles that never manage, 404 out of scope.
pub(super) async fn managed(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<activity::Model> {
    actor.require(&[Role::Admin, Role::Manager])?;
    let found = activity::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("activity"))?;
    managed_station(db, actor, found.station_id).await.map_err(|e| e.not_found_as("activity"))?;
    Ok(found)
}

/// 403/404 unless the actor may change the activity.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn require_managed(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<()> {
    managed(db, actor, id).await.map(|_| ())
}

#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn get(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<ActivityView> {
    let found = readable(db, actor, id).await?;
    one_view(db, actor, found).await
}
