//! `GET /api/v1/deputies/{id}/performance`: a deputy's numbers for a period (一人一档).
use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{AppResult, ErrorBody};
use crate::http::shared::input::ledgers::LedgerQuery;
use crate::services::books::ledgers::Period;
use crate::services::insight::performance::{self, Window};
use crate::services::organisation::actor::Actor;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(deputy_performance);
}

#[derive(Serialize, ToSchema)]
pub struct PerformanceDto {
    pub deputy_id: i32,
    pub name: String,
    /// YYYY-MM-DD
    pub from: String,
    pub to: String,
    /// Distinct days at a station: on duty, receiving a visitor, reporting to voters
    pub station_days: i64,
    pub duties_served: i64,
    pub visits_received: i64,
    pub cases_collected: i64,
    /// Accepted cases (rejected and merged-away excluded): the rates' denominator
    pub cases_accepted: i64,
    pub cases_replied: i64,
    pub cases_closed: i64,
    /// replied ÷ accepted, whole percent; null without accepted cases
    pub reply_rate: Option<i32>,
    /// closed ÷ accepted, whole percent
    pub close_rate: Option<i32>,
    pub reports_given: i64,
    pub contacts: i64,
    /// Activities held in the period the deputy was invited to / attended
    pub activities_invited: i64,
    pub activities_attended: i64,
    /// Formal suggestions raised in the period (drafts not counted), led / co-signed
    pub suggestions_led: i64,
    pub suggestions_cosigned: i64,
}

/// What a deputy did in a period (default: the year so far), derived from the records.
/// The deputy themself, administrators, and managers and viewers of the deputy's station.
#[utoipa::path(tag = "ledgers", params(("from" = Option<String>, Query), ("to" = Option<String>, Query)), responses((status = 200, body = PerformanceDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[get("/deputies/{id}/performance")]
pub async fn deputy_performance(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    query: web::Query<LedgerQuery>,
) -> AppResult<web::Json<PerformanceDto>> {
    let tz = state.settings.time_zone();
    let today = state.clock.now().with_timezone(&tz).date_naive();
    let period = Period::parse(query.from.as_deref(), query.to.as_deref(), today)?;
    let deputy = performance::readable_deputy(&state.db, &actor, id.into_inner()).await?;
    let p = performance::of_deputies(&state.db, &[deputy.id], Window::new(period, tz, today))
        .await?
        .remove(&deputy.id)
        .unwrap_or_default();
    Ok(web::Json(PerformanceDto {
        deputy_id: deputy.id,
        name: deputy.name,
        from: period.from.to_string(),
        to: period.to.to_string(),
        station_days: p.station_days,
        duties_served: p.duties_served,
        visits_received: p.visits_received,
        cases_collected: p.cases_collected,
        cases_accepted: p.cases_accepted,
        cases_replied: p.cases_replied,
        cases_closed: p.cases_closed,
        reply_rate: p.reply_rate(),
        close_rate: p.close_rate(),
        reports_given: p.reports_given,
        contacts: p.contacts,
        activities_invited: p.activities_invited,
        activities_attended: p.activities_attended,
        suggestions_led: p.suggestions_led,
        suggestions_cosigned: p.suggestions_cosigned,
    }))
}
