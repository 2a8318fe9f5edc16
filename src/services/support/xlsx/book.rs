//! A workbook: small ones kept in memory and returned as bytes, large ones written in
//! constant-memory mode through a temporary directory and returned as a file.
use std::io::{Seek, Write};
use std::path::Path;

use rust_xlsxwriter::Workbook;

use super::{Sheet, error};
use crate::error::{AppError, AppResult};

pub struct Book {
    workbook: Workbook,
    /// Sheets spill their rows to the workbook's temporary directory as they grow (they must
    /// then be written row by row, top to bottom).
    constant_memory: bool,
}

impl Default for Book {
    fn default() -> Self {
        Book::new()
    }
}

impl Book {
    pub fn new() -> Book {
        Book { workbook: Workbook::new(), constant_memory: false }
    }

    /// A workbook for more rows than memory should hold: constant-memory sheets whose rows go to
    /// `tmp_dir` (created if missing) as they are written.
    pub fn large(tmp_dir: &Path) -> AppResult<Book> {
        std::fs::create_dir_all(tmp_dir).map_err(AppError::internal)?;
        let mut workbook = Workbook::new();
        workbook.set_tempdir(tmp_dir).map_err(error)?;
        Ok(Book { workbook, constant_memory: true })
    }

    /// A new sheet at the end, named `name`.
    pub fn sheet(&mut self, name: &str) -> AppResult<Sheet<'_>> {
        let worksheet = if self.constant_memory {
            self.workbook.add_worksheet_with_constant_memory().map_err(error)?
        } else {
            self.workbook.add_worksheet()
        };
        worksheet.set_name(name).map_err(error)?;
        Ok(Sheet::new(worksheet))
    }

    pub fn to_bytes(mut self) -> AppResult<Vec<u8>> {
        self.workbook.save_to_buffer().map_err(error)
    }

    /// The workbook as a temporary file in `tmp_dir`, rewound and ready to send.
    pub fn to_file(mut self, tmp_dir: &Path) -> AppResult<std::fs::File> {
        let mut file = tempfile::tempfile_in(tmp_dir).map_err(AppError::internal)?;
        self.workbook.save_to_writer(&mut file).map_err(error)?;
        file.flush().map_err(AppError::internal)?;
        file.rewind().map_err(AppError::internal)?;
        Ok(file)
    }
}
