//! Background work: the deadline sweep, notification delivery, the daily digest, retention. Each run
//! takes a lease in the database first, so with several processes on one database exactly
//! one runs a given job at a time. A job is only its timer and its lease: the work is a
//! service's (`services::cases::deadlines`, `notices::delivery`, `notices::digest`,
//! `privacy::retention`); jobs call services, never the reverse.
pub mod deliver;
pub mod digest;
pub mod lease;
pub mod retention;
pub mod sweep;

use std::future::Future;
use std::time::Duration;

use actix_web::web;

use crate::error::AppResult;
use crate::state::AppState;

/// Runs the jobs on their intervals until the process ends. Each tick is independent: a
/// failure is logged and the next tick tries again.
pub fn spawn(state: web::Data<AppState>) {
    if !state.settings.run_jobs {
        return;
    }
    let settings = state.settings.clone();
    every(state.clone(), settings.sweep_interval_secs, "sweep", |s| async move { sweep::run(&s).await.map(drop) });
    every(
        state.clone(),
        settings.deliver_interval_secs,
        "deliver",
        |s| async move { deliver::run(&s).await.map(drop) },
    );
    // Hourly: cheap when nothing has come of age.
    every(state.clone(), 3600, "retention", |s| async move { retention::run(&s).await.map(drop) });
    // The digest's own check decides whether the hour has come and today's is sent.
    every(state, 60, "digest", |s| async move { digest::run(&s, digest::DigestMode::Scheduled).await.map(drop) });
}

fn every<F, Fut>(state: web::Data<AppState>, secs: u64, name: &'static str, job: F)
where
    F: Fn(web::Data<AppState>) -> Fut + Send + 'static,
    Fut: Future<Output = AppResult<()>> + Send + 'static,
{
    let interval = Duration::from_secs(secs.max(1));
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(error) = job(state.clone()).await {
                tracing::error!(?error, job = name, "background job failed");
            }
        }
    });
}
