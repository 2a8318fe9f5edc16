//! Reply templates: ready answers and rejection texts staff pick from (and edit before
//! sending). Global ones (no station) are kept by administrators; a manager keeps their
//! stations' own.
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::domain::field::FieldError;
pub use crate::domain::reply_template::TemplateKind;
use crate::domain::role::Role;
use crate::entities::reply_template;
use crate::error::{AppError, AppResult};
use crate::services::organisation::actor::{Actor, StationScope};

#[derive(Debug, Clone)]
pub struct NewTemplate {
    pub station_id: Option<i32>,
    pub kind: TemplateKind,
    pub title: String,
    pub body: String,
    pub sort_order: Option<i32>,
}

#[derive(Debug, Clone, Default)]
pub struct TemplateChanges {
    pub title: Option<String>,
    pub body: Option<String>,
    pub sort_order: Option<i32>,
    pub active: Option<bool>,
}

/// The templates the actor may use: the global ones and those of stations they can read.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn usable(
    db: &impl ConnectionTrait,
    actor: &Actor,
    kind: Option<TemplateKind>,
) -> AppResult<Vec<reply_template::Model>> {
    let mut owned = Condition::any().add(reply_template::Column::StationId.is_null());
    match actor.readable_stations(db).await? {
        StationScope::All => owned = owned.add(reply_template::Column::StationId.is_not_null()),
        StationScope::Only(ids) => owned = owned.add(reply_template::Column::StationId.is_in(ids)),
    }
    let mut select = reply_template::Entity::find()
        .filter(owned)
        .filter(reply_template::Column::Active.eq(true))
        .order_by_asc(reply_template::Column::SortOrder)
        .order_by_asc(reply_template::Column::Id);
    if let Some(kind) = kind {
        select = select.filter(reply_template::Column::Kind.eq(kind.as_str()));
    }
    Ok(select.all(db).await?)
}

/// The roles that keep templates (administrators the shared ones, managers their stations').
pub const KEEPERS: &[Role] = &[Role::Admin, Role::Manager];

async fn may_edit(db: &impl ConnectionTrait, actor: &Actor, station_id: Option<i32>) -> AppResult<()> {
    match station_id {
        None if actor.is_admin() => Ok(()),
        None => Err(AppError::forbidden("only an administrator keeps the shared templates")),
        Some(id) if actor.managed_stations(db).await?.contains(id) => Ok(()),
        Some(_) if actor.is(Role::Manager) || actor.is_admin() => {
            Err(AppError::field(FieldError::unknown("station_id")))
        }
        Some(_) => Err(AppError::forbidden("only managers keep station templates")),
    }
}

#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    new: NewTemplate,
) -> AppResult<reply_template::Model> {
    may_edit(db, actor, new.station_id).await?;
    Ok(reply_template::ActiveModel {
        station_id: Set(new.station_id),
        kind: Set(new.kind),
        title: Set(new.title),
        body: Set(new.body),
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
    changes: TemplateChanges,
) -> AppResult<reply_template::Model> {
    let existing = reply_template::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("template"))?;
    let visible = usable(db, actor, None).await?.iter().any(|t| t.id == id) || !existing.active;
    if !visible {
        return Err(AppError::NotFound("template"));
    }
    may_edit(db, actor, existing.station_id).await?;
    let mut active: reply_template::ActiveModel = existing.into();
    if let Some(title) = changes.title {
        active.title = Set(title);
    }
    if let Some(body) = changes.body {
        active.body = Set(body);
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
