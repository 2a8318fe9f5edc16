//! A ledger as an HTTP response: JSON and CSV streamed batch by batch, XLSX written to a
//! temporary file in constant memory and then streamed from it. For the API and the pages.
use std::path::PathBuf;

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::Bytes;
use futures_util::StreamExt;
use tokio::io::AsyncReadExt;

use crate::error::AppResult;
use crate::http::shared::download::disposition;
use crate::services::books::ledgers::Ledger;
use crate::services::books::ledgers::render::{self, Format};

/// The ledger in the asked format; `scratch` is where the XLSX is written first.
pub async fn respond(ledger: Ledger, format: Format, scratch: PathBuf) -> AppResult<HttpResponse> {
    let (filename, ascii) = render::filenames(&ledger, format);
    let mut response = HttpResponse::Ok();
    response.content_type(format.content_type()).insert_header((header::CACHE_CONTROL, "no-store"));
    if format != Format::Json {
        response.insert_header((header::CONTENT_DISPOSITION, disposition(&ascii, &filename)));
    }
    match format {
        Format::Json | Format::Csv => {
            // Headers are sent by now: a failure ends the body early, and is logged.
            let body = render::stream(ledger, format).map(|chunk| {
                chunk.map(Bytes::from).map_err(|error| {
                    error.log();
                    std::io::Error::other(error.to_string())
                })
            });
            Ok(response.streaming(body))
        }
        Format::Xlsx => {
            let file = render::xlsx(ledger, scratch).await?;
            let file = tokio::fs::File::from_std(file);
            let body = futures_util::stream::try_unfold(file, read_chunk);
            Ok(response.streaming(body))
        }
    }
}

/// The next 64 KiB of a file.
async fn read_chunk(mut file: tokio::fs::File) -> std::io::Result<Option<(Bytes, tokio::fs::File)>> {
    let mut buffer = vec![0u8; 64 * 1024];
    let n = file.read(&mut buffer).await?;
    if n == 0 {
        return Ok(None);
    }
    buffer.truncate(n);
    Ok(Some((Bytes::from(buffer), file)))
}
