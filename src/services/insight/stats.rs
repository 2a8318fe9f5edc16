//! `GET /api/v1/stats`: counts by status, the four rates with their denominators, the median
//! times and what stands open now, for the cases received in a period, in total and per
//! station, deputy, category, unit or month.
//!
//! Where the figures come from:
//! - the additive counts of station-wide requests (administrators, managers, viewers, the
//!   public report) from the daily roll-up `case_stats_days` for the whole UTC days of the
//!   period, and from the cases for the hours at its ends (`services::stats_rollup`); a
//!   deputy's or a handler's own cases, a few, straight from the cases;
//! - "overdue now" and "key supervision now" from the open cases of the period;
//! - the medians from two narrow reads of the cases (`services::stats_medians`).
//!
//! With `group_by` the totals are the sums of the groups. The sets of cases behind each figure
//! are those of `services::figures`; `stats_from_cases` counts everything from the cases alone,
//! which the tests compare against.
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, Func, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect, Select};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::case_state::CaseStatus;
use crate::domain::field::FieldError;
use crate::domain::rates::{Rate, RateCounts, SatisfactionShares};
use crate::entities::{case, category, deputy, station, unit};
use crate::error::{AppError, AppResult};
use crate::services::books::ledgers::Period;
use crate::services::cases::access;
use crate::services::insight::{
    figures::Figure,
    medians::{Histograms, middle_values, with_buckets},
};
use crate::services::organisation::actor::{Actor, with_descendants};
use crate::services::support::xlsx::{self, Book, PageHeader, formats};

/// How the cases are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Station,
    Deputy,
    Category,
    Unit,
    Month,
}

impl GroupBy {
    /// `None` for no grouping (totals only); 422 for anything but the five names.
    pub fn parse(raw: Option<&str>) -> AppResult<Option<GroupBy>> {
        Ok(match raw.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some("station") => Some(GroupBy::Station),
            Some("deputy") => Some(GroupBy::Deputy),
            Some("category") => Some(GroupBy::Category),
            Some("unit") => Some(GroupBy::Unit),
            Some("month") => Some(GroupBy::Month),
            Some(_) => {
                return Err(AppError::field(FieldError::invalid(
                    "group_by",
                    "station, deputy, category, unit or month",
                )));
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Station => "station",
            GroupBy::Deputy => "deputy",
            GroupBy::Category => "category",
            GroupBy::Unit => "unit",
            GroupBy::Month => "month",
        }
    }

    pub fn title_zh(self) -> &'static str {
        match self {
            GroupBy::Station => "联络站",
            GroupBy::Deputy => "代表",
            GroupBy::Category => "类别",
            GroupBy::Unit => "承办单位",
            GroupBy::Month => "月份",
        }
    }
}

/// The figures of one group of cases (or of all of them).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Figures {
    /// Cases received in the period, whatever became of them.
    pub received: i64,
    /// Received cases by their status now (every status, 0 included).
    pub by_status: BTreeMap<String, i64>,
    /// Received cases merged away into another case.
    pub merged: i64,
    /// Received cases the resident withdrew.
    pub withdrawn: i64,
    /// Reached accepted or later; rejected, withdrawn and merged-away excluded: the reply rate's denominator.
    pub accepted: i64,
    /// Accepted cases with a reply to the resident.
    pub replied: i64,
    /// Accepted cases closed (or archived) now: the on-time rate's denominator.
    pub closed: i64,
    /// Closed cases closed by their deadline.
    pub closed_on_time: i64,
    /// Accepted cases rated by the resident: the resolution and satisfaction rates' denominator.
    pub rated: i64,
    /// Rated cases the resident says are solved.
    pub solved: i64,
    /// 答复率: replied ÷ accepted.
    pub reply_rate: Rate,
    /// 按期办结率: closed_on_time ÷ closed.
    pub on_time_rate: Rate,
    /// 解决率: solved ÷ rated.
    pub resolution_rate: Rate,
    /// 满意率: (satisfied + basically satisfied) ÷ rated.
    pub satisfaction_rate: Rate,
    /// Each rating ÷ rated.
    pub satisfaction_shares: SatisfactionShares,
    /// Hours from receipt to the first response (accept, reject, start or reply) of the
    /// received cases that have one (merged-away excluded); null without any.
    pub median_first_response_hours: Option<f64>,
    /// Hours from receipt to closing of the closed cases; null without any.
    pub median_close_hours: Option<f64>,
    /// Received cases open now and past their deadline.
    pub overdue_now: i64,
    /// Received cases open now and under key supervision.
    pub key_supervision_now: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Group {
    /// The station, deputy, category or unit id as text (`none` for cases without a deputy
    /// or unit), or the month `YYYY-MM`.
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Stats {
    /// YYYY-MM-DD
    pub from: String,
    pub to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub station_id: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_by: Option<String>,
    pub totals: Figures,
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, Copy)]
pub struct StatsRequest {
    pub station_id: Option<i32>,
    /// Only this deputy's cases (within the caller's reach).
    pub deputy_id: Option<i32>,
    pub period: Period,
    pub group_by: Option<GroupBy>,
    pub tz: chrono_tz::Tz,
    pub now: DateTime<Utc>,
}

