//! Handling cases: the whole life of a case through every path, who may do what, deadlines.
use chrono::{DateTime, Duration, Utc};
use liaison::entities::{audit_log, case, case_event, outbox};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::intake::{Scene, scene_with};

/// A station with its deputy, a second station, a unit, and one account per role.
pub struct Desk {
    pub s: Scene,
    pub manager: String,
    pub deputy: String,
    pub handler: String,
    pub viewer: String,
    pub other_manager: String,
    pub other_handler: String,
    pub other_deputy: String,
    pub unit: i64,
    pub other_unit: i64,
    pub other_station: i64,
}

pub async fn desk() -> Desk {
    // These tests move the clock by weeks: keep everyone signed in meanwhile.
    let s = scene_with(|settings| {
        settings.session_hours = 24 * 90;
        settings.deputy_session_days = 90;
    })
    .await;
    let app = &s.app;
    let admin = &s.admin;
    let unit = app.create_unit(admin, "区住建局").await;
    let other_unit = app.create_unit(admin, "区城管局").await;
    let other_station = app.create_station(admin, "河西联络站", "station", None).await;
    let other_deputy_record = app.create_deputy(admin, "陈明", other_station).await;
    let (_, manager) = app.user(admin, "manager-a", "manager", json!({"station_ids": [s.station]})).await;
    let (_, deputy) = app.user(admin, "deputy-a", "deputy", json!({"deputy_id": s.deputy["id"]})).await;
    let (_, handler) = app.user(admin, "handler-u", "handler", json!({"unit_id": unit})).await;
    let (_, viewer) = app.user(admin, "viewer-a", "viewer", json!({"station_ids": [s.station]})).await;
    let (_, other_manager) = app.user(admin, "manager-b", "manager", json!({"station_ids": [other_station]})).await;
    let (_, other_handler) = app.user(admin, "handler-v", "handler", json!({"unit_id": other_unit})).await;
    let (_, other_deputy) =
        app.user(admin, "deputy-b", "deputy", json!({"deputy_id": other_deputy_record["id"]})).await;
    Desk {
        s,
        manager,
        deputy,
        handler,
        viewer,
        other_manager,
        other_handler,
        other_deputy,
        unit,
        other_unit,
        other_station,
    }
}

impl Desk {
    pub fn app(&self) -> &TestApp {
        &self.s.app
    }

    /// A new case through the deputy's form; returns its id.
    pub async fn case(&self, content: &str) -> i64 {
        let code = self.s.submit(content).await;
        i64::from(self.s.case(&code).await.id)
    }

    pub async fn act(&self, token: &str, id: i64, body: Value) -> reqwest::Response {
        self.app().post(&format!("/api/v1/cases/{id}/actions"), token, &body).await
    }

    /// An action that must succeed; returns the case.
    pub async fn ok(&self, token: &str, id: i64, body: Value) -> Value {
        expect(self.act(token, id, body).await, StatusCode::OK).await
    }

    pub async fn stored(&self, id: i64) -> case::Model {
        case::Entity::find_by_id(id as i32).one(&self.app().state.db).await.unwrap().unwrap()
    }

    pub async fn events(&self, id: i64) -> Vec<case_event::Model> {
        case_event::Entity::find()
            .filter(case_event::Column::CaseId.eq(id as i32))
            .order_by_asc(case_event::Column::Id)
            .all(&self.app().state.db)
            .await
            .unwrap()
    }

    pub async fn public(&self, id: i64) -> Value {
        let code = self.stored(id).await.tracking_code;
        expect(self.app().get_anonymous(&format!("/api/v1/public/submissions/{code}")).await, StatusCode::OK).await
    }
}

