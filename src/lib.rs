//! Liaison (码上说事): case handling for people's congress deputy liaison stations.
rust_i18n::i18n!("locales", fallback = "zh-CN");

pub mod backup;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod entities;
pub mod error;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
pub mod http;
pub mod jobs;
pub mod photos;
pub mod private_files;
pub mod qr;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;
