//! Deputies' activities (人大代表活动登记簿) and attendance (人大代表参加活动情况登记表): recording,
//! marking, who may do what, and both books in JSON, CSV and XLSX.
use std::io::Cursor;

use calamine::{Data, DataType, Reader, Xlsx, open_workbook_from_rs};
use liaison::entities::{activity, case};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::helpers::*;

struct World {
    app: TestApp,
    admin: String,
    station: i64,
    station_token: String,
    other_token: String,
    wang: i64,
    li: i64,
    zhou_at_point: i64,
    zhao_elsewhere: i64,
    manager: String,
    other_manager: String,
    deputy_wang: String,
    deputy_zhou: String,
    handler: String,
    viewer: String,
    category: i64,
}

async fn world() -> World {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let created =
        app.create("/api/v1/stations", &admin, json!({"name": "城关街道人大代表联络站", "kind": "station"})).await;
    let station = created["id"].as_i64().unwrap();
    let station_token = created["public_token"].as_str().unwrap().to_string();
    let point = app.create_station(&admin, "幸福社区联络点", "point", Some(station)).await;
    let other =
        app.create("/api/v1/stations", &admin, json!({"name": "东城街道人大代表联络站", "kind": "station"})).await;
    let other_station = other["id"].as_i64().unwrap();
    let other_token = other["public_token"].as_str().unwrap().to_string();
    let wang = app.create_deputy(&admin, "王建国", station).await["id"].as_i64().unwrap();
    let li = app.create_deputy(&admin, "李秀英", station).await["id"].as_i64().unwrap();
    let zhou_at_point = app.create_deputy(&admin, "周海", point).await["id"].as_i64().unwrap();
    let zhao_elsewhere = app.create_deputy(&admin, "赵卫东", other_station).await["id"].as_i64().unwrap();
    let unit = app.create_unit(&admin, "住建局").await;
    let (_, manager) = app.user(&admin, "manager-a", "manager", json!({"station_ids": [station]})).await;
    let (_, other_manager) = app.user(&admin, "manager-b", "manager", json!({"station_ids": [other_station]})).await;
    let (_, deputy_wang) = app.user(&admin, "deputy-wang", "deputy", json!({"deputy_id": wang})).await;
    let (_, deputy_zhou) = app.user(&admin, "deputy-zhou", "deputy", json!({"deputy_id": zhou_at_point})).await;
    let (_, handler) = app.user(&admin, "handler-u", "handler", json!({"unit_id": unit})).await;
    let (_, viewer) = app.user(&admin, "viewer-a", "viewer", json!({"station_ids": [station]})).await;
    let categories = expect(app.get("/api/v1/categories", &admin).await, StatusCode::OK).await;
    let category = categories["items"][0]["id"].as_i64().unwrap();
    World {
        app,
        admin,
        station,
        station_token,
        other_token,
        wang,
        li,
        zhou_at_point,
        zhao_elsewhere,
        manager,
        other_manager,
        deputy_wang,
        deputy_zhou,
        handler,
        viewer,
        category,
    }
}

impl World {
    fn list_path(&self) -> String {
        format!("/api/v1/stations/{}/activities", self.station)
    }

    fn body(&self) -> Value {
        json!({
            "kind": "research",
            "held_on": "2026-03-02",
            "slot": "morning",
            "starts_at": "09:00",
            "ends_at": "11:30",
            "place": "城关街道办事处三楼会议室",
            "topic": "老旧小区加装电梯专题调研",
            "organiser": "街道人大工委",
            "other_participants": "社区干部、居民代表 12 人",
            "summary": "走访三个小区，听取居民意见。",
            "deputy_ids": [self.wang, self.li, self.zhou_at_point],
        })
    }

    async fn record(&self, body: Value) -> Value {
        self.app.create(&self.list_path(), &self.manager, body).await
    }

    async fn mark(&self, id: i64, items: Value) -> Value {
        let path = format!("/api/v1/activities/{id}/attendance");
        expect(self.app.put(&path, &self.manager, &json!({"items": items})).await, StatusCode::OK).await
    }

    /// A case submitted to a station's own form; returns (id, tracking code).
    async fn case_at(&self, station_token: &str, content: &str) -> (i64, String) {
        let body = json!({
            "station_token": station_token,
            "category_id": self.category,
            "content": content,
            "consent": true,
        });
        let response =
            self.app.client.post(self.app.url("/api/v1/public/submissions")).json(&body).send().await.unwrap();
        let created = expect(response, StatusCode::CREATED).await;
        let code = created["tracking_code"].as_str().unwrap().to_string();
        let stored = case::Entity::find()
            .filter(case::Column::TrackingCode.eq(code.as_str()))
            .one(&self.app.state.db)
            .await
            .unwrap()
            .unwrap();
        (i64::from(stored.id), code)
    }
}

