//! Appwrite-compatible file previews (`GET /v1/storage/buckets/{b}/files/{f}/preview`).
//!
//! A pure library: bytes in, bytes out, no I/O and no async. The caller reads (and decrypts,
//! decompresses) the file, runs [`render`] on the blocking pool, caches the result under
//! [`cache_key`] and maps [`PreviewError`] to Appwrite's error types.
//!
//! The pipeline follows Appwrite 1.9 (`Storage/Http/Buckets/Files/Preview/Get.php`) and
//! utopia-php/image (`Image::crop`, `setOpacity`, `setBackground`, `setBorder`,
//! `setBorderRadius`, `setRotation`, `output`): decode → EXIF orientation → crop → opacity →
//! background → border → border radius → rotation → encode.

mod decode;
mod effects;
mod encode;
mod geometry;

use std::fmt;
use std::str::FromStr;

/// Crop gravity: which part of the image survives a crop (`gravity` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Gravity {
    #[default]
    Center,
    TopLeft,
    Top,
    TopRight,
    Left,
    Right,
    BottomLeft,
    Bottom,
    BottomRight,
}

impl Gravity {
    /// Every gravity, in Appwrite's order (`Image::getGravityTypes()`).
    pub const ALL: [Gravity; 9] = [
        Gravity::Center,
        Gravity::TopLeft,
        Gravity::Top,
        Gravity::TopRight,
        Gravity::Left,
        Gravity::Right,
        Gravity::BottomLeft,
        Gravity::Bottom,
        Gravity::BottomRight,
    ];

    /// Appwrite's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Gravity::Center => "center",
            Gravity::TopLeft => "top-left",
            Gravity::Top => "top",
            Gravity::TopRight => "top-right",
            Gravity::Left => "left",
            Gravity::Right => "right",
            Gravity::BottomLeft => "bottom-left",
            Gravity::Bottom => "bottom",
            Gravity::BottomRight => "bottom-right",
        }
    }
}

impl fmt::Display for Gravity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Gravity {
    type Err = PreviewError;

    /// Exact, case-sensitive match, as Appwrite's `WhiteList` validator.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Gravity::ALL
            .into_iter()
            .find(|g| g.as_str() == s)
            .ok_or_else(|| PreviewError::InvalidParam(format!("gravity: unknown value {s:?}")))
    }
}

/// Output format (`output` parameter; Appwrite's `storage-outputs` config, enum `ImageFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Output {
    Jpg,
    Jpeg,
    Png,
    Webp,
    /// Listed by Appwrite; not supported here (no pure-Rust HEVC encoder): rendering
    /// returns [`PreviewError::UnsupportedOutput`].
    Heic,
    /// Needs the `avif` feature (default).
    Avif,
    Gif,
}

impl Output {
    /// Every output, in Appwrite's order.
    pub const ALL: [Output; 7] = [
        Output::Jpg,
        Output::Jpeg,
        Output::Png,
        Output::Webp,
        Output::Heic,
        Output::Avif,
        Output::Gif,
    ];

    /// Appwrite's spelling (also the file extension).
    pub fn as_str(self) -> &'static str {
        match self {
            Output::Jpg => "jpg",
            Output::Jpeg => "jpeg",
            Output::Png => "png",
            Output::Webp => "webp",
            Output::Heic => "heic",
            Output::Avif => "avif",
            Output::Gif => "gif",
        }
    }

    /// The `Content-Type` Appwrite sends for this output.
    pub fn mime(self) -> &'static str {
        match self {
            Output::Jpg | Output::Jpeg => "image/jpeg",
            Output::Png => "image/png",
            Output::Webp => "image/webp",
            Output::Heic => "image/heic",
            Output::Avif => "image/avif",
            Output::Gif => "image/gif",
        }
    }

    /// Whether [`render`] can produce this output.
    pub fn is_supported(self) -> bool {
        self != Output::Heic && (self != Output::Avif || cfg!(feature = "avif"))
    }

    /// The first output whose mime type is `mime` (Appwrite's `array_search($mime, $outputs)`).
    pub fn from_mime(mime: &str) -> Option<Output> {
        Output::ALL.into_iter().find(|o| o.mime() == mime)
    }

    /// The output named by a file extension (case-insensitive), if Appwrite lists it.
    pub fn from_extension(ext: &str) -> Option<Output> {
        let ext = ext.to_ascii_lowercase();
        Output::ALL.into_iter().find(|o| o.as_str() == ext)
    }

    /// Appwrite's default when `output` is empty: the stored file's extension if it is an
    /// output, `jpg` if it is some other extension; without an extension, the output of the
    /// file's mime type, else `jpg`.
    pub fn default_for(file_name: &str, mime: &str) -> Output {
        let ext = match file_name.rsplit_once('.') {
            Some((_, ext)) if !ext.is_empty() && !ext.contains('/') => Some(ext),
            _ => None,
        };
        match ext {
            Some(ext) => Output::from_extension(ext).unwrap_or(Output::Jpg),
            None => Output::from_mime(mime).unwrap_or(Output::Jpg),
        }
    }

    /// Whether the format keeps an alpha channel.
    fn has_alpha(self) -> bool {
        !matches!(self, Output::Jpg | Output::Jpeg)
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Output {
    type Err = PreviewError;

    /// Exact, case-sensitive match, as Appwrite's strict `WhiteList` validator.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Output::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| PreviewError::InvalidParam(format!("output: unknown value {s:?}")))
    }
}

