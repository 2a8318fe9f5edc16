//! The resident's side: the form behind a deputy's code, submission, tracking and rating.
use chrono::{DateTime, Utc};
use liaison::entities::{case, case_event};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use reqwest::multipart::Form;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::*;

pub struct Scene {
    pub app: TestApp,
    pub admin: String,
    pub station: i64,
    pub station_token: String,
    pub deputy: Value,
    /// 城建环保交通: a `week` category.
    pub week_category: i64,
}

pub async fn scene() -> Scene {
    scene_with(|_| {}).await
}

pub async fn scene_with(configure: impl FnOnce(&mut liaison::config::Settings)) -> Scene {
    let app = spawn_app_with(configure).await;
    let admin = app.admin_token().await;
    let station = app
        .create(
            "/api/v1/stations",
            &admin,
            json!({"name": "城关街道人大代表联络站", "kind": "station", "reception_days": "每月10日上午"}),
        )
        .await;
    let station_id = station["id"].as_i64().unwrap();
    let deputy = app.create_deputy(&admin, "王建国", station_id).await;
    let categories = expect(app.get("/api/v1/categories", &admin).await, StatusCode::OK).await;
    let week_category =
        categories["items"].as_array().unwrap().iter().find(|c| c["name"] == "城建环保交通").unwrap()["id"]
            .as_i64()
            .unwrap();
    Scene {
        station_token: station["public_token"].as_str().unwrap().to_string(),
        app,
        admin,
        station: station_id,
        deputy,
        week_category,
    }
}

impl Scene {
    pub fn qr(&self) -> String {
        self.deputy["qr_token"].as_str().unwrap().to_string()
    }

    pub fn form(&self, content: &str) -> Form {
        self.form_with_key(content, &uuid::Uuid::new_v4().simple().to_string())
    }

    pub fn form_with_key(&self, content: &str, key: &str) -> Form {
        Form::new()
            .text("form_key", key.to_string())
            .text("category_id", self.week_category.to_string())
            .text("content", content.to_string())
            .text("location", "幸福小区东门")
            .text("contact_name", "张三")
            .text("contact_phone", "13812345678")
            .text("consent", "1")
    }

    pub async fn post_form(&self, path: &str, form: Form) -> reqwest::Response {
        self.app.client.post(self.app.url(path)).multipart(form).send().await.unwrap()
    }

    /// Submits through the deputy's form; returns the tracking code.
    pub async fn submit(&self, content: &str) -> String {
        let response = self.post_form(&format!("/d/{}", self.qr()), self.form(content)).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{}", response.text().await.unwrap_or_default());
        code_from(&response)
    }

    pub async fn case(&self, code: &str) -> case::Model {
        case::Entity::find().filter(case::Column::TrackingCode.eq(code)).one(&self.app.state.db).await.unwrap().unwrap()
    }

    pub async fn case_count(&self) -> u64 {
        case::Entity::find().count(&self.app.state.db).await.unwrap()
    }
}

pub fn code_from(response: &reqwest::Response) -> String {
    let location = response.headers()[LOCATION].to_str().unwrap();
    let path = location.strip_prefix("/t/").expect("redirect to the tracking page");
    path.split('?').next().unwrap().to_string()
}

