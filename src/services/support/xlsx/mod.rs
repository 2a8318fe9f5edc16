//! The one place workbooks are written. Every export (statistics, dashboard, hot topics, the
//! audit log, the ledgers) builds its sheets through [`Book`] and [`Sheet`], so they share the
//! same heading row, print set-up (landscape A4, place · title · period in the page header,
//! page numbers), number and date formats, and error mapping. A [`Book::large`] workbook
//! writes its sheets in constant-memory mode to a temporary directory, for ledgers of any
//! size.
mod book;
pub mod formats;
mod sheet;

use rust_xlsxwriter::XlsxError;

use crate::error::AppError;

pub use book::Book;
pub use sheet::{PageHeader, Sheet};

/// The media type of an XLSX file.
pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn error(error: XlsxError) -> AppError {
    AppError::internal(anyhow::anyhow!("xlsx: {error}"))
}

/// A period as the page headers and title rows show it.
pub fn period(from: impl std::fmt::Display, to: impl std::fmt::Display) -> String {
    format!("{from} 至 {to}")
}
