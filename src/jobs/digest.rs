//! The daily digest's timer side: at `digest_hour` local time, once a day, one process sends
//! `services::notices::digest` under the lease. The day sent is claimed on the lease's row.
use chrono::{Duration, Timelike};

use crate::error::AppResult;
use crate::jobs::lease;
use crate::services::notices::digest::{self, last_sent_day};
use crate::state::AppState;

pub use crate::services::notices::digest::{DigestOutcome, DigestSummary};

const LEASE: &str = "digest";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestMode {
    /// From the timer: only from `digest_hour` on, once a day.
    Scheduled,
    /// Asked for now (by an administrator): any hour, still once a day.
    Now,
    /// Again, even if today's was sent.
    Force,
}

/// Sends today's digest if due. `None` when another process holds the lease.
pub async fn run(state: &AppState, mode: DigestMode) -> AppResult<Option<DigestSummary>> {
    let db = &state.db;
    let local = state.clock.now().with_timezone(&state.settings.time_zone());
    let day = local.date_naive();
    let skipped = |outcome| Ok(Some(DigestSummary::skipped(day, outcome)));
    if mode == DigestMode::Scheduled && local.hour() < state.settings.digest_hour {
        return skipped(DigestOutcome::NotDue);
    }
    // Checked before taking the lease so the minute timer costs one read on most ticks.
    if mode != DigestMode::Force && last_sent_day(db, LEASE).await? == Some(day) {
        return skipped(DigestOutcome::AlreadySent);
    }
    let Some(now) = lease::take(state, LEASE, Duration::minutes(5)).await? else {
        return Ok(None);
    };
    // Checked again under the lease: another process may have sent it since the check above.
    if mode != DigestMode::Force && last_sent_day(db, LEASE).await? == Some(day) {
        lease::release(db, LEASE, &state.holder, now).await?;
        return skipped(DigestOutcome::AlreadySent);
    }
    let force = mode == DigestMode::Force;
    lease::recorded(state, LEASE, now, digest::send(db, &state.settings, now, day, force, LEASE)).await.map(Some)
}
