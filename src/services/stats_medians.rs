//! The medians of the statistics (hours to the first response, hours to closing), exact, per
//! group and over all groups, from two reads of the cases: the counting scan of
//! `services::stats` also counts its cases per bucket of each span (`with_buckets`), then only
//! the spans of the one or two buckets the middle falls in are read (`middle_values`;
//! `domain::bucket_median`). Reading every span into the process was most of a
//! district-year's time.
use std::collections::{BTreeSet, HashMap};

use sea_orm::sea_query::{Alias, Expr, SimpleExpr};
use sea_orm::{ConnectionTrait, DbBackend, QueryFilter, QuerySelect, Select};

use crate::domain::bucket_median::Middle;
use crate::domain::rates;
use crate::entities::case;
use crate::error::AppResult;
use crate::services::figures::ACCEPTED;

const KEY: &str = "stat_key";
pub const FIRST_BUCKET: &str = "first_bucket";
pub const CLOSE_BUCKET: &str = "close_bucket";
pub const CASES: &str = "cases_in_bucket";

fn hours_between(backend: DbBackend, from: &str, to: &str) -> String {
    match backend {
        // `date_part` is double precision; `EXTRACT` is numeric (slow) since PostgreSQL 14.
        DbBackend::Postgres => format!("date_part('epoch', \"{to}\" - \"{from}\") / 3600.0"),
        _ => format!("(julianday(\"{to}\") - julianday(\"{from}\")) * 24.0"),
    }
}

/// A span's hours where the case has the span, else NULL.
struct SpanSql {
    hours: String,
    bucket: String,
}

/// Buckets that keep the order, narrow where most spans fall: each hour of the first two
/// days, then each day. A whole number (SQLite truncates, which keeps the order too; its
/// `floor` needs optional maths functions).
fn span(backend: DbBackend, when: &str, hours: String) -> SpanSql {
    let whole = |x: &str| match backend {
        DbBackend::Postgres => format!("CAST(FLOOR({x}) AS INTEGER)"),
        _ => format!("CAST({x} AS INTEGER)"),
    };
    let (by_hour, by_day) = (whole(&hours), whole(&format!("({hours}) / 24.0")));
    SpanSql {
        bucket: format!("CASE WHEN {when} THEN CASE WHEN {hours} < 48 THEN {by_hour} ELSE 46 + {by_day} END END"),
        hours: format!("CASE WHEN {when} THEN {hours} END"),
    }
}

/// Receipt to the first response, of the cases that have one (merged-away excluded).
fn first_response(backend: DbBackend) -> SpanSql {
    span(
        backend,
        "\"first_responded_at\" IS NOT NULL AND \"merged_into_id\" IS NULL",
        hours_between(backend, "received_at", "first_responded_at"),
    )
}

/// Receipt to closing, of the accepted cases closed.
fn close(backend: DbBackend) -> SpanSql {
    span(backend, &format!("{ACCEPTED} AND \"closed_at\" IS NOT NULL"), hours_between(backend, "received_at", "closed_at"))
}

/// Adds the two spans' buckets to a grouped counting query: its rows become per group and
/// pair of buckets, with how many cases each holds.
pub fn with_buckets(select: Select<case::Entity>, backend: DbBackend) -> Select<case::Entity> {
    select
        .expr_as(Expr::cust(first_response(backend).bucket), FIRST_BUCKET)
        .expr_as(Expr::cust(close(backend).bucket), CLOSE_BUCKET)
        .expr_as(Expr::cust("COUNT(*)"), CASES)
        .group_by(Expr::col(Alias::new(FIRST_BUCKET)))
        .group_by(Expr::col(Alias::new(CLOSE_BUCKET)))
}

/// How many cases of each group fall in each bucket of one span.
#[derive(Debug, Default)]
pub struct Histograms(pub HashMap<Option<String>, Vec<(i32, i64)>>);

impl Histograms {
    pub fn add(&mut self, group: &Option<String>, bucket: Option<i32>, n: i64) {
        if let Some(bucket) = bucket {
            self.0.entry(group.clone()).or_default().push((bucket, n));
        }
    }

    fn middles(&self) -> (HashMap<Option<String>, Middle>, Option<Middle>) {
        let mut all: HashMap<i32, i64> = HashMap::new();
        for (bucket, n) in self.0.values().flatten() {
            *all.entry(*bucket).or_default() += n;
        }
        let all: Vec<(i32, i64)> = all.into_iter().collect();
        let by_group = self.0.iter().filter_map(|(g, h)| Some((g.clone(), Middle::of(h)?))).collect();
        (by_group, Middle::of(&all))
    }
}

