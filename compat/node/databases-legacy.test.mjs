// The legacy Databases API (collections / attributes / documents) over the same data as
// TablesDB: response shapes, legacy error types, and cross-API visibility.
// Behaviour references: /work/notes/tablesdb-behaviour.md §j (Appwrite 1.9.x
// H/Databases/Collections/*, M/Collection.php, M/Document.php, M/Attribute*.php).

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Databases, TablesDB, Users, Account, ID, Permission, Role, Query, DatabasesIndexType } from 'node-appwrite';
import { setup, keyClient, expectError, createLoggedInUser, plain } from './harness.mjs';
import { waitAttribute, waitLegacyIndex, waitColumns, assertCreatedStatus, sorted, DATETIME_RE } from './tablesdb-helpers.mjs';

let env;
let databases;
let tdb;
const databaseId = 'legacydb';
const collectionId = 'notes';

before(async () => {
  env = await setup({ projectId: 'databases-legacy' });
  databases = new Databases(keyClient(env));
  tdb = new TablesDB(keyClient(env));
  const db = await databases.create({ databaseId, name: 'Legacy' });
  // Created through /v1/databases -> type "legacy" (H/Databases/Create.php).
  assert.equal(db.type, 'legacy');
  await databases.createCollection({
    databaseId, collectionId, name: 'Notes', documentSecurity: true,
    permissions: [Permission.create(Role.users()), Permission.read(Role.any())],
  });
  await databases.createStringAttribute({ databaseId, collectionId, key: 'title', size: 32, required: true });
  await databases.createIntegerAttribute({ databaseId, collectionId, key: 'n', required: false, min: 0, max: 1 });
  await waitAttribute(databases, databaseId, collectionId, 'title');
  await waitAttribute(databases, databaseId, collectionId, 'n');
});
after(async () => { await env?.stop(); });

describe('legacy shapes', () => {
  test('collection model uses documentSecurity and attributes', async () => {
    const c = await databases.getCollection({ databaseId, collectionId });
    assert.equal(c.$id, collectionId);
    assert.equal(c.databaseId, databaseId);
    assert.equal(c.name, 'Notes');
    assert.equal(c.enabled, true);
    assert.equal(c.documentSecurity, true);
    assert.ok(!('rowSecurity' in c));
    assert.ok(!('columns' in c));
    assert.deepEqual(c.attributes.map((a) => a.key).sort(), ['n', 'title']);
    assert.deepEqual(plain(c.indexes), []);
    assert.equal(typeof c.bytesMax, 'number');
    assert.equal(typeof c.bytesUsed, 'number');
    assert.deepEqual(sorted(c.$permissions), sorted([Permission.create(Role.users()), Permission.read(Role.any())]));

    const list = await databases.listCollections({ databaseId });
    assert.deepEqual(list.collections.map((x) => x.$id), [collectionId]);
    assert.equal(list.total, 1);
  });

  test('attribute models', async () => {
    const title = await databases.getAttribute({ databaseId, collectionId, key: 'title' });
    assert.equal(title.type, 'string');
    assert.equal(title.size, 32);
    assert.equal(title.required, true);
    assert.equal(title.status, 'available');
    const n = await databases.getAttribute({ databaseId, collectionId, key: 'n' });
    assert.equal(n.type, 'integer');
    assert.equal(n.min, 0);
    assert.equal(n.max, 1);
    const all = await databases.listAttributes({ databaseId, collectionId });
    assert.equal(all.total, 2);
    assert.deepEqual(all.attributes.map((a) => a.key).sort(), ['n', 'title']);

    const created = await databases.createBooleanAttribute({ databaseId, collectionId, key: 'flag', required: false });
    assertCreatedStatus(created);
    assert.equal(created.type, 'boolean');
    await waitAttribute(databases, databaseId, collectionId, 'flag');
  });

  test('document model uses $collectionId; list uses documents', async () => {
    const doc = await databases.createDocument({ databaseId, collectionId, documentId: 'doc1', data: { title: 'Hello', n: 1 } });
    assert.equal(doc.$id, 'doc1');
    assert.equal(doc.$collectionId, collectionId);
    assert.equal(doc.$databaseId, databaseId);
    assert.ok(!('$tableId' in doc));
    assert.equal(typeof doc.$sequence, 'string');
    assert.match(doc.$createdAt, DATETIME_RE);
    assert.equal(doc.title, 'Hello');
    assert.deepEqual(plain(doc.$permissions), []);

    const list = await databases.listDocuments({ databaseId, collectionId, queries: [Query.equal('title', ['Hello'])] });
    assert.equal(list.total, 1);
    assert.equal(list.documents[0].$id, 'doc1');
    assert.ok(!('rows' in list));

    const updated = await databases.updateDocument({ databaseId, collectionId, documentId: 'doc1', data: { n: 0 } });
    assert.equal(updated.n, 0);
    assert.equal(updated.title, 'Hello');
  });

  test('index model uses attributes', async () => {
    const idx = await databases.createIndex({ databaseId, collectionId, key: 'by_title', type: DatabasesIndexType.Key, attributes: ['title'] });
    assertCreatedStatus(idx);
    assert.deepEqual(plain(idx.attributes), ['title']);
    assert.ok(!('columns' in idx));
    const ready = await waitLegacyIndex(databases, databaseId, collectionId, 'by_title');
    assert.equal(ready.type, 'key');
  });
});

