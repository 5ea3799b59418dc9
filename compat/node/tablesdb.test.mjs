// TablesDB basics with an API key: databases, tables, column kinds and their models,
// column/index validation, row CRUD and row validation errors.
// Behaviour references: /work/notes/tablesdb-behaviour.md (Appwrite 1.9.x source).

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TablesDB, ID, Permission, Role, Query, TablesDBIndexType, OrderBy } from 'node-appwrite';
import { setup, keyClient, expectError, raw, plain } from './harness.mjs';
import {
  waitColumn, waitColumns, waitIndex, waitGone, assertCreatedStatus, sorted, DATETIME_RE,
} from './tablesdb-helpers.mjs';

let env;
let tdb;
let databaseId;

before(async () => {
  env = await setup({ projectId: 'tablesdb-suite' });
  tdb = new TablesDB(keyClient(env));
  databaseId = (await tdb.create({ databaseId: 'main', name: 'Main' })).$id;
});
after(async () => { await env?.stop(); });

async function newTable(name, extra = {}) {
  return tdb.createTable({ databaseId, tableId: ID.unique(), name, ...extra });
}

describe('databases', () => {
  test('create / get / list / update / delete', async () => {
    const db = await tdb.create({ databaseId: 'crud-db', name: 'Crud' });
    assert.equal(db.$id, 'crud-db');
    assert.equal(db.name, 'Crud');
    assert.equal(db.enabled, true);
    // Databases created through /tablesdb have type "tablesdb" (H/Databases/Create.php).
    assert.equal(db.type, 'tablesdb');
    assert.match(db.$createdAt, DATETIME_RE);
    assert.match(db.$updatedAt, DATETIME_RE);

    const got = await tdb.get({ databaseId: 'crud-db' });
    assert.equal(got.name, 'Crud');

    const list = await tdb.list();
    assert.ok(list.total >= 2);
    assert.ok(list.databases.some((d) => d.$id === 'crud-db'));
    const filtered = await tdb.list({ queries: [Query.equal('name', ['Crud'])] });
    assert.deepEqual(filtered.databases.map((d) => d.$id), ['crud-db']);
    assert.equal(filtered.total, 1);

    const renamed = await tdb.update({ databaseId: 'crud-db', name: 'Renamed' });
    assert.equal(renamed.name, 'Renamed');
    assert.equal(renamed.enabled, true);

    await tdb.delete({ databaseId: 'crud-db' });
    await expectError(tdb.get({ databaseId: 'crud-db' }), 404, 'database_not_found',
      "Database with the requested ID 'crud-db' could not be found.");
  });

  test('duplicate database id -> 409 database_already_exists', async () => {
    await expectError(tdb.create({ databaseId, name: 'again' }), 409, 'database_already_exists',
      `Database with the requested ID '${databaseId}' already exists. Try again with a different ID or use ID.unique() to generate a unique ID.`);
  });

  test('list queries on an unknown attribute are refused', async () => {
    // Only `name` is queryable on databases (Validator/Queries/Databases.php). That validator
    // is the `queries` param validator, so the error is a param error, unlike row queries.
    await expectError(tdb.list({ queries: [Query.equal('nope', ['x'])] }), 400, 'general_argument_invalid',
      /^Invalid `queries` param: Invalid query: Attribute not found in schema: nope/);
    await expectError(tdb.listTables({ databaseId, queries: [Query.equal('nope', ['x'])] }), 400, 'general_argument_invalid',
      /^Invalid `queries` param: /);
  });
});

