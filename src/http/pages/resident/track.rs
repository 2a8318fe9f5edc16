//! `/t/{tracking_code}`: status, the public timeline, the answer, and the rating form.
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::case_state::{CaseStatus, Satisfaction};
use crate::domain::intake::MAX_COMMENT_CHARS;
use crate::domain::tracking::{TrackingCode, parse_rating, parse_withdraw_reason};
use crate::entities::case_event;
use crate::error::AppError;
use crate::http::pages::resident::{Prefs, local_date, local_time};
use crate::http::pages::{PageError, html, redirect};
use crate::http::shared::i18n::Lang;
use crate::services::cases::tracking::{self, PublicCase};
use crate::state::AppState;

pub struct TimelineEntry {
    pub at: String,
    pub label: String,
    pub note: Option<String>,
}

#[derive(Template)]
#[template(path = "resident/track.html")]
struct TrackPage {
    lang: Lang,
    prefs: Prefs,
    code: String,
    code_display: String,
    just_submitted: bool,
    flash: Option<String>,
    status_label: String,
    status_class: &'static str,
    merged: bool,
    submitted_at: String,
    due: Option<String>,
    recipient: String,
    category: Option<String>,
    content: String,
    photo_count: u64,
    photos_label: String,
    reply: Option<String>,
    replied_at: Option<String>,
    can_rate: bool,
    rating_error: Option<String>,
    can_withdraw: bool,
    /// Why the withdrawal was refused, and what was typed.
    withdraw_error: Option<String>,
    withdraw_reason: String,
    satisfactions: Vec<(&'static str, &'static str)>,
    rating: Option<String>,
    timeline: Vec<TimelineEntry>,
    back_url: String,
}

#[derive(Template)]
#[template(path = "resident/lookup.html")]
struct LookupPage {
    lang: Lang,
    prefs: Prefs,
    code: String,
    not_found: bool,
}

pub fn status_label(status: CaseStatus, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => status.label_zh(),
        Lang::En => status.label_en(),
    }
}

fn satisfaction_label(value: Satisfaction, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => value.label_zh(),
        Lang::En => value.label_en(),
    }
}

/// What a timeline event says to a resident: the new status in plain words, or the event's
/// own name; only the notes meant for residents (a reason, an answer) are shown.
fn timeline_entry(state: &AppState, event: &case_event::Model, lang: Lang) -> TimelineEntry {
    let own = format!("event.{}", event.action);
    let label = match lang.t(&own) {
        text if text != own => text.into_owned(),
        _ => event.to_status.map(|s| status_label(s, lang).to_string()).unwrap_or_else(|| event.action.clone()),
    };
    TimelineEntry { at: local_time(state, event.at), label, note: tracking::public_note(event) }
}

fn track_page(
    req: &HttpRequest,
    state: &AppState,
    lang: Lang,
    view: PublicCase,
    just_submitted: bool,
    flash: Option<String>,
    rating_error: Option<String>,
) -> TrackPage {
    let code = TrackingCode::parse(&view.case.tracking_code);
    let shown = view.shown();
    let status = view.status();
    let recipient = match (&view.deputy, &view.station) {
        (Some(d), Some(s)) => format!("{} · {}", d.name, s.name),
        (None, Some(s)) => s.name.clone(),
        (Some(d), None) => d.name.clone(),
        (None, None) => String::new(),
    };
    let back_url = match (&view.deputy, &view.station) {
        (Some(d), _) if d.active => format!("/d/{}", d.qr_token),
        (_, Some(s)) => format!("/s/{}", s.public_token),
        _ => "/".into(),
    };
    let rating = view.satisfaction().filter(|_| !view.can_rate()).map(|s| satisfaction_label(s, lang).to_string());
    TrackPage {
        lang,
        prefs: Prefs::of(req, lang),
        code: view.case.tracking_code.clone(),
        code_display: code.map(|c| c.display()).unwrap_or_else(|| view.case.tracking_code.clone()),
        just_submitted,
        flash,
        status_label: status_label(status, lang).to_string(),
        status_class: status.as_str(),
        merged: view.merged(),
        submitted_at: local_time(state, view.case.received_at),
        due: status.is_open().then(|| local_date(state, shown.due_at)),
        recipient,
        category: view.category.as_ref().map(|c| c.name.clone()),
        content: view.case.content.clone(),
        photo_count: view.photo_count,
        photos_label: rust_i18n::t!("track.photos", locale = lang.code(), count = view.photo_count).into_owned(),
        reply: view.reply().map(str::to_string),
        replied_at: shown.replied_at.map(|at| local_time(state, at)),
        can_rate: view.can_rate(),
        rating_error,
        can_withdraw: view.can_withdraw(),
        withdraw_error: None,
        withdraw_reason: String::new(),
        satisfactions: [Satisfaction::Satisfied, Satisfaction::BasicallySatisfied, Satisfaction::Dissatisfied]
            .into_iter()
            .map(|s| (s.as_str(), satisfaction_label(s, lang)))
            .collect(),
        rating,
        timeline: view.events.iter().map(|e| timeline_entry(state, e, lang)).collect(),
        back_url,
    }
}

