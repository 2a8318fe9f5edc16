//! Page language: Simplified Chinese by default, English on request (`?lang=en`, remembered
//! in a cookie, or the browser's Accept-Language).
use std::borrow::Cow;
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use crate::domain::field::{FieldError, Problem};

pub const LANG_COOKIE: &str = "lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// `lang` attribute of the page.
    pub fn html_lang(self) -> &'static str {
        self.code()
    }

    /// The value used in `?lang=`.
    pub fn param(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub fn parse_param(value: &str) -> Option<Lang> {
        match value.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh-hans" | "cn" => Some(Lang::Zh),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn of(req: &HttpRequest) -> Lang {
        if let Some(lang) = query_lang(req.query_string()) {
            return lang;
        }
        if let Some(lang) = req.cookie(LANG_COOKIE).and_then(|c| Lang::parse_param(c.value())) {
            return lang;
        }
        req.headers()
            .get(actix_web::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(from_accept_language)
            .unwrap_or_default()
    }

    /// One of two words written in place (for labels not worth a locale key).
    pub fn pick(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    pub fn t<'a>(self, key: &'a str) -> Cow<'a, str> {
        rust_i18n::t!(key, locale = self.code())
    }

    /// A field problem in this language, e.g. "必填" / "is required". A message written for
    /// this field (`field.<code>.<field>`) wins over the generic one.
    pub fn field_message(self, error: &FieldError) -> String {
        let l = self.code();
        let specific = format!("field.{}.{}", error.code(), error.field);
        let text = rust_i18n::t!(&specific, locale = l);
        if text != specific {
            return text.into_owned();
        }
        match &error.problem {
            Problem::Required => rust_i18n::t!("field.required", locale = l).into_owned(),
            Problem::TooShort { min } => rust_i18n::t!("field.too_short", locale = l, min = min).into_owned(),
            Problem::TooLong { max } => rust_i18n::t!("field.too_long", locale = l, max = max).into_owned(),
            Problem::Invalid(_) => rust_i18n::t!("field.invalid", locale = l).into_owned(),
            Problem::OutOfRange { min, max } => {
                rust_i18n::t!("field.out_of_range", locale = l, min = min, max = max).into_owned()
            }
            Problem::Unknown => rust_i18n::t!("field.unknown", locale = l).into_owned(),
            Problem::Described(text) => text.clone(),
        }
    }
}

/// `lang=` in a query string, if present and known.
pub fn query_lang(query: &str) -> Option<Lang> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == "lang")
        .and_then(|(_, value)| Lang::parse_param(value))
}

/// The first language in Accept-Language that we speak: Chinese unless English comes first.
fn from_accept_language(header: &str) -> Lang {
    for part in header.split(',') {
        let tag = part.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if tag.starts_with("zh") {
            return Lang::Zh;
        }
        if tag.starts_with("en") {
            return Lang::En;
        }
    }
    Lang::Zh
}

impl FromRequest for Lang {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Lang::of(req)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_the_first_known() {
        assert_eq!(from_accept_language("en-US,en;q=0.9,zh;q=0.8"), Lang::En);
        assert_eq!(from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh);
        assert_eq!(from_accept_language("fr-FR,en;q=0.5"), Lang::En);
        assert_eq!(from_accept_language("fr-FR"), Lang::Zh);
    }

    #[test]
    fn query_parameter_wins() {
        assert_eq!(query_lang("a=1&lang=en"), Some(Lang::En));
        assert_eq!(query_lang("lang=xx"), None);
    }

    #[test]
    fn translations_exist_in_both_languages() {
        assert_eq!(Lang::Zh.t("app.name"), "码上说事");
        assert_eq!(Lang::En.t("app.name"), "Liaison");
        assert_eq!(Lang::Zh.field_message(&FieldError::required("x")), "必填");
        assert_eq!(Lang::En.field_message(&FieldError::new("x", Problem::TooLong { max: 5 })), "at most 5 characters");
    }
}
