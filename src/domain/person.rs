//! People's names: parsed with limits, masked for display (张*).

use super::field::FieldError;
use super::text;

pub const MAX_NAME_CHARS: usize = 50;

/// A person's name as typed (Chinese or Latin), trimmed, 1–50 characters.
pub fn parse_name(field: &'static str, raw: &str) -> Result<String, FieldError> {
    text::required_line(field, raw, MAX_NAME_CHARS)
}

/// Keeps the first character: 张三 → 张*, 欧阳娜娜 → 欧***, Li Wei → L*****.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars().filter(|c| !c.is_whitespace());
    match chars.next() {
        None => String::new(),
        Some(first) => {
            let rest = chars.count().max(1);
            format!("{first}{}", "*".repeat(rest))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_all_but_the_first_character() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name("王"), "王*");
        assert_eq!(mask_name("Li Wei"), "L****");
        assert_eq!(mask_name(""), "");
    }
}
