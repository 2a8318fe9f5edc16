//! Reception (今日我接待) vocabulary and the parts of a reception-log entry, parsed at the
//! edge: a slot of the day, what became of the matter, how many came, who the visitor is.
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::field::{FieldError, Problem};
use super::org::text_enum;
use super::person;
use super::phone::Phone;
use super::text;

pub const MAX_MATTER_CHARS: usize = 2000;
pub const MAX_RESULT_CHARS: usize = 2000;
pub const MAX_NOTE_CHARS: usize = 200;
pub const MAX_VISITORS: i64 = 500;
/// The longest period a roster can be set or listed for at once.
pub const MAX_RANGE_DAYS: i64 = 366;
/// The ends of an open period (both engines store these dates).
pub const EARLIEST: NaiveDate = date_or(NaiveDate::from_ymd_opt(1900, 1, 1), NaiveDate::MIN);
pub const LATEST: NaiveDate = date_or(NaiveDate::from_ymd_opt(9999, 12, 31), NaiveDate::MAX);

const fn date_or(date: Option<NaiveDate>, fallback: NaiveDate) -> NaiveDate {
    match date {
        Some(date) => date,
        None => fallback,
    }
}
/// How far ahead the public station page shows the roster.
pub const PUBLIC_DAYS_AHEAD: i64 = 14;

text_enum! {
    /// When on the reception day a deputy receives.
    Slot {
        Morning => "morning", "上午", "morning";
        Afternoon => "afternoon", "下午", "afternoon";
        AllDay => "all_day", "全天", "all day";
    }
}

impl Slot {
    pub const EXPECTED: &'static str = "morning, afternoon or all_day";

    pub fn parse(field: &'static str, raw: &str) -> Result<Slot, FieldError> {
        match raw.trim() {
            "" => Err(FieldError::required(field)),
            value => value.parse().map_err(|_| FieldError::invalid(field, Slot::EXPECTED)),
        }
    }

    /// Whether a visit in this slot was received by someone on duty in `duty`.
    pub fn overlaps(self, duty: Slot) -> bool {
        self == duty || self == Slot::AllDay || duty == Slot::AllDay
    }
}

text_enum! {
    /// What became of the matter a visitor brought.
    Disposition {
        Answered => "answered", "当场答复", "answered on the spot";
        Community => "community", "转社区", "passed to the community";
        StreetOffice => "street_office", "转街道人大工委", "passed to the street people's congress office";
        Suggestion => "suggestion", "形成建议", "became a suggestion";
        HigherDeputy => "higher_deputy", "转上级代表", "passed to a higher-level deputy";
    }
}

impl Disposition {
    pub const EXPECTED: &'static str = "answered, community, street_office, suggestion or higher_deputy";

    pub fn parse(field: &'static str, raw: &str) -> Result<Disposition, FieldError> {
        match raw.trim() {
            "" => Err(FieldError::required(field)),
            value => value.parse().map_err(|_| FieldError::invalid(field, Disposition::EXPECTED)),
        }
    }
}

/// How many people came together: 1–500.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitorsCount(i32);

impl VisitorsCount {
    pub fn new(field: &'static str, value: i64) -> Result<VisitorsCount, FieldError> {
        if (1..=MAX_VISITORS).contains(&value) {
            Ok(VisitorsCount(value as i32))
        } else {
            Err(FieldError::new(field, Problem::OutOfRange { min: 1, max: MAX_VISITORS }))
        }
    }

    /// From a form field: blank is one visitor.
    pub fn parse(field: &'static str, raw: &str) -> Result<VisitorsCount, FieldError> {
        match raw.trim() {
            "" => Ok(VisitorsCount(1)),
            value => match value.parse::<i64>() {
                Ok(n) => VisitorsCount::new(field, n),
                Err(_) => Err(FieldError::new(field, Problem::OutOfRange { min: 1, max: MAX_VISITORS })),
            },
        }
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

/// The matter in the visitor's own words: 1–2,000 characters, line breaks kept.
pub fn parse_matter(field: &'static str, raw: &str) -> Result<String, FieldError> {
    text::required_text(field, raw, 1, MAX_MATTER_CHARS)
}

/// Who came, if they were willing to say: a name and/or a phone, kept only with consent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Visitor {
    pub name: Option<String>,
    pub phone: Option<Phone>,
}

impl Visitor {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.phone.is_none()
    }

