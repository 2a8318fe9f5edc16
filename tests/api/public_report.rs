//! The station's public report (`/s/{token}/stats` and its JSON twin): the staff's figures,
//! the disclosed cases only, and nothing personal.
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::intake::{Scene, scene_with};

struct World {
    s: Scene,
    manager: String,
    deputy: String,
}

async fn world() -> World {
    let s = scene_with(|settings| settings.submit_rate_per_minute = 0).await;
    let admin = s.admin.clone();
    let (_, manager) = s.app.user(&admin, "manager-a", "manager", json!({"station_ids": [s.station]})).await;
    let (_, deputy) = s.app.user(&admin, "deputy-a", "deputy", json!({"deputy_id": s.deputy["id"]})).await;
    World { s, manager, deputy }
}

impl World {
    /// A case through the deputy's form (contact 张三, 13812345678); (id, tracking code).
    async fn case(&self, content: &str) -> (i64, String) {
        let code = self.s.submit(content).await;
        (i64::from(self.s.case(&code).await.id), code)
    }

    async fn act(&self, token: &str, id: i64, body: Value) {
        expect(self.s.app.post(&format!("/api/v1/cases/{id}/actions"), token, &body).await, StatusCode::OK).await;
    }

    async fn page(&self, path: &str) -> (StatusCode, String) {
        let response = self.s.app.get_anonymous(path).await;
        (response.status(), response.text().await.unwrap())
    }

    async fn public(&self, query: &str) -> Value {
        let path = format!("/api/v1/public/stations/{}/stats{query}", self.s.station_token);
        expect(self.s.app.get_anonymous(&path).await, StatusCode::OK).await
    }

    async fn staff(&self, query: &str) -> Value {
        let path = format!("/api/v1/stats?station_id={}&from=2026-01-01&to=2026-03-02{query}", self.s.station);
        expect(self.s.app.get(&path, &self.manager).await, StatusCode::OK).await
    }
}

#[tokio::test]
async fn the_public_report_has_the_staff_figures_and_nothing_personal() {
    let w = world().await;
    let (lamp, lamp_code) = w.case("小区门口的路灯坏了，晚上很黑，有事请打13900001111联系我。").await;
    let (cover, cover_code) = w.case("幸福路的井盖丢了，很危险。").await;
    let (_, noise_code) = w.case("邻居半夜装修很吵，影响休息。").await;
    let (rejected, rejected_code) = w.case("我和单位的劳动纠纷。").await;
    for id in [lamp, cover] {
        w.act(&w.manager, id, json!({"action": "accept"})).await;
        w.act(&w.manager, id, json!({"action": "disclose"})).await;
    }
    w.act(&w.manager, rejected, json!({"action": "reject", "reason": "personal_grievance"})).await;
    w.act(&w.deputy, lamp, json!({"action": "start"})).await;
    w.act(&w.deputy, lamp, json!({"action": "progress", "note": "已联系施工队，负责人电话13700002222。"})).await;
    w.act(&w.deputy, lamp, json!({"action": "reply", "text": "路灯已修复，张三反映的问题已解决。"})).await;

    // No case rated yet: the two rated-based rates have no data, never 0 % or 100 %.
    let body = w.public("").await;
    let staff = w.staff("").await;
    assert_eq!(body["totals"], staff["totals"]);
    assert_eq!(body["totals"]["received"], 4);
    assert_eq!(body["totals"]["reply_rate"], json!({"numerator": 1, "denominator": 2, "value": 50.0}));
    assert_eq!(body["totals"]["satisfaction_rate"], json!({"numerator": 0, "denominator": 0, "value": null}));
    assert_eq!(body["year"], 2026);
    assert_eq!((body["from"].as_str(), body["to"].as_str()), (Some("2026-01-01"), Some("2026-03-02")));
    assert_eq!(body["years"], json!([2026]));
    let (status, html) = w.page(&format!("/s/{}/stats", w.s.station_token)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("满意率</span> <strong class=\"no-data\">暂无数据</strong>"), "{html}");
    assert!(html.contains("答复率</span> <strong>50.0%</strong> <span class=\"muted\">1 ÷ 2（已答复 ÷ 已受理）"));
    assert!(html.contains("解决率</span> <strong class=\"no-data\">暂无数据</strong>"));
    assert!(!html.contains(">0.0%") && !html.contains(">100.0%"));

    // Rated: the figures still equal the staff's, month by month too.
    let rating = json!({"satisfaction": "satisfied", "solved": true});
    let response =
        w.s.app
            .client
            .post(w.s.app.url(&format!("/api/v1/public/submissions/{lamp_code}/rating")))
            .json(&rating)
            .send()
            .await
            .unwrap();
    expect(response, StatusCode::OK).await;
    let body = w.public("").await;
    assert_eq!(body["totals"], w.staff("").await["totals"]);
    assert_eq!(body["months"], w.staff("&group_by=month").await["groups"]);
    assert_eq!(body["months"].as_array().unwrap().len(), 3);
    assert_eq!(body["totals"]["satisfaction_rate"]["value"], 100.0);

    // Only the disclosed cases, newest first; the phone in the content and the note masked,
    // the resident's name masked in the answer.
    let items = body["disclosed"]["items"].as_array().unwrap();
    assert_eq!(body["disclosed"]["total"], 2);
    assert_eq!(items.len(), 2);
    let lamp_item = items.iter().find(|i| i["content"].as_str().unwrap().contains("路灯")).unwrap();
    assert_eq!(lamp_item["content"], "小区门口的路灯坏了，晚上很黑，有事请打139******11联系我。");
    assert_eq!(lamp_item["status"], "closed");
    assert_eq!(lamp_item["progress"][0]["note"], "已联系施工队，负责人电话137******22。");
    assert_eq!(lamp_item["reply"], "路灯已修复，张*反映的问题已解决。");
    assert!(lamp_item["due_at"].is_string());

    let (_, html) = w.page(&format!("/s/{}/stats", w.s.station_token)).await;
    let json_text = body.to_string();
    // Nothing inline (the CSP forbids it), nothing from another host.
    assert!(!html.contains("style=") && !html.contains("<script") && !html.contains("http"), "{html}");
    assert!(html.contains("城关街道人大代表联络站"));
    assert!(html.contains("139******11") && html.contains("井盖"));
    assert!(!html.contains("邻居半夜装修") && !json_text.contains("邻居半夜装修"));
    assert!(!html.contains("劳动纠纷") && !json_text.contains("劳动纠纷"));
    for secret in ["张三", "13812345678", "13900001111", "13700002222", "deputy-a", "manager-a"] {
        assert!(!html.contains(secret), "the page shows {secret}");
        assert!(!json_text.contains(secret), "the JSON shows {secret}");
    }
    for code in [&lamp_code, &cover_code, &noise_code, &rejected_code] {
        let dashed = format!("{}-{}-{}", &code[..4], &code[4..8], &code[8..]);
        for text in [&html, &json_text] {
            assert!(!text.contains(code.as_str()) && !text.contains(&dashed), "a tracking code is shown");
        }
    }
    let _ = cover;
}

