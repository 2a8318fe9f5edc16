//! Cross-cutting request handling: security headers, request ids, the language cookie and
//! the CSRF cookie.
use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use tracing_actix_web::RequestId;

use crate::http::shared::csrf::{self, FreshCsrfToken};
use crate::http::shared::i18n::{LANG_COOKIE, query_lang};
use crate::state::AppState;

const CSP: &str = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; \
                   connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
                   form-action 'self'; frame-ancestors 'none'";

fn is_page(path: &str) -> bool {
    // QR images are cached publicly: they must not carry a visitor's cookies.
    let image = path.ends_with(".png") || path.ends_with(".svg") || path.contains("/photos/");
    !(path.starts_with("/api/") || path.starts_with("/static/") || path == "/healthz" || path == "/livez" || image)
}

/// Headers every response carries; HSTS only when served over HTTPS.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let https = req.app_data::<web::Data<AppState>>().is_some_and(|state| state.secure_cookies());
    let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    let fixed: [(HeaderName, &'static str); 5] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, CSP),
        (HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=(self)"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if https {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        headers.insert(HeaderName::from_static("x-request-id"), id);
    }
    Ok(res)
}

/// Pages: give the browser a CSRF token if it has none, and remember `?lang=`.
pub async fn page_cookies(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let path = req.path().to_string();
    if !is_page(&path) {
        return next.call(req).await;
    }
    let secure = req.app_data::<web::Data<AppState>>().is_some_and(|state| state.secure_cookies());
    // Only staff forms need a token; resident pages stay cookie-free (and cheaper).
    let staff = path == "/login" || path == "/logout" || path.starts_with("/app");
    let has_token = req.cookie(csrf::CSRF_COOKIE).is_some_and(|c| csrf::is_well_formed(c.value()));
    let fresh = if has_token || !staff {
        None
    } else {
        let token = csrf::new_token();
        req.extensions_mut().insert(FreshCsrfToken(token.clone()));
        Some(token)
    };
    let lang = query_lang(req.query_string());
    let mut res = next.call(req).await?;
    if let Some(token) = fresh {
        let _ = res.response_mut().add_cookie(&csrf::cookie(&token, secure));
    }
    if let Some(lang) = lang {
        let cookie = Cookie::build(LANG_COOKIE, lang.param())
            .path("/")
            .same_site(SameSite::Lax)
            .secure(secure)
            .max_age(CookieDuration::days(365))
            .finish();
        let _ = res.response_mut().add_cookie(&cookie);
    }
    Ok(res)
}
