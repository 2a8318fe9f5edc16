//! The printable contact cards (民情联系卡): A6 cards, four to an A4 sheet, printed from the
//! browser. `/d/{qr_token}/card` is one deputy's; `/s/{station_token}/cards` a station's.
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::org::DeputyLevel;
use crate::domain::token::looks_like_public_token;
use crate::entities::{deputy, station};
use crate::error::AppError;
use crate::http::pages::{PageError, html};
use crate::http::shared::i18n::Lang;
use crate::services::books::cards;
use crate::services::organisation::stations;
use crate::state::AppState;

/// Cards on one A4 sheet (2 × 2 A6).
const PER_SHEET: usize = 4;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/d/{qr_token}/card").route(web::get().to(deputy_card)))
        .service(web::resource("/s/{station_token}/cards").route(web::get().to(station_cards)));
}

/// One card, ready to print. Deliberately without the deputy's phone or address.
struct Card {
    qr_token: String,
    /// Stands in for the photo (photos are not served yet).
    initial: String,
    name: String,
    level: String,
    role: Option<String>,
    place_label: String,
    place: String,
    address: Option<String>,
    reception_days: Option<String>,
    /// The station's public number, never the deputy's own.
    phone: Option<String>,
    /// The form's address for people who type rather than scan.
    short_url: String,
}

#[derive(Template)]
#[template(path = "cards/sheets.html")]
struct CardsPage {
    lang: Lang,
    title: String,
    summary: String,
    org_name: String,
    sheets: Vec<Vec<Card>>,
    lang_href: String,
}

fn level_label(level: DeputyLevel, lang: Lang) -> String {
    match lang {
        Lang::Zh => level.label_zh().to_string(),
        Lang::En => capitalised(&rust_i18n::t!("cards.level", locale = lang.code(), level = level.label_en())),
    }
}

fn place_label(place: &station::Model, lang: Lang) -> String {
    let kind = stations::kind_of(place);
    match lang {
        Lang::Zh => kind.label_zh().to_string(),
        Lang::En => capitalised(kind.label_en()),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Post and employer on one line: "城关镇人民政府 镇长", or "Mayor, Chengguan Town" in English.
fn role_line(record: &deputy::Model, lang: Lang) -> Option<String> {
    let (employer, post) = (record.employer.as_deref(), record.post.as_deref());
    let (first, second, separator) = match lang {
        Lang::Zh => (employer, post, " "),
        Lang::En => (post, employer, ", "),
    };
    let parts: Vec<&str> = [first, second].into_iter().flatten().map(str::trim).filter(|p| !p.is_empty()).collect();
    (!parts.is_empty()).then(|| parts.join(separator))
}

fn non_blank(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

fn card(state: &AppState, record: &deputy::Model, place: &station::Model, lang: Lang) -> Card {
    let host = state.public_url.split_once("://").map_or(state.public_url.as_str(), |(_, rest)| rest);
    Card {
        qr_token: record.qr_token.clone(),
        initial: record.name.trim().chars().next().map(|c| c.to_uppercase().collect()).unwrap_or_default(),
        name: record.name.clone(),
        level: level_label(record.level, lang),
        role: role_line(record, lang),
        place_label: place_label(place, lang),
        place: place.name.clone(),
        address: non_blank(&place.address),
        reception_days: non_blank(&place.reception_days),
        phone: non_blank(&place.contact_phone),
        short_url: format!("{host}/d/{}", record.qr_token),
    }
}

fn into_sheets(cards: Vec<Card>) -> Vec<Vec<Card>> {
    let mut sheets: Vec<Vec<Card>> = Vec::new();
    for card in cards {
        match sheets.last_mut() {
            Some(sheet) if sheet.len() < PER_SHEET => sheet.push(card),
            _ => sheets.push(vec![card]),
        }
    }
    sheets
}

fn lang_href(lang: Lang) -> String {
    format!("?lang={}", if lang == Lang::Zh { Lang::En.param() } else { Lang::Zh.param() })
}

fn not_found(what: &'static str) -> PageError {
    PageError::from(AppError::NotFound(what))
}

#[derive(Deserialize)]
pub struct CopiesQuery {
    copies: Option<String>,
}

/// `?copies=1..4`; four by default, since the cards are handed out to households.
fn copies(query: &CopiesQuery) -> Result<usize, PageError> {
    let Some(raw) = query.copies.as_deref() else {
        return Ok(PER_SHEET);
    };
    raw.trim()
        .parse()
        .ok()
        .filter(|n| (1..=PER_SHEET).contains(n))
        .ok_or_else(|| PageError::from(AppError::BadRequest(format!("copies must be from 1 to {PER_SHEET}"))))
}

pub async fn deputy_card(
    state: web::Data<AppState>,
    lang: Lang,
    token: web::Path<String>,
    query: web::Query<CopiesQuery>,
) -> Result<HttpResponse, PageError> {
    let copies = copies(&query)?;
    if !looks_like_public_token(&token) {
        return Err(not_found("deputy"));
    }
    let (record, place) = cards::deputy_card(&state.db, &token).await?.ok_or_else(|| not_found("deputy"))?;
    let page = CardsPage {
        lang,
        title: format!("{} · {}", record.name, lang.t("cards.title")),
        summary: lang.t("cards.copies_hint").into_owned(),
        org_name: state.settings.org_name.clone(),
        sheets: into_sheets((0..copies).map(|_| card(&state, &record, &place, lang)).collect()),
        lang_href: lang_href(lang),
    };
    Ok(html(page.render()?))
}

pub async fn station_cards(
    state: web::Data<AppState>,
    lang: Lang,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    if !looks_like_public_token(&token) {
        return Err(not_found("station"));
    }
    let (place, deputies) = cards::station_cards(&state.db, &token).await?.ok_or_else(|| not_found("station"))?;
    let summary = if deputies.is_empty() {
        lang.t("cards.empty").into_owned()
    } else {
        rust_i18n::t!("cards.count", locale = lang.code(), count = deputies.len()).into_owned()
    };
    let page = CardsPage {
        lang,
        title: format!("{} · {}", place.name, lang.t("cards.title")),
        summary,
        org_name: state.settings.org_name.clone(),
        sheets: into_sheets(deputies.iter().map(|d| card(&state, d, &place, lang)).collect()),
        lang_href: lang_href(lang),
    };
    Ok(html(page.render()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::org::StationKind;

    #[test]
    fn cards_fill_sheets_of_four() {
        let sizes = |n: usize| -> Vec<usize> {
            let cards = (0..n).map(|i| Card {
                qr_token: i.to_string(),
                initial: String::new(),
                name: String::new(),
                level: String::new(),
                role: None,
                place_label: String::new(),
                place: String::new(),
                address: None,
                reception_days: None,
                phone: None,
                short_url: String::new(),
            });
            into_sheets(cards.collect()).iter().map(Vec::len).collect()
        };
        assert_eq!(sizes(0), Vec::<usize>::new());
        assert_eq!(sizes(4), vec![4]);
        assert_eq!(sizes(9), vec![4, 4, 1]);
    }

    #[test]
    fn labels_read_naturally_in_both_languages() {
        assert_eq!(level_label(DeputyLevel::County, Lang::Zh), "县（区）人大代表");
        assert_eq!(level_label(DeputyLevel::County, Lang::En), "County-level deputy");
        assert_eq!(capitalised(StationKind::Point.label_en()), "Point");
    }
}
