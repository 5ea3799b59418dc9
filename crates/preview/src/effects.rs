//! Pixel effects on straight-alpha RGBA: opacity, background, border, rounded corners,
//! rotation (utopia-php/image `setOpacity`, `setBackground`, `setBorder`, `setBorderRadius`,
//! `setRotation`).

use image::{Rgba, RgbaImage, imageops};

use crate::{Limits, PreviewError};

/// Multiplies every pixel's alpha by `opacity` (0..=1).
pub(crate) fn opacity(img: &mut RgbaImage, opacity: f32) {
    let o = opacity.clamp(0.0, 1.0);
    for px in img.pixels_mut() {
        px.0[3] = unit_to_u8(f32::from(px.0[3]) * o / 255.0);
    }
}

/// `v` in 0..=1 to 0..=255, rounded.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn unit_to_u8(v: f32) -> u8 {
    // Clamped to 0..=255 first, so the cast is exact.
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// `src` over an opaque `bg` colour, straight alpha.
fn over_opaque(px: [u8; 4], bg: [u8; 3]) -> [u8; 4] {
    let a = u32::from(px[3]);
    let mix = |c: u8, b: u8| -> u8 {
        let v = (u32::from(c) * a + u32::from(b) * (255 - a) + 127) / 255;
        u8::try_from(v).unwrap_or(u8::MAX)
    };
    [mix(px[0], bg[0]), mix(px[1], bg[1]), mix(px[2], bg[2]), 255]
}

/// Flattens the image onto an opaque background colour (`setBackground` + flatten).
pub(crate) fn flatten(img: &mut RgbaImage, bg: [u8; 3]) {
    for px in img.pixels_mut() {
        px.0 = over_opaque(px.0, bg);
    }
}

fn check_alloc(w: u32, h: u32, limits: &Limits) -> Result<(), PreviewError> {
    if u64::from(w) * u64::from(h) * 4 > limits.max_alloc {
        return Err(PreviewError::TooLarge);
    }
    Ok(())
}

/// Adds a `width`-pixel frame of `color` on every side (`borderImage`).
///
/// appwrite-compat: ImageMagick composes the image over the border colour, so transparent
/// parts of the image take the border colour too.
pub(crate) fn border(
    img: &RgbaImage,
    width: u32,
    color: [u8; 3],
    limits: &Limits,
) -> Result<RgbaImage, PreviewError> {
    let grow = width.saturating_mul(2);
    let (w, h) = (
        img.width().saturating_add(grow),
        img.height().saturating_add(grow),
    );
    check_alloc(w, h, limits)?;
    let mut out = RgbaImage::from_pixel(w, h, Rgba([color[0], color[1], color[2], 255]));
    for (x, y, px) in img.enumerate_pixels() {
        out.put_pixel(x + width, y + width, Rgba(over_opaque(px.0, color)));
    }
    Ok(out)
}

/// A rounded rectangle in continuous pixel coordinates (pixel `(x, y)` covers
/// `[x, x+1) × [y, y+1)`).
#[derive(Debug, Clone, Copy)]
struct RoundRect {
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
    r: f32,
}

impl RoundRect {
    fn new(x0: f32, y0: f32, x1: f32, y1: f32, r: f32) -> Self {
        let half = ((x1 - x0).min(y1 - y0) / 2.0).max(0.0);
        RoundRect {
            x0,
            y0,
            x1,
            y1,
            r: r.clamp(0.0, half),
        }
    }

    /// How much of pixel `(x, y)` the shape covers, 0..=1 (signed distance at the pixel centre).
    fn coverage(&self, x: u32, y: u32) -> f32 {
        if self.x1 <= self.x0 || self.y1 <= self.y0 {
            return 0.0;
        }
        #[allow(clippy::cast_precision_loss)]
        let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
        let (cx, cy) = ((self.x0 + self.x1) / 2.0, (self.y0 + self.y1) / 2.0);
        let (hx, hy) = ((self.x1 - self.x0) / 2.0, (self.y1 - self.y0) / 2.0);
        let qx = (px - cx).abs() - (hx - self.r);
        let qy = (py - cy).abs() - (hy - self.r);
        let outside = qx.max(0.0).hypot(qy.max(0.0));
        let inside = qx.max(qy).min(0.0);
        let d = outside + inside - self.r;
        (0.5 - d).clamp(0.0, 1.0)
    }
}

