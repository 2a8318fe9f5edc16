//! Files to download (CSV and Excel exports): the response with its `Content-Disposition`,
//! and workbooks built off the async threads.
use actix_web::HttpResponse;
use actix_web::http::header;

use crate::error::{AppError, AppResult};

use crate::services::support::file::FileDownload;
pub use crate::services::support::file::{CSV, XLSX};

/// RFC 5987 encoding for `filename*` (and for a value inside a query string).
pub fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The `Content-Disposition` of a download: an ASCII name for old clients and the real
/// (Chinese) one for the others.
pub fn disposition(ascii: &str, name: &str) -> String {
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", encode(name))
}

/// A whole file as a download, never cached.
pub fn attachment(bytes: Vec<u8>, content_type: &str, ascii: &str, name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_DISPOSITION, disposition(ascii, name)))
        .body(bytes)
}

/// Builds a workbook (CPU-bound) on the blocking pool, not on the request's thread.
pub async fn build<T: Send + 'static>(make: impl FnOnce() -> AppResult<T> + Send + 'static) -> AppResult<T> {
    actix_web::web::block(make).await.map_err(|e| AppError::internal(anyhow::anyhow!("xlsx: {e}")))?
}

/// A file a service made, as a download.
pub fn file(download: FileDownload) -> HttpResponse {
    attachment(download.bytes, download.content_type, &download.ascii_name, &download.name)
}
