//! The MD5 signature of an upload, computed while its chunks arrive. MD5 runs in order, so
//! each upload keeps its running state here: a chunk that is next in line is hashed from the
//! request's own bytes; chunks that came early are read back from the blob store when their
//! turn comes. The request that completes the upload then hashes only what is left, instead of
//! reading the whole file again.
//!
//! The state is a cache of this process: after a restart (or on another node) the completing
//! request falls back to one pass over all chunks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::StreamExt;
use md5::Digest;

use crate::app::App;
use crate::ports::BlobError;
use crate::records::FileRecord;
use crate::{Error, Result};

/// Uploads whose running state is kept at once; beyond it the oldest is forgotten (it then
/// falls back to the full pass).
const MAX_RUNNING: usize = 1024;
/// How many leading bytes decide the MIME type.
pub(crate) const SNIFF_LEN: usize = 8192;

pub(crate) struct Running {
    /// The chunk to hash next (1-based).
    next: u32,
    md5: md5::Md5,
    head: Vec<u8>,
    /// Whether the state starts at the first byte (it does unless it was forgotten).
    whole: bool,
    /// Set once the upload completed: late work on this state does nothing.
    done: bool,
}

impl Running {
    fn new() -> Self {
        Self { next: 1, md5: md5::Md5::new(), head: Vec::with_capacity(SNIFF_LEN), whole: true, done: false }
    }
}

/// An upload's running state and when it was last used.
type Slot = (u64, Arc<tokio::sync::Mutex<Running>>);

/// Chunks held in memory waiting for their turn to be hashed, across all uploads (more wait
/// on disk and are read back when their turn comes).
const MAX_HELD: usize = 8;

/// The running hashes of uploads in progress, by file sequence number.
pub struct Signatures {
    running: Mutex<HashMap<i64, Slot>>,
    clock: std::sync::atomic::AtomicU64,
    held: Arc<tokio::sync::Semaphore>,
}

impl Default for Signatures {
    fn default() -> Self {
        Self { running: Mutex::default(), clock: Default::default(), held: Arc::new(tokio::sync::Semaphore::new(MAX_HELD)) }
    }
}

/// One upload's running state, taken before its chunk is recorded (so work that runs after the
/// upload completed finds the state marked done, instead of starting over).
pub(crate) type State = Arc<tokio::sync::Mutex<Running>>;

impl Signatures {
    pub(crate) fn state(&self, file_seq: i64) -> State {
        let tick = self.clock.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let Ok(mut map) = self.running.lock() else {
            // A poisoned map only loses the cache: this upload takes the full pass.
            return Arc::new(tokio::sync::Mutex::new(Running { whole: false, ..Running::new() }));
        };
        if !map.contains_key(&file_seq) && map.len() >= MAX_RUNNING
            && let Some(oldest) = map.iter().min_by_key(|(_, (t, _))| *t).map(|(k, _)| *k)
        {
            map.remove(&oldest);
        }
        let entry = map.entry(file_seq).or_insert_with(|| (tick, Arc::new(tokio::sync::Mutex::new(Running::new()))));
        entry.0 = tick;
        entry.1.clone()
    }

    fn forget(&self, file_seq: i64) {
        if let Ok(mut map) = self.running.lock() {
            map.remove(&file_seq);
        }
    }
}

async fn hash(mut md5: md5::Md5, data: Bytes) -> Result<md5::Md5> {
    tokio::task::spawn_blocking(move || {
        md5.update(&data);
        md5
    })
    .await
    .map_err(Error::internal)
}

fn sniff_into(head: &mut Vec<u8>, data: &[u8]) {
    if head.len() < SNIFF_LEN {
        head.extend_from_slice(&data[..data.len().min(SNIFF_LEN - head.len())]);
    }
}

/// Hashes chunk `n` in the background: an upload request answers without waiting for MD5,
/// which runs on another core while more chunks arrive. At most [`MAX_HELD`] chunks wait in
/// memory; beyond that a chunk is left on disk for its turn.
pub(crate) fn advance_later(app: &App, state: State, f: &FileRecord, n: u32, data: Bytes) {
    let Some(app) = app.me() else { return };
    let f = f.clone();
    let held = app.signatures.held.clone().try_acquire_owned().ok();
    tokio::spawn(async move {
        let arrived = held.as_ref().map(|_| (n, data));
        if let Err(e) = advance(&app, &state, &f, arrived).await {
            tracing::warn!(file = %f.id, error = %e.message(), "could not hash a chunk early");
        }
        drop(held);
    });
}

/// Hashes chunk `n` (just stored, `data` in hand) if it is next, then every following chunk
/// already stored.
pub(crate) async fn advance(app: &App, state: &State, f: &FileRecord, arrived: Option<(u32, Bytes)>) -> Result<()> {
    let mut st = state.lock().await;
    if st.done {
        return Ok(());
    }
    if let Some((n, data)) = arrived
        && n == st.next
    {
        if n == 1 {
            sniff_into(&mut st.head, &data);
        }
        st.md5 = hash(std::mem::take(&mut st.md5), data).await?;
        st.next += 1;
    }
    while st.whole && st.next <= f.chunks_total {
        let mut stream = match app.blobs.get(&format!("{}/c/{}", f.blob, st.next), None).await {
            Ok(s) => s,
            Err(BlobError::NotFound) => break,
            Err(e) => return Err(Error::internal(e)),
        };
        let mut buf = Vec::new();
        while let Some(piece) = stream.next().await {
            buf.extend_from_slice(&piece.map_err(Error::internal)?);
        }
        if st.next == 1 {
            sniff_into(&mut st.head, &buf);
        }
        st.md5 = hash(std::mem::take(&mut st.md5), Bytes::from(buf)).await?;
        st.next += 1;
    }
    Ok(())
}

/// The signature and the leading bytes of a complete upload, if this process hashed all of
/// it; forgets the upload either way.
pub(crate) async fn finish(app: &App, state: &State, f: &FileRecord) -> Result<Option<(String, Vec<u8>)>> {
    let drained = advance(app, state, f, None).await;
    let done = {
        let mut st = state.lock().await;
        st.done = true;
        (drained.is_ok() && st.whole && st.next > f.chunks_total)
            .then(|| (hex::encode(std::mem::take(&mut st.md5).finalize()), std::mem::take(&mut st.head)))
    };
    app.signatures.forget(f.seq);
    Ok(done)
}
