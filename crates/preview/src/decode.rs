//! Decoding under limits, EXIF orientation, and the input's JPEG quality.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, RgbaImage};

use crate::{Limits, PreviewError};

pub(crate) struct Decoded {
    /// Upright (EXIF orientation applied), 8-bit RGBA.
    pub image: RgbaImage,
    /// The input's estimated JPEG quality (1..=100), when the input is a JPEG.
    pub jpeg_quality: Option<u8>,
}

pub(crate) fn decode(input: &[u8], limits: &Limits) -> Result<Decoded, PreviewError> {
    let reader = ImageReader::new(Cursor::new(input))
        .with_guessed_format()
        .map_err(|e| PreviewError::Decode(e.to_string()))?;
    let format = match reader.format() {
        Some(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Gif | ImageFormat::WebP)) => {
            f
        }
        _ => return Err(PreviewError::UnsupportedInput),
    };

    let mut image_limits = image::Limits::default();
    image_limits.max_image_width = Some(limits.max_width);
    image_limits.max_image_height = Some(limits.max_height);
    image_limits.max_alloc = Some(limits.max_alloc);
    let mut reader = reader;
    reader.limits(image_limits);

    let mut decoder = reader.into_decoder().map_err(map_error)?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err(PreviewError::Decode("image has no pixels".to_owned()));
    }
    if w > limits.max_width || h > limits.max_height {
        return Err(PreviewError::TooLarge);
    }
    // The decoder's buffer plus our RGBA copy (and one working copy of the same size).
    let rgba = u64::from(w) * u64::from(h) * 4;
    let needed = decoder.total_bytes().saturating_add(rgba.saturating_mul(2));
    if needed > limits.max_alloc {
        return Err(PreviewError::TooLarge);
    }
    // A missing or unreadable EXIF orientation is not worth failing a preview for.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);

    let mut img = DynamicImage::from_decoder(decoder).map_err(map_error)?;
    img.apply_orientation(orientation);
    let image = match img {
        DynamicImage::ImageRgba8(buf) => buf,
        other => other.to_rgba8(),
    };
    let jpeg_quality = (format == ImageFormat::Jpeg)
        .then(|| jpeg_quality(input))
        .flatten();
    Ok(Decoded {
        image,
        jpeg_quality,
    })
}

fn map_error(e: ImageError) -> PreviewError {
    match e {
        ImageError::Limits(_) => PreviewError::TooLarge,
        ImageError::Unsupported(_) => PreviewError::UnsupportedInput,
        other => PreviewError::Decode(other.to_string()),
    }
}

/// The IJG standard luminance quantisation table (JPEG Annex K), in natural order.
const STD_LUMA: [u16; 64] = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
    92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/// Natural-order index of each zig-zag position (DQT segments store tables in zig-zag order).
const ZIGZAG: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// Estimates the quality a JPEG was saved with from its luminance quantisation table, by
/// inverting libjpeg's scaling. ImageMagick does the same (with another estimator) and
/// re-encodes at that quality when none is asked for: Appwrite's "keep existing image quality".
pub(crate) fn jpeg_quality(data: &[u8]) -> Option<u8> {
    let table = luma_table(data)?;
    let mut sum = 0.0_f64;
    for (zz, &q) in table.iter().enumerate() {
        let natural = ZIGZAG.get(zz).copied()?;
        let std = f64::from(*STD_LUMA.get(natural)?);
        sum += f64::from(q) * 100.0 / std;
    }
    let scale = sum / 64.0;
    let quality = if scale <= 100.0 {
        (200.0 - scale) / 2.0
    } else {
        5000.0 / scale
    };
    // Bounded to 1..=100, so the cast cannot truncate.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let q = quality.round().clamp(1.0, 100.0) as u8;
    Some(q)
}

/// Table 0 of the first DQT segments before the scan, in zig-zag order.
fn luma_table(data: &[u8]) -> Option<[u16; 64]> {
    if data.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut pos = 2usize;
    loop {
        // Skip fill bytes before a marker.
        while *data.get(pos)? == 0xFF && *data.get(pos + 1)? == 0xFF {
            pos += 1;
        }
        if *data.get(pos)? != 0xFF {
            return None;
        }
        let marker = *data.get(pos + 1)?;
        pos += 2;
        if marker == 0xD8 || (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            continue;
        }
        if marker == 0xDA || marker == 0xD9 {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([*data.get(pos)?, *data.get(pos + 1)?]));
        let segment = data.get(pos + 2..pos.checked_add(len)?)?;
        if marker == 0xDB {
            let mut s = segment;
            while let Some((&pq_tq, rest)) = s.split_first() {
                let sixteen = pq_tq >> 4 != 0;
                let size = if sixteen { 128 } else { 64 };
                let values = rest.get(..size)?;
                if pq_tq & 0x0F == 0 {
                    let mut table = [0u16; 64];
                    for (i, slot) in table.iter_mut().enumerate() {
                        *slot = if sixteen {
                            u16::from_be_bytes([*values.get(2 * i)?, *values.get(2 * i + 1)?])
                        } else {
                            u16::from(*values.get(i)?)
                        };
                    }
                    return Some(table);
                }
                s = rest.get(size..)?;
            }
        }
        pos = pos.checked_add(len)?;
    }
}
