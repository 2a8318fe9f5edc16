//! Request bodies and queries that the pages and the API both read, parsed into the domain
//! types the services take: one parser per input, whether it came as JSON or as a form.
pub mod activities;
pub mod audit;
pub mod books;
pub mod cases;
pub mod ledgers;
pub mod organisation;
pub mod public_report;
pub mod reception;
pub mod suggestions;

use crate::domain::field::FieldError;
use crate::domain::phone::Phone;
use crate::domain::text;
use crate::error::AppError;

/// Collects the problems of a whole body before answering 422 with all of them.
#[derive(Default)]
pub struct Parser {
    errors: Vec<FieldError>,
}

impl Parser {
    pub fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.errors.push(error);
                None
            }
        }
    }

    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// `Ok(value)` only if nothing went wrong; the closure runs only then.
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, AppError> {
        if !self.errors.is_empty() {
            return Err(AppError::Validation(self.errors));
        }
        build().ok_or_else(|| AppError::internal(anyhow::anyhow!("parser finished without a value")))
    }
}

pub fn optional_phone(field: &'static str, raw: Option<&str>) -> Result<Option<Phone>, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => Phone::parse(field, value).map(Some),
    }
}

/// PATCH helpers: `None` = unchanged, `Some(None)` = cleared.
pub fn patch_line(
    field: &'static str,
    raw: Option<Option<String>>,
    max: usize,
) -> Result<Option<Option<String>>, FieldError> {
    match raw {
        None => Ok(None),
        Some(value) => text::optional_line(field, value.as_deref(), max).map(Some),
    }
}

pub fn patch_text(
    field: &'static str,
    raw: Option<Option<String>>,
    max: usize,
) -> Result<Option<Option<String>>, FieldError> {
    match raw {
        None => Ok(None),
        Some(value) => text::optional_text(field, value.as_deref(), max).map(Some),
    }
}

pub fn patch_phone(field: &'static str, raw: Option<Option<String>>) -> Result<Option<Option<Phone>>, FieldError> {
    match raw {
        None => Ok(None),
        Some(value) => optional_phone(field, value.as_deref()).map(Some),
    }
}

/// Parses a vocabulary value (`kind`, `level`, `tier`, `role`…), naming the choices.
pub fn choice<T: std::str::FromStr>(field: &'static str, raw: &str, expected: &'static str) -> Result<T, FieldError> {
    raw.trim().parse::<T>().map_err(|_| FieldError::invalid(field, expected))
}
