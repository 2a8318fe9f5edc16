//! Statistics: a known scenario with every figure asserted, each grouping, no-data rates,
//! scope by role, and the XLSX table.
use std::io::Cursor;

use calamine::{DataType, Reader, Xlsx, open_workbook_from_rs};
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::cases::{Desk, desk};
use crate::helpers::*;

pub struct World {
    pub w: Desk,
}

/// Eight cases received on Monday 2 March 09:00 at the first station (week tier: due Monday
/// 9 March), one at the second station, then handled over ten days:
/// 1 accepted at once, replied after 2 h, rated satisfied and solved (closed on time, 2 h);
/// 2 accepted after 2 h, assigned to the unit, replied after 6 h, rated basically satisfied and solved (closed 6 h);
/// 3 accepted after 2 h, replied, rated dissatisfied and unsolved: reopened;
/// 4 accepted after 2 h, replied, closed by the manager ten days later (late, 246 h);
/// 5 rejected at once; 6 accepted and merged into 3; 7 left untouched, under key supervision
/// (overdue now); 8 assigned to the unit on the last day (no first response yet).
pub async fn world() -> World {
    let w = desk().await;
    let mut c = Vec::new();
    for i in 1..=8 {
        c.push(w.case(&format!("第{i}件：小区门口的路灯坏了。")).await);
    }
    let admin = &w.s.admin;
    let deputies =
        expect(w.app().get(&format!("/api/v1/deputies?station_id={}", w.other_station), admin).await, StatusCode::OK)
            .await;
    let qr = deputies["items"][0]["qr_token"].as_str().unwrap().to_string();
    let response = w.s.post_form(&format!("/d/{qr}"), w.s.form("河西的一件事。")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let rate = |id: i64, body: Value| {
        let w = &w;
        async move {
            let code = w.stored(id).await.tracking_code;
            let response = w
                .app()
                .client
                .post(w.app().url(&format!("/api/v1/public/submissions/{code}/rating")))
                .json(&body)
                .send()
                .await
                .unwrap();
            expect(response, StatusCode::OK).await;
        }
    };
    w.ok(&w.deputy, c[0], json!({"action": "accept"})).await;
    w.ok(&w.manager, c[4], json!({"action": "reject", "reason": "litigation"})).await;
    w.ok(&w.manager, c[5], json!({"action": "accept"})).await;
    w.ok(&w.manager, c[5], json!({"action": "merge", "into_case_id": c[2]})).await;
    w.ok(&w.manager, c[6], json!({"action": "key_supervision"})).await;

    w.app().clock.advance(Duration::hours(2));
    w.ok(&w.deputy, c[0], json!({"action": "reply", "text": "已修复。"})).await;
    rate(c[0], json!({"satisfaction": "satisfied", "solved": true})).await;
    for id in [c[1], c[2], c[3]] {
        w.ok(&w.manager, id, json!({"action": "accept"})).await;
    }
    w.ok(&w.manager, c[1], json!({"action": "assign", "unit_id": w.unit})).await;

    w.app().clock.advance(Duration::hours(4));
    w.ok(&w.handler, c[1], json!({"action": "start"})).await;
    w.ok(&w.handler, c[1], json!({"action": "reply", "text": "已修复。"})).await;
    rate(c[1], json!({"satisfaction": "basically_satisfied", "solved": true})).await;
    w.ok(&w.manager, c[2], json!({"action": "reply", "text": "已通知物业。"})).await;
    rate(c[2], json!({"satisfaction": "dissatisfied", "solved": false})).await;
    w.ok(&w.manager, c[3], json!({"action": "reply", "text": "已修复。"})).await;

    w.app().clock.advance(Duration::days(10));
    w.ok(&w.manager, c[3], json!({"action": "close"})).await;
    w.ok(&w.manager, c[7], json!({"action": "assign", "unit_id": w.unit})).await;
    World { w }
}

async fn stats(w: &Desk, token: &str, query: &str) -> Value {
    expect(w.app().get(&format!("/api/v1/stats?{query}"), token).await, StatusCode::OK).await
}

fn rate(n: i64, d: i64, value: Option<f64>) -> Value {
    json!({"numerator": n, "denominator": d, "value": value})
}

#[tokio::test]
async fn every_figure_of_a_known_scenario() {
    let World { w } = world().await;
    let body = stats(&w, &w.manager, &format!("station_id={}", w.s.station)).await;
    assert_eq!(body["from"], "2026-01-01");
    assert_eq!(body["to"], "2026-03-12");
    assert_eq!(body["station_id"], w.s.station);
    let t = &body["totals"];
    assert_eq!(t["received"], 8);
    assert_eq!(
        t["by_status"],
        json!({"submitted": 1, "accepted": 0, "rejected": 1, "assigned": 1, "returned": 0, "in_progress": 1,
               "replied": 0, "closed": 4, "archived": 0})
    );
    assert_eq!(t["merged"], 1);
    assert_eq!(t["withdrawn"], 0);
    // Rejected (5), merged-away (6) and never accepted (7) are not in the denominator.
    assert_eq!(t["accepted"], 5);
    assert_eq!(t["reply_rate"], rate(4, 5, Some(80.0)));
    assert_eq!(t["on_time_rate"], rate(2, 3, Some(66.7)));
    assert_eq!(t["resolution_rate"], rate(2, 3, Some(66.7)));
    assert_eq!(t["satisfaction_rate"], rate(2, 3, Some(66.7)));
    assert_eq!(
        t["satisfaction_shares"],
        json!({"satisfied": rate(1, 3, Some(33.3)), "basically_satisfied": rate(1, 3, Some(33.3)),
               "dissatisfied": rate(1, 3, Some(33.3))})
    );
    // First responses: 0, 0 (the rejection), 2, 2, 2 hours.
    assert_eq!(t["median_first_response_hours"], 2.0);
    // Closed: 2, 6 and 246 hours.
    assert_eq!(t["median_close_hours"], 6.0);
    // Case 7, never touched, and case 3, reopened by its rating under its first deadline (9 March).
    assert_eq!(t["overdue_now"], 2);
    assert_eq!(t["key_supervision_now"], 1);
    assert_eq!(body["groups"], json!([]));

    // Administrators see both stations; the viewer of the first sees what its manager sees.
    let all = stats(&w, &w.s.admin, "").await;
    assert_eq!(all["totals"]["received"], 9);
    assert!(all.get("station_id").is_none());
    let viewer = stats(&w, &w.viewer, "").await;
    assert_eq!(viewer["totals"], body["totals"]);
}

#[tokio::test]
async fn grouped_by_each_dimension() {
    let World { w } = world().await;
    let by = |g: &'static str| {
        let w = &w;
        async move { stats(w, &w.s.admin, &format!("group_by={g}")).await }
    };
    let station = by("station").await;
    let groups = station["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["key"], w.s.station.to_string());
    assert_eq!(groups[0]["label"], "城关街道人大代表联络站");
    assert_eq!(groups[0]["received"], 8);
    assert_eq!(groups[0]["reply_rate"], rate(4, 5, Some(80.0)));
    assert_eq!(groups[1]["label"], "河西联络站");
    assert_eq!(groups[1]["received"], 1);
    assert_eq!(groups[1]["reply_rate"], rate(0, 0, None));
    assert_eq!(station["totals"]["received"], 9);

    let deputy = by("deputy").await;
    let labels: Vec<(&str, i64)> = deputy["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["label"].as_str().unwrap(), g["received"].as_i64().unwrap()))
        .collect();
    assert_eq!(labels, vec![("王建国", 8), ("陈明", 1)]);

    let category = by("category").await;
    assert_eq!(category["groups"].as_array().unwrap().len(), 1);
    assert_eq!(category["groups"][0]["label"], "城建环保交通");
    assert_eq!(category["groups"][0]["received"], 9);

    let unit = by("unit").await;
    let groups = unit["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["key"], "none");
    assert_eq!(groups[0]["label"], "未指定");
    assert_eq!(groups[0]["received"], 7);
    assert_eq!(groups[1]["key"], w.unit.to_string());
    assert_eq!(groups[1]["label"], "区住建局");
    assert_eq!(groups[1]["received"], 2);
    assert_eq!(groups[1]["accepted"], 2);
    assert_eq!(groups[1]["reply_rate"], rate(1, 2, Some(50.0)));
    assert_eq!(groups[1]["median_close_hours"], 6.0);

    // Every month of the period, the empty ones too.
    let month = stats(&w, &w.s.admin, "group_by=month&from=2026-02-01&to=2026-03-31").await;
    let groups = month["groups"].as_array().unwrap();
    let keys: Vec<&str> = groups.iter().map(|g| g["key"].as_str().unwrap()).collect();
    assert_eq!(keys, vec!["2026-02", "2026-03"]);
    assert_eq!(groups[0]["received"], 0);
    assert_eq!(groups[0]["median_close_hours"], Value::Null);
    assert_eq!(groups[1]["received"], 9);
    assert_eq!(groups[1]["median_first_response_hours"], 2.0);
    assert_eq!(groups[1]["satisfaction_rate"], rate(2, 3, Some(66.7)));

    expect_error(
        w.app().get("/api/v1/stats?group_by=street", &w.s.admin).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

#[tokio::test]
async fn no_rated_cases_is_no_data() {
    let World { w } = world().await;
    let empty = stats(&w, &w.s.admin, "from=2026-02-01&to=2026-02-28").await;
    let t = &empty["totals"];
    assert_eq!(t["received"], 0);
    for key in ["reply_rate", "on_time_rate", "resolution_rate", "satisfaction_rate"] {
        assert_eq!(t[key], rate(0, 0, None), "{key}");
    }
    assert_eq!(t["satisfaction_shares"]["satisfied"]["value"], Value::Null);
    assert_eq!(t["median_first_response_hours"], Value::Null);
    assert_eq!(t["median_close_hours"], Value::Null);
    // Cases, but none accepted or rated: still no data, not 0 %.
    let other = stats(&w, &w.other_manager, "").await;
    assert_eq!(other["totals"]["received"], 1);
    assert_eq!(other["totals"]["satisfaction_rate"], rate(0, 0, None));
    assert_eq!(other["totals"]["reply_rate"], rate(0, 0, None));
}

#[tokio::test]
async fn each_role_sees_its_own_cases() {
    let World { w } = world().await;
    let station = w.s.station;
    expect_error(
        w.app().get(&format!("/api/v1/stats?station_id={station}"), &w.other_manager).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_error(
        w.app().get(&format!("/api/v1/stats?station_id={}", w.other_station), &w.manager).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_error(
        w.app().get(&format!("/api/v1/stats?station_id={}", w.other_station), &w.deputy).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_error(w.app().get("/api/v1/stats?station_id=999999", &w.s.admin).await, StatusCode::NOT_FOUND, "not_found")
        .await;

    // The handler: the two cases assigned to their unit.
    let handler = stats(&w, &w.handler, "").await;
    let t = &handler["totals"];
    assert_eq!(t["received"], 2);
    assert_eq!(t["accepted"], 2);
    assert_eq!(t["reply_rate"], rate(1, 2, Some(50.0)));
    assert_eq!(t["satisfaction_shares"]["basically_satisfied"], rate(1, 1, Some(100.0)));
    assert_eq!(stats(&w, &w.other_handler, "").await["totals"]["received"], 0);

    // Deputies: their own cases only.
    assert_eq!(stats(&w, &w.deputy, "").await["totals"]["received"], 8);
    let other = stats(&w, &w.other_deputy, "group_by=station").await;
    assert_eq!(other["totals"]["received"], 1);
    assert_eq!(other["groups"].as_array().unwrap().len(), 1);
    assert_eq!(other["groups"][0]["key"], w.other_station.to_string());
}

#[tokio::test]
async fn the_table_exports_to_xlsx() {
    let World { w } = world().await;
    let response = w.app().get("/api/v1/stats?group_by=station&format=xlsx", &w.s.admin).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains(".xlsx"));
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
    let text = |row: u32, col: u32| sheet.get_value((row, col)).and_then(|d| d.as_string()).unwrap_or_default();
    let number = |row: u32, col: u32| sheet.get_value((row, col)).and_then(|d| d.as_f64());
    let col = |title: &str| (0..30u32).find(|c| text(0, *c) == title).unwrap_or_else(|| panic!("column {title}"));
    assert_eq!(text(0, 0), "联络站");
    assert_eq!(text(1, 0), "城关街道人大代表联络站");
    assert_eq!(text(2, 0), "河西联络站");
    assert_eq!(text(3, 0), "合计（全部）");
    assert_eq!(number(1, col("收到")), Some(8.0));
    assert_eq!(number(3, col("收到")), Some(9.0));
    assert_eq!(number(1, col("受理")), Some(5.0));
    assert_eq!(number(1, col("答复率")), Some(0.8));
    assert_eq!(number(1, col("办结时长中位数(小时)")), Some(6.0));
    // No data is an empty cell, not 0 %.
    assert!(number(2, col("答复率")).is_none());
    expect_error(
        w.app().get("/api/v1/stats?format=pdf", &w.s.admin).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}
