//! `/app/deputies`: the roster and a form to add a deputy, from a phone.
use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::org::DeputyLevel;
use crate::domain::page::{PageParams, PageRequest};
use crate::domain::phone::mask_phone;
use crate::http::pages::form::{CsrfForm, SavedQuery};
use crate::http::pages::form::{Outcome, outcome};
use crate::http::pages::form::{Pager, total_label};
use crate::http::pages::home::Nav;
use crate::http::pages::session::StaffSession;
use crate::http::pages::{PageError, form_page, redirect};
use crate::http::shared::i18n::Lang;
use crate::http::shared::input::organisation::CreateDeputy;
use crate::services::organisation::{
    actor::Actor,
    deputies::{self, DeputyFilter},
    stations::{self, StationFilter},
};
use crate::state::AppState;

struct Row {
    id: i32,
    name: String,
    level: String,
    station: String,
    phone: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct DeputyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    station_id: String,
    #[serde(default)]
    phone: String,
}

#[derive(Template)]
#[template(path = "app/deputies.html")]
struct DeputiesPage {
    lang: Lang,
    nav: Nav,
    total_label: String,
    rows: Vec<Row>,
    pager: Pager,
    can_create: bool,
    levels: Vec<(&'static str, &'static str)>,
    stations: Vec<(i32, String)>,
    form: DeputyForm,
    errors: HashMap<String, String>,
    saved: bool,
}

fn level_label(level: DeputyLevel, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => level.label_zh(),
        Lang::En => level.label_en(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn render(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    paging: PageRequest,
    form: DeputyForm,
    errors: HashMap<String, String>,
    saved: bool,
) -> Result<HttpResponse, PageError> {
    let page = deputies::list(&state.db, actor, &DeputyFilter::default(), paging).await?;
    let all_stations =
        stations::list(&state.db, actor, &StationFilter::default(), PageRequest::new(Some(1), Some(100))).await?;
    let names: HashMap<i32, String> = all_stations.items.iter().map(|s| (s.id, s.name.clone())).collect();
    let managed = actor.managed_stations(&state.db).await?;
    let rows = page
        .items
        .iter()
        .map(|d| {
            let show = actor.deputy_id == Some(d.id) || managed.contains(d.station_id);
            Row {
                id: d.id,
                name: d.name.clone(),
                level: level_label(d.level, lang).to_string(),
                station: names.get(&d.station_id).cloned().unwrap_or_default(),
                phone: d.phone.as_deref().map(|p| if show { p.to_string() } else { mask_phone(p) }),
            }
        })
        .collect();
    let stations: Vec<(i32, String)> =
        all_stations.items.iter().filter(|s| managed.contains(s.id)).map(|s| (s.id, s.name.clone())).collect();
    let view = DeputiesPage {
        lang,
        nav: Nav::new(req, actor, lang),
        total_label: total_label(lang, page.total),
        rows,
        pager: Pager::new(page.request, page.total),
        can_create: !stations.is_empty(),
        levels: DeputyLevel::ALL.iter().map(|l| (l.as_str(), level_label(*l, lang))).collect(),
        stations,
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
    let form = DeputyForm { level: "county".into(), ..DeputyForm::default() };
    render(&req, &state, &session.0, lang, paging.request(), form, HashMap::new(), saved.saved).await
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<DeputyForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let actor = session.0;
    // Who may, before what was typed is checked: a refused caller learns nothing from it.
    actor.require(deputies::WRITERS)?;
    let request = CreateDeputy {
        name: form.name.clone(),
        level: form.level.clone(),
        station_id: form.station_id.trim().parse().unwrap_or(0),
        phone: Some(form.phone.clone()),
        ..CreateDeputy::default()
    };
    let result = match request.parse() {
        Ok(new) => deputies::create(&state.db, &actor, state.clock.now(), new).await.map(|_| ()),
        Err(error) => Err(error),
    };
    match outcome(result, lang)? {
        Outcome::Done => Ok(redirect("/app/deputies?saved=true")),
        Outcome::Refused(errors) => {
            render(&req, &state, &actor, lang, PageRequest::default(), form, errors, false).await
        }
    }
}
