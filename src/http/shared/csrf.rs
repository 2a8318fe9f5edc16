//! CSRF protection for cookie-authenticated form posts. Each form carries a token derived
//! from the browser's session: an HMAC of the session cookie once signed in, or of a random
//! nonce cookie before (the sign-in form). A cookie planted by another site cannot forge it,
//! since the token is keyed by a server secret and bound to the session it was issued for;
//! signing in starts a new session, so the token is renewed then. The API does not accept
//! cookies, so it needs none.
use std::future::{Ready, ready};

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use subtle::ConstantTimeEq;

use crate::http::shared::extract::SESSION_COOKIE;
use crate::state::AppState;

/// The pre-session nonce; the token itself is never stored in a cookie.
pub const CSRF_COOKIE: &str = "liaison_csrf";
pub const CSRF_FIELD: &str = "csrf";

/// The token to put in this page's forms.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// Set on the request by the middleware when the browser had no nonce yet.
#[derive(Debug, Clone)]
pub struct FreshCsrfToken(pub String);

/// A random value: a nonce, or a resident form's one-time key.
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

/// What the token is bound to: the session if there is one, else the browser's nonce.
fn binding(req: &HttpRequest, fresh_allowed: bool) -> Option<String> {
    if let Some(session) = req.cookie(SESSION_COOKIE).filter(|c| !c.value().is_empty()) {
        return Some(format!("session:{}", session.value()));
    }
    if fresh_allowed && let Some(fresh) = req.extensions().get::<FreshCsrfToken>() {
        return Some(format!("nonce:{}", fresh.0));
    }
    req.cookie(CSRF_COOKIE).map(|c| c.value().to_string()).filter(|t| is_well_formed(t)).map(|t| format!("nonce:{t}"))
}

fn derive(key: &[u8; 32], binding: &str) -> String {
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(binding.as_bytes());
    // 24 bytes: the same 32-character shape as before.
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..24])
}

fn key(req: &HttpRequest) -> Option<[u8; 32]> {
    req.app_data::<web::Data<AppState>>().map(|state| state.csrf_key)
}

/// The token for this browser's forms ("" when it has neither session nor nonce yet).
pub fn token_of(req: &HttpRequest) -> String {
    match (key(req), binding(req, true)) {
        (Some(key), Some(binding)) => derive(&key, &binding),
        _ => String::new(),
    }
}

/// Whether a submitted form token is the one this browser's session was given.
pub fn verify(req: &HttpRequest, submitted: &str) -> bool {
    let (Some(key), Some(binding)) = (key(req), binding(req, false)) else {
        return false;
    };
    let expected = derive(&key, &binding);
    !submitted.is_empty() && expected.as_bytes().ct_eq(submitted.as_bytes()).into()
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
    fn tokens_are_bound_to_what_they_were_derived_from() {
        let key = [7u8; 32];
        let a = derive(&key, "session:one");
        assert!(is_well_formed(&a), "{a}");
        assert_ne!(a, derive(&key, "session:two"));
        assert_ne!(a, derive(&[8u8; 32], "session:one"));
        assert_eq!(a, derive(&key, "session:one"));
    }

    #[test]
    fn tokens_are_well_formed() {
        let token = new_token();
        assert!(is_well_formed(&token), "{token}");
        assert!(!is_well_formed("short"));
        assert!(!is_well_formed(&"<".repeat(32)));
    }
}
