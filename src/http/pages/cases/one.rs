//! One case: its page, the action forms and the progress report with photos.
use crate::domain::case_command::RejectReason;
use crate::domain::field::FieldError;
use crate::domain::intake::MAX_PHOTOS;
use crate::domain::org::TierCode;
use crate::domain::role::Role;
use crate::entities::suggestion;
use crate::error::{AppError, AppResult};
use crate::http::pages::form::field_messages;
use crate::http::pages::form::{CsrfForm, csrf_multipart};
use crate::http::pages::home::Nav;
use crate::http::pages::resident::form::photo_message;
use crate::http::pages::session::StaffSession;
use crate::http::pages::{PageError, html, redirect, urlencoding_component};
use crate::http::shared::client::ClientInfo;
use crate::http::shared::i18n::Lang;
use crate::http::shared::input::cases::ActionRequest;
use crate::http::shared::multipart::FormLimits;
use crate::http::shared::photo_intake::{self, PhotoProblem};
use crate::services::cases::commands;
use crate::services::cases::deadlines::is_overdue;
use crate::services::cases::{
    actions,
    queries::{self},
    reply_templates::{self, TemplateKind},
};
use crate::services::insight::topics;
use crate::services::organisation::actor::Actor;
use crate::state::AppState;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Deserialize;
use std::collections::HashMap;

use super::{display_code, given, local, names, number, short, status_label, tier_label, yes};

/// What one of the case page's action forms sends.
#[derive(Deserialize, Default, Clone)]
pub struct ActionForm {
    #[serde(default)]
    action: String,
    version: Option<String>,
    note: Option<String>,
    text: Option<String>,
    reason: Option<String>,
    unit_id: Option<String>,
    deputy_id: Option<String>,
    tier: Option<String>,
    days: Option<String>,
    percent: Option<String>,
    decision: Option<String>,
    into_case_id: Option<String>,
    on: Option<String>,
    public: Option<String>,
}

fn int_field<T: std::str::FromStr>(
    name: &'static str,
    raw: &Option<String>,
    problems: &mut Vec<FieldError>,
) -> Option<T> {
    let value = given(raw)?;
    match value.parse() {
        Ok(n) => Some(n),
        Err(_) => {
            problems.push(FieldError::invalid(name, "a whole number"));
            None
        }
    }
}

impl ActionForm {
    fn request(&self) -> Result<ActionRequest, AppError> {
        let mut problems = Vec::new();
        let request = ActionRequest {
            action: self.action.trim().to_string(),
            version: int_field("version", &self.version, &mut problems),
            note: given(&self.note).map(str::to_string),
            text: given(&self.text).map(str::to_string),
            reason: given(&self.reason).map(str::to_string),
            unit_id: int_field("unit_id", &self.unit_id, &mut problems),
            deputy_id: int_field("deputy_id", &self.deputy_id, &mut problems),
            tier: given(&self.tier).map(str::to_string),
            days: int_field("days", &self.days, &mut problems),
            percent: int_field("percent", &self.percent, &mut problems),
            decision: given(&self.decision).map(str::to_string),
            into_case_id: int_field("into_case_id", &self.into_case_id, &mut problems),
            on: yes(&self.on),
            public: yes(&self.public),
        };
        if problems.is_empty() { Ok(request) } else { Err(AppError::Validation(problems)) }
    }
}

struct EventRow {
    at: String,
    label: String,
    note: Option<String>,
    public: bool,
}

/// Which forms to show.
#[derive(Default)]
struct Can {
    accept: bool,
    reject: bool,
    assign: bool,
    start: bool,
    progress: bool,
    extend: bool,
    /// A manager deciding a pending request.
    decide_extension: bool,
    return_case: bool,
    reply: bool,
    close: bool,
    reopen: bool,
    merge: bool,
    archive: bool,
    key_supervision: bool,
    disclose: bool,
}

impl Can {
    fn any(&self) -> bool {
        self.accept
            || self.reject
            || self.assign
            || self.start
            || self.progress
            || self.extend
            || self.decide_extension
            || self.return_case
            || self.reply
            || self.close
            || self.reopen
            || self.merge
            || self.archive
            || self.key_supervision
            || self.disclose
    }
}

/// At most this many likely duplicates on the case page.
const SIMILAR_SHOWN: usize = 5;

/// A likely duplicate of the case, with a button to merge the case into it.
struct SimilarRow {
    id: i32,
    text: String,
    status_label: &'static str,
    status: &'static str,
    received: String,
    /// Similarity in percent.
    score: i64,
}

