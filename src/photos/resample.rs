//! Downscaling of 8-bit RGB images with a Catmull-Rom filter, in fixed point.
//!
//! The image crate's `resize` converts to an RGBA f32 buffer (16 bytes a pixel: 77 MB between
//! the passes for a 12-megapixel photo) and reads columns pixel by pixel; this works on the RGB
//! bytes a row at a time, with weights computed once per output column/row, and is several times
//! faster with a fifth of the memory.

/// Weights carry this many fractional bits; with 8-bit samples the sums stay far inside `i32`.
const PRECISION: u32 = 14;
const ONE: i32 = 1 << PRECISION;
const HALF: i32 = 1 << (PRECISION - 1);

/// Catmull-Rom cubic (B = 0, C = 0.5): sharp, with little ringing; support 2.
fn catmull_rom(x: f64) -> f64 {
    let x = x.abs();
    if x < 1.0 {
        1.5 * x * x * x - 2.5 * x * x + 1.0
    } else if x < 2.0 {
        -0.5 * x * x * x + 2.5 * x * x - 4.0 * x + 2.0
    } else {
        0.0
    }
}
const SUPPORT: f64 = 2.0;

/// For each output position, the first input position it reads and the weights of the inputs
/// from there on (fixed point, summing to exactly `ONE`).
struct Taps {
    starts: Vec<usize>,
    counts: Vec<usize>,
    /// `stride` slots per output position, of which the first `counts[i]` are used.
    weights: Vec<i32>,
    stride: usize,
}

impl Taps {
    fn new(in_len: usize, out_len: usize) -> Taps {
        let ratio = in_len as f64 / out_len as f64;
        // Shrinking widens the filter so every input pixel contributes (no aliasing).
        let scale = ratio.max(1.0);
        let reach = SUPPORT * scale;
        let stride = (reach.ceil() as usize) * 2 + 2;
        let mut starts = Vec::with_capacity(out_len);
        let mut counts = Vec::with_capacity(out_len);
        let mut weights = vec![0i32; out_len * stride];
        let mut real = Vec::with_capacity(stride);
        for (out, slot) in weights.chunks_exact_mut(stride).enumerate() {
            let centre = (out as f64 + 0.5) * ratio;
            let first = ((centre - reach).floor().max(0.0) as usize).min(in_len - 1);
            let end = ((centre + reach).ceil() as usize).clamp(first + 1, in_len).min(first + stride);
            real.clear();
            real.extend((first..end).map(|i| catmull_rom((i as f64 + 0.5 - centre) / scale)));
            let total: f64 = real.iter().sum();
            // At the edges part of the filter falls outside the image: renormalise what is left.
            let total = if total.abs() < f64::EPSILON { 1.0 } else { total };
            for (w, r) in slot.iter_mut().zip(&real) {
                *w = (r / total * f64::from(ONE)).round() as i32;
            }
            // Rounding leaves the sum a little off: give the difference to the heaviest tap, so a
            // flat colour stays exactly flat.
            let sum: i32 = slot.iter().sum();
            if let Some(heaviest) = slot.iter_mut().max_by_key(|w| **w) {
                *heaviest += ONE - sum;
            }
            starts.push(first);
            counts.push(end - first);
        }
        Taps { starts, counts, weights, stride }
    }

    /// (first input, weights) for each output position.
    fn iter(&self) -> impl Iterator<Item = (usize, &[i32])> {
        self.starts
            .iter()
            .zip(&self.counts)
            .zip(self.weights.chunks_exact(self.stride))
            .map(|((&start, &count), weights)| (start, &weights[..count]))
    }
}

fn clamp_u8(acc: i32) -> u8 {
    (acc >> PRECISION).clamp(0, 255) as u8
}

/// Resamples packed RGB8 `src` (`width` × `height`) to `new_width` × `new_height`.
/// Meant for shrinking; enlarging works but is never asked for here.
pub(crate) fn resize_rgb8(src: &[u8], width: u32, height: u32, new_width: u32, new_height: u32) -> Vec<u8> {
    let (w, h, nw, nh) = (width as usize, height as usize, new_width as usize, new_height as usize);
    if w == 0 || h == 0 || nw == 0 || nh == 0 || src.len() != w * h * 3 {
        return vec![0; nw * nh * 3];
    }
    // Columns first: that pass runs over whole rows and vectorises well, and it leaves fewer rows
    // for the per-pixel horizontal pass.
    let down = vertical(src, w, h, nh);
    horizontal(&down, w, nh, nw)
}

/// Each row from `w` to `nw` pixels.
fn horizontal(src: &[u8], w: usize, h: usize, nw: usize) -> Vec<u8> {
    let taps = Taps::new(w, nw);
    let mut out = vec![0u8; nw * h * 3];
    for (row, out_row) in src.chunks_exact(w * 3).zip(out.chunks_exact_mut(nw * 3)) {
        for (px, (start, weights)) in out_row.chunks_exact_mut(3).zip(taps.iter()) {
            let (mut r, mut g, mut b) = (HALF, HALF, HALF);
            for (input, &weight) in row[start * 3..].chunks_exact(3).zip(weights) {
                r += i32::from(input[0]) * weight;
                g += i32::from(input[1]) * weight;
                b += i32::from(input[2]) * weight;
            }
            px[0] = clamp_u8(r);
            px[1] = clamp_u8(g);
            px[2] = clamp_u8(b);
        }
    }
    out
}

