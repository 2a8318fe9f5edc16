//! The signed-in staff member of a page, from the session cookie. Without a valid session the
//! page redirects to `/login?next=…` instead of answering 401.
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use crate::error::AppError;
use crate::http::pages::PageError;
use crate::http::shared::extract::{SESSION_COOKIE, state};
use crate::services::notices::notifications;
use crate::services::organisation::{actor::Actor, auth};

/// How many unread notifications the signed-in staff member has (set by `StaffSession`).
#[derive(Debug, Clone, Copy)]
pub struct UnreadNotifications(pub u64);

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
        let req = req.clone();
        Box::pin(async move {
            let state = state?;
            let Some(token) = cookie else {
                return Err(PageError::sign_in(next));
            };
            match auth::authenticate(&state.db, &state.tokens, state.clock.now(), &token).await {
                Ok(actor) => {
                    // For the bell in the staff layout: counted once here, read by `Nav::new`.
                    let unread = notifications::unread_count(&state.db, actor.user_id).await?;
                    req.extensions_mut().insert(UnreadNotifications(unread));
                    Ok(StaffSession(actor))
                }
                Err(AppError::Unauthorized { .. }) => Err(PageError::sign_in(next)),
                Err(other) => Err(other.into()),
            }
        })
    }
}