/// The median span per group (by key; `None` for no grouping) and over all the groups,
/// rounded as shown. Groups without the span are absent.
#[derive(Debug, Default)]
pub struct Medians {
    pub by_key: HashMap<Option<String>, f64>,
    pub total: Option<f64>,
}

struct Wanted {
    by_group: HashMap<Option<String>, Middle>,
    total: Option<Middle>,
}

impl Wanted {
    fn buckets(&self) -> BTreeSet<i32> {
        self.by_group.values().chain(self.total.as_ref()).flat_map(Middle::buckets).collect()
    }

    fn wants(&self, group: &Option<String>, bucket: i32) -> (bool, bool) {
        (
            self.by_group.get(group).is_some_and(|m| m.buckets().any(|b| b == bucket)),
            self.total.as_ref().is_some_and(|m| m.buckets().any(|b| b == bucket)),
        )
    }
}

#[derive(Default)]
struct Values {
    by_group: HashMap<(Option<String>, i32), Vec<f64>>,
    total: HashMap<i32, Vec<f64>>,
}

impl Values {
    fn push(&mut self, wanted: &Wanted, group: &Option<String>, bucket: Option<i32>, value: Option<f64>) {
        let (Some(bucket), Some(value)) = (bucket, value) else { return };
        let (for_group, for_total) = wanted.wants(group, bucket);
        if for_group {
            self.by_group.entry((group.clone(), bucket)).or_default().push(value);
        }
        if for_total {
            self.total.entry(bucket).or_default().push(value);
        }
    }

    /// `None` when a bucket's count changed between the two reads.
    fn medians(&self, wanted: &Wanted) -> Option<Medians> {
        let mut out = Medians::default();
        for (group, middle) in &wanted.by_group {
            let median = middle.median(|b| self.by_group.get(&(group.clone(), b)).cloned().unwrap_or_default())?;
            out.by_key.insert(group.clone(), rates::hours(median));
        }
        if let Some(middle) = &wanted.total {
            out.total = Some(rates::hours(middle.median(|b| self.total.get(&b).cloned().unwrap_or_default())?));
        }
        Some(out)
    }
}

/// The medians of both spans from their histograms (counted over the cases of `select`
/// grouped by `key`): one read of the spans in the middle buckets. `None` when the cases
/// changed since the histograms were counted (the caller counts again).
pub async fn middle_values(
    db: &impl ConnectionTrait,
    select: &Select<case::Entity>,
    key: Option<SimpleExpr>,
    first: &Histograms,
    close: &Histograms,
) -> AppResult<Option<(Medians, Medians)>> {
    let backend = db.get_database_backend();
    let (first_sql, close_sql) = (first_response(backend), self::close(backend));
    let wanted = |h: &Histograms| {
        let (by_group, total) = h.middles();
        Wanted { by_group, total }
    };
    let (first_wanted, close_wanted) = (wanted(first), wanted(close));
    let list = |set: BTreeSet<i32>| set.iter().map(i32::to_string).collect::<Vec<_>>().join(", ");
    let (first_buckets, close_buckets) = (first_wanted.buckets(), close_wanted.buckets());
    let mut wanted_rows = Vec::new();
    if !first_buckets.is_empty() {
        wanted_rows.push(format!("({}) IN ({})", first_sql.bucket, list(first_buckets)));
    }
    if !close_buckets.is_empty() {
        wanted_rows.push(format!("({}) IN ({})", close_sql.bucket, list(close_buckets)));
    }
    if wanted_rows.is_empty() {
        return Ok(Some((Medians::default(), Medians::default())));
    }
    type Row = (Option<String>, Option<i32>, Option<f64>, Option<i32>, Option<f64>);
    let rows: Vec<Row> = select
        .clone()
        .select_only()
        .expr_as(key.unwrap_or_else(|| Expr::cust("NULL")), KEY)
        .expr_as(Expr::cust(first_sql.bucket.clone()), FIRST_BUCKET)
        .expr_as(Expr::cust(first_sql.hours.clone()), "first_hours")
        .expr_as(Expr::cust(close_sql.bucket.clone()), CLOSE_BUCKET)
        .expr_as(Expr::cust(close_sql.hours.clone()), "close_hours")
        .filter(Expr::cust(format!("({})", wanted_rows.join(" OR "))))
        .into_tuple()
        .all(db)
        .await?;
    let (mut first_values, mut close_values) = (Values::default(), Values::default());
    for (group, first_bucket, first_hours, close_bucket, close_hours) in rows {
        first_values.push(&first_wanted, &group, first_bucket, first_hours);
        close_values.push(&close_wanted, &group, close_bucket, close_hours);
    }
    Ok(first_values.medians(&first_wanted).zip(close_values.medians(&close_wanted)))
}
