//! CSRF protection for cookie-authenticated form posts: a random token in a SameSite=Strict
//! cookie that each form repeats in a hidden field (double submit). The API does not accept
//! cookies, so it needs none.
use std::future::{Ready, ready};

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use base64::Engine;
use rand::RngCore;
use subtle::ConstantTimeEq;

pub const CSRF_COOKIE: &str = "liaison_csrf";
pub const CSRF_FIELD: &str = "csrf";

/// The token to put in this page's forms.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// Set on the request by the middleware when the browser had no token yet.
#[derive(Debug, Clone)]
pub struct FreshCsrfToken(pub String);

pub fn new_token() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn is_well_formed(token: &str) -> bool {
    token.len() == 32 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub fn cookie(token: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(CSRF_COOKIE, token.to_string())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .finish()
}

/// The token the browser holds (or was just given).
pub fn token_of(req: &HttpRequest) -> String {
    if let Some(fresh) = req.extensions().get::<FreshCsrfToken>() {
        return fresh.0.clone();
    }
    req.cookie(CSRF_COOKIE).map(|c| c.value().to_string()).filter(|t| is_well_formed(t)).unwrap_or_default()
}

/// Whether a submitted form token matches the browser's cookie.
pub fn verify(req: &HttpRequest, submitted: &str) -> bool {
    let Some(cookie) = req.cookie(CSRF_COOKIE) else {
        return false;
    };
    let expected = cookie.value();
    is_well_formed(expected) && expected.as_bytes().ct_eq(submitted.as_bytes()).into()
}

impl FromRequest for CsrfToken {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(CsrfToken(token_of(req))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_well_formed() {
        let token = new_token();
        assert!(is_well_formed(&token), "{token}");
        assert!(!is_well_formed("short"));
        assert!(!is_well_formed(&"<".repeat(32)));
    }
}
