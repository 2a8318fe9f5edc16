//! What schemathesis found against `/api/v1/openapi.json` (scripts/schemathesis.sh), kept as
//! black-box tests: the document declares every answer an operation can give, and values the
//! document allows get an answer rather than a dropped connection.
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{expect, spawn_app};

#[tokio::test]
async fn a_page_number_past_i64_gets_a_clamped_page_not_a_dropped_connection() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let station = app.create_station(&admin, "城关街道人大代表联络站", "station", None).await;
    let body = expect(app.get(&format!("/api/v1/stations/{station}"), &admin).await, StatusCode::OK).await;
    let token = body["public_token"].as_str().unwrap().to_string();

    for page in ["9223372036854775807", "18446744073709551615"] {
        let list =
            expect(app.get(&format!("/api/v1/units?page={page}&per_page=100"), &admin).await, StatusCode::OK).await;
        assert_eq!(list["page"], 1_000_000);
        assert_eq!(list["items"], Value::Array(Vec::new()));
        // The same on the residents' side, where anyone could send it.
        let path = format!("/api/v1/public/stations/{token}/stats?page={page}");
        expect(app.get_anonymous(&path).await, StatusCode::OK).await;
    }
}

#[tokio::test]
async fn every_operation_declares_the_errors_it_can_answer_with_their_body() {
    let app = spawn_app().await;
    let document = expect(app.get_anonymous("/api/v1/openapi.json").await, StatusCode::OK).await;
    let paths = document["paths"].as_object().unwrap();
    let mut operations = 0;
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            let declares = |status: &str| responses.contains_key(status);
            let name = format!("{method} {path}");
            assert!(declares("503"), "{name} does not declare 503");
            let has_input = operation.get("parameters").is_some() || operation.get("requestBody").is_some();
            if has_input {
                for status in ["400", "404", "422"] {
                    assert!(declares(status), "{name} does not declare {status}");
                }
            }
            let signed_in = operation.get("security").and_then(Value::as_array).is_some_and(|s| !s.is_empty());
            if signed_in {
                assert!(declares("401") && declares("403"), "{name} does not declare 401 and 403");
            }
            if operation.get("requestBody").is_some() {
                assert!(declares("413"), "{name} does not declare 413");
            }
            if has_input {
                let schema = &responses["422"]["content"]["application/json"]["schema"]["$ref"];
                assert_eq!(schema, "#/components/schemas/ErrorBody", "{name}");
            }
            operations += 1;
        }
    }
    assert!(operations > 90, "only {operations} operations");
}
