// Project service of node-appwrite 27.1.0 (/v1/project/*): API keys and
// platforms; CORS driven by web platforms; ping; common response headers.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Project, Users, Account, ID, Query } from 'node-appwrite';
import { setup, guestClient, keyClient, expectError, raw, uniqueEmail, PASSWORD } from './harness.mjs';

let env;
before(async () => { env = await setup({ projectId: 'project-suite' }); });
after(async () => { await env?.stop(); });

describe('project keys (Project service)', () => {
  test('createKey / listKeys / getKey / updateKey / deleteKey', async () => {
    const project = new Project(keyClient(env));
    const keyId = ID.unique();
    const created = await project.createKey({ keyId, name: 'Reader', scopes: ['users.read'] });
    assert.equal(created.$id, keyId);
    assert.equal(created.name, 'Reader');
    assert.deepEqual(created.scopes, ['users.read']);
    assert.match(created.secret, /^standard_[0-9a-f]+$/);
    assert.equal(created.expire, '', 'no expiry -> empty datetime');
    assert.ok(Array.isArray(created.sdks));

    // The new key works with its scope, and only with it.
    const users = await new Users(keyClient(env, created.secret)).list();
    assert.equal(typeof users.total, 'number');
    await expectError(new Users(keyClient(env, created.secret)).create({ userId: ID.unique(), email: uniqueEmail('k') }), 401, 'general_unauthorized_scope');

    const list = await project.listKeys();
    assert.ok(list.total >= 2, 'the CLI admin key and the new one');
    assert.ok(list.keys.some((k) => k.$id === keyId));

    const got = await project.getKey({ keyId });
    assert.equal(got.name, 'Reader');
    assert.deepEqual(got.scopes, ['users.read']);

    const updated = await project.updateKey({ keyId, name: 'Writer', scopes: ['users.read', 'users.write'] });
    assert.equal(updated.name, 'Writer');
    assert.deepEqual([...updated.scopes].sort(), ['users.read', 'users.write']);
    const u = await new Users(keyClient(env, created.secret)).create({ userId: ID.unique(), email: uniqueEmail('k2') });
    assert.equal(typeof u.$id, 'string');

    await project.deleteKey({ keyId });
    await expectError(project.getKey({ keyId }), 404, 'key_not_found');
    // A deleted key is unknown: refused like any unknown key (see keys-scopes.test.mjs).
    await expectError(new Users(keyClient(env, created.secret)).list(), 401, 'user_unauthorized');
  });

  test('createKey with an expiry in the future', async () => {
    const project = new Project(keyClient(env));
    const expire = new Date(Date.now() + 3600_000).toISOString();
    const k = await project.createKey({ keyId: ID.unique(), name: 'Expiring', scopes: ['users.read'], expire });
    assert.ok(Date.parse(k.expire) > Date.now());
    assert.equal(typeof (await new Users(keyClient(env, k.secret)).list()).total, 'number');
  });

  test('invalid scope -> 400 general_argument_invalid', async () => {
    await expectError(new Project(keyClient(env)).createKey({ keyId: ID.unique(), name: 'Bad', scopes: ['not.a.scope'] }), 400, 'general_argument_invalid');
  });

  test('keys.read / keys.write scopes are enforced', async () => {
    const usersOnly = await env.key(['users.read']);
    await expectError(new Project(keyClient(env, usersOnly)).listKeys(), 401, 'general_unauthorized_scope');
    await expectError(new Project(guestClient(env)).listKeys(), 401, 'general_unauthorized_scope');
  });
});

