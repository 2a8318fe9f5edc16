//! Who may see which case, and who may see a resident's contact details unmasked.
//!
//! Read: administrators every case; managers the cases of the stations they manage (with
//! their points and grids); viewers those of the stations they may read; a deputy the cases
//! addressed to them; a handler the cases assigned to their unit.
//! Contact details unmasked: only the people handling the case — its deputy, the managers
//! of its station and the staff of the unit it is assigned to. Administrators and viewers
//! see them masked like everyone else.
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait};

use crate::domain::role::Role;
use crate::entities::case;
use crate::error::{AppError, AppResult};
use crate::services::organisation::actor::{Actor, StationScope};

/// The condition selecting the cases `actor` may read (`None`: every case).
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn readable(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<Option<Condition>> {
    let stations = readable_stations(db, actor).await?;
    Ok(readable_given(actor, stations.as_ref()))
}

/// The stations whose cases `actor` may read, for the roles that read by station
/// (administrators, managers, viewers); `None` for deputies and handlers, who read their own.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn readable_stations(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<Option<StationScope>> {
    Ok(match actor.role {
        Role::Admin => Some(StationScope::All),
        Role::Manager => Some(actor.managed_stations(db).await?),
        Role::Viewer => Some(actor.readable_stations(db).await?),
        Role::Deputy | Role::Handler => None,
    })
}

/// [`readable`] from the stations [`readable_stations`] found.
pub fn readable_given(actor: &Actor, stations: Option<&StationScope>) -> Option<Condition> {
    match (actor.role, stations) {
        (Role::Deputy, _) => Some(Condition::all().add(case::Column::DeputyId.eq(actor.deputy_id.unwrap_or(-1)))),
        (Role::Handler, _) => Some(
            Condition::all()
                .add(case::Column::UnitId.eq(actor.unit_id.unwrap_or(-1)))
                .add(case::Column::AssignedAt.is_not_null()),
        ),
        (_, Some(scope)) => scope.ids().map(|ids| Condition::all().add(case::Column::StationId.is_in(ids))),
        // A station role without its stations looked up: nothing.
        (_, None) => Some(Condition::all().add(case::Column::Id.eq(-1))),
    }
}

#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn can_read(db: &impl ConnectionTrait, actor: &Actor, record: &case::Model) -> AppResult<bool> {
    Ok(match actor.role {
        Role::Admin => true,
        Role::Manager => actor.managed_stations(db).await?.contains(record.station_id),
        Role::Viewer => actor.readable_stations(db).await?.contains(record.station_id),
        Role::Deputy => actor.deputy_id.is_some() && record.deputy_id == actor.deputy_id,
        Role::Handler => actor.unit_id.is_some() && record.unit_id == actor.unit_id && record.assigned_at.is_some(),
    })
}

/// Whether the actor handles this case, and so may see the resident's contact unmasked.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn handles(db: &impl ConnectionTrait, actor: &Actor, record: &case::Model) -> AppResult<bool> {
    Ok(match actor.role {
        Role::Manager => actor.managed_stations(db).await?.contains(record.station_id),
        Role::Deputy | Role::Handler => can_read(db, actor, record).await?,
        Role::Admin | Role::Viewer => false,
    })
}

/// A case the actor may read; 404 otherwise, so its existence is not revealed.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn get(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<case::Model> {
    let record = case::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("case"))?;
    if can_read(db, actor, &record).await? { Ok(record) } else { Err(AppError::NotFound("case")) }
}