/// Mime types Appwrite previews as images (`storage-inputs`); for any other file Appwrite
/// renders a file-type icon instead, which is the caller's business.
pub const INPUT_MIMES: [&str; 5] = [
    "image/jpeg",
    "image/png",
    "image/heic",
    "image/webp",
    "image/gif",
];

/// Preview parameters, already parsed; [`Options::validate`] checks Appwrite's ranges.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Options {
    /// 0..=4000; 0 = derive from `height` keeping the aspect ratio (or keep the original).
    pub width: u32,
    /// 0..=4000; 0 = derive from `width` keeping the aspect ratio (or keep the original).
    pub height: u32,
    pub gravity: Gravity,
    /// 0..=100; `None` is Appwrite's `-1` ("keep existing image quality").
    pub quality: Option<u8>,
    /// 0..=100 pixels.
    pub border_width: u32,
    /// `None` = black (Appwrite passes `#` to ImageMagick, which rejects it).
    pub border_color: Option<[u8; 3]>,
    /// 0..=4000 pixels.
    pub border_radius: u32,
    /// 0.0..=1.0; `None` = 1.
    pub opacity: Option<f32>,
    /// Degrees clockwise, -360..=360.
    pub rotation: i32,
    pub background: Option<[u8; 3]>,
    /// `None` = the input's format (see [`Output::default_for`] for Appwrite's exact rule).
    pub output: Option<Output>,
}

/// Appwrite's parameter ranges (`Preview/Get.php`).
pub const MAX_DIMENSION: u32 = 4000;
pub const MAX_BORDER_WIDTH: u32 = 100;
pub const MAX_BORDER_RADIUS: u32 = 4000;
pub const MAX_ROTATION: i32 = 360;

impl Options {
    /// Checks Appwrite's ranges: width/height 0..=4000, quality 0..=100, borderWidth 0..=100,
    /// borderRadius 0..=4000, opacity 0..=1, rotation -360..=360.
    pub fn validate(&self) -> Result<(), PreviewError> {
        fn range(name: &str, v: i64, lo: i64, hi: i64) -> Result<(), PreviewError> {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(PreviewError::InvalidParam(format!(
                    "{name}: value must be a valid range between {lo} and {hi}"
                )))
            }
        }
        range("width", i64::from(self.width), 0, i64::from(MAX_DIMENSION))?;
        range(
            "height",
            i64::from(self.height),
            0,
            i64::from(MAX_DIMENSION),
        )?;
        if let Some(q) = self.quality {
            range("quality", i64::from(q), 0, 100)?;
        }
        range(
            "borderWidth",
            i64::from(self.border_width),
            0,
            i64::from(MAX_BORDER_WIDTH),
        )?;
        range(
            "borderRadius",
            i64::from(self.border_radius),
            0,
            i64::from(MAX_BORDER_RADIUS),
        )?;
        range(
            "rotation",
            i64::from(self.rotation),
            -i64::from(MAX_ROTATION),
            i64::from(MAX_ROTATION),
        )?;
        if let Some(o) = self.opacity
            && !(0.0..=1.0).contains(&o)
        {
            return Err(PreviewError::InvalidParam(
                "opacity: value must be a valid range between 0 and 1".to_owned(),
            ));
        }
        Ok(())
    }

    /// Clockwise rotation in 0..360, as Appwrite normalises it (`($rotation + 360) % 360`).
    pub fn normalized_rotation(&self) -> u32 {
        self.rotation.rem_euclid(360).unsigned_abs()
    }

    fn effective_opacity(&self) -> f32 {
        self.opacity.unwrap_or(1.0)
    }
}

