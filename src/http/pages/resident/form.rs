//! `/d/{qr_token}` and `/s/{station_token}`: the resident's form, and its submission.
use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::domain::field::FieldError;
use crate::domain::intake::{self, MAX_CONTENT_CHARS, MAX_PHOTOS, RawSubmission};
use crate::domain::org::DeputyLevel;
use crate::entities::{deputy, station};
use crate::error::AppError;
use crate::http::pages::resident::Prefs;
use crate::http::pages::{PageError, html, redirect};
use crate::http::shared::client::ClientInfo;
use crate::http::shared::i18n::Lang;
use crate::http::shared::multipart::{self, FormLimits, ReceivedForm};
use crate::http::shared::photo_intake::{self, PhotoProblem};
use crate::services::cases::intake::IntakeTarget;
use crate::services::cases::submission::{self, Door, Resident};
use crate::state::AppState;

pub struct DeputyCard {
    pub name: String,
    pub initial: String,
    pub level: String,
    pub post: Option<String>,
}

pub struct StationCard {
    pub name: String,
    /// For the link to the station's public report.
    pub token: String,
    pub address: Option<String>,
    pub reception_days: Option<String>,
}

pub struct CategoryOption {
    pub id: i32,
    pub name: String,
    pub hint: Option<String>,
}

/// What the resident typed, to show again.
#[derive(Default)]
pub struct FormValues {
    pub category_id: String,
    pub content: String,
    pub location: String,
    pub latitude: String,
    pub longitude: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub wants_callback: bool,
    pub anonymous: bool,
    pub consent: bool,
}

#[derive(Template)]
#[template(path = "resident/form.html")]
struct FormPage {
    lang: Lang,
    prefs: Prefs,
    action: String,
    deputy: Option<DeputyCard>,
    station: StationCard,
    notice: Option<String>,
    categories: Vec<CategoryOption>,
    form_key: String,
    values: FormValues,
    errors: HashMap<String, String>,
    error_list: Vec<(String, String)>,
    kept_photos: Vec<String>,
    kept_photos_label: String,
    max_content: usize,
    /// 今日我接待: who receives at the station on the coming days.
    roster: Vec<crate::http::pages::reception_roster_view::RosterLine>,
}

/// Where a form posts to, and what it shows at the top.
struct Target {
    action: String,
    station: station::Model,
    deputy: Option<deputy::Model>,
    notice: Option<String>,
}

fn not_found() -> PageError {
    PageError::from(AppError::NotFound("form"))
}

/// Where a code leads, as the form shows it: a rotated deputy's code lands on the station's
/// form with a notice.
async fn target_of(state: &AppState, door: Door<'_>, lang: Lang) -> Result<Target, PageError> {
    let found = submission::destination(&state.ctx(), &state.scan_cache, door).await?.ok_or_else(not_found)?;
    let station = found.station;
    Ok(match (found.deputy, door) {
        (Some(record), Door::Deputy(token)) => {
            Target { action: format!("/d/{token}"), station, deputy: Some(record), notice: None }
        }
        (_, Door::Deputy(_)) => Target {
            action: format!("/s/{}", station.public_token),
            notice: Some(
                rust_i18n::t!("form.retired_notice", locale = lang.code(), station = station.name.as_str())
                    .into_owned(),
            ),
            station,
            deputy: None,
        },
        (_, Door::Station(token)) => Target { action: format!("/s/{token}"), station, deputy: None, notice: None },
    })
}

fn level_label(level: DeputyLevel, lang: Lang) -> String {
    match lang {
        Lang::Zh => level.label_zh().to_string(),
        Lang::En => format!("{} deputy", level.label_en()),
    }
}

