//! The staff pages for handling cases, driven like a browser: the queue per role, the case
//! page, its action forms (with CSRF), stale versions and who sees the resident's contact.
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::json;

use crate::cases::{Desk, desk};
use crate::helpers::*;

/// A signed-in browser for one of the desk's accounts.
async fn browser_for(w: &Desk, username: &str) -> Browser {
    let browser = Browser::new();
    let password = if username == "admin" { ADMIN_PASSWORD } else { PASSWORD };
    let response = sign_in(w.app(), &browser, username, password).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{username} signs in");
    browser
}

async fn page(w: &Desk, browser: &Browser, path: &str) -> (StatusCode, String) {
    let response = browser.client.get(w.app().url(path)).send().await.unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

async fn post_action(w: &Desk, browser: &Browser, id: i64, fields: &[(&str, &str)]) -> reqwest::Response {
    let (status, html) = page(w, browser, &format!("/app/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let csrf = csrf_from(&html);
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    browser.client.post(w.app().url(&format!("/app/cases/{id}/actions"))).form(&form).send().await.unwrap()
}

/// A second deputy of the same station with an account and a case of their own.
async fn second_deputy_case(w: &Desk, content: &str) -> i64 {
    let app = w.app();
    let other = app.create_deputy(&w.s.admin, "李红", w.s.station).await;
    app.user(&w.s.admin, "deputy-c", "deputy", json!({"deputy_id": other["id"]})).await;
    let qr = other["qr_token"].as_str().unwrap();
    let response = w.s.post_form(&format!("/d/{qr}"), w.s.form(content)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let code = crate::intake::code_from(&response);
    i64::from(w.s.case(&code).await.id)
}

#[tokio::test]
async fn a_deputy_sees_only_their_own_cases() {
    let w = desk().await;
    let mine = w.case("小区门口的路灯坏了一个多月，晚上很黑。").await;
    let theirs = second_deputy_case(&w, "菜市场门口的下水道堵了，污水漫到路上。").await;
    let browser = browser_for(&w, "deputy-a").await;

    let (status, html) = page(&w, &browser, "/app").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("我的待办"), "{html}");
    assert!(html.contains("路灯坏了"), "{html}");
    assert!(html.contains(&format!("/app/cases/{mine}")));
    assert!(!html.contains("下水道"), "another deputy's case stays out of the inbox");
    // The menu links only to pages a deputy may open.
    assert!(!html.contains("href=\"/app/ledgers\""));
    assert!(html.contains("href=\"/app/reception\""));
    assert!(!html.contains(&format!("/app/cases/{theirs}\"")));
    // Counts on top: one open case, submitted.
    assert!(html.contains("待办 <b>1</b>"), "{html}");
    assert!(html.contains("已提交 <b>1</b>"), "{html}");
    // A deputy acts on cases one at a time: no bulk form.
    assert!(!html.contains("/app/cases/bulk"));

    let (_, html) = page(&w, &browser, "/app?lang=en").await;
    assert!(html.contains("My inbox") && html.contains("Open <b>1</b>"), "{html}");
    let (_, html) = page(&w, &browser, &format!("/app/cases/{mine}?lang=en")).await;
    assert!(html.contains("Accept") && html.contains("Deadline tier"), "{html}");

    let (status, html) = page(&w, &browser, &format!("/app/cases/{theirs}")).await;
    assert!(status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN, "{status}");
    assert!(!html.contains("下水道"));
    let (status, _) = page(&w, &browser, &format!("/app/cases/{mine}")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_manager_filters_the_queue_and_assigns_in_bulk() {
    let w = desk().await;
    let light = w.case("小区门口的路灯坏了一个多月，晚上很黑。").await;
    let drain = w.case("菜市场门口的下水道堵了，污水漫到路上。").await;
    let noise = w.case("夜里工地施工噪音太大，影响休息。").await;
    w.ok(&w.manager, light, json!({"action": "assign", "unit_id": w.unit})).await;
    let browser = browser_for(&w, "manager-a").await;

    let (status, html) = page(&w, &browser, "/app/cases").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("案件队列"));
    assert!(html.contains("href=\"/app/ledgers\""));
    for id in [light, drain, noise] {
        assert!(html.contains(&format!("/app/cases/{id}\"")), "all three are in the queue");
    }
    // By unit.
    let (_, html) = page(&w, &browser, &format!("/app/cases?status=all&unit={}", w.unit)).await;
    assert!(html.contains(&format!("/app/cases/{light}\"")));
    assert!(!html.contains(&format!("/app/cases/{drain}\"")));
    // By state.
    let (_, html) = page(&w, &browser, "/app/cases?status=submitted").await;
    assert!(!html.contains(&format!("/app/cases/{light}\"")));
    assert!(html.contains(&format!("/app/cases/{drain}\"")) && html.contains(&format!("/app/cases/{noise}\"")));
    // By text, keeping the filter in the form.
    let (_, html) = page(&w, &browser, "/app/cases?q=%E5%99%AA%E9%9F%B3").await;
    assert!(html.contains(&format!("/app/cases/{noise}\"")));
    assert!(!html.contains(&format!("/app/cases/{drain}\"")));
    assert!(html.contains("value=\"噪音\""), "the search box keeps the words");
    // Overdue: nothing yet.
    let (_, html) = page(&w, &browser, "/app/cases?overdue=1").await;
    assert!(html.contains("没有符合条件的案件"));

    // Bulk: assign the two new ones to the unit in one post.
    let (_, html) = page(&w, &browser, "/app/cases?status=submitted").await;
    let csrf = csrf_from(&html);
    let body = format!(
        "csrf={csrf}&back=status%3Dsubmitted&case_ids={drain}&case_ids={noise}&bulk_action=assign&unit_id={}",
        w.unit
    );
    let response = browser
        .client
        .post(w.app().url("/app/cases/bulk"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()[LOCATION].to_str().unwrap().to_string();
    assert_eq!(location, "/app/cases?status=submitted&done=2&failed=0");
    for id in [drain, noise] {
        let stored = w.stored(id).await;
        assert_eq!(stored.status, "assigned");
        assert_eq!(stored.unit_id, Some(w.unit as i32));
    }
    let (_, html) = page(&w, &browser, &location).await;
    assert!(html.contains("已处理 2 件"), "{html}");

    // Without a token the bulk post is refused.
    let response = browser
        .client
        .post(w.app().url("/app/cases/bulk"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("case_ids={drain}&bulk_action=reply"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_handler_sees_only_their_units_cases() {
    let w = desk().await;
    let ours = w.case("小区门口的路灯坏了一个多月，晚上很黑。").await;
    let elsewhere = w.case("菜市场门口的下水道堵了，污水漫到路上。").await;
    let unassigned = w.case("夜里工地施工噪音太大，影响休息。").await;
    w.ok(&w.manager, ours, json!({"action": "assign", "unit_id": w.unit})).await;
    w.ok(&w.manager, elsewhere, json!({"action": "assign", "unit_id": w.other_unit})).await;
    let browser = browser_for(&w, "handler-u").await;

    let (status, html) = page(&w, &browser, "/app").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("本单位承办案件"));
    assert!(!html.contains("href=\"/app/ledgers\"") && !html.contains("href=\"/app/reception\""));
    assert!(html.contains(&format!("/app/cases/{ours}\"")));
    assert!(!html.contains(&format!("/app/cases/{elsewhere}\"")));
    assert!(!html.contains(&format!("/app/cases/{unassigned}\"")));
    let (status, _) = page(&w, &browser, &format!("/app/cases/{elsewhere}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The unit starts work from the case page.
    let (_, html) = page(&w, &browser, &format!("/app/cases/{ours}")).await;
    assert!(html.contains("value=\"start\""), "start is offered");
    assert!(!html.contains("value=\"accept\""), "a unit does not accept");
    let response = post_action(&w, &browser, ours, &[("action", "start"), ("version", "2")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(w.stored(ours).await.status, "in_progress");
}

#[tokio::test]
async fn a_deputy_accepts_and_replies_from_a_template() {
    let w = desk().await;
    let id = w.case("小区门口的路灯坏了一个多月，晚上很黑。").await;
    let template = w
        .app()
        .create(
            "/api/v1/reply-templates",
            &w.s.admin,
            json!({"kind": "reply", "title": "已转交维修", "body": "您好，您反映的问题已转交有关部门维修，感谢监督。"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let browser = browser_for(&w, "deputy-a").await;

    let (_, html) = page(&w, &browser, &format!("/app/cases/{id}")).await;
    assert!(html.contains("value=\"accept\""));
    assert!(html.contains("personal_grievance"), "the standard reasons for not accepting are offered");
    let response = post_action(&w, &browser, id, &[("action", "accept"), ("version", "1")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], format!("/app/cases/{id}?done=accept").as_str());
    assert_eq!(w.stored(id).await.status, "accepted");
    let (_, html) = page(&w, &browser, &format!("/app/cases/{id}?done=accept")).await;
    assert!(html.contains("已完成：受理"), "{html}");
    assert!(html.contains("已受理"));

    // Choosing a template fills the reply box (no JavaScript needed).
    let (_, html) = page(&w, &browser, &format!("/app/cases/{id}?template={template}")).await;
    assert!(html.contains("已转交维修"));
    assert!(html.contains(">您好，您反映的问题已转交有关部门维修，感谢监督。</textarea>"), "{html}");
    let response = post_action(
        &w,
        &browser,
        id,
        &[("action", "reply"), ("version", "2"), ("text", "您好，您反映的问题已转交有关部门维修，感谢监督。")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let stored = w.stored(id).await;
    assert_eq!(stored.status, "replied");
    assert_eq!(stored.reply.as_deref(), Some("您好，您反映的问题已转交有关部门维修，感谢监督。"));
    let (_, html) = page(&w, &browser, &format!("/app/cases/{id}")).await;
    assert!(html.contains("已答复"));

    // A form without the CSRF token is refused and changes nothing.
    let response = browser
        .client
        .post(w.app().url(&format!("/app/cases/{id}/actions")))
        .form(&[("action", "reject"), ("reason", "other"), ("note", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(w.stored(id).await.status, "replied");
}

#[tokio::test]
async fn a_stale_form_shows_the_case_as_it_is_now_and_keeps_the_typed_text() {
    let w = desk().await;
    let id = w.case("小区门口的路灯坏了一个多月，晚上很黑。").await;
    let browser = browser_for(&w, "deputy-a").await;
    // The page was opened at version 1; meanwhile the manager accepts the case.
    w.ok(&w.manager, id, json!({"action": "accept", "version": 1})).await;
    let typed = "路灯已报修，预计本周内修好。";
    let response = post_action(&w, &browser, id, &[("action", "reply"), ("version", "1"), ("text", typed)]).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let html = response.text().await.unwrap();
    assert!(html.contains("刚被别人处理过"), "{html}");
    assert!(html.contains("「已受理」"), "says what the state is now");
    assert!(html.contains(&format!(">{typed}</textarea>")), "the typed answer is kept");
    assert!(html.contains("name=\"version\" value=\"2\""), "the forms carry the new version");
    assert_eq!(w.stored(id).await.status, "accepted");

    // A move the state no longer allows: accepting again.
    let response = post_action(&w, &browser, id, &[("action", "accept"), ("version", "2")]).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(response.text().await.unwrap().contains("不能再「受理」"));

    // A form problem keeps the text too and says what to fix.
    let response = post_action(&w, &browser, id, &[("action", "reject"), ("version", "2"), ("note", "")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("请修改"));
}

#[tokio::test]
async fn the_contact_is_shown_in_full_only_to_those_handling_the_case() {
    let w = desk().await;
    let id = w.case("小区门口的路灯坏了一个多月，晚上很黑。").await;

    let deputy = browser_for(&w, "deputy-a").await;
    let (_, html) = page(&w, &deputy, &format!("/app/cases/{id}")).await;
    assert!(html.contains("张三") && html.contains("13812345678"), "{html}");

    for who in ["viewer-a", "admin"] {
        let browser = browser_for(&w, who).await;
        let (status, html) = page(&w, &browser, &format!("/app/cases/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{who}");
        assert!(!html.contains("13812345678"), "{who} sees the phone masked");
        assert!(html.contains("138****5678"), "{who}: {html}");
        assert!(!html.contains("张三"), "{who} sees the name masked");
        // The queue never shows it.
        let (_, html) = page(&w, &browser, "/app/cases").await;
        assert!(!html.contains("13812345678"));
    }
    // Only the unmasked view was written to the audit log.
    use liaison::entities::audit_log;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let views = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("view_contact"))
        .count(&w.app().state.db)
        .await
        .unwrap();
    assert_eq!(views, 1);
}

fn small_jpeg() -> Vec<u8> {
    let image = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

async fn post_progress(w: &Desk, browser: &Browser, id: i64, version: &str, photo: Vec<u8>) -> reqwest::Response {
    let (_, html) = page(w, browser, &format!("/app/cases/{id}")).await;
    assert!(html.contains(&format!("action=\"/app/cases/{id}/progress\"")), "the progress form takes photos");
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf_from(&html))
        .text("version", version.to_string())
        .text("note", "维修队已进场，更换了灯杆。")
        .text("percent", "60")
        .part("photos", reqwest::multipart::Part::bytes(photo).file_name("site.jpg").mime_str("image/jpeg").unwrap());
    browser.client.post(w.app().url(&format!("/app/cases/{id}/progress"))).multipart(form).send().await.unwrap()
}

#[tokio::test]
async fn a_progress_report_from_the_page_carries_photos() {
    let w = desk().await;
    let id = w.case("小区门口的路灯坏了一个多月，晚上很黑。").await;
    w.ok(&w.deputy, id, json!({"action": "accept"})).await;
    let started = w.ok(&w.deputy, id, json!({"action": "start"})).await;
    let version = started["version"].as_i64().unwrap().to_string();
    let browser = browser_for(&w, "deputy-a").await;

    // Something that is not a photo: 422, the note kept, nothing recorded.
    let refused = post_progress(&w, &browser, id, &version, b"not a picture at all".to_vec()).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("维修队已进场，更换了灯杆。"), "the note is kept");
    assert_eq!(w.stored(id).await.version.to_string(), version, "nothing half-recorded");

    let response = post_progress(&w, &browser, id, &version, small_jpeg()).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let case = expect(w.app().get(&format!("/api/v1/cases/{id}"), &w.manager).await, StatusCode::OK).await;
    assert_eq!(case["percent"], 60);
    let photos = case["photos"].as_array().unwrap();
    assert_eq!(photos.len(), 1);
    assert!(photos[0]["event_id"].as_i64().is_some(), "the photo belongs to the progress report");
    assert_eq!(photos[0]["width"], 64);
}

#[tokio::test]
async fn a_case_and_a_visit_become_suggestions_from_their_pages() {
    let w = desk().await;
    let id = w.case("建议在东门社区增设一个公交站点，方便老人去医院。").await;
    let browser = browser_for(&w, "manager-a").await;
    let (_, html) = page(&w, &browser, &format!("/app/cases/{id}")).await;
    assert!(html.contains(&format!("action=\"/app/cases/{id}/suggestion\"")));
    let csrf = csrf_from(&html);
    let made = browser
        .client
        .post(w.app().url(&format!("/app/cases/{id}/suggestion")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let location = made.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/app/suggestions/"), "{location}");
    let sid: i64 = location.trim_start_matches("/app/suggestions/").parse().unwrap();
    let drafted = expect(w.app().get(&format!("/api/v1/suggestions/{sid}"), &w.manager).await, StatusCode::OK).await;
    assert_eq!(drafted["status"], "drafted");
    assert_eq!(drafted["source_case_id"], id);
    // The case now links to it instead of offering another.
    let (_, html) = page(&w, &browser, &format!("/app/cases/{id}")).await;
    assert!(html.contains(&format!("href=\"/app/suggestions/{sid}\"")));
    assert!(!html.contains(&format!("action=\"/app/cases/{id}/suggestion\"")));
    // A handler is not offered the form, and the route refuses them.
    let handler = browser_for(&w, "handler-u").await;
    w.ok(&w.manager, id, json!({"action": "accept"})).await;
    w.ok(&w.manager, id, json!({"action": "assign", "unit_id": w.unit})).await;
    let (_, html) = page(&w, &handler, &format!("/app/cases/{id}")).await;
    assert!(!html.contains("/suggestion\""));

    // A visit on the reception page.
    let station = w.s.station;
    let visit = w
        .app()
        .create(
            &format!("/api/v1/stations/{station}/reception-visits"),
            &w.manager,
            json!({"visited_on": "2026-03-02", "slot": "morning", "matter": "东门社区到医院没有直达公交。", "disposition": "answered", "deputy_ids": [w.s.deputy["id"]]}),
        )
        .await;
    let vid = visit["id"].as_i64().unwrap();
    let (_, html) = page(&w, &browser, &format!("/app/reception?station={station}")).await;
    assert!(html.contains(&format!("action=\"/app/reception/visits/{vid}/suggestion\"")));
    let made = browser
        .client
        .post(w.app().url(&format!("/app/reception/visits/{vid}/suggestion")))
        .form(&[("csrf", csrf_from(&html).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let visit = expect(w.app().get(&format!("/api/v1/reception-visits/{vid}"), &w.manager).await, StatusCode::OK).await;
    assert_eq!(visit["disposition"], "suggestion");
}

/// Found by the penetration test: a `liaison_csrf` cookie planted by another site, repeated in
/// the forged form, was accepted on the victim's session. The token is now derived from the
/// session, so a planted cookie proves nothing; the page's own token still works.
#[tokio::test]
async fn a_planted_csrf_cookie_is_not_a_token_for_the_session() {
    let w = desk().await;
    let app = w.app();
    let id = w.case("小区门口的路灯坏了，晚上很黑。").await;
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let browser = Browser { client };
    assert_eq!(sign_in(app, &browser, "manager-a", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(&w, &browser, &format!("/app/cases/{id}")).await;
    let real = csrf_from(&html);
    let version = w.stored(id).await.version.to_string();
    let planted = "A".repeat(32);
    jar.add_cookie_str(&format!("liaison_csrf={planted}; Path=/"), &app.url("/").parse().unwrap());
    let forged =
        [("csrf", planted.as_str()), ("version", version.as_str()), ("action", "key_supervision"), ("on", "true")];
    let response =
        browser.client.post(app.url(&format!("/app/cases/{id}/actions"))).form(&forged).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(!w.stored(id).await.key_supervision, "the forged post changed nothing");
    let genuine =
        [("csrf", real.as_str()), ("version", version.as_str()), ("action", "key_supervision"), ("on", "true")];
    let response =
        browser.client.post(app.url(&format!("/app/cases/{id}/actions"))).form(&genuine).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "the session's own token passes");
    assert!(w.stored(id).await.key_supervision);
}
