//! Each role's allowed and denied calls on the administration routes.
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

struct World {
    app: TestApp,
    admin: String,
    manager: String,
    deputy: String,
    handler: String,
    viewer: String,
    global_viewer: String,
    station_a: i64,
    point_a: i64,
    station_b: i64,
    deputy_a: i64,
    deputy_a2: i64,
    deputy_b: i64,
    unit: i64,
}

async fn world() -> World {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let station_a = app.create_station(&admin, "城关联络站", "station", None).await;
    let point_a = app.create_station(&admin, "幸福社区联络点", "point", Some(station_a)).await;
    let station_b = app.create_station(&admin, "河西联络站", "station", None).await;
    let deputy_a = app.create_deputy(&admin, "王建国", point_a).await["id"].as_i64().unwrap();
    let deputy_a2 = app.create_deputy(&admin, "李秀英", station_a).await["id"].as_i64().unwrap();
    let deputy_b = app.create_deputy(&admin, "陈明", station_b).await["id"].as_i64().unwrap();
    let unit = app.create_unit(&admin, "区住建局").await;
    let (_, manager) = app.user(&admin, "manager-a", "manager", json!({"station_ids": [station_a]})).await;
    let (_, deputy) = app.user(&admin, "deputy-a", "deputy", json!({"deputy_id": deputy_a})).await;
    let (_, handler) = app.user(&admin, "handler-u", "handler", json!({"unit_id": unit})).await;
    let (_, viewer) = app.user(&admin, "viewer-a", "viewer", json!({"station_ids": [station_a]})).await;
    let (_, global_viewer) = app.user(&admin, "viewer-all", "viewer", json!({})).await;
    World {
        app,
        admin,
        manager,
        deputy,
        handler,
        viewer,
        global_viewer,
        station_a,
        point_a,
        station_b,
        deputy_a,
        deputy_a2,
        deputy_b,
        unit,
    }
}

