//! The rates a station is assessed on (答复率、按期办结率、解决率、满意率), exactly as
//! DESIGN.md defines them, each kept with its numerator and denominator so every figure can be
//! shown next to what it was computed from. No data is no rate: a zero denominator gives
//! `value: None`, never 0 % or 100 %.
//!
//! The sets of cases behind the denominators (the SQL in `services::stats` follows them):
//! - **received**: every case received in the period, whatever became of it.
//! - **accepted**: received cases that reached `accepted` or a later status (`accepted_at` is
//!   set), less those rejected (also rejected after acceptance, and rejected then archived),
//!   withdrawn, or merged away into another case.
//! - **closed**: accepted cases that are closed or archived now (`closed_at` is set).
//! - **rated**: accepted cases the resident has rated (`rated_at` and `satisfaction` set).
use serde::Serialize;
use utoipa::ToSchema;

/// A share: `numerator ÷ denominator`, as a percentage rounded to one decimal.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Rate {
    pub numerator: i64,
    pub denominator: i64,
    /// Percent, one decimal (66.7); `null` when the denominator is 0 (no data).
    pub value: Option<f64>,
}

impl Rate {
    pub fn new(numerator: i64, denominator: i64) -> Rate {
        let value = (denominator > 0).then(|| round1(numerator as f64 * 100.0 / denominator as f64));
        Rate { numerator, denominator, value }
    }

    /// The value as a fraction 0–1, for spreadsheets.
    pub fn fraction(&self) -> Option<f64> {
        (self.denominator > 0).then(|| self.numerator as f64 / self.denominator as f64)
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The counts the rates are made of, for one group of cases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateCounts {
    /// Accepted cases (see the module documentation).
    pub accepted: i64,
    /// Accepted cases with a reply to the resident (`replied_at` set, kept when reopened).
    pub replied: i64,
    /// Accepted cases closed now.
    pub closed: i64,
    /// Closed cases whose `closed_at` is not after their `due_at` (the deadline in force,
    /// extensions included).
    pub closed_on_time: i64,
    /// Accepted cases rated by the resident.
    pub rated: i64,
    /// Rated cases the resident says are solved.
    pub solved: i64,
    pub satisfied: i64,
    pub basically_satisfied: i64,
    pub dissatisfied: i64,
}

/// The share of each rating among rated cases.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct SatisfactionShares {
    pub satisfied: Rate,
    pub basically_satisfied: Rate,
    pub dissatisfied: Rate,
}

impl RateCounts {
    /// 答复率 = cases with a reply ÷ accepted cases.
    pub fn reply_rate(&self) -> Rate {
        Rate::new(self.replied, self.accepted)
    }

    /// 按期办结率 = cases closed by their deadline ÷ closed cases.
    pub fn on_time_rate(&self) -> Rate {
        Rate::new(self.closed_on_time, self.closed)
    }

    /// 解决率 = rated "solved" ÷ rated cases.
    pub fn resolution_rate(&self) -> Rate {
        Rate::new(self.solved, self.rated)
    }

    /// 满意率 = (satisfied + basically satisfied) ÷ rated cases.
    pub fn satisfaction_rate(&self) -> Rate {
        Rate::new(self.satisfied + self.basically_satisfied, self.rated)
    }

    /// Each rating ÷ rated cases.
    pub fn shares(&self) -> SatisfactionShares {
        SatisfactionShares {
            satisfied: Rate::new(self.satisfied, self.rated),
            basically_satisfied: Rate::new(self.basically_satisfied, self.rated),
            dissatisfied: Rate::new(self.dissatisfied, self.rated),
        }
    }
}

/// Hours rounded to one decimal, as the medians are shown.
pub fn hours(value: f64) -> f64 {
    round1(value)
}

/// The median of the values (the mean of the middle two for an even count), `None` for none.
/// Reorders the slice: a selection in linear time, not a sort.
pub fn median(values: &mut [f64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (_, upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        return Some(upper);
    }
    // The lower middle is the largest of the half below the upper one.
    let lower = values[..n / 2].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((lower + upper) / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle_value_or_the_mean_of_the_middle_two() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [7.0]), Some(7.0));
        assert_eq!(median(&mut [9.0, 1.0, 5.0]), Some(5.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&mut [2.0, 2.0, 2.0, 8.0]), Some(2.0));
        let mut many: Vec<f64> = (0..1001).rev().map(f64::from).collect();
        assert_eq!(median(&mut many), Some(500.0));
        let mut even: Vec<f64> = (1..=1000).map(f64::from).collect();
        assert_eq!(median(&mut even), Some(500.5));
    }

    #[test]
    fn no_denominator_is_no_data() {
        let rate = Rate::new(0, 0);
        assert_eq!(rate.value, None);
        assert_eq!(rate.fraction(), None);
        let counts = RateCounts::default();
        assert_eq!(counts.reply_rate().value, None);
        assert_eq!(counts.on_time_rate().value, None);
        assert_eq!(counts.resolution_rate().value, None);
        assert_eq!(counts.satisfaction_rate().value, None);
        assert_eq!(counts.shares().dissatisfied.value, None);
    }

    #[test]
    fn rates_keep_their_parts_and_round_to_a_tenth() {
        assert_eq!(Rate::new(2, 3), Rate { numerator: 2, denominator: 3, value: Some(66.7) });
        assert_eq!(Rate::new(0, 4).value, Some(0.0));
        assert_eq!(Rate::new(4, 4).value, Some(100.0));
        assert_eq!(Rate::new(1, 8).value, Some(12.5));
    }

    #[test]
    fn each_rate_has_its_own_denominator() {
        let counts = RateCounts {
            accepted: 5,
            replied: 4,
            closed: 3,
            closed_on_time: 2,
            rated: 3,
            solved: 2,
            satisfied: 1,
            basically_satisfied: 1,
            dissatisfied: 1,
        };
        assert_eq!(counts.reply_rate(), Rate::new(4, 5));
        assert_eq!(counts.on_time_rate(), Rate::new(2, 3));
        assert_eq!(counts.resolution_rate(), Rate::new(2, 3));
        assert_eq!(counts.satisfaction_rate(), Rate::new(2, 3));
        assert_eq!(counts.shares().satisfied.value, Some(33.3));
        assert_eq!(counts.shares().dissatisfied.denominator, 3);
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5.0]), Some(5.0));
        assert_eq!(median(&mut [9.0, 1.0, 5.0]), Some(5.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 10.0]), Some(3.0));
        assert_eq!(hours(2.04), 2.0);
    }
}
