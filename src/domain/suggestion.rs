//! Formal suggestions (代表建议): the legal clock, the result classes, the status machine and
//! what "overdue" means. Pure rules, no I/O.
//!
//! The clock counts calendar months, not working days: a reply is due three months after the
//! suggestion was assigned (交办), an extension may reach six months at most, and a deputy who is
//! dissatisfied with the reply gets a re-handled reply within one month of saying so. A month
//! later than a day that the target month lacks is that month's last day (30 November + 3 months
//! is 28 February, or 29 February in a leap year).
use std::str::FromStr;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::field::{FieldError, Problem};
use super::org::text_enum;
use super::text;

pub const REPLY_MONTHS: u32 = 3;
pub const MAX_MONTHS: u32 = 6;
pub const REHANDLING_MONTHS: u32 = 1;

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_REASONS_CHARS: usize = 5000;
pub const MAX_PROPOSALS_CHARS: usize = 5000;
pub const MAX_REPLY_CHARS: usize = 5000;
/// Co-signing deputies and co-handling units per suggestion.
pub const MAX_CO: usize = 50;

/// `day` plus `months` calendar months, clamped to the end of a shorter month.
pub fn add_months(day: NaiveDate, months: u32) -> NaiveDate {
    day.checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX)
}

/// When the reply to a suggestion assigned on `assigned_on` is due.
pub fn reply_due(assigned_on: NaiveDate) -> NaiveDate {
    add_months(assigned_on, REPLY_MONTHS)
}

/// The latest date an extension may reach.
pub fn latest_extension(assigned_on: NaiveDate) -> NaiveDate {
    add_months(assigned_on, MAX_MONTHS)
}

/// When a re-handled reply is due, the dissatisfaction having been recorded on `rated_on`.
pub fn rehandling_due(rated_on: NaiveDate) -> NaiveDate {
    add_months(rated_on, REHANDLING_MONTHS)
}

/// Checks an extension to `to`: later than the deadline in force, at most six months after
/// assignment. A refusal names the field `to` and the latest allowed day.
pub fn check_extension(assigned_on: NaiveDate, deadline: NaiveDate, to: NaiveDate) -> Result<NaiveDate, FieldError> {
    let latest = latest_extension(assigned_on);
    if to <= deadline {
        return Err(FieldError::new(
            "to",
            Problem::Described(format!("must be after the current deadline {deadline}")),
        ));
    }
    if to > latest {
        return Err(FieldError::new(
            "to",
            Problem::Described(format!(
                "may be at most {MAX_MONTHS} months after the assignment on {assigned_on}, that is {latest}"
            )),
        ));
    }
    Ok(to)
}

text_enum! {
    /// Where a suggestion stands.
    SuggestionStatus {
        Drafted => "drafted", "草拟", "drafted";
        Submitted => "submitted", "已提交", "submitted";
        Assigned => "assigned", "已交办", "assigned";
        Replied => "replied", "已答复", "replied";
        Rehandling => "rehandling", "重新办理", "being re-handled";
        Closed => "closed", "已办结", "closed";
    }
}

text_enum! {
    /// How the handling unit classes its reply (办理结果分类).
    ResultClass {
        A => "A", "A类 已解决", "A: solved";
        B => "B", "B类 正在解决", "B: being solved";
        C => "C", "C类 列入计划解决", "C: planned";
        D => "D", "D类 解释说明", "D: explained";
    }
}

impl ResultClass {
    pub const EXPECTED: &'static str = "A, B, C or D";

    pub fn parse(field: &'static str, raw: &str) -> Result<ResultClass, FieldError> {
        match raw.trim() {
            "" => Err(FieldError::required(field)),
            value => value.to_ascii_uppercase().parse().map_err(|_| FieldError::invalid(field, ResultClass::EXPECTED)),
        }
    }
}

