//! The daily digest's content: each deputy hears how many of their cases are new, due soon
//! and overdue (in the app and on the deputy's webhooks). A day is sent once: the day is
//! claimed on a row of `job_lease` (the digest job's own) in the same transaction as the
//! messages. When it is sent is the digest job's (`jobs::digest`).
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, TransactionSession,
    TransactionTrait,
};

use crate::config::Settings;
use crate::domain::deadline::due_at;
use crate::domain::role::Role;
use crate::entities::{app_user, case, deputy, job_lease, outbox, webhook};
use crate::error::AppResult;
use crate::services::cases::deadlines::{open_statuses, overdue_condition};
use crate::services::notices::outbox::pending;
use crate::services::organisation::calendar;

pub const EVENT: &str = "daily_digest";

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DigestOutcome {
    Sent,
    AlreadySent,
    NotDue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct DigestSummary {
    /// The local day the digest is for.
    pub day: NaiveDate,
    pub outcome: DigestOutcome,
    /// Deputies with something to hear about.
    pub deputies: usize,
    /// Outbox rows written (accounts and webhooks).
    pub messages: usize,
}

impl DigestSummary {
    /// Nothing sent for `day`, for this reason.
    pub fn skipped(day: NaiveDate, outcome: DigestOutcome) -> DigestSummary {
        DigestSummary { day, outcome, deputies: 0, messages: 0 }
    }
}

impl std::fmt::Display for DigestSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "day={} outcome={:?} deputies={} messages={}", self.day, self.outcome, self.deputies, self.messages)
    }
}

/// One outbox row's addressee: (user_id, webhook_id), exactly one set.
type Recipient = (Option<i32>, Option<i32>);

/// The three numbers of one deputy.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub new: i64,
    pub due_soon: i64,
    pub overdue: i64,
}

/// The last day sent, as claimed on the `job_lease` row `day_row`.
#[tracing::instrument(skip_all)]
pub async fn last_sent_day(db: &impl ConnectionTrait, day_row: &str) -> AppResult<Option<NaiveDate>> {
    Ok(job_lease::Entity::find_by_id(day_row).one(db).await?.and_then(|l| l.last_run_day))
}

/// Cases per deputy matching `condition`.
async fn count_by_deputy(db: &impl ConnectionTrait, condition: Condition) -> AppResult<BTreeMap<i32, i64>> {
    let rows: Vec<(Option<i32>, i64)> = case::Entity::find()
        .select_only()
        .column(case::Column::DeputyId)
        .column_as(case::Column::Id.count(), "n")
        .filter(case::Column::DeputyId.is_not_null())
        .filter(condition)
        .group_by(case::Column::DeputyId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(deputy, n)| Some((deputy?, n))).collect())
}

/// Every deputy's counts at `now`, without deputies whose three numbers are zero.
#[tracing::instrument(skip_all)]
pub async fn counts(
    db: &impl ConnectionTrait,
    settings: &Settings,
    now: DateTime<Utc>,
) -> AppResult<BTreeMap<i32, Counts>> {
    let work_calendar = calendar::load(db).await?;
    let soon_limit = due_at(&work_calendar, settings.time_zone(), now, settings.due_soon_working_days);
    let new = count_by_deputy(
        db,
        Condition::all()
            .add(case::Column::ReceivedAt.gt(now - Duration::hours(24)))
            .add(case::Column::ReceivedAt.lte(now)),
    )
    .await?;
    let due_soon = count_by_deputy(
        db,
        Condition::all()
            .add(case::Column::Status.is_in(open_statuses()))
            .add(case::Column::DueAt.gte(now))
            .add(case::Column::DueAt.lte(soon_limit)),
    )
    .await?;
    let overdue = count_by_deputy(db, overdue_condition(now)).await?;
    let mut all: BTreeMap<i32, Counts> = BTreeMap::new();
    for (deputy, n) in new {
        all.entry(deputy).or_default().new = n;
    }
    for (deputy, n) in due_soon {
        all.entry(deputy).or_default().due_soon = n;
    }
    for (deputy, n) in overdue {
        all.entry(deputy).or_default().overdue = n;
    }
    all.retain(|_, c| *c != Counts::default());
    Ok(all)
}

