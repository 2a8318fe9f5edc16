//! `/app/suggestions`: the suggestions in my scope with status and overdue chips and a form to
//! draft one; `/app/suggestions/{id}`: one suggestion with the actions I may take on it. No
//! JavaScript; a refused form comes back with what was typed.
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;

use crate::domain::case_state::Satisfaction;
use crate::domain::page::PageRequest;
use crate::domain::role::Role;
use crate::domain::suggestion::{ResultClass, SuggestionStatus};
use crate::entities::{deputy, station, unit};
use crate::error::{AppError, AppResult};
use crate::http::pages::form::field_messages;
use crate::http::pages::form::{CsrfForm, NoFields};
use crate::http::pages::home::Nav;
use crate::http::pages::session::StaffSession;
use crate::http::pages::{PageError, html, redirect, urlencoding_component};
use crate::http::shared::i18n::Lang;
use crate::http::shared::input::suggestions::{CreateSuggestion, SuggestionActionBody, UpdateSuggestion};
use crate::services::books::suggestions::Now;
use crate::services::books::suggestions::{self, SuggestionFilter, SuggestionView};
use crate::services::organisation::actor::Actor;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/app/suggestions").route(web::get().to(index)).route(web::post().to(create)))
        .service(web::resource("/app/suggestions/{id}").route(web::get().to(show)))
        .service(web::resource("/app/suggestions/{id}/actions").route(web::post().to(act)))
        .service(web::resource("/app/suggestions/{id}/edit").route(web::post().to(edit)))
        .service(web::resource("/app/cases/{id}/suggestion").route(web::post().to(from_case)))
        .service(web::resource("/app/reception/visits/{id}/suggestion").route(web::post().to(from_visit)));
}

fn status_label(status: SuggestionStatus, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => status.label_zh(),
        Lang::En => status.label_en(),
    }
}

#[derive(Deserialize, Default)]
pub struct DraftForm {
    #[serde(default)]
    station_id: String,
    #[serde(default)]
    raised_on: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    reasons: String,
    #[serde(default)]
    proposals: String,
    #[serde(default)]
    category_id: String,
    #[serde(default)]
    lead_deputy_id: String,
}

struct Row {
    id: i32,
    number: String,
    title: String,
    status: &'static str,
    status_label: &'static str,
    station: String,
    lead: String,
    deadline: Option<String>,
    overdue: bool,
    key_supervision: bool,
}

struct Chip {
    href: String,
    label: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "app/suggestions.html")]
struct ListPage {
    lang: Lang,
    nav: Nav,
    chips: Vec<Chip>,
    rows: Vec<Row>,
    total: u64,
    can_draft: bool,
    is_deputy: bool,
    stations: Vec<(i32, String)>,
    deputies: Vec<(i32, String)>,
    categories: Vec<(i32, String)>,
    form: DraftForm,
    errors: HashMap<String, String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    status: Option<String>,
    #[serde(default)]
    overdue: Option<String>,
}

async fn draft_choices(state: &AppState, actor: &Actor) -> AppResult<(Vec<(i32, String)>, Vec<(i32, String)>)> {
    let scope = match actor.role {
        Role::Admin | Role::Manager => actor.managed_stations(&state.db).await?,
        Role::Deputy => actor.readable_stations(&state.db).await?,
        _ => return Ok((Vec::new(), Vec::new())),
    };
    let mut select = station::Entity::find().filter(station::Column::Active.eq(true)).order_by_asc(station::Column::Id);
    if let Some(ids) = scope.ids() {
        select = select.filter(station::Column::Id.is_in(ids));
    }
    let stations: Vec<(i32, String)> = select.all(&state.db).await?.into_iter().map(|s| (s.id, s.name)).collect();
    let deputies = if actor.role == Role::Deputy {
        Vec::new()
    } else {
        let mut select =
            deputy::Entity::find().filter(deputy::Column::Active.eq(true)).order_by_asc(deputy::Column::Id);
        if let Some(ids) = scope.ids() {
            select = select.filter(deputy::Column::StationId.is_in(ids));
        }
        select.all(&state.db).await?.into_iter().map(|d| (d.id, d.name)).collect()
    };
    Ok((stations, deputies))
}

