//! The MD5 signature of an upload, computed while its chunks arrive. MD5 runs in order, so
//! each upload keeps its running state here: a chunk that arrives before its turn waits in
//! memory (up to [`MAX_HELD`] chunks across all uploads), a chunk beyond that bound is read back
//! from the blob store when its turn comes. The request that completes the upload then hashes
//! only what is left, instead of reading the whole file again.
//!
//! MD5 is the one part of an upload that cannot use more than one core, so chunk requests give
//! it room: while MD5 works through an upload, its chunks wait (at most [`HOLD_WAIT`]) for a
//! place among the held chunks before they are answered (see [`advance_later`]). Without that,
//! eight chunk requests at once took the CPU and MD5 ran mostly after the last byte had arrived.
//!
//! The state is a cache of this process: after a restart (or on another node) the completing
//! request falls back to one pass over all chunks.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use md5::Digest;
use tokio::sync::OwnedSemaphorePermit;

use crate::app::App;
use crate::ports::BlobError;
use crate::records::FileRecord;
use crate::{Error, Result};

/// Uploads whose running state is kept at once; beyond it the oldest is forgotten (it then
/// falls back to the full pass).
const MAX_RUNNING: usize = 1024;
/// How many leading bytes decide the MIME type.
pub(crate) const SNIFF_LEN: usize = 8192;
/// Chunks held in memory waiting for their turn to be hashed, across all uploads.
const MAX_HELD: usize = 8;
/// How long a chunk request waits for a place among the held chunks; past it the chunk is
/// answered at once and hashed from the blob store later.
const HOLD_WAIT: Duration = Duration::from_secs(5);
/// How long an early chunk stays in memory: an upload whose client went away must not keep
/// places among the held chunks (its chunks stay in the blob store).
const HOLD_FOR: Duration = Duration::from_secs(60);

pub(crate) struct Running {
    /// The chunk to hash next (1-based).
    next: u32,
    md5: md5::Md5,
    head: Vec<u8>,
    /// Whether the state starts at the first byte (it does unless it was forgotten).
    whole: bool,
}

impl Running {
    fn new() -> Self {
        Self { next: 1, md5: md5::Md5::new(), head: Vec::with_capacity(SNIFF_LEN), whole: true }
    }
}

/// One upload in progress: its running hash (`None` once the upload completed, so late work
/// does nothing), and the chunks that arrived before their turn.
pub(crate) struct Upload {
    running: tokio::sync::Mutex<Option<Running>>,
    /// Chunks in memory waiting for their turn, each with its place among the held chunks
    /// (none for the chunk whose turn it already is).
    early: Mutex<BTreeMap<u32, (Bytes, Option<OwnedSemaphorePermit>)>>,
    /// Where MD5 is, for chunk requests waiting for a place.
    progress: tokio::sync::watch::Sender<Progress>,
}

#[derive(Clone, Copy)]
struct Progress {
    /// The chunk whose turn it is (`u32::MAX` once the upload completed).
    next: u32,
    /// Whether MD5 is working through this upload's chunks (not waiting for a missing one).
    busy: bool,
}

impl Upload {
    fn fresh(whole: bool) -> Arc<Self> {
        Arc::new(Self {
            running: tokio::sync::Mutex::new(Some(Running { whole, ..Running::new() })),
            early: Mutex::default(),
            // A state that does not start at the first byte hashes nothing: no chunk waits for it.
            progress: tokio::sync::watch::Sender::new(Progress { next: if whole { 1 } else { u32::MAX }, busy: false }),
        })
    }

    fn take_early(&self, n: u32) -> Option<Bytes> {
        self.early.lock().ok()?.remove(&n).map(|(data, _permit)| data)
    }

    fn clear_early(&self) {
        if let Ok(mut early) = self.early.lock() {
            early.clear();
        }
    }
}

/// An upload's state and when it was last used.
type Slot = (u64, State);

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

/// One upload's state, taken before its chunk is recorded (so work that runs after the upload
/// completed finds it finished, instead of starting over).
pub(crate) type State = Arc<Upload>;

