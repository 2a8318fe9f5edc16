//! The case state machine (DESIGN.md): which action may move a case from which status, and
//! where to. Every legal and illegal move is decided here, nowhere else.
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Submitted,
    Accepted,
    Rejected,
    Assigned,
    Returned,
    InProgress,
    Replied,
    Closed,
    Archived,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 9] = [
        CaseStatus::Submitted,
        CaseStatus::Accepted,
        CaseStatus::Rejected,
        CaseStatus::Assigned,
        CaseStatus::Returned,
        CaseStatus::InProgress,
        CaseStatus::Replied,
        CaseStatus::Closed,
        CaseStatus::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Submitted => "submitted",
            CaseStatus::Accepted => "accepted",
            CaseStatus::Rejected => "rejected",
            CaseStatus::Assigned => "assigned",
            CaseStatus::Returned => "returned",
            CaseStatus::InProgress => "in_progress",
            CaseStatus::Replied => "replied",
            CaseStatus::Closed => "closed",
            CaseStatus::Archived => "archived",
        }
    }

    /// The words residents and staff see (DESIGN.md).
    pub fn label_zh(self) -> &'static str {
        match self {
            CaseStatus::Submitted => "已提交",
            CaseStatus::Accepted => "已受理",
            CaseStatus::Rejected => "不予受理",
            CaseStatus::Assigned => "已交办",
            CaseStatus::Returned => "已退回",
            CaseStatus::InProgress => "办理中",
            CaseStatus::Replied => "已答复",
            CaseStatus::Closed => "已办结",
            CaseStatus::Archived => "已归档",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            CaseStatus::Submitted => "Submitted",
            CaseStatus::Accepted => "Accepted",
            CaseStatus::Rejected => "Not accepted",
            CaseStatus::Assigned => "Assigned",
            CaseStatus::Returned => "Returned",
            CaseStatus::InProgress => "Being handled",
            CaseStatus::Replied => "Answered",
            CaseStatus::Closed => "Closed",
            CaseStatus::Archived => "Archived",
        }
    }

    /// Still waiting for an answer to the resident.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            CaseStatus::Submitted
                | CaseStatus::Accepted
                | CaseStatus::Assigned
                | CaseStatus::Returned
                | CaseStatus::InProgress
        )
    }
}

impl fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CaseStatus {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        CaseStatus::ALL.into_iter().find(|status| status.as_str() == s).ok_or(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseAction {
    Accept,
    Reject,
    Assign,
    Start,
    Progress,
    Extend,
    Return,
    Reply,
    Close,
    Reopen,
    Merge,
    Archive,
    /// The resident's rating; where it leads depends on the rating (see `after_rating`).
    Rate,
    /// The resident withdraws a case nobody has handled yet.
    Withdraw,
}

impl CaseAction {
    pub const ALL: [CaseAction; 14] = [
        CaseAction::Accept,
        CaseAction::Reject,
        CaseAction::Assign,
        CaseAction::Start,
        CaseAction::Progress,
        CaseAction::Extend,
        CaseAction::Return,
        CaseAction::Reply,
        CaseAction::Close,
        CaseAction::Reopen,
        CaseAction::Merge,
        CaseAction::Archive,
        CaseAction::Rate,
        CaseAction::Withdraw,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseAction::Accept => "accept",
            CaseAction::Reject => "reject",
            CaseAction::Assign => "assign",
            CaseAction::Start => "start",
            CaseAction::Progress => "progress",
            CaseAction::Extend => "extend",
            CaseAction::Return => "return",
            CaseAction::Reply => "reply",
            CaseAction::Close => "close",
            CaseAction::Reopen => "reopen",
            CaseAction::Merge => "merge",
            CaseAction::Archive => "archive",
            CaseAction::Rate => "rate",
            CaseAction::Withdraw => "withdraw",
        }
    }
}

impl FromStr for CaseAction {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        CaseAction::ALL.into_iter().find(|action| action.as_str() == s).ok_or(())
    }
}

impl fmt::Display for CaseAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IllegalMove {
    pub from: CaseStatus,
    pub action: CaseAction,
}

impl fmt::Display for IllegalMove {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a case that is {} cannot be given the action {}", self.from, self.action)
    }
}

/// Where `action` takes a case that is `from`, or why it cannot.
///
/// A rating of a replied case is decided by `after_rating`; here it only checks that the case
/// is replied.
pub fn next_status(from: CaseStatus, action: CaseAction) -> Result<CaseStatus, IllegalMove> {
    use CaseAction as A;
    use CaseStatus as S;
    let to = match (from, action) {
        (S::Submitted, A::Accept) => S::Accepted,
        (S::Submitted | S::Accepted | S::Returned, A::Reject) => S::Rejected,
        (S::Submitted, A::Withdraw) => S::Closed,
        // Duplicates fold into another case before anyone works on them.
        (S::Submitted | S::Accepted | S::Assigned | S::Returned, A::Merge) => S::Closed,
        // Assigning a new case accepts it in the same step (受理并交办).
        (S::Submitted | S::Accepted | S::Returned | S::Assigned, A::Assign) => S::Assigned,
        (S::Accepted | S::Assigned, A::Start) => S::InProgress,
        // A progress report on an assigned case means work has started.
        (S::Assigned | S::InProgress, A::Progress) => S::InProgress,
        (S::Assigned | S::InProgress, A::Extend) => from,
        (S::Assigned | S::InProgress, A::Return) => S::Returned,
        // 即收即办: a deputy may answer an accepted case at once.
        (S::Accepted | S::Assigned | S::InProgress, A::Reply) => S::Replied,
        (S::Replied, A::Close) => S::Closed,
        (S::Replied, A::Rate) => S::Closed,
        (S::Replied | S::Closed, A::Reopen) => S::InProgress,
        (S::Closed | S::Rejected, A::Archive) => S::Archived,
        _ => return Err(IllegalMove { from, action }),
    };
    Ok(to)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    Satisfied,
    BasicallySatisfied,
    Dissatisfied,
}

