//! Test inputs made on the spot with the image crate's encoders, plus hand-made headers and
//! metadata: no binary fixtures in the repository.
use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::webp::WebPEncoder;
use image::{Rgb, RgbImage, Rgba, RgbaImage};

/// A smooth gradient, like a photo and unlike flat colour, so encoders do real work.
pub fn gradient(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x * 255 / width.max(1)) as u8, (y * 255 / height.max(1)) as u8, ((x + y) % 256) as u8])
    })
}

pub fn encode_jpeg(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality).encode_image(image).unwrap();
    out
}

pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    encode_jpeg(&gradient(width, height), 90)
}

/// Left half red, right half blue: shows which way an image was turned.
pub fn two_tone(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, _| if x < width / 2 { Rgb([255, 0, 0]) } else { Rgb([0, 0, 255]) })
}

/// Opaque gradient with a fully transparent top half.
pub fn png_rgba(width: u32, height: u32) -> Vec<u8> {
    let image = RgbaImage::from_fn(width, height, |x, y| {
        let alpha = if y < height / 2 { 0 } else { 255 };
        Rgba([(x % 256) as u8, 40, 200, alpha])
    });
    let mut out = Vec::new();
    image.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

pub fn webp(width: u32, height: u32) -> Vec<u8> {
    let image = gradient(width, height);
    let mut out = Vec::new();
    WebPEncoder::new_lossless(&mut out).encode(image.as_raw(), width, height, image::ExtendedColorType::Rgb8).unwrap();
    out
}

/// Inserts an APP1 Exif segment right after the SOI marker, as cameras place it.
pub fn with_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    let len = u16::try_from(2 + 6 + tiff.len()).unwrap();
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(tiff);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// Latitude 39°54'27" N as the GPS IFD stores it, to look for in outputs.
pub const GPS_LATITUDE: [u8; 24] = [0, 0, 0, 39, 0, 0, 0, 1, 0, 0, 0, 54, 0, 0, 0, 1, 0, 0, 0x0A, 0x8C, 0, 0, 0, 100];
pub const GPS_DATUM: &[u8] = b"WGS-84\0";

/// A big-endian TIFF structure: IFD0 with Orientation and a pointer to a GPS IFD holding a
/// latitude and a map datum.
pub fn exif_with_gps(orientation: u16) -> Vec<u8> {
    fn entry(out: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]) {
        out.extend_from_slice(&tag.to_be_bytes());
        out.extend_from_slice(&kind.to_be_bytes());
        out.extend_from_slice(&count.to_be_bytes());
        out.extend_from_slice(&value);
    }
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const ASCII: u16 = 2;
    const RATIONAL: u16 = 5;
    let gps_ifd: u32 = 8 + 2 + 2 * 12 + 4;
    let latitude_at: u32 = gps_ifd + 2 + 3 * 12 + 4;
    let datum_at: u32 = latitude_at + 24;

    let mut out = b"MM\0*".to_vec();
    out.extend_from_slice(&8u32.to_be_bytes());
    out.extend_from_slice(&2u16.to_be_bytes());
    let [o1, o2] = orientation.to_be_bytes();
    entry(&mut out, 0x0112, SHORT, 1, [o1, o2, 0, 0]);
    entry(&mut out, 0x8825, LONG, 1, gps_ifd.to_be_bytes());
    out.extend_from_slice(&0u32.to_be_bytes());
    assert_eq!(out.len(), gps_ifd as usize);
    out.extend_from_slice(&3u16.to_be_bytes());
    entry(&mut out, 0x0001, ASCII, 2, *b"N\0\0\0");
    entry(&mut out, 0x0002, RATIONAL, 3, latitude_at.to_be_bytes());
    entry(&mut out, 0x0012, ASCII, GPS_DATUM.len() as u32, datum_at.to_be_bytes());
    out.extend_from_slice(&0u32.to_be_bytes());
    assert_eq!(out.len(), latitude_at as usize);
    out.extend_from_slice(&GPS_LATITUDE);
    out.extend_from_slice(GPS_DATUM);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A well-formed PNG of a few dozen bytes whose IHDR declares any size: a decompression bomb's
/// header (the pixel data a real bomb carries would follow, highly compressed).
pub fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, adaptive filter, no interlace
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(&mut out, b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// The marker of every segment before the entropy-coded data.
pub fn jpeg_markers(jpeg: &[u8]) -> Vec<u8> {
    let mut markers = Vec::new();
    let mut i = 2;
    while i + 4 <= jpeg.len() {
        assert_eq!(jpeg[i], 0xFF, "segment must start with a marker at {i}");
        let marker = jpeg[i + 1];
        markers.push(marker);
        if marker == 0xDA {
            break;
        }
        i += 2 + usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
    }
    markers
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn crc32_matches_the_reference_value() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    // The image crate's own PNG decoder accepts the hand-made header (CRCs included).
    let png = png_header(3, 2);
    let reader = image::ImageReader::with_format(Cursor::new(&png), image::ImageFormat::Png);
    assert_eq!(reader.into_dimensions().unwrap(), (3, 2));
}
