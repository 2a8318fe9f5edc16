//! What a staff command does to a case, decided without I/O: whether the actor may, whether
//! the state machine allows it, and everything that follows — the fields written, the
//! timeline event, the notice, the new deadline, the extension request and the merge. The
//! service reads the facts, calls [`decide`] and applies the [`Effects`] in one transaction.
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::case_command::{CaseCommand, CaseFlag, RejectReason};
use super::case_state::{CaseStatus, next_status};
use super::deadline::due_at;
use super::field::FieldError;

mod inputs;
mod outcome;

pub use inputs::{CaseFacts, Lookups, MergeTarget, NamedDeputy, NamedUnit, PendingExtension, Standing, TierDays};
pub use outcome::{
    ActionNotice, Blocked, CaseChanges, CloseReason, Closing, Effects, ExtensionChange, MergeInto, Refusal,
    TimelineEvent,
};

/// What `command` does to `case` for an actor of `standing`, or why it cannot.
/// `expected_version`, when given, must be the case's version.
pub fn decide(
    case: &CaseFacts,
    command: &CaseCommand,
    expected_version: Option<i32>,
    standing: &Standing,
    lookups: &Lookups,
    now: DateTime<Utc>,
) -> Result<Effects, Refusal> {
    if expected_version.is_some_and(|version| version != case.version) {
        return Err(Refusal::Stale);
    }
    if !standing.may(command) {
        return Err(Refusal::NotAllowed);
    }
    let from = case.status;
    let to = match command.action() {
        Some(action) => next_status(from, action).map_err(Refusal::Illegal)?,
        None => from,
    };
    let first_response = case.first_responded_at.is_none()
        && matches!(
            command,
            CaseCommand::Accept { .. }
                | CaseCommand::Reject { .. }
                | CaseCommand::Start { .. }
                | CaseCommand::Reply { .. }
        );
    let base = CaseChanges {
        status: (to != from).then_some(to),
        first_responded_at: first_response.then_some(now),
        ..CaseChanges::default()
    };
    let event = |note: Option<String>, public: bool| TimelineEvent {
        action: command.name(),
        from: Some(from),
        to: Some(to),
        note,
        public,
    };
    let effects = |changes: CaseChanges, event: TimelineEvent| Effects {
        changes,
        event,
        notice: None,
        extension: None,
        merge: None,
    };

    Ok(match command {
        CaseCommand::Accept { note } => {
            effects(CaseChanges { accepted_at: Some(now), ..base }, event(note.clone(), true))
        }
        CaseCommand::Reject { reason, note } => effects(base, event(Some(rejection_note(*reason, note)), true)),
        CaseCommand::Assign { unit_id, deputy_id, tier, note } => {
            if let Some(unit_id) = unit_id
                && !lookups.unit.is_some_and(|unit| unit.id == *unit_id && unit.active)
            {
                return Err(Refusal::Field(FieldError::unknown("unit_id")));
            }
            if let Some(deputy_id) = deputy_id
                && !lookups.deputy.is_some_and(|deputy| {
                    deputy.id == *deputy_id && deputy.active && (deputy.in_actor_stations || standing.own_deputy)
                })
            {
                return Err(Refusal::Field(FieldError::unknown("deputy_id")));
            }
            let tier_code = tier.map_or(case.tier.as_str(), |tier| tier.as_str());
            let changes = CaseChanges {
                unit_id: unit_id.map(Some),
                deputy_id: *deputy_id,
                tier: *tier,
                deadline: Some(fresh_deadline(lookups, tier_code, now)),
                assigned_at: Some(Some(now)),
                // Assigning a new case accepts it in the same step.
                accepted_at: case.accepted_at.is_none().then_some(now),
                ..base
            };
            Effects { notice: Some(ActionNotice::Assigned), ..effects(changes, event(note.clone(), true)) }
        }
        CaseCommand::Start { note } => effects(base, event(note.clone(), true)),
        CaseCommand::Progress { note, percent, public } => {
            effects(CaseChanges { percent: *percent, ..base }, event(Some(note.clone()), *public))
        }
        CaseCommand::RequestExtension { days, reason } => {
            if lookups.pending_extension.is_some() {
                return Err(Refusal::Blocked(Blocked::ExtensionPending));
            }
            let granted = standing.supervisor();
            let request = Some(ExtensionChange::Request { days: *days, reason: reason.clone(), granted });
            if granted {
                // A supervisor extends directly.
                let due = extended_deadline(lookups, case.due_at, *days);
                let note = format!("办理期限延长至 {}：{reason}", local_day(due, lookups.tz));
                Effects {
                    notice: Some(ActionNotice::ExtensionGranted),
                    extension: request,
                    ..effects(CaseChanges { deadline: Some(due), ..base }, event(Some(note), true))
                }
            } else {
                Effects {
                    notice: Some(ActionNotice::ExtensionRequested),
                    extension: request,
                    ..effects(base, event(Some(format!("申请延期 {days} 个工作日：{reason}")), false))
                }
            }
        }
        CaseCommand::DecideExtension { grant, note } => {
            let Some(request) = lookups.pending_extension else {
                return Err(Refusal::Blocked(Blocked::NoExtensionRequest));
            };
            let decision =
                Some(ExtensionChange::Decide { request_id: request.id, granted: *grant, note: note.clone() });
            if *grant {
                let due = extended_deadline(lookups, case.due_at, u32::try_from(request.days).unwrap_or(0));
                let text = format!("办理期限延长至 {}", local_day(due, lookups.tz));
                Effects {
                    notice: Some(ActionNotice::ExtensionGranted),
                    extension: decision,
                    ..effects(CaseChanges { deadline: Some(due), ..base }, event(Some(text), true))
                }
            } else {
                let text = match note {
                    Some(text) => format!("延期申请未批准：{text}"),
                    None => "延期申请未批准".to_string(),
                };
                Effects {
                    notice: Some(ActionNotice::ExtensionRefused),
                    extension: decision,
                    ..effects(base, event(Some(text), false))
                }
            }
        }
        CaseCommand::Return { reason } => {
            let assigned_day = case.assigned_at.unwrap_or(case.received_at).with_timezone(&lookups.tz).date_naive();
            let today = now.with_timezone(&lookups.tz).date_naive();
            let window = lookups.return_window_working_days;
            if lookups.calendar.working_days_between(assigned_day, today) > window {
                return Err(Refusal::Blocked(Blocked::ReturnWindowPassed { working_days: window }));
            }
            let changes = CaseChanges {
                unit_id: Some(None),
                assigned_at: Some(None),
                returned_count: Some(case.returned_count + 1),
                ..base
            };
            Effects { notice: Some(ActionNotice::Returned), ..effects(changes, event(Some(reason.clone()), false)) }
        }
        CaseCommand::Reply { text } => {
            let changes = CaseChanges { reply: Some(text.clone()), replied_at: Some(now), ..base };
            Effects { notice: Some(ActionNotice::Replied), ..effects(changes, event(Some(text.clone()), true)) }
        }
        CaseCommand::Close { note } => {
            let closing = Closing { at: now, reason: CloseReason::ClosedByStaff };
            effects(CaseChanges { closed: Some(Some(closing)), ..base }, event(note.clone(), true))
        }
        CaseCommand::Reopen { reason } => {
            let changes = CaseChanges {
                deadline: Some(fresh_deadline(lookups, &case.tier, now)),
                reopened_count: Some(case.reopened_count + 1),
                closed: Some(None),
                ..base
            };
            Effects { notice: Some(ActionNotice::Reopened), ..effects(changes, event(Some(reason.clone()), true)) }
        }
        CaseCommand::Merge { into } => {
            if *into == case.id {
                return Err(Refusal::Field(FieldError::invalid("into_case_id", "another case")));
            }
            let Some(target) = lookups.merge_target.filter(|target| target.id == *into) else {
                return Err(Refusal::Field(FieldError::unknown("into_case_id")));
            };
            if target.merged || !(target.status.is_open() || target.status == CaseStatus::Replied) {
                return Err(Refusal::Blocked(Blocked::MergeTargetClosed {
                    target_id: target.id,
                    status: target.status,
                }));
            }
            let changes = CaseChanges {
                merged_into_id: Some(target.id),
                closed: Some(Some(Closing { at: now, reason: CloseReason::Merged })),
                ..base
            };
            // Public on this resident's timeline: never the other case's code.
            let note = "与反映同一事项的案件合并办理，答复相同".to_string();
            let merge = MergeInto {
                target_id: target.id,
                event: TimelineEvent {
                    action: "merged_in",
                    from: None,
                    to: None,
                    note: Some(format!("案件 {} 并入本案办理", case.tracking_code)),
                    public: false,
                },
            };
            Effects { merge: Some(merge), ..effects(changes, event(Some(note), true)) }
        }
        CaseCommand::Archive => effects(CaseChanges { archived_at: Some(now), ..base }, event(None, false)),
        CaseCommand::Flag { flag, on, note } => {
            let (changes, notice) = match flag {
                CaseFlag::KeySupervision => (
                    CaseChanges { key_supervision: Some(*on), ..base },
                    (*on && !case.key_supervision).then_some(ActionNotice::KeySupervision),
                ),
                CaseFlag::Disclosed => (CaseChanges { disclosed: Some(*on), ..base }, None),
            };
            let text = match (on, note) {
                (true, Some(text)) => format!("设置：{text}"),
                (true, None) => "设置".to_string(),
                (false, Some(text)) => format!("取消：{text}"),
                (false, None) => "取消".to_string(),
            };
            Effects { notice, ..effects(changes, event(Some(text), false)) }
        }
    })
}