fn d(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

#[tokio::test]
async fn the_deputys_form_is_light_local_and_chinese() {
    let s = scene().await;
    let response = s.app.get_anonymous(&format!("/d/{}", s.qr())).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    for expected in [
        "王建国",
        "城关街道人大代表联络站",
        "城建环保交通",
        "每月10日上午",
        "name=\"consent\"",
        "name=\"form_key\"",
        "lang=\"zh-CN\"",
        "enctype=\"multipart/form-data\"",
    ] {
        assert!(html.contains(expected), "the form shows {expected}");
    }
    assert!(!html.contains("http://") && !html.contains("https://"), "nothing is loaded from another host");
    let css = s.app.get_anonymous("/static/app.css").await.bytes().await.unwrap();
    let js = s.app.get_anonymous("/static/form.js").await.bytes().await.unwrap();
    let weight = html.len() + css.len();
    assert!(weight < 30 * 1024, "form + CSS is {weight} bytes");
    assert!(weight + js.len() < 40 * 1024, "with its script {} bytes", weight + js.len());
    let english = s.app.get_anonymous(&format!("/d/{}?lang=en", s.qr())).await.text().await.unwrap();
    assert!(english.contains("Submit") && english.contains("lang=\"en\""));
}

#[tokio::test]
async fn a_submission_becomes_a_case_with_a_deadline() {
    let s = scene().await;
    let code = s.submit("小区门口的路灯坏了一个多月，晚上很黑，老人出行不便。").await;
    assert_eq!(code.len(), 12);
    let stored = s.case(&code).await;
    assert_eq!(stored.status, "submitted");
    assert_eq!(stored.channel, "qr");
    assert_eq!(stored.station_id as i64, s.station);
    assert_eq!(stored.deputy_id.map(i64::from), s.deputy["id"].as_i64());
    assert_eq!(stored.tier, "week");
    // Stored sealed (see personal_data.rs); it opens to the normal form of what was typed.
    let phone = s.app.state.cipher.open_opt(stored.contact_phone.as_ref()).unwrap();
    assert_eq!(phone.as_deref(), Some("13812345678"));
    assert_eq!(stored.consent_version, "2026-11");
    // Monday 2 March 09:00 Beijing + 5 working days = end of Monday 9 March, Beijing time.
    assert_eq!(stored.due_at, d("2026-03-09T15:59:59Z"));
    assert_eq!(stored.first_response_due_at, d("2026-03-03T15:59:59Z"));
    let events =
        case_event::Entity::find().filter(case_event::Column::CaseId.eq(stored.id)).all(&s.app.state.db).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "submitted");

    let page = s.app.get_anonymous(&format!("/t/{code}?new=1")).await.text().await.unwrap();
    assert!(page.contains("提交成功"));
    assert!(page.contains(&format!("{}-{}-{}", &code[0..4], &code[4..8], &code[8..12])));
    assert!(page.contains("已提交"));
    assert!(!page.contains("13812345678") && !page.contains("张三"), "nothing personal on the tracking page");
}

#[tokio::test]
async fn deadlines_skip_the_spring_festival() {
    let s = scene().await;
    s.app.clock.set(d("2026-02-13T02:00:00Z")); // Friday before the holiday, 10:00 Beijing
    let code = s.submit("春节前反映：楼道里堆满杂物，存在消防隐患。").await;
    // 14th (make-up Saturday) is day 1; 15th–23rd off; 24, 25, 26, 27 are days 2–5.
    assert_eq!(s.case(&code).await.due_at, d("2026-02-27T15:59:59Z"));
}

#[tokio::test]
async fn a_bad_form_is_shown_again_with_what_was_typed() {
    let s = scene().await;
    let form = Form::new()
        .text("form_key", uuid::Uuid::new_v4().simple().to_string())
        .text("content", "路灯坏了<script>alert(1)</script>")
        .text("contact_phone", "12345")
        .text("contact_name", "李四");
    let response = s.post_form(&format!("/d/{}", s.qr()), form).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("请选择一个类别"), "category message");
    assert!(html.contains("请填写手机号"), "phone message");
    assert!(html.contains("请阅读并勾选同意后再提交"), "consent message");
    assert!(
        html.contains("路灯坏了&#60;script&#62;") || html.contains("路灯坏了&lt;script&gt;"),
        "typed text kept, escaped"
    );
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains("value=\"李四\"") && html.contains("value=\"12345\""));
    assert_eq!(s.case_count().await, 0, "nothing half-written is stored");
}

#[tokio::test]
async fn the_same_form_sent_twice_makes_one_case() {
    let s = scene().await;
    let key = "0123456789abcdefghijklmnopqrstuv";
    let make = || s.form_with_key("同一张表单提交两次，只应该产生一件。", key);
    let first = s.post_form(&format!("/d/{}", s.qr()), make()).await;
    let second = s.post_form(&format!("/d/{}", s.qr()), make()).await;
    assert_eq!(code_from(&first), code_from(&second));
    assert_eq!(s.case_count().await, 1);
}

