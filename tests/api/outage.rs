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
