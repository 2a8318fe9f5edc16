//! The dashboard: the statistics of a period beside those of the period before, the monthly
//! trend, the breakdowns and what is overdue now — all read through `services::stats` and
//! `services::case_queries`, so every figure equals the API's and each list equals its figure.
use chrono::{Datelike, Months, NaiveDate};
use sea_orm::ConnectionTrait;

use crate::domain::case_state::CaseStatus;
use crate::domain::page::{Page, PageRequest};
use crate::domain::role::Role;
use crate::entities::case;
use crate::error::AppResult;
use crate::services::books::ledgers::Period;
use crate::services::cases::queries::{self, CaseFilter, CaseSort};
use crate::services::insight::stats::{self, Figures, Group, GroupBy, StatsRequest};
use crate::services::organisation::actor::{Actor, with_descendants};

/// What the headline figures are compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compare {
    /// 环比: the days just before, as many as the period has.
    #[default]
    Previous,
    /// 同比: the same days a year earlier.
    YearBefore,
}

impl Compare {
    pub fn parse(raw: Option<&str>) -> Compare {
        match raw.map(str::trim) {
            Some("year") => Compare::YearBefore,
            _ => Compare::Previous,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Compare::Previous => "previous",
            Compare::YearBefore => "year",
        }
    }

    /// The period compared with `period`.
    pub fn period_before(self, period: Period) -> Period {
        match self {
            Compare::Previous => {
                let days = (period.to - period.from).num_days();
                let to = period.from.pred_opt().unwrap_or(period.from);
                let from = to - chrono::Duration::days(days);
                Period { from, to }
            }
            Compare::YearBefore => {
                let back = |day: NaiveDate| day.checked_sub_months(Months::new(12)).unwrap_or(day);
                Period { from: back(period.from), to: back(period.to) }
            }
        }
    }
}

/// The months the trend chart shows: the twelve months up to the period's end, or the whole
/// period when it is longer (at most 36 months, the latest).
pub fn trend_period(period: Period) -> Period {
    let first_of = |day: NaiveDate| NaiveDate::from_ymd_opt(day.year(), day.month(), 1).unwrap_or(day);
    let end_month = first_of(period.to);
    let twelve = end_month.checked_sub_months(Months::new(11)).unwrap_or(end_month);
    let thirty_six = end_month.checked_sub_months(Months::new(35)).unwrap_or(end_month);
    let from = first_of(period.from).min(twelve).max(thirty_six);
    Period { from, to: period.to }
}

pub struct DashboardRequest {
    pub station_id: Option<i32>,
    pub period: Period,
    pub compare: Compare,
    pub tz: chrono_tz::Tz,
    pub now: chrono::DateTime<chrono::Utc>,
}

pub struct Dashboard {
    pub period: Period,
    pub before: Period,
    pub current: Figures,
    pub previous: Figures,
    pub trend_period: Period,
    pub trend: Vec<Group>,
    pub by_category: Vec<Group>,
    /// Empty for deputies and handlers (the lighter dashboard).
    pub by_unit: Vec<Group>,
    /// Only for those who see several stations.
    pub by_station: Vec<Group>,
    /// Open and past the deadline now, whenever received: the most overdue first.
    pub overdue: Page<case::Model>,
}

/// Whether the actor gets the whole dashboard (managers, administrators, viewers) or the
/// lighter one about their own cases (deputies, handlers).
pub fn is_light(actor: &Actor) -> bool {
    matches!(actor.role, Role::Deputy | Role::Handler)
}

