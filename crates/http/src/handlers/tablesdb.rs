//! `/v1/tablesdb/*` and the legacy `/v1/databases/*`: one set of handlers, generated twice —
//! `tables::*` with TablesDB's parameter names and `legacy::*` with the legacy ones
//! (`collectionId`, `documentId`, `attributes`, `documentSecurity` …).

use oxwrite_core::Error;
use oxwrite_core::services::tablesdb::columns::{ColumnInput, ColumnUpdate};
use oxwrite_core::services::tablesdb::indexes::IndexInput;
use oxwrite_core::services::tablesdb::rows::{NewRow, RowPatch};
use oxwrite_core::services::tablesdb::tables::{NewTable, TableUpdate};
use oxwrite_core::services::tablesdb::relations::{self, RelationInput};
use oxwrite_core::services::tablesdb::{Api, TableRef, columns, databases, indexes, rows, tables as tbl, transactions};
use oxwrite_types::ErrorType;
use oxwrite_types::schema::ColumnType;
use serde_json::Value;

use crate::params::{Ctx, Params};
use crate::reply::Reply;

/// A TablesDB parameter's name in the API `api`.
fn n(api: Api, name: &'static str) -> &'static str {
    match (api, name) {
        (Api::Tables, _) => name,
        (Api::Legacy, "tableId") => "collectionId",
        (Api::Legacy, "rowId") => "documentId",
        (Api::Legacy, "rowSecurity") => "documentSecurity",
        (Api::Legacy, "rows") => "documents",
        (Api::Legacy, "columns") => "attributes",
        (Api::Legacy, "column") => "attribute",
        (Api::Legacy, "relatedTableId") => "relatedCollectionId",
        (Api::Legacy, other) => other,
    }
}

struct Path {
    database: String,
    table: String,
}

fn path(cx: &Ctx, api: Api) -> Result<Path, Error> {
    Ok(Path { database: cx.params.str("databaseId")?, table: cx.params.str(n(api, "tableId"))? })
}

impl Path {
    fn at(&self, api: Api) -> TableRef<'_> {
        TableRef { api, database: &self.database, table: &self.table }
    }
}

fn column_input(p: &Params) -> Result<ColumnInput, Error> {
    Ok(ColumnInput {
        key: p.str("key")?,
        required: p.bool("required")?,
        default: p.opt_value("default").unwrap_or(Value::Null),
        array: p.opt_bool("array")?.unwrap_or(false),
        size: p.opt_u64("size")?,
        min: p.opt_number("min")?,
        max: p.opt_number("max")?,
        elements: p.opt_strings("elements")?,
        encrypt: p.opt_bool("encrypt")?.unwrap_or(false),
    })
}

fn column_update(p: &Params) -> Result<ColumnUpdate, Error> {
    Ok(ColumnUpdate {
        required: p.bool("required")?,
        default: p.opt_value("default").unwrap_or(Value::Null),
        size: p.opt_u64("size")?,
        min: p.opt_number("min")?,
        max: p.opt_number("max")?,
        elements: p.opt_strings("elements")?,
        new_key: p.opt_str("newKey")?,
    })
}

async fn create_column(cx: Ctx, api: Api, t: ColumnType) -> Result<Reply, Error> {
    let at = path(&cx, api)?;
    let input = column_input(&cx.params)?;
    Reply::json(http::StatusCode::ACCEPTED, &columns::create(&cx.app, &cx.caller, at.at(api), t, input).await?)
}

async fn update_column(cx: Ctx, api: Api, t: ColumnType) -> Result<Reply, Error> {
    let at = path(&cx, api)?;
    let key = cx.params.str("key")?;
    let u = column_update(&cx.params)?;
    Reply::ok(&columns::update(&cx.app, &cx.caller, at.at(api), t, &key, u).await?)
}

fn new_row(p: &Params, api: Api) -> Result<NewRow, Error> {
    Ok(NewRow {
        id: p.opt_str(n(api, "rowId"))?.unwrap_or_else(|| "unique()".to_owned()),
        data: p.opt_object("data")?.unwrap_or_default(),
        permissions: p.opt_strings("permissions")?,
    })
}

/// Generates each handler twice: `tables::name` and `legacy::name`, with `$api` bound.
macro_rules! both {
    ($(fn $name:ident($cx:ident, $api:ident) $body:block)*) => {
        pub mod tables {
            use super::*;
            $(
                pub fn $name($cx: Ctx) -> crate::routes::HandlerFuture {
                    let $api = Api::Tables;
                    Box::pin(async move $body)
                }
            )*
        }
        pub mod legacy {
            use super::*;
            $(
                pub fn $name($cx: Ctx) -> crate::routes::HandlerFuture {
                    let $api = Api::Legacy;
                    Box::pin(async move $body)
                }
            )*
        }
    };
}