describe('platforms and CORS', () => {
  const hostname = 'app.compat.test';
  let platformId;

  test('createWebPlatform / listPlatforms / getPlatform', async () => {
    const project = new Project(keyClient(env));
    platformId = ID.unique();
    const p = await project.createWebPlatform({ platformId, name: 'Web app', hostname });
    assert.equal(p.$id, platformId);
    assert.equal(p.name, 'Web app');
    assert.equal(p.type, 'web');
    assert.equal(p.hostname, hostname);
    const list = await project.listPlatforms();
    assert.ok(list.platforms.some((x) => x.$id === platformId));
    const got = await project.getPlatform({ platformId });
    assert.equal(got.hostname, hostname);
  });

  test('a registered web origin gets CORS headers (credentials allowed, origin echoed)', async () => {
    const origin = `http://${hostname}`;
    const res = await raw(env, '/account', { headers: { Origin: origin } });
    assert.equal(res.status, 401, res.text);
    assert.equal(res.json.type, 'general_unauthorized_scope');
    assert.equal(res.headers.get('access-control-allow-origin'), origin);
    assert.equal(res.headers.get('access-control-allow-credentials'), 'true');

    const pre = await raw(env, '/account/sessions/email', {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,x-appwrite-project,x-sdk-version',
      },
    });
    assert.equal(pre.status, 204, pre.text);
    assert.equal(pre.headers.get('access-control-allow-origin'), origin);
    assert.equal(pre.headers.get('access-control-allow-credentials'), 'true');
    const methods = (pre.headers.get('access-control-allow-methods') ?? '').toUpperCase();
    for (const m of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) assert.ok(methods.includes(m), `allow-methods has ${m}`);
    const allowHeaders = (pre.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    for (const h of ['content-type', 'x-appwrite-project', 'x-appwrite-key', 'x-appwrite-session', 'x-appwrite-jwt', 'x-sdk-version', 'x-fallback-cookies']) {
      assert.ok(allowHeaders.includes(h), `allow-headers has ${h}`);
    }
    const expose = (pre.headers.get('access-control-expose-headers') ?? '').toLowerCase();
    assert.ok(expose.includes('x-fallback-cookies'), 'expose-headers has X-Fallback-Cookies');
  });

  test('a browser login from the registered origin works', async () => {
    const email = uniqueEmail('cors');
    await new Users(keyClient(env)).create({ userId: ID.unique(), email, password: PASSWORD });
    const res = await raw(env, '/account/sessions/email', { method: 'POST', headers: { Origin: `http://${hostname}` }, body: { email, password: PASSWORD } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.headers.get('access-control-allow-origin'), `http://${hostname}`);
  });

  test('an unknown origin without a key -> 403 general_unknown_origin', async () => {
    const res = await raw(env, '/account', { headers: { Origin: 'http://evil.compat.test' } });
    assert.equal(res.status, 403, res.text);
    assert.equal(res.json.type, 'general_unknown_origin');
    // Requests carrying an API key are not origin-checked.
    const withKey = await raw(env, '/users', { headers: { Origin: 'http://evil.compat.test', 'X-Appwrite-Key': env.adminKey } });
    assert.equal(withKey.status, 200, withKey.text);
  });

  test('deletePlatform removes the origin', async () => {
    const project = new Project(keyClient(env));
    await project.deletePlatform({ platformId });
    await expectError(project.getPlatform({ platformId }), 404, 'platform_not_found');
    const res = await raw(env, '/account', { headers: { Origin: `http://${hostname}` } });
    assert.equal(res.status, 403, res.text);
    assert.equal(res.json.type, 'general_unknown_origin');
  });
});

describe('ping and headers', () => {
  test('client.ping() -> Pong!', async () => {
    const client = new Client().setEndpoint(env.endpoint).setProject(env.projectId);
    const pong = await client.ping();
    // text/plain body: node-appwrite wraps non-JSON bodies as {message}.
    assert.deepEqual(pong, { message: 'Pong!' });
    const res = await raw(env, '/ping');
    assert.equal(res.status, 200);
    assert.equal(res.text, 'Pong!');
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  });

  test('JSON responses carry application/json; charset=UTF-8 and the Appwrite headers', async () => {
    const res = await raw(env, '/users', { headers: { 'X-Appwrite-Key': env.adminKey } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json; charset=utf-8$/i);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('server'), 'Appwrite');
    assert.deepEqual(Object.keys(res.json).sort(), ['total', 'users']);
  });

  test('204 responses have an empty body and a non-JSON Content-Type', async () => {
    // Python SDK: reads response.headers['Content-Type'] unconditionally (KeyError if missing).
    // node-appwrite: JSON-parses any body whose Content-Type includes application/json,
    // and JSON.parse('') throws, so a 204 must not claim application/json.
    const u = await new Users(keyClient(env)).create({ userId: ID.unique(), email: uniqueEmail('204') });
    const res = await raw(env, `/users/${u.$id}`, { method: 'DELETE', headers: { 'X-Appwrite-Key': env.adminKey, 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    const ct = res.headers.get('content-type');
    assert.ok(ct, 'Content-Type present on 204');
    assert.doesNotMatch(ct, /application\/json/);
  });

  test('the response-format header of node-appwrite 27.1.0 (1.9.5) is accepted', async () => {
    const client = keyClient(env);
    assert.equal(client.getHeaders()['X-Appwrite-Response-Format'], '1.9.5');
    const list = await new Users(client).list({ queries: [Query.limit(1)] });
    assert.equal(typeof list.total, 'number');
  });

  test('the SDK sends datetimes and reads them back in Appwrite format', async () => {
    const u = await new Users(keyClient(env)).create({ userId: ID.unique(), email: uniqueEmail('dt'), password: PASSWORD });
    const s = await new Account(keyClient(env)).createEmailPasswordSession({ email: u.email, password: PASSWORD });
    assert.match(s.expire, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    assert.match(s.$createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
  });
});
