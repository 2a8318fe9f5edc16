//! A problem with one input field: which field, and what is wrong with it.
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Required,
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
    },
    /// Not of the expected form; the payload names the form ("a mainland phone number").
    Invalid(&'static str),
    OutOfRange {
        min: i64,
        max: i64,
    },
    /// Names something that does not exist or that the person may not use.
    Unknown,
    /// Not of the expected form, with a specific explanation (e.g. the line of a file).
    Described(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub problem: Problem,
}

impl FieldError {
    pub fn new(field: &'static str, problem: Problem) -> Self {
        FieldError { field, problem }
    }

    pub fn required(field: &'static str) -> Self {
        Self::new(field, Problem::Required)
    }

    pub fn invalid(field: &'static str, expected: &'static str) -> Self {
        Self::new(field, Problem::Invalid(expected))
    }

    pub fn unknown(field: &'static str) -> Self {
        Self::new(field, Problem::Unknown)
    }

    pub fn code(&self) -> &'static str {
        match self.problem {
            Problem::Required => "required",
            Problem::TooShort { .. } => "too_short",
            Problem::TooLong { .. } => "too_long",
            Problem::Invalid(_) | Problem::Described(_) => "invalid",
            Problem::OutOfRange { .. } => "out_of_range",
            Problem::Unknown => "unknown",
        }
    }

    pub fn message_en(&self) -> String {
        match &self.problem {
            Problem::Required => "is required".into(),
            Problem::TooShort { min } => format!("must be at least {min} characters"),
            Problem::TooLong { max } => format!("must be at most {max} characters"),
            Problem::Invalid(expected) => format!("must be {expected}"),
            Problem::OutOfRange { min, max } => format!("must be between {min} and {max}"),
            Problem::Unknown => "does not exist or is not available to you".into(),
            Problem::Described(text) => text.clone(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message_en())
    }
}

/// Collects field errors so a form reports every problem at once, not the first only.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value if it parsed, remembers the error otherwise.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(error);
                None
            }
        }
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() { Ok(()) } else { Err(self.0) }
    }
}
