// TablesDB permissions for session users and guests: private rows, team roles, the
// permission-granting rule, rowSecurity on/off, disabled tables/databases.
// Behaviour references: /work/notes/tablesdb-behaviour.md §d, §g; PROTOCOL.md §4.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TablesDB, Teams, Users, Account, ID, Permission, Role, Query } from 'node-appwrite';
import { setup, keyClient, guestClient, expectError, createLoggedInUser, plain } from './harness.mjs';
import { waitColumns, sorted } from './tablesdb-helpers.mjs';

let env;
let admin;
const databaseId = 'pdb';
const sdk = { Users, Account, ID };

let alice;
let bob;
let guest;

before(async () => {
  env = await setup({ projectId: 'tablesdb-perms' });
  admin = new TablesDB(keyClient(env));
  await admin.create({ databaseId, name: 'Permissions' });
  alice = await createLoggedInUser(env, sdk, { tag: 'alice', name: 'Alice' });
  bob = await createLoggedInUser(env, sdk, { tag: 'bob', name: 'Bob' });
  guest = new TablesDB(guestClient(env));
});
after(async () => { await env?.stop(); });

/** A table with one required `body` column. */
async function makeTable(tableId, { permissions, rowSecurity = true, enabled } = {}) {
  await admin.createTable({ databaseId, tableId, name: tableId, permissions, rowSecurity, enabled });
  await admin.createVarcharColumn({ databaseId, tableId, key: 'body', size: 255, required: true });
  await waitColumns(admin, databaseId, tableId, ['body']);
  return tableId;
}

const as = (who) => new TablesDB(who.client);
const userPerms = (id) => sorted([Permission.read(Role.user(id)), Permission.update(Role.user(id)), Permission.delete(Role.user(id))]);

describe('private rows (rowSecurity, table create(users))', () => {
  const tableId = 'private';
  let rowId;

  before(async () => {
    await makeTable(tableId, { permissions: [Permission.create(Role.users())], rowSecurity: true });
  });

  test('a user creates a row only they can read (default permissions)', async () => {
    const row = await as(alice).createRow({ databaseId, tableId, rowId: ID.unique(), data: { body: 'secret' } });
    rowId = row.$id;
    // Default permissions for a session user: read/update/delete("user:<id>")
    // (Documents/Create.php setPermissions).
    assert.deepEqual(sorted(row.$permissions), userPerms(alice.user.$id));
    assert.equal(row.body, 'secret');

    const mine = await as(alice).listRows({ databaseId, tableId });
    assert.equal(mine.total, 1);
    assert.deepEqual(mine.rows.map((r) => r.$id), [rowId]);
    const got = await as(alice).getRow({ databaseId, tableId, rowId });
    assert.equal(got.body, 'secret');
  });

  test('another user sees nothing: empty list, get -> 404 row_not_found', async () => {
    const list = await as(bob).listRows({ databaseId, tableId });
    assert.equal(list.total, 0);
    assert.deepEqual(plain(list.rows), []);
    await expectError(as(bob).getRow({ databaseId, tableId, rowId }), 404, 'row_not_found',
      `Row with the requested ID '${rowId}' could not be found.`);
    const filtered = await as(bob).listRows({ databaseId, tableId, queries: [Query.equal('$id', [rowId])] });
    assert.equal(filtered.total, 0);
  });

  test('a guest sees nothing either', async () => {
    const list = await guest.listRows({ databaseId, tableId });
    assert.equal(list.total, 0);
    assert.deepEqual(plain(list.rows), []);
    await expectError(guest.getRow({ databaseId, tableId, rowId }), 404, 'row_not_found');
  });

  test('another user cannot update or delete the row -> 401 user_unauthorized', async () => {
    // The row is found with authorization skipped, then utopia checks update/delete
    // permission and throws Authorization -> 401 (Documents/Update.php, Delete.php).
    await expectError(as(bob).updateRow({ databaseId, tableId, rowId, data: { body: 'mine now' } }), 401, 'user_unauthorized');
    await expectError(as(bob).deleteRow({ databaseId, tableId, rowId }), 401, 'user_unauthorized');
    await expectError(guest.deleteRow({ databaseId, tableId, rowId }), 401, 'user_unauthorized');
    assert.equal((await as(alice).getRow({ databaseId, tableId, rowId })).body, 'secret');
  });

  test('the owner updates and deletes the row', async () => {
    const r = await as(alice).createRow({ databaseId, tableId, rowId: ID.unique(), data: { body: 'temp' } });
    const u = await as(alice).updateRow({ databaseId, tableId, rowId: r.$id, data: { body: 'changed' } });
    assert.equal(u.body, 'changed');
    assert.deepEqual(sorted(u.$permissions), userPerms(alice.user.$id), 'permissions kept when omitted');
    await as(alice).deleteRow({ databaseId, tableId, rowId: r.$id });
    await expectError(as(alice).getRow({ databaseId, tableId, rowId: r.$id }), 404, 'row_not_found');
  });

  test('guests cannot create rows without a create permission for them', async () => {
    await expectError(guest.createRow({ databaseId, tableId, rowId: ID.unique(), data: { body: 'x' } }), 401, 'user_unauthorized');
  });

  test('the key sees every row', async () => {
    const all = await admin.listRows({ databaseId, tableId });
    assert.ok(all.rows.some((r) => r.$id === rowId));
  });

  test('sessions cannot read table metadata (tables.read scope)', async () => {
    await expectError(as(alice).getTable({ databaseId, tableId }), 401, 'general_unauthorized_scope');
    await expectError(as(alice).get({ databaseId }), 401, 'general_unauthorized_scope');
  });
});

