//! Reception days (今日我接待): the duty roster, the reception log, and what the public
//! station page shows of the roster.
use liaison::entities::audit_log;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::*;

/// (action, target id) of the audit entries about reception records.
async fn audited(app: &TestApp, action: &str) -> Vec<Option<i32>> {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.target_id)
        .collect()
}

struct World {
    app: TestApp,
    admin: String,
    station: i64,
    token: String,
    other_station: i64,
    wang: i64,
    li: i64,
    zhao_elsewhere: i64,
    manager: String,
    other_manager: String,
    deputy_wang: String,
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
    let token = created["public_token"].as_str().unwrap().to_string();
    let other_station = app.create_station(&admin, "东城街道人大代表联络站", "station", None).await;
    let wang = app.create_deputy(&admin, "王建国", station).await["id"].as_i64().unwrap();
    let li = app.create_deputy(&admin, "李秀英", station).await["id"].as_i64().unwrap();
    let zhao_elsewhere = app.create_deputy(&admin, "赵卫东", other_station).await["id"].as_i64().unwrap();
    let unit = app.create_unit(&admin, "住建局").await;
    let (_, manager) = app.user(&admin, "manager-a", "manager", json!({"station_ids": [station]})).await;
    let (_, other_manager) = app.user(&admin, "manager-b", "manager", json!({"station_ids": [other_station]})).await;
    let (_, deputy_wang) = app.user(&admin, "deputy-wang", "deputy", json!({"deputy_id": wang})).await;
    let (_, handler) = app.user(&admin, "handler-u", "handler", json!({"unit_id": unit})).await;
    let (_, viewer) = app.user(&admin, "viewer-a", "viewer", json!({"station_ids": [station]})).await;
    let categories = expect(app.get("/api/v1/categories", &admin).await, StatusCode::OK).await;
    let category = categories["items"][0]["id"].as_i64().unwrap();
    World {
        app,
        admin,
        station,
        token,
        other_station,
        wang,
        li,
        zhao_elsewhere,
        manager,
        other_manager,
        deputy_wang,
        handler,
        viewer,
        category,
    }
}

impl World {
    async fn duties(&self, token: &str, body: Value) -> Value {
        self.app.create(&format!("/api/v1/stations/{}/reception-duties", self.station), token, body).await
    }

    fn visit_body(&self) -> Value {
        json!({
            "visited_on": "2026-03-02",
            "slot": "morning",
            "visitor_name": "张三",
            "visitor_phone": "139 1234 5678",
            "consent": true,
            "visitors_count": 3,
            "matter": "小区东门的路灯坏了一个多月，晚上老人出门不方便。",
            "category_id": self.category,
            "disposition": "community",
            "result": "已联系社区物业",
        })
    }
}

