//! Taking a case in and working on it: accept to return.
use super::*;

mod accept {
    use super::*;

    #[test]
    fn accepts_a_submitted_case() {
        let got = run(DEPUTY, &case(S::Submitted), CaseCommand::Accept { note: Some("收到".into()) });
        let changes = CaseChanges {
            status: Some(S::Accepted),
            first_responded_at: Some(now()),
            accepted_at: Some(now()),
            ..CaseChanges::default()
        };
        assert_eq!(got, Ok(effects(changes, event("accept", S::Submitted, S::Accepted, Some("收到"), true))));
    }

    #[test]
    fn refusals() {
        let accept = || CaseCommand::Accept { note: None };
        assert_eq!(run(UNIT, &case(S::Submitted), accept()), Err(Refusal::NotAllowed));
        assert_eq!(run(ADMIN, &case(S::Accepted), accept()), illegal(S::Accepted, CaseAction::Accept));
    }
}

mod reject {
    use super::*;

    #[test]
    fn the_resident_reads_the_standard_reason_and_the_note() {
        let command = CaseCommand::Reject { reason: RejectReason::Litigation, note: Some("案号（2026）01".into()) };
        let got = run(MANAGER, &case(S::Accepted), command).unwrap();
        assert_eq!(
            got.changes,
            CaseChanges { status: Some(S::Rejected), first_responded_at: Some(now()), ..Default::default() }
        );
        assert_eq!(
            got.event,
            event(
                "reject",
                S::Accepted,
                S::Rejected,
                Some("已进入诉讼或仲裁程序，依法由司法机关处理。案号（2026）01"),
                true
            )
        );
        let plain =
            run(DEPUTY, &case(S::Submitted), CaseCommand::Reject { reason: RejectReason::OutsideRemit, note: None });
        assert_eq!(plain.unwrap().event.note.as_deref(), Some("不属于联络站受理范围"));
    }

    #[test]
    fn refusals() {
        let reject = || CaseCommand::Reject { reason: RejectReason::Other, note: Some("x".into()) };
        assert_eq!(run(UNIT, &case(S::Submitted), reject()), Err(Refusal::NotAllowed));
        assert_eq!(run(ADMIN, &case(S::InProgress), reject()), illegal(S::InProgress, CaseAction::Reject));
    }
}

mod assign {
    use super::*;

    fn to_unit(unit_id: i32, tier: Option<TierCode>) -> CaseCommand {
        CaseCommand::Assign { unit_id: Some(unit_id), deputy_id: None, tier, note: Some("请办理".into()) }
    }

    fn to_deputy(deputy_id: i32) -> CaseCommand {
        CaseCommand::Assign { unit_id: None, deputy_id: Some(deputy_id), tier: None, note: None }
    }

    fn with_unit(active: bool) -> Lookups {
        Lookups { unit: Some(NamedUnit { id: 4, active }), ..lookups() }
    }

    fn with_deputy(active: bool, in_actor_stations: bool) -> Lookups {
        Lookups { deputy: Some(NamedDeputy { id: 9, active, in_actor_stations }), ..lookups() }
    }

    #[test]
    fn assigns_accepts_and_counts_the_deadline_afresh() {
        let got = run_with(with_unit(true), MANAGER, &case(S::Submitted), to_unit(4, None));
        let changes = CaseChanges {
            status: Some(S::Assigned),
            accepted_at: Some(now()),
            unit_id: Some(Some(4)),
            // A week is five working days from Wednesday: the Wednesday after, end of day.
            deadline: Some(at("2026-03-11T15:59:59Z")),
            assigned_at: Some(Some(now())),
            ..CaseChanges::default()
        };
        let expected = Effects {
            notice: Some(ActionNotice::Assigned),
            ..effects(changes, event("assign", S::Submitted, S::Assigned, Some("请办理"), true))
        };
        assert_eq!(got, Ok(expected));
    }

