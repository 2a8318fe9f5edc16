//! How big a photo may be, and how big the stored copies are made.
use serde::{Deserialize, Serialize};

/// Limits for one uploaded photo. The defaults suit phone cameras (12–50 MP, 2–8 MB files) and
/// keep what is stored small enough for slow mobile data.
///
/// Serde-ready, so it can be nested in the settings (`[photos]` in `liaison.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PhotoLimits {
    /// Largest upload accepted, in bytes.
    pub max_bytes: usize,
    /// Largest width × height accepted; checked from the header before anything is decoded.
    pub max_pixels: u64,
    /// Largest width or height accepted.
    pub max_dimension: u32,
    /// Long side of the stored photo; smaller photos are kept at their size, never enlarged.
    pub output_max_side: u32,
    /// Long side of the thumbnail.
    pub thumb_max_side: u32,
    /// JPEG quality of the stored photo and thumbnail, 1–100.
    pub jpeg_quality: u8,
}

pub const DEFAULT_MAX_BYTES: usize = 10 * 1024 * 1024;
pub const DEFAULT_MAX_PIXELS: u64 = 40_000_000;

impl Default for PhotoLimits {
    fn default() -> Self {
        PhotoLimits {
            max_bytes: DEFAULT_MAX_BYTES,
            max_pixels: DEFAULT_MAX_PIXELS,
            max_dimension: 12_000,
            output_max_side: 1600,
            thumb_max_side: 320,
            jpeg_quality: 80,
        }
    }
}

impl PhotoLimits {
    /// Whether an image of this size may be decoded.
    pub fn allows_dimensions(&self, width: u32, height: u32) -> bool {
        width <= self.max_dimension
            && height <= self.max_dimension
            && u64::from(width) * u64::from(height) <= self.max_pixels
    }

    /// Memory the decoder may take: an 8-bit RGBA buffer at the pixel limit. 16-bit images get half
    /// the pixels, which no phone photo needs.
    pub fn max_decode_bytes(&self) -> u64 {
        self.max_pixels.saturating_mul(4)
    }

    /// Long side of the stored photo, kept within what JPEG can express.
    pub(crate) fn output_side(&self) -> u32 {
        self.output_max_side.clamp(1, u32::from(u16::MAX))
    }

    pub(crate) fn thumb_side(&self) -> u32 {
        self.thumb_max_side.clamp(1, self.output_side())
    }

    pub(crate) fn quality(&self) -> u8 {
        self.jpeg_quality.clamp(1, 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_design() {
        let limits = PhotoLimits::default();
        assert_eq!(limits.max_bytes, 10 * 1024 * 1024);
        assert_eq!(limits.max_pixels, 40_000_000);
        assert_eq!((limits.max_dimension, limits.output_max_side, limits.thumb_max_side), (12_000, 1600, 320));
        assert_eq!(limits.jpeg_quality, 80);
    }

    #[test]
    fn dimensions_are_checked_per_side_and_in_total() {
        let limits = PhotoLimits::default();
        assert!(limits.allows_dimensions(8000, 5000));
        assert!(!limits.allows_dimensions(8000, 5001));
        assert!(!limits.allows_dimensions(12_001, 10));
        assert!(!limits.allows_dimensions(100_000, 100_000));
        assert!(!limits.allows_dimensions(u32::MAX, u32::MAX));
    }

    #[test]
    fn nonsense_settings_are_clamped() {
        let limits =
            PhotoLimits { output_max_side: 0, thumb_max_side: 5000, jpeg_quality: 0, ..PhotoLimits::default() };
        assert_eq!((limits.output_side(), limits.thumb_side(), limits.quality()), (1, 1, 1));
        let limits = PhotoLimits { output_max_side: 100_000, jpeg_quality: 200, ..PhotoLimits::default() };
        assert_eq!((limits.output_side(), limits.quality()), (65_535, 100));
    }
}