/// The column every statistics read names its group by.
pub(crate) const KEY: &str = "stat_key";

#[derive(Debug, Clone, Default, FromQueryResult)]
struct AggRow {
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

pub use crate::services::insight::figures::ACCEPTED;

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
fn months(period: Period, tz: chrono_tz::Tz) -> Vec<(String, DateTime<Utc>)> {
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

/// Those of the cases received in the period.
fn in_period(select: Select<case::Entity>, request: &StatsRequest) -> Select<case::Entity> {
    let (start, end) = request.period.bounds(request.tz);
    select.filter(case::Column::ReceivedAt.gte(start)).filter(case::Column::ReceivedAt.lt(end))
}

/// A station with its points and grids (`None`: every station).
async fn station_and_below(db: &impl ConnectionTrait, station_id: i32) -> AppResult<Option<Vec<i32>>> {
    Ok(with_descendants(db, &[station_id]).await?.ids())
}

fn of_stations(select: Select<case::Entity>, ids: Option<&[i32]>) -> Select<case::Entity> {
    match ids {
        Some(ids) => select.filter(case::Column::StationId.is_in(ids.iter().copied())),
        None => select,
    }
}

/// The cases a request counts: received in the period, within the actor's reach, of the
/// station (with its points and grids) and deputy asked for — 404 for a station out of scope.
/// The drill-down lists start from the same selection.
pub async fn base(db: &impl ConnectionTrait, actor: &Actor, request: &StatsRequest) -> AppResult<Select<case::Entity>> {
    Ok(in_period(scoped(db, actor, request).await?.0, request))
}

/// [`base`] in any period (what the reads of parts of a period, its ends, start from), and the
/// stations it covers when its counts may come from the roll-up.
async fn scoped(
    db: &impl ConnectionTrait,
    actor: &Actor,
    request: &StatsRequest,
) -> AppResult<(Select<case::Entity>, Option<Reach>)> {
    let readable = access::readable_stations(db, actor).await?;
    let mut select = case::Entity::find();
    if let Some(scope) = access::readable_given(actor, readable.as_ref()) {
        select = select.filter(scope);
    }
    let mut asked = None;
    if let Some(station_id) = request.station_id {
        if !actor.readable_stations(db).await?.contains(station_id) {
            return Err(AppError::NotFound("station"));
        }
        station::Entity::find_by_id(station_id).one(db).await?.ok_or(AppError::NotFound("station"))?;
        asked = station_and_below(db, station_id).await?;
        select = of_stations(select, asked.as_deref());
    }
    if let Some(deputy_id) = request.deputy_id {
        select = select.filter(case::Column::DeputyId.eq(deputy_id));
    }
    // Deputies' and handlers' own cases, and one deputy's, are not what the roll-up breaks down.
    let reach = match readable {
        Some(scope) if request.deputy_id.is_none() => Some(Reach { stations: meet(scope.ids(), asked) }),
        _ => None,
    };
    Ok((select, reach))
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

/// The stations a station-wide request covers (`None`: all): its counts may come from the
/// roll-up. Requests about one deputy's or one unit's cases have none (the roll-up has no
/// deputy × category or unit × assignment breakdown, and such requests cover few cases).
#[derive(Debug, Clone)]
pub struct Reach {
    stations: Option<Vec<i32>>,
}

/// Both station lists' common stations (`None`: no restriction).
fn meet(a: Option<Vec<i32>>, b: Option<Vec<i32>>) -> Option<Vec<i32>> {
    match (a, b) {
        (None, b) => b,
        (a, None) => a,
        (Some(a), Some(b)) => Some(a.into_iter().filter(|id| b.contains(id)).collect()),
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
async fn compute(
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

/// `(id, name)` of the rows of `E` with these ids.
async fn id_names<E: EntityTrait>(
    db: &impl ConnectionTrait,
    id: E::Column,
    name: E::Column,
    ids: Vec<i32>,
) -> AppResult<Vec<(i32, String)>> {
    Ok(E::find().select_only().columns([id, name]).filter(id.is_in(ids)).into_tuple().all(db).await?)
}

async fn labels(db: &impl ConnectionTrait, group_by: GroupBy, ids: Vec<i32>) -> AppResult<HashMap<i32, String>> {
    let rows = match group_by {
        GroupBy::Station => id_names::<station::Entity>(db, station::Column::Id, station::Column::Name, ids).await?,
        GroupBy::Deputy => id_names::<deputy::Entity>(db, deputy::Column::Id, deputy::Column::Name, ids).await?,
        GroupBy::Category => {
            id_names::<category::Entity>(db, category::Column::Id, category::Column::Name, ids).await?
        }
        GroupBy::Unit => id_names::<unit::Entity>(db, unit::Column::Id, unit::Column::Name, ids).await?,
        GroupBy::Month => Vec::new(),
    };
    Ok(rows.into_iter().collect())
}

/// The statistics the actor may see: only cases within their reach (`case_access`), of the
/// station (with its points and grids) when one is given — 404 for a station out of scope.
pub async fn stats(db: &impl ConnectionTrait, actor: &Actor, request: StatsRequest) -> AppResult<Stats> {
    let (select, reach) = scoped(db, actor, &request).await?;
    figures_of(db, select, reach.as_ref(), request).await
}

/// [`stats`] with every count read from the cases, none from the roll-up: what the roll-up
/// must agree with.
pub async fn stats_from_cases(db: &impl ConnectionTrait, actor: &Actor, request: StatsRequest) -> AppResult<Stats> {
    let (select, _) = scoped(db, actor, &request).await?;
    figures_of(db, select, None, request).await
}

/// The statistics anyone may read of one station (with its points and grids): every case
/// received there in the period, no actor. The same queries as [`stats`], so the public page
/// shows exactly what the station's staff see for that station and period. The caller has
/// found the station (by its public token).
pub async fn public_stats(db: &impl ConnectionTrait, station_id: i32, request: StatsRequest) -> AppResult<Stats> {
    let stations = station_and_below(db, station_id).await?;
    let select = of_stations(case::Entity::find(), stations.as_deref());
    let request = StatsRequest { station_id: Some(station_id), ..request };
    figures_of(db, select, Some(&Reach { stations }), request).await
}

async fn figures_of(
    db: &impl ConnectionTrait,
    select: Select<case::Entity>,
    reach: Option<&Reach>,
    request: StatsRequest,
) -> AppResult<Stats> {
    let (totals, groups) = match request.group_by {
        Some(group_by) => groups_of(db, &select, reach, &request, group_by).await?,
        None => (compute(db, &select, reach, &request, None).await?.0, Vec::new()),
    };
    Ok(Stats {
        from: request.period.from.to_string(),
        to: request.period.to.to_string(),
        station_id: request.station_id,
        group_by: request.group_by.map(|g| g.as_str().to_string()),
        totals,
        groups,
    })
}

/// The totals alone.
pub async fn totals(db: &impl ConnectionTrait, actor: &Actor, request: &StatsRequest) -> AppResult<Figures> {
    let (select, reach) = scoped(db, actor, request).await?;
    Ok(compute(db, &select, reach.as_ref(), request, None).await?.0)
}

/// The groups alone (no totals): every month of the period, or the stations, deputies,
/// categories or units with cases, most cases first.
pub async fn groups(
    db: &impl ConnectionTrait,
    actor: &Actor,
    request: &StatsRequest,
    group_by: GroupBy,
) -> AppResult<Vec<Group>> {
    let (select, reach) = scoped(db, actor, request).await?;
    Ok(groups_of(db, &select, reach.as_ref(), request, group_by).await?.1)
}

/// The totals and the groups, from the same reads.
async fn groups_of(
    db: &impl ConnectionTrait,
    select: &Select<case::Entity>,
    reach: Option<&Reach>,
    request: &StatsRequest,
    group_by: GroupBy,
) -> AppResult<(Figures, Vec<Group>)> {
    let mut groups = Vec::new();
    let months = months(request.period, request.tz);
    let (totals, rows) = compute(db, select, reach, request, Some(group_by)).await?;
    if group_by == GroupBy::Month {
        let mut found: HashMap<Option<String>, Figures> = rows.into_iter().collect();
        for (month, _) in &months {
            let figures =
                found.remove(&Some(month.clone())).unwrap_or_else(|| figures(&AggRow::default(), (None, None)));
            groups.push(Group { key: month.clone(), label: month.clone(), figures });
        }
    } else {
        let ids: Vec<i32> = rows.iter().filter_map(|(k, _)| k.as_deref().and_then(|k| k.parse().ok())).collect();
        let names = labels(db, group_by, ids).await?;
        for (key, figures) in rows {
            let id = key.as_deref().and_then(|k| k.parse::<i32>().ok());
            let (key, label) = match id {
                Some(id) => (id.to_string(), names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))),
                None => ("none".to_string(), "未指定".to_string()),
            };
            groups.push(Group { key, label, figures });
        }
        groups.sort_by(|a, b| b.figures.received.cmp(&a.figures.received).then_with(|| a.label.cmp(&b.label)));
    }
    Ok((totals, groups))
}

/// A spreadsheet column of the statistics table: heading, width, and the cell of a group.
enum Cell {
    Count(i64),
    Rate(Rate),
    Hours(Option<f64>),
}

fn cells(f: &Figures) -> Vec<(&'static str, Cell)> {
    vec![
        ("收到", Cell::Count(f.received)),
        ("不予受理", Cell::Count(f.by_status.get("rejected").copied().unwrap_or(0))),
        ("合并", Cell::Count(f.merged)),
        ("撤回", Cell::Count(f.withdrawn)),
        ("受理", Cell::Count(f.accepted)),
        ("已答复", Cell::Count(f.replied)),
        ("答复率", Cell::Rate(f.reply_rate)),
        ("已办结", Cell::Count(f.closed)),
        ("按期办结", Cell::Count(f.closed_on_time)),
        ("按期办结率", Cell::Rate(f.on_time_rate)),
        ("已评价", Cell::Count(f.rated)),
        ("已解决", Cell::Count(f.solved)),
        ("解决率", Cell::Rate(f.resolution_rate)),
        ("满意", Cell::Count(f.satisfaction_shares.satisfied.numerator)),
        ("基本满意", Cell::Count(f.satisfaction_shares.basically_satisfied.numerator)),
        ("不满意", Cell::Count(f.satisfaction_shares.dissatisfied.numerator)),
        ("满意率", Cell::Rate(f.satisfaction_rate)),
        ("首次响应时长中位数(小时)", Cell::Hours(f.median_first_response_hours)),
        ("办结时长中位数(小时)", Cell::Hours(f.median_close_hours)),
        ("当前超期", Cell::Count(f.overdue_now)),
        ("当前重点督办", Cell::Count(f.key_supervision_now)),
    ]
}

pub use crate::services::support::xlsx::error as xlsx_error;

/// The table as an XLSX workbook: one row per group and a total row, rates as percentages
/// (empty where there is no data), the counts they come from beside them.
pub fn xlsx(stats: &Stats, place: &str) -> AppResult<Vec<u8>> {
    let mut book = Book::new();
    let first = stats.group_by.as_deref().and_then(|g| GroupBy::parse(Some(g)).ok().flatten());
    let total_label = format!("合计（{place}）");
    let rows: Vec<(&str, &Figures, bool)> = stats
        .groups
        .iter()
        .map(|g| (g.label.as_str(), &g.figures, false))
        .chain(std::iter::once((total_label.as_str(), &stats.totals, true)))
        .collect();
    let period = xlsx::period(&stats.from, &stats.to);
    let header = PageHeader { place, title: "意见建议办理统计", right: &period };
    write_table(&mut book, header.title, first.map_or("范围", GroupBy::title_zh), header, &rows)?;
    book.to_bytes()
}

/// One sheet of figures: a row per `(label, figures, bold)`, a column per count and rate.
pub fn write_table(
    book: &mut Book,
    name: &str,
    first_heading: &str,
    header: PageHeader<'_>,
    rows: &[(&str, &Figures, bool)],
) -> AppResult<()> {
    let (percent, hours, bold) = (formats::percent(), formats::hours(), formats::bold());
    let mut sheet = book.sheet(name)?;
    sheet.printed(header).page_numbers().freeze(1, 1)?;
    let columns: Vec<(&str, f64)> = std::iter::once((first_heading, 24.0))
        .chain(cells(&Figures::empty()).into_iter().map(|(heading, _)| (heading, 10.0)))
        .collect();
    sheet.columns(0, &columns)?;
    for (r, (label, figures, total)) in rows.iter().enumerate() {
        let row = r + 1;
        if *total {
            sheet.text_as(row, 0, label, &bold)?;
        } else {
            sheet.text(row, 0, label)?;
        }
        for (i, (_, cell)) in cells(figures).into_iter().enumerate() {
            let col = i + 1;
            match cell {
                Cell::Count(n) => sheet.count(row, col, n)?,
                Cell::Rate(rate) => {
                    if let Some(fraction) = rate.fraction() {
                        sheet.number_as(row, col, fraction, &percent)?;
                    }
                }
                Cell::Hours(Some(h)) => sheet.number_as(row, col, h, &hours)?,
                Cell::Hours(None) => {}
            }
        }
    }
    Ok(())
}

/// The name of the place the statistics cover, for headings and file names.
pub async fn place_name(db: &impl ConnectionTrait, station_id: Option<i32>) -> AppResult<String> {
    Ok(match station_id {
        Some(id) => station::Entity::find_by_id(id).one(db).await?.map_or_else(|| format!("#{id}"), |s| s.name),
        None => "全部".to_string(),
    })
}
