//! The resident's hot path, piece by piece: QR images, the form page, parsing a submission,
//! re-encoding a phone photo. `cargo bench --bench intake`.
// Benchmarks and tests may unwrap and panic: a failed expectation is what they are for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::hint::black_box;
use std::io::Cursor;

use criterion::{Criterion, criterion_group, criterion_main};
use image::{ImageFormat, RgbImage};
use liaison::domain::intake::{RawSubmission, parse_submission};
use liaison::http::pages::resident::form;
use liaison::http::shared::i18n::Lang;
use liaison::photos::{PhotoLimits, process};
use liaison::qr;

const URL: &str = "https://liaison.example.gov.cn/d/0123456789abcdef";

fn qr_codes(c: &mut Criterion) {
    c.bench_function("qr png 512px", |b| b.iter(|| qr::png(black_box(URL), 512).unwrap()));
    c.bench_function("qr svg", |b| b.iter(|| qr::svg(black_box(URL)).unwrap()));
}

fn form_page(c: &mut Criterion) {
    c.bench_function("form render (7 categories)", |b| b.iter(|| form::sample(black_box(Lang::Zh), 7).unwrap()));
}

fn submission(c: &mut Criterion) {
    let raw = RawSubmission {
        category_id: "3".into(),
        content: "小区门口的路灯坏了一个多月，晚上很黑，老人出行不便。".repeat(10),
        location: "幸福小区东门".into(),
        contact_name: "张三".into(),
        contact_phone: "+86 138 1234 5678".into(),
        consent: true,
        ..RawSubmission::default()
    };
    c.bench_function("parse submission", |b| b.iter(|| parse_submission(black_box(&raw)).unwrap()));
}

fn photo(c: &mut Criterion) {
    let image =
        RgbImage::from_fn(4000, 3000, |x, y| image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x + y) % 239) as u8]));
    let mut jpeg = Cursor::new(Vec::new());
    image.write_to(&mut jpeg, ImageFormat::Jpeg).unwrap();
    let jpeg = jpeg.into_inner();
    let limits = PhotoLimits::default();
    let mut group = c.benchmark_group("photo");
    group.sample_size(10);
    group.bench_function("re-encode 12 MP JPEG", |b| b.iter(|| process(black_box(&jpeg), &limits).unwrap()));
    group.finish();
}

criterion_group!(benches, qr_codes, form_page, submission, photo);
criterion_main!(benches);