    #[test]
    fn a_new_tier_sets_the_deadline_and_an_accepted_case_keeps_its_date() {
        let accepted = CaseFacts { accepted_at: Some(at("2026-03-02T02:00:00Z")), ..case(S::Accepted) };
        let got = run_with(with_unit(true), ADMIN, &accepted, to_unit(4, Some(TierCode::Immediate))).unwrap();
        assert_eq!(got.changes.tier, Some(TierCode::Immediate));
        assert_eq!(got.changes.deadline, Some(at("2026-03-05T15:59:59Z")));
        assert_eq!(got.changes.accepted_at, None);
    }

    #[test]
    fn deadlines_skip_the_calendar_s_holidays() {
        let holiday = chrono::NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
        let calendar = WorkCalendar::new([(holiday, crate::domain::calendar::DayKind::Holiday)]);
        let got = run_with(Lookups { calendar, ..with_unit(true) }, ADMIN, &case(S::Submitted), to_unit(4, None));
        assert_eq!(got.unwrap().changes.deadline, Some(at("2026-03-12T15:59:59Z")));
    }

    #[test]
    fn to_a_deputy_the_actor_may_see_or_by_the_case_s_own_deputy() {
        let got = run_with(with_deputy(true, true), MANAGER, &case(S::Assigned), to_deputy(9)).unwrap();
        assert_eq!(got.changes.deputy_id, Some(9));
        assert_eq!(got.changes.unit_id, None);
        let outside = run_with(with_deputy(true, false), DEPUTY, &case(S::Assigned), to_deputy(9));
        assert_eq!(outside.unwrap().changes.deputy_id, Some(9));
    }

    #[test]
    fn refuses_units_that_are_missing_inactive_or_another() {
        let unknown = Err(Refusal::Field(FieldError::unknown("unit_id")));
        assert_eq!(run(ADMIN, &case(S::Submitted), to_unit(4, None)), unknown);
        assert_eq!(run_with(with_unit(false), ADMIN, &case(S::Submitted), to_unit(4, None)), unknown);
        assert_eq!(run_with(with_unit(true), ADMIN, &case(S::Submitted), to_unit(5, None)), unknown);
    }

    #[test]
    fn refuses_deputies_that_are_missing_inactive_or_out_of_sight() {
        let unknown = Err(Refusal::Field(FieldError::unknown("deputy_id")));
        assert_eq!(run(MANAGER, &case(S::Submitted), to_deputy(9)), unknown);
        assert_eq!(run_with(with_deputy(false, true), MANAGER, &case(S::Submitted), to_deputy(9)), unknown);
        assert_eq!(run_with(with_deputy(true, false), MANAGER, &case(S::Submitted), to_deputy(9)), unknown);
        assert_eq!(run_with(with_deputy(true, true), MANAGER, &case(S::Submitted), to_deputy(8)), unknown);
    }

    #[test]
    fn refusals() {
        assert_eq!(run_with(with_unit(true), UNIT, &case(S::Assigned), to_unit(4, None)), Err(Refusal::NotAllowed));
        assert_eq!(
            run_with(with_unit(true), ADMIN, &case(S::InProgress), to_unit(4, None)),
            illegal(S::InProgress, CaseAction::Assign)
        );
    }
}

mod start {
    use super::*;

    #[test]
    fn starts_an_assigned_case() {
        let got = run(UNIT, &case(S::Assigned), CaseCommand::Start { note: None });
        let changes =
            CaseChanges { status: Some(S::InProgress), first_responded_at: Some(now()), ..CaseChanges::default() };
        assert_eq!(got, Ok(effects(changes, event("start", S::Assigned, S::InProgress, None, true))));
    }

    #[test]
    fn refusals() {
        assert_eq!(run(NOBODY, &case(S::Assigned), CaseCommand::Start { note: None }), Err(Refusal::NotAllowed));
        assert_eq!(
            run(UNIT, &case(S::InProgress), CaseCommand::Start { note: None }),
            illegal(S::InProgress, CaseAction::Start)
        );
    }
}

