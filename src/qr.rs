//! QR code images of a URL: a PNG of an exact pixel size and a scalable SVG. Pure, no I/O.
use std::io::Cursor;

use image::{GrayImage, ImageFormat, Luma};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use sha2::{Digest, Sha256};

pub const MIN_SIZE: u32 = 128;
pub const MAX_SIZE: u32 = 2048;
pub const DEFAULT_SIZE: u32 = 512;
/// The quiet zone the standard asks for around a (non-micro) symbol, in modules.
pub const QUIET_ZONE: u32 = 4;
/// Version 6: the densest symbol at level Q before falling back to M. Beyond it modules get
/// small on a 3–4 cm printed code and cheap phone cameras start to struggle.
const COMFORTABLE_WIDTH: usize = 41;
/// Part of every ETag, so a change in how codes are drawn reaches cached copies.
const RENDER_VERSION: &str = "1";

#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("size must be between {MIN_SIZE} and {MAX_SIZE} pixels")]
    Size(u32),
    #[error("the text does not fit in a QR code: {0}")]
    Data(#[from] qrcode::types::QrError),
    #[error("the code is too dense to draw in {0} pixels")]
    TooDense(u32),
    #[error("PNG encoding failed: {0}")]
    Png(#[from] image::ImageError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Svg => "image/svg+xml",
        }
    }
}

/// Level Q (25% of the symbol may be lost: dirt, glare, a scuffed card) while the symbol stays
/// comfortably coarse; M otherwise.
pub fn encode(text: &str) -> Result<QrCode, QrError> {
    match QrCode::with_error_correction_level(text, EcLevel::Q) {
        Ok(code) if code.width() <= COMFORTABLE_WIDTH => Ok(code),
        _ => Ok(QrCode::with_error_correction_level(text, EcLevel::M)?),
    }
}

pub fn check_size(size: u32) -> Result<u32, QrError> {
    if (MIN_SIZE..=MAX_SIZE).contains(&size) { Ok(size) } else { Err(QrError::Size(size)) }
}

/// A `size`×`size` greyscale PNG, black on white. Modules are a whole number of pixels each
/// (so edges stay sharp), and the leftover pixels become extra white margin around the
/// quiet zone, split evenly.
pub fn png(text: &str, size: u32) -> Result<Vec<u8>, QrError> {
    let size = check_size(size)?;
    let code = encode(text)?;
    let modules = u32::try_from(code.width()).unwrap_or(u32::MAX).saturating_add(2 * QUIET_ZONE);
    let scale = size / modules;
    if scale == 0 {
        return Err(QrError::TooDense(size));
    }
    let symbol: GrayImage = code.render::<Luma<u8>>().quiet_zone(true).module_dimensions(scale, scale).build();
    let mut canvas = GrayImage::from_pixel(size, size, Luma([255]));
    let offset = i64::from((size - symbol.width()) / 2);
    image::imageops::replace(&mut canvas, &symbol, offset, offset);
    let mut out = Cursor::new(Vec::new());
    canvas.write_to(&mut out, ImageFormat::Png)?;
    Ok(out.into_inner())
}

/// An SVG with the quiet zone included; it scales to any print size without blurring.
pub fn svg(text: &str) -> Result<String, QrError> {
    let code = encode(text)?;
    // 8 units a module gives a sensible intrinsic size (≈ 330 px) when opened on its own.
    Ok(code.render::<svg::Color>().quiet_zone(true).module_dimensions(8, 8).build())
}

/// A strong validator for one rendering: same text, size and format → same bytes.
pub fn etag(text: &str, format: Format, size: u32) -> String {
    let mut hash = Sha256::new();
    for part in [RENDER_VERSION, format.content_type(), &size.to_string(), text] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.finalize()[..16].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://example.gov.cn/d/0123456789abcdef";

    fn decode(png_bytes: &[u8]) -> String {
        let image = image::load_from_memory(png_bytes).unwrap().to_luma8();
        let mut prepared = rqrr::PreparedImage::prepare(image);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1);
        grids[0].decode().unwrap().1
    }

    #[test]
    fn a_typical_url_gets_level_q() {
        let code = encode(URL).unwrap();
        assert_eq!(code.error_correction_level(), EcLevel::Q);
        assert!(code.width() <= COMFORTABLE_WIDTH);
    }

    #[test]
    fn a_long_url_falls_back_to_level_m() {
        let long = format!("https://liaison.example-county.gov.cn/renda/{}/d/0123456789abcdef", "x".repeat(40));
        assert_eq!(encode(&long).unwrap().error_correction_level(), EcLevel::M);
    }

    #[test]
    fn png_is_exactly_the_size_asked_and_decodes() {
        for size in [MIN_SIZE, 300, DEFAULT_SIZE, 1000, MAX_SIZE] {
            let bytes = png(URL, size).unwrap();
            let image = image::load_from_memory(&bytes).unwrap().to_luma8();
            assert_eq!(image.dimensions(), (size, size));
            assert_eq!(decode(&bytes), URL, "size {size}");
        }
    }

    #[test]
    fn png_is_pure_black_and_white_with_a_white_quiet_zone() {
        let size = DEFAULT_SIZE;
        let image = image::load_from_memory(&png(URL, size).unwrap()).unwrap().to_luma8();
        assert!(image.pixels().all(|p| p.0[0] == 0 || p.0[0] == 255));
        let modules = encode(URL).unwrap().width() as u32 + 2 * QUIET_ZONE;
        let scale = size / modules;
        let margin = (size - modules * scale) / 2 + QUIET_ZONE * scale;
        let white = |x: u32, y: u32| image.get_pixel(x, y).0[0] == 255;
        assert!((0..size).all(|i| white(i, margin - 1) && white(margin - 1, i)));
        assert!((0..size).all(|i| white(i, size - margin) && white(size - margin, i)));
        // The top-left finder pattern starts right after the quiet zone.
        assert!(!white(margin, margin));
    }

    #[test]
    fn sizes_outside_the_range_are_refused() {
        assert!(matches!(png(URL, MIN_SIZE - 1), Err(QrError::Size(_))));
        assert!(matches!(png(URL, MAX_SIZE + 1), Err(QrError::Size(_))));
    }

    #[test]
    fn svg_is_vector_and_crisp() {
        let text = svg(URL).unwrap();
        assert!(text.contains("<svg"));
        assert!(text.contains("shape-rendering=\"crispEdges\""));
        assert!(text.contains("fill=\"#000\""));
    }

    #[test]
    fn etags_differ_by_text_size_and_format() {
        let base = etag(URL, Format::Png, 512);
        assert_eq!(base, etag(URL, Format::Png, 512));
        assert_ne!(base, etag(URL, Format::Png, 513));
        assert_ne!(base, etag(URL, Format::Svg, 512));
        assert_ne!(base, etag("https://example.gov.cn/d/x", Format::Png, 512));
    }
}