/// Parses Appwrite's hex colours: exactly 3 or 6 hex digits, no `#` (utopia `HexColor`).
pub fn parse_hex_color(s: &str) -> Option<[u8; 3]> {
    let digits = s.as_bytes();
    if !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let nib = |c: u8| -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => 0,
        }
    };
    match digits {
        [r, g, b] => Some([nib(*r) * 17, nib(*g) * 17, nib(*b) * 17]),
        [r1, r2, g1, g2, b1, b2] => Some([
            nib(*r1) * 16 + nib(*r2),
            nib(*g1) * 16 + nib(*g2),
            nib(*b1) * 16 + nib(*b2),
        ]),
        _ => None,
    }
}

fn hex(c: [u8; 3]) -> String {
    format!("{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

/// A normalised, stable key for the rendering `opts` asks for: options that cannot change the
/// result are dropped or canonicalised (`jpeg` = `jpg`, rotation mod 360, opacity 1 = none,
/// border colour without border). Combine it with the file's identity and signature.
pub fn cache_key(opts: &Options) -> String {
    let quality = opts
        .quality
        .map_or_else(|| "-1".to_owned(), |q| q.to_string());
    let border = if opts.border_width == 0 {
        "0".to_owned()
    } else {
        format!(
            "{}:{}",
            opts.border_width,
            hex(opts.border_color.unwrap_or([0, 0, 0]))
        )
    };
    let opacity = opts.effective_opacity();
    let output = match opts.output {
        None => "auto",
        Some(Output::Jpeg) => Output::Jpg.as_str(),
        Some(o) => o.as_str(),
    };
    format!(
        "v1;w={};h={};g={};q={};b={};r={};o={};rot={};bg={};out={}",
        opts.width,
        opts.height,
        opts.gravity,
        quality,
        border,
        opts.border_radius,
        opacity,
        opts.normalized_rotation(),
        opts.background.map(hex).unwrap_or_default(),
        output,
    )
}

/// Resource limits for one rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Larger inputs are refused with [`PreviewError::TooLarge`] (Appwrite's
    /// `_APP_STORAGE_PREVIEW_LIMIT`, 20 MB by default, where Appwrite shows a generic icon).
    pub max_input_bytes: u64,
    /// Largest decoded width and height.
    pub max_width: u32,
    pub max_height: u32,
    /// Largest total of pixel buffers one rendering may hold (decoder output and working
    /// copies); guards against decompression bombs.
    pub max_alloc: u64,
    /// Largest AVIF output in pixels: AVIF encoding (rav1e, pure Rust, speed 10) is slow, about
    /// 3 s per megapixel on this 2-core machine in release builds.
    pub max_avif_pixels: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 20_000_000,
            max_width: 12_000,
            max_height: 12_000,
            max_alloc: 512 * 1024 * 1024,
            max_avif_pixels: 4_000_000,
        }
    }
}

/// Why a preview could not be rendered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PreviewError {
    /// A parameter is out of Appwrite's range (Appwrite: 400 `general_argument_invalid`).
    #[error("invalid parameter: {0}")]
    InvalidParam(String),
    /// Not an image, or a format we cannot decode (Appwrite: `storage_file_type_unsupported`).
    #[error("unsupported input: not a jpeg, png, gif or webp image")]
    UnsupportedInput,
    /// An output Appwrite lists that this build cannot encode.
    #[error("unsupported output format: {0}")]
    UnsupportedOutput(Output),
    /// The input, its dimensions or the memory it needs exceed [`Limits`].
    #[error("image too large to preview")]
    TooLarge,
    /// The image is damaged (Appwrite: `storage_file_type_unsupported`).
    #[error("cannot decode image: {0}")]
    Decode(String),
    /// Encoding (or resampling) failed.
    #[error("cannot encode preview: {0}")]
    Encode(String),
}

/// A rendered preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub bytes: Vec<u8>,
    /// `Content-Type` of `bytes`.
    pub mime: &'static str,
}

