//! Photos on the resident form: re-encoded, stripped of EXIF/GPS, limited.
use std::io::Cursor;

use image::{ImageFormat, RgbImage};
use liaison::entities::case_photo;
use liaison::photos::Variant;
use reqwest::StatusCode;
use reqwest::multipart::Part;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::intake::{code_from, scene};

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 120]));
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

/// A minimal little-endian EXIF block with a GPS IFD holding a latitude reference and the
/// camera make "SpyCam", inserted as an APP1 segment after the JPEG's SOI marker.
fn with_gps_exif(jpeg: &[u8]) -> Vec<u8> {
    let mut tiff: Vec<u8> = b"II*\0\x08\0\0\0".to_vec();
    // IFD0: 2 entries: Make (0x010F, ASCII, 7, offset 38) and GPS IFD pointer (0x8825, LONG, 1, 46).
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend_from_slice(&[0x0F, 0x01, 2, 0, 7, 0, 0, 0, 38, 0, 0, 0]);
    tiff.extend_from_slice(&[0x25, 0x88, 4, 0, 1, 0, 0, 0, 46, 0, 0, 0]);
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(b"SpyCam\0\0");
    // GPS IFD: GPSLatitudeRef = "N".
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&[0x01, 0x00, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&0u32.to_le_bytes());
    let mut segment = b"Exif\0\0".to_vec();
    segment.extend_from_slice(&tiff);
    let length = (segment.len() + 2) as u16;
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&segment);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn photo(bytes: Vec<u8>, name: &str) -> Part {
    Part::bytes(bytes).file_name(name.to_string()).mime_str("image/jpeg").unwrap()
}

#[tokio::test]
async fn photos_are_re_encoded_without_gps() {
    let s = scene().await;
    let original = with_gps_exif(&jpeg(2400, 1800));
    assert!(contains(&original, b"Exif") && contains(&original, b"SpyCam"));
    let form = s
        .form("路面塌陷，附照片两张。")
        .part("photos", photo(original, "IMG_0001.jpg"))
        .part("photos", photo(jpeg(300, 200), "b.jpg"));
    let response = s.post_form(&format!("/d/{}", s.qr()), form).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let stored = s.case(&code_from(&response)).await;
    let photos =
        case_photo::Entity::find().filter(case_photo::Column::CaseId.eq(stored.id)).all(&s.app.state.db).await.unwrap();
    assert_eq!(photos.len(), 2);
    let big = photos.iter().find(|p| p.width == 1600).expect("the large photo is scaled to 1600 px");
    assert_eq!(big.height, 1200);
    let bytes = s.app.state.photos.open(&big.hash, Variant::Full).unwrap();
    assert!(!contains(&bytes, b"Exif") && !contains(&bytes, b"SpyCam"), "no EXIF or GPS survives");
    assert!(!contains(&bytes, &[0xFF, 0xE1]), "no APP1 segment at all");
    let thumb = s.app.state.photos.open(&big.hash, Variant::Thumb).unwrap();
    let (w, h) = image::ImageReader::new(Cursor::new(thumb)).with_guessed_format().unwrap().into_dimensions().unwrap();
    assert!(w <= 320 && h <= 320);
    let small = photos.iter().find(|p| p.width == 300).expect("small photos are not enlarged");
    assert_eq!(small.height, 200);
    // The tracking page mentions them but does not show them (the case is not disclosed).
    let page = s.app.get_anonymous(&format!("/t/{}", stored.tracking_code)).await.text().await.unwrap();
    assert!(page.contains("附照片 2 张") && !page.contains(&big.hash));
}

#[tokio::test]
async fn bad_photos_are_refused_and_the_text_kept() {
    let s = scene().await;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("a text file named like a photo", b"this is not an image at all".to_vec(), "格式不支持"),
        ("a truncated JPEG", jpeg(400, 300)[..300].to_vec(), "无法读取"),
        ("a GIF", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec(), "格式不支持"),
        ("a 20000x20000 PNG", png_header(20_000, 20_000), "像素过大"),
        ("an 11 MB upload", vec![0xFF; 11 * 1024 * 1024], "超过10MB"),
    ];
    for (what, bytes, message) in cases {
        let form = s.form("附了一张有问题的照片。").part("photos", photo(bytes, "photo.jpg"));
        let response = s.post_form(&format!("/d/{}", s.qr()), form).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        let html = response.text().await.unwrap();
        assert!(html.contains(message), "{what}: says {message}");
        assert!(html.contains("附了一张有问题的照片。"), "{what}: the text is kept");
    }
    assert_eq!(s.case_count().await, 0);
}

#[tokio::test]
async fn five_photos_are_one_too_many() {
    let s = scene().await;
    let mut form = s.form("五张照片，超过上限。");
    for i in 0..5 {
        form = form.part("photos", photo(jpeg(64 + i, 64), &format!("{i}.jpg")));
    }
    let response = s.post_form(&format!("/d/{}", s.qr()), form).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("最多4张照片"));
    // The four that were fine are kept for the next attempt.
    assert_eq!(html.matches("name=\"kept_photo\"").count(), 4);
    assert_eq!(s.case_count().await, 0);
}

