// TablesDB relationships: oneToMany two-way with cascade, manyToOne with restrict/setNull,
// loading related rows only through select, nested writes, relationship errors.
// Behaviour references: /work/notes/tablesdb-behaviour.md §e (Appwrite 1.9.x
// H/Databases/Collections/Documents/{Get,XList,Create}.php, utopia Database.php relationships).

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TablesDB, ID, Permission, Role, Query, RelationshipType, RelationMutate } from 'node-appwrite';
import { setup, keyClient, expectError } from './harness.mjs';
import { waitColumns, assertCreatedStatus, sorted } from './tablesdb-helpers.mjs';

let env;
let tdb;
const databaseId = 'reldb';

async function table(tableId, column) {
  await tdb.createTable({ databaseId, tableId, name: tableId, permissions: [Permission.read(Role.any())] });
  await tdb.createVarcharColumn({ databaseId, tableId, key: column, size: 64, required: true });
  await waitColumns(tdb, databaseId, tableId, [column]);
}

before(async () => {
  env = await setup({ projectId: 'tablesdb-rel' });
  tdb = new TablesDB(keyClient(env));
  await tdb.create({ databaseId, name: 'Relationships' });
});
after(async () => { await env?.stop(); });

describe('oneToMany, two-way, cascade (authors -> books)', () => {
  let col;
  before(async () => {
    await table('authors', 'name');
    await table('books', 'title');
    col = await tdb.createRelationshipColumn({
      databaseId, tableId: 'authors', relatedTableId: 'books', type: RelationshipType.OneToMany,
      twoWay: true, key: 'books', twoWayKey: 'author', onDelete: RelationMutate.Cascade,
    });
    await waitColumns(tdb, databaseId, 'authors', ['books']);
    await waitColumns(tdb, databaseId, 'books', ['author']);
  });

  test('the relationship column model and its two-way twin', async () => {
    assertCreatedStatus(col);
    assert.equal(col.key, 'books');
    assert.equal(col.type, 'relationship');
    assert.equal(col.required, false);
    assert.equal(col.array, false);
    assert.equal(col.relatedTable, 'books');
    assert.equal(col.relationType, 'oneToMany');
    assert.equal(col.twoWay, true);
    assert.equal(col.twoWayKey, 'author');
    assert.equal(col.onDelete, 'cascade');
    assert.equal(col.side, 'parent');

    const parent = await tdb.getColumn({ databaseId, tableId: 'authors', key: 'books' });
    assert.equal(parent.relatedTable, 'books');
    const child = await tdb.getColumn({ databaseId, tableId: 'books', key: 'author' });
    assert.equal(child.type, 'relationship');
    assert.equal(child.relatedTable, 'authors');
    assert.equal(child.relationType, 'oneToMany');
    assert.equal(child.twoWayKey, 'books');
    assert.equal(child.side, 'child');
    assert.equal(child.onDelete, 'cascade');
  });

  test('creating a row with nested related rows creates them; the response carries them', async () => {
    const author = await tdb.createRow({
      databaseId, tableId: 'authors', rowId: 'ann',
      data: { name: 'Ann', books: [{ $id: 'one', title: 'One' }, { $id: 'two', title: 'Two' }] },
    });
    assert.equal(author.name, 'Ann');
    assert.ok(Array.isArray(author.books));
    assert.deepEqual(sorted(author.books.map((b) => b.title)), ['One', 'Two']);
    for (const b of author.books) {
      assert.equal(b.$tableId, 'books');
      assert.equal(b.$databaseId, databaseId);
      assert.equal(typeof b.$sequence, 'string');
    }
    const one = await tdb.getRow({ databaseId, tableId: 'books', rowId: 'one' });
    assert.equal(one.title, 'One');
  });

  test('related rows are not loaded unless selected', async () => {
    // Without a select, Get/XList wrap the read in skipRelationships(): the virtual side
    // (authors.books) has no stored value and is absent ...
    const author = await tdb.getRow({ databaseId, tableId: 'authors', rowId: 'ann' });
    assert.equal(author.name, 'Ann');
    assert.ok(!('books' in author), 'books not loaded');
    const authors = await tdb.listRows({ databaseId, tableId: 'authors' });
    assert.ok(!('books' in authors.rows[0]));
    // ... while the stored side (books.author) holds the related row's id (inferred from
    // MariaDB::createRelationship storing the id column and Database::decode passing it through).
    const book = await tdb.getRow({ databaseId, tableId: 'books', rowId: 'one' });
    assert.equal(book.author, 'ann');
    // A select that names no relation does not load them either.
    const onlyName = await tdb.getRow({ databaseId, tableId: 'authors', rowId: 'ann', queries: [Query.select(['name'])] });
    assert.ok(!('books' in onlyName));
  });

  test('selecting related columns loads them', async () => {
    const author = await tdb.getRow({ databaseId, tableId: 'authors', rowId: 'ann', queries: [Query.select(['*', 'books.*'])] });
    assert.deepEqual(sorted(author.books.map((b) => b.title)), ['One', 'Two']);
    assert.deepEqual(sorted(author.books.map((b) => b.$id)), ['one', 'two']);

    const titles = await tdb.getRow({ databaseId, tableId: 'authors', rowId: 'ann', queries: [Query.select(['name', 'books.title'])] });
    assert.equal(titles.name, 'Ann');
    assert.deepEqual(sorted(titles.books.map((b) => b.title)), ['One', 'Two']);

    const books = await tdb.listRows({ databaseId, tableId: 'books', queries: [Query.select(['title', 'author.name']), Query.orderAsc('title')] });
    assert.deepEqual(books.rows.map((b) => b.title), ['One', 'Two']);
    for (const b of books.rows) assert.equal(b.author.name, 'Ann');
  });

  test('filtering on the stored side and on related columns', async () => {
    const byAuthor = await tdb.listRows({ databaseId, tableId: 'books', queries: [Query.equal('author', ['ann'])] });
    assert.deepEqual(sorted(byAuthor.rows.map((b) => b.$id)), ['one', 'two']);
    const byName = await tdb.listRows({ databaseId, tableId: 'books', queries: [Query.equal('author.name', ['Ann'])] });
    assert.deepEqual(sorted(byName.rows.map((b) => b.$id)), ['one', 'two']);
    // The parent side of oneToMany is virtual (utopia Validator/Query/Filter.php).
    await expectError(tdb.listRows({ databaseId, tableId: 'authors', queries: [Query.equal('books', ['one'])] }),
      400, 'general_query_invalid', 'Invalid query: Cannot query on virtual relationship attribute');
  });

  test('linking an existing row by id', async () => {
    const three = await tdb.createRow({ databaseId, tableId: 'books', rowId: 'three', data: { title: 'Three', author: 'ann' } });
    assert.equal(three.title, 'Three');
    const author = await tdb.getRow({ databaseId, tableId: 'authors', rowId: 'ann', queries: [Query.select(['*', 'books.*'])] });
    assert.deepEqual(sorted(author.books.map((b) => b.$id)), ['one', 'three', 'two']);
  });

  test('bulk writes are refused on tables with relationships', async () => {
    await expectError(tdb.createRows({ databaseId, tableId: 'books', rows: [{ title: 'Bulk' }] }), 400, 'general_bad_request',
      'Bulk create is not supported for tablesDB with relationship columns');
  });

  test('deleting the parent cascades to its related rows', async () => {
    await tdb.createRow({ databaseId, tableId: 'authors', rowId: 'other', data: { name: 'Other', books: [{ $id: 'keepme', title: 'Kept' }] } });
    await tdb.deleteRow({ databaseId, tableId: 'authors', rowId: 'ann' });
    for (const rowId of ['one', 'two', 'three']) {
      await expectError(tdb.getRow({ databaseId, tableId: 'books', rowId }), 404, 'row_not_found');
    }
    assert.equal((await tdb.getRow({ databaseId, tableId: 'books', rowId: 'keepme' })).title, 'Kept');
  });
});