/// Renders a preview of `input` (the plain file bytes) as Appwrite would.
///
/// `input_mime` is the stored file's mime type; it only picks the default output when
/// `opts.output` is `None` (unknown → jpg). The format itself is sniffed from the bytes.
/// CPU-heavy: run it off the async threads.
pub fn render(
    input: &[u8],
    input_mime: &str,
    opts: &Options,
    limits: &Limits,
) -> Result<Rendered, PreviewError> {
    opts.validate()?;
    let output = opts
        .output
        .unwrap_or_else(|| Output::from_mime(input_mime).unwrap_or(Output::Jpg));
    if !output.is_supported() {
        return Err(PreviewError::UnsupportedOutput(output));
    }
    if u64::try_from(input.len()).unwrap_or(u64::MAX) > limits.max_input_bytes {
        return Err(PreviewError::TooLarge);
    }

    let decode::Decoded {
        image: mut img,
        jpeg_quality,
    } = decode::decode(input, limits)?;

    // Crop. appwrite-compat: Appwrite only crops when a size or a non-centre gravity is given.
    if let Some(plan) = geometry::plan(
        img.width(),
        img.height(),
        opts.width,
        opts.height,
        opts.gravity,
    ) {
        img = geometry::apply(&img, &plan)?;
    }

    // Opacity. appwrite-compat: ImageMagick drops the alpha channel when writing JPEG, so
    // there opacity only shows when a background is flattened in.
    let opacity = opts.effective_opacity();
    if opacity < 1.0 && (output.has_alpha() || opts.background.is_some()) {
        effects::opacity(&mut img, opacity);
    }

    if let Some(bg) = opts.background {
        effects::flatten(&mut img, bg);
    }

    let border_color = opts.border_color.unwrap_or([0, 0, 0]);
    if opts.border_width > 0 {
        // `borderImage` also grows the image when a radius follows (the radius step then
        // cuts it back to the cropped size, as utopia-php/image does).
        img = effects::border(&img, opts.border_width, border_color, limits)?;
    }
    if opts.border_radius > 0 {
        let border = (opts.border_width > 0).then_some((opts.border_width, border_color));
        img = effects::rounded(&img, opts.border_radius, border, decoded_size(&img, opts))?;
    }

    let rotation = opts.normalized_rotation();
    if rotation != 0 {
        img = effects::rotate(&img, rotation, limits)?;
    }

    let bytes = encode::encode(img, output, opts, jpeg_quality, limits)?;
    Ok(Rendered {
        bytes,
        mime: output.mime(),
    })
}

/// The size utopia-php/image believes the image has when it rounds corners: the cropped size,
/// not counting a border added since.
/// Appwrite's background for the tile it shows instead of a preview.
pub const PLACEHOLDER_BACKGROUND: [u8; 3] = [0xec, 0xef, 0xf1];

/// What stands in for a file that is not an image (or too large to preview): a plain tile of
/// the background (Appwrite's `eceff1` unless one is given) in the requested size (150×150
/// when none is), through the same effects; PNG unless another output is asked for.
/// (Appwrite draws a file-type logo on that background.)
pub fn placeholder(opts: &Options, limits: &Limits) -> Result<Rendered, PreviewError> {
    opts.validate()?;
    let bg = opts.background.unwrap_or(PLACEHOLDER_BACKGROUND);
    let (w, h) = match (opts.width, opts.height) {
        (0, 0) => (150, 150),
        (0, h) => (h, h),
        (w, 0) => (w, w),
        (w, h) => (w, h),
    };
    let tile = image::RgbaImage::from_pixel(w, h, image::Rgba([bg[0], bg[1], bg[2], 255]));
    let mut png = Vec::new();
    image::DynamicImage::ImageRgba8(tile)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| PreviewError::Encode(e.to_string()))?;
    let opts = Options { background: Some(bg), output: Some(opts.output.unwrap_or(Output::Png)), ..opts.clone() };
    render(&png, "image/png", &opts, limits)
}

fn decoded_size(img: &image::RgbaImage, opts: &Options) -> (u32, u32) {
    let grow = opts.border_width.saturating_mul(2);
    (
        img.width().saturating_sub(grow).max(1),
        img.height().saturating_sub(grow).max(1),
    )
}

#[cfg(test)]
mod tests;
