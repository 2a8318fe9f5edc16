//! A ledger in each export format. JSON and CSV are produced as a stream of chunks, one per
//! batch of rows; XLSX is written row by row in constant-memory mode to a temporary file,
//! which is then sent. Nothing ever holds a whole ledger in memory.
use std::path::PathBuf;

use futures_util::Stream;
use serde_json::{Value, json};

use super::{Cell, Column, Ledger, Row};
use crate::domain::field::{FieldError, Problem};
use crate::error::{AppError, AppResult};
use crate::services::support::xlsx::{self, Book, PageHeader, formats};

/// The last row a worksheet can hold.
const XLSX_MAX_ROWS: usize = 1_048_575;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Xlsx,
}

impl Format {
    pub fn parse(raw: Option<&str>) -> AppResult<Format> {
        match raw.map(str::trim) {
            None | Some("") | Some("json") => Ok(Format::Json),
            Some("csv") => Ok(Format::Csv),
            Some("xlsx") => Ok(Format::Xlsx),
            Some(_) => Err(AppError::field(FieldError::invalid("format", "json, csv or xlsx"))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => xlsx::CONTENT_TYPE,
        }
    }
}

/// `城关联络站-意见建议办理台账-2026-01-01至2026-03-31.csv` and an ASCII fallback.
pub fn filenames(ledger: &Ledger, format: Format) -> (String, String) {
    let place = ledger.scope.station.as_ref().map_or("全区".to_string(), |s| s.name.clone());
    let ext = format.as_str();
    let (from, to) = (ledger.period.from, ledger.period.to);
    if ledger.code.uses_period() {
        (format!("{place}-{}-{from}至{to}.{ext}", ledger.title), format!("{}-{from}-{to}.{ext}", ledger.code.as_str()))
    } else {
        (format!("{place}-{}-{to}.{ext}", ledger.title), format!("{}-{to}.{ext}", ledger.code.as_str()))
    }
}

fn json_cell(cell: &Cell) -> Value {
    match cell {
        Cell::Empty => Value::Null,
        Cell::Text(text) => Value::String(text.clone()),
        Cell::Integer(n) => json!(n),
        Cell::Percent(p) => json!(p),
        Cell::Date(_) | Cell::DateTime(_) => Value::String(cell.display()),
    }
}

/// The JSON document up to the opening of `items`.
fn json_head(ledger: &Ledger) -> Vec<u8> {
    let head = json!({
        "ledger": ledger.code.as_str(),
        "title": ledger.title,
        "station": ledger.scope.station.as_ref().map(|s| json!({"id": s.id, "name": s.name})),
        "from": ledger.period.from.to_string(),
        "to": ledger.period.to.to_string(),
        "masked": ledger.masked,
        "columns": ledger.columns.iter().map(|c| json!({"key": c.key.as_ref(), "title": c.title.as_ref(), "type": c.kind.as_str()})).collect::<Vec<_>>(),
    });
    let mut text = head.to_string();
    text.pop(); // the closing brace
    text.push_str(",\"items\":[");
    text.into_bytes()
}

/// Guards spreadsheet programs against formulas in what residents wrote (`=HYPERLINK(…)`).
fn csv_safe(cell: &Cell) -> String {
    let text = cell.display();
    match (cell, text.chars().next()) {
        (Cell::Text(_), Some('=' | '+' | '-' | '@' | '\t' | '\r')) => format!("'{text}"),
        _ => text,
    }
}

fn csv_record(out: Vec<u8>, records: impl Iterator<Item = Vec<String>>) -> AppResult<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(out);
    for record in records {
        writer.write_record(&record).map_err(AppError::internal)?;
    }
    writer.into_inner().map_err(|e| AppError::internal(anyhow::anyhow!("csv: {e}")))
}

fn csv_head(columns: &[Column]) -> AppResult<Vec<u8>> {
    let bom = "\u{feff}".as_bytes().to_vec();
    csv_record(bom, std::iter::once(columns.iter().map(|c| c.title.to_string()).collect()))
}

enum Phase {
    Head,
    Rows,
    Done,
}

type State = (Ledger, Phase, u64);

/// The ledger as JSON or CSV, a chunk per batch of rows.
pub fn stream(ledger: Ledger, format: Format) -> impl Stream<Item = AppResult<Vec<u8>>> {
    futures_util::stream::try_unfold((ledger, Phase::Head, 0u64), move |state| step(state, format))
}

async fn step((mut ledger, phase, total): State, format: Format) -> AppResult<Option<(Vec<u8>, State)>> {
    match phase {
        Phase::Head => {
            let head = match format {
                Format::Csv => csv_head(&ledger.columns)?,
                _ => json_head(&ledger),
            };
            Ok(Some((head, (ledger, Phase::Rows, total))))
        }
        Phase::Rows => match ledger.rows.next_batch().await? {
            Some(batch) => {
                let count = batch.len() as u64;
                let chunk = match format {
                    Format::Csv => csv_record(Vec::new(), batch.iter().map(|row| row.iter().map(csv_safe).collect()))?,
                    _ => json_rows(&batch, total == 0)?,
                };
                Ok(Some((chunk, (ledger, Phase::Rows, total + count))))
            }
            None => {
                let tail = match format {
                    Format::Csv => Vec::new(),
                    _ => format!("],\"total\":{total}}}").into_bytes(),
                };
                Ok(Some((tail, (ledger, Phase::Done, total))))
            }
        },
        Phase::Done => Ok(None),
    }
}

