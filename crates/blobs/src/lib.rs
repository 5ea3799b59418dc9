//! The `Blobs` port on [object_store]: a local folder now (`LocalFileSystem`), an
//! S3-compatible bucket later by configuration. Keys are `/`-separated paths made by core
//! from ids and sequence numbers only; every write is atomic (staged, then renamed).

use std::ops::Range;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::chunked::ChunkedStore;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload};
use oxwrite_core::ports::{BlobError, Blobs, ByteStream};

/// Reads from disk in pieces of this size: large enough that a download is a few syscalls
/// per MiB, small enough that many downloads at once stay within bounded memory.
const READ_CHUNK: usize = 256 * 1024;

pub struct ObjectBlobs {
    store: Arc<dyn ObjectStore>,
}

impl ObjectBlobs {
    /// Blobs in a local folder (created if missing).
    pub fn local(root: &std::path::Path) -> Result<Self, BlobError> {
        std::fs::create_dir_all(root).map_err(failed)?;
        let fs = LocalFileSystem::new_with_prefix(root).map_err(failed)?.with_automatic_cleanup(true);
        Ok(Self { store: Arc::new(ChunkedStore::new(Arc::new(fs), READ_CHUNK)) })
    }
}

fn failed(e: impl std::fmt::Display) -> BlobError {
    BlobError::Failed(e.to_string())
}

fn path(key: &str) -> Result<Path, BlobError> {
    Path::parse(key).map_err(failed)
}

fn mapped(e: object_store::Error) -> BlobError {
    match e {
        object_store::Error::NotFound { .. } => BlobError::NotFound,
        other => failed(other),
    }
}

#[async_trait]
impl Blobs for ObjectBlobs {
    async fn put(&self, key: &str, data: Bytes) -> Result<(), BlobError> {
        self.store.put(&path(key)?, PutPayload::from_bytes(data)).await.map(|_| ()).map_err(mapped)
    }

    async fn get(&self, key: &str, range: Option<Range<u64>>) -> Result<ByteStream, BlobError> {
        let options = GetOptions { range: range.map(GetRange::Bounded), ..Default::default() };
        let got = self.store.get_opts(&path(key)?, options).await.map_err(mapped)?;
        Ok(got.into_stream().map_err(std::io::Error::other).boxed())
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<(), BlobError> {
        let prefix = path(prefix)?;
        let mut listed = self.store.list(Some(&prefix));
        while let Some(meta) = listed.next().await {
            match meta {
                Ok(meta) => match self.store.delete(&meta.location).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(failed(e)),
                },
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(failed(e)),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(b: &ObjectBlobs, key: &str, range: Option<Range<u64>>) -> Vec<u8> {
        let mut s = b.get(key, range).await.unwrap();
        let mut out = Vec::new();
        while let Some(chunk) = s.next().await {
            out.extend_from_slice(&chunk.unwrap());
        }
        out
    }

    #[tokio::test]
    async fn put_get_range_and_delete_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let b = ObjectBlobs::local(dir.path()).unwrap();
        let data: Vec<u8> = (0..READ_CHUNK * 2 + 17).map(|i| (i % 251) as u8).collect();
        b.put("files/p/1/2/1", Bytes::from(data.clone())).await.unwrap();
        b.put("files/p/1/3/1", Bytes::from_static(b"x")).await.unwrap();
        assert_eq!(read(&b, "files/p/1/2/1", None).await, data);
        assert_eq!(read(&b, "files/p/1/2/1", Some(10..READ_CHUNK as u64 + 20)).await, data[10..READ_CHUNK + 20]);
        b.delete_prefix("files/p/1/2").await.unwrap();
        assert!(matches!(b.get("files/p/1/2/1", None).await, Err(BlobError::NotFound)));
        assert_eq!(read(&b, "files/p/1/3/1", None).await, b"x");
        b.delete_prefix("files/none").await.unwrap();
    }
}
