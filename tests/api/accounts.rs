//! The demo data set and administrator bootstrap, as `liaison demo` and `liaison admin
//! create` run them.
use chrono::Utc;
use liaison::domain::account::{NewPassword, Username};
use liaison::services::organisation::accounts;
use liaison::services::seed::demo;
use reqwest::StatusCode;
use sea_orm::TransactionTrait;

use crate::helpers::*;

#[tokio::test]
async fn the_demo_fills_an_empty_database_with_every_role() {
    let app = spawn_app().await;
    let txn = app.state.db.begin().await.unwrap();
    let summary = demo::seed(&txn, &app.state.hasher, Utc::now()).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(summary.stations, 6);
    assert_eq!(summary.deputies, 8);
    let roles: Vec<&str> = summary.accounts.iter().map(|a| a.role.as_str()).collect();
    assert_eq!(roles, vec!["admin", "manager", "deputy", "handler", "viewer"]);
    for account in &summary.accounts {
        expect(app.login(account.username, demo::DEMO_PASSWORD).await, StatusCode::OK).await;
    }
    let manager = app.token("manager", demo::DEMO_PASSWORD).await;
    let stations = expect(app.get("/api/v1/stations", &manager).await, StatusCode::OK).await;
    assert_eq!(stations["total"], 3, "one station with its point and grid");
    let admin = app.token("admin", demo::DEMO_PASSWORD).await;
    let deputies = expect(app.get("/api/v1/deputies?per_page=100", &admin).await, StatusCode::OK).await;
    let mut levels: Vec<String> =
        deputies["items"].as_array().unwrap().iter().map(|d| d["level"].as_str().unwrap().to_string()).collect();
    levels.sort();
    levels.dedup();
    assert_eq!(levels.len(), 5, "all five levels");
    // A second run refuses rather than duplicating.
    let again = demo::seed(&app.state.db, &app.state.hasher, Utc::now()).await;
    assert!(again.is_err());
}

#[tokio::test]
async fn admin_create_resets_an_existing_administrator() {
    let app = spawn_app().await;
    let old_session = app.admin_token().await;
    let (_, created) = accounts::ensure_admin(
        &app.state.db,
        &app.state.hasher,
        Utc::now(),
        Username::parse("admin").unwrap(),
        NewPassword::parse("password", "brand-new-pass-9").unwrap(),
    )
    .await
    .unwrap();
    assert!(!created);
    expect_error(app.get("/api/v1/auth/me", &old_session).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
    expect(app.login("admin", "brand-new-pass-9").await, StatusCode::OK).await;
}
