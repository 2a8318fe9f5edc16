use std::sync::{Arc, Once};

use actix_web::dev::ServerHandle;
use actix_web::web;
use chrono::{DateTime, Utc};
use liaison::clock::ManualClock;
use liaison::config::Settings;
use liaison::domain::account::{NewPassword, Username};
use liaison::services::organisation::accounts;
use liaison::startup::Application;
use liaison::state::AppState;
use reqwest::{Response, StatusCode};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const PASSWORD: &str = "staff-password-1";
/// The keys of residents' personal data, shared (as in production, where several processes
/// serve one database) by a test's app and the `liaison` processes it starts.
pub const DATA_KEYS: &str = "test-a:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
pub const LOOKUP_KEY: &str = "ZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX5/gIGCg4Q=";

/// Gives a child `liaison` process the tests' keys.
pub fn with_test_keys(command: &mut std::process::Command) -> &mut std::process::Command {
    command.env("LIAISON_DATA_KEYS", DATA_KEYS).env("LIAISON_LOOKUP_KEY", LOOKUP_KEY)
}

/// Monday 2 March 2026, 09:00 in Beijing.
pub fn start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T01:00:00Z").unwrap().to_utc()
}

static INIT: Once = Once::new();

fn init() {
    INIT.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
        if std::env::var("TEST_LOG").is_ok() {
            liaison::telemetry::init(liaison::config::LogFormat::Text);
        }
    });
}