describe('granting permissions', () => {
  const tableId = 'granting';
  before(async () => {
    await makeTable(tableId, { permissions: [Permission.create(Role.users())], rowSecurity: true });
  });

  test('granting a role the caller does not hold -> 401 user_unauthorized', async () => {
    const err = await expectError(
      as(alice).createRow({ databaseId, tableId, rowId: ID.unique(), data: { body: 'x' }, permissions: [Permission.read(Role.user(bob.user.$id))] }),
      401, 'user_unauthorized', /^Permissions must be one of: \(.*\)$/,
    );
    // The message lists the caller's roles.
    assert.ok(err.message.includes(`user:${alice.user.$id}`), err.message);
    assert.ok(err.message.includes('any'), err.message);

    // Verified dimension: a fresh user is unverified.
    await expectError(
      as(alice).createRow({ databaseId, tableId, rowId: ID.unique(), data: { body: 'x' }, permissions: [Permission.read(Role.user(alice.user.$id, 'verified'))] }),
      401, 'user_unauthorized',
    );
    await expectError(
      as(alice).createRow({ databaseId, tableId, rowId: ID.unique(), data: { body: 'x' }, permissions: [Permission.read(Role.team('someteam'))] }),
      401, 'user_unauthorized',
    );
    await expectError(
      as(alice).createRow({ databaseId, tableId, rowId: ID.unique(), data: { body: 'x' }, permissions: [Permission.read(Role.guests())] }),
      401, 'user_unauthorized',
    );
  });

  test('roles the caller holds (any, users, own user) can be granted', async () => {
    const pub = await as(alice).createRow({ databaseId, tableId, rowId: ID.unique(), data: { body: 'public' }, permissions: [Permission.read(Role.any())] });
    assert.deepEqual(plain(pub.$permissions), [Permission.read(Role.any())]);
    assert.equal((await as(bob).getRow({ databaseId, tableId, rowId: pub.$id })).body, 'public');
    assert.equal((await guest.getRow({ databaseId, tableId, rowId: pub.$id })).body, 'public');

    const members = await as(alice).createRow({
      databaseId, tableId, rowId: ID.unique(), data: { body: 'users' },
      permissions: [Permission.read(Role.users()), Permission.update(Role.user(alice.user.$id)), Permission.delete(Role.user(alice.user.$id, 'unverified'))],
    });
    assert.equal((await as(bob).getRow({ databaseId, tableId, rowId: members.$id })).body, 'users');
    await expectError(guest.getRow({ databaseId, tableId, rowId: members.$id }), 404, 'row_not_found');
    // bob can read but not update.
    await expectError(as(bob).updateRow({ databaseId, tableId, rowId: members.$id, data: { body: 'x' } }), 401, 'user_unauthorized');
  });

  test('updateRow applies the same granting rule', async () => {
    const r = await as(alice).createRow({ databaseId, tableId, rowId: ID.unique(), data: { body: 'x' } });
    await expectError(
      as(alice).updateRow({ databaseId, tableId, rowId: r.$id, permissions: [Permission.read(Role.user(bob.user.$id))] }),
      401, 'user_unauthorized', /^Permissions must be one of: \(/,
    );
    const opened = await as(alice).updateRow({ databaseId, tableId, rowId: r.$id, permissions: [Permission.read(Role.users()), Permission.update(Role.user(alice.user.$id))] });
    assert.deepEqual(sorted(opened.$permissions), sorted([Permission.read(Role.users()), Permission.update(Role.user(alice.user.$id))]));
    assert.equal((await as(bob).getRow({ databaseId, tableId, rowId: r.$id })).body, 'x');
  });

  test('a key may grant any role', async () => {
    const r = await admin.createRow({ databaseId, tableId, rowId: ID.unique(), data: { body: 'for bob' }, permissions: [Permission.read(Role.user(bob.user.$id))] });
    assert.equal((await as(bob).getRow({ databaseId, tableId, rowId: r.$id })).body, 'for bob');
    await expectError(as(alice).getRow({ databaseId, tableId, rowId: r.$id }), 404, 'row_not_found');
  });
});

describe('team roles', () => {
  const tableId = 'teamrows';
  let owner;
  let member;
  let teamId;

  before(async () => {
    await makeTable(tableId, { permissions: [Permission.create(Role.users())], rowSecurity: true });
    owner = await createLoggedInUser(env, sdk, { tag: 'owner' });
    member = await createLoggedInUser(env, sdk, { tag: 'member' });
    teamId = (await new Teams(owner.client).create({ teamId: ID.unique(), name: 'Crew' })).$id;
    await new Teams(keyClient(env)).createMembership({ teamId, roles: ['editor'], userId: member.user.$id });
  });

  test('rows readable by team:<id> are visible to every member and nobody else', async () => {
    const r = await as(owner).createRow({ databaseId, tableId, rowId: ID.unique(), data: { body: 'team' }, permissions: [Permission.read(Role.team(teamId))] });
    assert.equal((await as(member).getRow({ databaseId, tableId, rowId: r.$id })).body, 'team');
    assert.ok((await as(member).listRows({ databaseId, tableId })).rows.some((x) => x.$id === r.$id));
    await expectError(as(bob).getRow({ databaseId, tableId, rowId: r.$id }), 404, 'row_not_found');
    await expectError(guest.getRow({ databaseId, tableId, rowId: r.$id }), 404, 'row_not_found');
  });

  test('rows readable by team:<id>/owner are hidden from plain members', async () => {
    const r = await as(owner).createRow({ databaseId, tableId, rowId: ID.unique(), data: { body: 'owners' }, permissions: [Permission.read(Role.team(teamId, 'owner'))] });
    assert.equal((await as(owner).getRow({ databaseId, tableId, rowId: r.$id })).body, 'owners');
    await expectError(as(member).getRow({ databaseId, tableId, rowId: r.$id }), 404, 'row_not_found');
    const memberList = await as(member).listRows({ databaseId, tableId, queries: [Query.equal('$id', [r.$id])] });
    assert.equal(memberList.total, 0);
  });

  test('team roles can only be granted by holders', async () => {
    // The owner is not an editor.
    await expectError(
      as(owner).createRow({ databaseId, tableId, rowId: ID.unique(), data: { body: 'x' }, permissions: [Permission.read(Role.team(teamId, 'editor'))] }),
      401, 'user_unauthorized',
    );
    await expectError(
      as(member).createRow({ databaseId, tableId, rowId: ID.unique(), data: { body: 'x' }, permissions: [Permission.read(Role.team(teamId, 'owner'))] }),
      401, 'user_unauthorized',
    );
    // The member holds team:<id>/editor and team:<id>.
    const r = await as(member).createRow({
      databaseId, tableId, rowId: ID.unique(), data: { body: 'editors' },
      permissions: [Permission.read(Role.team(teamId, 'editor')), Permission.update(Role.team(teamId))],
    });
    await expectError(as(owner).getRow({ databaseId, tableId, rowId: r.$id }), 404, 'row_not_found');
    // ...but the owner holds team:<id>, so the owner may update it without reading it.
    const updated = await as(owner).updateRow({ databaseId, tableId, rowId: r.$id, data: { body: 'edited by owner' } });
    assert.equal(updated.body, 'edited by owner');
  });
});

describe('rowSecurity off', () => {
  const tableId = 'shared';
  before(async () => {
    await makeTable(tableId, { permissions: [Permission.create(Role.users()), Permission.read(Role.users())], rowSecurity: false });
  });

  test('table permissions decide; row permissions are ignored', async () => {
    const r = await as(alice).createRow({ databaseId, tableId, rowId: ID.unique(), data: { body: 'shared' } });
    // Row permissions are still stored (user defaults) ...
    assert.deepEqual(sorted(r.$permissions), userPerms(alice.user.$id));
    // ... but bob reads through the table's read("users").
    assert.equal((await as(bob).getRow({ databaseId, tableId, rowId: r.$id })).body, 'shared');
    // No table update/delete permission -> even the creator may not update.
    await expectError(as(alice).updateRow({ databaseId, tableId, rowId: r.$id, data: { body: 'x' } }), 401, 'user_unauthorized');
    await expectError(as(alice).deleteRow({ databaseId, tableId, rowId: r.$id }), 401, 'user_unauthorized');
  });

  test('without table read a guest list is refused and a get is 404', async () => {
    const r = await admin.createRow({ databaseId, tableId, rowId: ID.unique(), data: { body: 'k' }, permissions: [Permission.read(Role.any())] });
    // utopia find() throws Authorization when neither the table nor rowSecurity allows reading.
    await expectError(guest.listRows({ databaseId, tableId }), 401, 'user_unauthorized');
    await expectError(guest.getRow({ databaseId, tableId, rowId: r.$id }), 404, 'row_not_found');
  });
});

describe('disabled tables and databases', () => {
  test('a disabled table is 404 for sessions but not for keys', async () => {
    const tableId = 'switchable';
    await makeTable(tableId, { permissions: [Permission.create(Role.users()), Permission.read(Role.users())], rowSecurity: true });
    const r = await as(alice).createRow({ databaseId, tableId, rowId: ID.unique(), data: { body: 'on' } });

    // updateTable resets rowSecurity to false when omitted, so pass it again.
    await admin.updateTable({ databaseId, tableId, name: tableId, rowSecurity: true, enabled: false });
    await expectError(as(alice).listRows({ databaseId, tableId }), 404, 'table_not_found',
      `Table with the requested ID '${tableId}' could not be found.`);
    await expectError(as(alice).getRow({ databaseId, tableId, rowId: r.$id }), 404, 'table_not_found');
    await expectError(as(alice).createRow({ databaseId, tableId, rowId: ID.unique(), data: { body: 'x' } }), 404, 'table_not_found');
    await expectError(as(alice).updateRow({ databaseId, tableId, rowId: r.$id, data: { body: 'x' } }), 404, 'table_not_found');
    await expectError(as(alice).deleteRow({ databaseId, tableId, rowId: r.$id }), 404, 'table_not_found');
    await expectError(guest.listRows({ databaseId, tableId }), 404, 'table_not_found');
    const viaKey = await admin.listRows({ databaseId, tableId });
    assert.equal(viaKey.total, 1);

    await admin.updateTable({ databaseId, tableId, name: tableId, rowSecurity: true, enabled: true });
    assert.equal((await as(alice).listRows({ databaseId, tableId })).total, 1);
  });

  test('a disabled database is 404 for sessions but not for keys', async () => {
    const otherDb = 'switchdb';
    await admin.create({ databaseId: otherDb, name: 'Switch' });
    await admin.createTable({ databaseId: otherDb, tableId: 't', name: 't', permissions: [Permission.read(Role.any())] });
    await admin.update({ databaseId: otherDb, name: 'Switch', enabled: false });
    await expectError(as(alice).listRows({ databaseId: otherDb, tableId: 't' }), 404, 'database_not_found',
      `Database with the requested ID '${otherDb}' could not be found.`);
    await expectError(guest.listRows({ databaseId: otherDb, tableId: 't' }), 404, 'database_not_found');
    assert.equal((await admin.listRows({ databaseId: otherDb, tableId: 't' })).total, 0);
    // update() without `enabled` re-enables (param default true).
    await admin.update({ databaseId: otherDb, name: 'Switch' });
    assert.equal((await guest.listRows({ databaseId: otherDb, tableId: 't' })).total, 0);
  });
});