describe('tables', () => {
  test('create / get / list / update / delete with the table model', async () => {
    const perms = [Permission.read(Role.any()), Permission.create(Role.users())];
    const table = await tdb.createTable({ databaseId, tableId: 'articles', name: 'Articles', permissions: perms, rowSecurity: true });
    assert.equal(table.$id, 'articles');
    assert.equal(table.databaseId, databaseId);
    assert.equal(table.name, 'Articles');
    assert.equal(table.enabled, true);
    assert.equal(table.rowSecurity, true);
    assert.deepEqual(sorted(table.$permissions), sorted(perms));
    assert.deepEqual(plain(table.columns), []);
    assert.deepEqual(plain(table.indexes), []);
    // Row-width bookkeeping (Databases/Collections/Action.php::addRowBytesInfo).
    assert.equal(typeof table.bytesMax, 'number');
    assert.equal(typeof table.bytesUsed, 'number');
    assert.match(table.$createdAt, DATETIME_RE);

    const got = await tdb.getTable({ databaseId, tableId: 'articles' });
    assert.equal(got.name, 'Articles');
    assert.equal(got.rowSecurity, true);

    const list = await tdb.listTables({ databaseId });
    assert.ok(list.tables.some((t) => t.$id === 'articles'));
    assert.ok(list.total >= 1);
    const byName = await tdb.listTables({ databaseId, queries: [Query.equal('name', ['Articles'])] });
    assert.deepEqual(byName.tables.map((t) => t.$id), ['articles']);

    const updated = await tdb.updateTable({ databaseId, tableId: 'articles', name: 'Posts', rowSecurity: true });
    assert.equal(updated.name, 'Posts');
    assert.equal(updated.rowSecurity, true);
    // permissions omitted -> kept.
    assert.deepEqual(sorted(updated.$permissions), sorted(perms));

    await tdb.deleteTable({ databaseId, tableId: 'articles' });
    await expectError(tdb.getTable({ databaseId, tableId: 'articles' }), 404, 'table_not_found',
      "Table with the requested ID 'articles' could not be found.");
  });

  test('updateTable resets rowSecurity and enabled when they are omitted', async () => {
    // rowSecurity defaults to false and enabled to true (H/TablesDB/Tables/Update.php params).
    const t = await newTable('Reset', { rowSecurity: true, enabled: false });
    assert.equal(t.rowSecurity, true);
    assert.equal(t.enabled, false);
    const reset = await tdb.updateTable({ databaseId, tableId: t.$id, name: 'Reset 2' });
    assert.equal(reset.rowSecurity, false);
    assert.equal(reset.enabled, true);
  });

  test('write() in table permissions expands to create, update and delete', async () => {
    const table = await newTable('Write alias', { permissions: [Permission.write(Role.users())] });
    assert.deepEqual(sorted(table.$permissions), sorted([
      Permission.create(Role.users()), Permission.update(Role.users()), Permission.delete(Role.users()),
    ]));
  });

  test('duplicate table id -> 409 table_already_exists; unknown database -> 404', async () => {
    await tdb.createTable({ databaseId, tableId: 'dup-table', name: 'Dup' });
    await expectError(tdb.createTable({ databaseId, tableId: 'dup-table', name: 'Dup' }), 409, 'table_already_exists',
      "A table with the requested ID 'dup-table' already exists. Try again with a different ID or use ID.unique() to generate a unique ID.");
    await expectError(tdb.createTable({ databaseId: 'no-such-db', tableId: ID.unique(), name: 'x' }), 404, 'database_not_found');
  });

  test('columns and indexes passed at creation are available immediately', async () => {
    const table = await tdb.createTable({
      databaseId,
      tableId: ID.unique(),
      name: 'Inline',
      // Inline definitions use type "string" and index "attributes" (Validator/Attributes.php, Indexes.php).
      columns: [
        { key: 'title', type: 'string', size: 64, required: true },
        { key: 'n', type: 'integer', required: false },
      ],
      indexes: [{ key: 'by_title', type: 'key', attributes: ['title'] }],
    });
    const keys = table.columns.map((c) => c.key).sort();
    assert.deepEqual(keys, ['n', 'title']);
    for (const c of table.columns) assert.equal(c.status, 'available');
    assert.equal(table.indexes.length, 1);
    assert.equal(table.indexes[0].key, 'by_title');
    assert.deepEqual(plain(table.indexes[0].columns), ['title']);

    const row = await tdb.createRow({ databaseId, tableId: table.$id, rowId: ID.unique(), data: { title: 'inline', n: 3 } });
    assert.equal(row.title, 'inline');
    assert.equal(row.n, 3);
  });
});

