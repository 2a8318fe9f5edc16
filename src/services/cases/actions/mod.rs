//! Carrying out what staff do to a case: who may, whether the state machine allows it, and
//! the change itself — one transaction of state, version, timeline event and notices.
use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionSession, TransactionTrait,
};

use crate::config::Settings;
use crate::domain::case_command::{CaseCommand, CaseFlag};
use crate::domain::case_state::{CaseAction, CaseStatus, next_status};
use crate::domain::deadline::due_at;
use crate::domain::field::FieldError;
use crate::domain::org::TierCode;
use crate::domain::role::Role;
use crate::entities::{case, case_photo, deputy, extension_request, tier, unit};
use crate::error::{AppError, AppResult};
use crate::services::cases::{
    access,
    flow::{EventActor, NewEvent, illegal, record_event, save_versioned, stale, status_of},
    intake::PhotoRecord,
};
use crate::services::notices::outbox::{self, CaseNotice};
use crate::services::organisation::{actor::Actor, calendar};

pub struct ActionContext<'a> {
    pub now: DateTime<Utc>,
    pub settings: &'a Settings,
}

impl ActionContext<'_> {
    fn tz(&self) -> Tz {
        self.settings.time_zone()
    }
}

/// What the actor is to this case.
struct Standing {
    admin: bool,
    manager: bool,
    /// The deputy the case is addressed to.
    own_deputy: bool,
    /// Staff of the unit the case is assigned to.
    unit: bool,
}

async fn standing(db: &impl ConnectionTrait, actor: &Actor, record: &case::Model) -> AppResult<Standing> {
    Ok(Standing {
        admin: actor.is_admin(),
        manager: actor.is(Role::Manager) && actor.managed_stations(db).await?.contains(record.station_id),
        own_deputy: actor.is(Role::Deputy) && actor.deputy_id.is_some() && record.deputy_id == actor.deputy_id,
        unit: actor.is(Role::Handler) && access::can_read(db, actor, record).await?,
    })
}

/// The roles that may act on many cases at once.
pub const BULK_ROLES: &[Role] = &[Role::Admin, Role::Manager];

