//! Handling units (承办单位): the offices that resolve cases.
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::domain::page::{Page, PageRequest};
use crate::domain::phone::Phone;
use crate::domain::role::Role;
use crate::entities::unit;
use crate::error::{AppError, AppResult};
use crate::services::organisation::actor::Actor;
use crate::services::support::paging::{contains, fetch_page};
use crate::services::support::unique;

#[derive(Debug, Clone)]
pub struct NewUnit {
    pub name: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<Phone>,
}

#[derive(Debug, Clone, Default)]
pub struct UnitChanges {
    pub name: Option<String>,
    pub contact_name: Option<Option<String>>,
    pub contact_phone: Option<Option<Phone>>,
    pub active: Option<bool>,
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &impl ConnectionTrait,
    q: Option<&str>,
    active: Option<bool>,
    page: PageRequest,
) -> AppResult<Page<unit::Model>> {
    let mut select = unit::Entity::find().order_by_asc(unit::Column::Id);
    if let Some(q) = q {
        select = select.filter(contains(unit::Column::Name, q));
    }
    if let Some(active) = active {
        select = select.filter(unit::Column::Active.eq(active));
    }
    fetch_page(db, select, page).await
}

#[tracing::instrument(skip_all, fields(id = id))]
pub async fn get(db: &impl ConnectionTrait, id: i32) -> AppResult<unit::Model> {
    unit::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("unit"))
}

async fn name_taken(db: &impl ConnectionTrait, name: &str, except: Option<i32>) -> AppResult<bool> {
    unique::taken::<unit::Entity>(db, unit::Column::Name, unit::Column::Id, name, except).await
}

/// The roles that may create units.
pub const WRITERS: &[Role] = &[Role::Admin];

#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    new: NewUnit,
) -> AppResult<unit::Model> {
    actor.require(WRITERS)?;
    if name_taken(db, &new.name, None).await? {
        return Err(AppError::conflict("already_exists", format!("a unit named {} already exists", new.name)));
    }
    Ok(unit::ActiveModel {
        name: Set(new.name),
        contact_name: Set(new.contact_name),
        contact_phone: Set(new.contact_phone.map(|p| p.to_string())),
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
    changes: UnitChanges,
) -> AppResult<unit::Model> {
    actor.require(&[Role::Admin])?;
    let existing = get(db, id).await?;
    let mut active: unit::ActiveModel = existing.into();
    if let Some(name) = changes.name {
        if name_taken(db, &name, Some(id)).await? {
            return Err(AppError::conflict("already_exists", format!("a unit named {name} already exists")));
        }
        active.name = Set(name);
    }
    if let Some(contact_name) = changes.contact_name {
        active.contact_name = Set(contact_name);
    }
    if let Some(contact_phone) = changes.contact_phone {
        active.contact_phone = Set(contact_phone.map(|p| p.to_string()));
    }
    if let Some(flag) = changes.active {
        active.active = Set(flag);
    }
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}
