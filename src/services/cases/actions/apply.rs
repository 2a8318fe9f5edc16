//! Carrying out decided effects: one transaction of the case's fields (with the optimistic
//! version check), its timeline event and photos, the extension request, the merge and the
//! notice.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionSession,
    TransactionTrait,
};

use crate::domain::case_decision::{ActionNotice, CaseChanges, Effects, ExtensionChange, MergeInto, TimelineEvent};
use crate::entities::{case, case_photo, extension_request};
use crate::error::AppResult;
use crate::services::cases::{
    flow::{EventActor, NewEvent, record_event, save_versioned},
    intake::PhotoRecord,
};
use crate::services::notices::outbox::{self, CaseNotice};
use crate::services::organisation::actor::Actor;

/// Writes `effects` on `current` as one transaction; 409 if the case changed since it was read.
pub(super) async fn apply<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    actor: &Actor,
    current: &case::Model,
    effects: Effects,
    photos: Vec<PhotoRecord>,
) -> AppResult<case::Model> {
    let event_actor = EventActor::Staff { user_id: actor.user_id, role: actor.role };
    let txn = db.begin().await?;
    let saved = save_versioned(&txn, written(effects.changes), current.id, current.version, now).await?;
    let event = record_event(&txn, new_event(current.id, now, event_actor, effects.event)).await?;
    if let Some(extension) = effects.extension {
        save_extension(&txn, now, actor, current.id, extension).await?;
    }
    if let Some(MergeInto { target_id, event }) = effects.merge {
        // Cases merged into this one follow it to the target: no chains.
        case::Entity::update_many()
            .col_expr(case::Column::MergedIntoId, Expr::value(target_id))
            .filter(case::Column::MergedIntoId.eq(current.id))
            .exec(&txn)
            .await?;
        record_event(&txn, new_event(target_id, now, event_actor, event)).await?;
    }
    for photo in photos {
        case_photo::ActiveModel {
            case_id: Set(current.id),
            event_id: Set(Some(event.id)),
            hash: Set(photo.hash),
            width: Set(photo.width),
            height: Set(photo.height),
            bytes: Set(photo.bytes),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    if let Some(notice) = effects.notice {
        outbox::case_notice(&txn, now, &saved, outbox_notice(notice)).await?;
    }
    txn.commit().await?;
    Ok(saved)
}

fn set<T: Into<sea_orm::Value>>(value: Option<T>) -> ActiveValue<T> {
    value.map_or(ActiveValue::NotSet, ActiveValue::Set)
}

/// The columns `changes` writes; version and update time are `save_versioned`'s.
fn written(changes: CaseChanges) -> case::ActiveModel {
    let restarted = changes.deadline.map(|_| false);
    case::ActiveModel {
        status: set(changes.status),
        first_responded_at: set(changes.first_responded_at.map(Some)),
        accepted_at: set(changes.accepted_at.map(Some)),
        unit_id: set(changes.unit_id),
        deputy_id: set(changes.deputy_id.map(Some)),
        tier: set(changes.tier),
        due_at: set(changes.deadline),
        overdue: set(restarted),
        due_soon_notified: set(restarted),
        assigned_at: set(changes.assigned_at),
        percent: set(changes.percent.map(Some)),
        returned_count: set(changes.returned_count),
        reply: set(changes.reply.map(Some)),
        replied_at: set(changes.replied_at.map(Some)),
        closed_at: set(changes.closed.map(|closing| closing.map(|c| c.at))),
        close_reason: set(changes.closed.map(|closing| closing.map(|c| c.reason))),
        reopened_count: set(changes.reopened_count),
        merged_into_id: set(changes.merged_into_id.map(Some)),
        archived_at: set(changes.archived_at.map(Some)),
        key_supervision: set(changes.key_supervision),
        disclosed: set(changes.disclosed),
        ..Default::default()
    }
}

fn new_event(case_id: i32, at: DateTime<Utc>, actor: EventActor, event: TimelineEvent) -> NewEvent<'static> {
    NewEvent {
        case_id,
        at,
        actor,
        action: event.action,
        from: event.from,
        to: event.to,
        note: event.note,
        public: event.public,
    }
}

async fn save_extension(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: &Actor,
    case_id: i32,
    change: ExtensionChange,
) -> AppResult<()> {
    match change {
        ExtensionChange::Request { days, reason, granted } => {
            extension_request::ActiveModel {
                case_id: Set(case_id),
                requested_by: Set(actor.user_id),
                requested_at: Set(now),
                reason: Set(reason),
                days: Set(i32::try_from(days).unwrap_or(i32::MAX)),
                status: Set(if granted { "granted" } else { "pending" }.into()),
                decided_by: Set(granted.then_some(actor.user_id)),
                decided_at: Set(granted.then_some(now)),
                decision_note: Set(None),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
        ExtensionChange::Decide { request_id, granted, note } => {
            extension_request::ActiveModel {
                id: ActiveValue::Unchanged(request_id),
                status: Set(if granted { "granted" } else { "refused" }.into()),
                decided_by: Set(Some(actor.user_id)),
                decided_at: Set(Some(now)),
                decision_note: Set(note),
                ..Default::default()
            }
            .update(db)
            .await?;
        }
    }
    Ok(())
}

fn outbox_notice(notice: ActionNotice) -> CaseNotice {
    match notice {
        ActionNotice::Assigned => CaseNotice::Assigned,
        ActionNotice::Returned => CaseNotice::Returned,
        ActionNotice::ExtensionRequested => CaseNotice::ExtensionRequested,
        ActionNotice::ExtensionGranted => CaseNotice::ExtensionGranted,
        ActionNotice::ExtensionRefused => CaseNotice::ExtensionRefused,
        ActionNotice::Replied => CaseNotice::Replied,
        ActionNotice::Reopened => CaseNotice::Reopened,
        ActionNotice::KeySupervision => CaseNotice::KeySupervision,
    }
}