struct Rendering {
    /// The status to answer with (default: 422 when there are errors, 200 otherwise).
    status: Option<StatusCode>,
    values: FormValues,
    errors: Vec<FieldError>,
    extra_errors: Vec<(String, String)>,
    kept_photos: Vec<String>,
    form_key: Option<String>,
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    lang: Lang,
    target: Target,
    rendering: Rendering,
) -> Result<HttpResponse, PageError> {
    let categories = state
        .scan_cache
        .categories(&state.db)
        .await?
        .iter()
        .map(|c| CategoryOption { id: c.id, name: c.name.clone(), hint: c.hint.clone() })
        .collect();
    let mut error_list: Vec<(String, String)> =
        rendering.errors.iter().map(|e| (e.field.to_string(), lang.field_message(e))).collect();
    error_list.extend(rendering.extra_errors);
    let errors: HashMap<String, String> = error_list.iter().cloned().collect();
    let has_errors = !errors.is_empty();
    let today = state.ctx().today();
    let upcoming = crate::services::books::reception_roster::public_upcoming(
        &state.db,
        target.station.id,
        today,
        crate::domain::reception::PUBLIC_DAYS_AHEAD,
    )
    .await?;
    let roster = crate::http::pages::reception_roster_view::lines(&upcoming, today, lang);
    let kept = rendering.kept_photos.len();
    let page = FormPage {
        lang,
        prefs: Prefs::of(req, lang),
        action: target.action,
        deputy: target.deputy.map(|d| DeputyCard {
            initial: d.name.chars().next().map(String::from).unwrap_or_default(),
            level: level_label(d.level, lang),
            post: d.post,
            name: d.name,
        }),
        station: StationCard {
            token: target.station.public_token,
            name: target.station.name,
            address: target.station.address,
            reception_days: target.station.reception_days,
        },
        notice: target.notice,
        categories,
        // A fresh key unless this is the same form shown again.
        form_key: rendering.form_key.unwrap_or_else(crate::http::shared::csrf::new_token),
        values: rendering.values,
        errors,
        error_list,
        kept_photos: rendering.kept_photos,
        kept_photos_label: rust_i18n::t!("form.photos_kept", locale = lang.code(), count = kept).into_owned(),
        max_content: MAX_CONTENT_CHARS,
        roster,
    };
    let body = page.render()?;
    let status = match rendering.status {
        Some(status) => status,
        None if has_errors => StatusCode::UNPROCESSABLE_ENTITY,
        None => return Ok(html(body)),
    };
    Ok(HttpResponse::build(status)
        .content_type(actix_web::http::header::ContentType::html())
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(body))
}

fn blank() -> Rendering {
    Rendering {
        status: None,
        values: FormValues::default(),
        errors: Vec::new(),
        extra_errors: Vec::new(),
        kept_photos: Vec::new(),
        form_key: None,
    }
}

pub async fn show_deputy_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let target = target_of(&state, Door::Deputy(&token), lang).await?;
    render(&req, &state, lang, target, blank()).await
}

pub async fn show_station_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let target = target_of(&state, Door::Station(&token), lang).await?;
    render(&req, &state, lang, target, blank()).await
}

pub async fn submit_deputy_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    client: ClientInfo,
    token: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let target = target_of(&state, Door::Deputy(&token), lang).await?;
    receive(req, state, lang, client, target, payload).await
}

pub async fn submit_station_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    client: ClientInfo,
    token: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let target = target_of(&state, Door::Station(&token), lang).await?;
    receive(req, state, lang, client, target, payload).await
}

pub const FORM_LIMITS: FormLimits = FormLimits {
    max_fields: 40,
    max_text_bytes: 16 * 1024,
    max_files: MAX_PHOTOS,
    max_file_bytes: photo_intake::MAX_PHOTO_BYTES,
    max_total_bytes: MAX_PHOTOS * photo_intake::MAX_PHOTO_BYTES + 256 * 1024,
};

fn raw_submission(form: &ReceivedForm) -> RawSubmission {
    RawSubmission {
        category_id: form.text("category_id"),
        content: form.text("content"),
        location: form.text("location"),
        latitude: form.text("latitude"),
        longitude: form.text("longitude"),
        contact_name: form.text("contact_name"),
        contact_phone: form.text("contact_phone"),
        anonymous: form.checked("anonymous"),
        wants_callback: form.checked("wants_callback"),
        consent: form.checked("consent"),
    }
}

fn values_of(raw: &RawSubmission) -> FormValues {
    FormValues {
        category_id: raw.category_id.clone(),
        content: raw.content.clone(),
        location: raw.location.clone(),
        latitude: raw.latitude.clone(),
        longitude: raw.longitude.clone(),
        contact_name: raw.contact_name.clone(),
        contact_phone: raw.contact_phone.clone(),
        wants_callback: raw.wants_callback,
        anonymous: raw.anonymous,
        consent: raw.consent,
    }
}

pub(crate) fn photo_message(problem: PhotoProblem, lang: Lang) -> String {
    let key = match problem {
        PhotoProblem::TooLarge => "form.photo.too_large",
        PhotoProblem::TooMany => "form.photo.too_many",
        PhotoProblem::FormTooLarge => "form.photo.form_too_large",
        PhotoProblem::Unsupported => "form.photo.unsupported",
        PhotoProblem::Heic => "form.photo.heic",
        PhotoProblem::Corrupt => "form.photo.corrupt",
        PhotoProblem::TooManyPixels => "form.photo.too_many_pixels",
    };
    lang.t(key).into_owned()
}

