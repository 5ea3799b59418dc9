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

pub(crate) fn index(
    key: &str,
    index_type: IndexType,
    columns: &[&str],
    orders: &[Option<IndexOrder>],
) -> Index {
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
    let mut tags = column("tags", ColumnType::String);
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
            index(
                "k",
                IndexType::Key,
                &["score", "name"],
                &[Some(IndexOrder::Desc), None],
            ),
        ],
    }
}

fn q(s: &str) -> Query {
    parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// The condition one filter compiles to.
fn cond(d: Dialect, filter: &str) -> (String, Vec<Value>) {
    let mut w = Writer::new(d);
    let mut out = filter::conditions(&mut w, &shape(), &[q(filter)])
        .unwrap_or_else(|e| panic!("{filter}: {e}"));
    (out.remove(0), w.params)
}

fn cond_err(filter: &str) -> String {
    let shape = shape();
    let err = validate_filters(&shape, &[q(filter)]).unwrap_err().0;
    let mut w = Writer::new(Dialect::Postgres);
    assert_eq!(
        filter::conditions(&mut w, &shape, &[q(filter)])
            .unwrap_err()
            .0,
        err
    );
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
        assert_eq!(
            (sql.as_str(), format!("{params:?}").as_str()),
            (*sqlite, *sqlite_params),
            "{filter}"
        );
        let (sql, params) = cond(Dialect::Postgres, filter);
        assert_eq!(
            (sql.as_str(), format!("{params:?}").as_str()),
            (*pg, *pg_params),
            "{filter}"
        );
    }
}

