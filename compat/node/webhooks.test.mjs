// Webhooks through node-appwrite's `Webhooks` service: CRUD, secret rotation, and a real
// delivery to a local receiver with Appwrite's headers and a verifiable signature.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHmac } from 'node:crypto';
import { Webhooks, TablesDB, Users, ID } from 'node-appwrite';
import { setup, keyClient, expectError, PASSWORD } from './harness.mjs';

let env;
let hooks;
let receiver;
let received = [];
let waiting = [];

function nextDelivery() {
  return received.length ? Promise.resolve(received.shift()) : new Promise((resolve) => waiting.push(resolve));
}

before(async () => {
  env = await setup({ projectId: 'node-webhooks' });
  hooks = new Webhooks(keyClient(env));
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const delivery = { headers: req.headers, body };
      const w = waiting.shift();
      if (w) w(delivery); else received.push(delivery);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  receiver?.close();
  await env?.stop();
});

describe('webhooks', () => {
  test('create, get, list, update, rotate the secret, delete', async () => {
    const url = `http://127.0.0.1:${receiver.address().port}/crud`;
    const created = await hooks.create({ webhookId: 'crud', url, name: 'Crud', events: ['users.*.create'] });
    assert.equal(created.$id, 'crud');
    assert.equal(created.enabled, true);
    assert.equal(created.tls, true);
    assert.equal(created.attempts, 0);
    assert.ok(created.secret.length >= 32);
    assert.equal((await hooks.get({ webhookId: 'crud' })).name, 'Crud');
    assert.equal((await hooks.list()).total, 1);
    const updated = await hooks.update({ webhookId: 'crud', name: 'Renamed', url, events: ['users.*.delete'], enabled: false });
    assert.equal(updated.name, 'Renamed');
    assert.equal(updated.enabled, false);
    assert.deepEqual(updated.events, ['users.*.delete']);
    const rotated = await hooks.updateSecret({ webhookId: 'crud' });
    assert.notEqual(rotated.secret, created.secret);
    await hooks.delete({ webhookId: 'crud' });
    await expectError(hooks.get({ webhookId: 'crud' }), 404, 'webhook_not_found');
    await expectError(hooks.create({ webhookId: 'bad', url: 'not a url', name: 'x', events: [] }), 400, 'general_argument_invalid');
  });

  test('an event is delivered with Appwrite headers and a valid signature', async () => {
    const url = `http://127.0.0.1:${receiver.address().port}/users`;
    const hook = await hooks.create({ webhookId: ID.unique(), url, name: 'New users', events: ['users.*.create'] });
    const user = await new Users(keyClient(env)).create({ userId: ID.unique(), email: 'hooked@example.com', password: PASSWORD });
    const { headers, body } = await nextDelivery();
    const payload = JSON.parse(body);
    assert.equal(payload.$id, user.$id);
    assert.equal(payload.password, undefined, 'no password hash in event payloads');
    assert.equal(headers['x-appwrite-webhook-id'], hook.$id);
    assert.equal(headers['x-appwrite-webhook-name'], 'New users');
    assert.equal(headers['x-appwrite-webhook-project-id'], env.projectId);
    assert.ok(headers['x-appwrite-webhook-events'].split(',').includes(`users.${user.$id}.create`));
    const expected = createHmac('sha1', hook.secret).update(url + body).digest('base64');
    assert.equal(headers['x-appwrite-webhook-signature'], expected);
    // Rows too: a row event reaches a webhook that listens to it.
    const tdb = new TablesDB(keyClient(env));
    await tdb.create({ databaseId: 'wh', name: 'WH' });
    await tdb.createTable({ databaseId: 'wh', tableId: 't', name: 'T' });
    await tdb.createVarcharColumn({ databaseId: 'wh', tableId: 't', key: 'title', size: 8, required: false });
    await hooks.update({ webhookId: hook.$id, name: 'Rows', url, events: ['databases.wh.tables.t.rows.*.create'] });
    await tdb.createRow({ databaseId: 'wh', tableId: 't', rowId: 'row1', data: { title: 'x' } });
    const rowDelivery = await nextDelivery();
    assert.equal(JSON.parse(rowDelivery.body).$id, 'row1');
  });
});
