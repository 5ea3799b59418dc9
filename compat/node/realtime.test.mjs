// Realtime from a server process: a socket that carries only an API key is a guest (realtime
// never consults keys), so it gets public events but no private ones; the same socket with a
// user's session gets that user's rows. Data is written with node-appwrite.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { TablesDB, Users, ID, Permission, Role } from 'node-appwrite';
import { setup, keyClient, PASSWORD } from './harness.mjs';

let env;
let tdb;
const databaseId = 'rt';
const tableId = 'notes';

/** Opens a realtime socket; resolves with { ws, next() } once `connected` arrived. */
function connect(query, headers) {
  const url = `${env.endpoint.replace('http://', 'ws://')}/realtime?project=${env.projectId}${query}`;
  const ws = new WebSocket(url, { headers });
  const queue = [];
  const waiting = [];
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString());
    const w = waiting.shift();
    if (w) w(msg); else queue.push(msg);
  });
  const next = () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((resolve) => waiting.push(resolve)));
  return next().then((connected) => ({ ws, next, connected }));
}

before(async () => {
  env = await setup({ projectId: 'node-realtime' });
  tdb = new TablesDB(keyClient(env));
  await tdb.create({ databaseId, name: 'RT' });
  await tdb.createTable({ databaseId, tableId, name: 'Notes', rowSecurity: true });
  await tdb.createVarcharColumn({ databaseId, tableId, key: 'title', size: 32, required: true });
  await new Users(keyClient(env)).create({ userId: 'carol', email: 'carol@example.com', password: PASSWORD });
});
after(async () => { await env?.stop(); });

describe('realtime', () => {
  test('a key-only socket is a guest: public events, never private ones', async () => {
    const guest = await connect('&channels[]=rows', { 'X-Appwrite-Key': env.adminKey });
    assert.equal(guest.connected.type, 'connected');
    assert.equal(guest.connected.data.user, null);
    await tdb.createRow({ databaseId, tableId, rowId: 'secret', data: { title: 's' }, permissions: [Permission.read(Role.user('carol'))] });
    await tdb.createRow({ databaseId, tableId, rowId: 'users-only', data: { title: 'u' }, permissions: [Permission.read(Role.users())] });
    await tdb.createRow({ databaseId, tableId, rowId: 'open', data: { title: 'o' }, permissions: [Permission.read(Role.any())] });
    // Events arrive in order: the first one this socket sees must be the public row.
    const event = await guest.next();
    assert.equal(event.type, 'event');
    assert.equal(event.data.payload.$id, 'open');
    guest.ws.close();
  });

  test('with a session the socket acts as the user', async () => {
    const session = await new Users(keyClient(env)).createSession({ userId: 'carol' });
    const carol = await connect('&channels[]=databases.rt.tables.notes.rows', { 'X-Appwrite-Session': session.secret });
    assert.equal(carol.connected.data.user.$id, 'carol');
    await tdb.createRow({ databaseId, tableId, rowId: ID.unique(), data: { title: 'not hers' }, permissions: [Permission.read(Role.user('dave'))] });
    await tdb.createRow({ databaseId, tableId, rowId: 'hers', data: { title: 'h' }, permissions: [Permission.read(Role.user('carol'))] });
    const event = await carol.next();
    assert.equal(event.data.payload.$id, 'hers');
    assert.ok(event.data.channels.includes('databases.rt.tables.notes.rows.hers.create'));
    carol.ws.close();
  });
});
