//! Uploaded photos under small limits (so each input decodes in microseconds): what is accepted
//! was within the limits and comes out as a small JPEG with no metadata, named by its SHA-256.
use image::ImageFormat;
use sha2::{Digest, Sha256};

use crate::photos::{self, PhotoLimits};

const LIMITS: PhotoLimits = PhotoLimits {
    max_bytes: 256 * 1024,
    max_pixels: 512 * 512,
    max_dimension: 1024,
    output_max_side: 96,
    thumb_max_side: 24,
    jpeg_quality: 80,
};

pub fn photo(data: &[u8]) {
    let Ok(photo) = photos::process(data, &LIMITS) else { return };
    assert!(data.len() <= LIMITS.max_bytes);
    assert!((1..=LIMITS.output_max_side).contains(&photo.width.max(photo.height)));
    assert!((1..=LIMITS.thumb_max_side).contains(&photo.thumb_width.max(photo.thumb_height)));
    assert!(photo.width.min(photo.height) >= 1 && photo.thumb_width.min(photo.thumb_height) >= 1);
    for (jpeg, width, height) in
        [(&photo.jpeg, photo.width, photo.height), (&photo.thumb, photo.thumb_width, photo.thumb_height)]
    {
        // Only the JFIF header our encoder writes: no Exif (APP1), ICC profile (APP2) or comment.
        assert!(jpeg.starts_with(&[0xFF, 0xD8, 0xFF, 0xE0]), "not a bare JFIF");
        for marker in [b"Exif".as_slice(), b"ICC_PROFILE", b"http://ns.adobe.com"] {
            assert!(!jpeg.windows(marker.len()).any(|w| w == marker), "metadata survived");
        }
        let decoded = image::load_from_memory_with_format(jpeg, ImageFormat::Jpeg).expect("our JPEG decodes");
        assert_eq!((decoded.width(), decoded.height()), (width, height));
    }
    let digest: String = Sha256::digest(&photo.jpeg).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(photo.sha256, digest);
    assert!(photos::is_valid_hash(&photo.sha256));
}
