// Users service with an API key: CRUD, list queries, updates, hash imports.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Account, Users, ID, Query } from 'node-appwrite';
import {
  setup, keyClient, sessionClient, uniqueEmail, uniqueId, PASSWORD, expectError, plain,
} from './harness.mjs';

let env;
let users;
before(async () => {
  env = await setup({ projectId: 'users-suite' });
  users = new Users(keyClient(env));
});
after(async () => { await env?.stop(); });

async function login(email, password) {
  return new Account(keyClient(env)).createEmailPasswordSession({ email, password });
}

describe('users CRUD', () => {
  test('create / get with the server-side user model', async () => {
    const email = uniqueEmail('crud');
    const userId = uniqueId('crud');
    const created = await users.create({ userId, email, password: PASSWORD, name: 'Crud User' });
    assert.equal(created.$id, userId);
    assert.equal(created.email, email);
    assert.equal(created.name, 'Crud User');
    assert.equal(created.status, true);
    assert.equal(created.phone, '');
    assert.equal(created.emailVerification, false);
    assert.equal(created.phoneVerification, false);
    assert.equal(created.mfa, false);
    assert.deepEqual(created.labels, []);
    assert.deepEqual(plain(created.prefs), {});
    assert.ok(Array.isArray(created.targets));
    for (const f of ['$createdAt', '$updatedAt', 'registration', 'passwordUpdate']) {
      assert.match(created[f], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/, `${f} is an Appwrite datetime`);
    }
    // Keys see the hash fields; new passwords are argon2 (PROTOCOL §14).
    assert.equal(created.hash, 'argon2');
    assert.equal(typeof created.password, 'string');
    assert.ok(created.password.startsWith('$argon2'), 'argon2 PHC string');
    assert.equal(typeof created.hashOptions, 'object');

    const got = await users.get({ userId });
    assert.equal(got.$id, userId);
    assert.equal(got.email, email);
    await expectError(users.get({ userId: 'does-not-exist' }), 404, 'user_not_found');
  });

  test('ID.unique() ids are accepted and the literal unique() is replaced', async () => {
    const a = await users.create({ userId: ID.unique(), email: uniqueEmail('idu') });
    assert.match(a.$id, /^[0-9a-f]{20}$/);
    const b = await users.create({ userId: 'unique()', email: uniqueEmail('idlit') });
    assert.notEqual(b.$id, 'unique()');
    assert.ok(b.$id.length > 0 && b.$id.length <= 36);
  });

  test('updateName / updateEmail / updatePassword / updateLabels / updatePrefs / updateEmailVerification', async () => {
    const email = uniqueEmail('upd');
    const u = await users.create({ userId: ID.unique(), email, password: PASSWORD });
    assert.equal((await users.updateName({ userId: u.$id, name: 'New Name' })).name, 'New Name');
    const newEmail = uniqueEmail('upd-new');
    assert.equal((await users.updateEmail({ userId: u.$id, email: newEmail })).email, newEmail);
    const labeled = await users.updateLabels({ userId: u.$id, labels: ['vip', 'beta'] });
    assert.deepEqual([...labeled.labels].sort(), ['beta', 'vip']);
    const prefs = await users.updatePrefs({ userId: u.$id, prefs: { lang: 'fr' } });
    assert.deepEqual(plain(prefs), { lang: 'fr' });
    assert.deepEqual(plain(await users.getPrefs({ userId: u.$id })), { lang: 'fr' });
    const verified = await users.updateEmailVerification({ userId: u.$id, emailVerification: true });
    assert.equal(verified.emailVerification, true);
    const next = 'Admin-Set-Pass-77';
    await users.updatePassword({ userId: u.$id, password: next });
    await expectError(login(newEmail, PASSWORD), 401, 'user_invalid_credentials');
    const s = await login(newEmail, next);
    assert.equal(s.userId, u.$id);
    const me = await new Account(sessionClient(env, s.secret)).get();
    assert.equal(me.name, 'New Name');
    assert.deepEqual(plain(me.prefs), { lang: 'fr' });
    assert.equal(me.emailVerification, true);
    assert.deepEqual([...me.labels].sort(), ['beta', 'vip']);
  });

  test('invalid labels -> 400 general_argument_invalid', async () => {
    const u = await users.create({ userId: ID.unique(), email: uniqueEmail('lbl') });
    await expectError(users.updateLabels({ userId: u.$id, labels: ['not valid!'] }), 400, 'general_argument_invalid');
  });

  test('updateEmail to an existing email -> 409 user_email_already_exists', async () => {
    const taken = uniqueEmail('taken');
    await users.create({ userId: ID.unique(), email: taken });
    const u = await users.create({ userId: ID.unique(), email: uniqueEmail('mover') });
    await expectError(users.updateEmail({ userId: u.$id, email: taken }), 409, 'user_email_already_exists');
  });

  test('delete removes the user and cascades to its sessions', async () => {
    const email = uniqueEmail('del');
    const u = await users.create({ userId: ID.unique(), email, password: PASSWORD });
    const s = await login(email, PASSWORD);
    const client = sessionClient(env, s.secret);
    assert.equal((await new Account(client).get()).$id, u.$id);
    assert.equal((await users.listSessions({ userId: u.$id })).total, 1);

    const res = await users.delete({ userId: u.$id });
    assert.deepEqual(res, { message: '' });
    await expectError(users.get({ userId: u.$id }), 404, 'user_not_found');
    await expectError(new Account(client).get(), 401, 'general_unauthorized_scope');
    await expectError(users.delete({ userId: u.$id }), 404, 'user_not_found');
  });

  test('users sessions: create / list / delete one / delete all', async () => {
    const u = await users.create({ userId: ID.unique(), email: uniqueEmail('usess'), password: PASSWORD });
    const s1 = await users.createSession({ userId: u.$id });
    assert.equal(s1.userId, u.$id);
    assert.ok(s1.secret.length > 0, 'users.createSession returns the secret to the key');
    assert.equal((await new Account(sessionClient(env, s1.secret)).get()).$id, u.$id);
    const s2 = await users.createSession({ userId: u.$id });
    const list = await users.listSessions({ userId: u.$id });
    assert.equal(list.total, 2);
    await users.deleteSession({ userId: u.$id, sessionId: s1.$id });
    await expectError(new Account(sessionClient(env, s1.secret)).get(), 401, 'general_unauthorized_scope');
    assert.equal((await users.listSessions({ userId: u.$id })).total, 1);
    await users.deleteSessions({ userId: u.$id });
    assert.equal((await users.listSessions({ userId: u.$id })).total, 0);
    await expectError(new Account(sessionClient(env, s2.secret)).get(), 401, 'general_unauthorized_scope');
  });
});