text_enum! {
    /// A deputy behind a suggestion, or a unit handling it.
    SuggestionRole {
        Lead => "lead", "领衔", "lead";
        Co => "co", "附议", "co-signing";
    }
}

text_enum! {
    /// What can be done to a suggestion.
    SuggestionAction {
        Submit => "submit", "提交", "submit";
        Assign => "assign", "交办", "assign";
        Extend => "extend", "延期", "extend";
        Reply => "reply", "答复", "reply";
        Rate => "rate", "评价", "rate";
        Close => "close", "办结", "close";
    }
}

impl SuggestionAction {
    pub const EXPECTED: &'static str = "submit, assign, extend, reply, rate or close";
}

/// A move the status does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IllegalMove {
    pub from: SuggestionStatus,
    pub action: SuggestionAction,
}

impl std::fmt::Display for IllegalMove {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a suggestion that is {} cannot be {}", self.from.label_en(), past(self.action))
    }
}

fn past(action: SuggestionAction) -> &'static str {
    match action {
        SuggestionAction::Submit => "submitted",
        SuggestionAction::Assign => "assigned",
        SuggestionAction::Extend => "extended",
        SuggestionAction::Reply => "replied to",
        SuggestionAction::Rate => "rated",
        SuggestionAction::Close => "closed",
    }
}

/// The status after `action`. `dissatisfied` matters only for `rate`: a dissatisfied deputy
/// sends a first reply back for re-handling; a re-handled reply (`rehandled`) is not sent back
/// again, the dissatisfaction is recorded and the suggestion can be closed.
pub fn next_status(
    from: SuggestionStatus,
    action: SuggestionAction,
    dissatisfied: bool,
    rehandled: bool,
) -> Result<SuggestionStatus, IllegalMove> {
    use SuggestionAction as A;
    use SuggestionStatus as S;
    match (from, action) {
        (S::Drafted, A::Submit) => Ok(S::Submitted),
        (S::Submitted, A::Assign) => Ok(S::Assigned),
        (S::Assigned, A::Extend) => Ok(S::Assigned),
        (S::Assigned | S::Rehandling, A::Reply) => Ok(S::Replied),
        (S::Replied, A::Rate) if dissatisfied && !rehandled => Ok(S::Rehandling),
        (S::Replied, A::Rate) => Ok(S::Replied),
        (S::Replied, A::Close) => Ok(S::Closed),
        _ => Err(IllegalMove { from, action }),
    }
}

/// The dates of a suggestion that decide whether it is late.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Deadlines {
    pub due_on: Option<NaiveDate>,
    pub extended_to: Option<NaiveDate>,
    pub rehandling_due_on: Option<NaiveDate>,
}

impl Deadlines {
    /// The deadline in force for the first reply: the extension if there is one.
    pub fn reply_deadline(&self) -> Option<NaiveDate> {
        self.extended_to.or(self.due_on)
    }

    /// The deadline in force now: re-handling's own once it started.
    pub fn current(&self, status: SuggestionStatus) -> Option<NaiveDate> {
        match status {
            SuggestionStatus::Rehandling => self.rehandling_due_on,
            SuggestionStatus::Drafted | SuggestionStatus::Submitted => None,
            _ => self.rehandling_due_on.or(self.reply_deadline()),
        }
    }
}

/// Overdue: waiting for a reply past its deadline on `today`, or answered after it.
pub fn is_overdue(
    status: SuggestionStatus,
    deadlines: Deadlines,
    replied_on: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    match status {
        SuggestionStatus::Drafted | SuggestionStatus::Submitted => false,
        SuggestionStatus::Assigned => deadlines.reply_deadline().is_some_and(|due| today > due),
        SuggestionStatus::Rehandling => deadlines.rehandling_due_on.is_some_and(|due| today > due),
        SuggestionStatus::Replied | SuggestionStatus::Closed => match (replied_on, deadlines.current(status)) {
            (Some(replied), Some(due)) => replied > due,
            _ => false,
        },
    }
}

