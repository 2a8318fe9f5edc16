//! Stations, points and grids: the places where deputies meet residents.
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::domain::field::FieldError;
use crate::domain::org::StationKind;
use crate::domain::page::{Page, PageRequest};
use crate::domain::phone::Phone;
use crate::domain::role::Role;
use crate::domain::token::new_public_token;
use crate::entities::station;
use crate::error::{AppError, AppResult};
use crate::services::organisation::actor::Actor;
use crate::services::support::paging::{contains, fetch_page};

#[derive(Debug, Clone)]
pub struct NewStation {
    pub name: String,
    pub kind: StationKind,
    pub parent_id: Option<i32>,
    pub address: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<Phone>,
    pub reception_days: Option<String>,
}

/// A partial update: `None` leaves a field alone; `Some(None)` clears an optional field.
#[derive(Debug, Clone, Default)]
pub struct StationChanges {
    pub name: Option<String>,
    pub address: Option<Option<String>>,
    pub contact_name: Option<Option<String>>,
    pub contact_phone: Option<Option<Phone>>,
    pub reception_days: Option<Option<String>>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Default)]
pub struct StationFilter {
    pub kind: Option<StationKind>,
    pub parent_id: Option<i32>,
    pub q: Option<String>,
    pub active: Option<bool>,
}

pub fn kind_of(model: &station::Model) -> StationKind {
    model.kind
}

#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &StationFilter,
    page: PageRequest,
) -> AppResult<Page<station::Model>> {
    let mut select = station::Entity::find().order_by_asc(station::Column::Id);
    if let Some(ids) = actor.readable_stations(db).await?.ids() {
        select = select.filter(station::Column::Id.is_in(ids));
    }
    if let Some(kind) = filter.kind {
        select = select.filter(station::Column::Kind.eq(kind.as_str()));
    }
    if let Some(parent) = filter.parent_id {
        select = select.filter(station::Column::ParentId.eq(parent));
    }
    if let Some(active) = filter.active {
        select = select.filter(station::Column::Active.eq(active));
    }
    if let Some(q) = filter.q.as_deref() {
        select = select.filter(
            Condition::any().add(contains(station::Column::Name, q)).add(contains(station::Column::Address, q)),
        );
    }
    fetch_page(db, select, page).await
}

/// A station the actor may read; 404 otherwise (its existence is not revealed).
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn get(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<station::Model> {
    let found = station::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("station"))?;
    if !actor.readable_stations(db).await?.contains(id) {
        return Err(AppError::NotFound("station"));
    }
    Ok(found)
}

/// The roles that may create stations (a manager only beneath the stations they manage).
pub const WRITERS: &[Role] = &[Role::Admin, Role::Manager];

#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    new: NewStation,
) -> AppResult<station::Model> {
    actor.require(WRITERS)?;
    let managed = actor.managed_stations(db).await?;
    let parent_kind = match new.parent_id {
        None => {
            if !actor.is_admin() {
                return Err(AppError::forbidden("only an administrator may create a top-level station"));
            }
            None
        }
        Some(parent_id) => {
            let parent = station::Entity::find_by_id(parent_id).one(db).await?;
            let readable = actor.readable_stations(db).await?;
            let Some(parent) = parent.filter(|p| readable.contains(p.id)) else {
                return Err(AppError::field(FieldError::unknown("parent_id")));
            };
            if !managed.contains(parent.id) {
                return Err(AppError::forbidden("you do not manage the parent station"));
            }
            Some(kind_of(&parent))
        }
    };
    if !new.kind.allowed_parent(parent_kind) {
        return Err(AppError::field(FieldError::invalid(
            "parent_id",
            "empty for a station, a station for a point, a station or point for a grid",
        )));
    }
    let model = station::ActiveModel {
        name: Set(new.name),
        kind: Set(new.kind),
        parent_id: Set(new.parent_id),
        public_token: Set(new_public_token()),
        address: Set(new.address),
        contact_name: Set(new.contact_name),
        contact_phone: Set(new.contact_phone.map(|p| p.to_string())),
        reception_days: Set(new.reception_days),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(model)
}

#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn update(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i32,
    changes: StationChanges,
) -> AppResult<station::Model> {
    let existing = get(db, actor, id).await?;
    if !actor.managed_stations(db).await?.contains(id) {
        return Err(AppError::forbidden("you do not manage this station"));
    }
    let mut active: station::ActiveModel = existing.into();
    if let Some(name) = changes.name {
        active.name = Set(name);
    }
    if let Some(address) = changes.address {
        active.address = Set(address);
    }
    if let Some(contact_name) = changes.contact_name {
        active.contact_name = Set(contact_name);
    }
    if let Some(contact_phone) = changes.contact_phone {
        active.contact_phone = Set(contact_phone.map(|p| p.to_string()));
    }
    if let Some(reception_days) = changes.reception_days {
        active.reception_days = Set(reception_days);
    }
    if let Some(flag) = changes.active {
        active.active = Set(flag);
    }
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}

/// For public pages: an active station by its public token.
#[tracing::instrument(skip_all)]
pub async fn find_by_public_token(db: &impl ConnectionTrait, token: &str) -> AppResult<Option<station::Model>> {
    Ok(station::Entity::find()
        .filter(station::Column::PublicToken.eq(token))
        .filter(station::Column::Active.eq(true))
        .one(db)
        .await?)
}
