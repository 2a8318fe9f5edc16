//! Deputies' activities (人大代表活动登记簿) and attendance (人大代表参加活动情况登记表):
//! the kinds of activity, attendance marks, the parts of an activity parsed at the edge, and
//! the arithmetic of the attendance matrix (quarters, totals, the attendance rate).
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::field::{FieldError, Problem};
use super::org::text_enum;
use super::reception::Slot;
use super::text;

pub const MAX_TOPIC_CHARS: usize = 200;
pub const MAX_PLACE_CHARS: usize = 200;
pub const MAX_ORGANISER_CHARS: usize = 100;
pub const MAX_PARTICIPANTS_CHARS: usize = 1000;
pub const MAX_SUMMARY_CHARS: usize = 5000;
pub const MAX_NOTE_CHARS: usize = 200;
/// The most deputies one activity may list.
pub const MAX_INVITED: usize = 300;
/// The most photos one activity keeps.
pub const MAX_PHOTOS: usize = 12;
/// The most activities one attendance matrix shows as columns.
pub const MAX_MATRIX_ACTIVITIES: usize = 400;

text_enum! {
    /// What kind of activity the deputies took part in.
    ActivityKind {
        AttendCongress => "attend_congress", "出席人代会", "attending a people's congress session";
        Training => "training", "学习培训", "study and training";
        Research => "research", "专题调研", "research on a topic";
        Inspection => "inspection", "视察", "inspection";
        LawEnforcementCheck => "law_enforcement_check", "执法检查", "law enforcement check";
        Reception => "reception", "接待选民", "receiving voters";
        Mediation => "mediation", "化解矛盾纠纷", "resolving disputes";
        GoodDeeds => "good_deeds", "办好事实事", "doing practical good deeds";
        ReportToVoters => "report_to_voters", "向选民述职", "reporting to voters";
        Other => "other", "其他", "other";
    }
}

impl ActivityKind {
    pub const EXPECTED: &'static str = "attend_congress, training, research, inspection, law_enforcement_check, \
                                        reception, mediation, good_deeds, report_to_voters or other";

    pub fn parse(field: &'static str, raw: &str) -> Result<ActivityKind, FieldError> {
        match raw.trim() {
            "" => Err(FieldError::required(field)),
            value => value.parse().map_err(|_| FieldError::invalid(field, ActivityKind::EXPECTED)),
        }
    }
}

text_enum! {
    /// A deputy's mark on an activity: invited and not yet marked, then present, excused or absent.
    AttendanceStatus {
        Invited => "invited", "待登记", "invited";
        Present => "present", "出席", "present";
        Excused => "excused", "请假", "excused";
        Absent => "absent", "缺席", "absent";
    }
}

impl AttendanceStatus {
    pub const EXPECTED: &'static str = "invited, present, excused or absent";

    pub fn parse(field: &'static str, raw: &str) -> Result<AttendanceStatus, FieldError> {
        match raw.trim() {
            "" => Err(FieldError::required(field)),
            value => value.parse().map_err(|_| FieldError::invalid(field, AttendanceStatus::EXPECTED)),
        }
    }
}

pub fn parse_topic(raw: &str) -> Result<String, FieldError> {
    text::required_line("topic", raw, MAX_TOPIC_CHARS)
}

pub fn parse_place(raw: &str) -> Result<String, FieldError> {
    text::required_line("place", raw, MAX_PLACE_CHARS)
}

pub fn parse_organiser(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    text::optional_line("organiser", raw, MAX_ORGANISER_CHARS)
}

pub fn parse_participants(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    text::optional_text("other_participants", raw, MAX_PARTICIPANTS_CHARS)
}

pub fn parse_summary(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    text::optional_text("summary", raw, MAX_SUMMARY_CHARS)
}

pub fn parse_note(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    text::optional_line("note", raw, MAX_NOTE_CHARS)
}

/// A time of day as `HH:MM` (24-hour); blank is none.
pub fn parse_time(field: &'static str, raw: Option<&str>) -> Result<Option<NaiveTime>, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => NaiveTime::parse_from_str(value, "%H:%M")
            .map(Some)
            .map_err(|_| FieldError::invalid(field, "a time of day as HH:MM")),
    }
}

