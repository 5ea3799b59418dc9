//! Exact SQL and parameters for both dialects.

use oxwrite_types::query::{CursorDirection, Order, Query, parse};
use oxwrite_types::schema::{
    Column, ColumnType, Index, IndexOrder, IndexType, OnDelete, Relation, RelationType, Side,
    TableShape,
};
use serde_json::{Value as Json, json};

use crate::writer::Writer;
use crate::*;

pub(crate) fn column(key: &str, column_type: ColumnType) -> Column {
    Column {
        key: key.to_owned(),
        column_type,
        required: false,
        array: false,
        size: None,
        min: None,
        max: None,
        default: Json::Null,
        elements: Vec::new(),
        encrypt: false,
        relation: None,
        status: "available".to_owned(),
        error: String::new(),
        created_at: 0,
        updated_at: 0,
    }
}

fn relation(relation_type: RelationType) -> Relation {
    Relation {
        related_table: "other".to_owned(),
        relation_type,
        two_way: false,
        two_way_key: String::new(),
        on_delete: OnDelete::SetNull,
        side: Side::Parent,
    }
}

pub(crate) fn index(key: &str, index_type: IndexType, columns: &[&str], orders: &[Option<IndexOrder>]) -> Index {
    Index {
        key: key.to_owned(),
        index_type,
        columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        lengths: Vec::new(),
        orders: orders.to_vec(),
        status: "available".to_owned(),
        error: String::new(),
        created_at: 0,
        updated_at: 0,
    }
}

fn shape() -> TableShape {
    let mut tags = column("tags", ColumnType::String, );
    tags.array = true;
    let mut nums = column("nums", ColumnType::Integer);
    nums.array = true;
    let mut secret = column("secret", ColumnType::String);
    secret.encrypt = true;
    let mut small = column("small", ColumnType::Integer);
    small.max = Some(100.into());
    let mut author = column("author", ColumnType::Relationship);
    author.relation = Some(relation(RelationType::ManyToOne));
    let mut books = column("books", ColumnType::Relationship);
    books.relation = Some(relation(RelationType::OneToMany));
    TableShape {
        name: "r1".to_owned(),
        columns: vec![
            column("name", ColumnType::String),
            column("score", ColumnType::Integer),
            column("ratio", ColumnType::Float),
            column("flag", ColumnType::Boolean),
            column("when", ColumnType::Datetime),
            tags,
            nums,
            column("loc", ColumnType::Point),
            author,
            books,
            secret,
            small,
        ],
        indexes: vec![
            index("ft", IndexType::Fulltext, &["name"], &[]),
            index("k", IndexType::Key, &["score", "name"], &[Some(IndexOrder::Desc), None]),
        ],
    }
}

