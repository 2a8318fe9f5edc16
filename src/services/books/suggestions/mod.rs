//! Formal suggestions (代表建议) and their handling (建议办理情况登记簿).
//!
//! Who: the station's managers (administrators everywhere) draft, edit, assign, extend and
//! close; a deputy drafts suggestions they lead, submits and rates them, and reads those they
//! lead or co-sign; the staff of a handling unit read and reply to the suggestions assigned to
//! their unit (as lead or co-handler); viewers read their stations'. Out of scope is 404; in
//! scope but not theirs to do is 403; a stale `version` or a move the status does not allow
//! is 409.
//!
//! Here: what a suggestion and its changes look like; `standing` (who may do what to one),
//! `read` (one, or a list), `draft` (drafting, also from a case or a visit), `handling` (edits
//! and the actions of its handling), `checks` (what a suggestion may name, and its links).
mod checks;
mod draft;
mod handling;
mod read;
mod standing;

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::case_state::Satisfaction;
use crate::domain::suggestion::{ResultClass, SuggestionAction, SuggestionRole, SuggestionStatus};
use crate::entities::suggestion as entity;
use crate::error::AppError;

pub use draft::{create, from_case, from_visit, require_may_draft};
pub use handling::{act, update};
pub use read::{get, list};
pub use standing::{deadline_of, overdue_on, require_may_act, require_may_edit};

/// The moment of a change and the local day it falls on.
#[derive(Debug, Clone, Copy)]
pub struct Now {
    pub at: DateTime<Utc>,
    pub today: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct NewSuggestion {
    /// `None`: today.
    pub raised_on: Option<NaiveDate>,
    pub title: String,
    pub reasons: String,
    pub proposals: Option<String>,
    pub category_id: Option<i32>,
    /// `None`: the deputy drafting it.
    pub lead_deputy_id: Option<i32>,
    pub co_deputy_ids: Vec<i32>,
    pub key_supervision: bool,
}

/// Changes to a suggestion: `None` leaves a field alone, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct SuggestionChanges {
    pub version: i32,
    pub raised_on: Option<NaiveDate>,
    pub title: Option<String>,
    pub reasons: Option<String>,
    pub proposals: Option<Option<String>>,
    pub category_id: Option<Option<i32>>,
    pub lead_deputy_id: Option<i32>,
    pub co_deputy_ids: Option<Vec<i32>>,
    pub key_supervision: Option<bool>,
}

impl SuggestionChanges {
    fn touches_content(&self) -> bool {
        self.raised_on.is_some()
            || self.title.is_some()
            || self.reasons.is_some()
            || self.proposals.is_some()
            || self.category_id.is_some()
            || self.lead_deputy_id.is_some()
            || self.co_deputy_ids.is_some()
    }
}

#[derive(Debug, Clone)]
pub enum Command {
    Submit,
    Assign { lead_unit_id: i32, co_unit_ids: Vec<i32> },
    Extend { to: NaiveDate },
    Reply { text: String, result_class: ResultClass },
    Rate { satisfaction: Satisfaction },
    Close,
}

impl Command {
    pub fn action(&self) -> SuggestionAction {
        match self {
            Command::Submit => SuggestionAction::Submit,
            Command::Assign { .. } => SuggestionAction::Assign,
            Command::Extend { .. } => SuggestionAction::Extend,
            Command::Reply { .. } => SuggestionAction::Reply,
            Command::Rate { .. } => SuggestionAction::Rate,
            Command::Close => SuggestionAction::Close,
        }
    }
}

/// A deputy or unit with its role.
#[derive(Debug, Clone)]
pub struct Party {
    pub id: i32,
    pub name: String,
    pub role: SuggestionRole,
}

/// What the reader may do to a suggestion.
#[derive(Debug, Clone, Copy, Default)]
pub struct Allowed {
    pub edit: bool,
    pub submit: bool,
    pub assign: bool,
    pub extend: bool,
    pub reply: bool,
    pub rate: bool,
    pub close: bool,
    /// Set or lift key supervision (重点督办).
    pub key_supervision: bool,
    /// Change the words and deputies (while drafted or submitted).
    pub reword: bool,
}

#[derive(Debug, Clone)]
pub struct SuggestionView {
    pub suggestion: entity::Model,
    pub status: SuggestionStatus,
    pub station_name: String,
    pub category_name: Option<String>,
    pub deputies: Vec<Party>,
    pub units: Vec<Party>,
    /// The deadline in force now.
    pub deadline: Option<NaiveDate>,
    pub overdue: bool,
    pub allowed: Allowed,
}

impl SuggestionView {
    pub fn lead_deputy(&self) -> Option<&Party> {
        self.deputies.iter().find(|d| d.role == SuggestionRole::Lead)
    }
}

#[derive(Debug, Clone, Default)]
pub struct SuggestionFilter {
    /// A station with its points and grids.
    pub station_id: Option<i32>,
    pub status: Option<SuggestionStatus>,
    /// Only those waiting for a reply past their deadline.
    pub overdue: bool,
}

/// 409 for a suggestion changed since it was read.
fn stale(current: i32) -> AppError {
    AppError::stale_version("suggestion", current)
}
