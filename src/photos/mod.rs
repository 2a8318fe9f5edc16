//! Photos residents attach to their cases.
//!
//! Nothing a resident sends is kept or served as sent: [`process`] checks the size, the format
//! (JPEG, PNG, WebP, told from the bytes) and the declared pixel count before decoding, then
//! decodes, turns the picture upright, and re-encodes a JPEG without any metadata (so no GPS
//! position or camera details leave with it) plus a thumbnail.
mod error;
mod limits;
mod process;
mod resample;
mod sniff;
#[cfg(test)]
mod testdata;

pub use error::{PHOTO_FIELD, PhotoError, UnsupportedKind};
pub use limits::PhotoLimits;
pub use process::{ProcessedPhoto, process, process_async};

/// Photos one submission may carry.
pub const MAX_PHOTOS_PER_SUBMISSION: usize = 4;
