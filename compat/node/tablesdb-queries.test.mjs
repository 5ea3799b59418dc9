// TablesDB row queries: every filter on typed columns (incl. arrays), and/or, select,
// ordering, limit/offset, cursor pagination, total, fulltext search and query errors.
// Behaviour references: /work/notes/tablesdb-behaviour.md §d, §h (utopia-php/database 6.0.0
// Validator/Query/*.php and Adapter/MariaDB.php semantics).

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TablesDB, ID, Permission, Role, Query, TablesDBIndexType } from 'node-appwrite';
import { setup, keyClient, expectError, plain } from './harness.mjs';
import { waitColumns, waitIndex, idsOf } from './tablesdb-helpers.mjs';

let env;
let tdb;
const databaseId = 'qdb';
const tableId = 'things';

const d = (month) => `2024-${String(month).padStart(2, '0')}-01T00:00:00.000+00:00`;

// Six rows with distinct values in every column; `note` is null on r2 and r4, `tags` is []
// on r4 (never null, so array filters are unambiguous).
const ROWS = [
  { $id: 'r1', title: 'Alpha', body: 'the quick brown fox', count: 1, score: 1.5, active: true, published: d(1), tags: ['red', 'blue'], category: 'news', note: 'n1' },
  { $id: 'r2', title: 'Bravo', body: 'lazy dog sleeps', count: 2, score: 2.5, active: false, published: d(2), tags: ['blue'], category: 'sports', note: null },
  { $id: 'r3', title: 'Charlie', body: 'quick thinking wins', count: 3, score: 3.5, active: true, published: d(3), tags: ['green'], category: 'news', note: 'n3' },
  { $id: 'r4', title: 'Delta', body: 'slow turtle crawls', count: 4, score: 4.5, active: false, published: d(4), tags: [], category: 'tech', note: null },
  { $id: 'r5', title: 'Echo', body: 'fox and hound', count: 5, score: 5.5, active: true, published: d(5), tags: ['red', 'green'], category: 'tech', note: 'n5' },
  { $id: 'r6', title: 'Foxtrot', body: 'nothing here', count: 6, score: 6.5, active: false, published: d(6), tags: ['yellow'], category: 'sports', note: 'n6' },
];

before(async () => {
  env = await setup({ projectId: 'tablesdb-queries' });
  tdb = new TablesDB(keyClient(env));
  await tdb.create({ databaseId, name: 'Queries' });
  await tdb.createTable({ databaseId, tableId, name: 'Things', permissions: [Permission.read(Role.any())] });
  await tdb.createVarcharColumn({ databaseId, tableId, key: 'title', size: 64, required: true });
  await tdb.createTextColumn({ databaseId, tableId, key: 'body', required: false });
  await tdb.createIntegerColumn({ databaseId, tableId, key: 'count', required: false });
  await tdb.createFloatColumn({ databaseId, tableId, key: 'score', required: false });
  await tdb.createBooleanColumn({ databaseId, tableId, key: 'active', required: false });
  await tdb.createDatetimeColumn({ databaseId, tableId, key: 'published', required: false });
  await tdb.createVarcharColumn({ databaseId, tableId, key: 'tags', size: 16, required: false, array: true });
  await tdb.createEnumColumn({ databaseId, tableId, key: 'category', elements: ['news', 'sports', 'tech'], required: false });
  await tdb.createVarcharColumn({ databaseId, tableId, key: 'note', size: 16, required: false });
  await waitColumns(tdb, databaseId, tableId, ['title', 'body', 'count', 'score', 'active', 'published', 'tags', 'category', 'note']);
  await tdb.createIndex({ databaseId, tableId, key: 'ft_body', type: TablesDBIndexType.Fulltext, columns: ['body'] });
  await waitIndex(tdb, databaseId, tableId, 'ft_body');
  for (const { $id, ...data } of ROWS) {
    await tdb.createRow({ databaseId, tableId, rowId: $id, data });
  }
});
after(async () => { await env?.stop(); });