mod progress {
    use super::*;

    #[test]
    fn reports_progress_publicly_or_not() {
        let command = CaseCommand::Progress { note: "已进场施工".into(), percent: Some(40), public: false };
        let got = run(UNIT, &case(S::Assigned), command);
        let changes = CaseChanges { status: Some(S::InProgress), percent: Some(40), ..CaseChanges::default() };
        assert_eq!(got, Ok(effects(changes, event("progress", S::Assigned, S::InProgress, Some("已进场施工"), false))));
        let again = CaseCommand::Progress { note: "过半".into(), percent: None, public: true };
        let got = run(DEPUTY, &case(S::InProgress), again).unwrap();
        assert_eq!(got.changes, CaseChanges::default());
        assert!(got.event.public);
    }

    #[test]
    fn refusals() {
        let progress = || CaseCommand::Progress { note: "x".into(), percent: None, public: true };
        assert_eq!(run(NOBODY, &case(S::InProgress), progress()), Err(Refusal::NotAllowed));
        assert_eq!(run(ADMIN, &case(S::Accepted), progress()), illegal(S::Accepted, CaseAction::Progress));
    }
}

mod request_extension {
    use super::*;

    fn request() -> CaseCommand {
        CaseCommand::RequestExtension { days: 5, reason: "需要协调多个部门".into() }
    }

    #[test]
    fn a_unit_asks_and_waits() {
        let got = run(UNIT, &case(S::InProgress), request());
        let expected = Effects {
            notice: Some(ActionNotice::ExtensionRequested),
            extension: Some(ExtensionChange::Request {
                days: 5, reason: "需要协调多个部门".into(), granted: false
            }),
            ..effects(
                CaseChanges::default(),
                event("extend", S::InProgress, S::InProgress, Some("申请延期 5 个工作日：需要协调多个部门"), false),
            )
        };
        assert_eq!(got, Ok(expected));
    }

    #[test]
    fn a_manager_extends_at_once_from_the_current_deadline() {
        let got = run(MANAGER, &case(S::Assigned), request());
        let expected = Effects {
            notice: Some(ActionNotice::ExtensionGranted),
            extension: Some(ExtensionChange::Request {
                days: 5, reason: "需要协调多个部门".into(), granted: true
            }),
            ..effects(
                // Five working days after Monday the 9th.
                CaseChanges { deadline: Some(at("2026-03-16T15:59:59Z")), ..CaseChanges::default() },
                event("extend", S::Assigned, S::Assigned, Some("办理期限延长至 2026-03-16：需要协调多个部门"), true),
            )
        };
        assert_eq!(got, Ok(expected));
    }

    #[test]
    fn refusals() {
        let waiting = Lookups { pending_extension: Some(PendingExtension { id: 2, days: 3 }), ..lookups() };
        assert_eq!(
            run_with(waiting, UNIT, &case(S::InProgress), request()),
            Err(Refusal::Blocked(Blocked::ExtensionPending))
        );
        assert_eq!(run(NOBODY, &case(S::InProgress), request()), Err(Refusal::NotAllowed));
        assert_eq!(run(UNIT, &case(S::Replied), request()), illegal(S::Replied, CaseAction::Extend));
    }
}

mod decide_extension {
    use super::*;

    fn waiting() -> Lookups {
        Lookups { pending_extension: Some(PendingExtension { id: 2, days: 3 }), ..lookups() }
    }

    #[test]
    fn a_grant_moves_the_deadline_by_the_days_asked() {
        let got = run_with(
            waiting(),
            MANAGER,
            &case(S::InProgress),
            CaseCommand::DecideExtension { grant: true, note: Some("同意".into()) },
        );
        let expected = Effects {
            notice: Some(ActionNotice::ExtensionGranted),
            extension: Some(ExtensionChange::Decide { request_id: 2, granted: true, note: Some("同意".into()) }),
            ..effects(
                CaseChanges { deadline: Some(at("2026-03-12T15:59:59Z")), ..CaseChanges::default() },
                event("extension_granted", S::InProgress, S::InProgress, Some("办理期限延长至 2026-03-12"), true),
            )
        };
        assert_eq!(got, Ok(expected));
    }

