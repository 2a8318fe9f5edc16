//! QR code images and the printable contact cards (民情联系卡).
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, SET_COOKIE};
use serde_json::{Value, json};

use crate::helpers::*;

/// Reads the one QR code in a PNG with a decoder independent of the encoder.
fn decode(png: &[u8]) -> String {
    let image = image::load_from_memory(png).expect("a PNG").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().expect("the code decodes").1
}

struct Fixture {
    admin: String,
    station: Value,
    deputy: Value,
}

async fn fixture(app: &TestApp) -> Fixture {
    let admin = app.admin_token().await;
    let station = app
        .create(
            "/api/v1/stations",
            &admin,
            json!({"name": "城关街道人大代表联络站", "kind": "station", "address": "人民路1号",
                   "contact_phone": "0571-88886666", "reception_days": "每月10日、25日上午"}),
        )
        .await;
    let deputy = app
        .create(
            "/api/v1/deputies",
            &admin,
            json!({"name": "王建国", "level": "county", "station_id": station["id"], "phone": "13812341234",
                   "employer": "城关镇人民政府", "post": "镇长", "address": "幸福小区3幢"}),
        )
        .await;
    Fixture { admin, station, deputy }
}

fn token(record: &Value, field: &str) -> String {
    record[field].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_deputy_png_encodes_the_form_url_at_the_size_asked() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let qr = token(&f.deputy, "qr_token");
    let expected = format!("{}/d/{qr}", app.address);
    assert_eq!(app.state.public_url, app.address);

    let response = app.get_anonymous(&format!("/d/{qr}/qr.png")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "image/png");
    assert_eq!(response.headers()[CACHE_CONTROL], "public, max-age=86400");
    assert!(response.headers().get(SET_COOKIE).is_none(), "a publicly cached image sets no cookie");
    let bytes = response.bytes().await.unwrap();
    assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 512);
    assert_eq!(decode(&bytes), expected);

    for size in [128, 777, 2048] {
        let bytes = app.get_anonymous(&format!("/d/{qr}/qr.png?size={size}")).await.bytes().await.unwrap();
        let image = image::load_from_memory(&bytes).unwrap();
        assert_eq!((image.width(), image.height()), (size, size));
        assert_eq!(decode(&bytes), expected, "size {size}");
    }
}

