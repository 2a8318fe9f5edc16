//! The deliverer's timer side: when anything in the outbox is due, one process at a time
//! runs `services::notices::delivery` under the lease.
use chrono::Duration;

use crate::error::AppResult;
use crate::jobs::lease;
use crate::services::notices::delivery::{self, Courier};
use crate::state::AppState;

pub use crate::services::notices::delivery::DeliverSummary;
pub use crate::services::notices::outbound::http_client;

const LEASE: &str = "deliver";

/// One delivery run, if no other process is delivering. `None` when the lease is elsewhere.
pub async fn run(state: &AppState) -> AppResult<Option<DeliverSummary>> {
    // This runs every few seconds: when nothing is due, one indexed read and no writes (no
    // lease, no run record).
    if !delivery::anything_due(&state.db, state.clock.now()).await? {
        return Ok(Some(DeliverSummary::default()));
    }
    let Some(now) = lease::take(state, LEASE, Duration::minutes(5)).await? else {
        return Ok(None);
    };
    let courier = Courier {
        db: &state.db,
        http: &state.http,
        clock: &*state.clock,
        public_url: &state.public_url,
        allow_private: state.settings.webhook_allow_private,
    };
    lease::recorded(state, LEASE, now, delivery::deliver(&courier, now)).await.map(Some)
}
