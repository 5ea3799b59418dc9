//! A file's bytes: download and view (whole or a `Range`), and previews. Readable by whoever
//! may read the file, or by anyone holding a resource token for it (`?token=`).

use std::ops::Range;

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use oxwrite_preview as preview;
use oxwrite_types::ErrorType;
use sha2::Digest;

use super::files::{load_readable, whole_key};
use super::{CHUNK_SIZE, codec, load_bucket};
use crate::app::App;
use crate::caller::Caller;
use crate::ports::ByteStream;
use crate::records::{BucketRecord, FileRecord};
use crate::services::tokens;
use crate::{Error, Result};

/// A `Range: bytes=…` request (one range; Appwrite serves no multipart ranges).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `bytes=<start>-` or `bytes=<start>-<end>` (end inclusive).
    From(u64, Option<u64>),
    /// `bytes=-<n>`: the last `n` bytes.
    Suffix(u64),
}

impl ByteRange {
    /// Parses a `Range` header; `None` for anything that is not a single byte range.
    pub fn parse(header: &str) -> Option<Self> {
        let spec = header.trim().strip_prefix("bytes=")?;
        if spec.contains(',') {
            return None;
        }
        let (a, b) = spec.trim().split_once('-')?;
        let num = |s: &str| s.trim().parse::<u64>().ok();
        match (a.trim().is_empty(), b.trim().is_empty()) {
            (true, false) => Some(Self::Suffix(num(b)?)),
            (false, true) => Some(Self::From(num(a)?, None)),
            (false, false) => Some(Self::From(num(a)?, Some(num(b)?))),
            (true, true) => None,
        }
    }

    /// The inclusive span within a file of `size` bytes; `416 storage_invalid_range` if it
    /// is not satisfiable.
    pub fn resolve(self, size: u64) -> Result<(u64, u64)> {
        let bad = || Error::new(ErrorType::StorageInvalidRange);
        let (start, end) = match self {
            Self::From(start, end) => (start, end.map_or(size.saturating_sub(1), |e| e.min(size.saturating_sub(1)))),
            Self::Suffix(0) => return Err(bad()),
            Self::Suffix(n) => (size.saturating_sub(n), size.saturating_sub(1)),
        };
        if size == 0 || start >= size || start > end {
            return Err(bad());
        }
        Ok((start, end))
    }
}

/// What a download, view or preview sends.
pub struct Content {
    pub name: String,
    pub mime: String,
    /// The file's size.
    pub size: u64,
    /// The inclusive span sent, when a range was asked for.
    pub range: Option<(u64, u64)>,
    pub body: ByteStream,
}

/// The bucket and file a download may read: under the caller's permissions, or through a
/// live resource token, which opens exactly its file (any other is `401`, as in Appwrite).
/// Uploads still in progress have no content yet.
async fn readable(app: &App, caller: &Caller, b: &BucketRecord, file_id: &str, token: Option<&str>) -> Result<FileRecord> {
    let token = match token.filter(|t| !t.is_empty()) {
        Some(t) => tokens::resolve(app, caller, t).await?,
        None => None,
    };
    let f = match &token {
        Some(t) if tokens::in_bucket(t, b) => app
            .store
            .get_file(b, file_id)
            .await
            .map_err(Error::internal)?
            .filter(|f| tokens::grants_file(t, b, f))
            .ok_or(ErrorType::UserUnauthorized)?,
        Some(_) => return Err(ErrorType::UserUnauthorized.into()),
        None => load_readable(app, caller, b, file_id).await?,
    };
    if !f.complete() {
        return Err(Error::with(ErrorType::StorageFileNotFound, file_id));
    }
    Ok(f)
}

pub async fn read(app: &App, caller: &Caller, bucket_id: &str, file_id: &str, token: Option<&str>, range: Option<ByteRange>) -> Result<Content> {
    let b = load_bucket(app, caller, bucket_id).await?;
    read_in(app, caller, &b, file_id, token, range).await
}

/// [`read`] in a bucket already loaded (internal buckets: deployments).
pub(crate) async fn read_in(app: &App, caller: &Caller, b: &BucketRecord, file_id: &str, token: Option<&str>, range: Option<ByteRange>) -> Result<Content> {
    let f = readable(app, caller, b, file_id, token).await?;
    let size = u64::try_from(f.size_original).unwrap_or(0);
    let span = range.map(|r| r.resolve(size)).transpose()?;
    let (start, end) = span.unwrap_or((0, size.saturating_sub(1)));
    let body = if size == 0 {
        futures_util::stream::empty().boxed()
    } else if f.stored_whole {
        let bytes = original_bytes(app, &f).await?;
        let piece = bytes.slice(usize::try_from(start).unwrap_or(0)..usize::try_from(end + 1).unwrap_or(0).min(bytes.len()));
        futures_util::stream::once(async move { Ok(piece) }).boxed()
    } else {
        chunk_stream(app, &f, start..end + 1)
    };
    Ok(Content { name: f.name, mime: f.mime_type, size, range: span, body })
}

