//! The SQLite executor: one writer thread owning the only read-write connection, and a few
//! reader threads with read-only connections. Writes from many requests are grouped into
//! one `BEGIN IMMEDIATE … COMMIT` (group commit), each inside its own savepoint so one
//! failing job never undoes another; every caller's answer is sent only after the commit is
//! durable. Async code never touches a connection: it sends a closure and awaits the reply.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use crossbeam_channel::{Receiver, Sender, bounded};
use oxwrite_core::ports::{StoreError, StoreResult};
use rusqlite::{Connection, OpenFlags};
use tokio::sync::oneshot;

/// Jobs that may join one group commit. Bounded so one commit never holds the write lock for
/// long, and so a slow commit delays at most this many callers.
const MAX_GROUP: usize = 64;
/// Queue depth in front of the writer and the readers; beyond it callers wait (backpressure).
const QUEUE: usize = 4096;

type WriteJob = Box<dyn FnOnce(&Connection) -> Box<dyn FnOnce(StoreResult<()>) + Send> + Send>;
type ReadJob = Box<dyn FnOnce(&Connection) + Send>;

#[derive(Clone)]
pub struct Db {
    writer: Sender<WriteJob>,
    readers: Sender<ReadJob>,
}

fn internal(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}

impl Db {
    /// Opens (creating if needed) the database at `path`, migrates it and starts the threads.
    pub fn open(path: &Path, readers: usize) -> StoreResult<Self> {
        let mut conn = Connection::open(path).map_err(internal)?;
        configure(&conn, false).map_err(internal)?;
        crate::schema::migrate(&mut conn)?;
        // Checkpoints run on their own thread and connection, so a commit never waits for one
        // (with SQLite's automatic checkpoint, every thousandth commit copied and synced the
        // WAL on the writer thread).
        conn.pragma_update(None, "wal_autocheckpoint", 0).map_err(internal)?;
        let checkpoint_conn = Connection::open(path).map_err(internal)?;
        configure(&checkpoint_conn, false).map_err(internal)?;
        let (ctx, crx) = bounded::<()>(1);
        let restart = Arc::new(AtomicBool::new(false));
        let flag = restart.clone();
        thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpoint_loop(checkpoint_conn, crx, flag))
            .map_err(internal)?;
        let (wtx, wrx) = bounded::<WriteJob>(QUEUE);
        thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer_loop(conn, wrx, ctx, restart))
            .map_err(internal)?;
        let (rtx, rrx) = bounded::<ReadJob>(QUEUE);
        for i in 0..readers.max(1) {
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
            )
            .map_err(internal)?;
            configure(&conn, true).map_err(internal)?;
            let rx = rrx.clone();
            thread::Builder::new()
                .name(format!("sqlite-reader-{i}"))
                .spawn(move || {
                    while let Ok(job) = rx.recv() {
                        read_transaction(&conn, job);
                    }
                })
                .map_err(internal)?;
        }
        Ok(Self { writer: wtx, readers: rtx })
    }

    /// Runs `f` on a reader connection, inside one read transaction (one snapshot).
    pub async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: ReadJob = Box::new(move |conn| {
            let _ = tx.send(f(conn));
        });
        self.readers.send(job).map_err(|_| internal("reader pool stopped"))?;
        rx.await.map_err(|_| internal("reader dropped the job"))?
    }

    /// Runs `f` inside the writer's transaction; resolves once the commit is durable.
    pub async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<StoreResult<T>>();
        let job: WriteJob = Box::new(move |conn| {
            let result = run_in_savepoint(conn, f);
            Box::new(move |commit: StoreResult<()>| {
                let _ = tx.send(commit.and(result));
            })
        });
        self.writer.send(job).map_err(|_| internal("writer stopped"))?;
        rx.await.map_err(|_| internal("writer dropped the job"))?
    }
}

/// Runs a parameterless statement (transaction control) from the connection's statement cache:
/// these run around every job, so parsing them each time would show.
fn cached(conn: &Connection, sql: &str) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql).and_then(|mut st| st.execute([]))
}

/// Runs one read job inside one read transaction: its statements see one snapshot, and the
/// file locks are taken and released once per job instead of once per statement (each a
/// few `fcntl` calls: 13 % of the CPU of the cheapest signed-in request, which reads the
/// user, its sessions and its memberships).
fn read_transaction(conn: &Connection, job: ReadJob) {
    let exec = |sql| cached(conn, sql);
    let began = exec("BEGIN").is_ok();
    job(conn);
    if began && exec("COMMIT").is_err() {
        let _ = exec("ROLLBACK");
    }
}