/// A database of the test's own: a file in a temporary directory, or a new PostgreSQL
/// database dropped when the test ends.
struct TestDatabase {
    url: String,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    async fn create(dir: &std::path::Path) -> TestDatabase {
        match std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            None => {
                TestDatabase { url: format!("sqlite://{}?mode=rwc", dir.join("test.db").display()), postgres: None }
            }
            Some(admin_url) => {
                let name = format!("liaison_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url).await.expect("connect to TEST_DATABASE_URL");
                admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create test database");
                admin.close().await.ok();
                let url = replace_database(&admin_url, &name);
                TestDatabase { url, postgres: Some((admin_url, name)) }
            }
        }
    }
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{}", &base[..path_start], name);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.postgres.take() {
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                runtime.block_on(async move {
                    if let Ok(admin) = Database::connect(&admin_url).await {
                        let _ =
                            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

pub struct TestApp {
    pub address: String,
    /// The test's own database, for starting more processes on it.
    pub database_url: String,
    pub client: reqwest::Client,
    pub clock: Arc<ManualClock>,
    pub state: web::Data<AppState>,
    handle: ServerHandle,
    /// `None` for a second process on another app's database.
    _db: Option<TestDatabase>,
    _dir: tempfile::TempDir,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

pub fn test_settings(dir: &std::path::Path, database_url: &str) -> Settings {
    Settings {
        bind: "127.0.0.1:0".into(),
        data_dir: dir.to_path_buf(),
        database_url: Some(database_url.to_string()),
        jwt_secret: Some("test-secret-0123456789-abcdefghijklmnopqrstuvwxyz".into()),
        data_keys: Some(DATA_KEYS.into()),
        lookup_key: Some(LOOKUP_KEY.into()),
        argon2_memory_kib: 64,
        workers: Some(1),
        db_max_connections: 5,
        run_jobs: false,
        // The tests' webhook receivers listen on 127.0.0.1.
        webhook_allow_private: true,
        ..Settings::default()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    init();
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = TestDatabase::create(dir.path()).await;
    let mut settings = test_settings(dir.path(), &db.url);
    configure(&mut settings);
    let clock = Arc::new(ManualClock::new(start_time()));
    let app = Application::build_with_clock(settings, clock.clone()).await.expect("application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let hasher = &state.hasher;
    accounts::ensure_admin(
        &state.db,
        hasher,
        clock.now_utc(),
        Username::parse("admin").unwrap(),
        NewPassword::parse("password", ADMIN_PASSWORD).unwrap(),
    )
    .await
    .expect("admin created");
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    TestApp { address, database_url: db.url.clone(), client, clock, state, handle, _db: Some(db), _dir: dir }
}

/// Another app process on an existing database (`first` keeps it alive), reaching it at
/// `database_url` (the same database, perhaps by another route).
pub async fn spawn_app_on(first: &TestApp, database_url: &str) -> TestApp {
    init();
    let dir = tempfile::tempdir().expect("temporary directory");
    let settings = test_settings(dir.path(), database_url);
    let clock = Arc::new(ManualClock::new(first.clock.now_utc()));
    let app = Application::build_with_clock(settings, clock.clone()).await.expect("application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    TestApp { address, database_url: database_url.to_string(), client, clock, state, handle, _db: None, _dir: dir }
}

pub trait ClockExt {
    fn now_utc(&self) -> DateTime<Utc>;
}

impl ClockExt for ManualClock {
    fn now_utc(&self) -> DateTime<Utc> {
        liaison::clock::Clock::now(self)
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap()
    }

    pub async fn token(&self, username: &str, password: &str) -> String {
        let response = self.login(username, password).await;
        assert_eq!(response.status(), StatusCode::OK, "login as {username}");
        let body: Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_string()
    }

    pub async fn admin_token(&self) -> String {
        self.token("admin", ADMIN_PASSWORD).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.client.get(self.url(path)).bearer_auth(token).send().await.unwrap()
    }

    pub async fn get_anonymous(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client.post(self.url(path)).bearer_auth(token).json(body).send().await.unwrap()
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client.patch(self.url(path)).bearer_auth(token).json(body).send().await.unwrap()
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client.put(self.url(path)).bearer_auth(token).json(body).send().await.unwrap()
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.client.delete(self.url(path)).bearer_auth(token).send().await.unwrap()
    }

    /// POST expecting 201; returns the body.
    pub async fn create(&self, path: &str, token: &str, body: Value) -> Value {
        let response = self.post(path, token, &body).await;
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "POST {path} {body}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    pub async fn create_station(&self, token: &str, name: &str, kind: &str, parent: Option<i64>) -> i64 {
        let body =
            self.create("/api/v1/stations", token, json!({"name": name, "kind": kind, "parent_id": parent})).await;
        body["id"].as_i64().unwrap()
    }

    pub async fn create_deputy(&self, token: &str, name: &str, station_id: i64) -> Value {
        self.create(
            "/api/v1/deputies",
            token,
            json!({"name": name, "level": "county", "station_id": station_id, "phone": "13812341234"}),
        )
        .await
    }

    pub async fn create_unit(&self, token: &str, name: &str) -> i64 {
        self.create("/api/v1/units", token, json!({"name": name})).await["id"].as_i64().unwrap()
    }

    /// Creates an account and signs it in; returns (user id, token).
    pub async fn user(&self, admin: &str, username: &str, role: &str, scope: Value) -> (i64, String) {
        let mut body = json!({"username": username, "password": PASSWORD, "role": role});
        if let (Some(target), Some(extra)) = (body.as_object_mut(), scope.as_object()) {
            for (key, value) in extra {
                target.insert(key.clone(), value.clone());
            }
        }
        let created = self.create("/api/v1/users", admin, body).await;
        let token = self.token(username, PASSWORD).await;
        (created["id"].as_i64().unwrap(), token)
    }
}

/// Asserts a status and returns the JSON body.
pub async fn expect(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(actual, status, "body: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Asserts an error status and code.
pub async fn expect_error(response: Response, status: StatusCode, code: &str) -> Value {
    let body = expect(response, status).await;
    assert_eq!(body["error"], code, "{body}");
    assert!(body["message"].is_string(), "{body}");
    body
}

/// A browser: keeps cookies and reads the CSRF token out of the forms it is shown.
pub struct Browser {
    pub client: reqwest::Client,
}

impl Browser {
    pub fn new() -> Browser {
        let client =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { client }
    }
}

pub fn csrf_from(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a CSRF field") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

pub async fn sign_in(app: &TestApp, browser: &Browser, username: &str, password: &str) -> reqwest::Response {
    let page = browser.client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_from(&page);
    browser
        .client
        .post(app.url("/login"))
        .form(&[("csrf", csrf.as_str()), ("next", "/app/stations"), ("username", username), ("password", password)])
        .send()
        .await
        .unwrap()
}

#[test]
fn database_names_are_replaced_in_urls() {
    assert_eq!(
        replace_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(replace_database("postgres://u:p@h/db?sslmode=disable", "x"), "postgres://u:p@h/x?sslmode=disable");
    assert_eq!(replace_database("postgres://h:5432", "x"), "postgres://h:5432/x");
}
