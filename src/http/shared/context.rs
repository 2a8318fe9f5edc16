//! The request context every use case takes (`services::context::Ctx`), built once per
//! request from the application state.
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use crate::error::AppError;
use crate::http::shared::extract::state;
use crate::services::context::Ctx;

impl FromRequest for Ctx {
    type Error = AppError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(state(req).map(|state| state.ctx()))
    }
}
