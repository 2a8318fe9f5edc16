//! Photo responses: re-encoded JPEGs only, never an upload as it came.
use actix_web::HttpResponse;
use actix_web::http::header;

/// A photo's JPEG bytes. `public` ones (disclosed cases) may sit in shared caches; the others
/// are personal and `private`.
pub fn jpeg(bytes: Vec<u8>, public: bool) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/jpeg")
        .insert_header((header::CACHE_CONTROL, if public { "public, max-age=3600" } else { "private, max-age=3600" }))
        .body(bytes)
}