    /// Parses the optional name and phone; either one needs `consent`. Every problem is
    /// reported at once.
    pub fn parse(name: Option<&str>, phone: Option<&str>, consent: bool) -> Result<Visitor, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = match name.map(str::trim) {
            None | Some("") => None,
            Some(value) => match person::parse_name("visitor_name", value) {
                Ok(name) => Some(name),
                Err(error) => {
                    errors.push(error);
                    None
                }
            },
        };
        let phone = match phone.map(str::trim) {
            None | Some("") => None,
            Some(value) => match Phone::parse("visitor_phone", value) {
                Ok(phone) => Some(phone),
                Err(error) => {
                    errors.push(error);
                    None
                }
            },
        };
        let given = name.is_some() || phone.is_some() || !errors.is_empty();
        if given && !consent {
            errors.push(FieldError::required("consent"));
        }
        if errors.is_empty() { Ok(Visitor { name, phone }) } else { Err(errors) }
    }
}

/// A period of days, both ends included, at most `MAX_RANGE_DAYS` long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<DateRange, FieldError> {
        if to < from {
            return Err(FieldError::invalid("to", "a date on or after `from`"));
        }
        if (to - from).num_days() >= MAX_RANGE_DAYS {
            return Err(FieldError::new("to", Problem::OutOfRange { min: 1, max: MAX_RANGE_DAYS }));
        }
        Ok(DateRange { from, to })
    }

    pub fn days(self) -> impl Iterator<Item = NaiveDate> {
        self.from.iter_days().take_while(move |day| *day <= self.to)
    }
}

pub fn parse_date(field: &'static str, raw: &str) -> Result<NaiveDate, FieldError> {
    match raw.trim() {
        "" => Err(FieldError::required(field)),
        value => {
            NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| FieldError::invalid(field, "a date as YYYY-MM-DD"))
        }
    }
}

/// A note on a duty: one line, at most 200 characters.
pub fn parse_note(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    text::optional_line("note", raw, MAX_NOTE_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(raw: &str) -> NaiveDate {
        NaiveDate::parse_from_str(raw, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn slots_and_dispositions_parse_from_their_codes() {
        assert_eq!(Slot::parse("slot", " morning ").unwrap(), Slot::Morning);
        assert_eq!(Slot::parse("slot", "all_day").unwrap().label_zh(), "全天");
        assert_eq!(Slot::parse("slot", "").unwrap_err().code(), "required");
        assert_eq!(Slot::parse("slot", "evening").unwrap_err().code(), "invalid");
        assert_eq!(Disposition::parse("d", "street_office").unwrap().label_zh(), "转街道人大工委");
        assert_eq!(Disposition::parse("d", "higher_deputy").unwrap(), Disposition::HigherDeputy);
        assert!(Disposition::parse("d", "ignored").is_err());
    }

    #[test]
    fn an_all_day_duty_covers_both_halves() {
        assert!(Slot::Morning.overlaps(Slot::AllDay));
        assert!(Slot::AllDay.overlaps(Slot::Afternoon));
        assert!(!Slot::Morning.overlaps(Slot::Afternoon));
    }

    #[test]
    fn visitors_count_is_between_one_and_five_hundred() {
        assert_eq!(VisitorsCount::parse("n", "").unwrap().get(), 1);
        assert_eq!(VisitorsCount::parse("n", "500").unwrap().get(), 500);
        for bad in ["0", "501", "-3", "many"] {
            assert_eq!(VisitorsCount::parse("n", bad).unwrap_err().code(), "out_of_range", "{bad}");
        }
    }

    #[test]
    fn a_visitor_who_leaves_contact_details_must_consent() {
        assert_eq!(Visitor::parse(None, Some(" "), false).unwrap(), Visitor::default());
        let errors = Visitor::parse(Some("李四"), Some("13912345678"), false).unwrap_err();
        assert_eq!(errors.iter().map(|e| (e.field, e.code())).collect::<Vec<_>>(), vec![("consent", "required")]);
        let visitor = Visitor::parse(Some("李四"), Some("139 1234 5678"), true).unwrap();
        assert_eq!(visitor.phone.unwrap().to_string(), "13912345678");
        let errors = Visitor::parse(None, Some("123"), true).unwrap_err();
        assert_eq!(errors[0].field, "visitor_phone");
    }

    #[test]
    fn the_matter_is_required_and_bounded() {
        assert_eq!(parse_matter("matter", "  ").unwrap_err().code(), "required");
        assert!(parse_matter("matter", &"字".repeat(MAX_MATTER_CHARS)).is_ok());
        assert_eq!(parse_matter("matter", &"字".repeat(MAX_MATTER_CHARS + 1)).unwrap_err().code(), "too_long");
    }

    #[test]
    fn ranges_are_ordered_and_bounded() {
        let range = DateRange::new(day("2026-03-01"), day("2026-03-03")).unwrap();
        assert_eq!(range.days().count(), 3);
        assert!(DateRange::new(day("2026-03-03"), day("2026-03-01")).is_err());
        assert!(DateRange::new(day("2026-01-01"), day("2027-01-01")).is_ok());
        assert!(DateRange::new(day("2026-01-01"), day("2027-01-02")).is_err());
        assert_eq!(parse_date("from", "2026-3-x").unwrap_err().code(), "invalid");
    }
}
