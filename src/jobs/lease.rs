//! Named leases in the database: the portable lock that keeps a job to one process at a time
//! (on SQLite and PostgreSQL alike). A lease expires by itself, so a process that dies while
//! holding one delays the job by at most the lease's length.
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::entities::{job_lease, job_run};
use crate::error::AppResult;
use crate::state::AppState;

/// Who holds leases in this process: host, process id and a random part (two processes on
/// one host, or a restarted one, never share an identity).
pub fn holder_id() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    format!("{host}:{}:{}", std::process::id(), &uuid::Uuid::new_v4().simple().to_string()[..8])
}

/// Takes the lease `name` until `now + ttl` if nobody holds it (or it expired, or it is
/// already ours). True when taken.
pub async fn try_acquire(
    db: &impl ConnectionTrait,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> AppResult<bool> {
    job_lease::Entity::insert(job_lease::ActiveModel {
        name: Set(name.to_string()),
        holder: Set(None),
        leased_until: Set(None),
        last_started_at: Set(None),
        last_finished_at: Set(None),
        last_run_day: Set(None),
    })
    .on_conflict(OnConflict::column(job_lease::Column::Name).do_nothing().to_owned())
    .exec_without_returning(db)
    .await?;
    let taken = job_lease::Entity::update_many()
        .col_expr(job_lease::Column::Holder, Expr::value(holder))
        .col_expr(job_lease::Column::LeasedUntil, Expr::value(now + ttl))
        .col_expr(job_lease::Column::LastStartedAt, Expr::value(now))
        .filter(job_lease::Column::Name.eq(name))
        .filter(
            Condition::any()
                .add(job_lease::Column::LeasedUntil.is_null())
                .add(job_lease::Column::LeasedUntil.lt(now))
                .add(job_lease::Column::Holder.eq(holder)),
        )
        .exec(db)
        .await?
        .rows_affected;
    Ok(taken == 1)
}

/// Gives the lease back early (the job finished).
pub async fn release(db: &impl ConnectionTrait, name: &str, holder: &str, now: DateTime<Utc>) -> AppResult<()> {
    job_lease::Entity::update_many()
        .col_expr(job_lease::Column::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(job_lease::Column::LastFinishedAt, Expr::value(now))
        .filter(job_lease::Column::Name.eq(name))
        .filter(job_lease::Column::Holder.eq(holder))
        .exec(db)
        .await?;
    Ok(())
}

/// The record of one run, kept so overlapping runs would show (tests check there are none).
pub async fn record_start(db: &impl ConnectionTrait, name: &str, holder: &str, now: DateTime<Utc>) -> AppResult<i64> {
    let run = job_run::ActiveModel {
        name: Set(name.to_string()),
        holder: Set(holder.to_string()),
        started_at: Set(now),
        finished_at: Set(None),
        summary: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(run.id)
}

pub async fn record_finish(db: &impl ConnectionTrait, run_id: i64, now: DateTime<Utc>, summary: &str) -> AppResult<()> {
    job_run::Entity::update_many()
        .col_expr(job_run::Column::FinishedAt, Expr::value(now))
        .col_expr(job_run::Column::Summary, Expr::value(summary))
        .filter(job_run::Column::Id.eq(run_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Takes the lease `name` for this process. The moment the run starts when taken (read once
/// the lease is ours: the moment before may lie further back than the end of the previous
/// holder's run, after a wait for a pooled connection); `None` when another process holds it.
pub async fn take(state: &AppState, name: &str, ttl: Duration) -> AppResult<Option<DateTime<Utc>>> {
    if !try_acquire(&state.db, name, &state.holder, state.clock.now(), ttl).await? {
        return Ok(None);
    }
    Ok(Some(state.clock.now()))
}

/// Runs `work` under the lease `name` taken at `started`: records the run and its summary
/// (or its failure), then gives the lease back.
pub async fn recorded<T: std::fmt::Display>(
    state: &AppState,
    name: &str,
    started: DateTime<Utc>,
    work: impl std::future::Future<Output = AppResult<T>>,
) -> AppResult<T> {
    let db = &state.db;
    let run_id = record_start(db, name, &state.holder, started).await?;
    let result = work.await;
    let finished = state.clock.now();
    let summary = result.as_ref().map(ToString::to_string).unwrap_or_else(|e| format!("failed: {e}"));
    record_finish(db, run_id, finished, &summary).await?;
    release(db, name, &state.holder, finished).await?;
    result
}
