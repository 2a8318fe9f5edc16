//! Thin handlers: extract → parse → service → respond.
pub mod api;
pub mod input_guard;
pub mod middleware;
pub mod pages;
pub mod request_span;
pub mod shared;
pub mod static_files;
