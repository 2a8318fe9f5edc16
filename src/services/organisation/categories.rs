//! Categories of residents' matters (the committee lines), each with a default deadline tier
//! and a default handling unit.
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::domain::field::FieldError;
use crate::domain::org::TierCode;
use crate::domain::role::Role;
use crate::entities::{category, tier, unit};
use crate::error::{AppError, AppResult};
use crate::services::organisation::actor::Actor;
use crate::services::support::unique;

#[derive(Debug, Clone)]
pub struct NewCategory {
    pub name: String,
    pub hint: Option<String>,
    pub default_tier: Option<TierCode>,
    pub default_unit_id: Option<i32>,
    pub sort_order: Option<i32>,
}

#[derive(Debug, Clone, Default)]
pub struct CategoryChanges {
    pub name: Option<String>,
    pub hint: Option<Option<String>>,
    pub default_tier: Option<TierCode>,
    pub default_unit_id: Option<Option<i32>>,
    pub sort_order: Option<i32>,
    pub active: Option<bool>,
}

/// All categories in display order (the list is short; no paging).
#[tracing::instrument(skip_all)]
pub async fn list(db: &impl ConnectionTrait, active_only: bool) -> AppResult<Vec<category::Model>> {
    let mut select =
        category::Entity::find().order_by_asc(category::Column::SortOrder).order_by_asc(category::Column::Id);
    if active_only {
        select = select.filter(category::Column::Active.eq(true));
    }
    Ok(select.all(db).await?)
}

#[tracing::instrument(skip_all, fields(id = id))]
pub async fn get(db: &impl ConnectionTrait, id: i32) -> AppResult<category::Model> {
    category::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("category"))
}

#[tracing::instrument(skip_all)]
pub async fn tiers(db: &impl ConnectionTrait) -> AppResult<Vec<tier::Model>> {
    Ok(tier::Entity::find().order_by_asc(tier::Column::SortOrder).all(db).await?)
}

async fn check_unit(db: &impl ConnectionTrait, unit_id: i32) -> AppResult<()> {
    match unit::Entity::find_by_id(unit_id).one(db).await? {
        Some(_) => Ok(()),
        None => Err(AppError::field(FieldError::unknown("default_unit_id"))),
    }
}

async fn name_taken(db: &impl ConnectionTrait, name: &str, except: Option<i32>) -> AppResult<bool> {
    unique::taken::<category::Entity>(db, category::Column::Name, category::Column::Id, name, except).await
}

/// The roles that may create categories.
pub const WRITERS: &[Role] = &[Role::Admin];

#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    new: NewCategory,
) -> AppResult<category::Model> {
    actor.require(WRITERS)?;
    if let Some(unit_id) = new.default_unit_id {
        check_unit(db, unit_id).await?;
    }
    if name_taken(db, &new.name, None).await? {
        return Err(AppError::conflict("already_exists", format!("a category named {} already exists", new.name)));
    }
    Ok(category::ActiveModel {
        name: Set(new.name),
        hint: Set(new.hint),
        default_tier: Set(new.default_tier.unwrap_or(TierCode::Month)),
        default_unit_id: Set(new.default_unit_id),
        sort_order: Set(new.sort_order.unwrap_or(100)),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn update(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i32,
    changes: CategoryChanges,
) -> AppResult<category::Model> {
    actor.require(&[Role::Admin])?;
    let existing = get(db, id).await?;
    if let Some(Some(unit_id)) = changes.default_unit_id {
        check_unit(db, unit_id).await?;
    }
    let mut active: category::ActiveModel = existing.into();
    if let Some(name) = changes.name {
        if name_taken(db, &name, Some(id)).await? {
            return Err(AppError::conflict("already_exists", format!("a category named {name} already exists")));
        }
        active.name = Set(name);
    }
    if let Some(hint) = changes.hint {
        active.hint = Set(hint);
    }
    if let Some(tier) = changes.default_tier {
        active.default_tier = Set(tier);
    }
    if let Some(unit_id) = changes.default_unit_id {
        active.default_unit_id = Set(unit_id);
    }
    if let Some(order) = changes.sort_order {
        active.sort_order = Set(order);
    }
    if let Some(flag) = changes.active {
        active.active = Set(flag);
    }
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}
