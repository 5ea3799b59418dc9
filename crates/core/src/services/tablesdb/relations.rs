//! Relationships between tables (one-to-one, one-to-many, many-to-one, many-to-many), kept
//! the way utopia-php/database keeps them:
//! - the parent's column holds the related id for one-to-one and many-to-one, the child's for
//!   one-to-many (and the child's twin for a two-way one-to-one);
//! - many-to-many links live in a hidden junction table (`records::junction_id`) with a
//!   `parent` and a `child` column;
//! - both sides are columns in the metadata; the child side of a one-way relationship is
//!   hidden from clients.
//!
//! Related rows are read only when a `select` asks for them (`author.*`, `author.name`), as in
//! Appwrite 1.9. Writes accept ids, nested rows (created or updated) and arrays of either on
//! the "many" sides; every change they imply is one `write_rows` batch with the row itself.
//! Deleting a row applies each relationship's `onDelete` (restrict, cascade, set null).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use oxwrite_types::ErrorType;
use oxwrite_types::permission::Action;
use oxwrite_types::query::{Method, Query};
use oxwrite_types::schema::{Column, ColumnType, OnDelete, Relation, RelationType, STATUS_AVAILABLE, Side};
use serde_json::{Map, Value, json};

use super::{Api, TableRef, access, columns, load_table, views};
use crate::app::{App, now_ms};
use crate::caller::Caller;
use crate::ports::{RowOp, RowQuery, SchemaChange, StoreError};
use crate::records::{RowRecord, TableRecord, junction_id};
use crate::{Error, Result, secrets};

/// How deep nested rows may be written in one request.
const MAX_DEPTH: usize = 3;
/// Rows one delete may cascade to.
const MAX_CASCADE: usize = 1000;
/// Related rows read per relationship and page.
const MAX_RELATED: u64 = 5000;

/// Whether clients see this column (the child side of a one-way relationship is internal).
pub fn visible(c: &Column) -> bool {
    c.relation.as_ref().is_none_or(|r| r.side == Side::Parent || r.two_way)
}

/// Whether this side of the relationship holds many related rows.
fn is_many(r: &Relation) -> bool {
    matches!(
        (r.relation_type, r.side),
        (RelationType::OneToMany, Side::Parent) | (RelationType::ManyToOne, Side::Child) | (RelationType::ManyToMany, _)
    )
}

fn invalid(why: impl Into<String>) -> Error {
    Error::msg(ErrorType::RelationshipValueInvalid, why.into())
}

pub struct RelationInput {
    pub related_table: String,
    pub relation_type: String,
    pub two_way: bool,
    pub key: Option<String>,
    pub two_way_key: Option<String>,
    pub on_delete: Option<String>,
}

fn parse_type(s: &str) -> Result<RelationType> {
    serde_json::from_value(json!(s))
        .map_err(|_| Error::invalid_param("type", "Value must be one of (oneToOne, manyToOne, manyToMany, oneToMany)"))
}

fn parse_on_delete(s: &str) -> Result<OnDelete> {
    serde_json::from_value(json!(s)).map_err(|_| Error::invalid_param("onDelete", "Value must be one of (cascade, restrict, setNull)"))
}

/// The junction table of a many-to-many relationship: two id columns, no permissions.
fn junction(parent: &TableRecord, key: &str, now: i64) -> TableRecord {
    let id_column = |k: &str| Column {
        key: k.to_owned(),
        column_type: ColumnType::Varchar,
        required: true,
        array: false,
        size: Some(oxwrite_types::id::MAX_ID_LEN as u64),
        min: None,
        max: None,
        default: Value::Null,
        elements: Vec::new(),
        encrypt: false,
        relation: None,
        status: STATUS_AVAILABLE.to_owned(),
        error: String::new(),
        created_at: now,
        updated_at: now,
    };
    let index = |k: &str| oxwrite_types::schema::Index {
        key: k.to_owned(),
        index_type: oxwrite_types::schema::IndexType::Key,
        columns: vec![k.to_owned()],
        lengths: Vec::new(),
        orders: Vec::new(),
        status: STATUS_AVAILABLE.to_owned(),
        error: String::new(),
        created_at: now,
        updated_at: now,
    };
    TableRecord {
        project_id: parent.project_id.clone(),
        database_id: parent.database_id.clone(),
        id: junction_id(&parent.id, key),
        seq: 0,
        name: format!("{} {key} links", parent.id),
        enabled: true,
        row_security: false,
        permissions: Vec::new(),
        columns: vec![id_column("parent"), id_column("child")],
        indexes: vec![index("parent"), index("child")],
        created_at: now,
        updated_at: now,
    }
}