/// When on its day an activity took place: a slot, and/or the times it started and ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct When {
    pub slot: Option<Slot>,
    pub starts_at: Option<NaiveTime>,
    pub ends_at: Option<NaiveTime>,
}

impl When {
    /// An end needs a start before it.
    pub fn new(
        slot: Option<Slot>,
        starts_at: Option<NaiveTime>,
        ends_at: Option<NaiveTime>,
    ) -> Result<When, FieldError> {
        match (starts_at, ends_at) {
            (None, Some(_)) => Err(FieldError::required("starts_at")),
            (Some(start), Some(end)) if end <= start => Err(FieldError::invalid("ends_at", "a time after starts_at")),
            _ => Ok(When { slot, starts_at, ends_at }),
        }
    }

    /// `09:00–11:30`, `09:00`, `上午` or nothing, as the books write it.
    pub fn label_zh(slot: Option<Slot>, starts_at: Option<&str>, ends_at: Option<&str>) -> String {
        match (starts_at, ends_at) {
            (Some(start), Some(end)) => format!("{start}–{end}"),
            (Some(start), None) => start.to_string(),
            _ => slot.map_or_else(String::new, |s| s.label_zh().to_string()),
        }
    }
}

pub fn format_time(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

/// A quarter of a year (Q1 = January–March).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i32,
    pub quarter: u32,
}

impl Quarter {
    pub fn of(day: NaiveDate) -> Quarter {
        Quarter { year: day.year(), quarter: day.month0() / 3 + 1 }
    }

    fn next(self) -> Quarter {
        if self.quarter == 4 {
            Quarter { year: self.year + 1, quarter: 1 }
        } else {
            Quarter { year: self.year, quarter: self.quarter + 1 }
        }
    }

    /// Every quarter the period touches, in order.
    pub fn touched(from: NaiveDate, to: NaiveDate) -> Vec<Quarter> {
        let (first, last) = (Quarter::of(from), Quarter::of(to));
        let mut out = Vec::new();
        let mut current = first;
        while current <= last {
            out.push(current);
            current = current.next();
        }
        out
    }

    pub fn label_zh(self) -> String {
        format!("{}年第{}季度", self.year, self.quarter)
    }

    pub fn key(self) -> String {
        format!("q{}_{}", self.year, self.quarter)
    }
}

/// A deputy's attendance counted over some activities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    pub invited: i64,
    pub present: i64,
    pub excused: i64,
    pub absent: i64,
}

impl Tally {
    /// Every mark counts as an invitation; the others count where they say.
    pub fn add(&mut self, status: AttendanceStatus) {
        self.invited += 1;
        match status {
            AttendanceStatus::Present => self.present += 1,
            AttendanceStatus::Excused => self.excused += 1,
            AttendanceStatus::Absent => self.absent += 1,
            AttendanceStatus::Invited => {}
        }
    }

    /// 出席率 = present ÷ invited, as a whole percentage (half up); none without invitations.
    pub fn rate_percent(self) -> Option<i32> {
        if self.invited <= 0 {
            return None;
        }
        i32::try_from((self.present * 200 + self.invited) / (self.invited * 2)).ok()
    }

    /// `present/invited`, as the quarter columns show it.
    pub fn fraction(self) -> String {
        format!("{}/{}", self.present, self.invited)
    }
}

impl FromStr for Quarter {
    type Err = ();

    /// `2026Q1`
    fn from_str(s: &str) -> Result<Quarter, ()> {
        let (year, quarter) = s.split_once('Q').ok_or(())?;
        let year = year.parse().map_err(|_| ())?;
        let quarter: u32 = quarter.parse().map_err(|_| ())?;
        if (1..=4).contains(&quarter) { Ok(Quarter { year, quarter }) } else { Err(()) }
    }
}

