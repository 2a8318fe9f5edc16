//! 履职情况 (一人一档): what each deputy did in a period, derived from the records — never
//! typed. One grouped count per kind of record for a batch of deputies, so the ledger of a
//! whole district is a handful of queries per thousand deputies.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationDef};

use crate::domain::activity::AttendanceStatus;
use crate::domain::role::Role;
use crate::domain::station_books::percent;
use crate::domain::suggestion::{SuggestionRole, SuggestionStatus};
use crate::entities::{
    activity, activity_attendance, case, contact_record, deputy, deputy_report, reception_duty, reception_visit,
    reception_visit_deputy, station, suggestion, suggestion_deputy,
};
use crate::error::{AppError, AppResult};
use crate::services::organisation::{actor::Actor, deputies};

/// One deputy's numbers for a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Performance {
    /// Distinct days the deputy was at a station: on duty, receiving a visitor, reporting.
    pub station_days: i64,
    pub duties_served: i64,
    pub visits_received: i64,
    pub cases_collected: i64,
    /// Accepted (see `services::stats::ACCEPTED`: rejected, withdrawn, merged-away and not yet
    /// accepted excluded): the rates' denominator, as in the statistics.
    pub cases_accepted: i64,
    pub cases_replied: i64,
    pub cases_closed: i64,
    pub reports_given: i64,
    pub contacts: i64,
    /// Activities held in the period the deputy was invited to, and those they attended.
    pub activities_invited: i64,
    pub activities_attended: i64,
    /// Formal suggestions raised in the period (drafts not counted): led, and co-signed.
    pub suggestions_led: i64,
    pub suggestions_cosigned: i64,
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
    /// Where the stations are, for the days of timestamps.
    pub tz: chrono_tz::Tz,
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
#[tracing::instrument(skip_all)]
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
    // The same denominator as the statistics: accepted, not rejected, withdrawn or merged away.
    let accepted = || cases().filter(Expr::cust(crate::services::insight::stats::ACCEPTED));
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
    let activity_rel: RelationDef = activity_attendance::Entity::belongs_to(activity::Entity)
        .from(activity_attendance::Column::ActivityId)
        .to(activity::Column::Id)
        .into();
    let attendance: Vec<(i32, String, i64)> = activity_attendance::Entity::find()
        .select_only()
        .column(activity_attendance::Column::DeputyId)
        .column(activity_attendance::Column::Status)
        .expr(count_star())
        .join(JoinType::InnerJoin, activity_rel)
        .filter(activity_attendance::Column::DeputyId.is_in(ids.clone()))
        .filter(activity::Column::HeldOn.between(window.from, window.to))
        .group_by(activity_attendance::Column::DeputyId)
        .group_by(activity_attendance::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    for (deputy, status, n) in attendance {
        let entry = counts.entry(deputy).or_default();
        entry.activities_invited += n;
        if status == AttendanceStatus::Present.as_str() {
            entry.activities_attended += n;
        }
    }
    let suggestion_rel: RelationDef = suggestion_deputy::Entity::belongs_to(suggestion::Entity)
        .from(suggestion_deputy::Column::SuggestionId)
        .to(suggestion::Column::Id)
        .into();
    let signed: Vec<(i32, String, i64)> = suggestion_deputy::Entity::find()
        .select_only()
        .column(suggestion_deputy::Column::DeputyId)
        .column(suggestion_deputy::Column::Role)
        .expr(count_star())
        .join(JoinType::InnerJoin, suggestion_rel)
        .filter(suggestion_deputy::Column::DeputyId.is_in(ids.clone()))
        .filter(suggestion::Column::RaisedOn.between(window.from, window.to))
        .filter(suggestion::Column::Status.ne(SuggestionStatus::Drafted.as_str()))
        .group_by(suggestion_deputy::Column::DeputyId)
        .group_by(suggestion_deputy::Column::Role)
        .into_tuple()
        .all(db)
        .await?;
    for (deputy, role, n) in signed {
        let entry = counts.entry(deputy).or_default();
        if role == SuggestionRole::Lead.as_str() {
            entry.suggestions_led += n;
        } else {
            entry.suggestions_cosigned += n;
        }
    }
    for (deputy, _) in days {
        counts.entry(deputy).or_default().station_days += 1;
    }
    Ok(counts)
}