describe('columns', () => {
  let tableId;
  before(async () => {
    tableId = (await newTable('Kinds')).$id;
  });

  test('column create answers 202', async () => {
    const res = await raw(env, `/tablesdb/${databaseId}/tables/${tableId}/columns/boolean`, {
      method: 'POST',
      headers: { 'X-Appwrite-Key': env.adminKey },
      body: { key: 'rawflag', required: false },
    });
    assert.equal(res.status, 202);
    assert.equal(res.json.key, 'rawflag');
    assert.equal(res.json.type, 'boolean');
    assert.ok(['processing', 'available'].includes(res.json.status));
  });

  test('varchar column model', async () => {
    const col = await tdb.createVarcharColumn({ databaseId, tableId, key: 'title', size: 64, required: true });
    assertCreatedStatus(col);
    assert.equal(col.key, 'title');
    assert.equal(col.type, 'varchar');
    assert.equal(col.size, 64);
    assert.equal(col.required, true);
    assert.equal(col.array, false);
    assert.equal(col.default, null);
    assert.equal(col.encrypt, false);
    assert.equal(col.error, '');
    assert.match(col.$createdAt, DATETIME_RE);
    const ready = await waitColumn(tdb, databaseId, tableId, 'title');
    assert.equal(ready.type, 'varchar');
    assert.equal(ready.size, 64);
  });

  test('text / mediumtext / longtext column models have no size', async () => {
    for (const [method, type] of [['createTextColumn', 'text'], ['createMediumtextColumn', 'mediumtext'], ['createLongtextColumn', 'longtext']]) {
      const key = `${type}col`;
      const col = await tdb[method]({ databaseId, tableId, key, required: false, xdefault: 'hello' });
      assert.equal(col.type, type);
      assert.equal(col.default, 'hello');
      assert.equal(col.encrypt, false);
      assert.ok(!('size' in col), `${type} has no size field`);
      await waitColumn(tdb, databaseId, tableId, key);
    }
  });

  test('integer column without bounds reports int64 min/max', async () => {
    const col = await tdb.createIntegerColumn({ databaseId, tableId, key: 'bigcount', required: false });
    assert.equal(col.type, 'integer');
    // PHP_INT_MIN / PHP_INT_MAX (Attributes/Integer/Create.php); node-appwrite's json-bigint
    // reviver returns integers outside the safe range as BigInt.
    assert.equal(col.min, -9223372036854775808n);
    assert.equal(col.max, 9223372036854775807n);
    assert.equal(col.default, null);
    assert.ok(!('size' in col), 'integer model has no size');
    await waitColumn(tdb, databaseId, tableId, 'bigcount');
  });

  test('integer / float / boolean / datetime column models', async () => {
    const int = await tdb.createIntegerColumn({ databaseId, tableId, key: 'count', required: false, min: 0, max: 100, xdefault: 5 });
    assert.equal(int.type, 'integer');
    assert.equal(int.min, 0);
    assert.equal(int.max, 100);
    assert.equal(int.default, 5);

    const dbl = await tdb.createFloatColumn({ databaseId, tableId, key: 'ratio', required: false, min: 0.5, max: 9.5, xdefault: 1.5 });
    assert.equal(dbl.type, 'double');
    assert.equal(dbl.min, 0.5);
    assert.equal(dbl.max, 9.5);
    assert.equal(dbl.default, 1.5);

    const bool = await tdb.createBooleanColumn({ databaseId, tableId, key: 'flag', required: false, xdefault: false });
    assert.equal(bool.type, 'boolean');
    assert.equal(bool.default, false);

    const dt = await tdb.createDatetimeColumn({ databaseId, tableId, key: 'when', required: false });
    assert.equal(dt.type, 'datetime');
    assert.equal(dt.format, 'datetime');
    assert.equal(dt.default, null);

    await waitColumns(tdb, databaseId, tableId, ['count', 'ratio', 'flag', 'when']);
  });

  test('email / enum / ip / url columns are type string with a format', async () => {
    const email = await tdb.createEmailColumn({ databaseId, tableId, key: 'email', required: false });
    assert.equal(email.type, 'string');
    assert.equal(email.format, 'email');
    assert.equal(email.default, null);

    const en = await tdb.createEnumColumn({ databaseId, tableId, key: 'status', elements: ['draft', 'published'], required: false, xdefault: 'draft' });
    assert.equal(en.type, 'string');
    assert.equal(en.format, 'enum');
    assert.deepEqual(plain(en.elements), ['draft', 'published']);
    assert.equal(en.default, 'draft');

    const ip = await tdb.createIpColumn({ databaseId, tableId, key: 'ip', required: false });
    assert.equal(ip.type, 'string');
    assert.equal(ip.format, 'ip');

    const url = await tdb.createUrlColumn({ databaseId, tableId, key: 'site', required: false });
    assert.equal(url.type, 'string');
    assert.equal(url.format, 'url');

    await waitColumns(tdb, databaseId, tableId, ['email', 'status', 'ip', 'site']);
  });

  test('deprecated string column and array columns', async () => {
    const str = await tdb.createStringColumn({ databaseId, tableId, key: 'legacystr', size: 20, required: false });
    assert.equal(str.type, 'string');
    assert.equal(str.size, 20);
    assert.equal(str.encrypt, false);

    const arr = await tdb.createVarcharColumn({ databaseId, tableId, key: 'tags', size: 16, required: false, array: true });
    assert.equal(arr.array, true);
    assert.equal(arr.type, 'varchar');
    await waitColumns(tdb, databaseId, tableId, ['legacystr', 'tags']);
  });

  test('column keys equal to a column type name (email, text, integer, ...) are ordinary keys', async () => {
    // GET/PATCH/DELETE .../columns/{key} route by method, so GET .../columns/text is getColumn
    // even though POST .../columns/text is createTextColumn (utopia-php/http routes per method).
    const t = (await newTable('Type-named keys')).$id;
    await tdb.createTextColumn({ databaseId, tableId: t, key: 'text', required: false });
    await tdb.createIntegerColumn({ databaseId, tableId: t, key: 'integer', required: false });
    await tdb.createEmailColumn({ databaseId, tableId: t, key: 'email', required: false });
    const [text, integer, email] = await waitColumns(tdb, databaseId, t, ['text', 'integer', 'email']);
    assert.equal(text.type, 'text');
    assert.equal(integer.type, 'integer');
    assert.equal(email.format, 'email');
    await tdb.deleteColumn({ databaseId, tableId: t, key: 'email' });
    await waitGone(() => tdb.getColumn({ databaseId, tableId: t, key: 'email' }), 'column email');
  });

  test('listColumns and getTable list every column with its own model', async () => {
    const list = await tdb.listColumns({ databaseId, tableId });
    const byKey = Object.fromEntries(list.columns.map((c) => [c.key, c]));
    assert.equal(list.total, list.columns.length);
    assert.equal(byKey.title.type, 'varchar');
    assert.equal(byKey.textcol.type, 'text');
    assert.equal(byKey.count.type, 'integer');
    assert.equal(byKey.count.max, 100);
    assert.equal(byKey.ratio.type, 'double');
    assert.equal(byKey.email.format, 'email');
    assert.deepEqual(plain(byKey.status.elements), ['draft', 'published']);
    assert.equal(byKey.legacystr.type, 'string');

    const table = await tdb.getTable({ databaseId, tableId });
    assert.deepEqual(table.columns.map((c) => c.key).sort(), list.columns.map((c) => c.key).sort());
  });

  test('duplicate and invalid column keys', async () => {
    // Duplicate key (Attributes/Action.php::createAttribute -> DuplicateException).
    await expectError(tdb.createVarcharColumn({ databaseId, tableId, key: 'title', size: 10, required: false }),
      409, 'column_already_exists',
      "Column with the requested key 'title' already exists. Column keys must be unique, try again with a different key.");
    // Key validator (utopia Validator/Key.php).
    await expectError(tdb.createVarcharColumn({ databaseId, tableId, key: '_hidden', size: 10, required: false }),
      400, 'general_argument_invalid', /^Invalid `key` param: Parameter must contain at most 36 chars/);
    await expectError(tdb.createVarcharColumn({ databaseId, tableId, key: 'a'.repeat(37), size: 10, required: false }),
      400, 'general_argument_invalid', /^Invalid `key` param/);
  });

  test('default values: not with required or array, within min/max and size, in the enum', async () => {
    await expectError(tdb.createVarcharColumn({ databaseId, tableId, key: 'reqdef', size: 10, required: true, xdefault: 'x' }),
      400, 'column_default_unsupported', 'Cannot set default value for required column');
    await expectError(tdb.createIntegerColumn({ databaseId, tableId, key: 'arrdef', required: false, array: true, xdefault: 1 }),
      400, 'column_default_unsupported', 'Cannot set default value for array columns');
    // The message is the Range validator's description (Attributes/Integer/Create.php).
    await expectError(tdb.createIntegerColumn({ databaseId, tableId, key: 'outofrange', required: false, min: 0, max: 10, xdefault: 11 }),
      400, 'column_value_invalid', 'Value must be a valid range between 0 and 10');
    await expectError(tdb.createIntegerColumn({ databaseId, tableId, key: 'minmax', required: false, min: 10, max: 0 }),
      400, 'column_value_invalid', 'Minimum value must be lesser than maximum value');
    await expectError(tdb.createVarcharColumn({ databaseId, tableId, key: 'longdef', size: 3, required: false, xdefault: 'abcd' }),
      400, 'column_value_invalid', 'Value must be a valid string and no longer than 3 chars');
    await expectError(tdb.createEnumColumn({ databaseId, tableId, key: 'badenum', elements: ['a', 'b'], required: false, xdefault: 'c' }),
      400, 'column_value_invalid', 'Default value not found in elements');
  });

  test('varchar size limit and unknown tables / columns', async () => {
    // varchar size is Range(1, 16381).
    await expectError(tdb.createVarcharColumn({ databaseId, tableId, key: 'huge', size: 16382, required: false }),
      400, 'general_argument_invalid', /^Invalid `size` param/);
    await expectError(tdb.createVarcharColumn({ databaseId, tableId: 'no-such-table', key: 'x', size: 10, required: false }),
      404, 'table_not_found');
    await expectError(tdb.getColumn({ databaseId, tableId, key: 'nope' }), 404, 'column_not_found',
      "Column with the requested key 'nope' could not be found.");
  });

  test('update a column (200) and rename it with newKey', async () => {
    const t = (await newTable('Updates')).$id;
    await tdb.createIntegerColumn({ databaseId, tableId: t, key: 'n', required: false, min: 0, max: 10 });
    await waitColumn(tdb, databaseId, t, 'n');
    const updated = await tdb.updateIntegerColumn({ databaseId, tableId: t, key: 'n', required: false, xdefault: 7, min: 0, max: 20 });
    assert.equal(updated.key, 'n');
    assert.equal(updated.default, 7);
    assert.equal(updated.max, 20);
    // Default outside the new range is refused.
    await expectError(tdb.updateIntegerColumn({ databaseId, tableId: t, key: 'n', required: false, xdefault: 30 }),
      400, 'column_value_invalid');

    await tdb.createRow({ databaseId, tableId: t, rowId: 'r1', data: { n: 3 } });
    const renamed = await tdb.updateIntegerColumn({ databaseId, tableId: t, key: 'n', required: false, xdefault: null, newKey: 'amount' });
    assert.equal(renamed.key, 'amount');
    await expectError(tdb.getColumn({ databaseId, tableId: t, key: 'n' }), 404, 'column_not_found');
    const row = await tdb.getRow({ databaseId, tableId: t, rowId: 'r1' });
    assert.equal(row.amount, 3);
    assert.ok(!('n' in row));
  });

  test('delete a column; a column used by an index cannot be deleted', async () => {
    const t = (await newTable('Deletes')).$id;
    await tdb.createVarcharColumn({ databaseId, tableId: t, key: 'a', size: 10, required: false });
    await tdb.createVarcharColumn({ databaseId, tableId: t, key: 'b', size: 10, required: false });
    await waitColumns(tdb, databaseId, t, ['a', 'b']);
    await tdb.createIndex({ databaseId, tableId: t, key: 'idx_b', type: TablesDBIndexType.Key, columns: ['b'] });
    await waitIndex(tdb, databaseId, t, 'idx_b');

    await tdb.deleteColumn({ databaseId, tableId: t, key: 'a' });
    await waitGone(() => tdb.getColumn({ databaseId, tableId: t, key: 'a' }), 'column a');
    await expectError(tdb.deleteColumn({ databaseId, tableId: t, key: 'b' }), 409, 'column_index_dependency',
      "Column 'b' cannot be renamed or deleted. Please remove the associated index first.");
    await expectError(tdb.deleteColumn({ databaseId, tableId: t, key: 'zzz' }), 404, 'column_not_found');
  });
});

