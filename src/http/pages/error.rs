//! Errors on HTML pages: one `PageError` that `?` makes from an `AppError`, rendered as a
//! friendly page in the reader's language with the request id (by `render_errors`, which sees
//! the request), never as JSON.
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use askama::Template;

use crate::error::AppError;
use crate::http::pages::urlencoding_component;
use crate::http::shared::i18n::Lang;

/// An error on an HTML page.
#[derive(Debug)]
pub enum PageError {
    /// Not signed in (or the session ended): go to the sign-in page, then come back.
    SignIn {
        next: String,
    },
    Failed(AppError),
}

impl PageError {
    pub fn sign_in(next: String) -> Self {
        PageError::SignIn { next }
    }

    /// A form without its session's CSRF token.
    pub fn csrf() -> Self {
        PageError::Failed(AppError::forbidden("csrf"))
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PageError::SignIn { .. } => f.write_str("sign-in required"),
            PageError::Failed(error) => write!(f, "{error}"),
        }
    }
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        PageError::Failed(error)
    }
}

impl From<sea_orm::DbErr> for PageError {
    fn from(error: sea_orm::DbErr) -> Self {
        PageError::Failed(error.into())
    }
}

impl From<askama::Error> for PageError {
    fn from(error: askama::Error) -> Self {
        PageError::Failed(AppError::internal(error))
    }
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
            PageError::Failed(error) => error.status_code(),
        }
    }

    /// Without the request: the default language. `render_errors` replaces it.
    fn error_response(&self) -> HttpResponse<BoxBody> {
        match self {
            PageError::SignIn { next } => {
                let location = format!("/login?next={}", urlencoding_component(next));
                HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
            }
            PageError::Failed(error) => render_error(error, Lang::default(), ""),
        }
    }
}

/// Renders page errors in the reader's language with the request id, since `error_response`
/// cannot see the request.
pub async fn render_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let lang = Lang::of(req.request());
    let res = next.call(req).await?.map_into_boxed_body();
    let Some(PageError::Failed(error)) = res.response().error().and_then(|e| e.as_error::<PageError>()) else {
        return Ok(res);
    };
    let request_id =
        res.response().headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let rendered = render_error(error, lang, &request_id);
    let (req, _) = res.into_parts();
    Ok(ServiceResponse::new(req, rendered))
}

/// Any path nobody serves: JSON under /api, a page elsewhere.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, actix_web::Error> {
    if req.path().starts_with("/api/") {
        Err(AppError::NotFound("route").into())
    } else {
        Err(PageError::from(AppError::NotFound("page")).into())
    }
}
