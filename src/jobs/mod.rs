//! Background work: the deadline sweep, notification delivery, the daily digest. Each run
//! takes a lease in the database first, so with several processes on one database exactly
//! one runs a given job at a time.
pub mod lease;
pub mod sweep;

use std::time::Duration;

use actix_web::web;

use crate::state::AppState;

/// Runs the jobs on their intervals until the process ends. Each tick is independent: a
/// failure is logged and the next tick tries again.
pub fn spawn(state: web::Data<AppState>) {
    if !state.settings.run_jobs {
        return;
    }
    let interval = Duration::from_secs(state.settings.sweep_interval_secs.max(1));
    let sweep_state = state.clone();
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(error) = sweep::run(&sweep_state).await {
                tracing::error!(?error, "sweep failed");
            }
        }
    });
}
