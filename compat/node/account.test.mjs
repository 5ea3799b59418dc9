// Account service as a signed-in user: profile updates, prefs, sessions,
// JWTs, anonymous sessions, custom tokens and blocked users.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, Users, ID } from 'node-appwrite';
import {
  setup, guestClient, keyClient, sessionClient, uniqueEmail, PASSWORD,
  expectError, raw, parseSetCookie, createLoggedInUser, plain,
} from './harness.mjs';

let env;
before(async () => { env = await setup({ projectId: 'account-suite' }); });
after(async () => { await env?.stop(); });

const sdk = { Users, Account, ID };
const GUEST_ACCOUNT_MESSAGE = 'User (role: guests) missing scopes (["account"])';

describe('guest', () => {
  test('account.get as a guest -> 401 general_unauthorized_scope with the Appwrite message', async () => {
    await expectError(new Account(guestClient(env)).get(), 401, 'general_unauthorized_scope', GUEST_ACCOUNT_MESSAGE);
  });

  test('guest signup with account.create -> 201, no session cookie', async () => {
    const email = uniqueEmail('guest-signup');
    const res = await raw(env, '/account', {
      method: 'POST',
      body: { userId: ID.unique(), email, password: PASSWORD, name: 'Guest Signup' },
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.email, email);
    assert.equal(res.json.name, 'Guest Signup');
    assert.equal(res.setCookies.filter((c) => c.startsWith('a_session_')).length, 0, 'signup sets no session cookie');
    // And through the SDK.
    const user = await new Account(guestClient(env)).create({ userId: ID.unique(), email: uniqueEmail('guest-sdk'), password: PASSWORD });
    assert.equal(typeof user.$id, 'string');
  });

  test('email is stored lowercase', async () => {
    const email = uniqueEmail('MixedCase');
    const upper = email.toUpperCase();
    const user = await new Account(keyClient(env)).create({ userId: ID.unique(), email: upper, password: PASSWORD });
    assert.equal(user.email, email);
    const session = await new Account(keyClient(env)).createEmailPasswordSession({ email: upper, password: PASSWORD });
    assert.equal(session.userId, user.$id);
  });

  test('wrong password and unknown email -> 401 user_invalid_credentials', async () => {
    const email = uniqueEmail('badpw');
    await new Users(keyClient(env)).create({ userId: ID.unique(), email, password: PASSWORD });
    const account = new Account(guestClient(env));
    await expectError(account.createEmailPasswordSession({ email, password: 'not-the-password' }), 401, 'user_invalid_credentials');
    await expectError(account.createEmailPasswordSession({ email: uniqueEmail('nobody'), password: PASSWORD }), 401, 'user_invalid_credentials');
  });

  test('duplicate signup -> 409 user_already_exists', async () => {
    const email = uniqueEmail('dup');
    const account = new Account(keyClient(env));
    const first = await account.create({ userId: ID.unique(), email, password: PASSWORD });
    await expectError(account.create({ userId: ID.unique(), email, password: PASSWORD }), 409, 'user_already_exists');
    await expectError(account.create({ userId: first.$id, email: uniqueEmail('dup2'), password: PASSWORD }), 409, 'user_already_exists');
  });
});

describe('signed-in user', () => {
  test('creating a session while signed in -> 401 user_session_already_exists', async () => {
    const u = await createLoggedInUser(env, sdk, { tag: 'twice' });
    await expectError(
      new Account(u.client).createEmailPasswordSession({ email: u.email, password: u.password }),
      401, 'user_session_already_exists',
    );
    await expectError(new Account(u.client).createAnonymousSession(), 401, 'user_session_already_exists');
  });

  test('account.create while signed in is not a session route (creates another account)', async () => {
    // POST /v1/account is in groups ['api','account','auth'], not 'session', so
    // Appwrite 1.9.x does not answer user_session_already_exists here
    // (app/controllers/api/account.php). Scope sessions.write is held by users.
    const u = await createLoggedInUser(env, sdk, { tag: 'create-signed-in' });
    const other = uniqueEmail('other');
    const created = await new Account(u.client).create({ userId: ID.unique(), email: other, password: PASSWORD });
    assert.equal(created.email, other);
    assert.notEqual(created.$id, u.user.$id);
    const me = await new Account(u.client).get();
    assert.equal(me.$id, u.user.$id, 'the caller is still signed in as itself');
  });

  test('updateName, updatePrefs, getPrefs', async () => {
    const u = await createLoggedInUser(env, sdk, { tag: 'profile' });
    const account = new Account(u.client);
    const named = await account.updateName({ name: 'Renamed User' });
    assert.equal(named.name, 'Renamed User');
    const prefs = { theme: 'dark', count: 3, nested: { a: [1, 2] } };
    const withPrefs = await account.updatePrefs({ prefs });
    assert.deepEqual(plain(withPrefs.prefs), prefs);
    assert.deepEqual(plain(await account.getPrefs()), prefs);
    const me = await account.get();
    assert.equal(me.name, 'Renamed User');
    assert.deepEqual(plain(me.prefs), prefs);
  });

  test('updateEmail needs the current password', async () => {
    const u = await createLoggedInUser(env, sdk, { tag: 'email' });
    const account = new Account(u.client);
    const newEmail = uniqueEmail('email-new');
    await expectError(account.updateEmail({ email: newEmail, password: 'Wrong-Password-1' }), 401, 'user_invalid_credentials');
    const updated = await account.updateEmail({ email: newEmail, password: u.password });
    assert.equal(updated.email, newEmail);
    assert.equal(updated.emailVerification, false);
    const s = await new Account(keyClient(env)).createEmailPasswordSession({ email: newEmail, password: u.password });
    assert.equal(s.userId, u.user.$id);
  });

  test('updatePassword needs oldPassword; new password logs in, old one does not', async () => {
    const u = await createLoggedInUser(env, sdk, { tag: 'password' });
    const account = new Account(u.client);
    const next = 'Next-Pass-98765';
    await expectError(account.updatePassword({ password: next }), 401, 'user_invalid_credentials');
    await expectError(account.updatePassword({ password: next, oldPassword: 'Wrong-Password-1' }), 401, 'user_invalid_credentials');
    await expectError(account.updatePassword({ password: 'short', oldPassword: u.password }), 400, 'general_argument_invalid');
    const updated = await account.updatePassword({ password: next, oldPassword: u.password });
    assert.equal(updated.$id, u.user.$id);
    assert.ok(Date.parse(updated.passwordUpdate) > 0);
    // The session that changed the password keeps working.
    assert.equal((await account.get()).$id, u.user.$id);
    const admin = new Account(keyClient(env));
    await expectError(admin.createEmailPasswordSession({ email: u.email, password: u.password }), 401, 'user_invalid_credentials');
    const s = await admin.createEmailPasswordSession({ email: u.email, password: next });
    assert.equal(s.userId, u.user.$id);
  });
});

describe('sessions', () => {
  test('listSessions / getSession / deleteSession / deleteSessions', async () => {
    const u = await createLoggedInUser(env, sdk, { tag: 'sessions' });
    const second = await new Account(keyClient(env)).createEmailPasswordSession({ email: u.email, password: u.password });
    const account = new Account(u.client);

    const list = await account.listSessions();
    assert.equal(list.total, 2);
    assert.equal(list.sessions.length, 2);
    const ids = list.sessions.map((s) => s.$id).sort();
    assert.deepEqual(ids, [u.session.$id, second.$id].sort());
    const current = list.sessions.filter((s) => s.current);
    assert.equal(current.length, 1);
    assert.equal(current[0].$id, u.session.$id);
    for (const s of list.sessions) assert.equal(s.secret, '', 'sessions listed by a user hide the secret');

    const other = await account.getSession({ sessionId: second.$id });
    assert.equal(other.$id, second.$id);
    assert.equal(other.current, false);
    assert.equal(other.provider, 'email');

    await account.deleteSession({ sessionId: second.$id });
    await expectError(new Account(sessionClient(env, second.secret)).get(), 401, 'general_unauthorized_scope');
    await expectError(account.getSession({ sessionId: second.$id }), 404, 'user_session_not_found');
    assert.equal((await account.listSessions()).total, 1);

    const third = await new Account(keyClient(env)).createEmailPasswordSession({ email: u.email, password: u.password });
    await account.deleteSessions();
    await expectError(account.get(), 401, 'general_unauthorized_scope');
    await expectError(new Account(sessionClient(env, third.secret)).get(), 401, 'general_unauthorized_scope');
  });

  test('a garbage session secret is a guest, not an error', async () => {
    await expectError(new Account(sessionClient(env, 'not-base64-json')).get(), 401, 'general_unauthorized_scope', GUEST_ACCOUNT_MESSAGE);
    const forged = Buffer.from(JSON.stringify({ id: 'nobody', secret: 'f'.repeat(256) })).toString('base64');
    await expectError(new Account(sessionClient(env, forged)).get(), 401, 'general_unauthorized_scope', GUEST_ACCOUNT_MESSAGE);
  });
});

describe('anonymous sessions', () => {
  test('browser-style anonymous session sets the cookie and creates an anonymous user', async () => {
    const res = await raw(env, '/account/sessions/anonymous', { method: 'POST', body: {} });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.provider, 'anonymous');
    assert.equal(res.json.secret, '');
    assert.deepEqual(res.json.factors, ['anonymous']);
    const main = res.setCookies.map(parseSetCookie).find((c) => c.name === `a_session_${env.projectId}`);
    assert.ok(main, 'session cookie');
    const me = await raw(env, '/account', { headers: { Cookie: `a_session_${env.projectId}=${main.value}` } });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.$id, res.json.userId);
    assert.equal(me.json.email, '');
    assert.equal(me.json.name, '');
  });

  test('anonymous session through the key client returns a usable secret', async () => {
    const session = await new Account(keyClient(env)).createAnonymousSession();
    assert.ok(session.secret.length > 0);
    const me = await new Account(sessionClient(env, session.secret)).get();
    assert.equal(me.$id, session.userId);
    assert.equal(me.email, '');
  });
});

