//! `GET /api/v1/stats`: counts by status, the four rates with their denominators, the median
//! times and what stands open now, for the cases received in a period, in total and per
//! station, deputy, category, unit or month.
//!
//! Where the figures come from:
//! - the additive counts of station-wide requests (administrators, managers, viewers, the
//!   public report) from the daily roll-up `case_stats_days` for the whole UTC days of the
//!   period, and from the cases for the hours at its ends (`insight::rollup`); a deputy's or
//!   a handler's own cases, a few, straight from the cases;
//! - "overdue now" and "key supervision now" from the open cases of the period;
//! - the medians from two narrow reads of the cases (`insight::medians`).
//!
//! With `group_by` the totals are the sums of the groups. The sets of cases behind each figure
//! are those of `insight::figures`; `stats_from_cases` counts everything from the cases alone,
//! which the tests compare against.
//!
//! Here: what is asked and answered, whose cases a request counts, and the groups' names;
//! `counting` sums the figures, `table` writes them as a workbook.
mod counting;
mod table;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Select};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::field::FieldError;
use crate::domain::rates::{Rate, SatisfactionShares};
use crate::entities::{case, category, deputy, station, unit};
use crate::error::{AppError, AppResult};
use crate::services::books::ledgers::Period;
use crate::services::cases::access;
use crate::services::organisation::actor::{Actor, with_descendants};
use counting::{compute, months};

pub use table::{write_table, xlsx};

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

pub use crate::services::insight::figures::ACCEPTED;

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
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
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
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn stats(db: &impl ConnectionTrait, actor: &Actor, request: StatsRequest) -> AppResult<Stats> {
    let (select, reach) = scoped(db, actor, &request).await?;
    figures_of(db, select, reach.as_ref(), request).await
}

/// [`stats`] with every count read from the cases, none from the roll-up: what the roll-up
/// must agree with.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn stats_from_cases(db: &impl ConnectionTrait, actor: &Actor, request: StatsRequest) -> AppResult<Stats> {
    let (select, _) = scoped(db, actor, &request).await?;
    figures_of(db, select, None, request).await
}

/// The statistics anyone may read of one station (with its points and grids): every case
/// received there in the period, no actor. The same queries as [`stats`], so the public page
/// shows exactly what the station's staff see for that station and period. The caller has
/// found the station (by its public token).
#[tracing::instrument(skip_all, fields(station_id = station_id))]
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
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn totals(db: &impl ConnectionTrait, actor: &Actor, request: &StatsRequest) -> AppResult<Figures> {
    let (select, reach) = scoped(db, actor, request).await?;
    Ok(compute(db, &select, reach.as_ref(), request, None).await?.0)
}

/// The groups alone (no totals): every month of the period, or the stations, deputies,
/// categories or units with cases, most cases first.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
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
            let figures = found.remove(&Some(month.clone())).unwrap_or_else(Figures::empty);
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

/// The name of the place the statistics cover, for headings and file names.
#[tracing::instrument(skip_all)]
pub async fn place_name(db: &impl ConnectionTrait, station_id: Option<i32>) -> AppResult<String> {
    Ok(match station_id {
        Some(id) => station::Entity::find_by_id(id).one(db).await?.map_or_else(|| format!("#{id}"), |s| s.name),
        None => "全部".to_string(),
    })
}
