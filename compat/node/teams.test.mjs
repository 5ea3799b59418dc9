// Teams and memberships: owner membership for user-created teams, confirmed
// memberships added by a key, roles, invitations without SMTP.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, Users, Teams, Project, ID, Query } from 'node-appwrite';
import { setup, keyClient, guestClient, expectError, createLoggedInUser, plain } from './harness.mjs';

let env;
before(async () => {
  env = await setup({ projectId: 'teams-suite' });
  // Membership invites by users need a redirect `url` on an allowed hostname
  // (a registered platform), otherwise the request stops at 400 "URL is required".
  await new Project(keyClient(env)).createWebPlatform({ platformId: ID.unique(), name: 'Local web', hostname: 'localhost' });
});
after(async () => { await env?.stop(); });

const sdk = { Users, Account, ID };

describe('teams', () => {
  test('a user creates a team and becomes its owner with a confirmed membership', async () => {
    const owner = await createLoggedInUser(env, sdk, { tag: 'owner', name: 'Team Owner' });
    const teams = new Teams(owner.client);
    const team = await teams.create({ teamId: ID.unique(), name: 'Writers' });
    assert.equal(team.name, 'Writers');
    assert.equal(team.total, 1);
    assert.deepEqual(plain(team.prefs), {});

    const list = await teams.listMemberships({ teamId: team.$id });
    assert.equal(list.total, 1);
    const m = list.memberships[0];
    assert.equal(m.userId, owner.user.$id);
    assert.equal(m.teamId, team.$id);
    assert.equal(m.teamName, 'Writers');
    assert.equal(m.confirm, true);
    assert.deepEqual(m.roles, ['owner']);
    assert.ok(Date.parse(m.joined) > 0, 'joined is set');

    // The user sees the team in their list.
    const mine = await teams.list();
    assert.ok(mine.teams.some((t) => t.$id === team.$id));
  });

  test('extra roles requested at creation are added to owner', async () => {
    const owner = await createLoggedInUser(env, sdk, { tag: 'owner-roles' });
    const team = await new Teams(owner.client).create({ teamId: ID.unique(), name: 'Roles', roles: ['admin'] });
    const list = await new Teams(owner.client).listMemberships({ teamId: team.$id });
    assert.deepEqual([...list.memberships[0].roles].sort(), ['admin', 'owner']);
  });

  test('a key creates a team: no membership, total 0', async () => {
    const team = await new Teams(keyClient(env)).create({ teamId: ID.unique(), name: 'Key team' });
    assert.equal(team.total, 0);
    const list = await new Teams(keyClient(env)).listMemberships({ teamId: team.$id });
    assert.equal(list.total, 0);
  });

  test('a key adds another user with roles [editor] -> confirmed immediately; listMemberships shows roles', async () => {
    const owner = await createLoggedInUser(env, sdk, { tag: 'owner2' });
    const member = await createLoggedInUser(env, sdk, { tag: 'member', name: 'Member Name' });
    const team = await new Teams(owner.client).create({ teamId: ID.unique(), name: 'Editors' });

    const membership = await new Teams(keyClient(env)).createMembership({ teamId: team.$id, roles: ['editor'], userId: member.user.$id });
    assert.equal(membership.userId, member.user.$id);
    assert.equal(membership.userEmail, member.email);
    assert.equal(membership.userName, 'Member Name');
    assert.equal(membership.teamId, team.$id);
    assert.deepEqual(membership.roles, ['editor']);
    assert.equal(membership.confirm, true);
    assert.ok(Date.parse(membership.joined) > 0);

    const list = await new Teams(owner.client).listMemberships({ teamId: team.$id });
    assert.equal(list.total, 2);
    const byUser = Object.fromEntries(list.memberships.map((m) => [m.userId, m]));
    assert.deepEqual(byUser[owner.user.$id].roles, ['owner']);
    assert.deepEqual(byUser[member.user.$id].roles, ['editor']);

    const got = await new Teams(keyClient(env)).get({ teamId: team.$id });
    assert.equal(got.total, 2);

    // The member now sees the team.
    const memberTeams = await new Teams(member.client).list();
    assert.ok(memberTeams.teams.some((t) => t.$id === team.$id));
    // And the membership shows up in users.listMemberships.
    const um = await new Users(keyClient(env)).listMemberships({ userId: member.user.$id });
    assert.ok(um.memberships.some((m) => m.teamId === team.$id));

    // Query on memberships.
    const filtered = await new Teams(keyClient(env)).listMemberships({ teamId: team.$id, queries: [Query.equal('userId', [member.user.$id])] });
    assert.equal(filtered.total, 1);

    // Adding the same user twice -> 409.
    await expectError(
      new Teams(keyClient(env)).createMembership({ teamId: team.$id, roles: ['editor'], userId: member.user.$id }),
      409, 'membership_already_confirmed',
    );

    // Remove the member.
    await new Teams(keyClient(env)).deleteMembership({ teamId: team.$id, membershipId: membership.$id });
    assert.equal((await new Teams(keyClient(env)).listMemberships({ teamId: team.$id })).total, 1);
  });

  test('user-created invitation by email without SMTP -> 503 general_smtp_disabled', async () => {
    const owner = await createLoggedInUser(env, sdk, { tag: 'inviter' });
    const team = await new Teams(owner.client).create({ teamId: ID.unique(), name: 'Invites' });
    await expectError(
      new Teams(owner.client).createMembership({ teamId: team.$id, roles: ['viewer'], email: 'invitee@example.com', url: 'http://localhost/join' }),
      503, 'general_smtp_disabled',
    );
  });

  test('a non-member cannot read or delete someone else\'s team', async () => {
    const owner = await createLoggedInUser(env, sdk, { tag: 'private-owner' });
    const stranger = await createLoggedInUser(env, sdk, { tag: 'stranger' });
    const team = await new Teams(owner.client).create({ teamId: ID.unique(), name: 'Private' });
    await expectError(new Teams(stranger.client).get({ teamId: team.$id }), 404, 'team_not_found');
    const strangerTeams = await new Teams(stranger.client).list();
    assert.ok(!strangerTeams.teams.some((t) => t.$id === team.$id));
  });

  test('the owner deletes the team', async () => {
    const owner = await createLoggedInUser(env, sdk, { tag: 'deleter' });
    const team = await new Teams(owner.client).create({ teamId: ID.unique(), name: 'Doomed' });
    await new Teams(owner.client).delete({ teamId: team.$id });
    await expectError(new Teams(keyClient(env)).get({ teamId: team.$id }), 404, 'team_not_found');
  });

  test('guests cannot create teams', async () => {
    await expectError(new Teams(guestClient(env)).create({ teamId: ID.unique(), name: 'x' }), 401, 'general_unauthorized_scope');
  });
});