/// `createRelationshipColumn`: the column, its twin on the related table and, for
/// many-to-many, the junction table, in one schema change.
pub async fn create_column(app: &App, caller: &Caller, at: TableRef<'_>, input: RelationInput) -> Result<Value> {
    let TableRef { api, database, table } = at;
    let t = load_table(app, caller, api, database, table).await?;
    let related = load_table(app, caller, api, database, &input.related_table).await?;
    let relation_type = parse_type(&input.relation_type)?;
    let on_delete = input.on_delete.as_deref().map_or(Ok(OnDelete::Restrict), parse_on_delete)?;
    let key = input.key.unwrap_or_else(|| related.id.clone());
    let two_way_key = input.two_way_key.unwrap_or_else(|| t.id.clone());
    columns::check_column_key("key", &key)?;
    columns::check_column_key("twoWayKey", &two_way_key)?;
    if t.columns.iter().any(|c| c.key.eq_ignore_ascii_case(&key)) {
        return Err(Error::with(api.column_already_exists(), &key));
    }
    if related.columns.iter().any(|c| c.key.eq_ignore_ascii_case(&two_way_key)) || (related.id == t.id && key.eq_ignore_ascii_case(&two_way_key)) {
        return Err(Error::with(api.column_already_exists(), &two_way_key));
    }
    if relation_type == RelationType::ManyToMany
        && t.columns.iter().any(|c| c.relation.as_ref().is_some_and(|r| r.relation_type == RelationType::ManyToMany && r.related_table == related.id))
    {
        return Err(Error::msg(
            api.column_already_exists(),
            "Creating more than one \"manyToMany\" relationship on the same table is currently not permitted.",
        ));
    }
    let now = now_ms();
    let column = |k: &str, rel: Relation| Column {
        key: k.to_owned(),
        column_type: ColumnType::Relationship,
        required: false,
        array: false,
        size: None,
        min: None,
        max: None,
        default: Value::Null,
        elements: Vec::new(),
        encrypt: false,
        relation: Some(rel),
        status: STATUS_AVAILABLE.to_owned(),
        error: String::new(),
        created_at: now,
        updated_at: now,
    };
    let parent = column(
        &key,
        Relation { related_table: related.id.clone(), relation_type, two_way: input.two_way, two_way_key: two_way_key.clone(), on_delete, side: Side::Parent },
    );
    let twin = column(
        &two_way_key,
        Relation { related_table: t.id.clone(), relation_type, two_way: input.two_way, two_way_key: key.clone(), on_delete, side: Side::Child },
    );
    let junction = (relation_type == RelationType::ManyToMany).then(|| Box::new(junction(&t, &key, now)));
    let change = SchemaChange::AddRelation { column: Box::new(parent.clone()), related: related.id.clone(), twin: Box::new(twin), junction };
    let after = app.store.change_schema(&t.project_id, &t.database_id, &t.id, change).await.map_err(|e| match e {
        StoreError::Conflict("twin") => Error::with(api.column_already_exists(), &two_way_key),
        StoreError::Conflict(_) => Error::with(api.column_already_exists(), &key),
        StoreError::NotFound(_) => Error::with(api.table_not_found(), &related.id),
        other => Error::internal(other),
    })?;
    columns::emit(app, caller, api, "create", &after, &parent);
    Ok(views::column(api, &parent))
}