fn json_rows(batch: &[Row], first: bool) -> AppResult<Vec<u8>> {
    let mut out = Vec::with_capacity(batch.len() * 256);
    for (i, row) in batch.iter().enumerate() {
        if !(first && i == 0) {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, &row.iter().map(json_cell).collect::<Vec<_>>()).map_err(AppError::internal)?;
    }
    Ok(out)
}

/// Every row, for the print view (at most `limit`; the second value says whether more were left out).
#[tracing::instrument(skip_all)]
pub async fn collect(ledger: &mut Ledger, limit: usize) -> AppResult<(Vec<Row>, bool)> {
    let mut rows = Vec::new();
    while let Some(batch) = ledger.rows.next_batch().await? {
        for row in batch {
            if rows.len() == limit {
                return Ok((rows, true));
            }
            rows.push(row);
        }
    }
    Ok((rows, false))
}

struct SheetMeta {
    title: &'static str,
    columns: std::borrow::Cow<'static, [Column]>,
    place: String,
    period: String,
}

/// The ledger as an XLSX file in `tmp_dir`, rewound and ready to send. Rows are written as
/// they are read, in constant-memory mode: the worksheet goes to a temporary file as it grows.
#[tracing::instrument(skip_all)]
pub async fn xlsx(mut ledger: Ledger, tmp_dir: PathBuf) -> AppResult<std::fs::File> {
    let meta = SheetMeta {
        title: ledger.title,
        columns: ledger.columns.clone(),
        place: ledger.scope.station.as_ref().map_or("全区".to_string(), |s| s.name.clone()),
        period: if ledger.code.uses_period() {
            xlsx::period(ledger.period.from, ledger.period.to)
        } else {
            format!("截至 {}", ledger.period.to)
        },
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<Row>>(2);
    let writer = tokio::task::spawn_blocking(move || write_xlsx(meta, rx, tmp_dir));
    let mut read_error = None;
    loop {
        match ledger.rows.next_batch().await {
            Ok(Some(batch)) => {
                if tx.send(batch).await.is_err() {
                    break; // the writer stopped: its error is below
                }
            }
            Ok(None) => break,
            Err(error) => {
                read_error = Some(error);
                break;
            }
        }
    }
    drop(tx);
    let written = writer.await.map_err(|e| AppError::internal(anyhow::anyhow!("xlsx writer: {e}")))?;
    if let Some(error) = read_error {
        return Err(error);
    }
    written
}

fn write_xlsx(
    meta: SheetMeta,
    mut rx: tokio::sync::mpsc::Receiver<Vec<Row>>,
    tmp_dir: PathBuf,
) -> AppResult<std::fs::File> {
    let mut book = Book::large(&tmp_dir)?;
    let (date, datetime, percent) = (formats::date(), formats::datetime(), formats::whole_percent());
    let mut sheet = book.sheet(meta.title)?;
    sheet
        .printed(PageHeader { place: &meta.place, title: meta.title, right: &meta.period })
        .page_numbers()
        .repeat_heading()?
        .freeze(1, 0)?;
    let columns: Vec<(&str, f64)> = meta.columns.iter().map(|c| (c.title.as_ref(), c.width)).collect();
    sheet.columns(0, &columns)?;
    let mut row = 0;
    while let Some(batch) = rx.blocking_recv() {
        for cells in batch {
            row += 1;
            if row > XLSX_MAX_ROWS {
                return Err(AppError::field(FieldError::new(
                    "to",
                    Problem::Described("more rows than one worksheet holds: choose a shorter period".into()),
                )));
            }
            for (col, cell) in cells.iter().enumerate() {
                match cell {
                    Cell::Empty => {}
                    Cell::Text(text) => sheet.text(row, col, text)?,
                    Cell::Integer(n) => sheet.count(row, col, *n)?,
                    Cell::Date(day) => sheet.date_as(row, col, day, &date)?,
                    Cell::DateTime(at) => sheet.date_as(row, col, at, &datetime)?,
                    Cell::Percent(p) => sheet.number_as(row, col, f64::from(*p) / 100.0, &percent)?,
                }
            }
        }
    }
    book.to_file(&tmp_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_from_residents_are_defused_in_csv() {
        assert_eq!(csv_safe(&Cell::text("=HYPERLINK(\"x\")")), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe(&Cell::text("-1 路灯")), "'-1 路灯");
        assert_eq!(csv_safe(&Cell::text("路灯坏了")), "路灯坏了");
        assert_eq!(csv_safe(&Cell::Integer(-3)), "-3");
        assert_eq!(csv_safe(&Cell::Percent(60)), "60%");
    }

    #[test]
    fn formats_parse() {
        assert_eq!(Format::parse(None).unwrap(), Format::Json);
        assert_eq!(Format::parse(Some("xlsx")).unwrap(), Format::Xlsx);
        assert!(Format::parse(Some("pdf")).is_err());
    }
}
