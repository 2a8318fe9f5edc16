//! Webhooks to chat groups (企业微信, 钉钉) or other systems, for a station or a deputy.
//! Administrators manage all of them; a manager those of the stations they manage and of
//! those stations' deputies. Secrets are write-only: stored, never shown.
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::domain::field::FieldError;
use crate::domain::page::{Page, PageRequest};
use crate::domain::role::Role;
use crate::domain::webhook::WebhookFormat;
use crate::entities::{deputy, station, webhook};
use crate::error::{AppError, AppResult};
use crate::services::organisation::actor::{Actor, StationScope};
use crate::services::organisation::deputies;
use crate::services::privacy::audit;
use crate::services::support::paging::fetch_page;

/// What a webhook reports on: everything about one station (and the points below it), or
/// one deputy's cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookTarget {
    Station(i32),
    Deputy(i32),
}

#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub target: WebhookTarget,
    pub format: WebhookFormat,
    pub url: String,
    pub secret: Option<String>,
    pub active: bool,
}

/// A partial update; `secret: Some(None)` removes the secret.
#[derive(Debug, Clone, Default)]
pub struct WebhookChanges {
    pub target: Option<WebhookTarget>,
    pub format: Option<WebhookFormat>,
    pub url: Option<String>,
    pub secret: Option<Option<String>>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct WebhookFilter {
    pub station_id: Option<i32>,
    pub deputy_id: Option<i32>,
}

/// The stations whose webhooks the actor manages; 403 for roles that manage none.
/// The roles that keep webhooks (for the stations they manage).
pub const KEEPERS: &[Role] = &[Role::Admin, Role::Manager];

async fn scope(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<StationScope> {
    actor.require(KEEPERS)?;
    actor.managed_stations(db).await
}

/// Webhooks of the stations in `ids` and of their deputies.
fn in_stations(ids: Vec<i32>) -> Condition {
    Condition::any()
        .add(webhook::Column::StationId.is_in(ids.clone()))
        .add(webhook::Column::DeputyId.in_subquery(deputies::of_stations(ids)))
}

#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: WebhookFilter,
    page: PageRequest,
) -> AppResult<Page<webhook::Model>> {
    let mut select = webhook::Entity::find().order_by_asc(webhook::Column::Id);
    if let Some(ids) = scope(db, actor).await?.ids() {
        select = select.filter(in_stations(ids));
    }
    if let Some(station_id) = filter.station_id {
        select = select.filter(webhook::Column::StationId.eq(station_id));
    }
    if let Some(deputy_id) = filter.deputy_id {
        select = select.filter(webhook::Column::DeputyId.eq(deputy_id));
    }
    fetch_page(db, select, page).await
}

/// The station a webhook belongs to (a deputy's webhook: the deputy's station).
async fn station_of(db: &impl ConnectionTrait, hook: &webhook::Model) -> AppResult<Option<i32>> {
    if let Some(station_id) = hook.station_id {
        return Ok(Some(station_id));
    }
    let Some(deputy_id) = hook.deputy_id else { return Ok(None) };
    Ok(deputy::Entity::find_by_id(deputy_id).one(db).await?.map(|d| d.station_id))
}

/// A webhook the actor manages; 404 for one outside their stations.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn get(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<webhook::Model> {
    let managed = scope(db, actor).await?;
    let hook = webhook::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("webhook"))?;
    let visible = match managed {
        StationScope::All => true,
        StationScope::Only(_) => station_of(db, &hook).await?.is_some_and(|s| managed.contains(s)),
    };
    if visible { Ok(hook) } else { Err(AppError::NotFound("webhook")) }
}

/// The station or deputy a webhook is for must exist and be visible (422 otherwise) and be
/// managed by the actor (403 otherwise).
async fn check_target(db: &impl ConnectionTrait, actor: &Actor, target: WebhookTarget) -> AppResult<()> {
    let (field, station_id) = match target {
        WebhookTarget::Station(id) => ("station_id", station::Entity::find_by_id(id).one(db).await?.map(|s| s.id)),
        WebhookTarget::Deputy(id) => ("deputy_id", deputy::Entity::find_by_id(id).one(db).await?.map(|d| d.station_id)),
    };
    let Some(station_id) = station_id else {
        return Err(AppError::field(FieldError::unknown(field)));
    };
    if !actor.readable_stations(db).await?.contains(station_id) {
        return Err(AppError::field(FieldError::unknown(field)));
    }
    if !actor.managed_stations(db).await?.contains(station_id) {
        return Err(AppError::forbidden("you do not manage this station"));
    }
    Ok(())
}

fn split(target: WebhookTarget) -> (Option<i32>, Option<i32>) {
    match target {
        WebhookTarget::Station(id) => (Some(id), None),
        WebhookTarget::Deputy(id) => (None, Some(id)),
    }
}

#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    new: NewWebhook,
) -> AppResult<webhook::Model> {
    scope(db, actor).await?;
    check_target(db, actor, new.target).await?;
    let (station_id, deputy_id) = split(new.target);
    let created = webhook::ActiveModel {
        station_id: Set(station_id),
        deputy_id: Set(deputy_id),
        format: Set(new.format),
        url: Set(new.url),
        secret: Set(new.secret),
        active: Set(new.active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    audit::record(db, now, Some(actor.user_id), "webhook_created", Some(("webhook", Some(created.id))), None, None)
        .await?;
    Ok(created)
}

#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn update(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i32,
    changes: WebhookChanges,
) -> AppResult<webhook::Model> {
    let existing = get(db, actor, id).await?;
    let mut active: webhook::ActiveModel = existing.into();
    if let Some(target) = changes.target {
        check_target(db, actor, target).await?;
        let (station_id, deputy_id) = split(target);
        active.station_id = Set(station_id);
        active.deputy_id = Set(deputy_id);
    }
    if let Some(format) = changes.format {
        active.format = Set(format);
    }
    if let Some(url) = changes.url {
        active.url = Set(url);
    }
    if let Some(secret) = changes.secret {
        active.secret = Set(secret);
    }
    if let Some(flag) = changes.active {
        active.active = Set(flag);
    }
    active.updated_at = Set(now);
    let saved = active.update(db).await?;
    audit::record(db, now, Some(actor.user_id), "webhook_updated", Some(("webhook", Some(id))), None, None).await?;
    Ok(saved)
}

/// Deletes a webhook; its undelivered messages go with it.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn delete(db: &impl ConnectionTrait, actor: &Actor, now: DateTime<Utc>, id: i32) -> AppResult<()> {
    get(db, actor, id).await?;
    webhook::Entity::delete_by_id(id).exec(db).await?;
    audit::record(db, now, Some(actor.user_id), "webhook_deleted", Some(("webhook", Some(id))), None, None).await?;
    Ok(())
}