describe('users.list queries', () => {
  const tag = `q${crypto.randomBytes(4).toString('hex')}`;
  const created = [];

  before(async () => {
    for (const n of [1, 2, 3]) {
      // Created in order; lists default to creation order ($sequence ascending).
      created.push(await users.create({
        userId: uniqueId(`${tag}n${n}`), email: uniqueEmail(`${tag}-${n}`), password: PASSWORD, name: `Zed${tag} ${n}`,
      }));
    }
  });

  test('Query.equal on email, total counts every match', async () => {
    const emails = created.map((u) => u.email);
    const res = await users.list({ queries: [Query.equal('email', emails)] });
    assert.equal(res.total, 3);
    assert.deepEqual(res.users.map((u) => u.$id), created.map((u) => u.$id));
    const one = await users.list({ queries: [Query.equal('email', [emails[1]])] });
    assert.equal(one.total, 1);
    assert.equal(one.users[0].$id, created[1].$id);
  });

  test('Query.limit and Query.offset', async () => {
    const emails = created.map((u) => u.email);
    const page1 = await users.list({ queries: [Query.equal('email', emails), Query.limit(2)] });
    assert.equal(page1.total, 3, 'total ignores limit');
    assert.deepEqual(page1.users.map((u) => u.$id), [created[0].$id, created[1].$id]);
    const page2 = await users.list({ queries: [Query.equal('email', emails), Query.limit(2), Query.offset(2)] });
    assert.equal(page2.total, 3);
    assert.deepEqual(page2.users.map((u) => u.$id), [created[2].$id]);
  });

  test('Query.cursorAfter', async () => {
    const emails = created.map((u) => u.email);
    const res = await users.list({ queries: [Query.equal('email', emails), Query.cursorAfter(created[0].$id)] });
    assert.deepEqual(res.users.map((u) => u.$id), [created[1].$id, created[2].$id]);
    await expectError(users.list({ queries: [Query.cursorAfter('no-such-user')] }), 400, 'general_cursor_not_found');
  });

  test('Query.orderDesc on $createdAt-like attributes and total=false', async () => {
    const emails = created.map((u) => u.email);
    const res = await users.list({ queries: [Query.equal('email', emails), Query.orderDesc('email')] });
    const sorted = [...emails].sort().reverse();
    assert.deepEqual(res.users.map((u) => u.email), sorted);
    const noTotal = await users.list({ queries: [Query.equal('email', emails)], total: false });
    assert.equal(noTotal.total, 0);
    assert.equal(noTotal.users.length, 3);
  });

  test('search by name word', async () => {
    const res = await users.list({ search: `Zed${tag}` });
    assert.equal(res.total, 3);
    assert.deepEqual(res.users.map((u) => u.$id).sort(), created.map((u) => u.$id).sort());
  });

  test('bad queries -> 400 general_argument_invalid (rejected by the queries param validator)', async () => {
    // Appwrite validates `queries` as a route param (Queries validator), so a bad
    // method / attribute / JSON / limit fails param validation: 400
    // general_argument_invalid, message "Invalid `queries` param: Invalid query: ..."
    // (Appwrite 1.9.x tests/e2e/Services/Users/UsersBase.php asserts exactly this for
    // users memberships; general.php maps utopia 400s to general_argument_invalid).
    // general_query_invalid is only raised by Query::parseQueries after validation.
    const bad = [
      ['{"method":"nope","values":[]}'],
      ['not json'],
      [Query.equal('password', ['x'])],
      [Query.limit(0)],
    ];
    for (const queries of bad) {
      await expectError(users.list({ queries }), 400, 'general_argument_invalid', /^Invalid `queries` param: /);
    }
  });
});

