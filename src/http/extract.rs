//! The signed-in staff member: from `Authorization: Bearer` on the API, from the session
//! cookie on staff pages.
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use crate::error::AppError;
use crate::http::pages::{PageError, error_lang};
use crate::services::notices::notifications;
use crate::services::organisation::{actor::Actor, auth};
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "liaison_session";

/// How many unread notifications the signed-in staff member has (set by `StaffSession`).
#[derive(Debug, Clone, Copy)]
pub struct UnreadNotifications(pub u64);

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("application state missing")))
}

fn bearer(req: &HttpRequest) -> Result<String, AppError> {
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .ok_or_else(|| AppError::unauthorized("unauthorized", "sign in first: send Authorization: Bearer <token>"))?;
    let value = header
        .to_str()
        .map_err(|_| AppError::unauthorized("invalid_token", "the Authorization header is not readable"))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| AppError::unauthorized("invalid_token", "the Authorization header must be Bearer <token>"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AppError::unauthorized("invalid_token", "the Authorization header must be Bearer <token>"));
    }
    Ok(token.trim().to_string())
}

impl FromRequest for Actor {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = state(req);
        let token = bearer(req);
        Box::pin(async move {
            let state = state?;
            let token = token?;
            auth::authenticate(&state.db, &state.tokens, state.clock.now(), &token).await
        })
    }
}

/// A staff page's signed-in user. Without a valid session cookie the page redirects to
/// `/login?next=…` instead of answering 401.
pub struct StaffSession(pub Actor);

impl FromRequest for StaffSession {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = state(req);
        let cookie = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        let next = req.uri().path_and_query().map(|pq| pq.as_str().to_string()).unwrap_or_else(|| "/app".into());
        let lang = error_lang(req);
        let req = req.clone();
        Box::pin(async move {
            let state = state.map_err(|e| PageError::new(e, lang))?;
            let Some(token) = cookie else {
                return Err(PageError::sign_in(next));
            };
            match auth::authenticate(&state.db, &state.tokens, state.clock.now(), &token).await {
                Ok(actor) => {
                    // For the bell in the staff layout: counted once here, read by `Nav::new`.
                    let unread = notifications::unread_count(&state.db, actor.user_id)
                        .await
                        .map_err(|e| PageError::new(e, lang))?;
                    req.extensions_mut().insert(UnreadNotifications(unread));
                    Ok(StaffSession(actor))
                }
                Err(AppError::Unauthorized { .. }) => Err(PageError::sign_in(next)),
                Err(other) => Err(PageError::new(other, lang)),
            }
        })
    }
}
