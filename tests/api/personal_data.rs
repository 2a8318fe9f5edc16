//! Residents' names and phones encrypted at rest: what the database holds, what people read,
//! the phone lookup, plaintext rows from before, key rotation and a wrong key at start-up.
use std::sync::Arc;

use liaison::clock::ManualClock;
use liaison::config::Settings;
use liaison::startup::Application;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};

use crate::cases::{Desk, desk};
use crate::helpers::*;

const KEY_B: &str = "test-b:YmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmI=";

/// The stored text of `columns` of every row of `table`, by raw SQL (not through the app).
async fn raw(db: &DatabaseConnection, table: &str, columns: &[&str]) -> Vec<Vec<Option<String>>> {
    let sql = format!("SELECT {} FROM {table} ORDER BY id", columns.join(", "));
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
    rows.iter().map(|row| columns.iter().map(|c| row.try_get::<Option<String>>("", c).unwrap()).collect()).collect()
}

/// Every personal value of the three tables.
async fn sealed_values(db: &DatabaseConnection) -> Vec<String> {
    let mut values = Vec::new();
    for (table, columns) in [
        ("cases", ["contact_name", "contact_phone"]),
        ("reception_visit", ["visitor_name", "visitor_phone"]),
        ("contact_record", ["household", "phone"]),
    ] {
        values.extend(raw(db, table, &columns).await.into_iter().flatten().flatten());
    }
    values
}

/// A visit with a visitor's name and phone, and a contact record with a household: the other
/// two places residents' personal data is kept.
async fn visit_and_contact(w: &Desk) -> (i64, i64) {
    let app = w.app();
    let deputy = w.s.deputy["id"].as_i64().unwrap();
    let visit = app
        .create(
            &format!("/api/v1/stations/{}/reception-visits", w.s.station),
            &w.manager,
            json!({"visited_on": "2026-03-02", "slot": "morning", "deputy_ids": [deputy],
                   "visitor_name": "李四", "visitor_phone": "139 1234 5678", "consent": true,
                   "matter": "楼道灯坏了。", "disposition": "answered"}),
        )
        .await;
    let record = app
        .create(
            &format!("/api/v1/deputies/{deputy}/contact-records"),
            &w.manager,
            json!({"contacted_on": "2026-03-02", "mode": "visit", "household": "幸福小区3栋 王五",
                   "phone": "13712345678", "matter": "垃圾清运不及时。"}),
        )
        .await;
    (visit["id"].as_i64().unwrap(), record["id"].as_i64().unwrap())
}

/// A server on the test's database: the test's own, or another process started on it.
struct Server<'a> {
    client: &'a reqwest::Client,
    address: String,
}

impl Server<'_> {
    fn of(app: &TestApp) -> Server<'_> {
        Server { client: &app.client, address: app.address.clone() }
    }

    async fn get(&self, path: &str, token: &str) -> Value {
        let response = self.client.get(format!("{}{path}", self.address)).bearer_auth(token).send().await.unwrap();
        expect(response, StatusCode::OK).await
    }
}

/// What the manager reads of the three records.
async fn read_back(server: &Server<'_>, token: &str, case: i64, visit: i64, record: i64) -> [String; 6] {
    let case = server.get(&format!("/api/v1/cases/{case}"), token).await;
    let visit = server.get(&format!("/api/v1/reception-visits/{visit}"), token).await;
    let record = server.get(&format!("/api/v1/contact-records/{record}"), token).await;
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    [
        text(&case["contact_name"]),
        text(&case["contact_phone"]),
        text(&visit["visitor_name"]),
        text(&visit["visitor_phone"]),
        text(&record["household"]),
        text(&record["phone"]),
    ]
}

const PLAIN: [&str; 6] = ["张三", "13812345678", "李四", "13912345678", "幸福小区3栋 王五", "13712345678"];

