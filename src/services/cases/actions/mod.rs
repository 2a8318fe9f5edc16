//! Carrying out what staff do to a case: read what the decision needs, let the domain decide
//! (`domain::case_decision`), then apply the effects in one transaction of state, version,
//! timeline event and notices.
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, TransactionTrait};

use crate::config::Settings;
use crate::domain::case_command::CaseCommand;
use crate::domain::case_decision::{self, Refusal, decide};
use crate::domain::role::Role;
use crate::entities::case;
use crate::error::{AppError, AppResult};
use crate::services::cases::{
    access,
    flow::{illegal, stale, status_of},
    intake::PhotoRecord,
};
use crate::services::organisation::actor::Actor;

mod apply;
mod read;

pub struct ActionContext<'a> {
    pub now: DateTime<Utc>,
    pub settings: &'a Settings,
}

/// The roles that may act on many cases at once.
pub const BULK_ROLES: &[Role] = &[Role::Admin, Role::Manager];

/// The case, if the actor may take some action on it: 404 if they may not read it, 403 if
/// they may take none. Checked before the action is parsed, so a refused caller learns
/// nothing from what they sent.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn require_may_act(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<case::Model> {
    let current = access::get(db, actor, id).await?;
    if read::standing(db, actor, &current).await?.may_act() {
        Ok(current)
    } else {
        Err(AppError::forbidden(format!("the {} role may not act on this case", actor.role)))
    }
}

/// Carries out `command` on case `id` for `actor`. `expected_version`, when given, must be
/// the case's version (409 otherwise); either way, of two people acting at once one wins.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn perform<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    ctx: &ActionContext<'_>,
    actor: &Actor,
    id: i32,
    expected_version: Option<i32>,
    command: CaseCommand,
    photos: Vec<PhotoRecord>,
) -> AppResult<case::Model> {
    let current = access::get(db, actor, id).await?;
    let standing = read::standing(db, actor, &current).await?;
    let lookups = read::lookups(db, ctx, actor, &current, &command).await?;
    let effects = decide(&read::facts(&current), &command, expected_version, &standing, &lookups, ctx.now)
        .map_err(|refusal| refused(refusal, actor, &command, &current))?;
    apply::apply(db, ctx.now, actor, &current, effects, photos).await
}

/// The error a refusal is answered with.
fn refused(refusal: Refusal, actor: &Actor, command: &CaseCommand, current: &case::Model) -> AppError {
    match refusal {
        Refusal::Stale => stale(current),
        Refusal::NotAllowed => {
            AppError::forbidden(format!("the {} role may not {} this case", actor.role, command.name()))
        }
        Refusal::Illegal(illegal_move) => illegal(current, illegal_move.action),
        Refusal::Field(error) => AppError::field(error),
        Refusal::Blocked(blocked) => AppError::conflict(blocked.code(), blocked.to_string()),
    }
}

/// Which actions this actor may take on this case now (for one-tap buttons).
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn available(db: &impl ConnectionTrait, actor: &Actor, record: &case::Model) -> AppResult<Vec<&'static str>> {
    let standing = read::standing(db, actor, record).await?;
    Ok(case_decision::available(status_of(record), &standing))
}
