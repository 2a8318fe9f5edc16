//! The edge gate (`http::input_guard`): whatever bytes arrive as a query string, a form or a
//! JSON body, what it lets through holds no control character a handler could pass on (a NUL
//! to PostgreSQL), and no query value longer than its bound.
use crate::http::input_guard::{MAX_QUERY_VALUE_CHARS, check_form, check_json, check_query, is_refused_char};

fn strings_clean(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(text) => !text.chars().any(is_refused_char),
        serde_json::Value::Array(items) => items.iter().all(strings_clean),
        serde_json::Value::Object(members) => {
            members.iter().all(|(key, member)| !key.chars().any(is_refused_char) && strings_clean(member))
        }
        _ => true,
    }
}

pub fn input_guard(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && check_query(text).is_ok()
    {
        for (name, value) in form_urlencoded::parse(data) {
            assert!(!name.chars().chain(value.chars()).any(is_refused_char), "{name:?}={value:?} let through");
            if name != "next" {
                assert!(value.chars().count() <= MAX_QUERY_VALUE_CHARS, "{name} too long let through");
            }
        }
    }
    if check_form(data).is_ok() {
        for (name, value) in form_urlencoded::parse(data) {
            assert!(!name.chars().chain(value.chars()).any(is_refused_char), "{name:?}={value:?} let through");
        }
    }
    if check_json(data).is_ok()
        && let Ok(value) = serde_json::from_slice::<serde_json::Value>(data)
    {
        assert!(strings_clean(&value), "a control character let through in {value}");
    }
}
