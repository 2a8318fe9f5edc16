//! Answering a case and what comes after: reply to archive, and the flags.
use super::*;

mod reply {
    use super::*;

    #[test]
    fn answers_the_resident() {
        let got = run(DEPUTY, &case(S::Accepted), CaseCommand::Reply { text: "已修复路灯".into() });
        let changes = CaseChanges {
            status: Some(S::Replied),
            first_responded_at: Some(now()),
            reply: Some("已修复路灯".into()),
            replied_at: Some(now()),
            ..CaseChanges::default()
        };
        let expected = Effects {
            notice: Some(ActionNotice::Replied),
            ..effects(changes, event("reply", S::Accepted, S::Replied, Some("已修复路灯"), true))
        };
        assert_eq!(got, Ok(expected));
    }

    #[test]
    fn refusals() {
        let reply = || CaseCommand::Reply { text: "x".into() };
        assert_eq!(run(NOBODY, &case(S::InProgress), reply()), Err(Refusal::NotAllowed));
        assert_eq!(run(ADMIN, &case(S::Submitted), reply()), illegal(S::Submitted, CaseAction::Reply));
    }
}

mod close {
    use super::*;

    #[test]
    fn closes_a_replied_case() {
        let got = run(MANAGER, &case(S::Replied), CaseCommand::Close { note: None });
        let changes = CaseChanges {
            status: Some(S::Closed),
            closed: Some(Some(Closing { at: now(), reason: CloseReason::ClosedByStaff })),
            ..CaseChanges::default()
        };
        assert_eq!(got, Ok(effects(changes, event("close", S::Replied, S::Closed, None, true))));
        assert_eq!(CloseReason::ClosedByStaff.as_str(), "closed_by_staff");
    }

    #[test]
    fn refusals() {
        assert_eq!(run(DEPUTY, &case(S::Replied), CaseCommand::Close { note: None }), Err(Refusal::NotAllowed));
        assert_eq!(
            run(ADMIN, &case(S::InProgress), CaseCommand::Close { note: None }),
            illegal(S::InProgress, CaseAction::Close)
        );
    }
}

mod reopen {
    use super::*;

    #[test]
    fn reopens_with_a_fresh_deadline() {
        let closed = CaseFacts { reopened_count: 1, ..case(S::Closed) };
        let got = run(ADMIN, &closed, CaseCommand::Reopen { reason: "群众再次反映".into() });
        let changes = CaseChanges {
            status: Some(S::InProgress),
            deadline: Some(at("2026-03-11T15:59:59Z")),
            reopened_count: Some(2),
            closed: Some(None),
            ..CaseChanges::default()
        };
        let expected = Effects {
            notice: Some(ActionNotice::Reopened),
            ..effects(changes, event("reopen", S::Closed, S::InProgress, Some("群众再次反映"), true))
        };
        assert_eq!(got, Ok(expected));
    }

    #[test]
    fn refusals() {
        let reopen = || CaseCommand::Reopen { reason: "x".into() };
        assert_eq!(run(UNIT, &case(S::Closed), reopen()), Err(Refusal::NotAllowed));
        assert_eq!(run(ADMIN, &case(S::Archived), reopen()), illegal(S::Archived, CaseAction::Reopen));
    }
}

mod merge {
    use super::*;

    fn target(status: CaseStatus, merged: bool) -> Lookups {
        Lookups { merge_target: Some(MergeTarget { id: 11, status, merged }), ..lookups() }
    }

    #[test]
    fn folds_into_an_open_or_replied_case() {
        let got = run_with(target(S::InProgress, false), MANAGER, &case(S::Submitted), CaseCommand::Merge { into: 11 });
        let changes = CaseChanges {
            status: Some(S::Closed),
            merged_into_id: Some(11),
            closed: Some(Some(Closing { at: now(), reason: CloseReason::Merged })),
            ..CaseChanges::default()
        };
        let expected = Effects {
            merge: Some(MergeInto {
                target_id: 11,
                event: TimelineEvent {
                    action: "merged_in",
                    from: None,
                    to: None,
                    note: Some("案件 K7Q2M4 并入本案办理".into()),
                    public: false,
                },
            }),
            ..effects(
                changes,
                event("merge", S::Submitted, S::Closed, Some("与反映同一事项的案件合并办理，答复相同"), true),
            )
        };
        assert_eq!(got, Ok(expected));
        assert!(
            run_with(target(S::Replied, false), ADMIN, &case(S::Accepted), CaseCommand::Merge { into: 11 }).is_ok()
        );
    }

    #[test]
    fn refuses_itself_and_cases_out_of_sight() {
        assert_eq!(
            run_with(target(S::InProgress, false), ADMIN, &case(S::Submitted), CaseCommand::Merge { into: 7 }),
            Err(Refusal::Field(FieldError::new("into_case_id", Problem::Invalid("another case"))))
        );
        let unknown = Err(Refusal::Field(FieldError::unknown("into_case_id")));
        assert_eq!(run(ADMIN, &case(S::Submitted), CaseCommand::Merge { into: 11 }), unknown);
        assert_eq!(
            run_with(target(S::InProgress, false), ADMIN, &case(S::Submitted), CaseCommand::Merge { into: 12 }),
            unknown
        );
    }