describe('JWT', () => {
  test('account.createJWT then setJWT acts as the user', async () => {
    const u = await createLoggedInUser(env, sdk, { tag: 'jwt' });
    const { jwt } = await new Account(u.client).createJWT();
    assert.equal(typeof jwt, 'string');
    assert.equal(jwt.split('.').length, 3, 'a JWS compact token');
    const jwtClient = guestClient(env).setJWT(jwt);
    const me = await new Account(jwtClient).get();
    assert.equal(me.$id, u.user.$id);
    const short = await new Account(u.client).createJWT({ duration: 60 });
    assert.equal((await new Account(guestClient(env).setJWT(short.jwt)).get()).$id, u.user.$id);
  });

  test('duration out of range -> 400 general_argument_invalid', async () => {
    const u = await createLoggedInUser(env, sdk, { tag: 'jwt-range' });
    await expectError(new Account(u.client).createJWT({ duration: 3601 }), 400, 'general_argument_invalid');
  });

  test('a guest cannot create a JWT', async () => {
    await expectError(new Account(guestClient(env)).createJWT(), 401, 'general_unauthorized_scope');
  });

  test('an invalid JWT -> 401 user_jwt_invalid', async () => {
    await expectError(new Account(guestClient(env).setJWT('not.a.jwt')).get(), 401, 'user_jwt_invalid');
    const u = await createLoggedInUser(env, sdk, { tag: 'jwt-tamper' });
    const { jwt } = await new Account(u.client).createJWT();
    const [h, p, s] = jwt.split('.');
    const tampered = `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`;
    await expectError(new Account(guestClient(env).setJWT(tampered)).get(), 401, 'user_jwt_invalid');
  });

  test('a JWT together with a session -> 403 user_jwt_and_cookie_set', async () => {
    const u = await createLoggedInUser(env, sdk, { tag: 'jwt-both' });
    const { jwt } = await new Account(u.client).createJWT();
    await expectError(new Account(sessionClient(env, u.secret).setJWT(jwt)).get(), 403, 'user_jwt_and_cookie_set');
  });

  test('after logout the JWT no longer authenticates', async () => {
    const u = await createLoggedInUser(env, sdk, { tag: 'jwt-logout' });
    const { jwt } = await new Account(u.client).createJWT();
    await new Account(u.client).deleteSession({ sessionId: 'current' });
    await expectError(new Account(guestClient(env).setJWT(jwt)).get(), 401, 'general_unauthorized_scope');
  });

  test('users.createJWT with a key', async () => {
    const u = await createLoggedInUser(env, sdk, { tag: 'users-jwt' });
    const { jwt } = await new Users(keyClient(env)).createJWT({ userId: u.user.$id, sessionId: u.session.$id });
    assert.equal((await new Account(guestClient(env).setJWT(jwt)).get()).$id, u.user.$id);
  });
});

