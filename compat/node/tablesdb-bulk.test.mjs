// TablesDB bulk writes, upserts, increment/decrement and transactions.
// Behaviour references: /work/notes/tablesdb-behaviour.md §d (bulk, upsert, increment) and §f
// (transactions), read from Appwrite 1.9.x H/Databases/Collections/Documents/{Create,Upsert,Bulk/*,
// Attribute/*}.php and H/Databases/Transactions/*.php.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TablesDB, Users, Account, ID, Permission, Role, Query, TablesDBIndexType } from 'node-appwrite';
import { setup, keyClient, expectError, createLoggedInUser, plain } from './harness.mjs';
import { waitColumns, waitIndex, idsOf, sorted, DATETIME_RE } from './tablesdb-helpers.mjs';

let env;
let tdb;
const databaseId = 'bulkdb';
const sdk = { Users, Account, ID };
let alice;
let bob;

before(async () => {
  env = await setup({ projectId: 'tablesdb-bulk' });
  tdb = new TablesDB(keyClient(env));
  await tdb.create({ databaseId, name: 'Bulk' });
  alice = await createLoggedInUser(env, sdk, { tag: 'alice' });
  bob = await createLoggedInUser(env, sdk, { tag: 'bob' });
});
after(async () => { await env?.stop(); });

/**
 * An "items" table: sku (required, unique), qty integer 0..1000 default 0, name, price.
 * Sessions may create and read rows (rowSecurity on).
 */
async function itemsTable(tableId) {
  await tdb.createTable({
    databaseId, tableId, name: tableId, rowSecurity: true,
    permissions: [Permission.create(Role.users()), Permission.read(Role.users())],
  });
  await tdb.createVarcharColumn({ databaseId, tableId, key: 'sku', size: 32, required: true });
  await tdb.createIntegerColumn({ databaseId, tableId, key: 'qty', required: false, min: 0, max: 1000, xdefault: 0 });
  await tdb.createVarcharColumn({ databaseId, tableId, key: 'name', size: 64, required: false });
  await tdb.createFloatColumn({ databaseId, tableId, key: 'price', required: false });
  await waitColumns(tdb, databaseId, tableId, ['sku', 'qty', 'name', 'price']);
  await tdb.createIndex({ databaseId, tableId, key: 'uniq_sku', type: TablesDBIndexType.Unique, columns: ['sku'] });
  await waitIndex(tdb, databaseId, tableId, 'uniq_sku');
  return tableId;
}

async function seed(tableId, n) {
  const rows = Array.from({ length: n }, (_, i) => ({ $id: `${tableId}-${i + 1}`, sku: `${tableId}-${i + 1}`, qty: i + 1 }));
  await tdb.createRows({ databaseId, tableId, rows });
}

const as = (who) => new TablesDB(who.client);

describe('createRows (bulk create)', () => {
  const tableId = 'bulkcreate';
  before(async () => { await itemsTable(tableId); });

  test('a key creates several rows at once', async () => {
    const res = await tdb.createRows({
      databaseId, tableId,
      rows: [
        { $id: 'b1', sku: 'B1', qty: 1 },
        { $id: 'b2', sku: 'B2', qty: 2, $permissions: [Permission.read(Role.any())] },
        { sku: 'B3', name: 'generated id' },
      ],
    });
    assert.equal(res.total, 3);
    assert.equal(res.rows.length, 3);
    const bySku = Object.fromEntries(res.rows.map((r) => [r.sku, r]));
    assert.equal(bySku.B1.$id, 'b1');
    assert.deepEqual(plain(bySku.B1.$permissions), []);
    assert.deepEqual(plain(bySku.B2.$permissions), [Permission.read(Role.any())]);
    assert.ok(bySku.B3.$id.length > 0);
    assert.equal(bySku.B3.qty, 0, 'default applied');
    for (const r of res.rows) {
      assert.equal(r.$tableId, tableId);
      assert.equal(r.$databaseId, databaseId);
      assert.equal(typeof r.$sequence, 'string');
      assert.match(r.$createdAt, DATETIME_RE);
    }
    assert.equal((await tdb.listRows({ databaseId, tableId })).total, 3);
  });

  test('more than 100 rows -> 400 general_argument_invalid', async () => {
    const rows = Array.from({ length: 101 }, (_, i) => ({ sku: `X${i}` }));
    await expectError(tdb.createRows({ databaseId, tableId, rows }), 400, 'general_argument_invalid', /^Invalid `rows` param/);
  });

  test('sessions may not bulk create -> 401 general_unauthorized_scope', async () => {
    await expectError(as(alice).createRows({ databaseId, tableId, rows: [{ sku: 'S1' }] }), 401, 'general_unauthorized_scope');
  });

  test('structure errors and duplicates are reported as for single rows', async () => {
    await expectError(tdb.createRows({ databaseId, tableId, rows: [{ qty: 1 }] }), 400, 'row_invalid_structure',
      'Invalid document structure: Missing required attribute "sku"');
    await expectError(tdb.createRows({ databaseId, tableId, rows: [{ $id: 'b1', sku: 'B1-again' }] }), 409, 'row_already_exists');
  });
});

