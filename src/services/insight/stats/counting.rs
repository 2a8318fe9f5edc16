//! How the statistics are counted: the sums over the cases (one grouped scan that also
//! counts the spans' buckets), the roll-up's whole days with the cases at the ends of the
//! period, and the figures and medians made from the summed rows.
use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, Func, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, FromQueryResult, QueryFilter, QuerySelect, Select};

use super::{Figures, GroupBy, KEY, Reach, StatsRequest, in_period};
use crate::domain::case_state::CaseStatus;
use crate::domain::rates::RateCounts;
use crate::entities::case;
use crate::error::{AppError, AppResult};
use crate::services::books::ledgers::Period;
use crate::services::insight::{
    figures::Figure,
    medians::{Histograms, middle_values, with_buckets},
};

#[derive(Debug, Clone, Default, FromQueryResult)]
pub(super) struct AggRow {
    stat_key: Option<String>,
    received: i64,
    s_submitted: i64,
    s_accepted: i64,
    s_rejected: i64,
    s_assigned: i64,
    s_returned: i64,
    s_in_progress: i64,
    s_replied: i64,
    s_closed: i64,
    s_archived: i64,
    merged: i64,
    withdrawn: i64,
    accepted: i64,
    replied: i64,
    closed: i64,
    closed_on_time: i64,
    rated: i64,
    solved: i64,
    satisfied: i64,
    basically_satisfied: i64,
    dissatisfied: i64,
    overdue_now: i64,
    key_supervision_now: i64,
}

impl AggRow {
    /// Adds another group's counts: every count is additive.
    fn add(&mut self, o: &AggRow) {
        self.received += o.received;
        self.s_submitted += o.s_submitted;
        self.s_accepted += o.s_accepted;
        self.s_rejected += o.s_rejected;
        self.s_assigned += o.s_assigned;
        self.s_returned += o.s_returned;
        self.s_in_progress += o.s_in_progress;
        self.s_replied += o.s_replied;
        self.s_closed += o.s_closed;
        self.s_archived += o.s_archived;
        self.merged += o.merged;
        self.withdrawn += o.withdrawn;
        self.accepted += o.accepted;
        self.replied += o.replied;
        self.closed += o.closed;
        self.closed_on_time += o.closed_on_time;
        self.rated += o.rated;
        self.solved += o.solved;
        self.satisfied += o.satisfied;
        self.basically_satisfied += o.basically_satisfied;
        self.dissatisfied += o.dissatisfied;
        self.overdue_now += o.overdue_now;
        self.key_supervision_now += o.key_supervision_now;
    }
}

fn sum(condition: &str) -> SimpleExpr {
    Expr::cust(format!("COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0)"))
}

/// How many cases of the group count in `figure`: the sum of its condition.
fn count_of(figure: Figure, now: DateTime<Utc>) -> SimpleExpr {
    match figure.condition(now) {
        None => Expr::cust("COUNT(*)"),
        Some(condition) => Func::coalesce::<[SimpleExpr; 2], SimpleExpr>([
            Func::sum(Expr::case(condition, Expr::val(1)).finally(Expr::val(0))).into(),
            Expr::val(0),
        ])
        .into(),
    }
}

/// Months of the period, each with the instant it starts (the first one: the period's start).
pub(super) fn months(period: Period, tz: chrono_tz::Tz) -> Vec<(String, DateTime<Utc>)> {
    let mut out = Vec::new();
    let mut day = period.from;
    while day <= period.to {
        let start = Period { from: day, to: day }.bounds(tz).0;
        out.push((format!("{:04}-{:02}", day.year(), day.month()), start));
        let (y, m) = if day.month() == 12 { (day.year() + 1, 1) } else { (day.year(), day.month() + 1) };
        match NaiveDate::from_ymd_opt(y, m, 1) {
            Some(next) => day = next,
            None => break,
        }
    }
    out
}

