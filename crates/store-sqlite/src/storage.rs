//! Storage records on SQLite: buckets, files (with the chunks of uploads in progress) and
//! resource tokens. The bytes live in the blob store; nothing here touches them.

use oxwrite_core::ports::{ListParams, Page, StoreError, StoreResult};
use oxwrite_core::records::{BucketRecord, FileRecord, ResourceTokenRecord};
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::db::Db;
use crate::listing::{self, Kind, Listing};
use crate::rows::{internal, json, readable_by, strings, write_error};

/// `totalSize` is the live sum of the bucket's stored bytes.
const BUCKET_COLS: &str = "buckets.project_id, buckets.id, buckets.seq, buckets.name, buckets.permissions, buckets.file_security, \
    buckets.enabled, buckets.maximum_file_size, buckets.allowed_file_extensions, buckets.compression, buckets.encryption, \
    buckets.antivirus, buckets.transformations, buckets.created_at, buckets.updated_at, \
    (SELECT coalesce(sum(size_actual), 0) FROM files WHERE files.bucket_seq = buckets.seq)";

fn bucket(r: &Row) -> rusqlite::Result<BucketRecord> {
    Ok(BucketRecord {
        project_id: r.get(0)?,
        id: r.get(1)?,
        seq: r.get(2)?,
        name: r.get(3)?,
        permissions: strings(r.get(4)?),
        file_security: r.get(5)?,
        enabled: r.get(6)?,
        maximum_file_size: r.get(7)?,
        allowed_file_extensions: strings(r.get(8)?),
        compression: r.get(9)?,
        encryption: r.get(10)?,
        antivirus: r.get(11)?,
        transformations: r.get(12)?,
        created_at: r.get(13)?,
        updated_at: r.get(14)?,
        total_size: r.get(15)?,
    })
}

pub const BUCKETS_LISTING: Listing = Listing {
    alias: "buckets",
    columns: &[
        ("$id", "buckets.id", Kind::Text),
        ("$createdAt", "buckets.created_at", Kind::Datetime),
        ("$updatedAt", "buckets.updated_at", Kind::Datetime),
        ("$sequence", "buckets.seq", Kind::Int),
        ("name", "buckets.name", Kind::Text),
        ("enabled", "buckets.enabled", Kind::Bool),
        ("fileSecurity", "buckets.file_security", Kind::Bool),
        ("maximumFileSize", "buckets.maximum_file_size", Kind::Int),
        ("encryption", "buckets.encryption", Kind::Bool),
        ("antivirus", "buckets.antivirus", Kind::Bool),
        ("transformations", "buckets.transformations", Kind::Bool),
    ],
    search: "(buckets.id || ' ' || buckets.name)",
};

const FILE_COLS: &str = "files.project_id, files.bucket_id, files.bucket_seq, files.id, files.seq, files.name, files.permissions, \
    files.signature, files.mime_type, files.size_original, files.size_actual, files.chunks_total, files.chunks_uploaded, \
    files.compression, files.nonce, files.blob, files.stored_whole, files.created_at, files.updated_at";

fn file(r: &Row) -> rusqlite::Result<FileRecord> {
    Ok(FileRecord {
        project_id: r.get(0)?,
        bucket_id: r.get(1)?,
        bucket_seq: r.get(2)?,
        id: r.get(3)?,
        seq: r.get(4)?,
        name: r.get(5)?,
        permissions: strings(r.get(6)?),
        signature: r.get(7)?,
        mime_type: r.get(8)?,
        size_original: r.get(9)?,
        size_actual: r.get(10)?,
        chunks_total: r.get(11)?,
        chunks_uploaded: r.get(12)?,
        compression: r.get(13)?,
        nonce: r.get(14)?,
        blob: r.get(15)?,
        stored_whole: r.get(16)?,
        created_at: r.get(17)?,
        updated_at: r.get(18)?,
    })
}

pub const FILES_LISTING: Listing = Listing {
    alias: "files",
    columns: &[
        ("$id", "files.id", Kind::Text),
        ("$createdAt", "files.created_at", Kind::Datetime),
        ("$updatedAt", "files.updated_at", Kind::Datetime),
        ("$sequence", "files.seq", Kind::Int),
        ("name", "files.name", Kind::Text),
        ("signature", "files.signature", Kind::Text),
        ("mimeType", "files.mime_type", Kind::Text),
        ("sizeOriginal", "files.size_original", Kind::Int),
        ("chunksTotal", "files.chunks_total", Kind::Int),
        ("chunksUploaded", "files.chunks_uploaded", Kind::Int),
    ],
    search: "(files.id || ' ' || files.name)",
};

