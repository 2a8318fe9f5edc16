//! Single values: phone numbers, tracking codes and tokens, bounded text.
use crate::domain::phone::{Phone, mask_phone};
use crate::domain::text;
use crate::domain::token::{PUBLIC_TOKEN_LEN, looks_like_public_token};
use crate::domain::tracking::{LEN, TrackingCode};
use crate::photos::is_valid_hash;

/// A parsed phone prints in a normal form that parses back to the same phone; its masked form
/// hides digits and is no longer a phone.
pub fn phone(data: &[u8]) {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    let masked_stored = mask_phone(raw);
    let Ok(parsed) = Phone::parse("phone", raw) else {
        assert_eq!(masked_stored, "****");
        return;
    };
    let normal = parsed.to_string();
    assert_eq!(Phone::parse("phone", &normal).as_ref(), Ok(&parsed), "{raw:?} printed as {normal:?}");
    assert_eq!(mask_phone(&normal), parsed.masked());
    let masked = parsed.masked();
    assert!(masked.contains("***"), "{masked:?}");
    assert!(Phone::parse("phone", &masked).is_err(), "the masked {masked:?} parses");
    match &parsed {
        Phone::Mobile(digits) => {
            assert_eq!(digits.len(), 11);
            assert!(digits.bytes().all(|b| b.is_ascii_digit()) && digits.starts_with('1'));
        }
        Phone::Landline { area, number, extension } => {
            assert!(area.starts_with('0') && (3..=4).contains(&area.len()));
            assert!((7..=8).contains(&number.len()) && !number.starts_with('0'));
            let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
            assert!(all_digits(area) && all_digits(number));
            assert!(extension.as_deref().is_none_or(|e| (1..=6).contains(&e.len()) && all_digits(e)));
        }
    }
}

/// A tracking code is 12 characters of its alphabet and reads back from every way it is shown;
/// tokens and photo hashes that pass their checks cannot leave a URL path or a directory.
pub fn tokens(data: &[u8]) {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    if let Some(code) = TrackingCode::parse(raw) {
        let stored = code.as_str();
        assert_eq!(stored.len(), LEN);
        assert!(stored.bytes().all(|b| b.is_ascii_digit() || (b.is_ascii_uppercase() && !b"ILOU".contains(&b))));
        assert_eq!(TrackingCode::parse(stored).as_ref(), Some(&code));
        assert_eq!(TrackingCode::parse(&code.display()).as_ref(), Some(&code));
        assert_eq!(TrackingCode::parse(&code.display().to_lowercase()).as_ref(), Some(&code));
    }
    if looks_like_public_token(raw) {
        assert_eq!(raw.len(), PUBLIC_TOKEN_LEN);
        assert!(raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    }
    if is_valid_hash(raw) {
        assert_eq!(raw.len(), 64);
        assert!(raw.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    }
}

/// Bounded text comes back trimmed, within its bounds counted in characters, free of control
/// characters (line breaks only in multi-line text, as `\n`), and parses back to itself.
pub fn text(data: &[u8]) {
    let Some((&bounds, rest)) = data.split_first() else { return };
    let Ok(raw) = std::str::from_utf8(rest) else { return };
    let min = usize::from(bounds >> 4);
    let max = min + usize::from(bounds & 0x0F) + 1;
    let check = |value: &str, min: usize, multiline: bool| {
        assert_eq!(value, value.trim(), "not trimmed");
        let length = value.chars().count();
        assert!(length <= max, "{length} characters over {max}: {value:?}");
        // What a reader sees meets the minimum: invisible characters count for nothing.
        let visible = text::visible_chars(value);
        assert!(visible >= min.max(1), "{visible} visible characters under {min}: {value:?}");
        for c in value.chars() {
            let line_break = c == '\n' || c == '\t';
            assert!(!c.is_control() || (multiline && line_break), "control character {c:?} in {value:?}");
        }
    };
    if let Ok(value) = text::required_line("f", raw, max) {
        check(&value, 1, false);
        assert_eq!(text::required_line("f", &value, max).as_ref(), Ok(&value));
    }
    if let Ok(Some(value)) = text::optional_line("f", Some(raw), max) {
        check(&value, 1, false);
    }
    if let Ok(value) = text::required_text("f", raw, min, max) {
        check(&value, min, true);
        assert_eq!(text::required_text("f", &value, min, max).as_ref(), Ok(&value));
    }
    if let Ok(Some(value)) = text::optional_text("f", Some(raw), max) {
        check(&value, 1, true);
    }
}
