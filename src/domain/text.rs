//! Bounded, trimmed text. Lengths count characters (a Chinese character is one), not bytes.
use super::field::{FieldError, Problem};

/// Characters that have no business in a form field: control characters other than line
/// breaks and tabs, and the Unicode direction overrides used to disguise text.
fn has_forbidden_chars(value: &str, multiline: bool) -> bool {
    value.chars().any(|c| {
        (c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t')))
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    })
}

/// Characters that take no room on screen: zero-width spaces and joiners, the byte-order mark,
/// soft hyphens, invisible operators, tag and other Unicode format (Cf) characters, and the
/// fillers that render as blank (Hangul fillers, braille blank).
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFFB}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// How many characters a reader sees: white space and invisible characters not counted.
pub fn visible_chars(value: &str) -> usize {
    value.chars().filter(|c| !c.is_whitespace() && !c.is_control() && !is_invisible(*c)).count()
}

/// Trims white space and invisible characters from both ends.
fn trim_blank(raw: &str) -> &str {
    raw.trim_matches(|c: char| c.is_whitespace() || is_invisible(c))
}

fn parse(field: &'static str, raw: &str, min: usize, max: usize, multiline: bool) -> Result<String, FieldError> {
    let trimmed = trim_blank(raw);
    // Line breaks become `\n` before counting, so what is stored is what was measured.
    let normalized;
    let value = if multiline && trimmed.contains('\r') {
        normalized = trimmed.replace("\r\n", "\n").replace('\r', "\n");
        normalized.as_str()
    } else {
        trimmed
    };
    // The upper bound counts what is stored; "required" and the lower bound count what a
    // reader sees, so ten zero-width spaces are not a matter.
    let length = value.chars().count();
    let visible = visible_chars(value);
    if visible == 0 {
        return Err(FieldError::required(field));
    }
    if visible < min {
        return Err(FieldError::new(field, Problem::TooShort { min }));
    }
    if length > max {
        return Err(FieldError::new(field, Problem::TooLong { max }));
    }
    if has_forbidden_chars(value, multiline) {
        return Err(FieldError::invalid(field, "plain text without control characters"));
    }
    Ok(value.to_string())
}

/// A required single-line text of at most `max` characters.
pub fn required_line(field: &'static str, raw: &str, max: usize) -> Result<String, FieldError> {
    parse(field, raw, 1, max, false)
}

/// An optional single-line text: blank becomes `None`.
pub fn optional_line(field: &'static str, raw: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match raw.map(trim_blank) {
        None | Some("") => Ok(None),
        Some(value) => parse(field, value, 1, max, false).map(Some),
    }
}

/// A required multi-line text (line breaks kept).
pub fn required_text(field: &'static str, raw: &str, min: usize, max: usize) -> Result<String, FieldError> {
    parse(field, raw, min, max, true)
}

/// An optional multi-line text: blank becomes `None`.
pub fn optional_text(field: &'static str, raw: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match raw.map(trim_blank) {
        None | Some("") => Ok(None),
        Some(value) => parse(field, value, 1, max, true).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes() {
        assert_eq!(required_line("name", "  张三  ", 2).unwrap(), "张三");
        assert!(matches!(required_line("name", "张三丰", 2).unwrap_err().problem, Problem::TooLong { max: 2 }));
    }

    #[test]
    fn blank_is_required_or_none() {
        assert_eq!(required_line("name", "   ", 10).unwrap_err().problem, Problem::Required);
        assert_eq!(optional_line("addr", Some("  "), 10).unwrap(), None);
        assert_eq!(optional_line("addr", None, 10).unwrap(), None);
    }

    #[test]
    fn control_characters_are_refused_but_line_breaks_kept_in_text() {
        assert!(required_line("name", "a\u{0007}b", 10).is_err());
        assert!(required_line("name", "a\nb", 10).is_err());
        assert_eq!(required_text("content", "第一行\r\n第二行", 1, 100).unwrap(), "第一行\n第二行");
        assert!(required_text("content", "abc\u{202E}cba", 1, 100).is_err());
    }

    #[test]
    fn line_breaks_are_normalised_before_counting() {
        // Found by the `text` fuzz target: a lone CR was stored as is, and CRLF pairs counted
        // twice, so "a\r\n\r\nb" passed a minimum of 5 and was stored as 4 characters.
        assert_eq!(required_text("content", "一\r二\r\n三", 1, 100).unwrap(), "一\n二\n三");
        assert!(matches!(
            required_text("content", "a\r\n\r\nb", 5, 100).unwrap_err().problem,
            Problem::TooShort { min: 5 }
        ));
        assert_eq!(required_text("content", "ab\r\r\ncd", 1, 100).unwrap(), "ab\n\ncd");
    }

    #[test]
    fn invisible_characters_are_not_text() {
        // Found by the penetration test: ten zero-width spaces were accepted as a case.
        let zero_width = "\u{200B}".repeat(10);
        assert_eq!(required_text("content", &zero_width, 5, 100).unwrap_err().problem, Problem::Required);
        assert_eq!(required_line("name", "\u{FEFF}\u{2060}\u{3164}", 10).unwrap_err().problem, Problem::Required);
        assert_eq!(optional_line("addr", Some("\u{200B}\u{200C}"), 10).unwrap(), None);
        // Padding a short text with invisible characters does not reach the minimum.
        let padded = format!("短{}", "\u{200D}".repeat(10));
        assert!(matches!(required_text("content", &padded, 5, 100).unwrap_err().problem, Problem::TooShort { min: 5 }));
        // Visible text keeps its inner joiners (emoji sequences) and loses the invisible ends.
        assert_eq!(
            required_text("content", "\u{200B}路灯坏了👨\u{200D}👩\u{200B}", 1, 100).unwrap(),
            "路灯坏了👨\u{200D}👩"
        );
        assert_eq!(visible_chars("a\u{200B} b"), 2);
    }

    #[test]
    fn minimum_length() {
        assert!(matches!(required_text("content", "短", 5, 100).unwrap_err().problem, Problem::TooShort { min: 5 }));
    }
}
