//! `/v1/storage/*`: buckets (keys), files, and their bytes (download, view, preview).

use axum::http::{HeaderValue, StatusCode, header};
use oxwrite_core::Error;
use oxwrite_core::services::storage::content::{ByteRange, Content, PreviewInput};
use oxwrite_core::services::storage::files::{ContentRange, Created, NewFile};
use oxwrite_core::services::storage::{buckets, content, files};
use oxwrite_types::ErrorType;

use super::handlers;
use crate::params::{Ctx, Params};
use crate::reply::Reply;

fn bucket_input(p: &Params) -> Result<buckets::BucketInput, Error> {
    Ok(buckets::BucketInput {
        name: p.str("name")?,
        permissions: p.opt_strings("permissions")?,
        file_security: p.opt_bool("fileSecurity")?,
        enabled: p.opt_bool("enabled")?,
        maximum_file_size: p.opt_int("maximumFileSize")?,
        allowed_file_extensions: p.opt_strings("allowedFileExtensions")?,
        compression: p.opt_str("compression")?,
        encryption: p.opt_bool("encryption")?,
        antivirus: p.opt_bool("antivirus")?,
        transformations: p.opt_bool("transformations")?,
    })
}

/// Mime types `view` sends as they are (Appwrite's `storage/mimes.php`); anything else, HTML
/// and SVG included, is sent as `text/plain` so a view can never run script in our origin.
const VIEWABLE: &[&str] = &[
    "image/jpeg", "image/gif", "image/png", "image/webp", "image/heic", "image/heic-sequence", "image/avif",
    "video/mp4", "video/x-flv", "video/webm", "application/x-mpegURL", "video/MP2T", "video/3gpp", "video/quicktime",
    "video/x-msvideo", "video/x-ms-wmv", "audio/basic", "auido/L24", "audio/mid", "audio/mpeg", "audio/mp4",
    "audio/x-aiff", "audio/x-mpegurl", "audio/vnd.rn-realaudio", "audio/ogg", "audio/vorbis", "audio/vnd.wav",
    "audio/x-wav", "audio/aac", "audio/x-hx-aac-adts", "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
    "application/vnd.ms-word.document.macroEnabled.12", "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template",
    "application/vnd.ms-excel.sheet.macroEnabled.12", "application/vnd.ms-excel.template.macroEnabled.12",
    "application/vnd.ms-excel.addin.macroEnabled.12", "application/vnd.ms-excel.sheet.binary.macroEnabled.12",
    "application/vnd.ms-powerpoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.openxmlformats-officedocument.presentationml.template",
    "application/vnd.openxmlformats-officedocument.presentationml.slideshow",
    "application/vnd.ms-powerpoint.addin.macroEnabled.12", "application/vnd.ms-powerpoint.presentation.macroEnabled.12",
    "application/vnd.ms-powerpoint.template.macroEnabled.12", "application/vnd.ms-powerpoint.slideshow.macroEnabled.12",
    "application/vnd.ms-access", "application/pdf",
];

/// `attachment; filename="…"` (or `inline`): quotes, backslashes and control characters are
/// replaced in the quoted name, and a name beyond ASCII also goes as RFC 5987 `filename*`.
fn disposition(kind: &str, name: &str) -> String {
    let plain: String = name.chars().map(|c| if c == '"' || c == '\\' || c.is_control() || !c.is_ascii() { '_' } else { c }).collect();
    let mut out = format!("{kind}; filename=\"{plain}\"");
    if !name.is_ascii() {
        let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
        out.push_str(&format!("; filename*=UTF-8''{encoded}"));
    }
    out
}

/// The request's `Range` header, if any; one that is no single byte range is `416`.
pub(crate) fn range(cx: &Ctx) -> Result<Option<ByteRange>, Error> {
    match cx.header("range") {
        None => Ok(None),
        Some(h) => ByteRange::parse(h).map(Some).ok_or_else(|| Error::new(ErrorType::StorageInvalidRange)),
    }
}

/// The bytes of a file with the headers download and view share.
pub(crate) fn send_download(c: Content, content_type: &str, disposition_kind: &str) -> Reply {
    let (status, length) = match c.range {
        Some((start, end)) => (StatusCode::PARTIAL_CONTENT, end - start + 1),
        None => (StatusCode::OK, c.size),
    };
    let mut reply = Reply::stream(status, content_type, c.body)
        .header(header::CONTENT_DISPOSITION, &disposition(disposition_kind, &c.name))
        .header(header::CACHE_CONTROL, "private, max-age=3888000")
        .header(header::CONTENT_LENGTH, &length.to_string());
    if let Some((start, end)) = c.range {
        reply = reply.header(header::ACCEPT_RANGES, "bytes").header(header::CONTENT_RANGE, &format!("bytes {start}-{end}/{}", c.size));
    }
    if reply.headers.get(header::CONTENT_DISPOSITION).is_none() {
        // A name no header can carry: fall back to the bare disposition.
        reply.headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment"));
    }
    reply
}