describe('indexes', () => {
  let tableId;
  before(async () => {
    tableId = (await newTable('Indexed')).$id;
    await tdb.createVarcharColumn({ databaseId, tableId, key: 'name', size: 100, required: false });
    await tdb.createIntegerColumn({ databaseId, tableId, key: 'rank', required: false });
    await tdb.createVarcharColumn({ databaseId, tableId, key: 'labels', size: 20, required: false, array: true });
    await waitColumns(tdb, databaseId, tableId, ['name', 'rank', 'labels']);
  });

  test('create (202) / get / list / delete', async () => {
    const res = await raw(env, `/tablesdb/${databaseId}/tables/${tableId}/indexes`, {
      method: 'POST',
      headers: { 'X-Appwrite-Key': env.adminKey },
      body: { key: 'by_rank', type: 'key', columns: ['rank'], orders: ['desc'] },
    });
    assert.equal(res.status, 202);
    assert.equal(res.json.key, 'by_rank');
    assert.equal(res.json.type, 'key');
    assert.deepEqual(res.json.columns, ['rank']);
    assert.ok(['processing', 'available'].includes(res.json.status));

    const idx = await tdb.createIndex({ databaseId, tableId, key: 'by_name', type: TablesDBIndexType.Unique, columns: ['name'], orders: [OrderBy.Asc] });
    assertCreatedStatus(idx);
    assert.equal(idx.type, 'unique');
    assert.deepEqual(plain(idx.columns), ['name']);
    const ready = await waitIndex(tdb, databaseId, tableId, 'by_name');
    assert.equal(ready.key, 'by_name');
    assert.equal(typeof ready.$id, 'string');
    await waitIndex(tdb, databaseId, tableId, 'by_rank');

    const list = await tdb.listIndexes({ databaseId, tableId });
    assert.deepEqual(list.indexes.map((i) => i.key).sort(), ['by_name', 'by_rank']);
    assert.equal(list.total, 2);

    const ft = await tdb.createIndex({ databaseId, tableId, key: 'ft_name', type: TablesDBIndexType.Fulltext, columns: ['name'] });
    assert.equal(ft.type, 'fulltext');
    await waitIndex(tdb, databaseId, tableId, 'ft_name');
    await tdb.deleteIndex({ databaseId, tableId, key: 'ft_name' });
    await waitGone(() => tdb.getIndex({ databaseId, tableId, key: 'ft_name' }), 'index ft_name');
  });

  test('index validation errors use the column_index_* types', async () => {
    await tdb.createIndex({ databaseId, tableId, key: 'dupkey', type: TablesDBIndexType.Key, columns: ['rank', 'name'] });
    await waitIndex(tdb, databaseId, tableId, 'dupkey');
    await expectError(tdb.createIndex({ databaseId, tableId, key: 'dupkey', type: TablesDBIndexType.Key, columns: ['name'] }),
      409, 'column_index_already_exists', "Index with the requested key 'dupkey' already exists. Try again with a different key.");
    // Unknown column -> 400 column_unknown (Indexes/Create.php getParentUnknownException).
    await expectError(tdb.createIndex({ databaseId, tableId, key: 'bad', type: TablesDBIndexType.Key, columns: ['nope'] }),
      400, 'column_unknown',
      "The column 'nope' required for the index could not be found. Please confirm all your columns are in the available state.");
    // Fulltext on an integer (utopia Validator/Index.php).
    await expectError(tdb.createIndex({ databaseId, tableId, key: 'ftint', type: TablesDBIndexType.Fulltext, columns: ['rank'] }),
      400, 'column_index_invalid', /cannot be part of a fulltext index/);
    // Array columns cannot be indexed (hard-coded index_invalid).
    await expectError(tdb.createIndex({ databaseId, tableId, key: 'arr', type: TablesDBIndexType.Key, columns: ['labels'] }),
      400, 'index_invalid', 'Creating indexes on array attributes is not currently supported.');
    await expectError(tdb.getIndex({ databaseId, tableId, key: 'missing' }), 404, 'column_index_not_found');
    await expectError(tdb.createIndex({ databaseId, tableId: 'no-such-table', key: 'x', type: TablesDBIndexType.Key, columns: ['name'] }),
      404, 'table_not_found');
  });
});