#[allow(clippy::too_many_arguments)]
async fn render_list(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    query: &ListQuery,
    form: DraftForm,
    errors: HashMap<String, String>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let chosen = query.status.as_deref().and_then(|s| s.parse::<SuggestionStatus>().ok());
    let overdue = query.overdue.as_deref().is_some_and(|v| !v.is_empty() && v != "0" && v != "false");
    let filter = SuggestionFilter { station_id: None, status: chosen, overdue };
    let page =
        suggestions::list(&state.db, actor, state.ctx().today(), &filter, PageRequest::new(None, Some(100))).await?;
    let mut chips = vec![Chip {
        href: "/app/suggestions".into(),
        label: lang.t("suggestions.chip.all").into_owned(),
        active: chosen.is_none() && !overdue,
    }];
    chips.push(Chip {
        href: "/app/suggestions?overdue=1".into(),
        label: lang.t("suggestions.chip.overdue").into_owned(),
        active: overdue,
    });
    for s in SuggestionStatus::ALL {
        chips.push(Chip {
            href: format!("/app/suggestions?status={}", s.as_str()),
            label: status_label(*s, lang).to_string(),
            active: chosen == Some(*s) && !overdue,
        });
    }
    let (stations, deputies) = draft_choices(state, actor).await?;
    let categories = state.scan_cache.categories(&state.db).await?;
    let rows = page
        .items
        .into_iter()
        .map(|v| Row {
            id: v.suggestion.id,
            number: v.suggestion.number.clone(),
            title: v.suggestion.title.clone(),
            status: v.status.as_str(),
            status_label: status_label(v.status, lang),
            station: v.station_name.clone(),
            lead: v.lead_deputy().map(|d| d.name.clone()).unwrap_or_default(),
            deadline: v.deadline.map(|d| d.to_string()),
            overdue: v.overdue,
            key_supervision: v.suggestion.key_supervision,
        })
        .collect();
    let page = ListPage {
        lang,
        nav: Nav::new(req, actor, lang),
        chips,
        rows,
        total: page.total,
        can_draft: !stations.is_empty(),
        is_deputy: actor.role == Role::Deputy,
        stations,
        deputies,
        categories: categories.iter().map(|c| (c.id, c.name.clone())).collect(),
        form,
        errors,
    };
    let mut response = html(page.render()?);
    *response.status_mut() = status;
    Ok(response)
}

fn blank_form(today: NaiveDate) -> DraftForm {
    DraftForm { raised_on: today.to_string(), ..DraftForm::default() }
}

pub async fn index(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let form = blank_form(state.ctx().today());
    render_list(&req, &state, &session.0, lang, &query, form, HashMap::new(), StatusCode::OK).await
}

fn optional(raw: &str) -> Option<String> {
    Some(raw.trim().to_string()).filter(|v| !v.is_empty())
}