async function list(queries, extra = {}) {
  return tdb.listRows({ databaseId, tableId, queries, ...extra });
}

/** Sorted ids of the rows matching `queries`. */
async function ids(...queries) {
  return idsOf((await list(queries)).rows);
}

describe('filters', () => {
  test('equal / notEqual on strings, integers, floats, booleans, enums and $id', async () => {
    assert.deepEqual(await ids(Query.equal('title', ['Alpha'])), ['r1']);
    assert.deepEqual(await ids(Query.equal('title', ['Alpha', 'Delta', 'Nobody'])), ['r1', 'r4']);
    assert.deepEqual(await ids(Query.equal('count', [2, 5])), ['r2', 'r5']);
    assert.deepEqual(await ids(Query.equal('score', [3.5])), ['r3']);
    assert.deepEqual(await ids(Query.equal('active', [true])), ['r1', 'r3', 'r5']);
    assert.deepEqual(await ids(Query.equal('category', ['sports'])), ['r2', 'r6']);
    assert.deepEqual(await ids(Query.equal('$id', ['r6', 'r1'])), ['r1', 'r6']);
    assert.deepEqual(await ids(Query.notEqual('count', 3)), ['r1', 'r2', 'r4', 'r5', 'r6']);
    assert.deepEqual(await ids(Query.notEqual('active', true)), ['r2', 'r4', 'r6']);
  });

  test('notEqual on a column holding nulls excludes the null rows (SQL semantics)', async () => {
    // MariaDB `note != 'n1'` is NULL for NULL notes, so r2/r4 are not returned.
    assert.deepEqual(await ids(Query.notEqual('note', 'n1')), ['r3', 'r5', 'r6']);
  });

  test('comparisons on integers, floats and datetimes', async () => {
    assert.deepEqual(await ids(Query.lessThan('count', 3)), ['r1', 'r2']);
    assert.deepEqual(await ids(Query.lessThanEqual('count', 3)), ['r1', 'r2', 'r3']);
    assert.deepEqual(await ids(Query.greaterThan('count', 4)), ['r5', 'r6']);
    assert.deepEqual(await ids(Query.greaterThanEqual('count', 4)), ['r4', 'r5', 'r6']);
    assert.deepEqual(await ids(Query.greaterThan('score', 4.9)), ['r5', 'r6']);
    assert.deepEqual(await ids(Query.lessThan('published', d(3))), ['r1', 'r2']);
    assert.deepEqual(await ids(Query.greaterThanEqual('published', d(5))), ['r5', 'r6']);
    assert.deepEqual(await ids(Query.lessThan('title', 'Charlie')), ['r1', 'r2']);
  });

  test('between / notBetween are inclusive', async () => {
    assert.deepEqual(await ids(Query.between('count', 2, 4)), ['r2', 'r3', 'r4']);
    assert.deepEqual(await ids(Query.notBetween('count', 2, 4)), ['r1', 'r5', 'r6']);
    assert.deepEqual(await ids(Query.between('score', 1.5, 2.5)), ['r1', 'r2']);
    assert.deepEqual(await ids(Query.between('published', d(2), d(4))), ['r2', 'r3', 'r4']);
  });

  test('startsWith / endsWith and their negations', async () => {
    assert.deepEqual(await ids(Query.startsWith('title', 'Ch')), ['r3']);
    assert.deepEqual(await ids(Query.endsWith('title', 'o')), ['r2', 'r5']);
    assert.deepEqual(await ids(Query.notStartsWith('title', 'Ch')), ['r1', 'r2', 'r4', 'r5', 'r6']);
    assert.deepEqual(await ids(Query.notEndsWith('title', 'o')), ['r1', 'r3', 'r4', 'r6']);
  });

  test('isNull / isNotNull', async () => {
    assert.deepEqual(await ids(Query.isNull('note')), ['r2', 'r4']);
    assert.deepEqual(await ids(Query.isNotNull('note')), ['r1', 'r3', 'r5', 'r6']);
  });

  test('contains / containsAny / containsAll / notContains on an array column', async () => {
    assert.deepEqual(await ids(Query.contains('tags', ['red'])), ['r1', 'r5']);
    assert.deepEqual(await ids(Query.contains('tags', ['green', 'yellow'])), ['r3', 'r5', 'r6']);
    assert.deepEqual(await ids(Query.containsAny('tags', ['blue', 'yellow'])), ['r1', 'r2', 'r6']);
    assert.deepEqual(await ids(Query.containsAll('tags', ['red', 'green'])), ['r5']);
    // NOT JSON_OVERLAPS: the empty array on r4 matches.
    assert.deepEqual(await ids(Query.notContains('tags', ['red', 'blue'])), ['r3', 'r4', 'r6']);
  });

  test('contains on a string column is a substring match', async () => {
    assert.deepEqual(await ids(Query.contains('title', 'lph')), ['r1']);
    assert.deepEqual(await ids(Query.notContains('title', 'r')), ['r1', 'r4', 'r5']);
  });

  test('regex', async () => {
    assert.deepEqual(await ids(Query.regex('title', '^(Al|Br)')), ['r1', 'r2']);
  });

  test('createdBefore / createdAfter / updatedBetween on the system timestamps', async () => {
    const future = '2999-01-01T00:00:00.000+00:00';
    const past = '2000-01-01T00:00:00.000+00:00';
    assert.equal((await ids(Query.createdBefore(future))).length, 6);
    assert.equal((await ids(Query.createdAfter(future))).length, 0);
    assert.equal((await ids(Query.updatedBetween(past, future))).length, 6);
  });

  test('and / or, also nested', async () => {
    assert.deepEqual(await ids(Query.or([Query.equal('count', [1]), Query.equal('category', ['tech'])])), ['r1', 'r4', 'r5']);
    assert.deepEqual(await ids(Query.and([Query.equal('active', [true]), Query.greaterThan('count', 1)])), ['r3', 'r5']);
    assert.deepEqual(await ids(
      Query.or([
        Query.and([Query.equal('category', ['news']), Query.equal('active', [true])]),
        Query.and([Query.equal('category', ['sports']), Query.greaterThan('score', 5)]),
      ]),
    ), ['r1', 'r3', 'r6']);
    // Several top-level filters are ANDed.
    assert.deepEqual(await ids(Query.equal('active', [false]), Query.lessThan('count', 5)), ['r2', 'r4']);
  });
});