/// Files larger than this (as stored) get the placeholder instead of a preview (Appwrite's
/// `_APP_STORAGE_PREVIEW_LIMIT`).
pub const PREVIEW_LIMIT: i64 = 20_000_000;

/// The preview parameters as a request gives them; each is checked with Appwrite's rule.
#[derive(Debug, Default, Clone)]
pub struct PreviewInput {
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub gravity: Option<String>,
    pub quality: Option<i64>,
    pub border_width: Option<i64>,
    pub border_color: Option<String>,
    pub border_radius: Option<i64>,
    pub opacity: Option<f64>,
    pub rotation: Option<i64>,
    pub background: Option<String>,
    pub output: Option<String>,
}

fn options(i: &PreviewInput) -> Result<preview::Options> {
    fn range(name: &str, v: Option<i64>, lo: i64, hi: i64) -> Result<Option<i64>> {
        match v {
            Some(v) if !(lo..=hi).contains(&v) => Err(Error::invalid_param(name, &format!("Value must be a valid range between {lo} and {hi}"))),
            other => Ok(other),
        }
    }
    let small = |name: &str, v: Option<i64>, hi: i64| -> Result<u32> {
        Ok(u32::try_from(range(name, v, 0, hi)?.unwrap_or(0)).unwrap_or(0))
    };
    let color = |name: &str, v: &Option<String>| -> Result<Option<[u8; 3]>> {
        match v {
            None => Ok(None),
            Some(s) => preview::parse_hex_color(s).map(Some).ok_or_else(|| Error::invalid_param(name, "Value must be a valid Hex color code")),
        }
    };
    let one_of = |name: &str, all: Vec<&str>| Error::invalid_param(name, &format!("Value must be one of ({})", all.join(", ")));
    let gravity = match &i.gravity {
        None => preview::Gravity::Center,
        Some(g) => g.to_lowercase().parse().map_err(|_| one_of("gravity", preview::Gravity::ALL.iter().map(|g| g.as_str()).collect()))?,
    };
    let output = match &i.output {
        None => None,
        Some(o) => Some(o.parse::<preview::Output>().map_err(|_| one_of("output", preview::Output::ALL.iter().map(|o| o.as_str()).collect()))?),
    };
    if let Some(o) = i.opacity
        && !(0.0..=1.0).contains(&o)
    {
        return Err(Error::invalid_param("opacity", "Value must be a valid range between 0 and 1"));
    }
    Ok(preview::Options {
        width: small("width", i.width, 4000)?,
        height: small("height", i.height, 4000)?,
        gravity,
        quality: range("quality", i.quality, -1, 100)?.filter(|q| *q >= 0).and_then(|q| u8::try_from(q).ok()),
        border_width: small("borderWidth", i.border_width, 100)?,
        border_color: color("borderColor", &i.border_color)?,
        border_radius: small("borderRadius", i.border_radius, 4000)?,
        opacity: i.opacity.map(|o| o as f32),
        rotation: i32::try_from(range("rotation", i.rotation, -360, 360)?.unwrap_or(0)).unwrap_or(0),
        background: color("background", &i.background)?,
        output,
    })
}

/// A rendered preview, and whether it came from the cache.
pub struct Preview {
    pub bytes: Bytes,
    pub mime: &'static str,
    pub cached: bool,
}

/// The preview of a file: rendered once per file and parameters (on the bounded blocking
/// pool), then served from the cache under the file's blobs (so it goes with the file).
/// Files that are no image, or too large, get Appwrite's placeholder tile.
pub async fn preview(app: &App, caller: &Caller, bucket_id: &str, file_id: &str, token: Option<&str>, input: PreviewInput) -> Result<Preview> {
    let mut opts = options(&input)?;
    let b = load_bucket(app, caller, bucket_id).await?;
    if !b.transformations && !caller.is_key() {
        return Err(ErrorType::StorageBucketTransformationsDisabled.into());
    }
    let f = readable(app, caller, &b, file_id, token).await?;
    let image = preview::INPUT_MIMES.contains(&f.mime_type.as_str()) && f.size_actual <= PREVIEW_LIMIT;
    let output = *opts.output.get_or_insert(if image { preview::Output::default_for(&f.name, &f.mime_type) } else { preview::Output::Png });
    if !output.is_supported() {
        return Err(Error::msg(ErrorType::GeneralNotImplemented, format!("Oxwrite cannot encode {output} previews; see COMPAT.md.")));
    }
    let digest = sha2::Sha256::digest(format!("{image}|{}", preview::cache_key(&opts)));
    let key = format!("{}/p/{}", f.blob, hex::encode(digest));
    if let Ok(mut cached) = app.blobs.get(&key, None).await {
        let mut out = Vec::new();
        while let Some(piece) = cached.next().await {
            out.extend_from_slice(&piece.map_err(Error::internal)?);
        }
        return Ok(Preview { bytes: Bytes::from(out), mime: output.mime(), cached: true });
    }
    let limits = preview::Limits::default();
    let rendered = if image {
        let bytes = original_bytes(app, &f).await?;
        let (mime, opts2, limits2) = (f.mime_type.clone(), opts.clone(), limits.clone());
        match app.cpu(move || preview::render(&bytes, &mime, &opts2, &limits2)).await? {
            Err(preview::PreviewError::TooLarge) => app.cpu(move || preview::placeholder(&opts, &limits)).await?,
            other => other,
        }
    } else {
        app.cpu(move || preview::placeholder(&opts, &limits)).await?
    };
    let rendered = rendered.map_err(|e| match e {
        preview::PreviewError::InvalidParam(m) => Error::msg(ErrorType::GeneralArgumentInvalid, m),
        preview::PreviewError::UnsupportedInput | preview::PreviewError::Decode(_) => {
            Error::msg(ErrorType::StorageFileTypeUnsupported, format!("The file could not be read as an image: {e}"))
        }
        preview::PreviewError::UnsupportedOutput(o) => Error::msg(ErrorType::GeneralNotImplemented, format!("Oxwrite cannot encode {o} previews; see COMPAT.md.")),
        other => Error::internal(other),
    })?;
    let bytes = Bytes::from(rendered.bytes);
    if let Err(e) = app.blobs.put(&key, bytes.clone()).await {
        tracing::warn!(file = %f.id, error = %e, "could not cache a preview");
    }
    Ok(Preview { bytes, mime: rendered.mime, cached: false })
}

