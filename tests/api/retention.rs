//! Retention: the resident's name, phone and map point leave a case closed more than
//! `retention_years` ago; the case stays (content, dates, figures), open and recent cases keep
//! theirs, the run is audited, and a second run finds nothing.
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::intake::scene;

#[tokio::test]
async fn personal_data_of_cases_closed_long_ago_is_erased_and_the_case_kept() {
    let s = scene().await;
    let old = s.submit("老旧小区加装电梯的事").await;
    let withdrawn = s.app.client.post(s.app.url(&format!("/api/v1/public/submissions/{old}/withdraw")));
    expect(withdrawn.json(&json!({})).send().await.unwrap(), StatusCode::OK).await;
    let open_old = s.submit("河道垃圾一直没人清理").await;
    assert!(s.case(&old).await.contact_phone.is_some());

    // Three years and a day later (the default retention), a recent closed case beside them.
    s.app.clock.advance(Duration::days(3 * 365 + 2));
    let recent = s.submit("新修的路又被挖开了").await;
    let withdrawn = s.app.client.post(s.app.url(&format!("/api/v1/public/submissions/{recent}/withdraw")));
    expect(withdrawn.json(&json!({})).send().await.unwrap(), StatusCode::OK).await;

    let admin = s.app.admin_token().await;
    let before: Value =
        expect(s.app.get("/api/v1/stats?from=2026-01-01&to=2029-12-31", &admin).await, StatusCode::OK).await;
    let run: Value = expect(s.app.post("/api/v1/jobs/retention/run", &admin, &json!({})).await, StatusCode::OK).await;
    assert_eq!(run["ran"], true);
    assert_eq!(run["summary"]["cases"], 1, "{run}");

    let erased = s.case(&old).await;
    assert_eq!((erased.contact_name, erased.contact_phone, erased.contact_phone_hash), (None, None, None));
    assert_eq!((erased.latitude, erased.longitude, erased.submitter_key), (None, None, None));
    assert_eq!(erased.content, "老旧小区加装电梯的事", "the case itself stays");
    assert_eq!(erased.close_reason.map(|v| v.as_str()), Some("withdrawn"));
    for kept in [&open_old, &recent] {
        let case = s.case(kept).await;
        let phone = s.app.state.cipher.open_opt(case.contact_phone.as_ref()).unwrap();
        assert_eq!(phone.as_deref().map(|p| !p.is_empty()), Some(true), "{kept} keeps its contact");
    }
    // The figures do not change.
    let after: Value =
        expect(s.app.get("/api/v1/stats?from=2026-01-01&to=2029-12-31", &admin).await, StatusCode::OK).await;
    assert_eq!(before["totals"], after["totals"]);
    // The tracking page still works.
    let page = s.app.client.get(s.app.url(&format!("/t/{old}"))).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);

    let audit: Value = expect(s.app.get("/api/v1/audit?action=retention_erased", &admin).await, StatusCode::OK).await;
    assert_eq!(audit["total"], 1);
    assert!(audit["items"][0]["detail"].as_str().unwrap().starts_with("cases=1 visits=0"));
    let again: Value = expect(s.app.post("/api/v1/jobs/retention/run", &admin, &json!({})).await, StatusCode::OK).await;
    assert_eq!(again["summary"]["cases"], 0);
    let audit: Value = expect(s.app.get("/api/v1/audit?action=retention_erased", &admin).await, StatusCode::OK).await;
    assert_eq!(audit["total"], 1, "a run that erased nothing writes no line");
}

#[tokio::test]
async fn retention_zero_keeps_everything_and_only_administrators_run_it() {
    let app = spawn_app_with(|settings| settings.retention_years = 0).await;
    app.clock.advance(Duration::days(20 * 365));
    let admin_later = app.admin_token().await;
    let run: Value =
        expect(app.post("/api/v1/jobs/retention/run", &admin_later, &json!({})).await, StatusCode::OK).await;
    assert_eq!(run["summary"]["cases"], 0);
    let (_, viewer) = app.user(&admin_later, "viewer-x", "viewer", json!({"station_ids": []})).await;
    assert_eq!(app.post("/api/v1/jobs/retention/run", &viewer, &json!({})).await.status(), StatusCode::FORBIDDEN);
}
