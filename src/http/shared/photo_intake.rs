//! From uploaded bytes to stored photos for a case: re-encoded off the async threads, saved
//! durably before the case that names them is committed.
use crate::error::{AppError, AppResult};
use crate::http::shared::multipart::FileProblem;
use crate::photos::{PhotoError, UnsupportedKind, Variant, is_valid_hash, process_async};
use crate::services::cases::intake::PhotoRecord;
use crate::state::AppState;

/// Largest photo accepted from a phone (the form's script shrinks them well below this).
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;

/// Why a photo was not taken, as the form explains it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoProblem {
    TooLarge,
    TooMany,
    FormTooLarge,
    Unsupported,
    /// iPhones' default format: the message says how to switch the camera to JPEG.
    Heic,
    Corrupt,
    TooManyPixels,
}

impl From<FileProblem> for PhotoProblem {
    /// What the multipart reader dropped, as the form explains it.
    fn from(problem: FileProblem) -> PhotoProblem {
        match problem {
            FileProblem::TooMany => PhotoProblem::TooMany,
            FileProblem::TooLarge => PhotoProblem::TooLarge,
            FileProblem::FormTooLarge => PhotoProblem::FormTooLarge,
        }
    }
}

/// Processes and stores each upload; problems are collected, not fatal. Only a fault of ours
/// (encoding, disk) is an error.
pub async fn process_and_store(
    state: &AppState,
    uploads: Vec<Vec<u8>>,
) -> AppResult<(Vec<PhotoRecord>, Vec<PhotoProblem>)> {
    let mut stored = Vec::new();
    let mut problems = Vec::new();
    for bytes in uploads {
        // Decoding a large photo takes hundreds of MB for a moment: a few at a time.
        let _permit = state.photo_permits.acquire().await.map_err(AppError::internal)?;
        match process_async(bytes, state.photo_limits.clone()).await {
            Ok(photo) => {
                let saved = state.photos.save_async(photo).await.map_err(AppError::internal)?;
                stored.push(PhotoRecord {
                    hash: saved.hash,
                    width: i32::try_from(saved.width).unwrap_or(i32::MAX),
                    height: i32::try_from(saved.height).unwrap_or(i32::MAX),
                    bytes: i32::try_from(saved.size).unwrap_or(i32::MAX),
                });
            }
            Err(PhotoError::TooLarge { .. }) => problems.push(PhotoProblem::TooLarge),
            Err(PhotoError::TooManyPixels { .. }) => problems.push(PhotoProblem::TooManyPixels),
            Err(PhotoError::Unsupported { kind: UnsupportedKind::Heic }) => problems.push(PhotoProblem::Heic),
            Err(PhotoError::Unsupported { .. }) => problems.push(PhotoProblem::Unsupported),
            Err(error @ PhotoError::Corrupt { .. }) => {
                tracing::info!(%error, "refused an unreadable photo");
                problems.push(PhotoProblem::Corrupt);
            }
            Err(error @ PhotoError::Internal { .. }) => return Err(AppError::from(error)),
        }
    }
    Ok((stored, problems))
}

/// Photos stored by an earlier attempt at the same form (listed in hidden fields), so a
/// resident fixing a typo need not choose them again. Unknown or malformed hashes are ignored.
pub async fn kept(state: &AppState, hashes: &[String]) -> Vec<PhotoRecord> {
    let mut kept = Vec::new();
    for hash in hashes.iter().filter(|h| is_valid_hash(h)).take(crate::domain::intake::MAX_PHOTOS) {
        let Ok(bytes) = state.photos.open_async(hash.clone(), Variant::Full).await else {
            continue;
        };
        let Ok((width, height)) = image::ImageReader::new(std::io::Cursor::new(&bytes))
            .with_guessed_format()
            .map_err(|_| ())
            .and_then(|reader| reader.into_dimensions().map_err(|_| ()))
        else {
            continue;
        };
        kept.push(PhotoRecord {
            hash: hash.clone(),
            width: i32::try_from(width).unwrap_or(i32::MAX),
            height: i32::try_from(height).unwrap_or(i32::MAX),
            bytes: i32::try_from(bytes.len()).unwrap_or(i32::MAX),
        });
    }
    kept
}