/// What the resident reads: the standard reason, then anything staff added.
fn rejection_note(reason: RejectReason, note: &Option<String>) -> String {
    match note {
        Some(extra) => format!("{}。{extra}", reason.label_zh()),
        None => reason.label_zh().to_string(),
    }
}

/// A deadline counted afresh from `now` with the tier's working days.
fn fresh_deadline(lookups: &Lookups, tier: &str, now: DateTime<Utc>) -> DateTime<Utc> {
    due_at(&lookups.calendar, lookups.tz, now, lookups.tier_days.resolve_days(tier))
}

/// The current deadline moved on by `days` working days (to the end of that day).
fn extended_deadline(lookups: &Lookups, current: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    due_at(&lookups.calendar, lookups.tz, current, days)
}

fn local_day(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%d").to_string()
}

/// The one-tap actions the actor may take on a case that is `status`, by their API names.
pub fn available(status: CaseStatus, standing: &Standing) -> Vec<&'static str> {
    let samples: [(CaseCommand, &'static str); 14] = [
        (CaseCommand::Accept { note: None }, "accept"),
        (CaseCommand::Reject { reason: RejectReason::Other, note: None }, "reject"),
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
    samples
        .iter()
        .filter(|(command, _)| standing.may(command))
        .filter(|(command, _)| command.action().is_none_or(|action| next_status(status, action).is_ok()))
        .map(|(_, name)| *name)
        .collect()
}

#[cfg(test)]
mod tests;
