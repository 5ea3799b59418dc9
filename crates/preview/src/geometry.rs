//! Crop and resize, as utopia-php/image `Image::crop` (0.8.9).
//!
//! Both centre (`cropThumbnailImage`) and the other gravities scale the image to cover the
//! target (upscaling too), then cut the target out at the gravity's offset, so the result is
//! always exactly the target size. A missing side follows the aspect ratio.

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbaImage;

use crate::{Gravity, PreviewError};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    pub out_w: u32,
    pub out_h: u32,
    /// Source rectangle (in source pixels) that is scaled onto the output.
    pub src_x: f64,
    pub src_y: f64,
    pub src_w: f64,
    pub src_h: f64,
}

/// `ceil` that forgives floating-point noise (`h * (w / h)` may land a hair above `w`).
fn ceil(v: f64) -> f64 {
    (v - 1e-9).ceil()
}

/// PHP's `intval` of a non-negative float, kept at least 1.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn to_px(v: f64) -> u32 {
    // Saturating float-to-int cast; inputs are bounded by 4000 × 12000 anyway.
    (v.trunc() as u32).max(1)
}

/// The crop for a `src_w`×`src_h` image, or `None` when Appwrite leaves the image alone.
pub(crate) fn plan(
    src_w: u32,
    src_h: u32,
    width: u32,
    height: u32,
    gravity: Gravity,
) -> Option<Plan> {
    // appwrite-compat: the action calls crop only for a size or a non-centre gravity, and crop
    // returns early for a centred crop to the image's own size.
    if width == 0 && height == 0 && gravity == Gravity::Center {
        return None;
    }
    if gravity == Gravity::Center && width == src_w && height == src_h {
        return None;
    }
    let (sw, sh) = (f64::from(src_w), f64::from(src_h));
    let aspect = sw / sh;
    let (w, h) = match (width, height) {
        (0, 0) => (src_w, src_h),
        (0, h) => (to_px(f64::from(h) * aspect), h),
        (w, 0) => (w, to_px(f64::from(w) / aspect)),
        (w, h) => (w, h),
    };
    let (fw, fh) = (f64::from(w), f64::from(h));
    // The cover size: one side matches the target, the other overflows.
    let (rw, rh) = if fw / fh > aspect {
        (fw, ceil(fw / aspect).max(fh))
    } else {
        (ceil(fh * aspect).max(fw), fh)
    };
    let centre_x = ((rw - fw) / 2.0).trunc();
    let centre_y = ((rh - fh) / 2.0).trunc();
    let (x, y) = match gravity {
        Gravity::TopLeft => (0.0, 0.0),
        Gravity::Top => (centre_x, 0.0),
        Gravity::TopRight => (rw - fw, 0.0),
        Gravity::Left => (0.0, centre_y),
        Gravity::Center => (centre_x, centre_y),
        Gravity::Right => (rw - fw, centre_y),
        Gravity::BottomLeft => (0.0, rh - fh),
        Gravity::Bottom => (centre_x, rh - fh),
        Gravity::BottomRight => (rw - fw, rh - fh),
    };
    let (kx, ky) = (sw / rw, sh / rh);
    let (src_x, src_y) = ((x * kx).clamp(0.0, sw), (y * ky).clamp(0.0, sh));
    Some(Plan {
        out_w: w,
        out_h: h,
        src_x,
        src_y,
        // Rounding must not push the box past the edge.
        src_w: (fw * kx).min(sw - src_x),
        src_h: (fh * ky).min(sh - src_y),
    })
}

/// Resamples `src` per `plan` (Lanczos3, alpha-aware).
pub(crate) fn apply(src: &RgbaImage, plan: &Plan) -> Result<RgbaImage, PreviewError> {
    let identity = plan.out_w == src.width()
        && plan.out_h == src.height()
        && plan.src_x.abs() < 1e-9
        && plan.src_y.abs() < 1e-9;
    if identity {
        return Ok(src.clone());
    }
    let mut dst = RgbaImage::new(plan.out_w, plan.out_h);
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
        .crop(plan.src_x, plan.src_y, plan.src_w, plan.src_h);
    Resizer::new()
        .resize(src, &mut dst, &options)
        .map_err(|e| PreviewError::Encode(format!("resize: {e}")))?;
    Ok(dst)
}
