//! How long `photos::process` takes on phone-sized photos.
//! Run with `cargo run --release --example photo_timing`.
use std::time::{Duration, Instant};

use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};
use liaison::photos::{PhotoLimits, process};

/// A picture with photo-like detail: smooth shading plus sensor-like noise, so the JPEG is as
/// large and as slow to decode as a camera's (a flat gradient would flatter the numbers).
fn camera_like_jpeg(width: u32, height: u32) -> Result<Vec<u8>, image::ImageError> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let image = RgbImage::from_fn(width, height, |x, y| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let noise = (state >> 58) as u32; // 0..64
        let shade = |base: u32| ((base + noise) % 256) as u8;
        Rgb([shade(x * 200 / width), shade(y * 200 / height), shade((x ^ y) % 200)])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 92).encode_image(&image)?;
    Ok(out)
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn main() {
    let limits = PhotoLimits::default();
    // A 12 MP camera photo as sent without the form's script, and one the script shrank first.
    for (width, height, runs) in [(4000, 3000, 7), (2000, 1500, 15)] {
        let input = match camera_like_jpeg(width, height) {
            Ok(input) => input,
            Err(e) => {
                eprintln!("could not make the test photo: {e}");
                std::process::exit(1);
            }
        };
        let mut times = Vec::new();
        let mut summary = String::new();
        for _ in 0..runs {
            let started = Instant::now();
            match process(&input, &limits) {
                Ok(photo) => {
                    times.push(started.elapsed());
                    summary = format!(
                        "{}×{} JPEG {} KB + thumbnail {}×{} {} KB",
                        photo.width,
                        photo.height,
                        photo.jpeg.len() / 1024,
                        photo.thumb_width,
                        photo.thumb_height,
                        photo.thumb.len() / 1024
                    );
                }
                Err(e) => {
                    eprintln!("processing failed: {e}");
                    std::process::exit(1);
                }
            }
        }
        times.sort();
        println!(
            "{width}×{height} JPEG {:.1} MB → {summary}: {runs} runs, min {:.0} ms, median {:.0} ms, max {:.0} ms",
            input.len() as f64 / 1e6,
            ms(times[0]),
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1])
        );
    }
}
