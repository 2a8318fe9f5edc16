use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn the_2026_schedule_ships_as_the_default() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let body = expect(app.get("/api/v1/calendar?year=2026", &admin).await, StatusCode::OK).await;
    assert_eq!(body["total"], 39);
    assert_eq!(body["items"][0], json!({"date": "2026-01-01", "kind": "holiday", "name": "元旦"}));
    let workdays: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "workday")
        .map(|d| d["date"].as_str().unwrap())
        .collect();
    assert_eq!(workdays, vec!["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]);
    let calendar = liaison::services::organisation::calendar::load(&app.state.db).await.unwrap();
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    assert_eq!(calendar.add_working_days(d("2026-02-13"), 5), d("2026-02-27"));
}

#[tokio::test]
async fn admins_mark_and_clear_days() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let body = expect(
        app.put("/api/v1/calendar/2026-12-31", &admin, &json!({"kind": "holiday", "name": "地方假日"})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body, json!({"date": "2026-12-31", "kind": "holiday", "name": "地方假日"}));
    // Marking it again replaces it.
    expect(app.put("/api/v1/calendar/2026-12-31", &admin, &json!({"kind": "workday"})).await, StatusCode::OK).await;
    let listed = expect(app.get("/api/v1/calendar?year=2026", &admin).await, StatusCode::OK).await;
    assert_eq!(listed["total"], 40);
    let response = app.delete("/api/v1/calendar/2026-12-31", &admin).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    expect_error(app.delete("/api/v1/calendar/2026-12-31", &admin).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(
        app.put("/api/v1/calendar/2026-02-30", &admin, &json!({"kind": "holiday"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    expect_error(
        app.put("/api/v1/calendar/2026-12-30", &admin, &json!({"kind": "vacation"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    let station = app.create_station(&admin, "联络站", "station", None).await;
    let (_, manager) = app.user(&admin, "mgr", "manager", json!({"station_ids": [station]})).await;
    expect(app.get("/api/v1/calendar", &manager).await, StatusCode::OK).await;
    expect_error(
        app.put("/api/v1/calendar/2026-12-31", &manager, &json!({"kind": "holiday"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_error(app.delete("/api/v1/calendar/2026-01-01", &manager).await, StatusCode::FORBIDDEN, "forbidden").await;
}

async fn import(app: &TestApp, token: &str, csv: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/calendar/import"))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_string())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_new_year_is_imported_as_csv() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let csv = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-06,holiday,春节\n2027-02-20,workday,春节调休上班\n";
    let body = expect(import(&app, &admin, csv).await, StatusCode::OK).await;
    assert_eq!(body, json!({"imported": 3, "replaced": 0, "years": [2027]}));
    // Importing the year again replaces it as a whole.
    let corrected = "date,kind,name\n2027-01-01,holiday,元旦\n";
    let body = expect(import(&app, &admin, corrected).await, StatusCode::OK).await;
    assert_eq!(body["replaced"], 3);
    let listed = expect(app.get("/api/v1/calendar?year=2027", &admin).await, StatusCode::OK).await;
    assert_eq!(listed["total"], 1);
    // 2026 is untouched.
    let listed = expect(app.get("/api/v1/calendar?year=2026", &admin).await, StatusCode::OK).await;
    assert_eq!(listed["total"], 39);
}

#[tokio::test]
async fn a_bad_calendar_file_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let csv = "date,kind,name\n2026-01-01,holiday,元旦\n2026-13-01,holiday,错\n";
    let body =
        expect_error(import(&app, &admin, csv).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(body["message"].as_str().unwrap().contains("line 3"), "{body}");
    let listed = expect(app.get("/api/v1/calendar?year=2026", &admin).await, StatusCode::OK).await;
    assert_eq!(listed["total"], 39);
    let station = app.create_station(&admin, "联络站", "station", None).await;
    let (_, manager) = app.user(&admin, "mgr", "manager", json!({"station_ids": [station]})).await;
    expect_error(import(&app, &manager, "date,kind\n2027-01-01,holiday\n").await, StatusCode::FORBIDDEN, "forbidden")
        .await;
}
