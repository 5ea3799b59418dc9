// Server-side rendering flow (shared/seeds: "Server SDK vs Client SDK" and the
// Next.js SSR guide): an admin client with an API key signs users up and logs
// them in, reads `session.secret`, and a fresh client per request calls
// `setSession(secret)` to act as the user. Plus the browser-style login that
// sets the httpOnly `a_session_<project>` cookies.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, Users, ID } from 'node-appwrite';
import {
  setup, guestClient, keyClient, sessionClient, uniqueEmail, PASSWORD,
  expectError, raw, parseSetCookie, decodeSessionBlob, plain,
} from './harness.mjs';

let env;
before(async () => { env = await setup({ projectId: 'ssr-flow' }); });
after(async () => { await env?.stop(); });

const GUEST_ACCOUNT_MESSAGE = 'User (role: guests) missing scopes (["account"])';

describe('SSR flow with an admin key (seed scenario)', () => {
  let email;
  let userId;
  let secret;
  let sessionId;

  test('admin client signs the user up with account.create (no session is created)', async () => {
    email = uniqueEmail('ssr');
    const admin = new Account(keyClient(env));
    const user = await admin.create({ userId: ID.unique(), email, password: PASSWORD, name: 'SSR User' });
    assert.equal(typeof user.$id, 'string');
    assert.equal(user.$id.length > 0, true);
    assert.equal(user.email, email);
    assert.equal(user.name, 'SSR User');
    assert.equal(user.status, true);
    assert.equal(user.emailVerification, false);
    assert.deepEqual(user.labels, []);
    assert.deepEqual(plain(user.prefs), {});
    // /account returns the account model: no password hash fields.
    assert.equal(user.password, undefined);
    assert.equal(user.hash, undefined);
    userId = user.$id;
    const sessions = await new Users(keyClient(env)).listSessions({ userId });
    assert.equal(sessions.total, 0, 'POST /account must not create a session');
  });

  test('admin client logs the user in and reads session.secret', async () => {
    const admin = new Account(keyClient(env));
    const session = await admin.createEmailPasswordSession({ email, password: PASSWORD });
    assert.equal(session.userId, userId);
    assert.equal(session.provider, 'email');
    assert.equal(session.providerUid, email);
    assert.equal(session.current, true);
    assert.deepEqual(session.factors, ['password']);
    assert.equal(typeof session.expire, 'string');
    assert.ok(Date.parse(session.expire) > Date.now(), 'session expires in the future');
    assert.equal(typeof session.secret, 'string');
    assert.ok(session.secret.length > 0, 'a key caller sees the session secret');
    // PROTOCOL §2: the secret is the cookie value, base64(JSON {id, secret}).
    const blob = decodeSessionBlob(session.secret);
    assert.equal(blob.id, userId);
    assert.equal(typeof blob.secret, 'string');
    assert.ok(blob.secret.length > 0);
    secret = session.secret;
    sessionId = session.$id;
  });

  test('a fresh client with setSession(secret) acts as the user', async () => {
    const account = new Account(sessionClient(env, secret));
    const me = await account.get();
    assert.equal(me.$id, userId);
    assert.equal(me.email, email);
    const current = await account.getSession({ sessionId: 'current' });
    assert.equal(current.$id, sessionId);
    assert.equal(current.current, true);
    assert.equal(current.userId, userId);
    // A user (not a key) never sees the secret.
    assert.equal(current.secret, '');
  });

  test('the same secret also works as the a_session_<project> cookie (client.setCookie)', async () => {
    const client = guestClient(env).setCookie(`a_session_${env.projectId}=${secret}`);
    const me = await new Account(client).get();
    assert.equal(me.$id, userId);
  });

  test('a client without the session is a guest', async () => {
    await expectError(new Account(guestClient(env)).get(), 401, 'general_unauthorized_scope', GUEST_ACCOUNT_MESSAGE);
  });

  test("logout with deleteSession('current') invalidates the secret", async () => {
    const account = new Account(sessionClient(env, secret));
    const result = await account.deleteSession({ sessionId: 'current' });
    // 204 No Content: node-appwrite turns a non-JSON body into {message: text}.
    assert.deepEqual(result, { message: '' });
    await expectError(new Account(sessionClient(env, secret)).get(), 401, 'general_unauthorized_scope', GUEST_ACCOUNT_MESSAGE);
    const sessions = await new Users(keyClient(env)).listSessions({ userId });
    assert.equal(sessions.total, 0);
  });
});

describe('SSR flow with a narrowly scoped key (sessions.write only)', () => {
  test('signup + login + session client work with a sessions.write key', async () => {
    const key = await env.key(['sessions.write']);
    const admin = new Account(keyClient(env, key));
    const email = uniqueEmail('narrow');
    const user = await admin.create({ userId: ID.unique(), email, password: PASSWORD });
    const session = await admin.createEmailPasswordSession({ email, password: PASSWORD });
    assert.ok(session.secret.length > 0);
    const me = await new Account(sessionClient(env, session.secret)).get();
    assert.equal(me.$id, user.$id);
    // The same key cannot list users (needs users.read).
    await expectError(new Users(keyClient(env, key)).list(), 401, 'general_unauthorized_scope');
  });

  test('each request gets its own session client: two users do not mix', async () => {
    const admin = new Account(keyClient(env));
    const a = uniqueEmail('mix-a');
    const b = uniqueEmail('mix-b');
    const ua = await admin.create({ userId: ID.unique(), email: a, password: PASSWORD });
    const ub = await admin.create({ userId: ID.unique(), email: b, password: PASSWORD });
    const sa = await admin.createEmailPasswordSession({ email: a, password: PASSWORD });
    const sb = await admin.createEmailPasswordSession({ email: b, password: PASSWORD });
    const [ma, mb] = await Promise.all([
      new Account(sessionClient(env, sa.secret)).get(),
      new Account(sessionClient(env, sb.secret)).get(),
    ]);
    assert.equal(ma.$id, ua.$id);
    assert.equal(mb.$id, ub.$id);
  });
});

