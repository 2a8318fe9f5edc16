//! Each command: the effects of a legal use, then each way it is refused.
use chrono::{DateTime, Utc};

use super::*;
use crate::domain::calendar::WorkCalendar;
use crate::domain::case_state::{CaseAction, IllegalMove};
use crate::domain::field::Problem;
use crate::domain::org::TierCode;

use CaseStatus as S;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// Wednesday 4 March 2026, 10:00 in Beijing.
fn now() -> DateTime<Utc> {
    at("2026-03-04T02:00:00Z")
}

const ADMIN: Standing = Standing { admin: true, manager: false, own_deputy: false, unit: false };
const MANAGER: Standing = Standing { admin: false, manager: true, own_deputy: false, unit: false };
const DEPUTY: Standing = Standing { admin: false, manager: false, own_deputy: true, unit: false };
const UNIT: Standing = Standing { admin: false, manager: false, own_deputy: false, unit: true };
const NOBODY: Standing = Standing { admin: false, manager: false, own_deputy: false, unit: false };

fn case(status: CaseStatus) -> CaseFacts {
    CaseFacts {
        id: 7,
        tracking_code: "K7Q2M4".into(),
        status,
        version: 3,
        tier: "week".into(),
        // Monday 09:00 in Beijing.
        received_at: at("2026-03-02T01:00:00Z"),
        // The end of that Monday's next Monday in Beijing.
        due_at: at("2026-03-09T15:59:59Z"),
        first_responded_at: None,
        accepted_at: None,
        assigned_at: None,
        returned_count: 0,
        reopened_count: 0,
        key_supervision: false,
    }
}

fn lookups() -> Lookups {
    Lookups {
        calendar: WorkCalendar::default(),
        tz: chrono_tz::Asia::Shanghai,
        return_window_working_days: 3,
        tier_days: TierDays::new([("immediate".into(), 1), ("week".into(), 5), ("month".into(), 22)]),
        pending_extension: None,
        unit: None,
        deputy: None,
        merge_target: None,
    }
}

fn run(standing: Standing, case: &CaseFacts, command: CaseCommand) -> Result<Effects, Refusal> {
    decide(case, &command, None, &standing, &lookups(), now())
}

fn run_with(lookups: Lookups, standing: Standing, case: &CaseFacts, command: CaseCommand) -> Result<Effects, Refusal> {
    decide(case, &command, None, &standing, &lookups, now())
}

fn event(action: &'static str, from: CaseStatus, to: CaseStatus, note: Option<&str>, public: bool) -> TimelineEvent {
    TimelineEvent { action, from: Some(from), to: Some(to), note: note.map(String::from), public }
}

fn illegal(from: CaseStatus, action: CaseAction) -> Result<Effects, Refusal> {
    Err(Refusal::Illegal(IllegalMove { from, action }))
}

fn effects(changes: CaseChanges, event: TimelineEvent) -> Effects {
    Effects { changes, event, notice: None, extension: None, merge: None }
}

mod closing;
mod handling;

mod any_command {
    use super::*;

    #[test]
    fn an_old_version_is_refused_before_anything_else() {
        let accept = CaseCommand::Accept { note: None };
        let current = case(S::Closed);
        assert_eq!(decide(&current, &accept, Some(2), &NOBODY, &lookups(), now()), Err(Refusal::Stale));
        assert_eq!(
            decide(&case(S::Submitted), &accept, Some(3), &ADMIN, &lookups(), now()).map(|e| e.changes.status),
            Ok(Some(S::Accepted))
        );
    }

    #[test]
    fn who_may_comes_before_the_state_machine() {
        assert_eq!(run(NOBODY, &case(S::Closed), CaseCommand::Accept { note: None }), Err(Refusal::NotAllowed));
    }

    #[test]
    fn nobody_may_do_anything() {
        assert!(!NOBODY.may_act());
        for standing in [ADMIN, MANAGER, DEPUTY, UNIT] {
            assert!(standing.may_act());
        }
    }

    #[test]
    fn the_first_response_is_stamped_once() {
        let first = run(ADMIN, &case(S::Submitted), CaseCommand::Accept { note: None }).unwrap();
        assert_eq!(first.changes.first_responded_at, Some(now()));
        let answered = CaseFacts { first_responded_at: Some(at("2026-03-03T01:00:00Z")), ..case(S::Accepted) };
        let again = run(ADMIN, &answered, CaseCommand::Start { note: None }).unwrap();
        assert_eq!(again.changes.first_responded_at, None);
        // Progress is not a response to the resident.
        let progress = CaseCommand::Progress { note: "x".into(), percent: None, public: true };
        assert_eq!(run(UNIT, &case(S::Assigned), progress).unwrap().changes.first_responded_at, None);
    }

    #[test]
    fn tiers_missing_from_the_table_take_about_a_month() {
        let days = TierDays::new([("week".into(), 5)]);
        assert_eq!(days.resolve_days("week"), 5);
        assert_eq!(days.resolve_days("legacy"), 22);
        assert_eq!(TierDays::new([("odd".into(), -1)]).resolve_days("odd"), 0);
    }
}

mod one_tap_actions {
    use super::*;

    #[test]
    fn what_each_standing_sees() {
        assert_eq!(available(S::Assigned, &UNIT), vec!["start", "progress", "extend", "return", "reply"]);
        assert_eq!(available(S::Submitted, &DEPUTY), vec!["accept", "reject", "assign"]);
        assert_eq!(available(S::Closed, &ADMIN), vec!["reopen", "archive", "key_supervision", "disclose"]);
        assert_eq!(available(S::Archived, &MANAGER), vec!["key_supervision", "disclose"]);
        assert!(available(S::Submitted, &NOBODY).is_empty());
    }

    #[test]
    fn blocked_conflicts_have_stable_codes() {
        assert_eq!(Blocked::ExtensionPending.code(), "extension_pending");
        assert_eq!(Blocked::NoExtensionRequest.code(), "no_extension_request");
        assert_eq!(
            Blocked::ReturnWindowPassed { working_days: 3 }.to_string(),
            "a case can be returned within 3 working days of being assigned; ask the station to reassign it"
        );
        assert_eq!(
            Blocked::MergeTargetClosed { target_id: 11, status: S::Closed }.to_string(),
            "case 11 is closed and cannot take in another case"
        );
    }
}