#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn dashboard(db: &impl ConnectionTrait, actor: &Actor, request: DashboardRequest) -> AppResult<Dashboard> {
    let ask = |period: Period| StatsRequest {
        station_id: request.station_id,
        deputy_id: None,
        period,
        group_by: None,
        tz: request.tz,
        now: request.now,
    };
    let before = request.compare.period_before(request.period);
    let trend_period = trend_period(request.period);
    let current_request = ask(request.period);
    // The totals first: they check the station is within reach (404 otherwise).
    let current = stats::totals(db, actor, &current_request).await?;
    let previous = stats::totals(db, actor, &ask(before)).await?;
    let trend = stats::groups(db, actor, &ask(trend_period), GroupBy::Month).await?;
    let by_category = stats::groups(db, actor, &current_request, GroupBy::Category).await?;
    let light = is_light(actor);
    let by_unit = if light { Vec::new() } else { stats::groups(db, actor, &current_request, GroupBy::Unit).await? };
    let several_stations = actor.is_admin() || actor.station_ids.len() > 1 || actor.is(Role::Viewer);
    let by_station = if !light && request.station_id.is_none() && several_stations {
        stats::groups(db, actor, &current_request, GroupBy::Station).await?
    } else {
        Vec::new()
    };
    let filter = overdue_filter(db, request.station_id).await?;
    let overdue = queries::list(db, actor, request.now, &filter, PageRequest::new(Some(1), Some(10))).await?;
    Ok(Dashboard {
        period: request.period,
        before,
        current,
        previous,
        trend_period,
        trend,
        by_category,
        by_unit,
        by_station,
        overdue,
    })
}

async fn overdue_filter(db: &impl ConnectionTrait, station_id: Option<i32>) -> AppResult<CaseFilter> {
    let station_ids = match station_id {
        Some(id) => Some(with_descendants(db, &[id]).await?.ids().unwrap_or_default()),
        None => None,
    };
    Ok(CaseFilter {
        statuses: CaseStatus::ALL.into_iter().filter(|s| s.is_open()).collect(),
        overdue: Some(true),
        station_ids,
        sort: CaseSort::Due,
        ..CaseFilter::default()
    })
}

/// The most overdue cases a workbook lists (a district's backlog beyond this is a matter for
/// the case ledger).
pub const OVERDUE_EXPORT_LIMIT: u64 = 10_000;

/// Every overdue case now (up to `OVERDUE_EXPORT_LIMIT`), the most overdue first.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn all_overdue(
    db: &impl ConnectionTrait,
    actor: &Actor,
    station_id: Option<i32>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Page<case::Model>> {
    let filter = overdue_filter(db, station_id).await?;
    queries::list(db, actor, now, &filter, PageRequest { page: 1, per_page: OVERDUE_EXPORT_LIMIT }).await
}

/// The change of a rate in percentage points, `None` when either side has no data.
pub fn change(now: Option<f64>, before: Option<f64>) -> Option<f64> {
    Some(((now? - before?) * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_previous_period_has_as_many_days_just_before() {
        let march = Period { from: day(2026, 3, 1), to: day(2026, 3, 31) };
        assert_eq!(Compare::Previous.period_before(march), Period { from: day(2026, 1, 29), to: day(2026, 2, 28) });
        let one_day = Period { from: day(2026, 3, 2), to: day(2026, 3, 2) };
        assert_eq!(Compare::Previous.period_before(one_day), Period { from: day(2026, 3, 1), to: day(2026, 3, 1) });
    }

    #[test]
    fn the_year_before_keeps_the_days_and_clamps_a_leap_day() {
        let spring = Period { from: day(2026, 1, 1), to: day(2026, 3, 2) };
        assert_eq!(Compare::YearBefore.period_before(spring), Period { from: day(2025, 1, 1), to: day(2025, 3, 2) });
        let leap = Period { from: day(2028, 2, 29), to: day(2028, 2, 29) };
        assert_eq!(Compare::YearBefore.period_before(leap).from, day(2027, 2, 28));
    }

    #[test]
    fn the_trend_shows_twelve_months_or_the_longer_period() {
        let short = Period { from: day(2026, 3, 1), to: day(2026, 3, 2) };
        assert_eq!(trend_period(short), Period { from: day(2025, 4, 1), to: day(2026, 3, 2) });
        let long = Period { from: day(2023, 1, 15), to: day(2026, 3, 2) };
        assert_eq!(trend_period(long), Period { from: day(2023, 4, 1), to: day(2026, 3, 2) });
        let two_years = Period { from: day(2024, 6, 10), to: day(2026, 3, 2) };
        assert_eq!(trend_period(two_years).from, day(2024, 6, 1));
    }

    #[test]
    fn a_change_needs_data_on_both_sides() {
        assert_eq!(change(Some(80.0), Some(75.5)), Some(4.5));
        assert_eq!(change(Some(80.0), None), None);
        assert_eq!(change(None, Some(1.0)), None);
    }
}