fn ids(body: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = body["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn station_reads_are_scoped_by_role() {
    let w = world().await;
    let all = vec![w.station_a, w.point_a, w.station_b];
    let mine = vec![w.station_a, w.point_a];
    for (token, expected) in [
        (&w.admin, &all),
        (&w.manager, &mine),
        (&w.viewer, &mine),
        (&w.global_viewer, &all),
        (&w.deputy, &mine),
        (&w.handler, &all),
    ] {
        let body = expect(w.app.get("/api/v1/stations", token).await, StatusCode::OK).await;
        assert_eq!(&ids(&body), expected);
        assert_eq!(body["total"], expected.len());
    }
    let b = format!("/api/v1/stations/{}", w.station_b);
    for token in [&w.manager, &w.viewer, &w.deputy] {
        expect_error(w.app.get(&b, token).await, StatusCode::NOT_FOUND, "not_found").await;
    }
    expect(w.app.get(&b, &w.admin).await, StatusCode::OK).await;
}

#[tokio::test]
async fn only_admins_create_stations_and_managers_add_points_under_their_own() {
    let w = world().await;
    let top = json!({"name": "新联络站", "kind": "station"});
    for token in [&w.manager, &w.deputy, &w.handler, &w.viewer] {
        expect_error(w.app.post("/api/v1/stations", token, &top).await, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let point = json!({"name": "新联络点", "kind": "point", "parent_id": w.station_a});
    let created = expect(w.app.post("/api/v1/stations", &w.manager, &point).await, StatusCode::CREATED).await;
    assert_eq!(created["kind"], "point");
    assert_eq!(created["public_token"].as_str().unwrap().len(), 16);
    assert!(
        created["public_url"].as_str().unwrap().ends_with(&format!("/s/{}", created["public_token"].as_str().unwrap()))
    );
    expect_error(w.app.post("/api/v1/stations", &w.viewer, &point).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(w.app.post("/api/v1/stations", &w.deputy, &point).await, StatusCode::FORBIDDEN, "forbidden").await;
    // Station B is not theirs: as far as the manager knows it does not exist.
    let elsewhere = json!({"name": "外站联络点", "kind": "point", "parent_id": w.station_b});
    let body = expect_error(
        w.app.post("/api/v1/stations", &w.manager, &elsewhere).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(body["fields"][0]["field"], "parent_id");
    // A grid under a grid is not a thing.
    let grid = w.app.create_station(&w.manager, "一网格", "grid", Some(w.point_a)).await;
    let nested = json!({"name": "网格下的网格", "kind": "grid", "parent_id": grid});
    expect_error(
        w.app.post("/api/v1/stations", &w.manager, &nested).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

#[tokio::test]
async fn station_updates_need_management() {
    let w = world().await;
    let a = format!("/api/v1/stations/{}", w.station_a);
    let body = expect(
        w.app.patch(&a, &w.manager, &json!({"address": "人民路1号", "reception_days": "每周三"})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["address"], "人民路1号");
    let body = expect(w.app.patch(&a, &w.manager, &json!({"address": null})).await, StatusCode::OK).await;
    assert!(body["address"].is_null());
    assert_eq!(body["reception_days"], "每周三", "fields left out stay as they were");
    expect_error(w.app.patch(&a, &w.viewer, &json!({"name": "x"})).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(w.app.patch(&a, &w.deputy, &json!({"name": "x"})).await, StatusCode::FORBIDDEN, "forbidden").await;
    let b = format!("/api/v1/stations/{}", w.station_b);
    expect_error(w.app.patch(&b, &w.manager, &json!({"name": "x"})).await, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn deputy_records_are_scoped_and_contacts_masked() {
    let w = world().await;
    let body = expect(w.app.get("/api/v1/deputies", &w.manager).await, StatusCode::OK).await;
    assert_eq!(ids(&body), vec![w.deputy_a, w.deputy_a2]);
    assert_eq!(body["items"][0]["phone"], "13812341234");
    let body = expect(w.app.get("/api/v1/deputies", &w.viewer).await, StatusCode::OK).await;
    assert_eq!(body["items"][0]["phone"], "138****1234");
    assert_eq!(body["items"][0]["phone_masked"], true);
    let body = expect(w.app.get("/api/v1/deputies", &w.deputy).await, StatusCode::OK).await;
    assert_eq!(ids(&body), vec![w.deputy_a], "a deputy lists only their own record");
    expect_error(
        w.app.get(&format!("/api/v1/deputies/{}", w.deputy_a2), &w.deputy).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_error(
        w.app.get(&format!("/api/v1/deputies/{}", w.deputy_b), &w.manager).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let all = expect(w.app.get("/api/v1/deputies?per_page=100", &w.admin).await, StatusCode::OK).await;
    assert_eq!(all["total"], 3);
    let filtered =
        expect(w.app.get(&format!("/api/v1/deputies?station_id={}", w.station_b), &w.admin).await, StatusCode::OK)
            .await;
    assert_eq!(ids(&filtered), vec![w.deputy_b]);
    let searched = expect(w.app.get("/api/v1/deputies?q=%E7%8E%8B", &w.admin).await, StatusCode::OK).await;
    assert_eq!(ids(&searched), vec![w.deputy_a], "search by 王");
}

#[tokio::test]
async fn deputy_writes_by_role() {
    let w = world().await;
    let new = json!({"name": "赵六", "level": "township", "station_id": w.point_a});
    let created = expect(w.app.post("/api/v1/deputies", &w.manager, &new).await, StatusCode::CREATED).await;
    assert_eq!(created["qr_token"].as_str().unwrap().len(), 16);
    for token in [&w.deputy, &w.handler, &w.viewer] {
        expect_error(w.app.post("/api/v1/deputies", token, &new).await, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let elsewhere = json!({"name": "赵六", "level": "township", "station_id": w.station_b});
    expect_error(
        w.app.post("/api/v1/deputies", &w.manager, &elsewhere).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // A deputy edits their own contact details but not their level or station.
    let own = format!("/api/v1/deputies/{}", w.deputy_a);
    let body = expect(
        w.app.patch(&own, &w.deputy, &json!({"phone": "13900001111", "occupation": "社区书记"})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["phone"], "13900001111");
    expect_error(w.app.patch(&own, &w.deputy, &json!({"level": "national"})).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
    expect_error(w.app.patch(&own, &w.viewer, &json!({"occupation": "x"})).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
    // Moving a deputy to a station the manager does not manage.
    let body = w.app.patch(&own, &w.manager, &json!({"station_id": w.station_b})).await;
    expect_error(body, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn rotating_a_qr_code_issues_a_new_token() {
    let w = world().await;
    let path = format!("/api/v1/deputies/{}", w.deputy_a);
    let before = expect(w.app.get(&path, &w.manager).await, StatusCode::OK).await;
    let after = expect(w.app.post(&format!("{path}/rotate-qr"), &w.manager, &json!({})).await, StatusCode::OK).await;
    assert_ne!(before["qr_token"], after["qr_token"]);
    assert!(after["qr_rotated_at"].is_string());
    expect_error(
        w.app.post(&format!("{path}/rotate-qr"), &w.viewer, &json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_error(
        w.app.post(&format!("/api/v1/deputies/{}/rotate-qr", w.deputy_b), &w.manager, &json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // The old token still leads somewhere: the deputy's station.
    let old = before["qr_token"].as_str().unwrap();
    match liaison::services::organisation::deputies::resolve_qr_token(&w.app.state.db, old).await.unwrap() {
        Some(liaison::services::organisation::deputies::QrTarget::Retired { station_id }) => {
            assert_eq!(station_id as i64, w.point_a)
        }
        _ => panic!("the old token should be retired to the station"),
    }
}

#[tokio::test]
async fn units_and_categories_are_read_by_all_and_written_by_admins() {
    let w = world().await;
    for token in [&w.admin, &w.manager, &w.deputy, &w.handler, &w.viewer] {
        let body = expect(w.app.get("/api/v1/categories", token).await, StatusCode::OK).await;
        assert_eq!(body["total"], 7);
        expect(w.app.get("/api/v1/units", token).await, StatusCode::OK).await;
        expect(w.app.get("/api/v1/tiers", token).await, StatusCode::OK).await;
    }
    for token in [&w.manager, &w.deputy, &w.handler, &w.viewer] {
        expect_error(
            w.app.post("/api/v1/units", token, &json!({"name": "某局"})).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        expect_error(
            w.app.post("/api/v1/categories", token, &json!({"name": "某类"})).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        expect_error(
            w.app.patch(&format!("/api/v1/units/{}", w.unit), token, &json!({"name": "改名"})).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    let category = expect(
        w.app
            .post(
                "/api/v1/categories",
                &w.admin,
                &json!({"name": "物业管理", "default_tier": "week", "default_unit_id": w.unit}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(category["default_tier"], "week");
    assert_eq!(category["default_unit_id"], w.unit);
    expect_error(
        w.app.post("/api/v1/categories", &w.admin, &json!({"name": "物业管理"})).await,
        StatusCode::CONFLICT,
        "already_exists",
    )
    .await;
    expect_error(
        w.app.post("/api/v1/categories", &w.admin, &json!({"name": "新类", "default_unit_id": 9999})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let tiers = expect(w.app.get("/api/v1/tiers", &w.admin).await, StatusCode::OK).await;
    assert_eq!(tiers[1]["code"], "week");
    assert_eq!(tiers[1]["resolve_days"], 5);
    assert_eq!(tiers[2]["resolve_days"], 22);
}

#[tokio::test]
async fn managers_administer_deputy_and_viewer_accounts_of_their_stations_only() {
    let w = world().await;
    let for_a = json!({"username": "wang", "password": PASSWORD, "role": "deputy", "deputy_id": w.deputy_a2});
    let created = expect(w.app.post("/api/v1/users", &w.manager, &for_a).await, StatusCode::CREATED).await;
    assert_eq!(created["deputy_id"], w.deputy_a2);
    let for_b = json!({"username": "chen", "password": PASSWORD, "role": "deputy", "deputy_id": w.deputy_b});
    expect_error(w.app.post("/api/v1/users", &w.manager, &for_b).await, StatusCode::FORBIDDEN, "forbidden").await;
    for role in ["admin", "manager", "handler"] {
        let body = json!({"username": format!("x-{role}"), "password": PASSWORD, "role": role, "station_ids": [w.station_a], "unit_id": w.unit});
        expect_error(w.app.post("/api/v1/users", &w.manager, &body).await, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let viewer_b =
        json!({"username": "viewer-b", "password": PASSWORD, "role": "viewer", "station_ids": [w.station_b]});
    expect_error(w.app.post("/api/v1/users", &w.manager, &viewer_b).await, StatusCode::FORBIDDEN, "forbidden").await;
    let viewer_all = json!({"username": "viewer-x", "password": PASSWORD, "role": "viewer"});
    expect_error(
        w.app.post("/api/v1/users", &w.manager, &viewer_all).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // The second account for one deputy is refused.
    let again = json!({"username": "wang2", "password": PASSWORD, "role": "deputy", "deputy_id": w.deputy_a2});
    expect_error(w.app.post("/api/v1/users", &w.admin, &again).await, StatusCode::CONFLICT, "already_exists").await;

    let listed = expect(w.app.get("/api/v1/users?per_page=100", &w.manager).await, StatusCode::OK).await;
    let names: Vec<&str> =
        listed["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert!(
        names.contains(&"wang")
            && names.contains(&"deputy-a")
            && names.contains(&"viewer-a")
            && names.contains(&"manager-a"),
        "{names:?}"
    );
    assert!(!names.contains(&"admin") && !names.contains(&"handler-u") && !names.contains(&"viewer-all"), "{names:?}");
    let all = expect(w.app.get("/api/v1/users?per_page=100", &w.admin).await, StatusCode::OK).await;
    assert_eq!(all["total"], 7);
    for token in [&w.deputy, &w.handler, &w.viewer] {
        expect_error(w.app.get("/api/v1/users", token).await, StatusCode::FORBIDDEN, "forbidden").await;
        expect_error(w.app.post("/api/v1/users", token, &for_a).await, StatusCode::FORBIDDEN, "forbidden").await;
    }
    expect_error(w.app.get("/api/v1/users/1", &w.manager).await, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn users_are_validated_and_updated() {
    let w = world().await;
    let bad = json!({"username": "x", "password": "short", "role": "boss"});
    let body = expect_error(
        w.app.post("/api/v1/users", &w.admin, &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["username", "password", "role"]);
    let handler_without_unit = json!({"username": "h2", "password": PASSWORD, "role": "handler"});
    expect_error(
        w.app.post("/api/v1/users", &w.admin, &handler_without_unit).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let taken = json!({"username": "manager-a", "password": PASSWORD, "role": "viewer"});
    expect_error(w.app.post("/api/v1/users", &w.admin, &taken).await, StatusCode::CONFLICT, "already_exists").await;

    let me = expect(w.app.get("/api/v1/auth/me", &w.manager).await, StatusCode::OK).await;
    let id = me["id"].as_i64().unwrap();
    // An admin moves the manager to station B; the old token now sees B.
    let body = expect(
        w.app.patch(&format!("/api/v1/users/{id}"), &w.admin, &json!({"station_ids": [w.station_b]})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["station_ids"], json!([w.station_b]));
    let stations = expect(w.app.get("/api/v1/stations", &w.manager).await, StatusCode::OK).await;
    assert_eq!(ids(&stations), vec![w.station_b]);
    // Nobody raises their own role.
    expect_error(
        w.app.patch(&format!("/api/v1/users/{id}"), &w.manager, &json!({"role": "admin"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // An admin cannot lock themself out.
    let admin_id = expect(w.app.get("/api/v1/auth/me", &w.admin).await, StatusCode::OK).await["id"].as_i64().unwrap();
    expect_error(
        w.app.patch(&format!("/api/v1/users/{admin_id}"), &w.admin, &json!({"active": false})).await,
        StatusCode::CONFLICT,
        "last_admin_guard",
    )
    .await;
}

#[tokio::test]
async fn lists_paginate() {
    let w = world().await;
    for i in 0..23 {
        w.app.create_unit(&w.admin, &format!("单位{i:02}")).await;
    }
    let first = expect(w.app.get("/api/v1/units?per_page=10", &w.admin).await, StatusCode::OK).await;
    assert_eq!(first["total"], 24);
    assert_eq!(first["page"], 1);
    assert_eq!(first["per_page"], 10);
    assert_eq!(first["items"].as_array().unwrap().len(), 10);
    let third = expect(w.app.get("/api/v1/units?per_page=10&page=3", &w.admin).await, StatusCode::OK).await;
    assert_eq!(third["items"].as_array().unwrap().len(), 4);
    let beyond = expect(w.app.get("/api/v1/units?per_page=10&page=9", &w.admin).await, StatusCode::OK).await;
    assert_eq!(beyond["items"].as_array().unwrap().len(), 0);
    let clamped = expect(w.app.get("/api/v1/units?per_page=1000", &w.admin).await, StatusCode::OK).await;
    assert_eq!(clamped["per_page"], 100);
    let searched = expect(w.app.get("/api/v1/units?q=%E5%8D%95%E4%BD%8D0", &w.admin).await, StatusCode::OK).await;
    assert_eq!(searched["total"], 10, "单位00…单位09");
    expect_error(w.app.get("/api/v1/units?page=abc", &w.admin).await, StatusCode::BAD_REQUEST, "bad_request").await;
}