/// Deputy → who hears their digest: their active accounts and their active webhooks.
async fn recipients(db: &impl ConnectionTrait, ids: Vec<i32>) -> AppResult<BTreeMap<i32, Vec<Recipient>>> {
    let accounts: Vec<(i32, Option<i32>)> = app_user::Entity::find()
        .select_only()
        .column(app_user::Column::Id)
        .column(app_user::Column::DeputyId)
        .filter(app_user::Column::Role.eq(Role::Deputy.as_str()))
        .filter(app_user::Column::Active.eq(true))
        .filter(app_user::Column::DeputyId.is_in(ids.clone()))
        .into_tuple()
        .all(db)
        .await?;
    let hooks: Vec<(i32, Option<i32>)> = webhook::Entity::find()
        .select_only()
        .column(webhook::Column::Id)
        .column(webhook::Column::DeputyId)
        .filter(webhook::Column::Active.eq(true))
        .filter(webhook::Column::DeputyId.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    let mut recipients: BTreeMap<i32, Vec<Recipient>> = BTreeMap::new();
    for (user, deputy) in accounts {
        if let Some(deputy) = deputy {
            recipients.entry(deputy).or_default().push((Some(user), None));
        }
    }
    for (hook, deputy) in hooks {
        if let Some(deputy) = deputy {
            recipients.entry(deputy).or_default().push((None, Some(hook)));
        }
    }
    Ok(recipients)
}

/// Writes `day`'s digest to the outbox and claims the day on the `job_lease` row `day_row`, in
/// one transaction; `AlreadySent` (nothing written) when the day was claimed before, unless
/// `force`.
#[tracing::instrument(skip_all)]
pub async fn send<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    settings: &Settings,
    now: DateTime<Utc>,
    day: NaiveDate,
    force: bool,
    day_row: &str,
) -> AppResult<DigestSummary> {
    let counts = counts(db, settings, now).await?;
    let ids: Vec<i32> = counts.keys().copied().collect();
    let deputies: BTreeMap<i32, deputy::Model> = deputy::Entity::find()
        .filter(deputy::Column::Id.is_in(ids.clone()))
        .filter(deputy::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    let recipients = recipients(db, ids).await?;

    let txn = db.begin().await?;
    let mut claim =
        Condition::any().add(job_lease::Column::LastRunDay.is_null()).add(job_lease::Column::LastRunDay.ne(day));
    if force {
        claim = Condition::all();
    }
    let claimed = job_lease::Entity::update_many()
        .col_expr(job_lease::Column::LastRunDay, Expr::value(day))
        .filter(job_lease::Column::Name.eq(day_row))
        .filter(claim)
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        txn.rollback().await?;
        return Ok(DigestSummary::skipped(day, DigestOutcome::AlreadySent));
    }
    let mut rows = Vec::new();
    let mut told: BTreeSet<i32> = BTreeSet::new();
    for (deputy_id, to) in &recipients {
        let (Some(record), Some(numbers)) = (deputies.get(deputy_id), counts.get(deputy_id)) else { continue };
        told.insert(*deputy_id);
        let (title, body) = wording(&record.name, *numbers, settings.due_soon_working_days);
        let payload = serde_json::json!({
            "event": EVENT,
            "deputy_id": deputy_id,
            "day": day,
            "new": numbers.new,
            "due_soon": numbers.due_soon,
            "overdue": numbers.overdue,
            "at": now,
        })
        .to_string();
        rows.extend(to.iter().map(|to| pending(now, EVENT, None, *to, (&title, &body, &payload))));
    }
    let messages = rows.len();
    if !rows.is_empty() {
        outbox::Entity::insert_many(rows).exec_without_returning(&txn).await?;
    }
    txn.commit().await?;
    Ok(DigestSummary { day, outcome: DigestOutcome::Sent, deputies: told.len(), messages })
}

/// Title and body of a deputy's digest: numbers only, nothing a resident wrote.
pub fn wording(deputy_name: &str, counts: Counts, due_soon_days: u32) -> (String, String) {
    let title =
        format!("每日提醒：新收 {} 件，即将到期 {} 件，已超期 {} 件", counts.new, counts.due_soon, counts.overdue);
    let body = format!(
        "{deputy_name}代表：过去24小时新收 {} 件；{} 件将在 {due_soon_days} 个工作日内到期；{} 件已超期，请及时办理。",
        counts.new, counts.due_soon, counts.overdue
    );
    (title, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wording_has_the_three_numbers() {
        let (title, body) = wording("王建国", Counts { new: 2, due_soon: 1, overdue: 3 }, 1);
        assert_eq!(title, "每日提醒：新收 2 件，即将到期 1 件，已超期 3 件");
        assert!(body.starts_with("王建国代表：") && body.contains("1 个工作日内"));
    }
}