#[tokio::test]
async fn the_public_report_in_english_other_years_unknown_stations_and_links() {
    let w = world().await;
    w.case("幸福路的井盖丢了，很危险。").await;
    let token = &w.s.station_token;
    let (status, html) = w.page(&format!("/s/{token}/stats?lang=en")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Reply rate") && html.contains("Month by month") && html.contains("no data"), "{html}");
    assert!(!html.contains("暂无数据"));

    // Last year: a whole year, nothing received.
    let body = w.public("?year=2025").await;
    assert_eq!((body["from"].as_str(), body["to"].as_str()), (Some("2025-01-01"), Some("2025-12-31")));
    assert_eq!(body["totals"]["received"], 0);
    assert_eq!(body["months"].as_array().unwrap().len(), 12);
    let (status, _) = w.page(&format!("/s/{token}/stats?year=2025")).await;
    assert_eq!(status, StatusCode::OK);
    // A year to come, or not a year.
    let path = format!("/api/v1/public/stations/{token}/stats?year=2027");
    expect_error(w.s.app.get_anonymous(&path).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let (status, _) = w.page(&format!("/s/{token}/stats?year=abc")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Unknown stations: a 404 page, and 404 JSON.
    for path in ["/s/abcdefghijklmnop/stats", "/s/nonsense/stats"] {
        let (status, html) = w.page(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(html.contains("<html"), "{html}");
    }
    let missing = w.s.app.get_anonymous("/api/v1/public/stations/abcdefghijklmnop/stats").await;
    expect_error(missing, StatusCode::NOT_FOUND, "not_found").await;

    // The station's form and the deputy's form link to it, in both languages.
    let link = format!("/s/{token}/stats");
    let qr = w.s.deputy["qr_token"].as_str().unwrap();
    for form in [format!("/s/{token}"), format!("/d/{qr}")] {
        let (_, zh) = w.page(&form).await;
        assert!(zh.contains(&link) && zh.contains("本站办理情况公开"), "{form}");
        let (_, en) = w.page(&format!("{form}?lang=en")).await;
        assert!(en.contains(&link) && en.contains("How this station handles matters"), "{form}");
    }

    // The route is documented.
    let doc = expect(w.s.app.get_anonymous("/api/v1/openapi.json").await, StatusCode::OK).await;
    assert_eq!(doc["paths"]["/api/v1/public/stations/{station_token}/stats"]["get"]["tags"], json!(["public"]));
}

#[tokio::test]
async fn the_disclosed_cases_come_twenty_a_page() {
    let w = world().await;
    for i in 1..=21 {
        let (id, _) = w.case(&format!("第{i}件：幸福路的井盖丢了。")).await;
        w.act(&w.manager, id, json!({"action": "disclose"})).await;
    }
    let first = w.public("").await;
    assert_eq!(first["disclosed"]["total"], 21);
    assert_eq!(first["disclosed"]["items"].as_array().unwrap().len(), 20);
    assert_eq!(first["disclosed"]["items"][0]["content"], "第21件：幸福路的井盖丢了。");
    let second = w.public("?page=2").await;
    assert_eq!(second["disclosed"]["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["disclosed"]["items"][0]["content"], "第1件：幸福路的井盖丢了。");
    let (_, html) = w.page(&format!("/s/{}/stats", w.s.station_token)).await;
    assert!(html.contains("page=2"));
}
