//! Turns an upload into the photo we keep: decoded within limits, turned upright, flattened to
//! RGB, scaled down and re-encoded as a JPEG that carries no metadata at all (no Exif, GPS,
//! camera serials, ICC profile or comments from the original survive).
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::codecs::jpeg::JpegEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageReader, RgbImage};
use sha2::{Digest, Sha256};

use super::error::PhotoError;
use super::limits::PhotoLimits;
use super::resample::resize_rgb8;
use super::sniff::{PhotoFormat, header_dimensions, sniff};

/// A photo ready to store: both JPEGs are produced here and carry no metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessedPhoto {
    /// The photo, long side at most `output_max_side`.
    pub jpeg: Vec<u8>,
    /// The thumbnail, long side at most `thumb_max_side`.
    pub thumb: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub thumb_width: u32,
    pub thumb_height: u32,
    /// SHA-256 of `jpeg`, 64 lowercase hex digits: the photo's name in the store.
    pub sha256: String,
}

/// Checks, decodes and re-encodes one uploaded photo. CPU-bound (a 12 MP photo takes a few
/// hundred milliseconds): call it from `web::block`/`spawn_blocking`, or use [`process_async`].
pub fn process(bytes: &[u8], limits: &PhotoLimits) -> Result<ProcessedPhoto, PhotoError> {
    // A decoder panicking on a hostile file must cost that upload only, not a worker thread.
    catch_unwind(AssertUnwindSafe(|| process_checked(bytes, limits)))
        .unwrap_or_else(|_| Err(PhotoError::corrupt("the decoder panicked")))
}

/// [`process`] on tokio's blocking pool.
pub async fn process_async(bytes: Vec<u8>, limits: PhotoLimits) -> Result<ProcessedPhoto, PhotoError> {
    tokio::task::spawn_blocking(move || process(&bytes, &limits))
        .await
        .map_err(|e| PhotoError::Internal { detail: format!("photo task failed: {e}") })?
}

fn process_checked(bytes: &[u8], limits: &PhotoLimits) -> Result<ProcessedPhoto, PhotoError> {
    if bytes.len() > limits.max_bytes {
        return Err(PhotoError::TooLarge { size: bytes.len(), max: limits.max_bytes });
    }
    let format = sniff(bytes)?;
    // First guard: what the header declares, before the image crate allocates anything.
    let (width, height) = header_dimensions(bytes, format)?;
    check_dimensions(width, height, limits)?;

    let (decoded, orientation) = decode(bytes, format, (width, height), limits)?;
    let rgb = flatten_on_white(decoded);
    // Scale before turning: the long side is the same either way, and turning is cheaper small.
    let mut photo = DynamicImage::ImageRgb8(fit(rgb, limits.output_side()));
    photo.apply_orientation(orientation);
    let photo = photo.into_rgb8();
    let thumb = fit(photo.clone(), limits.thumb_side());

    let jpeg = encode_jpeg(&photo, limits.quality())?;
    let thumb_jpeg = encode_jpeg(&thumb, limits.quality())?;
    let sha256 = sha256_hex(&jpeg);
    Ok(ProcessedPhoto {
        jpeg,
        thumb: thumb_jpeg,
        width: photo.width(),
        height: photo.height(),
        thumb_width: thumb.width(),
        thumb_height: thumb.height(),
        sha256,
    })
}

fn check_dimensions(width: u32, height: u32, limits: &PhotoLimits) -> Result<(), PhotoError> {
    if limits.allows_dimensions(width, height) { Ok(()) } else { Err(PhotoError::TooManyPixels { width, height }) }
}

/// Decodes within the image crate's own limits (the second guard) and reads the orientation
/// that phones record instead of turning the pixels. `declared` is the size the header gave.
fn decode(
    bytes: &[u8],
    format: PhotoFormat,
    declared: (u32, u32),
    limits: &PhotoLimits,
) -> Result<(DynamicImage, Orientation), PhotoError> {
    let mut decode_limits = image::Limits::default();
    decode_limits.max_image_width = Some(limits.max_dimension);
    decode_limits.max_image_height = Some(limits.max_dimension);
    decode_limits.max_alloc = Some(limits.max_decode_bytes());

    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    reader.limits(decode_limits);
    let mut decoder = reader.into_decoder().map_err(|e| decode_error(e, declared))?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height, limits)?;
    if decoder.total_bytes() > limits.max_decode_bytes() {
        return Err(PhotoError::TooManyPixels { width, height });
    }
    // A damaged Exif block must not cost the resident their photo: keep it as shot.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(|e| decode_error(e, (width, height)))?;
    Ok((image, orientation))
}

