//! What an upload is, told from its bytes (never from its name or declared type), and how large it
//! claims to be, read from the header alone so that a decompression bomb is refused before any
//! pixel buffer exists.
use image::ImageFormat;

use super::error::{PhotoError, UnsupportedKind};

/// The formats accepted from residents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoFormat {
    Jpeg,
    Png,
    WebP,
}

impl PhotoFormat {
    pub fn image_format(self) -> ImageFormat {
        match self {
            PhotoFormat::Jpeg => ImageFormat::Jpeg,
            PhotoFormat::Png => ImageFormat::Png,
            PhotoFormat::WebP => ImageFormat::WebP,
        }
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The format of `bytes`, or why it is refused.
pub fn sniff(bytes: &[u8]) -> Result<PhotoFormat, PhotoError> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(PhotoFormat::Jpeg);
    }
    if bytes.starts_with(PNG_SIGNATURE) {
        return Ok(PhotoFormat::Png);
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Ok(PhotoFormat::WebP);
    }
    Err(PhotoError::Unsupported { kind: unsupported_kind(bytes) })
}

/// Names the common formats we refuse, so the message can say what was sent.
fn unsupported_kind(bytes: &[u8]) -> UnsupportedKind {
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return UnsupportedKind::Gif;
    }
    if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        return UnsupportedKind::Tiff;
    }
    if bytes.starts_with(b"BM") {
        return UnsupportedKind::Bmp;
    }
    if let Some(kind) = iso_media_kind(bytes) {
        return kind;
    }
    if looks_like_svg(bytes) {
        return UnsupportedKind::Svg;
    }
    UnsupportedKind::Unknown
}

/// HEIC and AVIF are ISO media files: a `ftyp` box whose brands say what is inside.
fn iso_media_kind(bytes: &[u8]) -> Option<UnsupportedKind> {
    if bytes.len() < 16 || &bytes[4..8] != b"ftyp" {
        return None;
    }
    let box_len = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    let end = box_len.clamp(16, bytes.len());
    // Major brand at 8..12, minor version at 12..16, then compatible brands.
    let brands = std::iter::once(&bytes[8..12]).chain(bytes[16..end].chunks_exact(4));
    let mut heif = false;
    for brand in brands {
        match brand {
            b"avif" | b"avis" => return Some(UnsupportedKind::Avif),
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"hevm" | b"hevs" | b"mif1" | b"msf1" => {
                heif = true
            }
            _ => {}
        }
    }
    heif.then_some(UnsupportedKind::Heic)
}

fn looks_like_svg(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
    head.get(start) == Some(&b'<') && head.windows(4).any(|w| w.eq_ignore_ascii_case(b"<svg"))
}

/// Width and height as the file's header declares them.
pub fn header_dimensions(bytes: &[u8], format: PhotoFormat) -> Result<(u32, u32), PhotoError> {
    let dims = match format {
        PhotoFormat::Jpeg => jpeg_dimensions(bytes),
        PhotoFormat::Png => png_dimensions(bytes),
        PhotoFormat::WebP => webp_dimensions(bytes),
    }
    .ok_or_else(|| PhotoError::corrupt(format!("{format:?} header is missing or malformed")))?;
    if dims.0 == 0 || dims.1 == 0 {
        return Err(PhotoError::corrupt(format!("{format:?} header declares an empty image")));
    }
    Ok(dims)
}

fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]))
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// Walks the marker segments up to the frame header (SOFn).
fn jpeg_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    loop {
        if *bytes.get(i)? != 0xFF {
            return None;
        }
        // Any number of 0xFF fill bytes may precede a marker.
        while *bytes.get(i)? == 0xFF {
            i += 1;
        }
        let marker = bytes[i];
        i += 1;
        match marker {
            // Markers without a length field.
            0x01 | 0xD0..=0xD8 => {}
            // End of image or start of scan before any frame header.
            0xD9 | 0xDA => return None,
            // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC): length, precision, height, width.
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let height = be16(bytes, i + 3)?;
                let width = be16(bytes, i + 5)?;
                return Some((u32::from(width), u32::from(height)));
            }
            _ => {
                let len = usize::from(be16(bytes, i)?);
                if len < 2 {
                    return None;
                }
                i += len;
            }
        }
    }
}

/// IHDR must be the first chunk.
fn png_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    if be32(bytes, 8)? != 13 || bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    Some((be32(bytes, 16)?, be32(bytes, 20)?))
}