describe('legacy error types', () => {
  test('documents', async () => {
    await expectError(databases.getDocument({ databaseId, collectionId, documentId: 'nope' }), 404, 'document_not_found',
      "Document with the requested ID 'nope' could not be found.");
    await expectError(databases.createDocument({ databaseId, collectionId, documentId: ID.unique(), data: { title: 'x', nope: 1 } }),
      400, 'document_invalid_structure', 'Invalid document structure: Unknown attribute: "nope"');
    await expectError(databases.createDocument({ databaseId, collectionId, documentId: ID.unique(), data: { n: 1 } }),
      400, 'document_invalid_structure', 'Invalid document structure: Missing required attribute "title"');
    await databases.createDocument({ databaseId, collectionId, documentId: 'dupdoc', data: { title: 'dup' } });
    await expectError(databases.createDocument({ databaseId, collectionId, documentId: 'dupdoc', data: { title: 'dup' } }),
      409, 'document_already_exists',
      "Document with the requested ID 'dupdoc' already exists. Try again with a different ID or use ID.unique() to generate a unique ID.");
    await expectError(databases.createDocument({ databaseId, collectionId, documentId: ID.unique(), data: {} }),
      400, 'document_missing_data');
    await expectError(databases.listDocuments({ databaseId, collectionId, queries: [Query.cursorAfter('nope')] }),
      400, 'general_cursor_not_found', "Document 'nope' for the 'cursor' value not found.");
    await expectError(databases.listDocuments({ databaseId, collectionId, queries: [Query.equal('nope', [1])] }),
      400, 'general_query_invalid', 'Invalid query: Attribute not found in schema: nope');
    await databases.createDocument({ databaseId, collectionId, documentId: 'ctr', data: { title: 'ctr', n: 0 } });
    await expectError(databases.incrementDocumentAttribute({ databaseId, collectionId, documentId: 'ctr', attribute: 'n', value: 2, max: 1 }),
      400, 'attribute_limit_exceeded', 'databases "n" has reached the maximum value of 1');
  });

  test('collections, attributes and indexes', async () => {
    await expectError(databases.getCollection({ databaseId, collectionId: 'nope' }), 404, 'collection_not_found',
      "Collection with the requested ID 'nope' could not be found.");
    await expectError(databases.createCollection({ databaseId, collectionId, name: 'again' }), 409, 'collection_already_exists');
    await expectError(databases.listDocuments({ databaseId, collectionId: 'nope' }), 404, 'collection_not_found');
    await expectError(databases.createStringAttribute({ databaseId, collectionId, key: 'title', size: 10, required: false }),
      409, 'attribute_already_exists',
      "Attribute with the requested key 'title' already exists. Attribute keys must be unique, try again with a different key.");
    await expectError(databases.getAttribute({ databaseId, collectionId, key: 'nope' }), 404, 'attribute_not_found',
      "Attribute with the requested key 'nope' could not be found.");
    await expectError(databases.createStringAttribute({ databaseId, collectionId, key: 'reqdef', size: 10, required: true, xdefault: 'x' }),
      400, 'attribute_default_unsupported', 'Cannot set default value for required attribute');
    await expectError(databases.createIndex({ databaseId, collectionId, key: 'badidx', type: DatabasesIndexType.Key, attributes: ['nope'] }),
      400, 'attribute_unknown');
    await expectError(databases.createIndex({ databaseId, collectionId, key: 'by_title', type: DatabasesIndexType.Key, attributes: ['n'] }),
      409, 'index_already_exists');
    await expectError(databases.getIndex({ databaseId, collectionId, key: 'nope' }), 404, 'index_not_found');
    await expectError(databases.get({ databaseId: 'nope' }), 404, 'database_not_found');
  });
});

