//! What a decision is made on: the case, the actor's standing, and what was read for it.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::calendar::WorkCalendar;
use crate::domain::case_command::CaseCommand;
use crate::domain::case_state::CaseStatus;

/// The case as it is now, as far as the commands read it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFacts {
    pub id: i32,
    pub tracking_code: String,
    pub status: CaseStatus,
    pub version: i32,
    /// The stored tier code; deadline days are looked up by it.
    pub tier: String,
    pub received_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub first_responded_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub returned_count: i32,
    pub reopened_count: i32,
    pub key_supervision: bool,
}

/// What the actor is to this case.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    pub admin: bool,
    /// Manages the case's station.
    pub manager: bool,
    /// The deputy the case is addressed to.
    pub own_deputy: bool,
    /// Staff of the unit the case is assigned to.
    pub unit: bool,
}

impl Standing {
    /// An administrator, or a manager of the case's station.
    pub fn supervisor(self) -> bool {
        self.admin || self.manager
    }

    /// Whether the actor may take some action on the case at all.
    pub fn may_act(self) -> bool {
        self.supervisor() || self.own_deputy || self.unit
    }

    /// Whether the actor may give this command, whatever the case's status.
    pub fn may(self, command: &CaseCommand) -> bool {
        match command {
            CaseCommand::Accept { .. } | CaseCommand::Reject { .. } | CaseCommand::Assign { .. } => {
                self.supervisor() || self.own_deputy
            }
            CaseCommand::Start { .. }
            | CaseCommand::Progress { .. }
            | CaseCommand::Reply { .. }
            | CaseCommand::RequestExtension { .. } => self.supervisor() || self.own_deputy || self.unit,
            CaseCommand::Return { .. } => self.unit,
            CaseCommand::DecideExtension { .. }
            | CaseCommand::Close { .. }
            | CaseCommand::Reopen { .. }
            | CaseCommand::Merge { .. }
            | CaseCommand::Archive
            | CaseCommand::Flag { .. } => self.supervisor(),
        }
    }
}

/// Working days to resolve a case, by tier code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TierDays(BTreeMap<String, i32>);

impl TierDays {
    /// For a tier missing from the table: about a month.
    pub const FALLBACK: i32 = 22;

    pub fn new(rows: impl IntoIterator<Item = (String, i32)>) -> Self {
        TierDays(rows.into_iter().collect())
    }

    pub fn resolve_days(&self, code: &str) -> u32 {
        u32::try_from(self.0.get(code).copied().unwrap_or(Self::FALLBACK)).unwrap_or(0)
    }
}

/// The extension request waiting for a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingExtension {
    pub id: i32,
    pub days: i32,
}

/// The handling unit an assignment names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamedUnit {
    pub id: i32,
    pub active: bool,
}

/// The deputy an assignment names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamedDeputy {
    pub id: i32,
    pub active: bool,
    /// In a station whose records the actor may read.
    pub in_actor_stations: bool,
}

/// The case a merge names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergeTarget {
    pub id: i32,
    pub status: CaseStatus,
    /// Itself merged into a third case.
    pub merged: bool,
}

/// What the commands need from outside the case, read before deciding.
#[derive(Debug, Clone)]
pub struct Lookups {
    /// The working-day calendar deadlines and the return window are counted on.
    pub calendar: WorkCalendar,
    /// The stations' time zone: deadlines end at local midnight.
    pub tz: Tz,
    /// Working days after assignment within which a unit may return a case.
    pub return_window_working_days: u32,
    pub tier_days: TierDays,
    /// The case's extension request waiting for a decision, if any.
    pub pending_extension: Option<PendingExtension>,
    /// The unit an assignment names, if it exists.
    pub unit: Option<NamedUnit>,
    /// The deputy an assignment names, if they exist.
    pub deputy: Option<NamedDeputy>,
    /// The case a merge names, if the actor may read it.
    pub merge_target: Option<MergeTarget>,
}