describe('fulltext search', () => {
  test('search / notSearch need a fulltext index on exactly that column', async () => {
    assert.deepEqual(await ids(Query.search('body', 'quick')), ['r1', 'r3']);
    assert.deepEqual(await ids(Query.notSearch('body', 'quick')), ['r2', 'r4', 'r5', 'r6']);
    // utopia Validator/IndexedQueries.php (no "Invalid query:" prefix).
    await expectError(list([Query.search('title', 'Alpha')]), 400, 'general_query_invalid',
      'Searching by attribute "title" requires a fulltext index.');
  });
});

describe('select', () => {
  test('select returns the chosen columns plus the system fields', async () => {
    const res = await list([Query.select(['title']), Query.equal('$id', ['r1'])]);
    assert.equal(res.rows.length, 1);
    // The SQL projection always adds $id, $sequence, $permissions, $createdAt, $updatedAt
    // (utopia Adapter/SQL.php::getAttributeProjection); Appwrite adds $databaseId/$tableId.
    assert.deepEqual(Object.keys(res.rows[0]).sort(), [
      '$createdAt', '$databaseId', '$id', '$permissions', '$sequence', '$tableId', '$updatedAt', 'title',
    ].sort());
    assert.equal(res.rows[0].title, 'Alpha');
    assert.equal(res.rows[0].$tableId, tableId);
    assert.equal(res.rows[0].$databaseId, databaseId);
  });

  test('select several columns and * ; getRow accepts select too', async () => {
    const two = await list([Query.select(['title', 'count']), Query.equal('$id', ['r2'])]);
    assert.equal(two.rows[0].title, 'Bravo');
    assert.equal(two.rows[0].count, 2);
    assert.ok(!('score' in two.rows[0]));

    const all = await list([Query.select(['*']), Query.equal('$id', ['r2'])]);
    for (const key of ['title', 'body', 'count', 'score', 'active', 'published', 'tags', 'category', 'note']) {
      assert.ok(key in all.rows[0], `${key} selected by *`);
    }

    const row = await tdb.getRow({ databaseId, tableId, rowId: 'r3', queries: [Query.select(['score', '$id'])] });
    assert.equal(row.score, 3.5);
    assert.equal(row.$id, 'r3');
    assert.ok(!('title' in row));
    assert.equal(typeof row.$sequence, 'string');
  });
});