#[test]
fn schema_errors() {
    let cases = [
        (
            r#"{"method":"equal","attribute":"nope","values":["a"]}"#,
            "Attribute not found in schema: nope",
        ),
        (
            r#"{"method":"equal","attribute":"$permissions","values":["a"]}"#,
            "Attribute not found in schema: $permissions",
        ),
        (
            r#"{"method":"or","values":[{"method":"isNull","attribute":"name"},{"method":"isNull","attribute":"x"}]}"#,
            "Attribute not found in schema: x",
        ),
        (
            r#"{"method":"exists","values":["name","nope"]}"#,
            "Attribute not found in schema: nope",
        ),
        (
            r#"{"method":"equal","attribute":"score","values":["1"]}"#,
            "Query value is invalid for attribute \"score\"",
        ),
        (
            r#"{"method":"equal","attribute":"score","values":[1.5]}"#,
            "Query value is invalid for attribute \"score\"",
        ),
        (
            r#"{"method":"equal","attribute":"name","values":[1]}"#,
            "Query value is invalid for attribute \"name\"",
        ),
        (
            r#"{"method":"equal","attribute":"flag","values":[1]}"#,
            "Query value is invalid for attribute \"flag\"",
        ),
        (
            r#"{"method":"equal","attribute":"ratio","values":["1.5"]}"#,
            "Query value is invalid for attribute \"ratio\"",
        ),
        (
            r#"{"method":"lessThan","attribute":"when","values":["soon"]}"#,
            "Query value is invalid for attribute \"when\"",
        ),
        (
            r#"{"method":"lessThan","attribute":"$createdAt","values":[5]}"#,
            "Query value is invalid for attribute \"$createdAt\"",
        ),
        (
            r#"{"method":"equal","attribute":"$sequence","values":["0"]}"#,
            "Query value is invalid for attribute \"$sequence\"",
        ),
        (
            r#"{"method":"equal","attribute":"$sequence","values":["x1"]}"#,
            "Query value is invalid for attribute \"$sequence\"",
        ),
        (
            r#"{"method":"equal","attribute":"$id","values":[1]}"#,
            "Query value is invalid for attribute \"$id\"",
        ),
        (
            r#"{"method":"equal","attribute":"small","values":[2147483648]}"#,
            "Query value is invalid for attribute \"small\"",
        ),
        (
            r#"{"method":"equal","attribute":"tags","values":["a"]}"#,
            "Cannot query equal on attribute \"tags\" because it is an array.",
        ),
        (
            r#"{"method":"startsWith","attribute":"tags","values":["a"]}"#,
            "Cannot query startsWith on attribute \"tags\" because it is an array.",
        ),
        (
            r#"{"method":"contains","attribute":"nums","values":["a"]}"#,
            "Query value is invalid for attribute \"nums\"",
        ),
        (
            r#"{"method":"containsAny","attribute":"score","values":[1]}"#,
            "Cannot query contains on attribute \"score\" because it is not an array, string, or object.",
        ),
        (
            r#"{"method":"notContains","attribute":"author","values":["x"]}"#,
            "Cannot query notContains on attribute \"author\" because it is not an array, string, or object.",
        ),
        (
            r#"{"method":"startsWith","attribute":"score","values":[1]}"#,
            "Cannot query startsWith on attribute \"score\" because it is not a string.",
        ),
        (
            r#"{"method":"equal","attribute":"books","values":["x"]}"#,
            "Cannot query on virtual relationship attribute",
        ),
        (
            r#"{"method":"equal","attribute":"secret","values":["x"]}"#,
            "Cannot query encrypted attribute: secret",
        ),
        (
            r#"{"method":"search","attribute":"secret","values":["x"]}"#,
            "Cannot query encrypted attribute: secret",
        ),
        (
            r#"{"method":"search","attribute":"author","values":["x"]}"#,
            "Searching by attribute \"author\" requires a fulltext index.",
        ),
        (
            r#"{"method":"intersects","attribute":"name","values":[[1,2]]}"#,
            "Spatial query \"intersects\" cannot be applied on non-spatial attribute: name",
        ),
        (
            r#"{"method":"equal","attribute":"loc","values":["POINT(1 2)"]}"#,
            "Spatial data must be an array",
        ),
        (
            r#"{"method":"intersects","attribute":"loc","values":[["a"]]}"#,
            "Query value is invalid for attribute \"loc\"",
        ),
        (
            r#"{"method":"lessThan","attribute":"loc","values":[[1,2]]}"#,
            "Unknown spatial query method: lessThan",
        ),
        (
            r#"{"method":"vectorDot","attribute":"name","values":[[1]]}"#,
            "Vector queries can only be used on vector attributes",
        ),
    ];
    for (filter, message) in cases {
        assert_eq!(cond_err(filter), message, "{filter}");
    }
    // Built by hand (core's parser refuses these shapes); still errors, not panics.
    let shape = shape();
    let raw = |method, attribute: Option<&str>, values: Vec<Json>| {
        Query::new(method, attribute.map(str::to_owned), values)
    };
    use oxwrite_types::query::Method;
    let cases = [
        (
            raw(Method::Between, Some("score"), vec![json!(1)]),
            "Between queries require exactly two values.",
        ),
        (
            raw(Method::LessThan, Some("score"), vec![]),
            "LessThan queries require exactly one value.",
        ),
        (
            raw(Method::Equal, Some("score"), vec![]),
            "Equal queries require at least one value.",
        ),
        (
            raw(Method::Exists, None, vec![]),
            "Exists queries require at least one value.",
        ),
        (
            raw(Method::Limit, None, vec![json!(1)]),
            "Invalid query method: limit",
        ),
        (
            raw(Method::ElemMatch, Some("tags"), vec![]),
            "elemMatch is not supported by the database",
        ),
        (
            raw(Method::DistanceLessThan, Some("loc"), vec![json!([[1, 2]])]),
            "Distance query requires [[geometry, distance]] parameters",
        ),
    ];
    for (query, message) in cases {
        assert_eq!(validate_filters(&shape, &[query]).unwrap_err().0, message);
    }
    // Without a fulltext index the search error waits for the other checks.
    let filters = [
        q(r#"{"method":"search","attribute":"author","values":["x"]}"#),
        q(r#"{"method":"equal","attribute":"nope","values":["a"]}"#),
    ];
    assert_eq!(
        validate_filters(&shape, &filters).unwrap_err().0,
        "Attribute not found in schema: nope"
    );
    // A multi-column fulltext index does not serve a search (Appwrite wants exactly [attr]).
    let mut wide = shape.clone();
    wide.indexes = vec![index("ft2", IndexType::Fulltext, &["author", "name"], &[])];
    let search = [q(
        r#"{"method":"search","attribute":"name","values":["x"]}"#,
    )];
    assert!(validate_filters(&wide, &search).is_err());
    assert!(validate_filters(&shape, &search).is_ok());
}

#[test]
fn fulltext_values() {
    use crate::filter::{fts5_query, search_words, tsquery};
    let words = |s: &str| search_words(s);
    assert_eq!(
        words("Hello, wörld!"),
        (vec!["hello".to_owned(), "wörld".to_owned()], false)
    );
    assert_eq!(
        words("\"a b\""),
        (vec!["a".to_owned(), "b".to_owned()], true)
    );
    assert_eq!(words("\""), (vec![], false));
    let (w, p) = words(r#"x" OR y* NEAR(z) -w ^v"#);
    assert_eq!(
        fts5_query(&w, p),
        r#""x" OR "or" OR "y" OR "near" OR "z" OR "w" OR "v"*"#
    );
    assert_eq!(
        tsquery(&w, p),
        "'x' | 'or' | 'y' | 'near' | 'z' | 'w' | 'v':*"
    );
    let (w, p) = words("\"quoted phrase\"");
    assert_eq!(fts5_query(&w, p), "\"quoted phrase\"");
    assert_eq!(tsquery(&w, p), "'quoted' <-> 'phrase'");
    // No words: search matches nothing, notSearch everything.
    assert_eq!(
        cond(
            Dialect::Sqlite,
            r#"{"method":"notSearch","attribute":"name","values":[" - "]}"#
        )
        .0,
        "1 = 1"
    );
}

#[test]
fn ddl() {
    let shape = shape();
    assert_eq!(
        create_table(Dialect::Sqlite, &shape),
        [
            r#"CREATE TABLE "r1" ("_seq" INTEGER PRIMARY KEY AUTOINCREMENT, "_id" TEXT NOT NULL UNIQUE, "_created_at" INTEGER NOT NULL, "_updated_at" INTEGER NOT NULL, "_permissions" TEXT NOT NULL DEFAULT '[]', "name" TEXT, "score" INTEGER, "ratio" REAL, "flag" INTEGER, "when" INTEGER, "tags" TEXT, "nums" TEXT, "loc" TEXT, "author" TEXT, "secret" TEXT, "small" INTEGER)"#,
            r#"CREATE INDEX "r1_created_at" ON "r1" ("_created_at")"#,
            r#"CREATE INDEX "r1_updated_at" ON "r1" ("_updated_at")"#,
            r#"CREATE TABLE "r1_perms" ("_type" TEXT NOT NULL, "_role" TEXT NOT NULL, "_row" INTEGER NOT NULL, PRIMARY KEY ("_role", "_type", "_row")) WITHOUT ROWID"#,
            r#"CREATE INDEX "r1_perms_row" ON "r1_perms" ("_row")"#,
            r#"CREATE VIRTUAL TABLE "r1_fts_ft" USING fts5("name", content='r1', content_rowid='_seq', tokenize='unicode61 remove_diacritics 0')"#,
            r#"CREATE TRIGGER "r1_fts_ft_ai" AFTER INSERT ON "r1" BEGIN INSERT INTO "r1_fts_ft" (rowid, "name") VALUES (new."_seq", new."name"); END"#,
            r#"CREATE TRIGGER "r1_fts_ft_ad" AFTER DELETE ON "r1" BEGIN INSERT INTO "r1_fts_ft" ("r1_fts_ft", rowid, "name") VALUES ('delete', old."_seq", old."name"); END"#,
            r#"CREATE TRIGGER "r1_fts_ft_au" AFTER UPDATE OF "name" ON "r1" BEGIN INSERT INTO "r1_fts_ft" ("r1_fts_ft", rowid, "name") VALUES ('delete', old."_seq", old."name"); INSERT INTO "r1_fts_ft" (rowid, "name") VALUES (new."_seq", new."name"); END"#,
            r#"INSERT INTO "r1_fts_ft" ("r1_fts_ft") VALUES ('rebuild')"#,
            r#"CREATE INDEX "r1_i_k" ON "r1" ("score" DESC, "name" ASC)"#,
        ]
    );
    assert_eq!(
        create_table(Dialect::Postgres, &shape),
        [
            r#"CREATE TABLE "r1" ("_seq" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "_id" text COLLATE "C" NOT NULL UNIQUE, "_created_at" bigint NOT NULL, "_updated_at" bigint NOT NULL, "_permissions" text NOT NULL DEFAULT '[]', "name" text COLLATE "C", "score" bigint, "ratio" double precision, "flag" boolean, "when" bigint, "tags" jsonb, "nums" jsonb, "loc" jsonb, "author" text COLLATE "C", "secret" text COLLATE "C", "small" bigint)"#,
            r#"CREATE INDEX "r1_created_at" ON "r1" ("_created_at")"#,
            r#"CREATE INDEX "r1_updated_at" ON "r1" ("_updated_at")"#,
            r#"CREATE TABLE "r1_perms" ("_type" text COLLATE "C" NOT NULL, "_role" text COLLATE "C" NOT NULL, "_row" bigint NOT NULL, PRIMARY KEY ("_role", "_type", "_row"))"#,
            r#"CREATE INDEX "r1_perms_row" ON "r1_perms" ("_row")"#,
            r#"CREATE INDEX "r1_fts_ft" ON "r1" USING GIN (to_tsvector('simple', coalesce("name"::text, '')))"#,
            r#"CREATE INDEX "r1_i_k" ON "r1" ("score" DESC NULLS LAST, "name" ASC NULLS FIRST)"#,
        ]
    );
    assert_eq!(
        drop_table(Dialect::Sqlite, &shape),
        [
            r#"DROP TABLE IF EXISTS "r1_fts_ft""#,
            r#"DROP TABLE IF EXISTS "r1_perms""#,
            r#"DROP TABLE IF EXISTS "r1""#,
        ]
    );
    assert_eq!(
        drop_table(Dialect::Postgres, &shape),
        [
            r#"DROP TABLE IF EXISTS "r1_perms""#,
            r#"DROP TABLE IF EXISTS "r1""#
        ]
    );
    assert_eq!(
        drop_column(Dialect::Sqlite, &shape, "name"),
        [
            r#"DROP TRIGGER IF EXISTS "r1_fts_ft_ai""#,
            r#"DROP TRIGGER IF EXISTS "r1_fts_ft_ad""#,
            r#"DROP TRIGGER IF EXISTS "r1_fts_ft_au""#,
            r#"DROP TABLE IF EXISTS "r1_fts_ft""#,
            r#"DROP INDEX IF EXISTS "r1_i_k""#,
            r#"ALTER TABLE "r1" DROP COLUMN "name""#,
        ]
    );
    assert_eq!(
        drop_column(Dialect::Postgres, &shape, "name"),
        [
            r#"DROP INDEX IF EXISTS "r1_fts_ft""#,
            r#"DROP INDEX IF EXISTS "r1_i_k""#,
            r#"ALTER TABLE "r1" DROP COLUMN "name""#,
        ]
    );
    assert_eq!(
        drop_column(Dialect::Sqlite, &shape, "ratio"),
        [r#"ALTER TABLE "r1" DROP COLUMN "ratio""#]
    );
    assert!(drop_column(Dialect::Sqlite, &shape, "books").is_empty());
    let tags = shape.column("tags").unwrap();
    assert_eq!(
        add_column(Dialect::Sqlite, &shape, tags),
        [r#"ALTER TABLE "r1" ADD COLUMN "tags" TEXT"#]
    );
    assert_eq!(
        add_column(Dialect::Postgres, &shape, tags),
        [r#"ALTER TABLE "r1" ADD COLUMN "tags" jsonb"#]
    );
    let name = shape.column("name").unwrap();
    assert_eq!(
        add_column(Dialect::Postgres, &shape, name),
        [r#"ALTER TABLE "r1" ADD COLUMN "name" text COLLATE "C""#]
    );
    assert!(add_column(Dialect::Sqlite, &shape, shape.column("books").unwrap()).is_empty());

    let unique = index(
        "u",
        IndexType::Unique,
        &["$id", "books", "when"],
        &[None, None, Some(IndexOrder::Desc)],
    );
    assert_eq!(
        create_index(Dialect::Sqlite, &shape, &unique),
        [r#"CREATE UNIQUE INDEX "r1_i_u" ON "r1" ("_id" ASC, "when" DESC)"#]
    );
    assert_eq!(
        create_index(Dialect::Postgres, &shape, &unique),
        [r#"CREATE UNIQUE INDEX "r1_i_u" ON "r1" ("_id" ASC NULLS FIRST, "when" DESC NULLS LAST)"#]
    );
    assert_eq!(
        drop_index(Dialect::Postgres, &shape, &unique),
        [r#"DROP INDEX IF EXISTS "r1_i_u""#]
    );
    let spatial = index("s", IndexType::Spatial, &["loc"], &[]);
    assert_eq!(
        create_index(Dialect::Sqlite, &shape, &spatial),
        [r#"CREATE INDEX "r1_i_s" ON "r1" ("loc" ASC)"#]
    );
    let multi = index("m", IndexType::Fulltext, &["name", "author"], &[]);
    assert_eq!(
        create_index(Dialect::Postgres, &shape, &multi),
        [
            r#"CREATE INDEX "r1_fts_m" ON "r1" USING GIN (to_tsvector('simple', coalesce("name"::text, '') || ' ' || coalesce("author"::text, '')))"#
        ]
    );
    assert_eq!(
        create_index(Dialect::Sqlite, &shape, &multi)[3],
        r#"CREATE TRIGGER "r1_fts_m_au" AFTER UPDATE OF "name", "author" ON "r1" BEGIN INSERT INTO "r1_fts_m" ("r1_fts_m", rowid, "name", "author") VALUES ('delete', old."_seq", old."name", old."author"); INSERT INTO "r1_fts_m" (rowid, "name", "author") VALUES (new."_seq", new."name", new."author"); END"#
    );
    assert!(
        create_index(
            Dialect::Sqlite,
            &shape,
            &index("v", IndexType::Key, &["books"], &[])
        )
        .is_empty()
    );
    // Identifiers are quoted whatever they hold.
    let mut odd = shape.clone();
    odd.columns = vec![column("we\"ird", ColumnType::String)];
    odd.indexes = Vec::new();
    assert!(create_table(Dialect::Sqlite, &odd)[0].ends_with(r#""we""ird" TEXT)"#));
}

fn row_write() -> RowWrite {
    RowWrite {
        id: "a".into(),
        created_at: 1,
        updated_at: 2,
        permissions: vec!["read(\"any\")".into()],
        values: vec![
            ("name".into(), Value::Text("x".into())),
            ("tags".into(), Value::Text("[]".into())),
            ("books".into(), Value::Null),
            ("nope".into(), Value::Int(1)),
        ],
    }
}

#[test]
fn rows() {
    let shape = shape();
    let keys = row_columns(&shape)
        .iter()
        .map(|c| c.key.as_str())
        .collect::<Vec<_>>();
    assert_eq!(
        keys,
        [
            "name", "score", "ratio", "flag", "when", "tags", "nums", "loc", "author", "secret",
            "small"
        ]
    );
    let row = row_write();
    let insert = insert_row(Dialect::Sqlite, &shape, &row);
    assert_eq!(
        insert.sql,
        r#"INSERT INTO "r1" ("_id", "_created_at", "_updated_at", "_permissions", "name", "tags") VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING "_seq""#
    );
    assert_eq!(
        insert.params,
        [
            Value::Text("a".into()),
            Value::Int(1),
            Value::Int(2),
            Value::Text(r#"["read(\"any\")"]"#.into()),
            Value::Text("x".into()),
            Value::Text("[]".into()),
        ]
    );
    let insert = insert_row(Dialect::Postgres, &shape, &row);
    assert_eq!(
        insert.sql,
        r#"INSERT INTO "r1" ("_id", "_created_at", "_updated_at", "_permissions", "name", "tags") VALUES ($1, $2, $3, $4, $5, $6::text::jsonb) RETURNING "_seq""#
    );
    let update = update_row(
        Dialect::Sqlite,
        &shape,
        7,
        3,
        Some(&["x".to_owned()]),
        &row.values,
    );
    assert_eq!(
        update.sql,
        r#"UPDATE "r1" SET "_updated_at" = ?1, "_permissions" = ?2, "name" = ?3, "tags" = ?4 WHERE "_seq" = ?5"#
    );
    assert_eq!(
        update.params,
        [
            Value::Int(3),
            Value::Text(r#"["x"]"#.into()),
            Value::Text("x".into()),
            Value::Text("[]".into()),
            Value::Int(7)
        ]
    );
    let update = update_row(
        Dialect::Postgres,
        &shape,
        7,
        3,
        None,
        &[("nums".into(), Value::Null)],
    );
    assert_eq!(
        update.sql,
        r#"UPDATE "r1" SET "_updated_at" = $1, "nums" = $2::text::jsonb WHERE "_seq" = $3"#
    );
    assert_eq!(update.params, [Value::Int(3), Value::Null, Value::Int(7)]);
    let delete = delete_row(Dialect::Postgres, &shape, 7);
    assert_eq!(
        (delete.sql.as_str(), delete.params),
        (r#"DELETE FROM "r1" WHERE "_seq" = $1"#, vec![Value::Int(7)])
    );
    let delete = delete_perms(Dialect::Sqlite, &shape, 7);
    assert_eq!(
        (delete.sql.as_str(), delete.params),
        (
            r#"DELETE FROM "r1_perms" WHERE "_row" = ?1"#,
            vec![Value::Int(7)]
        )
    );
    let entries = [
        ("read".to_owned(), "any".to_owned()),
        ("update".to_owned(), "user:1".to_owned()),
        ("read".to_owned(), "any".to_owned()),
    ];
    let perms = insert_perms(Dialect::Postgres, &shape, 7, &entries).unwrap();
    assert_eq!(
        perms.sql,
        r#"INSERT INTO "r1_perms" ("_type", "_role", "_row") VALUES ($2, $3, $1), ($4, $5, $1) ON CONFLICT DO NOTHING"#
    );
    assert_eq!(
        perms.params,
        [
            Value::Int(7),
            Value::Text("read".into()),
            Value::Text("any".into()),
            Value::Text("update".into()),
            Value::Text("user:1".into())
        ]
    );
    assert_eq!(insert_perms(Dialect::Sqlite, &shape, 7, &[]), None);
    let by_id = select_by_id(Dialect::Postgres, &shape, "abc");
    assert_eq!(
        by_id.sql,
        r#"SELECT t."_seq", t."_id", t."_created_at", t."_updated_at", t."_permissions", t."name", t."score", t."ratio", t."flag", t."when", t."tags"::text AS "tags", t."nums"::text AS "nums", t."loc"::text AS "loc", t."author", t."secret", t."small" FROM "r1" AS t WHERE t."_id" = $1"#
    );
    assert_eq!(by_id.params, [Value::Text("abc".into())]);
    assert!(
        select_by_id(Dialect::Sqlite, &shape, "abc")
            .sql
            .contains(r#"t."tags", t."nums""#)
    );
}

const SQLITE_COLUMNS: &str = r#"t."_seq", t."_id", t."_created_at", t."_updated_at", t."_permissions", t."name", t."score", t."ratio", t."flag", t."when", t."tags", t."nums", t."loc", t."author", t."secret", t."small""#;
const PG_COLUMNS: &str = r#"t."_seq", t."_id", t."_created_at", t."_updated_at", t."_permissions", t."name", t."score", t."ratio", t."flag", t."when", t."tags"::text AS "tags", t."nums"::text AS "nums", t."loc"::text AS "loc", t."author", t."secret", t."small""#;

fn list<'a>(filters: &'a [Query], orders: &'a [(String, Order)]) -> List<'a> {
    List {
        filters,
        orders,
        random: false,
        limit: 25,
        offset: 0,
        cursor: None,
        read_roles: None,
    }
}

#[test]
fn orders() {
    let shape = shape();
    let plain = select(Dialect::Sqlite, &shape, &list(&[], &[])).unwrap();
    assert_eq!(
        plain.sql,
        format!(
            r#"SELECT {SQLITE_COLUMNS} FROM "r1" AS t ORDER BY t."_seq" ASC LIMIT ?1 OFFSET ?2"#
        )
    );
    assert_eq!(plain.params, [Value::Int(25), Value::Int(0)]);
    let orders = [
        ("score".to_owned(), Order::Desc),
        ("$createdAt".to_owned(), Order::Asc),
    ];
    let page = List {
        limit: u64::MAX,
        offset: 3,
        ..list(&[], &orders)
    };
    let sqlite = select(Dialect::Sqlite, &shape, &page).unwrap();
    assert_eq!(
        sqlite.sql,
        format!(
            r#"SELECT {SQLITE_COLUMNS} FROM "r1" AS t ORDER BY t."score" DESC, t."_created_at" ASC, t."_seq" ASC LIMIT ?1 OFFSET ?2"#
        )
    );
    assert_eq!(sqlite.params, [Value::Int(i64::MAX), Value::Int(3)]);
    let pg = select(Dialect::Postgres, &shape, &page).unwrap();
    assert_eq!(
        pg.sql,
        format!(
            r#"SELECT {PG_COLUMNS} FROM "r1" AS t ORDER BY t."score" DESC NULLS LAST, t."_created_at" ASC, t."_seq" ASC LIMIT $1 OFFSET $2"#
        )
    );
    // A unique order needs no tie-breaker.
    let by_id = [("$id".to_owned(), Order::Desc)];
    assert!(
        select(Dialect::Sqlite, &shape, &list(&[], &by_id))
            .unwrap()
            .sql
            .ends_with(r#"ORDER BY t."_id" DESC LIMIT ?1 OFFSET ?2"#)
    );
    let by_seq = [("$sequence".to_owned(), Order::Desc)];
    assert!(
        select(Dialect::Postgres, &shape, &list(&[], &by_seq))
            .unwrap()
            .sql
            .ends_with(r#"ORDER BY t."_seq" DESC LIMIT $1 OFFSET $2"#)
    );
    // Random.
    let random = List {
        random: true,
        ..list(&[], &orders)
    };
    assert!(
        select(Dialect::Sqlite, &shape, &random)
            .unwrap()
            .sql
            .ends_with(
                r#"ORDER BY t."score" DESC, t."_created_at" ASC, random() LIMIT ?1 OFFSET ?2"#
            )
    );
    let random = List {
        random: true,
        ..list(&[], &[])
    };
    assert!(
        select(Dialect::Postgres, &shape, &random)
            .unwrap()
            .sql
            .ends_with("ORDER BY random() LIMIT $1 OFFSET $2")
    );
    let random = List {
        cursor: Some(Cursor {
            direction: CursorDirection::After,
            anchor: vec![Value::Int(1)],
        }),
        ..random
    };
    assert_eq!(
        select(Dialect::Sqlite, &shape, &random).unwrap_err().0,
        "Cursor pagination is not supported with random order"
    );
    // Refused orders.
    for (attribute, message) in [
        ("nope", "Attribute not found in schema: nope"),
        ("tags", "Cannot order by array attribute: tags"),
        ("loc", "Cannot order by spatial attribute: loc"),
        (
            "books",
            "Cannot order by virtual relationship attribute: books",
        ),
        (
            "$permissions",
            "Attribute not found in schema: $permissions",
        ),
    ] {
        let orders = [(attribute.to_owned(), Order::Asc)];
        assert_eq!(
            select(Dialect::Sqlite, &shape, &list(&[], &orders))
                .unwrap_err()
                .0,
            message
        );
        assert_eq!(
            cursor_anchor(Dialect::Sqlite, &shape, &orders, "x")
                .unwrap_err()
                .0,
            message
        );
        assert_eq!(validate_orders(&shape, &orders).unwrap_err().0, message);
    }
    assert_eq!(
        validate_orders(&shape, &[("$updatedAt".to_owned(), Order::Desc)]),
        Ok(())
    );
    // Filter errors surface from select and count alike.
    let bad = [q(r#"{"method":"equal","attribute":"nope","values":["a"]}"#)];
    assert_eq!(
        select(Dialect::Sqlite, &shape, &list(&bad, &[]))
            .unwrap_err()
            .0,
        "Attribute not found in schema: nope"
    );
    assert_eq!(
        count(Dialect::Sqlite, &shape, &bad, None, 10)
            .unwrap_err()
            .0,
        "Attribute not found in schema: nope"
    );
}

#[test]
fn permissions_and_count() {
    let shape = shape();
    let filters = [q(r#"{"method":"equal","attribute":"name","values":["a"]}"#)];
    let roles = ["any".to_owned(), "users".to_owned()];
    let page = List {
        read_roles: Some(&roles),
        ..list(&filters, &[])
    };
    let sqlite = select(Dialect::Sqlite, &shape, &page).unwrap();
    assert_eq!(
        sqlite.sql,
        format!(
            r#"SELECT {SQLITE_COLUMNS} FROM "r1" AS t WHERE t."name" = ?1 AND t."_seq" IN (SELECT "_row" FROM "r1_perms" WHERE "_type" = 'read' AND "_role" IN (?2, ?3)) ORDER BY t."_seq" ASC LIMIT ?4 OFFSET ?5"#
        )
    );
    assert_eq!(
        sqlite.params,
        [
            Value::Text("a".into()),
            Value::Text("any".into()),
            Value::Text("users".into()),
            Value::Int(25),
            Value::Int(0)
        ]
    );
    let none: [String; 0] = [];
    let nobody = List {
        read_roles: Some(&none),
        ..list(&[], &[])
    };
    assert!(
        select(Dialect::Sqlite, &shape, &nobody)
            .unwrap()
            .sql
            .contains("WHERE 1 = 0 ORDER BY")
    );

    let sqlite = count(Dialect::Sqlite, &shape, &filters, Some(&roles), 5000).unwrap();
    assert_eq!(
        sqlite.sql,
        r#"SELECT COUNT(*) FROM (SELECT 1 FROM "r1" AS t WHERE t."name" = ?1 AND t."_seq" IN (SELECT "_row" FROM "r1_perms" WHERE "_type" = 'read' AND "_role" IN (?2, ?3)) LIMIT ?4) AS c"#
    );
    assert_eq!(
        sqlite.params,
        [
            Value::Text("a".into()),
            Value::Text("any".into()),
            Value::Text("users".into()),
            Value::Int(5000)
        ]
    );
    let pg = count(Dialect::Postgres, &shape, &[], None, 5000).unwrap();
    assert_eq!(
        pg.sql,
        r#"SELECT COUNT(*) FROM (SELECT 1 FROM "r1" AS t LIMIT $1) AS c"#
    );
    assert_eq!(pg.params, [Value::Int(5000)]);
}

#[test]
fn cursors() {
    let shape = shape();
    let orders = [
        ("name".to_owned(), Order::Asc),
        ("score".to_owned(), Order::Desc),
    ];
    let anchor = cursor_anchor(Dialect::Postgres, &shape, &orders, "abc").unwrap();
    assert_eq!(
        anchor.sql,
        r#"SELECT t."name", t."score", t."_seq" FROM "r1" AS t WHERE t."_id" = $1"#
    );
    assert_eq!(anchor.params, [Value::Text("abc".into())]);
    let anchor = cursor_anchor(Dialect::Sqlite, &shape, &[], "abc").unwrap();
    assert_eq!(
        anchor.sql,
        r#"SELECT t."_seq" FROM "r1" AS t WHERE t."_id" = ?1"#
    );

    let after = |anchor: Vec<Value>| List {
        cursor: Some(Cursor {
            direction: CursorDirection::After,
            anchor,
        }),
        ..list(&[], &orders)
    };
    let before = |anchor: Vec<Value>| List {
        cursor: Some(Cursor {
            direction: CursorDirection::Before,
            anchor,
        }),
        ..list(&[], &orders)
    };
    let tail = |d: Dialect, list: &List| {
        let statement = select(d, &shape, list).unwrap();
        let at = statement.sql.find(" WHERE ").unwrap();
        (statement.sql[at..].to_owned(), statement.params)
    };
    // After, no NULLs.
    let (sql, params) = tail(
        Dialect::Sqlite,
        &after(vec![Value::Text("n".into()), Value::Int(3), Value::Int(9)]),
    );
    assert_eq!(
        sql,
        r#" WHERE (t."name" > ?1 OR (t."name" = ?1 AND (t."score" < ?2 OR t."score" IS NULL)) OR (t."name" = ?1 AND t."score" = ?2 AND t."_seq" > ?3)) ORDER BY t."name" ASC, t."score" DESC, t."_seq" ASC LIMIT ?4 OFFSET ?5"#
    );
    assert_eq!(
        params,
        [
            Value::Text("n".into()),
            Value::Int(3),
            Value::Int(9),
            Value::Int(25),
            Value::Int(0)
        ]
    );
    // After, NULL anchor on an ascending key: every non-NULL comes after it.
    let (sql, params) = tail(
        Dialect::Postgres,
        &after(vec![Value::Null, Value::Int(3), Value::Int(9)]),
    );
    assert_eq!(
        sql,
        r#" WHERE (t."name" IS NOT NULL OR (t."name" IS NULL AND (t."score" < $1 OR t."score" IS NULL)) OR (t."name" IS NULL AND t."score" = $1 AND t."_seq" > $2)) ORDER BY t."name" ASC NULLS FIRST, t."score" DESC NULLS LAST, t."_seq" ASC LIMIT $3 OFFSET $4"#
    );
    assert_eq!(
        params,
        [Value::Int(3), Value::Int(9), Value::Int(25), Value::Int(0)]
    );
    // After, NULL anchor on a descending key: nothing comes after it on that key.
    let (sql, _) = tail(
        Dialect::Sqlite,
        &after(vec![Value::Text("n".into()), Value::Null, Value::Int(9)]),
    );
    assert_eq!(
        sql,
        r#" WHERE (t."name" > ?1 OR (t."name" = ?1 AND t."score" IS NULL AND t."_seq" > ?2)) ORDER BY t."name" ASC, t."score" DESC, t."_seq" ASC LIMIT ?3 OFFSET ?4"#
    );
    // Before: every direction reversed.
    let (sql, params) = tail(
        Dialect::Sqlite,
        &before(vec![Value::Text("n".into()), Value::Null, Value::Int(9)]),
    );
    assert_eq!(
        sql,
        r#" WHERE ((t."name" < ?1 OR t."name" IS NULL) OR (t."name" = ?1 AND t."score" IS NOT NULL) OR (t."name" = ?1 AND t."score" IS NULL AND t."_seq" < ?2)) ORDER BY t."name" DESC, t."score" ASC, t."_seq" DESC LIMIT ?3 OFFSET ?4"#
    );
    assert_eq!(
        params,
        [
            Value::Text("n".into()),
            Value::Int(9),
            Value::Int(25),
            Value::Int(0)
        ]
    );
    let (sql, _) = tail(
        Dialect::Postgres,
        &before(vec![Value::Null, Value::Int(3), Value::Int(9)]),
    );
    assert_eq!(
        sql,
        r#" WHERE ((t."name" IS NULL AND t."score" > $1) OR (t."name" IS NULL AND t."score" = $1 AND t."_seq" < $2)) ORDER BY t."name" DESC NULLS LAST, t."score" ASC NULLS FIRST, t."_seq" DESC LIMIT $3 OFFSET $4"#
    );
    // The default order: a plain keyset on _seq, both ways.
    let seq_after = List {
        cursor: Some(Cursor {
            direction: CursorDirection::After,
            anchor: vec![Value::Int(5)],
        }),
        ..list(&[], &[])
    };
    assert!(
        select(Dialect::Sqlite, &shape, &seq_after)
            .unwrap()
            .sql
            .ends_with(r#"WHERE t."_seq" > ?1 ORDER BY t."_seq" ASC LIMIT ?2 OFFSET ?3"#)
    );
    let seq_before = List {
        cursor: Some(Cursor {
            direction: CursorDirection::Before,
            anchor: vec![Value::Int(5)],
        }),
        ..list(&[], &[])
    };
    assert!(
        select(Dialect::Postgres, &shape, &seq_before)
            .unwrap()
            .sql
            .ends_with(r#"WHERE t."_seq" < $1 ORDER BY t."_seq" DESC LIMIT $2 OFFSET $3"#)
    );
    // The anchor must match the order keys.
    assert_eq!(
        select(Dialect::Sqlite, &shape, &after(vec![Value::Int(1)]))
            .unwrap_err()
            .0,
        "Invalid cursor"
    );
}

#[test]
fn rename_column_rebuilds_fulltext() {
    let shape = shape();
    let sqlite = rename_column(Dialect::Sqlite, &shape, "name", "title");
    assert_eq!(
        &sqlite[..5],
        [
            r#"DROP TRIGGER IF EXISTS "r1_fts_ft_ai""#,
            r#"DROP TRIGGER IF EXISTS "r1_fts_ft_ad""#,
            r#"DROP TRIGGER IF EXISTS "r1_fts_ft_au""#,
            r#"DROP TABLE IF EXISTS "r1_fts_ft""#,
            r#"ALTER TABLE "r1" RENAME COLUMN "name" TO "title""#,
        ]
    );
    assert_eq!(
        sqlite[5],
        r#"CREATE VIRTUAL TABLE "r1_fts_ft" USING fts5("title", content='r1', content_rowid='_seq', tokenize='unicode61 remove_diacritics 0')"#
    );
    assert_eq!(sqlite.len(), 10);
    assert_eq!(
        rename_column(Dialect::Postgres, &shape, "name", "title"),
        [
            r#"DROP INDEX IF EXISTS "r1_fts_ft""#,
            r#"ALTER TABLE "r1" RENAME COLUMN "name" TO "title""#,
            r#"CREATE INDEX "r1_fts_ft" ON "r1" USING GIN (to_tsvector('simple', coalesce("title"::text, '')))"#,
        ]
    );
    assert_eq!(
        rename_column(Dialect::Sqlite, &shape, "score", "points"),
        [r#"ALTER TABLE "r1" RENAME COLUMN "score" TO "points""#]
    );
    assert!(rename_column(Dialect::Sqlite, &shape, "books", "x").is_empty());
}
