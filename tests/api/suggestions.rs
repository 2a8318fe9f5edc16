//! Deputies' formal suggestions (代表建议): the legal clock, re-handling, conflicts, who may do
//! what, suggestions drafted from cases and visits, and the register (建议办理情况登记簿).
use std::io::Cursor;

use calamine::{Data, DataType, Reader, Xlsx, open_workbook_from_rs};
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::intake::{Scene, scene_with};

struct World {
    s: Scene,
    station: i64,
    other_station: i64,
    wang: i64,
    li: i64,
    zhao: i64,
    unit: i64,
    co_unit: i64,
    manager: String,
    other_manager: String,
    deputy_wang: String,
    deputy_li: String,
    deputy_zhao: String,
    handler: String,
    other_handler: String,
    viewer: String,
}

async fn world() -> World {
    // These tests move the clock by months: keep everyone signed in meanwhile.
    let s = scene_with(|settings| {
        settings.session_hours = 24 * 400;
        settings.deputy_session_days = 400;
    })
    .await;
    let app = &s.app;
    let admin = &s.admin;
    let station = s.station;
    let wang = s.deputy["id"].as_i64().unwrap();
    let li = app.create_deputy(admin, "李秀英", station).await["id"].as_i64().unwrap();
    let other_station = app.create_station(admin, "河西联络站", "station", None).await;
    let zhao = app.create_deputy(admin, "赵卫东", other_station).await["id"].as_i64().unwrap();
    let unit = app.create_unit(admin, "区住建局").await;
    let co_unit = app.create_unit(admin, "区交通局").await;
    let other_unit = app.create_unit(admin, "区城管局").await;
    let (_, manager) = app.user(admin, "manager-a", "manager", json!({"station_ids": [station]})).await;
    let (_, other_manager) = app.user(admin, "manager-b", "manager", json!({"station_ids": [other_station]})).await;
    let (_, deputy_wang) = app.user(admin, "deputy-wang", "deputy", json!({"deputy_id": wang})).await;
    let (_, deputy_li) = app.user(admin, "deputy-li", "deputy", json!({"deputy_id": li})).await;
    let (_, deputy_zhao) = app.user(admin, "deputy-zhao", "deputy", json!({"deputy_id": zhao})).await;
    let (_, handler) = app.user(admin, "handler-u", "handler", json!({"unit_id": unit})).await;
    let (_, other_handler) = app.user(admin, "handler-v", "handler", json!({"unit_id": other_unit})).await;
    let (_, viewer) = app.user(admin, "viewer-a", "viewer", json!({"station_ids": [station]})).await;
    World {
        station,
        other_station,
        wang,
        li,
        zhao,
        unit,
        co_unit,
        manager,
        other_manager,
        deputy_wang,
        deputy_li,
        deputy_zhao,
        handler,
        other_handler,
        viewer,
        s,
    }
}

fn at(raw: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(raw).unwrap().to_utc()
}

impl World {
    fn app(&self) -> &TestApp {
        &self.s.app
    }

    fn body(&self) -> Value {
        json!({
            "title": "关于加快老旧小区加装电梯的建议",
            "reasons": "城关街道老旧小区多为六层无电梯住宅，老年居民上下楼困难。",
            "proposals": "一、简化审批；二、加大财政补助。",
            "category_id": self.s.week_category,
            "lead_deputy_id": self.wang,
            "co_deputy_ids": [self.li],
        })
    }

    async fn draft(&self, token: &str, body: Value) -> Value {
        self.app().create(&format!("/api/v1/stations/{}/suggestions", self.station), token, body).await
    }

    async fn act(&self, token: &str, id: i64, body: Value) -> reqwest::Response {
        self.app().post(&format!("/api/v1/suggestions/{id}/actions"), token, &body).await
    }

    async fn ok(&self, token: &str, id: i64, body: Value) -> Value {
        expect(self.act(token, id, body).await, StatusCode::OK).await
    }

    async fn get(&self, token: &str, id: i64) -> reqwest::Response {
        self.app().get(&format!("/api/v1/suggestions/{id}"), token).await
    }

    /// Drafted, submitted and assigned to the unit (with the co-unit) today.
    async fn assigned(&self) -> Value {
        let drafted = self.draft(&self.manager, self.body()).await;
        let id = drafted["id"].as_i64().unwrap();
        self.ok(&self.manager, id, json!({"action": "submit", "version": 1})).await;
        self.ok(
            &self.manager,
            id,
            json!({"action": "assign", "version": 2, "lead_unit_id": self.unit, "co_unit_ids": [self.co_unit]}),
        )
        .await
    }
}

