// Abuse limits (PROTOCOL §10): POST /account/sessions/email allows 10 attempts
// per hour per (url, email); the 11th gets 429 general_rate_limit_exceeded.
// API keys are never limited. This file uses its own project so its counters
// cannot collide with other files.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, Users, ID } from 'node-appwrite';
import { setup, guestClient, keyClient, uniqueEmail, PASSWORD, expectError, raw } from './harness.mjs';

let env;
before(async () => { env = await setup({ projectId: 'ratelimit-suite' }); });
after(async () => { await env?.stop(); });

function rateHeaders(res) {
  return {
    limit: res.headers.get('x-ratelimit-limit'),
    remaining: res.headers.get('x-ratelimit-remaining'),
    reset: res.headers.get('x-ratelimit-reset'),
  };
}

async function tenFailuresThenOne(email) {
  const nowSec = Math.floor(Date.now() / 1000);
  let previousRemaining = Infinity;
  let firstReset;
  for (let i = 1; i <= 10; i += 1) {
    const res = await raw(env, '/account/sessions/email', { method: 'POST', body: { email, password: 'Wrong-Password-1' } });
    const h = rateHeaders(res);
    if (firstReset === undefined) firstReset = h.reset;
    if (h.reset !== firstReset) return { rolledOver: true };
    assert.equal(res.status, 401, `attempt ${i}: ${res.text}`);
    assert.equal(res.json.type, 'user_invalid_credentials');
    assert.equal(h.limit, '10', `attempt ${i}: X-RateLimit-Limit`);
    assert.match(h.remaining ?? '', /^\d+$/, `attempt ${i}: X-RateLimit-Remaining`);
    const remaining = Number(h.remaining);
    assert.ok(remaining >= 0 && remaining <= 10);
    assert.ok(remaining < previousRemaining, `attempt ${i}: remaining decreases (${remaining} after ${previousRemaining})`);
    previousRemaining = remaining;
    assert.match(h.reset ?? '', /^\d+$/, `attempt ${i}: X-RateLimit-Reset`);
    const reset = Number(h.reset);
    assert.ok(reset > nowSec && reset <= nowSec + 3600 + 5, `reset ${reset} within the hour window`);
    // Windows are fixed and aligned: start = now - now % 3600 (PROTOCOL §10).
    assert.equal(reset % 3600, 0, 'reset is aligned to the hour window');
  }
  const blocked = await raw(env, '/account/sessions/email', { method: 'POST', body: { email, password: 'Wrong-Password-1' } });
  if (rateHeaders(blocked).reset !== firstReset && blocked.status !== 429) return { rolledOver: true };
  return { rolledOver: false, blocked };
}

describe('email login rate limit', () => {
  test('browser-like client: 10 failed logins for one email are 401, the 11th is 429 with X-RateLimit headers', async () => {
    // Windows are fixed and aligned to the hour, so a run that straddles a window
    // boundary starts over once with a fresh email (detected via X-RateLimit-Reset).
    let email;
    let blocked;
    for (let round = 1; round <= 2; round += 1) {
      email = uniqueEmail(`rl${round}`);
      await new Users(keyClient(env)).create({ userId: ID.unique(), email, password: PASSWORD });
      const outcome = await tenFailuresThenOne(email);
      if (outcome.rolledOver && round === 1) continue;
      assert.equal(outcome.rolledOver, false, 'rate-limit window rolled over twice in a row');
      blocked = outcome.blocked;
      break;
    }
    assert.equal(blocked.status, 429, blocked.text);
    assert.equal(blocked.json.type, 'general_rate_limit_exceeded');
    assert.equal(blocked.json.code, 429);
    assert.equal(blocked.json.message, 'Rate limit for the current endpoint has been exceeded. Please try again after some time.');
    const h = rateHeaders(blocked);
    assert.equal(h.limit, '10');
    assert.equal(h.remaining, '0');
    assert.match(h.reset ?? '', /^\d+$/);

    // Even the right password is refused while the window is exhausted.
    await expectError(
      new Account(guestClient(env)).createEmailPasswordSession({ email, password: PASSWORD }),
      429, 'general_rate_limit_exceeded',
    );

    // The counter is per email: another email is not affected.
    const other = uniqueEmail('rl-other');
    await new Users(keyClient(env)).create({ userId: ID.unique(), email: other, password: PASSWORD });
    const ok = await new Account(guestClient(env)).createEmailPasswordSession({ email: other, password: PASSWORD });
    assert.equal(ok.secret, '');

    // The key-based admin client is never rate limited, even for the same email.
    const s = await new Account(keyClient(env)).createEmailPasswordSession({ email, password: PASSWORD });
    assert.ok(s.secret.length > 0);
  });

  test('the key-based admin client never gets 429', async () => {
    const email = uniqueEmail('rl-key');
    await new Users(keyClient(env)).create({ userId: ID.unique(), email, password: PASSWORD });
    const account = new Account(keyClient(env));
    for (let i = 1; i <= 15; i += 1) {
      await expectError(account.createEmailPasswordSession({ email, password: 'Wrong-Password-1' }), 401, 'user_invalid_credentials');
    }
    const s = await account.createEmailPasswordSession({ email, password: PASSWORD });
    assert.ok(s.secret.length > 0);
  });

  test('a successful login resets the counter (abuse-reset [201])', async () => {
    const email = uniqueEmail('rl-reset');
    await new Users(keyClient(env)).create({ userId: ID.unique(), email, password: PASSWORD });
    const guest = new Account(guestClient(env));
    for (let i = 0; i < 9; i += 1) {
      await expectError(guest.createEmailPasswordSession({ email, password: 'Wrong-Password-1' }), 401, 'user_invalid_credentials');
    }
    await guest.createEmailPasswordSession({ email, password: PASSWORD }); // 10th attempt, 201
    // After the reset, more attempts are allowed again.
    for (let i = 0; i < 5; i += 1) {
      await expectError(guest.createEmailPasswordSession({ email, password: 'Wrong-Password-1' }), 401, 'user_invalid_credentials');
    }
  });

  test('routes without a limit send no X-RateLimit headers', async () => {
    const res = await raw(env, '/account');
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('x-ratelimit-limit'), null);
  });
});