#[tokio::test]
async fn sizes_outside_the_range_are_a_clear_400() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let qr = token(&f.deputy, "qr_token");
    for size in ["127", "2049", "0", "-5", "big", ""] {
        let response = app.get_anonymous(&format!("/d/{qr}/qr.png?size={size}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "size={size}");
        assert!(response.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    }
}

#[tokio::test]
async fn the_svg_is_served_as_svg() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let qr = token(&f.deputy, "qr_token");
    let response = app.get_anonymous(&format!("/d/{qr}/qr.svg")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "image/svg+xml");
    assert!(response.headers().contains_key(ETAG));
    let body = response.text().await.unwrap();
    assert!(body.contains("<svg"), "{body}");
}

#[tokio::test]
async fn a_reprint_gets_304_from_the_etag() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let qr = token(&f.deputy, "qr_token");
    let path = format!("/d/{qr}/qr.png?size=600");
    let first = app.get_anonymous(&path).await;
    let tag = first.headers()[ETAG].to_str().unwrap().to_string();
    assert!(tag.starts_with('"'), "a strong ETag: {tag}");
    assert_eq!(app.get_anonymous(&path).await.headers()[ETAG], tag.as_str(), "stable across requests");

    let again = app.client.get(app.url(&path)).header(IF_NONE_MATCH, &tag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()[ETAG], tag.as_str());
    assert!(again.bytes().await.unwrap().is_empty());

    // Another size or format is another image.
    let other = app.client.get(app.url(&format!("/d/{qr}/qr.png?size=601"))).header(IF_NONE_MATCH, &tag);
    assert_eq!(other.send().await.unwrap().status(), StatusCode::OK);
    let svg = app.client.get(app.url(&format!("/d/{qr}/qr.svg"))).header(IF_NONE_MATCH, &tag);
    assert_eq!(svg.send().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_and_rotated_tokens_get_no_image() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    for path in ["/d/0123456789abcdef/qr.png", "/d/0123456789abcdef/qr.svg", "/d/nonsense/qr.png", "/s/x/qr.svg"] {
        let response = app.get_anonymous(path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(response.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"), "{path}");
    }

    let old = token(&f.deputy, "qr_token");
    let old_tag = app.get_anonymous(&format!("/d/{old}/qr.png")).await.headers()[ETAG].clone();
    let id = f.deputy["id"].as_i64().unwrap();
    let rotated =
        expect(app.post(&format!("/api/v1/deputies/{id}/rotate-qr"), &f.admin, &json!({})).await, StatusCode::OK).await;
    let new = token(&rotated, "qr_token");
    assert_ne!(new, old);
    for path in [format!("/d/{old}/qr.png"), format!("/d/{old}/qr.svg"), format!("/d/{old}/card")] {
        assert_eq!(app.get_anonymous(&path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // Not even a 304 for a copy held from before the rotation.
    let held = app.client.get(app.url(&format!("/d/{old}/qr.png"))).header(IF_NONE_MATCH, old_tag);
    assert_eq!(held.send().await.unwrap().status(), StatusCode::NOT_FOUND);

    let bytes = app.get_anonymous(&format!("/d/{new}/qr.png")).await.bytes().await.unwrap();
    assert_eq!(decode(&bytes), format!("{}/d/{new}", app.address));
}

#[tokio::test]
async fn the_station_qr_leads_to_the_station_form() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let public = token(&f.station, "public_token");
    let response = app.get_anonymous(&format!("/s/{public}/qr.png?size=256")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "image/png");
    assert_eq!(decode(&response.bytes().await.unwrap()), format!("{}/s/{public}", app.address));
    let svg = app.get_anonymous(&format!("/s/{public}/qr.svg")).await;
    assert_eq!(svg.headers()[CONTENT_TYPE], "image/svg+xml");
    assert!(svg.text().await.unwrap().contains("<svg"));
}

#[tokio::test]
async fn the_card_shows_what_residents_need_and_no_private_phone() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let qr = token(&f.deputy, "qr_token");
    let response = app.get_anonymous(&format!("/d/{qr}/card")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    for text in ["王建国", "县（区）人大代表", "城关镇人民政府 镇长", "城关街道人大代表联络站", "人民路1号"]
    {
        assert!(html.contains(text), "{text} missing");
    }
    for text in ["每月10日、25日上午", "0571-88886666", "扫码说事", "用手机扫一扫", "/static/print.css"]
    {
        assert!(html.contains(text), "{text} missing");
    }
    assert!(html.contains(&format!("src=\"/d/{qr}/qr.svg\"")));
    assert_eq!(html.matches("class=\"card\"").count(), 4, "a sheet of four copies by default");
    assert!(!html.contains("13812341234") && !html.contains("138****1234"), "the deputy's phone is not printed");
    assert!(!html.contains("幸福小区"), "nor their home address");
    assert!(!html.contains("style=") && !html.contains("<script"), "nothing the CSP would block");

    let one = app.get_anonymous(&format!("/d/{qr}/card?copies=1")).await.text().await.unwrap();
    assert_eq!(one.matches("class=\"card\"").count(), 1);
    assert_eq!(app.get_anonymous(&format!("/d/{qr}/card?copies=9")).await.status(), StatusCode::BAD_REQUEST);

    let english = app.get_anonymous(&format!("/d/{qr}/card?lang=en")).await.text().await.unwrap();
    assert!(english.contains("County-level deputy"), "{english}");
    assert!(english.contains("Scan to speak up"));
    assert!(english.contains("镇长, 城关镇人民政府"), "post first in English");

    assert_eq!(app.get_anonymous("/d/0123456789abcdef/card").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_station_sheet_has_a_card_for_every_serving_deputy() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let station_id = f.station["id"].as_i64().unwrap();
    let names = ["李秀英", "张伟", "刘洋", "陈静", "杨帆"];
    for name in names {
        app.create_deputy(&f.admin, name, station_id).await;
    }
    let point = app.create_station(&f.admin, "东街联络点", "point", Some(station_id)).await;
    app.create_deputy(&f.admin, "赵雷", point).await;
    let gone = app.create_deputy(&f.admin, "孙丽", station_id).await;
    let gone_id = gone["id"].as_i64().unwrap();
    expect(
        app.patch(&format!("/api/v1/deputies/{gone_id}"), &f.admin, &json!({"active": false})).await,
        StatusCode::OK,
    )
    .await;

    let public = token(&f.station, "public_token");
    let response = app.get_anonymous(&format!("/s/{public}/cards")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    for name in names.iter().chain(["王建国"].iter()) {
        assert!(html.contains(name), "{name} missing");
    }
    assert!(!html.contains("赵雷"), "a point's deputies are on the point's own sheet");
    assert!(!html.contains("孙丽"), "no card for a deputy who left");
    assert_eq!(html.matches("class=\"card\"").count(), 6);
    assert_eq!(html.matches("class=\"sheet\"").count(), 2, "six cards fill two A4 sheets");
    assert!(html.contains("扫码说事") && html.contains("共 6 位在任代表"));
    assert!(!html.contains("13812341234") && !html.contains("138****1234"));

    assert_eq!(app.get_anonymous("/s/0123456789abcdef/cards").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_print_stylesheet_is_served() {
    let app = spawn_app().await;
    let response = app.get_anonymous("/static/print.css").await;
    assert_eq!(response.status(), StatusCode::OK);
    let css = response.text().await.unwrap();
    assert!(css.contains("@page") && css.contains("size:A4"));
}
