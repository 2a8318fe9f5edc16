//! Tabular and query input: the holiday calendar CSV and the ledgers' `from`/`to` period.
use chrono::NaiveDate;

use crate::domain::calendar::{MAX_CALENDAR_ROWS, WorkCalendar, parse_calendar_csv};
use crate::services::books::ledgers::Period;

/// An accepted calendar has at most `MAX_CALENDAR_ROWS` distinct days with short names, and
/// written back as CSV it reads the same.
pub fn calendar_csv(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(entries) = parse_calendar_csv(text) else { return };
    assert!(entries.len() <= MAX_CALENDAR_ROWS);
    let calendar = WorkCalendar::new(entries.iter().map(|e| (e.day, e.kind)));
    let mut days = std::collections::HashSet::new();
    let mut written = csv::Writer::from_writer(Vec::new());
    written.write_record(["date", "kind", "name"]).expect("writing to memory");
    for entry in &entries {
        assert!(days.insert(entry.day), "{} twice", entry.day);
        assert!(entry.name.as_deref().is_none_or(|n| n == n.trim() && (1..=50).contains(&n.chars().count())));
        assert_eq!(calendar.is_working_day(entry.day), entry.kind.as_str() == "workday");
        let day = entry.day.format("%Y-%m-%d").to_string();
        written.write_record([day.as_str(), entry.kind.as_str(), entry.name.as_deref().unwrap_or("")]).expect("memory");
    }
    let written = String::from_utf8(written.into_inner().expect("memory")).expect("UTF-8 in, UTF-8 out");
    assert_eq!(parse_calendar_csv(&written).as_ref(), Ok(&entries), "written back as {written:?}");
}

/// `from&to` as in a query string (an empty side is absent). An accepted period is ordered,
/// at most five years long, and its UTC bounds are ordered too.
pub fn period(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (from, to) = text.split_once('&').unwrap_or((text, ""));
    let side = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let (from, to) = (side(from), side(to));
    let Some(today) = NaiveDate::from_ymd_opt(2026, 11, 29) else { return };
    let Ok(period) = Period::parse(from.as_deref(), to.as_deref(), today) else { return };
    assert!(period.from <= period.to);
    assert!((period.to - period.from).num_days() < 5 * 366);
    let (start, end) = period.bounds(chrono_tz::Asia::Shanghai);
    assert!(start < end, "{period:?} has bounds {start}..{end}");
}