#[tokio::test]
async fn kept_photos_carry_over_to_the_next_attempt() {
    let s = scene().await;
    let form = s.form("短").part("photos", photo(jpeg(200, 100), "a.jpg"));
    let response = s.post_form(&format!("/d/{}", s.qr()), form).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    let marker = "name=\"kept_photo\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let hash = &html[start..start + 64];
    let form =
        s.form("这次内容写够了字数。").text("kept_photo", hash.to_string()).text("kept_photo", "../../etc/passwd");
    let response = s.post_form(&format!("/d/{}", s.qr()), form).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let stored = s.case(&code_from(&response)).await;
    let photos =
        case_photo::Entity::find().filter(case_photo::Column::CaseId.eq(stored.id)).all(&s.app.state.db).await.unwrap();
    assert_eq!(photos.len(), 1);
    assert_eq!(photos[0].hash, hash);
}

#[tokio::test]
async fn a_40_megabyte_body_is_refused_with_the_text_kept() {
    let s = scene().await;
    let mut form = s.form("一次上传了四十兆的内容。");
    for i in 0..4 {
        form = form.part("photos", photo(vec![0xAB; 10 * 1024 * 1024 - 1000 + i], "big.jpg"));
    }
    form = form.part("photos", photo(vec![0xAB; 2 * 1024 * 1024], "extra.jpg"));
    let response = s.post_form(&format!("/d/{}", s.qr()), form).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let html = response.text().await.unwrap();
    assert!(html.contains("一次上传了四十兆的内容。"));
    assert_eq!(s.case_count().await, 0);
}

/// A PNG that declares its size but has no pixel data: must be refused from the header alone.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = b"IHDR".to_vec();
    chunk.extend_from_slice(&width.to_be_bytes());
    chunk.extend_from_slice(&height.to_be_bytes());
    chunk.extend_from_slice(&[8, 2, 0, 0, 0]);
    out.extend_from_slice(&13u32.to_be_bytes());
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&crc32(&chunk).to_be_bytes());
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[tokio::test]
async fn photos_are_shown_to_case_staff_and_to_the_public_only_once_disclosed() {
    use crate::helpers::{Browser, PASSWORD, sign_in};
    use sea_orm::{ActiveModelTrait, Set};
    let s = scene().await;
    let form = s.form("附照片的案件，照片只给办理人员看。").part("photos", photo(jpeg(640, 480), "a.jpg"));
    let response = s.post_form(&format!("/d/{}", s.qr()), form).await;
    let stored = s.case(&code_from(&response)).await;
    let hash = case_photo::Entity::find()
        .filter(case_photo::Column::CaseId.eq(stored.id))
        .one(&s.app.state.db)
        .await
        .unwrap()
        .unwrap()
        .hash;
    let staff_path = format!("/app/cases/{}/photos/{hash}", stored.id);
    let public_path = format!("/t/{}/photos/{hash}", stored.tracking_code);

    // Not disclosed: nobody without an account sees it.
    assert_eq!(s.app.get_anonymous(&public_path).await.status(), StatusCode::NOT_FOUND);
    // The manager of the station does; the manager of another station does not.
    let other = s.app.create_station(&s.admin, "河西联络站", "station", None).await;
    s.app.user(&s.admin, "mgr-a", "manager", serde_json::json!({"station_ids": [s.station]})).await;
    s.app.user(&s.admin, "mgr-b", "manager", serde_json::json!({"station_ids": [other]})).await;
    let a = Browser::new();
    sign_in(&s.app, &a, "mgr-a", PASSWORD).await;
    let response = a.client.get(s.app.url(&staff_path)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert!(response.headers()["cache-control"].to_str().unwrap().starts_with("private"));
    assert!(!response.headers().contains_key("set-cookie"));
    let thumb =
        a.client.get(s.app.url(&format!("{staff_path}?thumb=true"))).send().await.unwrap().bytes().await.unwrap();
    assert!(!thumb.is_empty());
    let b = Browser::new();
    sign_in(&s.app, &b, "mgr-b", PASSWORD).await;
    assert_eq!(b.client.get(s.app.url(&staff_path)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(
        a.client
            .get(s.app.url(&format!("/app/cases/{}/photos/{}", stored.id, "0".repeat(64))))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );

    // Disclosed (四公开): public.
    let mut active: liaison::entities::case::ActiveModel = stored.into();
    active.disclosed = Set(true);
    active.update(&s.app.state.db).await.unwrap();
    assert_eq!(s.app.get_anonymous(&public_path).await.status(), StatusCode::OK);
}

/// Found by the penetration test: the data folder was created 0755 and the database and
/// photos 0644. Everything the service writes is its user's alone.
#[tokio::test]
async fn the_data_directory_the_database_and_photos_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().unwrap();
    let data_dir = parent.path().join("fresh-data");
    let dir = data_dir.clone();
    let s = crate::intake::scene_with(move |settings| settings.data_dir = dir).await;
    let form = s.form("路面塌陷，附照片一张。").part("photos", photo(jpeg(800, 600), "IMG_0002.jpg"));
    let response = s.post_form(&format!("/d/{}", s.qr()), form).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data_dir), 0o700, "the data directory");
    let mut files = Vec::new();
    let mut pending = vec![data_dir.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                assert_eq!(mode(&path) & 0o077, 0, "{} is open to others", path.display());
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    assert!(files.iter().any(|f| f.extension().is_some_and(|e| e == "jpg")), "a stored photo: {files:?}");
    for file in &files {
        assert_eq!(mode(file) & 0o077, 0, "{} is open to others", file.display());
    }
    if let Some(db) = liaison::private_files::sqlite_file(&s.app.database_url) {
        for file in [db.to_path_buf(), db.with_extension("db-wal")] {
            if file.exists() {
                assert_eq!(mode(&file), 0o600, "{}", file.display());
            }
        }
    }
}
