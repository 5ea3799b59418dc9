//! TablesDB events on the bus: every spelling and wildcard, the readers of a row, published
//! only for writes that committed.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use oxwrite_testkit::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::broadcast::error::TryRecvError;

struct Api {
    s: TestServer,
}

impl Api {
    async fn new() -> Self {
        Self { s: TestServer::start().await.expect("server starts") }
    }

    async fn key(&self, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
        let (status, json) = self.s.with_key(method, path, body).await.expect("request");
        (StatusCode::from_u16(status).expect("a status"), json)
    }
}

#[tokio::test]
async fn row_events_carry_every_spelling_and_the_readers() {
    let api = Api::new().await;
    api.key(Method::POST, "/tablesdb", json!({"databaseId": "db", "name": "DB"})).await;
    let table = json!({"tableId": "t", "name": "T", "rowSecurity": true, "permissions": ["read(\"users\")"]});
    api.key(Method::POST, "/tablesdb/db/tables", table).await;
    api.key(Method::POST, "/tablesdb/db/tables/t/columns/varchar", json!({"key": "title", "size": 20, "required": true})).await;

    let mut events = api.s.bus.subscribe();
    let row = json!({"rowId": "r1", "data": {"title": "hi"}, "permissions": ["read(\"user:alice\")"]});
    let (status, _) = api.key(Method::POST, "/tablesdb/db/tables/t/rows", row).await;
    assert_eq!(status, StatusCode::CREATED);

    let event = events.try_recv().expect("the create was published once it committed");
    assert_eq!(event.project, "test");
    for name in [
        "databases.db.tables.t.rows.r1.create",
        "databases.*.tables.*.rows.*.create",
        "tablesdb.db.tables.t.rows.r1.create",
        "databases.db.collections.t.documents.r1.create",
        "databases.db.tables.t.rows.r1",
        "databases.db",
    ] {
        assert!(event.names.iter().any(|n| n == name), "{name} missing from {:?}", event.names);
    }
    assert_eq!(event.payload["$id"], "r1");
    assert_eq!(event.payload["title"], "hi");
    // The table's readers and, with row security, the row's.
    assert_eq!(event.readers, Some(vec!["users".to_owned(), "user:alice".to_owned()]));

    // A write that fails publishes nothing.
    let (status, _) = api.key(Method::POST, "/tablesdb/db/tables/t/rows", json!({"rowId": "r1", "data": {"title": "again"}})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(matches!(events.try_recv(), Err(TryRecvError::Empty)));

    // Bulk writes publish one event per row; upsert publishes `upsert`.
    let rows = json!({"rows": [{"$id": "a", "title": "a"}, {"$id": "b", "title": "b"}]});
    api.key(Method::POST, "/tablesdb/db/tables/t/rows", rows).await;
    let ids: Vec<Value> = (0..2).map(|_| events.try_recv().expect("bulk event").payload["$id"].clone()).collect();
    assert_eq!(ids, [json!("a"), json!("b")]);
    api.key(Method::PUT, "/tablesdb/db/tables/t/rows/a", json!({"data": {"title": "A"}})).await;
    let upsert = events.try_recv().expect("upsert event");
    assert!(upsert.names.iter().any(|n| n == "databases.db.tables.t.rows.a.upsert"), "{:?}", upsert.names);

    api.key(Method::DELETE, "/tablesdb/db/tables/t/rows/b", Value::Null).await;
    let deleted = events.try_recv().expect("delete event");
    assert!(deleted.names.iter().any(|n| n == "databases.db.collections.t.documents.b.delete"));
    assert_eq!(deleted.payload["$id"], "b");
}

#[tokio::test]
async fn schema_events_are_for_keys_only() {
    let api = Api::new().await;
    let mut events = api.s.bus.subscribe();
    api.key(Method::POST, "/tablesdb", json!({"databaseId": "db", "name": "DB"})).await;
    let db = events.try_recv().expect("database event");
    assert!(db.names.iter().any(|n| n == "databases.db.create"));
    assert_eq!(db.readers, None);
    api.key(Method::POST, "/tablesdb/db/tables", json!({"tableId": "t", "name": "T"})).await;
    let table = events.try_recv().expect("table event");
    assert!(table.names.iter().any(|n| n == "databases.db.tables.t.create"));
    assert!(table.names.iter().any(|n| n == "databases.db.collections.t.create"));
    api.key(Method::POST, "/tablesdb/db/tables/t/columns/boolean", json!({"key": "done", "required": false})).await;
    let column = events.try_recv().expect("column event");
    assert!(column.names.iter().any(|n| n == "databases.db.tables.t.columns.done.create"), "{:?}", column.names);
}
