//! The fuzz targets on stable, within `cargo test`: each replays its committed corpus
//! (`fuzz/corpus/<target>/`, seeds and crash reproducers), then runs mutated and random inputs
//! for a bounded time. Reproduce a failure with the printed `FUZZ_SEED`; `FUZZ_SECONDS` sets
//! the time per target (default 2).
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::TARGETS;

/// Fragments the parsers care about, spliced into inputs so mutation reaches deeper branches.
const DICTIONARY: &[&[u8]] = &[
    b"+86",
    b"0086",
    b"\xe8\xbd\xac",
    b"ext",
    b"#",
    b"-",
    b" ",
    b"(",
    b")",
    b"138",
    b"010",
    b"0755",
    b"\r\n",
    b"\r",
    b"\n",
    b"\t",
    b"\x00",
    b"%00",
    b"%7F",
    b"%C2%85",
    b"\\u0000",
    b"\\\\u0000",
    b"\xe2\x80\x8b",
    b"\xe2\x81\xa0",
    b"q=",
    b"\xe2\x80\xae",
    b"\xef\xbb\xbf",
    b",",
    b"\"",
    b"holiday",
    b"workday",
    b"2026-",
    b"-01-01",
    b"262143-12-31",
    b"&",
    b"=",
    b"%",
    b"+",
    b"content=",
    b"consent=on",
    b"anonymous=1",
    b"latitude=",
    b"NaN",
    b"1e309",
    b"--fuzz",
    b"Content-Disposition: form-data; name=\"",
    b"\"; filename=\"a\"",
    b"{",
    b"}",
    b"null",
    b"\"action\":",
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"RIFF",
    b"WEBP",
    b"IHDR",
];

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => panic!("the corpus {} cannot be read: {e}", dir.display()),
    };
    files.sort();
    files.iter().map(|path| std::fs::read(path).expect("a corpus file")).collect()
}

fn mutate(rng: &mut StdRng, seeds: &[Vec<u8>]) -> Vec<u8> {
    if seeds.is_empty() || rng.random_ratio(1, 16) {
        let len = rng.random_range(0..64);
        return (0..len).map(|_| rng.random()).collect();
    }
    let mut input = seeds[rng.random_range(0..seeds.len())].clone();
    for _ in 0..rng.random_range(1..=4) {
        let at = rng.random_range(0..=input.len());
        match rng.random_range(0..7) {
            0 if !input.is_empty() => {
                let i = rng.random_range(0..input.len());
                input[i] ^= 1 << rng.random_range(0..8);
            }
            1 => input.insert(at, rng.random()),
            2 if at < input.len() => {
                let end = rng.random_range(at..=input.len().min(at + 16));
                input.drain(at..end);
            }
            3 if at < input.len() => {
                let end = rng.random_range(at..=input.len().min(at + 16));
                let copy = input[at..end].to_vec();
                let to = rng.random_range(0..=input.len());
                input.splice(to..to, copy);
            }
            4 => {
                let word = DICTIONARY[rng.random_range(0..DICTIONARY.len())];
                input.splice(at..at, word.iter().copied());
            }
            5 => {
                let other = &seeds[rng.random_range(0..seeds.len())];
                let from = rng.random_range(0..=other.len());
                input.truncate(at);
                input.extend_from_slice(&other[from..]);
            }
            _ if !input.is_empty() => {
                let i = rng.random_range(0..input.len());
                input[i] = *[0u8, 0x7F, 0x80, 0xFF, b'0', b'9'].get(rng.random_range(0..6)).unwrap_or(&0);
            }
            _ => {}
        }
    }
    input
}

fn run_one(target: &str, input: &[u8], what: &str) {
    let body = TARGETS.iter().find(|(name, _)| *name == target).map(|(_, f)| *f).expect("a known target");
    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| body(input))) {
        eprintln!(
            "fuzz target {target} failed on {what}; input ({} bytes): {:?}",
            input.len(),
            input.escape_ascii().to_string()
        );
        resume_unwind(panic);
    }
}

fn fuzz(target: &str) {
    let seeds = corpus(target);
    assert!(!seeds.is_empty(), "fuzz/corpus/{target} is empty");
    for (i, seed) in seeds.iter().enumerate() {
        run_one(target, seed, &format!("corpus file #{i}"));
    }
    let seed: u64 = match std::env::var("FUZZ_SEED") {
        Ok(text) => text.parse().expect("FUZZ_SEED is a number"),
        Err(_) => rand::rng().random(),
    };
    let seconds: f64 = std::env::var("FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(2.0);
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut runs = 0u64;
    while Instant::now() < deadline {
        let input = mutate(&mut rng, &seeds);
        run_one(target, &input, &format!("mutated input #{runs} of FUZZ_SEED={seed}"));
        runs += 1;
    }
    eprintln!("fuzz target {target}: {} corpus files, {runs} mutated inputs (FUZZ_SEED={seed})", seeds.len());
}

#[test]
fn every_target_has_a_corpus_and_a_libfuzzer_entry() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for (name, _) in TARGETS {
        assert!(root.join("fuzz_targets").join(format!("{name}.rs")).is_file(), "fuzz/fuzz_targets/{name}.rs");
        assert!(!corpus(name).is_empty(), "fuzz/corpus/{name}");
    }
}

#[test]
fn fuzz_phone() {
    fuzz("phone");
}

#[test]
fn fuzz_tokens() {
    fuzz("tokens");
}

#[test]
fn fuzz_text() {
    fuzz("text");
}

#[test]
fn fuzz_intake_form() {
    fuzz("intake_form");
}

#[test]
fn fuzz_multipart() {
    fuzz("multipart");
}

#[test]
fn fuzz_json_bodies() {
    fuzz("json_bodies");
}

#[test]
fn fuzz_photo() {
    fuzz("photo");
}

#[test]
fn fuzz_calendar_csv() {
    fuzz("calendar_csv");
}

#[test]
fn fuzz_period() {
    fuzz("period");
}
