//! What every workbook shares: the heading style and the error mapping.
use rust_xlsxwriter::{Color, Format, FormatBorder, XlsxError};

use crate::error::AppError;

/// Bold, wrapped, light blue, thin border: the first row of every sheet.
pub fn heading() -> Format {
    Format::new().set_bold().set_text_wrap().set_background_color(Color::RGB(0xDDEBF7)).set_border(FormatBorder::Thin)
}

pub fn error(error: XlsxError) -> AppError {
    AppError::internal(anyhow::anyhow!("xlsx: {error}"))
}
