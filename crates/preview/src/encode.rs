//! Encoding (utopia-php/image `Image::output`).

#[cfg(feature = "avif")]
use image::codecs::avif::AvifEncoder;
use image::codecs::gif::GifEncoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder, RgbaImage};

use crate::{Limits, Options, Output, PreviewError, effects};

/// ImageMagick's JPEG quality when neither the request nor the input gives one.
const DEFAULT_JPEG_QUALITY: u8 = 92;
/// libwebp's (and so ImageMagick's) default.
const DEFAULT_WEBP_QUALITY: u8 = 75;
/// libheif's default lossy quality, which ImageMagick keeps when none is set.
#[cfg(feature = "avif")]
const DEFAULT_AVIF_QUALITY: u8 = 50;
/// rav1e speed (1 slowest … 10 fastest): previews favour latency.
#[cfg(feature = "avif")]
const AVIF_SPEED: u8 = 10;
/// libwebp's largest side.
const WEBP_MAX_DIMENSION: u32 = 16_383;

pub(crate) fn encode(
    mut img: RgbaImage,
    output: Output,
    opts: &Options,
    input_jpeg_quality: Option<u8>,
    limits: &Limits,
) -> Result<Vec<u8>, PreviewError> {
    // appwrite-compat: with no quality asked, ImageMagick keeps the quality it estimated from a
    // JPEG input, for every lossy output.
    let quality = |default: u8| {
        opts.quality
            .or(input_jpeg_quality)
            .unwrap_or(default)
            .min(100)
    };
    let (w, h) = img.dimensions();
    if output == Output::Avif && u64::from(w) * u64::from(h) > limits.max_avif_pixels {
        return Err(PreviewError::TooLarge);
    }
    let mut out = Vec::new();
    let encode_error = |e: image::ImageError| PreviewError::Encode(e.to_string());
    match output {
        Output::Jpg | Output::Jpeg => {
            // JPEG has no alpha: whatever is still transparent goes onto the background (white
            // when none is given).
            effects::flatten(&mut img, opts.background.unwrap_or([255, 255, 255]));
            let rgb = rgb_bytes(&img);
            JpegEncoder::new_with_quality(&mut out, quality(DEFAULT_JPEG_QUALITY).max(1))
                .write_image(&rgb, w, h, ExtendedColorType::Rgb8)
                .map_err(encode_error)?;
        }
        Output::Png => {
            // appwrite-compat: quality 0..=100 maps to zlib level 9..=0 (lossless either way).
            let compression = match opts.quality {
                None => CompressionType::Default,
                Some(q) => CompressionType::Level(png_level(q)),
            };
            let encoder = PngEncoder::new_with_quality(&mut out, compression, FilterType::Adaptive);
            if is_opaque(&img) {
                encoder.write_image(&rgb_bytes(&img), w, h, ExtendedColorType::Rgb8)
            } else {
                encoder.write_image(img.as_raw(), w, h, ExtendedColorType::Rgba8)
            }
            .map_err(encode_error)?;
        }
        Output::Gif => {
            if w > u32::from(u16::MAX) || h > u32::from(u16::MAX) {
                return Err(PreviewError::Encode("too large for gif".to_owned()));
            }
            // GIF transparency is all or nothing.
            for px in img.pixels_mut() {
                px.0[3] = if px.0[3] < 128 { 0 } else { 255 };
            }
            let mut encoder = GifEncoder::new_with_speed(&mut out, 10);
            encoder
                .encode(img.as_raw(), w, h, ExtendedColorType::Rgba8)
                .map_err(encode_error)?;
        }
        Output::Webp => {
            if w > WEBP_MAX_DIMENSION || h > WEBP_MAX_DIMENSION {
                return Err(PreviewError::Encode("too large for webp".to_owned()));
            }
            let q = quality(DEFAULT_WEBP_QUALITY);
            let rgb;
            let encoder = if is_opaque(&img) {
                rgb = rgb_bytes(&img);
                webp::Encoder::from_rgb(&rgb, w, h)
            } else {
                webp::Encoder::from_rgba(img.as_raw(), w, h)
            };
            let mut config = webp::WebPConfig::new()
                .map_err(|()| PreviewError::Encode("webp: bad libwebp version".to_owned()))?;
            // ImageMagick switches libwebp to lossless at quality 100.
            config.lossless = i32::from(q >= 100);
            config.alpha_compression = 1;
            config.quality = f32::from(q);
            let mem = encoder
                .encode_advanced(&config)
                .map_err(|e| PreviewError::Encode(format!("webp: {e:?}")))?;
            out.extend_from_slice(&mem);
        }
        #[cfg(feature = "avif")]
        Output::Avif => {
            // ImageMagick keeps quality 100 lossy too (utopia-php/image caps it at 99).
            let q = quality(DEFAULT_AVIF_QUALITY).clamp(1, 99);
            let encoder = AvifEncoder::new_with_speed_quality(&mut out, AVIF_SPEED, q);
            if is_opaque(&img) {
                encoder.write_image(&rgb_bytes(&img), w, h, ExtendedColorType::Rgb8)
            } else {
                encoder.write_image(img.as_raw(), w, h, ExtendedColorType::Rgba8)
            }
            .map_err(encode_error)?;
        }
        #[cfg(not(feature = "avif"))]
        Output::Avif => return Err(PreviewError::UnsupportedOutput(output)),
        Output::Heic => return Err(PreviewError::UnsupportedOutput(output)),
    }
    Ok(out)
}

/// utopia-php/image: `9 - round(quality / 100 * 9)`, at least 1 (0 would store uncompressed).
fn png_level(quality: u8) -> u8 {
    let scaled = (u16::from(quality.min(100)) * 9 + 50) / 100;
    u8::try_from(9u16.saturating_sub(scaled))
        .unwrap_or(9)
        .max(1)
}

fn is_opaque(img: &RgbaImage) -> bool {
    img.pixels().all(|p| p.0[3] == 255)
}

fn rgb_bytes(img: &RgbaImage) -> Vec<u8> {
    let mut v = Vec::with_capacity(img.as_raw().len() / 4 * 3);
    for p in img.pixels() {
        v.extend_from_slice(&p.0[..3]);
    }
    v
}
