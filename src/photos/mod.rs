//! Photos residents attach to their cases.
//!
//! Nothing a resident sends is kept or served as sent: [`process`] checks the size, the format
//! (JPEG, PNG, WebP, told from the bytes) and the declared pixel count before decoding, then
//! decodes, turns the picture upright, and re-encodes a JPEG without any metadata (so no GPS
//! position or camera details leave with it) plus a thumbnail. [`PhotoStore`] keeps the results
//! on disk under their SHA-256.
//!
//! ```no_run
//! # use liaison::error::AppError;
//! # use liaison::photos::{self, PhotoLimits, PhotoStore};
//! # async fn attach(bytes: Vec<u8>, limits: &PhotoLimits, store: &PhotoStore) -> Result<(), AppError> {
//! let photo = photos::process_async(bytes, limits.clone()).await?; // 413 or 422 on a bad photo
//! let stored = store.save_async(photo).await.map_err(AppError::internal)?;
//! // record stored.hash, stored.width, stored.height in the case's photo row
//! # Ok(())
//! # }
//! ```
mod error;
mod limits;
mod process;
mod resample;
mod sniff;
mod store;
pub(crate) use store::sync_dir;
#[cfg(test)]
mod testdata;

pub use error::{PHOTO_FIELD, PhotoError, UnsupportedKind};
pub use limits::PhotoLimits;
pub use process::{ProcessedPhoto, process, process_async};
pub use store::{PhotoStore, StoredPhoto, Variant, is_valid_hash};

/// Photos one submission may carry.
pub const MAX_PHOTOS_PER_SUBMISSION: usize = 4;