#[derive(Template)]
#[template(path = "app/case.html")]
struct CasePage {
    lang: Lang,
    nav: Nav,
    id: i32,
    /// The suggestion drafted from this case, if any; else whether the reader may draft one.
    suggestion: Option<i32>,
    to_suggestion: bool,
    code: String,
    version: i32,
    status: String,
    status_label: String,
    content: String,
    location: Option<String>,
    category: String,
    station: String,
    deputy: Option<String>,
    unit: Option<String>,
    tier_label: String,
    received: String,
    due: String,
    overdue: bool,
    due_soon: bool,
    key_supervision: bool,
    disclosed: bool,
    percent: Option<i32>,
    reply: Option<String>,
    /// Duplicates merged into this case: the answer goes to their residents too.
    merged_in: u64,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    contact_masked: bool,
    photos: Vec<String>,
    /// 可能重复: for those who may merge, while the case is open.
    similar: Vec<SimilarRow>,
    events: Vec<EventRow>,
    pending_extension: Option<String>,
    can: Can,
    reject_reasons: Vec<(&'static str, &'static str)>,
    tiers: Vec<(&'static str, &'static str)>,
    units: Vec<(i32, String)>,
    deputies: Vec<(i32, String)>,
    /// (id, title, chosen)
    templates: Vec<(i32, String, bool)>,
    /// What the person typed into the form that was refused (`typed.action` says which).
    typed: ActionForm,
    reply_text: String,
    errors: HashMap<String, String>,
    notice: Option<String>,
    problem: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct CaseQuery {
    /// A reply template to put in the reply box (works without JavaScript).
    template: Option<String>,
    /// The action just carried out, for the notice.
    done: Option<String>,
}

fn action_label(lang: Lang, action: &str) -> String {
    let key = format!("case.action.{action}");
    match lang.t(&key) {
        text if text != key => text.into_owned(),
        _ => action.to_string(),
    }
}

/// What went wrong with a form, re-rendered on the case page rather than an error page.
struct Refusal {
    status: StatusCode,
    problem: Option<String>,
    errors: HashMap<String, String>,
}

#[allow(clippy::too_many_arguments)]
async fn render_case(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    ip: &str,
    query: CaseQuery,
    typed: ActionForm,
    refusal: Option<Refusal>,
) -> Result<HttpResponse, PageError> {
    let now = state.clock.now();
    let detail = queries::detail(&state.db, &state.cipher, actor, id, now, Some(ip)).await?;
    let record = &detail.case;
    let available = actions::available(&state.db, actor, record).await?;
    let has = |name: &str| available.contains(&name);
    let status = record.status;
    let soon = queries::soon_horizon(&state.db, &state.settings, now).await?;
    let supervisor = actor.is_admin() || actor.is(Role::Manager);
    let pending = detail.extensions.iter().find(|e| e.status == "pending");
    let can = Can {
        accept: has("accept"),
        reject: has("reject"),
        assign: has("assign"),
        start: has("start"),
        progress: has("progress"),
        extend: has("extend") && pending.is_none(),
        decide_extension: has("extend") && supervisor && pending.is_some(),
        return_case: has("return"),
        reply: has("reply"),
        close: has("close"),
        reopen: has("reopen"),
        merge: has("merge"),
        archive: has("archive"),
        key_supervision: has("key_supervision"),
        disclose: has("disclose"),
    };
    let tz = state.settings.time_zone();
    let similar = if can.merge && supervisor && status.is_open() {
        topics::similar(&state.db, actor, record.id)
            .await?
            .into_iter()
            .take(SIMILAR_SHOWN)
            .map(|found| {
                let other = found.case.status;
                SimilarRow {
                    id: found.case.id,
                    text: short(&found.case.content, 60),
                    status_label: status_label(other, lang),
                    status: other.as_str(),
                    received: found.case.received_at.with_timezone(&tz).format("%Y-%m-%d").to_string(),
                    score: (found.score * 100.0).round() as i64,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let suggestion: Option<i32> = suggestion::Entity::find()
        .select_only()
        .column(suggestion::Column::Id)
        .filter(suggestion::Column::SourceCaseId.eq(record.id))
        .into_tuple()
        .one(&state.db)
        .await?;
    let to_suggestion = suggestion.is_none()
        && record.deputy_id.is_some()
        && matches!(actor.role, Role::Admin | Role::Manager | Role::Deputy);
    let templates: Vec<(i32, String, String)> = if can.reply {
        reply_templates::usable(&state.db, actor, Some(TemplateKind::Reply))
            .await?
            .into_iter()
            .map(|t| (t.id, t.title, t.body))
            .collect()
    } else {
        Vec::new()
    };
    let chosen_template = number::<i32>(&query.template);
    let reply_text = if typed.action == "reply" {
        typed.text.clone().unwrap_or_default()
    } else {
        chosen_template
            .and_then(|id| templates.iter().find(|(i, _, _)| *i == id))
            .map(|(_, _, body)| body.clone())
            .unwrap_or_default()
    };
    let (units, deputies) = if can.assign {
        let names = names(state, actor).await?;
        (names.units, names.deputies)
    } else {
        (Vec::new(), Vec::new())
    };
    let events = detail
        .events
        .iter()
        .map(|e| EventRow {
            at: e.at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            label: action_label(lang, &e.action),
            note: e.note.clone(),
            public: e.public,
        })
        .collect();
    let notice = given(&query.done).map(|action| {
        rust_i18n::t!("case.done", locale = lang.code(), action = action_label(lang, action)).into_owned()
    });
    let (http_status, problem, errors) = match refusal {
        Some(r) => (r.status, r.problem, r.errors),
        None => (StatusCode::OK, None, HashMap::new()),
    };
    let view = CasePage {
        lang,
        nav: Nav::new(req, actor, lang),
        id: record.id,
        suggestion,
        to_suggestion,
        code: display_code(&record.tracking_code),
        version: record.version,
        status: status.as_str().to_string(),
        status_label: status_label(status, lang).to_string(),
        content: record.content.clone(),
        location: record.location.clone(),
        category: detail.category.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
        station: detail.station.as_ref().map(|s| s.name.clone()).unwrap_or_default(),
        deputy: detail.deputy.as_ref().map(|d| d.name.clone()),
        unit: detail.unit.as_ref().map(|u| u.name.clone()),
        tier_label: tier_label(record.tier, lang).to_string(),
        received: local(state, record.received_at),
        due: local(state, record.due_at),
        overdue: is_overdue(record, now),
        due_soon: status.is_open() && record.due_at >= now && record.due_at < soon,
        key_supervision: record.key_supervision,
        disclosed: record.disclosed,
        percent: record.percent,
        merged_in: detail.merged_in,
        reply: record.reply.clone(),
        contact_name: detail.contact.name.clone(),
        contact_phone: detail.contact.phone.clone(),
        contact_masked: detail.contact.masked,
        photos: detail.photos.iter().map(|p| p.hash.clone()).collect(),
        similar,
        events,
        pending_extension: pending.map(|e| {
            rust_i18n::t!("case.extension_pending", locale = lang.code(), days = e.days, reason = e.reason.as_str())
                .into_owned()
        }),
        can,
        reject_reasons: RejectReason::ALL
            .iter()
            .map(|r| {
                let label = match lang {
                    Lang::Zh => r.label_zh(),
                    Lang::En => reject_label_en(*r),
                };
                (r.as_str(), label)
            })
            .collect(),
        tiers: TierCode::ALL.iter().map(|t| (t.as_str(), tier_label(*t, lang))).collect(),
        units,
        deputies,
        templates: templates.into_iter().map(|(id, title, _)| (id, title, chosen_template == Some(id))).collect(),
        typed,
        reply_text,
        errors,
        notice,
        problem,
    };
    let body = view.render()?;
    let mut response = html(body);
    *response.status_mut() = http_status;
    Ok(response)
}

fn reject_label_en(reason: RejectReason) -> &'static str {
    match reason {
        RejectReason::PersonalGrievance => "A personal grievance: please use the petitions channel (信访)",
        RejectReason::Litigation => "Before a court or arbitration",
        RejectReason::OutsideRemit => "Outside what the station takes up",
        RejectReason::NotActionable => "Nothing that can be acted on",
        RejectReason::Other => "Other reason",
    }
}

/// `/app/cases/{id}`: the case in full and what this person may do to it.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    client: ClientInfo,
    id: web::Path<i32>,
    query: web::Query<CaseQuery>,
) -> Result<HttpResponse, PageError> {
    let actor = session.0;
    render_case(
        &req,
        &state,
        &actor,
        lang,
        id.into_inner(),
        &client.ip,
        query.into_inner(),
        ActionForm::default(),
        None,
    )
    .await
}

/// `POST /app/cases/{id}/actions`: one action from the case page. Success goes back to the
/// case with a notice; a stale version or a move the case no longer allows shows the case as
/// it is now (409), with what the person typed still in the form.
pub async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    client: ClientInfo,
    id: web::Path<i32>,
    form: CsrfForm<ActionForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    actions::require_may_act(&state.db, &session.0, *id).await?;
    let result = match form.request() {
        Ok(request) => {
            commands::act(&state.ctx(), &session.0, *id, request.version, &request.raw(), Vec::new()).await.map(|_| ())
        }
        Err(error) => Err(error),
    };
    respond(&req, &state, lang, session.0, id.into_inner(), &client, form, result).await
}

/// What a progress report with photos may carry: a few fields and the case's photo limit.
const PROGRESS_LIMITS: FormLimits = FormLimits {
    max_fields: 10,
    max_text_bytes: 8 * 1024,
    max_files: MAX_PHOTOS,
    max_file_bytes: photo_intake::MAX_PHOTO_BYTES,
    max_total_bytes: MAX_PHOTOS * photo_intake::MAX_PHOTO_BYTES + 64 * 1024,
};

/// `POST /app/cases/{id}/progress` (multipart): a progress report with up to four photos,
/// re-encoded like the resident's. A photo that cannot be taken fails the whole report (422),
/// keeping the note, so nothing is half-recorded.
pub async fn progress_with_photos(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    client: ClientInfo,
    id: web::Path<i32>,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let received = csrf_multipart(&req, payload, PROGRESS_LIMITS).await?;
    // Before any photo is processed and stored.
    actions::require_may_act(&state.db, &session.0, *id).await?;
    let optional = |name: &str| Some(received.text(name)).filter(|v| !v.trim().is_empty());
    let form = ActionForm {
        action: "progress".into(),
        version: optional("version"),
        note: optional("note"),
        percent: optional("percent"),
        public: optional("public"),
        ..ActionForm::default()
    };
    let mut problems: Vec<PhotoProblem> = received.problems.iter().copied().map(PhotoProblem::from).collect();
    let uploads: Vec<Vec<u8>> =
        received.files.into_iter().filter(|f| f.field == "photos" && !f.bytes.is_empty()).map(|f| f.bytes).collect();
    let result = match form.request() {
        Err(error) => Err(error),
        Ok(request) => {
            let (photos, photo_problems) = photo_intake::process_and_store(&state, uploads).await?;
            problems.extend(photo_problems);
            if let Some(problem) = problems.first() {
                Err(AppError::field(FieldError::new(
                    "photos",
                    crate::domain::field::Problem::Described(photo_message(*problem, lang)),
                )))
            } else {
                commands::act(&state.ctx(), &session.0, *id, request.version, &request.raw(), photos).await.map(|_| ())
            }
        }
    };
    respond(&req, &state, lang, session.0, id.into_inner(), &client, form, result).await
}

/// After an action: back to the case with a notice, or the case as it is now with the
/// refusal and what was typed.
#[allow(clippy::too_many_arguments)]
async fn respond(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    lang: Lang,
    actor: Actor,
    id: i32,
    client: &ClientInfo,
    form: ActionForm,
    result: AppResult<()>,
) -> Result<HttpResponse, PageError> {
    let refusal = match result {
        Ok(()) => {
            let done = urlencoding_component(form.action.trim());
            return Ok(redirect(&format!("/app/cases/{id}?done={done}")));
        }
        Err(AppError::Conflict { code, .. }) => {
            let current = crate::services::cases::access::get(&state.db, &actor, id).await?;
            let status = current.status;
            let key = match code {
                "stale_version" => "case.conflict.stale",
                "illegal_transition" => "case.conflict.illegal",
                "extension_pending" => "case.conflict.extension_pending",
                "no_extension_request" => "case.conflict.no_extension",
                "return_window_passed" => "case.conflict.return_window",
                "merge_target_closed" => "case.conflict.merge_target",
                _ => "case.conflict.other",
            };
            let message = rust_i18n::t!(
                key,
                locale = lang.code(),
                state = status_label(status, lang),
                action = action_label(lang, form.action.trim())
            )
            .into_owned();
            Refusal { status: StatusCode::CONFLICT, problem: Some(message), errors: HashMap::new() }
        }
        Err(error @ AppError::Validation(_)) => Refusal {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            problem: Some(lang.t("common.fix_below").into_owned()),
            errors: field_messages(&error, lang).unwrap_or_default(),
        },
        Err(error) => return Err(PageError::from(error)),
    };
    render_case(req, state, &actor, lang, id, &client.ip, CaseQuery::default(), form, Some(refusal)).await
}
