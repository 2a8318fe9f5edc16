//! The station's books: values as recorded, in JSON, CSV and XLSX; who may read them; periods.
use std::io::Cursor;

use calamine::{Data, DataType, Reader, Xlsx, open_workbook_from_rs};
use liaison::entities::audit_log;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::cases::{Desk, desk};
use crate::helpers::*;

const MARCH: &str = "from=2026-03-01&to=2026-03-31";

fn column(body: &Value, key: &str) -> usize {
    body["columns"].as_array().unwrap().iter().position(|c| c["key"] == key).unwrap_or_else(|| panic!("column {key}"))
}

fn cell<'a>(body: &'a Value, row: usize, key: &str) -> &'a Value {
    &body["items"][row][column(body, key)]
}

async fn ledger(desk: &Desk, token: &str, query: &str) -> reqwest::Response {
    desk.app().get(&format!("/api/v1/stations/{}/ledgers/case-ledger?{query}", desk.s.station), token).await
}

/// A case through the deputy's form, accepted, assigned, flagged and replied to.
async fn handled_case(desk: &Desk) -> String {
    let code = desk.s.submit("小区路灯坏了三盏，晚上出行不便").await;
    let id = i64::from(desk.s.case(&code).await.id);
    desk.ok(&desk.manager, id, json!({"action": "accept"})).await;
    desk.ok(&desk.manager, id, json!({"action": "assign", "unit_id": desk.unit})).await;
    desk.ok(&desk.manager, id, json!({"action": "key_supervision", "on": true})).await;
    code
}

#[tokio::test]
async fn the_case_ledger_shows_what_was_recorded() {
    let desk = desk().await;
    let code = handled_case(&desk).await;

    // The manager handles the station's cases: contacts unmasked, and the export is audited.
    let body = expect(ledger(&desk, &desk.manager, MARCH).await, StatusCode::OK).await;
    assert_eq!(body["ledger"], "case-ledger");
    assert_eq!(body["title"], "意见建议办理台账");
    assert_eq!(body["station"]["name"], "城关街道人大代表联络站");
    assert_eq!(body["from"], "2026-03-01");
    assert_eq!(body["to"], "2026-03-31");
    assert_eq!(body["total"], 1);
    assert_eq!(body["masked"], false);
    assert_eq!(body["columns"][0]["title"], "编号");
    assert_eq!(cell(&body, 0, "tracking_code"), code.as_str());
    assert_eq!(cell(&body, 0, "received_on"), "2026-03-02");
    assert_eq!(cell(&body, 0, "channel"), "扫码");
    assert_eq!(cell(&body, 0, "contact_name"), "张三");
    assert_eq!(cell(&body, 0, "contact_phone"), "13812345678");
    assert_eq!(cell(&body, 0, "deputy"), "王建国");
    assert_eq!(cell(&body, 0, "content"), "小区路灯坏了三盏，晚上出行不便");
    assert_eq!(cell(&body, 0, "location"), "幸福小区东门");
    assert_eq!(cell(&body, 0, "category"), "城建环保交通");
    assert_eq!(cell(&body, 0, "tier"), "即收周办");
    assert_eq!(cell(&body, 0, "unit"), "区住建局");
    assert_eq!(cell(&body, 0, "assigned_on"), "2026-03-02");
    assert_eq!(cell(&body, 0, "result"), "已交办");
    assert_eq!(cell(&body, 0, "key_supervision"), "是");
    assert_eq!(cell(&body, 0, "disclosed"), "未公开");
    assert!(cell(&body, 0, "closed_on").is_null());
    let audited = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("export_ledger_unmasked"))
        .count(&desk.app().state.db)
        .await
        .unwrap();
    assert_eq!(audited, 1);

    // A viewer of the station reads it masked, and nothing is audited for that.
    let body = expect(ledger(&desk, &desk.viewer, MARCH).await, StatusCode::OK).await;
    assert_eq!(body["masked"], true);
    assert_eq!(cell(&body, 0, "contact_name"), "张*");
    assert_eq!(cell(&body, 0, "contact_phone"), "138****5678");
    // Administrators see every station, contacts masked.
    let body = expect(ledger(&desk, &desk.s.admin, MARCH).await, StatusCode::OK).await;
    assert_eq!(cell(&body, 0, "contact_name"), "张*");
    let district =
        expect(desk.app().get(&format!("/api/v1/ledgers/case-ledger?{MARCH}"), &desk.s.admin).await, StatusCode::OK)
            .await;
    assert_eq!(district["total"], 1);
    assert!(district["station"].is_null());
}

