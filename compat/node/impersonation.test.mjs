// Impersonation (PROTOCOL.md §2.7): the X-Appwrite-Impersonate-User-* headers take effect only
// for a signed-in user marked `impersonator` by a key, and the request then acts as the target.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, Users, ID } from 'node-appwrite';
import { setup, keyClient, sessionClient, createLoggedInUser } from './harness.mjs';

let env;
before(async () => {
  env = await setup({ projectId: 'impersonation-suite' });
});
after(async () => { await env?.stop(); });

const sdk = { Users, Account, ID };

describe('impersonation', () => {
  test('an impersonator acts as the target user, by id and by email', async () => {
    const support = await createLoggedInUser(env, sdk, { tag: 'support' });
    const target = await createLoggedInUser(env, sdk, { tag: 'target' });
    const marked = await new Users(keyClient(env)).updateImpersonator({ userId: support.user.$id, impersonator: true });
    assert.equal(marked.impersonator, true);

    const byId = sessionClient(env, support.secret).setImpersonateUserId(target.user.$id);
    const asTarget = await new Account(byId).get();
    assert.equal(asTarget.$id, target.user.$id);
    assert.equal(asTarget.email, target.email);
    assert.equal(asTarget.impersonatorUserId, support.user.$id);

    const byEmail = sessionClient(env, support.secret).setImpersonateUserEmail(target.email);
    assert.equal((await new Account(byEmail).get()).$id, target.user.$id);

    // Without the header the impersonator is themself.
    const self = await new Account(support.client).get();
    assert.equal(self.$id, support.user.$id);
  });

  test('the headers are ignored for users who are not impersonators', async () => {
    const plainUser = await createLoggedInUser(env, sdk, { tag: 'plain' });
    const target = await createLoggedInUser(env, sdk, { tag: 'victim' });
    const client = sessionClient(env, plainUser.secret).setImpersonateUserId(target.user.$id);
    const me = await new Account(client).get();
    assert.equal(me.$id, plainUser.user.$id);
    assert.ok(!me.impersonatorUserId, 'no impersonator id without the flag');
  });

  test('revoking the flag ends impersonation', async () => {
    const support = await createLoggedInUser(env, sdk, { tag: 'support2' });
    const target = await createLoggedInUser(env, sdk, { tag: 'target2' });
    const users = new Users(keyClient(env));
    await users.updateImpersonator({ userId: support.user.$id, impersonator: true });
    const client = sessionClient(env, support.secret).setImpersonateUserId(target.user.$id);
    assert.equal((await new Account(client).get()).$id, target.user.$id);
    await users.updateImpersonator({ userId: support.user.$id, impersonator: false });
    assert.equal((await new Account(client).get()).$id, support.user.$id);
  });
});
