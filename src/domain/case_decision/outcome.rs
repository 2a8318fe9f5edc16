//! What a decision comes to: the effects to apply, or the refusal.
use std::fmt;

use chrono::{DateTime, Utc};

use crate::domain::case_state::{CaseStatus, IllegalMove};
use crate::domain::field::FieldError;
use crate::domain::org::TierCode;

/// Everything a command does to the case and around it.
#[derive(Debug, Clone, PartialEq)]
pub struct Effects {
    pub changes: CaseChanges,
    /// The event on this case's timeline.
    pub event: TimelineEvent,
    pub notice: Option<ActionNotice>,
    pub extension: Option<ExtensionChange>,
    pub merge: Option<MergeInto>,
}

/// The case's fields to write: `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseChanges {
    pub status: Option<CaseStatus>,
    pub first_responded_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub unit_id: Option<Option<i32>>,
    pub deputy_id: Option<i32>,
    pub tier: Option<TierCode>,
    /// A new deadline; the sweep's overdue and due-soon announcements start over with it.
    pub deadline: Option<DateTime<Utc>>,
    pub assigned_at: Option<Option<DateTime<Utc>>>,
    pub percent: Option<i32>,
    pub returned_count: Option<i32>,
    pub reply: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    pub closed: Option<Option<Closing>>,
    pub reopened_count: Option<i32>,
    pub merged_into_id: Option<i32>,
    pub archived_at: Option<DateTime<Utc>>,
    pub key_supervision: Option<bool>,
    pub disclosed: Option<bool>,
}

/// When and why a case was closed (`closed_at`, `close_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closing {
    pub at: DateTime<Utc>,
    pub reason: CloseReason,
}

/// Why staff closed a case, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    ClosedByStaff,
    Merged,
    /// The resident rated the answer.
    Rated,
    /// No rating came within the rating window (the sweep closes it).
    Unrated,
    /// The resident withdrew the case.
    Withdrawn,
}

impl CloseReason {
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::ClosedByStaff => "closed_by_staff",
            CloseReason::Merged => "merged",
            CloseReason::Rated => "rated",
            CloseReason::Unrated => "unrated",
            CloseReason::Withdrawn => "withdrawn",
        }
    }
}

impl std::str::FromStr for CloseReason {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "closed_by_staff" => Ok(CloseReason::ClosedByStaff),
            "merged" => Ok(CloseReason::Merged),
            "rated" => Ok(CloseReason::Rated),
            "unrated" => Ok(CloseReason::Unrated),
            "withdrawn" => Ok(CloseReason::Withdrawn),
            _ => Err(()),
        }
    }
}

/// One entry on a case's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEvent {
    pub action: &'static str,
    pub from: Option<CaseStatus>,
    pub to: Option<CaseStatus>,
    pub note: Option<String>,
    /// Shown to the resident on the tracking page.
    pub public: bool,
}

/// The notice a command sends to the people handling the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionNotice {
    Assigned,
    Returned,
    ExtensionRequested,
    ExtensionGranted,
    ExtensionRefused,
    Replied,
    Reopened,
    KeySupervision,
}

/// What happens to the case's extension requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtensionChange {
    /// A new request: waiting for a supervisor, or granted at once when one asks.
    Request { days: u32, reason: String, granted: bool },
    /// The pending request, decided.
    Decide { request_id: i32, granted: bool, note: Option<String> },
}

/// A merge's work on the target: cases merged into this one follow it there (no chains),
/// and the target's timeline says which case joined it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeInto {
    pub target_id: i32,
    pub event: TimelineEvent,
}

/// Why a command cannot be carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The caller acted on an older version of the case (409).
    Stale,
    /// The actor may not give this command on this case (403).
    NotAllowed,
    /// The state machine does not allow it from the case's status (409).
    Illegal(IllegalMove),
    /// A field names something that does not exist or cannot be used (422).
    Field(FieldError),
    /// Allowed in principle, but not now (409 with its own code).
    Blocked(Blocked),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocked {
    ExtensionPending,
    NoExtensionRequest,
    ReturnWindowPassed { working_days: u32 },
    MergeTargetClosed { target_id: i32, status: CaseStatus },
}

impl Blocked {
    pub fn code(self) -> &'static str {
        match self {
            Blocked::ExtensionPending => "extension_pending",
            Blocked::NoExtensionRequest => "no_extension_request",
            Blocked::ReturnWindowPassed { .. } => "return_window_passed",
            Blocked::MergeTargetClosed { .. } => "merge_target_closed",
        }
    }
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Blocked::ExtensionPending => f.write_str("an extension request for this case is waiting for a decision"),
            Blocked::NoExtensionRequest => f.write_str("there is no extension request to decide"),
            Blocked::ReturnWindowPassed { working_days } => write!(
                f,
                "a case can be returned within {working_days} working days of being assigned; ask the station to \
                 reassign it"
            ),
            Blocked::MergeTargetClosed { target_id, status } => {
                write!(f, "case {target_id} is {status} and cannot take in another case")
            }
        }
    }
}