fn decode_error(err: ImageError, (width, height): (u32, u32)) -> PhotoError {
    match err {
        ImageError::Limits(_) => PhotoError::TooManyPixels { width, height },
        other => PhotoError::corrupt(other),
    }
}

/// RGB8, with any transparency composited over white (what a page behind it would show).
fn flatten_on_white(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over_white = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a)) + 127) / 255) as u8;
        image::Rgb([over_white(r), over_white(g), over_white(b)])
    })
}

/// Size that fits `max_side` on the long side, keeping the aspect ratio; never larger.
pub(crate) fn fitted_size(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_side {
        return (width, height);
    }
    let scale = |side: u32| {
        let scaled = (u64::from(side) * u64::from(max_side) + u64::from(long) / 2) / u64::from(long);
        u32::try_from(scaled).unwrap_or(max_side).clamp(1, max_side)
    };
    (scale(width), scale(height))
}

fn fit(image: RgbImage, max_side: u32) -> RgbImage {
    let (width, height) = fitted_size(image.width(), image.height(), max_side);
    if (width, height) == image.dimensions() {
        return image;
    }
    let pixels = resize_rgb8(image.as_raw(), image.width(), image.height(), width, height);
    // The buffer always has the size asked for; the fallback only keeps this free of panics.
    RgbImage::from_raw(width, height, pixels).unwrap_or(image)
}