/// The first chunk is the lossy (`VP8 `), lossless (`VP8L`) or extended (`VP8X`) header.
fn webp_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let data = 20;
    match bytes.get(12..16)? {
        b"VP8 " => {
            // Frame tag (3 bytes), then the key frame start code and two 14-bit sizes.
            if bytes.get(data + 3..data + 6)? != [0x9D, 0x01, 0x2A] {
                return None;
            }
            let width = u32::from(u16::from_le_bytes([*bytes.get(data + 6)?, *bytes.get(data + 7)?]) & 0x3FFF);
            let height = u32::from(u16::from_le_bytes([*bytes.get(data + 8)?, *bytes.get(data + 9)?]) & 0x3FFF);
            Some((width, height))
        }
        b"VP8L" => {
            if *bytes.get(data)? != 0x2F {
                return None;
            }
            let bits = le32(bytes, data + 1)?;
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8X" => {
            let le24 = |at: usize| -> Option<u32> {
                Some(u32::from_le_bytes([*bytes.get(at)?, *bytes.get(at + 1)?, *bytes.get(at + 2)?, 0]))
            };
            Some((le24(data + 4)? + 1, le24(data + 7)? + 1))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photos::testdata;

    #[test]
    fn accepted_formats_are_told_by_their_bytes() {
        assert_eq!(sniff(&testdata::jpeg(40, 30)).unwrap(), PhotoFormat::Jpeg);
        assert_eq!(sniff(&testdata::png_rgba(40, 30)).unwrap(), PhotoFormat::Png);
        assert_eq!(sniff(&testdata::webp(40, 30)).unwrap(), PhotoFormat::WebP);
    }

    #[test]
    fn refused_formats_are_named() {
        let kind = |bytes: &[u8]| match sniff(bytes) {
            Err(PhotoError::Unsupported { kind }) => kind,
            other => panic!("expected Unsupported, got {other:?}"),
        };
        assert_eq!(kind(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"), UnsupportedKind::Gif);
        assert_eq!(
            kind(b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            UnsupportedKind::Svg
        );
        assert_eq!(kind(b"  <SVG onload=\"alert(1)\"></SVG>"), UnsupportedKind::Svg);
        assert_eq!(kind(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"), UnsupportedKind::Heic);
        assert_eq!(kind(b"\0\0\0\x18ftypmif1\0\0\0\0mif1heic"), UnsupportedKind::Heic);
        assert_eq!(kind(b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf"), UnsupportedKind::Avif);
        assert_eq!(kind(b"\0\0\0\x18ftypisom\0\0\0\0isomavc1"), UnsupportedKind::Unknown);
        assert_eq!(kind(b"II*\0\x08\0\0\0"), UnsupportedKind::Tiff);
        assert_eq!(kind(b"BM\x3a\0\0\0"), UnsupportedKind::Bmp);
        assert_eq!(kind(b"<html><body>hi</body></html>"), UnsupportedKind::Unknown);
        assert_eq!(kind(b""), UnsupportedKind::Unknown);
        assert_eq!(kind(b"RIFF\0\0\0\0WAVE"), UnsupportedKind::Unknown);
    }

    #[test]
    fn header_dimensions_match_what_the_encoders_wrote() {
        assert_eq!(header_dimensions(&testdata::jpeg(123, 45), PhotoFormat::Jpeg).unwrap(), (123, 45));
        assert_eq!(header_dimensions(&testdata::png_rgba(7, 300), PhotoFormat::Png).unwrap(), (7, 300));
        assert_eq!(header_dimensions(&testdata::webp(301, 2), PhotoFormat::WebP).unwrap(), (301, 2));
    }

    #[test]
    fn jpeg_header_is_found_past_metadata_segments() {
        let jpeg = testdata::with_exif(&testdata::jpeg(64, 48), &testdata::exif_with_gps(6));
        assert_eq!(header_dimensions(&jpeg, PhotoFormat::Jpeg).unwrap(), (64, 48));
    }

    #[test]
    fn lossy_and_extended_webp_headers_are_read() {
        // Hand-made headers: a lossy key frame, and an extended header of a 5000×3000 canvas.
        let mut vp8 = b"RIFF\0\0\0\0WEBPVP8 \0\0\0\0".to_vec();
        vp8.extend_from_slice(&[0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0xE0, 0x01]);
        assert_eq!(header_dimensions(&vp8, PhotoFormat::WebP).unwrap(), (640, 480));
        let mut vp8x = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0".to_vec();
        vp8x.extend_from_slice(&[0, 0, 0, 0]);
        vp8x.extend_from_slice(&(5000u32 - 1).to_le_bytes()[..3]);
        vp8x.extend_from_slice(&(3000u32 - 1).to_le_bytes()[..3]);
        assert_eq!(header_dimensions(&vp8x, PhotoFormat::WebP).unwrap(), (5000, 3000));
    }

    #[test]
    fn truncated_or_garbled_headers_are_corrupt() {
        let jpeg = testdata::jpeg(20, 20);
        for cut in [3, 4, 10, 20] {
            assert!(matches!(header_dimensions(&jpeg[..cut], PhotoFormat::Jpeg), Err(PhotoError::Corrupt { .. })));
        }
        assert!(matches!(
            header_dimensions(b"\xFF\xD8\xFF\xDA\0\x02", PhotoFormat::Jpeg),
            Err(PhotoError::Corrupt { .. })
        ));
        assert!(matches!(
            header_dimensions(b"\xFF\xD8\xFF\xE0\0\x00", PhotoFormat::Jpeg),
            Err(PhotoError::Corrupt { .. })
        ));
        let png = testdata::png_rgba(20, 20);
        assert!(matches!(header_dimensions(&png[..20], PhotoFormat::Png), Err(PhotoError::Corrupt { .. })));
        let empty = testdata::png_header(0, 10);
        assert!(matches!(header_dimensions(&empty, PhotoFormat::Png), Err(PhotoError::Corrupt { .. })));
        assert!(matches!(
            header_dimensions(b"RIFF\0\0\0\0WEBPVP8 ", PhotoFormat::WebP),
            Err(PhotoError::Corrupt { .. })
        ));
    }
}