impl Signatures {
    pub(crate) fn state(&self, file_seq: i64) -> State {
        let tick = self.clock.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let Ok(mut map) = self.running.lock() else {
            // A poisoned map only loses the cache: this upload takes the full pass.
            return Upload::fresh(false);
        };
        if !map.contains_key(&file_seq) && map.len() >= MAX_RUNNING
            && let Some(oldest) = map.iter().min_by_key(|(_, (t, _))| *t).map(|(k, _)| *k)
        {
            map.remove(&oldest);
        }
        let entry = map.entry(file_seq).or_insert_with(|| (tick, Upload::fresh(true)));
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

/// Hands chunk `n` to the background hashing, then lets its request answer while MD5 runs
/// on another core. The chunk stays in memory if its turn came (it is hashed at once) or it
/// gets a place among the held chunks; otherwise it is left to the blob store.
///
/// While MD5 works through this upload, a chunk more than [`MAX_HELD`] ahead of it, or one
/// without a place, waits (at most [`HOLD_WAIT`]): that keeps the transfer from outrunning
/// MD5 and taking its CPU. A chunk whose predecessors have not arrived (MD5 idle; a client
/// may send chunks in any order, even last to first) never waits.
pub(crate) async fn advance_later(app: &App, state: State, f: &FileRecord, n: u32, data: Bytes) {
    let Some(app) = app.me() else { return };
    let held = app.signatures.held.clone();
    let mut progress = state.progress.subscribe();
    let keep = tokio::time::timeout(HOLD_WAIT, async {
        loop {
            let p = *progress.borrow_and_update();
            if p.next >= n {
                // Its turn (no place needed), or hashed already from the blob store.
                return (p.next == n).then_some(None);
            }
            let near = ((n - p.next) as usize) < MAX_HELD;
            if near && let Ok(permit) = held.clone().try_acquire_owned() {
                return Some(Some(permit));
            }
            if !p.busy {
                return None;
            }
            tokio::select! {
                changed = progress.changed() => if changed.is_err() { return None },
                permit = held.clone().acquire_owned(), if near => return permit.ok().map(Some),
            }
        }
    })
    .await
    .unwrap_or(None);
    if let Some(permit) = keep
        && let Ok(mut early) = state.early.lock()
    {
        let held = permit.is_some();
        early.insert(n, (data, permit));
        if held {
            let state = state.clone();
            tokio::spawn(async move {
                tokio::time::sleep(HOLD_FOR).await;
                // Still waiting after this long: its upload stalled; its bytes stay on disk.
                let _ = state.take_early(n);
            });
        }
    }
    let f = f.clone();
    tokio::spawn(async move {
        if let Err(e) = advance(&app, &state, &f, None).await {
            tracing::warn!(file = %f.id, error = %e.message(), "could not hash a chunk early");
        }
    });
}

/// Hashes every chunk whose turn has come and that is here: `arrived` (chunk `n`, just
/// stored, in hand), the early chunks in memory, and the chunks in the blob store.
pub(crate) async fn advance(app: &App, state: &State, f: &FileRecord, arrived: Option<(u32, Bytes)>) -> Result<()> {
    let mut guard = state.running.lock().await;
    let Some(st) = guard.as_mut() else { return Ok(()) };
    let drained = drain(app, state, st, f, arrived).await;
    state.progress.send_modify(|p| p.busy = false);
    // A chunk hashed from the blob store while its copy was on its way into memory.
    if let Ok(mut early) = state.early.lock() {
        early.retain(|k, _| *k >= st.next);
    }
    drained
}

async fn drain(app: &App, state: &State, st: &mut Running, f: &FileRecord, mut arrived: Option<(u32, Bytes)>) -> Result<()> {
    while st.whole && st.next <= f.chunks_total {
        let n = st.next;
        let data = match arrived.take_if(|(m, _)| *m == n) {
            Some((_, data)) => data,
            None => match state.take_early(n) {
                Some(data) => data,
                None => match read_chunk(app, f, n).await? {
                    Some(data) => data,
                    None => break,
                },
            },
        };
        state.progress.send_modify(|p| p.busy = true);
        if n == 1 {
            sniff_into(&mut st.head, &data);
        }
        st.md5 = hash(std::mem::take(&mut st.md5), data).await?;
        st.next += 1;
        state.progress.send_modify(|p| p.next = st.next);
    }
    Ok(())
}

/// Chunk `n` from the blob store, if it is there yet.
async fn read_chunk(app: &App, f: &FileRecord, n: u32) -> Result<Option<Bytes>> {
    let mut stream = match app.blobs.get(&format!("{}/c/{n}", f.blob), None).await {
        Ok(s) => s,
        Err(BlobError::NotFound) => return Ok(None),
        Err(e) => return Err(Error::internal(e)),
    };
    let mut buf = Vec::new();
    while let Some(piece) = stream.next().await {
        buf.extend_from_slice(&piece.map_err(Error::internal)?);
    }
    Ok(Some(Bytes::from(buf)))
}

/// The signature and the leading bytes of a complete upload, if this process hashed all of
/// it; forgets the upload either way.
pub(crate) async fn finish(app: &App, state: &State, f: &FileRecord) -> Result<Option<(String, Vec<u8>)>> {
    let drained = advance(app, state, f, None).await;
    let done = {
        let mut guard = state.running.lock().await;
        let st = guard.take();
        state.progress.send_replace(Progress { next: u32::MAX, busy: false });
        state.clear_early();
        st.filter(|st| drained.is_ok() && st.whole && st.next > f.chunks_total)
            .map(|st| (hex::encode(st.md5.finalize()), st.head))
    };
    app.signatures.forget(f.seq);
    Ok(done)
}
