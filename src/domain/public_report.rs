//! The period of a station's public report (`/s/{token}/stats?year=`): a calendar year,
//! the current one up to today.
use chrono::{Datelike, NaiveDate};

use super::field::FieldError;

/// Reports go back at most this many years.
pub const MAX_YEARS: i32 = 20;

/// The first and last day of the year asked for (`None` or blank: this year), the current
/// year ending today. A year that is not a number, in the future or more than
/// [`MAX_YEARS`] back is refused.
pub fn year_period(raw: Option<&str>, today: NaiveDate) -> Result<(i32, NaiveDate, NaiveDate), FieldError> {
    let invalid = || FieldError::invalid("year", "a year like 2026, not in the future");
    let year = match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => today.year(),
        Some(text) => text.parse::<i32>().map_err(|_| invalid())?,
    };
    if year > today.year() || year <= today.year() - MAX_YEARS {
        return Err(invalid());
    }
    let from = NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(invalid)?;
    let to = if year == today.year() { today } else { NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(invalid)? };
    Ok((year, from, to))
}

/// The years a report can be read for, newest first: from the year of the first case (this
/// year when there is none) to this year, at most [`MAX_YEARS`].
pub fn years(first: Option<i32>, this_year: i32) -> Vec<i32> {
    let first = first.unwrap_or(this_year).clamp(this_year - MAX_YEARS + 1, this_year);
    (first..=this_year).rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn this_year_ends_today_past_years_are_whole() {
        let today = day(2026, 3, 2);
        assert_eq!(year_period(None, today), Ok((2026, day(2026, 1, 1), today)));
        assert_eq!(year_period(Some(" "), today), Ok((2026, day(2026, 1, 1), today)));
        assert_eq!(year_period(Some("2025"), today), Ok((2025, day(2025, 1, 1), day(2025, 12, 31))));
    }

    #[test]
    fn refuses_future_far_and_garbage_years() {
        let today = day(2026, 3, 2);
        assert!(year_period(Some("2027"), today).is_err());
        assert!(year_period(Some("2006"), today).is_err());
        assert!(year_period(Some("20x6"), today).is_err());
    }

    #[test]
    fn lists_years_newest_first() {
        assert_eq!(years(Some(2024), 2026), vec![2026, 2025, 2024]);
        assert_eq!(years(None, 2026), vec![2026]);
        assert_eq!(years(Some(1990), 2026).len(), MAX_YEARS as usize);
        assert_eq!(years(Some(2030), 2026), vec![2026]);
    }
}