fn encode_jpeg(image: &RgbImage, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(image)
        .map_err(|e| PhotoError::Internal { detail: format!("JPEG encoding failed: {e}") })?;
    Ok(out)
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use image::{GenericImageView, ImageBuffer, Rgba};

    use super::*;
    use crate::photos::error::UnsupportedKind;
    use crate::photos::testdata::{self, contains};

    fn decode_output(jpeg: &[u8]) -> DynamicImage {
        assert_eq!(sniff(jpeg).unwrap(), PhotoFormat::Jpeg);
        image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg).unwrap()
    }

    fn assert_close(actual: [u8; 3], expected: [u8; 3]) {
        let near = actual.iter().zip(expected).all(|(a, e)| a.abs_diff(e) <= 40);
        assert!(near, "pixel {actual:?} is not close to {expected:?}");
    }

    #[test]
    fn jpeg_png_and_webp_come_out_as_jpeg() {
        let limits = PhotoLimits::default();
        for input in [testdata::jpeg(300, 200), testdata::png_rgba(300, 200), testdata::webp(300, 200)] {
            let photo = process(&input, &limits).unwrap();
            assert_eq!((photo.width, photo.height), (300, 200));
            assert_eq!((photo.thumb_width, photo.thumb_height), (300, 200));
            assert_eq!(decode_output(&photo.jpeg).dimensions(), (300, 200));
            assert_eq!(decode_output(&photo.thumb).dimensions(), (300, 200));
            assert_eq!(photo.sha256, sha256_hex(&photo.jpeg));
            assert_eq!(photo.sha256.len(), 64);
        }
    }

    #[test]
    fn exif_and_gps_do_not_survive() {
        let input = testdata::with_exif(&testdata::jpeg(320, 240), &testdata::exif_with_gps(1));
        assert!(contains(&input, b"Exif\0\0") && contains(&input, &testdata::GPS_LATITUDE));
        assert!(contains(&input, testdata::GPS_DATUM));
        let photo = process(&input, &PhotoLimits::default()).unwrap();
        for output in [&photo.jpeg, &photo.thumb] {
            assert!(!contains(output, b"Exif"));
            assert!(!contains(output, &testdata::GPS_LATITUDE));
            assert!(!contains(output, testdata::GPS_DATUM));
            // No APPn other than the JFIF header, no comment: only what a bare JPEG needs.
            let markers = testdata::jpeg_markers(output);
            assert!(markers.iter().all(|m| matches!(m, 0xE0 | 0xDB | 0xC0 | 0xC4 | 0xDA)), "{markers:x?}");
            // 0xFF 0xE1 cannot occur in entropy-coded data (0xFF is stuffed there), so this
            // scan covers the whole file.
            assert!(!output.windows(2).any(|w| w == [0xFF, 0xE1]));
        }
    }

    #[test]
    fn orientation_from_exif_is_applied() {
        let input = testdata::encode_jpeg(&testdata::two_tone(400, 200), 95);
        let red = [255, 0, 0];
        let blue = [0, 0, 255];
        // Exif 6: turn 90° clockwise to view, so the left (red) half ends on top.
        // Exif 8: turn 90° anticlockwise, so red ends at the bottom. Exif 3: upside down.
        for (exif, size, first, second) in [
            (1, (400, 200), (100, 100, red), (300, 100, blue)),
            (3, (400, 200), (100, 100, blue), (300, 100, red)),
            (6, (200, 400), (100, 100, red), (100, 300, blue)),
            (8, (200, 400), (100, 100, blue), (100, 300, red)),
        ] {
            let tagged = testdata::with_exif(&input, &testdata::exif_with_gps(exif));
            let photo = process(&tagged, &PhotoLimits::default()).unwrap();
            assert_eq!((photo.width, photo.height), size, "orientation {exif}");
            let out = decode_output(&photo.jpeg).into_rgb8();
            assert_close(out.get_pixel(first.0, first.1).0, first.2);
            assert_close(out.get_pixel(second.0, second.1).0, second.2);
            let thumb = decode_output(&photo.thumb);
            assert_eq!(thumb.dimensions(), fitted_size(size.0, size.1, 320), "thumbnail follows the orientation too");
        }
    }

    #[test]
    fn a_bomb_header_is_refused_before_decoding() {
        let bomb = testdata::png_header(100_000, 100_000);
        assert!(bomb.len() < 100);
        let started = Instant::now();
        let err = process(&bomb, &PhotoLimits::default()).unwrap_err();
        assert_eq!(err, PhotoError::TooManyPixels { width: 100_000, height: 100_000 });
        assert!(started.elapsed() < Duration::from_millis(500), "took {:?}", started.elapsed());

        for (width, height) in [(12_001, 10), (8_000, 5_001), (u32::MAX, 1)] {
            let err = process(&testdata::png_header(width, height), &PhotoLimits::default()).unwrap_err();
            assert_eq!(err, PhotoError::TooManyPixels { width, height });
        }
    }

    #[test]
    fn the_decoder_limits_are_a_second_guard() {
        let jpeg = testdata::jpeg(40, 30);
        let narrow = PhotoLimits { max_dimension: 20, ..PhotoLimits::default() };
        let err = decode(&jpeg, PhotoFormat::Jpeg, (40, 30), &narrow).unwrap_err();
        assert_eq!(err, PhotoError::TooManyPixels { width: 40, height: 30 });
        // A header that understates the size is caught by what the decoder reads.
        let small = PhotoLimits { max_pixels: 100, ..PhotoLimits::default() };
        let png = testdata::png_rgba(40, 30);
        let err = decode(&png, PhotoFormat::Png, (10, 10), &small).unwrap_err();
        assert_eq!(err, PhotoError::TooManyPixels { width: 40, height: 30 });
        assert!(decode(&jpeg, PhotoFormat::Jpeg, (40, 30), &PhotoLimits::default()).is_ok());
    }

    #[test]
    fn other_formats_and_junk_are_refused() {
        let limits = PhotoLimits::default();
        let unsupported = |bytes: &[u8]| match process(bytes, &limits) {
            Err(PhotoError::Unsupported { kind }) => kind,
            other => panic!("expected Unsupported, got {other:?}"),
        };
        assert_eq!(
            unsupported(b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"),
            UnsupportedKind::Svg
        );
        assert_eq!(unsupported(b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"), UnsupportedKind::Gif);
        assert_eq!(unsupported(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"), UnsupportedKind::Heic);

        // Pseudo-random bytes (a fixed LCG, so the test is repeatable).
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let random: Vec<u8> = (0..4096)
            .map(|_| {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                (state >> 56) as u8
            })
            .collect();
        assert_eq!(unsupported(&random), UnsupportedKind::Unknown);

        // Right magic, wrong insides.
        let mut fake_jpeg = vec![0xFF, 0xD8, 0xFF];
        fake_jpeg.extend_from_slice(&random);
        assert!(matches!(process(&fake_jpeg, &limits), Err(PhotoError::Corrupt { .. })));
        let png = testdata::png_rgba(64, 64);
        assert!(matches!(process(&png[..png.len() / 2], &limits), Err(PhotoError::Corrupt { .. })));
        let mut flipped = png.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 0xFF; // inside the image data: its checksum no longer matches
        assert!(matches!(process(&flipped, &limits), Err(PhotoError::Corrupt { .. })));
        let header_only = testdata::png_header(30, 20);
        assert!(matches!(process(&header_only, &limits), Err(PhotoError::Corrupt { .. })));
        let webp = testdata::webp(64, 64);
        assert!(matches!(process(&webp[..webp.len() / 2], &limits), Err(PhotoError::Corrupt { .. })));
    }

    #[test]
    fn oversized_uploads_are_refused_before_anything_else() {
        let jpeg = testdata::jpeg(200, 200);
        let limits = PhotoLimits { max_bytes: jpeg.len() - 1, ..PhotoLimits::default() };
        assert_eq!(
            process(&jpeg, &limits).unwrap_err(),
            PhotoError::TooLarge { size: jpeg.len(), max: jpeg.len() - 1 }
        );
        let limits = PhotoLimits { max_bytes: jpeg.len(), ..PhotoLimits::default() };
        assert!(process(&jpeg, &limits).is_ok());
        let huge = vec![0u8; PhotoLimits::default().max_bytes + 1];
        assert!(matches!(process(&huge, &PhotoLimits::default()), Err(PhotoError::TooLarge { .. })));
    }

    #[test]
    fn a_camera_sized_photo_is_scaled_down_with_a_thumbnail() {
        let input = testdata::jpeg(4000, 3000);
        let photo = process(&input, &PhotoLimits::default()).unwrap();
        assert_eq!((photo.width, photo.height), (1600, 1200));
        assert_eq!(decode_output(&photo.jpeg).dimensions(), (1600, 1200));
        assert_eq!((photo.thumb_width, photo.thumb_height), (320, 240));
        assert_eq!(decode_output(&photo.thumb).dimensions(), (320, 240));
        assert!(photo.jpeg.len() < input.len());
    }

    #[test]
    fn small_photos_are_not_enlarged() {
        let photo = process(&testdata::jpeg(200, 100), &PhotoLimits::default()).unwrap();
        assert_eq!((photo.width, photo.height, photo.thumb_width, photo.thumb_height), (200, 100, 200, 100));
        let tall = process(&testdata::jpeg(300, 900), &PhotoLimits::default()).unwrap();
        assert_eq!((tall.width, tall.height, tall.thumb_width, tall.thumb_height), (300, 900, 107, 320));
    }

    #[test]
    fn fitted_size_keeps_the_aspect_ratio() {
        assert_eq!(fitted_size(4000, 3000, 1600), (1600, 1200));
        assert_eq!(fitted_size(3000, 4000, 1600), (1200, 1600));
        assert_eq!(fitted_size(1600, 1200, 320), (320, 240));
        assert_eq!(fitted_size(200, 100, 1600), (200, 100));
        assert_eq!(fitted_size(1600, 1600, 1600), (1600, 1600));
        assert_eq!(fitted_size(12_000, 1, 1600), (1600, 1));
        assert_eq!(fitted_size(4032, 3024, 1600), (1600, 1200));
        assert_eq!(fitted_size(4000, 1848, 1600), (1600, 739));
    }

    #[test]
    fn transparency_becomes_white() {
        let photo = process(&testdata::png_rgba(40, 40), &PhotoLimits::default()).unwrap();
        let out = decode_output(&photo.jpeg).into_rgb8();
        assert_close(out.get_pixel(20, 5).0, [255, 255, 255]);
        assert_close(out.get_pixel(20, 35).0, [20, 40, 200]);
        let half_black = DynamicImage::ImageRgba8(ImageBuffer::from_pixel(1, 1, Rgba([0, 0, 0, 128])));
        assert_eq!(flatten_on_white(half_black).get_pixel(0, 0).0, [127, 127, 127]);
    }

    #[test]
    fn sixteen_bit_and_grey_images_are_accepted() {
        let deep = ImageBuffer::from_pixel(30, 20, Rgba([65_535u16, 0, 0, 65_535]));
        let mut png = Vec::new();
        DynamicImage::ImageRgba16(deep).write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        let photo = process(&png, &PhotoLimits::default()).unwrap();
        assert_close(decode_output(&photo.jpeg).into_rgb8().get_pixel(15, 10).0, [255, 0, 0]);

        let grey = image::GrayImage::from_pixel(30, 20, image::Luma([90]));
        let mut jpeg = Vec::new();
        JpegEncoder::new(&mut jpeg).encode_image(&grey).unwrap();
        let photo = process(&jpeg, &PhotoLimits::default()).unwrap();
        assert_close(decode_output(&photo.jpeg).into_rgb8().get_pixel(15, 10).0, [90, 90, 90]);
    }

    #[test]
    fn the_same_upload_gives_the_same_photo() {
        let input = testdata::jpeg(500, 400);
        let first = process(&input, &PhotoLimits::default()).unwrap();
        let second = process(&input, &PhotoLimits::default()).unwrap();
        assert_eq!(first, second);
    }

    #[tokio::test]
    async fn process_async_runs_off_the_reactor() {
        let photo = process_async(testdata::jpeg(64, 48), PhotoLimits::default()).await.unwrap();
        assert_eq!((photo.width, photo.height), (64, 48));
        let err = process_async(b"not an image".to_vec(), PhotoLimits::default()).await.unwrap_err();
        assert!(matches!(err, PhotoError::Unsupported { .. }));
    }
}
