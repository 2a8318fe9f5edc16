//! Retention's timer side: one process at a time erases what `services::privacy::retention`
//! says has come of age, under the lease.
use chrono::Duration;

use crate::error::AppResult;
use crate::jobs::lease;
use crate::services::privacy::retention::{self, cutoff};
use crate::state::AppState;

pub use crate::services::privacy::retention::RetentionSummary;

const LEASE: &str = "retention";

/// One run, if no other process holds the lease (`None` then).
pub async fn run(state: &AppState) -> AppResult<Option<RetentionSummary>> {
    let Some(before) = cutoff(state.clock.now(), state.settings.retention_years) else {
        return Ok(Some(RetentionSummary::default()));
    };
    let Some(now) = lease::take(state, LEASE, Duration::minutes(10)).await? else {
        return Ok(None);
    };
    let work = retention::erase(&state.db, now, before, state.settings.time_zone());
    lease::recorded(state, LEASE, now, work).await.map(Some)
}