fn key_expr(group_by: GroupBy, months: &[(String, DateTime<Utc>)]) -> SimpleExpr {
    let id = |column: &str| Expr::cust(format!("CAST(\"{column}\" AS TEXT)"));
    match group_by {
        GroupBy::Station => id("station_id"),
        GroupBy::Deputy => id("deputy_id"),
        GroupBy::Category => id("category_id"),
        GroupBy::Unit => id("unit_id"),
        GroupBy::Month => {
            // The month a case was received in, local time: the last month whose start it is
            // not before, as nested CASEs from the first month on.
            let Some((last, _)) = months.last() else {
                return Expr::val("");
            };
            let mut expr: SimpleExpr = Expr::val(last.clone());
            for pair in months.windows(2).rev() {
                expr = Expr::case(case::Column::ReceivedAt.lt(pair[1].1), Expr::val(pair[0].0.clone()))
                    .finally(expr)
                    .into();
            }
            expr
        }
    }
}

/// Which counts a read of the cases makes (the others read as 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sums {
    All,
    /// Everything but the "now" figures: what the roll-up holds.
    Additive,
    /// Only "overdue now" and "key supervision now".
    Now,
}

fn zero() -> SimpleExpr {
    Expr::cust("CAST(0 AS BIGINT)")
}

fn aggregate(
    select: Select<case::Entity>,
    key: Option<SimpleExpr>,
    now: DateTime<Utc>,
    sums: Sums,
) -> Select<case::Entity> {
    let additive = sums != Sums::Now;
    let mut select = select.select_only();
    select = match key {
        Some(expr) => select.expr_as(expr, KEY).group_by(Expr::col(Alias::new(KEY))),
        None => select.expr_as(Expr::cust("NULL"), KEY),
    };
    select = select.expr_as(if additive { count_of(Figure::Received, now) } else { zero() }, "received");
    for status in CaseStatus::ALL {
        let count = if additive { sum(&format!("\"status\" = '{}'", status.as_str())) } else { zero() };
        select = select.expr_as(count, format!("s_{}", status.as_str()));
    }
    for figure in [
        Figure::Merged,
        Figure::Withdrawn,
        Figure::Accepted,
        Figure::Replied,
        Figure::Closed,
        Figure::ClosedOnTime,
        Figure::Rated,
        Figure::Solved,
        Figure::Satisfied,
        Figure::BasicallySatisfied,
        Figure::Dissatisfied,
    ] {
        select = select.expr_as(if additive { count_of(figure, now) } else { zero() }, figure.as_str());
    }
    for figure in [Figure::OverdueNow, Figure::KeySupervisionNow] {
        select = select.expr_as(if sums == Sums::Additive { zero() } else { count_of(figure, now) }, figure.as_str());
    }
    select
}

fn figures(row: &AggRow, (first_response, close): (Option<f64>, Option<f64>)) -> Figures {
    let counts = RateCounts {
        accepted: row.accepted,
        replied: row.replied,
        closed: row.closed,
        closed_on_time: row.closed_on_time,
        rated: row.rated,
        solved: row.solved,
        satisfied: row.satisfied,
        basically_satisfied: row.basically_satisfied,
        dissatisfied: row.dissatisfied,
    };
    let by_status = [
        row.s_submitted,
        row.s_accepted,
        row.s_rejected,
        row.s_assigned,
        row.s_returned,
        row.s_in_progress,
        row.s_replied,
        row.s_closed,
        row.s_archived,
    ];
    Figures {
        received: row.received,
        by_status: CaseStatus::ALL.iter().zip(by_status).map(|(s, n)| (s.as_str().to_string(), n)).collect(),
        merged: row.merged,
        withdrawn: row.withdrawn,
        accepted: row.accepted,
        replied: row.replied,
        closed: row.closed,
        closed_on_time: row.closed_on_time,
        rated: row.rated,
        solved: row.solved,
        reply_rate: counts.reply_rate(),
        on_time_rate: counts.on_time_rate(),
        resolution_rate: counts.resolution_rate(),
        satisfaction_rate: counts.satisfaction_rate(),
        satisfaction_shares: counts.shares(),
        median_first_response_hours: first_response,
        median_close_hours: close,
        overdue_now: row.overdue_now,
        key_supervision_now: row.key_supervision_now,
    }
}

