//! One worksheet: its print set-up, its heading row and column widths, and its cells, with
//! rows and columns counted from 0 as `usize` and every error mapped once.
use rust_xlsxwriter::{Format, IntoExcelDateTime, Worksheet};

use super::{error, formats};
use crate::error::{AppError, AppResult};

/// What a printed page shows at its top: the place on the left, the title in the middle and
/// the period (or a count) on the right.
#[derive(Debug, Clone, Copy)]
pub struct PageHeader<'a> {
    pub place: &'a str,
    pub title: &'a str,
    pub right: &'a str,
}

pub struct Sheet<'b> {
    worksheet: &'b mut Worksheet,
}

fn row(i: usize) -> AppResult<u32> {
    u32::try_from(i).map_err(AppError::internal)
}

fn col(i: usize) -> AppResult<u16> {
    u16::try_from(i).map_err(AppError::internal)
}

impl<'b> Sheet<'b> {
    pub(super) fn new(worksheet: &'b mut Worksheet) -> Sheet<'b> {
        Sheet { worksheet }
    }

    /// Printed landscape on A4, with `header` at the top of every page.
    pub fn printed(&mut self, header: PageHeader<'_>) -> &mut Self {
        let PageHeader { place, title, right } = header;
        self.worksheet.set_landscape().set_paper_size(9);
        self.worksheet.set_header(format!("&L{place}&C{title}&R{right}"));
        self
    }

    /// "Page n of m" at the foot of every printed page.
    pub fn page_numbers(&mut self) -> &mut Self {
        self.worksheet.set_footer("&C第 &P 页 共 &N 页");
        self
    }

    /// The heading row printed again at the top of every page.
    pub fn repeat_heading(&mut self) -> AppResult<&mut Self> {
        self.worksheet.set_repeat_rows(0, 0).map_err(error)?;
        Ok(self)
    }

    /// Keeps the first `rows` rows and `cols` columns in view while scrolling.
    pub fn freeze(&mut self, rows: usize, cols: usize) -> AppResult<&mut Self> {
        self.worksheet.set_freeze_panes(row(rows)?, col(cols)?).map_err(error)?;
        Ok(self)
    }

    pub fn width(&mut self, column: usize, width: f64) -> AppResult<()> {
        self.worksheet.set_column_width(col(column)?, width).map_err(error)?;
        Ok(())
    }

    /// Headings in the heading style along row `at`, from the first column.
    pub fn headings<S: AsRef<str>>(&mut self, at: usize, titles: &[S]) -> AppResult<()> {
        let style = formats::heading();
        for (i, title) in titles.iter().enumerate() {
            self.text_as(at, i, title.as_ref(), &style)?;
        }
        Ok(())
    }

    /// Headings along row `at` with their columns' widths.
    pub fn columns<S: AsRef<str>>(&mut self, at: usize, columns: &[(S, f64)]) -> AppResult<()> {
        let style = formats::heading();
        for (i, (title, width)) in columns.iter().enumerate() {
            self.text_as(at, i, title.as_ref(), &style)?;
            self.width(i, *width)?;
        }
        Ok(())
    }

    pub fn text(&mut self, at: usize, column: usize, text: &str) -> AppResult<()> {
        self.worksheet.write_string(row(at)?, col(column)?, text).map_err(error)?;
        Ok(())
    }

    pub fn text_as(&mut self, at: usize, column: usize, text: &str, format: &Format) -> AppResult<()> {
        self.worksheet.write_string_with_format(row(at)?, col(column)?, text, format).map_err(error)?;
        Ok(())
    }

    pub fn number(&mut self, at: usize, column: usize, number: f64) -> AppResult<()> {
        self.worksheet.write_number(row(at)?, col(column)?, number).map_err(error)?;
        Ok(())
    }

    pub fn number_as(&mut self, at: usize, column: usize, number: f64, format: &Format) -> AppResult<()> {
        self.worksheet.write_number_with_format(row(at)?, col(column)?, number, format).map_err(error)?;
        Ok(())
    }

    /// A count (spreadsheets hold numbers as doubles; counts are far below 2^53).
    pub fn count(&mut self, at: usize, column: usize, n: i64) -> AppResult<()> {
        self.number(at, column, n as f64)
    }

    /// A date or date and time, shown in `format`.
    pub fn date_as(
        &mut self,
        at: usize,
        column: usize,
        date: impl IntoExcelDateTime,
        format: &Format,
    ) -> AppResult<()> {
        self.worksheet.write_datetime_with_format(row(at)?, col(column)?, date, format).map_err(error)?;
        Ok(())
    }
}
