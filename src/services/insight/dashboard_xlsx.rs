//! The dashboard as a workbook: an overview sheet (each rate with its numerator and
//! denominator, this period and the one before), the monthly trend, the breakdowns and every
//! overdue case — the same figures as the page.
use rust_xlsxwriter::{Format, Workbook};

use crate::domain::case_state::CaseStatus;
use crate::domain::rates::Rate;
use crate::error::{AppError, AppResult};
use crate::services::insight::{
    dashboard::{Dashboard, change},
    stats::{Figures, Group, write_table, xlsx_error},
};

fn col(i: usize) -> AppResult<u16> {
    u16::try_from(i).map_err(AppError::internal)
}

fn row(i: usize) -> AppResult<u32> {
    u32::try_from(i).map_err(AppError::internal)
}

pub fn workbook(
    d: &Dashboard,
    place: &str,
    tz: chrono_tz::Tz,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Vec<u8>> {
    let mut workbook = Workbook::new();
    overview(&mut workbook, d, place)?;
    let period = format!("{} 至 {}", d.period.from, d.period.to);
    let header = |title: &str, span: &str| format!("&L{place}&C{title}&R{span}");
    let tables: [(&str, &str, &[Group], String); 4] = [
        (
            "月度趋势",
            "月份",
            &d.trend,
            header("月度趋势", &format!("{} 至 {}", d.trend_period.from, d.trend_period.to)),
        ),
        ("按联络站", "联络站", &d.by_station, header("按联络站", &period)),
        ("按类别", "类别", &d.by_category, header("按类别", &period)),
        ("按承办单位", "承办单位", &d.by_unit, header("按承办单位", &period)),
    ];
    for (name, first, groups, page_header) in tables {
        if groups.is_empty() && name != "按类别" && name != "月度趋势" {
            continue;
        }
        let rows: Vec<(&str, &Figures, bool)> = groups.iter().map(|g| (g.label.as_str(), &g.figures, false)).collect();
        write_table(&mut workbook, name, first, &page_header, &rows)?;
    }
    overdue(&mut workbook, d, place, tz, now)?;
    workbook.save_to_buffer().map_err(xlsx_error)
}

fn overview(workbook: &mut Workbook, d: &Dashboard, place: &str) -> AppResult<()> {
    let header = crate::services::support::xlsx::heading();
    let percent = Format::new().set_num_format("0.0%");
    let points = Format::new().set_num_format("+0.0;-0.0;0.0");
    let sheet = workbook.add_worksheet();
    sheet.set_name("概览").map_err(xlsx_error)?;
    sheet.set_landscape().set_paper_size(9);
    sheet.set_header(format!("&L{place}&C办理情况概览&R{} 至 {}", d.period.from, d.period.to));
    sheet.write_string(0, 0, format!("{place} · 本期 {} 至 {}", d.period.from, d.period.to)).map_err(xlsx_error)?;
    sheet.write_string(1, 0, format!("上期 {} 至 {}", d.before.from, d.before.to)).map_err(xlsx_error)?;
    let headings = ["指标", "本期", "分子", "分母", "上期", "上期分子", "上期分母", "变化（百分点）", "口径"];
    for (i, h) in headings.iter().enumerate() {
        sheet.write_string_with_format(3, col(i)?, *h, &header).map_err(xlsx_error)?;
    }
    sheet.set_column_width(0, 22).map_err(xlsx_error)?;
    sheet.set_column_width(8, 40).map_err(xlsx_error)?;
    let (c, p) = (&d.current, &d.previous);
    let rates: [(&str, Rate, Rate, &str); 4] = [
        ("答复率", c.reply_rate, p.reply_rate, "已答复 ÷ 已受理（不含不予受理、撤回、被合并）"),
        ("按期办结率", c.on_time_rate, p.on_time_rate, "按期办结 ÷ 已办结"),
        ("解决率", c.resolution_rate, p.resolution_rate, "评价为已解决 ÷ 已评价"),
        ("满意率", c.satisfaction_rate, p.satisfaction_rate, "（满意 + 基本满意）÷ 已评价"),
    ];
    let mut r = 4;
    for (label, now, before, definition) in rates {
        let at = row(r)?;
        sheet.write_string(at, 0, label).map_err(xlsx_error)?;
        if let Some(x) = now.fraction() {
            sheet.write_number_with_format(at, 1, x, &percent).map_err(xlsx_error)?;
        } else {
            sheet.write_string(at, 1, "暂无数据").map_err(xlsx_error)?;
        }
        sheet.write_number(at, 2, now.numerator as f64).map_err(xlsx_error)?;
        sheet.write_number(at, 3, now.denominator as f64).map_err(xlsx_error)?;
        if let Some(x) = before.fraction() {
            sheet.write_number_with_format(at, 4, x, &percent).map_err(xlsx_error)?;
        } else {
            sheet.write_string(at, 4, "暂无数据").map_err(xlsx_error)?;
        }
        sheet.write_number(at, 5, before.numerator as f64).map_err(xlsx_error)?;
        sheet.write_number(at, 6, before.denominator as f64).map_err(xlsx_error)?;
        if let Some(points_change) = change(now.value, before.value) {
            sheet.write_number_with_format(at, 7, points_change, &points).map_err(xlsx_error)?;
        }
        sheet.write_string(at, 8, definition).map_err(xlsx_error)?;
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
        let at = row(r)?;
        sheet.write_string(at, 0, label).map_err(xlsx_error)?;
        sheet.write_number(at, 1, now as f64).map_err(xlsx_error)?;
        sheet.write_number(at, 4, before as f64).map_err(xlsx_error)?;
        r += 1;
    }
    for (label, now, before) in [
        ("首次响应时长中位数（小时）", c.median_first_response_hours, p.median_first_response_hours),
        ("办结时长中位数（小时）", c.median_close_hours, p.median_close_hours),
    ] {
        let at = row(r)?;
        sheet.write_string(at, 0, label).map_err(xlsx_error)?;
        if let Some(h) = now {
            sheet.write_number(at, 1, h).map_err(xlsx_error)?;
        }
        if let Some(h) = before {
            sheet.write_number(at, 4, h).map_err(xlsx_error)?;
        }
        r += 1;
    }
    Ok(())
}

fn status(f: &Figures, status: CaseStatus) -> i64 {
    f.by_status.get(status.as_str()).copied().unwrap_or(0)
}

fn overdue(
    workbook: &mut Workbook,
    d: &Dashboard,
    place: &str,
    tz: chrono_tz::Tz,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let header = crate::services::support::xlsx::heading();
    let sheet = workbook.add_worksheet();
    sheet.set_name("超期案件").map_err(xlsx_error)?;
    sheet.set_landscape().set_paper_size(9);
    sheet.set_header(format!("&L{place}&C当前超期案件&R共 {} 件", d.overdue.total));
    for (i, (h, width)) in
        [("编号", 14.0), ("收到时间", 17.0), ("办理期限", 17.0), ("超期天数", 9.0), ("状态", 9.0), ("内容", 60.0)]
            .into_iter()
            .enumerate()
    {
        sheet.write_string_with_format(0, col(i)?, h, &header).map_err(xlsx_error)?;
        sheet.set_column_width(col(i)?, width).map_err(xlsx_error)?;
    }
    for (i, m) in d.overdue.items.iter().enumerate() {
        let at = row(i + 1)?;
        let local = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
        sheet.write_string(at, 0, &m.tracking_code).map_err(xlsx_error)?;
        sheet.write_string(at, 1, local(m.received_at)).map_err(xlsx_error)?;
        sheet.write_string(at, 2, local(m.due_at)).map_err(xlsx_error)?;
        sheet.write_number(at, 3, (now - m.due_at).num_days() as f64).map_err(xlsx_error)?;
        let label = m.status.parse::<CaseStatus>().map_or_else(|_| m.status.clone(), |s| s.label_zh().to_string());
        sheet.write_string(at, 4, label).map_err(xlsx_error)?;
        sheet.write_string(at, 5, &m.content).map_err(xlsx_error)?;
    }
    Ok(())
}
