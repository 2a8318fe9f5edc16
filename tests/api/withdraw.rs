//! A resident takes back a case by its tracking code before anyone has handled it: it closes
//! as withdrawn (in no rate), with the reason on the public timeline; once the station has
//! acted, 409 and nothing changes. The page asks for a tick first and keeps what was typed.
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};

use crate::cases::desk;
use crate::helpers::*;
use crate::intake::scene;

#[tokio::test]
async fn a_case_nobody_has_handled_can_be_withdrawn_by_its_code() {
    let s = scene().await;
    let code = s.submit("楼下烧烤店油烟太大").await;
    let path = format!("/api/v1/public/submissions/{code}/withdraw");
    let too_long = s.app.client.post(s.app.url(&path)).json(&json!({"reason": "长".repeat(501)})).send().await.unwrap();
    expect_error(too_long, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(s.case(&code).await.status, "submitted", "nothing changed by a refused request");

    let done = s.app.client.post(s.app.url(&path)).json(&json!({"reason": "店家已经整改了"})).send().await.unwrap();
    let view: Value = expect(done, StatusCode::OK).await;
    assert_eq!(view["status"], "closed");
    let stored = s.case(&code).await;
    assert_eq!(stored.close_reason.map(|v| v.as_str()), Some("withdrawn"));
    assert!(stored.closed_at.is_some());
    let timeline = view["timeline"].to_string();
    assert!(timeline.contains("店家已经整改了"), "{timeline}");

    let again = s.app.client.post(s.app.url(&path)).json(&json!({})).send().await.unwrap();
    expect_error(again, StatusCode::CONFLICT, "already_handled").await;
    let unknown =
        s.app.client.post(s.app.url("/api/v1/public/submissions/ABCD2345EFGH/withdraw")).json(&json!({})).send();
    assert_eq!(unknown.await.unwrap().status(), StatusCode::NOT_FOUND);

    // Counted as withdrawn, and in no rate's denominator.
    let stats: Value =
        expect(s.app.get("/api/v1/stats?from=2026-01-01&to=2026-12-31", &s.admin).await, StatusCode::OK).await;
    assert_eq!(stats["totals"]["received"], 1);
    assert_eq!(stats["totals"]["withdrawn"], 1);
    assert_eq!(stats["totals"]["reply_rate"]["denominator"], 0);
}

#[tokio::test]
async fn a_case_the_station_has_acted_on_cannot_be_withdrawn() {
    let d = desk().await;
    let id = d.case("小区电梯经常停运").await;
    d.ok(&d.manager, id, json!({"action": "accept"})).await;
    let code = d.stored(id).await.tracking_code;
    let response = d
        .app()
        .client
        .post(d.app().url(&format!("/api/v1/public/submissions/{code}/withdraw")))
        .json(&json!({"reason": "不需要了"}))
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::CONFLICT, "already_handled").await;
    let stored = d.stored(id).await;
    assert_eq!(stored.status, "accepted");
    assert_eq!(stored.close_reason, None);

    // The page offers no withdrawal, and a posted one is refused with the reason kept.
    let page = d.app().client.get(d.app().url(&format!("/t/{code}"))).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("id=\"withdraw\""));
    let refused = d
        .app()
        .client
        .post(d.app().url(&format!("/t/{code}/withdraw")))
        .form(&[("reason", "不需要了"), ("confirm", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("已经开始办理"), "{html}");
}

#[tokio::test]
async fn the_tracking_page_withdraws_after_a_tick() {
    let s = scene().await;
    let code = s.submit("路口红绿灯时间太短").await;
    let page = s.app.client.get(s.app.url(&format!("/t/{code}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("action=\"/t/{code}/withdraw\"")));

    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let url = s.app.url(&format!("/t/{code}/withdraw"));
    let unticked = client.post(&url).form(&[("reason", "<b>搬家了</b>")]).send().await.unwrap();
    assert_eq!(unticked.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = unticked.text().await.unwrap();
    assert!(
        html.contains("&#60;b&#62;搬家了&#60;/b&#62;") || html.contains("&lt;b&gt;搬家了&lt;/b&gt;"),
        "kept, escaped"
    );
    assert!(html.contains("role=\"alert\""));
    assert_eq!(s.case(&code).await.status, "submitted");

    let done = client.post(&url).form(&[("reason", "搬家了"), ("confirm", "1")]).send().await.unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let location = done.headers()[LOCATION].to_str().unwrap().to_string();
    assert_eq!(location, format!("/t/{code}?withdrawn=1"));
    let after = s.app.client.get(s.app.url(&location)).send().await.unwrap().text().await.unwrap();
    assert!(after.contains("已撤回，这件反映不再办理。"));
    assert!(after.contains("搬家了"), "the reason is on the timeline");
    assert!(!after.contains("id=\"withdraw\""));
}