/// `updateRelationshipColumn`: `onDelete` (on both sides).
pub async fn update_column(app: &App, caller: &Caller, at: TableRef<'_>, key: &str, on_delete: Option<String>, new_key: Option<String>) -> Result<Value> {
    let TableRef { api, database, table } = at;
    let t = load_table(app, caller, api, database, table).await?;
    let mut c = t.columns.iter().find(|c| c.key == key && c.relation.is_some()).cloned().ok_or_else(|| Error::with(api.column_not_found(), key))?;
    if new_key.as_deref().is_some_and(|k| k != key) {
        return Err(Error::msg(ErrorType::GeneralNotImplemented, "Renaming relationship columns is not implemented yet."));
    }
    let Some(rel) = c.relation.as_mut() else { return Err(Error::with(api.column_not_found(), key)) };
    if let Some(od) = on_delete {
        rel.on_delete = parse_on_delete(&od)?;
    }
    let (related, twin_key, on_delete) = (rel.related_table.clone(), rel.two_way_key.clone(), rel.on_delete);
    c.updated_at = now_ms();
    app.store
        .change_schema(&t.project_id, &t.database_id, &t.id, SchemaChange::UpdateColumn { key: key.to_owned(), column: c.clone() })
        .await
        .map_err(Error::internal)?;
    if let Some(r) = app.store.get_table(&t.project_id, &t.database_id, &related).await.map_err(Error::internal)?
        && let Some(mut twin) = r.columns.iter().find(|x| x.key == twin_key).cloned()
        && let Some(tr) = twin.relation.as_mut()
    {
        tr.on_delete = on_delete;
        app.store
            .change_schema(&r.project_id, &r.database_id, &r.id, SchemaChange::UpdateColumn { key: twin_key.clone(), column: twin })
            .await
            .map_err(Error::internal)?;
    }
    columns::emit(app, caller, api, "update", &t, &c);
    Ok(views::column(api, &c))
}

/// Deletes a relationship column with its twin and junction.
pub async fn delete_column(app: &App, caller: &Caller, api: Api, t: &TableRecord, c: &Column) -> Result<()> {
    let after = app
        .store
        .change_schema(&t.project_id, &t.database_id, &t.id, SchemaChange::DeleteRelation(c.key.clone()))
        .await
        .map_err(Error::internal)?;
    columns::emit(app, caller, api, "delete", &after, c);
    Ok(())
}

// Writes.

/// Related tables loaded once per request.
pub(crate) struct Tables<'a> {
    app: &'a App,
    caller: &'a Caller,
    api: Api,
    loaded: HashMap<String, Arc<TableRecord>>,
}

impl<'a> Tables<'a> {
    pub(crate) fn new(app: &'a App, caller: &'a Caller, api: Api, first: &Arc<TableRecord>) -> Self {
        let mut loaded = HashMap::new();
        loaded.insert(first.id.clone(), first.clone());
        Self { app, caller, api, loaded }
    }

    async fn get(&mut self, database: &str, id: &str) -> Result<Arc<TableRecord>> {
        if let Some(t) = self.loaded.get(id) {
            return Ok(t.clone());
        }
        let t = Arc::new(load_table(self.app, self.caller, self.api, database, id).await?);
        self.loaded.insert(id.to_owned(), t.clone());
        Ok(t)
    }
}

/// One related row a write names: by id, or as a nested row to create or update.
enum Target {
    Id(String),
    Row(Map<String, Value>),
}

fn targets(c: &Column, rel: &Relation, v: &Value) -> Result<Option<Vec<Target>>> {
    let one = |v: &Value| -> Result<Target> {
        match v {
            Value::String(s) => Ok(Target::Id(s.clone())),
            Value::Object(o) => Ok(Target::Row(o.clone())),
            _ => Err(invalid("Invalid relationship value. Must be either a document ID or a document, array given.")),
        }
    };
    match v {
        Value::Null => Ok(None),
        Value::Array(items) if is_many(rel) => items.iter().map(one).collect::<Result<Vec<_>>>().map(Some),
        Value::Array(_) => Err(invalid(format!(
            "Invalid relationship value for \"{}\". Must be either a document ID or a document, array given.",
            c.key
        ))),
        _ if is_many(rel) => Err(invalid(format!("Invalid relationship value for \"{}\". Must be an array of documents or document IDs.", c.key))),
        other => one(other).map(|t| Some(vec![t])),
    }
}