/// The case, if the actor may take some action on it: 404 if they may not read it, 403 if
/// they may take none. Checked before the action is parsed, so a refused caller learns
/// nothing from what they sent.
pub async fn require_may_act(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<case::Model> {
    let current = access::get(db, actor, id).await?;
    let s = standing(db, actor, &current).await?;
    if s.admin || s.manager || s.own_deputy || s.unit {
        Ok(current)
    } else {
        Err(AppError::forbidden(format!("the {} role may not act on this case", actor.role)))
    }
}

fn allowed(command: &CaseCommand, s: &Standing) -> bool {
    let supervisor = s.admin || s.manager;
    match command {
        CaseCommand::Accept { .. } | CaseCommand::Reject { .. } | CaseCommand::Assign { .. } => {
            supervisor || s.own_deputy
        }
        CaseCommand::Start { .. } | CaseCommand::Progress { .. } | CaseCommand::Reply { .. } => {
            supervisor || s.own_deputy || s.unit
        }
        CaseCommand::RequestExtension { .. } => supervisor || s.own_deputy || s.unit,
        CaseCommand::Return { .. } => s.unit,
        CaseCommand::DecideExtension { .. }
        | CaseCommand::Close { .. }
        | CaseCommand::Reopen { .. }
        | CaseCommand::Merge { .. }
        | CaseCommand::Archive
        | CaseCommand::Flag { .. } => supervisor,
    }
}

/// The end of the `days`-th working day from `from`, on the admin's calendar.
async fn deadline(
    db: &impl ConnectionTrait,
    ctx: &ActionContext<'_>,
    from: DateTime<Utc>,
    days: i32,
) -> AppResult<DateTime<Utc>> {
    let work_calendar = calendar::load(db).await?;
    Ok(due_at(&work_calendar, ctx.tz(), from, u32::try_from(days).unwrap_or(0)))
}

async fn tier_days(db: &impl ConnectionTrait, code: &str) -> AppResult<i32> {
    Ok(tier::Entity::find_by_id(code.to_string()).one(db).await?.map(|t| t.resolve_days).unwrap_or(22))
}

fn end_of_day(day: chrono::NaiveDate, tz: Tz) -> Option<DateTime<Utc>> {
    let end = day.and_time(NaiveTime::from_hms_opt(23, 59, 59)?);
    tz.from_local_datetime(&end).earliest().map(|t| t.with_timezone(&Utc))
}

/// Carries out `command` on case `id` for `actor`. `expected_version`, when given, must be
/// the case's version (409 otherwise); either way, of two people acting at once one wins.
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
    if let Some(version) = expected_version
        && version != current.version
    {
        return Err(stale(&current));
    }
    let standing = standing(db, actor, &current).await?;
    if !allowed(&command, &standing) {
        return Err(AppError::forbidden(format!("the {} role may not {} this case", actor.role, command.name())));
    }
    let from = status_of(&current);
    let to = match command.action() {
        Some(action) => next_status(from, action).map_err(|_| illegal(&current, action))?,
        None => from,
    };
    let now = ctx.now;
    let event_actor = EventActor::Staff { user_id: actor.user_id, role: actor.role };
    let mut changes = <case::ActiveModel as Default>::default();
    if to != from {
        changes.status = Set(to.as_str().to_string());
    }
    let first_response = current.first_responded_at.is_none()
        && matches!(
            command,
            CaseCommand::Accept { .. }
                | CaseCommand::Reject { .. }
                | CaseCommand::Start { .. }
                | CaseCommand::Reply { .. }
        );
    if first_response {
        changes.first_responded_at = Set(Some(now));
    }
    // The event: (note, public) and the notice to send, decided per command.
    let mut note: Option<String> = None;
    let mut public = true;
    let mut notice: Option<CaseNotice> = None;
    let mut pending_extension: Option<extension_request::Model> = None;
    let mut merge_target: Option<case::Model> = None;

    match &command {
        CaseCommand::Accept { note: n } => {
            changes.accepted_at = Set(Some(now));
            note = n.clone();
        }
        CaseCommand::Reject { reason, note: n } => {
            note = Some(match n {
                Some(extra) => format!("{}。{extra}", reason.label_zh()),
                None => reason.label_zh().to_string(),
            });
        }
        CaseCommand::Assign { unit_id, deputy_id, tier: new_tier, note: n } => {
            if let Some(unit_id) = unit_id {
                let found = unit::Entity::find_by_id(*unit_id).one(db).await?;
                if !found.is_some_and(|u| u.active) {
                    return Err(AppError::field(FieldError::unknown("unit_id")));
                }
                changes.unit_id = Set(Some(*unit_id));
            }
            if let Some(deputy_id) = deputy_id {
                let found = deputy::Entity::find_by_id(*deputy_id).one(db).await?;
                let readable = actor.readable_stations(db).await?;
                if !found.is_some_and(|d| d.active && (readable.contains(d.station_id) || standing.own_deputy)) {
                    return Err(AppError::field(FieldError::unknown("deputy_id")));
                }
                changes.deputy_id = Set(Some(*deputy_id));
            }
            let tier_code = new_tier.map(TierCode::as_str).unwrap_or(current.tier.as_str()).to_string();
            let days = tier_days(db, &tier_code).await?;
            changes.tier = Set(tier_code);
            changes.due_at = Set(deadline(db, ctx, now, days).await?);
            changes.assigned_at = Set(Some(now));
            changes.overdue = Set(false);
            changes.due_soon_notified = Set(false);
            if current.accepted_at.is_none() {
                changes.accepted_at = Set(Some(now));
            }
            note = n.clone();
            notice = Some(CaseNotice::Assigned);
        }
        CaseCommand::Start { note: n } => note = n.clone(),
        CaseCommand::Progress { note: n, percent, public: p } => {
            if let Some(percent) = percent {
                changes.percent = Set(Some(*percent));
            }
            note = Some(n.clone());
            public = *p;
        }
        CaseCommand::RequestExtension { days, reason } => {
            let open = extension_request::Entity::find()
                .filter(extension_request::Column::CaseId.eq(current.id))
                .filter(extension_request::Column::Status.eq("pending"))
                .one(db)
                .await?;
            if open.is_some() {
                return Err(AppError::conflict(
                    "extension_pending",
                    "an extension request for this case is waiting for a decision",
                ));
            }
            if standing.admin || standing.manager {
                // A manager extends directly.
                let due = extend_deadline(db, ctx, current.due_at, *days).await?;
                changes.due_at = Set(due);
                changes.overdue = Set(false);
                changes.due_soon_notified = Set(false);
                note = Some(format!("办理期限延长至 {}：{reason}", due.with_timezone(&ctx.tz()).format("%Y-%m-%d")));
                notice = Some(CaseNotice::ExtensionGranted);
            } else {
                note = Some(format!("申请延期 {days} 个工作日：{reason}"));
                public = false;
                notice = Some(CaseNotice::ExtensionRequested);
            }
        }
        CaseCommand::DecideExtension { grant, note: n } => {
            let Some(request) = extension_request::Entity::find()
                .filter(extension_request::Column::CaseId.eq(current.id))
                .filter(extension_request::Column::Status.eq("pending"))
                .one(db)
                .await?
            else {
                return Err(AppError::conflict("no_extension_request", "there is no extension request to decide"));
            };
            if *grant {
                let due = extend_deadline(db, ctx, current.due_at, u32::try_from(request.days).unwrap_or(0)).await?;
                changes.due_at = Set(due);
                changes.overdue = Set(false);
                changes.due_soon_notified = Set(false);
                note = Some(format!("办理期限延长至 {}", due.with_timezone(&ctx.tz()).format("%Y-%m-%d")));
                notice = Some(CaseNotice::ExtensionGranted);
            } else {
                note = Some(match n {
                    Some(text) => format!("延期申请未批准：{text}"),
                    None => "延期申请未批准".to_string(),
                });
                public = false;
                notice = Some(CaseNotice::ExtensionRefused);
            }
            pending_extension = Some(request);
        }
        CaseCommand::Return { reason } => {
            let work_calendar = calendar::load(db).await?;
            let tz = ctx.tz();
            let assigned_day = current.assigned_at.unwrap_or(current.received_at).with_timezone(&tz).date_naive();
            let today = now.with_timezone(&tz).date_naive();
            if work_calendar.working_days_between(assigned_day, today) > ctx.settings.return_window_working_days {
                return Err(AppError::conflict(
                    "return_window_passed",
                    format!(
                        "a case can be returned within {} working days of being assigned; ask the station to reassign it",
                        ctx.settings.return_window_working_days
                    ),
                ));
            }
            changes.unit_id = Set(None);
            changes.assigned_at = Set(None);
            changes.returned_count = Set(current.returned_count + 1);
            note = Some(reason.clone());
            public = false;
            notice = Some(CaseNotice::Returned);
        }
        CaseCommand::Reply { text } => {
            changes.reply = Set(Some(text.clone()));
            changes.replied_at = Set(Some(now));
            note = Some(text.clone());
            notice = Some(CaseNotice::Replied);
        }
        CaseCommand::Close { note: n } => {
            changes.closed_at = Set(Some(now));
            changes.close_reason = Set(Some("closed_by_staff".into()));
            note = n.clone();
            public = true;
        }
        CaseCommand::Reopen { reason } => {
            let days = tier_days(db, &current.tier).await?;
            changes.due_at = Set(deadline(db, ctx, now, days).await?);
            changes.reopened_count = Set(current.reopened_count + 1);
            changes.closed_at = Set(None);
            changes.close_reason = Set(None);
            changes.overdue = Set(false);
            changes.due_soon_notified = Set(false);
            note = Some(reason.clone());
            notice = Some(CaseNotice::Reopened);
        }
        CaseCommand::Merge { into } => {
            if *into == current.id {
                return Err(AppError::field(FieldError::invalid("into_case_id", "another case")));
            }
            let target = access::get(db, actor, *into)
                .await
                .map_err(|_| AppError::field(FieldError::unknown("into_case_id")))?;
            let target_status = status_of(&target);
            if target.merged_into_id.is_some() || !(target_status.is_open() || target_status == CaseStatus::Replied) {
                return Err(AppError::conflict(
                    "merge_target_closed",
                    format!("case {} is {} and cannot take in another case", target.id, target_status),
                ));
            }
            changes.merged_into_id = Set(Some(target.id));
            changes.closed_at = Set(Some(now));
            changes.close_reason = Set(Some("merged".into()));
            // Public on this resident's timeline: never the other case's code.
            note = Some("与反映同一事项的案件合并办理，答复相同".to_string());
            merge_target = Some(target);
        }
        CaseCommand::Archive => {
            changes.archived_at = Set(Some(now));
            public = false;
        }
        CaseCommand::Flag { flag, on, note: n } => {
            match flag {
                CaseFlag::KeySupervision => {
                    changes.key_supervision = Set(*on);
                    if *on && !current.key_supervision {
                        notice = Some(CaseNotice::KeySupervision);
                    }
                }
                CaseFlag::Disclosed => changes.disclosed = Set(*on),
            }
            note = Some(match (on, n) {
                (true, Some(text)) => format!("设置：{text}"),
                (true, None) => "设置".to_string(),
                (false, Some(text)) => format!("取消：{text}"),
                (false, None) => "取消".to_string(),
            });
            public = false;
        }
    }

    let txn = db.begin().await?;
    let saved = save_versioned(&txn, changes, current.id, current.version, now).await?;
    let event = record_event(
        &txn,
        NewEvent {
            case_id: current.id,
            at: now,
            actor: event_actor,
            action: command.name(),
            from: Some(from),
            to: Some(to),
            note,
            public,
        },
    )
    .await?;
    match &command {
        CaseCommand::RequestExtension { days, reason } => {
            let direct = standing.admin || standing.manager;
            extension_request::ActiveModel {
                case_id: Set(current.id),
                requested_by: Set(actor.user_id),
                requested_at: Set(now),
                reason: Set(reason.clone()),
                days: Set(i32::try_from(*days).unwrap_or(i32::MAX)),
                status: Set(if direct { "granted" } else { "pending" }.into()),
                decided_by: Set(direct.then_some(actor.user_id)),
                decided_at: Set(direct.then_some(now)),
                decision_note: Set(None),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        CaseCommand::DecideExtension { grant, note: n } => {
            if let Some(request) = pending_extension {
                let mut decided: extension_request::ActiveModel = request.into();
                decided.status = Set(if *grant { "granted" } else { "refused" }.into());
                decided.decided_by = Set(Some(actor.user_id));
                decided.decided_at = Set(Some(now));
                decided.decision_note = Set(n.clone());
                decided.update(&txn).await?;
            }
        }
        CaseCommand::Merge { .. } => {
            if let Some(target) = &merge_target {
                // Cases merged into this one follow it to the target: no chains.
                case::Entity::update_many()
                    .col_expr(case::Column::MergedIntoId, Expr::value(target.id))
                    .filter(case::Column::MergedIntoId.eq(current.id))
                    .exec(&txn)
                    .await?;
                record_event(
                    &txn,
                    NewEvent {
                        case_id: target.id,
                        at: now,
                        actor: event_actor,
                        action: "merged_in",
                        from: None,
                        to: None,
                        note: Some(format!("案件 {} 并入本案办理", current.tracking_code)),
                        public: false,
                    },
                )
                .await?;
            }
        }
        _ => {}
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
    if let Some(notice) = notice {
        outbox::case_notice(&txn, now, &saved, notice).await?;
    }
    txn.commit().await?;
    Ok(saved)
}

/// A deadline moved on by `days` working days from the current one.
async fn extend_deadline(
    db: &impl ConnectionTrait,
    ctx: &ActionContext<'_>,
    current: DateTime<Utc>,
    days: u32,
) -> AppResult<DateTime<Utc>> {
    let work_calendar = calendar::load(db).await?;
    let tz = ctx.tz();
    let day = work_calendar.add_working_days(current.with_timezone(&tz).date_naive(), days);
    end_of_day(day, tz).ok_or_else(|| AppError::internal(anyhow::anyhow!("no end of day for {day}")))
}

/// Which actions this actor may take on this case now (for one-tap buttons).
pub async fn available(db: &impl ConnectionTrait, actor: &Actor, record: &case::Model) -> AppResult<Vec<&'static str>> {
    let standing = standing(db, actor, record).await?;
    let from = status_of(record);
    let samples: [(CaseCommand, &'static str); 14] = [
        (CaseCommand::Accept { note: None }, "accept"),
        (CaseCommand::Reject { reason: crate::domain::case_command::RejectReason::Other, note: None }, "reject"),
        (CaseCommand::Assign { unit_id: None, deputy_id: None, tier: None, note: None }, "assign"),
        (CaseCommand::Start { note: None }, "start"),
        (CaseCommand::Progress { note: String::new(), percent: None, public: true }, "progress"),
        (CaseCommand::RequestExtension { days: 1, reason: String::new() }, "extend"),
        (CaseCommand::Return { reason: String::new() }, "return"),
        (CaseCommand::Reply { text: String::new() }, "reply"),
        (CaseCommand::Close { note: None }, "close"),
        (CaseCommand::Reopen { reason: String::new() }, "reopen"),
        (CaseCommand::Merge { into: 0 }, "merge"),
        (CaseCommand::Archive, "archive"),
        (CaseCommand::Flag { flag: CaseFlag::KeySupervision, on: true, note: None }, "key_supervision"),
        (CaseCommand::Flag { flag: CaseFlag::Disclosed, on: true, note: None }, "disclose"),
    ];
    Ok(samples
        .iter()
        .filter(|(command, _)| allowed(command, &standing))
        .filter(|(command, _)| command.action().is_none_or(|action: CaseAction| next_status(from, action).is_ok()))
        .map(|(_, name)| *name)
        .collect())
}