const TOKEN_COLS: &str = "resource_tokens.project_id, resource_tokens.id, resource_tokens.resource_type, resource_tokens.resource_id, \
    resource_tokens.resource_internal_id, resource_tokens.expire, resource_tokens.accessed_at, resource_tokens.created_at, resource_tokens.updated_at";

fn token(r: &Row) -> rusqlite::Result<ResourceTokenRecord> {
    Ok(ResourceTokenRecord {
        project_id: r.get(0)?,
        id: r.get(1)?,
        resource_type: r.get(2)?,
        resource_id: r.get(3)?,
        resource_internal_id: r.get(4)?,
        expire: r.get(5)?,
        accessed_at: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
    })
}

pub const TOKENS_LISTING: Listing = Listing {
    alias: "resource_tokens",
    columns: &[
        ("$id", "resource_tokens.id", Kind::Text),
        ("$createdAt", "resource_tokens.created_at", Kind::Datetime),
        ("$updatedAt", "resource_tokens.updated_at", Kind::Datetime),
        ("$sequence", "resource_tokens.seq", Kind::Int),
    ],
    search: "resource_tokens.id",
};

fn file_by_seq(c: &Connection, seq: i64) -> StoreResult<Option<FileRecord>> {
    c.prepare_cached(&format!("SELECT {FILE_COLS} FROM files WHERE seq = ?1")).map_err(internal)?.query_row(params![seq], file).optional().map_err(internal)
}

pub async fn create_bucket(db: &Db, b: BucketRecord) -> StoreResult<BucketRecord> {
    db.write(move |c| {
        c.execute(
            "INSERT INTO buckets (project_id, id, name, permissions, file_security, enabled, maximum_file_size, allowed_file_extensions,
             compression, encryption, antivirus, transformations, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![b.project_id, b.id, b.name, json(&b.permissions), b.file_security, b.enabled, b.maximum_file_size, json(&b.allowed_file_extensions),
                b.compression, b.encryption, b.antivirus, b.transformations, b.created_at, b.updated_at],
        )
        .map_err(write_error)?;
        Ok(BucketRecord { seq: c.last_insert_rowid(), ..b })
    })
    .await
}

pub async fn get_bucket(db: &Db, project: &str, id: &str) -> StoreResult<Option<BucketRecord>> {
    let (p, i) = (project.to_owned(), id.to_owned());
    db.read(move |c| {
        let sql = format!("SELECT {BUCKET_COLS} FROM buckets WHERE project_id = ?1 AND id = ?2");
        c.prepare_cached(&sql).map_err(internal)?.query_row(params![p, i], bucket).optional().map_err(internal)
    })
    .await
}

pub async fn list_buckets(db: &Db, project: &str, params: ListParams) -> StoreResult<Page<BucketRecord>> {
    let p = project.to_owned();
    db.read(move |c| listing::run(c, &BUCKETS_LISTING, BUCKET_COLS, "buckets", "buckets.project_id = ? AND substr(buckets.id, 1, 1) != '_'", vec![p.into()], &params, bucket)).await
}

pub async fn update_bucket(db: &Db, b: BucketRecord) -> StoreResult<()> {
    db.write(move |c| {
        c.execute(
            "UPDATE buckets SET name = ?3, permissions = ?4, file_security = ?5, enabled = ?6, maximum_file_size = ?7, allowed_file_extensions = ?8,
             compression = ?9, encryption = ?10, antivirus = ?11, transformations = ?12, updated_at = ?13 WHERE project_id = ?1 AND id = ?2",
            params![b.project_id, b.id, b.name, json(&b.permissions), b.file_security, b.enabled, b.maximum_file_size, json(&b.allowed_file_extensions),
                b.compression, b.encryption, b.antivirus, b.transformations, b.updated_at],
        )
        .map_err(internal)?;
        Ok(())
    })
    .await
}