/// What a write must also do for the relationship values in its data.
#[derive(Default)]
pub(crate) struct Plan {
    /// Operations before the row itself (nested rows to create or update).
    pub before: Vec<RowOp>,
    /// Operations after it (links stored on the other side).
    pub after: Vec<RowOp>,
}

/// Takes the relationship values out of `data` (row `id` of `t`), resolves nested rows and
/// returns the operations that store the links. Column-holding sides get the related id
/// written back into `data`. `existing`: whether the row already exists (an update replaces
/// the links it names).
pub(crate) async fn plan(
    tables: &mut Tables<'_>,
    t: &Arc<TableRecord>,
    id: &str,
    data: &mut Map<String, Value>,
    row_permissions: &[String],
    existing: bool,
    depth: usize,
) -> Result<Plan> {
    let mut plan = Plan::default();
    let relation_columns: Vec<Column> = t.columns.iter().filter(|c| c.relation.is_some() && data.contains_key(&c.key)).cloned().collect();
    for c in relation_columns {
        let Some(rel) = c.relation.clone() else { continue };
        let value = data.remove(&c.key).unwrap_or(Value::Null);
        if !visible(&c) {
            return Err(super::values::unknown(tables.api, &c.key));
        }
        if depth >= MAX_DEPTH && !value.is_null() {
            return Err(invalid("Nested rows may be at most 3 levels deep."));
        }
        let related = tables.get(&t.database_id, &rel.related_table).await?;
        let mut ids = Vec::new();
        for target in targets(&c, &rel, &value)?.unwrap_or_default() {
            ids.push(Box::pin(resolve(tables, &related, target, row_permissions, &mut plan, depth + 1)).await?);
        }
        link(tables, t, &c, &rel, &related, id, ids, existing, data, &mut plan).await?;
    }
    Ok(plan)
}

/// Resolves a target to a related row id, planning the nested row's create or update.
async fn resolve(
    tables: &mut Tables<'_>,
    related: &Arc<TableRecord>,
    target: Target,
    inherited: &[String],
    out: &mut Plan,
    depth: usize,
) -> Result<String> {
    let app = tables.app;
    let caller = tables.caller;
    let api = tables.api;
    match target {
        Target::Id(id) => {
            if app.store.get_row(related, &id).await.map_err(Error::internal)?.is_none() {
                return Err(invalid(format!("Related row '{id}' could not be found.")));
            }
            Ok(id)
        }
        Target::Row(mut o) => {
            let id = match o.remove("$id") {
                Some(Value::String(s)) => secrets::resolve_id("$id", &s).map_err(|e| invalid(e.message().to_owned()))?,
                _ => secrets::unique_id(),
            };
            let permissions = match o.remove("$permissions") {
                Some(v) => {
                    let p: Vec<String> = serde_json::from_value(v).map_err(|_| invalid("$permissions must be an array of strings"))?;
                    Some(p)
                }
                None => None,
            };
            o.retain(|k, _| !k.starts_with('$'));
            let existing = app.store.get_row(related, &id).await.map_err(Error::internal)?;
            let mut nested = Box::pin(plan(tables, related, &id, &mut o, inherited, existing.is_some(), depth)).await?;
            out.before.append(&mut nested.before);
            match existing {
                Some(row) => {
                    if !access::row_allows(related, &row.permissions, caller, Action::Update) {
                        return Err(ErrorType::UserUnauthorized.into());
                    }
                    let data = super::values::for_update(api, related, &o)?;
                    let permissions = permissions.map(|p| access::row_permissions(caller, Some(&p))).transpose()?;
                    out.before.push(RowOp::Update {
                        table: related.clone(),
                        id: id.clone(),
                        expect_permissions: Some(row.permissions),
                        updated_at: now_ms(),
                        data,
                        permissions,
                    });
                }
                None => {
                    if !access::table_allows(related, caller, Action::Create) {
                        return Err(ErrorType::UserUnauthorized.into());
                    }
                    // Nested rows without permissions inherit the parent row's.
                    let permissions = match permissions {
                        Some(p) => access::row_permissions(caller, Some(&p))?,
                        None => inherited.to_vec(),
                    };
                    let data = super::values::for_create(api, related, &o)?;
                    let now = now_ms();
                    out.before.push(RowOp::Create {
                        table: related.clone(),
                        row: RowRecord { seq: 0, id: id.clone(), created_at: now, updated_at: now, permissions, data },
                    });
                }
            }
            out.before.append(&mut nested.after);
            Ok(id)
        }
    }
}