#[tokio::test]
async fn a_suggestion_lives_by_the_legal_clock() {
    let w = world().await;
    let drafted = w.draft(&w.manager, w.body()).await;
    assert_eq!(drafted["number"], "2026-0001");
    assert_eq!(drafted["status"], "drafted");
    assert_eq!(drafted["raised_on"], "2026-03-02");
    assert_eq!(drafted["title"], "关于加快老旧小区加装电梯的建议");
    assert_eq!(drafted["lead_deputy_id"], w.wang);
    assert_eq!(drafted["co_deputy_ids"], json!([w.li]));
    assert_eq!(drafted["deputies"][0]["name"], "王建国");
    assert_eq!(drafted["deputies"][0]["role"], "lead");
    assert_eq!(drafted["deputies"][1]["name"], "李秀英");
    assert_eq!(drafted["category_name"], "城建环保交通");
    assert_eq!(drafted["version"], 1);
    assert_eq!(drafted["overdue"], false);
    let id = drafted["id"].as_i64().unwrap();

    // Assigning a draft is not a lawful move; nor is a stale version.
    let refused = expect_error(
        w.act(&w.manager, id, json!({"action": "assign", "version": 1, "lead_unit_id": w.unit})).await,
        StatusCode::CONFLICT,
        "illegal_transition",
    )
    .await;
    assert_eq!(refused["message"], "a suggestion that is drafted cannot be assigned");
    let submitted = w.ok(&w.manager, id, json!({"action": "submit", "version": 1})).await;
    assert_eq!(submitted["status"], "submitted");
    expect_error(
        w.act(&w.manager, id, json!({"action": "submit", "version": 1})).await,
        StatusCode::CONFLICT,
        "stale_version",
    )
    .await;

    // Assigned on Monday 2 March 2026: the reply is due three calendar months later.
    let assigned = w
        .ok(
            &w.manager,
            id,
            json!({"action": "assign", "version": 2, "lead_unit_id": w.unit, "co_unit_ids": [w.co_unit]}),
        )
        .await;
    assert_eq!(assigned["status"], "assigned");
    assert_eq!(assigned["assigned_on"], "2026-03-02");
    assert_eq!(assigned["due_on"], "2026-06-02");
    assert_eq!(assigned["deadline"], "2026-06-02");
    assert_eq!(assigned["lead_unit_id"], w.unit);
    assert_eq!(assigned["co_unit_ids"], json!([w.co_unit]));
    assert_eq!(assigned["units"][0]["name"], "区住建局");
    assert_eq!(assigned["units"][1]["role"], "co");

    // On 3 June it is overdue; an extension to 2 September (six months) lifts that, one day
    // more is refused.
    w.app().clock.set(at("2026-06-03T01:00:00Z"));
    let late = expect(w.get(&w.viewer, id).await, StatusCode::OK).await;
    assert_eq!(late["overdue"], true);
    let overdue = expect(w.app().get("/api/v1/suggestions?overdue=true", &w.manager).await, StatusCode::OK).await;
    assert_eq!(overdue["total"], 1);
    let refused = expect_error(
        w.act(&w.manager, id, json!({"action": "extend", "version": 3, "to": "2026-09-03"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(refused["fields"][0]["field"], "to");
    assert!(refused["message"].as_str().unwrap().contains("2026-09-02"), "{refused}");
    let extended = w.ok(&w.manager, id, json!({"action": "extend", "version": 3, "to": "2026-09-02"})).await;
    assert_eq!(extended["extended_to"], "2026-09-02");
    assert_eq!(extended["deadline"], "2026-09-02");
    assert_eq!(extended["due_on"], "2026-06-02");
    assert_eq!(extended["overdue"], false);

    // The lead unit replies on 10 June; the lead deputy is dissatisfied: re-handling within a month.
    w.app().clock.set(at("2026-06-10T01:00:00Z"));
    let missing = expect_error(
        w.act(&w.handler, id, json!({"action": "reply", "version": 4, "text": "  "})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> =
        missing["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["text", "result_class"]);
    let replied = w
        .ok(
            &w.handler,
            id,
            json!({"action": "reply", "version": 4, "text": "已纳入年度改造计划。", "result_class": "C"}),
        )
        .await;
    assert_eq!(replied["status"], "replied");
    assert_eq!(replied["replied_on"], "2026-06-10");
    assert_eq!(replied["result_class"], "C");
    assert_eq!(replied["result_label"], "C类 列入计划解决");
    expect_error(
        w.act(&w.deputy_li, id, json!({"action": "rate", "version": 5, "satisfaction": "dissatisfied"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let rated = w.ok(&w.deputy_wang, id, json!({"action": "rate", "version": 5, "satisfaction": "dissatisfied"})).await;
    assert_eq!(rated["status"], "rehandling");
    assert_eq!(rated["satisfaction"], "dissatisfied");
    assert_eq!(rated["rated_on"], "2026-06-10");
    assert_eq!(rated["rehandling_due_on"], "2026-07-10");
    assert_eq!(rated["deadline"], "2026-07-10");
    assert_eq!(rated["rehandling_count"], 1);
    assert_eq!(rated["overdue"], false);
    expect_error(
        w.act(&w.manager, id, json!({"action": "extend", "version": 6, "to": "2026-08-01"})).await,
        StatusCode::CONFLICT,
        "illegal_transition",
    )
    .await;

    // A day past the re-handling deadline: overdue, and a reply then is a late one.
    w.app().clock.set(at("2026-07-11T01:00:00Z"));
    assert_eq!(expect(w.get(&w.manager, id).await, StatusCode::OK).await["overdue"], true);
    let again = w
        .ok(
            &w.handler,
            id,
            json!({"action": "reply", "version": 6, "text": "已列入今年第三季度施工。", "result_class": "b"}),
        )
        .await;
    assert_eq!(again["status"], "replied");
    assert_eq!(again["result_class"], "B");
    assert_eq!(again["satisfaction"], Value::Null);
    assert_eq!(again["overdue"], true);
    // Satisfied after re-handling, then closed by the manager.
    let rated =
        w.ok(&w.deputy_wang, id, json!({"action": "rate", "version": 7, "satisfaction": "basically_satisfied"})).await;
    assert_eq!(rated["status"], "replied");
    expect_error(
        w.act(&w.handler, id, json!({"action": "close", "version": 8})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let closed = w.ok(&w.manager, id, json!({"action": "close", "version": 8})).await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["closed_on"], "2026-07-11");
    expect_error(
        w.act(&w.manager, id, json!({"action": "reply", "version": 9, "text": "x", "result_class": "A"})).await,
        StatusCode::CONFLICT,
        "illegal_transition",
    )
    .await;
    expect_error(
        w.act(&w.manager, id, json!({"action": "approve", "version": 9})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    // Numbers count per year of the day raised.
    let mut older = w.body();
    older["raised_on"] = json!("2025-12-20");
    assert_eq!(w.draft(&w.manager, older).await["number"], "2025-0001");
    assert_eq!(w.draft(&w.manager, w.body()).await["number"], "2026-0002");
}

#[tokio::test]
async fn each_role_sees_and_does_only_its_part() {
    let w = world().await;
    let app = w.app();
    let drafted = w.draft(&w.manager, w.body()).await;
    let id = drafted["id"].as_i64().unwrap();
    let create_path = format!("/api/v1/stations/{}/suggestions", w.station);

    // Another station's manager and a deputy who did not sign it: not found.
    for token in [&w.other_manager, &w.deputy_zhao, &w.handler, &w.other_handler] {
        expect_error(w.get(token, id).await, StatusCode::NOT_FOUND, "not_found").await;
    }
    expect_error(app.post(&create_path, &w.other_manager, &w.body()).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(
        app.patch(&format!("/api/v1/suggestions/{id}"), &w.other_manager, &json!({"version": 1, "title": "改"})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // The viewer and the co-signing deputy read it, but may not change it.
    for token in [&w.viewer, &w.deputy_li] {
        let seen = expect(w.get(token, id).await, StatusCode::OK).await;
        assert_eq!(seen["allowed"]["submit"], false);
        expect_error(
            app.patch(&format!("/api/v1/suggestions/{id}"), token, &json!({"version": 1, "title": "改"})).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        expect_error(
            w.act(token, id, json!({"action": "submit", "version": 1})).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    expect_error(app.post(&create_path, &w.viewer, &w.body()).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(app.post(&create_path, &w.handler, &w.body()).await, StatusCode::FORBIDDEN, "forbidden").await;

    // A deputy drafts what they lead, not for a colleague; the lead deputy edits their draft.
    let mut for_li = w.body();
    for_li["lead_deputy_id"] = json!(w.li);
    expect_error(app.post(&create_path, &w.deputy_wang, &for_li).await, StatusCode::FORBIDDEN, "forbidden").await;
    let own = json!({"title": "关于增设公交站点的建议", "reasons": "东门社区到医院没有直达公交。"});
    let mine = w.draft(&w.deputy_wang, own).await;
    assert_eq!(mine["lead_deputy_id"], w.wang);
    assert_eq!(mine["number"], "2026-0002");
    let mine_id = mine["id"].as_i64().unwrap();
    let edited = expect(
        app.patch(
            &format!("/api/v1/suggestions/{mine_id}"),
            &w.deputy_wang,
            &json!({"version": 1, "proposals": "开通社区微循环公交。"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(edited["proposals"], "开通社区微循环公交。");
    assert_eq!(edited["version"], 2);
    expect_error(
        app.patch(&format!("/api/v1/suggestions/{mine_id}"), &w.deputy_wang, &json!({"version": 1, "title": "旧"}))
            .await,
        StatusCode::CONFLICT,
        "stale_version",
    )
    .await;
    expect_error(
        app.patch(
            &format!("/api/v1/suggestions/{mine_id}"),
            &w.deputy_wang,
            &json!({"version": 2, "key_supervision": true}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // The lead deputy submits it; from then on only the managers may reword it.
    let submitted = w.ok(&w.deputy_wang, mine_id, json!({"action": "submit", "version": 2})).await;
    assert_eq!(submitted["status"], "submitted");
    assert_eq!(submitted["allowed"]["reword"], false);
    expect_error(
        app.patch(&format!("/api/v1/suggestions/{mine_id}"), &w.deputy_wang, &json!({"version": 3, "title": "改"}))
            .await,
        StatusCode::CONFLICT,
        "content_locked",
    )
    .await;
    expect_error(
        w.act(&w.deputy_wang, mine_id, json!({"action": "assign", "version": 3, "lead_unit_id": w.unit})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // A deputy of another station may not draft here.
    expect_error(
        app.post(&create_path, &w.deputy_zhao, &json!({"title": "t", "reasons": "r"})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // Bad input: every problem at once.
    let bad = json!({"title": "", "reasons": "理由".repeat(2501), "lead_deputy_id": w.wang, "raised_on": "2026-02-30"});
    let error = expect_error(
        app.post(&create_path, &w.manager, &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> = error["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["raised_on", "title", "reasons"]);
    let mut stranger = w.body();
    stranger["lead_deputy_id"] = json!(w.zhao);
    let error = expect_error(
        app.post(&create_path, &w.manager, &stranger).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error["fields"][0]["field"], "lead_deputy_id");

    // Deputies list what they lead or co-sign.
    let listed = expect(app.get("/api/v1/suggestions", &w.deputy_li).await, StatusCode::OK).await;
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["items"][0]["id"], id);
    let listed = expect(app.get("/api/v1/suggestions", &w.deputy_wang).await, StatusCode::OK).await;
    assert_eq!(listed["total"], 2);
    let listed = expect(app.get(&create_path, &w.viewer).await, StatusCode::OK).await;
    assert_eq!(listed["total"], 2);
    expect_error(app.get(&create_path, &w.other_manager).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(
        app.get(&format!("{create_path}?status=lost"), &w.manager).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    // Once assigned, the unit's handlers see and reply to it; its words are locked.
    w.ok(&w.manager, id, json!({"action": "submit", "version": 1})).await;
    w.ok(&w.manager, id, json!({"action": "assign", "version": 2, "lead_unit_id": w.unit})).await;
    let seen = expect(w.get(&w.handler, id).await, StatusCode::OK).await;
    assert_eq!(seen["allowed"]["reply"], true);
    assert_eq!(seen["allowed"]["assign"], false);
    expect_error(w.get(&w.other_handler, id).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(
        w.act(&w.handler, id, json!({"action": "extend", "version": 3, "to": "2026-07-01"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let listed = expect(app.get("/api/v1/suggestions", &w.handler).await, StatusCode::OK).await;
    assert_eq!(listed["total"], 1);
    expect_error(
        app.patch(&format!("/api/v1/suggestions/{id}"), &w.manager, &json!({"version": 3, "title": "改"})).await,
        StatusCode::CONFLICT,
        "content_locked",
    )
    .await;
    let flagged = expect(
        app.patch(&format!("/api/v1/suggestions/{id}"), &w.manager, &json!({"version": 3, "key_supervision": true}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(flagged["key_supervision"], true);
    let error = expect_error(
        w.act(&w.manager, id, json!({"action": "assign", "version": 4, "lead_unit_id": 99_999})).await,
        StatusCode::CONFLICT,
        "illegal_transition",
    )
    .await;
    assert!(error["message"].as_str().unwrap().contains("assigned"));
}

#[tokio::test]
async fn a_case_and_a_visit_become_suggestions() {
    let w = world().await;
    let app = w.app();
    let code = w.s.submit("学校门口早晚高峰拥堵严重\n建议增设交通协管员").await;
    let case_id = w.s.case(&code).await.id;
    let path = format!("/api/v1/cases/{case_id}/suggestion");
    expect_error(app.post(&path, &w.other_manager, &json!({})).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(app.post(&path, &w.viewer, &json!({})).await, StatusCode::FORBIDDEN, "forbidden").await;
    let drafted = app.create(&path, &w.deputy_wang, json!({})).await;
    assert_eq!(drafted["status"], "drafted");
    assert_eq!(drafted["title"], "学校门口早晚高峰拥堵严重");
    assert_eq!(drafted["reasons"], "学校门口早晚高峰拥堵严重\n建议增设交通协管员");
    assert_eq!(drafted["lead_deputy_id"], w.wang);
    assert_eq!(drafted["source_case_id"], case_id);
    assert_eq!(drafted["category_id"], w.s.week_category);
    assert_eq!(drafted["station_id"], w.station);
    expect_error(app.post(&path, &w.manager, &json!({})).await, StatusCode::CONFLICT, "suggestion_exists").await;
    // The case's timeline names it (staff only).
    let events = liaison::entities::case_event::Entity::find()
        .filter(liaison::entities::case_event::Column::CaseId.eq(case_id))
        .all(&app.state.db)
        .await
        .unwrap();
    let event = events.iter().find(|e| e.action == "suggestion").expect("a suggestion event");
    assert_eq!(event.note.as_deref(), Some("形成代表建议 2026-0001"));
    assert!(!event.public);

    // A visit: the first deputy on duty leads, and the visit now "became a suggestion".
    let visit = app
        .create(
            &format!("/api/v1/stations/{}/reception-visits", w.station),
            &w.manager,
            json!({"slot": "morning", "matter": "菜市场周边占道经营，影响通行。", "disposition": "answered", "deputy_ids": [w.li, w.wang]}),
        )
        .await;
    let visit_id = visit["id"].as_i64().unwrap();
    let path = format!("/api/v1/reception-visits/{visit_id}/suggestion");
    expect_error(app.post(&path, &w.deputy_li, &json!({})).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(app.post(&path, &w.other_manager, &json!({})).await, StatusCode::NOT_FOUND, "not_found").await;
    let from_visit = app.create(&path, &w.manager, json!({})).await;
    assert_eq!(from_visit["lead_deputy_id"], w.li);
    assert_eq!(from_visit["source_visit_id"], visit_id);
    assert_eq!(from_visit["title"], "菜市场周边占道经营，影响通行。");
    assert_eq!(from_visit["number"], "2026-0002");
    let visit =
        expect(app.get(&format!("/api/v1/reception-visits/{visit_id}"), &w.manager).await, StatusCode::OK).await;
    assert_eq!(visit["disposition"], "suggestion");
    assert_eq!(visit["version"], 2);
    expect_error(app.post(&path, &w.manager, &json!({})).await, StatusCode::CONFLICT, "suggestion_exists").await;
    // A visit nobody received cannot be led.
    let lonely = app
        .create(
            &format!("/api/v1/stations/{}/reception-visits", w.station),
            &w.manager,
            json!({"visited_on": "2026-03-03", "slot": "afternoon", "matter": "咨询", "disposition": "answered", "deputy_ids": []}),
        )
        .await;
    expect_error(
        app.post(&format!("/api/v1/reception-visits/{}/suggestion", lonely["id"]), &w.manager, &json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

fn column(body: &Value, key: &str) -> usize {
    body["columns"].as_array().unwrap().iter().position(|c| c["key"] == key).unwrap_or_else(|| panic!("column {key}"))
}

fn cell<'a>(body: &'a Value, row: usize, key: &str) -> &'a Value {
    &body["items"][row][column(body, key)]
}

#[tokio::test]
async fn the_register_lists_the_suggestions_of_the_period() {
    let w = world().await;
    let app = w.app();
    let assigned = w.assigned().await;
    let id = assigned["id"].as_i64().unwrap();
    w.ok(&w.handler, id, json!({"action": "reply", "version": 3, "text": "已完成首批加装。", "result_class": "A"}))
        .await;
    w.ok(&w.deputy_wang, id, json!({"action": "rate", "version": 4, "satisfaction": "satisfied"})).await;
    app.patch(&format!("/api/v1/suggestions/{id}"), &w.manager, &json!({"version": 5, "key_supervision": true})).await;
    let mut second = w.body();
    second["title"] = json!("关于整治占道经营的建议");
    second["co_deputy_ids"] = json!([]);
    second["raised_on"] = json!("2026-03-05");
    w.draft(&w.manager, second).await;
    let mut outside = w.body();
    outside["raised_on"] = json!("2026-04-01");
    w.draft(&w.manager, outside).await;

    let ledger = format!("/api/v1/stations/{}/ledgers/suggestions?from=2026-03-01&to=2026-03-31", w.station);
    let book = expect(app.get(&ledger, &w.manager).await, StatusCode::OK).await;
    assert_eq!(book["ledger"], "suggestions");
    assert_eq!(book["title"], "建议办理情况登记簿");
    assert_eq!(book["total"], 2, "April's suggestion is outside the period");
    let titles: Vec<&str> = book["columns"].as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        vec![
            "编号",
            "提出日期",
            "领衔代表",
            "附议代表",
            "标题",
            "类别",
            "主办单位",
            "协办单位",
            "交办日期",
            "办理期限",
            "答复日期",
            "答复内容",
            "办理结果",
            "代表满意度",
            "重点督办",
            "状态",
            "是否超期"
        ]
    );
    assert_eq!(cell(&book, 0, "number"), "2026-0001");
    assert_eq!(cell(&book, 0, "raised_on"), "2026-03-02");
    assert_eq!(cell(&book, 0, "lead_deputy"), "王建国");
    assert_eq!(cell(&book, 0, "co_deputies"), "李秀英");
    assert_eq!(cell(&book, 0, "title"), "关于加快老旧小区加装电梯的建议");
    assert_eq!(cell(&book, 0, "category"), "城建环保交通");
    assert_eq!(cell(&book, 0, "lead_unit"), "区住建局");
    assert_eq!(cell(&book, 0, "co_units"), "区交通局");
    assert_eq!(cell(&book, 0, "assigned_on"), "2026-03-02");
    assert_eq!(cell(&book, 0, "deadline"), "2026-06-02");
    assert_eq!(cell(&book, 0, "replied_on"), "2026-03-02");
    assert_eq!(cell(&book, 0, "reply"), "已完成首批加装。");
    assert_eq!(cell(&book, 0, "result_class"), "A类 已解决");
    assert_eq!(cell(&book, 0, "satisfaction"), "满意");
    assert_eq!(cell(&book, 0, "key_supervision"), "是");
    assert_eq!(cell(&book, 0, "status"), "已答复");
    assert_eq!(cell(&book, 0, "overdue"), "否");
    assert_eq!(cell(&book, 1, "number"), "2026-0002");
    assert_eq!(cell(&book, 1, "status"), "草拟");
    assert!(cell(&book, 1, "co_deputies").is_null());
    assert!(cell(&book, 1, "deadline").is_null());
    assert_eq!(cell(&book, 1, "key_supervision"), "否");

    // Who may read it: the station's readers; not deputies, not another station's manager.
    expect(app.get(&ledger, &w.viewer).await, StatusCode::OK).await;
    expect_error(app.get(&ledger, &w.deputy_wang).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(app.get(&ledger, &w.other_manager).await, StatusCode::NOT_FOUND, "not_found").await;
    let elsewhere = format!("/api/v1/stations/{}/ledgers/suggestions", w.other_station);
    assert_eq!(expect(app.get(&elsewhere, &w.other_manager).await, StatusCode::OK).await["total"], 0);

    // CSV: a BOM, the book's headings, the rows.
    let response = app.get(&format!("{ledger}&format=csv"), &w.viewer).await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(headers[0], "编号");
    assert_eq!(headers[12], "办理结果");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][0], "2026-0001");
    assert_eq!(&rows[0][2], "王建国");
    assert_eq!(&rows[0][9], "2026-06-02");
    assert_eq!(&rows[0][12], "A类 已解决");
    assert_eq!(&rows[1][4], "关于整治占道经营的建议");

    // XLSX: headings, real date cells, the text as recorded.
    let response = app.get(&format!("{ledger}&format=xlsx"), &w.viewer).await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
    let text = |row: u32, col: u32| sheet.get_value((row, col)).and_then(|d| d.as_string()).unwrap_or_default();
    assert_eq!(text(0, 0), "编号");
    assert_eq!(text(0, 16), "是否超期");
    assert_eq!(text(1, 0), "2026-0001");
    assert_eq!(text(1, 7), "区交通局");
    let due = sheet.get_value((1, 9)).unwrap();
    assert!(due.is_datetime(), "a real date cell: {due:?}");
    // 2026-06-02 is day 46175 of Excel's calendar.
    assert_eq!(due.get_datetime().unwrap().as_f64(), 46175.0);
    assert_eq!(sheet.get_value((2, 15)), Some(&Data::String("草拟".into())));

    // The print view: an A4 page of the book.
    let browser = Browser::new();
    sign_in(app, &browser, "manager-a", PASSWORD).await;
    let print = format!("/app/stations/{}/ledgers/suggestions/print?from=2026-03-01&to=2026-03-31", w.station);
    let page = browser.client.get(app.url(&print)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for expected in ["建议办理情况登记簿", "城关街道人大代表联络站", "2026-0001", "A类 已解决", "<thead>"]
    {
        assert!(html.contains(expected), "the print view shows {expected}");
    }

    // An empty period: the headings only, in every format.
    let empty = format!("/api/v1/stations/{}/ledgers/suggestions?from=2025-01-01&to=2025-12-31", w.station);
    let body = expect(app.get(&empty, &w.manager).await, StatusCode::OK).await;
    assert_eq!(body["total"], 0);
    assert_eq!(body["items"], json!([]));
    let bytes = app.get(&format!("{empty}&format=csv"), &w.manager).await.bytes().await.unwrap();
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    assert_eq!(reader.headers().unwrap().len(), 17);
    assert_eq!(reader.records().count(), 0);
    let bytes = app.get(&format!("{empty}&format=xlsx"), &w.manager).await.bytes().await.unwrap().to_vec();
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(workbook.worksheet_range_at(0).unwrap().unwrap().height(), 1);
}

#[tokio::test]
async fn the_staff_page_drafts_keeps_what_was_typed_and_acts() {
    let w = world().await;
    let app = w.app();
    let browser = Browser::new();
    assert_eq!(sign_in(app, &browser, "manager-a", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let page = browser.client.get(app.url("/app/suggestions")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("起草建议"), "{page}");
    assert!(page.contains("href=\"/app/suggestions\""), "the staff menu links the page");
    let csrf = csrf_from(&page);
    let station = w.station.to_string();
    let lead = w.wang.to_string();

    // No title: the form comes back (422) with what was typed.
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("station_id", station.as_str()),
        ("lead_deputy_id", lead.as_str()),
        ("raised_on", "2026-03-02"),
        ("title", ""),
        ("reasons", "背街小巷路灯长期不亮，夜间出行有安全隐患。"),
        ("proposals", "请城管部门限期修复。"),
    ];
    let response = browser.client.post(app.url("/app/suggestions")).form(&fields).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("背街小巷路灯长期不亮，夜间出行有安全隐患。"), "{html}");
    assert!(html.contains("请城管部门限期修复。"));
    assert!(html.contains(&format!("<option value=\"{lead}\" selected>")), "the lead stays chosen");
    let listed = expect(app.get("/api/v1/suggestions", &w.manager).await, StatusCode::OK).await;
    assert_eq!(listed["total"], 0, "nothing half-written");

    fields[4] = ("title", "关于修复背街小巷路灯的建议");
    let response = browser.client.post(app.url("/app/suggestions")).form(&fields).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/app/suggestions/"), "{location}");
    let detail = browser.client.get(app.url(&location)).send().await.unwrap().text().await.unwrap();
    assert!(detail.contains("2026-0001"));
    assert!(detail.contains("关于修复背街小巷路灯的建议"));
    assert!(detail.contains("do-submit"));
    let id = location.trim_start_matches("/app/suggestions/").split('?').next().unwrap().to_string();

    // Submit from the page, then a stale submit: the suggestion as it is now (409).
    let act = app.url(&format!("/app/suggestions/{id}/actions"));
    let submit = [("csrf", csrf.as_str()), ("action", "submit"), ("version", "1")];
    let response = browser.client.post(&act).form(&submit).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = browser.client.post(&act).form(&submit).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let html = response.text().await.unwrap();
    assert!(html.contains("已提交"), "{html}");
    // Rewording a submitted suggestion: a blank title comes back (422) with the words typed.
    let edit = app.url(&format!("/app/suggestions/{id}/edit"));
    let words = [
        ("csrf", csrf.as_str()),
        ("version", "2"),
        ("title", " "),
        ("reasons", "背街小巷共有十二盏路灯不亮。"),
        ("proposals", ""),
    ];
    let response = browser.client.post(&edit).form(&words).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("背街小巷共有十二盏路灯不亮。"));
    let mut words = words;
    words[2] = ("title", "关于尽快修复背街小巷路灯的建议");
    let response = browser.client.post(&edit).form(&words).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let key = [("csrf", csrf.as_str()), ("version", "3"), ("key_supervision", "true")];
    let response = browser.client.post(&edit).form(&key).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let stored = expect(app.get(&format!("/api/v1/suggestions/{id}"), &w.manager).await, StatusCode::OK).await;
    assert_eq!(stored["title"], "关于尽快修复背街小巷路灯的建议");
    assert_eq!(stored["reasons"], "背街小巷共有十二盏路灯不亮。");
    assert_eq!(stored["proposals"], Value::Null);
    assert_eq!(stored["key_supervision"], true);
    assert_eq!(stored["version"], 4);
    // The viewer reads the page without the forms.
    let viewer = Browser::new();
    sign_in(app, &viewer, "viewer-a", PASSWORD).await;
    let page =
        viewer.client.get(app.url(&format!("/app/suggestions/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("关于尽快修复背街小巷路灯的建议"));
    assert!(!page.contains("/edit") && !page.contains("name=\"action\""));
    let other = Browser::new();
    sign_in(app, &other, "manager-b", PASSWORD).await;
    let response = other.client.get(app.url(&format!("/app/suggestions/{id}"))).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // An assignment without a unit keeps the form (422).
    let response = browser
        .client
        .post(&act)
        .form(&[("csrf", csrf.as_str()), ("action", "assign"), ("version", "4"), ("lead_unit_id", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unit = w.unit.to_string();
    let response = browser
        .client
        .post(&act)
        .form(&[("csrf", csrf.as_str()), ("action", "assign"), ("version", "4"), ("lead_unit_id", unit.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let stored = expect(app.get(&format!("/api/v1/suggestions/{id}"), &w.manager).await, StatusCode::OK).await;
    assert_eq!(stored["status"], "assigned");
    assert_eq!(stored["due_on"], "2026-06-02");
    let list =
        browser.client.get(app.url("/app/suggestions?status=assigned")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("关于尽快修复背街小巷路灯的建议"));
    assert!(list.contains("2026-06-02"));
}

#[tokio::test]
async fn openapi_describes_the_suggestion_routes() {
    let app = spawn_app().await;
    let doc = expect(app.get_anonymous("/api/v1/openapi.json").await, StatusCode::OK).await;
    let paths = doc["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/api/v1/suggestions", "get"),
        ("/api/v1/stations/{id}/suggestions", "get"),
        ("/api/v1/stations/{id}/suggestions", "post"),
        ("/api/v1/suggestions/{id}", "get"),
        ("/api/v1/suggestions/{id}", "patch"),
        ("/api/v1/suggestions/{id}/actions", "post"),
        ("/api/v1/cases/{id}/suggestion", "post"),
        ("/api/v1/reception-visits/{id}/suggestion", "post"),
    ] {
        let operation = paths.get(path).and_then(|p| p.get(method));
        assert!(operation.is_some(), "{method} {path} is not documented");
        assert_eq!(operation.unwrap()["tags"][0], "suggestions", "{method} {path}");
    }
}