describe('upsertRow / upsertRows', () => {
  const tableId = 'upserts';
  before(async () => { await itemsTable(tableId); });

  test('upsertRow creates, then updates keeping unspecified optional columns', async () => {
    const created = await tdb.upsertRow({ databaseId, tableId, rowId: 'u1', data: { sku: 'U1', name: 'first' } });
    assert.equal(created.$id, 'u1');
    assert.equal(created.name, 'first');
    assert.equal(created.qty, 0);
    assert.deepEqual(plain(created.$permissions), []);

    const updated = await tdb.upsertRow({ databaseId, tableId, rowId: 'u1', data: { sku: 'U1', qty: 3 } });
    assert.equal(updated.qty, 3);
    // Optional columns missing from the data keep their old value
    // (utopia Database::upsertDocumentsWithIncrease).
    assert.equal(updated.name, 'first');
    assert.equal(updated.$createdAt, created.$createdAt);
    assert.equal(updated.$sequence, created.$sequence);

    const got = await tdb.getRow({ databaseId, tableId, rowId: 'u1' });
    assert.equal(got.qty, 3);
    assert.equal(got.name, 'first');
  });

  test('upsertRow on an existing row still needs every required column', async () => {
    // Only optional columns are carried over from the old row; Structure validation then
    // requires the rest (utopia Database::upsertDocumentsWithIncrease).
    await expectError(tdb.upsertRow({ databaseId, tableId, rowId: 'u1', data: { qty: 4 } }), 400, 'row_invalid_structure',
      'Invalid document structure: Missing required attribute "sku"');
    assert.equal((await tdb.getRow({ databaseId, tableId, rowId: 'u1' })).qty, 3);
  });

  test('upsertRow without payload; permissions are kept when omitted', async () => {
    await expectError(tdb.upsertRow({ databaseId, tableId, rowId: 'u1' }), 400, 'row_missing_payload');

    const withPerms = await tdb.upsertRow({ databaseId, tableId, rowId: 'u2', data: { sku: 'U2' }, permissions: [Permission.read(Role.any())] });
    assert.deepEqual(plain(withPerms.$permissions), [Permission.read(Role.any())]);
    const again = await tdb.upsertRow({ databaseId, tableId, rowId: 'u2', data: { sku: 'U2', name: 'renamed' } });
    assert.deepEqual(plain(again.$permissions), [Permission.read(Role.any())]);
  });

  test('upsertRow by sessions: create needs table create, update needs update', async () => {
    const mine = await as(alice).upsertRow({ databaseId, tableId, rowId: 'alice-row', data: { sku: 'AL1', name: 'a' } });
    assert.deepEqual(sorted(mine.$permissions), sorted([
      Permission.read(Role.user(alice.user.$id)), Permission.update(Role.user(alice.user.$id)), Permission.delete(Role.user(alice.user.$id)),
    ]));
    const mine2 = await as(alice).upsertRow({ databaseId, tableId, rowId: 'alice-row', data: { sku: 'AL1', name: 'b' } });
    assert.equal(mine2.name, 'b');
    assert.deepEqual(sorted(mine2.$permissions), sorted(mine.$permissions));
    await expectError(as(bob).upsertRow({ databaseId, tableId, rowId: 'alice-row', data: { sku: 'AL1', name: 'bob' } }), 401, 'user_unauthorized');
    await expectError(as(alice).upsertRow({ databaseId, tableId, rowId: 'alice-row2', data: { sku: 'AL2' }, permissions: [Permission.read(Role.user(bob.user.$id))] }),
      401, 'user_unauthorized', /^Permissions must be one of: \(/);
  });

  test('upsertRows mixes updates and creates', async () => {
    await tdb.createRow({ databaseId, tableId, rowId: 'm1', data: { sku: 'M1', qty: 1 } });
    const res = await tdb.upsertRows({
      databaseId, tableId,
      rows: [
        { $id: 'm1', sku: 'M1', qty: 10 },
        { $id: 'm2', sku: 'M2', qty: 20 },
        { $id: 'm3', sku: 'M3', qty: 30 },
      ],
    });
    assert.equal(res.total, 3);
    assert.deepEqual(idsOf(res.rows), ['m1', 'm2', 'm3']);
    const list = await tdb.listRows({ databaseId, tableId, queries: [Query.equal('$id', ['m1', 'm2', 'm3']), Query.orderAsc('qty')] });
    assert.deepEqual(list.rows.map((r) => r.qty), [10, 20, 30]);
  });
});

describe('updateRows / deleteRows (by queries)', () => {
  test('updateRows changes the matching rows and reports them', async () => {
    const tableId = await itemsTable('bulkupdate');
    await seed(tableId, 5);
    const res = await tdb.updateRows({ databaseId, tableId, data: { name: 'cheap' }, queries: [Query.lessThan('qty', 3)] });
    assert.equal(res.total, 2);
    assert.deepEqual(idsOf(res.rows), [`${tableId}-1`, `${tableId}-2`]);
    for (const r of res.rows) {
      assert.equal(r.name, 'cheap');
      assert.equal(r.$tableId, tableId);
      assert.equal(r.$databaseId, databaseId);
    }
    const others = await tdb.listRows({ databaseId, tableId, queries: [Query.greaterThanEqual('qty', 3)] });
    for (const r of others.rows) assert.equal(r.name, null);

    const all = await tdb.updateRows({ databaseId, tableId, data: { price: 9.5 } });
    assert.equal(all.total, 5);
    assert.equal((await tdb.listRows({ databaseId, tableId, queries: [Query.equal('price', [9.5])] })).total, 5);
  });

  test('updateRows errors', async () => {
    const tableId = await itemsTable('bulkupdateerr');
    await seed(tableId, 2);
    await expectError(tdb.updateRows({ databaseId, tableId, queries: [Query.equal('qty', [1])] }), 400, 'row_missing_payload');
    await expectError(tdb.updateRows({ databaseId, tableId, data: { nope: 1 } }), 400, 'row_invalid_structure',
      'Invalid document structure: Unknown attribute: "nope"');
    await expectError(tdb.updateRows({ databaseId, tableId, data: { name: 'x' }, queries: [Query.equal('nope', [1])] }), 400, 'general_query_invalid');
  });

  test('sessions cannot bulk update, upsert or delete', async () => {
    const tableId = await itemsTable('bulksession');
    await seed(tableId, 2);
    // oxwrite: bulk operations are for keys, all four alike: 401 general_unauthorized_scope.
    // (Appwrite's Bulk/{Update,Upsert,Delete}.php have no key check and a session ends up
    // with 404 database_not_found from the authorized database lookup; COMPAT.md lists this.)
    await expectError(as(alice).updateRows({ databaseId, tableId, data: { name: 'x' } }), 401, 'general_unauthorized_scope');
    await expectError(as(alice).upsertRows({ databaseId, tableId, rows: [{ $id: 'm4', sku: 'M4' }] }), 401, 'general_unauthorized_scope');
    await expectError(as(alice).deleteRows({ databaseId, tableId }), 401, 'general_unauthorized_scope');
    const rows = await tdb.listRows({ databaseId, tableId });
    assert.equal(rows.total, 2);
    for (const r of rows.rows) assert.equal(r.name, null);
  });

  test('deleteRows deletes the matching rows and returns them', async () => {
    const tableId = await itemsTable('bulkdelete');
    await seed(tableId, 5);
    const res = await tdb.deleteRows({ databaseId, tableId, queries: [Query.greaterThan('qty', 3)] });
    assert.equal(res.total, 2);
    assert.deepEqual(idsOf(res.rows), [`${tableId}-4`, `${tableId}-5`]);
    assert.equal((await tdb.listRows({ databaseId, tableId })).total, 3);
    await expectError(tdb.getRow({ databaseId, tableId, rowId: `${tableId}-5` }), 404, 'row_not_found');

    const rest = await tdb.deleteRows({ databaseId, tableId });
    assert.equal(rest.total, 3);
    assert.equal((await tdb.listRows({ databaseId, tableId })).total, 0);
  });
});

describe('increment / decrement', () => {
  const tableId = 'counters';
  before(async () => {
    await itemsTable(tableId);
    await tdb.createRow({ databaseId, tableId, rowId: 'ctr', data: { sku: 'CTR', qty: 5, price: 1 } });
  });

  test('increment and decrement with default and explicit values', async () => {
    const a = await tdb.incrementRowColumn({ databaseId, tableId, rowId: 'ctr', column: 'qty' });
    assert.equal(a.qty, 6);
    assert.equal(a.$id, 'ctr');
    assert.equal(a.$tableId, tableId);
    assert.equal(a.$databaseId, databaseId);
    const b = await tdb.incrementRowColumn({ databaseId, tableId, rowId: 'ctr', column: 'qty', value: 4 });
    assert.equal(b.qty, 10);
    const c = await tdb.decrementRowColumn({ databaseId, tableId, rowId: 'ctr', column: 'qty' });
    assert.equal(c.qty, 9);
    const d = await tdb.decrementRowColumn({ databaseId, tableId, rowId: 'ctr', column: 'qty', value: 2, min: 7 });
    assert.equal(d.qty, 7, 'reaching min exactly is allowed');
    const e = await tdb.incrementRowColumn({ databaseId, tableId, rowId: 'ctr', column: 'qty', value: 3, max: 10 });
    assert.equal(e.qty, 10, 'reaching max exactly is allowed');
    const f = await tdb.incrementRowColumn({ databaseId, tableId, rowId: 'ctr', column: 'price', value: 0.5 });
    assert.equal(f.price, 1.5);
    assert.equal((await tdb.getRow({ databaseId, tableId, rowId: 'ctr' })).qty, 10);
  });

  test('bounds exceeded -> 400 column_limit_exceeded', async () => {
    await expectError(tdb.incrementRowColumn({ databaseId, tableId, rowId: 'ctr', column: 'qty', max: 8 }),
      400, 'column_limit_exceeded', 'tablesDB "qty" has reached the maximum value of 8');
    await expectError(tdb.decrementRowColumn({ databaseId, tableId, rowId: 'ctr', column: 'qty', value: 5, min: 6 }),
      400, 'column_limit_exceeded', 'tablesDB "qty" has reached the minimum value of 6');
    assert.equal((await tdb.getRow({ databaseId, tableId, rowId: 'ctr' })).qty, 10, 'unchanged');
  });

  test('the column min/max bound increments too', async () => {
    // oxwrite keeps the column's own range (Appwrite checks only the max/min params, so an
    // increment there can store a value its own validator would refuse; COMPAT.md lists this).
    await tdb.createRow({ databaseId, tableId, rowId: 'big', data: { sku: 'BIG', qty: 999 } });
    await expectError(tdb.incrementRowColumn({ databaseId, tableId, rowId: 'big', column: 'qty', value: 5 }), 400, 'column_limit_exceeded');
    assert.equal((await tdb.getRow({ databaseId, tableId, rowId: 'big' })).qty, 999);
  });

  test('invalid increments', async () => {
    await expectError(tdb.incrementRowColumn({ databaseId, tableId, rowId: 'ctr', column: 'qty', value: 0 }),
      400, 'general_argument_invalid', 'Value must be numeric and greater than 0');
    await expectError(tdb.decrementRowColumn({ databaseId, tableId, rowId: 'ctr', column: 'qty', value: -1 }),
      400, 'general_argument_invalid', 'Value must be numeric and greater than 0');
    // Non-numeric column: attribute_type_invalid even in TablesDB (Attribute/Increment.php).
    await expectError(tdb.incrementRowColumn({ databaseId, tableId, rowId: 'ctr', column: 'name' }),
      400, 'attribute_type_invalid', 'tablesDB "name" is not a number');
    await expectError(tdb.incrementRowColumn({ databaseId, tableId, rowId: 'ctr', column: 'nope' }), 404, 'column_not_found');
  });

  test('a missing row is row_not_found', async () => {
    // oxwrite names the missing row (Appwrite reports every NotFoundException here as
    // column_not_found with an unfilled message; COMPAT.md lists this).
    await expectError(tdb.incrementRowColumn({ databaseId, tableId, rowId: 'no-such-row', column: 'qty' }), 404, 'row_not_found');
    await expectError(tdb.decrementRowColumn({ databaseId, tableId, rowId: 'no-such-row', column: 'qty' }), 404, 'row_not_found');
  });

  test('sessions need update permission on the row', async () => {
    const r = await as(alice).createRow({ databaseId, tableId, rowId: ID.unique(), data: { sku: `AC-${Date.now()}`, qty: 1 } });
    const up = await as(alice).incrementRowColumn({ databaseId, tableId, rowId: r.$id, column: 'qty' });
    assert.equal(up.qty, 2);
    await expectError(as(bob).incrementRowColumn({ databaseId, tableId, rowId: r.$id, column: 'qty' }), 401, 'user_unauthorized');
    await expectError(as(bob).decrementRowColumn({ databaseId, tableId, rowId: r.$id, column: 'qty' }), 401, 'user_unauthorized');
  });
});

describe('transactions', () => {
  const tableId = 'txitems';
  before(async () => {
    await itemsTable(tableId);
    await tdb.createRow({ databaseId, tableId, rowId: 'keep', data: { sku: 'KEEP', qty: 1 } });
    await tdb.createRow({ databaseId, tableId, rowId: 'doomed', data: { sku: 'DOOMED', qty: 1 } });
  });

  test('createTransaction returns a pending transaction', async () => {
    const tx = await tdb.createTransaction();
    assert.equal(typeof tx.$id, 'string');
    assert.equal(tx.status, 'pending');
    assert.equal(tx.operations, 0);
    assert.match(tx.expiresAt, DATETIME_RE);
    // Default ttl is 300 s.
    const ttl = (Date.parse(tx.expiresAt) - Date.parse(tx.$createdAt)) / 1000;
    assert.ok(ttl > 290 && ttl <= 301, `ttl ${ttl}`);
    const got = await tdb.getTransaction({ transactionId: tx.$id });
    assert.equal(got.status, 'pending');
    const short = await tdb.createTransaction({ ttl: 60 });
    assert.ok((Date.parse(short.expiresAt) - Date.parse(short.$createdAt)) / 1000 <= 61);
    await expectError(tdb.createTransaction({ ttl: 30 }), 400, 'general_argument_invalid', /^Invalid `ttl` param/);
    await expectError(tdb.createTransaction({ ttl: 3601 }), 400, 'general_argument_invalid', /^Invalid `ttl` param/);
    await expectError(tdb.getTransaction({ transactionId: 'nope' }), 404, 'transaction_not_found',
      "Transaction with the requested ID 'nope' could not be found.");
  });

  test('commit applies every staged operation', async () => {
    const tx = await tdb.createTransaction();
    const staged = await tdb.createOperations({
      transactionId: tx.$id,
      operations: [
        { action: 'create', databaseId, tableId, rowId: 'tx-a', data: { sku: 'TXA', qty: 1 } },
        { action: 'create', databaseId, tableId, rowId: 'tx-b', data: { sku: 'TXB', qty: 5 } },
        { action: 'update', databaseId, tableId, rowId: 'tx-a', data: { name: 'updated in tx' } },
        { action: 'increment', databaseId, tableId, rowId: 'tx-b', data: { column: 'qty', value: 2 } },
        { action: 'delete', databaseId, tableId, rowId: 'doomed' },
      ],
    });
    assert.equal(staged.$id, tx.$id);
    assert.equal(staged.operations, 5);
    assert.equal(staged.status, 'pending');

    // A single-row call with transactionId stages too (answers with a mock row).
    const mock = await tdb.createRow({ databaseId, tableId, rowId: 'tx-c', data: { sku: 'TXC' }, transactionId: tx.$id });
    assert.equal(mock.$id, 'tx-c');
    assert.equal(mock.sku, 'TXC');

    // Nothing is visible outside the transaction yet ...
    await expectError(tdb.getRow({ databaseId, tableId, rowId: 'tx-a' }), 404, 'row_not_found');
    assert.equal((await tdb.getRow({ databaseId, tableId, rowId: 'doomed' })).sku, 'DOOMED');
    // ... but reads with the transaction id see the staged state.
    const inside = await tdb.listRows({ databaseId, tableId, transactionId: tx.$id, queries: [Query.equal('$id', ['tx-a', 'tx-b', 'tx-c', 'doomed'])] });
    assert.deepEqual(idsOf(inside.rows), ['tx-a', 'tx-b', 'tx-c']);
    const insideA = await tdb.getRow({ databaseId, tableId, rowId: 'tx-a', transactionId: tx.$id });
    assert.equal(insideA.name, 'updated in tx');

    const committed = await tdb.updateTransaction({ transactionId: tx.$id, commit: true });
    assert.equal(committed.status, 'committed');

    const a = await tdb.getRow({ databaseId, tableId, rowId: 'tx-a' });
    assert.equal(a.name, 'updated in tx');
    assert.equal((await tdb.getRow({ databaseId, tableId, rowId: 'tx-b' })).qty, 7);
    assert.equal((await tdb.getRow({ databaseId, tableId, rowId: 'tx-c' })).sku, 'TXC');
    await expectError(tdb.getRow({ databaseId, tableId, rowId: 'doomed' }), 404, 'row_not_found');
  });

  test('rollback applies nothing', async () => {
    const tx = await tdb.createTransaction();
    await tdb.createRow({ databaseId, tableId, rowId: 'rb-new', data: { sku: 'RBNEW' }, transactionId: tx.$id });
    await tdb.updateRow({ databaseId, tableId, rowId: 'keep', data: { name: 'rolled back' }, transactionId: tx.$id });
    await tdb.deleteRow({ databaseId, tableId, rowId: 'keep', transactionId: tx.$id });
    const rolled = await tdb.updateTransaction({ transactionId: tx.$id, rollback: true });
    // Appwrite marks a rolled-back transaction "failed" (Transactions/Update.php).
    assert.equal(rolled.status, 'failed');

    await expectError(tdb.getRow({ databaseId, tableId, rowId: 'rb-new' }), 404, 'row_not_found');
    const keep = await tdb.getRow({ databaseId, tableId, rowId: 'keep' });
    assert.equal(keep.name, null);
    // A finished transaction cannot be used again: while it still exists it is not "pending"
    // (400 transaction_not_ready); Appwrite also queues its deletion after a rollback
    // (DELETE_TYPE_DOCUMENT), after which it is 404 transaction_not_found.
    const again = await tdb.updateTransaction({ transactionId: tx.$id, commit: true }).then(() => null, (e) => e);
    assert.ok(again, 'committing a rolled-back transaction must fail');
    assert.ok(
      (again.code === 400 && again.type === 'transaction_not_ready') || (again.code === 404 && again.type === 'transaction_not_found'),
      `unexpected ${again.code} ${again.type}: ${again.message}`,
    );
  });

  test('a failing commit applies none of the operations', async () => {
    const tx = await tdb.createTransaction();
    await tdb.createOperations({
      transactionId: tx.$id,
      operations: [
        { action: 'create', databaseId, tableId, rowId: 'tx-ok', data: { sku: 'TXOK' } },
        // Duplicate id of an existing row -> conflict at commit time.
        { action: 'create', databaseId, tableId, rowId: 'keep', data: { sku: 'KEEP2' } },
      ],
    });
    await expectError(tdb.updateTransaction({ transactionId: tx.$id, commit: true }), 409, 'transaction_conflict');
    await expectError(tdb.getRow({ databaseId, tableId, rowId: 'tx-ok' }), 404, 'row_not_found');
    assert.equal((await tdb.getRow({ databaseId, tableId, rowId: 'keep' })).sku, 'KEEP');
    assert.equal((await tdb.getTransaction({ transactionId: tx.$id })).status, 'failed');
  });

  test('commit / rollback parameter and staging errors', async () => {
    const tx = await tdb.createTransaction();
    await expectError(tdb.updateTransaction({ transactionId: tx.$id }), 400, 'general_bad_request', 'Either commit or rollback must be true');
    await expectError(tdb.updateTransaction({ transactionId: tx.$id, commit: true, rollback: true }), 400, 'general_bad_request',
      'Cannot commit and rollback at the same time');
    await expectError(tdb.updateTransaction({ transactionId: 'nope', commit: true }), 404, 'transaction_not_found');
    await expectError(tdb.createOperations({ transactionId: tx.$id, operations: [] }), 400, 'general_bad_request', 'Operations array cannot be empty');
    await expectError(tdb.createOperations({ transactionId: tx.$id, operations: [{ action: 'create', databaseId, rowId: 'x', data: {} }] }),
      400, 'general_argument_invalid', /^Invalid `operations` param/);
    await expectError(tdb.createOperations({ transactionId: tx.$id, operations: [{ action: 'explode', databaseId, tableId, rowId: 'x', data: {} }] }),
      400, 'general_argument_invalid', /^Invalid `operations` param/);
    // update of a row that does not exist: document_not_found (sic) at staging time.
    await expectError(tdb.createOperations({ transactionId: tx.$id, operations: [{ action: 'update', databaseId, tableId, rowId: 'ghost', data: { name: 'x' } }] }),
      404, 'document_not_found');
    // At most 100 operations per transaction.
    const many = Array.from({ length: 101 }, (_, i) => ({ action: 'create', databaseId, tableId, rowId: `many-${i}`, data: { sku: `MANY${i}` } }));
    await expectError(tdb.createOperations({ transactionId: tx.$id, operations: many }), 400, 'transaction_limit_exceeded',
      'Transaction already has 0 operations, adding 101 would exceed the maximum of 100');
    await expectError(tdb.createRow({ databaseId, tableId, rowId: ID.unique(), data: { sku: 'NOTX' }, transactionId: 'nope' }), 404, 'transaction_not_found');
    await tdb.deleteTransaction({ transactionId: tx.$id });
    await expectError(tdb.getTransaction({ transactionId: tx.$id }), 404, 'transaction_not_found');
  });

  test('session transactions are private and may not stage bulk operations', async () => {
    const tx = await as(alice).createTransaction();
    assert.equal(tx.status, 'pending');
    await expectError(as(bob).getTransaction({ transactionId: tx.$id }), 404, 'transaction_not_found');
    await expectError(as(alice).createOperations({
      transactionId: tx.$id,
      operations: [{ action: 'bulkCreate', databaseId, tableId, data: [{ sku: 'BULKTX' }] }],
    }), 401, 'user_unauthorized');

    await as(alice).createOperations({
      transactionId: tx.$id,
      operations: [{ action: 'create', databaseId, tableId, rowId: 'alice-tx', data: { sku: 'ALICETX' } }],
    });
    const done = await as(alice).updateTransaction({ transactionId: tx.$id, commit: true });
    assert.equal(done.status, 'committed');
    const row = await as(alice).getRow({ databaseId, tableId, rowId: 'alice-tx' });
    assert.equal(row.sku, 'ALICETX');
  });
});