pub async fn delete_bucket(db: &Db, project: &str, id: &str) -> StoreResult<bool> {
    let (p, i) = (project.to_owned(), id.to_owned());
    db.write(move |c| {
        let seq: Option<i64> =
            c.query_row("SELECT seq FROM buckets WHERE project_id = ?1 AND id = ?2", params![p, i], |r| r.get(0)).optional().map_err(internal)?;
        let Some(seq) = seq else { return Ok(false) };
        c.execute("DELETE FROM file_chunks WHERE file_seq IN (SELECT seq FROM files WHERE bucket_seq = ?1)", params![seq]).map_err(internal)?;
        c.execute("DELETE FROM files WHERE bucket_seq = ?1", params![seq]).map_err(internal)?;
        c.execute("DELETE FROM resource_tokens WHERE project_id = ?1 AND resource_internal_id LIKE ?2", params![p, format!("{seq}:%")])
            .map_err(internal)?;
        c.execute("DELETE FROM buckets WHERE seq = ?1", params![seq]).map_err(internal)?;
        Ok(true)
    })
    .await
}

pub async fn get_file(db: &Db, b: &BucketRecord, id: &str) -> StoreResult<Option<FileRecord>> {
    let (bs, i) = (b.seq, id.to_owned());
    db.read(move |c| {
        let sql = format!("SELECT {FILE_COLS} FROM files WHERE bucket_seq = ?1 AND id = ?2");
        c.prepare_cached(&sql).map_err(internal)?.query_row(params![bs, i], file).optional().map_err(internal)
    })
    .await
}

pub async fn list_files(db: &Db, b: &BucketRecord, params: ListParams, read_roles: Option<Vec<String>>) -> StoreResult<Page<FileRecord>> {
    let bs = b.seq;
    db.read(move |c| {
        let mut scope = "files.bucket_seq = ?".to_owned();
        let mut args: Vec<Sql> = vec![bs.into()];
        if let Some(roles) = read_roles {
            // Stored permissions are normalized strings, so membership is an exact match.
            let (sql, more) = readable_by("files.permissions", &roles);
            scope.push_str(&sql);
            args.extend(more);
        }
        listing::run(c, &FILES_LISTING, FILE_COLS, "files", &scope, args, &params, file)
    })
    .await
}

pub async fn start_file(db: &Db, f: FileRecord) -> StoreResult<(FileRecord, bool)> {
    db.write(move |c| {
        let existing = c
            .prepare_cached(&format!("SELECT {FILE_COLS} FROM files WHERE bucket_seq = ?1 AND id = ?2"))
            .map_err(internal)?
            .query_row(params![f.bucket_seq, f.id], file)
            .optional()
            .map_err(internal)?;
        if let Some(existing) = existing {
            return Ok((existing, false));
        }
        c.execute(
            "INSERT INTO files (project_id, bucket_id, bucket_seq, id, name, permissions, signature, mime_type, size_original, size_actual,
             chunks_total, chunks_uploaded, compression, nonce, blob, stored_whole, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
            params![f.project_id, f.bucket_id, f.bucket_seq, f.id, f.name, json(&f.permissions), f.signature, f.mime_type, f.size_original,
                f.size_actual, f.chunks_total, f.chunks_uploaded, f.compression, f.nonce, f.blob, f.stored_whole, f.created_at, f.updated_at],
        )
        .map_err(write_error)?;
        Ok((FileRecord { seq: c.last_insert_rowid(), ..f }, true))
    })
    .await
}

pub async fn set_chunk(db: &Db, project: &str, file_seq: i64, n: u32, present: bool, now: i64) -> StoreResult<(FileRecord, bool)> {
    let p = project.to_owned();
    db.write(move |c| {
        let Some(before) = file_by_seq(c, file_seq)?.filter(|f| f.project_id == p) else {
            return Err(StoreError::NotFound("file"));
        };
        let changed = if present {
            c.execute("INSERT OR IGNORE INTO file_chunks (file_seq, n) VALUES (?1, ?2)", params![file_seq, n]).map_err(internal)?
        } else {
            c.execute("DELETE FROM file_chunks WHERE file_seq = ?1 AND n = ?2", params![file_seq, n]).map_err(internal)?
        };
        let count: u32 = c.query_row("SELECT count(*) FROM file_chunks WHERE file_seq = ?1", params![file_seq], |r| r.get(0)).map_err(internal)?;
        c.execute("UPDATE files SET chunks_uploaded = ?2, updated_at = ?3 WHERE seq = ?1", params![file_seq, count, now]).map_err(internal)?;
        let completed = present && changed == 1 && count >= before.chunks_total;
        Ok((FileRecord { chunks_uploaded: count, updated_at: now, ..before }, completed))
    })
    .await
}

