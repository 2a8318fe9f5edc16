//! What a suggestion may name (active deputies, the lead from the station's family, active
//! units and category), and its links to deputies and units, rewritten whole.
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::domain::field::FieldError;
use crate::domain::suggestion::SuggestionRole;
use crate::entities::{category, deputy, suggestion_deputy, suggestion_unit, unit};
use crate::error::{AppError, AppResult};
use crate::services::organisation::actor::with_family;

/// Active deputies by id; any other id is a field error.
pub(super) async fn known_deputies(db: &impl ConnectionTrait, ids: &[i32], field: &'static str) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let found = deputy::Entity::find()
        .filter(deputy::Column::Id.is_in(ids.to_vec()))
        .filter(deputy::Column::Active.eq(true))
        .count(db)
        .await?;
    if found as usize == ids.len() { Ok(()) } else { Err(AppError::field(FieldError::unknown(field))) }
}

/// The lead deputy belongs to the suggestion's station, a station above it or a point below.
pub(super) async fn lead_of_station(db: &impl ConnectionTrait, station_id: i32, deputy_id: i32) -> AppResult<()> {
    let record = deputy::Entity::find_by_id(deputy_id)
        .filter(deputy::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or_else(|| AppError::field(FieldError::unknown("lead_deputy_id")))?;
    if with_family(db, &[station_id]).await?.contains(record.station_id) {
        Ok(())
    } else {
        Err(AppError::field(FieldError::unknown("lead_deputy_id")))
    }
}

pub(super) async fn known_units(db: &impl ConnectionTrait, ids: &[i32], field: &'static str) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let found = unit::Entity::find()
        .filter(unit::Column::Id.is_in(ids.to_vec()))
        .filter(unit::Column::Active.eq(true))
        .count(db)
        .await?;
    if found as usize == ids.len() { Ok(()) } else { Err(AppError::field(FieldError::unknown(field))) }
}

pub(super) async fn known_category(db: &impl ConnectionTrait, id: Option<i32>) -> AppResult<()> {
    let Some(id) = id else { return Ok(()) };
    match category::Entity::find_by_id(id).filter(category::Column::Active.eq(true)).one(db).await? {
        Some(_) => Ok(()),
        None => Err(AppError::field(FieldError::unknown("category_id"))),
    }
}

pub(super) async fn link_deputies(db: &impl ConnectionTrait, id: i32, lead: i32, co: &[i32]) -> AppResult<()> {
    suggestion_deputy::Entity::delete_many().filter(suggestion_deputy::Column::SuggestionId.eq(id)).exec(db).await?;
    let all = std::iter::once((lead, SuggestionRole::Lead)).chain(co.iter().map(|d| (*d, SuggestionRole::Co)));
    for (position, (deputy_id, role)) in all.enumerate() {
        suggestion_deputy::ActiveModel {
            suggestion_id: Set(id),
            deputy_id: Set(deputy_id),
            role: Set(role),
            position: Set(position as i32),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

pub(super) async fn link_units(db: &impl ConnectionTrait, id: i32, lead: i32, co: &[i32]) -> AppResult<()> {
    suggestion_unit::Entity::delete_many().filter(suggestion_unit::Column::SuggestionId.eq(id)).exec(db).await?;
    let all = std::iter::once((lead, SuggestionRole::Lead)).chain(co.iter().map(|u| (*u, SuggestionRole::Co)));
    for (unit_id, role) in all {
        suggestion_unit::ActiveModel { suggestion_id: Set(id), unit_id: Set(unit_id), role: Set(role) }
            .insert(db)
            .await?;
    }
    Ok(())
}
