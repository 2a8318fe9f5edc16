//! Secrets and personal data never reach the logs: a real `liaison` process is run at the
//! production log level and at `debug`, driven through sign-in (good and bad passwords), a
//! resident's submission with a name and phone, an unmasked view and an export, and its
//! captured output is searched for every secret it was given.
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

const JWT_SECRET: &str = "log-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
use crate::helpers::ADMIN_PASSWORD;
const WRONG_PASSWORD: &str = "Wrong-Guess-Pass-2026";
const RESIDENT_NAME: &str = "欧阳秘密";
const RESIDENT_PHONE: &str = "13787654321";
const DEPUTY_PHONE: &str = "13912345678";
/// An `X-Forwarded-For` value no trusted proxy set.
const SPOOFED_IP: &str = "203.0.113.77";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn run_and_capture(rust_log: &str) -> (String, Vec<String>) {
    // A migrated database with an administrator; the process under test serves it.
    let app = crate::helpers::spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_liaison");
    let env = |cmd: &mut Command| {
        cmd.env("DATABASE_URL", &app.database_url)
            .env("LIAISON_DATA_DIR", dir.path())
            .env("LIAISON_JWT_SECRET", JWT_SECRET)
            .env("LIAISON_DATA_KEYS", crate::helpers::DATA_KEYS)
            .env("LIAISON_LOOKUP_KEY", crate::helpers::LOOKUP_KEY)
            .env("LIAISON_RUN_JOBS", "false")
            .env("LIAISON_WORKERS", "1")
            .env("RUST_LOG", rust_log);
    };
    let port = free_port();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut serve = Command::new(bin);
    env(&mut serve);
    let mut child = serve
        .arg("serve")
        .env("LIAISON_BIND", format!("127.0.0.1:{port}"))
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !client.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status() == StatusCode::OK) {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut secrets = vec![
        JWT_SECRET.to_string(),
        ADMIN_PASSWORD.to_string(),
        WRONG_PASSWORD.to_string(),
        RESIDENT_NAME.to_string(),
        RESIDENT_PHONE.to_string(),
        DEPUTY_PHONE.to_string(),
        // The keys of personal data, as configured and as their bare base64.
        crate::helpers::DATA_KEYS.to_string(),
        crate::helpers::DATA_KEYS.split_once(':').unwrap().1.to_string(),
        crate::helpers::LOOKUP_KEY.to_string(),
    ];

    let login = |password: &'static str| {
        let client = client.clone();
        let base = base.clone();
        async move {
            client
                .post(format!("{base}/api/v1/auth/login"))
                .json(&json!({"username": "admin", "password": password}))
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(login(WRONG_PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    let session: Value = login(ADMIN_PASSWORD).await.json().await.unwrap();
    let token = session["token"].as_str().unwrap().to_string();
    secrets.push(token.clone());
    let post = |path: &str, body: Value| client.post(format!("{base}{path}")).bearer_auth(&token).json(&body).send();
    let station: Value =
        post("/api/v1/stations", json!({"name": "日志联络站", "kind": "station"})).await.unwrap().json().await.unwrap();
    let deputy: Value = post(
        "/api/v1/deputies",
        json!({"name": "王代表", "level": "county", "station_id": station["id"], "phone": DEPUTY_PHONE}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let qr = deputy["qr_token"].as_str().unwrap();
    let card: Value =
        client.get(format!("{base}/api/v1/public/deputies/{qr}")).send().await.unwrap().json().await.unwrap();
    let submitted = client
        .post(format!("{base}/api/v1/public/submissions"))
        .json(&json!({"qr_token": qr, "category_id": card["categories"][0]["id"], "content": "小区门口的路灯坏了，晚上很黑。",
                      "contact_name": RESIDENT_NAME, "contact_phone": RESIDENT_PHONE, "consent": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status(), StatusCode::CREATED);
    let submitted: Value = submitted.json().await.unwrap();
    let code = submitted["tracking_code"].as_str().unwrap().to_string();
    assert_eq!(client.get(format!("{base}/t/{code}")).send().await.unwrap().status(), StatusCode::OK);
    let cases: Value =
        client.get(format!("{base}/api/v1/cases")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let id = cases["items"][0]["id"].as_i64().unwrap();
    // The unmasked view: the case's deputy handles it.
    const DEPUTY_PASSWORD: &str = "Deputy-Secret-Pass-2026";
    let created = post(
        "/api/v1/users",
        json!({"username": "deputy-w", "password": DEPUTY_PASSWORD, "role": "deputy", "deputy_id": deputy["id"]}),
    )
    .await
    .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let deputy_session: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "deputy-w", "password": DEPUTY_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let deputy_token = deputy_session["token"].as_str().unwrap().to_string();
    secrets.extend([DEPUTY_PASSWORD.to_string(), deputy_token.clone()]);
    let one: Value = client
        .get(format!("{base}/api/v1/cases/{id}"))
        .bearer_auth(&deputy_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(one.to_string().contains(RESIDENT_PHONE), "the test must see the phone somewhere: {one}");
    let sid = station["id"].as_i64().unwrap();
    let export = client
        .get(format!("{base}/api/v1/stations/{sid}/ledgers/case-ledger?format=csv"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), StatusCode::OK);
    // Found by the penetration test: a phone sent as a JSON number was echoed in the WARN
    // line, and a phone typed into a search reached `http.target`.
    let as_number = json!({"qr_token": qr, "category_id": card["categories"][0]["id"], "content": "路灯坏了。。。",
                           "contact_phone": 13655554444_i64, "consent": true});
    let refused = client.post(format!("{base}/api/v1/public/submissions")).json(&as_number).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let searched = client
        .get(format!("{base}/api/v1/cases?q=136-5555-4444&status=bogus"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(searched.status().is_client_error());
    secrets.extend(["13655554444".to_string(), "136-5555-4444".to_string(), "5555-4444".to_string()]);
    // Without LIAISON_TRUST_PROXY the forwarded address is not the client's.
    let forwarded =
        client.get(format!("{base}/api/v1/no-such-route")).header("X-Forwarded-For", SPOOFED_IP).send().await.unwrap();
    assert_eq!(forwarded.status(), StatusCode::NOT_FOUND);
    secrets.push(SPOOFED_IP.to_string());
    // Signing out everywhere revokes the token.
    let _ = client.post(format!("{base}/api/v1/auth/logout")).bearer_auth(&token).send().await.unwrap();

    let _ = child.kill();
    let _ = child.wait();
    let captured = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    (captured, secrets)
}

fn assert_clean(level: &str, captured: &str, secrets: &[String]) {
    assert!(!captured.is_empty(), "the run at {level} logged nothing: the test would prove nothing");
    for secret in secrets {
        assert!(!captured.contains(secret.as_str()), "the {level} log holds {secret:?}:\n{captured}");
    }
    // The masked forms are fine; the middle digits of a phone never appear as a run.
    assert!(!captured.contains("8765432"), "a phone's middle digits in the {level} log");
    // The refused requests were logged, with the socket's address as the client's.
    let plain = without_colours(captured);
    assert!(plain.contains("http.client_ip=127.0.0.1"), "the {level} log names no client address:\n{plain}");
    assert!(plain.contains("q=136-****-**44"), "the masked search is not in the {level} log:\n{plain}");
}

/// The log without its terminal colour codes (`ESC [ … m`).
fn without_colours(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[tokio::test]
async fn nothing_secret_or_personal_is_logged_at_the_production_level() {
    let (captured, secrets) = run_and_capture("info").await;
    assert_clean("info", &captured, &secrets);
}

#[tokio::test]
async fn nothing_secret_or_personal_is_logged_even_at_debug() {
    let (captured, secrets) = run_and_capture("debug").await;
    assert_clean("debug", &captured, &secrets);
}