/// Rounds the corners (`setBorderRadius`). `size` is the size utopia-php/image believes the
/// image has: the cropped size, without a border added since.
///
/// Without a border the corners outside a `radius` rounded rectangle become transparent.
/// With one, utopia-php/image keeps the cropped size: the picture, inset by the border width,
/// is clipped to a rounded rectangle and ringed by a rounded stroke of the border colour,
/// centred on that rectangle's edge; outside the stroke is transparent.
pub(crate) fn rounded(
    img: &RgbaImage,
    radius: u32,
    border: Option<(u32, [u8; 3])>,
    size: (u32, u32),
) -> Result<RgbaImage, PreviewError> {
    #[allow(clippy::cast_precision_loss)]
    let f = |v: u32| v as f32;
    let r = f(radius);
    match border {
        None => {
            let mut out = img.clone();
            let (w, h) = (out.width(), out.height());
            let shape = RoundRect::new(0.0, 0.0, f(w), f(h), r);
            // Only the corner squares can be cut.
            let reach = shape.r.ceil() + 1.0;
            for (x, y, px) in out.enumerate_pixels_mut() {
                let near = |v: u32, size: u32| f(v) < reach || f(size - v) <= reach;
                if !(near(x, w) && near(y, h)) {
                    continue;
                }
                let a = f32::from(px.0[3]) / 255.0;
                px.0[3] = unit_to_u8(a * shape.coverage(x, y));
            }
            Ok(out)
        }
        Some((bw, color)) => {
            let (w, h) = size;
            let b = f(bw);
            let inner = RoundRect::new(b, b, f(w) - b, f(h) - b, r);
            let outer = RoundRect::new(
                b / 2.0,
                b / 2.0,
                f(w) - b / 2.0,
                f(h) - b / 2.0,
                r + b / 2.0,
            );
            let mut out = RgbaImage::new(w, h);
            for (x, y, px) in out.enumerate_pixels_mut() {
                let stroke = outer.coverage(x, y);
                let src = img.get_pixel_checked(x, y).map_or([0; 4], |p| p.0);
                let src_a = f32::from(src[3]) / 255.0 * inner.coverage(x, y);
                // `src` (alpha `src_a`) over the stroke colour (alpha `stroke`).
                let out_a = src_a + stroke * (1.0 - src_a);
                if out_a <= 0.0 {
                    continue;
                }
                let mix = |s: u8, c: u8| -> u8 {
                    let v = (f32::from(s) * src_a + f32::from(c) * stroke * (1.0 - src_a)) / out_a;
                    unit_to_u8(v / 255.0)
                };
                px.0 = [
                    mix(src[0], color[0]),
                    mix(src[1], color[1]),
                    mix(src[2], color[2]),
                    unit_to_u8(out_a),
                ];
            }
            Ok(out)
        }
    }
}

/// Rotates clockwise by `degrees` (1..360) on a transparent canvas that grows to hold the
/// whole image (`rotateImage('transparent', $degrees)`).
pub(crate) fn rotate(
    img: &RgbaImage,
    degrees: u32,
    limits: &Limits,
) -> Result<RgbaImage, PreviewError> {
    match degrees % 360 {
        0 => Ok(img.clone()),
        90 => Ok(imageops::rotate90(img)),
        180 => Ok(imageops::rotate180(img)),
        270 => Ok(imageops::rotate270(img)),
        d => rotate_any(img, f64::from(d), limits),
    }
}

/// Free rotation with bilinear sampling on premultiplied colour.
pub(crate) fn rotate_any(
    img: &RgbaImage,
    degrees: f64,
    limits: &Limits,
) -> Result<RgbaImage, PreviewError> {
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    let nw = (w * cos.abs() + h * sin.abs() - 1e-6).ceil().max(1.0);
    let nh = (w * sin.abs() + h * cos.abs() - 1e-6).ceil().max(1.0);
    // Bounded by the limit check below (at most sqrt(2) × a bounded input).
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let (out_w, out_h) = (
        nw.min(f64::from(u32::MAX)) as u32,
        nh.min(f64::from(u32::MAX)) as u32,
    );
    check_alloc(out_w, out_h, limits)?;
    let mut out = RgbaImage::new(out_w, out_h);
    let (scx, scy) = (w / 2.0, h / 2.0);
    let (dcx, dcy) = (nw / 2.0, nh / 2.0);
    for (x, y, px) in out.enumerate_pixels_mut() {
        // Inverse map the destination pixel centre into the source (y points down, so a
        // positive angle turns clockwise on screen).
        let dx = f64::from(x) + 0.5 - dcx;
        let dy = f64::from(y) + 0.5 - dcy;
        let sx = dx * cos + dy * sin + scx - 0.5;
        let sy = -dx * sin + dy * cos + scy - 0.5;
        px.0 = sample(img, sx, sy);
    }
    Ok(out)
}

/// Bilinear sample at `(x, y)` (pixel centres at integers); outside is transparent.
fn sample(img: &RgbaImage, x: f64, y: f64) -> [u8; 4] {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let mut acc = [0.0f64; 4];
    for (ox, oy, wgt) in [
        (0.0, 0.0, (1.0 - fx) * (1.0 - fy)),
        (1.0, 0.0, fx * (1.0 - fy)),
        (0.0, 1.0, (1.0 - fx) * fy),
        (1.0, 1.0, fx * fy),
    ] {
        let (sx, sy) = (x0 + ox, y0 + oy);
        if wgt <= 0.0 || sx < 0.0 || sy < 0.0 {
            continue;
        }
        // Non-negative and compared against the size below.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let (ix, iy) = (sx as u32, sy as u32);
        if let Some(p) = img.get_pixel_checked(ix, iy) {
            let a = f64::from(p.0[3]) / 255.0;
            acc[0] += f64::from(p.0[0]) * a * wgt;
            acc[1] += f64::from(p.0[1]) * a * wgt;
            acc[2] += f64::from(p.0[2]) * a * wgt;
            acc[3] += a * wgt;
        }
    }
    if acc[3] <= 1e-9 {
        return [0; 4];
    }
    // Colours un-premultiplied, all bounded to 0..=255 before the cast.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let c = |v: f64| (v / acc[3]).round().clamp(0.0, 255.0) as u8;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let a = (acc[3] * 255.0).round().clamp(0.0, 255.0) as u8;
    [c(acc[0]), c(acc[1]), c(acc[2]), a]
}
