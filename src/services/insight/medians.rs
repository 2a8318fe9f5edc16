//! The medians of the statistics (hours to the first response, hours to closing), exact, per
//! group and over all groups: first how many cases fall in each bucket of each span (from the
//! roll-up `case_span_days`, or counted by a scan of the cases: `with_buckets`), then the spans
//! of only the one or two buckets the middle falls in, read through an index on the bucket
//! (`middle_values`; `domain::bucket_median`). Reading every span into the process was most of
//! a district-year's time.
use std::collections::{BTreeSet, HashMap};

use sea_orm::sea_query::{Alias, Expr, SimpleExpr};
use sea_orm::{ConnectionTrait, DbBackend, QueryFilter, QuerySelect, Select};

use crate::domain::bucket_median::Middle;
use crate::domain::rates;
use crate::entities::case;
use crate::error::AppResult;
use crate::services::insight::{rollup_sql, stats::KEY};

pub const FIRST_BUCKET: &str = "first_bucket";
pub const CLOSE_BUCKET: &str = "close_bucket";
pub const CASES: &str = "cases_in_bucket";

/// A span's hours (NULL for a case without it) and its bucket: the expressions of the roll-up's
/// triggers and indexes (`rollup_sql`), so that the read of the middle buckets is a range of
/// an index.
struct SpanSql {
    hours: String,
    bucket: String,
}

fn first_response(backend: DbBackend) -> SpanSql {
    let (hours, bucket) = rollup_sql::first_response(backend, "");
    SpanSql { hours, bucket }
}

fn close(backend: DbBackend) -> SpanSql {
    let (hours, bucket) = rollup_sql::close(backend, "");
    SpanSql { hours, bucket }
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

    /// How many cases the histograms count.
    fn cases(&self) -> i64 {
        self.0.values().flatten().map(|(_, n)| n).sum()
    }

    /// How many cases fall in these buckets, over all groups.
    fn cases_in(&self, buckets: &BTreeSet<i32>) -> i64 {
        self.0.values().flatten().filter(|(b, _)| buckets.contains(b)).map(|(_, n)| n).sum()
    }

    pub fn extend(&mut self, other: Histograms) {
        for (group, buckets) in other.0 {
            self.0.entry(group).or_default().extend(buckets);
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
#[tracing::instrument(skip_all)]
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
    let list = |set: &BTreeSet<i32>| set.iter().map(i32::to_string).collect::<Vec<_>>().join(", ");
    let (first_buckets, close_buckets) = (first_wanted.buckets(), close_wanted.buckets());
    // The bucket indexes pay while the middle buckets hold a small share of the cases (the
    // totals, a few groups); for many groups a scan is cheaper, and SQLite's planner does not
    // see that: `+` keeps it off the index. PostgreSQL weighs both itself.
    let wanted = first.cases_in(&first_buckets) + close.cases_in(&close_buckets);
    let all = first.cases() + close.cases();
    let off_index = if backend == DbBackend::Sqlite && wanted * 10 > all { "+" } else { "" };
    let read = |span: &SpanSql, buckets: &BTreeSet<i32>| {
        // One span per read: its index then holds every column the read needs.
        select
            .clone()
            .select_only()
            .expr_as(key.clone().unwrap_or_else(|| Expr::cust("NULL")), KEY)
            .expr_as(Expr::cust(span.bucket.clone()), "bucket")
            .expr_as(Expr::cust(span.hours.clone()), "hours")
            .filter(Expr::cust(format!("{off_index}{} IN ({})", span.bucket, list(buckets))))
            .into_tuple::<(Option<String>, Option<i32>, Option<f64>)>()
    };
    let (mut first_values, mut close_values) = (Values::default(), Values::default());
    if !first_buckets.is_empty() {
        for (group, bucket, hours) in read(&first_sql, &first_buckets).all(db).await? {
            first_values.push(&first_wanted, &group, bucket, hours);
        }
    }
    if !close_buckets.is_empty() {
        for (group, bucket, hours) in read(&close_sql, &close_buckets).all(db).await? {
            close_values.push(&close_wanted, &group, bucket, hours);
        }
    }
    Ok(first_values.medians(&first_wanted).zip(close_values.medians(&close_wanted)))
}