#[tokio::test]
async fn csv_is_utf8_with_a_bom_and_chinese_headings() {
    let desk = desk().await;
    let code = handled_case(&desk).await;
    let response = ledger(&desk, &desk.viewer, &format!("{MARCH}&format=csv")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(disposition.contains("filename*=UTF-8''"), "{disposition}");
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "a BOM for spreadsheet programs");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(headers[0], "编号");
    assert_eq!(headers[1], "收集日期");
    assert!(headers.contains(&"办结时限".to_string()));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    let at = |title: &str| headers.iter().position(|h| h == title).unwrap();
    assert_eq!(&rows[0][at("编号")], code.as_str());
    assert_eq!(&rows[0][at("收集日期")], "2026-03-02");
    assert_eq!(&rows[0][at("反映人")], "张*");
    assert_eq!(&rows[0][at("主要内容")], "小区路灯坏了三盏，晚上出行不便");
    assert_eq!(&rows[0][at("办理结果")], "已交办");

    // An empty period: the headings only.
    let response = ledger(&desk, &desk.viewer, "from=2025-01-01&to=2025-12-31&format=csv").await;
    let bytes = response.bytes().await.unwrap();
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    assert_eq!(reader.headers().unwrap().len(), headers.len());
    assert_eq!(reader.records().count(), 0);
}

#[tokio::test]
async fn xlsx_has_headings_real_dates_and_masked_names() {
    let desk = desk().await;
    let code = handled_case(&desk).await;
    let response = ledger(&desk, &desk.viewer, &format!("{MARCH}&format=xlsx")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains(".xlsx"));
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
    let text = |row: u32, col: u32| sheet.get_value((row, col)).and_then(|d| d.as_string()).unwrap_or_default();
    assert_eq!(text(0, 0), "编号");
    assert_eq!(text(0, 3), "反映人");
    assert_eq!(text(1, 0), code);
    assert_eq!(text(1, 3), "张*");
    assert_eq!(text(1, 4), "138****5678");
    let received = sheet.get_value((1, 1)).unwrap();
    assert!(received.is_datetime(), "a real date cell: {received:?}");
    // 2026-03-02 is day 46083 of Excel's calendar.
    assert_eq!(received.get_datetime().unwrap().as_f64(), 46083.0);
    assert_eq!(sheet.get_value((1, 7)), Some(&Data::String("小区路灯坏了三盏，晚上出行不便".into())));

    // An empty period: the heading row only.
    let response = ledger(&desk, &desk.viewer, "from=2025-01-01&to=2025-01-31&format=xlsx").await;
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.height(), 1);
}

