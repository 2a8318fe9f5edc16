//! Why a photo was refused, and how that becomes an HTTP answer.
use std::fmt;

use crate::domain::field::{FieldError, Problem};
use crate::error::AppError;

/// The form field that photo problems are reported against.
pub const PHOTO_FIELD: &str = "photos";

/// A file that is not one of the accepted formats, as far as its first bytes tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsupportedKind {
    /// HEIC/HEIF, what iPhones store by default.
    Heic,
    Avif,
    Gif,
    Svg,
    Bmp,
    Tiff,
    /// Not an image format we recognise at all.
    Unknown,
}

impl UnsupportedKind {
    pub fn code(self) -> &'static str {
        match self {
            UnsupportedKind::Heic => "heic",
            UnsupportedKind::Avif => "avif",
            UnsupportedKind::Gif => "gif",
            UnsupportedKind::Svg => "svg",
            UnsupportedKind::Bmp => "bmp",
            UnsupportedKind::Tiff => "tiff",
            UnsupportedKind::Unknown => "unknown",
        }
    }
}

impl fmt::Display for UnsupportedKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            UnsupportedKind::Heic => "HEIC/HEIF",
            UnsupportedKind::Avif => "AVIF",
            UnsupportedKind::Gif => "GIF",
            UnsupportedKind::Svg => "SVG",
            UnsupportedKind::Bmp => "BMP",
            UnsupportedKind::Tiff => "TIFF",
            UnsupportedKind::Unknown => "this file type",
        };
        f.write_str(name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("the photo is larger than {} MB", .max.div_ceil(1024 * 1024))]
    TooLarge { size: usize, max: usize },
    #[error("the photo is too big to process ({width}×{height} pixels)")]
    TooManyPixels { width: u32, height: u32 },
    #[error("{kind} is not accepted; please send a JPEG, PNG or WebP photo{}", hint(.kind))]
    Unsupported { kind: UnsupportedKind },
    /// The file claims an accepted format but cannot be read; `detail` is for the log only.
    #[error("the photo could not be read; the file may be damaged or incomplete")]
    Corrupt { detail: String },
    /// Encoding our own pixels failed: a fault here, not in the upload.
    #[error("the photo could not be processed")]
    Internal { detail: String },
}

/// iPhones save HEIC unless told otherwise; say how.
fn hint(kind: &UnsupportedKind) -> &'static str {
    match kind {
        UnsupportedKind::Heic => " (on iPhone: Settings → Camera → Formats → Most Compatible)",
        _ => "",
    }
}

impl PhotoError {
    pub(crate) fn corrupt(detail: impl fmt::Display) -> Self {
        PhotoError::Corrupt { detail: detail.to_string() }
    }

    /// A stable snake_case code, e.g. for a translated message (`photo.<code>`).
    pub fn code(&self) -> &'static str {
        match self {
            PhotoError::TooLarge { .. } => "too_large",
            PhotoError::TooManyPixels { .. } => "too_many_pixels",
            PhotoError::Unsupported { kind: UnsupportedKind::Heic } => "unsupported_heic",
            PhotoError::Unsupported { .. } => "unsupported",
            PhotoError::Corrupt { .. } => "corrupt",
            PhotoError::Internal { .. } => "internal",
        }
    }

    /// The same error reported against a named form field.
    pub fn into_app_error(self, field: &'static str) -> AppError {
        match self {
            PhotoError::TooLarge { .. } => AppError::PayloadTooLarge(self.to_string()),
            PhotoError::Internal { ref detail } => {
                AppError::internal(anyhow::anyhow!("photo processing failed: {detail}"))
            }
            PhotoError::TooManyPixels { .. } | PhotoError::Unsupported { .. } | PhotoError::Corrupt { .. } => {
                AppError::field(FieldError::new(field, Problem::Described(self.to_string())))
            }
        }
    }
}

/// 413 for an oversized upload, 422 against the `photos` field for the rest.
impl From<PhotoError> for AppError {
    fn from(err: PhotoError) -> Self {
        err.into_app_error(PHOTO_FIELD)
    }
}

#[cfg(test)]
mod tests {
    use actix_web::ResponseError;
    use actix_web::http::StatusCode;

    use super::*;

    #[test]
    fn oversized_uploads_are_413_and_the_rest_422_on_the_photo_field() {
        let too_large: AppError = PhotoError::TooLarge { size: 11 << 20, max: 10 << 20 }.into();
        assert_eq!(too_large.status_code(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(too_large.public_message(), "the photo is larger than 10 MB");

        for err in [
            PhotoError::TooManyPixels { width: 100_000, height: 100_000 },
            PhotoError::Unsupported { kind: UnsupportedKind::Gif },
            PhotoError::corrupt("bad huffman table"),
        ] {
            let app: AppError = err.into();
            assert_eq!(app.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
            let body = app.body();
            assert_eq!(body.fields.len(), 1);
            assert_eq!(body.fields[0].field, "photos");
            assert!(!body.fields[0].message.contains("huffman"), "internal detail leaked");
        }

        let internal: AppError = PhotoError::Internal { detail: "x".into() }.into();
        assert_eq!(internal.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn heic_gets_a_hint_for_iphone_users() {
        let heic = PhotoError::Unsupported { kind: UnsupportedKind::Heic };
        assert_eq!(heic.code(), "unsupported_heic");
        assert!(heic.to_string().starts_with("HEIC/HEIF is not accepted"));
        assert!(heic.to_string().contains("Most Compatible"));
        let gif = PhotoError::Unsupported { kind: UnsupportedKind::Gif };
        assert_eq!(gif.to_string(), "GIF is not accepted; please send a JPEG, PNG or WebP photo");
    }

    #[test]
    fn messages_are_short_sentences() {
        assert_eq!(
            PhotoError::TooManyPixels { width: 100_000, height: 100_000 }.to_string(),
            "the photo is too big to process (100000×100000 pixels)"
        );
        assert_eq!(
            PhotoError::Unsupported { kind: UnsupportedKind::Unknown }.to_string(),
            "this file type is not accepted; please send a JPEG, PNG or WebP photo"
        );
    }
}