describe('hash imports: the plain password logs in', () => {
  // Each import is checked by logging in with the plain password through the
  // SSR flow. Hashes are computed here with node:crypto where it can (md5,
  // sha*, scrypt, Firebase scrypt-modified, phpass) and fixed vectors are used
  // for bcrypt / argon2 (node has no builtin for them; vectors generated with
  // the reference `bcrypt` and `argon2-cffi` libraries and checked there).

  async function importAndLogin(method, params, plain, expectedHash) {
    const email = uniqueEmail(`hash-${method}`);
    const user = await users[method]({ userId: ID.unique(), email, name: `Import ${method}`, ...params });
    assert.equal(user.email, email);
    if (expectedHash) assert.equal(user.hash, expectedHash);
    await expectError(login(email, `${plain}-wrong`), 401, 'user_invalid_credentials');
    const session = await login(email, plain);
    assert.equal(session.userId, user.$id);
    const me = await new Account(sessionClient(env, session.secret)).get();
    assert.equal(me.$id, user.$id);
    // Appwrite re-hashes imported passwords with its default algorithm on login.
    const after = await users.get({ userId: user.$id });
    assert.equal(after.hash, 'argon2');
    // And the password still works after the re-hash.
    const again = await login(email, plain);
    assert.equal(again.userId, user.$id);
    return user;
  }

  test('createMD5User', async () => {
    const plain = 'Md5-Plain-Pass-1';
    const hash = crypto.createHash('md5').update(plain).digest('hex');
    await importAndLogin('createMD5User', { password: hash }, plain, 'md5');
  });

  test('createMD5User with the Appwrite e2e vector ("appwrite")', async () => {
    await importAndLogin('createMD5User', { password: '144fa7eaa4904e8ee120651997f70dcc' }, 'appwrite', 'md5');
  });

  for (const version of ['sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'sha3-224', 'sha3-256', 'sha3-384', 'sha3-512']) {
    test(`createSHAUser passwordVersion=${version}`, async () => {
      const plain = `Sha-Plain-${version}`;
      const hash = crypto.createHash(version).update(plain).digest('hex');
      const user = await importAndLogin('createSHAUser', { password: hash, passwordVersion: version }, plain, 'sha');
      assert.ok(user);
    });
  }

  test('createSHAUser without passwordVersion defaults to sha256', async () => {
    // Appwrite 1.9.x pins utopia-php/auth 0.7.0, whose Hashes\Sha::__construct sets
    // version 'sha256' (later utopia-php/auth releases default to sha3-512).
    const plain = 'Sha-Default-Pass';
    const hash = crypto.createHash('sha256').update(plain).digest('hex');
    await importAndLogin('createSHAUser', { password: hash }, plain, 'sha');
  });

  test('createScryptUser (hash computed with node:crypto)', async () => {
    const plain = 'Scrypt-Plain-Pass';
    const salt = 'compat-salt';
    const params = { passwordSalt: salt, passwordCpu: 1024, passwordMemory: 8, passwordParallel: 1, passwordLength: 32 };
    const hash = crypto.scryptSync(plain, salt, 32, { N: 1024, r: 8, p: 1 }).toString('hex');
    const user = await importAndLogin('createScryptUser', { password: hash, ...params }, plain, 'scrypt');
    assert.ok(user);
  });

  test('createScryptUser with the Appwrite e2e vector', async () => {
    const hash = '3fdef49701bc4cfaacd551fe017283513284b4731e6945c263246ef948d3cf63b5d269c31fd697246085111a428245e24a4ddc6b64c687bc60a8910dbafc1d5b';
    const created = await importAndLogin('createScryptUser', {
      password: hash, passwordSalt: 'appwrite', passwordCpu: 16384, passwordMemory: 13, passwordParallel: 2, passwordLength: 64,
    }, 'appwrite', 'scrypt');
    assert.equal(created.hashOptions.salt, 'appwrite');
    assert.equal(created.hashOptions.costCpu, 16384);
    assert.equal(created.hashOptions.costMemory, 13);
    assert.equal(created.hashOptions.costParallel, 2);
    assert.equal(created.hashOptions.length, 64);
  });

  test('createScryptModifiedUser (Firebase; computed with node:crypto)', async () => {
    const plain = 'Firebase-Plain-Pass';
    const salt = crypto.randomBytes(12);
    const separator = Buffer.from([0x07]);
    const signerKey = crypto.randomBytes(64);
    const derived = crypto.scryptSync(plain, Buffer.concat([salt, separator]), 64, { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const cipher = crypto.createCipheriv('aes-256-ctr', derived.subarray(0, 32), Buffer.alloc(16));
    const hash = Buffer.concat([cipher.update(signerKey), cipher.final()]).toString('base64');
    await importAndLogin('createScryptModifiedUser', {
      password: hash,
      passwordSalt: salt.toString('base64'),
      passwordSaltSeparator: separator.toString('base64'),
      passwordSignerKey: signerKey.toString('base64'),
    }, plain, 'scryptMod');
  });

  test('createScryptModifiedUser with the Appwrite e2e vector', async () => {
    await importAndLogin('createScryptModifiedUser', {
      password: 'UlM7JiXRcQhzAGlaonpSqNSLIz475WMddOgLjej5De9vxTy48K6WtqlEzrRFeK4t0COfMhWCb8wuMHgxOFCHFQ==',
      passwordSalt: 'UxLMreBr6tYyjQ==',
      passwordSaltSeparator: 'Bw==',
      passwordSignerKey: 'XyEKE9RcTDeLEsL/RjwPDBv/RqDl8fb3gpYEOQaPihbxf1ZAtSOHCjuAAa7Q3oHpCYhXSN9tizHgVOwn6krflQ==',
    }, 'appwrite', 'scryptMod');
  });

  test('createPHPassUser with a published vector ("appwrite")', async () => {
    await importAndLogin('createPHPassUser', { password: '$P$Br387rwferoKN7uwHZqNMu98q3U8RO.' }, 'appwrite', 'phpass');
  });

  test('createPHPassUser (portable hash computed here)', async () => {
    const plain = 'PHPass-Plain-Pass';
    const hash = phpassPortable(plain, 'compat01', 8);
    await importAndLogin('createPHPassUser', { password: hash }, plain, 'phpass');
  });

  test('createBcryptUser with a fixed $2b$ vector for "password"', async () => {
    await importAndLogin('createBcryptUser', { password: '$2b$05$ubtaKii9LK17lEf5DBodQ.KROzCoXjrOspX.FNMZD4d9/QTYpKS3K' }, 'password', 'bcrypt');
  });

  test('createBcryptUser with a fixed $2a$ vector', async () => {
    await importAndLogin('createBcryptUser', { password: '$2a$06$5bcNNiHlWLT5zxWB7BkQt.vhOgufGMEAKeJMrUJKAcQCRIX5.0lcK' }, 'Bcrypt-Pass-42', 'bcrypt');
  });

  test('createArgon2User with a fixed argon2id vector', async () => {
    await importAndLogin('createArgon2User', {
      password: '$argon2id$v=19$m=4096,t=2,p=1$sfl7FhdOo13UEy39TgSu3A$wHJfsgfIu2LEKrrzOxaDBSJv+tYA3BKY8eYSAuE6pMo',
    }, 'Argon2-Pass-42', 'argon2');
  });

  test('createArgon2User with fixed argon2i vectors', async () => {
    await importAndLogin('createArgon2User', {
      password: '$argon2i$v=19$m=1024,t=2,p=2$rLTwETSLco0fwESkbkLe2g$zVt6ToeYay25/f8H9IsQ++FB2lhQr99lIt/qf9AlRNI',
    }, 'password', 'argon2');
    // Appwrite's own e2e vector (salt "appwrite", m=20, t=3, p=2).
    await importAndLogin('createArgon2User', {
      password: '$argon2i$v=19$m=20,t=3,p=2$YXBwd3JpdGU$A/54i238ed09ZR4NwlACU5XnkjNBZU9QeOEuhjLiexI',
    }, 'appwrite', 'argon2');
  });
});

// phpass "portable" hashes ($P$), as in the reference PasswordHash class.
function phpassPortable(password, salt8, log2Count) {
  const itoa64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const encode64 = (input, count) => {
    let out = '';
    let i = 0;
    do {
      let value = input[i++];
      out += itoa64[value & 0x3f];
      if (i < count) value |= input[i] << 8;
      out += itoa64[(value >> 6) & 0x3f];
      if (i++ >= count) break;
      if (i < count) value |= input[i] << 16;
      out += itoa64[(value >> 12) & 0x3f];
      if (i++ >= count) break;
      out += itoa64[(value >> 18) & 0x3f];
    } while (i < count);
    return out;
  };
  let count = 1 << log2Count;
  let hash = crypto.createHash('md5').update(salt8 + password).digest();
  do {
    hash = crypto.createHash('md5').update(Buffer.concat([hash, Buffer.from(password)])).digest();
  } while (--count);
  return `$P$${itoa64[log2Count]}${salt8}${encode64(hash, 16)}`;
}