/// Plans storing `ids` as the related rows of row `id` through column `c`.
#[allow(clippy::too_many_arguments)]
async fn link(
    tables: &mut Tables<'_>,
    t: &TableRecord,
    c: &Column,
    rel: &Relation,
    related: &Arc<TableRecord>,
    id: &str,
    ids: Vec<String>,
    existing: bool,
    data: &mut Map<String, Value>,
    plan: &mut Plan,
) -> Result<()> {
    let app = tables.app;
    let now = now_ms();
    if rel.holds_column() {
        let new = ids.into_iter().next();
        data.insert(c.key.clone(), new.clone().map_or(Value::Null, Value::String));
        // A two-way one-to-one keeps both ends pointing at each other.
        if rel.relation_type == RelationType::OneToOne
            && rel.two_way
            && let Some(other) = &new
        {
            let mut set = Map::new();
            set.insert(rel.two_way_key.clone(), Value::String(id.to_owned()));
            plan.after.push(RowOp::Update { table: related.clone(), id: other.clone(), expect_permissions: None, updated_at: now, data: set, permissions: None });
        }
        return Ok(());
    }
    if rel.relation_type == RelationType::ManyToMany {
        let (j, mine, theirs) = junction_of(app, t, c, rel).await?.ok_or_else(|| Error::internal("junction table missing"))?;
        if existing {
            for row in related_rows(app, &j, mine, &[id.to_owned()], None).await? {
                plan.after.push(RowOp::Delete { table: j.clone(), id: row.id, expect_permissions: None });
            }
        }
        for other in ids {
            let mut d = Map::new();
            d.insert(mine.to_owned(), Value::String(id.to_owned()));
            d.insert(theirs.to_owned(), Value::String(other));
            plan.after.push(RowOp::Create {
                table: j.clone(),
                row: RowRecord { seq: 0, id: secrets::unique_id(), created_at: now, updated_at: now, permissions: Vec::new(), data: d },
            });
        }
        return Ok(());
    }
    // The related rows hold the link in their twin column (`rel.two_way_key`).
    let new: HashSet<String> = ids.iter().cloned().collect();
    if existing {
        for row in related_rows(app, related, &rel.two_way_key, &[id.to_owned()], None).await? {
            if !new.contains(&row.id) {
                let mut set = Map::new();
                set.insert(rel.two_way_key.clone(), Value::Null);
                plan.after.push(RowOp::Update { table: related.clone(), id: row.id, expect_permissions: None, updated_at: now, data: set, permissions: None });
            }
        }
    }
    for other in ids {
        let mut set = Map::new();
        set.insert(rel.two_way_key.clone(), Value::String(id.to_owned()));
        plan.after.push(RowOp::Update { table: related.clone(), id: other, expect_permissions: None, updated_at: now, data: set, permissions: None });
    }
    Ok(())
}

/// Rows of `t` whose column `column` is one of `values` (optionally only those readable by
/// `roles`).
async fn related_rows(app: &App, t: &TableRecord, column: &str, values: &[String], roles: Option<Vec<String>>) -> Result<Vec<RowRecord>> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for chunk in values.chunks(oxwrite_types::query::MAX_VALUES) {
        let filter = Query::new(Method::Equal, Some(column.to_owned()), chunk.iter().map(|v| Value::String(v.clone())).collect());
        let q = RowQuery { filters: vec![filter], limit: MAX_RELATED, read_roles: roles.clone(), ..RowQuery::default() };
        out.extend(app.store.list_rows(t, q).await.map_err(Error::internal)?.items);
    }
    Ok(out)
}