describe('ordering and paging', () => {
  test('orderAsc / orderDesc, several orders', async () => {
    assert.deepEqual((await list([Query.orderDesc('count')])).rows.map((r) => r.$id), ['r6', 'r5', 'r4', 'r3', 'r2', 'r1']);
    assert.deepEqual((await list([Query.orderAsc('score')])).rows.map((r) => r.$id), ['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    assert.deepEqual((await list([Query.orderDesc('title')])).rows.map((r) => r.$id), ['r6', 'r5', 'r4', 'r3', 'r2', 'r1']);
    assert.deepEqual((await list([Query.orderAsc('category'), Query.orderDesc('count')])).rows.map((r) => r.$id),
      ['r3', 'r1', 'r6', 'r2', 'r5', 'r4']);
    assert.deepEqual((await list([Query.orderDesc('published')])).rows[0].$id, 'r6');
    // Without an order the rows come in insertion ($sequence) order.
    assert.deepEqual((await list([])).rows.map((r) => r.$id), ['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
  });

  test('orderRandom returns every row', async () => {
    const res = await list([Query.orderRandom()]);
    assert.deepEqual(idsOf(res.rows), ['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
  });

  test('limit / offset; total ignores them', async () => {
    const page = await list([Query.orderAsc('count'), Query.limit(2), Query.offset(2)]);
    assert.deepEqual(page.rows.map((r) => r.$id), ['r3', 'r4']);
    assert.equal(page.total, 6);
    const filtered = await list([Query.greaterThan('count', 1), Query.limit(1)]);
    assert.equal(filtered.rows.length, 1);
    assert.equal(filtered.total, 5);
    const past = await list([Query.offset(10)]);
    assert.deepEqual(past.rows, []);
    assert.equal(past.total, 6);
  });

  test('total: false -> total 0', async () => {
    const res = await list([Query.limit(2)], { total: false });
    assert.equal(res.rows.length, 2);
    assert.equal(res.total, 0);
  });

  test('cursorAfter walks every page, cursorBefore goes back', async () => {
    const seen = [];
    let cursor;
    for (let i = 0; i < 10; i += 1) {
      const queries = [Query.orderAsc('count'), Query.limit(2)];
      if (cursor) queries.push(Query.cursorAfter(cursor));
      const page = await list(queries);
      assert.equal(page.total, 6, 'total ignores the cursor');
      if (page.rows.length === 0) break;
      seen.push(...page.rows.map((r) => r.$id));
      cursor = page.rows[page.rows.length - 1].$id;
    }
    assert.deepEqual(seen, ['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);

    const before = await list([Query.orderAsc('count'), Query.limit(2), Query.cursorBefore('r5')]);
    assert.deepEqual(before.rows.map((r) => r.$id), ['r3', 'r4']);
    const afterDesc = await list([Query.orderDesc('count'), Query.limit(2), Query.cursorAfter('r4')]);
    assert.deepEqual(afterDesc.rows.map((r) => r.$id), ['r3', 'r2']);
    // Default order ($sequence) with a cursor.
    const plainAfter = await list([Query.cursorAfter('r4')]);
    assert.deepEqual(plainAfter.rows.map((r) => r.$id), ['r5', 'r6']);
  });

  test('default page size is 25', async () => {
    const t = 'many';
    await tdb.createTable({ databaseId, tableId: t, name: 'Many' });
    await tdb.createIntegerColumn({ databaseId, tableId: t, key: 'i', required: true });
    await waitColumns(tdb, databaseId, t, ['i']);
    await tdb.createRows({ databaseId, tableId: t, rows: Array.from({ length: 30 }, (_, i) => ({ $id: `m${i}`, i })) });
    const res = await tdb.listRows({ databaseId, tableId: t });
    assert.equal(res.rows.length, 25);
    assert.equal(res.total, 30);
    const big = await tdb.listRows({ databaseId, tableId: t, queries: [Query.limit(100)] });
    assert.equal(big.rows.length, 30);
  });
});

describe('query errors', () => {
  test('unknown attributes in filters, orders and selects', async () => {
    await expectError(list([Query.equal('nope', ['x'])]), 400, 'general_query_invalid',
      'Invalid query: Attribute not found in schema: nope');
    await expectError(list([Query.orderAsc('nope')]), 400, 'general_query_invalid',
      'Invalid query: Attribute not found in schema: nope');
    await expectError(list([Query.select(['title', 'nope'])]), 400, 'general_query_invalid',
      'Invalid query: Attribute not found in schema: nope');
    await expectError(tdb.getRow({ databaseId, tableId, rowId: 'r1', queries: [Query.select(['nope'])] }),
      400, 'general_query_invalid', /Attribute not found in schema: nope/);
  });

  test('malformed queries', async () => {
    await expectError(list(['not json']), 400, 'general_query_invalid', /^Invalid query: /);
    await expectError(list([JSON.stringify({ method: 'frobnicate', attribute: 'title', values: ['x'] })]),
      400, 'general_query_invalid', 'Invalid query method: frobnicate');
    await expectError(list([Query.limit(0)]), 400, 'general_query_invalid', /^Invalid query: Invalid limit: /);
    await expectError(list([Query.offset(-1)]), 400, 'general_query_invalid', /^Invalid query: Invalid offset: /);
    await expectError(list([Query.between('count', 1)]), 400, 'general_query_invalid');
  });

  test('type mismatches', async () => {
    await expectError(list([Query.equal('count', ['many'])]), 400, 'general_query_invalid',
      'Invalid query: Query value is invalid for attribute "count"');
    await expectError(list([Query.equal('active', ['maybe'])]), 400, 'general_query_invalid',
      'Invalid query: Query value is invalid for attribute "active"');
    // Arrays only accept contains*/notContains/isNull/isNotNull (utopia Validator/Query/Filter.php).
    await expectError(list([Query.equal('tags', ['red'])]), 400, 'general_query_invalid',
      'Invalid query: Cannot query equal on attribute "tags" because it is an array.');
    await expectError(list([Query.contains('count', [1])]), 400, 'general_query_invalid',
      'Invalid query: Cannot query contains on attribute "count" because it is not an array, string, or object.');
  });

  test('a cursor row that does not exist -> 400 general_cursor_not_found', async () => {
    await expectError(list([Query.cursorAfter('nope')]), 400, 'general_cursor_not_found',
      "Row 'nope' for the 'cursor' value not found.");
    await expectError(list([Query.cursorBefore('nope')]), 400, 'general_cursor_not_found');
  });

  test('unknown table / database', async () => {
    await expectError(tdb.listRows({ databaseId, tableId: 'no-such-table' }), 404, 'table_not_found');
    await expectError(tdb.listRows({ databaseId: 'no-such-db', tableId }), 404, 'database_not_found');
  });

  test('the rows themselves were returned unchanged by all this', async () => {
    const r1 = await tdb.getRow({ databaseId, tableId, rowId: 'r1' });
    const { $id, ...expected } = ROWS[0];
    for (const [k, v] of Object.entries(expected)) assert.deepEqual(plain(r1[k]), v, k);
    assert.equal($id, r1.$id);
  });
});
