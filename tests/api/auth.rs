use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn sign_in_returns_a_token_and_the_user() {
    let app = spawn_app().await;
    let body = expect(app.login("admin", ADMIN_PASSWORD).await, StatusCode::OK).await;
    assert!(body["token"].as_str().unwrap().split('.').count() == 3);
    assert_eq!(body["user"]["username"], "admin");
    assert_eq!(body["user"]["role"], "admin");
    assert!(body["user"]["id"].is_i64());
    let expires: chrono::DateTime<chrono::Utc> = body["expires_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires, start_time() + Duration::hours(12));
    // Usernames are not case-sensitive.
    expect(app.login("ADMIN", ADMIN_PASSWORD).await, StatusCode::OK).await;
}

#[tokio::test]
async fn wrong_password_and_unknown_user_are_the_same_401() {
    let app = spawn_app().await;
    let wrong =
        expect_error(app.login("admin", "not-the-password").await, StatusCode::UNAUTHORIZED, "invalid_credentials")
            .await;
    let unknown =
        expect_error(app.login("nobody", "not-the-password").await, StatusCode::UNAUTHORIZED, "invalid_credentials")
            .await;
    assert_eq!(wrong["message"], unknown["message"]);
    expect_error(app.login("", "").await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn calls_without_a_valid_token_are_401() {
    let app = spawn_app().await;
    let response = app.get_anonymous("/api/v1/stations").await;
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    expect_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    expect_error(app.get("/api/v1/stations", "not-a-jwt").await, StatusCode::UNAUTHORIZED, "invalid_token").await;
    let response =
        app.client.get(app.url("/api/v1/stations")).header("Authorization", "Basic YWRtaW46eA==").send().await.unwrap();
    expect_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn tampered_tokens_are_refused() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    // Claim to be someone else, keep the signature.
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut claims: Value = serde_json::from_slice(&engine.decode(&parts[1]).unwrap()).unwrap();
    claims["sub"] = json!("2");
    claims["exp"] = json!(4_000_000_000i64);
    parts[1] = engine.encode(claims.to_string());
    expect_error(app.get("/api/v1/stations", &parts.join(".")).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
    // alg=none with the same claims.
    let none = format!("{}.{}.", engine.encode(r#"{"alg":"none","typ":"JWT"}"#), parts[1]);
    expect_error(app.get("/api/v1/stations", &none).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn tokens_expire_by_the_clock() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    expect(app.get("/api/v1/auth/me", &token).await, StatusCode::OK).await;
    app.clock.advance(Duration::hours(12) + Duration::seconds(1));
    expect_error(app.get("/api/v1/auth/me", &token).await, StatusCode::UNAUTHORIZED, "token_expired").await;
}

#[tokio::test]
async fn deputies_stay_signed_in_for_a_week() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let station = app.create_station(&admin, "东门联络站", "station", None).await;
    let deputy = app.create_deputy(&admin, "王五", station).await;
    let (_, token) = app.user(&admin, "wangwu", "deputy", json!({"deputy_id": deputy["id"]})).await;
    app.clock.advance(Duration::days(6));
    expect(app.get("/api/v1/auth/me", &token).await, StatusCode::OK).await;
    app.clock.advance(Duration::days(1) + Duration::seconds(1));
    expect_error(app.get("/api/v1/auth/me", &token).await, StatusCode::UNAUTHORIZED, "token_expired").await;
}

#[tokio::test]
async fn sign_out_ends_the_session_and_everywhere_ends_all() {
    let app = spawn_app().await;
    let first = app.admin_token().await;
    let second = app.admin_token().await;
    let response = app.client.post(app.url("/api/v1/auth/logout")).bearer_auth(&first).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    expect_error(app.get("/api/v1/auth/me", &first).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
    expect(app.get("/api/v1/auth/me", &second).await, StatusCode::OK).await;
    let third = app.admin_token().await;
    let response = app.post("/api/v1/auth/logout", &third, &json!({"everywhere": true})).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    expect_error(app.get("/api/v1/auth/me", &second).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions() {
    let app = spawn_app().await;
    let elsewhere = app.admin_token().await;
    let here = app.admin_token().await;
    let wrong = app
        .post(
            "/api/v1/auth/password",
            &here,
            &json!({"current_password": "nope-nope", "new_password": "a-new-password-2"}),
        )
        .await;
    expect_error(wrong, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let weak = app
        .post("/api/v1/auth/password", &here, &json!({"current_password": ADMIN_PASSWORD, "new_password": "short"}))
        .await;
    expect_error(weak, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let ok = app
        .post(
            "/api/v1/auth/password",
            &here,
            &json!({"current_password": ADMIN_PASSWORD, "new_password": "a-new-password-2"}),
        )
        .await;
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    expect(app.get("/api/v1/auth/me", &here).await, StatusCode::OK).await;
    expect_error(app.get("/api/v1/auth/me", &elsewhere).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
    expect_error(app.login("admin", ADMIN_PASSWORD).await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    expect(app.login("admin", "a-new-password-2").await, StatusCode::OK).await;
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_account() {
    let app = spawn_app().await;
    for _ in 0..5 {
        expect_error(app.login("admin", "wrong-password").await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    // Now even the right password waits.
    let response = app.login("admin", ADMIN_PASSWORD).await;
    let retry: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 15 * 60, "retry after {retry}");
    expect_error(response, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    // Another account from the same address is not locked by this one.
    let admin_session = {
        app.clock.advance(Duration::minutes(16));
        app.admin_token().await
    };
    expect(app.get("/api/v1/auth/me", &admin_session).await, StatusCode::OK).await;
    // The failures and the lock-out are in the audit log.
    let failed: Value =
        expect(app.get("/api/v1/audit?action=sign_in_failed", &admin_session).await, StatusCode::OK).await;
    assert_eq!(failed["total"], 5);
    assert_eq!(failed["items"][0]["username"], "admin");
    let locked: Value =
        expect(app.get("/api/v1/audit?action=sign_in_locked", &admin_session).await, StatusCode::OK).await;
    assert_eq!(locked["total"], 1);
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_address() {
    let app = spawn_app().await;
    for i in 0..20 {
        let response = app.login(&format!("guess{i}"), "wrong-password").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    expect_error(app.login("admin", ADMIN_PASSWORD).await, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    app.clock.advance(Duration::minutes(16));
    expect(app.login("admin", ADMIN_PASSWORD).await, StatusCode::OK).await;
}

#[tokio::test]
async fn disabled_accounts_cannot_sign_in_and_lose_their_sessions() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let unit = app.create_unit(&admin, "区城管局").await;
    let (id, token) = app.user(&admin, "handler1", "handler", json!({"unit_id": unit})).await;
    expect(app.patch(&format!("/api/v1/users/{id}"), &admin, &json!({"active": false})).await, StatusCode::OK).await;
    expect_error(app.get("/api/v1/auth/me", &token).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
    expect_error(app.login("handler1", PASSWORD).await, StatusCode::FORBIDDEN, "forbidden").await;
}
