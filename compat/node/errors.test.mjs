// Error types and codes for bad input, as the SDK surfaces them
// (AppwriteException.code / .type / .response) and on the wire.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, Users, Teams, ID } from 'node-appwrite';
import { setup, keyClient, uniqueEmail, PASSWORD, expectError, raw } from './harness.mjs';

let env;
before(async () => { env = await setup({ projectId: 'errors-suite' }); });
after(async () => { await env?.stop(); });

const ID_MESSAGE_RE = /at most 36 chars\. Valid chars are a-z, A-Z, 0-9, period, hyphen, and underscore\. Can't start with a special char/;

describe('wire format of errors', () => {
  test('error body is {message, code, type, version} JSON with no-cache headers', async () => {
    const res = await raw(env, '/account');
    assert.equal(res.status, 401);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(Object.keys(res.json).sort(), ['code', 'message', 'type', 'version']);
    assert.equal(res.json.code, 401);
    assert.equal(typeof res.json.code, 'number');
    assert.match(res.json.version, /^\d+\.\d+\.\d+/);
    assert.equal(res.headers.get('cache-control'), 'no-cache, no-store, must-revalidate');
    assert.equal(res.headers.get('pragma'), 'no-cache');
    assert.equal(res.headers.get('expires'), '0');
  });

  test('unknown route -> 404 general_route_not_found', async () => {
    const res = await raw(env, '/this/route/does/not/exist');
    assert.equal(res.status, 404, res.text);
    assert.equal(res.json.type, 'general_route_not_found');
    const res2 = await raw(env, '/users/x/nothing-here', { method: 'POST', body: {}, headers: { 'X-Appwrite-Key': env.adminKey } });
    assert.equal(res2.status, 404, res2.text);
    assert.equal(res2.json.type, 'general_route_not_found');
  });
});

describe('bad input', () => {
  test('malformed JSON body -> 400 general_argument_invalid (the body is read as empty params)', async () => {
    // utopia-php/http Swoole Request::generateInput: json_decode failure -> payload [] ->
    // required param missing -> 400 general_argument_invalid.
    const res = await raw(env, '/users', {
      method: 'POST',
      headers: { 'X-Appwrite-Key': env.adminKey, 'Content-Type': 'application/json' },
      body: '{"userId": "abc", "email": ',
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.type, 'general_argument_invalid');
  });

  test('invalid userId characters, leading special char, 37+ chars -> 400 general_argument_invalid', async () => {
    const users = new Users(keyClient(env));
    for (const bad of ['bad id!', '_leading', '-leading', '.leading', 'a'.repeat(37), 'ünïcode']) {
      await expectError(users.create({ userId: bad, email: uniqueEmail('badid'), password: PASSWORD }), 400, 'general_argument_invalid', ID_MESSAGE_RE);
    }
    // Exactly 36 chars is fine.
    const ok = await users.create({ userId: 'a'.repeat(36), email: uniqueEmail('id36') });
    assert.equal(ok.$id, 'a'.repeat(36));
    // Same rule on account.create and teams.create.
    await expectError(new Account(keyClient(env)).create({ userId: 'b'.repeat(37), email: uniqueEmail('acc'), password: PASSWORD }), 400, 'general_argument_invalid');
    await expectError(new Teams(keyClient(env)).create({ teamId: 'bad team', name: 'x' }), 400, 'general_argument_invalid');
  });

  test('password shorter than 8 chars -> 400 general_argument_invalid', async () => {
    await expectError(new Users(keyClient(env)).create({ userId: ID.unique(), email: uniqueEmail('shortpw'), password: 'short' }), 400, 'general_argument_invalid');
    await expectError(new Account(keyClient(env)).create({ userId: ID.unique(), email: uniqueEmail('shortpw2'), password: '1234567' }), 400, 'general_argument_invalid');
    // Login with a < 8 char password is a validation error too (Password validator), not 401.
    await expectError(new Account(keyClient(env)).createEmailPasswordSession({ email: uniqueEmail('x'), password: 'short' }), 400, 'general_argument_invalid');
  });

  test('invalid email -> 400 general_argument_invalid', async () => {
    await expectError(new Users(keyClient(env)).create({ userId: ID.unique(), email: 'not-an-email', password: PASSWORD }), 400, 'general_argument_invalid');
    await expectError(new Account(keyClient(env)).createEmailPasswordSession({ email: 'not-an-email', password: PASSWORD }), 400, 'general_argument_invalid');
  });

  test('missing required parameter -> 400 general_argument_invalid', async () => {
    const res = await raw(env, '/users', { method: 'POST', headers: { 'X-Appwrite-Key': env.adminKey }, body: { email: uniqueEmail('noid') } });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.type, 'general_argument_invalid');
  });

  test('duplicate user -> 409 user_already_exists', async () => {
    const users = new Users(keyClient(env));
    const email = uniqueEmail('dup');
    const u = await users.create({ userId: ID.unique(), email, password: PASSWORD });
    await expectError(users.create({ userId: ID.unique(), email, password: PASSWORD }), 409, 'user_already_exists');
    await expectError(users.create({ userId: u.$id, email: uniqueEmail('dup-other') }), 409, 'user_already_exists');
  });

  test('wrong password -> 401 user_invalid_credentials with the Appwrite message', async () => {
    const email = uniqueEmail('wrongpw');
    await new Users(keyClient(env)).create({ userId: ID.unique(), email, password: PASSWORD });
    await expectError(
      new Account(keyClient(env)).createEmailPasswordSession({ email, password: 'Wrong-Password-1' }),
      401, 'user_invalid_credentials', 'Invalid credentials. Please check the email and password.',
    );
  });

  test('user without a password cannot log in with one', async () => {
    const email = uniqueEmail('nopw');
    await new Users(keyClient(env)).create({ userId: ID.unique(), email });
    await expectError(new Account(keyClient(env)).createEmailPasswordSession({ email, password: PASSWORD }), 401, 'user_invalid_credentials');
  });

  test('not found resources -> 404 <resource>_not_found', async () => {
    await expectError(new Users(keyClient(env)).get({ userId: 'missing-user' }), 404, 'user_not_found');
    await expectError(new Teams(keyClient(env)).get({ teamId: 'missing-team' }), 404, 'team_not_found');
  });
});
