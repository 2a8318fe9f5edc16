//! One gate for every text input before any handler reads it: query strings, URL-encoded
//! forms and JSON bodies may not carry control characters (NUL breaks PostgreSQL, the others
//! have no business in text), and no query parameter may be longer than a search needs.
//! Multipart forms are read by `http::multipart`, which applies the same character rule.
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{Error, HttpMessage};
use futures_util::StreamExt;

use crate::domain::field::{FieldError, Problem};
use crate::error::AppError;
use crate::http::api::MAX_JSON_BYTES;
use crate::http::pages::PageError;

/// A search of 200 characters is plenty; every query parameter is held to it.
pub const MAX_QUERY_VALUE_CHARS: usize = 200;
/// A sign-in page's `next=` carries the address to come back to, query included.
const MAX_NEXT_CHARS: usize = 2_000;
/// URL-encoded forms larger than this are refused before they are read (the longest staff
/// form, an answer of 2,000 Chinese characters, is about 20 KiB once encoded).
pub const MAX_FORM_BYTES: usize = 256 * 1024;

/// A character no text input may hold: control characters other than tab and line breaks
/// (C0, DEL and C1).
pub fn is_refused_char(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

fn max_chars(name: &str) -> usize {
    if name == "next" { MAX_NEXT_CHARS } else { MAX_QUERY_VALUE_CHARS }
}

/// How a parameter is named in a message: its own name when it is a plain identifier, never
/// anything else a client sent.
fn shown_name(name: &str) -> &str {
    let plain = !name.is_empty()
        && name.len() <= 40
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'[' | b']'));
    if plain { name } else { "a parameter" }
}

fn control_error(place: &'static str, name: &str) -> AppError {
    AppError::field(FieldError::new(
        place,
        Problem::Described(format!("{} holds a control character; send plain text", shown_name(name))),
    ))
}

fn length_error(name: &str, max: usize) -> AppError {
    AppError::field(FieldError::new(
        "query",
        Problem::Described(format!("{} must be at most {max} characters", shown_name(name))),
    ))
}

/// Checks a query string: every name and value free of control characters and bounded.
pub fn check_query(query: &str) -> Result<(), AppError> {
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if name.chars().any(is_refused_char) || value.chars().any(is_refused_char) {
            return Err(control_error("query", &name));
        }
        let max = max_chars(&name);
        if name.chars().count() > MAX_QUERY_VALUE_CHARS || value.chars().count() > max {
            return Err(length_error(&name, max));
        }
    }
    Ok(())
}

/// Checks one field of a form (URL-encoded or multipart).
pub fn check_form_field(name: &str, value: &str) -> Result<(), AppError> {
    if name.chars().any(is_refused_char) || value.chars().any(is_refused_char) {
        return Err(control_error("form", name));
    }
    Ok(())
}

/// Checks a URL-encoded form body.
pub fn check_form(body: &[u8]) -> Result<(), AppError> {
    form_urlencoded::parse(body).try_for_each(|(name, value)| check_form_field(&name, &value))
}

/// Whether a JSON text carries a refused character, escaped (`\u0000`) or raw (DEL and C1
/// are valid raw in JSON strings). A fast scan of the bytes: backslash escapes are skipped
/// in pairs, so an escaped backslash followed by `u0000` is text, not a NUL.
fn json_has_refused_char(body: &[u8]) -> bool {
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'\\' => {
                if body.get(i + 1) == Some(&b'u')
                    && let Some(hex) = body.get(i + 2..i + 6)
                    && let Ok(hex) = std::str::from_utf8(hex)
                    && let Ok(code) = u32::from_str_radix(hex, 16)
                    && char::from_u32(code).is_some_and(is_refused_char)
                {
                    return true;
                }
                i += 2;
            }
            0x00..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F | 0x7F => return true,
            // U+0080–U+009F in UTF-8.
            0xC2 if body.get(i + 1).is_some_and(|b| (0x80..=0x9F).contains(b)) => return true,
            _ => i += 1,
        }
    }
    false
}