/// Column create / update handlers per type.
macro_rules! column_handlers {
    ($($create:ident, $update:ident => $t:expr;)*) => {
        both! {
            $(
                fn $create(cx, api) { create_column(cx, api, $t).await }
                fn $update(cx, api) { update_column(cx, api, $t).await }
            )*
        }
    };
}

pub mod columns_by_type {
    use super::*;
    column_handlers! {
        create_string, update_string => ColumnType::String;
        create_varchar, update_varchar => ColumnType::Varchar;
        create_text, update_text => ColumnType::Text;
        create_mediumtext, update_mediumtext => ColumnType::Mediumtext;
        create_longtext, update_longtext => ColumnType::Longtext;
        create_integer, update_integer => ColumnType::Integer;
        create_float, update_float => ColumnType::Float;
        create_boolean, update_boolean => ColumnType::Boolean;
        create_datetime, update_datetime => ColumnType::Datetime;
        create_email, update_email => ColumnType::Email;
        create_ip, update_ip => ColumnType::Ip;
        create_url, update_url => ColumnType::Url;
        create_enum, update_enum => ColumnType::Enum;
        create_point, update_point => ColumnType::Point;
        create_line, update_line => ColumnType::Line;
        create_polygon, update_polygon => ColumnType::Polygon;
    }
}