/// Each column from `h` to `nh` pixels, a whole row at a time so memory is read in order.
fn vertical(src: &[u8], w: usize, h: usize, nh: usize) -> Vec<u8> {
    let taps = Taps::new(h, nh);
    let row_len = w * 3;
    let mut out = vec![0u8; row_len * nh];
    let mut acc = vec![0i32; row_len];
    for (out_row, (start, weights)) in out.chunks_exact_mut(row_len).zip(taps.iter()) {
        acc.fill(HALF);
        for (input, &weight) in src[start * row_len..].chunks_exact(row_len).zip(weights) {
            if weight == 0 {
                continue;
            }
            for (a, &v) in acc.iter_mut().zip(input) {
                *a += i32::from(v) * weight;
            }
        }
        for (o, &a) in out_row.iter_mut().zip(&acc) {
            *o = clamp_u8(a);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use image::imageops::FilterType;
    use image::{Rgb, RgbImage};

    use super::*;

    fn resize(image: &RgbImage, width: u32, height: u32) -> RgbImage {
        let out = resize_rgb8(image.as_raw(), image.width(), image.height(), width, height);
        RgbImage::from_raw(width, height, out).unwrap()
    }

    #[test]
    fn weights_sum_to_one_everywhere() {
        for (input, output) in [(4000, 1600), (3000, 1200), (1600, 320), (7, 3), (5, 1), (1, 1), (10, 10), (3, 7)] {
            let taps = Taps::new(input, output);
            assert_eq!(taps.iter().count(), output);
            for (start, weights) in taps.iter() {
                assert_eq!(weights.iter().sum::<i32>(), ONE, "{input}->{output}");
                assert!(start + weights.len() <= input, "{input}->{output}: reads past the end");
                assert!(!weights.is_empty());
            }
        }
    }

    #[test]
    fn a_flat_colour_stays_flat() {
        let flat = RgbImage::from_pixel(101, 77, Rgb([12, 200, 255]));
        let out = resize(&flat, 33, 20);
        assert!(out.pixels().all(|p| p.0 == [12, 200, 255]), "{:?}", out.get_pixel(0, 0));
    }

    #[test]
    fn fine_detail_averages_out_instead_of_aliasing() {
        // One-pixel stripes shrunk by 4 must become an even grey, not stripes or a solid colour.
        let stripes = RgbImage::from_fn(400, 40, |x, _| if x % 2 == 0 { Rgb([0, 0, 0]) } else { Rgb([255, 255, 255]) });
        let out = resize(&stripes, 100, 10);
        // The outermost columns see half a filter, so the stripes there do not cancel exactly.
        let row: Vec<u8> = (2..98).map(|x| out.get_pixel(x, 5).0[0]).collect();
        assert!(row.iter().all(|&c| c.abs_diff(128) <= 2), "{row:?}");
    }

    #[test]
    fn matches_the_image_crate_closely() {
        let picture = RgbImage::from_fn(640, 480, |x, y| {
            let wave = ((f64::from(x) / 9.0).sin() * 60.0 + (f64::from(y) / 13.0).cos() * 60.0 + 128.0) as u8;
            Rgb([wave, (x % 256) as u8, ((x * y) % 251) as u8])
        });
        let ours = resize(&picture, 256, 192);
        let theirs = image::imageops::resize(&picture, 256, 192, FilterType::CatmullRom);
        let diff: u64 = ours.as_raw().iter().zip(theirs.as_raw()).map(|(a, b)| u64::from(a.abs_diff(*b))).sum();
        let mean = diff as f64 / ours.as_raw().len() as f64;
        assert!(mean < 1.5, "mean difference {mean}");
    }

    #[test]
    fn orientation_of_content_is_kept() {
        let two_tone = RgbImage::from_fn(300, 100, |x, _| if x < 150 { Rgb([255, 0, 0]) } else { Rgb([0, 0, 255]) });
        let out = resize(&two_tone, 30, 10);
        assert_eq!(out.get_pixel(2, 5).0, [255, 0, 0]);
        assert_eq!(out.get_pixel(27, 5).0, [0, 0, 255]);
    }

    #[test]
    fn degenerate_sizes_do_not_panic() {
        assert_eq!(resize_rgb8(&[1, 2, 3], 1, 1, 1, 1), vec![1, 2, 3]);
        assert_eq!(resize_rgb8(&[9; 3 * 5], 5, 1, 1, 1), vec![9, 9, 9]);
        assert_eq!(resize_rgb8(&[], 0, 0, 2, 1), vec![0; 6]);
        assert_eq!(resize_rgb8(&[1, 2], 1, 1, 1, 1), vec![0; 3], "a short buffer is refused, not read past");
        let tall = resize_rgb8(&[7; 3 * 1000], 1, 1000, 1, 10);
        assert!(tall.iter().all(|&v| v == 7));
    }
}
