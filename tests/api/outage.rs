//! PostgreSQL goes away under the running app and comes back: meanwhile every request fails
//! fast with 503 (JSON for the API, a page for people, `Retry-After`), nothing hangs, and
//! afterwards the app serves again by itself, without a restart. The outage is a TCP proxy
//! between the app and the server that drops every connection and refuses new ones: the
//! shared PostgreSQL server of the other tests keeps running. PostgreSQL only (the test
//! passes trivially on SQLite, which has no server to lose).
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use crate::helpers::*;

/// A switchable TCP forwarder to the database server.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(target: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (up_flag, all) = (up.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !up_flag.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let target = target.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                all.lock().await.push(link);
            }
        });
        Proxy { port, up, links }
    }

    /// The server is gone: open connections drop, new ones are refused.
    async fn stop(&self) {
        self.up.store(false, Ordering::SeqCst);
        for link in self.links.lock().await.drain(..) {
            link.abort();
        }
    }

    fn restart(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// `postgres://user@host:port/db` → host:port, and the URL with the proxy's port instead.
fn through(url: &str, port: u16) -> (String, String) {
    let after_scheme = url.find("://").unwrap() + 3;
    let rest = &url[after_scheme..];
    let host_start = rest.find('@').map_or(0, |at| at + 1);
    let host_end = host_start + rest[host_start..].find('/').unwrap();
    let target = rest[host_start..host_end].to_string();
    let proxied = format!("{}127.0.0.1:{port}{}", &url[..after_scheme + host_start], &rest[host_end..]);
    (target, proxied)
}

#[tokio::test]
async fn requests_fail_fast_with_503_while_postgres_is_away_and_recover_by_themselves() {
    if std::env::var("TEST_DATABASE_URL").map_or(true, |u| u.is_empty()) {
        return;
    }
    let first = spawn_app().await;
    let proxy = Proxy::start(through(&first.database_url, 0).0).await;
    let (_, proxied) = through(&first.database_url, proxy.port);
    // A second app process on the same database, reaching it only through the proxy.
    let app = spawn_app_on(&first, &proxied).await;
    let token = app.admin_token().await;
    assert_eq!(app.get_anonymous("/healthz").await.status(), StatusCode::OK);
    assert_eq!(app.get("/api/v1/cases", &token).await.status(), StatusCode::OK);

    proxy.stop().await;
    for path in ["/healthz", "/api/v1/cases", "/api/v1/stats"] {
        let started = Instant::now();
        let response = app.get(path, &token).await;
        let took = started.elapsed();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(took < Duration::from_secs(12), "{path} took {took:?}: not fast");
        if path != "/healthz" {
            assert!(response.headers().contains_key("retry-after"), "{path}");
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["error"], "service_unavailable", "{path}: {body}");
        }
    }
    // People get a page, not JSON.
    let page = app.client.get(app.url("/t?code=ABCD2345EFGH")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    let html = page.text().await.unwrap();
    assert!(html.contains("<html") && html.contains("稍后"), "{html}");

    proxy.restart();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if app.get_anonymous("/healthz").await.status() == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "the app did not recover within 30 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(app.get("/api/v1/cases", &token).await.status(), StatusCode::OK);
}

fn on_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty())
}

/// Found by the penetration test: a submission in flight when PostgreSQL went away (shut
/// down: 57P01 "terminating connection due to administrator command") answered 500. It is a
/// 503 with `Retry-After`, nothing half-written is stored, and the next one succeeds.
#[tokio::test]
async fn a_submission_in_flight_when_the_server_goes_away_is_a_503() {
    use sea_orm::{ConnectionTrait, Database, TransactionTrait};
    if !on_postgres() {
        return;
    }
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let station = app.create_station(&admin, "联络站", "station", None).await;
    let deputy = app.create_deputy(&admin, "王五", station).await;
    let body = serde_json::json!({"qr_token": deputy["qr_token"], "category_id": 1, "content": "路灯坏了很久了。", "consent": true});
    // Hold the cases table so the submission waits inside the server, then end its backend
    // as a shutdown would.
    let holder = Database::connect(&app.database_url).await.unwrap();
    let lock = holder.begin().await.unwrap();
    lock.execute_unprepared("LOCK TABLE cases IN ACCESS EXCLUSIVE MODE").await.unwrap();
    let request = app.client.post(app.url("/api/v1/public/submissions")).json(&body).send();
    let submission = tokio::spawn(request);
    let monitor = Database::connect(&app.database_url).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let waiting = monitor
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
            ))
            .await
            .unwrap()
            .and_then(|row| row.try_get::<i64>("", "n").ok())
            .unwrap_or(0);
        if waiting > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the submission never reached the lock");
        tokio::task::yield_now().await;
    }
    let response = submission.await.unwrap().unwrap();
    assert!(response.headers().contains_key("retry-after"));
    expect_error(response, StatusCode::SERVICE_UNAVAILABLE, "service_unavailable").await;
    lock.rollback().await.unwrap();
    let again = app.client.post(app.url("/api/v1/public/submissions")).json(&body).send().await.unwrap();
    expect(again, StatusCode::CREATED).await;
    assert_eq!(expect(app.get("/api/v1/cases", &admin).await, StatusCode::OK).await["total"], 1, "one case, whole");
}

/// Found by the penetration test: with the database dropped and created again empty under the
/// running app, `/healthz` said ok and every route answered 500. Now readiness fails and the
/// routes answer 503 (the operator must migrate), never 500.
#[tokio::test]
async fn an_empty_database_of_the_same_name_is_not_ready() {
    use sea_orm::{ConnectionTrait, Database};
    if !on_postgres() {
        return;
    }
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let name = app.database_url.rsplit('/').next().unwrap().split('?').next().unwrap().to_string();
    let admin_db = Database::connect(std::env::var("TEST_DATABASE_URL").unwrap()).await.unwrap();
    admin_db.execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)")).await.unwrap();
    admin_db.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
    let health = app.get_anonymous("/healthz").await;
    let body = expect(health, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["status"], "migrations_pending");
    for path in ["/api/v1/cases", "/api/v1/stations"] {
        let response = app.get(path, &token).await;
        assert!(response.headers().contains_key("retry-after"), "{path}");
        expect_error(response, StatusCode::SERVICE_UNAVAILABLE, "service_unavailable").await;
    }
    let page = app.client.get(app.url("/t?code=ABCD2345EFGH")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
}
