//! Staff pages: sign-in with a cookie, CSRF on every form, redirects when signed out.
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

use crate::helpers::*;

#[tokio::test]
async fn staff_pages_redirect_to_sign_in_then_back() {
    let app = spawn_app().await;
    let browser = Browser::new();
    let response = browser.client.get(app.url("/app/stations")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/login?next=/app/stations");

    let response = sign_in(&app, &browser, "admin", ADMIN_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/app/stations");
    let cookie = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("liaison_session="))
        .expect("session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");

    let page = browser.client.get(app.url("/app")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("您好，admin"), "{html}");
}

#[tokio::test]
async fn a_wrong_password_keeps_the_username_and_says_why() {
    let app = spawn_app().await;
    let browser = Browser::new();
    let response = sign_in(&app, &browser, "admin", "wrong-password").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("用户名或密码不正确"));
    assert!(html.contains("value=\"admin\""));
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = spawn_app().await;
    let browser = Browser::new();
    // Have a CSRF cookie, but post a different token.
    browser.client.get(app.url("/login")).send().await.unwrap();
    let response = browser
        .client
        .post(app.url("/login"))
        .form(&[("csrf", "x".repeat(32).as_str()), ("username", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.text().await.unwrap().contains("页面已过期"));

    // Signed in, a cross-site post (no token) to create a station is refused too.
    sign_in(&app, &browser, "admin", ADMIN_PASSWORD).await;
    let response = browser
        .client
        .post(app.url("/app/stations"))
        .form(&[("name", "伪造联络站"), ("kind", "station")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let admin = app.admin_token().await;
    let list = expect(app.get("/api/v1/stations", &admin).await, StatusCode::OK).await;
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn creating_a_station_from_the_page_keeps_input_on_error() {
    let app = spawn_app().await;
    let browser = Browser::new();
    sign_in(&app, &browser, "admin", ADMIN_PASSWORD).await;
    let page = browser.client.get(app.url("/app/stations")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_from(&page);
    let response = browser
        .client
        .post(app.url("/app/stations"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "<b>城关</b>联络站"),
            ("kind", "station"),
            ("contact_phone", "12345"),
            ("address", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("请填写手机号"), "the phone problem is explained");
    assert!(
        html.contains("value=\"&#60;b&#62;城关&#60;/b&#62;联络站\"")
            || html.contains("value=\"&lt;b&gt;城关&lt;/b&gt;联络站\""),
        "typed text kept, escaped"
    );
    let response = browser
        .client
        .post(app.url("/app/stations"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "<b>城关</b>联络站"),
            ("kind", "station"),
            ("contact_phone", "0571-88001234"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let list = browser.client.get(app.url("/app/stations")).send().await.unwrap().text().await.unwrap();
    assert!(!list.contains("<b>城关</b>"), "names are escaped in the list");
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = spawn_app().await;
    let browser = Browser::new();
    sign_in(&app, &browser, "admin", ADMIN_PASSWORD).await;
    let page = browser.client.get(app.url("/app")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_from(&page);
    let response = browser.client.post(app.url("/logout")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = browser.client.get(app.url("/app")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn pages_speak_english_on_request() {
    let app = spawn_app().await;
    let html = app.get_anonymous("/login?lang=en").await.text().await.unwrap();
    assert!(html.contains("Staff sign-in") && html.contains("lang=\"en\""));
    let response = app.client.get(app.url("/login")).header("accept-language", "en-US,en;q=0.9").send().await.unwrap();
    assert!(response.text().await.unwrap().contains("Staff sign-in"));
    let response = app.client.get(app.url("/login")).header(COOKIE, "lang=en").send().await.unwrap();
    assert!(response.text().await.unwrap().contains("Staff sign-in"));
}
