//! The cell styles and number formats the workbooks share.
use rust_xlsxwriter::{Color, Format, FormatBorder};

/// Bold, wrapped, light blue, thin border: the first row of every sheet.
pub fn heading() -> Format {
    Format::new().set_bold().set_text_wrap().set_background_color(Color::RGB(0xDDEBF7)).set_border(FormatBorder::Thin)
}

/// A total line's label.
pub fn bold() -> Format {
    Format::new().set_bold()
}

/// Long text (lists of case numbers) that wraps within its column.
pub fn wrap() -> Format {
    Format::new().set_text_wrap()
}

/// A rate as a percentage with one decimal (a fraction 0–1 in the cell).
pub fn percent() -> Format {
    Format::new().set_num_format("0.0%")
}

/// A whole percentage (a fraction 0–1 in the cell).
pub fn whole_percent() -> Format {
    Format::new().set_num_format("0%")
}

/// Hours with one decimal.
pub fn hours() -> Format {
    Format::new().set_num_format("0.0")
}

/// A change in percentage points, signed.
pub fn points() -> Format {
    Format::new().set_num_format("+0.0;-0.0;0.0")
}

pub fn date() -> Format {
    Format::new().set_num_format("yyyy-mm-dd")
}

pub fn datetime() -> Format {
    Format::new().set_num_format("yyyy-mm-dd hh:mm")
}
