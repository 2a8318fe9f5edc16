//! Three smaller books: deputies' reports to voters (述职), contact records (民情联系卡) and
//! the ten haves (十有) — recorded over the API, read back as ledgers in every format.
use std::io::Cursor;

use calamine::{Data, DataType, Reader, Xlsx, open_workbook_from_rs};
use liaison::entities::audit_log;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::*;

struct World {
    app: TestApp,
    admin: String,
    station: i64,
    point: i64,
    wang: i64,
    li: i64,
    zhao_elsewhere: i64,
    manager: String,
    other_manager: String,
    deputy_wang: String,
    deputy_li: String,
    handler: String,
    viewer: String,
}

async fn world() -> World {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let station = app.create_station(&admin, "城关街道人大代表联络站", "station", None).await;
    let point = app.create_station(&admin, "幸福社区联络点", "point", Some(station)).await;
    let other = app.create_station(&admin, "东城街道人大代表联络站", "station", None).await;
    let wang = app.create_deputy(&admin, "王建国", station).await["id"].as_i64().unwrap();
    let li = app.create_deputy(&admin, "李秀英", station).await["id"].as_i64().unwrap();
    let zhao_elsewhere = app.create_deputy(&admin, "赵卫东", other).await["id"].as_i64().unwrap();
    let unit = app.create_unit(&admin, "住建局").await;
    let (_, manager) = app.user(&admin, "manager-a", "manager", json!({"station_ids": [station]})).await;
    let (_, other_manager) = app.user(&admin, "manager-b", "manager", json!({"station_ids": [other]})).await;
    let (_, deputy_wang) = app.user(&admin, "deputy-wang", "deputy", json!({"deputy_id": wang})).await;
    let (_, deputy_li) = app.user(&admin, "deputy-li", "deputy", json!({"deputy_id": li})).await;
    let (_, handler) = app.user(&admin, "handler-u", "handler", json!({"unit_id": unit})).await;
    let (_, viewer) = app.user(&admin, "viewer-a", "viewer", json!({"station_ids": [station]})).await;
    World {
        app,
        admin,
        station,
        point,
        wang,
        li,
        zhao_elsewhere,
        manager,
        other_manager,
        deputy_wang,
        deputy_li,
        handler,
        viewer,
    }
}

fn cell<'a>(body: &'a Value, row: usize, key: &str) -> &'a Value {
    let column = body["columns"].as_array().unwrap().iter().position(|c| c["key"] == key).unwrap();
    &body["items"][row][column]
}

async fn audited(app: &TestApp, action: &str) -> u64 {
    audit_log::Entity::find().filter(audit_log::Column::Action.eq(action)).count(&app.state.db).await.unwrap()
}

fn sheet_of(bytes: Vec<u8>) -> calamine::Range<Data> {
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    workbook.worksheet_range_at(0).unwrap().unwrap()
}

fn csv_lines(text: &str) -> Vec<String> {
    assert!(text.starts_with('\u{feff}'), "CSV starts with a BOM");
    text.trim_start_matches('\u{feff}').lines().map(str::to_string).collect()
}

impl World {
    fn report_body(&self) -> Value {
        json!({
            "deputy_id": self.wang,
            "reported_on": "2026-03-02",
            "place": "城关街道人大代表联络站二楼会议室",
            "form": "oral",
            "voters_present": 42,
            "summary": "一年来参加人代会、走访选民、督办路灯维修等情况。",
            "comments": "希望多关注老旧小区加装电梯。",
            "votes_satisfied": 30,
            "votes_basically_satisfied": 10,
            "votes_dissatisfied": 2,
            "published": true,
        })
    }

    fn ledger(&self, name: &str, query: &str) -> String {
        format!("/api/v1/stations/{}/ledgers/{name}?{query}", self.station)
    }
}

