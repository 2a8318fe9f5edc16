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

/// Found by the penetration test: on PostgreSQL a NUL byte in a search, a filter or a
/// sign-in name was a 500. Control characters are refused at the edge, for every kind of
/// input, on both engines, with a 422 that names the input.
#[tokio::test]
async fn control_characters_are_refused_at_the_edge() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for path in ["/api/v1/cases?q=%00", "/api/v1/users?q=%00", "/api/v1/audit?action=%00", "/api/v1/cases?q=a%01b"] {
        let error =
            expect_error(app.get(path, &admin).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(error["fields"][0]["field"], "query", "{path}: {error}");
    }
    let login =
        app.client.post(app.url("/api/v1/auth/login")).json(&json!({"username": "adm\u{0}in", "password": "x"}));
    let error = expect_error(login.send().await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(error["fields"][0]["message"].as_str().unwrap().starts_with("username "), "{error}");
    // An escaped backslash before u0000 is text, not a NUL.
    let text = app.client.post(app.url("/api/v1/auth/login")).header("content-type", "application/json");
    let literal = text.body(r#"{"username":"C:\\u0000","password":"x"}"#).send().await.unwrap();
    assert_eq!(literal.status(), StatusCode::UNAUTHORIZED);
    // Pages: the sign-in form and the queue's search.
    let browser = Browser::new();
    let page = browser.client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_from(&page);
    let form = [("csrf", csrf.as_str()), ("username", "adm\u{0}in"), ("password", "x")];
    let response = browser.client.post(app.url("/login")).form(&form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.headers()["content-type"].to_str().unwrap().contains("html"));
    sign_in(&app, &browser, "admin", ADMIN_PASSWORD).await;
    let response = browser.client.get(app.url("/app/cases?q=%00")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("<html"), "a page, not JSON");
    // The resident's multipart form too.
    let station = app.create_station(&admin, "联络站", "station", None).await;
    let deputy = app.create_deputy(&admin, "王五", station).await;
    let form = reqwest::multipart::Form::new().text("content", "路灯坏了\u{0}很久").text("consent", "1");
    let qr = deputy["qr_token"].as_str().unwrap();
    let response = app.client.post(app.url(&format!("/d/{qr}"))).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(expect(app.get("/api/v1/cases", &admin).await, StatusCode::OK).await["total"], 0);
}

/// Found by the penetration test: on SQLite a search of 50,001 characters was a 500 ("LIKE
/// or GLOB pattern too complex"). Every query parameter is bounded, with a 422 naming it.
#[tokio::test]
async fn query_parameters_are_bounded_and_named() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let ok = app.get(&format!("/api/v1/cases?q={}", "路".repeat(200)), &admin).await;
    assert_eq!(ok.status(), StatusCode::OK);
    for long in [201, 50_001] {
        let error = expect_error(
            app.get(&format!("/api/v1/cases?q={}", "a".repeat(long)), &admin).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(error["fields"][0]["message"], "q must be at most 200 characters", "{error}");
    }
    let browser = Browser::new();
    sign_in(&app, &browser, "admin", ADMIN_PASSWORD).await;
    let response = browser.client.get(app.url(&format!("/app/cases?q={}", "a".repeat(50_001)))).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The search box says so before anyone sends it.
    let page = browser.client.get(app.url("/app/cases")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("name=\"q\"") && page.contains("maxlength=\"200\""), "the search box is bounded");
}

/// Found by the penetration test: a JSON number in `contact_phone` was echoed in the 400 and
/// in the log. Errors never repeat a value the client sent.
#[tokio::test]
async fn decoding_errors_repeat_no_value() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let station = app.create_station(&admin, "联络站", "station", None).await;
    let deputy = app.create_deputy(&admin, "王五", station).await;
    let body = json!({"qr_token": deputy["qr_token"], "category_id": 1, "content": "路灯坏了很久了。", "contact_phone": 13912345678_i64, "consent": true});
    let response = app.client.post(app.url("/api/v1/public/submissions")).json(&body).send().await.unwrap();
    let error = expect_error(response, StatusCode::BAD_REQUEST, "bad_request").await;
    let message = error["message"].as_str().unwrap();
    assert!(!message.contains("13912345678") && !message.contains("1234567"), "{message}");
    assert!(message.contains("invalid type: integer, expected a string"), "{message}");
    for path in ["/api/v1/cases?status=13912345678", "/api/v1/cases?page=13912345678x"] {
        let response = app.get(path, &admin).await;
        assert!(response.status().is_client_error(), "{path}");
        let text = response.text().await.unwrap();
        assert!(!text.contains("13912345678"), "{path}: {text}");
    }
}
