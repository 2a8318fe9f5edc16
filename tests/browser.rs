//! Headless Chromium at phone size (390×844), driven through chromedriver: what a resident
//! does with a real browser. Runs with `--features browser-tests` (CI installs chromium and
//! chromium-driver); screenshots land in `target/test-artifacts/`.
// Benchmarks and tests may unwrap and panic: a failed expectation is what they are for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(feature = "browser-tests")]

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::io::Cursor;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use helpers::*;
use liaison::entities::{case, case_photo};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn driver() -> Driver {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver (apt-get install chromium chromium-driver)");
    let url = format!("http://127.0.0.1:{port}");
    // Wait until it answers (it starts in well under a second).
    for _ in 0..100 {
        if reqwest::get(format!("{url}/status")).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Driver { child, url }
}

async fn phone(driver: &Driver) -> Client {
    phone_sized(driver, 390, 844).await
}

async fn phone_sized(driver: &Driver, width: u32, height: u32) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", format!("--window-size={width},{height}"), "--lang=zh-CN"],
            "mobileEmulation": {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0}}
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

fn artifact(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn photo_file() -> PathBuf {
    let image = image::RgbImage::from_fn(3000, 2000, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut bytes = Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Jpeg).unwrap();
    let path = std::env::temp_dir().join(format!("liaison-photo-{}.jpg", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, bytes.into_inner()).unwrap();
    path
}

#[tokio::test]
async fn a_resident_reports_a_broken_street_light_from_a_phone() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let station = app.create_station(&admin, "城关街道人大代表联络站", "station", None).await;
    let deputy = app.create_deputy(&admin, "王建国", station).await;
    let qr = deputy["qr_token"].as_str().unwrap();

    let driver = driver().await;
    let browser = phone(&driver).await;
    browser.goto(&app.url(&format!("/d/{qr}?lang=zh"))).await.unwrap();
    browser.find(Locator::Css("input[name=category_id][value='3']")).await.unwrap().click().await.unwrap();
    browser
        .find(Locator::Id("content"))
        .await
        .unwrap()
        .send_keys("小区东门的路灯坏了一个多月，晚上很黑，老人出门不方便。")
        .await
        .unwrap();
    browser.find(Locator::Id("location")).await.unwrap().send_keys("幸福小区东门").await.unwrap();
    browser.find(Locator::Id("contact_phone")).await.unwrap().send_keys("13812345678").await.unwrap();
    let photo = photo_file();
    browser.find(Locator::Id("photos")).await.unwrap().send_keys(photo.to_str().unwrap()).await.unwrap();
    browser.find(Locator::Css("input[name=consent]")).await.unwrap().click().await.unwrap();
    std::fs::write(artifact("resident-form.png"), browser.screenshot().await.unwrap()).unwrap();
    browser.find(Locator::Css("#case-form button[type=submit]")).await.unwrap().click().await.unwrap();

    let code = browser.wait().at_most(Duration::from_secs(30)).for_element(Locator::Css("p.code")).await.unwrap();
    let shown = code.text().await.unwrap();
    std::fs::write(artifact("resident-tracking.png"), browser.screenshot().await.unwrap()).unwrap();
    let body = browser.find(Locator::Css("body")).await.unwrap().text().await.unwrap();
    assert!(body.contains("提交成功"), "{body}");
    let url = browser.current_url().await.unwrap();
    assert!(url.path().starts_with("/t/"), "{url}");
    browser.close().await.unwrap();
    let _ = std::fs::remove_file(photo);

    let stored = case::Entity::find()
        .filter(case::Column::TrackingCode.eq(shown.replace('-', "")))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the case is stored under the code shown");
    assert_eq!(stored.location.as_deref(), Some("幸福小区东门"));
    let photos =
        case_photo::Entity::find().filter(case_photo::Column::CaseId.eq(stored.id)).all(&app.state.db).await.unwrap();
    assert_eq!(photos.len(), 1, "the photo (shrunk on the phone) arrived");
    assert!(photos[0].width <= 1600);
}

/// Waits until the browser has navigated to a URL containing `part`.
async fn arrive(browser: &Client, part: &str) {
    for _ in 0..200 {
        if browser.current_url().await.is_ok_and(|url| url.as_str().contains(part)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never arrived at a URL with {part}");
}

#[tokio::test]
async fn a_deputy_answers_a_case_from_a_phone() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let station = app.create_station(&admin, "城关街道人大代表联络站", "station", None).await;
    let deputy = app.create_deputy(&admin, "王建国", station).await;
    app.user(&admin, "wangjianguo", "deputy", json!({"deputy_id": deputy["id"]})).await;
    let categories = app.get("/api/v1/categories", &admin).await.json::<serde_json::Value>().await.unwrap();
    let category = categories["items"][0]["id"].as_i64().unwrap();
    for content in ["小区东门的路灯坏了一个多月，晚上很黑，老人出门不方便。", "菜市场门口的下水道堵了，污水漫到路上。"]
    {
        let response = app
            .client
            .post(app.url("/api/v1/public/submissions"))
            .json(&json!({"qr_token": deputy["qr_token"], "category_id": category, "content": content,
                          "contact_name": "张三", "contact_phone": "13812345678", "consent": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    }
    let reply = "您好，您反映的路灯问题已转交街道维修，预计三个工作日内修好，感谢您的监督。";
    app.create(
        "/api/v1/reply-templates",
        &admin,
        json!({"kind": "reply", "title": "已转交维修", "body": reply, "sort_order": 1}),
    )
    .await;

    let driver = driver().await;
    let browser = phone(&driver).await;
    browser.goto(&app.url("/login?lang=zh&next=/app")).await.unwrap();
    browser.find(Locator::Id("username")).await.unwrap().send_keys("wangjianguo").await.unwrap();
    browser.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    browser.find(Locator::Css("form.card button[type=submit]")).await.unwrap().click().await.unwrap();

    let wait = Duration::from_secs(20);
    browser.wait().at_most(wait).for_element(Locator::Css("ul.queue")).await.unwrap();
    std::fs::write(artifact("deputy-inbox.png"), browser.screenshot().await.unwrap()).unwrap();
    let body = browser.find(Locator::Css("body")).await.unwrap().text().await.unwrap();
    assert!(body.contains("我的待办"), "{body}");
    assert!(body.contains("路灯坏了"), "{body}");
    let rows = browser.find_all(Locator::Css("ul.queue a.row")).await.unwrap();
    assert_eq!(rows.len(), 2);
    // The street-light case.
    browser.find(Locator::XPath("//ul[@class='queue']//a[contains(., '路灯')]")).await.unwrap().click().await.unwrap();

    browser.wait().at_most(wait).for_element(Locator::Id("do-accept")).await.unwrap().click().await.unwrap();
    arrive(&browser, "done=accept").await;
    let template = browser.wait().at_most(wait).for_element(Locator::Id("template")).await.unwrap();
    let status = browser.find(Locator::Id("case-status")).await.unwrap().text().await.unwrap();
    assert_eq!(status, "已受理");
    template
        .select_by_value(
            &template.find(Locator::Css("option:nth-child(2)")).await.unwrap().attr("value").await.unwrap().unwrap(),
        )
        .await
        .unwrap();
    browser.find(Locator::Id("use-template")).await.unwrap().click().await.unwrap();
    arrive(&browser, "template=").await;
    let text = browser.wait().at_most(wait).for_element(Locator::Id("reply-text")).await.unwrap();
    assert_eq!(text.prop("value").await.unwrap().as_deref(), Some(reply));
    std::fs::write(artifact("deputy-case-reply.png"), browser.screenshot().await.unwrap()).unwrap();
    browser.find(Locator::Id("do-reply")).await.unwrap().click().await.unwrap();
    arrive(&browser, "done=reply").await;

    browser.wait().at_most(wait).for_element(Locator::Css("p.ok")).await.unwrap();
    let status = browser.find(Locator::Id("case-status")).await.unwrap().text().await.unwrap();
    assert_eq!(status, "已答复");
    browser.execute("window.scrollTo(0, 0)", vec![]).await.unwrap();
    std::fs::write(artifact("deputy-case-replied.png"), browser.screenshot().await.unwrap()).unwrap();
    // Nothing on the page spills sideways at phone width.
    let wide = browser.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
    assert!(wide.as_i64().unwrap() <= 390, "page is {wide} px wide");
    browser.close().await.unwrap();

    let stored = case::Entity::find()
        .filter(case::Column::Content.contains("路灯"))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the case");
    assert_eq!(stored.status, "replied");
    assert_eq!(stored.reply.as_deref(), Some(reply));
}

#[tokio::test]
async fn a_managers_queue_fits_a_small_phone() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let station = app.create_station(&admin, "城关街道人大代表联络站", "station", None).await;
    let deputy = app.create_deputy(&admin, "王建国", station).await;
    app.create_unit(&admin, "区住房和城乡建设局").await;
    app.user(&admin, "manager", "manager", json!({"station_ids": [station]})).await;
    let categories = app.get("/api/v1/categories", &admin).await.json::<serde_json::Value>().await.unwrap();
    let category = categories["items"][0]["id"].as_i64().unwrap();
    for content in ["小区东门的路灯坏了一个多月，晚上很黑，老人出门不方便。", "菜市场门口的下水道堵了，污水漫到路上。"]
    {
        let response = app
            .client
            .post(app.url("/api/v1/public/submissions"))
            .json(
                &json!({"qr_token": deputy["qr_token"], "category_id": category, "content": content, "consent": true}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
    }
    let driver = driver().await;
    let browser = phone_sized(&driver, 320, 640).await;
    browser.goto(&app.url("/login?lang=zh&next=/app")).await.unwrap();
    browser.find(Locator::Id("username")).await.unwrap().send_keys("manager").await.unwrap();
    browser.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    browser.find(Locator::Css("form.card button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css("#bulk")).await.unwrap();
    browser.find(Locator::Css("details.filters summary")).await.unwrap().click().await.unwrap();
    std::fs::write(artifact("manager-queue-320.png"), browser.screenshot().await.unwrap()).unwrap();
    let wide = browser.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
    assert!(wide.as_i64().unwrap() <= 320, "page is {wide} px wide");
    browser.execute("window.scrollTo(0, document.body.scrollHeight)", vec![]).await.unwrap();
    std::fs::write(artifact("manager-queue-320-bulk.png"), browser.screenshot().await.unwrap()).unwrap();
    browser.close().await.unwrap();
}

/// The printed case ledger: A4 landscape pages from the browser's own print, the station and
/// the ledger's title on the page, and as many pages as the rows need.
#[tokio::test]
async fn a_ledger_prints_to_a4_pages() {
    use fantoccini::wd::{PrintConfiguration, PrintOrientation, PrintSize};
    let app = spawn_app_with(|settings| {
        settings.submit_rate_per_minute = 0;
        settings.submit_rate_per_code_per_minute = 0;
    })
    .await;
    let admin = app.admin_token().await;
    let station = app.create_station(&admin, "城关街道人大代表联络站", "station", None).await;
    let deputy = app.create_deputy(&admin, "王建国", station).await;
    app.user(&admin, "manager", "manager", json!({"station_ids": [station]})).await;
    let categories = app.get("/api/v1/categories", &admin).await.json::<serde_json::Value>().await.unwrap();
    let category = categories["items"][0]["id"].as_i64().unwrap();
    for n in 0..60 {
        let content = format!("第{n}件：小区东门的路灯坏了一个多月，晚上很黑，老人出门不方便。");
        let response = app
            .client
            .post(app.url("/api/v1/public/submissions"))
            .json(
                &json!({"qr_token": deputy["qr_token"], "category_id": category, "content": content, "consent": true}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
    }
    let driver = driver().await;
    let browser = phone_sized(&driver, 1280, 900).await;
    browser.goto(&app.url("/login?lang=zh&next=/app")).await.unwrap();
    browser.find(Locator::Id("username")).await.unwrap().send_keys("manager").await.unwrap();
    browser.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    browser.find(Locator::Css("form.card button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait().at_most(Duration::from_secs(20)).for_url(&app.url("/app/cases").parse().unwrap()).await.ok();
    browser
        .goto(&app.url(&format!("/app/stations/{station}/ledgers/case-ledger/print?from=2026-03-01&to=2026-03-31")))
        .await
        .unwrap();
    let heading = browser.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
    assert!(heading.contains("意见建议办理台账"), "{heading}");
    let config = PrintConfiguration::builder()
        .size(PrintSize::A4)
        .orientation(PrintOrientation::Landscape)
        .background(true)
        .build()
        .unwrap();
    let pdf = browser.print(config).await.unwrap();
    std::fs::write(artifact("case-ledger-print.pdf"), &pdf).unwrap();
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    let text = String::from_utf8_lossy(&pdf);
    let pages = text.matches("/Type /Page\n").count()
        + text.matches("/Type /Page>").count()
        + text.matches("/Type /Page/").count()
        + text.matches("/Type /Page ").count();
    assert!(pages >= 2, "60 cases take more than one page ({pages} pages)");
    browser.close().await.unwrap();
}

/// The station's book pages at phone width: nothing wider than the screen.
#[tokio::test]
async fn the_book_pages_fit_a_phone() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let station = app.create_station(&admin, "城关街道人大代表联络站", "station", None).await;
    let deputy = app.create_deputy(&admin, "王建国", station).await;
    let deputy_id = deputy["id"].as_i64().unwrap();
    let (_, manager) = app.user(&admin, "manager", "manager", json!({"station_ids": [station]})).await;
    app.create(
        &format!("/api/v1/stations/{station}/activities"),
        &manager,
        json!({"kind": "research", "held_on": "2026-03-02", "place": "城关街道办事处三楼会议室", "topic": "老旧小区加装电梯专题调研", "deputy_ids": [deputy_id]}),
    )
    .await;
    app.create(
        &format!("/api/v1/stations/{station}/suggestions"),
        &manager,
        json!({"title": "关于在东门社区增设公交站点方便老年人就医出行的建议", "reasons": "东门社区到医院没有直达公交。", "lead_deputy_id": deputy_id}),
    )
    .await;
    // A few cases, so the dashboard draws its charts and tables.
    let qr = deputy["qr_token"].as_str().unwrap();
    let card: serde_json::Value =
        app.client.get(app.url(&format!("/api/v1/public/deputies/{qr}"))).send().await.unwrap().json().await.unwrap();
    let mut code = String::new();
    for (i, category) in card["categories"].as_array().unwrap().iter().take(3).enumerate() {
        let response = app
            .client
            .post(app.url("/api/v1/public/submissions"))
            .json(&json!({"qr_token": qr, "category_id": category["id"], "content": format!("第{i}件：小区门口的路灯坏了，晚上很黑。"), "consent": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let body: serde_json::Value = response.json().await.unwrap();
        code = body["tracking_code"].as_str().unwrap().to_string();
    }
    let driver = driver().await;
    let browser = phone(&driver).await;
    browser.goto(&app.url("/login?lang=zh&next=/app")).await.unwrap();
    browser.find(Locator::Id("username")).await.unwrap().send_keys("manager").await.unwrap();
    browser.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    browser.find(Locator::Css("form.card button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css("nav")).await.unwrap();
    for (name, path) in [
        ("books", "/app/books".to_string()),
        ("activities", "/app/activities".to_string()),
        ("suggestions", "/app/suggestions".to_string()),
        ("deputy-file", format!("/app/deputies/{deputy_id}/file")),
        ("ledgers", "/app/ledgers".to_string()),
        ("dashboard", "/app/dashboard".to_string()),
        ("deputies-compare", format!("/app/stations/{station}/deputies/compare")),
        ("drill-down", "/app/cases?figure=received&from=2026-01-01".to_string()),
        // A resident's tracking page with the withdrawal form (nobody has acted yet).
        ("track-withdraw", format!("/t/{code}")),
    ] {
        browser.goto(&app.url(&path)).await.unwrap();
        browser.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css("h1, p.code")).await.unwrap();
        std::fs::write(artifact(&format!("{name}-390.png")), browser.screenshot().await.unwrap()).unwrap();
        let wide = browser.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
        assert!(wide.as_i64().unwrap() <= 390, "{path} is {wide} px wide");
    }
    browser.close().await.unwrap();

    // The administrator's audit log, with the sign-ins above in it.
    let browser = phone(&driver).await;
    browser.goto(&app.url("/login?lang=zh&next=/app/audit")).await.unwrap();
    browser.find(Locator::Id("username")).await.unwrap().send_keys("admin").await.unwrap();
    browser.find(Locator::Id("password")).await.unwrap().send_keys(ADMIN_PASSWORD).await.unwrap();
    browser.find(Locator::Css("form.card button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css("nav")).await.unwrap();
    browser.goto(&app.url("/app/audit")).await.unwrap();
    browser.wait().at_most(Duration::from_secs(20)).for_element(Locator::Id("audit")).await.unwrap();
    std::fs::write(artifact("audit-390.png"), browser.screenshot().await.unwrap()).unwrap();
    let wide = browser.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
    assert!(wide.as_i64().unwrap() <= 390, "/app/audit is {wide} px wide");
    browser.close().await.unwrap();
}