/// A deputy whose file the actor may open: the deputy themself, administrators, and the
/// managers and viewers of the deputy's station. Handlers have no business here.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, deputy_id = deputy_id))]
pub async fn readable_deputy(db: &impl ConnectionTrait, actor: &Actor, deputy_id: i32) -> AppResult<deputy::Model> {
    actor.require(&[Role::Admin, Role::Manager, Role::Viewer, Role::Deputy])?;
    if actor.is(Role::Deputy) && actor.deputy_id != Some(deputy_id) {
        return Err(AppError::forbidden("a deputy opens only their own file"));
    }
    deputies::get(db, actor, deputy_id).await
}

/// One line of a list in the file.
#[derive(Debug, Clone)]
pub struct FileLine {
    pub day: NaiveDate,
    pub title: String,
    pub detail: String,
}

impl Window {
    pub fn new(period: crate::services::books::ledgers::Period, tz: chrono_tz::Tz, today: NaiveDate) -> Window {
        let (start, end) = period.bounds(tz);
        Window { from: period.from, to: period.to, start, end, today, tz }
    }
}

/// A deputy's whole file (一人一档) for a period: the numbers and the latest records of each kind.
#[derive(Debug, Clone)]
pub struct DeputyFile {
    pub deputy: deputy::Model,
    pub station_name: String,
    pub numbers: Performance,
    pub cases: Vec<FileLine>,
    pub duties: Vec<FileLine>,
    pub visits: Vec<FileLine>,
    pub reports: Vec<FileLine>,
    /// Invitations: the title is the attendance status code.
    pub activities: Vec<FileLine>,
    /// Suggestions led or co-signed: the title is the number, the detail the title.
    pub suggestions: Vec<FileLine>,
    /// Contacts with households, without the household (personal data): mode code and matter.
    pub contacts: Vec<FileLine>,
}

/// How many of each kind the file lists (the numbers count them all).
pub const FILE_LINES: u64 = 20;