fn configure(conn: &Connection, read_only: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // The bundled SQLite has STAT4, which re-prepares a statement on every new parameter value
    // that might change its plan. Our statements are shaped so their plan does not depend on
    // values; a stable plan saves a re-prepare on every list (measured in BENCHMARKS.md).
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    crate::functions::register(conn)?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16000; PRAGMA mmap_size = 268435456;",
    )?;
    if !read_only {
        // WAL lets readers run beside the writer; NORMAL is durable in WAL mode except for
        // the last transactions on power loss (not on process crash).
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
    }
    Ok(())
}

fn run_in_savepoint<T, F>(conn: &Connection, f: F) -> StoreResult<T>
where
    F: FnOnce(&Connection) -> StoreResult<T>,
{
    // Cached statements: every write passes here, so parsing these each time would show.
    let exec = |sql| cached(conn, sql).map_err(internal);
    exec("SAVEPOINT job")?;
    let result = f(conn);
    if result.is_err() {
        exec("ROLLBACK TO job")?;
    }
    exec("RELEASE job")?;
    result
}

/// How often the checkpointer copies the WAL into the database while writes come in.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(200);
/// WAL frames (4 KiB pages) past which the writer helps the checkpointer finish, so the WAL
/// starts over (32 MiB).
const WAL_RESTART_FRAMES: i64 = 8192;

/// Copies the WAL into the database on its own thread with passive checkpoints (which never
/// block the writer or the readers), at most once per [`CHECKPOINT_EVERY`] while writes come
/// in.
///
/// Under constant writes a passive checkpoint never reaches the end of the WAL, and SQLite
/// starts the WAL over only once everything in it was copied. So when the WAL has grown past
/// [`WAL_RESTART_FRAMES`], the checkpointer raises `restart`, and the writer checkpoints the
/// little that came in since the last pass itself, between two commits; its next commit then
/// starts the WAL over. The writer pays for that about once per 32 MiB written, instead of
/// every 4 MiB as with SQLite's automatic checkpoint, and never for the bulk of the copying.
fn checkpoint_loop(conn: Connection, rx: Receiver<()>, restart: Arc<AtomicBool>) {
    while rx.recv().is_ok() {
        match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(1)) {
            Ok(frames) if frames > WAL_RESTART_FRAMES => restart.store(true, Ordering::Release),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "checkpoint failed"),
        }
        // Signals that arrive meanwhile wait in the channel (one is enough).
        thread::sleep(CHECKPOINT_EVERY);
    }
}

fn writer_loop(conn: Connection, rx: Receiver<WriteJob>, checkpoint: crossbeam_channel::Sender<()>, restart: Arc<AtomicBool>) {
    let exec = |sql| cached(&conn, sql);
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        if let Err(e) = exec("BEGIN IMMEDIATE") {
            // Dropping the unrun jobs drops their reply channels: each caller gets an error.
            tracing::error!(error = %e, jobs = jobs.len(), "could not begin write transaction");
            continue;
        }
        let replies: Vec<_> = jobs.into_iter().map(|job| job(&conn)).collect();
        let commit = exec("COMMIT").map(|_| ()).map_err(internal);
        if commit.is_err() {
            let _ = exec("ROLLBACK");
        }
        for reply in replies {
            reply(commit.clone());
        }
        if restart.swap(false, Ordering::AcqRel)
            && let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        {
            tracing::warn!(error = %e, "checkpoint failed");
        }
        let _ = checkpoint.try_send(());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_commit_and_failures_are_isolated() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db"), 2).unwrap();
        let ok = db.write(|c| c.execute("INSERT INTO projects (id, name, created_at, updated_at) VALUES ('p', 'n', 0, 0)", []).map_err(internal)).await;
        assert_eq!(ok.unwrap(), 1);
        let dup = db.write(|c| c.execute("INSERT INTO projects (id, name, created_at, updated_at) VALUES ('p', 'n', 0, 0)", []).map_err(internal)).await;
        assert!(dup.is_err());
        let n: i64 = db.read(|c| c.query_row("SELECT count(*) FROM projects", [], |r| r.get(0)).map_err(internal)).await.unwrap();
        assert_eq!(n, 1);
    }
}
