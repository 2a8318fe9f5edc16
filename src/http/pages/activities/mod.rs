//! `/app/activities`: the activities of my stations over a period, a no-JS form to record one
//! with the deputies invited as checkboxes; `/app/activities/{id}`: one activity, a form to
//! mark each deputy present / excused / absent, and the cases raised at it.
mod list;
mod one;

pub use list::{ListQuery, index, record};
pub use one::{PhotoQuery, ShowQuery, add_photos, edit, link_case, mark, photo, show};

use crate::domain::activity::{ActivityKind, AttendanceStatus};
use crate::domain::role::Role;
use crate::entities::station;
use crate::error::AppError;
use crate::http::shared::i18n::Lang;
use crate::services::organisation::actor::Actor;
use crate::state::AppState;
use actix_web::web;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{HashMap, HashSet};
/// The list shows at most this many activities; the ledger has them all.
pub(super) const LIST_LIMIT: u64 = 100;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/app/activities").route(web::get().to(index)).route(web::post().to(record)))
        .service(web::resource("/app/activities/{id}").route(web::get().to(show)))
        .service(web::resource("/app/activities/{id}/edit").route(web::post().to(edit)))
        .service(web::resource("/app/activities/{id}/attendance").route(web::post().to(mark)))
        .service(web::resource("/app/activities/{id}/cases").route(web::post().to(link_case)))
        .service(web::resource("/app/activities/{id}/photos").route(web::post().to(add_photos)))
        .service(web::resource("/app/activities/{id}/photos/{hash}").route(web::get().to(photo)));
}

/// What was typed into the record form (kept on a 422).
#[derive(Default, Clone)]
pub(super) struct ActivityForm {
    kind: String,
    held_on: String,
    slot: String,
    starts_at: String,
    ends_at: String,
    place: String,
    topic: String,
    organiser: String,
    other_participants: String,
    summary: String,
    deputy_ids: HashSet<i32>,
}

pub(super) fn kind_label(kind: ActivityKind, lang: Lang) -> String {
    match lang {
        Lang::Zh => kind.label_zh().to_string(),
        Lang::En => kind.label_en().to_string(),
    }
}

pub(super) fn status_label(status: AttendanceStatus, lang: Lang) -> String {
    match lang {
        Lang::Zh => status.label_zh().to_string(),
        Lang::En => status.label_en().to_string(),
    }
}

/// The stations whose activities the reader may see (managers their own, viewers theirs,
/// administrators all); deputies and handlers have their own pages.
pub(super) async fn stations_for(state: &AppState, actor: &Actor) -> Result<Vec<station::Model>, AppError> {
    actor.require(&[Role::Admin, Role::Manager, Role::Viewer])?;
    let mut select = station::Entity::find().filter(station::Column::Active.eq(true)).order_by_asc(station::Column::Id);
    if let Some(ids) = actor.readable_stations(&state.db).await?.ids() {
        select = select.filter(station::Column::Id.is_in(ids));
    }
    Ok(select.all(&state.db).await?)
}

/// The fields of a form; repeated keys (checkboxes) are gathered by `multi`.
pub(super) fn form_fields(pairs: Vec<(String, String)>, multi: &str) -> (HashMap<String, String>, Vec<String>) {
    let mut fields = HashMap::new();
    let mut many = Vec::new();
    for (key, value) in pairs {
        if key == multi {
            many.push(value);
        } else {
            fields.insert(key, value);
        }
    }
    (fields, many)
}