describe('browser-style login (no key) sets the session cookies', () => {
  let email;
  let userId;

  before(async () => {
    email = uniqueEmail('cookie');
    const user = await new Users(keyClient(env)).create({ userId: ID.unique(), email, password: PASSWORD });
    userId = user.$id;
  });

  test('POST /account/sessions/email sets a_session_<project> (SameSite=None) and its _legacy twin, httpOnly', async () => {
    const res = await raw(env, '/account/sessions/email', { method: 'POST', body: { email, password: PASSWORD } });
    assert.equal(res.status, 201, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    // Not a key: the secret is hidden in the body.
    assert.equal(res.json.secret, '');
    assert.equal(res.json.userId, userId);
    assert.equal(res.json.current, true);

    const cookies = res.setCookies.map(parseSetCookie);
    const main = cookies.find((c) => c.name === `a_session_${env.projectId}`);
    const legacy = cookies.find((c) => c.name === `a_session_${env.projectId}_legacy`);
    assert.ok(main, `a_session_${env.projectId} cookie missing; got: ${res.setCookies.join(' | ')}`);
    assert.ok(legacy, `a_session_${env.projectId}_legacy cookie missing; got: ${res.setCookies.join(' | ')}`);

    assert.equal(main.attrs.get('httponly'), true, 'HttpOnly');
    assert.equal(String(main.attrs.get('samesite')).toLowerCase(), 'none', 'SameSite=None');
    assert.equal(main.attrs.get('path'), '/');
    assert.ok(main.attrs.has('expires'), 'Expires');
    assert.ok(Date.parse(main.attrs.get('expires')) > Date.now(), 'Expires in the future');
    // Plain http on an IP host: not Secure, no Domain (PROTOCOL §2).
    assert.equal(main.attrs.has('secure'), false, 'no Secure over http');
    assert.equal(main.attrs.has('domain'), false, 'no Domain for an IP host');

    assert.equal(legacy.attrs.get('httponly'), true, 'legacy HttpOnly');
    assert.equal(legacy.attrs.has('samesite'), false, 'legacy cookie has no SameSite');
    assert.equal(legacy.attrs.get('path'), '/');
    assert.equal(legacy.value, main.value, 'both cookies carry the same blob');

    const blob = decodeSessionBlob(main.value);
    assert.equal(blob.id, userId);

    // No Origin header -> no domain verification -> fallback header for the web SDK
    // (app/controllers/api/account.php: `if (!$domainVerification) X-Fallback-Cookies`).
    const fallback = res.headers.get('x-fallback-cookies');
    assert.ok(fallback, 'X-Fallback-Cookies header');
    assert.equal(JSON.parse(fallback)[`a_session_${env.projectId}`], main.value);

    // The cookie authenticates the browser on the next request...
    const me = await raw(env, '/account', { headers: { Cookie: `a_session_${env.projectId}=${main.value}` } });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.$id, userId);
    // ...and so does the legacy one alone.
    const me2 = await raw(env, '/account', { headers: { Cookie: `a_session_${env.projectId}_legacy=${legacy.value}` } });
    assert.equal(me2.status, 200, me2.text);
    assert.equal(me2.json.$id, userId);
    // ...and the X-Fallback-Cookies request header the web SDK sends.
    const me3 = await raw(env, '/account', { headers: { 'X-Fallback-Cookies': fallback } });
    assert.equal(me3.status, 200, me3.text);
    assert.equal(me3.json.$id, userId);
  });

  test('node-appwrite without a key gets an empty secret', async () => {
    const session = await new Account(guestClient(env)).createEmailPasswordSession({ email, password: PASSWORD });
    assert.equal(session.secret, '');
    assert.equal(session.userId, userId);
  });

  test('logout through the cookie expires both cookies', async () => {
    const login = await raw(env, '/account/sessions/email', { method: 'POST', body: { email, password: PASSWORD } });
    assert.equal(login.status, 201, login.text);
    const main = login.setCookies.map(parseSetCookie).find((c) => c.name === `a_session_${env.projectId}`);
    const cookie = `a_session_${env.projectId}=${main.value}`;
    const out = await raw(env, '/account/sessions/current', { method: 'DELETE', headers: { Cookie: cookie } });
    assert.equal(out.status, 204, out.text);
    assert.equal(out.text, '');
    assert.ok(out.headers.get('content-type'), 'a Content-Type header even on 204 (Python SDK reads it unconditionally)');
    const expired = out.setCookies.map(parseSetCookie).filter((c) => c.name.startsWith(`a_session_${env.projectId}`));
    assert.ok(expired.length >= 2, `both cookies are cleared; got: ${out.setCookies.join(' | ')}`);
    for (const c of expired) {
      assert.ok(Date.parse(c.attrs.get('expires')) <= Date.now(), `${c.name} expires in the past`);
    }
    const after = await raw(env, '/account', { headers: { Cookie: cookie } });
    assert.equal(after.status, 401);
    assert.equal(after.json.type, 'general_unauthorized_scope');
  });
});