    #[test]
    fn a_refusal_keeps_the_deadline_and_stays_internal() {
        let refuse = |note: Option<&str>| CaseCommand::DecideExtension { grant: false, note: note.map(String::from) };
        let got = run_with(waiting(), ADMIN, &case(S::Assigned), refuse(Some("理由不足"))).unwrap();
        assert_eq!(got.changes, CaseChanges::default());
        assert_eq!(
            got.event,
            event("extension_refused", S::Assigned, S::Assigned, Some("延期申请未批准：理由不足"), false)
        );
        assert_eq!(got.notice, Some(ActionNotice::ExtensionRefused));
        assert_eq!(
            got.extension,
            Some(ExtensionChange::Decide { request_id: 2, granted: false, note: Some("理由不足".into()) })
        );
        let bare = run_with(waiting(), ADMIN, &case(S::Assigned), refuse(None)).unwrap();
        assert_eq!(bare.event.note.as_deref(), Some("延期申请未批准"));
    }

    #[test]
    fn refusals() {
        let grant = || CaseCommand::DecideExtension { grant: true, note: None };
        assert_eq!(run(MANAGER, &case(S::InProgress), grant()), Err(Refusal::Blocked(Blocked::NoExtensionRequest)));
        assert_eq!(run_with(waiting(), UNIT, &case(S::InProgress), grant()), Err(Refusal::NotAllowed));
        assert_eq!(run_with(waiting(), DEPUTY, &case(S::InProgress), grant()), Err(Refusal::NotAllowed));
        assert_eq!(run_with(waiting(), ADMIN, &case(S::Closed), grant()), illegal(S::Closed, CaseAction::Extend));
    }
}

mod return_case {
    use super::*;

    fn give_back() -> CaseCommand {
        CaseCommand::Return { reason: "不属于本单位职责".into() }
    }

    #[test]
    fn a_unit_returns_within_the_window() {
        let assigned =
            CaseFacts { assigned_at: Some(at("2026-03-02T01:00:00Z")), returned_count: 1, ..case(S::Assigned) };
        let got = run(UNIT, &assigned, give_back());
        let changes = CaseChanges {
            status: Some(S::Returned),
            unit_id: Some(None),
            assigned_at: Some(None),
            returned_count: Some(2),
            ..CaseChanges::default()
        };
        let expected = Effects {
            notice: Some(ActionNotice::Returned),
            ..effects(changes, event("return", S::Assigned, S::Returned, Some("不属于本单位职责"), false))
        };
        assert_eq!(got, Ok(expected));
    }

    #[test]
    fn the_window_counts_working_days_from_assignment_or_receipt() {
        // Assigned the Wednesday before: five working days ago.
        let late = CaseFacts { assigned_at: Some(at("2026-02-25T02:00:00Z")), ..case(S::InProgress) };
        assert_eq!(
            run(UNIT, &late, give_back()),
            Err(Refusal::Blocked(Blocked::ReturnWindowPassed { working_days: 3 }))
        );
        // Never stamped as assigned: counted from receipt on Monday, two working days ago.
        assert!(run(UNIT, &case(S::InProgress), give_back()).is_ok());
    }

    #[test]
    fn refusals() {
        assert_eq!(run(MANAGER, &case(S::Assigned), give_back()), Err(Refusal::NotAllowed));
        assert_eq!(run(DEPUTY, &case(S::Assigned), give_back()), Err(Refusal::NotAllowed));
        assert_eq!(run(UNIT, &case(S::Replied), give_back()), illegal(S::Replied, CaseAction::Return));
    }
}
