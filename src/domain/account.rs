//! Staff account names and passwords.
use super::field::{FieldError, Problem};

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// 3–32 characters: lower-case letters, digits, `.`, `_`, `-`; stored lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Username, FieldError> {
        let value = raw.trim().to_ascii_lowercase();
        if value.is_empty() {
            return Err(FieldError::required("username"));
        }
        if value.len() < 3 {
            return Err(FieldError::new("username", Problem::TooShort { min: 3 }));
        }
        if value.len() > 32 {
            return Err(FieldError::new("username", Problem::TooLong { max: 32 }));
        }
        let valid = value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
            && value.starts_with(|c: char| c.is_ascii_alphanumeric());
        if !valid {
            return Err(FieldError::invalid(
                "username",
                "letters, digits, '.', '_' or '-', starting with a letter or digit",
            ));
        }
        Ok(Username(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A new password: 8–128 characters, not all one kind of character.
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(field: &'static str, raw: &str) -> Result<NewPassword, FieldError> {
        let length = raw.chars().count();
        if length == 0 {
            return Err(FieldError::required(field));
        }
        if length < MIN_PASSWORD_CHARS {
            return Err(FieldError::new(field, Problem::TooShort { min: MIN_PASSWORD_CHARS }));
        }
        if length > MAX_PASSWORD_CHARS {
            return Err(FieldError::new(field, Problem::TooLong { max: MAX_PASSWORD_CHARS }));
        }
        let distinct: std::collections::HashSet<char> = raw.chars().collect();
        if distinct.len() < 4 {
            return Err(FieldError::invalid(field, "a password with at least 4 different characters"));
        }
        Ok(NewPassword(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(****)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalised_and_checked() {
        assert_eq!(Username::parse(" Wang.Li ").unwrap().as_str(), "wang.li");
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("-abc").is_err());
        assert!(Username::parse("王丽").is_err());
        assert!(Username::parse(&"a".repeat(33)).is_err());
    }

    #[test]
    fn passwords_need_length_and_variety() {
        assert!(NewPassword::parse("password", "short").is_err());
        assert!(NewPassword::parse("password", "aaaaaaaaaa").is_err());
        assert!(NewPassword::parse("password", "station-2026").is_ok());
        assert_eq!(format!("{:?}", NewPassword::parse("password", "station-2026").unwrap()), "NewPassword(****)");
    }
}