#[derive(Deserialize)]
pub struct TrackQuery {
    #[serde(default)]
    new: Option<u8>,
    #[serde(default)]
    rated: Option<u8>,
    #[serde(default)]
    withdrawn: Option<u8>,
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    code: web::Path<String>,
    query: web::Query<TrackQuery>,
) -> Result<HttpResponse, PageError> {
    let Some(code) = TrackingCode::parse(&code) else {
        return Err(PageError::from(AppError::NotFound("case")));
    };
    let view = tracking::public_view(&state.db, &state.cipher, &code).await?;
    // One canonical address per case.
    if req.match_info().get("code") != Some(code.as_str()) {
        return Ok(redirect(&format!("/t/{}", code.as_str())));
    }
    let flash = match query.rated {
        Some(1) => Some(lang.t("track.rated").into_owned()),
        Some(2) => Some(lang.t("track.reopened").into_owned()),
        _ if query.withdrawn == Some(1) => Some(lang.t("track.withdrawn").into_owned()),
        _ => None,
    };
    let page = track_page(&req, &state, lang, view, query.new == Some(1), flash, None);
    Ok(html(page.render()?))
}

#[derive(Deserialize)]
pub struct LookupQuery {
    #[serde(default)]
    code: String,
}

/// `/t?code=…`: the lookup box on every form.
pub async fn lookup(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    query: web::Query<LookupQuery>,
) -> Result<HttpResponse, PageError> {
    let typed = query.code.trim().chars().take(20).collect::<String>();
    if let Some(code) = TrackingCode::parse(&typed) {
        // Only "no such case" is a not-found page; a database away is a 503, not a wrong code.
        match tracking::find(&state.db, &code).await {
            Ok(_) => return Ok(redirect(&format!("/t/{}", code.as_str()))),
            Err(AppError::NotFound(_)) => {}
            Err(error) => return Err(PageError::from(error)),
        }
    }
    let page = LookupPage { lang, prefs: Prefs::of(&req, lang), not_found: !typed.is_empty(), code: typed };
    let mut response = if page.not_found { HttpResponse::NotFound() } else { HttpResponse::Ok() };
    Ok(response.content_type(actix_web::http::header::ContentType::html()).body(page.render()?))
}

#[derive(Deserialize)]
pub struct RatingForm {
    #[serde(default)]
    satisfaction: String,
    #[serde(default)]
    solved: String,
    #[serde(default)]
    comment: String,
}

pub async fn rate(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    code: web::Path<String>,
    form: web::Form<RatingForm>,
) -> Result<HttpResponse, PageError> {
    let code = TrackingCode::parse(&code).ok_or_else(|| PageError::from(AppError::NotFound("case")))?;
    let solved = match form.solved.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    let rating = match parse_rating(&form.satisfaction, solved, Some(&form.comment)).map_err(AppError::field) {
        Ok(rating) => rating,
        Err(error) => {
            let message = match &error {
                AppError::Validation(fields) if fields.iter().any(|f| f.field == "comment") => {
                    lang.field_message(&fields[0])
                }
                _ => lang.t("track.rate_missing").into_owned(),
            };
            let view = tracking::public_view(&state.db, &state.cipher, &code).await?;
            let page = track_page(&req, &state, lang, view, false, None, Some(message));
            return Ok(HttpResponse::UnprocessableEntity()
                .content_type(actix_web::http::header::ContentType::html())
                .body(page.render()?));
        }
    };
    let saved = tracking::rate(&state.db, state.clock.now(), &code, rating).await?;
    let flag = if saved.status == CaseStatus::Closed.as_str() { 1 } else { 2 };
    Ok(redirect(&format!("/t/{}?rated={flag}#rating", code.as_str())))
}

#[derive(Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    reason: String,
    /// The box "I want to withdraw it" must be ticked: one mistaken tap takes nothing back.
    #[serde(default)]
    confirm: String,
}

/// `POST /t/{code}/withdraw`: the resident takes back a case nobody has handled yet.
pub async fn withdraw(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    code: web::Path<String>,
    form: web::Form<WithdrawForm>,
) -> Result<HttpResponse, PageError> {
    let code = TrackingCode::parse(&code).ok_or_else(|| PageError::from(AppError::NotFound("case")))?;
    let refused = |message: String| async {
        let view = tracking::public_view(&state.db, &state.cipher, &code).await?;
        let mut page = track_page(&req, &state, lang, view, false, None, None);
        page.withdraw_error = Some(message);
        page.withdraw_reason = form.reason.chars().take(MAX_COMMENT_CHARS).collect();
        Ok::<_, PageError>(
            HttpResponse::UnprocessableEntity()
                .content_type(actix_web::http::header::ContentType::html())
                .body(page.render()?),
        )
    };
    if form.confirm != "1" {
        return refused(lang.t("track.withdraw_confirm_missing").into_owned()).await;
    }
    let reason = match parse_withdraw_reason(Some(&form.reason)).map_err(AppError::field) {
        Ok(reason) => reason,
        Err(AppError::Validation(fields)) => return refused(lang.field_message(&fields[0])).await,
        Err(error) => return Err(PageError::from(error)),
    };
    match tracking::withdraw(&state.db, state.clock.now(), &code, reason).await {
        Ok(_) => Ok(redirect(&format!("/t/{}?withdrawn=1", code.as_str()))),
        Err(AppError::Conflict { .. }) => refused(lang.t("track.withdraw_too_late").into_owned()).await,
        Err(error) => Err(PageError::from(error)),
    }
}