/// The name of the first member whose key or text holds a refused character.
fn refused_member(value: &serde_json::Value, name: &str) -> Option<String> {
    match value {
        serde_json::Value::String(text) => text.chars().any(is_refused_char).then(|| name.to_string()),
        serde_json::Value::Array(items) => items.iter().find_map(|item| refused_member(item, name)),
        serde_json::Value::Object(members) => members.iter().find_map(|(key, member)| {
            if key.chars().any(is_refused_char) {
                return Some(String::new());
            }
            refused_member(member, key)
        }),
        _ => None,
    }
}

/// Checks a JSON body; the message names the member when the body parses.
pub fn check_json(body: &[u8]) -> Result<(), AppError> {
    if !json_has_refused_char(body) {
        return Ok(());
    }
    let name = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| refused_member(&value, ""))
        .unwrap_or_default();
    Err(control_error("body", &name))
}

/// A decoding error's message without the values the client sent: serde names the offending
/// value ("invalid type: integer `13912345678`, expected a string"), and that value may be a
/// resident's phone. What was expected, missing field names and the position are kept; long
/// digit runs are masked in what remains, in case a decoder spells a value another way.
pub fn without_values(message: &str) -> String {
    const VALUED: [&str; 5] = ["invalid type", "invalid value", "invalid length", "unknown variant", "unknown field"];
    let position = message.rfind(" at line ").map(|i| &message[i..]).unwrap_or("");
    let message = &message[..message.len() - position.len()];
    let (head, expected) = match message.find(", expected") {
        Some(i) => message.split_at(i),
        None => (message, ""),
    };
    let head = match head.find(['`', '"', '\'']) {
        Some(i) if VALUED.iter().any(|v| head.contains(v)) => head[..i].trim_end().trim_end_matches(':'),
        _ => head,
    };
    crate::domain::redact::mask_long_numbers(&format!("{head}{expected}{position}"))
}

/// Query strings that do not decode into a handler's parameters: 400, as JSON under `/api/`
/// and as a page elsewhere, naming no value.
pub fn query_config() -> actix_web::web::QueryConfig {
    actix_web::web::QueryConfig::default().error_handler(|err, req| {
        let cause = match &err {
            actix_web::error::QueryPayloadError::Deserialize(cause) => without_values(&cause.to_string()),
            _ => "the query could not be read".to_string(),
        };
        let error = AppError::BadRequest(format!("bad query parameters: {cause}"));
        if req.path().starts_with("/api/") { error.into() } else { PageError::from(error).into() }
    })
}

/// URL-encoded forms (staff pages, sign-in): a limit that fits the longest answer, and
/// errors that name no value.
pub fn form_config() -> actix_web::web::FormConfig {
    actix_web::web::FormConfig::default().limit(MAX_FORM_BYTES).error_handler(|err, req| {
        let error = match &err {
            actix_web::error::UrlencodedError::Overflow { .. } => {
                AppError::PayloadTooLarge(format!("the form is larger than {} KiB", MAX_FORM_BYTES / 1024))
            }
            _ => AppError::BadRequest("the form could not be read".into()),
        };
        if req.path().starts_with("/api/") { error.into() } else { PageError::from(error).into() }
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Json,
    Form,
    Other,
}

fn body_kind(req: &ServiceRequest) -> BodyKind {
    let Some(content_type) = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return BodyKind::Other;
    };
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        BodyKind::Json
    } else if essence == "application/x-www-form-urlencoded" {
        BodyKind::Form
    } else {
        BodyKind::Other
    }
}

/// Reads the whole body, up to `limit` bytes.
async fn read_body(payload: &mut Payload, limit: usize) -> Result<Option<Bytes>, Error> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body.freeze()))
}

/// A refusal in the form the caller reads: JSON under `/api/`, a page elsewhere.
fn refuse(req: &ServiceRequest, error: AppError) -> Error {
    if req.path().starts_with("/api/") { error.into() } else { PageError::from(error).into() }
}

pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if let Err(error) = check_query(req.query_string()) {
        return Err(refuse(&req, error));
    }
    let kind = body_kind(&req);
    if kind != BodyKind::Other {
        let limit = if kind == BodyKind::Json { MAX_JSON_BYTES } else { MAX_FORM_BYTES };
        let mut payload = req.take_payload();
        let Some(body) = read_body(&mut payload, limit).await? else {
            let error = AppError::PayloadTooLarge(format!("the body is larger than {} KiB", limit / 1024));
            return Err(refuse(&req, error));
        };
        let checked = if kind == BodyKind::Json { check_json(&body) } else { check_form(&body) };
        if let Err(error) = checked {
            return Err(refuse(&req, error));
        }
        req.set_payload(Payload::from(body));
    }
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn described(error: AppError) -> (String, String) {
        match error {
            AppError::Validation(fields) => (fields[0].field.to_string(), fields[0].message_en()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn query_values_are_free_of_control_characters() {
        assert!(check_query("q=%E8%B7%AF%E7%81%AF&status=open").is_ok());
        let (field, message) = described(check_query("page=1&q=%00").unwrap_err());
        assert_eq!(field, "query");
        assert!(message.starts_with("q "), "{message}");
        assert!(check_query("action=a%01b").is_err());
        assert!(check_query("q=%7F").is_err());
        assert!(check_query("q=%C2%85").is_err(), "C1 NEL");
        // A name made of the bad input is not repeated.
        let (_, message) = described(check_query("13812345678%00=1").unwrap_err());
        assert!(!message.contains("138"), "{message}");
    }

    #[test]
    fn query_values_are_bounded_and_named() {
        assert!(check_query(&format!("q={}", "路".repeat(200))).is_ok());
        let (field, message) = described(check_query(&format!("q={}", "a".repeat(201))).unwrap_err());
        assert_eq!(field, "query");
        assert_eq!(message, "q must be at most 200 characters");
        assert!(check_query(&format!("q={}", "%25".repeat(50_001))).is_err());
        assert!(check_query(&format!("next=/app/cases?{}", "x".repeat(1_000))).is_ok());
    }

    #[test]
    fn json_escapes_and_raw_controls_are_found_and_named() {
        assert!(check_json(br#"{"username":"admin","password":"x"}"#).is_ok());
        assert!(check_json("{\"content\":\"第一行\\n第二行\\t\"}".as_bytes()).is_ok());
        // An escaped backslash before u0000 is text.
        assert!(check_json(br#"{"q":"C:\\u0000"}"#).is_ok());
        let (field, message) = described(check_json(br#"{"username":"adm\u0000in"}"#).unwrap_err());
        assert_eq!(field, "body");
        assert!(message.starts_with("username "), "{message}");
        let (_, message) = described(check_json(br#"{"items":[{"note":"a\u001Fb"}]}"#).unwrap_err());
        assert!(message.starts_with("note "), "{message}");
        assert!(check_json("{\"a\":\"\u{7f}\"}".as_bytes()).is_err());
        assert!(check_json("{\"a\":\"\u{85}\"}".as_bytes()).is_err());
        assert!(check_json(br#"{"a":"\u0000"#).is_err(), "broken JSON with a NUL is refused too");
    }

    #[test]
    fn decoding_errors_name_no_value() {
        assert_eq!(
            without_values("invalid type: integer `13912345678`, expected a string at line 1 column 40"),
            "invalid type: integer, expected a string at line 1 column 40"
        );
        assert_eq!(
            without_values("invalid type: string \"13912345678\", expected i32"),
            "invalid type: string, expected i32"
        );
        assert_eq!(
            without_values("unknown variant `13912345678`, expected one of `open`, `all`"),
            "unknown variant, expected one of `open`, `all`"
        );
        assert_eq!(
            without_values("missing field `content` at line 1 column 2"),
            "missing field `content` at line 1 column 2"
        );
        assert_eq!(without_values("invalid digit found in string"), "invalid digit found in string");
        assert!(!without_values("some decoder said 13912345678").contains("12345"));
    }

    #[test]
    fn forms_are_checked_after_decoding() {
        assert!(check_form(b"csrf=x&username=admin&note=a%0D%0Ab").is_ok());
        assert!(check_form(b"username=adm%00in").is_err());
    }
}
