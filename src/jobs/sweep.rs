//! The deadline sweep: announces cases coming due and overdue, raises long-overdue ones to
//! key supervision (重点督办), and closes answered cases nobody rated in time (counted as "no
//! rating", never as satisfied). Idempotent: each announcement is made once per deadline.
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait};

use crate::domain::case_state::CaseStatus;
use crate::domain::deadline::due_at;
use crate::entities::case;
use crate::error::AppResult;
use crate::jobs::lease;
use crate::services::cases::flow::{EventActor, NewEvent, record_event, save_versioned};
use crate::services::notices::outbox::{self, CaseNotice};
use crate::services::organisation::calendar;
use crate::state::AppState;

/// Work per run is bounded; the next run picks up the rest.
const BATCH: u64 = 500;
const LEASE: &str = "sweep";

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

/// One sweep, if no other process is sweeping. `None` when the lease was taken elsewhere.
pub async fn run(state: &AppState) -> AppResult<Option<SweepSummary>> {
    let db = &state.db;
    let now = state.clock.now();
    if !lease::try_acquire(db, LEASE, &state.holder, now, Duration::minutes(5)).await? {
        return Ok(None);
    }
    // The run starts now, once the lease is ours: the moment before may lie further back
    // than the end of the previous holder's run (a wait for a pooled connection).
    let now = state.clock.now();
    let run_id = lease::record_start(db, LEASE, &state.holder, now).await?;
    let result = sweep(state, now).await;
    if let Err(error) = crate::db::optimize(db).await {
        tracing::warn!(%error, "refreshing query statistics failed");
    }
    let finished = state.clock.now();
    let summary = result.as_ref().map(ToString::to_string).unwrap_or_else(|e| format!("failed: {e}"));
    lease::record_finish(db, run_id, finished, &summary).await?;
    lease::release(db, LEASE, &state.holder, finished).await?;
    result.map(Some)
}

fn end_of(day: chrono::NaiveDate, tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    let end = day.and_time(NaiveTime::from_hms_opt(23, 59, 59)?);
    tz.from_local_datetime(&end).earliest().map(|t| t.with_timezone(&Utc))
}

async fn sweep(state: &AppState, now: DateTime<Utc>) -> AppResult<SweepSummary> {
    let db = &state.db;
    let tz = state.settings.time_zone();
    let work_calendar = calendar::load(db).await?;
    let settings = &state.settings;
    let mut summary = SweepSummary::default();

    // Due soon: the deadline falls before the end of the next `due_soon_working_days`.
    let soon_limit = due_at(&work_calendar, tz, now, settings.due_soon_working_days);
    let coming: Vec<case::Model> = case::Entity::find()
        .filter(case::Column::Status.is_in(open_statuses()))
        .filter(case::Column::DueSoonNotified.eq(false))
        .filter(case::Column::DueAt.gte(now))
        .filter(case::Column::DueAt.lte(soon_limit))
        .order_by_asc(case::Column::DueAt)
        .limit(BATCH)
        .all(db)
        .await?;
    for record in coming {
        let txn = db.begin().await?;
        let marked = case::Entity::update_many()
            .set(case::ActiveModel { due_soon_notified: Set(true), ..Default::default() })
            .filter(case::Column::Id.eq(record.id))
            .filter(case::Column::DueSoonNotified.eq(false))
            .exec(&txn)
            .await?;
        if marked.rows_affected == 1 {
            outbox::case_notice(&txn, now, &record, CaseNotice::DueSoon).await?;
            summary.due_soon += 1;
        }
        txn.commit().await?;
    }

    // Overdue: announced once per deadline (a new deadline clears the mark).
    let late: Vec<case::Model> = case::Entity::find()
        .filter(case::Column::Status.is_in(open_statuses()))
        .filter(case::Column::Overdue.eq(false))
        .filter(case::Column::DueAt.lt(now))
        .order_by_asc(case::Column::DueAt)
        .limit(BATCH)
        .all(db)
        .await?;
    for record in late {
        let txn = db.begin().await?;
        let marked = case::Entity::update_many()
            .set(case::ActiveModel { overdue: Set(true), ..Default::default() })
            .filter(case::Column::Id.eq(record.id))
            .filter(case::Column::Overdue.eq(false))
            .exec(&txn)
            .await?;
        if marked.rows_affected == 1 {
            record_event(
                &txn,
                NewEvent {
                    case_id: record.id,
                    at: now,
                    actor: EventActor::System,
                    action: "overdue",
                    from: None,
                    to: None,
                    note: None,
                    public: false,
                },
            )
            .await?;
            outbox::case_notice(&txn, now, &record, CaseNotice::Overdue).await?;
            summary.overdue += 1;
        }
        txn.commit().await?;
    }

    // Long overdue: key supervision.
    let today = now.with_timezone(&tz).date_naive();
    let cutoff_day = work_calendar.working_days_before(today, settings.escalate_after_working_days);
    if let Some(cutoff) = end_of(cutoff_day, tz) {
        let stuck: Vec<case::Model> = case::Entity::find()
            .filter(case::Column::Status.is_in(open_statuses()))
            .filter(case::Column::KeySupervision.eq(false))
            .filter(case::Column::DueAt.lt(cutoff.min(now)))
            .order_by_asc(case::Column::DueAt)
            .limit(BATCH)
            .all(db)
            .await?;
        for record in stuck {
            let txn = db.begin().await?;
            let marked = case::Entity::update_many()
                .set(case::ActiveModel { key_supervision: Set(true), ..Default::default() })
                .filter(case::Column::Id.eq(record.id))
                .filter(case::Column::KeySupervision.eq(false))
                .exec(&txn)
                .await?;
            if marked.rows_affected == 1 {
                record_event(
                    &txn,
                    NewEvent {
                        case_id: record.id,
                        at: now,
                        actor: EventActor::System,
                        action: "key_supervision",
                        from: None,
                        to: None,
                        note: Some(format!("超期 {} 个工作日，自动列为重点督办", settings.escalate_after_working_days)),
                        public: false,
                    },
                )
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
            status: Set(CaseStatus::Closed.as_str().to_string()),
            closed_at: Set(Some(now)),
            close_reason: Set(Some("unrated".into())),
            ..Default::default()
        };
        // Someone acting on the case right now wins; the next sweep looks again.
        if save_versioned(&txn, changes, record.id, record.version, now).await.is_ok() {
            record_event(
                &txn,
                NewEvent {
                    case_id: record.id,
                    at: now,
                    actor: EventActor::System,
                    action: "auto_closed",
                    from: Some(CaseStatus::Replied),
                    to: Some(CaseStatus::Closed),
                    note: None,
                    public: true,
                },
            )
            .await?;
            txn.commit().await?;
            summary.auto_closed += 1;
        }
    }
    Ok(summary)
}

/// Whether a case is overdue now: open and past its deadline. Derived, never stored.
pub fn is_overdue(record: &case::Model, now: DateTime<Utc>) -> bool {
    record.status.parse::<CaseStatus>().is_ok_and(CaseStatus::is_open) && record.due_at < now
}

/// The query condition matching `is_overdue`.
pub fn overdue_condition(now: DateTime<Utc>) -> sea_orm::Condition {
    sea_orm::Condition::all().add(case::Column::Status.is_in(open_statuses())).add(case::Column::DueAt.lt(now))
}

pub async fn count_open(db: &impl ConnectionTrait) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(case::Entity::find().filter(case::Column::Status.is_in(open_statuses())).count(db).await?)
}
