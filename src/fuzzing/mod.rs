//! Fuzz target bodies: one plain function per parser of outside input, taking raw bytes and
//! asserting the parser's own invariants (no panic, and what it accepts is well formed and
//! parses back to itself). `fuzz/` runs them under libFuzzer (`cargo +nightly fuzz run <name>`);
//! on stable, `cargo test` replays `fuzz/corpus/<name>/` and feeds each a few seconds of mutated
//! input (see `replay`). Compiled for tests and with the `fuzzing` feature only.
// Fuzz targets assert their invariants by panicking, like tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fields;
mod forms;
mod guard;
mod json;
mod photo;
#[cfg(test)]
mod replay;
mod tables;

pub use fields::{phone, text, tokens};
pub use forms::{intake_form, multipart};
pub use guard::input_guard;
pub use json::json_bodies;
pub use photo::photo;
pub use tables::{calendar_csv, period};

/// A target's body: bytes in, a panic on a broken invariant.
pub type Target = fn(&[u8]);

/// Every target by the name of its `fuzz/fuzz_targets/<name>.rs` and corpus directory.
pub const TARGETS: &[(&str, Target)] = &[
    ("phone", phone),
    ("tokens", tokens),
    ("text", text),
    ("intake_form", intake_form),
    ("multipart", multipart),
    ("json_bodies", json_bodies),
    ("photo", photo),
    ("calendar_csv", calendar_csv),
    ("period", period),
    ("input_guard", input_guard),
];
