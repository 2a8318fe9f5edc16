//! Crash safety: the real server is killed (SIGKILL) in the middle of a burst of submissions and
//! started again on the same database. Everything it acknowledged is there, whole; nothing is
//! half-written.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use liaison::entities::{case, case_event, case_photo};
use liaison::photos::{PhotoStore, Variant};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::child::{self, Server};
use crate::intake::scene;

const TASKS: u32 = 8;

/// What one resident's phone was told.
struct Acknowledged {
    code: String,
    with_photo: bool,
}

#[tokio::test]
async fn acknowledged_submissions_survive_a_sigkill_mid_burst() {
    // The in-process app makes the database (a fresh PostgreSQL one when TEST_DATABASE_URL is
    // set), the station, deputy and category; the real binary serves it.
    let s = scene().await;
    let engine = if s.app.database_url.starts_with("sqlite") { "SQLite" } else { "PostgreSQL" };
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), Some(&s.app.database_url));
    let qr = s.qr();
    let category = s.week_category;

    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged_so_far = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()
            .unwrap();
        let (api, form_url) = (server.url("/api/v1/public/submissions"), server.url(&format!("/d/{qr}")));
        let (stop, counter, qr) = (stop.clone(), acknowledged_so_far.clone(), qr.clone());
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            let mut n = 0u32;
            // Until the server is gone (a refused or broken connection) or time is up.
            while Instant::now() < deadline {
                let with_photo = n % 2 == 1;
                let content = format!("第{task}组第{n}条：楼道灯坏了，请尽快修理。");
                let sent = if with_photo {
                    let form = child::form(category, &content, Some(child::jpeg(task * 100_000 + n)));
                    client.post(&form_url).multipart(form).send().await
                } else {
                    let body = json!({"qr_token": qr, "category_id": category, "content": content, "consent": true});
                    client.post(&api).json(&body).send().await
                };
                n += 1;
                let Ok(response) = sent else {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    continue;
                };
                let code = match response.status() {
                    StatusCode::SEE_OTHER => child::code_from_redirect(&response),
                    StatusCode::CREATED => match response.json::<serde_json::Value>().await {
                        Ok(body) => body["tracking_code"].as_str().map(str::to_string),
                        // The answer was cut off by the kill: not acknowledged.
                        Err(_) => None,
                    },
                    other => panic!("unexpected {other} before the kill"),
                };
                if let Some(code) = code {
                    acknowledged.push(Acknowledged { code, with_photo });
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            }
            (acknowledged, n)
        }));
    }

    // Let the burst run for a moment (at least 1 s, until 150 are acknowledged or 3 s have passed), then pull the plug.
    let burst_started = Instant::now();
    while acknowledged_so_far.load(Ordering::Relaxed) < 150 && burst_started.elapsed() < Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    while burst_started.elapsed() < Duration::from_secs(1) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::Relaxed);
    server.kill();
    let mut acknowledged = Vec::new();
    let mut sent = 0;
    for task in tasks {
        let (mine, n) = task.await.unwrap();
        acknowledged.extend(mine);
        sent += n;
    }
    assert!(!acknowledged.is_empty(), "the burst got nothing acknowledged before the kill");

    let server = Server::start(data.path(), Some(&s.app.database_url));
    let client = reqwest::Client::new();
    let store = PhotoStore::new(data.path().join("photos"));
    let db = &s.app.state.db;
    let mut photos_checked = 0;
    for ack in &acknowledged {
        let response =
            client.get(server.url(&format!("/api/v1/public/submissions/{}", ack.code))).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "acknowledged case {} is lost", ack.code);
        let view: serde_json::Value = response.json().await.unwrap();
        assert_eq!(view["status"], "submitted");
        assert_eq!(view["timeline"][0]["status"], "submitted", "{} has its first event: {view}", ack.code);
        if ack.with_photo {
            let stored =
                case::Entity::find().filter(case::Column::TrackingCode.eq(&ack.code)).one(db).await.unwrap().unwrap();
            let photos =
                case_photo::Entity::find().filter(case_photo::Column::CaseId.eq(stored.id)).all(db).await.unwrap();
            assert_eq!(photos.len(), 1, "{} has its photo", ack.code);
            photos_checked += 1;
        }
    }

    // Nothing half-written, acknowledged or not: every case has its first event, every photo
    // row its files.
    let cases = case::Entity::find().all(db).await.unwrap();
    for stored in &cases {
        let submitted = case_event::Entity::find()
            .filter(case_event::Column::CaseId.eq(stored.id))
            .filter(case_event::Column::Action.eq("submitted"))
            .count(db)
            .await
            .unwrap();
        assert_eq!(submitted, 1, "case {} has exactly one `submitted` event", stored.tracking_code);
    }
    let rows = case_photo::Entity::find().all(db).await.unwrap();
    for row in &rows {
        for variant in [Variant::Full, Variant::Thumb] {
            let bytes = store.open(&row.hash, variant).unwrap_or_else(|e| panic!("photo {} is missing: {e}", row.hash));
            image::load_from_memory(&bytes).unwrap_or_else(|e| panic!("photo {} does not decode: {e}", row.hash));
        }
    }
    println!(
        "{engine}: {sent} submissions sent, {} acknowledged before the SIGKILL and all found after the restart \
         ({photos_checked} with photos); {} cases and {} photo rows in the database, all whole",
        acknowledged.len(),
        cases.len(),
        rows.len()
    );
    drop(server);
}
