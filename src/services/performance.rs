//! 履职情况 (一人一档): what each deputy did in a period, derived from the records — never
//! typed. One grouped count per kind of record for a batch of deputies, so the ledger of a
//! whole district is a handful of queries per thousand deputies.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationDef};

use crate::domain::station_books::percent;
use crate::entities::{case, contact_record, deputy_report, reception_duty, reception_visit, reception_visit_deputy};
use crate::error::AppResult;

/// One deputy's numbers for a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Performance {
    /// Distinct days the deputy was at a station: on duty, receiving a visitor, reporting.
    pub station_days: i64,
    pub duties_served: i64,
    pub visits_received: i64,
    pub cases_collected: i64,
    /// Accepted (rejected, merged-away and not yet accepted excluded): the rates' denominator.
    pub cases_accepted: i64,
    pub cases_replied: i64,
    pub cases_closed: i64,
    pub reports_given: i64,
    pub contacts: i64,
}

impl Performance {
    /// 答复率: replied ÷ accepted.
    pub fn reply_rate(&self) -> Option<i32> {
        percent(self.cases_replied, self.cases_accepted)
    }

    /// 办结率: closed ÷ accepted.
    pub fn close_rate(&self) -> Option<i32> {
        percent(self.cases_closed, self.cases_accepted)
    }
}

/// What the counts cover: the period's days (and its instants for timestamps), and today,
/// so duties still to come are not counted as served.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub today: NaiveDate,
}

fn add(counts: &mut HashMap<i32, Performance>, rows: Vec<(i32, i64)>, field: fn(&mut Performance) -> &mut i64) {
    for (deputy, n) in rows {
        *field(counts.entry(deputy).or_default()) += n;
    }
}

fn count_star() -> Expr {
    Expr::cust("COUNT(*)")
}

/// The numbers of each deputy in `deputy_ids` (deputies with nothing recorded are absent).
pub async fn of_deputies(
    db: &impl ConnectionTrait,
    deputy_ids: &[i32],
    window: Window,
) -> AppResult<HashMap<i32, Performance>> {
    let mut counts: HashMap<i32, Performance> = HashMap::new();
    if deputy_ids.is_empty() {
        return Ok(counts);
    }
    let ids = deputy_ids.to_vec();
    let served_until = window.to.min(window.today);

    // Cases brought to the deputy in the period, and what became of them.
    let cases = || {
        case::Entity::find()
            .select_only()
            .column(case::Column::DeputyId)
            .expr(count_star())
            .filter(case::Column::DeputyId.is_in(ids.clone()))
            .filter(case::Column::ReceivedAt.gte(window.start))
            .filter(case::Column::ReceivedAt.lt(window.end))
            .group_by(case::Column::DeputyId)
    };
    add(&mut counts, cases().into_tuple().all(db).await?, |p| &mut p.cases_collected);
    let accepted = || {
        cases()
            .filter(case::Column::Status.is_not_in(["submitted", "rejected"]))
            .filter(case::Column::MergedIntoId.is_null())
    };
    add(&mut counts, accepted().into_tuple().all(db).await?, |p| &mut p.cases_accepted);
    add(&mut counts, accepted().filter(case::Column::RepliedAt.is_not_null()).into_tuple().all(db).await?, |p| {
        &mut p.cases_replied
    });
    add(&mut counts, accepted().filter(case::Column::ClosedAt.is_not_null()).into_tuple().all(db).await?, |p| {
        &mut p.cases_closed
    });

    // Days at the station: (deputy, day) pairs from each record that puts them there.
    let mut days: HashSet<(i32, NaiveDate)> = HashSet::new();
    let duties: Vec<(i32, NaiveDate)> = reception_duty::Entity::find()
        .select_only()
        .column(reception_duty::Column::DeputyId)
        .column(reception_duty::Column::Date)
        .filter(reception_duty::Column::DeputyId.is_in(ids.clone()))
        .filter(reception_duty::Column::Date.between(window.from, served_until))
        .into_tuple()
        .all(db)
        .await?;
    for (deputy, day) in duties {
        counts.entry(deputy).or_default().duties_served += 1;
        days.insert((deputy, day));
    }
    let visit_rel: RelationDef = reception_visit_deputy::Entity::belongs_to(reception_visit::Entity)
        .from(reception_visit_deputy::Column::VisitId)
        .to(reception_visit::Column::Id)
        .into();
    let visits: Vec<(i32, NaiveDate)> = reception_visit_deputy::Entity::find()
        .select_only()
        .column(reception_visit_deputy::Column::DeputyId)
        .column(reception_visit::Column::VisitedOn)
        .join(JoinType::InnerJoin, visit_rel)
        .filter(reception_visit_deputy::Column::DeputyId.is_in(ids.clone()))
        .filter(reception_visit::Column::VisitedOn.between(window.from, window.to))
        .into_tuple()
        .all(db)
        .await?;
    for (deputy, day) in visits {
        counts.entry(deputy).or_default().visits_received += 1;
        days.insert((deputy, day));
    }
    let reports: Vec<(i32, NaiveDate)> = deputy_report::Entity::find()
        .select_only()
        .column(deputy_report::Column::DeputyId)
        .column(deputy_report::Column::ReportedOn)
        .filter(deputy_report::Column::DeputyId.is_in(ids.clone()))
        .filter(deputy_report::Column::ReportedOn.between(window.from, window.to))
        .into_tuple()
        .all(db)
        .await?;
    for (deputy, day) in reports {
        counts.entry(deputy).or_default().reports_given += 1;
        days.insert((deputy, day));
    }
    let contacts: Vec<(i32, i64)> = contact_record::Entity::find()
        .select_only()
        .column(contact_record::Column::DeputyId)
        .expr(count_star())
        .filter(contact_record::Column::DeputyId.is_in(ids.clone()))
        .filter(contact_record::Column::ContactedOn.between(window.from, window.to))
        .group_by(contact_record::Column::DeputyId)
        .into_tuple()
        .all(db)
        .await?;
    add(&mut counts, contacts, |p| &mut p.contacts);
    for (deputy, _) in days {
        counts.entry(deputy).or_default().station_days += 1;
    }
    Ok(counts)
}