async fn bytes_of(cx: &Ctx) -> Result<Content, Error> {
    let token = cx.params.opt_str("token")?;
    let (bucket, file) = (cx.params.str("bucketId")?, cx.params.str("fileId")?);
    content::read(&cx.app, &cx.caller, &bucket, &file, token.as_deref(), range(cx)?).await
}

handlers! {
    fn list_buckets(cx) { Reply::ok(&buckets::list(&cx.app, &cx.caller, cx.params.list()?).await?) }

    fn create_bucket(cx) {
        let id = cx.params.str("bucketId")?;
        Reply::created(&buckets::create(&cx.app, &cx.caller, &id, bucket_input(&cx.params)?).await?)
    }

    fn get_bucket(cx) { Reply::ok(&buckets::get(&cx.app, &cx.caller, &cx.params.str("bucketId")?).await?) }

    fn update_bucket(cx) {
        let id = cx.params.str("bucketId")?;
        Reply::ok(&buckets::update(&cx.app, &cx.caller, &id, bucket_input(&cx.params)?).await?)
    }

    fn delete_bucket(cx) {
        buckets::delete(&cx.app, &cx.caller, &cx.params.str("bucketId")?).await?;
        Reply::no_content()
    }

    fn list_files(cx) {
        Reply::ok(&files::list(&cx.app, &cx.caller, &cx.params.str("bucketId")?, cx.params.list()?).await?)
    }

    fn create_file(cx) {
        let bucket = cx.params.str("bucketId")?;
        let upload = cx.upload.clone().ok_or_else(|| Error::new(ErrorType::StorageFileEmpty))?;
        let input = NewFile {
            file_id: cx.params.str("fileId")?,
            upload_id: cx.header("x-appwrite-id").map(str::to_owned),
            permissions: cx.params.opt_strings("permissions")?,
            range: cx.header("content-range").map(ContentRange::parse).transpose()?,
            name: upload.filename,
            data: upload.data,
        };
        match files::create(&cx.app, &cx.caller, &bucket, input).await? {
            Created::Chunk(file) => Reply::created(&file),
            Created::Again(file) => Reply::ok(&file),
        }
    }

    fn get_file(cx) {
        let (bucket, file) = (cx.params.str("bucketId")?, cx.params.str("fileId")?);
        Reply::ok(&files::get(&cx.app, &cx.caller, &bucket, &file).await?)
    }

    fn update_file(cx) {
        let (bucket, file) = (cx.params.str("bucketId")?, cx.params.str("fileId")?);
        let (name, permissions) = (cx.params.opt_str("name")?, cx.params.opt_strings("permissions")?);
        Reply::ok(&files::update(&cx.app, &cx.caller, &bucket, &file, name, permissions).await?)
    }

    fn delete_file(cx) {
        let (bucket, file) = (cx.params.str("bucketId")?, cx.params.str("fileId")?);
        files::delete(&cx.app, &cx.caller, &bucket, &file).await?;
        Reply::no_content()
    }

    fn download(cx) {
        let c = bytes_of(&cx).await?;
        let mime = c.mime.clone();
        Ok(send_download(c, &mime, "attachment"))
    }

    fn preview(cx) {
        let p = &cx.params;
        let input = PreviewInput {
            width: p.opt_int("width")?,
            height: p.opt_int("height")?,
            gravity: p.opt_str("gravity")?,
            quality: p.opt_int("quality")?,
            border_width: p.opt_int("borderWidth")?,
            border_color: p.opt_str("borderColor")?,
            border_radius: p.opt_int("borderRadius")?,
            opacity: p.opt_number("opacity")?.and_then(|n| n.as_f64()),
            rotation: p.opt_int("rotation")?,
            background: p.opt_str("background")?,
            output: p.opt_str("output")?,
        };
        let (bucket, file, token) = (p.str("bucketId")?, p.str("fileId")?, p.opt_str("token")?);
        let shown = content::preview(&cx.app, &cx.caller, &bucket, &file, token.as_deref(), input).await?;
        let (cache, state) = if shown.cached { ("private, max-age=15552000", "hit") } else { ("private, max-age=2592000", "miss") };
        let length = shown.bytes.len().to_string();
        let body = futures_util::stream::once(async move { Ok(shown.bytes) });
        Ok(Reply::stream(StatusCode::OK, shown.mime, Box::pin(body))
            .header(header::CACHE_CONTROL, cache)
            .header(axum::http::HeaderName::from_static("x-appwrite-cache"), state)
            .header(header::CONTENT_LENGTH, &length))
    }

    fn view(cx) {
        let c = bytes_of(&cx).await?;
        let mime = if VIEWABLE.contains(&c.mime.as_str()) { c.mime.clone() } else { "text/plain".to_owned() };
        Ok(send_download(c, &mime, "inline").header(header::CONTENT_SECURITY_POLICY, "script-src none;"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dispositions_never_break_the_header() {
        assert_eq!(super::disposition("attachment", "a b.txt"), "attachment; filename=\"a b.txt\"");
        assert_eq!(super::disposition("inline", "x\"y\r\n.txt"), "inline; filename=\"x_y__.txt\"");
        assert_eq!(super::disposition("inline", "é.txt"), "inline; filename=\"_.txt\"; filename*=UTF-8''%C3%A9%2Etxt");
    }
}
