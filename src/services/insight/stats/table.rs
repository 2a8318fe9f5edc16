//! The statistics table as an XLSX workbook (also the dashboard's sheets of groups).
use super::{Figures, GroupBy, Stats};
use crate::domain::rates::Rate;
use crate::error::AppResult;
use crate::services::support::xlsx::{self, Book, PageHeader, formats};

/// A spreadsheet column of the statistics table: heading, width, and the cell of a group.
enum Cell {
    Count(i64),
    Rate(Rate),
    Hours(Option<f64>),
}

fn cells(f: &Figures) -> Vec<(&'static str, Cell)> {
    vec![
        ("收到", Cell::Count(f.received)),
        ("不予受理", Cell::Count(f.by_status.get("rejected").copied().unwrap_or(0))),
        ("合并", Cell::Count(f.merged)),
        ("撤回", Cell::Count(f.withdrawn)),
        ("受理", Cell::Count(f.accepted)),
        ("已答复", Cell::Count(f.replied)),
        ("答复率", Cell::Rate(f.reply_rate)),
        ("已办结", Cell::Count(f.closed)),
        ("按期办结", Cell::Count(f.closed_on_time)),
        ("按期办结率", Cell::Rate(f.on_time_rate)),
        ("已评价", Cell::Count(f.rated)),
        ("已解决", Cell::Count(f.solved)),
        ("解决率", Cell::Rate(f.resolution_rate)),
        ("满意", Cell::Count(f.satisfaction_shares.satisfied.numerator)),
        ("基本满意", Cell::Count(f.satisfaction_shares.basically_satisfied.numerator)),
        ("不满意", Cell::Count(f.satisfaction_shares.dissatisfied.numerator)),
        ("满意率", Cell::Rate(f.satisfaction_rate)),
        ("首次响应时长中位数(小时)", Cell::Hours(f.median_first_response_hours)),
        ("办结时长中位数(小时)", Cell::Hours(f.median_close_hours)),
        ("当前超期", Cell::Count(f.overdue_now)),
        ("当前重点督办", Cell::Count(f.key_supervision_now)),
    ]
}

/// The table as an XLSX workbook: one row per group and a total row, rates as percentages
/// (empty where there is no data), the counts they come from beside them.
pub fn xlsx(stats: &Stats, place: &str) -> AppResult<Vec<u8>> {
    let mut book = Book::new();
    let first = stats.group_by.as_deref().and_then(|g| GroupBy::parse(Some(g)).ok().flatten());
    let total_label = format!("合计（{place}）");
    let rows: Vec<(&str, &Figures, bool)> = stats
        .groups
        .iter()
        .map(|g| (g.label.as_str(), &g.figures, false))
        .chain(std::iter::once((total_label.as_str(), &stats.totals, true)))
        .collect();
    let period = xlsx::period(&stats.from, &stats.to);
    let header = PageHeader { place, title: "意见建议办理统计", right: &period };
    write_table(&mut book, header.title, first.map_or("范围", GroupBy::title_zh), header, &rows)?;
    book.to_bytes()
}

/// One sheet of figures: a row per `(label, figures, bold)`, a column per count and rate.
pub fn write_table(
    book: &mut Book,
    name: &str,
    first_heading: &str,
    header: PageHeader<'_>,
    rows: &[(&str, &Figures, bool)],
) -> AppResult<()> {
    let (percent, hours, bold) = (formats::percent(), formats::hours(), formats::bold());
    let mut sheet = book.sheet(name)?;
    sheet.printed(header).page_numbers().freeze(1, 1)?;
    let columns: Vec<(&str, f64)> = std::iter::once((first_heading, 24.0))
        .chain(cells(&Figures::empty()).into_iter().map(|(heading, _)| (heading, 10.0)))
        .collect();
    sheet.columns(0, &columns)?;
    for (r, (label, figures, total)) in rows.iter().enumerate() {
        let row = r + 1;
        if *total {
            sheet.text_as(row, 0, label, &bold)?;
        } else {
            sheet.text(row, 0, label)?;
        }
        for (i, (_, cell)) in cells(figures).into_iter().enumerate() {
            let col = i + 1;
            match cell {
                Cell::Count(n) => sheet.count(row, col, n)?,
                Cell::Rate(rate) => {
                    if let Some(fraction) = rate.fraction() {
                        sheet.number_as(row, col, fraction, &percent)?;
                    }
                }
                Cell::Hours(Some(h)) => sheet.number_as(row, col, h, &hours)?,
                Cell::Hours(None) => {}
            }
        }
    }
    Ok(())
}
