//! Mainland China phone numbers: mobiles (1[3-9]x, 11 digits) and landlines (area code +
//! 7–8 digits, optional extension). Parsed into one normal form, masked for display.
use std::fmt;

use super::field::FieldError;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Phone {
    /// 11 digits, e.g. `13812341234`.
    Mobile(String),
    /// `0AA(A)-NNNNNNN(N)` with an optional `-ext`.
    Landline { area: String, number: String, extension: Option<String> },
}

const EXPECTED: &str = "a mainland mobile (11 digits) or landline number (area code and number)";

impl Phone {
    pub fn parse(field: &'static str, raw: &str) -> Result<Phone, FieldError> {
        let invalid = || FieldError::invalid(field, EXPECTED);
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(FieldError::required(field));
        }
        if trimmed.chars().count() > 30 {
            return Err(invalid());
        }
        // Extension: 转 / ext / # / x after the main number.
        let (main, extension) = split_extension(trimmed);
        let mut digits: String = String::new();
        for c in main.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '(' | ')' | '（' | '）' | '.' => {}
                '+' if digits.is_empty() => {}
                _ => return Err(invalid()),
            }
        }
        // Country code: 0086…, +86…, or 86 + an 11-digit mobile. An area code after it may be
        // written without its trunk 0 (+86 10 …).
        let national = if let Some(rest) = digits.strip_prefix("0086") {
            Some(rest.to_string())
        } else if main.starts_with('+') {
            match digits.strip_prefix("86") {
                Some(rest) => Some(rest.to_string()),
                None => return Err(invalid()),
            }
        } else if digits.len() == 13 && digits.starts_with("86") {
            Some(digits[2..].to_string())
        } else {
            None
        };
        if let Some(rest) = national {
            digits = if rest.starts_with('0') || (rest.starts_with('1') && rest.len() == 11) {
                rest
            } else {
                format!("0{rest}")
            };
        }
        let extension = match extension {
            Some(ext) if !ext.is_empty() && ext.len() <= 6 && ext.chars().all(|c| c.is_ascii_digit()) => {
                Some(ext.to_string())
            }
            Some(_) => return Err(invalid()),
            None => None,
        };

        if digits.len() == 11 && digits.starts_with('1') {
            let second = digits.as_bytes()[1];
            if (b'3'..=b'9').contains(&second) && extension.is_none() {
                return Ok(Phone::Mobile(digits));
            }
            return Err(invalid());
        }
        if digits.starts_with('0') && !digits.starts_with("00") {
            // Area codes: 010, 02X are three digits; others four (0371, 0755 …).
            let area_len = if digits.starts_with("010") || digits.starts_with("02") { 3 } else { 4 };
            if digits.len() <= area_len {
                return Err(invalid());
            }
            let (area, number) = digits.split_at(area_len);
            if (7..=8).contains(&number.len()) && !number.starts_with('0') {
                return Ok(Phone::Landline { area: area.to_string(), number: number.to_string(), extension });
            }
        }
        Err(invalid())
    }

    /// For display to people who may not see it: 138****1234, 010-****5678.
    pub fn masked(&self) -> String {
        match self {
            Phone::Mobile(digits) => format!("{}****{}", &digits[..3], &digits[7..]),
            Phone::Landline { area, number, .. } => {
                format!("{area}-{}{}", "*".repeat(number.len() - 4), &number[number.len() - 4..])
            }
        }
    }

    pub fn is_mobile(&self) -> bool {
        matches!(self, Phone::Mobile(_))
    }
}

fn split_extension(raw: &str) -> (&str, Option<&str>) {
    for marker in ["转", "ext.", "ext", "EXT", "#", "x", "X"] {
        if let Some(index) = raw.find(marker) {
            let (main, ext) = raw.split_at(index);
            return (main, Some(ext[marker.len()..].trim()));
        }
    }
    // The normal form this module prints and stores, `0AA(A)-NNNNNNN(N)-EXT`, reads back.
    if let Some((main, ext)) = raw.rsplit_once('-')
        && let Some((area, number)) = main.split_once('-')
    {
        let digits = |s: &str, lengths: std::ops::RangeInclusive<usize>| {
            lengths.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
        };
        if area.starts_with('0') && digits(area, 3..=4) && digits(number, 7..=8) && digits(ext, 1..=6) {
            return (main, Some(ext));
        }
    }
    (raw, None)
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Phone::Mobile(digits) => f.write_str(digits),
            Phone::Landline { area, number, extension: None } => write!(f, "{area}-{number}"),
            Phone::Landline { area, number, extension: Some(ext) } => write!(f, "{area}-{number}-{ext}"),
        }
    }
}

/// Masks a stored phone string for display; anything unparseable is fully masked.
pub fn mask_phone(stored: &str) -> String {
    match Phone::parse("phone", stored) {
        Ok(phone) => phone.masked(),
        Err(_) => "****".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> String {
        Phone::parse("phone", raw).unwrap().to_string()
    }

    #[test]
    fn mobiles_in_every_common_spelling() {
        assert_eq!(ok("13812341234"), "13812341234");
        assert_eq!(ok("138 1234 1234"), "13812341234");
        assert_eq!(ok("138-1234-1234"), "13812341234");
        assert_eq!(ok("+86 138 1234 1234"), "13812341234");
        assert_eq!(ok("8613812341234"), "13812341234");
        assert_eq!(ok("008613812341234"), "13812341234");
        assert_eq!(ok("19912341234"), "19912341234");
    }

    #[test]
    fn landlines_with_area_codes_and_extensions() {
        assert_eq!(ok("010-12345678"), "010-12345678");
        assert_eq!(ok("(0371)6612345"), "0371-6612345");
        assert_eq!(ok("0755 2345 6789"), "0755-23456789");
        assert_eq!(ok("021-62345678转123"), "021-62345678-123");
        assert_eq!(ok("+86 10 12345678"), "010-12345678");
    }

    #[test]
    fn rejects_what_is_not_a_phone() {
        for bad in [
            "12345",
            "12812341234",
            "1381234123",
            "138123412345",
            "abc",
            "010-1234",
            "010-012345678",
            "+1 415 555 1234",
            "138****1234",
            "13812341234转12",
        ] {
            assert!(Phone::parse("phone", bad).is_err(), "{bad} should be refused");
        }
        assert_eq!(Phone::parse("phone", "  ").unwrap_err().problem, super::super::field::Problem::Required);
    }

    #[test]
    fn the_printed_form_reads_back_extension_included() {
        // Found by the `phone` fuzz target: a landline with an extension was stored as
        // 021-62345678-123 and then no longer parsed (masked as **** in the ledgers).
        for raw in ["021-62345678转123", "(0371)6612345 ext 9", "010-12345678#456789"] {
            let phone = Phone::parse("phone", raw).unwrap();
            assert_eq!(Phone::parse("phone", &phone.to_string()), Ok(phone.clone()), "{raw}");
            assert_eq!(mask_phone(&phone.to_string()), phone.masked());
        }
        assert_eq!(ok("010-1234-5678"), "010-12345678");
        assert!(Phone::parse("phone", "010-12345678-1234567").is_err());
    }

    #[test]
    fn masks_the_middle() {
        assert_eq!(Phone::parse("p", "13812341234").unwrap().masked(), "138****1234");
        assert_eq!(Phone::parse("p", "010-12345678").unwrap().masked(), "010-****5678");
        assert_eq!(mask_phone("garbage"), "****");
    }
}
