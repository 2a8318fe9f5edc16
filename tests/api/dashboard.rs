//! The dashboard: every figure leads to exactly the cases it counts, the page shows the rates
//! with their denominators, the lighter deputy version, the denials, and the workbook.
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;
use crate::stats::{World, world};

const PERIOD: &str = "from=2026-01-01&to=2026-03-12";

async fn page(app: &TestApp, username: &str, path: &str) -> (StatusCode, String) {
    let browser = Browser::new();
    sign_in(app, &browser, username, PASSWORD).await;
    let response = browser.client.get(app.url(path)).send().await.unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

/// How many case rows a queue page lists.
fn rows(html: &str) -> usize {
    html.matches("<a class=\"row\" href=\"/app/cases/").count()
}

#[tokio::test]
async fn every_figure_lists_exactly_the_cases_it_counts() {
    let World { w } = world().await;
    let stats: Value = expect(
        w.app().get(&format!("/api/v1/stats?{PERIOD}&station_id={}", w.s.station), &w.manager).await,
        StatusCode::OK,
    )
    .await;
    let t = &stats["totals"];
    let expected = [
        ("received", t["received"].as_i64().unwrap()),
        ("rejected", t["by_status"]["rejected"].as_i64().unwrap()),
        ("merged", t["merged"].as_i64().unwrap()),
        ("withdrawn", t["withdrawn"].as_i64().unwrap()),
        ("accepted", t["reply_rate"]["denominator"].as_i64().unwrap()),
        ("replied", t["reply_rate"]["numerator"].as_i64().unwrap()),
        ("unreplied", t["accepted"].as_i64().unwrap() - t["replied"].as_i64().unwrap()),
        ("closed", t["on_time_rate"]["denominator"].as_i64().unwrap()),
        ("closed_on_time", t["on_time_rate"]["numerator"].as_i64().unwrap()),
        ("closed_late", t["closed"].as_i64().unwrap() - t["closed_on_time"].as_i64().unwrap()),
        ("rated", t["resolution_rate"]["denominator"].as_i64().unwrap()),
        ("solved", t["resolution_rate"]["numerator"].as_i64().unwrap()),
        ("unsolved", t["rated"].as_i64().unwrap() - t["solved"].as_i64().unwrap()),
        ("satisfied", t["satisfaction_shares"]["satisfied"]["numerator"].as_i64().unwrap()),
        ("basically_satisfied", t["satisfaction_shares"]["basically_satisfied"]["numerator"].as_i64().unwrap()),
        ("dissatisfied", t["satisfaction_shares"]["dissatisfied"]["numerator"].as_i64().unwrap()),
        ("overdue_now", t["overdue_now"].as_i64().unwrap()),
        ("key_supervision_now", t["key_supervision_now"].as_i64().unwrap()),
    ];
    // The known scenario of the statistics tests, figure by figure.
    let known: Vec<i64> = vec![8, 1, 1, 0, 5, 4, 1, 3, 2, 1, 3, 2, 1, 1, 1, 1, 2, 1];
    assert_eq!(expected.iter().map(|(_, n)| *n).collect::<Vec<_>>(), known);
    for (figure, count) in expected {
        let list = expect(
            w.app().get(&format!("/api/v1/cases?figure={figure}&{PERIOD}&per_page=100"), &w.manager).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(list["total"].as_i64(), Some(count), "API list of {figure}");
        let (status, html) =
            page(w.app(), "manager-a", &format!("/app/cases?figure={figure}&{PERIOD}&station={}", w.s.station)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(rows(&html) as i64, count, "queue page of {figure}");
        assert!(html.contains("统计明细"), "the page says what it lists");
    }
    // The other station's case stays out of the manager's drill-down even when asked for.
    let (_, html) =
        page(w.app(), "manager-a", &format!("/app/cases?figure=received&{PERIOD}&station={}", w.other_station)).await;
    assert_eq!(rows(&html), 0);
    expect_error(
        w.app().get("/api/v1/cases?figure=everything", &w.manager).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

#[tokio::test]
async fn the_dashboard_shows_each_rate_with_its_denominator_and_links() {
    let World { w } = world().await;
    let station = w.s.station;
    let (status, html) = page(w.app(), "manager-a", &format!("/app/dashboard?{PERIOD}&station={station}")).await;
    assert_eq!(status, StatusCode::OK);
    // 答复率 4 ÷ 5, 按期办结率 2 ÷ 3, 解决率 and 满意率 2 ÷ 3.
    assert!(html.contains("80.0%"), "reply rate");
    assert!(html.matches("66.7%").count() >= 3, "three rates of two in three");
    let drill = |figure: &str| {
        format!("/app/cases?figure={figure}&#38;from=2026-01-01&#38;to=2026-03-12&#38;station={station}")
    };
    for figure in ["replied", "accepted", "closed_on_time", "closed", "solved", "rated", "satisfied", "overdue_now"] {
        assert!(html.contains(&drill(figure)), "a link to the cases behind {figure}");
    }
    assert!(html.contains("已答复 4</a> ÷ <a"), "numerator beside the rate");
    assert!(html.contains("已受理 5</a>"), "denominator beside the rate");
    // The period before (22 Oct – 31 Dec 2025, as many days) had no cases: no change to show, never 0 %.
    assert!(html.contains("2025-10-22 – 2025-12-31"));
    assert!(html.contains("无法对比"));
    assert!(!html.contains(">0.0%"));
    // The trend is an SVG drawn here (its links escaped by the chart), each month a link;
    // breakdowns by category and unit.
    assert!(html.contains("<svg class=\"chart\""));
    assert!(
        html.contains(&format!(
            "/app/cases?figure=received&amp;from=2026-03-01&amp;to=2026-03-12&amp;station={station}"
        ))
    );
    assert!(html.contains("按类别") && html.contains("按承办单位") && html.contains("区住建局"));
    // Overdue now: case 7 and the reopened case 3.
    assert!(html.contains("当前超期案件 <span class=\"tag\">2</span>"));
    assert!(!html.contains("<script"));

    // A period without rated cases says so.
    let (_, empty) = page(w.app(), "manager-a", "/app/dashboard?from=2025-01-01&to=2025-01-31").await;
    assert!(empty.contains("暂无数据"));
    assert!(!empty.contains(">0.0%") && !empty.contains(">100.0%"));
    // English.
    let (_, en) = page(w.app(), "manager-a", &format!("/app/dashboard?{PERIOD}&lang=en")).await;
    assert!(en.contains("Reply rate") && en.contains("Replied 4"));
}

#[tokio::test]
async fn deputies_get_the_lighter_dashboard_and_nobody_another_station() {
    let World { w } = world().await;
    let (status, html) = page(w.app(), "deputy-a", &format!("/app/dashboard?{PERIOD}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("我的案件"));
    assert!(!html.contains("按承办单位"), "no unit breakdown for a deputy");
    assert!(!html.contains("name=\"station\""), "no station picker for a deputy");
    // The deputy's own cases: the eight of the desk went through their form.
    assert!(html.contains("figure=received"));
    for (who, station) in [("manager-a", w.other_station), ("deputy-a", w.other_station), ("manager-b", w.s.station)] {
        let (status, _) = page(w.app(), who, &format!("/app/dashboard?station={station}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who} asking for station {station}");
        let browser = Browser::new();
        sign_in(w.app(), &browser, who, PASSWORD).await;
        let xlsx =
            browser.client.get(w.app().url(&format!("/app/dashboard.xlsx?station={station}"))).send().await.unwrap();
        assert_eq!(xlsx.status(), StatusCode::NOT_FOUND, "{who}'s workbook of station {station}");
    }
    // Signed out: to the sign-in page.
    let response = Browser::new().client.get(w.app().url("/app/dashboard")).send().await.unwrap();
    assert!(response.status().is_redirection());
}

#[tokio::test]
async fn the_dashboard_exports_the_same_figures_to_xlsx() {
    let World { w } = world().await;
    let browser = Browser::new();
    sign_in(w.app(), &browser, "manager-a", PASSWORD).await;
    let response = browser
        .client
        .get(w.app().url(&format!("/app/dashboard.xlsx?{PERIOD}&station={}", w.s.station)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-disposition"].to_str().unwrap().contains("dashboard-2026-01-01-2026-03-12.xlsx")
    );
    let bytes = response.bytes().await.unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(book.sheet_names(), vec!["概览", "月度趋势", "按类别", "按承办单位", "超期案件"]);
    let overview = book.worksheet_range("概览").unwrap();
    let row = |label: &str| {
        overview
            .rows()
            .find(|r| r[0] == Data::String(label.into()))
            .unwrap_or_else(|| panic!("a row for {label}"))
            .to_vec()
    };
    let reply = row("答复率");
    assert_eq!(reply[1], Data::Float(0.8));
    assert_eq!(reply[2], Data::Float(4.0));
    assert_eq!(reply[3], Data::Float(5.0));
    assert_eq!(reply[4], Data::String("暂无数据".into()), "no cases the period before");
    assert_eq!(row("收到")[1], Data::Float(8.0));
    let months = book.worksheet_range("月度趋势").unwrap();
    // Twelve months up to March 2026, heading row first.
    assert_eq!(months.rows().count(), 13);
    assert_eq!(months.rows().next_back().unwrap()[0], Data::String("2026-03".into()));
    assert_eq!(months.rows().next_back().unwrap()[1], Data::Float(8.0));
    let overdue = book.worksheet_range("超期案件").unwrap();
    assert_eq!(overdue.rows().count(), 3, "a heading and the two overdue cases");
}

#[tokio::test]
async fn the_deputies_of_a_station_compare_side_by_side() {
    let World { w } = world().await;
    let station = w.s.station;
    let deputy_id = w.s.deputy["id"].as_i64().unwrap();
    let name = w.s.deputy["name"].as_str().unwrap().to_string();
    let path = format!("/app/stations/{station}/deputies/compare?{PERIOD}");
    let (status, html) = page(w.app(), "manager-a", &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("/app/deputies/{deputy_id}/file?")), "each deputy links to their file");
    assert!(html.contains(&name));
    // The desk's eight cases came through this deputy's form: 4 replied of 5 accepted.
    assert!(html.contains(&format!(
        "figure=replied&#38;from=2026-01-01&#38;to=2026-03-12&#38;station={station}&#38;deputy={deputy_id}\">4</a>/5"
    )));
    assert!(html.contains("全站"));

    // The deputy's file shows the same rates beside the station's.
    let (status, file) = page(w.app(), "manager-a", &format!("/app/deputies/{deputy_id}/file?{PERIOD}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(file.contains("<th>答复率</th><td>80.0% (4/5)</td><td>80.0% (4/5)</td>"), "deputy and station");
    assert!(file.contains(&format!("/app/stations/{station}/deputies/compare?")));
    let (status, own) = page(w.app(), "deputy-a", &format!("/app/deputies/{deputy_id}/file?{PERIOD}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(own.contains("80.0% (4/5)"));
    assert!(!own.contains("/deputies/compare"), "a deputy does not compare their colleagues");

    // The workbook.
    let browser = Browser::new();
    sign_in(w.app(), &browser, "manager-a", PASSWORD).await;
    let xlsx = browser
        .client
        .get(w.app().url(&format!("/app/stations/{station}/deputies/compare.xlsx?{PERIOD}")))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(xlsx.bytes().await.unwrap().to_vec())).unwrap();
    let sheet = book.worksheet_range("代表履职对比").unwrap();
    let row = sheet.rows().find(|r| r[0] == Data::String(name.clone())).expect("the deputy's row").to_vec();
    assert_eq!(&row[1..5], &[Data::Float(8.0), Data::Float(0.8), Data::Float(4.0), Data::Float(5.0)]);

    // Denials: a deputy and a handler may not compare; another station's manager sees no such station.
    for (who, status) in [
        ("deputy-a", StatusCode::FORBIDDEN),
        ("handler-u", StatusCode::FORBIDDEN),
        ("manager-b", StatusCode::NOT_FOUND),
    ] {
        assert_eq!(page(w.app(), who, &path).await.0, status, "{who}");
    }
}

#[tokio::test]
async fn a_period_that_cannot_be_read_keeps_what_was_typed_and_says_why() {
    let World { w } = world().await;
    let (status, html) = page(w.app(), "manager-a", "/app/dashboard?from=2026-03-01&to=2026-01-31").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("role=\"alert\"") && html.contains("日期有误"), "says what is wrong");
    assert!(html.contains("value=\"2026-03-01\"") && html.contains("value=\"2026-01-31\""), "keeps what was typed");
    // The figures are of the default period, the year so far.
    assert!(html.contains("2026-01-01 – 2026-03-12"));
}
