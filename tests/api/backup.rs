//! `liaison backup` while the server serves, `liaison restore` into a fresh data directory:
//! everything acknowledged before the backup comes back, with its timeline and photos.
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use liaison::entities::{case, case_photo};
use liaison::photos::{PhotoStore, Variant};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, Database, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::child::{self, Server};
use crate::helpers::{ADMIN_PASSWORD, expect};

/// A station, a deputy and a category on a running child, through the API; returns
/// (admin token, deputy QR token, category id).
pub async fn set_up(client: &reqwest::Client, server: &Server) -> (String, String, i64) {
    let login = client
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    let token = expect(login, StatusCode::OK).await["token"].as_str().unwrap().to_string();
    let post = |path: &str, body: Value| client.post(server.url(path)).bearer_auth(&token).json(&body).send();
    let station = expect(
        post("/api/v1/stations", json!({"name": "城关街道人大代表联络站", "kind": "station"})).await.unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let deputy = expect(
        post("/api/v1/deputies", json!({"name": "王建国", "level": "county", "station_id": station["id"]}))
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let categories =
        expect(client.get(server.url("/api/v1/categories")).bearer_auth(&token).send().await.unwrap(), StatusCode::OK)
            .await;
    let category = categories["items"][0]["id"].as_i64().unwrap();
    (token, deputy["qr_token"].as_str().unwrap().to_string(), category)
}

async fn submit_json(client: &reqwest::Client, server: &Server, qr: &str, category: i64, content: &str) -> String {
    let body = json!({"qr_token": qr, "category_id": category, "content": content, "consent": true});
    let response = client.post(server.url("/api/v1/public/submissions")).json(&body).send().await.unwrap();
    expect(response, StatusCode::CREATED).await["tracking_code"].as_str().unwrap().to_string()
}

async fn submit_form(client: &reqwest::Client, server: &Server, qr: &str, category: i64, seed: u32) -> String {
    let form = child::form(category, &format!("路灯不亮，附照片一张（第{seed}张）。"), Some(child::jpeg(seed)));
    let response = client.post(server.url(&format!("/d/{qr}"))).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    child::code_from_redirect(&response).expect("a tracking code")
}

async fn public_view(client: &reqwest::Client, server: &Server, code: &str) -> reqwest::Response {
    client.get(server.url(&format!("/api/v1/public/submissions/{code}"))).send().await.unwrap()
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_everything_acknowledged_before_it() {
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        println!("skipped on PostgreSQL: `liaison backup` is for SQLite (use pg_dump)");
        return;
    }
    let live = tempfile::tempdir().unwrap();
    let created =
        child::run(live.path(), None, &["admin", "create", "--username", "admin", "--password", ADMIN_PASSWORD]);
    assert!(created.status.success(), "{}", child::text(&created));
    let server = Server::start(live.path(), None);
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let (token, qr, category) = set_up(&client, &server).await;

    let mut codes = Vec::new();
    for seed in 0..3 {
        codes.push(submit_form(&client, &server, &qr, category, seed).await);
        codes.push(submit_json(&client, &server, &qr, category, &format!("通过接口提交的第{seed}条意见。")).await);
    }
    // One case further along, so it has more than its first event.
    let list =
        expect(client.get(server.url("/api/v1/cases")).bearer_auth(&token).send().await.unwrap(), StatusCode::OK).await;
    let first = list["items"].as_array().unwrap().iter().find(|c| c["tracking_code"] == codes[0].as_str()).unwrap();
    let accepted = client
        .post(server.url(&format!("/api/v1/cases/{}/actions", first["id"])))
        .bearer_auth(&token)
        .json(&json!({"action": "accept", "note": "已受理"}))
        .send()
        .await
        .unwrap();
    expect(accepted, StatusCode::OK).await;
    let mut before = BTreeMap::new();
    for code in &codes {
        before.insert(code.clone(), expect(public_view(&client, &server, code).await, StatusCode::OK).await);
    }
    assert_eq!(before[&codes[0]]["timeline"].as_array().unwrap().len(), 2);

    // Residents keep submitting while the backup runs; whatever of it the snapshot holds
    // must be whole.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (client, stop, qr, url) =
            (client.clone(), stop.clone(), qr.clone(), server.url("/api/v1/public/submissions"));
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let body = json!({"qr_token": qr, "category_id": category, "content": format!("备份进行中提交的第{n}条。"), "consent": true});
                let response = client.post(&url).json(&body).send().await.unwrap();
                assert_eq!(response.status(), StatusCode::CREATED);
                n += 1;
            }
            n
        })
    };
    let started = Instant::now();
    let backup = tokio::task::spawn_blocking({
        let dir = live.path().to_path_buf();
        move || child::run(&dir, None, &["backup"])
    })
    .await
    .unwrap();
    let took = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let during = writer.await.unwrap();
    assert!(backup.status.success(), "{}", child::text(&backup));
    println!("{} (in {took:?}; {during} submissions arrived meanwhile)", child::text(&backup).trim());
    let backups: Vec<_> = std::fs::read_dir(live.path().join("backups")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(backups.len(), 1, "one timestamped backup under the data directory's backups/");
    let made = &backups[0];
    assert!(made.file_name().unwrap().to_string_lossy().starts_with("liaison-"));
    assert!(made.join("liaison.db").is_file() && made.join("photos").is_dir());

    let after = submit_json(&client, &server, &qr, category, "备份之后才提交的意见，不在备份里。").await;
    let made_arg = made.display().to_string();

    // The live database is there and open: refused without --force, and refused while in use.
    let refused = child::run(live.path(), None, &["restore", "--input", &made_arg]);
    assert!(!refused.status.success() && child::text(&refused).contains("--force"), "{}", child::text(&refused));
    let busy = child::run(live.path(), None, &["restore", "--input", &made_arg, "--force"]);
    assert!(!busy.status.success() && child::text(&busy).contains("in use"), "{}", child::text(&busy));
    server.kill();

    let fresh = tempfile::tempdir().unwrap();
    let restored = child::run(fresh.path(), None, &["restore", "--input", &made_arg, "--force"]);
    assert!(restored.status.success(), "{}", child::text(&restored));
    let server = Server::start(fresh.path(), None);
    for (code, view) in &before {
        let now = expect(public_view(&client, &server, code).await, StatusCode::OK).await;
        assert_eq!(&now, view, "{code} comes back as it was");
    }
    assert_eq!(public_view(&client, &server, &after).await.status(), StatusCode::NOT_FOUND, "taken after the backup");
    let login = client
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK, "the accounts come back too");

    let db = Database::connect(format!("sqlite://{}", fresh.path().join("liaison.db").display())).await.unwrap();
    let store = PhotoStore::new(fresh.path().join("photos"));
    let cases = case::Entity::find().all(&db).await.unwrap();
    assert!(cases.len() >= before.len());
    for case in &cases {
        let events = liaison::entities::case_event::Entity::find()
            .filter(liaison::entities::case_event::Column::CaseId.eq(case.id))
            .all(&db)
            .await
            .unwrap();
        assert!(!events.is_empty(), "case {} has its first event", case.tracking_code);
    }
    let photos = case_photo::Entity::find().all(&db).await.unwrap();
    assert_eq!(photos.len(), 3, "one photo on each form submission");
    for photo in &photos {
        for variant in [Variant::Full, Variant::Thumb] {
            let bytes = store.open(&photo.hash, variant).unwrap();
            image::load_from_memory(&bytes).expect("the restored photo decodes");
        }
    }
    db.close().await.unwrap();
    drop(server);
    assert!(took < Duration::from_secs(30));
}

#[tokio::test]
async fn backup_and_restore_point_postgres_users_to_pg_dump() {
    let dir = tempfile::tempdir().unwrap();
    let url = Some("postgres://nobody@127.0.0.1:1/liaison");
    for args in [&["backup"][..], &["restore", "--input", "x", "--force"][..]] {
        let output = child::run(dir.path(), url, args);
        assert!(!output.status.success());
        let text = child::text(&output);
        assert!(text.contains("pg_dump --format=custom") && text.contains("pg_restore"), "{text}");
    }
    let missing = child::run(dir.path(), None, &["backup"]);
    assert!(!missing.status.success() && child::text(&missing).contains("no database"), "{}", child::text(&missing));
}