/// The bytes `span` of a file stored as chunks, opening each chunk only when the previous
/// one is sent (memory stays bounded whatever the file size).
fn chunk_stream(app: &App, f: &FileRecord, span: Range<u64>) -> ByteStream {
    let chunk = if f.chunks_total <= 1 { u64::MAX } else { CHUNK_SIZE };
    let mut parts = Vec::new();
    let mut at = span.start;
    while at < span.end {
        let n = at / chunk;
        let chunk_end = (n.saturating_add(1)).saturating_mul(chunk).min(span.end);
        parts.push((format!("{}/c/{}", f.blob, n + 1), (at - n * chunk)..(chunk_end - n * chunk)));
        at = chunk_end;
    }
    let blobs = app.blobs.clone();
    futures_util::stream::iter(parts)
        .then(move |(key, r)| {
            let blobs = blobs.clone();
            async move { blobs.get(&key, Some(r)).await.map_err(std::io::Error::other) }
        })
        .try_flatten()
        .boxed()
}

/// The original bytes of a file (all of them, in memory): for files the bucket compressed or
/// encrypted (at most 20 MB) and for previews.
pub(crate) async fn original_bytes(app: &App, f: &FileRecord) -> Result<Bytes> {
    let size = usize::try_from(f.size_original).map_err(Error::internal)?;
    let mut out = Vec::with_capacity(if f.stored_whole { usize::try_from(f.size_actual).unwrap_or(0) } else { size });
    let keys: Vec<String> = if f.stored_whole { vec![whole_key(f)] } else { (1..=f.chunks_total).map(|n| format!("{}/c/{n}", f.blob)).collect() };
    for key in keys {
        let mut s = app.blobs.get(&key, None).await.map_err(Error::internal)?;
        while let Some(piece) = s.next().await {
            out.extend_from_slice(&piece.map_err(Error::internal)?);
        }
    }
    if !f.stored_whole {
        return Ok(Bytes::from(out));
    }
    let nonce = match &f.nonce {
        Some(n) => Some(hex::decode(n).ok().and_then(|v| <[u8; 12]>::try_from(v).ok()).ok_or_else(|| Error::internal("bad stored nonce"))?),
        None => None,
    };
    let transform = codec::Transform { compression: f.compression.clone(), nonce };
    let key = codec::file_key(app.secret()).map_err(Error::internal)?;
    let plain = app.cpu(move || codec::decode(&out, &transform, &key, size)).await?.map_err(Error::internal)?;
    Ok(Bytes::from(plain))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_resolve_like_rfc_9110() {
        assert_eq!(ByteRange::parse("bytes=0-9"), Some(ByteRange::From(0, Some(9))));
        assert_eq!(ByteRange::parse("bytes=5-"), Some(ByteRange::From(5, None)));
        assert_eq!(ByteRange::parse("bytes=-3"), Some(ByteRange::Suffix(3)));
        for bad in ["bytes=0-1,3-4", "items=0-1", "bytes=-", "bytes=a-b"] {
            assert_eq!(ByteRange::parse(bad), None, "{bad}");
        }
        assert_eq!(ByteRange::From(0, Some(9)).resolve(100).unwrap(), (0, 9));
        assert_eq!(ByteRange::From(90, Some(200)).resolve(100).unwrap(), (90, 99));
        assert_eq!(ByteRange::From(5, None).resolve(10).unwrap(), (5, 9));
        assert_eq!(ByteRange::Suffix(3).resolve(10).unwrap(), (7, 9));
        assert_eq!(ByteRange::Suffix(30).resolve(10).unwrap(), (0, 9));
        for (r, size) in [(ByteRange::From(10, None), 10), (ByteRange::From(5, Some(4)), 10), (ByteRange::Suffix(0), 10), (ByteRange::From(0, None), 0)] {
            assert_eq!(r.resolve(size).unwrap_err().kind, ErrorType::StorageInvalidRange);
        }
    }
}
