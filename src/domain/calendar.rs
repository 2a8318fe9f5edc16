//! The working-day calendar: Monday–Friday work, Saturday and Sunday rest, except where the
//! admin's calendar says otherwise (public holidays, and make-up working days 调休 that turn a
//! weekend day into a working day).
use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DayKind {
    /// A day off (public holiday), even if it falls on a weekday.
    Holiday,
    /// A working day, even if it falls on a weekend (调休上班).
    Workday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }
}

impl FromStr for DayKind {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s.trim() {
            "holiday" => Ok(DayKind::Holiday),
            "workday" => Ok(DayKind::Workday),
            _ => Err(()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEntry {
    pub day: NaiveDate,
    pub kind: DayKind,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    overrides: BTreeMap<NaiveDate, DayKind>,
}

impl WorkCalendar {
    pub fn new(entries: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Self {
        WorkCalendar { overrides: entries.into_iter().collect() }
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.overrides.get(&day) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The first working day on or after `day`.
    pub fn next_working_day(&self, mut day: NaiveDate) -> NaiveDate {
        // A year never has more than a few dozen consecutive days off; the bound only guards
        // against a corrupt calendar marking everything a holiday.
        for _ in 0..366 {
            if self.is_working_day(day) {
                return day;
            }
            day = day + Days::new(1);
        }
        day
    }

    /// The day by which something received on `start` is due when it has `n` working days:
    /// n = 0 is the same working day (or the next one, if received on a day off); n = 5 is
    /// the fifth working day after the day of receipt.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut day = self.next_working_day(start);
        let mut left = n;
        if !self.is_working_day(start) && left > 0 {
            // Received on a day off: the first working day counts as day one.
            left -= 1;
        }
        while left > 0 {
            day = self.next_working_day(day + Days::new(1));
            left -= 1;
        }
        day
    }

    /// The day `n` working days before `day` (n = 0: `day` itself).
    pub fn working_days_before(&self, day: NaiveDate, n: u32) -> NaiveDate {
        let mut current = day;
        let mut left = n;
        let mut guard = 0;
        while left > 0 && guard < 3660 {
            current = current - Days::new(1);
            guard += 1;
            if self.is_working_day(current) {
                left -= 1;
            }
        }
        current
    }

    /// Working days strictly after `from` up to and including `to` (0 when `to <= from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut count = 0;
        let mut day = from;
        while day < to {
            day = day + Days::new(1);
            if self.is_working_day(day) {
                count += 1;
            }
        }
        count
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarCsvError {
    /// 1-based line in the file, header included.
    pub line: u64,
    pub message: String,
}

pub const MAX_CALENDAR_ROWS: usize = 1000;

/// Parses the State Council schedule as `date,kind,name` (header required; name optional).
pub fn parse_calendar_csv(text: &str) -> Result<Vec<CalendarEntry>, CalendarCsvError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().map_err(|e| CalendarCsvError { line: 1, message: e.to_string() })?.clone();
    let expected = ["date", "kind"];
    if headers.len() < 2 || headers.iter().take(2).ne(expected) {
        return Err(CalendarCsvError { line: 1, message: "the header must be date,kind,name".into() });
    }
    let mut entries = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (index, record) in reader.records().enumerate() {
        let line = index as u64 + 2;
        let record = record.map_err(|e| CalendarCsvError { line, message: e.to_string() })?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let day = NaiveDate::parse_from_str(record.get(0).unwrap_or(""), "%Y-%m-%d")
            .map_err(|_| CalendarCsvError { line, message: "the date must be YYYY-MM-DD".into() })?;
        let kind: DayKind = record
            .get(1)
            .unwrap_or("")
            .parse()
            .map_err(|_| CalendarCsvError { line, message: "the kind must be holiday or workday".into() })?;
        let name = record.get(2).map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
        if name.as_ref().is_some_and(|n| n.chars().count() > 50) {
            return Err(CalendarCsvError { line, message: "the name is longer than 50 characters".into() });
        }
        if !seen.insert(day) {
            return Err(CalendarCsvError { line, message: format!("{day} appears twice") });
        }
        entries.push(CalendarEntry { day, kind, name });
        if entries.len() > MAX_CALENDAR_ROWS {
            return Err(CalendarCsvError { line, message: format!("more than {MAX_CALENDAR_ROWS} rows") });
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CN_2026: &str = include_str!("../../calendars/cn-2026.csv");

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn calendar_2026() -> WorkCalendar {
        let entries = parse_calendar_csv(CN_2026).unwrap();
        WorkCalendar::new(entries.into_iter().map(|e| (e.day, e.kind)))
    }

    #[test]
    fn the_shipped_2026_schedule_parses() {
        let entries = parse_calendar_csv(CN_2026).unwrap();
        assert_eq!(entries.len(), 39);
        assert_eq!(
            entries[0],
            CalendarEntry { day: d("2026-01-01"), kind: DayKind::Holiday, name: Some("元旦".into()) }
        );
    }

    #[test]
    fn weekends_holidays_and_make_up_days() {
        let cal = calendar_2026();
        assert!(cal.is_working_day(d("2026-03-02"))); // Monday
        assert!(!cal.is_working_day(d("2026-03-07"))); // Saturday
        assert!(!cal.is_working_day(d("2026-02-16"))); // Spring Festival, a Monday
        assert!(cal.is_working_day(d("2026-02-14"))); // make-up Saturday
        assert!(cal.is_working_day(d("2026-02-28"))); // make-up Saturday
        assert!(cal.is_working_day(d("2026-01-04"))); // make-up Sunday
    }

    #[test]
    fn five_working_days_across_the_spring_festival() {
        let cal = calendar_2026();
        // Received Friday 13 Feb: 14 (make-up Sat), then 15–23 off, then 24, 25, 26, 27.
        assert_eq!(cal.add_working_days(d("2026-02-13"), 5), d("2026-02-27"));
        // Same working day.
        assert_eq!(cal.add_working_days(d("2026-02-13"), 0), d("2026-02-13"));
        // Received on a holiday: the next working day counts as day one.
        assert_eq!(cal.add_working_days(d("2026-02-17"), 0), d("2026-02-24"));
        assert_eq!(cal.add_working_days(d("2026-02-17"), 1), d("2026-02-24"));
        assert_eq!(cal.add_working_days(d("2026-02-17"), 2), d("2026-02-25"));
    }

    #[test]
    fn an_ordinary_week() {
        let cal = WorkCalendar::default();
        assert_eq!(cal.add_working_days(d("2026-03-02"), 5), d("2026-03-09"));
        assert_eq!(cal.add_working_days(d("2026-03-07"), 0), d("2026-03-09")); // Saturday
        assert_eq!(cal.working_days_between(d("2026-03-02"), d("2026-03-09")), 5);
        assert_eq!(cal.working_days_between(d("2026-03-09"), d("2026-03-02")), 0);
    }

    #[test]
    fn counting_back() {
        let cal = calendar_2026();
        assert_eq!(cal.working_days_before(d("2026-03-09"), 1), d("2026-03-06")); // Monday → Friday
        assert_eq!(cal.working_days_before(d("2026-02-24"), 1), d("2026-02-14")); // over the festival
        assert_eq!(cal.working_days_before(d("2026-03-09"), 0), d("2026-03-09"));
    }

    #[test]
    fn csv_errors_name_the_line() {
        let err = parse_calendar_csv("date,kind,name\n2026-13-01,holiday,x\n").unwrap_err();
        assert_eq!(err.line, 2);
        let err = parse_calendar_csv("date,kind,name\n2026-10-01,vacation,x\n").unwrap_err();
        assert!(err.message.contains("holiday or workday"));
        let err = parse_calendar_csv("day,type\n").unwrap_err();
        assert_eq!(err.line, 1);
        let err = parse_calendar_csv("date,kind\n2026-10-01,holiday\n2026-10-01,workday\n").unwrap_err();
        assert_eq!(err.line, 3);
        assert!(parse_calendar_csv("\u{feff}date,kind,name\n2026-10-01,holiday,\n").is_ok());
    }
}