impl Figures {
    /// The figures of no cases at all: every rate "no data".
    pub fn empty() -> Figures {
        figures(&AggRow::default(), (None, None))
    }
}

/// A row of the counting scan: a group's counts for one pair of span buckets.
struct ScanRow {
    counts: AggRow,
    first_bucket: Option<i32>,
    close_bucket: Option<i32>,
    cases: i64,
}

impl FromQueryResult for ScanRow {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        use crate::services::insight::medians::{CASES, CLOSE_BUCKET, FIRST_BUCKET};
        Ok(ScanRow {
            counts: AggRow::from_query_result(res, pre)?,
            first_bucket: res.try_get(pre, FIRST_BUCKET)?,
            close_bucket: res.try_get(pre, CLOSE_BUCKET)?,
            cases: res.try_get(pre, CASES)?,
        })
    }
}

/// Rows with the same key summed into one, in first-seen order.
fn merge(rows: impl IntoIterator<Item = AggRow>) -> Vec<AggRow> {
    let mut merged: Vec<AggRow> = Vec::new();
    let mut at: HashMap<Option<String>, usize> = HashMap::new();
    for row in rows {
        match at.get(&row.stat_key) {
            Some(&i) => merged[i].add(&row),
            None => {
                at.insert(row.stat_key.clone(), merged.len());
                merged.push(row);
            }
        }
    }
    merged
}

/// One scan of the cases of the period: the counts `sums` asks for per key, and how many
/// cases of each key fall in each bucket of both spans.
async fn scan(
    db: &impl ConnectionTrait,
    select: &Select<case::Entity>,
    key: Option<SimpleExpr>,
    now: DateTime<Utc>,
    sums: Sums,
) -> AppResult<(Vec<AggRow>, Histograms, Histograms)> {
    let backend = db.get_database_backend();
    let rows: Vec<ScanRow> =
        with_buckets(aggregate(select.clone(), key, now, sums), backend).into_model::<ScanRow>().all(db).await?;
    let (mut first, mut close) = (Histograms::default(), Histograms::default());
    for row in &rows {
        first.add(&row.counts.stat_key, row.first_bucket, row.cases);
        close.add(&row.counts.stat_key, row.close_bucket, row.cases);
    }
    Ok((merge(rows.into_iter().map(|r| r.counts)), first, close))
}

