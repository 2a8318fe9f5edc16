//! A file a use case hands to the person who asked for it (a CSV or Excel export): its bytes,
//! its kind and its name, in Chinese and in ASCII for old clients.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const CSV: &str = "text/csv; charset=utf-8";

pub struct FileDownload {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    /// The name shown to people (may be Chinese).
    pub name: String,
    /// The same name in ASCII, for clients that cannot read `filename*`.
    pub ascii_name: String,
}

/// Runs CPU-bound work (writing a workbook) off the async threads.
#[tracing::instrument(skip_all)]
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> crate::error::AppResult<T> + Send + 'static,
) -> crate::error::AppResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| crate::error::AppError::internal(anyhow::anyhow!("blocking task failed: {e}")))?
}
