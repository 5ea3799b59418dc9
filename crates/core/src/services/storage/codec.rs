//! What happens to a file's bytes on their way to and from the blob store: the MIME type
//! sniffed from the content, compression (gzip, zstd) and encryption at rest (AES-256-GCM
//! with a key derived from the server secret). Pure functions, tested here.

use std::io::{Read, Write};

use aes_gcm::aead::{Aead, KeyInit, Nonce};
use aes_gcm::Aes256Gcm;
use hmac::Mac;

/// How the stored bytes of a file were made from the original ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transform {
    /// `none`, `gzip` or `zstd`.
    pub compression: String,
    /// The AES-GCM nonce when encrypted.
    pub nonce: Option<[u8; 12]>,
}

#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("compression failed: {0}")]
    Compress(String),
    #[error("stored bytes could not be decoded: {0}")]
    Decode(String),
}

/// The MIME type of content starting with `head` (its first KiBs): magic numbers first, then
/// text if it decodes as UTF-8, else `application/octet-stream`.
pub fn sniff(head: &[u8]) -> String {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_owned();
    }
    if head.is_empty() {
        return "application/x-empty".to_owned();
    }
    // A multi-byte character cut by the end of `head` is still text.
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    };
    if text && !head.contains(&0) { "text/plain".to_owned() } else { "application/octet-stream".to_owned() }
}

/// The file key: HMAC-SHA256 of a fixed label under the server secret, so no key is ever
/// stored and only the secret unlocks the files.
pub fn file_key(secret: &[u8]) -> Result<[u8; 32], CodecError> {
    let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::KeyInit>::new_from_slice(secret).map_err(|e| CodecError::Compress(e.to_string()))?;
    mac.update(b"oxwrite storage encryption v1");
    Ok(mac.finalize().into_bytes().into())
}

/// Compresses then (with `key`) encrypts `data`; returns the stored bytes and how they
/// were made.
pub fn encode(data: &[u8], compression: &str, key: Option<&[u8; 32]>) -> Result<(Vec<u8>, Transform), CodecError> {
    let compressed = match compression {
        "gzip" => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(data).and_then(|()| e.finish()).map_err(|e| CodecError::Compress(e.to_string()))?
        }
        "zstd" => zstd::bulk::compress(data, 3).map_err(|e| CodecError::Compress(e.to_string()))?,
        _ => data.to_vec(),
    };
    let compression = if matches!(compression, "gzip" | "zstd") { compression.to_owned() } else { "none".to_owned() };
    let Some(key) = key else {
        return Ok((compressed, Transform { compression, nonce: None }));
    };
    let mut nonce = [0u8; 12];
    rand::fill(&mut nonce);
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|e| CodecError::Compress(e.to_string()))?;
    let n = Nonce::<Aes256Gcm>::try_from(&nonce[..]).map_err(|e| CodecError::Compress(e.to_string()))?;
    let sealed = cipher.encrypt(&n, compressed.as_slice()).map_err(|e| CodecError::Compress(e.to_string()))?;
    Ok((sealed, Transform { compression, nonce: Some(nonce) }))
}

/// Undoes [`encode`]; `limit` bounds the decompressed size (a corrupt or hostile blob cannot
/// inflate past it).
pub fn decode(stored: &[u8], t: &Transform, key: &[u8; 32], limit: usize) -> Result<Vec<u8>, CodecError> {
    let bad = |e: &dyn std::fmt::Display| CodecError::Decode(e.to_string());
    let opened;
    let plain: &[u8] = match &t.nonce {
        Some(nonce) => {
            let cipher = Aes256Gcm::new_from_slice(key).map_err(|e| bad(&e))?;
            let n = Nonce::<Aes256Gcm>::try_from(&nonce[..]).map_err(|e| bad(&e))?;
            opened = cipher.decrypt(&n, stored).map_err(|e| bad(&e))?;
            &opened
        }
        None => stored,
    };
    let mut out = Vec::new();
    match t.compression.as_str() {
        "gzip" => {
            flate2::read::GzDecoder::new(plain).take(limit as u64 + 1).read_to_end(&mut out).map_err(|e| bad(&e))?;
        }
        "zstd" => {
            zstd::stream::read::Decoder::new(plain).map_err(|e| bad(&e))?.take(limit as u64 + 1).read_to_end(&mut out).map_err(|e| bad(&e))?;
        }
        _ => out.extend_from_slice(plain),
    }
    if out.len() > limit {
        return Err(CodecError::Decode("larger than the file it should be".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_images_text_and_binary() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF"), "image/jpeg");
        assert_eq!(sniff("héllo wörld".as_bytes()), "text/plain");
        assert_eq!(sniff(&"é".as_bytes()[..1]), "text/plain", "a character cut at the end");
        assert_eq!(sniff(b"\0\x01\x02\xff"), "application/octet-stream");
        assert_eq!(sniff(b""), "application/x-empty");
    }

    #[test]
    fn every_transform_round_trips() {
        let data: Vec<u8> = (0..50_000u32).flat_map(|i| (i % 97).to_le_bytes()).collect();
        let key = file_key(b"secret").unwrap();
        for compression in ["none", "gzip", "zstd"] {
            for encrypt in [false, true] {
                let (stored, t) = encode(&data, compression, encrypt.then_some(&key)).unwrap();
                assert_eq!(t.nonce.is_some(), encrypt);
                if compression != "none" {
                    assert!(stored.len() < data.len() / 2, "{compression} compresses");
                }
                assert_eq!(decode(&stored, &t, &key, data.len()).unwrap(), data);
            }
        }
    }

    #[test]
    fn tampering_and_inflation_are_refused() {
        let key = file_key(b"secret").unwrap();
        let (mut stored, t) = encode(b"hello", "none", Some(&key)).unwrap();
        stored[0] ^= 1;
        assert!(decode(&stored, &t, &key, 5).is_err());
        let zeros = vec![0u8; 1 << 20];
        let (stored, t) = encode(&zeros, "gzip", None).unwrap();
        assert!(decode(&stored, &t, &key, 1000).is_err());
        assert_ne!(file_key(b"a").unwrap(), file_key(b"b").unwrap());
    }
}