pub async fn update_file(db: &Db, f: FileRecord) -> StoreResult<()> {
    db.write(move |c| {
        c.execute(
            "UPDATE files SET name = ?2, permissions = ?3, signature = ?4, mime_type = ?5, size_actual = ?6, compression = ?7, nonce = ?8,
             stored_whole = ?9, updated_at = ?10 WHERE seq = ?1",
            params![f.seq, f.name, json(&f.permissions), f.signature, f.mime_type, f.size_actual, f.compression, f.nonce, f.stored_whole, f.updated_at],
        )
        .map_err(internal)?;
        Ok(())
    })
    .await
}

pub async fn delete_file(db: &Db, project: &str, file_seq: i64) -> StoreResult<bool> {
    let p = project.to_owned();
    db.write(move |c| {
        let Some(f) = file_by_seq(c, file_seq)?.filter(|f| f.project_id == p) else { return Ok(false) };
        c.execute("DELETE FROM file_chunks WHERE file_seq = ?1", params![file_seq]).map_err(internal)?;
        c.execute("DELETE FROM files WHERE seq = ?1", params![file_seq]).map_err(internal)?;
        c.execute(
            "DELETE FROM resource_tokens WHERE project_id = ?1 AND resource_internal_id = ?2",
            params![p, format!("{}:{}", f.bucket_seq, f.seq)],
        )
        .map_err(internal)?;
        Ok(true)
    })
    .await
}

pub async fn create_resource_token(db: &Db, t: ResourceTokenRecord) -> StoreResult<()> {
    db.write(move |c| {
        c.execute(
            "INSERT INTO resource_tokens (project_id, id, resource_type, resource_id, resource_internal_id, expire, accessed_at, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![t.project_id, t.id, t.resource_type, t.resource_id, t.resource_internal_id, t.expire, t.accessed_at, t.created_at, t.updated_at],
        )
        .map_err(write_error)?;
        Ok(())
    })
    .await
}

pub async fn get_resource_token(db: &Db, project: &str, id: &str) -> StoreResult<Option<ResourceTokenRecord>> {
    let (p, i) = (project.to_owned(), id.to_owned());
    db.read(move |c| {
        let sql = format!("SELECT {TOKEN_COLS} FROM resource_tokens WHERE project_id = ?1 AND id = ?2");
        c.prepare_cached(&sql).map_err(internal)?.query_row(params![p, i], token).optional().map_err(internal)
    })
    .await
}

pub async fn list_resource_tokens(db: &Db, project: &str, resource_type: &str, resource_id: &str, params: ListParams) -> StoreResult<Page<ResourceTokenRecord>> {
    let args: Vec<Sql> = vec![project.to_owned().into(), resource_type.to_owned().into(), resource_id.to_owned().into()];
    db.read(move |c| {
        let scope = "resource_tokens.project_id = ? AND resource_tokens.resource_type = ? AND resource_tokens.resource_id = ?";
        listing::run(c, &TOKENS_LISTING, TOKEN_COLS, "resource_tokens", scope, args, &params, token)
    })
    .await
}

pub async fn update_resource_token(db: &Db, t: ResourceTokenRecord) -> StoreResult<()> {
    db.write(move |c| {
        c.execute(
            "UPDATE resource_tokens SET expire = ?3, accessed_at = ?4, updated_at = ?5 WHERE project_id = ?1 AND id = ?2",
            params![t.project_id, t.id, t.expire, t.accessed_at, t.updated_at],
        )
        .map_err(internal)?;
        Ok(())
    })
    .await
}

pub async fn delete_resource_token(db: &Db, project: &str, id: &str) -> StoreResult<bool> {
    let (p, i) = (project.to_owned(), id.to_owned());
    db.write(move |c| Ok(c.execute("DELETE FROM resource_tokens WHERE project_id = ?1 AND id = ?2", params![p, i]).map_err(internal)? > 0)).await
}