async fn receive(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    client: ClientInfo,
    target: Target,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let form = multipart::read(payload, FORM_LIMITS).await?;
    // A field people cannot see: only robots fill it in.
    if !form.text("website").is_empty() {
        return Err(PageError::from(AppError::BadRequest("unexpected field".into())));
    }
    let raw = raw_submission(&form);
    let form_key = Some(form.text("form_key")).filter(|k| crate::http::shared::csrf::is_well_formed(k));
    let parsed = intake::parse_submission(&raw);

    // Photos: re-encode and store what arrived; keep those stored by an earlier attempt.
    let mut problems: Vec<PhotoProblem> = form.problems.iter().copied().map(PhotoProblem::from).collect();
    let kept = photo_intake::kept(&state, &form.all("kept_photo")).await;
    let room = MAX_PHOTOS.saturating_sub(kept.len());
    let uploads: Vec<Vec<u8>> = form.files.into_iter().filter(|f| f.field == "photos").map(|f| f.bytes).collect();
    if uploads.len() > room {
        problems.push(PhotoProblem::TooMany);
    }
    let (mut photos, photo_problems) =
        photo_intake::process_and_store(&state, uploads.into_iter().take(room).collect()).await?;
    problems.extend(photo_problems);
    photos.splice(0..0, kept);

    let submission = match parsed {
        Ok(submission) if problems.is_empty() => submission,
        result => {
            problems.dedup();
            let extra: Vec<(String, String)> =
                problems.iter().map(|p| ("photos".to_string(), photo_message(*p, lang))).collect();
            let too_large = problems.contains(&PhotoProblem::FormTooLarge);
            let rendering = Rendering {
                status: too_large.then_some(StatusCode::PAYLOAD_TOO_LARGE),
                values: values_of(&raw),
                errors: result.err().unwrap_or_default(),
                extra_errors: extra,
                kept_photos: photos.iter().map(|p| p.hash.clone()).collect(),
                form_key,
            };
            return render(&req, &state, lang, target, rendering).await;
        }
    };
    let resident =
        Resident { lang: lang.code(), submission_key: form_key.clone(), address_hash: state.address_hash(&client.ip) };
    let intake_target = IntakeTarget { station_id: target.station.id, deputy_id: target.deputy.as_ref().map(|d| d.id) };
    match submission::submit(&state.ctx(), resident, intake_target, submission, photos.clone()).await {
        Ok(outcome) => Ok(redirect(&format!("/t/{}?new=1", outcome.case.tracking_code))),
        Err(AppError::Validation(errors)) => {
            // A key already used for another body: the form gets a fresh one, so sending
            // again files this matter as a new case.
            let reused = errors.iter().any(|e| e.field == "submission_key");
            let rendering = Rendering {
                status: None,
                values: values_of(&raw),
                errors,
                extra_errors: Vec::new(),
                kept_photos: photos.iter().map(|p| p.hash.clone()).collect(),
                form_key: form_key.filter(|_| !reused),
            };
            render(&req, &state, lang, target, rendering).await
        }
        Err(AppError::TooManyRequests { .. }) => {
            let rendering = Rendering {
                status: Some(StatusCode::TOO_MANY_REQUESTS),
                values: values_of(&raw),
                errors: Vec::new(),
                extra_errors: vec![("form".to_string(), lang.t("error.too_many").into_owned())],
                kept_photos: photos.iter().map(|p| p.hash.clone()).collect(),
                form_key,
            };
            render(&req, &state, lang, target, rendering).await
        }
        Err(other) => Err(PageError::from(other)),
    }
}

#[derive(Template)]
#[template(path = "resident/privacy.html")]
struct PrivacyPage {
    lang: Lang,
    prefs: Prefs,
    version: &'static str,
}

pub async fn privacy(req: HttpRequest, lang: Lang) -> Result<HttpResponse, PageError> {
    let page = PrivacyPage { lang, prefs: Prefs::of(&req, lang), version: intake::CONSENT_VERSION };
    Ok(html(page.render()?))
}

/// The form as a resident sees it, for a deputy with `categories` choices, without a
/// database: what the render benchmark measures.
pub fn sample(lang: Lang, categories: usize) -> Result<String, askama::Error> {
    let page = FormPage {
        lang,
        prefs: Prefs { large: false, large_url: "/prefs?large=1&back=/d/x".into(), lang_url: "/d/x?lang=en".into() },
        action: "/d/0123456789abcdef".into(),
        deputy: Some(DeputyCard {
            name: "王建国".into(),
            initial: "王".into(),
            level: level_label(DeputyLevel::National, lang),
            post: Some("党委书记".into()),
        }),
        station: StationCard {
            token: "0123456789abcdef".into(),
            name: "城关街道人大代表联络站".into(),
            address: Some("示范区城关街道人民路88号".into()),
            reception_days: Some("每月10日、25日上午".into()),
        },
        notice: None,
        categories: (0..categories)
            .map(|i| CategoryOption {
                id: i as i32,
                name: format!("类别{i}"),
                hint: Some("道路、路灯、供水供气、噪声".into()),
            })
            .collect(),
        form_key: crate::http::shared::csrf::new_token(),
        values: FormValues::default(),
        errors: HashMap::new(),
        error_list: Vec::new(),
        kept_photos: Vec::new(),
        kept_photos_label: String::new(),
        max_content: MAX_CONTENT_CHARS,
        roster: Vec::new(),
    };
    page.render()
}