#[tokio::test]
async fn reports_to_voters_are_recorded_with_their_vote_and_read_as_a_ledger() {
    let w = world().await;
    let reports = format!("/api/v1/stations/{}/deputy-reports", w.station);
    let report = w.app.create(&reports, &w.manager, w.report_body()).await;
    assert_eq!(report["deputy_name"], "王建国");
    assert_eq!(report["satisfaction_rate"], 95);
    assert_eq!(report["version"], 1);
    let mut april = w.report_body();
    april["reported_on"] = json!("2026-04-10");
    april["form"] = json!("written");
    april["deputy_id"] = json!(w.li);
    w.app.create(&reports, &w.manager, april).await;

    // Everyone who may read the station sees the reports; a handler may not.
    for token in [&w.viewer, &w.deputy_wang, &w.admin] {
        let listed =
            expect(w.app.get(&format!("{reports}?from=2026-03-01&to=2026-03-31"), token).await, StatusCode::OK).await;
        assert_eq!(listed["total"], 1);
        assert_eq!(listed["items"][0]["place"], "城关街道人大代表联络站二楼会议室");
    }
    expect_error(w.app.get(&reports, &w.handler).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(w.app.get(&reports, &w.other_manager).await, StatusCode::NOT_FOUND, "not_found").await;
    // Only the station's managers record: viewers and deputies may not, nor may others.
    expect_error(w.app.post(&reports, &w.viewer, &w.report_body()).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(w.app.post(&reports, &w.deputy_wang, &w.report_body()).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
    expect_error(w.app.post(&reports, &w.other_manager, &w.report_body()).await, StatusCode::NOT_FOUND, "not_found")
        .await;
    // A deputy of another station can't be recorded here.
    let mut stranger = w.report_body();
    stranger["deputy_id"] = json!(w.zhao_elsewhere);
    let error = expect_error(
        w.app.post(&reports, &w.manager, &stranger).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error["fields"][0]["field"], "deputy_id");

    // Edits: a stale version is a conflict; the vote is checked against who came.
    let path = format!("/api/v1/deputy-reports/{}", report["id"]);
    let edited =
        expect(w.app.patch(&path, &w.manager, &json!({"version": 1, "published": false})).await, StatusCode::OK).await;
    assert_eq!(edited["published"], false);
    assert_eq!(edited["version"], 2);
    expect_error(
        w.app.patch(&path, &w.manager, &json!({"version": 1, "place": "别处"})).await,
        StatusCode::CONFLICT,
        "stale_version",
    )
    .await;
    let error = expect_error(
        w.app.patch(&path, &w.manager, &json!({"version": 2, "voters_present": 20})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error["fields"][0]["field"], "votes_satisfied");
    expect_error(
        w.app.patch(&path, &w.viewer, &json!({"version": 2, "published": true})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    // The ledger: March's report only, with the vote and its rate.
    let book =
        expect(w.app.get(&w.ledger("reports", "from=2026-03-01&to=2026-03-31"), &w.viewer).await, StatusCode::OK).await;
    assert_eq!(book["title"], "代表述职登记簿");
    assert_eq!(book["total"], 1);
    assert_eq!(cell(&book, 0, "reported_on"), "2026-03-02");
    assert_eq!(cell(&book, 0, "deputy"), "王建国");
    assert_eq!(cell(&book, 0, "form"), "口头述职");
    assert_eq!(cell(&book, 0, "voters_present"), 42);
    assert_eq!(cell(&book, 0, "votes_satisfied"), 30);
    assert_eq!(cell(&book, 0, "votes_basically_satisfied"), 10);
    assert_eq!(cell(&book, 0, "votes_dissatisfied"), 2);
    assert_eq!(cell(&book, 0, "satisfaction_rate"), 95);
    assert_eq!(cell(&book, 0, "published"), "未公开");
    assert_eq!(cell(&book, 0, "comments"), "希望多关注老旧小区加装电梯。");

    let csv = w.app.get(&w.ledger("reports", "from=2026-03-01&to=2026-04-30&format=csv"), &w.manager).await;
    let lines = csv_lines(&csv.text().await.unwrap());
    assert!(lines[0].starts_with("述职日期,述职地点,联络站,述职代表,述职形式,参加选民人数"));
    assert!(
        lines[1].starts_with("2026-03-02,城关街道人大代表联络站二楼会议室,城关街道人大代表联络站,王建国,口头述职,42,")
    );
    assert!(
        lines[2].starts_with("2026-04-10,城关街道人大代表联络站二楼会议室,城关街道人大代表联络站,李秀英,书面述职,42,")
    );
    assert!(lines[1].ends_with(",30,10,2,95%,未公开"), "{}", lines[1]);
    assert_eq!(lines.len(), 3);

    let xlsx = w.app.get(&w.ledger("reports", "from=2026-03-01&to=2026-03-31&format=xlsx"), &w.manager).await;
    let sheet = sheet_of(xlsx.bytes().await.unwrap().to_vec());
    assert_eq!(sheet.get_value((0, 0)), Some(&Data::String("述职日期".into())));
    assert!(sheet.get_value((1, 0)).unwrap().is_datetime());
    assert_eq!(sheet.get_value((1, 3)), Some(&Data::String("王建国".into())));
    assert_eq!(sheet.get_value((1, 5)).and_then(|d| d.as_f64()), Some(42.0));

    // An empty period: the headings and nothing else.
    let empty =
        expect(w.app.get(&w.ledger("reports", "from=2025-01-01&to=2025-12-31"), &w.manager).await, StatusCode::OK)
            .await;
    assert_eq!(empty["total"], 0);
    let xlsx = w.app.get(&w.ledger("reports", "from=2025-01-01&to=2025-12-31&format=xlsx"), &w.manager).await;
    assert_eq!(sheet_of(xlsx.bytes().await.unwrap().to_vec()).height(), 1);
}

#[tokio::test]
async fn a_report_with_bad_fields_names_each_and_stores_nothing() {
    let w = world().await;
    let reports = format!("/api/v1/stations/{}/deputy-reports", w.station);
    let body = json!({
        "deputy_id": w.wang,
        "reported_on": "2026-02-30",
        "place": "",
        "form": "sung",
        "voters_present": -3,
        "summary": "述".repeat(5001),
        "votes_satisfied": 1,
    });
    let error = expect_error(
        w.app.post(&reports, &w.manager, &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> = error["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    for field in ["reported_on", "place", "form", "voters_present", "summary"] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    let listed = expect(w.app.get(&reports, &w.manager).await, StatusCode::OK).await;
    assert_eq!(listed["total"], 0);
}

#[tokio::test]
async fn contact_records_belong_to_their_deputy_and_households_are_masked_for_others() {
    let w = world().await;
    let wang_records = format!("/api/v1/deputies/{}/contact-records", w.wang);
    let body = json!({
        "contacted_on": "2026-03-02",
        "mode": "visit",
        "household": "幸福小区3栋 张桂兰",
        "phone": "139 1234 5678",
        "matter": "楼道灯坏了，老人晚上上下楼不方便。",
        "handling": "已联系物业，三天内修好。",
    });
    // The deputy records their own contact and sees it in full (the view is audited).
    let record = w.app.create(&wang_records, &w.deputy_wang, body.clone()).await;
    assert_eq!(record["household"], "幸福小区3栋 张桂兰");
    assert_eq!(record["phone"], "13912345678");
    assert_eq!(record["masked"], false);
    assert_eq!(record["station_id"], w.station);
    assert!(audited(&w.app, "view_contact").await >= 1);
    // The station's manager records for a deputy too.
    let mut phone_call = body.clone();
    phone_call["mode"] = json!("wechat");
    phone_call["contacted_on"] = json!("2026-03-05");
    w.app.create(&format!("/api/v1/deputies/{}/contact-records", w.li), &w.manager, phone_call).await;

    // Another deputy may neither write nor read Wang's records; a handler nothing at all.
    expect_error(w.app.post(&wang_records, &w.deputy_li, &body).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(w.app.get(&wang_records, &w.deputy_li).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(w.app.post(&wang_records, &w.handler, &body).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(w.app.post(&wang_records, &w.other_manager, &body).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(w.app.post(&wang_records, &w.viewer, &body).await, StatusCode::FORBIDDEN, "forbidden").await;
    let path = format!("/api/v1/contact-records/{}", record["id"]);
    expect_error(w.app.get(&path, &w.deputy_li).await, StatusCode::NOT_FOUND, "not_found").await;

    // A viewer reads the station's records masked; a deputy listing the station sees only theirs.
    let station_records = format!("/api/v1/stations/{}/contact-records", w.station);
    let listed = expect(w.app.get(&station_records, &w.viewer).await, StatusCode::OK).await;
    assert_eq!(listed["total"], 2);
    let wang_row = listed["items"].as_array().unwrap().iter().find(|r| r["deputy_id"] == w.wang).unwrap();
    assert_eq!(wang_row["household"], "幸********");
    assert_eq!(wang_row["phone"], "139****5678");
    assert_eq!(wang_row["masked"], true);
    let own = expect(w.app.get(&station_records, &w.deputy_li).await, StatusCode::OK).await;
    assert_eq!(own["total"], 1);
    assert_eq!(own["items"][0]["deputy_name"], "李秀英");
    assert_eq!(own["items"][0]["mode"], "wechat");

    // Edits by the deputy, with the version.
    let edited = expect(
        w.app.patch(&path, &w.deputy_wang, &json!({"version": 1, "handling": "物业已修好，回访满意。"})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(edited["handling"], "物业已修好，回访满意。");
    expect_error(
        w.app.patch(&path, &w.manager, &json!({"version": 1, "mode": "phone"})).await,
        StatusCode::CONFLICT,
        "stale_version",
    )
    .await;
    let error = expect_error(
        w.app.patch(&path, &w.deputy_wang, &json!({"version": 2, "mode": "pigeon", "phone": "12"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error["fields"].as_array().unwrap().len(), 2);

    // The ledger: in full for the station's manager (audited), masked for the viewer.
    let before = audited(&w.app, "export_ledger_unmasked").await;
    let book = expect(
        w.app.get(&w.ledger("contact-cards", "from=2026-03-01&to=2026-03-31"), &w.manager).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(book["title"], "民情联系卡");
    assert_eq!(book["total"], 2);
    assert_eq!(book["masked"], false);
    assert_eq!(cell(&book, 0, "contacted_on"), "2026-03-02");
    assert_eq!(cell(&book, 0, "deputy"), "王建国");
    assert_eq!(cell(&book, 0, "mode"), "走访");
    assert_eq!(cell(&book, 0, "household"), "幸福小区3栋 张桂兰");
    assert_eq!(cell(&book, 0, "phone"), "13912345678");
    assert_eq!(cell(&book, 0, "handling"), "物业已修好，回访满意。");
    assert_eq!(cell(&book, 1, "deputy"), "李秀英");
    assert_eq!(cell(&book, 1, "mode"), "微信");
    assert_eq!(audited(&w.app, "export_ledger_unmasked").await, before + 1);
    let masked =
        expect(w.app.get(&w.ledger("contact-cards", "from=2026-03-01&to=2026-03-31"), &w.viewer).await, StatusCode::OK)
            .await;
    assert_eq!(masked["masked"], true);
    assert_eq!(cell(&masked, 0, "phone"), "139****5678");
    expect_error(w.app.get(&w.ledger("contact-cards", ""), &w.deputy_wang).await, StatusCode::FORBIDDEN, "forbidden")
        .await;

    let csv = w.app.get(&w.ledger("contact-cards", "from=2026-03-01&to=2026-03-31&format=csv"), &w.viewer).await;
    let lines = csv_lines(&csv.text().await.unwrap());
    assert_eq!(lines[0], "联系日期,联络站,代表,联系方式,联系选民（户）,联系电话,反映事项,办理情况,关联案件编号");
    assert!(lines[1].starts_with("2026-03-02,城关街道人大代表联络站,王建国,走访,幸********,139****5678,"));
    let xlsx = w.app.get(&w.ledger("contact-cards", "from=2026-03-01&to=2026-03-31&format=xlsx"), &w.viewer).await;
    let sheet = sheet_of(xlsx.bytes().await.unwrap().to_vec());
    assert_eq!(sheet.height(), 3);
    assert_eq!(sheet.get_value((2, 3)), Some(&Data::String("微信".into())));
    let empty =
        expect(w.app.get(&w.ledger("contact-cards", "from=2025-01-01&to=2025-01-31"), &w.viewer).await, StatusCode::OK)
            .await;
    assert_eq!(empty["total"], 0);
}

#[tokio::test]
async fn the_ten_haves_are_confirmed_with_evidence_and_scored() {
    let w = world().await;
    let items = format!("/api/v1/stations/{}/ten-haves", w.station);
    let fresh = expect(w.app.get(&items, &w.viewer).await, StatusCode::OK).await;
    assert_eq!(fresh["score"], 0);
    assert_eq!(fresh["items"].as_array().unwrap().len(), 10);
    assert_eq!(fresh["items"][0]["item"], "place");
    assert_eq!(fresh["items"][0]["label"], "有场所");
    assert_eq!(fresh["items"][0]["version"], 0);

    let place = format!("{items}/place");
    let body = json!({"present": true, "note": "街道办一楼，120平方米", "evidence_on": "2026-02-20", "version": 0});
    let checked = expect(w.app.put(&place, &w.manager, &body).await, StatusCode::OK).await;
    assert_eq!(checked["score"], 10);
    assert_eq!(checked["items"][0]["present"], true);
    assert_eq!(checked["items"][0]["note"], "街道办一楼，120平方米");
    assert_eq!(checked["items"][0]["evidence_on"], "2026-02-20");
    assert_eq!(checked["items"][0]["confirmed_by"], "manager-a");
    assert_eq!(checked["items"][0]["version"], 1);
    // Someone who read it before the change is refused.
    expect_error(w.app.put(&place, &w.manager, &body).await, StatusCode::CONFLICT, "stale_version").await;
    for item in ["sign", "equipment", "rules"] {
        expect(w.app.put(&format!("{items}/{item}"), &w.manager, &json!({"present": true})).await, StatusCode::OK)
            .await;
    }
    let withdrawn = expect(
        w.app.put(&format!("{items}/rules"), &w.manager, &json!({"present": false, "version": 1})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(withdrawn["score"], 30);

    // Denials and bad input.
    expect_error(w.app.put(&place, &w.viewer, &body).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(w.app.put(&place, &w.deputy_wang, &body).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(w.app.put(&place, &w.other_manager, &body).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(w.app.get(&items, &w.handler).await, StatusCode::FORBIDDEN, "forbidden").await;
    let error = expect_error(
        w.app.put(&format!("{items}/pool"), &w.manager, &json!({"present": true, "evidence_on": "soon"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error["fields"].as_array().unwrap().len(), 2);

    // The ledger: one row per station in scope (the station and its point), as it stands.
    let book = expect(w.app.get(&w.ledger("ten-haves", ""), &w.viewer).await, StatusCode::OK).await;
    assert_eq!(book["title"], "联络站“十有”建设情况");
    assert_eq!(book["total"], 2);
    assert_eq!(cell(&book, 0, "station"), "城关街道人大代表联络站");
    assert_eq!(cell(&book, 0, "place"), "有（2026-02-20）");
    assert_eq!(cell(&book, 0, "sign"), "有");
    assert_eq!(cell(&book, 0, "rules"), "缺");
    assert_eq!(cell(&book, 0, "score"), 30);
    assert_eq!(cell(&book, 1, "station"), "幸福社区联络点");
    assert_eq!(cell(&book, 1, "kind"), "联络点");
    assert_eq!(cell(&book, 1, "score"), 0);
    let csv = w.app.get(&w.ledger("ten-haves", "format=csv"), &w.manager).await;
    let lines = csv_lines(&csv.text().await.unwrap());
    assert_eq!(lines[0], "联络站,类型,有场所,有牌子,有设备,有人员,有制度,有计划,有活动,有台账,有档案,有案例,完成度");
    assert_eq!(lines[1], "城关街道人大代表联络站,联络站,有（2026-02-20）,有,有,缺,缺,缺,缺,缺,缺,缺,30%");
    let xlsx = w.app.get(&w.ledger("ten-haves", "format=xlsx"), &w.manager).await;
    let sheet = sheet_of(xlsx.bytes().await.unwrap().to_vec());
    assert_eq!(sheet.get_value((1, 2)), Some(&Data::String("有（2026-02-20）".into())));
    assert_eq!(sheet.get_value((2, 0)), Some(&Data::String("幸福社区联络点".into())));
    let _ = w.point;
}

async fn signed_in(w: &World, username: &str) -> Browser {
    let browser = Browser::new();
    let response = sign_in(&w.app, &browser, username, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    browser
}

async fn page(w: &World, browser: &Browser, path: &str) -> (StatusCode, String) {
    let response = browser.client.get(w.app.url(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

fn small_jpeg() -> Vec<u8> {
    let image = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, 90]));
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn the_books_page_keeps_the_three_books_and_what_was_typed() {
    let w = world().await;
    let manager = signed_in(&w, "manager-a").await;
    let (status, html) = page(&w, &manager, &format!("/app/books?station={}", w.station)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("“十有”建设") && html.contains("代表述职") && html.contains("民情联系"));
    assert!(html.contains("完成度 0%"));
    let csrf = csrf_from(&html);

    // A report with a missing place and too many votes: 422, everything typed is still there.
    let station = w.station.to_string();
    let wang = w.wang.to_string();
    let refused = manager
        .client
        .post(w.app.url("/app/books/reports"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("station_id", station.as_str()),
            ("deputy_id", wang.as_str()),
            ("reported_on", "2026-03-02"),
            ("place", ""),
            ("form", "oral"),
            ("voters_present", "10"),
            ("summary", "一年来的履职情况汇报"),
            ("votes_satisfied", "20"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("一年来的履职情况汇报"), "the summary is kept");
    assert!(html.contains("value=\"20\""), "the votes are kept");
    let listed =
        expect(w.app.get(&format!("/api/v1/stations/{}/deputy-reports", w.station), &w.manager).await, StatusCode::OK)
            .await;
    assert_eq!(listed["total"], 0, "nothing half-stored");

    // The ten haves: an item with a photo, then a refused photo keeps the note.
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("station_id", station.clone())
        .text("item", "sign")
        .text("version", "0")
        .text("present", "1")
        .text("evidence_on", "2026-02-26")
        .text("note", "门口挂牌，统一标识")
        .part(
            "photo",
            reqwest::multipart::Part::bytes(small_jpeg()).file_name("sign.jpg").mime_str("image/jpeg").unwrap(),
        );
    let saved = manager.client.post(w.app.url("/app/books/ten-haves")).multipart(form).send().await.unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let checklist =
        expect(w.app.get(&format!("/api/v1/stations/{}/ten-haves", w.station), &w.viewer).await, StatusCode::OK).await;
    assert_eq!(checklist["score"], 10);
    assert_eq!(checklist["items"][1]["has_photo"], true);
    assert_eq!(checklist["items"][1]["note"], "门口挂牌，统一标识");
    let photo = manager
        .client
        .get(w.app.url(&format!("/app/stations/{}/ten-haves/sign/photo", w.station)))
        .send()
        .await
        .unwrap();
    assert_eq!(photo.status(), StatusCode::OK);
    assert_eq!(photo.headers()["content-type"], "image/jpeg");
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("station_id", station.clone())
        .text("item", "plan")
        .text("present", "1")
        .text("note", "年度活动计划已印发")
        .part(
            "photo",
            reqwest::multipart::Part::bytes(b"not a picture".to_vec())
                .file_name("p.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let refused = manager.client.post(w.app.url("/app/books/ten-haves")).multipart(form).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("年度活动计划已印发"));

    // A deputy sees only the contacts section and records for themselves.
    let deputy = signed_in(&w, "deputy-wang").await;
    let (status, html) = page(&w, &deputy, "/app/books").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("“十有”建设") && html.contains("民情联系"));
    let csrf = csrf_from(&html);
    let li = w.li.to_string();
    let done = deputy
        .client
        .post(w.app.url("/app/books/contacts"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("station_id", station.as_str()),
            ("deputy_id", li.as_str()),
            ("contacted_on", "2026-03-02"),
            ("mode", "phone"),
            ("household", "幸福小区5栋 刘大爷"),
            ("matter", "想了解高龄津贴怎么申请。"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let mine = expect(
        w.app.get(&format!("/api/v1/deputies/{}/contact-records", w.wang), &w.deputy_wang).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine["total"], 1, "recorded as Wang's own, whatever the form said");
    // A handler has no books page.
    let handler = signed_in(&w, "handler-u").await;
    let (status, _) = page(&w, &handler, "/app/books").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_performance_ledger_counts_what_each_deputy_did() {
    use crate::cases::desk;
    let w = desk().await;
    let app = w.app();
    let station = w.s.station;
    let wang = w.s.deputy["id"].as_i64().unwrap();
    let li = app.create_deputy(&w.s.admin, "李秀英", station).await["id"].as_i64().unwrap();

    // Three cases through Wang's code: one closed, one accepted, one rejected.
    let closed = w.case("小区门口的路灯坏了一个多月，晚上很黑。").await;
    w.ok(&w.manager, closed, json!({"action": "accept"})).await;
    w.ok(&w.manager, closed, json!({"action": "assign", "unit_id": w.unit})).await;
    w.ok(&w.handler, closed, json!({"action": "start"})).await;
    w.ok(&w.handler, closed, json!({"action": "reply", "text": "路灯已修复。"})).await;
    w.ok(&w.manager, closed, json!({"action": "close"})).await;
    let accepted = w.case("垃圾分类亭的清运不及时，夏天有异味。").await;
    w.ok(&w.manager, accepted, json!({"action": "accept"})).await;
    let rejected = w.case("我家和邻居的房产纠纷请代表帮忙判一下。").await;
    w.ok(
        &w.manager,
        rejected,
        json!({"action": "reject", "reason": "litigation", "note": "属于司法诉讼事项，请通过法律途径解决"}),
    )
    .await;

    // Duty today (served) and next week (not yet); a visit received today; a report; a contact.
    let duties = format!("/api/v1/stations/{station}/reception-duties");
    app.create(&duties, &w.manager, json!({"date": "2026-03-02", "slot": "morning", "deputy_ids": [wang, li]})).await;
    app.create(&duties, &w.manager, json!({"date": "2026-03-09", "slot": "morning", "deputy_ids": [wang]})).await;
    app.create(
        &format!("/api/v1/stations/{station}/reception-visits"),
        &w.manager,
        json!({"visited_on": "2026-03-02", "slot": "morning", "matter": "咨询医保报销政策。", "disposition": "answered"}),
    )
    .await;
    let mut report = json!({
        "deputy_id": wang, "reported_on": "2026-02-20", "place": "联络站", "form": "oral",
        "summary": "年度履职报告", "voters_present": 30, "votes_satisfied": 28,
    });
    app.create(&format!("/api/v1/stations/{station}/deputy-reports"), &w.manager, report.clone()).await;
    report["reported_on"] = json!("2025-12-20");
    app.create(&format!("/api/v1/stations/{station}/deputy-reports"), &w.manager, report).await;
    app.create(
        &format!("/api/v1/deputies/{wang}/contact-records"),
        &w.manager,
        json!({"contacted_on": "2026-03-01", "mode": "phone", "household": "张家", "matter": "问路灯的事"}),
    )
    .await;

    // An activity both were invited to (Li excused), and suggestions: one submitted that Wang
    // leads and Li co-signs, one left a draft (not counted).
    let activity = app
        .create(
            &format!("/api/v1/stations/{station}/activities"),
            &w.manager,
            json!({"kind": "research", "held_on": "2026-02-10", "place": "社区", "topic": "加装电梯调研", "deputy_ids": [wang, li]}),
        )
        .await;
    let attendance = format!("/api/v1/activities/{}/attendance", activity["id"]);
    let items = json!({"items": [{"deputy_id": wang, "status": "present"}, {"deputy_id": li, "status": "excused"}]});
    expect(app.put(&attendance, &w.manager, &items).await, StatusCode::OK).await;
    let suggestions = format!("/api/v1/stations/{station}/suggestions");
    let raised = app
        .create(&suggestions, &w.manager, json!({"title": "关于增设公交站点的建议", "reasons": "东门社区到医院没有直达公交。", "lead_deputy_id": wang, "co_deputy_ids": [li]}))
        .await;
    let submit = json!({"action": "submit", "version": 1});
    expect(
        app.post(&format!("/api/v1/suggestions/{}/actions", raised["id"]), &w.manager, &submit).await,
        StatusCode::OK,
    )
    .await;
    app.create(&suggestions, &w.manager, json!({"title": "草稿", "reasons": "还没想好。", "lead_deputy_id": wang}))
        .await;

    let path = format!("/api/v1/stations/{station}/ledgers/performance?from=2026-01-01&to=2026-03-31");
    let book = expect(app.get(&path, &w.viewer).await, StatusCode::OK).await;
    assert_eq!(book["title"], "履职情况登记簿");
    assert_eq!(book["total"], 2, "the station's deputies, not the other station's");
    assert_eq!(cell(&book, 0, "deputy"), "王建国");
    assert_eq!(cell(&book, 0, "station_days"), 2, "2 March (duty and visit) and 20 February (report)");
    assert_eq!(cell(&book, 0, "duties_served"), 1, "next week's duty is not served yet");
    assert_eq!(cell(&book, 0, "visits_received"), 1);
    assert_eq!(cell(&book, 0, "cases_collected"), 3);
    assert_eq!(cell(&book, 0, "cases_replied"), 1);
    assert_eq!(cell(&book, 0, "cases_closed"), 1);
    assert_eq!(cell(&book, 0, "reply_rate"), 50, "1 replied of 2 accepted: the rejected case is not counted");
    assert_eq!(cell(&book, 0, "close_rate"), 50);
    assert_eq!(cell(&book, 0, "reports_given"), 1, "December's report is outside the period");
    assert_eq!(cell(&book, 0, "contacts"), 1);
    assert_eq!(cell(&book, 0, "activities_invited"), 1);
    assert_eq!(cell(&book, 0, "activities_attended"), 1);
    assert_eq!(cell(&book, 0, "suggestions_led"), 1, "the draft is not counted");
    assert_eq!(cell(&book, 0, "suggestions_cosigned"), 0);
    assert_eq!(cell(&book, 1, "activities_invited"), 1);
    assert_eq!(cell(&book, 1, "activities_attended"), 0, "excused");
    assert_eq!(cell(&book, 1, "suggestions_cosigned"), 1);
    assert_eq!(cell(&book, 1, "deputy"), "李秀英");
    assert_eq!(cell(&book, 1, "duties_served"), 1);
    assert_eq!(cell(&book, 1, "visits_received"), 1);
    assert_eq!(cell(&book, 1, "cases_collected"), 0);
    assert!(cell(&book, 1, "reply_rate").is_null(), "no accepted cases: no rate");

    let csv = app.get(&format!("{path}&format=csv"), &w.manager).await.text().await.unwrap();
    let lines = csv_lines(&csv);
    assert!(lines[0].starts_with("代表姓名,代表层级,所在联络站,进站履职（天）"));
    assert!(lines[1].starts_with("王建国,"), "{}", lines[1]);
    assert!(lines[1].ends_with(",2,1,1,3,1,1,50%,50%,1,1,1,1,1,0"), "{}", lines[1]);
    let xlsx = app.get(&format!("{path}&format=xlsx"), &w.manager).await.bytes().await.unwrap().to_vec();
    let sheet = sheet_of(xlsx);
    assert_eq!(sheet.get_value((1, 6)).and_then(|d| d.as_f64()), Some(3.0));
    assert_eq!(sheet.get_value((1, 9)).and_then(|d| d.as_f64()), Some(0.5));
    // An empty period: the deputies, all zero.
    let empty = expect(
        app.get(&path.replace("2026-01-01&to=2026-03-31", "2025-01-01&to=2025-01-31"), &w.viewer).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cell(&empty, 0, "cases_collected"), 0);
    assert_eq!(cell(&empty, 0, "station_days"), 0);
    // Deputies and other stations' managers may not read it.
    expect_error(app.get(&path, &w.deputy).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(app.get(&path, &w.other_manager).await, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_deputy_file_shows_the_numbers_to_those_who_may_see_them() {
    use crate::cases::desk;
    let w = desk().await;
    let app = w.app();
    let wang = w.s.deputy["id"].as_i64().unwrap();
    let id = w.case("小区门口的路灯坏了一个多月，晚上很黑。").await;
    w.ok(&w.manager, id, json!({"action": "accept"})).await;
    let path = format!("/api/v1/deputies/{wang}/performance?from=2026-03-01&to=2026-03-31");
    for token in [&w.manager, &w.viewer, &w.deputy, &w.s.admin] {
        let numbers = expect(app.get(&path, token).await, StatusCode::OK).await;
        assert_eq!(numbers["name"], "王建国");
        assert_eq!(numbers["cases_collected"], 1);
        assert_eq!(numbers["cases_accepted"], 1);
        assert_eq!(numbers["reply_rate"], 0);
        assert_eq!(numbers["from"], "2026-03-01");
    }
    expect_error(app.get(&path, &w.other_deputy).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(app.get(&path, &w.handler).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(app.get(&path, &w.other_manager).await, StatusCode::NOT_FOUND, "not_found").await;
    let bad = app.get(&format!("/api/v1/deputies/{wang}/performance?from=2026-04-01&to=2026-03-01"), &w.manager).await;
    expect_error(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    let browser = Browser::new();
    sign_in(app, &browser, "deputy-a", PASSWORD).await;
    let response = browser
        .client
        .get(app.url(&format!("/app/deputies/{wang}/file?from=2026-03-01&to=2026-03-31")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("王建国") && html.contains("收集意见建议（件）") && html.contains("已受理"));
    let other = browser.client.get(app.url("/app/deputies/999999/file")).send().await.unwrap();
    assert_eq!(other.status(), StatusCode::FORBIDDEN);
}