fn d(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

#[tokio::test]
async fn a_case_from_submission_to_archive() {
    let w = desk().await;
    let id = w.case("小区门口的路灯坏了一个多月，晚上很黑。").await;
    let case = w.ok(&w.deputy, id, json!({"action": "accept", "version": 1})).await;
    assert_eq!(case["status"], "accepted");
    assert_eq!(case["version"], 2);
    w.app().clock.advance(Duration::hours(1));
    let case =
        w.ok(&w.manager, id, json!({"action": "assign", "unit_id": w.unit, "tier": "month", "version": 2})).await;
    assert_eq!(case["status"], "assigned");
    assert_eq!(case["unit_id"], w.unit);
    assert_eq!(case["tier"], "month");
    // Deadline recomputed from the assignment: 22 working days after Monday 2 March.
    assert_eq!(case["due_at"], "2026-04-01T15:59:59Z");
    let case = w.ok(&w.handler, id, json!({"action": "start"})).await;
    assert_eq!(case["status"], "in_progress");
    let case = w.ok(&w.handler, id, json!({"action": "progress", "note": "已安排维修队进场", "percent": 50})).await;
    assert_eq!(case["percent"], 50);
    let case = w.ok(&w.handler, id, json!({"action": "reply", "text": "路灯已于3月5日修复，感谢您的反映。"})).await;
    assert_eq!(case["status"], "replied");
    assert_eq!(case["reply"], "路灯已于3月5日修复，感谢您的反映。");

    let public = w.public(id).await;
    assert_eq!(public["status"], "replied");
    assert_eq!(public["reply"], "路灯已于3月5日修复，感谢您的反映。");
    assert_eq!(public["can_rate"], true);
    let statuses: Vec<&str> =
        public["timeline"].as_array().unwrap().iter().map(|e| e["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["submitted", "accepted", "assigned", "in_progress", "in_progress", "replied"]);
    assert_eq!(public["timeline"][4]["note"], "已安排维修队进场", "progress notes are public");

    let code = w.stored(id).await.tracking_code;
    let rated = w
        .app()
        .client
        .post(w.app().url(&format!("/api/v1/public/submissions/{code}/rating")))
        .json(&json!({"satisfaction": "satisfied", "solved": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(expect(rated, StatusCode::OK).await["status"], "closed");
    let case = w.ok(&w.manager, id, json!({"action": "archive"})).await;
    assert_eq!(case["status"], "archived");
    let actions: Vec<String> = w.events(id).await.into_iter().map(|e| e.action).collect();
    assert_eq!(actions, vec!["submitted", "accept", "assign", "start", "progress", "reply", "rated", "archive"]);
    let event = &w.events(id).await[2];
    assert_eq!(event.actor_role, "manager");
    assert_eq!(
        (event.from_status.map(|v| v.as_str()), event.to_status.map(|v| v.as_str())),
        (Some("accepted"), Some("assigned"))
    );
}

#[tokio::test]
async fn a_rejection_gives_the_resident_the_reason() {
    let w = desk().await;
    let id = w.case("我家和邻居的宅基地纠纷，请代表帮我打官司。").await;
    let missing = w.act(&w.manager, id, json!({"action": "reject"})).await;
    expect_error(missing, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let case = w
        .ok(
            &w.manager,
            id,
            json!({"action": "reject", "reason": "personal_grievance", "note": "可到区信访局一楼窗口反映"}),
        )
        .await;
    assert_eq!(case["status"], "rejected");
    let public = w.public(id).await;
    assert_eq!(public["status"], "rejected");
    let note = public["timeline"][1]["note"].as_str().unwrap();
    assert!(note.contains("信访") && note.contains("一楼窗口"), "{note}");
    // A rejected case can only be archived.
    let body = expect_error(
        w.act(&w.manager, id, json!({"action": "accept"})).await,
        StatusCode::CONFLICT,
        "illegal_transition",
    )
    .await;
    assert!(body["message"].as_str().unwrap().contains("rejected"));
    w.ok(&w.manager, id, json!({"action": "archive"})).await;
}

#[tokio::test]
async fn stale_versions_and_illegal_moves_are_409_with_the_state_now() {
    let w = desk().await;
    let id = w.case("测试版本冲突的案件内容。").await;
    w.ok(&w.deputy, id, json!({"action": "accept", "version": 1})).await;
    let stale = expect_error(
        w.act(&w.manager, id, json!({"action": "assign", "unit_id": w.unit, "version": 1})).await,
        StatusCode::CONFLICT,
        "stale_version",
    )
    .await;
    assert!(stale["message"].as_str().unwrap().contains("accepted (version 2)"), "{stale}");
    let illegal = expect_error(
        w.act(&w.manager, id, json!({"action": "close"})).await,
        StatusCode::CONFLICT,
        "illegal_transition",
    )
    .await;
    assert!(illegal["message"].as_str().unwrap().contains("accepted"));
    assert_eq!(w.events(id).await.len(), 2, "nothing was recorded for the refused moves");
}

#[tokio::test]
async fn of_many_pressing_accept_at_once_exactly_one_wins() {
    let w = desk().await;
    let id = w.case("很多人同时点受理的案件。").await;
    let attempts =
        (0..8).map(|i| {
            let token = if i % 2 == 0 { w.deputy.clone() } else { w.manager.clone() };
            let app = w.app();
            async move {
                app.post(&format!("/api/v1/cases/{id}/actions"), &token, &json!({"action": "accept"})).await.status()
            }
        });
    let statuses = futures_util::future::join_all(attempts).await;
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 7, "{statuses:?}");
    assert_eq!(w.stored(id).await.version, 2);
    assert_eq!(w.events(id).await.iter().filter(|e| e.action == "accept").count(), 1);
}

#[tokio::test]
async fn a_unit_returns_a_mis_assigned_case_within_the_window() {
    let w = desk().await;
    let id = w.case("退回测试：应由城管处理的占道经营。").await;
    w.ok(&w.manager, id, json!({"action": "assign", "unit_id": w.unit})).await;
    expect_error(
        w.act(&w.handler, id, json!({"action": "return"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let case = w.ok(&w.handler, id, json!({"action": "return", "reason": "占道经营属城管职责，请改交区城管局"})).await;
    assert_eq!(case["status"], "returned");
    assert!(case["unit_id"].is_null());
    assert_eq!(case["returned_count"], 1);
    expect_error(w.app().get(&format!("/api/v1/cases/{id}"), &w.handler).await, StatusCode::NOT_FOUND, "not_found")
        .await;
    w.ok(&w.manager, id, json!({"action": "assign", "unit_id": w.other_unit})).await;
    expect(w.app().get(&format!("/api/v1/cases/{id}"), &w.other_handler).await, StatusCode::OK).await;
    // Four working days later it is too late to send back.
    w.app().clock.advance(Duration::days(6));
    let late = w.act(&w.other_handler, id, json!({"action": "return", "reason": "也不归我们"})).await;
    expect_error(late, StatusCode::CONFLICT, "return_window_passed").await;
    // Only a unit returns.
    expect_error(
        w.act(&w.manager, id, json!({"action": "return", "reason": "x"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn extensions_are_requested_then_granted_or_refused() {
    let w = desk().await;
    let id = w.case("延期测试：需要协调多个部门的老旧小区改造。").await;
    let case = w.ok(&w.manager, id, json!({"action": "assign", "unit_id": w.unit, "tier": "week"})).await;
    assert_eq!(case["due_at"], "2026-03-09T15:59:59Z");
    let case = w.ok(&w.handler, id, json!({"action": "extend", "days": 5, "reason": "需要协调供电、燃气等单位"})).await;
    assert_eq!(case["due_at"], "2026-03-09T15:59:59Z", "a request does not move the deadline");
    expect_error(
        w.act(&w.handler, id, json!({"action": "extend", "days": 3, "reason": "再申请"})).await,
        StatusCode::CONFLICT,
        "extension_pending",
    )
    .await;
    expect_error(
        w.act(&w.handler, id, json!({"action": "extend", "decision": "grant"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let case = w.ok(&w.manager, id, json!({"action": "extend", "decision": "grant"})).await;
    assert_eq!(case["due_at"], "2026-03-16T15:59:59Z", "five more working days");
    let detail = expect(w.app().get(&format!("/api/v1/cases/{id}"), &w.manager).await, StatusCode::OK).await;
    assert_eq!(detail["extensions"][0]["status"], "granted");
    w.ok(&w.handler, id, json!({"action": "extend", "days": 10, "reason": "还需要更久"})).await;
    let case = w.ok(&w.manager, id, json!({"action": "extend", "decision": "refuse", "note": "请按期办结"})).await;
    assert_eq!(case["due_at"], "2026-03-16T15:59:59Z");
    expect_error(
        w.act(&w.manager, id, json!({"action": "extend", "decision": "grant"})).await,
        StatusCode::CONFLICT,
        "no_extension_request",
    )
    .await;
}

#[tokio::test]
async fn a_bad_rating_reopens_the_case_for_another_answer() {
    let w = desk().await;
    let id = w.case("重办测试：楼道灯不亮。").await;
    w.ok(&w.deputy, id, json!({"action": "accept"})).await;
    w.ok(&w.deputy, id, json!({"action": "reply", "text": "已通知物业。"})).await;
    let code = w.stored(id).await.tracking_code;
    let rate = |body: Value| {
        w.app().client.post(w.app().url(&format!("/api/v1/public/submissions/{code}/rating"))).json(&body).send()
    };
    let view = expect(
        rate(json!({"satisfaction": "dissatisfied", "solved": false, "comment": "物业没来"})).await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(view["status"], "in_progress");
    assert!(
        view["timeline"].as_array().unwrap().iter().any(|e| e["note"].as_str().is_some_and(|n| n.contains("物业没来")))
    );
    let stored = w.stored(id).await;
    assert_eq!(stored.reopened_count, 1);
    w.ok(&w.deputy, id, json!({"action": "reply", "text": "已督促物业，灯已修好。"})).await;
    let view = expect(rate(json!({"satisfaction": "satisfied", "solved": true})).await.unwrap(), StatusCode::OK).await;
    assert_eq!(view["status"], "closed");
    assert_eq!(view["reply"], "已督促物业，灯已修好。");
    // A manager can reopen a closed case too, with a reason.
    expect_error(
        w.act(&w.manager, id, json!({"action": "reopen"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let case = w.ok(&w.manager, id, json!({"action": "reopen", "reason": "回访发现问题反复"})).await;
    assert_eq!(case["status"], "in_progress");
    assert_eq!(case["reopened_count"], 2);
}

#[tokio::test]
async fn merged_duplicates_share_one_answer() {
    let w = desk().await;
    let first = w.case("幸福路和人民路交叉口红绿灯坏了。").await;
    let second = w.case("人民路口的红绿灯不亮，很危险。").await;
    let third = w.case("人民路红绿灯故障。").await;
    w.ok(&w.manager, first, json!({"action": "accept"})).await;
    expect_error(
        w.act(&w.manager, second, json!({"action": "merge", "into_case_id": second})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let merged = w.ok(&w.manager, second, json!({"action": "merge", "into_case_id": first})).await;
    assert_eq!(merged["status"], "closed");
    assert_eq!(merged["close_reason"], "merged");
    assert_eq!(merged["merged_into_id"], first);
    // Merging into the merged one lands on the first (no chains).
    w.ok(&w.manager, third, json!({"action": "merge", "into_case_id": first})).await;
    w.ok(&w.manager, first, json!({"action": "reply", "text": "交警部门已修复信号灯。"})).await;
    for id in [second, third] {
        let view = w.public(id).await;
        assert_eq!(view["merged"], true);
        assert_eq!(view["status"], "replied");
        assert_eq!(view["reply"], "交警部门已修复信号灯。");
        assert_eq!(view["can_rate"], false, "only the surviving case is rated");
    }
    // Another station's case cannot be a target.
    let other = w.case("另一件事。。。").await;
    let not_mine = w.act(&w.other_manager, other, json!({"action": "merge", "into_case_id": first})).await;
    expect_error(not_mine, StatusCode::NOT_FOUND, "not_found").await;
}

/// Found by the penetration test: after a merge, resident B's tracking page named resident
/// A's code, and with it B read A's text and could rate or withdraw A's case. B sees their own
/// words, the shared progress and answer (redacted), and nothing else of A's.
#[tokio::test]
async fn a_merged_resident_sees_only_their_own_words_and_the_public_answer() {
    let w = desk().await;
    let app = w.app();
    let submit = |content: &'static str, name: &'static str, phone: &'static str| {
        let body = json!({
            "qr_token": w.s.qr(), "category_id": w.s.week_category, "content": content,
            "contact_name": name, "contact_phone": phone, "consent": true,
        });
        async move {
            let response = app.client.post(app.url("/api/v1/public/submissions")).json(&body).send().await.unwrap();
            expect(response, StatusCode::CREATED).await["tracking_code"].as_str().unwrap().to_string()
        }
    };
    let a_text = "欧阳明反映：人民路口红绿灯坏了，身份证110105194912310021。";
    let code_a = submit(a_text, "欧阳明", "13912345678").await;
    let code_b = submit("人民路口的红绿灯不亮，过马路很危险。", "李四", "13787654321").await;
    let (a, b) = (i64::from(w.s.case(&code_a).await.id), i64::from(w.s.case(&code_b).await.id));
    w.ok(&w.manager, b, json!({"action": "merge", "into_case_id": a})).await;
    w.ok(&w.manager, a, json!({"action": "accept"})).await;
    w.ok(&w.manager, a, json!({"action": "start"})).await;
    // Staff are told that the answer goes to every merged resident.
    let browser = Browser::new();
    sign_in(app, &browser, "manager-a", PASSWORD).await;
    let page = browser.client.get(app.url(&format!("/app/cases/{a}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"reply-merged-hint\""), "the reply form warns that merged residents read it");
    // A careless answer that names A.
    w.ok(&w.manager, a, json!({"action": "progress", "note": "已联系欧阳明（13912345678），交警到场"})).await;
    w.ok(&w.manager, a, json!({"action": "reply", "text": "欧阳明您好：信号灯已修复。电话13912345678。"})).await;

    let a_display = format!("{}-{}-{}", &code_a[0..4], &code_a[4..8], &code_a[8..12]);
    let secrets_of_a =
        [code_a.as_str(), a_display.as_str(), a_text, "人民路口红绿灯坏了", "欧阳明", "13912345678", "1101051949"];
    let view = expect(app.get_anonymous(&format!("/api/v1/public/submissions/{code_b}")).await, StatusCode::OK).await;
    let page = app.get_anonymous(&format!("/t/{code_b}")).await.text().await.unwrap();
    for shown in [view.to_string(), page.clone()] {
        for secret in secrets_of_a {
            assert!(!shown.contains(secret), "B's tracking page shows A's {secret}: {shown}");
        }
    }
    assert_eq!(view["merged"], true);
    assert_eq!(view["status"], "replied");
    assert_eq!(view["can_rate"], false);
    let reply = view["reply"].as_str().expect("the shared answer");
    assert!(reply.contains("信号灯已修复") && reply.contains("139******78"), "{reply}");
    let events: Vec<&str> = view["timeline"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(events.iter().filter(|e| **e == "submitted").count(), 1, "only B's own submission: {events:?}");
    assert!(events.contains(&"progress") && events.contains(&"reply"), "{events:?}");
    assert!(page.contains("人民路口的红绿灯不亮"), "B reads their own words");
    assert!(!page.contains("name=\"satisfaction\"") && !page.contains("/withdraw"), "no controls of A's case");
    // B cannot act on A's case through B's code either.
    let rate = json!({"satisfaction": "dissatisfied", "solved": false});
    let refused = app.client.post(app.url(&format!("/api/v1/public/submissions/{code_b}/rating"))).json(&rate);
    expect_error(refused.send().await.unwrap(), StatusCode::CONFLICT, "merged").await;
    let refused = app.client.post(app.url(&format!("/api/v1/public/submissions/{code_b}/withdraw"))).json(&json!({}));
    expect_error(refused.send().await.unwrap(), StatusCode::CONFLICT, "merged").await;
    assert_eq!(w.stored(a).await.status, "replied");
    // A reads the answer as written, and nothing of B's.
    let own = expect(app.get_anonymous(&format!("/api/v1/public/submissions/{code_a}")).await, StatusCode::OK).await;
    assert_eq!(own["reply"], "欧阳明您好：信号灯已修复。电话13912345678。");
    assert_eq!(own["can_rate"], true);
    assert!(!own.to_string().contains(&code_b));
}

#[tokio::test]
async fn every_role_sees_only_its_own_cases() {
    let w = desk().await;
    let id = w.case("权限测试：每个角色能看到什么。").await;
    let path = format!("/api/v1/cases/{id}");
    // Before assignment: the deputy, the managers and viewers of the station, admins.
    for token in [&w.s.admin, &w.manager, &w.deputy, &w.viewer] {
        expect(w.app().get(&path, token).await, StatusCode::OK).await;
    }
    for token in [&w.other_manager, &w.other_deputy, &w.handler, &w.other_handler] {
        expect_error(w.app().get(&path, token).await, StatusCode::NOT_FOUND, "not_found").await;
        let list = expect(w.app().get("/api/v1/cases", token).await, StatusCode::OK).await;
        assert_eq!(list["total"], 0);
        expect_error(w.act(token, id, json!({"action": "accept"})).await, StatusCode::NOT_FOUND, "not_found").await;
    }
    // Viewers read but do not act.
    expect_error(w.act(&w.viewer, id, json!({"action": "accept"})).await, StatusCode::FORBIDDEN, "forbidden").await;
    // A deputy may not close or merge; a handler may not assign.
    w.ok(&w.manager, id, json!({"action": "assign", "unit_id": w.unit})).await;
    expect(w.app().get(&path, &w.handler).await, StatusCode::OK).await;
    expect_error(
        w.act(&w.handler, id, json!({"action": "assign", "unit_id": w.other_unit})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_error(w.act(&w.deputy, id, json!({"action": "key_supervision"})).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
    expect_error(w.act(&w.other_handler, id, json!({"action": "start"})).await, StatusCode::NOT_FOUND, "not_found")
        .await;
    let list = expect(w.app().get("/api/v1/cases", &w.handler).await, StatusCode::OK).await;
    assert_eq!(list["total"], 1);
    let unauthenticated = w.app().get_anonymous(&path).await;
    expect_error(unauthenticated, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn contacts_are_unmasked_only_for_those_handling_the_case_and_logged() {
    let w = desk().await;
    let id = w.case("联系方式测试：只有办理人员能看到完整电话。").await;
    let path = format!("/api/v1/cases/{id}");
    let detail = expect(w.app().get(&path, &w.deputy).await, StatusCode::OK).await;
    assert_eq!(detail["contact_phone"], "13812345678");
    assert_eq!(detail["contact_name"], "张三");
    assert_eq!(detail["contact_masked"], false);
    for token in [&w.s.admin, &w.viewer] {
        let detail = expect(w.app().get(&path, token).await, StatusCode::OK).await;
        assert_eq!(detail["contact_phone"], "138****5678");
        assert_eq!(detail["contact_name"], "张*");
    }
    let list = expect(w.app().get("/api/v1/cases", &w.manager).await, StatusCode::OK).await;
    assert_eq!(list["items"][0]["contact_phone"], "138****5678", "lists are always masked");
    let views = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("view_contact"))
        .filter(audit_log::Column::TargetId.eq(id as i32))
        .count(&w.app().state.db)
        .await
        .unwrap();
    assert_eq!(views, 1, "the deputy's view was logged; masked views are not");
}

#[tokio::test]
async fn queues_filter_sort_and_count() {
    let w = desk().await;
    let a = w.case("噪音扰民：广场舞音响太大。").await;
    let b = w.case("路面坑洼：幸福路有个大坑。").await;
    let c = w.case("垃圾清运不及时，小区门口堆满垃圾。").await;
    w.ok(&w.manager, a, json!({"action": "assign", "unit_id": w.unit, "tier": "immediate"})).await;
    w.ok(&w.manager, b, json!({"action": "key_supervision"})).await;
    let desk = &w;
    let get = |query: &str| {
        let path = format!("/api/v1/cases?{query}");
        async move { desk.app().get(&path, &desk.manager).await }
    };
    let ids =
        |body: &Value| body["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect::<Vec<_>>();
    assert_eq!(ids(&expect(get("status=assigned").await, StatusCode::OK).await), vec![a]);
    assert_eq!(ids(&expect(get("status=submitted,assigned&sort=received").await, StatusCode::OK).await), vec![c, b, a]);
    assert_eq!(ids(&expect(get("key_supervision=true").await, StatusCode::OK).await), vec![b]);
    assert_eq!(
        ids(&expect(get("q=%E5%B9%BF%E5%9C%BA%E8%88%9E").await, StatusCode::OK).await),
        vec![a],
        "search 广场舞"
    );
    assert_eq!(ids(&expect(get(&format!("unit_id={}", w.unit)).await, StatusCode::OK).await), vec![a]);
    assert_eq!(ids(&expect(get("tier=immediate").await, StatusCode::OK).await), vec![a]);
    expect_error(get("status=lost").await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    // Due today (immediate): due soon now, overdue tomorrow, first in the queue.
    assert_eq!(ids(&expect(get("due_soon=true").await, StatusCode::OK).await)[0], a);
    w.app().clock.advance(Duration::days(1));
    assert_eq!(ids(&expect(get("overdue=true").await, StatusCode::OK).await), vec![a]);
    assert_eq!(ids(&expect(get("").await, StatusCode::OK).await)[0], a, "overdue first");
    let counts = expect(w.app().get("/api/v1/cases/counts", &w.manager).await, StatusCode::OK).await;
    assert_eq!(counts["open"], 3);
    assert_eq!(counts["overdue"], 1);
    assert_eq!(counts["key_supervision"], 1);
    assert_eq!(counts["by_status"]["submitted"], 2);
    let page = expect(get("per_page=2&page=2").await, StatusCode::OK).await;
    assert_eq!(page["total"], 3);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bulk_actions_go_case_by_case() {
    let w = desk().await;
    let mine = [w.case("批量一：路灯。").await, w.case("批量二：路灯。").await];
    let theirs = {
        // A case of the other station, submitted through its own form.
        let station =
            expect(w.app().get(&format!("/api/v1/stations/{}", w.other_station), &w.s.admin).await, StatusCode::OK)
                .await;
        let token = station["public_token"].as_str().unwrap().to_string();
        let response = w.s.post_form(&format!("/s/{token}"), w.s.form("别的联络站的案件。")).await;
        i64::from(w.s.case(&crate::intake::code_from(&response)).await.id)
    };
    let body = json!({"case_ids": [mine[0], mine[1], theirs], "action": "assign", "unit_id": w.unit, "tier": "week"});
    let result = expect(w.app().post("/api/v1/cases/bulk", &w.manager, &body).await, StatusCode::OK).await;
    assert_eq!(result["succeeded"], 2);
    assert_eq!(result["failed"], 1);
    assert_eq!(result["results"][2]["error"]["error"], "not_found");
    let reply = json!({"case_ids": mine, "action": "reply", "text": "已交区住建局统一维修。"});
    let result = expect(w.app().post("/api/v1/cases/bulk", &w.manager, &reply).await, StatusCode::OK).await;
    assert_eq!(result["succeeded"], 2);
    let bad = json!({"case_ids": [], "action": "accept"});
    expect_error(
        w.app().post("/api/v1/cases/bulk", &w.manager, &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

#[tokio::test]
async fn the_sweep_marks_escalates_and_closes_on_a_moved_clock() {
    let w = desk().await;
    let id = w.case("超期测试：一周内应办结的事项。").await;
    w.ok(&w.manager, id, json!({"action": "assign", "unit_id": w.unit, "tier": "week"})).await; // due Mon 9 March
    let state = &w.app().state;
    let sweep = || liaison::jobs::sweep::run(state);
    assert_eq!(sweep().await.unwrap().unwrap().overdue, 0);
    // Friday 6 March: due soon (the next working day).
    w.app().clock.set(d("2026-03-06T02:00:00Z"));
    let summary = sweep().await.unwrap().unwrap();
    assert_eq!(summary.due_soon, 1);
    assert_eq!(sweep().await.unwrap().unwrap().due_soon, 0, "announced once");
    // Tuesday 10 March: overdue.
    w.app().clock.set(d("2026-03-10T02:00:00Z"));
    assert_eq!(sweep().await.unwrap().unwrap().overdue, 1);
    assert_eq!(sweep().await.unwrap().unwrap().overdue, 0);
    let overdue_events = w.events(id).await.into_iter().filter(|e| e.action == "overdue").count();
    assert_eq!(overdue_events, 1);
    let notices =
        outbox::Entity::find().filter(outbox::Column::Event.eq("case_overdue")).count(&state.db).await.unwrap();
    assert!(notices >= 2, "the deputy, the manager and the unit are told ({notices})");
    // Three working days overdue (Friday 13 March): key supervision.
    w.app().clock.set(d("2026-03-13T02:00:00Z"));
    assert_eq!(sweep().await.unwrap().unwrap().escalated, 1);
    assert!(w.stored(id).await.key_supervision);
    // Answered, then nobody rates for 15 days: closed, no rating.
    w.ok(&w.handler, id, json!({"action": "reply", "text": "已处理。"})).await;
    w.app().clock.advance(Duration::days(15) + Duration::minutes(1));
    assert_eq!(sweep().await.unwrap().unwrap().auto_closed, 1);
    let stored = w.stored(id).await;
    assert_eq!(stored.status, "closed");
    assert_eq!(stored.close_reason.map(|v| v.as_str()), Some("unrated"));
    assert_eq!(stored.satisfaction, None, "never counted as satisfied");
}

#[tokio::test]
async fn an_extension_clears_the_overdue_mark() {
    let w = desk().await;
    let id = w.case("延期后重新计算超期。").await;
    w.ok(&w.manager, id, json!({"action": "assign", "unit_id": w.unit, "tier": "immediate"})).await;
    w.app().clock.advance(Duration::days(1));
    assert_eq!(liaison::jobs::sweep::run(&w.app().state).await.unwrap().unwrap().overdue, 1);
    let case = w.ok(&w.manager, id, json!({"action": "extend", "days": 3, "reason": "等待材料"})).await;
    assert_eq!(case["overdue"], false);
    assert!(!w.stored(id).await.overdue, "a new deadline will be announced again if missed");
}

#[tokio::test]
async fn case_photos_through_the_api_follow_case_scope() {
    let w = desk().await;
    let image = image::RgbImage::from_pixel(320, 240, image::Rgb([200, 30, 30]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Jpeg).unwrap();
    let part = reqwest::multipart::Part::bytes(bytes.into_inner()).file_name("a.jpg").mime_str("image/jpeg").unwrap();
    let response =
        w.s.post_form(&format!("/d/{}", w.s.qr()), w.s.form("带照片的案件，通过接口查看照片。").part("photos", part))
            .await;
    let id = i64::from(w.s.case(&crate::intake::code_from(&response)).await.id);
    let detail = expect(w.app().get(&format!("/api/v1/cases/{id}"), &w.manager).await, StatusCode::OK).await;
    let url = detail["photos"][0]["url"].as_str().unwrap().to_string();
    let photo = w.app().get(&url, &w.manager).await;
    assert_eq!(photo.status(), StatusCode::OK);
    assert_eq!(photo.headers()["content-type"], "image/jpeg");
    assert_eq!(w.app().get(&url, &w.other_manager).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn reply_templates_are_shared_or_per_station() {
    let w = desk().await;
    let all = expect(w.app().get("/api/v1/reply-templates", &w.deputy).await, StatusCode::OK).await;
    assert_eq!(all["total"], 7);
    let replies = expect(w.app().get("/api/v1/reply-templates?kind=reply", &w.handler).await, StatusCode::OK).await;
    assert_eq!(replies["total"], 4);
    let own = json!({"station_id": w.s.station, "kind": "reply", "title": "本站常用", "body": "您好，已转交社区网格员上门处理。"});
    expect(w.app().post("/api/v1/reply-templates", &w.manager, &own).await, StatusCode::CREATED).await;
    let shared = json!({"kind": "reply", "title": "全区通用", "body": "……"});
    expect_error(
        w.app().post("/api/v1/reply-templates", &w.manager, &shared).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_error(w.app().post("/api/v1/reply-templates", &w.handler, &own).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
    expect(w.app().post("/api/v1/reply-templates", &w.s.admin, &shared).await, StatusCode::CREATED).await;
    // The other station's manager sees the shared ones only.
    let theirs =
        expect(w.app().get("/api/v1/reply-templates?kind=reply", &w.other_manager).await, StatusCode::OK).await;
    assert_eq!(theirs["total"], 5);
    let mine = expect(w.app().get("/api/v1/reply-templates?kind=reply", &w.deputy).await, StatusCode::OK).await;
    assert_eq!(mine["total"], 6);
}

/// A large queue takes another query plan on SQLite (above 2,000 matching cases); the
/// manager's scope must hold there too.
#[tokio::test]
async fn a_large_queue_keeps_to_the_managers_stations() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mine = app.create_station(&admin, "城关联络站", "station", None).await;
    let other = app.create_station(&admin, "河西联络站", "station", None).await;
    app.create_deputy(&admin, "王建国", mine).await;
    app.create_deputy(&admin, "陈明", other).await;
    let (_, manager) = app.user(&admin, "manager-a", "manager", json!({"station_ids": [mine]})).await;
    liaison::services::seed::bench::seed(&app.state.db, 4_600, start_time()).await.unwrap();
    let own = liaison::entities::case::Entity::find()
        .filter(liaison::entities::case::Column::StationId.eq(mine as i32))
        .count(&app.state.db)
        .await
        .unwrap();
    assert!(own > 2_000, "the large-queue plan is taken ({own} cases)");
    let page = expect(app.get("/api/v1/cases?per_page=100", &manager).await, StatusCode::OK).await;
    assert_eq!(page["total"], own);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 100);
    assert!(items.iter().all(|c| c["station_id"] == mine), "only the manager's station");
}
