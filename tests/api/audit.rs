//! The audit log for administrators: sign-ins (and failed ones), unmasked views of residents'
//! contacts and exports are there with the account's name; the log exports to CSV and XLSX
//! (and the export is itself logged); nobody else may read it.
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use reqwest::StatusCode;
use serde_json::Value;

use crate::cases::desk;
use crate::helpers::*;

#[tokio::test]
async fn admins_read_and_export_who_saw_what() {
    let d = desk().await;
    let app = d.app();
    let id = d.case("小区门口路灯坏了").await;
    // The manager handles the station's cases: the contact is shown, and that is logged.
    expect(app.get(&format!("/api/v1/cases/{id}"), &d.manager).await, StatusCode::OK).await;
    let wrong = app.login("manager-a", "not-the-password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let admin = app.admin_token().await;

    let all: Value = expect(app.get("/api/v1/audit?per_page=100", &admin).await, StatusCode::OK).await;
    let items = all["items"].as_array().unwrap();
    let view = items.iter().find(|e| e["action"] == "view_contact").expect("the unmasked view is logged");
    assert_eq!(view["username"], "manager-a");
    assert_eq!(view["target_type"], "case");
    assert_eq!(view["target_id"], id);
    let failed = items.iter().find(|e| e["action"] == "sign_in_failed").expect("a failed sign-in is logged");
    assert_eq!(failed["username"], "manager-a");
    assert!(items.iter().any(|e| e["action"] == "sign_in" && e["username"] == "deputy-a"));
    // Newest first.
    let ids: Vec<i64> = items.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    // Nothing personal in the log: not the resident's name or phone.
    let text = all.to_string();
    assert!(!text.contains("张三") && !text.contains("13812345678"));

    let filtered: Value = expect(app.get("/api/v1/audit?action=view_contact", &admin).await, StatusCode::OK).await;
    assert_eq!(filtered["total"], 1);
    let none: Value = expect(
        app.get("/api/v1/audit?action=view_contact&from=2025-01-01&to=2025-12-31", &admin).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(none["total"], 0);

    let csv = app.get("/api/v1/audit?format=csv&action=view_contact", &admin).await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let body = csv.text().await.unwrap();
    assert!(body.starts_with('\u{feff}'), "a BOM for spreadsheet programs");
    let lines: Vec<&str> = body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 2, "{body}");
    assert!(lines[0].starts_with("时间,账号,操作"));
    assert!(lines[1].contains("manager-a") && lines[1].contains("view_contact"), "{}", lines[1]);

    let xlsx = app.get("/api/v1/audit?format=xlsx", &admin).await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    let bytes = xlsx.bytes().await.unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("审计日志").unwrap();
    assert_eq!(sheet.get((0, 2)), Some(&Data::String("操作".into())));
    assert!(sheet.rows().skip(1).any(|row| row[2] == Data::String("view_contact".into())));

    // Both exports are in the log now.
    let exports: Value = expect(app.get("/api/v1/audit?action=export_audit_log", &admin).await, StatusCode::OK).await;
    assert_eq!(exports["total"], 2);
    assert_eq!(exports["items"][0]["username"], "admin");

    let bad = app.get("/api/v1/audit?from=2026-13-01", &admin).await;
    expect_error(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let bad = app.get("/api/v1/audit?format=pdf", &admin).await;
    expect_error(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn only_administrators_read_the_audit_log() {
    let d = desk().await;
    let app = d.app();
    for token in [&d.manager, &d.deputy, &d.handler, &d.viewer] {
        for path in ["/api/v1/audit", "/api/v1/audit?format=csv", "/api/v1/audit?format=xlsx"] {
            assert_eq!(app.get(path, token).await.status(), StatusCode::FORBIDDEN, "{path}");
        }
    }
    assert_eq!(app.get_anonymous("/api/v1/audit").await.status(), StatusCode::UNAUTHORIZED);
    // A refused export is not an export: nothing was logged for it.
    let admin = app.admin_token().await;
    let exports: Value = expect(app.get("/api/v1/audit?action=export_audit_log", &admin).await, StatusCode::OK).await;
    assert_eq!(exports["total"], 0);

    for user in ["manager-a", "deputy-a", "handler-u", "viewer-a"] {
        let browser = Browser::new();
        sign_in(app, &browser, user, PASSWORD).await;
        for path in ["/app/audit", "/app/audit.csv", "/app/audit.xlsx"] {
            let response = browser.client.get(app.url(path)).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{user} {path}");
        }
        let home = browser.client.get(app.url("/app/cases")).send().await.unwrap().text().await.unwrap();
        assert!(!home.contains("href=\"/app/audit\""), "no link for {user}");
    }
    let anonymous = app.client.get(app.url("/app/audit")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_audit_page_lists_filters_and_keeps_what_was_typed() {
    let d = desk().await;
    let app = d.app();
    let id = d.case("楼道灯不亮").await;
    expect(app.get(&format!("/api/v1/cases/{id}"), &d.manager).await, StatusCode::OK).await;
    let browser = Browser::new();
    sign_in(app, &browser, "admin", ADMIN_PASSWORD).await;
    let page = browser.client.get(app.url("/app/audit?action=view_contact")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("href=\"/app/audit\""), "the administrator's menu links the log");
    assert!(html.contains("<code>view_contact</code>") && html.contains(&format!("case #{id}")));
    assert!(html.contains("manager-a"));
    assert!(html.contains("/app/audit.csv?action=view_contact"));
    let csv = browser.client.get(app.url("/app/audit.csv?action=view_contact")).send().await.unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.text().await.unwrap().contains("view_contact"));

    let bad =
        browser.client.get(app.url("/app/audit?from=2026-02-30&action=sign_in&target_id=x")).send().await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text().await.unwrap();
    assert!(html.contains("value=\"2026-02-30\"") && html.contains("value=\"sign_in\""), "typed values kept");
    assert!(html.contains("role=\"alert\""));
}
