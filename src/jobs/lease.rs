//! Named leases in the database: the portable lock that keeps a job to one process at a time
//! (on SQLite and PostgreSQL alike). A lease expires by itself, so a process that dies while
//! holding one delays the job by at most the lease's length.
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::entities::{job_lease, job_run};
use crate::error::AppResult;

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