/// The counts and span buckets per key of a station-wide request: whole UTC days from the
/// roll-ups, the hours at the ends of the period and the "now" figures from the cases (the
/// open ones). Groupings the span roll-up has no breakdown for (deputy, category, unit) count
/// their span buckets and "now" figures in one scan of the period's cases instead.
async fn rolled_up(
    db: &impl ConnectionTrait,
    scoped: &Select<case::Entity>,
    reach: &Reach,
    request: &StatsRequest,
    group_by: Option<GroupBy>,
    months: &[(String, DateTime<Utc>)],
) -> AppResult<(Vec<AggRow>, Histograms, Histograms)> {
    use crate::services::insight::rollup::{self, Dimension, RollupKey, Segment};
    let (start, end) = request.period.bounds(request.tz);
    let (segments, labels): (Vec<Segment>, Vec<String>) = if group_by == Some(GroupBy::Month) {
        months
            .iter()
            .enumerate()
            .map(|(i, (label, from))| {
                let to = months.get(i + 1).map_or(end, |(_, next)| *next);
                (Segment { start: *from, end: to }, label.clone())
            })
            .unzip()
    } else {
        (vec![Segment { start, end }], vec![String::new()])
    };
    let split = rollup::split(&segments);
    let select = &in_period(scoped.clone(), request);
    // The ends alone (without the period's bounds, so that each is a range of an index).
    let ends = || scoped.clone().filter(rollup::within(&split.edges));
    let (dimension, rollup_key) = match group_by {
        None => (Dimension::Category, RollupKey::All),
        Some(GroupBy::Station) => (Dimension::Category, RollupKey::Station),
        Some(GroupBy::Category) => (Dimension::Category, RollupKey::Value),
        Some(GroupBy::Deputy) => (Dimension::Deputy, RollupKey::Value),
        Some(GroupBy::Unit) => (Dimension::Unit, RollupKey::Value),
        Some(GroupBy::Month) => (Dimension::Category, RollupKey::Segments(labels)),
    };
    let key = group_by.map(|g| key_expr(g, months));
    let spans_rolled_up = !matches!(rollup_key, RollupKey::Value);
    let stations = reach.stations.as_deref();
    let mut rows: Vec<AggRow> = Vec::new();
    let (mut first, mut close) = (Histograms::default(), Histograms::default());
    if split.days.iter().any(Option::is_some) {
        let now_figures = [Figure::OverdueNow.as_str(), Figure::KeySupervisionNow.as_str()];
        rows = rollup::counts(db, dimension, stations, &split.days, &rollup_key, &now_figures).await?;
        for b in rollup::span_buckets(db, stations, &split.days, &rollup_key).await? {
            let histogram = if b.span == "f" { &mut first } else { &mut close };
            histogram.add(&b.stat_key, Some(b.bucket), b.cases);
        }
    }
    if spans_rolled_up {
        if !split.edges.is_empty() {
            let (ends, ends_first, ends_close) = scan(db, &ends(), key.clone(), request.now, Sums::Additive).await?;
            rows.extend(ends);
            first.extend(ends_first);
            close.extend(ends_close);
        }
        let open = select.clone().filter(Expr::cust(crate::services::insight::rollup_sql::OPEN));
        rows.extend(aggregate(open, key, request.now, Sums::Now).into_model::<AggRow>().all(db).await?);
    } else {
        if !split.edges.is_empty() {
            rows.extend(
                aggregate(ends(), key.clone(), request.now, Sums::Additive).into_model::<AggRow>().all(db).await?,
            );
        }
        let (now, all_first, all_close) = scan(db, select, key, request.now, Sums::Now).await?;
        rows.extend(now);
        (first, close) = (all_first, all_close);
    }
    Ok((rows, first, close))
}

/// The figures of each group (`None`: all the cases as one group), and the totals of all
/// groups together, of the cases of `scoped` received in the period. `reach`: the additive
/// counts from the roll-up; `None`: from the cases.
pub(super) async fn compute(
    db: &impl ConnectionTrait,
    scoped: &Select<case::Entity>,
    reach: Option<&Reach>,
    request: &StatsRequest,
    group_by: Option<GroupBy>,
) -> AppResult<(Figures, Vec<(Option<String>, Figures)>)> {
    let select = &in_period(scoped.clone(), request);
    let months = months(request.period, request.tz);
    let key = group_by.map(|g| key_expr(g, &months));
    // The medians' read of the middle buckets finds the cases changed since they were counted
    // only under heavy writing: then everything is counted again.
    for _ in 0..3 {
        let (rows, first, close) = match reach {
            Some(reach) => rolled_up(db, scoped, reach, request, group_by, &months).await?,
            None => scan(db, select, key.clone(), request.now, Sums::All).await?,
        };
        let Some((first, close)) = middle_values(db, select, key.clone(), &first, &close).await? else {
            continue;
        };
        let mut rows = merge(rows);
        // A group whose cases all moved elsewhere leaves roll-up rows of zeros behind.
        if group_by.is_some() {
            rows.retain(|row| row.received > 0);
        }
        let mut total = AggRow::default();
        let mut groups = Vec::with_capacity(rows.len());
        for row in rows {
            total.add(&row);
            let medians = (first.by_key.get(&row.stat_key).copied(), close.by_key.get(&row.stat_key).copied());
            groups.push((row.stat_key.clone(), figures(&row, medians)));
        }
        return Ok((figures(&total, (first.total, close.total)), groups));
    }
    Err(AppError::conflict("busy", "the cases changed while the statistics were read; try again"))
}
