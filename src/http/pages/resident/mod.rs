//! Resident pages: no account, no app, no JavaScript needed; Chinese by default.
pub mod form;
pub mod track;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::http::pages::{redirect, safe_next, urlencoding_component};
use crate::http::shared::i18n::Lang;
use crate::state::AppState;

pub const LARGE_TEXT_COOKIE: &str = "large";

/// Reader preferences every resident page offers: larger text (适老化) and the language.
pub struct Prefs {
    pub large: bool,
    pub large_url: String,
    pub lang_url: String,
}

impl Prefs {
    pub fn of(req: &HttpRequest, lang: Lang) -> Prefs {
        let large = req.cookie(LARGE_TEXT_COOKIE).is_some_and(|c| c.value() == "1");
        let path = req.path();
        let other = match lang {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        };
        Prefs {
            large,
            large_url: format!("/prefs?large={}&back={}", if large { 0 } else { 1 }, urlencoding_component(path)),
            lang_url: format!("{path}?lang={}", other.param()),
        }
    }
}

#[derive(Deserialize)]
pub struct PrefsQuery {
    large: Option<u8>,
    back: Option<String>,
}

/// `/prefs?large=1&back=/d/…`: remembers the text size in a cookie and goes back.
pub async fn set_prefs(state: web::Data<AppState>, query: web::Query<PrefsQuery>) -> HttpResponse {
    let back = safe_next(query.back.as_deref().or(Some("/")));
    let mut response = redirect(&back);
    if let Some(large) = query.large {
        let cookie = Cookie::build(LARGE_TEXT_COOKIE, if large == 1 { "1" } else { "0" })
            .path("/")
            .same_site(SameSite::Lax)
            .secure(state.secure_cookies())
            .max_age(CookieDuration::days(365))
            .finish();
        let _ = response.add_cookie(&cookie);
    }
    response
}

/// A time as residents read it: local, to the minute.
pub fn local_time(state: &AppState, at: DateTime<Utc>) -> String {
    at.with_timezone(&state.settings.time_zone()).format("%Y-%m-%d %H:%M").to_string()
}

/// A date as residents read it.
pub fn local_date(state: &AppState, at: DateTime<Utc>) -> String {
    at.with_timezone(&state.settings.time_zone()).format("%Y-%m-%d").to_string()
}