fn q(s: &str) -> Query {
    parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// The condition one filter compiles to.
fn cond(d: Dialect, filter: &str) -> (String, Vec<Value>) {
    let mut w = Writer::new(d);
    let mut out = filter::conditions(&mut w, &shape(), &[q(filter)]).unwrap_or_else(|e| panic!("{filter}: {e}"));
    (out.remove(0), w.params)
}

fn cond_err(filter: &str) -> String {
    let shape = shape();
    let err = validate_filters(&shape, &[q(filter)]).unwrap_err().0;
    let mut w = Writer::new(Dialect::Postgres);
    assert_eq!(filter::conditions(&mut w, &shape, &[q(filter)]).unwrap_err().0, err);
    err
}

/// Every filter family: (query, SQLite SQL, SQLite params, PostgreSQL SQL, PostgreSQL params).
const FILTERS: &[(&str, &str, &str, &str, &str)] = &[
    (
        r#"{"method":"equal","attribute":"name","values":["a"]}"#,
        r#"t."name" = ?1"#,
        r#"[Text("a")]"#,
        r#"t."name" = $1"#,
        r#"[Text("a")]"#,
    ),
    (
        r#"{"method":"equal","attribute":"name","values":["a","b"]}"#,
        r#"t."name" IN (?1, ?2)"#,
        r#"[Text("a"), Text("b")]"#,
        r#"t."name" IN ($1, $2)"#,
        r#"[Text("a"), Text("b")]"#,
    ),
    (
        r#"{"method":"notEqual","attribute":"score","values":[1]}"#,
        r#"t."score" <> ?1"#,
        r#"[Int(1)]"#,
        r#"t."score" <> $1"#,
        r#"[Int(1)]"#,
    ),
    (
        r#"{"method":"lessThan","attribute":"ratio","values":[1]}"#,
        r#"t."ratio" < ?1"#,
        r#"[Float(1.0)]"#,
        r#"t."ratio" < $1"#,
        r#"[Float(1.0)]"#,
    ),
    (
        r#"{"method":"between","attribute":"when","values":["2020-01-01T00:00:00.000+00:00","2021-01-01"]}"#,
        r#"t."when" BETWEEN ?1 AND ?2"#,
        r#"[Int(1577836800000), Int(1609459200000)]"#,
        r#"t."when" BETWEEN $1 AND $2"#,
        r#"[Int(1577836800000), Int(1609459200000)]"#,
    ),
    (
        r#"{"method":"notBetween","attribute":"$sequence","values":["1",5]}"#,
        r#"t."_seq" NOT BETWEEN ?1 AND ?2"#,
        r#"[Int(1), Int(5)]"#,
        r#"t."_seq" NOT BETWEEN $1 AND $2"#,
        r#"[Int(1), Int(5)]"#,
    ),
    (
        r#"{"method":"isNull","attribute":"tags"}"#,
        r#"t."tags" IS NULL"#,
        r#"[]"#,
        r#"t."tags" IS NULL"#,
        r#"[]"#,
    ),
    (
        r#"{"method":"startsWith","attribute":"name","values":["a%"]}"#,
        r#"substr(t."name", 1, length(?1)) = ?1"#,
        r#"[Text("a%")]"#,
        r#"left(t."name", char_length($1::text)) = $1::text"#,
        r#"[Text("a%")]"#,
    ),
    (
        r#"{"method":"notEndsWith","attribute":"$id","values":["x"]}"#,
        r#"NOT (substr(t."_id", length(t."_id") - length(?1) + 1) = ?1)"#,
        r#"[Text("x")]"#,
        r#"NOT (right(t."_id", char_length($1::text)) = $1::text)"#,
        r#"[Text("x")]"#,
    ),
    (
        r#"{"method":"contains","attribute":"name","values":["a","b"]}"#,
        r#"(instr(t."name", ?1) > 0 OR instr(t."name", ?2) > 0)"#,
        r#"[Text("a"), Text("b")]"#,
        r#"(strpos(t."name", $1::text) > 0 OR strpos(t."name", $2::text) > 0)"#,
        r#"[Text("a"), Text("b")]"#,
    ),
    (
        r#"{"method":"containsAll","attribute":"name","values":["a","b"]}"#,
        r#"(instr(t."name", ?1) > 0 AND instr(t."name", ?2) > 0)"#,
        r#"[Text("a"), Text("b")]"#,
        r#"(strpos(t."name", $1::text) > 0 AND strpos(t."name", $2::text) > 0)"#,
        r#"[Text("a"), Text("b")]"#,
    ),
    (
        r#"{"method":"notContains","attribute":"name","values":["a"]}"#,
        r#"NOT (instr(t."name", ?1) > 0)"#,
        r#"[Text("a")]"#,
        r#"NOT (strpos(t."name", $1::text) > 0)"#,
        r#"[Text("a")]"#,
    ),
    (
        r#"{"method":"contains","attribute":"tags","values":["a","b"]}"#,
        r#"EXISTS (SELECT 1 FROM json_each(t."tags") WHERE value IN (?1, ?2))"#,
        r#"[Text("a"), Text("b")]"#,
        r#"(t."tags" @> $1::text::jsonb OR t."tags" @> $2::text::jsonb)"#,
        r#"[Text("[\"a\"]"), Text("[\"b\"]")]"#,
    ),
    (
        r#"{"method":"containsAll","attribute":"nums","values":[1,2]}"#,
        r#"(EXISTS (SELECT 1 FROM json_each(t."nums") WHERE value = ?1) AND EXISTS (SELECT 1 FROM json_each(t."nums") WHERE value = ?2))"#,
        r#"[Int(1), Int(2)]"#,
        r#"t."nums" @> $1::text::jsonb"#,
        r#"[Text("[1,2]")]"#,
    ),
    (
        r#"{"method":"notContains","attribute":"tags","values":["a"]}"#,
        r#"(t."tags" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM json_each(t."tags") WHERE value = ?1))"#,
        r#"[Text("a")]"#,
        r#"NOT (t."tags" @> $1::text::jsonb)"#,
        r#"[Text("[\"a\"]")]"#,
    ),
    (
        r#"{"method":"search","attribute":"name","values":["hello wor-ld"]}"#,
        r#"t."_seq" IN (SELECT rowid FROM "r1_fts_ft" WHERE "r1_fts_ft" MATCH ?1)"#,
        r#"[Text("\"hello\" OR \"wor\" OR \"ld\"*")]"#,
        r#"to_tsvector('simple', coalesce(t."name"::text, '')) @@ to_tsquery('simple', $1)"#,
        r#"[Text("'hello' | 'wor' | 'ld':*")]"#,
    ),
    (
        r#"{"method":"notSearch","attribute":"name","values":["\"exact phrase\""]}"#,
        r#"t."_seq" NOT IN (SELECT rowid FROM "r1_fts_ft" WHERE "r1_fts_ft" MATCH ?1)"#,
        r#"[Text("\"exact phrase\"")]"#,
        r#"NOT (to_tsvector('simple', coalesce(t."name"::text, '')) @@ to_tsquery('simple', $1))"#,
        r#"[Text("'exact' <-> 'phrase'")]"#,
    ),
    (
        r#"{"method":"search","attribute":"name","values":["+-*"]}"#,
        r#"1 = 0"#,
        r#"[]"#,
        r#"1 = 0"#,
        r#"[]"#,
    ),
    (
        r#"{"method":"regex","attribute":"name","values":["^a"]}"#,
        r#"t."name" REGEXP ?1"#,
        r#"[Text("^a")]"#,
        r#"t."name" ~ $1"#,
        r#"[Text("^a")]"#,
    ),
    (
        r#"{"method":"exists","values":["name","score"]}"#,
        r#"(t."name" IS NOT NULL AND t."score" IS NOT NULL)"#,
        r#"[]"#,
        r#"(t."name" IS NOT NULL AND t."score" IS NOT NULL)"#,
        r#"[]"#,
    ),
    (
        r#"{"method":"notExists","values":["name"]}"#,
        r#"(t."name" IS NULL)"#,
        r#"[]"#,
        r#"(t."name" IS NULL)"#,
        r#"[]"#,
    ),
    (
        r#"{"method":"or","values":[{"method":"equal","attribute":"flag","values":[true]},{"method":"and","values":[{"method":"isNotNull","attribute":"author"},{"method":"greaterThan","attribute":"$createdAt","values":["2020-01-01T00:00:00Z"]}]}]}"#,
        r#"(t."flag" = ?1 OR (t."author" IS NOT NULL AND t."_created_at" > ?2))"#,
        r#"[Bool(true), Int(1577836800000)]"#,
        r#"(t."flag" = $1 OR (t."author" IS NOT NULL AND t."_created_at" > $2))"#,
        r#"[Bool(true), Int(1577836800000)]"#,
    ),
    (
        r#"{"method":"intersects","attribute":"loc","values":[[[0,0],[1,1]]]}"#,
        r#"ox_geo_intersects(t."loc", ?1)"#,
        r#"[Text("[[0.0,0.0],[1.0,1.0]]")]"#,
        r#"ST_Intersects(ST_GeomFromGeoJSON(json_build_object('type', 'Point', 'coordinates', t."loc")::text), ST_GeomFromGeoJSON($1::text))"#,
        r#"[Text("{\"type\":\"LineString\",\"coordinates\":[[0.0,0.0],[1.0,1.0]]}")]"#,
    ),
    (
        r#"{"method":"notTouches","attribute":"loc","values":[[1,2]]}"#,
        r#"NOT ox_geo_touches(t."loc", ?1)"#,
        r#"[Text("[1.0,2.0]")]"#,
        r#"NOT ST_Touches(ST_GeomFromGeoJSON(json_build_object('type', 'Point', 'coordinates', t."loc")::text), ST_GeomFromGeoJSON($1::text))"#,
        r#"[Text("{\"type\":\"Point\",\"coordinates\":[1.0,2.0]}")]"#,
    ),
    (
        r#"{"method":"equal","attribute":"loc","values":[[1,2]]}"#,
        r#"(ox_geo_equals(t."loc", ?1))"#,
        r#"[Text("[1.0,2.0]")]"#,
        r#"(ST_Equals(ST_GeomFromGeoJSON(json_build_object('type', 'Point', 'coordinates', t."loc")::text), ST_GeomFromGeoJSON($1::text)))"#,
        r#"[Text("{\"type\":\"Point\",\"coordinates\":[1.0,2.0]}")]"#,
    ),
    (
        r#"{"method":"contains","attribute":"loc","values":[[1,2]]}"#,
        r#"ox_geo_covers(t."loc", ?1)"#,
        r#"[Text("[1.0,2.0]")]"#,
        r#"ST_Covers(ST_GeomFromGeoJSON(json_build_object('type', 'Point', 'coordinates', t."loc")::text), ST_GeomFromGeoJSON($1::text))"#,
        r#"[Text("{\"type\":\"Point\",\"coordinates\":[1.0,2.0]}")]"#,
    ),
    (
        r#"{"method":"distanceLessThan","attribute":"loc","values":[[[1,2],100,true]]}"#,
        r#"ox_geo_distance(t."loc", ?1, ?2) < ?3"#,
        r#"[Text("[1.0,2.0]"), Bool(true), Float(100.0)]"#,
        r#"ST_Distance((ST_GeomFromGeoJSON(json_build_object('type', 'Point', 'coordinates', t."loc")::text))::geography, (ST_GeomFromGeoJSON($1::text))::geography) < $2"#,
        r#"[Text("{\"type\":\"Point\",\"coordinates\":[1.0,2.0]}"), Float(100.0)]"#,
    ),
    (
        r#"{"method":"distanceEqual","attribute":"loc","values":[[[1,2],1.5,false]]}"#,
        r#"ox_geo_distance(t."loc", ?1, ?2) = ?3"#,
        r#"[Text("[1.0,2.0]"), Bool(false), Float(1.5)]"#,
        r#"ST_Distance(ST_GeomFromGeoJSON(json_build_object('type', 'Point', 'coordinates', t."loc")::text), ST_GeomFromGeoJSON($1::text)) = $2"#,
        r#"[Text("{\"type\":\"Point\",\"coordinates\":[1.0,2.0]}"), Float(1.5)]"#,
    ),
];

#[test]
fn filters_per_dialect() {
    for (filter, sqlite, sqlite_params, pg, pg_params) in FILTERS {
        let (sql, params) = cond(Dialect::Sqlite, filter);
        assert_eq!((sql.as_str(), format!("{params:?}").as_str()), (*sqlite, *sqlite_params), "{filter}");
        let (sql, params) = cond(Dialect::Postgres, filter);
        assert_eq!((sql.as_str(), format!("{params:?}").as_str()), (*pg, *pg_params), "{filter}");
    }
}
