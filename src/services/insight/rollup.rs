//! The statistics' additive counts from the daily roll-up `case_stats_days` (kept by triggers
//! on `cases`, see migration 000014): whole UTC days come from the roll-up, the hours of a
//! local period that do not make a whole UTC day come from the cases, so the sum is exactly
//! the count over the cases.
use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use sea_orm::sea_query::{Alias, Cond, Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::error::AppResult;
use crate::services::insight::rollup_sql::{SPANS, TABLE};
use crate::services::insight::stats::KEY;

/// The roll-up's count columns, in the order of `stats::AggRow`'s additive fields.
pub const COUNTS: [&str; 21] = [
    "received",
    "s_submitted",
    "s_accepted",
    "s_rejected",
    "s_assigned",
    "s_returned",
    "s_in_progress",
    "s_replied",
    "s_closed",
    "s_archived",
    "merged",
    "withdrawn",
    "accepted",
    "replied",
    "closed",
    "closed_on_time",
    "rated",
    "solved",
    "satisfied",
    "basically_satisfied",
    "dissatisfied",
];

/// Which of the roll-up's three copies of each day's counts a grouping reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Category,
    Deputy,
    Unit,
}

impl Dimension {
    fn code(self) -> &'static str {
        match self {
            Dimension::Category => "c",
            Dimension::Deputy => "d",
            Dimension::Unit => "u",
        }
    }
}

/// A part of a period, the instants `[start, end)`: the whole period, or one month of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// The whole UTC days `[first, after)` of a segment, read from the roll-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRange {
    pub first: NaiveDate,
    pub after: NaiveDate,
}

/// A period cut into what the roll-up answers (whole UTC days per segment, `None` where a
/// segment holds none) and the stretches shorter than a day at the segments' ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub days: Vec<Option<DayRange>>,
    pub edges: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// The first UTC midnight at or after `t`.
fn ceil_day(t: DateTime<Utc>) -> NaiveDate {
    let day = t.date_naive();
    if midnight(day) == t { day } else { day.checked_add_days(Days::new(1)).unwrap_or(day) }
}

/// Cuts consecutive segments into whole UTC days and the rest.
pub fn split(segments: &[Segment]) -> Split {
    let mut days = Vec::with_capacity(segments.len());
    let mut edges = Vec::new();
    for segment in segments {
        let first = ceil_day(segment.start);
        let after = segment.end.date_naive();
        if first < after {
            days.push(Some(DayRange { first, after }));
            if segment.start < midnight(first) {
                edges.push((segment.start, midnight(first)));
            }
            if midnight(after) < segment.end {
                edges.push((midnight(after), segment.end));
            }
        } else {
            days.push(None);
            if segment.start < segment.end {
                edges.push((segment.start, segment.end));
            }
        }
    }
    Split { days, edges }
}

fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// The condition "received in one of these stretches" over the cases.
pub fn within(edges: &[(DateTime<Utc>, DateTime<Utc>)]) -> Cond {
    use crate::entities::case;
    use sea_orm::ColumnTrait;
    edges.iter().fold(Cond::any(), |any, (start, end)| {
        any.add(Cond::all().add(case::Column::ReceivedAt.gte(*start)).add(case::Column::ReceivedAt.lt(*end)))
    })
}

/// How a roll-up read groups its rows: the key column as text (`None`: one group), like the
/// keys the reads of the cases produce.
#[derive(Debug, Clone)]
pub enum RollupKey {
    All,
    Station,
    /// The dimension's value, 0 (no deputy, no unit) as no key.
    Value,
    /// Each segment's label, by its day range.
    Segments(Vec<String>),
}

fn day() -> Expr {
    Expr::col(Alias::new("day"))
}

/// The roll-up rows of these stations (`None`: all) and whole days.
fn rows_of(table: &str, stations: Option<&[i32]>, days: &[Option<DayRange>]) -> sea_orm::sea_query::SelectStatement {
    let mut ranges = Cond::any();
    for range in days.iter().flatten() {
        ranges = ranges.add(Cond::all().add(day().gte(day_text(range.first))).add(day().lt(day_text(range.after))));
    }
    let mut query = Query::select();
    query.from(Alias::new(table)).cond_where(ranges);
    if let Some(ids) = stations {
        query.and_where(Expr::col(Alias::new("station_id")).is_in(ids.iter().copied()));
    }
    query
}

fn key_of(key: &RollupKey, days: &[Option<DayRange>]) -> SimpleExpr {
    match key {
        RollupKey::All => Expr::cust("NULL"),
        RollupKey::Station => Expr::cust("CAST(\"station_id\" AS TEXT)"),
        RollupKey::Value => Expr::cust("CAST(NULLIF(\"dim_value\", 0) AS TEXT)"),
        RollupKey::Segments(labels) => {
            let mut expr: SimpleExpr = Expr::val(labels.last().cloned().unwrap_or_default());
            for (label, range) in labels.iter().zip(days).rev().skip(1) {
                if let Some(range) = range {
                    expr = Expr::case(day().lt(day_text(range.after)), Expr::val(label.clone())).finally(expr).into();
                }
            }
            expr
        }
    }
}

