//! Server-rendered HTML pages. Errors become a friendly page in the reader's language
//! (rendered by `render_errors`), never a stack of JSON.
pub mod activities;
pub mod audit;
pub mod books;
pub mod cards;
pub mod cases;
pub mod charts;
pub mod dashboard;
pub mod deputies;
pub mod deputy_compare;
pub mod deputy_file;
pub mod home;
pub mod ledgers;
pub mod login;
pub mod notifications;
pub mod photos;
pub mod public_report;
pub mod qr;
pub mod reception;
pub mod reception_roster_view;
pub mod resident;
pub mod stations;
pub mod suggestions;
pub mod topics;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;

use crate::error::AppError;
use crate::http::i18n::Lang;

/// An error on an HTML page.
#[derive(Debug)]
pub enum PageError {
    /// Not signed in (or the session ended): go to the sign-in page, then come back.
    SignIn {
        next: String,
    },
    Failed {
        error: AppError,
        lang: Lang,
    },
}

impl PageError {
    pub fn new(error: AppError, lang: Lang) -> Self {
        PageError::Failed { error, lang }
    }

    pub fn sign_in(next: String) -> Self {
        PageError::SignIn { next }
    }

    pub fn csrf(lang: Lang) -> Self {
        PageError::Failed { error: AppError::forbidden("csrf"), lang }
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PageError::SignIn { .. } => f.write_str("sign-in required"),
            PageError::Failed { error, .. } => write!(f, "{error}"),
        }
    }
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        PageError::Failed { error, lang: Lang::default() }
    }
}

impl From<askama::Error> for PageError {
    fn from(error: askama::Error) -> Self {
        PageError::from(AppError::internal(error))
    }
}

/// The language for an error page about this request.
pub fn error_lang(req: &HttpRequest) -> Lang {
    Lang::of(req)
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    lang: Lang,
    title: String,
    message: String,
    status: u16,
    request_id: &'a str,
}

fn message_key(error: &AppError) -> &'static str {
    match error {
        AppError::NotFound(_) => "error.not_found",
        AppError::Forbidden(reason) if reason == "csrf" => "error.csrf",
        AppError::Forbidden(_) | AppError::Unauthorized { .. } => "error.forbidden",
        AppError::BadRequest(_) | AppError::Validation(_) => "error.bad_request",
        AppError::TooManyRequests { .. } => "error.too_many",
        AppError::Unavailable(_) => "error.unavailable",
        AppError::Conflict { .. } => "error.conflict",
        AppError::PayloadTooLarge(_) => "error.too_large",
        AppError::Internal(_) => "error.internal",
    }
}

pub fn render_error(error: &AppError, lang: Lang, request_id: &str) -> HttpResponse {
    error.log();
    let status = error.status_code();
    let page = ErrorPage {
        lang,
        title: lang.t("error.title").into_owned(),
        message: lang.t(message_key(error)).into_owned(),
        status: status.as_u16(),
        request_id,
    };
    let mut response = HttpResponse::build(status);
    error.add_headers(&mut response);
    match page.render() {
        Ok(html) => response.content_type(ContentType::html()).body(html),
        Err(_) => response.content_type(ContentType::plaintext()).body(page.message),
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::SignIn { .. } => StatusCode::SEE_OTHER,
            PageError::Failed { error, .. } => error.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        match self {
            PageError::SignIn { next } => {
                let location = format!("/login?next={}", urlencoding_component(next));
                HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
            }
            PageError::Failed { error, lang } => render_error(error, *lang, ""),
        }
    }
}

/// Re-renders page errors in the reader's language with the request id, since
/// `error_response` cannot see the request.
pub async fn render_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let lang = Lang::of(req.request());
    let res = next.call(req).await?.map_into_boxed_body();
    let Some(PageError::Failed { error, .. }) = res.response().error().and_then(|e| e.as_error::<PageError>()) else {
        return Ok(res);
    };
    let request_id =
        res.response().headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let rendered = render_error(error, lang, &request_id);
    let (req, _) = res.into_parts();
    Ok(ServiceResponse::new(req, rendered))
}

/// Percent-encodes a path for use inside a query parameter.
pub fn urlencoding_component(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A `next=` target is only followed if it is a path on this site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => path.to_string(),
        _ => "/app".to_string(),
    }
}

pub fn html(body: String) -> HttpResponse {
    HttpResponse::Ok().content_type(ContentType::html()).insert_header((header::CACHE_CONTROL, "no-store")).body(body)
}

pub fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location.to_string())).finish()
}

/// Any path nobody serves: JSON under /api, a page elsewhere.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, actix_web::Error> {
    if req.path().starts_with("/api/") {
        Err(AppError::NotFound("route").into())
    } else {
        Err(PageError::new(AppError::NotFound("page"), Lang::of(&req)).into())
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").route(web::get().to(home::root)))
        .service(web::resource("/login").route(web::get().to(login::show)).route(web::post().to(login::submit)))
        .service(
            web::resource("/logout").route(web::get().to(login::confirm_logout)).route(web::post().to(login::logout)),
        )
        .service(web::resource("/app/home").route(web::get().to(home::dashboard)))
        .service(
            web::resource("/d/{token}")
                .route(web::get().to(resident::form::show_deputy_form))
                .route(web::post().to(resident::form::submit_deputy_form)),
        )
        .service(
            web::resource("/s/{token}")
                .route(web::get().to(resident::form::show_station_form))
                .route(web::post().to(resident::form::submit_station_form)),
        )
        .service(web::resource("/t").route(web::get().to(resident::track::lookup)))
        .service(web::resource("/t/{code}").route(web::get().to(resident::track::show)))
        .service(web::resource("/t/{code}/rating").route(web::post().to(resident::track::rate)))
        .service(web::resource("/t/{code}/withdraw").route(web::post().to(resident::track::withdraw)))
        .service(web::resource("/t/{code}/photos/{hash}").route(web::get().to(photos::public_photo)))
        .service(web::resource("/app/cases/{id}/photos/{hash}").route(web::get().to(photos::staff_photo)))
        .service(web::resource("/privacy").route(web::get().to(resident::form::privacy)))
        .service(web::resource("/prefs").route(web::get().to(resident::set_prefs)))
        .service(
            web::resource("/app/stations")
                .route(web::get().to(stations::index))
                .route(web::post().to(stations::create)),
        )
        .service(
            web::resource("/app/deputies")
                .route(web::get().to(deputies::index))
                .route(web::post().to(deputies::create)),
        );
    cases::routes(cfg);
    qr::routes(cfg);
    cards::routes(cfg);
    public_report::routes(cfg);
    reception::routes(cfg);
    activities::routes(cfg);
    books::routes(cfg);
    deputy_file::routes(cfg);
    dashboard::routes(cfg);
    deputy_compare::routes(cfg);
    notifications::routes(cfg);
    ledgers::routes(cfg);
    suggestions::routes(cfg);
    topics::routes(cfg);
    audit::routes(cfg);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_stay_on_site() {
        assert_eq!(safe_next(Some("/app/stations?page=2")), "/app/stations?page=2");
        assert_eq!(safe_next(Some("//evil.example")), "/app");
        assert_eq!(safe_next(Some("https://evil.example")), "/app");
        assert_eq!(safe_next(Some("/\\evil.example")), "/app");
        assert_eq!(safe_next(None), "/app");
    }

    #[test]
    fn encodes_query_components() {
        assert_eq!(urlencoding_component("/app?x=1&y=2"), "/app%3Fx%3D1%26y%3D2");
    }
}
