//! Staff forms: every post that changes something carries its session's CSRF token, and a
//! refused form comes back with each problem beside its field.
//! `CsrfForm<T>` reads a URL-encoded form, refuses it (403) without the token, and gives its
//! fields as `T`; `csrf_multipart` does the same for forms with photos.
use std::future::Future;
use std::pin::Pin;

use actix_multipart::Multipart;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use serde::de::DeserializeOwned;

use std::collections::HashMap;

use crate::domain::page::PageRequest;
use crate::error::{AppError, AppResult};
use crate::http::pages::PageError;
use crate::http::shared::csrf::{self, CSRF_FIELD};
use crate::http::shared::i18n::Lang;
use crate::http::shared::multipart::{self, FormLimits, ReceivedForm};

/// `?saved=true` after a form was stored: the page says so once.
#[derive(serde::Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    pub saved: bool,
}

/// A form that is only its token (a button: mark read, sign out).
#[derive(serde::Deserialize)]
pub struct NoFields {}

/// A URL-encoded staff form whose token matched its session.
pub struct CsrfForm<T>(pub T);

impl<T> CsrfForm<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

fn unreadable() -> PageError {
    PageError::from(AppError::BadRequest("the form could not be read".into()))
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let urlencoded = req.content_type() == "application/x-www-form-urlencoded";
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            if !urlencoded {
                return Err(PageError::from(AppError::BadRequest(
                    "send the form as application/x-www-form-urlencoded".into(),
                )));
            }
            let body = body.await.map_err(|_| unreadable())?;
            // The token first: a forged post learns nothing from how its fields are read.
            let token = form_urlencoded::parse(&body)
                .find(|(name, _)| name == CSRF_FIELD)
                .map(|(_, value)| value.into_owned())
                .unwrap_or_default();
            if !csrf::verify(&req, &token) {
                return Err(PageError::csrf());
            }
            serde_urlencoded::from_bytes::<T>(&body).map(CsrfForm).map_err(|_| unreadable())
        })
    }
}

/// A multipart staff form (with photos) read under `limits`, refused without its token.
pub async fn csrf_multipart(
    req: &HttpRequest,
    payload: Multipart,
    limits: FormLimits,
) -> Result<ReceivedForm, PageError> {
    let received = multipart::read(payload, limits).await?;
    if !csrf::verify(req, &received.text(CSRF_FIELD)) {
        return Err(PageError::csrf());
    }
    Ok(received)
}

/// What a form's service call came to, as a page answers it.
pub enum Outcome {
    Done,
    /// Fields were refused: field name → message in the reader's language.
    Refused(HashMap<String, String>),
}

/// `Done`, `Refused` with the messages for field problems, or the error itself (its page).
pub fn outcome(result: AppResult<()>, lang: Lang) -> Result<Outcome, PageError> {
    match result {
        Ok(()) => Ok(Outcome::Done),
        Err(error) => match field_messages(&error, lang) {
            Some(errors) => Ok(Outcome::Refused(errors)),
            None => Err(error.into()),
        },
    }
}

/// A station's id from a form field; anything else is "no such station".
pub fn station_id(raw: &str) -> Result<i32, PageError> {
    raw.trim().parse().map_err(|_| PageError::from(AppError::NotFound("station")))
}

pub struct Pager {
    pub page: u64,
    pub has_prev: bool,
    pub has_next: bool,
}

impl Pager {
    pub fn new(request: PageRequest, total: u64) -> Pager {
        Pager { page: request.page, has_prev: request.page > 1, has_next: request.page * request.per_page < total }
    }
}

pub fn total_label(lang: Lang, total: u64) -> String {
    rust_i18n::t!("common.total", locale = lang.code(), count = total).into_owned()
}

/// Field name → message, for showing problems beside the fields.
pub fn field_messages(error: &AppError, lang: Lang) -> Option<HashMap<String, String>> {
    match error {
        AppError::Validation(fields) => {
            Some(fields.iter().map(|f| (f.field.to_string(), lang.field_message(f))).collect())
        }
        _ => None,
    }
}
