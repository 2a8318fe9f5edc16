//! The vocabulary and rules of three smaller books: deputies' reports to voters (述职) and
//! their vote, deputies' contacts with voter households (民情联系卡), and the station's
//! "ten haves" (十有) with its completeness score.
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::field::{FieldError, Problem};
use super::org::text_enum;
use super::text;

pub const MAX_PLACE_CHARS: usize = 100;
pub const MAX_SUMMARY_CHARS: usize = 5_000;
pub const MAX_COMMENTS_CHARS: usize = 5_000;
pub const MAX_HOUSEHOLD_CHARS: usize = 100;
pub const MAX_MATTER_CHARS: usize = 2_000;
pub const MAX_HANDLING_CHARS: usize = 2_000;
pub const MAX_EVIDENCE_CHARS: usize = 1_000;
/// More voters than this at one report is a typing error.
pub const MAX_VOTERS: i64 = 100_000;

text_enum! {
    /// How a deputy reported to the voters.
    ReportForm {
        Oral => "oral", "口头述职", "oral";
        Written => "written", "书面述职", "written";
    }
}

text_enum! {
    /// How a deputy was in touch with a voter household.
    ContactMode {
        Visit => "visit", "走访", "home visit";
        Phone => "phone", "电话", "phone";
        Wechat => "wechat", "微信", "WeChat";
        Other => "other", "其他", "other";
    }
}

text_enum! {
    /// The ten things a station must have (十有).
    TenHaveItem {
        Place => "place", "有场所", "a place";
        Sign => "sign", "有牌子", "a sign";
        Equipment => "equipment", "有设备", "equipment";
        Staff => "staff", "有人员", "staff";
        Rules => "rules", "有制度", "rules";
        Plan => "plan", "有计划", "a plan";
        Activities => "activities", "有活动", "activities";
        Ledgers => "ledgers", "有台账", "ledgers";
        Archives => "archives", "有档案", "archives";
        Cases => "cases", "有案例", "model cases";
    }
}

/// A `text_enum!` value from a request field: blank is "required", anything else not in the
/// list is "invalid" naming the accepted values.
pub fn parse_code<T: FromStr>(field: &'static str, raw: &str, expected: &'static str) -> Result<T, FieldError> {
    match raw.trim() {
        "" => Err(FieldError::required(field)),
        value => value.parse().map_err(|_| FieldError::invalid(field, expected)),
    }
}

impl ReportForm {
    pub const EXPECTED: &'static str = "oral or written";
}

impl ContactMode {
    pub const EXPECTED: &'static str = "visit, phone, wechat or other";
}

impl TenHaveItem {
    pub const EXPECTED: &'static str =
        "place, sign, equipment, staff, rules, plan, activities, ledgers, archives or cases";
}

/// A count of people: 0 to [`MAX_VOTERS`].
pub fn parse_count(field: &'static str, value: i64) -> Result<i32, FieldError> {
    if (0..=MAX_VOTERS).contains(&value) {
        Ok(value as i32)
    } else {
        Err(FieldError::new(field, Problem::OutOfRange { min: 0, max: MAX_VOTERS }))
    }
}

/// The voters' vote on a report. The votes cast can't outnumber the voters present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Vote {
    pub satisfied: i32,
    pub basically_satisfied: i32,
    pub dissatisfied: i32,
}

impl Vote {
    pub fn new(
        satisfied: i32,
        basically_satisfied: i32,
        dissatisfied: i32,
        voters_present: i32,
    ) -> Result<Vote, FieldError> {
        let vote = Vote { satisfied, basically_satisfied, dissatisfied };
        if voters_present > 0 && vote.cast() > i64::from(voters_present) {
            return Err(FieldError::new(
                "votes_satisfied",
                Problem::Described(format!("{} votes were cast but {voters_present} voters were present", vote.cast())),
            ));
        }
        Ok(vote)
    }

    pub fn cast(&self) -> i64 {
        i64::from(self.satisfied) + i64::from(self.basically_satisfied) + i64::from(self.dissatisfied)
    }

    /// 满意率: (satisfied + basically satisfied) ÷ votes cast, as a whole percentage; none
    /// when nobody voted.
    pub fn satisfaction_rate(&self) -> Option<i32> {
        percent(i64::from(self.satisfied) + i64::from(self.basically_satisfied), self.cast())
    }
}

/// `part ÷ whole` as a whole percentage rounded half up; none for an empty whole.
pub fn percent(part: i64, whole: i64) -> Option<i32> {
    if whole <= 0 {
        return None;
    }
    Some(((part * 200 + whole) / (whole * 2)) as i32)
}

/// The share of the ten items a station has, as a whole percentage.
pub fn completeness(present: usize) -> i32 {
    percent(present.min(TenHaveItem::ALL.len()) as i64, TenHaveItem::ALL.len() as i64).unwrap_or(0)
}

pub fn parse_place(raw: &str) -> Result<String, FieldError> {
    text::required_line("place", raw, MAX_PLACE_CHARS)
}

pub fn parse_summary(raw: &str) -> Result<String, FieldError> {
    text::required_text("summary", raw, 1, MAX_SUMMARY_CHARS)
}

pub fn parse_comments(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    text::optional_text("comments", raw, MAX_COMMENTS_CHARS)
}

pub fn parse_household(raw: &str) -> Result<String, FieldError> {
    text::required_line("household", raw, MAX_HOUSEHOLD_CHARS)
}

pub fn parse_matter(raw: &str) -> Result<String, FieldError> {
    text::required_text("matter", raw, 1, MAX_MATTER_CHARS)
}

pub fn parse_handling(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    text::optional_text("handling", raw, MAX_HANDLING_CHARS)
}

pub fn parse_evidence(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    text::optional_text("note", raw, MAX_EVIDENCE_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vote_is_bounded_by_the_voters_present() {
        assert!(Vote::new(30, 10, 2, 42).is_ok());
        assert!(Vote::new(30, 10, 3, 42).is_err());
        // Nobody counted who came: any vote stands.
        assert!(Vote::new(30, 10, 3, 0).is_ok());
    }

    #[test]
    fn the_satisfaction_rate_counts_basically_satisfied() {
        assert_eq!(Vote::new(30, 10, 2, 42).unwrap().satisfaction_rate(), Some(95));
        assert_eq!(Vote::default().satisfaction_rate(), None);
        assert_eq!(percent(1, 3), Some(33));
        assert_eq!(percent(2, 3), Some(67));
        assert_eq!(percent(1, 8), Some(13));
    }

    #[test]
    fn completeness_is_out_of_ten() {
        assert_eq!(completeness(0), 0);
        assert_eq!(completeness(7), 70);
        assert_eq!(completeness(12), 100);
        assert_eq!(TenHaveItem::ALL.len(), 10);
    }

    #[test]
    fn codes_parse_with_a_clear_error() {
        assert_eq!(parse_code::<ContactMode>("mode", " wechat ", ContactMode::EXPECTED), Ok(ContactMode::Wechat));
        assert_eq!(parse_code::<ReportForm>("form", "", ReportForm::EXPECTED), Err(FieldError::required("form")));
        assert_eq!(
            parse_code::<TenHaveItem>("item", "pool", TenHaveItem::EXPECTED),
            Err(FieldError::invalid("item", TenHaveItem::EXPECTED))
        );
        assert!(parse_count("voters_present", -1).is_err());
        assert!(parse_count("voters_present", MAX_VOTERS + 1).is_err());
    }
}