describe('manyToOne (albums -> artists)', () => {
  before(async () => {
    await table('artists', 'name');
    await table('albums', 'title');
    const col = await tdb.createRelationshipColumn({
      databaseId, tableId: 'albums', relatedTableId: 'artists', type: RelationshipType.ManyToOne,
      twoWay: true, key: 'artist', twoWayKey: 'albums',
    });
    assert.equal(col.relationType, 'manyToOne');
    // onDelete defaults to restrict.
    assert.equal(col.onDelete, 'restrict');
    await waitColumns(tdb, databaseId, 'albums', ['artist']);
    await waitColumns(tdb, databaseId, 'artists', ['albums']);
  });

  test('link by id or by nested object; load through select', async () => {
    await tdb.createRow({ databaseId, tableId: 'artists', rowId: 'nina', data: { name: 'Nina' } });
    const first = await tdb.createRow({ databaseId, tableId: 'albums', rowId: 'first', data: { title: 'First', artist: 'nina' } });
    assert.equal(first.title, 'First');
    const second = await tdb.createRow({ databaseId, tableId: 'albums', rowId: 'second', data: { title: 'Second', artist: { $id: 'miles', name: 'Miles' } } });
    assert.equal(second.artist.name, 'Miles');
    assert.equal((await tdb.getRow({ databaseId, tableId: 'artists', rowId: 'miles' })).name, 'Miles');

    // Not selected: the stored side holds the id, the virtual side is absent.
    const plainAlbum = await tdb.getRow({ databaseId, tableId: 'albums', rowId: 'first' });
    assert.equal(plainAlbum.artist, 'nina');
    const plainArtist = await tdb.getRow({ databaseId, tableId: 'artists', rowId: 'nina' });
    assert.ok(!('albums' in plainArtist));

    const album = await tdb.getRow({ databaseId, tableId: 'albums', rowId: 'first', queries: [Query.select(['*', 'artist.*'])] });
    assert.equal(album.artist.name, 'Nina');
    assert.equal(album.artist.$id, 'nina');
    const artist = await tdb.getRow({ databaseId, tableId: 'artists', rowId: 'nina', queries: [Query.select(['name', 'albums.title'])] });
    assert.deepEqual(artist.albums.map((a) => a.title), ['First']);
  });

  test('restrict: the one side cannot be deleted while referenced; the many side can', async () => {
    await expectError(tdb.deleteRow({ databaseId, tableId: 'artists', rowId: 'nina' }), 403, 'row_delete_restricted',
      'Row cannot be deleted because it is referenced by another row.');
    await tdb.deleteRow({ databaseId, tableId: 'albums', rowId: 'first' });
    await tdb.deleteRow({ databaseId, tableId: 'artists', rowId: 'nina' });
    await expectError(tdb.getRow({ databaseId, tableId: 'artists', rowId: 'nina' }), 404, 'row_not_found');
  });

  test('setNull: deleting the one side clears the link', async () => {
    const updated = await tdb.updateRelationshipColumn({ databaseId, tableId: 'albums', key: 'artist', onDelete: RelationMutate.SetNull });
    assert.equal(updated.onDelete, 'setNull');
    await tdb.createRow({ databaseId, tableId: 'albums', rowId: 'third', data: { title: 'Third', artist: 'miles' } });
    await tdb.deleteRow({ databaseId, tableId: 'artists', rowId: 'miles' });
    const third = await tdb.getRow({ databaseId, tableId: 'albums', rowId: 'third' });
    assert.equal(third.artist, null);
    const second = await tdb.getRow({ databaseId, tableId: 'albums', rowId: 'second' });
    assert.equal(second.artist, null);
  });

  test('relationship errors', async () => {
    await expectError(tdb.createRelationshipColumn({
      databaseId, tableId: 'albums', relatedTableId: 'no-such-table', type: RelationshipType.ManyToOne, key: 'ghost',
    }), 404, 'table_not_found');
    await expectError(tdb.createRelationshipColumn({
      databaseId, tableId: 'albums', relatedTableId: 'artists', type: RelationshipType.ManyToOne, key: 'artist', twoWayKey: 'other',
    }), 409, 'column_already_exists');
    // A list for a manyToOne value (utopia Database::createDocumentRelationships).
    await tdb.createRow({ databaseId, tableId: 'artists', rowId: 'solo', data: { name: 'Solo' } });
    await expectError(tdb.createRow({ databaseId, tableId: 'albums', rowId: ID.unique(), data: { title: 'Bad', artist: ['solo', 'solo2'] } }),
      400, 'relationship_value_invalid', /^Invalid relationship value/);
  });
});
