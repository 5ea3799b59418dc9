//! `multipart/form-data` bodies (uploads): text fields join the parameters (`permissions[]`
//! and `permissions[0]` alike), the `file` part is kept as bytes. Bounded: one part of at most
//! [`MAX_FILE_PART`] (a 5 MiB chunk with room to spare, like Appwrite's 12 MiB request cap),
//! small text fields, and a bounded number of them.

use bytes::Bytes;
use futures_util::TryStreamExt;
use oxwrite_core::{Error, Result};
use oxwrite_types::ErrorType;
use serde_json::{Map, Value};

/// The largest file part one request may carry.
pub const MAX_FILE_PART: u64 = 12 * 1024 * 1024;
/// The largest text field.
const MAX_TEXT_FIELD: u64 = 64 * 1024;
/// At most this many fields.
const MAX_FIELDS: usize = 1000;

/// The file part of a form.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The part's filename, as the client sent it.
    pub filename: String,
    pub data: Bytes,
}

pub fn is_multipart(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|ct| ct.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"))
}

fn too_large() -> Error {
    Error::msg(ErrorType::StorageInvalidFileSize, format!("Request body too large: a file part may be at most {MAX_FILE_PART} bytes; send larger files in 5 MiB chunks with Content-Range."))
}

/// Reads a multipart body: the parameters of its text fields and its `file` part, if any.
/// `length` (the request's Content-Length) sizes the file's buffer once, instead of growing it
/// by doubling (which held twice a chunk in memory).
pub async fn read(content_type: &str, length: Option<u64>, body: axum::body::Body) -> Result<(Map<String, Value>, Option<Upload>)> {
    let bad = |e: &dyn std::fmt::Display| Error::msg(ErrorType::GeneralArgumentInvalid, format!("Invalid multipart body: {e}"));
    let boundary = multer::parse_boundary(content_type).map_err(|e| bad(&e))?;
    let limits = multer::SizeLimit::new().whole_stream(MAX_FILE_PART + 2 * 1024 * 1024).per_field(MAX_TEXT_FIELD).for_field("file", MAX_FILE_PART).for_field("code", MAX_FILE_PART);
    let stream = body.into_data_stream().map_err(std::io::Error::other);
    let mut form = multer::Multipart::with_constraints(stream, boundary, multer::Constraints::new().size_limit(limits));
    let mut params = Map::new();
    let mut upload = None;
    let mut fields = 0usize;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. }) => return Err(too_large()),
            Err(e) => return Err(bad(&e)),
        };
        fields += 1;
        if fields > MAX_FIELDS {
            return Err(bad(&"too many fields"));
        }
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned);
        let hint = if filename.is_some() { length.unwrap_or(0).min(MAX_FILE_PART) } else { 0 };
        let mut buf = bytes::BytesMut::with_capacity(usize::try_from(hint).unwrap_or(0));
        let mut field = field;
        loop {
            match field.chunk().await {
                Ok(Some(piece)) => buf.extend_from_slice(&piece),
                Ok(None) => break,
                Err(multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. }) => return Err(too_large()),
                Err(e) => return Err(bad(&e)),
            }
        }
        let data = buf.freeze();
        match filename {
            // `file` for storage, `code` for function deployments.
            Some(filename) if name == "file" || name == "code" => upload = Some(Upload { filename, data }),
            Some(_) => {}
            None => {
                let text = String::from_utf8(data.to_vec()).map_err(|_| bad(&format!("field {name} is not UTF-8")))?;
                crate::params::insert_query_pair(&mut params, &name, text)?;
            }
        }
    }
    Ok((params, upload))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(parts: &[(&str, Option<&str>, &[u8])]) -> axum::body::Body {
        let mut out = Vec::new();
        for (name, filename, data) in parts {
            out.extend_from_slice(b"--XyZ\r\n");
            match filename {
                Some(f) => out.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\r\n").as_bytes()),
                None => out.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
            }
            out.extend_from_slice(data);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"--XyZ--\r\n");
        axum::body::Body::from(out)
    }

    #[tokio::test]
    async fn fields_in_any_order_and_both_array_spellings() {
        let ct = "multipart/form-data; boundary=XyZ";
        let b = body(&[("fileId", None, b"f1"), ("file", Some("a.txt"), b"hello"), ("permissions[]", None, b"read(\"any\")"), ("permissions[]", None, b"update(\"any\")")]);
        let (params, upload) = read(ct, None, b).await.unwrap();
        assert_eq!(params["fileId"], "f1");
        assert_eq!(params["permissions"], serde_json::json!(["read(\"any\")", "update(\"any\")"]));
        let upload = upload.unwrap();
        assert_eq!((upload.filename.as_str(), &upload.data[..]), ("a.txt", &b"hello"[..]));
        let b = body(&[("permissions[0]", None, b"read(\"any\")"), ("file", Some("b.bin"), b"")]);
        let (params, upload) = read(ct, None, b).await.unwrap();
        assert_eq!(params["permissions"], serde_json::json!(["read(\"any\")"]));
        assert!(upload.unwrap().data.is_empty());
    }

    #[tokio::test]
    async fn garbage_and_oversize_are_4xx() {
        assert!(read("multipart/form-data", None, axum::body::Body::from("x")).await.is_err(), "no boundary");
        assert!(read("multipart/form-data; boundary=XyZ", None, axum::body::Body::from("garbage")).await.is_err());
        let big = vec![b'a'; MAX_TEXT_FIELD as usize + 1];
        let e = read("multipart/form-data; boundary=XyZ", None, body(&[("name", None, &big)])).await.unwrap_err();
        assert_eq!(e.kind.code() / 100, 4);
    }
}
