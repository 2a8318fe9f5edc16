//! `/app/stations`: the station list and a form to add one, from a phone.
use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::org::StationKind;
use crate::domain::page::{PageParams, PageRequest};
use crate::entities::station;
use crate::http::pages::form::{CsrfForm, SavedQuery};
use crate::http::pages::form::{Outcome, outcome};
use crate::http::pages::form::{Pager, total_label};
use crate::http::pages::home::Nav;
use crate::http::pages::session::StaffSession;
use crate::http::pages::{PageError, form_page};
use crate::http::shared::i18n::Lang;
use crate::http::shared::input::organisation::CreateStation;
use crate::services::organisation::{
    actor::Actor,
    stations::{self, StationFilter},
};
use crate::state::AppState;

struct Row {
    name: String,
    kind: String,
    parent: Option<String>,
    address: Option<String>,
    reception_days: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct StationForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    reception_days: String,
}

#[derive(Template)]
#[template(path = "app/stations.html")]
struct StationsPage {
    lang: Lang,
    nav: Nav,
    total_label: String,
    rows: Vec<Row>,
    pager: Pager,
    can_create: bool,
    kinds: Vec<(&'static str, &'static str)>,
    parents: Vec<(i32, String)>,
    form: StationForm,
    errors: HashMap<String, String>,
    saved: bool,
}

fn kind_label(kind: StationKind, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => kind.label_zh(),
        Lang::En => kind.label_en(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn render(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    paging: PageRequest,
    form: StationForm,
    errors: HashMap<String, String>,
    saved: bool,
) -> Result<HttpResponse, PageError> {
    let page = stations::list(&state.db, actor, &StationFilter::default(), paging).await?;
    let all = stations::list(&state.db, actor, &StationFilter::default(), PageRequest::new(Some(1), Some(100))).await?;
    let names: HashMap<i32, String> = all.items.iter().map(|s| (s.id, s.name.clone())).collect();
    let managed = actor.managed_stations(&state.db).await?;
    let parents: Vec<(i32, String)> = all
        .items
        .iter()
        .filter(|s| managed.contains(s.id) && stations::kind_of(s) != StationKind::Grid)
        .map(|s: &station::Model| (s.id, s.name.clone()))
        .collect();
    let rows = page
        .items
        .iter()
        .map(|s| Row {
            name: s.name.clone(),
            kind: kind_label(stations::kind_of(s), lang).to_string(),
            parent: s.parent_id.and_then(|p| names.get(&p).cloned()),
            address: s.address.clone(),
            reception_days: s.reception_days.clone(),
        })
        .collect();
    let view = StationsPage {
        lang,
        nav: Nav::new(req, actor, lang),
        total_label: total_label(lang, page.total),
        rows,
        pager: Pager::new(page.request, page.total),
        can_create: actor.is_admin() || !parents.is_empty(),
        kinds: StationKind::ALL.iter().map(|k| (k.as_str(), kind_label(*k, lang))).collect(),
        parents,
        form,
        errors,
        saved,
    };
    let refused = !view.errors.is_empty();
    Ok(form_page(view.render()?, refused))
}

pub async fn index(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    paging: web::Query<PageParams>,
    saved: web::Query<SavedQuery>,
) -> Result<HttpResponse, PageError> {
    let form = StationForm { kind: "point".into(), ..StationForm::default() };
    render(&req, &state, &session.0, lang, paging.request(), form, HashMap::new(), saved.saved).await
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<StationForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let actor = session.0;
    // Who may, before what was typed is checked: a refused caller learns nothing from it.
    actor.require(stations::WRITERS)?;
    let request = CreateStation {
        name: form.name.clone(),
        kind: form.kind.clone(),
        parent_id: form.parent_id.trim().parse().ok(),
        address: Some(form.address.clone()),
        contact_name: None,
        contact_phone: Some(form.contact_phone.clone()),
        reception_days: Some(form.reception_days.clone()),
    };
    let result = match request.parse() {
        Ok(new) => stations::create(&state.db, &actor, state.clock.now(), new).await.map(|_| ()),
        Err(error) => Err(error),
    };
    match outcome(result, lang)? {
        Outcome::Done => Ok(crate::http::pages::redirect("/app/stations?saved=true")),
        Outcome::Refused(errors) => {
            render(&req, &state, &actor, lang, PageRequest::default(), form, errors, false).await
        }
    }
}