/// The title: one line, 1–200 characters.
pub fn parse_title(raw: &str) -> Result<String, FieldError> {
    text::required_line("title", raw, MAX_TITLE_CHARS)
}

/// The reasons (案由): 1–5,000 characters, line breaks kept.
pub fn parse_reasons(raw: &str) -> Result<String, FieldError> {
    text::required_text("reasons", raw, 1, MAX_REASONS_CHARS)
}

/// The proposals (建议内容): optional, at most 5,000 characters.
pub fn parse_proposals(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    text::optional_text("proposals", raw, MAX_PROPOSALS_CHARS)
}

/// The reply of the handling unit: 1–5,000 characters.
pub fn parse_reply(raw: &str) -> Result<String, FieldError> {
    text::required_text("text", raw, 1, MAX_REPLY_CHARS)
}

/// A title drawn from a resident's or visitor's words: the first line, at most 40 characters.
pub fn title_from(text: &str) -> String {
    let first = text.lines().map(str::trim).find(|line| !line.is_empty()).unwrap_or("");
    let cleaned: String = first.chars().filter(|c| !c.is_control()).collect();
    let mut title: String = cleaned.chars().take(40).collect();
    if cleaned.chars().count() > 40 {
        title.push('…');
    }
    if title.is_empty() { "代表建议".to_string() } else { title }
}

/// The readable number of the `sequence`-th suggestion of `year`: `2026-0001`.
pub fn number(year: i32, sequence: u32) -> String {
    format!("{year}-{sequence:04}")
}

