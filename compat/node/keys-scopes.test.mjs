// Guest vs user vs API key, scoped keys, keys of other projects.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, Users, Teams, ID, Query } from 'node-appwrite';
import {
  setup, guestClient, keyClient, uniqueEmail, PASSWORD, expectError, raw, createLoggedInUser,
} from './harness.mjs';

let env;
let otherProjectId;
let otherKey;

before(async () => {
  env = await setup({ projectId: 'keys-scopes' });
  // A second project on the same server, with its own key.
  otherProjectId = await env.server.createProject('keys-other', 'Other project');
  otherKey = await env.server.createKey(otherProjectId, 'all', 'other-admin');
});
after(async () => { await env?.stop(); });

const sdk = { Users, Account, ID };

describe('guest vs user vs key', () => {
  test('guest: account.get and users.list are refused with the role in the message', async () => {
    await expectError(new Account(guestClient(env)).get(), 401, 'general_unauthorized_scope',
      'User (role: guests) missing scopes (["account"])');
    await expectError(new Users(guestClient(env)).list(), 401, 'general_unauthorized_scope',
      'User (role: guests) missing scopes (["users.read"])');
  });

  test('user: account.get works, users.list is refused naming the user email and role users', async () => {
    const u = await createLoggedInUser(env, sdk, { tag: 'scope-user' });
    assert.equal((await new Account(u.client).get()).$id, u.user.$id);
    await expectError(new Users(u.client).list(), 401, 'general_unauthorized_scope',
      `${u.email} (role: users) missing scopes (["users.read"])`);
  });

  test('key: users.list works; account.get has no user behind a key', async () => {
    const list = await new Users(keyClient(env)).list();
    assert.equal(typeof list.total, 'number');
    assert.ok(Array.isArray(list.users));
    // The key role holds no `account` scope.
    await expectError(new Account(keyClient(env)).get(), 401, 'general_unauthorized_scope',
      /\(role: applications\) missing scopes \(\["account"\]\)$/);
  });
});

describe('scoped keys', () => {
  test('users.list with and without users.read', async () => {
    const readKey = await env.key(['users.read']);
    const writeOnly = await env.key(['users.write']);
    const sessionsOnly = await env.key(['sessions.write']);

    const list = await new Users(keyClient(env, readKey)).list({ queries: [Query.limit(1)] });
    assert.ok(list.users.length <= 1);

    for (const key of [writeOnly, sessionsOnly]) {
      // Message: "app.<project>@service.<host> (role: applications) missing scopes (["users.read"])"
      await expectError(new Users(keyClient(env, key)).list(), 401, 'general_unauthorized_scope',
        /\(role: applications\) missing scopes \(\["users\.read"\]\)$/);
    }
  });

  test('a users.read key cannot create users (users.write)', async () => {
    const readKey = await env.key(['users.read']);
    await expectError(
      new Users(keyClient(env, readKey)).create({ userId: ID.unique(), email: uniqueEmail('noscope'), password: PASSWORD }),
      401, 'general_unauthorized_scope', /missing scopes \(\["users\.write"\]\)$/,
    );
    const writeKey = await env.key(['users.write']);
    const created = await new Users(keyClient(env, writeKey)).create({ userId: ID.unique(), email: uniqueEmail('scoped'), password: PASSWORD });
    assert.equal(typeof created.$id, 'string');
  });

  test('teams.read / teams.write are separate scopes', async () => {
    const teamsRead = await env.key(['teams.read']);
    await expectError(new Teams(keyClient(env, teamsRead)).create({ teamId: ID.unique(), name: 'nope' }), 401, 'general_unauthorized_scope');
    const list = await new Teams(keyClient(env, teamsRead)).list();
    assert.equal(typeof list.total, 'number');
  });

  test('several scopes at once', async () => {
    const key = await env.key(['users.read', 'users.write', 'sessions.write']);
    const users = new Users(keyClient(env, key));
    const email = uniqueEmail('multi');
    const user = await users.create({ userId: ID.unique(), email, password: PASSWORD });
    assert.equal((await users.get({ userId: user.$id })).email, email);
    const s = await new Account(keyClient(env, key)).createEmailPasswordSession({ email, password: PASSWORD });
    assert.ok(s.secret.length > 0);
  });
});

describe('foreign and unknown keys', () => {
  test('a key of another project is refused', async () => {
    // The other project's key works for its own project...
    const own = await new Users(guestClient({ ...env, projectId: otherProjectId }).setKey(otherKey)).list();
    assert.equal(typeof own.total, 'number');
    // ...but not with this project's X-Appwrite-Project. Appwrite 1.9.x looks the
    // key up in the *requested* project (src/Appwrite/Auth/Key.php::decode returns
    // a guest key when it is not found) and then refuses it in
    // app/controllers/shared/api.php (`if (!$dbKey) throw USER_UNAUTHORIZED`).
    // PROTOCOL §3 names project_id_missing for a key whose project differs from
    // the header; that branch is only reachable when the header is absent (next test).
    await expectError(new Users(keyClient(env, otherKey)).list(), 401, 'user_unauthorized');
  });

  test('a key without X-Appwrite-Project -> 403 project_id_missing', async () => {
    // app/init/resources/request.php: key bound to a project but no/other
    // project header -> PROJECT_ID_MISSING.
    const res = await raw(env, '/users', { project: false, headers: { 'X-Appwrite-Key': env.adminKey } });
    assert.equal(res.status, 403, res.text);
    assert.equal(res.json.type, 'project_id_missing');
    assert.equal(res.json.code, 403);
  });

  test('an unknown key is refused', async () => {
    // Same code path as the foreign key: not found in the project -> 401 user_unauthorized.
    const bogus = `standard_${'ab'.repeat(128)}`;
    await expectError(new Users(keyClient(env, bogus)).list(), 401, 'user_unauthorized');
  });

  test('unknown project -> 404 project_not_found', async () => {
    const res = await raw(env, '/account', { headers: { 'X-Appwrite-Project': 'no-such-project' } });
    assert.equal(res.status, 404, res.text);
    assert.equal(res.json.type, 'project_not_found');
  });
});

describe('key plus session', () => {
  test('a project key together with a session: the key role wins (PROTOCOL §14)', async () => {
    const u = await createLoggedInUser(env, sdk, { tag: 'key-and-session' });
    const both = keyClient(env).setSession(u.secret);
    // Key role: users.list works, account.get has no account scope.
    const list = await new Users(both).list({ queries: [Query.limit(1)] });
    assert.equal(typeof list.total, 'number');
  });
});
