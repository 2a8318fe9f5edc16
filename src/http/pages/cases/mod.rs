//! Staff pages for handling cases: the queue of the signed-in role (`/app`, `/app/cases`),
//! bulk assign / reply from it, and one case with the actions this person may take now
//! (`/app/cases/{id}`). The same services as `/api/v1/cases`; handlers only translate forms.
mod one;
mod queue;

pub use one::{ActionForm, CaseQuery, act, progress_with_photos, show};
pub use queue::{QueueQuery, bulk, queue};

use actix_web::web;
use chrono::{DateTime, Utc};

use crate::domain::case_state::CaseStatus;
use crate::domain::org::TierCode;
use crate::domain::page::PageRequest;
use crate::domain::role::Role;
use crate::domain::tracking::TrackingCode;
use crate::error::AppError;
use crate::http::shared::i18n::Lang;
use crate::services::organisation::{
    actor::Actor,
    categories,
    deputies::{self, DeputyFilter},
    units,
};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/app").route(web::get().to(queue)))
        .service(web::resource("/app/cases").route(web::get().to(queue)))
        .service(web::resource("/app/cases/bulk").route(web::post().to(bulk)))
        .service(web::resource("/app/cases/{id}").route(web::get().to(show)))
        .service(web::resource("/app/cases/{id}/actions").route(web::post().to(act)))
        .service(web::resource("/app/cases/{id}/progress").route(web::post().to(progress_with_photos)));
}

pub(super) fn status_label(status: CaseStatus, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => status.label_zh(),
        Lang::En => status.label_en(),
    }
}

pub(super) fn tier_label(tier: TierCode, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => tier.label_zh(),
        Lang::En => tier.label_en(),
    }
}

pub(super) fn display_code(raw: &str) -> String {
    TrackingCode::parse(raw).map_or_else(|| raw.to_string(), |c| c.display())
}

pub(super) fn short(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

/// Blank form fields count as not given.
pub(super) fn given(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub(super) fn number<T: std::str::FromStr>(raw: &Option<String>) -> Option<T> {
    given(raw).and_then(|s| s.parse().ok())
}

pub(super) fn yes(raw: &Option<String>) -> Option<bool> {
    given(raw).map(|s| matches!(s, "1" | "true" | "on" | "yes"))
}

pub(super) fn local(state: &AppState, at: DateTime<Utc>) -> String {
    at.with_timezone(&state.settings.time_zone()).format("%Y-%m-%d %H:%M").to_string()
}

/// Names of what the rows refer to.
pub(super) struct Names {
    pub(super) categories: Vec<(i32, String)>,
    pub(super) deputies: Vec<(i32, String)>,
    pub(super) units: Vec<(i32, String)>,
}

pub(super) async fn names(state: &AppState, actor: &Actor) -> Result<Names, AppError> {
    let categories = categories::list(&state.db, false).await?.into_iter().map(|c| (c.id, c.name)).collect();
    let deputies = if actor.is(Role::Handler) {
        Vec::new()
    } else {
        let filter = DeputyFilter { active: Some(true), ..DeputyFilter::default() };
        deputies::list(&state.db, actor, &filter, PageRequest::new(Some(1), Some(100)))
            .await?
            .items
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect()
    };
    let units = units::list(&state.db, None, Some(true), PageRequest::new(Some(1), Some(100)))
        .await?
        .items
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    Ok(Names { categories, deputies, units })
}

pub(super) fn name_of(list: &[(i32, String)], id: Option<i32>) -> Option<String> {
    id.and_then(|id| list.iter().find(|(i, _)| *i == id).map(|(_, n)| n.clone()))
}