both! {
    // Databases.
    fn list(cx, api) { Reply::ok(&databases::list(&cx.app, &cx.caller, api, cx.params.list()?).await?) }

    fn create(cx, api) {
        let (id, name, enabled) = (cx.params.str("databaseId")?, cx.params.str("name")?, cx.params.opt_bool("enabled")?);
        Reply::created(&databases::create(&cx.app, &cx.caller, api, &id, name, enabled).await?)
    }

    fn get(cx, api) { let _ = api; Reply::ok(&databases::get(&cx.app, &cx.caller, &cx.params.str("databaseId")?).await?) }

    fn update(cx, api) {
        let _ = api;
        let (id, name, enabled) = (cx.params.str("databaseId")?, cx.params.opt_str("name")?, cx.params.opt_bool("enabled")?);
        Reply::ok(&databases::update(&cx.app, &cx.caller, &id, name, enabled).await?)
    }

    fn delete(cx, api) {
        let _ = api;
        databases::delete(&cx.app, &cx.caller, &cx.params.str("databaseId")?).await?;
        Reply::no_content()
    }

    // Tables.
    fn list_tables(cx, api) {
        let db = cx.params.str("databaseId")?;
        Reply::ok(&tbl::list(&cx.app, &cx.caller, api, &db, cx.params.list()?).await?)
    }

    fn create_table(cx, api) {
        let p = &cx.params;
        let db = p.str("databaseId")?;
        let input = NewTable {
            id: p.str(n(api, "tableId"))?,
            name: p.str("name")?,
            permissions: p.opt_strings("permissions")?,
            row_security: p.opt_bool(n(api, "rowSecurity"))?,
            enabled: p.opt_bool("enabled")?,
            columns: p.opt_array(n(api, "columns"))?,
            indexes: p.opt_array("indexes")?,
        };
        Reply::created(&tbl::create(&cx.app, &cx.caller, api, &db, input).await?)
    }

    fn get_table(cx, api) {
        let at = path(&cx, api)?;
        Reply::ok(&tbl::get(&cx.app, &cx.caller, api, &at.database, &at.table).await?)
    }

    fn update_table(cx, api) {
        let at = path(&cx, api)?;
        let p = &cx.params;
        let u = TableUpdate {
            name: p.opt_str("name")?,
            permissions: p.opt_strings("permissions")?,
            row_security: p.opt_bool(n(api, "rowSecurity"))?,
            enabled: p.opt_bool("enabled")?,
        };
        Reply::ok(&tbl::update(&cx.app, &cx.caller, api, &at.database, &at.table, u).await?)
    }

    fn delete_table(cx, api) {
        let at = path(&cx, api)?;
        tbl::delete(&cx.app, &cx.caller, api, &at.database, &at.table).await?;
        Reply::no_content()
    }

    // Columns.
    fn list_columns(cx, api) {
        let at = path(&cx, api)?;
        Reply::ok(&columns::list(&cx.app, &cx.caller, at.at(api), cx.params.list()?).await?)
    }

    fn get_column(cx, api) {
        let at = path(&cx, api)?;
        Reply::ok(&columns::get(&cx.app, &cx.caller, at.at(api), &cx.params.str("key")?).await?)
    }

    fn delete_column(cx, api) {
        let at = path(&cx, api)?;
        columns::delete(&cx.app, &cx.caller, at.at(api), &cx.params.str("key")?).await?;
        Reply::no_content()
    }

    fn create_relationship(cx, api) {
        let at = path(&cx, api)?;
        let p = &cx.params;
        let input = RelationInput {
            related_table: p.str(n(api, "relatedTableId"))?,
            relation_type: p.str("type")?,
            two_way: p.opt_bool("twoWay")?.unwrap_or(false),
            key: p.opt_str("key")?,
            two_way_key: p.opt_str("twoWayKey")?,
            on_delete: p.opt_str("onDelete")?,
        };
        Reply::json(http::StatusCode::ACCEPTED, &relations::create_column(&cx.app, &cx.caller, at.at(api), input).await?)
    }

    fn update_relationship(cx, api) {
        let at = path(&cx, api)?;
        let p = &cx.params;
        let (key, on_delete, new_key) = (p.str("key")?, p.opt_str("onDelete")?, p.opt_str("newKey")?);
        Reply::ok(&relations::update_column(&cx.app, &cx.caller, at.at(api), &key, on_delete, new_key).await?)
    }

    // Transactions.
    fn list_transactions(cx, api) { let _ = api; Reply::ok(&transactions::list(&cx.app, &cx.caller, cx.params.list()?).await?) }

    fn create_transaction(cx, api) {
        let _ = api;
        Reply::created(&transactions::create(&cx.app, &cx.caller, cx.params.opt_int("ttl")?).await?)
    }

    fn get_transaction(cx, api) {
        let _ = api;
        Reply::ok(&transactions::get(&cx.app, &cx.caller, &cx.params.str("transactionId")?).await?)
    }

    fn update_transaction(cx, api) {
        let p = &cx.params;
        let (id, commit, rollback) = (p.str("transactionId")?, p.opt_bool("commit")?, p.opt_bool("rollback")?);
        Reply::ok(&transactions::update(&cx.app, &cx.caller, api, &id, commit, rollback).await?)
    }

    fn delete_transaction(cx, api) {
        let _ = api;
        transactions::delete(&cx.app, &cx.caller, &cx.params.str("transactionId")?).await?;
        Reply::no_content()
    }

    fn create_operations(cx, api) {
        let p = &cx.params;
        let (id, ops) = (p.str("transactionId")?, p.opt_array("operations")?.unwrap_or_default());
        Reply::created(&transactions::stage(&cx.app, &cx.caller, api, &id, ops).await?)
    }

    // Indexes.
    fn list_indexes(cx, api) {
        let at = path(&cx, api)?;
        Reply::ok(&indexes::list(&cx.app, &cx.caller, at.at(api), cx.params.list()?).await?)
    }

    fn create_index(cx, api) {
        let at = path(&cx, api)?;
        let p = &cx.params;
        let lengths = p
            .opt_array("lengths")?
            .map(|ls| ls.iter().map(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))).collect());
        let input = IndexInput {
            key: p.str("key")?,
            index_type: p.str("type")?,
            columns: p.strings(n(api, "columns"))?,
            orders: p.opt_strings("orders")?,
            lengths,
        };
        Reply::json(http::StatusCode::ACCEPTED, &indexes::create(&cx.app, &cx.caller, at.at(api), input).await?)
    }

    fn get_index(cx, api) {
        let at = path(&cx, api)?;
        Reply::ok(&indexes::get(&cx.app, &cx.caller, at.at(api), &cx.params.str("key")?).await?)
    }

    fn delete_index(cx, api) {
        let at = path(&cx, api)?;
        indexes::delete(&cx.app, &cx.caller, at.at(api), &cx.params.str("key")?).await?;
        Reply::no_content()
    }

    // Rows.
    fn list_rows(cx, api) {
        let at = path(&cx, api)?;
        let p = &cx.params;
        let queries = p.opt_strings("queries")?.unwrap_or_default();
        let tx = p.opt_str("transactionId")?;
        Reply::ok(&rows::list(&cx.app, &cx.caller, at.at(api), &queries, p.opt_bool("total")?, tx.as_deref()).await?)
    }

    fn create_row(cx, api) {
        let at = path(&cx, api)?;
        let p = &cx.params;
        let tx = p.opt_str("transactionId")?;
        if let Some(many) = p.opt_array(n(api, "rows"))? {
            if p.opt_object("data")?.is_some() {
                return Err(Error::msg(ErrorType::GeneralBadRequest, "You can only send one of the following parameters: data, rows"));
            }
            return Reply::created(&rows::create_many(&cx.app, &cx.caller, at.at(api), many, tx.as_deref()).await?);
        }
        let input = new_row(p, api)?;
        if input.data.is_empty() {
            return Err(Error::new(api.row_missing_data()));
        }
        Reply::created(&rows::create(&cx.app, &cx.caller, at.at(api), input, tx.as_deref()).await?)
    }

    fn get_row(cx, api) {
        let at = path(&cx, api)?;
        let p = &cx.params;
        let (id, queries, tx) = (p.str(n(api, "rowId"))?, p.opt_strings("queries")?.unwrap_or_default(), p.opt_str("transactionId")?);
        Reply::ok(&rows::get(&cx.app, &cx.caller, at.at(api), &id, &queries, tx.as_deref()).await?)
    }

    fn update_row(cx, api) {
        let at = path(&cx, api)?;
        let p = &cx.params;
        let (id, tx) = (p.str(n(api, "rowId"))?, p.opt_str("transactionId")?);
        let patch = RowPatch { data: p.opt_object("data")?, permissions: p.opt_strings("permissions")? };
        Reply::ok(&rows::update(&cx.app, &cx.caller, at.at(api), &id, patch, tx.as_deref()).await?)
    }

    fn upsert_row(cx, api) {
        let at = path(&cx, api)?;
        let tx = cx.params.opt_str("transactionId")?;
        let input = new_row(&cx.params, api)?;
        Reply::ok(&rows::upsert(&cx.app, &cx.caller, at.at(api), input, tx.as_deref()).await?)
    }

    fn upsert_rows(cx, api) {
        let at = path(&cx, api)?;
        let p = &cx.params;
        let (many, tx) = (p.opt_array(n(api, "rows"))?.ok_or_else(|| Error::missing_param(n(api, "rows")))?, p.opt_str("transactionId")?);
        Reply::created(&rows::upsert_many(&cx.app, &cx.caller, at.at(api), many, tx.as_deref()).await?)
    }

    fn update_rows(cx, api) {
        let at = path(&cx, api)?;
        let p = &cx.params;
        let (data, queries, tx) = (p.opt_object("data")?.unwrap_or_default(), p.opt_strings("queries")?.unwrap_or_default(), p.opt_str("transactionId")?);
        Reply::ok(&rows::update_many(&cx.app, &cx.caller, at.at(api), data, &queries, tx.as_deref()).await?)
    }

    fn delete_row(cx, api) {
        let at = path(&cx, api)?;
        let p = &cx.params;
        let (id, tx) = (p.str(n(api, "rowId"))?, p.opt_str("transactionId")?);
        rows::delete(&cx.app, &cx.caller, at.at(api), &id, tx.as_deref()).await?;
        Reply::no_content()
    }

    fn delete_rows(cx, api) {
        let at = path(&cx, api)?;
        let p = &cx.params;
        let (queries, tx) = (p.opt_strings("queries")?.unwrap_or_default(), p.opt_str("transactionId")?);
        Reply::ok(&rows::delete_many(&cx.app, &cx.caller, at.at(api), &queries, tx.as_deref()).await?)
    }

    fn increment(cx, api) {
        let at = path(&cx, api)?;
        let p = &cx.params;
        let (id, column, tx) = (p.str(n(api, "rowId"))?, p.str(n(api, "column"))?, p.opt_str("transactionId")?);
        let (by, max) = (p.opt_number("value")?, p.opt_number("max")?);
        Reply::ok(&rows::increment(&cx.app, &cx.caller, at.at(api), &id, &column, by, max, false, tx.as_deref()).await?)
    }

    fn decrement(cx, api) {
        let at = path(&cx, api)?;
        let p = &cx.params;
        let (id, column, tx) = (p.str(n(api, "rowId"))?, p.str(n(api, "column"))?, p.opt_str("transactionId")?);
        let (by, min) = (p.opt_number("value")?, p.opt_number("min")?);
        Reply::ok(&rows::increment(&cx.app, &cx.caller, at.at(api), &id, &column, by, min, true, tx.as_deref()).await?)
    }
}
