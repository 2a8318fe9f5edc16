//! Deadlines in working days, counted on the admin's calendar in the stations' time zone.
use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::calendar::WorkCalendar;

/// The end (23:59:59 local) of the `working_days`-th working day after `received`.
/// Zero working days is the end of the day of receipt (or of the next working day when
/// received on a day off).
pub fn due_at(calendar: &WorkCalendar, tz: Tz, received: DateTime<Utc>, working_days: u32) -> DateTime<Utc> {
    let local_day = received.with_timezone(&tz).date_naive();
    let due_day = calendar.add_working_days(local_day, working_days);
    let end = due_day.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN));
    // China has no daylight saving time; `earliest` also copes with zones that do.
    tz.from_local_datetime(&end).earliest().map(|t| t.with_timezone(&Utc)).unwrap_or(received)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::{DayKind, WorkCalendar};
    use chrono::NaiveDate;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn counts_in_beijing_time() {
        let cal = WorkCalendar::default();
        let tz = chrono_tz::Asia::Shanghai;
        // Monday 09:00 Beijing, five working days: Monday the week after, end of day.
        assert_eq!(due_at(&cal, tz, utc("2026-03-02T01:00:00Z"), 5), utc("2026-03-09T15:59:59Z"));
        // Sunday 23:30 UTC is already Monday in Beijing.
        assert_eq!(due_at(&cal, tz, utc("2026-03-01T23:30:00Z"), 0), utc("2026-03-02T15:59:59Z"));
    }

    #[test]
    fn holidays_push_the_deadline() {
        let holiday = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        let cal = WorkCalendar::new([(holiday, DayKind::Holiday)]);
        let tz = chrono_tz::Asia::Shanghai;
        assert_eq!(due_at(&cal, tz, utc("2026-03-02T01:00:00Z"), 1), utc("2026-03-04T15:59:59Z"));
    }
}