/// The junction table of many-to-many column `c` of `t`, with the names of this side's
/// column in it and the other side's (`parent` / `child`).
async fn junction_of(app: &App, t: &TableRecord, c: &Column, rel: &Relation) -> Result<Option<(Arc<TableRecord>, &'static str, &'static str)>> {
    let (parent_table, parent_key, mine, theirs) = match rel.side {
        Side::Parent => (t.id.as_str(), c.key.as_str(), "parent", "child"),
        Side::Child => (rel.related_table.as_str(), rel.two_way_key.as_str(), "child", "parent"),
    };
    let j = app.store.get_table(&t.project_id, &t.database_id, &junction_id(parent_table, parent_key)).await.map_err(Error::internal)?;
    Ok(j.map(|j| (Arc::new(j), mine, theirs)))
}

// Reads.

/// The relationship selections of a `select`: `author.*` / `author.name` → key → columns
/// (empty = all).
pub(crate) fn selected(t: &TableRecord, select: &[String]) -> Result<Vec<(Column, Vec<String>)>> {
    let mut out: Vec<(Column, Vec<String>)> = Vec::new();
    for s in select {
        let Some((key, rest)) = s.split_once('.') else { continue };
        let Some(c) = t.columns.iter().find(|c| c.key == key && c.relation.is_some() && visible(c)) else {
            return Err(Error::msg(ErrorType::GeneralQueryInvalid, format!("Invalid query: Attribute not found in schema: {key}")));
        };
        let cols = match out.iter_mut().find(|(o, _)| o.key == c.key) {
            Some((_, cols)) => cols,
            None => {
                out.push((c.clone(), Vec::new()));
                let last = out.len() - 1;
                &mut out[last].1
            }
        };
        if rest != "*" {
            cols.push(rest.to_owned());
        }
    }
    Ok(out)
}

/// Fills the selected relationships of `rows` (already rendered as `models`) with the related
/// rows the caller may read.
pub(crate) async fn populate(
    app: &App,
    caller: &Caller,
    api: Api,
    t: &TableRecord,
    rows: &[RowRecord],
    models: &mut [Value],
    selection: &[(Column, Vec<String>)],
) -> Result<()> {
    for (c, cols) in selection {
        let Some(rel) = &c.relation else { continue };
        let related = match load_table(app, caller, api, &t.database_id, &rel.related_table).await {
            Ok(r) => r,
            Err(_) => continue,
        };
        let roles = access::read_filter(&related, caller).ok().flatten();
        let readable = access::read_filter(&related, caller).is_ok();
        // For each of our rows, the ids of its related rows.
        let mut links: Vec<Vec<String>> = vec![Vec::new(); rows.len()];
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        if rel.holds_column() {
            for (i, r) in rows.iter().enumerate() {
                if let Some(Value::String(s)) = r.data.get(&c.key) {
                    links[i].push(s.clone());
                }
            }
        } else if rel.relation_type == RelationType::ManyToMany {
            if let Some((j, mine, theirs)) = junction_of(app, t, c, rel).await? {
                for l in related_rows(app, &j, mine, &ids, None).await? {
                    let (Some(Value::String(me)), Some(Value::String(other))) = (l.data.get(mine), l.data.get(theirs)) else { continue };
                    if let Some(i) = ids.iter().position(|x| x == me) {
                        links[i].push(other.clone());
                    }
                }
            }
        } else {
            for r in related_rows(app, &related, &rel.two_way_key, &ids, None).await? {
                if let Some(Value::String(me)) = r.data.get(&rel.two_way_key)
                    && let Some(i) = ids.iter().position(|x| x == me)
                {
                    links[i].push(r.id.clone());
                }
            }
        }
        let wanted: Vec<String> = links.iter().flatten().cloned().collect::<HashSet<_>>().into_iter().collect();
        let found: HashMap<String, RowRecord> = if readable {
            related_rows(app, &related, "$id", &wanted, roles).await?.into_iter().map(|r| (r.id.clone(), r)).collect()
        } else {
            HashMap::new()
        };
        for (i, model) in models.iter_mut().enumerate() {
            let nested: Vec<Value> = links[i].iter().filter_map(|id| found.get(id)).map(|r| views::row(api, &related, r, cols)).collect();
            let value = if is_many(rel) { Value::Array(nested) } else { nested.into_iter().next().unwrap_or(Value::Null) };
            if let Value::Object(m) = model {
                m.insert(c.key.clone(), value);
            }
        }
    }
    Ok(())
}