#[tokio::test]
async fn names_and_phones_are_stored_sealed_and_read_as_before() {
    let w = desk().await;
    let id = w.case("加密存储测试：路灯坏了。").await;
    let (visit, record) = visit_and_contact(&w).await;
    let db = &w.app().state.db;

    let stored = sealed_values(db).await;
    assert_eq!(stored.len(), 6);
    for value in &stored {
        assert!(value.starts_with("v1:test-a:"), "{value}");
        for plain in PLAIN.iter().chain(&["1381234", "张", "王五"]) {
            assert!(!value.contains(plain), "{value} holds {plain}");
        }
    }
    // The same name sealed twice differs (a nonce per value).
    let again = w.case("加密存储测试：第二个案件，同一位居民。").await;
    let names = raw(db, "cases", &["contact_name"]).await;
    assert_ne!(names[0][0], names[1][0]);
    // Beside each phone its keyed hash: equal for the same phone, never the phone itself.
    let hashes = raw(db, "cases", &["contact_phone_hash"]).await;
    let hash = hashes[0][0].clone().unwrap();
    assert_eq!(hash.len(), 32);
    assert_eq!(hashes[1][0].as_deref(), Some(hash.as_str()));
    assert!(!hash.contains("1381234"));
    for (table, column) in [("reception_visit", "visitor_phone_hash"), ("contact_record", "phone_hash")] {
        assert_eq!(raw(db, table, &[column]).await[0][0].as_ref().map(String::len), Some(32), "{table}");
    }

    // People read exactly what they read before: in full for the case's handlers…
    assert_eq!(read_back(&Server::of(w.app()), &w.manager, id, visit, record).await, PLAIN);
    // … masked for the others, and in the exports.
    let masked = expect(w.app().get(&format!("/api/v1/cases/{again}"), &w.viewer).await, StatusCode::OK).await;
    assert_eq!((masked["contact_name"].as_str(), masked["contact_phone"].as_str()), (Some("张*"), Some("138****5678")));
    let ledger = w
        .app()
        .get(
            &format!("/api/v1/stations/{}/ledgers/case-ledger?from=2026-01-01&to=2026-12-31&format=csv", w.s.station),
            &w.manager,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(ledger.contains("张三") && ledger.contains("13812345678"), "{ledger}");
    assert!(!ledger.contains("v1:"));
}

#[tokio::test]
async fn cases_from_a_phone_are_found_by_its_hash_however_it_was_typed() {
    let w = desk().await;
    let first = w.case("同一个电话的第一件事：路灯坏了。").await;
    let body = json!({"qr_token": w.s.qr(), "category_id": w.s.week_category, "consent": true,
                      "content": "同一个电话的第二件事：井盖松动。", "contact_phone": "+86 138-1234-5678"});
    expect(
        w.app().client.post(w.app().url("/api/v1/public/submissions")).json(&body).send().await.unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let other = json!({"qr_token": w.s.qr(), "category_id": w.s.week_category, "consent": true,
                       "content": "另一个电话：噪音扰民。", "contact_phone": "13900001111"});
    expect(
        w.app().client.post(w.app().url("/api/v1/public/submissions")).json(&other).send().await.unwrap(),
        StatusCode::CREATED,
    )
    .await;

    for typed in ["13812345678", "138 1234 5678", "+8613812345678"] {
        let q: String = form_urlencoded::byte_serialize(typed.as_bytes()).collect();
        let found = expect(w.app().get(&format!("/api/v1/cases?q={q}"), &w.manager).await, StatusCode::OK).await;
        assert_eq!(found["total"], 2, "{typed}: {found}");
        let ids: Vec<i64> = found["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
        assert!(ids.contains(&first));
    }
    // Only a whole number matches: the phone is sealed, there is no pattern to search in.
    let part = expect(w.app().get("/api/v1/cases?q=1381234", &w.manager).await, StatusCode::OK).await;
    assert_eq!(part["total"], 0);
    // Still within the reader's scope: another station's manager finds nothing.
    let outside = expect(w.app().get("/api/v1/cases?q=13812345678", &w.other_manager).await, StatusCode::OK).await;
    assert_eq!(outside["total"], 0);
    // The staff queue page too.
    let browser = Browser::new();
    sign_in(w.app(), &browser, "manager-a", PASSWORD).await;
    let page = browser.client.get(w.app().url("/app/cases?status=all&q=138+1234+5678")).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("同一个电话的第一件事") && html.contains("同一个电话的第二件事"), "{html}");
    assert!(!html.contains("另一个电话"), "{html}");
}

/// Settings for another process on the test's database, with its own data directory.
fn settings_for(app: &TestApp, dir: &std::path::Path, data_keys: Option<&str>, lookup_key: Option<&str>) -> Settings {
    let mut settings = test_settings(dir, &app.database_url);
    settings.data_keys = data_keys.map(Into::into);
    settings.lookup_key = lookup_key.map(Into::into);
    settings
}

async fn start(settings: Settings) -> Result<Application, String> {
    let clock = Arc::new(ManualClock::new(start_time()));
    Application::build_with_clock(settings, clock).await.map_err(|e| format!("{e:#}"))
}

#[tokio::test]
async fn plaintext_rows_from_before_encryption_are_sealed_at_start_up() {
    let w = desk().await;
    let id = w.case("升级前的案件：联系方式还是明文。").await;
    let (visit, record) = visit_and_contact(&w).await;
    let db = &w.app().state.db;
    // As an older version left them: plaintext, no hash.
    for sql in [
        format!(
            "UPDATE cases SET contact_name = '张三', contact_phone = '13812345678', contact_phone_hash = NULL WHERE id = {id}"
        ),
        format!(
            "UPDATE reception_visit SET visitor_name = '李四', visitor_phone = '13912345678', visitor_phone_hash = NULL WHERE id = {visit}"
        ),
        format!(
            "UPDATE contact_record SET household = '幸福小区3栋 王五', phone = '13712345678', phone_hash = NULL WHERE id = {record}"
        ),
    ] {
        db.execute_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
    }
    // Until converted they still read (an older process may write some during an upgrade).
    assert_eq!(read_back(&Server::of(w.app()), &w.manager, id, visit, record).await, PLAIN);

    let dir = tempfile::tempdir().unwrap();
    let restarted = start(settings_for(w.app(), dir.path(), Some(DATA_KEYS), Some(LOOKUP_KEY))).await.unwrap();
    drop(restarted);
    for value in sealed_values(db).await {
        assert!(value.starts_with("v1:test-a:"), "{value}");
    }
    assert_eq!(read_back(&Server::of(w.app()), &w.manager, id, visit, record).await, PLAIN);
    let found = expect(w.app().get("/api/v1/cases?q=13812345678", &w.manager).await, StatusCode::OK).await;
    assert_eq!(found["total"], 1);
}

#[tokio::test]
async fn keys_rotate_and_the_old_key_can_then_be_dropped() {
    let w = desk().await;
    let id = w.case("密钥轮换测试。").await;
    let (visit, record) = visit_and_contact(&w).await;
    let db = &w.app().state.db;
    let both = format!("{KEY_B},{DATA_KEYS}");

    // The new key alone, before rotating: refused, naming the key still needed.
    let dir = tempfile::tempdir().unwrap();
    let early = start(settings_for(w.app(), dir.path(), Some(KEY_B), Some(LOOKUP_KEY))).await.err().unwrap();
    assert!(early.contains("`test-a`") && early.contains("not configured"), "{early}");

    // `liaison rotate-keys` with B first: one row per transaction, every value moves to B.
    let output = crate::child::command(dir.path(), Some(&w.app().database_url))
        .env("LIAISON_DATA_KEYS", &both)
        .args(["rotate-keys", "--batch", "1"])
        .output()
        .unwrap();
    let said = crate::child::text(&output);
    assert!(output.status.success(), "{said}");
    assert!(said.contains("3 rows re-encrypted") && said.contains("`test-b`"), "{said}");
    assert!(!said.contains(KEY_B.split_once(':').unwrap().1) && !said.contains(DATA_KEYS.split_once(':').unwrap().1));
    for value in sealed_values(db).await {
        assert!(value.starts_with("v1:test-b:"), "{value}");
    }
    // Run again: nothing left to do.
    let again = crate::child::command(dir.path(), Some(&w.app().database_url))
        .env("LIAISON_DATA_KEYS", &both)
        .arg("rotate-keys")
        .output()
        .unwrap();
    assert!(crate::child::text(&again).contains("0 rows re-encrypted"), "{}", crate::child::text(&again));

    // Key A dropped: a server with B alone starts and reads everything as before.
    let app = start(settings_for(w.app(), dir.path(), Some(KEY_B), Some(LOOKUP_KEY))).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let rotated = Server { client: &w.app().client, address };
    assert_eq!(read_back(&rotated, &w.manager, id, visit, record).await, PLAIN);
    let found = rotated.get("/api/v1/cases?q=13812345678", &w.manager).await;
    assert_eq!(found["total"], 1, "the phone hashes did not change");
    handle.stop(false).await;
}

#[tokio::test]
async fn a_wrong_key_stops_the_start_with_a_clear_message() {
    let w = desk().await;
    w.case("错误密钥测试。").await;
    let dir = tempfile::tempdir().unwrap();
    let other_bytes = "test-a:eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHg=";
    let wrong = start(settings_for(w.app(), dir.path(), Some(other_bytes), Some(LOOKUP_KEY))).await.err().unwrap();
    assert!(wrong.contains("data key `test-a` is not the key this database was encrypted with"), "{wrong}");
    assert!(!wrong.contains("eHh4"), "the key is never repeated: {wrong}");

    let lookup =
        start(settings_for(w.app(), dir.path(), Some(DATA_KEYS), Some("eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHg=")))
            .await
            .err()
            .unwrap();
    assert!(lookup.contains("lookup key"), "{lookup}");

    // Nothing configured: keys are generated into the new data directory, and they are not
    // the ones this database was written with.
    let generated = start(settings_for(w.app(), dir.path(), None, None)).await.err().unwrap();
    assert!(generated.contains("`test-a`") && generated.contains("not configured"), "{generated}");
    assert!(dir.path().join("data-keys").exists() && dir.path().join("lookup-key").exists());

    let garbled = start(settings_for(w.app(), dir.path(), Some("test-a:short"), Some(LOOKUP_KEY))).await.err().unwrap();
    assert!(garbled.contains("LIAISON_DATA_KEYS") && !garbled.contains("short"), "{garbled}");
}

#[tokio::test]
async fn with_nothing_configured_a_key_is_generated_once_and_kept() {
    let app = spawn_app_with(|settings| {
        settings.data_keys = None;
        settings.lookup_key = None;
    })
    .await;
    let token = app.admin_token().await;
    let station = app.create_station(&token, "城关联络站", "station", None).await;
    let deputy = app.create_deputy(&token, "王建国", station).await;
    let categories = expect(
        app.get_anonymous(&format!("/api/v1/public/deputies/{}", deputy["qr_token"].as_str().unwrap())).await,
        StatusCode::OK,
    )
    .await;
    let body = json!({"qr_token": deputy["qr_token"], "category_id": categories["categories"][0]["id"], "consent": true,
                      "content": "零配置也加密。", "contact_name": "赵六", "contact_phone": "13600001111"});
    expect(
        app.client.post(app.url("/api/v1/public/submissions")).json(&body).send().await.unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let stored = raw(&app.state.db, "cases", &["contact_name"]).await;
    let id = app.state.cipher.current().to_string();
    assert!(id.starts_with("local-"));
    assert!(stored[0][0].as_deref().unwrap().starts_with(&format!("v1:{id}:")));
    let listed = expect(app.get("/api/v1/cases", &token).await, StatusCode::OK).await;
    assert_eq!(listed["items"][0]["contact_name"], "赵*");
}

/// Generated keys travel with a backup (privately), so a restored copy can be read.
#[tokio::test]
async fn a_backup_carries_the_generated_keys() {
    let live = tempfile::tempdir().unwrap();
    let zero_config = |dir: &std::path::Path| Settings {
        bind: "127.0.0.1:0".into(),
        data_dir: dir.to_path_buf(),
        jwt_secret: Some("test-secret-0123456789-abcdefghijklmnopqrstuvwxyz".into()),
        argon2_memory_kib: 64,
        run_jobs: false,
        workers: Some(1),
        ..Settings::default()
    };
    drop(start(zero_config(live.path())).await.unwrap());
    let copy = live.path().join("copy");
    liaison::backup::backup(&zero_config(live.path()), Some(copy.clone()), start_time()).await.unwrap();
    let fresh = tempfile::tempdir().unwrap();
    liaison::backup::restore(&zero_config(fresh.path()), &copy, false).await.unwrap();
    for file in ["data-keys", "lookup-key"] {
        let restored = fresh.path().join(file);
        assert_eq!(std::fs::read(&restored).unwrap(), std::fs::read(live.path().join(file)).unwrap(), "{file}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for path in [copy.join(file), restored] {
                assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600, "{}", path.display());
            }
        }
    }
    start(zero_config(fresh.path())).await.expect("the restored copy opens with its keys");
}