describe('custom token login', () => {
  test('users.createToken with a key, then account.createSession({userId, secret}) from a fresh client', async () => {
    const email = uniqueEmail('token');
    const users = new Users(keyClient(env));
    const user = await users.create({ userId: ID.unique(), email, password: PASSWORD });

    const token = await users.createToken({ userId: user.$id });
    assert.equal(token.userId, user.$id);
    assert.equal(typeof token.secret, 'string');
    assert.ok(token.secret.length > 0, 'key callers see the token secret');
    assert.ok(Date.parse(token.expire) > Date.now());

    // A fresh (guest) client, like a browser.
    const session = await new Account(guestClient(env)).createSession({ userId: user.$id, secret: token.secret });
    assert.equal(session.userId, user.$id);
    assert.equal(session.provider, 'token');
    assert.equal(session.secret, '');

    // Tokens are single use (app/controllers/api/account.php deletes the token).
    await expectError(
      new Account(guestClient(env)).createSession({ userId: user.$id, secret: token.secret }),
      401, 'user_invalid_token',
    );

    // SSR variant: the key client exchanges the token and reads the secret.
    const token2 = await users.createToken({ userId: user.$id, length: 8, expire: 120 });
    assert.equal(token2.secret.length, 8);
    const s2 = await new Account(keyClient(env)).createSession({ userId: user.$id, secret: token2.secret });
    assert.ok(s2.secret.length > 0);
    assert.equal((await new Account(sessionClient(env, s2.secret)).get()).$id, user.$id);
  });

  test('a wrong token secret -> 401 user_invalid_token', async () => {
    const user = await new Users(keyClient(env)).create({ userId: ID.unique(), email: uniqueEmail('badtoken') });
    await expectError(
      new Account(guestClient(env)).createSession({ userId: user.$id, secret: 'nope-nope-nope' }),
      401, 'user_invalid_token',
    );
  });
});

describe('blocked users', () => {
  test('users.updateStatus(false): login -> 403 user_blocked, the existing session stops working', async () => {
    const u = await createLoggedInUser(env, sdk, { tag: 'blocked' });
    const users = new Users(keyClient(env));
    const blocked = await users.updateStatus({ userId: u.user.$id, status: false });
    assert.equal(blocked.status, false);

    await expectError(
      new Account(guestClient(env)).createEmailPasswordSession({ email: u.email, password: u.password }),
      403, 'user_blocked',
    );
    await expectError(
      new Account(keyClient(env)).createEmailPasswordSession({ email: u.email, password: u.password }),
      403, 'user_blocked',
    );
    // Appwrite keeps the session document but rejects the blocked user on every
    // request (app/controllers/shared/api.php step 10: 403 user_blocked).
    await expectError(new Account(u.client).get(), 403, 'user_blocked');

    const unblocked = await users.updateStatus({ userId: u.user.$id, status: true });
    assert.equal(unblocked.status, true);
    const s = await new Account(keyClient(env)).createEmailPasswordSession({ email: u.email, password: u.password });
    assert.equal((await new Account(sessionClient(env, s.secret)).get()).$id, u.user.$id);
  });
});