/// Co-signers without repeats and without the lead; at most `MAX_CO`.
pub fn co_list(field: &'static str, lead: Option<i32>, ids: &[i32]) -> Result<Vec<i32>, FieldError> {
    let mut out: Vec<i32> = Vec::with_capacity(ids.len());
    for id in ids {
        if Some(*id) != lead && !out.contains(id) {
            out.push(*id);
        }
    }
    if out.len() > MAX_CO {
        return Err(FieldError::new(field, Problem::OutOfRange { min: 0, max: MAX_CO as i64 }));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(raw: &str) -> NaiveDate {
        NaiveDate::parse_from_str(raw, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_clock_counts_calendar_months_and_clamps_to_month_end() {
        assert_eq!(reply_due(day("2026-03-02")), day("2026-06-02"));
        assert_eq!(reply_due(day("2026-11-30")), day("2027-02-28"));
        assert_eq!(reply_due(day("2027-11-30")), day("2028-02-29"));
        assert_eq!(reply_due(day("2026-05-31")), day("2026-08-31"));
        assert_eq!(latest_extension(day("2026-03-31")), day("2026-09-30"));
        assert_eq!(latest_extension(day("2026-08-31")), day("2027-02-28"));
        assert_eq!(rehandling_due(day("2026-01-31")), day("2026-02-28"));
        assert_eq!(rehandling_due(day("2026-06-10")), day("2026-07-10"));
    }

    #[test]
    fn an_extension_goes_forward_and_no_further_than_six_months() {
        let assigned = day("2026-03-02");
        let due = reply_due(assigned);
        assert_eq!(check_extension(assigned, due, day("2026-09-02")).unwrap(), day("2026-09-02"));
        assert_eq!(check_extension(assigned, due, day("2026-07-01")).unwrap(), day("2026-07-01"));
        let late = check_extension(assigned, due, day("2026-09-03")).unwrap_err();
        assert_eq!(late.field, "to");
        assert!(late.message_en().contains("2026-09-02"), "{}", late.message_en());
        assert!(check_extension(assigned, due, due).is_err());
        assert!(check_extension(assigned, due, day("2026-05-01")).is_err());
    }

    #[test]
    fn the_status_machine_allows_only_the_lawful_moves() {
        use SuggestionAction as A;
        use SuggestionStatus as S;
        assert_eq!(next_status(S::Drafted, A::Submit, false, false), Ok(S::Submitted));
        assert_eq!(next_status(S::Submitted, A::Assign, false, false), Ok(S::Assigned));
        assert_eq!(next_status(S::Assigned, A::Extend, false, false), Ok(S::Assigned));
        assert_eq!(next_status(S::Assigned, A::Reply, false, false), Ok(S::Replied));
        assert_eq!(next_status(S::Replied, A::Rate, false, false), Ok(S::Replied));
        assert_eq!(next_status(S::Replied, A::Rate, true, false), Ok(S::Rehandling));
        assert_eq!(next_status(S::Rehandling, A::Reply, false, true), Ok(S::Replied));
        assert_eq!(next_status(S::Replied, A::Rate, true, true), Ok(S::Replied));
        assert_eq!(next_status(S::Replied, A::Close, false, false), Ok(S::Closed));
        let illegal = next_status(S::Drafted, A::Assign, false, false).unwrap_err();
        assert_eq!(illegal.to_string(), "a suggestion that is drafted cannot be assigned");
        assert!(next_status(S::Closed, A::Reply, false, false).is_err());
        assert!(next_status(S::Rehandling, A::Extend, false, true).is_err());
        assert!(next_status(S::Submitted, A::Reply, false, false).is_err());
        assert!(next_status(S::Assigned, A::Close, false, false).is_err());
    }

    #[test]
    fn overdue_is_derived_from_the_deadline_in_force() {
        use SuggestionStatus as S;
        let deadlines = Deadlines { due_on: Some(day("2026-06-02")), ..Deadlines::default() };
        assert!(!is_overdue(S::Assigned, deadlines, None, day("2026-06-02")));
        assert!(is_overdue(S::Assigned, deadlines, None, day("2026-06-03")));
        let extended = Deadlines { extended_to: Some(day("2026-09-02")), ..deadlines };
        assert!(!is_overdue(S::Assigned, extended, None, day("2026-06-03")));
        assert!(is_overdue(S::Replied, deadlines, Some(day("2026-06-05")), day("2026-12-01")));
        assert!(!is_overdue(S::Closed, deadlines, Some(day("2026-06-01")), day("2026-12-01")));
        let rehandling = Deadlines { rehandling_due_on: Some(day("2026-07-01")), ..deadlines };
        assert!(is_overdue(S::Rehandling, rehandling, Some(day("2026-05-01")), day("2026-07-02")));
        assert!(!is_overdue(S::Rehandling, rehandling, Some(day("2026-05-01")), day("2026-07-01")));
        assert!(!is_overdue(S::Drafted, deadlines, None, day("2030-01-01")));
    }

    #[test]
    fn vocabularies_and_text() {
        assert_eq!(ResultClass::parse("result_class", "a").unwrap(), ResultClass::A);
        assert_eq!(ResultClass::B.label_zh(), "B类 正在解决");
        assert_eq!(ResultClass::parse("result_class", "E").unwrap_err().code(), "invalid");
        assert_eq!(ResultClass::parse("result_class", " ").unwrap_err().code(), "required");
        assert_eq!(number(2026, 1), "2026-0001");
        assert_eq!(number(2026, 12345), "2026-12345");
        assert_eq!(title_from("\n  路灯坏了\n第二行"), "路灯坏了");
        assert_eq!(title_from(&"字".repeat(50)).chars().count(), 41);
        assert_eq!(title_from("  "), "代表建议");
        assert_eq!(co_list("co", Some(1), &[1, 2, 2, 3]).unwrap(), vec![2, 3]);
        assert!(co_list("co", None, &(0..60).collect::<Vec<_>>()).is_err());
        assert_eq!(parse_title(&"题".repeat(201)).unwrap_err().code(), "too_long");
        assert_eq!(parse_reasons(" ").unwrap_err().code(), "required");
    }
}