#[tokio::test]
async fn a_manager_keeps_the_roster_and_everyone_in_scope_sees_who_receives_today() {
    let w = world().await;
    // Monday 2 March 2026 is "today" in the tests.
    let added = w
        .duties(&w.manager, json!({"from": "2026-03-02", "to": "2026-03-04", "slot": "morning", "deputy_id": w.wang, "note": "带好民情日记"}))
        .await;
    assert_eq!(added["total"], 3);
    let first = &added["items"][0];
    assert_eq!(first["date"], "2026-03-02");
    assert_eq!(first["slot"], "morning");
    assert_eq!(first["deputy_id"], w.wang);
    assert_eq!(first["deputy_name"], "王建国");
    assert_eq!(first["station_name"], "城关街道人大代表联络站");
    assert_eq!(first["note"], "带好民情日记");
    let afternoon =
        w.duties(&w.manager, json!({"date": "2026-03-02", "slot": "afternoon", "deputy_ids": [w.li]})).await;
    assert_eq!(afternoon["items"][0]["deputy_name"], "李秀英");
    // Setting the same days again adds nothing.
    let again = w.duties(&w.manager, json!({"date": "2026-03-02", "slot": "morning", "deputy_id": w.wang})).await;
    assert_eq!(again["total"], 0);

    let listed = expect(
        w.app
            .get(&format!("/api/v1/stations/{}/reception-duties?from=2026-03-02&to=2026-03-03", w.station), &w.viewer)
            .await,
        StatusCode::OK,
    )
    .await;
    let rows: Vec<(String, String, String)> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().into(),
                d["slot"].as_str().unwrap().into(),
                d["deputy_name"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("2026-03-02".into(), "morning".into(), "王建国".into()),
            ("2026-03-02".into(), "afternoon".into(), "李秀英".into()),
            ("2026-03-03".into(), "morning".into(), "王建国".into()),
        ]
    );

    for token in [&w.manager, &w.viewer, &w.deputy_wang, &w.admin] {
        let today = expect(w.app.get("/api/v1/reception-duties/today", token).await, StatusCode::OK).await;
        let names: Vec<&str> =
            today["items"].as_array().unwrap().iter().map(|d| d["deputy_name"].as_str().unwrap()).collect();
        assert_eq!(names, vec!["王建国", "李秀英"]);
    }
    let today = expect(w.app.get("/api/v1/reception-duties/today", &w.other_manager).await, StatusCode::OK).await;
    assert_eq!(today["total"], 0);
    expect_error(w.app.get("/api/v1/reception-duties/today", &w.handler).await, StatusCode::FORBIDDEN, "forbidden")
        .await;

    // Scope: another station's manager does not see this station; a deputy may not set duties.
    let body = json!({"date": "2026-03-05", "slot": "morning", "deputy_id": w.wang});
    let path = format!("/api/v1/stations/{}/reception-duties", w.station);
    expect_error(w.app.post(&path, &w.other_manager, &body).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(w.app.post(&path, &w.deputy_wang, &body).await, StatusCode::FORBIDDEN, "forbidden").await;
    let elsewhere = json!({"date": "2026-03-05", "slot": "morning", "deputy_id": w.zhao_elsewhere});
    expect_error(
        w.app.post(&path, &w.manager, &elsewhere).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let bad = json!({"date": "2026-03-05", "slot": "evening", "deputy_id": w.wang});
    expect_error(w.app.post(&path, &w.manager, &bad).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
        .await;

    // Removing a duty.
    let id = afternoon["items"][0]["id"].as_i64().unwrap();
    expect_error(
        w.app.delete(&format!("/api/v1/reception-duties/{id}"), &w.other_manager).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let response = w.app.delete(&format!("/api/v1/reception-duties/{id}"), &w.manager).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let today = expect(w.app.get("/api/v1/reception-duties/today", &w.manager).await, StatusCode::OK).await;
    assert_eq!(today["total"], 1);
}

#[tokio::test]
async fn a_deputy_swaps_a_duty_within_the_station_only() {
    let w = world().await;
    let mine = w.duties(&w.manager, json!({"date": "2026-03-03", "slot": "morning", "deputy_id": w.wang})).await["items"][0]["id"]
        .as_i64()
        .unwrap();
    let hers = w.duties(&w.manager, json!({"date": "2026-03-05", "slot": "all_day", "deputy_id": w.li})).await["items"]
        [0]["id"]
        .as_i64()
        .unwrap();
    let swap = format!("/api/v1/reception-duties/{mine}/swap");

    // Exchange: 王建国 takes Thursday, 李秀英 Tuesday.
    let swapped = expect(w.app.post(&swap, &w.deputy_wang, &json!({"with_duty_id": hers})).await, StatusCode::OK).await;
    let pairs: Vec<(String, String)> = swapped["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["date"].as_str().unwrap().into(), d["deputy_name"].as_str().unwrap().into()))
        .collect();
    assert_eq!(pairs, vec![("2026-03-03".into(), "李秀英".into()), ("2026-03-05".into(), "王建国".into())]);

    // The Tuesday duty is no longer his: he may not give it away.
    expect_error(
        w.app.post(&swap, &w.deputy_wang, &json!({"deputy_id": w.wang})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // Thursday is his: he hands it to a deputy of another station — refused.
    let thursday = format!("/api/v1/reception-duties/{hers}/swap");
    expect_error(
        w.app.post(&thursday, &w.deputy_wang, &json!({"deputy_id": w.zhao_elsewhere})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // … and to his colleague: accepted.
    let handed = expect(w.app.post(&thursday, &w.deputy_wang, &json!({"deputy_id": w.li})).await, StatusCode::OK).await;
    assert_eq!(handed["items"][0]["deputy_name"], "李秀英");
    assert_eq!(handed["items"][0]["date"], "2026-03-05");
    assert_eq!(handed["items"][0]["slot"], "all_day");
    // Each swap is in the audit log.
    assert_eq!(audited(&w.app, "reception_duty_swapped").await, vec![Some(mine as i32), Some(hers as i32)]);
    // Viewers and other stations' managers may not swap.
    expect_error(
        w.app.post(&thursday, &w.viewer, &json!({"deputy_id": w.wang})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_error(
        w.app.post(&thursday, &w.other_manager, &json!({"deputy_id": w.wang})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn a_visit_is_recorded_opens_a_case_and_is_masked_for_readers() {
    let w = world().await;
    w.duties(&w.manager, json!({"date": "2026-03-02", "slot": "morning", "deputy_ids": [w.li, w.wang]})).await;
    let mut body = w.visit_body();
    body["open_case"] = json!(true);
    let path = format!("/api/v1/stations/{}/reception-visits", w.station);
    let visit = w.app.create(&path, &w.manager, body).await;
    assert_eq!(visit["visited_on"], "2026-03-02");
    assert_eq!(visit["slot"], "morning");
    assert_eq!(visit["visitor_name"], "张三");
    assert_eq!(visit["visitor_phone"], "13912345678");
    assert_eq!(visit["contact_masked"], false);
    assert_eq!(visit["consent"], true);
    assert_eq!(visit["visitors_count"], 3);
    assert_eq!(visit["matter"], "小区东门的路灯坏了一个多月，晚上老人出门不方便。");
    assert_eq!(visit["disposition"], "community");
    assert_eq!(visit["result"], "已联系社区物业");
    assert_eq!(visit["version"], 1);
    // The deputies on the roster that morning, in the roster's order.
    let deputies: Vec<i64> = visit["deputies"].as_array().unwrap().iter().map(|d| d["id"].as_i64().unwrap()).collect();
    assert_eq!(deputies, vec![w.li, w.wang]);

    // The case: channel `reception`, the visit's station, the first deputy on duty.
    let case_id = visit["case_id"].as_i64().expect("a linked case");
    let case = expect(w.app.get(&format!("/api/v1/cases/{case_id}"), &w.admin).await, StatusCode::OK).await;
    assert_eq!(case["channel"], "reception");
    assert_eq!(case["station_id"], w.station);
    assert_eq!(case["deputy_id"], w.li);
    assert_eq!(case["category_id"], w.category);
    assert_eq!(case["status"], "submitted");
    assert_eq!(case["tracking_code"], visit["case_tracking_code"]);
    // … and back from the case to the visit: its timeline names the visit.
    let events = liaison::entities::case_event::Entity::find()
        .filter(liaison::entities::case_event::Column::CaseId.eq(case_id as i32))
        .all(&w.app.state.db)
        .await
        .unwrap();
    let from_visit = events.iter().find(|e| e.action == "reception_visit").expect("a reception event");
    assert_eq!(from_visit.note.as_deref(), Some(format!("接待选民来访登记 #{}", visit["id"]).as_str()));
    assert!(!from_visit.public);
    let found = expect(w.app.get(&format!("{path}?case_id={case_id}"), &w.manager).await, StatusCode::OK).await;
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["id"], visit["id"]);

    // A viewer (and the administrator) read the log masked.
    for token in [&w.viewer, &w.admin] {
        let listed =
            expect(w.app.get(&format!("{path}?from=2026-03-01&to=2026-03-31"), token).await, StatusCode::OK).await;
        assert_eq!(listed["items"][0]["visitor_phone"], "139****5678");
        assert_eq!(listed["items"][0]["visitor_name"], "张*");
        assert_eq!(listed["items"][0]["contact_masked"], true);
        assert_eq!(listed["items"][0]["matter"], visit["matter"]);
    }
    let id = visit["id"].as_i64().unwrap();
    let one = expect(w.app.get(&format!("/api/v1/reception-visits/{id}"), &w.viewer).await, StatusCode::OK).await;
    assert_eq!(one["visitor_phone"], "139****5678");
    let one = expect(w.app.get(&format!("/api/v1/reception-visits/{id}"), &w.manager).await, StatusCode::OK).await;
    assert_eq!(one["visitor_phone"], "13912345678");
    // Only the managers' unmasked views are logged: on recording, on the list, and this one.
    let visit_id = Some(id as i32);
    assert_eq!(audited(&w.app, "view_contact").await, vec![visit_id, visit_id, visit_id]);
}

#[tokio::test]
async fn only_the_station_managers_record_visits() {
    let w = world().await;
    let path = format!("/api/v1/stations/{}/reception-visits", w.station);
    let body = w.visit_body();
    expect_error(w.app.post(&path, &w.other_manager, &body).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(w.app.post(&path, &w.deputy_wang, &body).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(w.app.post(&path, &w.handler, &body).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(w.app.post(&path, &w.viewer, &body).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(w.app.get(&path, &w.other_manager).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(w.app.get(&path, &w.handler).await, StatusCode::FORBIDDEN, "forbidden").await;

    // A name or phone without consent, a crowd too large, an unknown disposition.
    let mut bad = w.visit_body();
    bad["consent"] = json!(false);
    bad["visitors_count"] = json!(501);
    bad["disposition"] = json!("ignored");
    let error =
        expect_error(w.app.post(&path, &w.manager, &bad).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
            .await;
    let fields: Vec<&str> = error["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["consent", "visitors_count", "disposition"]);
    let mut unknown = w.visit_body();
    unknown["category_id"] = json!(99_999);
    let error = expect_error(
        w.app.post(&path, &w.manager, &unknown).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error["fields"][0]["field"], "category_id");
    let error = expect_error(
        w.app.get(&format!("{path}?from=2026-03-05&to=2026-03-01"), &w.manager).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error["fields"][0]["field"], "to");
    // An open-ended period reads to the end of dates on both engines.
    let open = expect(w.app.get(&format!("{path}?to=2026-12-31"), &w.manager).await, StatusCode::OK).await;
    assert_eq!(open["total"], 0);
    // Nothing half-written: the log is still empty.
    let listed = expect(w.app.get(&path, &w.manager).await, StatusCode::OK).await;
    assert_eq!(listed["total"], 0);

    // The other station's manager records at their own station, without a case.
    let visit = w
        .app
        .create(
            &format!("/api/v1/stations/{}/reception-visits", w.other_station),
            &w.other_manager,
            json!({"slot": "afternoon", "matter": "咨询", "disposition": "answered", "deputy_ids": [w.zhao_elsewhere]}),
        )
        .await;
    assert_eq!(visit["visited_on"], "2026-03-02");
    assert_eq!(visit["case_id"], Value::Null);
    assert_eq!(visit["visitor_phone"], Value::Null);
    assert_eq!(visit["visitors_count"], 1);
    assert_eq!(visit["deputies"][0]["name"], "赵卫东");
}

#[tokio::test]
async fn an_edit_with_a_stale_version_is_a_conflict() {
    let w = world().await;
    let path = format!("/api/v1/stations/{}/reception-visits", w.station);
    let visit = w.app.create(&path, &w.manager, w.visit_body()).await;
    assert_eq!(visit["case_id"], Value::Null);
    let id = visit["id"].as_i64().unwrap();
    let edit = format!("/api/v1/reception-visits/{id}");
    let changed = expect(
        w.app
            .patch(&edit, &w.manager, &json!({"version": 1, "disposition": "street_office", "feedback": "群众表示满意", "deputy_ids": [w.wang]}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["disposition"], "street_office");
    assert_eq!(changed["feedback"], "群众表示满意");
    assert_eq!(changed["result"], "已联系社区物业");
    assert_eq!(changed["deputies"][0]["name"], "王建国");
    expect_error(
        w.app.patch(&edit, &w.manager, &json!({"version": 1, "result": "覆盖"})).await,
        StatusCode::CONFLICT,
        "stale_version",
    )
    .await;
    expect_error(
        w.app.patch(&edit, &w.viewer, &json!({"version": 2, "result": "x"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_error(
        w.app.patch(&edit, &w.other_manager, &json!({"version": 2, "result": "x"})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let cleared =
        expect(w.app.patch(&edit, &w.manager, &json!({"version": 2, "result": null})).await, StatusCode::OK).await;
    assert_eq!(cleared["result"], Value::Null);
    assert_eq!(cleared["version"], 3);
}

#[tokio::test]
async fn the_public_station_page_shows_who_receives() {
    let w = world().await;
    w.duties(&w.manager, json!({"date": "2026-03-02", "slot": "morning", "deputy_id": w.wang})).await;
    w.duties(&w.manager, json!({"date": "2026-03-06", "slot": "afternoon", "deputy_id": w.li})).await;
    // Beyond the next 14 days: not shown.
    w.duties(&w.manager, json!({"date": "2026-03-20", "slot": "morning", "deputy_id": w.li})).await;
    let response = w.app.get_anonymous(&format!("/s/{}", w.token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("今日我接待"), "{html}");
    assert!(html.contains("王建国"));
    assert!(html.contains("李秀英"));
    assert!(html.contains("3月6日"), "{html}");
    assert!(!html.contains("3月20日"));
    // The roster sits above the form.
    assert!(html.find("王建国").unwrap() < html.find("<form").unwrap());
}

#[tokio::test]
async fn the_staff_reception_page_records_a_visit_and_keeps_what_was_typed() {
    let w = world().await;
    w.duties(&w.manager, json!({"date": "2026-03-02", "slot": "morning", "deputy_id": w.wang})).await;
    let browser = Browser::new();
    let signed_in = sign_in(&w.app, &browser, "manager-a", PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let page_url = w.app.url(&format!("/app/reception?station={}", w.station));
    let page = browser.client.get(&page_url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("今日我接待"), "{page}");
    assert!(page.contains("王建国"));
    let csrf = csrf_from(&page);
    let station = w.station.to_string();
    let category = w.category.to_string();

    // A phone without consent: the form comes back with what was typed.
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("station_id", station.as_str()),
        ("visited_on", "2026-03-02"),
        ("slot", "morning"),
        ("matter", "楼道里堆满杂物，存在消防隐患。"),
        ("visitors_count", "2"),
        ("visitor_phone", "13912345678"),
        ("category_id", category.as_str()),
        ("disposition", "community"),
        ("open_case", "1"),
    ];
    let response = browser.client.post(w.app.url("/app/reception/visits")).form(&fields).send().await.unwrap();
    let html = response.text().await.unwrap();
    assert!(html.contains("楼道里堆满杂物，存在消防隐患。"), "{html}");
    assert!(html.contains("value=\"13912345678\""));
    let listed = expect(
        w.app.get(&format!("/api/v1/stations/{}/reception-visits", w.station), &w.manager).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["total"], 0);

    fields.push(("consent", "1"));
    let response = browser.client.post(w.app.url("/app/reception/visits")).form(&fields).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let listed = expect(
        w.app.get(&format!("/api/v1/stations/{}/reception-visits", w.station), &w.manager).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["total"], 1);
    let visit = &listed["items"][0];
    assert_eq!(visit["visitors_count"], 2);
    assert_eq!(visit["deputies"][0]["name"], "王建国");
    let code = visit["case_tracking_code"].as_str().expect("a case was opened").to_string();
    let page = browser.client.get(&page_url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&code));
    assert!(page.contains("楼道里堆满杂物"));
}

/// The column of `key` in a ledger's JSON.
fn ledger_cell<'a>(body: &'a Value, row: usize, key: &str) -> &'a Value {
    let column = body["columns"].as_array().unwrap().iter().position(|c| c["key"] == key).unwrap();
    &body["items"][row][column]
}

#[tokio::test]
async fn the_reception_log_is_a_ledger_with_the_visits_of_the_period() {
    let w = world().await;
    w.duties(&w.manager, json!({"date": "2026-03-02", "slot": "morning", "deputy_ids": [w.li, w.wang]})).await;
    let mut body = w.visit_body();
    body["open_case"] = json!(true);
    let visits = format!("/api/v1/stations/{}/reception-visits", w.station);
    let visit = w.app.create(&visits, &w.manager, body).await;
    let mut later = w.visit_body();
    later["visited_on"] = json!("2026-04-01");
    w.app.create(&visits, &w.manager, later).await;

    let ledger = format!("/api/v1/stations/{}/ledgers/reception-log?from=2026-03-01&to=2026-03-31", w.station);
    let book = expect(w.app.get(&ledger, &w.manager).await, StatusCode::OK).await;
    assert_eq!(book["title"], "人大代表接待选民来访登记簿");
    assert_eq!(book["total"], 1, "April's visit is outside the period");
    assert_eq!(book["masked"], false);
    assert_eq!(ledger_cell(&book, 0, "visited_on"), "2026-03-02");
    assert_eq!(ledger_cell(&book, 0, "slot"), "上午");
    assert_eq!(ledger_cell(&book, 0, "station"), "城关街道人大代表联络站");
    assert_eq!(ledger_cell(&book, 0, "deputies"), "李秀英、王建国");
    assert_eq!(ledger_cell(&book, 0, "visitor_name"), "张三");
    assert_eq!(ledger_cell(&book, 0, "visitor_phone"), "13912345678");
    assert_eq!(ledger_cell(&book, 0, "visitors_count"), 3);
    assert_eq!(ledger_cell(&book, 0, "matter"), &visit["matter"]);
    assert_eq!(ledger_cell(&book, 0, "disposition"), "转社区");
    assert_eq!(ledger_cell(&book, 0, "case"), &visit["case_tracking_code"]);
    assert_eq!(ledger_cell(&book, 0, "result"), "已联系社区物业");
    // The manager's unmasked export is in the audit log.
    assert_eq!(audited(&w.app, "export_ledger_unmasked").await.len(), 1);

    // Readers get the visitor masked; another station's manager and a deputy get nothing.
    let masked = expect(w.app.get(&ledger, &w.viewer).await, StatusCode::OK).await;
    assert_eq!(ledger_cell(&masked, 0, "visitor_name"), "张*");
    assert_eq!(ledger_cell(&masked, 0, "visitor_phone"), "139****5678");
    expect_error(w.app.get(&ledger, &w.other_manager).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(w.app.get(&ledger, &w.deputy_wang).await, StatusCode::FORBIDDEN, "forbidden").await;

    // CSV: the book's headings, then the row.
    let csv = w.app.get(&format!("{ledger}&format=csv"), &w.manager).await;
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap();
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    assert!(lines.next().unwrap().starts_with("接待日期,时段,联络站,接待代表,来访人"));
    assert!(lines.next().unwrap().starts_with("2026-03-02,上午,城关街道人大代表联络站,李秀英、王建国,张三"));
    assert_eq!(lines.next(), None);

    // XLSX: a real date, the count as a number, the visitor masked for the viewer.
    let xlsx = w.app.get(&format!("{ledger}&format=xlsx"), &w.viewer).await.bytes().await.unwrap().to_vec();
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let sheet = calamine::Reader::worksheet_range_at(&mut workbook, 0).unwrap().unwrap();
    assert_eq!(sheet.height(), 2);
    assert!(calamine::DataType::is_datetime(sheet.get_value((1, 0)).unwrap()));
    assert_eq!(sheet.get_value((1, 4)), Some(&calamine::Data::String("张*".into())));
    assert_eq!(sheet.get_value((1, 6)).and_then(calamine::DataType::as_f64), Some(3.0));
    // An empty period: the headings only.
    let empty = w
        .app
        .get(&format!("/api/v1/stations/{}/ledgers/reception-log?from=2025-01-01&to=2025-01-31", w.station), &w.manager)
        .await;
    assert_eq!(expect(empty, StatusCode::OK).await["total"], 0);
}
