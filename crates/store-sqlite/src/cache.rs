//! An in-memory cache of database and table metadata, which every row request reads. Only
//! this process writes the schema, so clearing the cache after each schema write keeps it
//! exact; a generation counter keeps a read that raced with such a write from putting stale
//! metadata back.

use std::collections::HashMap;
use std::sync::Mutex;

use oxwrite_core::records::{DatabaseRecord, TableRecord};

type DatabaseKey = (String, String);
type TableKey = (String, String, String);

#[derive(Default)]
struct Entries {
    generation: u64,
    databases: HashMap<DatabaseKey, DatabaseRecord>,
    tables: HashMap<TableKey, TableRecord>,
}

/// Bounds memory: past this many entries the cache starts over.
const MAX_ENTRIES: usize = 10_000;

#[derive(Default)]
pub struct SchemaCache(Mutex<Entries>);

impl SchemaCache {
    fn with<T>(&self, f: impl FnOnce(&mut Entries) -> T) -> T {
        // A poisoned lock only means another thread panicked mid-update: start over.
        let mut guard = self.0.lock().unwrap_or_else(|e| {
            let mut g = e.into_inner();
            *g = Entries::default();
            g
        });
        f(&mut guard)
    }

    /// The current generation, to pass to `put_*` after reading the store.
    pub fn generation(&self) -> u64 {
        self.with(|e| e.generation)
    }

    pub fn database(&self, project: &str, id: &str) -> Option<DatabaseRecord> {
        self.with(|e| e.databases.get(&(project.to_owned(), id.to_owned())).cloned())
    }

    pub fn table(&self, project: &str, database: &str, id: &str) -> Option<TableRecord> {
        self.with(|e| e.tables.get(&(project.to_owned(), database.to_owned(), id.to_owned())).cloned())
    }

    pub fn put_database(&self, generation: u64, db: &DatabaseRecord) {
        self.with(|e| {
            if e.generation == generation {
                if e.databases.len() >= MAX_ENTRIES {
                    e.databases.clear();
                }
                e.databases.insert((db.project_id.clone(), db.id.clone()), db.clone());
            }
        });
    }

    pub fn put_table(&self, generation: u64, t: &TableRecord) {
        self.with(|e| {
            if e.generation == generation {
                if e.tables.len() >= MAX_ENTRIES {
                    e.tables.clear();
                }
                e.tables.insert((t.project_id.clone(), t.database_id.clone(), t.id.clone()), t.clone());
            }
        });
    }

    /// Forgets everything; call after a schema write committed.
    pub fn clear(&self) {
        self.with(|e| {
            e.generation += 1;
            e.databases.clear();
            e.tables.clear();
        });
    }
}
