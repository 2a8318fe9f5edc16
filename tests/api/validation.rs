use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn every_problem_is_reported_with_its_field() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let body = json!({"name": "  ", "kind": "castle", "contact_phone": "12345", "address": "路".repeat(201)});
    let error = expect_error(
        app.post("/api/v1/stations", &admin, &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let fields: Vec<(&str, &str)> = error["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].as_str().unwrap(), f["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        vec![("name", "required"), ("kind", "invalid"), ("address", "too_long"), ("contact_phone", "invalid")]
    );
    // Nothing was stored.
    let list = expect(app.get("/api/v1/stations", &admin).await, StatusCode::OK).await;
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn deputies_are_validated() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let station = app.create_station(&admin, "联络站", "station", None).await;
    let bad = json!({"name": "王".repeat(51), "level": "galactic", "station_id": station, "phone": "138-0000", "birth_month": "1975-13"});
    let error = expect_error(
        app.post("/api/v1/deputies", &admin, &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> = error["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["name", "level", "phone", "birth_month"]);
    let unknown_station = json!({"name": "王五", "level": "county", "station_id": 9999});
    expect_error(
        app.post("/api/v1/deputies", &admin, &unknown_station).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // Phones in any common spelling are stored in one form.
    let ok = json!({"name": "王五", "level": "county", "station_id": station, "phone": "+86 138 1234 5678", "birth_month": "1975-03"});
    let created = expect(app.post("/api/v1/deputies", &admin, &ok).await, StatusCode::CREATED).await;
    assert_eq!(created["phone"], "13812345678");
}

#[tokio::test]
async fn malformed_and_oversized_bodies() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let response = app
        .client
        .post(app.url("/api/v1/stations"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::BAD_REQUEST, "bad_request").await;
    let missing = app.post("/api/v1/stations", &admin, &json!({"kind": "station"})).await;
    expect_error(missing, StatusCode::BAD_REQUEST, "bad_request").await;
    let huge = json!({"name": "x".repeat(70 * 1024), "kind": "station"});
    expect_error(app.post("/api/v1/stations", &admin, &huge).await, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
        .await;
    expect_error(app.get("/api/v1/stations/not-a-number", &admin).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(app.get("/api/v1/stations/424242", &admin).await, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn html_in_text_is_stored_as_text() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let name = "<script>alert(1)</script>联络站";
    let created = app.create("/api/v1/stations", &admin, json!({"name": name, "kind": "station"})).await;
    assert_eq!(created["name"], name, "the API returns the text as typed; pages escape it");
}
