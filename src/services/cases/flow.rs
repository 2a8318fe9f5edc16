//! The mechanics shared by every change to a case: one timeline event per change, and
//! optimistic versioning so that of two people acting at once one wins and the other gets 409.
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::domain::case_state::{CaseAction, CaseStatus};
use crate::entities::{case, case_event};
use crate::error::{AppError, AppResult};

/// Who made a change, as the timeline records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventActor {
    Resident,
    System,
    Staff { user_id: i32, role: crate::domain::role::Role },
}

impl EventActor {
    pub fn user_id(self) -> Option<i32> {
        match self {
            EventActor::Staff { user_id, .. } => Some(user_id),
            _ => None,
        }
    }

    pub fn role(self) -> &'static str {
        match self {
            EventActor::Resident => "resident",
            EventActor::System => "system",
            EventActor::Staff { role, .. } => role.as_str(),
        }
    }
}

pub struct NewEvent<'a> {
    pub case_id: i32,
    pub at: DateTime<Utc>,
    pub actor: EventActor,
    /// An action name (`accept`, `reply`…) or an event of its own (`submitted`, `rated`).
    pub action: &'a str,
    pub from: Option<CaseStatus>,
    pub to: Option<CaseStatus>,
    pub note: Option<String>,
    pub public: bool,
}

#[tracing::instrument(skip_all)]
pub async fn record_event(db: &impl ConnectionTrait, event: NewEvent<'_>) -> AppResult<case_event::Model> {
    Ok(case_event::ActiveModel {
        case_id: Set(event.case_id),
        at: Set(event.at),
        actor_user_id: Set(event.actor.user_id()),
        actor_role: Set(event.actor.role().to_string()),
        action: Set(event.action.to_string()),
        from_status: Set(event.from),
        to_status: Set(event.to),
        note: Set(event.note),
        public: Set(event.public),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub fn status_of(model: &case::Model) -> CaseStatus {
    model.status
}

/// Writes `changes` only if the case still has `expected_version`, bumping the version.
/// Anyone who changed it in between wins; this caller gets 409 with the case's state now.
#[tracing::instrument(skip_all, fields(id = id))]
pub async fn save_versioned(
    db: &impl ConnectionTrait,
    mut changes: case::ActiveModel,
    id: i32,
    expected_version: i32,
    now: DateTime<Utc>,
) -> AppResult<case::Model> {
    changes.version = Set(expected_version + 1);
    changes.updated_at = Set(now);
    let result = case::Entity::update_many()
        .set(changes)
        .filter(case::Column::Id.eq(id))
        .filter(case::Column::Version.eq(expected_version))
        .exec(db)
        .await?;
    let current = case::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("case"))?;
    if result.rows_affected == 0 {
        return Err(stale(&current));
    }
    Ok(current)
}

pub fn stale(current: &case::Model) -> AppError {
    AppError::conflict(
        "stale_version",
        format!("someone else changed this case first; it is now {} (version {})", status_of(current), current.version),
    )
}

/// 409 for a move the state machine does not allow, naming the state the case is in.
pub fn illegal(current: &case::Model, action: CaseAction) -> AppError {
    AppError::conflict(
        "illegal_transition",
        format!("a case that is {} cannot be given the action {action}", status_of(current)),
    )
}