describe('both APIs see the same data', () => {
  test('a collection is a table and documents are rows', async () => {
    const table = await tdb.getTable({ databaseId, tableId: collectionId });
    assert.equal(table.rowSecurity, true);
    assert.ok(table.columns.some((c) => c.key === 'title' && c.type === 'string'));

    const row = await tdb.getRow({ databaseId, tableId: collectionId, rowId: 'doc1' });
    assert.equal(row.$tableId, collectionId);
    assert.equal(row.title, 'Hello');
    assert.ok(!('$collectionId' in row));

    await tdb.createRow({ databaseId, tableId: collectionId, rowId: 'fromtables', data: { title: 'From TablesDB' } });
    const doc = await databases.getDocument({ databaseId, collectionId, documentId: 'fromtables' });
    assert.equal(doc.title, 'From TablesDB');
    assert.equal(doc.$collectionId, collectionId);

    const rows = await tdb.listRows({ databaseId, tableId: collectionId });
    const docs = await databases.listDocuments({ databaseId, collectionId });
    assert.equal(rows.total, docs.total);
    assert.deepEqual(rows.rows.map((r) => r.$id).sort(), docs.documents.map((d) => d.$id).sort());

    await databases.deleteDocument({ databaseId, collectionId, documentId: 'fromtables' });
    await expectError(tdb.getRow({ databaseId, tableId: collectionId, rowId: 'fromtables' }), 404, 'row_not_found');
  });

  test('columns created through TablesDB are attributes', async () => {
    await tdb.createVarcharColumn({ databaseId, tableId: collectionId, key: 'extra', size: 20, required: false });
    await waitColumns(tdb, databaseId, collectionId, ['extra']);
    const attr = await databases.getAttribute({ databaseId, collectionId, key: 'extra' });
    assert.equal(attr.type, 'varchar');
    assert.equal(attr.size, 20);
  });

  test('databases: tablesDB sees legacy databases; legacy list hides tablesdb ones but get works', async () => {
    const viaTables = await tdb.get({ databaseId });
    assert.equal(viaTables.type, 'legacy');
    assert.ok((await tdb.list()).databases.some((d) => d.$id === databaseId));

    await tdb.create({ databaseId: 'newstyle', name: 'New style' });
    const got = await databases.get({ databaseId: 'newstyle' });
    assert.equal(got.type, 'tablesdb');
    // Legacy list filters type = legacy (H/Databases/XList.php::getDatabaseTypeQueryFilters).
    const legacyList = await databases.list();
    assert.ok(!legacyList.databases.some((d) => d.$id === 'newstyle'));
    assert.ok(legacyList.databases.some((d) => d.$id === databaseId));
    // ...but its collections are reachable by id.
    await tdb.createTable({ databaseId: 'newstyle', tableId: 't', name: 'T' });
    assert.equal((await databases.getCollection({ databaseId: 'newstyle', collectionId: 't' })).name, 'T');
  });

  test('permissions behave the same for session users', async () => {
    const user = await createLoggedInUser(env, { Users, Account, ID }, { tag: 'legacy' });
    const doc = await new Databases(user.client).createDocument({ databaseId, collectionId, documentId: ID.unique(), data: { title: 'mine' } });
    assert.deepEqual(sorted(doc.$permissions), sorted([
      Permission.read(Role.user(user.user.$id)), Permission.update(Role.user(user.user.$id)), Permission.delete(Role.user(user.user.$id)),
    ]));
    await expectError(
      new Databases(user.client).createDocument({ databaseId, collectionId, documentId: ID.unique(), data: { title: 'x' }, permissions: [Permission.read(Role.team('t'))] }),
      401, 'user_unauthorized', /^Permissions must be one of: \(/,
    );
    const row = await new TablesDB(user.client).getRow({ databaseId, tableId: collectionId, rowId: doc.$id });
    assert.equal(row.title, 'mine');
    await expectError(new Databases(user.client).createDocuments({ databaseId, collectionId, documents: [{ title: 'bulk' }] }),
      401, 'general_unauthorized_scope');
  });
});
