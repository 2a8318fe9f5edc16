//! Thin handlers: extract → parse → service → respond.
pub mod api;
pub mod client;
pub mod csrf;
pub mod extract;
pub mod i18n;
pub mod input_guard;
pub mod middleware;
pub mod multipart;
pub mod pages;
pub mod patch;
pub mod photo_intake;
pub mod request_span;
pub mod static_files;