    #[test]
    fn refuses_targets_that_are_done_or_merged_themselves() {
        for (status, merged) in [(S::Closed, false), (S::Rejected, false), (S::Archived, false), (S::Assigned, true)] {
            assert_eq!(
                run_with(target(status, merged), ADMIN, &case(S::Submitted), CaseCommand::Merge { into: 11 }),
                Err(Refusal::Blocked(Blocked::MergeTargetClosed { target_id: 11, status }))
            );
        }
    }

    #[test]
    fn refusals() {
        let merge = CaseCommand::Merge { into: 11 };
        assert_eq!(
            run_with(target(S::InProgress, false), DEPUTY, &case(S::Submitted), merge.clone()),
            Err(Refusal::NotAllowed)
        );
        assert_eq!(
            run_with(target(S::InProgress, false), ADMIN, &case(S::InProgress), merge),
            illegal(S::InProgress, CaseAction::Merge)
        );
    }
}

mod archive {
    use super::*;

    #[test]
    fn archives_a_finished_case_out_of_the_resident_s_sight() {
        let got = run(ADMIN, &case(S::Rejected), CaseCommand::Archive);
        let changes = CaseChanges { status: Some(S::Archived), archived_at: Some(now()), ..CaseChanges::default() };
        assert_eq!(got, Ok(effects(changes, event("archive", S::Rejected, S::Archived, None, false))));
    }

    #[test]
    fn refusals() {
        assert_eq!(run(UNIT, &case(S::Closed), CaseCommand::Archive), Err(Refusal::NotAllowed));
        assert_eq!(run(ADMIN, &case(S::Replied), CaseCommand::Archive), illegal(S::Replied, CaseAction::Archive));
    }
}

mod key_supervision {
    use super::*;

    fn flag(on: bool, note: Option<&str>) -> CaseCommand {
        CaseCommand::Flag { flag: CaseFlag::KeySupervision, on, note: note.map(String::from) }
    }

    #[test]
    fn setting_it_tells_the_handlers_once() {
        let got = run(MANAGER, &case(S::InProgress), flag(true, Some("领导关注")));
        let expected = Effects {
            notice: Some(ActionNotice::KeySupervision),
            ..effects(
                CaseChanges { key_supervision: Some(true), ..CaseChanges::default() },
                event("key_supervision", S::InProgress, S::InProgress, Some("设置：领导关注"), false),
            )
        };
        assert_eq!(got, Ok(expected));
        let already = CaseFacts { key_supervision: true, ..case(S::InProgress) };
        assert_eq!(run(MANAGER, &already, flag(true, None)).unwrap().notice, None);
    }

    #[test]
    fn clearing_it_sends_nothing() {
        let already = CaseFacts { key_supervision: true, ..case(S::Closed) };
        let got = run(ADMIN, &already, flag(false, None)).unwrap();
        assert_eq!(got.changes, CaseChanges { key_supervision: Some(false), ..CaseChanges::default() });
        assert_eq!(got.event, event("key_supervision", S::Closed, S::Closed, Some("取消"), false));
        assert_eq!(got.notice, None);
    }

    #[test]
    fn refusals() {
        // Flags do not move the state, so no status refuses them; only the standing does.
        assert!(run(ADMIN, &case(S::Archived), flag(true, None)).is_ok());
        assert_eq!(run(DEPUTY, &case(S::InProgress), flag(true, None)), Err(Refusal::NotAllowed));
        assert_eq!(run(UNIT, &case(S::InProgress), flag(true, None)), Err(Refusal::NotAllowed));
    }
}

mod disclose {
    use super::*;

    fn flag(on: bool, note: Option<&str>) -> CaseCommand {
        CaseCommand::Flag { flag: CaseFlag::Disclosed, on, note: note.map(String::from) }
    }

    #[test]
    fn publishes_or_withdraws_without_a_notice() {
        let got = run(MANAGER, &case(S::Closed), flag(true, None));
        assert_eq!(
            got,
            Ok(effects(
                CaseChanges { disclosed: Some(true), ..CaseChanges::default() },
                event("disclose", S::Closed, S::Closed, Some("设置"), false),
            ))
        );
        let off = run(MANAGER, &case(S::Closed), flag(false, Some("含个人信息"))).unwrap();
        assert_eq!(off.changes.disclosed, Some(false));
        assert_eq!(off.event.note.as_deref(), Some("取消：含个人信息"));
    }

    #[test]
    fn refusals() {
        assert_eq!(run(DEPUTY, &case(S::Closed), flag(true, None)), Err(Refusal::NotAllowed));
    }
}
