//! Personal data out of texts shown to the public (四公开): what residents wrote is published
//! only after numbers long enough to be a phone, an ID card or an account number are cut to
//! their first three and last two digits, and the names the case is known to carry (the
//! resident's own) are masked (张*).
use super::person::mask_name;

/// A run of at least this many digits is masked.
pub const MIN_DIGITS: usize = 7;
const KEEP_HEAD: usize = 3;
const KEEP_TAIL: usize = 2;
/// From this many digits a trailing X is the check character of an ID card number.
const ID_DIGITS: usize = 14;

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// Characters people put between the digits of one number: 138-1234-5678, 138 1234 5678.
fn is_separator(c: char) -> bool {
    matches!(c, '-' | ' ' | '－' | '\u{3000}' | '.')
}

/// A date written with separators (2026-03-02, 2026.3.2): four digits, then two groups of
/// one or two.
fn is_date(run: &[char]) -> bool {
    let groups: Vec<usize> = run.split(|c| is_separator(*c)).map(|g| g.len()).collect();
    matches!(groups.as_slice(), [4, 1..=2, 1..=2])
}

/// Masks every run of [`MIN_DIGITS`] digits or more (ASCII or full-width, single spaces or
/// dashes between them allowed, an ID card's trailing X included; dates such as 2026-03-02
/// excepted), keeping at most the first
/// three and the last two digits: 13812345678 → 138******78. Shorter numbers (a house
/// number, a year, a bus line) are kept.
pub fn mask_long_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_digit(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // The run: digits, with single separators between two digits.
        let mut end = i;
        let mut digits = 0;
        while end < chars.len() {
            if is_digit(chars[end]) {
                digits += 1;
                end += 1;
            } else if is_separator(chars[end]) && chars.get(end + 1).is_some_and(|c| is_digit(*c)) {
                end += 1;
            } else {
                break;
            }
        }
        if digits >= ID_DIGITS && chars.get(end).is_some_and(|c| matches!(c, 'X' | 'x' | 'Ｘ' | 'ｘ')) {
            digits += 1;
            end += 1;
        }
        if digits < MIN_DIGITS || is_date(&chars[i..end]) {
            out.extend(&chars[i..end]);
        } else {
            let mut seen = 0;
            for &c in &chars[i..end] {
                if is_separator(c) {
                    out.push(c);
                    continue;
                }
                out.push(if seen < KEEP_HEAD || seen >= digits - KEEP_TAIL { c } else { '*' });
                seen += 1;
            }
        }
        i = end;
    }
    out
}

/// Masks every occurrence of the given names (names shorter than two characters are left,
/// since a single character would mask ordinary words).
pub fn mask_names(text: &str, names: &[&str]) -> String {
    let mut out = text.to_string();
    for name in names {
        let name = name.trim();
        if name.chars().count() < 2 {
            continue;
        }
        out = out.replace(name, &mask_name(name));
    }
    out
}

/// A text fit to publish: the names masked, then the long numbers.
pub fn redact(text: &str, names: &[&str]) -> String {
    mask_long_numbers(&mask_names(text, names))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_phones_keeping_three_and_two() {
        assert_eq!(mask_long_numbers("电话13812345678，谢谢"), "电话138******78，谢谢");
        assert_eq!(mask_long_numbers("13812345678"), "138******78");
        assert_eq!(mask_long_numbers("call 138-1234-5678 now"), "call 138-****-**78 now");
        assert_eq!(mask_long_numbers("138 1234 5678"), "138 **** **78");
        assert_eq!(mask_long_numbers("座机 0571-87654321"), "座机 057*-******21");
    }

    #[test]
    fn masks_id_numbers_with_their_check_character() {
        assert_eq!(mask_long_numbers("身份证11010519491231002X。"), "身份证110*************2X。");
        assert_eq!(mask_long_numbers("110105194912310021"), "110*************21");
    }

    #[test]
    fn masks_full_width_digits() {
        assert_eq!(mask_long_numbers("１３８１２３４５６７８"), "１３８******７８");
    }

    #[test]
    fn seven_digits_are_masked_six_are_not() {
        assert_eq!(mask_long_numbers("1234567"), "123**67");
        assert_eq!(mask_long_numbers("123456"), "123456");
    }

    #[test]
    fn short_numbers_and_separators_alone_stay() {
        assert_eq!(mask_long_numbers("3号楼2单元502室，2026年3月，15路公交"), "3号楼2单元502室，2026年3月，15路公交");
        assert_eq!(mask_long_numbers("2026-03-02"), "2026-03-02");
        assert_eq!(mask_long_numbers("2026.3.2 与 2026-12-31"), "2026.3.2 与 2026-12-31");
        // Two separators in a row end the run.
        assert_eq!(mask_long_numbers("1234  5678"), "1234  5678");
        assert_eq!(mask_long_numbers(""), "");
    }

    #[test]
    fn masks_known_names() {
        assert_eq!(mask_names("我是张三，张三的电话", &["张三"]), "我是张*，张*的电话");
        assert_eq!(mask_names("王大爷说", &["王"]), "王大爷说");
        assert_eq!(redact("张三 13812345678", &["张三"]), "张* 138******78");
    }
}