// Deletes.

/// The operations `onDelete` asks for when `row` of `t` is deleted: cascaded deletes and
/// cleared links, in the order to apply them before the row's own delete. `restrict` with
/// related rows answers `403 row_delete_restricted`.
pub(crate) async fn on_delete(app: &App, api: Api, t: &Arc<TableRecord>, row: &RowRecord) -> Result<Vec<RowOp>> {
    let mut ops = Vec::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    seen.insert((t.id.clone(), row.id.clone()));
    Box::pin(cascade(app, api, t, row, &mut ops, &mut seen)).await?;
    Ok(ops)
}

async fn cascade(app: &App, api: Api, t: &Arc<TableRecord>, row: &RowRecord, ops: &mut Vec<RowOp>, seen: &mut HashSet<(String, String)>) -> Result<()> {
    let now = now_ms();
    for c in t.columns.iter().filter(|c| c.relation.is_some()) {
        let Some(rel) = &c.relation else { continue };
        let Some(related) = app.store.get_table(&t.project_id, &t.database_id, &rel.related_table).await.map_err(Error::internal)? else { continue };
        let related = Arc::new(related);
        // The related rows that depend on this one, and how each is linked.
        let (dependents, junction_links): (Vec<RowRecord>, Vec<(Arc<TableRecord>, String)>) = match (rel.relation_type, rel.side) {
            // The many side going away affects nobody.
            (RelationType::ManyToOne, Side::Parent) | (RelationType::OneToMany, Side::Child) => continue,
            (RelationType::OneToOne, Side::Parent) => {
                let target = row.data.get(&c.key).and_then(Value::as_str).map(str::to_owned);
                let rows = match target {
                    Some(id) => app.store.get_row(&related, &id).await.map_err(Error::internal)?.into_iter().collect(),
                    None => Vec::new(),
                };
                (rows, Vec::new())
            }
            (RelationType::ManyToMany, _) => {
                let Some((j, mine, theirs)) = junction_of(app, t, c, rel).await? else {
                    continue;
                };
                let links = related_rows(app, &j, mine, std::slice::from_ref(&row.id), None).await?;
                let others: Vec<String> = links.iter().filter_map(|l| l.data.get(theirs).and_then(Value::as_str).map(str::to_owned)).collect();
                let rows = related_rows(app, &related, "$id", &others, None).await?;
                (rows, links.into_iter().map(|l| (j.clone(), l.id)).collect())
            }
            // The other side holds a column pointing here.
            _ => (related_rows(app, &related, &rel.two_way_key, std::slice::from_ref(&row.id), None).await?, Vec::new()),
        };
        if dependents.is_empty() && junction_links.is_empty() {
            continue;
        }
        match rel.on_delete {
            OnDelete::Restrict => {
                return Err(Error::msg(api.row_delete_restricted(), "Row cannot be deleted because it is referenced by another row."));
            }
            OnDelete::SetNull => {
                for (j, id) in junction_links {
                    ops.push(RowOp::Delete { table: j, id, expect_permissions: None });
                }
                if rel.relation_type != RelationType::ManyToMany && !(rel.relation_type == RelationType::OneToOne && rel.side == Side::Parent && !rel.two_way) {
                    for d in dependents {
                        let mut set = Map::new();
                        set.insert(rel.two_way_key.clone(), Value::Null);
                        ops.push(RowOp::Update { table: related.clone(), id: d.id, expect_permissions: None, updated_at: now, data: set, permissions: None });
                    }
                }
            }
            OnDelete::Cascade => {
                for (j, id) in junction_links {
                    ops.push(RowOp::Delete { table: j, id, expect_permissions: None });
                }
                for d in dependents {
                    if !seen.insert((related.id.clone(), d.id.clone())) {
                        continue;
                    }
                    if seen.len() > MAX_CASCADE {
                        return Err(Error::msg(api.row_delete_restricted(), "Deleting this row would cascade to too many rows."));
                    }
                    Box::pin(cascade(app, api, &related, &d, ops, seen)).await?;
                    ops.push(RowOp::Delete { table: related.clone(), id: d.id, expect_permissions: None });
                }
            }
        }
    }
    Ok(())
}

