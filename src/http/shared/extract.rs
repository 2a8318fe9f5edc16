//! The signed-in staff member from `Authorization: Bearer` (the API), and the application
//! state every extractor reads. Staff pages read the session cookie instead
//! (`pages::session`).
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use crate::error::AppError;
use crate::services::organisation::{actor::Actor, auth};
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "liaison_session";

/// The application state, or an internal error when the app was built without it.
pub fn state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
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
