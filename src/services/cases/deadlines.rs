//! Deadlines: what "open" and "overdue" mean for a case, and the sweep that acts on them. The
//! sweep announces cases coming due and overdue, raises long-overdue ones to key supervision
//! (重点督办), and closes answered cases nobody rated in time (counted as "no rating", never
//! as satisfied). Idempotent: each announcement is made once per deadline. The sweep job
//! (`jobs::sweep`) runs it under its lease.
use crate::domain::case_decision::CloseReason;
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
    Set, TransactionSession, TransactionTrait,
};

use crate::config::Settings;
use crate::domain::case_state::CaseStatus;
use crate::domain::deadline::due_at;
use crate::entities::case;
use crate::error::AppResult;
use crate::services::cases::flow::{EventActor, NewEvent, record_event, save_versioned};
use crate::services::notices::outbox::{self, CaseNotice};
use crate::services::organisation::calendar;

/// Work per sweep is bounded; the next sweep picks up the rest.
const BATCH: u64 = 500;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct SweepSummary {
    pub due_soon: usize,
    pub overdue: usize,
    pub escalated: usize,
    pub auto_closed: usize,
}

impl std::fmt::Display for SweepSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "due_soon={} overdue={} escalated={} auto_closed={}",
            self.due_soon, self.overdue, self.escalated, self.auto_closed
        )
    }
}

pub fn open_statuses() -> Vec<&'static str> {
    CaseStatus::ALL.into_iter().filter(|s| s.is_open()).map(CaseStatus::as_str).collect()
}

/// Whether a case is overdue now: open and past its deadline. Derived, never stored.
pub fn is_overdue(record: &case::Model, now: DateTime<Utc>) -> bool {
    record.status.is_open() && record.due_at < now
}

/// The query condition matching `is_overdue`.
pub fn overdue_condition(now: DateTime<Utc>) -> Condition {
    Condition::all().add(case::Column::Status.is_in(open_statuses())).add(case::Column::DueAt.lt(now))
}

#[tracing::instrument(skip_all)]
pub async fn count_open(db: &impl ConnectionTrait) -> AppResult<u64> {
    Ok(case::Entity::find().filter(case::Column::Status.is_in(open_statuses())).count(db).await?)
}

fn end_of(day: chrono::NaiveDate, tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    let end = day.and_time(NaiveTime::from_hms_opt(23, 59, 59)?);
    tz.from_local_datetime(&end).earliest().map(|t| t.with_timezone(&Utc))
}

/// Open cases without the mark `flag`, earliest deadline first, a batch of them.
fn open_unmarked(flag: case::Column) -> Select<case::Entity> {
    case::Entity::find()
        .filter(case::Column::Status.is_in(open_statuses()))
        .filter(flag.eq(false))
        .order_by_asc(case::Column::DueAt)
        .limit(BATCH)
}

/// Sets the mark `flag` on a case that does not carry it yet. True when this call set it: a
/// concurrent sweep that got there first leaves the announcement to its own transaction.
async fn mark_once(txn: &impl ConnectionTrait, id: i32, flag: case::Column) -> AppResult<bool> {
    let marked = case::Entity::update_many()
        .col_expr(flag, Expr::value(true))
        .filter(case::Column::Id.eq(id))
        .filter(flag.eq(false))
        .exec(txn)
        .await?;
    Ok(marked.rows_affected == 1)
}

/// A timeline event the sweep writes (no status change, staff only, unless overridden).
fn by_the_sweep(case_id: i32, at: DateTime<Utc>, action: &str) -> NewEvent<'_> {
    NewEvent { case_id, at, actor: EventActor::System, action, from: None, to: None, note: None, public: false }
}

/// One sweep at `now` over every case.
#[tracing::instrument(skip_all)]
pub async fn sweep<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    settings: &Settings,
    now: DateTime<Utc>,
) -> AppResult<SweepSummary> {
    let tz = settings.time_zone();
    let work_calendar = calendar::load(db).await?;
    let mut summary = SweepSummary::default();

    // Due soon: the deadline falls before the end of the next `due_soon_working_days`.
    let soon_limit = due_at(&work_calendar, tz, now, settings.due_soon_working_days);
    let coming = open_unmarked(case::Column::DueSoonNotified)
        .filter(case::Column::DueAt.gte(now))
        .filter(case::Column::DueAt.lte(soon_limit))
        .all(db)
        .await?;
    for record in coming {
        let txn = db.begin().await?;
        if mark_once(&txn, record.id, case::Column::DueSoonNotified).await? {
            outbox::case_notice(&txn, now, &record, CaseNotice::DueSoon).await?;
            summary.due_soon += 1;
        }
        txn.commit().await?;
    }

    // Overdue: announced once per deadline (a new deadline clears the mark).
    let late = open_unmarked(case::Column::Overdue).filter(case::Column::DueAt.lt(now)).all(db).await?;
    for record in late {
        let txn = db.begin().await?;
        if mark_once(&txn, record.id, case::Column::Overdue).await? {
            record_event(&txn, by_the_sweep(record.id, now, "overdue")).await?;
            outbox::case_notice(&txn, now, &record, CaseNotice::Overdue).await?;
            summary.overdue += 1;
        }
        txn.commit().await?;
    }

    // Long overdue: key supervision.
    let today = now.with_timezone(&tz).date_naive();
    let cutoff_day = work_calendar.working_days_before(today, settings.escalate_after_working_days);
    if let Some(cutoff) = end_of(cutoff_day, tz) {
        let stuck =
            open_unmarked(case::Column::KeySupervision).filter(case::Column::DueAt.lt(cutoff.min(now))).all(db).await?;
        for record in stuck {
            let txn = db.begin().await?;
            if mark_once(&txn, record.id, case::Column::KeySupervision).await? {
                let note = format!("超期 {} 个工作日，自动列为重点督办", settings.escalate_after_working_days);
                record_event(&txn, NewEvent { note: Some(note), ..by_the_sweep(record.id, now, "key_supervision") })
                    .await?;
                let raised = case::Model { key_supervision: true, ..record };
                outbox::case_notice(&txn, now, &raised, CaseNotice::KeySupervision).await?;
                summary.escalated += 1;
            }
            txn.commit().await?;
        }
    }

    // Answered but never rated: closes as "no rating".
    let unrated_before = now - Duration::days(settings.unrated_close_days);
    let quiet: Vec<case::Model> = case::Entity::find()
        .filter(case::Column::Status.eq(CaseStatus::Replied.as_str()))
        .filter(case::Column::RepliedAt.lt(unrated_before))
        .order_by_asc(case::Column::RepliedAt)
        .limit(BATCH)
        .all(db)
        .await?;
    for record in quiet {
        let txn = db.begin().await?;
        let changes = case::ActiveModel {
            status: Set(CaseStatus::Closed),
            closed_at: Set(Some(now)),
            close_reason: Set(Some(CloseReason::Unrated)),
            ..Default::default()
        };
        // Someone acting on the case right now wins; the next sweep looks again.
        if save_versioned(&txn, changes, record.id, record.version, now).await.is_ok() {
            let event = NewEvent {
                from: Some(CaseStatus::Replied),
                to: Some(CaseStatus::Closed),
                public: true,
                ..by_the_sweep(record.id, now, "auto_closed")
            };
            record_event(&txn, event).await?;
            txn.commit().await?;
            summary.auto_closed += 1;
        }
    }
    Ok(summary)
}
