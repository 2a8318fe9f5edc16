//! How the actor stands to a suggestion (manages it, reads it, leads it, handles it) and so
//! what they may do to it; the deadline in force and whether it is late.
use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, EntityTrait};

use super::read::parties;
use super::{Allowed, Party, entity};
use crate::domain::role::Role;
use crate::domain::suggestion::{
    Deadlines, SuggestionAction, SuggestionRole, SuggestionStatus, is_overdue, next_status,
};
use crate::error::{AppError, AppResult};
use crate::services::organisation::actor::{Actor, StationScope};

/// How the actor stands to one suggestion.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Standing {
    pub(super) manage: bool,
    pub(super) read: bool,
    pub(super) lead_deputy: bool,
    pub(super) unit: bool,
}

pub(super) fn status_of(model: &entity::Model) -> SuggestionStatus {
    model.status
}

pub(super) fn deadlines_of(model: &entity::Model) -> Deadlines {
    Deadlines { due_on: model.due_on, extended_to: model.extended_to, rehandling_due_on: model.rehandling_due_on }
}

/// The deadline in force for a stored suggestion (re-handling's own once it started).
pub fn deadline_of(model: &entity::Model) -> Option<NaiveDate> {
    deadlines_of(model).current(status_of(model))
}

/// Whether a stored suggestion is late on `today`.
pub fn overdue_on(model: &entity::Model, today: NaiveDate) -> bool {
    is_overdue(status_of(model), deadlines_of(model), model.replied_on, today)
}

/// The stations whose suggestions the actor reads through a station role (managers: those
/// they manage; viewers: those they read), read once per request.
pub(super) async fn station_scope(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<StationScope> {
    match actor.role {
        Role::Admin => Ok(StationScope::All),
        Role::Manager => actor.managed_stations(db).await,
        Role::Viewer => actor.readable_stations(db).await,
        Role::Deputy | Role::Handler => Ok(StationScope::none()),
    }
}

pub(super) fn standing(
    actor: &Actor,
    scope: &StationScope,
    model: &entity::Model,
    deputies: &[Party],
    units: &[Party],
) -> Standing {
    match actor.role {
        Role::Admin => Standing { manage: true, read: true, ..Standing::default() },
        Role::Manager => {
            let manage = scope.contains(model.station_id);
            Standing { manage, read: manage, ..Standing::default() }
        }
        Role::Viewer => Standing { read: scope.contains(model.station_id), ..Standing::default() },
        Role::Deputy => {
            let mine = deputies.iter().find(|d| Some(d.id) == actor.deputy_id);
            Standing {
                read: mine.is_some(),
                lead_deputy: mine.is_some_and(|d| d.role == SuggestionRole::Lead),
                ..Standing::default()
            }
        }
        Role::Handler => {
            let unit = model.assigned_on.is_some() && units.iter().any(|u| Some(u.id) == actor.unit_id);
            Standing { read: unit, unit, ..Standing::default() }
        }
    }
}

pub(super) fn allowed(standing: Standing, status: SuggestionStatus) -> Allowed {
    let can = |action: SuggestionAction, who: bool| who && next_status(status, action, false, false).is_ok();
    Allowed {
        edit: standing.manage || (standing.lead_deputy && status == SuggestionStatus::Drafted),
        submit: can(SuggestionAction::Submit, standing.manage || standing.lead_deputy),
        assign: can(SuggestionAction::Assign, standing.manage),
        extend: can(SuggestionAction::Extend, standing.manage),
        reply: can(SuggestionAction::Reply, standing.manage || standing.unit),
        rate: can(SuggestionAction::Rate, standing.manage || standing.lead_deputy),
        close: can(SuggestionAction::Close, standing.manage),
        key_supervision: standing.manage,
        reword: matches!(status, SuggestionStatus::Drafted | SuggestionStatus::Submitted)
            && (standing.manage || (standing.lead_deputy && status == SuggestionStatus::Drafted)),
    }
}

/// One suggestion with how the actor stands to it; 404 if they may not read it.
pub(super) async fn load(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
) -> AppResult<(entity::Model, Vec<Party>, Vec<Party>, Standing)> {
    let model = entity::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("suggestion"))?;
    let (mut deputies, mut units) = parties(db, &[id]).await?;
    let deputies = deputies.remove(&id).unwrap_or_default();
    let units = units.remove(&id).unwrap_or_default();
    let standing = standing(actor, &station_scope(db, actor).await?, &model, &deputies, &units);
    if !standing.read {
        return Err(AppError::NotFound("suggestion"));
    }
    Ok((model, deputies, units, standing))
}

/// 404 unless the actor reads the suggestion, 403 if they may take no action on it: checked
/// before the action is read, so a refused caller learns nothing from it.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn require_may_act(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<()> {
    let (_, _, _, s) = load(db, actor, id).await?;
    if s.manage || s.lead_deputy || s.unit {
        Ok(())
    } else {
        Err(AppError::forbidden("you may not act on this suggestion"))
    }
}

pub(super) fn may_edit(standing: Standing, status: SuggestionStatus) -> bool {
    allowed(standing, status).edit || standing.lead_deputy
}

/// 404 unless the actor reads the suggestion, 403 if they may not change it: checked before
/// the changes are read.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn require_may_edit(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<()> {
    let (current, _, _, standing) = load(db, actor, id).await?;
    if may_edit(standing, status_of(&current)) {
        Ok(())
    } else {
        Err(AppError::forbidden("you may read this suggestion but not change it"))
    }
}