/// Whether the table has relationship columns (bulk operations refuse those).
pub fn has_relations(t: &TableRecord) -> bool {
    t.columns.iter().any(|c| c.relation.is_some())
}

/// Rewrites filters on related columns (`author.name`) into filters on this table: the
/// related rows matching the rest of the filter are found first (as the caller may read
/// them), then the query asks for the rows linked to them.
pub(crate) async fn rewrite_filters(app: &App, caller: &Caller, api: Api, t: &TableRecord, filters: Vec<Query>) -> Result<Vec<Query>> {
    let mut out = Vec::with_capacity(filters.len());
    for mut q in filters {
        if matches!(q.method, Method::And | Method::Or) {
            q.nested = Box::pin(rewrite_filters(app, caller, api, t, std::mem::take(&mut q.nested))).await?;
            out.push(q);
            continue;
        }
        let Some((key, rest)) = q.attribute.as_deref().and_then(|a| a.split_once('.')).map(|(k, r)| (k.to_owned(), r.to_owned())) else {
            out.push(q);
            continue;
        };
        let Some(c) = t.columns.iter().find(|c| c.key == key && visible(c)) else {
            out.push(q);
            continue;
        };
        let Some(rel) = c.relation.clone() else {
            out.push(q);
            continue;
        };
        let related = load_table(app, caller, api, &t.database_id, &rel.related_table).await?;
        let sub = Query { attribute: Some(rest), ..q.clone() };
        let sub = Box::pin(rewrite_filters(app, caller, api, &related, vec![sub])).await?;
        let roles = access::read_filter(&related, caller).ok();
        let matches = match roles {
            Some(roles) => {
                let rq = RowQuery { filters: sub, limit: MAX_RELATED, read_roles: roles, ..RowQuery::default() };
                app.store.list_rows(&related, rq).await.map_err(|e| match e {
                    StoreError::InvalidQuery(m) => Error::msg(ErrorType::GeneralQueryInvalid, format!("Invalid query: {m}")),
                    other => Error::internal(other),
                })?
                .items
            }
            None => Vec::new(),
        };
        let (attribute, values): (String, Vec<String>) = if rel.holds_column() {
            (c.key.clone(), matches.iter().map(|r| r.id.clone()).collect())
        } else if rel.relation_type == RelationType::ManyToMany {
            let ids: Vec<String> = matches.iter().map(|r| r.id.clone()).collect();
            let (links, mine) = match junction_of(app, t, c, &rel).await? {
                Some((j, mine, theirs)) => (related_rows(app, &j, theirs, &ids, None).await?, mine),
                None => (Vec::new(), "parent"),
            };
            ("$id".to_owned(), links.iter().filter_map(|l| l.data.get(mine).and_then(Value::as_str).map(str::to_owned)).collect())
        } else {
            ("$id".to_owned(), matches.iter().filter_map(|r| r.data.get(&rel.two_way_key).and_then(Value::as_str).map(str::to_owned)).collect())
        };
        let mut values: Vec<Value> = values.into_iter().collect::<HashSet<_>>().into_iter().map(Value::String).collect();
        if values.is_empty() {
            // Nothing related matches: ask for an id no row has.
            values.push(Value::String(String::new()));
        }
        let chunks: Vec<Query> = values
            .chunks(oxwrite_types::query::MAX_VALUES)
            .map(|v| Query::new(Method::Equal, Some(attribute.clone()), v.to_vec()))
            .collect();
        out.push(if chunks.len() == 1 { chunks.into_iter().next().unwrap_or_else(|| Query::new(Method::Equal, Some(attribute), vec![])) } else { Query::logical(Method::Or, None, chunks) });
    }
    Ok(out)
}
