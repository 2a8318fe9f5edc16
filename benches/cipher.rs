//! Sealing residents' names and phones: one value sealed and opened, a phone's lookup hash.
//! `cargo bench --bench cipher`.
// Benchmarks and tests may unwrap and panic: a failed expectation is what they are for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use liaison::domain::phone::Phone;
use liaison::domain::sealed::KeyId;
use liaison::services::privacy::cipher::{Cipher, random_key};

fn cipher() -> Cipher {
    let id = KeyId::parse("bench").unwrap();
    Cipher::new(vec![(id, random_key())], random_key()).unwrap()
}

fn seal_and_open(c: &mut Criterion) {
    let cipher = cipher();
    c.bench_function("seal + open a phone", |b| {
        b.iter(|| cipher.open(&cipher.seal(black_box("13812345678"))).unwrap())
    });
    c.bench_function("seal + open a household (30 characters)", |b| {
        b.iter(|| cipher.open(&cipher.seal(black_box("幸福小区3栋2单元501室 张桂兰一家五口人住在这里"))).unwrap())
    });
    let sealed = cipher.seal("13812345678");
    c.bench_function("open a phone", |b| b.iter(|| cipher.open(black_box(&sealed)).unwrap()));
    let phone = Phone::parse("phone", "13812345678").unwrap();
    c.bench_function("phone lookup hash", |b| b.iter(|| cipher.phone_hash(black_box(&phone))));
}

criterion_group!(benches, seal_and_open);
criterion_main!(benches);
