//! Server-rendered HTML pages. Errors become a friendly page in the reader's language
//! (rendered by `render_errors`), never a stack of JSON.
pub mod activities;
pub mod audit;
pub mod books;
pub mod cards;
pub mod cases;
pub mod charts;
pub mod dashboard;
pub mod deputies;
pub mod deputy_compare;
pub mod deputy_file;
pub mod error;
pub mod form;
pub mod home;
pub mod ledgers;
pub mod login;
pub mod notifications;
pub mod photos;
pub mod public_report;
pub mod qr;
pub mod reception;
pub mod reception_roster_view;
pub mod resident;
pub mod session;
pub mod stations;
pub mod suggestions;
pub mod topics;

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpResponse, web};

pub use error::{PageError, not_found, render_error, render_errors};

/// Percent-encodes a path for use inside a query parameter.
pub fn urlencoding_component(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A `next=` target is only followed if it is a path on this site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => path.to_string(),
        _ => "/app".to_string(),
    }
}

pub fn html(body: String) -> HttpResponse {
    HttpResponse::Ok().content_type(ContentType::html()).insert_header((header::CACHE_CONTROL, "no-store")).body(body)
}

/// A page with a staff form on it: 422 when the form was refused and comes back with what
/// was typed, as every staff form does.
pub fn form_page(body: String, refused: bool) -> HttpResponse {
    let mut response = html(body);
    if refused {
        *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

pub fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location.to_string())).finish()
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").route(web::get().to(home::root)))
        .service(web::resource("/login").route(web::get().to(login::show)).route(web::post().to(login::submit)))
        .service(
            web::resource("/logout").route(web::get().to(login::confirm_logout)).route(web::post().to(login::logout)),
        )
        .service(web::resource("/app/home").route(web::get().to(home::dashboard)))
        .service(
            web::resource("/d/{token}")
                .route(web::get().to(resident::form::show_deputy_form))
                .route(web::post().to(resident::form::submit_deputy_form)),
        )
        .service(
            web::resource("/s/{token}")
                .route(web::get().to(resident::form::show_station_form))
                .route(web::post().to(resident::form::submit_station_form)),
        )
        .service(web::resource("/t").route(web::get().to(resident::track::lookup)))
        .service(web::resource("/t/{code}").route(web::get().to(resident::track::show)))
        .service(web::resource("/t/{code}/rating").route(web::post().to(resident::track::rate)))
        .service(web::resource("/t/{code}/withdraw").route(web::post().to(resident::track::withdraw)))
        .service(web::resource("/t/{code}/photos/{hash}").route(web::get().to(photos::public_photo)))
        .service(web::resource("/app/cases/{id}/photos/{hash}").route(web::get().to(photos::staff_photo)))
        .service(web::resource("/privacy").route(web::get().to(resident::form::privacy)))
        .service(web::resource("/prefs").route(web::get().to(resident::set_prefs)))
        .service(
            web::resource("/app/stations")
                .route(web::get().to(stations::index))
                .route(web::post().to(stations::create)),
        )
        .service(
            web::resource("/app/deputies")
                .route(web::get().to(deputies::index))
                .route(web::post().to(deputies::create)),
        );
    cases::routes(cfg);
    qr::routes(cfg);
    cards::routes(cfg);
    public_report::routes(cfg);
    reception::routes(cfg);
    activities::routes(cfg);
    books::routes(cfg);
    deputy_file::routes(cfg);
    dashboard::routes(cfg);
    deputy_compare::routes(cfg);
    notifications::routes(cfg);
    ledgers::routes(cfg);
    suggestions::routes(cfg);
    topics::routes(cfg);
    audit::routes(cfg);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_stay_on_site() {
        assert_eq!(safe_next(Some("/app/stations?page=2")), "/app/stations?page=2");
        assert_eq!(safe_next(Some("//evil.example")), "/app");
        assert_eq!(safe_next(Some("https://evil.example")), "/app");
        assert_eq!(safe_next(Some("/\\evil.example")), "/app");
        assert_eq!(safe_next(None), "/app");
    }

    #[test]
    fn encodes_query_components() {
        assert_eq!(urlencoding_component("/app?x=1&y=2"), "/app%3Fx%3D1%26y%3D2");
    }
}
