//! Tracking codes: the resident's key to their case. Random (60 bits), short enough to read
//! over the phone, case-insensitive, without look-alike characters.
use std::fmt;

use rand::Rng;

use super::case_state::Satisfaction;
use super::field::FieldError;
use super::intake::MAX_COMMENT_CHARS;
use super::text;

/// Crockford's base32: digits and letters without I, L, O, U.
const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// 12 characters × 5 bits = 60 bits: guessing one of a million live codes takes ~10^12 tries.
pub const LEN: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrackingCode(String);

impl TrackingCode {
    pub fn generate() -> TrackingCode {
        let mut rng = rand::rng();
        TrackingCode((0..LEN).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect())
    }

    /// Reads a code as people type or say it: any case, with spaces or dashes, and the
    /// look-alikes O→0, I/L→1 forgiven. `None` if it cannot be a code.
    pub fn parse(raw: &str) -> Option<TrackingCode> {
        let mut code = String::with_capacity(LEN);
        for c in raw.trim().chars() {
            let c = match c.to_ascii_uppercase() {
                ' ' | '-' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
                _ => return None,
            };
            code.push(c);
            if code.len() > LEN {
                return None;
            }
        }
        (code.len() == LEN).then_some(TrackingCode(code))
    }

    /// As stored and used in URLs: 12 upper-case characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// As shown to people: three groups of four, `7KQ2-9XMD-4TRA`.
    pub fn display(&self) -> String {
        format!("{}-{}-{}", &self.0[0..4], &self.0[4..8], &self.0[8..12])
    }
}

impl fmt::Display for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A resident's rating of the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Rating {
    pub satisfaction: Satisfaction,
    pub solved: bool,
    pub comment: Option<String>,
}

/// A rating as the form or the JSON sends it: how satisfied, whether solved (required), and
/// an optional comment of at most 500 characters.
pub fn parse_rating(satisfaction: &str, solved: Option<bool>, comment: Option<&str>) -> Result<Rating, FieldError> {
    let comment = text::optional_text("comment", comment, MAX_COMMENT_CHARS)?;
    match (satisfaction.parse::<Satisfaction>(), solved) {
        (Ok(satisfaction), Some(solved)) => Ok(Rating { satisfaction, solved, comment }),
        (Err(_), _) => Err(FieldError::invalid("satisfaction", "satisfied, basically_satisfied or dissatisfied")),
        (_, None) => Err(FieldError::required("solved")),
    }
}

/// The resident's reason for withdrawing: optional, at most 500 characters.
pub fn parse_withdraw_reason(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    text::optional_text("reason", raw, MAX_COMMENT_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_parse_back() {
        for _ in 0..100 {
            let code = TrackingCode::generate();
            assert_eq!(TrackingCode::parse(code.as_str()), Some(code.clone()));
            assert_eq!(TrackingCode::parse(&code.display().to_lowercase()), Some(code));
        }
    }

    #[test]
    fn forgiving_input() {
        let code = TrackingCode::parse("7kq2 9xmd 4tra").unwrap();
        assert_eq!(code.as_str(), "7KQ29XMD4TRA");
        assert_eq!(code.display(), "7KQ2-9XMD-4TRA");
        assert_eq!(TrackingCode::parse("O0IL-0000-0000").unwrap().as_str(), "001100000000");
    }

    #[test]
    fn refuses_what_cannot_be_a_code() {
        assert_eq!(TrackingCode::parse(""), None);
        assert_eq!(TrackingCode::parse("7KQ2-9XMD-4TR"), None);
        assert_eq!(TrackingCode::parse("7KQ2-9XMD-4TRAX"), None);
        assert_eq!(TrackingCode::parse("7KQ2-9XMD-4TRU"), None);
        assert_eq!(TrackingCode::parse("../../etc/passwd"), None);
        assert_eq!(TrackingCode::parse("七KQ29XMD4TRA"), None);
    }
}