#[tracing::instrument(skip_all, fields(user_id = actor.user_id, deputy_id = deputy_id))]
pub async fn file(db: &impl ConnectionTrait, actor: &Actor, deputy_id: i32, window: Window) -> AppResult<DeputyFile> {
    let deputy = readable_deputy(db, actor, deputy_id).await?;
    let station_name =
        station::Entity::find_by_id(deputy.station_id).one(db).await?.map(|s| s.name).unwrap_or_default();
    let numbers = of_deputies(db, &[deputy_id], window).await?.remove(&deputy_id).unwrap_or_default();
    let tz_day = |at: DateTime<Utc>| at.with_timezone(&window.tz).date_naive();
    let cases = case::Entity::find()
        .filter(case::Column::DeputyId.eq(deputy_id))
        .filter(case::Column::ReceivedAt.gte(window.start))
        .filter(case::Column::ReceivedAt.lt(window.end))
        .order_by_desc(case::Column::ReceivedAt)
        .limit(FILE_LINES)
        .all(db)
        .await?
        .into_iter()
        .map(|c| FileLine {
            day: tz_day(c.received_at),
            title: c.tracking_code,
            detail: format!("{} · {}", c.status, c.content.chars().take(40).collect::<String>()),
        })
        .collect();
    let duties = reception_duty::Entity::find()
        .filter(reception_duty::Column::DeputyId.eq(deputy_id))
        .filter(reception_duty::Column::Date.between(window.from, window.to))
        .order_by_desc(reception_duty::Column::Date)
        .limit(FILE_LINES)
        .all(db)
        .await?
        .into_iter()
        .map(|d| FileLine { day: d.date, title: d.slot.as_str().to_owned(), detail: d.note.unwrap_or_default() })
        .collect();
    let visit_ids: Vec<i32> = reception_visit_deputy::Entity::find()
        .select_only()
        .column(reception_visit_deputy::Column::VisitId)
        .filter(reception_visit_deputy::Column::DeputyId.eq(deputy_id))
        .into_tuple()
        .all(db)
        .await?;
    let visits = reception_visit::Entity::find()
        .filter(reception_visit::Column::Id.is_in(visit_ids))
        .filter(reception_visit::Column::VisitedOn.between(window.from, window.to))
        .order_by_desc(reception_visit::Column::VisitedOn)
        .limit(FILE_LINES)
        .all(db)
        .await?
        .into_iter()
        .map(|v| FileLine {
            day: v.visited_on,
            title: v.disposition.as_str().to_owned(),
            detail: v.matter.chars().take(60).collect(),
        })
        .collect();
    let reports = deputy_report::Entity::find()
        .filter(deputy_report::Column::DeputyId.eq(deputy_id))
        .filter(deputy_report::Column::ReportedOn.between(window.from, window.to))
        .order_by_desc(deputy_report::Column::ReportedOn)
        .limit(FILE_LINES)
        .all(db)
        .await?
        .into_iter()
        .map(|r| FileLine { day: r.reported_on, title: r.place, detail: r.summary.chars().take(60).collect() })
        .collect();
    let invitations: Vec<(i32, String)> = activity_attendance::Entity::find()
        .select_only()
        .column(activity_attendance::Column::ActivityId)
        .column(activity_attendance::Column::Status)
        .filter(activity_attendance::Column::DeputyId.eq(deputy_id))
        .into_tuple()
        .all(db)
        .await?;
    let status_of: std::collections::HashMap<i32, String> = invitations.into_iter().collect();
    let activities = activity::Entity::find()
        .filter(activity::Column::Id.is_in(status_of.keys().copied().collect::<Vec<_>>()))
        .filter(activity::Column::HeldOn.between(window.from, window.to))
        .order_by_desc(activity::Column::HeldOn)
        .limit(FILE_LINES)
        .all(db)
        .await?
        .into_iter()
        .map(|a| FileLine {
            day: a.held_on,
            title: status_of.get(&a.id).cloned().unwrap_or_default(),
            detail: format!("{} · {}", a.topic, a.place),
        })
        .collect();
    let signed: Vec<i32> = suggestion_deputy::Entity::find()
        .select_only()
        .column(suggestion_deputy::Column::SuggestionId)
        .filter(suggestion_deputy::Column::DeputyId.eq(deputy_id))
        .into_tuple()
        .all(db)
        .await?;
    let suggestions = suggestion::Entity::find()
        .filter(suggestion::Column::Id.is_in(signed))
        .filter(suggestion::Column::RaisedOn.between(window.from, window.to))
        .order_by_desc(suggestion::Column::RaisedOn)
        .limit(FILE_LINES)
        .all(db)
        .await?
        .into_iter()
        .map(|s| FileLine { day: s.raised_on, title: s.number, detail: s.title })
        .collect();
    let contacts = contact_record::Entity::find()
        .filter(contact_record::Column::DeputyId.eq(deputy_id))
        .filter(contact_record::Column::ContactedOn.between(window.from, window.to))
        .order_by_desc(contact_record::Column::ContactedOn)
        .limit(FILE_LINES)
        .all(db)
        .await?
        .into_iter()
        .map(|c| FileLine {
            day: c.contacted_on,
            title: c.mode.as_str().to_owned(),
            detail: c.matter.chars().take(60).collect(),
        })
        .collect();
    Ok(DeputyFile { deputy, station_name, numbers, cases, duties, visits, reports, activities, suggestions, contacts })
}