#[tokio::test]
async fn only_staff_in_scope_read_ledgers() {
    let desk = desk().await;
    handled_case(&desk).await;
    let app = desk.app();
    let station = desk.s.station;
    for token in [&desk.deputy, &desk.handler] {
        expect_error(ledger(&desk, token, MARCH).await, StatusCode::FORBIDDEN, "forbidden").await;
    }
    expect_error(ledger(&desk, &desk.other_manager, MARCH).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(
        app.get(&format!("/api/v1/stations/{station}/ledgers/nonsense"), &desk.s.admin).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_error(app.get("/api/v1/ledgers/case-ledger", &desk.manager).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(
        app.get("/api/v1/stations/999999/ledgers/roster", &desk.s.admin).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // Bad periods and formats.
    for query in ["from=2026-03-31&to=2026-03-01", "from=2020-01-01&to=2026-03-01", "from=2026-13-01", "format=pdf"] {
        expect_error(ledger(&desk, &desk.manager, query).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
            .await;
    }
    // An empty period: the columns, no rows.
    let body = expect(ledger(&desk, &desk.manager, "from=2025-01-01&to=2025-12-31").await, StatusCode::OK).await;
    assert_eq!(body["total"], 0);
    assert_eq!(body["items"], json!([]));
    assert!(body["columns"].as_array().unwrap().len() > 10);
}

#[tokio::test]
async fn the_roster_lists_the_deputies_of_the_station_and_its_points() {
    let desk = desk().await;
    let app = desk.app();
    let admin = &desk.s.admin;
    let point = app.create_station(admin, "东门社区联络点", "point", Some(desk.s.station)).await;
    app.create(
        "/api/v1/deputies",
        admin,
        json!({"name": "李秀英", "level": "township", "station_id": point, "phone": "13900001111", "gender": "女",
               "ethnicity": "汉族", "birth_month": "1975-06", "party": "中共党员", "employer": "东门社区", "post": "党委书记"}),
    )
    .await;
    let path = format!("/api/v1/stations/{}/ledgers/roster", desk.s.station);
    let body = expect(app.get(&path, &desk.manager).await, StatusCode::OK).await;
    assert_eq!(body["title"], "五级人大代表花名册");
    assert_eq!(body["columns"][0]["title"], "姓名");
    assert_eq!(body["total"], 2);
    let names: Vec<&str> = body["items"].as_array().unwrap().iter().map(|r| r[0].as_str().unwrap()).collect();
    assert_eq!(names, ["王建国", "李秀英"]);
    assert_eq!(cell(&body, 1, "gender"), "女");
    assert_eq!(cell(&body, 1, "employer_post"), "东门社区党委书记");
    assert_eq!(cell(&body, 1, "level"), "乡镇（街道）人大代表");
    assert_eq!(cell(&body, 1, "station"), "城关街道人大代表联络站 / 东门社区联络点");
    assert_eq!(cell(&body, 1, "phone"), "13900001111");
    // Viewers see the phones masked; the other station's manager does not see this station.
    let body = expect(app.get(&path, &desk.viewer).await, StatusCode::OK).await;
    assert_eq!(cell(&body, 1, "phone"), "139****1111");
    expect_error(app.get(&path, &desk.other_manager).await, StatusCode::NOT_FOUND, "not_found").await;
    // The point's own roster has only its deputy.
    let body =
        expect(app.get(&format!("/api/v1/stations/{point}/ledgers/roster"), &desk.manager).await, StatusCode::OK).await;
    assert_eq!(body["total"], 1);
    // The XLSX and CSV of the register, masked for the viewer.
    let xlsx = app.get(&format!("{path}?format=xlsx"), &desk.viewer).await.bytes().await.unwrap().to_vec();
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(xlsx)).unwrap();
    let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.get_value((0, 0)), Some(&Data::String("姓名".into())));
    assert_eq!(sheet.get_value((2, 0)), Some(&Data::String("李秀英".into())));
    assert_eq!(sheet.get_value((2, 13)), Some(&Data::String("139****1111".into())));
    let csv = app.get(&format!("{path}?format=csv"), &desk.viewer).await.text().await.unwrap();
    assert!(csv.starts_with("\u{feff}姓名,性别,民族"));
    assert!(csv.contains("李秀英,女,汉族,1975-06,中共党员"));
}

#[tokio::test]
async fn the_print_view_is_an_a4_page_of_the_ledger() {
    let desk = desk().await;
    let code = handled_case(&desk).await;
    let app = desk.app();
    let browser = Browser::new();
    sign_in(app, &browser, "manager-a", PASSWORD).await;
    let list = browser.client.get(app.url("/app/ledgers")).send().await.unwrap();
    assert_eq!(list.status(), StatusCode::OK);
    let html = list.text().await.unwrap();
    assert!(html.contains("意见建议办理台账"));
    assert!(html.contains(&format!("/app/stations/{}/ledgers/case-ledger/print", desk.s.station)));
    let page = browser
        .client
        .get(app.url(&format!("/app/stations/{}/ledgers/case-ledger/print?{MARCH}", desk.s.station)))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for expected in [
        "城关街道人大代表联络站",
        "意见建议办理台账",
        "2026年3月1日 至 2026年3月31日",
        "<thead>",
        code.as_str(),
        "/static/ledger-print.css",
    ] {
        assert!(html.contains(expected), "the print view shows {expected}");
    }
    assert!(!html.contains("http://") && !html.contains("https://"), "nothing from other hosts");
    let css = app.get_anonymous("/static/ledger-print.css").await.text().await.unwrap();
    assert!(css.contains("size:A4 landscape"));
    let csv = browser
        .client
        .get(app.url(&format!("/app/stations/{}/ledgers/case-ledger/download?format=csv&{MARCH}", desk.s.station)))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.text().await.unwrap().contains(&code));
}

/// A ledger longer than one batch (2,000 rows) is read whole and once: the reports in
/// `(day, id)` order, many on the same day, and the roster in id order.
#[tokio::test]
async fn ledgers_longer_than_a_batch_are_read_whole_and_once() {
    use chrono::NaiveDate;
    use liaison::entities::{app_user, deputy, deputy_report};
    use sea_orm::{QueryOrder, Set};
    let desk = desk().await;
    let app = desk.app();
    let db = &app.state.db;
    let station = desk.s.station as i32;
    let deputy_id = desk.s.deputy["id"].as_i64().unwrap() as i32;
    let admin = app_user::Entity::find().order_by_asc(app_user::Column::Id).one(db).await.unwrap().unwrap().id;
    let now = app.clock.now_utc();
    let n = 2_101;
    let reports: Vec<deputy_report::ActiveModel> = (0..n)
        .map(|i| deputy_report::ActiveModel {
            station_id: Set(station),
            deputy_id: Set(deputy_id),
            // Most on one day: the batches' ends fall among rows of the same day.
            reported_on: Set(NaiveDate::from_ymd_opt(2026, 3, if i % 10 == 0 { 5 } else { 9 }).unwrap()),
            place: Set(format!("第{i}场")),
            form: Set("oral".parse().unwrap()),
            voters_present: Set(0),
            summary: Set("述职".into()),
            comments: Set(None),
            votes_satisfied: Set(0),
            votes_basically_satisfied: Set(0),
            votes_dissatisfied: Set(0),
            published: Set(false),
            recorded_by: Set(admin),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .collect();
    for chunk in reports.chunks(500) {
        deputy_report::Entity::insert_many(chunk.to_vec()).exec_without_returning(db).await.unwrap();
    }
    let path = format!("/api/v1/stations/{}/ledgers/reports?{MARCH}", desk.s.station);
    let body = expect(app.get(&path, &desk.manager).await, StatusCode::OK).await;
    assert_eq!(body["total"], n);
    let mut places: Vec<&str> =
        body["items"].as_array().unwrap().iter().map(|r| r[column(&body, "place")].as_str().unwrap()).collect();
    places.sort_unstable();
    places.dedup();
    assert_eq!(places.len(), n as usize, "every report once");

    let deputies: Vec<deputy::ActiveModel> = (0..n)
        .map(|i| deputy::ActiveModel {
            name: Set(format!("代表{i}")),
            level: Set("township".parse().unwrap()),
            station_id: Set(station),
            qr_token: Set(format!("batch-test-{i}")),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    for chunk in deputies.chunks(500) {
        deputy::Entity::insert_many(chunk.to_vec()).exec_without_returning(db).await.unwrap();
    }
    let path = format!("/api/v1/stations/{}/ledgers/roster", desk.s.station);
    let body = expect(app.get(&path, &desk.manager).await, StatusCode::OK).await;
    assert_eq!(body["total"], n + 1, "the generated deputies and 王建国");
}