/// Found by the penetration test: a `submission_key` reused by another submission, even to
/// another station's deputy, silently answered the first case's code and dropped the second.
/// A key is bound to the code it was sent to and the body it came with.
#[tokio::test]
async fn a_submission_key_is_bound_to_its_code_and_body() {
    let s = scene().await;
    let other_station = s.app.create_station(&s.admin, "河西联络站", "station", None).await;
    let other_deputy = s.app.create_deputy(&s.admin, "陈明", other_station).await;
    let app = &s.app;
    let post = |body: Value| async move {
        app.client.post(app.url("/api/v1/public/submissions")).json(&body).send().await.unwrap()
    };
    let key = "shared-key-0001";
    let body = |qr: &str, content: &str| json!({"qr_token": qr, "category_id": s.week_category, "content": content, "consent": true, "submission_key": key});
    let first = expect(post(body(&s.qr(), "第一位居民反映的事情。")).await, StatusCode::CREATED).await;
    // The same body again: the same case (a retry).
    let again = expect(post(body(&s.qr(), "第一位居民反映的事情。")).await, StatusCode::OK).await;
    assert_eq!(again["tracking_code"], first["tracking_code"]);
    // Another body, or another deputy's code: refused, naming the key, and nothing of the
    // first case is given away.
    let other_qr = other_deputy["qr_token"].as_str().unwrap();
    for (qr, content) in [(s.qr(), "另一件事情，内容不同。"), (other_qr.to_string(), "第一位居民反映的事情。")]
    {
        let refused =
            expect_error(post(body(&qr, content)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(refused["fields"][0]["field"], "submission_key");
        assert!(!refused.to_string().contains(first["tracking_code"].as_str().unwrap()));
    }
    assert_eq!(s.case_count().await, 1);

    // The form's one-time key: the same rule; the form is shown again with a new key and
    // what was typed, and sending it again files the second matter.
    let form_key = "0123456789abcdefghijklmnopqrstuv";
    let sent = s.post_form(&format!("/d/{}", s.qr()), s.form_with_key("表单第一次提交的内容。", form_key)).await;
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    let reused = s.post_form(&format!("/d/{}", s.qr()), s.form_with_key("同一个键，另一段内容。", form_key)).await;
    assert_eq!(reused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = reused.text().await.unwrap();
    assert!(html.contains("同一个键，另一段内容。") && html.contains("这张表已经提交过一次"), "{html}");
    let new_key = html.split("name=\"form_key\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert_ne!(new_key, form_key);
    let resent = s.post_form(&format!("/d/{}", s.qr()), s.form_with_key("同一个键，另一段内容。", &new_key)).await;
    assert_eq!(resent.status(), StatusCode::SEE_OTHER);
    assert_ne!(code_from(&resent), code_from(&sent));
    assert_eq!(s.case_count().await, 3);
}

/// Found by the penetration test: ten zero-width spaces were accepted as a matter. Text rules
/// count what a reader sees.
#[tokio::test]
async fn invisible_text_is_not_a_matter() {
    let s = scene().await;
    for content in [
        "\u{200B}".repeat(10),
        "\u{FEFF}\u{2060}\u{200D}\u{200C}\u{200B}\u{2061}".repeat(3),
        format!("路灯{}", "\u{200B}".repeat(10)),
    ] {
        let body = json!({"qr_token": s.qr(), "category_id": s.week_category, "content": content, "consent": true});
        let refused = expect_error(
            s.app.client.post(s.app.url("/api/v1/public/submissions")).json(&body).send().await.unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(refused["fields"][0]["field"], "content", "{refused}");
        let page = s.post_form(&format!("/d/{}", s.qr()), s.form(&content)).await;
        assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(s.case_count().await, 0);
}

#[tokio::test]
async fn a_rotated_code_lands_on_the_station_form() {
    let s = scene().await;
    let old = s.qr();
    expect(
        s.app.post(&format!("/api/v1/deputies/{}/rotate-qr", s.deputy["id"]), &s.admin, &json!({})).await,
        StatusCode::OK,
    )
    .await;
    let response = s.app.get_anonymous(&format!("/d/{old}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("这个二维码已更换"));
    assert!(html.contains(&format!("action=\"/s/{}\"", s.station_token)));
    // And a case sent from it goes to the station, without a deputy.
    let response =
        s.post_form(&format!("/s/{}", s.station_token), s.form("二维码更换后提交的意见，应当到联络站。")).await;
    let stored = s.case(&code_from(&response)).await;
    assert_eq!(stored.deputy_id, None);
    assert_eq!(stored.station_id as i64, s.station);
    // Old-code posts still work too.
    let response = s.post_form(&format!("/d/{old}"), s.form("用旧二维码直接提交，也不能丢。")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn unknown_codes_are_a_friendly_404() {
    let s = scene().await;
    for path in ["/d/0000000000000000", "/d/not-a-token", "/s/0000000000000000", "/t/0000-0000-0000"] {
        let response = s.app.get_anonymous(path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(response.text().await.unwrap().contains("页面不存在"));
    }
}

#[tokio::test]
async fn tracking_codes_are_forgiving() {
    let s = scene().await;
    let code = s.submit("查询码大小写和横线都应该能认。").await;
    let typed = format!("{}-{}-{}", &code[0..4], &code[4..8], &code[8..12]).to_lowercase();
    let response = s.app.get_anonymous(&format!("/t/{typed}")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], format!("/t/{code}").as_str());
    let response = s.app.get_anonymous(&format!("/t?code={typed}")).await;
    assert_eq!(response.headers()[LOCATION], format!("/t/{code}").as_str());
    let response = s.app.get_anonymous("/t?code=ZZZZ-ZZZZ-ZZZZ").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_public_api_follows_the_contract() {
    let s = scene().await;
    let card = expect(s.app.get_anonymous(&format!("/api/v1/public/deputies/{}", s.qr())).await, StatusCode::OK).await;
    assert_eq!(card["deputy"]["name"], "王建国");
    assert_eq!(card["deputy"]["level"], "county");
    assert_eq!(card["station"]["name"], "城关街道人大代表联络站");
    assert!(card["deputy"].get("phone").is_none(), "no phone on the public card");
    assert_eq!(card["categories"].as_array().unwrap().len(), 7);
    assert!(card["categories"][0]["id"].is_i64() && card["categories"][0]["name"].is_string());
    expect_error(
        s.app.get_anonymous("/api/v1/public/deputies/0000000000000000").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    let body = json!({"qr_token": s.qr(), "category_id": s.week_category, "content": "通过接口提交的意见建议内容。", "contact_phone": "13812345678", "consent": true});
    let created = expect(
        s.app.client.post(s.app.url("/api/v1/public/submissions")).json(&body).send().await.unwrap(),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["status"], "submitted");
    let code = created["tracking_code"].as_str().unwrap();
    let view = expect(s.app.get_anonymous(&format!("/api/v1/public/submissions/{code}")).await, StatusCode::OK).await;
    assert_eq!(view["tracking_code"], code);
    assert_eq!(view["status"], "submitted");
    assert_eq!(view["timeline"][0]["status"], "submitted");
    assert!(view["timeline"][0]["at"].is_string());
    assert_eq!(view["due_at"], "2026-03-09T15:59:59Z");
    assert!(view.get("contact_phone").is_none() && !view.to_string().contains("13812345678"));

    let bad = json!({"station_token": s.station_token, "category_id": 9999, "content": "短", "consent": false});
    let error = expect_error(
        s.app.client.post(s.app.url("/api/v1/public/submissions")).json(&bad).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> = error["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["content", "consent"]);
    let both = json!({"qr_token": s.qr(), "station_token": s.station_token, "category_id": s.week_category, "content": "两个都给了。。。", "consent": true});
    expect_error(
        s.app.client.post(s.app.url("/api/v1/public/submissions")).json(&both).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let unknown_category = json!({"station_token": s.station_token, "category_id": 9999, "content": "类别不存在的提交。", "consent": true});
    expect_error(
        s.app.client.post(s.app.url("/api/v1/public/submissions")).json(&unknown_category).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

/// Moves a case to `replied` with an answer, as a deputy would (issue #4 adds the actions).
pub async fn reply_directly(s: &Scene, code: &str, text: &str) {
    use sea_orm::{ActiveModelTrait, Set};
    let current = s.case(code).await;
    let mut active: case::ActiveModel = current.into();
    active.status = Set("replied".parse().unwrap());
    active.reply = Set(Some(text.into()));
    active.replied_at = Set(Some(s.app.clock.now_utc()));
    active.update(&s.app.state.db).await.unwrap();
}

#[tokio::test]
async fn residents_rate_the_answer() {
    let s = scene().await;
    let code = s.submit("路灯坏了，请尽快修理。谢谢！").await;
    let rate = |body: Value| {
        s.app.client.post(s.app.url(&format!("/api/v1/public/submissions/{code}/rating"))).json(&body).send()
    };
    let early = rate(json!({"satisfaction": "satisfied", "solved": true})).await.unwrap();
    expect_error(early, StatusCode::CONFLICT, "illegal_transition").await;

    reply_directly(&s, &code, "已联系路灯管理所，三天内修复。").await;
    let page = s.app.get_anonymous(&format!("/t/{code}")).await.text().await.unwrap();
    assert!(page.contains("已联系路灯管理所") && page.contains("请您评价"));
    let bad = rate(json!({"satisfaction": "thrilled", "solved": true})).await.unwrap();
    expect_error(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let view = expect(
        rate(json!({"satisfaction": "basically_satisfied", "solved": true, "comment": "修得还算及时"})).await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(view["status"], "closed");
    assert_eq!(view["satisfaction"], "basically_satisfied");
    assert_eq!(view["reply"], "已联系路灯管理所，三天内修复。");
    let again = rate(json!({"satisfaction": "satisfied", "solved": true})).await.unwrap();
    expect_error(again, StatusCode::CONFLICT, "illegal_transition").await;
}

#[tokio::test]
async fn a_dissatisfied_resident_reopens_the_case_from_the_page() {
    let s = scene().await;
    let code = s.submit("噪音扰民，晚上十点后还在施工。").await;
    reply_directly(&s, &code, "已转城管部门处理。").await;
    let response = s
        .app
        .client
        .post(s.app.url(&format!("/t/{code}/rating")))
        .form(&[("satisfaction", "dissatisfied"), ("solved", "no"), ("comment", "还在施工")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let stored = s.case(&code).await;
    assert_eq!(stored.status, "in_progress");
    assert_eq!(stored.reopened_count, 1);
    assert_eq!(stored.satisfaction.map(|v| v.as_str()), Some("dissatisfied"));
    let page = s.app.get_anonymous(&format!("/t/{code}?rated=2")).await.text().await.unwrap();
    assert!(page.contains("重新办理"));
    // A rating form without choices says what is missing.
    reply_directly(&s, &code, "已再次督促。").await;
    let response =
        s.app.client.post(s.app.url(&format!("/t/{code}/rating"))).form(&[("comment", "x")]).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("请选择满意程度"));
}

#[tokio::test]
async fn submissions_are_rate_limited_per_address_and_per_code() {
    let s = scene_with(|settings| {
        settings.submit_rate_per_minute = 2;
        settings.submit_rate_per_code_per_minute = 3;
        settings.trust_proxy = true;
    })
    .await;
    s.submit("第一件事情的内容。").await;
    s.submit("第二件事情的内容。").await;
    let response = s.post_form(&format!("/d/{}", s.qr()), s.form("第三件事情的内容。")).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let html = response.text().await.unwrap();
    assert!(html.contains("操作太频繁") && html.contains("第三件事情的内容"), "the message and the typed text");
    s.app.clock.advance(chrono::Duration::seconds(61));
    // The code's own limit holds whatever the address: three in one minute.
    let body = json!({"qr_token": s.qr(), "category_id": s.week_category, "content": "从不同网络提交的意见。", "consent": true});
    let send = |ip: &'static str| {
        s.app.client.post(s.app.url("/api/v1/public/submissions")).header("x-forwarded-for", ip).json(&body).send()
    };
    for ip in ["10.0.0.1", "10.0.0.2", "10.0.0.3"] {
        assert_eq!(send(ip).await.unwrap().status(), StatusCode::CREATED);
    }
    expect_error(send("10.0.0.4").await.unwrap(), StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
}

#[tokio::test]
async fn the_honeypot_catches_robots() {
    let s = scene().await;
    let response = s
        .post_form(&format!("/d/{}", s.qr()), s.form("机器人填写了隐藏字段。").text("website", "http://spam.example"))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(s.case_count().await, 0);
}

#[tokio::test]
async fn large_text_is_remembered() {
    let s = scene().await;
    let response = s.app.get_anonymous(&format!("/prefs?large=1&back=/d/{}", s.qr())).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], format!("/d/{}", s.qr()).as_str());
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("large=1"));
    let html = s
        .app
        .client
        .get(s.app.url(&format!("/d/{}", s.qr())))
        .header("cookie", "large=1")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("class=\"resident large\""));
    let outside = s.app.get_anonymous("/prefs?large=1&back=https://evil.example").await;
    assert_eq!(outside.headers()[LOCATION], "/app");
}

#[tokio::test]
async fn the_tracking_page_carries_its_own_qr_code() {
    let s = scene().await;
    let code = s.submit("扫码回来查看进度的测试内容。").await;
    let page = s.app.get_anonymous(&format!("/t/{code}")).await.text().await.unwrap();
    assert!(page.contains(&format!("src=\"/t/{code}/qr.svg\"")));
    let svg = s.app.get_anonymous(&format!("/t/{code}/qr.svg")).await;
    assert_eq!(svg.status(), StatusCode::OK);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert_eq!(s.app.get_anonymous("/t/ZZZZZZZZZZZZ/qr.svg").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn each_bad_field_is_refused_and_nothing_stored() {
    let s = scene().await;
    let defaults = [
        ("category_id", s.week_category.to_string()),
        ("content", "内容足够长的一段话。".to_string()),
        ("contact_phone", "13812345678".to_string()),
        ("consent", "1".to_string()),
    ];
    let long = "字".repeat(2001);
    type BadField<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: [BadField; 8] = [
        ("empty content", &[("content", "   ")], "请写下具体情况"),
        ("content over 2,000 characters", &[("content", &long)], "最多 2000 个字"),
        ("an unknown category", &[("category_id", "9999")], "请选择一个类别"),
        ("a category that is not a number", &[("category_id", "abc")], "请选择一个类别"),
        ("no category", &[("category_id", "")], "请选择一个类别"),
        ("a bad phone", &[("contact_phone", "1381234")], "请填写手机号"),
        ("no consent", &[("consent", "")], "请阅读并勾选同意后再提交"),
        ("a callback without a phone", &[("contact_phone", ""), ("wants_callback", "1")], "需要回电时请留下电话"),
    ];
    for (what, overrides, message) in cases {
        let mut form = Form::new().text("form_key", uuid::Uuid::new_v4().simple().to_string());
        for (name, default) in &defaults {
            let value = overrides.iter().find(|(n, _)| n == name).map_or(default.as_str(), |(_, v)| v);
            form = form.text(name.to_string(), value.to_string());
        }
        for (name, value) in overrides.iter().filter(|(n, _)| !defaults.iter().any(|(d, _)| d == n)) {
            form = form.text(name.to_string(), value.to_string());
        }
        let response = s.post_form(&format!("/d/{}", s.qr()), form).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        assert!(response.text().await.unwrap().contains(message), "{what}: says {message}");
    }
    assert_eq!(s.case_count().await, 0, "nothing was stored");
}

/// A stored status outside the list is an internal error (logged, 500), never read as
/// another state: the case's page, its JSON and the resident's tracking page all refuse.
#[tokio::test]
async fn an_unknown_stored_status_is_an_error_not_another_state() {
    use sea_orm::{ConnectionTrait, Statement};
    let s = scene().await;
    let code = s.submit("路灯坏了三天，晚上很黑").await;
    let id = s.case(&code).await.id;
    let db = &s.app.state.db;
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        format!("UPDATE cases SET status = 'lost' WHERE id = {id}"),
    ))
    .await
    .unwrap();
    let body = expect_error(
        s.app.get(&format!("/api/v1/cases/{id}"), &s.admin).await,
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
    )
    .await;
    assert!(!body.to_string().contains("lost"), "the cause stays in the log: {body}");
    assert_eq!(s.app.get_anonymous(&format!("/t/{code}")).await.status(), StatusCode::INTERNAL_SERVER_ERROR);
}
