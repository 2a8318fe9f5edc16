use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn health_answers_once_the_database_does() {
    let app = spawn_app().await;
    let response = app.get_anonymous("/healthz").await;
    assert!(response.headers().contains_key("x-request-id"));
    let body = expect(response, StatusCode::OK).await;
    assert_eq!(body, serde_json::json!({"status": "ok"}));
}

#[tokio::test]
async fn migrations_are_idempotent() {
    let app = spawn_app().await;
    // Already migrated at start-up; a second run finds nothing to do and changes nothing.
    liaison::db::migrate(&app.state.db).await.expect("second migration run");
    let token = app.admin_token().await;
    let body = expect(app.get("/api/v1/categories", &token).await, StatusCode::OK).await;
    assert_eq!(body["total"], 7);
}

#[tokio::test]
async fn openapi_describes_every_json_route() {
    let app = spawn_app().await;
    let doc = expect(app.get_anonymous("/api/v1/openapi.json").await, StatusCode::OK).await;
    let paths = doc["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/healthz", "get"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/auth/me", "get"),
        ("/api/v1/auth/password", "post"),
        ("/api/v1/stations", "get"),
        ("/api/v1/stations", "post"),
        ("/api/v1/stations/{id}", "get"),
        ("/api/v1/stations/{id}", "patch"),
        ("/api/v1/deputies", "post"),
        ("/api/v1/deputies/{id}", "patch"),
        ("/api/v1/deputies/{id}/rotate-qr", "post"),
        ("/api/v1/categories", "post"),
        ("/api/v1/units", "post"),
        ("/api/v1/users", "post"),
        ("/api/v1/users/{id}", "patch"),
        ("/api/v1/tiers", "get"),
        ("/api/v1/calendar", "get"),
        ("/api/v1/calendar/{date}", "put"),
        ("/api/v1/calendar/{date}", "delete"),
        ("/api/v1/calendar/import", "post"),
    ] {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} is not documented");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // The documentation page is served from the binary.
    let ui = app.get_anonymous("/api/docs/").await;
    assert_eq!(ui.status(), StatusCode::OK);
    let html = ui.text().await.unwrap();
    assert!(!html.contains("//cdn") && !html.contains("https://"), "Swagger UI must not load anything from elsewhere");
}

#[tokio::test]
async fn unknown_routes_are_json_under_the_api_and_pages_elsewhere() {
    let app = spawn_app().await;
    expect_error(app.get_anonymous("/api/v1/nothing-here").await, StatusCode::NOT_FOUND, "not_found").await;
    let page = app.get_anonymous("/nothing-here").await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("页面不存在"), "{html}");
}

#[tokio::test]
async fn security_headers_are_set() {
    let app = spawn_app().await;
    let response = app.get_anonymous("/login").await;
    let headers = response.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert!(!headers.contains_key("strict-transport-security"), "no HSTS over plain http");
}

/// Readiness is the database answering at this binary's migration level; liveness is the
/// process serving at all. Found by the penetration test: with an empty database of the same
/// name `/healthz` answered 200 while every route failed.
#[tokio::test]
async fn readiness_checks_the_migration_level_and_liveness_does_not() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    assert_eq!(expect(app.get_anonymous("/livez").await, StatusCode::OK).await["status"], "ok");
    let db = &app.state.db;
    // As if the database were one migration behind this binary.
    let last = "m20261207_000015_submission_fingerprint";
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT applied_at FROM seaql_migrations WHERE version = '{last}'"),
        ))
        .await
        .unwrap()
        .unwrap();
    let applied_at: i64 = row.try_get("", "applied_at").unwrap();
    db.execute_unprepared(&format!("DELETE FROM seaql_migrations WHERE version = '{last}'")).await.unwrap();
    let response = app.get_anonymous("/healthz").await;
    assert!(response.headers().contains_key("retry-after"));
    let body = expect(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["status"], "migrations_pending");
    assert_eq!(app.get_anonymous("/livez").await.status(), StatusCode::OK, "alive all the same");
    let restore = format!("INSERT INTO seaql_migrations (version, applied_at) VALUES ('{last}', {applied_at})");
    db.execute_unprepared(&restore).await.unwrap();
    assert_eq!(app.get_anonymous("/healthz").await.status(), StatusCode::OK);
}