/// The summed counts per key of the roll-up's whole days: `dimension`'s copy, the stations
/// given (`None`: all), the day ranges of `split`. Rows are `R` (the counts by their names,
/// the key as `stats::KEY`, and `extra` columns as 0).
#[tracing::instrument(skip_all)]
pub async fn counts<R: FromQueryResult>(
    db: &impl ConnectionTrait,
    dimension: Dimension,
    stations: Option<&[i32]>,
    days: &[Option<DayRange>],
    key: &RollupKey,
    extra: &[&str],
) -> AppResult<Vec<R>> {
    let mut query = rows_of(TABLE, stations, days);
    query.and_where(Expr::col(Alias::new("dim")).eq(dimension.code()));
    query.expr_as(key_of(key, days), Alias::new(KEY));
    for column in COUNTS {
        query.expr_as(Expr::cust(format!("COALESCE(SUM(\"{column}\"), 0)")), Alias::new(column));
    }
    for column in extra {
        query.expr_as(Expr::cust("CAST(0 AS BIGINT)"), Alias::new(*column));
    }
    if !matches!(key, RollupKey::All) {
        query.group_by_col(Alias::new(KEY));
    }
    let statement = db.get_database_backend().build(&query);
    Ok(R::find_by_statement(statement).all(db).await?)
}

/// How many cases of a key fall in a bucket of a span (`f`: first response, `c`: closing).
#[derive(Debug, FromQueryResult)]
pub struct SpanBucket {
    pub stat_key: Option<String>,
    pub span: String,
    pub bucket: i32,
    pub cases: i64,
}

/// The span buckets per key over the roll-up's whole days. Only for the keys the span roll-up
/// has: all, station, month (`RollupKey::Value` reads nothing).
#[tracing::instrument(skip_all)]
pub async fn span_buckets(
    db: &impl ConnectionTrait,
    stations: Option<&[i32]>,
    days: &[Option<DayRange>],
    key: &RollupKey,
) -> AppResult<Vec<SpanBucket>> {
    if matches!(key, RollupKey::Value) {
        return Ok(Vec::new());
    }
    let mut query = rows_of(SPANS, stations, days);
    query
        .expr_as(key_of(key, days), Alias::new(KEY))
        .column(Alias::new("span"))
        .column(Alias::new("bucket"))
        .expr_as(Expr::cust("COALESCE(SUM(\"n\"), 0)"), Alias::new("cases"))
        .group_by_col(Alias::new(KEY))
        .group_by_col(Alias::new("span"))
        .group_by_col(Alias::new("bucket"));
    let statement = db.get_database_backend().build(&query);
    Ok(SpanBucket::find_by_statement(statement).all(db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).single().expect("a time")
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    #[test]
    fn a_local_period_is_whole_utc_days_and_two_ends() {
        // 2026-01-01..2026-01-31 in Beijing time: 2025-12-31 16:00 UTC to 2026-01-31 16:00 UTC.
        let split = split(&[Segment { start: at(2025, 12, 31, 16), end: at(2026, 1, 31, 16) }]);
        assert_eq!(split.days, vec![Some(DayRange { first: date(2026, 1, 1), after: date(2026, 1, 31) })]);
        assert_eq!(
            split.edges,
            vec![(at(2025, 12, 31, 16), at(2026, 1, 1, 0)), (at(2026, 1, 31, 0), at(2026, 1, 31, 16))]
        );
    }

    #[test]
    fn a_period_on_utc_midnights_needs_no_ends() {
        let split = split(&[Segment { start: at(2026, 1, 1, 0), end: at(2026, 2, 1, 0) }]);
        assert_eq!(split.days, vec![Some(DayRange { first: date(2026, 1, 1), after: date(2026, 2, 1) })]);
        assert!(split.edges.is_empty());
    }

    #[test]
    fn a_segment_shorter_than_a_whole_day_is_read_from_the_cases() {
        let split = split(&[
            Segment { start: at(2026, 1, 1, 16), end: at(2026, 1, 2, 16) },
            Segment { start: at(2026, 1, 2, 16), end: at(2026, 1, 4, 16) },
        ]);
        assert_eq!(split.days, vec![None, Some(DayRange { first: date(2026, 1, 3), after: date(2026, 1, 4) })]);
        assert_eq!(
            split.edges,
            vec![
                (at(2026, 1, 1, 16), at(2026, 1, 2, 16)),
                (at(2026, 1, 2, 16), at(2026, 1, 3, 0)),
                (at(2026, 1, 4, 0), at(2026, 1, 4, 16)),
            ]
        );
    }

    #[test]
    fn every_instant_of_the_segments_is_counted_once() {
        // Hours across three segments: each is in exactly one day range or one end.
        let segments = [
            Segment { start: at(2026, 3, 31, 16), end: at(2026, 4, 30, 16) },
            Segment { start: at(2026, 4, 30, 16), end: at(2026, 5, 1, 10) },
            Segment { start: at(2026, 5, 1, 10), end: at(2026, 6, 3, 0) },
        ];
        let split = split(&segments);
        let mut t = segments[0].start;
        while t < segments[2].end {
            let in_days =
                split.days.iter().flatten().filter(|r| midnight(r.first) <= t && t < midnight(r.after)).count();
            let in_edges = split.edges.iter().filter(|(a, b)| *a <= t && t < *b).count();
            assert_eq!(in_days + in_edges, 1, "{t}");
            t += chrono::Duration::minutes(30);
        }
    }
}