fn fields(body: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].as_str().unwrap().to_string(), f["code"].as_str().unwrap().to_string()))
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn recording_checks_every_field_and_stores_nothing_half_written() {
    let w = world().await;
    let bad = json!({
        "kind": "party",
        "held_on": "2026-13-01",
        "starts_at": "10:00",
        "ends_at": "09:00",
        "place": "字".repeat(201),
        "topic": "  ",
        "summary": "字".repeat(5001),
        "deputy_ids": [w.wang],
    });
    let body = expect_error(
        w.app.post(&w.list_path(), &w.manager, &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&body),
        vec![
            ("ends_at".into(), "invalid".into()),
            ("held_on".into(), "invalid".into()),
            ("kind".into(), "invalid".into()),
            ("place".into(), "too_long".into()),
            ("summary".into(), "too_long".into()),
            ("topic".into(), "required".into()),
        ]
    );
    // Missing fields are 422 per field too, not a bad request.
    let body = expect_error(
        w.app.post(&w.list_path(), &w.manager, &json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let names: Vec<String> = fields(&body).into_iter().map(|(f, _)| f).collect();
    assert_eq!(names, vec!["held_on", "kind", "place", "topic"]);
    // A deputy of another station cannot be invited.
    let mut elsewhere = w.body();
    elsewhere["deputy_ids"] = json!([w.wang, w.zhao_elsewhere]);
    let body = expect_error(
        w.app.post(&w.list_path(), &w.manager, &elsewhere).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(body["fields"][0]["field"], "deputy_ids");
    // Nothing was stored by any of these.
    let listed = expect(w.app.get(&w.list_path(), &w.manager).await, StatusCode::OK).await;
    assert_eq!(listed["total"], 0);
    assert_eq!(activity::Entity::find().all(&w.app.state.db).await.unwrap().len(), 0);

    // A good one, with a deputy of the station's point among those invited.
    let saved = w.record(w.body()).await;
    assert_eq!(saved["kind"], "research");
    assert_eq!(saved["kind_label"], "专题调研");
    assert_eq!(saved["held_on"], "2026-03-02");
    assert_eq!(saved["starts_at"], "09:00");
    assert_eq!(saved["ends_at"], "11:30");
    assert_eq!(saved["topic"], "老旧小区加装电梯专题调研");
    assert_eq!(saved["organiser"], "街道人大工委");
    assert_eq!(saved["version"], 1);
    assert_eq!(saved["counts"]["invited"], 3);
    let lines: Vec<(String, String)> = saved["attendance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["deputy_name"].as_str().unwrap().into(), l["status"].as_str().unwrap().into()))
        .collect();
    assert_eq!(
        lines,
        vec![
            ("王建国".into(), "invited".into()),
            ("李秀英".into(), "invited".into()),
            ("周海".into(), "invited".into())
        ]
    );
    let listed = expect(w.app.get(&format!("{}?kind=research", w.list_path()), &w.viewer).await, StatusCode::OK).await;
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["page"], 1);
    let listed = expect(w.app.get(&format!("{}?kind=training", w.list_path()), &w.viewer).await, StatusCode::OK).await;
    assert_eq!(listed["total"], 0);
    let listed =
        expect(w.app.get(&format!("{}?from=2026-03-03", w.list_path()), &w.viewer).await, StatusCode::OK).await;
    assert_eq!(listed["total"], 0);
    expect_error(
        w.app.get(&format!("{}?kind=party", w.list_path()), &w.viewer).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

#[tokio::test]
async fn attendance_is_marked_and_stale_edits_are_refused() {
    let w = world().await;
    let saved = w.record(w.body()).await;
    let id = saved["id"].as_i64().unwrap();
    let marked = w
        .mark(
            id,
            json!([
                {"deputy_id": w.wang, "status": "present"},
                {"deputy_id": w.li, "status": "excused", "note": "外出学习"},
                {"deputy_id": w.zhou_at_point, "status": "absent"},
            ]),
        )
        .await;
    assert_eq!(marked["counts"], json!({"invited": 3, "present": 1, "excused": 1, "absent": 1}));
    assert_eq!(marked["attendance"][1]["status_label"], "请假");
    assert_eq!(marked["attendance"][1]["note"], "外出学习");
    assert_eq!(marked["version"], 2);

    let path = format!("/api/v1/activities/{id}/attendance");
    for items in [
        json!([{"deputy_id": w.zhao_elsewhere, "status": "present"}]),
        json!([{"deputy_id": w.wang, "status": "late"}]),
        json!([{"deputy_id": w.wang, "status": "present"}, {"deputy_id": w.wang, "status": "absent"}]),
        json!([{"deputy_id": w.wang, "status": "present", "note": "字".repeat(201)}]),
    ] {
        let body = expect_error(
            w.app.put(&path, &w.manager, &json!({"items": items})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["fields"][0]["field"], "items", "{body}");
    }
    // None of these changed anything.
    let current = expect(w.app.get(&format!("/api/v1/activities/{id}"), &w.manager).await, StatusCode::OK).await;
    assert_eq!(current["counts"]["present"], 1);
    assert_eq!(current["version"], 2);

    // Edits carry the version read: an old one is a 409.
    let activity_path = format!("/api/v1/activities/{id}");
    expect_error(
        w.app.patch(&activity_path, &w.manager, &json!({"version": 1, "topic": "新的主题"})).await,
        StatusCode::CONFLICT,
        "stale_version",
    )
    .await;
    expect_error(
        w.app.put(&path, &w.manager, &json!({"version": 1, "items": []})).await,
        StatusCode::CONFLICT,
        "stale_version",
    )
    .await;
    let edited = expect(
        w.app
            .patch(
                &activity_path,
                &w.manager,
                &json!({"version": 2, "topic": "加装电梯回头看", "organiser": null, "kind": "inspection"}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(edited["topic"], "加装电梯回头看");
    assert_eq!(edited["kind_label"], "视察");
    assert!(edited["organiser"].is_null());
    assert_eq!(edited["version"], 3);
    assert_eq!(edited["counts"]["invited"], 3, "attendance is kept");
    let body = expect_error(
        w.app.patch(&activity_path, &w.manager, &json!({"version": 3, "ends_at": "08:00"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(body["fields"][0]["field"], "ends_at");
}

#[tokio::test]
async fn only_the_station_s_managers_write_and_deputies_see_their_own_invitations() {
    let w = world().await;
    let first = w.record(w.body()).await;
    let first_id = first["id"].as_i64().unwrap();
    let mut second = w.body();
    second["deputy_ids"] = json!([w.li]);
    second["topic"] = json!("学习新修订的代表法");
    second["kind"] = json!("training");
    let second_id = w.record(second).await["id"].as_i64().unwrap();
    w.mark(
        first_id,
        json!([
            {"deputy_id": w.wang, "status": "present"},
            {"deputy_id": w.li, "status": "absent"},
            {"deputy_id": w.zhou_at_point, "status": "invited"},
        ]),
    )
    .await;

    let one = format!("/api/v1/activities/{first_id}");
    let attendance = format!("{one}/attendance");
    // Another station's manager: as if none of it existed.
    expect_error(w.app.get(&one, &w.other_manager).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(w.app.get(&w.list_path(), &w.other_manager).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(w.app.post(&w.list_path(), &w.other_manager, &w.body()).await, StatusCode::NOT_FOUND, "not_found")
        .await;
    expect_error(
        w.app.patch(&one, &w.other_manager, &json!({"version": 2, "topic": "x"})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_error(
        w.app.put(&attendance, &w.other_manager, &json!({"items": []})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // Handlers have no business here.
    expect_error(w.app.get(&w.list_path(), &w.handler).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(w.app.get(&one, &w.handler).await, StatusCode::FORBIDDEN, "forbidden").await;
    // Viewers read, never write.
    let read = expect(w.app.get(&one, &w.viewer).await, StatusCode::OK).await;
    assert_eq!(read["attendance"].as_array().unwrap().len(), 3);
    expect_error(w.app.post(&w.list_path(), &w.viewer, &w.body()).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(
        w.app.patch(&one, &w.viewer, &json!({"version": 2, "topic": "x"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_error(w.app.put(&attendance, &w.viewer, &json!({"items": []})).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
    // A deputy sees the activities they were invited to, with their own mark only.
    let mine = expect(w.app.get("/api/v1/deputies/me/activities", &w.deputy_wang).await, StatusCode::OK).await;
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["id"], first_id);
    assert_eq!(
        mine["items"][0]["attendance"],
        json!([{"deputy_id": w.wang, "deputy_name": "王建国", "status": "present", "status_label": "出席", "note": null}])
    );
    let seen = expect(w.app.get(&one, &w.deputy_wang).await, StatusCode::OK).await;
    assert_eq!(seen["attendance"].as_array().unwrap().len(), 1);
    expect_error(
        w.app.get(&format!("/api/v1/activities/{second_id}"), &w.deputy_wang).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let listed = expect(w.app.get(&w.list_path(), &w.deputy_wang).await, StatusCode::OK).await;
    assert_eq!(listed["total"], 1);
    expect_error(
        w.app.put(&attendance, &w.deputy_wang, &json!({"items": []})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // The deputy of the point was invited to the first one (not yet marked).
    let mine = expect(
        w.app.get("/api/v1/deputies/me/activities?from=2026-03-01&to=2026-03-31", &w.deputy_zhou).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["attendance"][0]["status"], "invited");
    // "My activities" is for deputies.
    expect_error(w.app.get("/api/v1/deputies/me/activities", &w.manager).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
    // Administrators may do everything.
    expect(w.app.get(&one, &w.admin).await, StatusCode::OK).await;
}

#[tokio::test]
async fn cases_raised_at_an_activity_are_linked_from_the_same_station() {
    let w = world().await;
    let id = w.record(w.body()).await["id"].as_i64().unwrap();
    let (case_id, code) = w.case_at(&w.station_token, "电梯加装后楼道采光变差，希望协调。").await;
    let (other_case, other_code) = w.case_at(&w.other_token, "东城的路灯坏了。").await;
    let cases = format!("/api/v1/activities/{id}/cases");
    let linked =
        expect(w.app.post(&cases, &w.manager, &json!({"tracking_code": code.to_lowercase()})).await, StatusCode::OK)
            .await;
    assert_eq!(linked["cases"], json!([{"id": case_id, "tracking_code": code}]));
    // Again: nothing changes.
    let again = expect(w.app.post(&cases, &w.manager, &json!({"case_id": case_id})).await, StatusCode::OK).await;
    assert_eq!(again["cases"].as_array().unwrap().len(), 1);
    // Another station's case is not one to link.
    let body = expect_error(
        w.app.post(&cases, &w.manager, &json!({"case_id": other_case})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(body["fields"][0]["field"], "case_id");
    expect_error(
        w.app.post(&cases, &w.manager, &json!({"tracking_code": other_code})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    expect_error(w.app.post(&cases, &w.viewer, &json!({"case_id": case_id})).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
    expect_error(
        w.app.post(&cases, &w.other_manager, &json!({"case_id": other_case})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let unlinked = expect(w.app.delete(&format!("{cases}/{case_id}"), &w.manager).await, StatusCode::OK).await;
    assert_eq!(unlinked["cases"], json!([]));
    expect_error(w.app.delete(&format!("{cases}/{case_id}"), &w.manager).await, StatusCode::NOT_FOUND, "not_found")
        .await;
}

/// The column of `key` in a ledger's JSON.
fn column(body: &Value, key: &str) -> usize {
    body["columns"].as_array().unwrap().iter().position(|c| c["key"] == key).unwrap_or_else(|| panic!("column {key}"))
}

fn cell<'a>(body: &'a Value, row: usize, key: &str) -> &'a Value {
    &body["items"][row][column(body, key)]
}

fn small_jpeg() -> Vec<u8> {
    let image = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

fn sheet_of(bytes: Vec<u8>) -> calamine::Range<Data> {
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    workbook.worksheet_range_at(0).unwrap().unwrap()
}

#[tokio::test]
async fn the_activities_register_shows_what_was_recorded() {
    let w = world().await;
    let first = w.record(w.body()).await;
    let first_id = first["id"].as_i64().unwrap();
    w.mark(
        first_id,
        json!([
            {"deputy_id": w.wang, "status": "present"},
            {"deputy_id": w.li, "status": "excused"},
            {"deputy_id": w.zhou_at_point, "status": "present"},
        ]),
    )
    .await;
    let (case_id, code) = w.case_at(&w.station_token, "电梯加装后楼道采光变差，希望协调。").await;
    w.app.post(&format!("/api/v1/activities/{first_id}/cases"), &w.manager, &json!({"case_id": case_id})).await;
    let mut later = w.body();
    later["held_on"] = json!("2026-03-20");
    later["kind"] = json!("reception");
    later["topic"] = json!("接待选民日");
    later["starts_at"] = Value::Null;
    later["ends_at"] = Value::Null;
    later["slot"] = json!("afternoon");
    later["organiser"] = Value::Null;
    later["other_participants"] = Value::Null;
    later["deputy_ids"] = json!([w.li]);
    w.record(later).await;
    let mut april = w.body();
    april["held_on"] = json!("2026-04-01");
    w.record(april).await;

    let ledger = format!("/api/v1/stations/{}/ledgers/activities?from=2026-03-01&to=2026-03-31", w.station);
    let book = expect(w.app.get(&ledger, &w.viewer).await, StatusCode::OK).await;
    assert_eq!(book["title"], "人大代表活动登记簿");
    assert_eq!(book["total"], 2, "April is outside the period");
    assert_eq!(book["masked"], false);
    assert_eq!(book["columns"][0]["title"], "活动日期");
    assert_eq!(cell(&book, 0, "held_on"), "2026-03-02");
    assert_eq!(cell(&book, 0, "time"), "09:00–11:30");
    assert_eq!(cell(&book, 0, "station"), "城关街道人大代表联络站");
    assert_eq!(cell(&book, 0, "kind"), "专题调研");
    assert_eq!(cell(&book, 0, "topic"), "老旧小区加装电梯专题调研");
    assert_eq!(cell(&book, 0, "place"), "城关街道办事处三楼会议室");
    assert_eq!(cell(&book, 0, "organiser"), "街道人大工委");
    assert_eq!(cell(&book, 0, "invited"), "王建国、李秀英、周海");
    assert_eq!(cell(&book, 0, "invited_count"), 3);
    assert_eq!(cell(&book, 0, "present"), "王建国、周海");
    assert_eq!(cell(&book, 0, "present_count"), 2);
    assert_eq!(cell(&book, 0, "excused"), "李秀英");
    assert!(cell(&book, 0, "absent").is_null());
    assert_eq!(cell(&book, 0, "other_participants"), "社区干部、居民代表 12 人");
    assert_eq!(cell(&book, 0, "cases"), code.as_str());
    assert_eq!(cell(&book, 0, "summary"), "走访三个小区，听取居民意见。");
    assert_eq!(cell(&book, 1, "held_on"), "2026-03-20");
    assert_eq!(cell(&book, 1, "time"), "下午");
    assert_eq!(cell(&book, 1, "kind"), "接待选民");
    assert!(cell(&book, 1, "organiser").is_null());
    assert_eq!(cell(&book, 1, "invited"), "李秀英");
    assert_eq!(cell(&book, 1, "present_count"), 0);
    assert!(cell(&book, 1, "cases").is_null());

    // CSV: a BOM, the book's headings, the rows.
    let response = w.app.get(&format!("{ledger}&format=csv"), &w.manager).await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("活动日期,时间,联络站,活动类型,活动主题,活动地点,组织者,应到代表,应到人数,出席代表")
    );
    assert!(
        lines.next().unwrap().starts_with(
            "2026-03-02,09:00–11:30,城关街道人大代表联络站,专题调研,老旧小区加装电梯专题调研,城关街道办事处三楼会议室,街道人大工委,王建国、李秀英、周海,3,王建国、周海,2,李秀英,,"
        )
    );
    assert!(lines.next().unwrap().starts_with("2026-03-20,下午,"));
    assert_eq!(lines.next(), None);

    // XLSX: headings, a real date cell, the values.
    let response = w.app.get(&format!("{ledger}&format=xlsx"), &w.manager).await;
    assert_eq!(response.status(), StatusCode::OK);
    let sheet = sheet_of(response.bytes().await.unwrap().to_vec());
    let text = |row: u32, col: u32| sheet.get_value((row, col)).and_then(|d| d.as_string()).unwrap_or_default();
    assert_eq!(text(0, 0), "活动日期");
    assert_eq!(text(0, 4), "活动主题");
    assert_eq!(sheet.get_value((1, 0)).unwrap().get_datetime().unwrap().as_f64(), 46083.0);
    assert_eq!(text(1, 4), "老旧小区加装电梯专题调研");
    assert_eq!(text(1, 9), "王建国、周海");
    assert_eq!(sheet.get_value((1, 10)), Some(&Data::Float(2.0)));
    assert_eq!(text(2, 3), "接待选民");
    assert_eq!(sheet.height(), 3);

    // An empty period: headings only, in every format.
    let empty = format!("/api/v1/stations/{}/ledgers/activities?from=2025-01-01&to=2025-12-31", w.station);
    let book = expect(w.app.get(&empty, &w.manager).await, StatusCode::OK).await;
    assert_eq!(book["total"], 0);
    assert_eq!(book["items"], json!([]));
    let sheet = sheet_of(w.app.get(&format!("{empty}&format=xlsx"), &w.manager).await.bytes().await.unwrap().to_vec());
    assert_eq!(sheet.height(), 1);
    // Scope: another station's manager, deputies and handlers read nothing.
    expect_error(w.app.get(&ledger, &w.other_manager).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(w.app.get(&ledger, &w.deputy_wang).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(w.app.get(&ledger, &w.handler).await, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn the_attendance_table_is_the_deputy_by_activity_matrix_with_totals() {
    let w = world().await;
    let march = w.record(w.body()).await["id"].as_i64().unwrap();
    w.mark(
        march,
        json!([
            {"deputy_id": w.wang, "status": "present"},
            {"deputy_id": w.li, "status": "excused"},
            {"deputy_id": w.zhou_at_point, "status": "absent"},
        ]),
    )
    .await;
    let mut training = w.body();
    training["held_on"] = json!("2026-04-10");
    training["kind"] = json!("training");
    training["topic"] = json!("代表法学习");
    training["deputy_ids"] = json!([w.wang, w.li]);
    let april = w.record(training).await["id"].as_i64().unwrap();
    w.mark(april, json!([{"deputy_id": w.wang, "status": "present"}, {"deputy_id": w.li, "status": "present"}])).await;

    let ledger = format!("/api/v1/stations/{}/ledgers/attendance?from=2026-03-01&to=2026-04-30", w.station);
    let table = expect(w.app.get(&ledger, &w.viewer).await, StatusCode::OK).await;
    assert_eq!(table["title"], "人大代表参加活动情况登记表");
    let titles: Vec<&str> = table["columns"].as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        vec![
            "代表姓名",
            "所属联络站",
            "2026-03-02 老旧小区加装电梯专题调研",
            "2026-04-10 代表法学习",
            "应参加次数",
            "出席次数",
            "请假次数",
            "缺席次数",
            "出席率",
            "2026年第1季度（出席/应参加）",
            "2026年第2季度（出席/应参加）",
        ]
    );
    assert_eq!(table["total"], 3, "the deputies of the station and its point; not another station's");
    let (m, a) = (format!("activity_{march}"), format!("activity_{april}"));
    let row = |name: &str| (0..3).find(|i| table["items"][*i][0] == name).unwrap_or_else(|| panic!("row of {name}"));
    let wang = row("王建国");
    assert_eq!(cell(&table, wang, "station"), "城关街道人大代表联络站");
    assert_eq!(cell(&table, wang, &m), "出席");
    assert_eq!(cell(&table, wang, &a), "出席");
    assert_eq!(cell(&table, wang, "invited"), 2);
    assert_eq!(cell(&table, wang, "present"), 2);
    assert_eq!(cell(&table, wang, "rate"), 100);
    assert_eq!(cell(&table, wang, "q2026_1"), "1/1");
    assert_eq!(cell(&table, wang, "q2026_2"), "1/1");
    let li = row("李秀英");
    assert_eq!(cell(&table, li, &m), "请假");
    assert_eq!(cell(&table, li, "excused"), 1);
    assert_eq!(cell(&table, li, "present"), 1);
    assert_eq!(cell(&table, li, "rate"), 50);
    assert_eq!(cell(&table, li, "q2026_1"), "0/1");
    let zhou = row("周海");
    assert_eq!(cell(&table, zhou, "station"), "幸福社区联络点");
    assert_eq!(cell(&table, zhou, &m), "缺席");
    assert_eq!(cell(&table, zhou, &a), "—");
    assert_eq!(cell(&table, zhou, "invited"), 1);
    assert_eq!(cell(&table, zhou, "absent"), 1);
    assert_eq!(cell(&table, zhou, "rate"), 0);
    assert_eq!(cell(&table, zhou, "q2026_2"), "0/0");

    // CSV and XLSX carry the same matrix.
    let text = w.app.get(&format!("{ledger}&format=csv"), &w.manager).await.text().await.unwrap();
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines.next().unwrap(),
        "代表姓名,所属联络站,2026-03-02 老旧小区加装电梯专题调研,2026-04-10 代表法学习,应参加次数,出席次数,请假次数,缺席次数,出席率,2026年第1季度（出席/应参加）,2026年第2季度（出席/应参加）"
    );
    assert!(text.contains("王建国,城关街道人大代表联络站,出席,出席,2,2,0,0,100%,1/1,1/1"), "{text}");
    assert!(text.contains("李秀英,城关街道人大代表联络站,请假,出席,2,1,1,0,50%,0/1,1/1"), "{text}");
    let sheet = sheet_of(w.app.get(&format!("{ledger}&format=xlsx"), &w.manager).await.bytes().await.unwrap().to_vec());
    let text = |row: u32, col: u32| sheet.get_value((row, col)).and_then(|d| d.as_string()).unwrap_or_default();
    assert_eq!(text(0, 2), "2026-03-02 老旧小区加装电梯专题调研");
    let li_row = (1..4).find(|r| text(*r, 0) == "李秀英").unwrap();
    assert_eq!(text(li_row, 2), "请假");
    assert_eq!(sheet.get_value((li_row, 8)), Some(&Data::Float(0.5)));
    assert_eq!(sheet.height(), 4);

    // An empty period: every deputy in scope, nothing invited, no rate.
    let empty = format!("/api/v1/stations/{}/ledgers/attendance?from=2025-01-01&to=2025-12-31", w.station);
    let table = expect(w.app.get(&empty, &w.manager).await, StatusCode::OK).await;
    assert_eq!(table["total"], 3);
    assert_eq!(table["columns"].as_array().unwrap().len(), 2 + 5 + 4);
    assert_eq!(cell(&table, 0, "invited"), 0);
    assert!(cell(&table, 0, "rate").is_null());
    assert_eq!(cell(&table, 0, "q2025_4"), "0/0");
    // The print view shows the matrix too.
    expect_error(w.app.get(&ledger, &w.deputy_wang).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(w.app.get(&ledger, &w.other_manager).await, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn an_attendance_table_too_wide_asks_for_a_shorter_period() {
    let w = world().await;
    let now = start_time();
    let rows: Vec<activity::ActiveModel> = (0..401)
        .map(|i| activity::ActiveModel {
            station_id: Set(w.station as i32),
            kind: Set("other".parse().unwrap()),
            held_on: Set(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(i % 60)),
            place: Set("会议室".into()),
            topic: Set(format!("活动 {i}")),
            created_by: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .collect();
    activity::Entity::insert_many(rows).exec(&w.app.state.db).await.unwrap();
    let ledger = format!("/api/v1/stations/{}/ledgers/attendance?from=2026-01-01&to=2026-03-31", w.station);
    let body =
        expect_error(w.app.get(&ledger, &w.manager).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(body["message"].as_str().unwrap().contains("shorter period"), "{body}");
    // A month fits.
    let ledger = format!("/api/v1/stations/{}/ledgers/attendance?from=2026-01-01&to=2026-01-31", w.station);
    expect(w.app.get(&ledger, &w.manager).await, StatusCode::OK).await;
}

#[tokio::test]
async fn the_staff_page_records_an_activity_and_marks_attendance() {
    let w = world().await;
    let browser = Browser::new();
    let signed_in = sign_in(&w.app, &browser, "manager-a", PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let page = browser.client.get(w.app.url("/app/activities")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("href=\"/app/activities\""), "the staff menu links here");
    assert!(page.contains("登记活动"), "{page}");
    assert!(page.contains("周海"), "deputies of the station's points are offered");
    assert!(!page.contains("赵卫东"));
    let csrf = csrf_from(&page);
    let station = w.station.to_string();
    let (wang, li) = (w.wang.to_string(), w.li.to_string());

    // No topic: the form comes back (422) with what was typed, checkboxes included.
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("station_id", station.as_str()),
        ("kind", "inspection"),
        ("held_on", "2026-03-05"),
        ("slot", "afternoon"),
        ("starts_at", ""),
        ("ends_at", ""),
        ("place", "滨江公园"),
        ("topic", ""),
        ("organiser", "区人大常委会"),
        ("other_participants", "区城管局"),
        ("summary", "视察公园改造工程进度。"),
        ("deputy_ids", wang.as_str()),
        ("deputy_ids", li.as_str()),
    ];
    let response = browser.client.post(w.app.url("/app/activities")).form(&fields).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("value=\"滨江公园\""), "{html}");
    assert!(html.contains("视察公园改造工程进度。"));
    assert!(html.contains(&format!("value=\"{wang}\" checked")));
    assert!(html.contains(&format!("value=\"{li}\" checked")));
    assert!(html.contains("<option value=\"inspection\" selected>"));
    let listed = expect(w.app.get(&w.list_path(), &w.manager).await, StatusCode::OK).await;
    assert_eq!(listed["total"], 0);

    fields[8] = ("topic", "滨江公园改造视察");
    let response = browser.client.post(w.app.url("/app/activities")).form(&fields).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let listed = expect(w.app.get(&w.list_path(), &w.manager).await, StatusCode::OK).await;
    assert_eq!(listed["total"], 1);
    let saved = &listed["items"][0];
    assert_eq!(saved["topic"], "滨江公园改造视察");
    assert_eq!(saved["slot"], "afternoon");
    assert_eq!(saved["counts"]["invited"], 2);
    let id = saved["id"].as_i64().unwrap();
    assert_eq!(location, format!("/app/activities/{id}?saved=true"));

    // Marking attendance on the activity's page.
    let page = browser.client.get(w.app.url(&location)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("滨江公园改造视察"));
    assert!(page.contains(&format!("name=\"status_{wang}\"")));
    let csrf = csrf_from(&page);
    let status_wang = format!("status_{wang}");
    let status_li = format!("status_{li}");
    let note_li = format!("note_{li}");
    let status_zhou = format!("status_{}", w.zhou_at_point);
    let marks = vec![
        ("csrf", csrf.as_str()),
        ("version", "1"),
        (status_wang.as_str(), "present"),
        (status_li.as_str(), "excused"),
        (note_li.as_str(), "住院"),
        (status_zhou.as_str(), ""),
    ];
    let response =
        browser.client.post(w.app.url(&format!("/app/activities/{id}/attendance"))).form(&marks).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let stored = expect(w.app.get(&format!("/api/v1/activities/{id}"), &w.manager).await, StatusCode::OK).await;
    assert_eq!(stored["counts"], json!({"invited": 2, "present": 1, "excused": 1, "absent": 0}));
    assert_eq!(stored["attendance"][1]["note"], "住院");
    // The same form sent again with the old version: the page says so and keeps the marks.
    let response =
        browser.client.post(w.app.url(&format!("/app/activities/{id}/attendance"))).form(&marks).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let html = response.text().await.unwrap();
    assert!(html.contains("value=\"住院\""));

    // Editing the activity: an old version (409) and a blank place (422) keep what was typed.
    let edit_url = w.app.url(&format!("/app/activities/{id}/edit"));
    let mut edit = vec![
        ("csrf", csrf.as_str()),
        ("version", "1"),
        ("kind", "inspection"),
        ("held_on", "2026-03-06"),
        ("slot", "morning"),
        ("starts_at", "09:30"),
        ("ends_at", "11:00"),
        ("place", "滨江公园东门"),
        ("topic", "滨江公园改造二次视察"),
        ("organiser", ""),
        ("other_participants", "区城管局"),
        ("summary", "视察公园改造工程进度。"),
    ];
    let response = browser.client.post(&edit_url).form(&edit).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(response.text().await.unwrap().contains("value=\"滨江公园改造二次视察\""));
    edit[1] = ("version", "2");
    edit[7] = ("place", " ");
    let response = browser.client.post(&edit_url).form(&edit).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("value=\"滨江公园改造二次视察\""));
    edit[7] = ("place", "滨江公园东门");
    let response = browser.client.post(&edit_url).form(&edit).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let stored = expect(w.app.get(&format!("/api/v1/activities/{id}"), &w.manager).await, StatusCode::OK).await;
    assert_eq!(stored["topic"], "滨江公园改造二次视察");
    assert_eq!(stored["held_on"], "2026-03-06");
    assert_eq!(stored["starts_at"], "09:30");
    assert!(stored["organiser"].is_null());
    assert_eq!(stored["counts"]["present"], 1, "the marks are kept");
    assert_eq!(stored["version"], 3);

    // The list shows it; a viewer sees it without the forms; a deputy has no such page.
    let page = browser
        .client
        .get(w.app.url("/app/activities?from=2026-03-01&to=2026-03-31"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("滨江公园改造二次视察"));
    let viewer = Browser::new();
    sign_in(&w.app, &viewer, "viewer-a", PASSWORD).await;
    let page = viewer.client.get(w.app.url("/app/activities")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("滨江公园改造二次视察"));
    assert!(!html.contains("method=\"post\" action=\"/app/activities\""));
    let deputy = Browser::new();
    sign_in(&w.app, &deputy, "deputy-wang", PASSWORD).await;
    let page = deputy.client.get(w.app.url("/app/activities")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::FORBIDDEN);

    // Photos: something that is not one is refused (422); a photo is kept and shown to readers.
    let photo_url = w.app.url(&format!("/app/activities/{id}/photos"));
    let upload = |bytes: Vec<u8>| {
        reqwest::multipart::Form::new().text("csrf", csrf.clone()).part(
            "photos",
            reqwest::multipart::Part::bytes(bytes).file_name("site.jpg").mime_str("image/jpeg").unwrap(),
        )
    };
    let response = browser.client.post(&photo_url).multipart(upload(b"not a picture".to_vec())).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = browser.client.post(&photo_url).multipart(upload(small_jpeg())).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let stored = expect(w.app.get(&format!("/api/v1/activities/{id}"), &w.viewer).await, StatusCode::OK).await;
    let hash = stored["photos"][0].as_str().expect("a photo").to_string();
    let photo =
        browser.client.get(w.app.url(&format!("/app/activities/{id}/photos/{hash}?thumb=true"))).send().await.unwrap();
    assert_eq!(photo.status(), StatusCode::OK);
    assert_eq!(photo.headers()["content-type"], "image/jpeg");
    let page =
        browser.client.get(w.app.url(&format!("/app/activities/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("/app/activities/{id}/photos/{hash}?thumb=true")));
    let response = viewer.client.post(&photo_url).multipart(upload(small_jpeg())).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let other = Browser::new();
    sign_in(&w.app, &other, "manager-b", PASSWORD).await;
    let photo = other.client.get(w.app.url(&format!("/app/activities/{id}/photos/{hash}"))).send().await.unwrap();
    assert_eq!(photo.status(), StatusCode::NOT_FOUND);
    let book = expect(
        w.app
            .get(
                &format!("/api/v1/stations/{}/ledgers/activities?from=2026-03-01&to=2026-03-31", w.station),
                &w.manager,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cell(&book, 0, "photos"), 1);

    // The attendance table prints.
    let print = browser
        .client
        .get(w.app.url(&format!("/app/stations/{}/ledgers/attendance/print?from=2026-03-01&to=2026-03-31", w.station)))
        .send()
        .await
        .unwrap();
    assert_eq!(print.status(), StatusCode::OK);
    let html = print.text().await.unwrap();
    assert!(html.contains("2026-03-06 滨江公园改造二次视察"));
    assert!(html.contains("出席率"));
}
