//! The system schema and its forward-only migrations. `PRAGMA user_version` records how many
//! migrations ran; each runs in its own transaction, so a crash mid-migration leaves the
//! database at the previous version.

use oxwrite_core::ports::{StoreError, StoreResult};
use rusqlite::Connection;

/// Migration `i` brings the schema from version `i` to `i + 1`. Append only.
const MIGRATIONS: &[&str] = &[
    // 1: projects, keys, platforms, users, sessions, tokens, teams, memberships, logs.
    r#"
    CREATE TABLE projects (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE keys (
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        scopes TEXT NOT NULL,
        secret_hash TEXT NOT NULL UNIQUE,
        expire INTEGER NOT NULL,
        accessed_at INTEGER NOT NULL,
        sdks TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (project_id, id)
    ) STRICT;

    CREATE TABLE platforms (
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        identifier TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (project_id, id)
    ) STRICT;

    CREATE TABLE users (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        email TEXT,
        phone TEXT,
        password TEXT,
        password_update INTEGER NOT NULL,
        registration INTEGER NOT NULL,
        status INTEGER NOT NULL,
        labels TEXT NOT NULL,
        email_verification INTEGER NOT NULL,
        phone_verification INTEGER NOT NULL,
        mfa INTEGER NOT NULL,
        prefs TEXT NOT NULL,
        accessed_at INTEGER NOT NULL,
        impersonator INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        search TEXT NOT NULL,
        UNIQUE (project_id, id)
    ) STRICT;
    CREATE UNIQUE INDEX users_email ON users (project_id, email) WHERE email IS NOT NULL;
    CREATE UNIQUE INDEX users_phone ON users (project_id, phone) WHERE phone IS NOT NULL;

    CREATE TABLE sessions (
        project_id TEXT NOT NULL,
        id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        provider TEXT NOT NULL,
        provider_uid TEXT NOT NULL,
        factors TEXT NOT NULL,
        expire INTEGER NOT NULL,
        ip TEXT NOT NULL,
        user_agent TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (project_id, id),
        FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id) ON DELETE CASCADE
    ) STRICT;
    CREATE INDEX sessions_user ON sessions (project_id, user_id);

    CREATE TABLE tokens (
        project_id TEXT NOT NULL,
        id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        expire INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (project_id, id),
        FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id) ON DELETE CASCADE
    ) STRICT;
    CREATE INDEX tokens_user ON tokens (project_id, user_id);

    CREATE TABLE teams (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        total INTEGER NOT NULL DEFAULT 0,
        prefs TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (project_id, id)
    ) STRICT;

    CREATE TABLE memberships (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id TEXT NOT NULL,
        id TEXT NOT NULL,
        team_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        roles TEXT NOT NULL,
        invited INTEGER NOT NULL,
        joined INTEGER NOT NULL,
        confirm INTEGER NOT NULL,
        secret_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (project_id, id),
        UNIQUE (project_id, team_id, user_id),
        FOREIGN KEY (project_id, team_id) REFERENCES teams (project_id, id) ON DELETE CASCADE,
        FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id) ON DELETE CASCADE
    ) STRICT;
    CREATE INDEX memberships_user ON memberships (project_id, user_id);

    -- A team's `total` counts its confirmed members; triggers keep it true however a
    -- membership changes (including cascades from user deletion).
    CREATE TRIGGER memberships_total_insert AFTER INSERT ON memberships WHEN NEW.confirm = 1 BEGIN
        UPDATE teams SET total = total + 1 WHERE project_id = NEW.project_id AND id = NEW.team_id;
    END;
    CREATE TRIGGER memberships_total_delete AFTER DELETE ON memberships WHEN OLD.confirm = 1 BEGIN
        UPDATE teams SET total = total - 1 WHERE project_id = OLD.project_id AND id = OLD.team_id;
    END;
    CREATE TRIGGER memberships_total_confirm AFTER UPDATE OF confirm ON memberships WHEN NEW.confirm <> OLD.confirm BEGIN
        UPDATE teams SET total = total + (CASE WHEN NEW.confirm = 1 THEN 1 ELSE -1 END)
        WHERE project_id = NEW.project_id AND id = NEW.team_id;
    END;

    CREATE TABLE logs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        event TEXT NOT NULL,
        ip TEXT NOT NULL,
        user_agent TEXT NOT NULL,
        mode TEXT NOT NULL,
        user_type TEXT NOT NULL,
        time INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX logs_user ON logs (project_id, user_id, seq);
    "#,
    // 2: TablesDB metadata. Each table's rows live in their own SQL table `r<seq>` (with
    // `r<seq>_perms`), created and dropped by the store alongside these rows; no foreign key
    // cascades here, so metadata never disappears while its SQL table remains.
    r#"
    CREATE TABLE databases (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id TEXT NOT NULL,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        kind TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (project_id, id)
    ) STRICT;

    CREATE TABLE db_tables (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id TEXT NOT NULL,
        database_id TEXT NOT NULL,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        row_security INTEGER NOT NULL,
        permissions TEXT NOT NULL,
        columns TEXT NOT NULL,
        indexes TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (project_id, database_id, id)
    ) STRICT;
    "#,
    // 3: TablesDB transactions (staged operations until commit).
    r#"
    CREATE TABLE transactions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id TEXT NOT NULL,
        id TEXT NOT NULL,
        owner TEXT,
        status TEXT NOT NULL,
        operations TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (project_id, id)
    ) STRICT;
    CREATE INDEX transactions_expiry ON transactions (expires_at);
    "#,
    // 4: webhooks and their durable delivery queue.
    r#"
    CREATE TABLE webhooks (
        project_id TEXT NOT NULL,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        tls INTEGER NOT NULL,
        auth_username TEXT NOT NULL,
        auth_password TEXT NOT NULL,
        secret TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        logs TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (project_id, id)
    ) STRICT;
    CREATE TABLE webhook_deliveries (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id TEXT NOT NULL,
        webhook_id TEXT NOT NULL,
        events TEXT NOT NULL,
        payload TEXT NOT NULL,
        user_id TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        next_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at);
    CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (project_id, webhook_id);
    "#,
    // 5: storage. File bytes live in the blob store; `file_chunks` records which chunks of an
    // upload are stored (the upload is complete when all are).
    r#"
    CREATE TABLE buckets (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id TEXT NOT NULL,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        permissions TEXT NOT NULL,
        file_security INTEGER NOT NULL,
        enabled INTEGER NOT NULL,
        maximum_file_size INTEGER NOT NULL,
        allowed_file_extensions TEXT NOT NULL,
        compression TEXT NOT NULL,
        encryption INTEGER NOT NULL,
        antivirus INTEGER NOT NULL,
        transformations INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (project_id, id)
    ) STRICT;
    CREATE TABLE files (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id TEXT NOT NULL,
        bucket_id TEXT NOT NULL,
        bucket_seq INTEGER NOT NULL,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        permissions TEXT NOT NULL,
        signature TEXT NOT NULL,
        mime_type TEXT NOT NULL,
        size_original INTEGER NOT NULL,
        size_actual INTEGER NOT NULL,
        chunks_total INTEGER NOT NULL,
        chunks_uploaded INTEGER NOT NULL,
        compression TEXT NOT NULL,
        nonce TEXT,
        blob TEXT NOT NULL,
        stored_whole INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (bucket_seq, id)
    ) STRICT;
    CREATE TABLE file_chunks (
        file_seq INTEGER NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (file_seq, n)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE resource_tokens (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id TEXT NOT NULL,
        id TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        resource_internal_id TEXT NOT NULL,
        expire INTEGER,
        accessed_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (project_id, id)
    ) STRICT;
    CREATE INDEX resource_tokens_resource ON resource_tokens (project_id, resource_type, resource_id);
    CREATE INDEX resource_tokens_internal ON resource_tokens (project_id, resource_internal_id);
    "#,
    // 6: functions, variables, deployments, executions (with the durable execution queue) and
    // the last claimed minute of each schedule.
    r#"
    CREATE TABLE functions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id TEXT NOT NULL,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        runtime TEXT NOT NULL,
        execute TEXT NOT NULL,
        events TEXT NOT NULL,
        schedule TEXT NOT NULL,
        timeout INTEGER NOT NULL,
        enabled INTEGER NOT NULL,
        live INTEGER NOT NULL,
        logging INTEGER NOT NULL,
        entrypoint TEXT NOT NULL,
        commands TEXT NOT NULL,
        scopes TEXT NOT NULL,
        build_specification TEXT NOT NULL,
        runtime_specification TEXT NOT NULL,
        deployment_retention INTEGER NOT NULL,
        deployment_id TEXT NOT NULL,
        deployment_created_at INTEGER NOT NULL,
        latest_deployment_id TEXT NOT NULL,
        latest_deployment_created_at INTEGER NOT NULL,
        latest_deployment_status TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (project_id, id)
    ) STRICT;
    CREATE TABLE function_variables (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id TEXT NOT NULL,
        function_id TEXT NOT NULL,
        id TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        secret INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (project_id, function_id, id),
        UNIQUE (project_id, function_id, key)
    ) STRICT;
    CREATE TABLE deployments (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id TEXT NOT NULL,
        function_id TEXT NOT NULL,
        id TEXT NOT NULL,
        kind TEXT NOT NULL,
        entrypoint TEXT NOT NULL,
        commands TEXT NOT NULL,
        source_size INTEGER NOT NULL,
        build_size INTEGER NOT NULL,
        activate INTEGER NOT NULL,
        status TEXT NOT NULL,
        build_logs TEXT NOT NULL,
        build_duration INTEGER NOT NULL,
        build_started_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (project_id, id)
    ) STRICT;
    CREATE INDEX deployments_function ON deployments (project_id, function_id, seq);
    CREATE TABLE executions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id TEXT NOT NULL,
        function_id TEXT NOT NULL,
        id TEXT NOT NULL,
        deployment_id TEXT NOT NULL,
        trigger TEXT NOT NULL,
        status TEXT NOT NULL,
        permissions TEXT NOT NULL,
        request_method TEXT NOT NULL,
        request_path TEXT NOT NULL,
        request_headers TEXT NOT NULL,
        response_status INTEGER NOT NULL,
        response_headers TEXT NOT NULL,
        logs TEXT NOT NULL,
        errors TEXT NOT NULL,
        duration REAL NOT NULL,
        scheduled_at INTEGER,
        due_at INTEGER,
        job TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (project_id, id)
    ) STRICT;
    CREATE INDEX executions_function ON executions (project_id, function_id, seq);
    CREATE INDEX executions_due ON executions (due_at) WHERE due_at IS NOT NULL;
    CREATE TABLE function_schedule_ticks (
        project_id TEXT NOT NULL,
        function_id TEXT NOT NULL,
        minute INTEGER NOT NULL,
        PRIMARY KEY (project_id, function_id)
    ) STRICT, WITHOUT ROWID;
    "#,
];

pub fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let err = |e: rusqlite::Error| StoreError::Internal(format!("migration failed: {e}"));
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(err)?;
    let version = usize::try_from(version).unwrap_or(usize::MAX);
    if version > MIGRATIONS.len() {
        return Err(StoreError::Internal(format!(
            "database schema version {version} is newer than this binary supports ({})",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(err)?;
        tx.execute_batch(sql).map_err(err)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64).map_err(err)?;
        tx.commit().map_err(err)?;
    }
    Ok(())
}
