//! The dashboard as a workbook: an overview sheet (each rate with its numerator and
//! denominator, this period and the one before), the monthly trend, the breakdowns and every
//! overdue case — the same figures as the page.
use crate::domain::case_state::CaseStatus;
use crate::domain::rates::Rate;
use crate::error::AppResult;
use crate::services::insight::{
    dashboard::{Dashboard, change},
    stats::{Figures, Group, write_table},
};
use crate::services::support::xlsx::{self, Book, PageHeader, Sheet, formats};

pub fn workbook(
    d: &Dashboard,
    place: &str,
    tz: chrono_tz::Tz,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Vec<u8>> {
    let mut book = Book::new();
    overview(&mut book, d, place)?;
    let period = xlsx::period(d.period.from, d.period.to);
    let trend_period = xlsx::period(d.trend_period.from, d.trend_period.to);
    let tables: [(&str, &str, &[Group], &str); 4] = [
        ("月度趋势", "月份", &d.trend, &trend_period),
        ("按联络站", "联络站", &d.by_station, &period),
        ("按类别", "类别", &d.by_category, &period),
        ("按承办单位", "承办单位", &d.by_unit, &period),
    ];
    for (name, first, groups, right) in tables {
        if groups.is_empty() && name != "按类别" && name != "月度趋势" {
            continue;
        }
        let rows: Vec<(&str, &Figures, bool)> = groups.iter().map(|g| (g.label.as_str(), &g.figures, false)).collect();
        write_table(&mut book, name, first, PageHeader { place, title: name, right }, &rows)?;
    }
    overdue(&mut book, d, place, tz, now)?;
    book.to_bytes()
}

/// A rate as a percentage, or "no data" without a denominator.
fn rate_or_no_data(sheet: &mut Sheet<'_>, row: usize, col: usize, rate: Rate) -> AppResult<()> {
    match rate.fraction() {
        Some(x) => sheet.number_as(row, col, x, &formats::percent()),
        None => sheet.text(row, col, "暂无数据"),
    }
}

fn overview(book: &mut Book, d: &Dashboard, place: &str) -> AppResult<()> {
    let points = formats::points();
    let period = xlsx::period(d.period.from, d.period.to);
    let mut sheet = book.sheet("概览")?;
    sheet.printed(PageHeader { place, title: "办理情况概览", right: &period });
    sheet.text(0, 0, &format!("{place} · 本期 {period}"))?;
    sheet.text(1, 0, &format!("上期 {}", xlsx::period(d.before.from, d.before.to)))?;
    let headings = ["指标", "本期", "分子", "分母", "上期", "上期分子", "上期分母", "变化（百分点）", "口径"];
    sheet.headings(3, &headings)?;
    sheet.width(0, 22.0)?;
    sheet.width(8, 40.0)?;
    let (c, p) = (&d.current, &d.previous);
    let rates: [(&str, Rate, Rate, &str); 4] = [
        ("答复率", c.reply_rate, p.reply_rate, "已答复 ÷ 已受理（不含不予受理、撤回、被合并）"),
        ("按期办结率", c.on_time_rate, p.on_time_rate, "按期办结 ÷ 已办结"),
        ("解决率", c.resolution_rate, p.resolution_rate, "评价为已解决 ÷ 已评价"),
        ("满意率", c.satisfaction_rate, p.satisfaction_rate, "（满意 + 基本满意）÷ 已评价"),
    ];
    let mut r = 4;
    for (label, now, before, definition) in rates {
        sheet.text(r, 0, label)?;
        rate_or_no_data(&mut sheet, r, 1, now)?;
        sheet.count(r, 2, now.numerator)?;
        sheet.count(r, 3, now.denominator)?;
        rate_or_no_data(&mut sheet, r, 4, before)?;
        sheet.count(r, 5, before.numerator)?;
        sheet.count(r, 6, before.denominator)?;
        if let Some(points_change) = change(now.value, before.value) {
            sheet.number_as(r, 7, points_change, &points)?;
        }
        sheet.text(r, 8, definition)?;
        r += 1;
    }
    let counts: [(&str, i64, i64); 10] = [
        ("收到", c.received, p.received),
        ("已受理", c.accepted, p.accepted),
        ("不予受理", status(c, CaseStatus::Rejected), status(p, CaseStatus::Rejected)),
        ("已合并", c.merged, p.merged),
        ("已撤回", c.withdrawn, p.withdrawn),
        ("已答复", c.replied, p.replied),
        ("已办结", c.closed, p.closed),
        ("已评价", c.rated, p.rated),
        ("当前超期", c.overdue_now, p.overdue_now),
        ("当前重点督办", c.key_supervision_now, p.key_supervision_now),
    ];
    for (label, now, before) in counts {
        sheet.text(r, 0, label)?;
        sheet.count(r, 1, now)?;
        sheet.count(r, 4, before)?;
        r += 1;
    }
    for (label, now, before) in [
        ("首次响应时长中位数（小时）", c.median_first_response_hours, p.median_first_response_hours),
        ("办结时长中位数（小时）", c.median_close_hours, p.median_close_hours),
    ] {
        sheet.text(r, 0, label)?;
        if let Some(h) = now {
            sheet.number(r, 1, h)?;
        }
        if let Some(h) = before {
            sheet.number(r, 4, h)?;
        }
        r += 1;
    }
    Ok(())
}

fn status(f: &Figures, status: CaseStatus) -> i64 {
    f.by_status.get(status.as_str()).copied().unwrap_or(0)
}

fn overdue(
    book: &mut Book,
    d: &Dashboard,
    place: &str,
    tz: chrono_tz::Tz,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let mut sheet = book.sheet("超期案件")?;
    let count = format!("共 {} 件", d.overdue.total);
    sheet.printed(PageHeader { place, title: "当前超期案件", right: &count });
    sheet.columns(
        0,
        &[("编号", 14.0), ("收到时间", 17.0), ("办理期限", 17.0), ("超期天数", 9.0), ("状态", 9.0), ("内容", 60.0)],
    )?;
    let local = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    for (i, m) in d.overdue.items.iter().enumerate() {
        let at = i + 1;
        sheet.text(at, 0, &m.tracking_code)?;
        sheet.text(at, 1, &local(m.received_at))?;
        sheet.text(at, 2, &local(m.due_at))?;
        sheet.count(at, 3, (now - m.due_at).num_days())?;
        sheet.text(at, 4, m.status.label_zh())?;
        sheet.text(at, 5, &m.content)?;
    }
    Ok(())
}