describe('rows with a key', () => {
  let tableId;
  before(async () => {
    tableId = (await newTable('Rows', { permissions: [Permission.read(Role.any())] })).$id;
    await tdb.createVarcharColumn({ databaseId, tableId, key: 'title', size: 16, required: true });
    await tdb.createIntegerColumn({ databaseId, tableId, key: 'count', required: false, min: 0, max: 100 });
    await tdb.createBooleanColumn({ databaseId, tableId, key: 'done', required: false, xdefault: false });
    await tdb.createVarcharColumn({ databaseId, tableId, key: 'note', size: 50, required: false });
    await tdb.createEnumColumn({ databaseId, tableId, key: 'state', elements: ['draft', 'published'], required: false });
    await tdb.createFloatColumn({ databaseId, tableId, key: 'score', required: false });
    await tdb.createVarcharColumn({ databaseId, tableId, key: 'tags', size: 10, required: false, array: true });
    await tdb.createDatetimeColumn({ databaseId, tableId, key: 'due', required: false });
    await waitColumns(tdb, databaseId, tableId, ['title', 'count', 'done', 'note', 'state', 'score', 'tags', 'due']);
    await tdb.createIndex({ databaseId, tableId, key: 'uniq_title', type: TablesDBIndexType.Unique, columns: ['title'] });
    await waitIndex(tdb, databaseId, tableId, 'uniq_title');
  });

  test('createRow returns the row model; defaults and nulls are filled in', async () => {
    const row = await tdb.createRow({ databaseId, tableId, rowId: 'first', data: { title: 'First', count: 3, tags: ['a', 'b'], due: '2024-05-06T07:08:09.000+00:00' } });
    assert.equal(row.$id, 'first');
    assert.equal(row.$tableId, tableId);
    assert.equal(row.$databaseId, databaseId);
    // $sequence is a string from response format 1.9.0 on (M/Row.php::filter).
    assert.equal(typeof row.$sequence, 'string');
    assert.match(row.$sequence, /^\d+$/);
    assert.match(row.$createdAt, DATETIME_RE);
    assert.match(row.$updatedAt, DATETIME_RE);
    // A key creating a row without permissions -> [] (Documents/Create.php setPermissions).
    assert.deepEqual(plain(row.$permissions), []);
    assert.equal(row.title, 'First');
    assert.equal(row.count, 3);
    assert.equal(row.done, false, 'default applied');
    assert.equal(row.note, null, 'unset optional column is null');
    assert.equal(row.state, null);
    assert.deepEqual(plain(row.tags), ['a', 'b']);
    assert.equal(row.due, '2024-05-06T07:08:09.000+00:00');
    assert.ok(!('$collection' in row));
    assert.ok(!('$collectionId' in row));

    const got = await tdb.getRow({ databaseId, tableId, rowId: 'first' });
    assert.deepEqual(plain(got), plain(row));

    const second = await tdb.createRow({ databaseId, tableId, rowId: ID.unique(), data: { title: 'Second' } });
    assert.ok(Number(second.$sequence) > Number(row.$sequence), '$sequence increases');
    assert.match(second.$id, /^[0-9a-f]{20}$/);
  });

  test('createRow accepts the literal unique()', async () => {
    const row = await tdb.createRow({ databaseId, tableId, rowId: 'unique()', data: { title: 'Literal' } });
    assert.notEqual(row.$id, 'unique()');
  });

  test('updateRow is partial; deleteRow removes the row', async () => {
    await tdb.createRow({ databaseId, tableId, rowId: 'upd', data: { title: 'Upd', count: 1, note: 'keep' } });
    const updated = await tdb.updateRow({ databaseId, tableId, rowId: 'upd', data: { count: 2 } });
    assert.equal(updated.count, 2);
    assert.equal(updated.note, 'keep');
    assert.equal(updated.title, 'Upd');
    const withPerms = await tdb.updateRow({ databaseId, tableId, rowId: 'upd', permissions: [Permission.read(Role.users())] });
    assert.deepEqual(plain(withPerms.$permissions), [Permission.read(Role.users())]);
    assert.equal(withPerms.count, 2);

    await tdb.deleteRow({ databaseId, tableId, rowId: 'upd' });
    await expectError(tdb.getRow({ databaseId, tableId, rowId: 'upd' }), 404, 'row_not_found',
      "Row with the requested ID 'upd' could not be found.");
    await expectError(tdb.deleteRow({ databaseId, tableId, rowId: 'upd' }), 404, 'row_not_found');
    await expectError(tdb.updateRow({ databaseId, tableId, rowId: 'upd', data: { count: 1 } }), 404, 'row_not_found');
  });

  test('row structure errors -> 400 row_invalid_structure', async () => {
    // Messages come from utopia Validator/Structure.php (prefix says "document" even for rows).
    await expectError(tdb.createRow({ databaseId, tableId, rowId: ID.unique(), data: { title: 'X', nope: 1 } }),
      400, 'row_invalid_structure', 'Invalid document structure: Unknown attribute: "nope"');
    await expectError(tdb.createRow({ databaseId, tableId, rowId: ID.unique(), data: { count: 1 } }),
      400, 'row_invalid_structure', 'Invalid document structure: Missing required attribute "title"');
    await expectError(tdb.createRow({ databaseId, tableId, rowId: ID.unique(), data: { title: 123 } }),
      400, 'row_invalid_structure', /^Invalid document structure: Attribute "title" has invalid type\. Value must be a valid string/);
    await expectError(tdb.createRow({ databaseId, tableId, rowId: ID.unique(), data: { title: 'x'.repeat(17) } }),
      400, 'row_invalid_structure',
      'Invalid document structure: Attribute "title" has invalid type. Value must be a valid string and no longer than 16 chars');
    // Integer columns carry the intRange format, so the label is "format".
    await expectError(tdb.createRow({ databaseId, tableId, rowId: ID.unique(), data: { title: 'X', count: 'many' } }),
      400, 'row_invalid_structure', /^Invalid document structure: Attribute "count" has invalid format\./);
    await expectError(tdb.createRow({ databaseId, tableId, rowId: ID.unique(), data: { title: 'X', count: 101 } }),
      400, 'row_invalid_structure',
      'Invalid document structure: Attribute "count" has invalid format. Value must be a valid range between 0 and 100');
    await expectError(tdb.createRow({ databaseId, tableId, rowId: ID.unique(), data: { title: 'X', done: 'yes' } }),
      400, 'row_invalid_structure', 'Invalid document structure: Attribute "done" has invalid type. Value must be a valid boolean');
    await expectError(tdb.createRow({ databaseId, tableId, rowId: ID.unique(), data: { title: 'X', state: 'archived' } }),
      400, 'row_invalid_structure',
      'Invalid document structure: Attribute "state" has invalid format. Value must be one of (draft, published)');
    await expectError(tdb.createRow({ databaseId, tableId, rowId: ID.unique(), data: { title: 'X', tags: 'a' } }),
      400, 'row_invalid_structure', 'Invalid document structure: Attribute "tags" must be an array');
    await expectError(tdb.createRow({ databaseId, tableId, rowId: ID.unique(), data: { title: 'X', score: 'high' } }),
      400, 'row_invalid_structure', /^Invalid document structure: Attribute "score" has invalid format\. Value must be a valid float/);
    // updateRow validates too.
    await tdb.createRow({ databaseId, tableId, rowId: 'valid', data: { title: 'Valid' } });
    await expectError(tdb.updateRow({ databaseId, tableId, rowId: 'valid', data: { nope: true } }),
      400, 'row_invalid_structure', 'Invalid document structure: Unknown attribute: "nope"');
  });

  test('null is accepted for optional columns', async () => {
    const row = await tdb.createRow({ databaseId, tableId, rowId: ID.unique(), data: { title: 'Nulls', count: null, note: null } });
    assert.equal(row.count, null);
    assert.equal(row.note, null);
  });

  test('duplicate row id and unique index violation -> 409 row_already_exists', async () => {
    await tdb.createRow({ databaseId, tableId, rowId: 'dup', data: { title: 'Dup' } });
    await expectError(tdb.createRow({ databaseId, tableId, rowId: 'dup', data: { title: 'Other' } }),
      409, 'row_already_exists',
      "Row with the requested ID 'dup' already exists. Try again with a different ID or use ID.unique() to generate a unique ID.");
    // A unique index violation is reported the same way, naming the new row id.
    await expectError(tdb.createRow({ databaseId, tableId, rowId: 'dup2', data: { title: 'Dup' } }),
      409, 'row_already_exists', /^Row with the requested ID 'dup2' already exists/);
    await tdb.createRow({ databaseId, tableId, rowId: 'dup3', data: { title: 'Dup3' } });
    await expectError(tdb.updateRow({ databaseId, tableId, rowId: 'dup3', data: { title: 'Dup' } }),
      409, 'row_already_exists');
  });

  test('missing data / payload and invalid parameters', async () => {
    // Empty data is refused even if every column were optional (Documents/Create.php).
    await expectError(tdb.createRow({ databaseId, tableId, rowId: ID.unique(), data: {} }),
      400, 'row_missing_data', 'The row data is missing. Try again with row data populated.');
    await expectError(tdb.updateRow({ databaseId, tableId, rowId: 'first' }),
      400, 'row_missing_payload',
      'The row data and permissions are missing. You must provide either row data or permissions to be updated.');
    await expectError(tdb.createRow({ databaseId, tableId, rowId: '-bad', data: { title: 'X' } }),
      400, 'general_argument_invalid', /^Invalid `rowId` param/);
    // Rows only accept read/update/delete(/write) permissions.
    await expectError(tdb.createRow({ databaseId, tableId, rowId: ID.unique(), data: { title: 'X' }, permissions: [Permission.create(Role.any())] }),
      400, 'general_argument_invalid', /^Invalid `permissions` param: Permission "create\("any"\)" is not allowed/);
    await expectError(tdb.createRow({ databaseId, tableId: 'no-such-table', rowId: ID.unique(), data: { title: 'X' } }),
      404, 'table_not_found', "Table with the requested ID 'no-such-table' could not be found.");
    await expectError(tdb.createRow({ databaseId: 'no-such-db', tableId, rowId: ID.unique(), data: { title: 'X' } }),
      404, 'database_not_found');
  });

  test('write() on a row expands to update and delete', async () => {
    const row = await tdb.createRow({ databaseId, tableId, rowId: ID.unique(), data: { title: 'Writable' }, permissions: [Permission.write(Role.users())] });
    assert.deepEqual(sorted(row.$permissions), sorted([Permission.update(Role.users()), Permission.delete(Role.users())]));
  });

  test('keys may set $createdAt', async () => {
    // Documents/Create.php runs createDocuments inside withPreserveDates and keeps $createdAt /
    // $updatedAt in data for keys (removeReadonlyAttributes(privileged: true)).
    const row = await tdb.createRow({
      databaseId, tableId, rowId: ID.unique(),
      data: { title: 'Dated', $createdAt: '2020-01-02T03:04:05.000+00:00' },
    });
    assert.equal(row.$createdAt, '2020-01-02T03:04:05.000+00:00');
  });

  test('$sequence, $tableId and $databaseId in data are ignored', async () => {
    const row = await tdb.createRow({
      databaseId, tableId, rowId: ID.unique(),
      data: { title: 'Readonly', $tableId: 'other', $databaseId: 'other', $sequence: '999999' },
    });
    assert.equal(row.$tableId, tableId);
    assert.equal(row.$databaseId, databaseId);
    assert.notEqual(row.$sequence, '999999');
  });
});