/// Too many activities for one matrix: the period must be shorter.
pub fn matrix_too_wide(count: usize) -> Option<FieldError> {
    (count > MAX_MATRIX_ACTIVITIES).then(|| {
        FieldError::new(
            "to",
            Problem::Described(format!(
                "the period has {count} activities; the attendance table shows at most {MAX_MATRIX_ACTIVITIES}: choose a shorter period"
            )),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(raw: &str) -> NaiveDate {
        NaiveDate::parse_from_str(raw, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn kinds_and_statuses_parse_from_their_codes() {
        assert_eq!(ActivityKind::parse("kind", " research ").unwrap(), ActivityKind::Research);
        assert_eq!(ActivityKind::parse("kind", "law_enforcement_check").unwrap().label_zh(), "执法检查");
        assert_eq!(ActivityKind::parse("kind", "").unwrap_err().code(), "required");
        assert_eq!(ActivityKind::parse("kind", "party").unwrap_err().code(), "invalid");
        assert_eq!(ActivityKind::ALL.len(), 10);
        for kind in ActivityKind::ALL {
            assert_eq!(kind.as_str().parse::<ActivityKind>(), Ok(*kind));
        }
        assert_eq!(AttendanceStatus::parse("status", "excused").unwrap().label_zh(), "请假");
        assert!(AttendanceStatus::parse("status", "late").is_err());
    }

    #[test]
    fn texts_are_required_and_bounded() {
        assert_eq!(parse_topic(" ").unwrap_err().code(), "required");
        assert!(parse_topic(&"字".repeat(MAX_TOPIC_CHARS)).is_ok());
        assert_eq!(parse_topic(&"字".repeat(MAX_TOPIC_CHARS + 1)).unwrap_err().code(), "too_long");
        assert_eq!(parse_place("").unwrap_err().field, "place");
        assert_eq!(parse_organiser(Some("  ")).unwrap(), None);
        assert_eq!(parse_summary(Some(&"字".repeat(MAX_SUMMARY_CHARS + 1))).unwrap_err().code(), "too_long");
        assert_eq!(parse_participants(Some("街道干部\n社区代表")).unwrap().unwrap(), "街道干部\n社区代表");
    }

    #[test]
    fn times_are_ordered() {
        let nine = parse_time("starts_at", Some("09:00")).unwrap();
        let half_past_eleven = parse_time("ends_at", Some("11:30")).unwrap();
        assert_eq!(parse_time("starts_at", Some("")).unwrap(), None);
        assert_eq!(parse_time("starts_at", Some("9 点")).unwrap_err().code(), "invalid");
        assert!(When::new(None, nine, half_past_eleven).is_ok());
        assert_eq!(When::new(None, half_past_eleven, nine).unwrap_err().field, "ends_at");
        assert_eq!(When::new(None, None, nine).unwrap_err().field, "starts_at");
        assert_eq!(When::label_zh(Some(Slot::Morning), Some("09:00"), Some("11:30")), "09:00–11:30");
        assert_eq!(When::label_zh(Some(Slot::Afternoon), None, None), "下午");
        assert_eq!(When::label_zh(None, None, None), "");
    }

    #[test]
    fn quarters_touched_by_a_period() {
        assert_eq!(Quarter::of(day("2026-03-31")), Quarter { year: 2026, quarter: 1 });
        assert_eq!(Quarter::of(day("2026-04-01")), Quarter { year: 2026, quarter: 2 });
        let touched = Quarter::touched(day("2025-11-15"), day("2026-04-02"));
        assert_eq!(
            touched.iter().map(|q| q.label_zh()).collect::<Vec<_>>(),
            vec!["2025年第4季度", "2026年第1季度", "2026年第2季度"]
        );
        assert_eq!(Quarter::touched(day("2026-01-01"), day("2026-01-01")).len(), 1);
        assert_eq!("2026Q3".parse::<Quarter>(), Ok(Quarter { year: 2026, quarter: 3 }));
        assert!("2026Q5".parse::<Quarter>().is_err());
    }

    #[test]
    fn the_rate_is_present_over_invited() {
        let mut tally = Tally::default();
        assert_eq!(tally.rate_percent(), None);
        for status in [AttendanceStatus::Present, AttendanceStatus::Present, AttendanceStatus::Excused] {
            tally.add(status);
        }
        assert_eq!(tally, Tally { invited: 3, present: 2, excused: 1, absent: 0 });
        assert_eq!(tally.rate_percent(), Some(67));
        assert_eq!(tally.fraction(), "2/3");
        tally.add(AttendanceStatus::Invited);
        assert_eq!(tally.rate_percent(), Some(50));
        assert!(matrix_too_wide(MAX_MATRIX_ACTIVITIES).is_none());
        assert_eq!(matrix_too_wide(MAX_MATRIX_ACTIVITIES + 1).unwrap().field, "to");
    }
}