impl Satisfaction {
    pub fn as_str(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "satisfied",
            Satisfaction::BasicallySatisfied => "basically_satisfied",
            Satisfaction::Dissatisfied => "dissatisfied",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "满意",
            Satisfaction::BasicallySatisfied => "基本满意",
            Satisfaction::Dissatisfied => "不满意",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "Satisfied",
            Satisfaction::BasicallySatisfied => "Basically satisfied",
            Satisfaction::Dissatisfied => "Dissatisfied",
        }
    }
}

impl FromStr for Satisfaction {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "satisfied" => Ok(Satisfaction::Satisfied),
            "basically_satisfied" => Ok(Satisfaction::BasicallySatisfied),
            "dissatisfied" => Ok(Satisfaction::Dissatisfied),
            _ => Err(()),
        }
    }
}

/// A resident's rating closes the case, unless they are dissatisfied or say it is not solved:
/// then it is reopened for re-handling (重办).
pub fn after_rating(satisfaction: Satisfaction, solved: bool) -> CaseStatus {
    match (satisfaction, solved) {
        (Satisfaction::Dissatisfied, _) | (_, false) => CaseStatus::InProgress,
        _ => CaseStatus::Closed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseAction as A;
    use CaseStatus as S;

    /// Every (status, action) pair that is allowed, with its target. Everything else must be
    /// refused: the test walks the whole table.
    const LEGAL: &[(CaseStatus, CaseAction, CaseStatus)] = &[
        (S::Submitted, A::Accept, S::Accepted),
        (S::Submitted, A::Reject, S::Rejected),
        (S::Submitted, A::Withdraw, S::Closed),
        (S::Submitted, A::Merge, S::Closed),
        (S::Submitted, A::Assign, S::Assigned),
        (S::Accepted, A::Reject, S::Rejected),
        (S::Accepted, A::Merge, S::Closed),
        (S::Accepted, A::Assign, S::Assigned),
        (S::Accepted, A::Start, S::InProgress),
        (S::Accepted, A::Reply, S::Replied),
        (S::Assigned, A::Merge, S::Closed),
        (S::Assigned, A::Assign, S::Assigned),
        (S::Assigned, A::Start, S::InProgress),
        (S::Assigned, A::Progress, S::InProgress),
        (S::Assigned, A::Extend, S::Assigned),
        (S::Assigned, A::Return, S::Returned),
        (S::Assigned, A::Reply, S::Replied),
        (S::Returned, A::Reject, S::Rejected),
        (S::Returned, A::Merge, S::Closed),
        (S::Returned, A::Assign, S::Assigned),
        (S::InProgress, A::Progress, S::InProgress),
        (S::InProgress, A::Extend, S::InProgress),
        (S::InProgress, A::Return, S::Returned),
        (S::InProgress, A::Reply, S::Replied),
        (S::Replied, A::Close, S::Closed),
        (S::Replied, A::Rate, S::Closed),
        (S::Replied, A::Reopen, S::InProgress),
        (S::Closed, A::Reopen, S::InProgress),
        (S::Closed, A::Archive, S::Archived),
        (S::Rejected, A::Archive, S::Archived),
    ];

    #[test]
    fn every_pair_is_legal_exactly_when_listed() {
        for from in CaseStatus::ALL {
            for action in CaseAction::ALL {
                let expected = LEGAL.iter().find(|(f, a, _)| *f == from && *a == action).map(|(_, _, to)| *to);
                match (next_status(from, action), expected) {
                    (Ok(to), Some(want)) => assert_eq!(to, want, "{from} --{action}-->"),
                    (Err(e), None) => assert_eq!(e, IllegalMove { from, action }),
                    (got, want) => panic!("{from} --{action}--> gave {got:?}, expected {want:?}"),
                }
            }
        }
    }

    #[test]
    fn archived_is_final() {
        for action in CaseAction::ALL {
            assert!(next_status(S::Archived, action).is_err());
        }
    }

    #[test]
    fn dissatisfied_or_unsolved_reopens_the_case() {
        assert_eq!(after_rating(Satisfaction::Dissatisfied, true), S::InProgress);
        assert_eq!(after_rating(Satisfaction::Satisfied, false), S::InProgress);
        assert_eq!(after_rating(Satisfaction::BasicallySatisfied, true), S::Closed);
        assert_eq!(after_rating(Satisfaction::Satisfied, true), S::Closed);
    }

    #[test]
    fn names_round_trip() {
        for status in CaseStatus::ALL {
            assert_eq!(status.as_str().parse::<CaseStatus>(), Ok(status));
        }
        for action in CaseAction::ALL {
            assert_eq!(action.as_str().parse::<CaseAction>(), Ok(action));
        }
        assert_eq!("basically_satisfied".parse::<Satisfaction>(), Ok(Satisfaction::BasicallySatisfied));
    }
}
