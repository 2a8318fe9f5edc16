//! The deadline sweep's timer side: one process at a time runs `services::cases::deadlines`
//! under the lease, then refreshes the database's query statistics.
use chrono::Duration;

use crate::error::AppResult;
use crate::jobs::lease;
use crate::services::cases::deadlines;
use crate::state::AppState;

pub use crate::services::cases::deadlines::SweepSummary;

const LEASE: &str = "sweep";

/// One sweep, if no other process is sweeping. `None` when the lease was taken elsewhere.
pub async fn run(state: &AppState) -> AppResult<Option<SweepSummary>> {
    let Some(now) = lease::take(state, LEASE, Duration::minutes(5)).await? else {
        return Ok(None);
    };
    let work = async {
        let result = deadlines::sweep(&state.db, &state.settings, now).await;
        if let Err(error) = crate::db::optimize(&state.db).await {
            tracing::warn!(%error, "refreshing query statistics failed");
        }
        result
    };
    lease::recorded(state, LEASE, now, work).await.map(Some)
}