/// `POST /app/suggestions`: draft one; back to the list with what was typed if refused.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<DraftForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let actor = session.0;
    let station_id: i32 = form.station_id.trim().parse().map_err(|_| PageError::from(AppError::NotFound("station")))?;
    // Who may, before what was typed is checked: a refused caller learns nothing from it.
    suggestions::require_may_draft(&state.db, &actor, station_id).await?;
    let request = CreateSuggestion {
        raised_on: optional(&form.raised_on),
        title: form.title.clone(),
        reasons: form.reasons.clone(),
        proposals: optional(&form.proposals),
        category_id: form.category_id.trim().parse().ok(),
        lead_deputy_id: form.lead_deputy_id.trim().parse().ok(),
        co_deputy_ids: Vec::new(),
        key_supervision: false,
    };
    let result = match request.parse() {
        Ok(new) => suggestions::create(&state.db, &actor, Now::from(&state.ctx()), station_id, new).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(saved) => Ok(redirect(&format!("/app/suggestions/{}?done=drafted", saved.suggestion.id))),
        Err(error) => match field_messages(&error, lang) {
            Some(errors) => {
                let query = ListQuery::default();
                render_list(&req, &state, &actor, lang, &query, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            None => Err(PageError::from(error)),
        },
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct ActionForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    lead_unit_id: String,
    #[serde(default)]
    co_unit_id: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    result_class: String,
    #[serde(default)]
    satisfaction: String,
}

impl ActionForm {
    fn body(&self) -> SuggestionActionBody {
        SuggestionActionBody {
            action: self.action.clone(),
            version: self.version.trim().parse().ok(),
            lead_unit_id: self.lead_unit_id.trim().parse().ok(),
            co_unit_ids: self.co_unit_id.trim().parse().into_iter().collect(),
            to: Some(self.to.clone()),
            text: Some(self.text.clone()),
            result_class: Some(self.result_class.clone()),
            satisfaction: Some(self.satisfaction.clone()),
        }
    }
}

/// The words of a suggestion, or its key-supervision flag (`key_supervision` alone).
#[derive(Deserialize, Default, Clone)]
pub struct EditForm {
    #[serde(default)]
    version: String,
    title: Option<String>,
    reasons: Option<String>,
    proposals: Option<String>,
    key_supervision: Option<String>,
}

impl EditForm {
    fn of(view: &SuggestionView) -> EditForm {
        let s = &view.suggestion;
        EditForm {
            version: s.version.to_string(),
            title: Some(s.title.clone()),
            reasons: Some(s.reasons.clone()),
            proposals: s.proposals.clone(),
            key_supervision: None,
        }
    }

    fn body(&self) -> Result<UpdateSuggestion, AppError> {
        let version = self
            .version
            .trim()
            .parse()
            .map_err(|_| AppError::field(crate::domain::field::FieldError::required("version")))?;
        let key = self.key_supervision.as_deref().map(|v| v == "true");
        let words = key.is_none();
        Ok(UpdateSuggestion {
            version,
            raised_on: None,
            title: self.title.clone().filter(|_| words),
            reasons: self.reasons.clone().filter(|_| words),
            proposals: if words { Some(self.proposals.clone()) } else { None },
            category_id: None,
            lead_deputy_id: None,
            co_deputy_ids: None,
            key_supervision: key,
        })
    }
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "app/suggestion.html")]
struct DetailPage {
    lang: Lang,
    nav: Nav,
    s: SuggestionView,
    status_label: &'static str,
    deputies: String,
    units: String,
    result_label: Option<String>,
    satisfaction_label: Option<String>,
    notice: Option<String>,
    problem: Option<String>,
    typed: ActionForm,
    errors: HashMap<String, String>,
    edit: EditForm,
    unit_choices: Vec<(i32, String)>,
    result_classes: Vec<(&'static str, &'static str)>,
    satisfactions: Vec<(&'static str, &'static str)>,
}

impl DetailPage {
    fn error(&self, action: &str, field: &str) -> Option<&String> {
        if self.typed.action == action { self.errors.get(field) } else { None }
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_detail(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    notice: Option<String>,
    problem: Option<String>,
    typed: ActionForm,
    errors: HashMap<String, String>,
    edit: Option<EditForm>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let s = suggestions::get(&state.db, actor, state.ctx().today(), id).await?;
    let edit = edit.unwrap_or_else(|| EditForm::of(&s));
    let unit_choices = if s.allowed.assign {
        unit::Entity::find()
            .filter(unit::Column::Active.eq(true))
            .order_by_asc(unit::Column::Id)
            .all(&state.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect()
    } else {
        Vec::new()
    };
    let names = |parties: &[suggestions::Party]| {
        parties
            .iter()
            .map(|p| match (lang, p.role) {
                (Lang::Zh, role) => format!("{}（{}）", p.name, role.label_zh()),
                (Lang::En, role) => format!("{} ({})", p.name, role.label_en()),
            })
            .collect::<Vec<_>>()
            .join("、")
    };
    let page = DetailPage {
        lang,
        nav: Nav::new(req, actor, lang),
        status_label: status_label(s.status, lang),
        deputies: names(&s.deputies),
        units: names(&s.units),
        result_label: s.suggestion.result_class.map(|c| match lang {
            Lang::Zh => c.label_zh().to_string(),
            Lang::En => c.label_en().to_string(),
        }),
        satisfaction_label: s.suggestion.satisfaction.map(|c| match lang {
            Lang::Zh => c.label_zh().to_string(),
            Lang::En => c.label_en().to_string(),
        }),
        notice,
        problem,
        typed,
        errors,
        edit,
        unit_choices,
        result_classes: ResultClass::ALL
            .iter()
            .map(|c| (c.as_str(), if lang == Lang::Zh { c.label_zh() } else { c.label_en() }))
            .collect(),
        satisfactions: [Satisfaction::Satisfied, Satisfaction::BasicallySatisfied, Satisfaction::Dissatisfied]
            .iter()
            .map(|c| (c.as_str(), if lang == Lang::Zh { c.label_zh() } else { c.label_en() }))
            .collect(),
        s,
    };
    let mut response = html(page.render()?);
    *response.status_mut() = status;
    Ok(response)
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    id: web::Path<i32>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, PageError> {
    let notice = query.done.as_ref().map(|_| lang.t("suggestions.saved").into_owned());
    let typed = ActionForm::default();
    render_detail(&req, &state, &session.0, lang, *id, notice, None, typed, HashMap::new(), None, StatusCode::OK).await
}

/// `POST /app/suggestions/{id}/actions`: one action; a stale version or a move the status no
/// longer allows shows the suggestion as it is now (409) with what was typed.
pub async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    id: web::Path<i32>,
    form: CsrfForm<ActionForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let actor = session.0;
    let id = id.into_inner();
    // Who may, before what was typed is checked: a refused caller learns nothing from it.
    suggestions::require_may_act(&state.db, &actor, id).await?;
    let result = match form.body().parse() {
        Ok((version, command)) => {
            suggestions::act(&state.db, &actor, Now::from(&state.ctx()), id, version, command).await
        }
        Err(error) => Err(error),
    };
    let (status, problem, errors) = match result {
        Ok(_) => {
            let done = urlencoding_component(form.action.trim());
            return Ok(redirect(&format!("/app/suggestions/{id}?done={done}")));
        }
        Err(AppError::Conflict { message, .. }) => {
            let text = format!("{} ({message})", lang.t("suggestions.conflict"));
            (StatusCode::CONFLICT, Some(text), HashMap::new())
        }
        Err(error @ AppError::Validation(_)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(lang.t("common.fix_below").into_owned()),
            field_messages(&error, lang).unwrap_or_default(),
        ),
        Err(error) => return Err(PageError::from(error)),
    };
    render_detail(&req, &state, &actor, lang, id, None, problem, form, errors, None, status).await
}

/// `POST /app/suggestions/{id}/edit`: reword a draft, or set or lift key supervision; a stale
/// version (409) or a refused field (422) shows the suggestion with what was typed.
pub async fn edit(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    id: web::Path<i32>,
    form: CsrfForm<EditForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let actor = session.0;
    let id = id.into_inner();
    // Who may, before what was typed is checked: a refused caller learns nothing from it.
    suggestions::require_may_edit(&state.db, &actor, id).await?;
    let result = match form.body().and_then(|body| body.parse()) {
        Ok(changes) => suggestions::update(&state.db, &actor, Now::from(&state.ctx()), id, changes).await,
        Err(error) => Err(error),
    };
    let (status, problem, errors) = match result {
        Ok(_) => return Ok(redirect(&format!("/app/suggestions/{id}?done=edit"))),
        Err(AppError::Conflict { message, .. }) => {
            let text = format!("{} ({message})", lang.t("suggestions.conflict"));
            (StatusCode::CONFLICT, Some(text), HashMap::new())
        }
        Err(error @ AppError::Validation(_)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(lang.t("common.fix_below").into_owned()),
            field_messages(&error, lang).unwrap_or_default(),
        ),
        Err(error) => return Err(PageError::from(error)),
    };
    let typed = ActionForm { action: "edit".into(), ..ActionForm::default() };
    let edit = if form.key_supervision.is_some() { None } else { Some(form) };
    render_detail(&req, &state, &actor, lang, id, None, problem, typed, errors, edit, status).await
}

/// `POST /app/cases/{id}/suggestion`: a drafted suggestion from the case (its deputy leads),
/// then its page to finish the wording.
pub async fn from_case(
    state: web::Data<AppState>,
    session: StaffSession,
    id: web::Path<i32>,
    _: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    let saved = suggestions::from_case(&state.db, &session.0, Now::from(&state.ctx()), *id).await?;
    Ok(redirect(&format!("/app/suggestions/{}", saved.suggestion.id)))
}

/// `POST /app/reception/visits/{id}/suggestion`: a drafted suggestion from a visit.
pub async fn from_visit(
    state: web::Data<AppState>,
    session: StaffSession,
    id: web::Path<i32>,
    _: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    let saved = suggestions::from_visit(&state.db, &session.0, Now::from(&state.ctx()), *id).await?;
    Ok(redirect(&format!("/app/suggestions/{}", saved.suggestion.id)))
}
