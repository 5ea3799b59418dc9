// Functions through node-appwrite 27.1.0: runtimes and specifications, function CRUD (PUT
// semantics) and validation, variables, deployments (tar.gz built here, `npm install` builds),
// synchronous, asynchronous and scheduled executions, who may execute and read executions,
// the injected key and its scopes, timeouts, a Python function, and the seeds' function
// example with patterns 3 (event-triggered) and 4 (cron).
// Behaviour reference: /work/notes/functions-behaviour.md (Appwrite 1.9.6, open-runtimes v5).
//
// Builds and executions run real local runtimes: node (with `npm install node-appwrite` from
// registry.npmjs.org) and python3. The cron test waits for a minute boundary; its function
// is deployed at the start of the file so the wait overlaps the other tests.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { Functions, TablesDB, Users, Account, ID, Query, Permission, Role, AppwriteException, ExecutionMethod } from 'node-appwrite';
import { InputFile } from 'node-appwrite/file';
import { setup, keyClient, guestClient, expectError, createLoggedInUser, raw, plain } from './harness.mjs';
import { waitColumns } from './tablesdb-helpers.mjs';
import {
  makeCodeArchive, cleanupArchives, NPM_INSTALL, echoFunction, seedFunction, auditFunction, archiveFunction,
  scopesFunction, sleepyFunction, pythonFunction,
} from './functions-fixtures.mjs';

// Appwrite 1.9.6 model keys (M/Func.php, M/Deployment.php, M/Execution.php, M/Variable.php,
// M/Runtime.php, M/Specification.php).
const FUNCTION_KEYS = ['$id', '$createdAt', '$updatedAt', 'execute', 'name', 'enabled', 'live', 'logging', 'runtime',
  'deploymentRetention', 'deploymentId', 'deploymentCreatedAt', 'latestDeploymentId', 'latestDeploymentCreatedAt',
  'latestDeploymentStatus', 'scopes', 'vars', 'events', 'schedule', 'timeout', 'entrypoint', 'commands', 'version',
  'installationId', 'providerRepositoryId', 'providerBranch', 'providerRootDirectory', 'providerSilentMode',
  'providerBranches', 'providerPaths', 'buildSpecification', 'runtimeSpecification'];
const DEPLOYMENT_KEYS = ['$id', '$createdAt', '$updatedAt', 'type', 'resourceId', 'resourceType', 'entrypoint', 'sourceSize',
  'buildSize', 'totalSize', 'buildId', 'activate', 'screenshotLight', 'screenshotDark', 'status', 'buildLogs',
  'buildDuration', 'providerRepositoryName', 'providerRepositoryOwner', 'providerRepositoryUrl', 'providerCommitHash',
  'providerCommitAuthorUrl', 'providerCommitAuthor', 'providerCommitMessage', 'providerCommitUrl', 'providerBranch',
  'providerBranchUrl'];
const EXECUTION_KEYS = ['$id', '$createdAt', '$updatedAt', '$permissions', 'functionId', 'deploymentId', 'trigger', 'status',
  'requestMethod', 'requestPath', 'requestHeaders', 'responseStatusCode', 'responseBody', 'responseHeaders', 'logs',
  'errors', 'duration', 'scheduledAt'];
const VARIABLE_KEYS = ['$id', '$createdAt', '$updatedAt', 'key', 'value', 'secret', 'resourceType', 'resourceId'];
const RUNTIME_KEYS = ['$id', 'key', 'name', 'version', 'base', 'image', 'logo', 'supports'];
const SPECIFICATIONS = [
  ['s-0.5vcpu-512mb', 0.5, 512], ['s-1vcpu-512mb', 1, 512], ['s-1vcpu-1gb', 1, 1024], ['s-2vcpu-2gb', 2, 2048],
  ['s-2vcpu-4gb', 2, 4096], ['s-4vcpu-4gb', 4, 4096], ['s-4vcpu-8gb', 4, 8192], ['s-8vcpu-4gb', 8, 4096], ['s-8vcpu-8gb', 8, 8192],
];
/** Request headers Appwrite keeps on a stored execution (FUNCTION_ALLOWLIST_HEADERS_REQUEST). */
const REQUEST_HEADER_ALLOWLIST = ['content-type', 'agent', 'content-length', 'host', 'x-appwrite-client-ip'];

const BUILD_TIMEOUT_MS = 120_000; // an npm install from the registry
const sorted = (a) => [...a].sort();

let env;
let functions; // key client
let tablesDB; // key client
let alice;
let bob;
let nodeRuntime; // Runtime model of the node runtime
let pythonRuntime;
const databaseId = 'fdb';
let cron; // the pattern-4 setup started in before(): a promise of { functionId, readyAt } or { error }

before(async () => {
  env = await setup({ projectId: 'node-functions' });
  functions = new Functions(keyClient(env));
  tablesDB = new TablesDB(keyClient(env));
  alice = await createLoggedInUser(env, { Users, Account, ID }, { tag: 'alice', name: 'Alice' });
  bob = await createLoggedInUser(env, { Users, Account, ID }, { tag: 'bob', name: 'Bob' });
  await tablesDB.create({ databaseId, name: 'Functions' });
  try {
    // listRuntimes has the `public` scope, which guests and users hold but Appwrite 1.9.6 gives
    // no API key (roles.php, Auth/Key.php): the e2e test calls it without credentials too.
    const runtimes = await guestFns().listRuntimes();
    nodeRuntime = runtimes.runtimes.find((r) => r.key === 'node');
    pythonRuntime = runtimes.runtimes.find((r) => r.key === 'python');
  } catch (e) {
    // Reported by the runtimes test; everything else fails on the missing runtime.
    process.stderr.write(`listRuntimes failed: ${e.code} ${e.type}: ${e.message}\n`);
  }
  // Pattern 4 needs a minute boundary: start it now so the wait overlaps the other tests.
  cron = startArchiver().then((v) => v, (error) => ({ error }));
});
after(async () => {
  // Let the pattern-4 setup finish (when only some tests ran) before the server stops.
  await cron;
  try {
    await env?.stop();
  } finally {
    cleanupArchives();
  }
});

// ---------------------------------------------------------------------------
// Helpers

const fnsAs = (who) => new Functions(who.client);
const guestFns = () => new Functions(guestClient(env));

/** Re-throws an SDK error with what was being done and what the server answered. */
async function step(what, promise) {
  try {
    return await promise;
  } catch (e) {
    if (e instanceof AppwriteException) {
      throw new Error(`${what}: the server answered ${e.code} ${e.type}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

function nodeId() {
  assert.ok(nodeRuntime, 'listRuntimes has no runtime with key "node"');
  return nodeRuntime.$id;
}

function pythonId() {
  assert.ok(pythonRuntime, 'listRuntimes has no runtime with key "python"');
  return pythonRuntime.$id;
}

/** Calls `get` until `done(value)` or the deadline; fails with the last value. */
async function poll(what, get, done, { timeoutMs = 30_000, intervalMs = 100, show = (v) => JSON.stringify(v) } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what}: not reached within ${timeoutMs} ms; last: ${show(value)}`);
    await delay(intervalMs);
  }
}

const tail = (s, n = 3000) => (typeof s === 'string' && s.length > n ? `…${s.slice(-n)}` : s);
const showDeployment = (d) => JSON.stringify({ $id: d.$id, status: d.status, buildLogs: tail(d.buildLogs) });
const showExecution = (x) => JSON.stringify({
  $id: x.$id, status: x.status, trigger: x.trigger, responseStatusCode: x.responseStatusCode,
  responseBody: tail(x.responseBody, 1500), errors: tail(x.errors, 1500), logs: tail(x.logs, 1500),
});

/** Polls getDeployment until the build ended (ready, failed or canceled). */
function waitBuild(functionId, deploymentId, timeoutMs = BUILD_TIMEOUT_MS) {
  return poll(`build of deployment ${deploymentId} (function ${functionId})`,
    () => functions.getDeployment({ functionId, deploymentId }),
    (d) => ['ready', 'failed', 'canceled'].includes(d.status),
    { timeoutMs, intervalMs: 200, show: showDeployment });
}

/**
 * Uploads `files` as code.tar.gz, waits for the build and (when it is ready and `activate`)
 * for the function to run it. Returns { created, deployment, archive }.
 */
async function deploy(functionId, files, { entrypoint, commands, activate = true, expect = 'ready' } = {}) {
  const archive = makeCodeArchive(files);
  const created = await step(`createDeployment for ${functionId}`, functions.createDeployment({
    functionId, code: InputFile.fromPath(archive.path, 'code.tar.gz'), activate, entrypoint, commands,
  }));
  const deployment = await waitBuild(functionId, created.$id);
  assert.equal(deployment.status, expect, `deployment ${created.$id} of ${functionId} ended ${deployment.status}, expected ${expect}: ${showDeployment(deployment)}`);
  if (expect === 'ready' && activate) {
    await poll(`activation of deployment ${created.$id} on ${functionId}`, () => functions.get({ functionId }),
      (f) => f.deploymentId === created.$id, { timeoutMs: 15_000 });
  }
  return { created, deployment, archive };
}

/** Creates a function with the key; `runtime` defaults to the node runtime. */
function createFunction(functionId, settings = {}) {
  return step(`create function ${functionId}`, functions.create({
    functionId, name: settings.name ?? functionId, runtime: settings.runtime ?? nodeId(), entrypoint: 'index.js', ...settings,
  }));
}

function assertCompleted(x, status = 200) {
  assert.equal(x.status, 'completed', `execution status: ${showExecution(x)}`);
  assert.equal(x.responseStatusCode, status, `execution responseStatusCode: ${showExecution(x)}`);
}

function bodyOf(x) {
  try {
    return JSON.parse(x.responseBody);
  } catch {
    return assert.fail(`responseBody is not JSON: ${showExecution(x)}`);
  }
}

const header = (list, name) => list.find((h) => h.name.toLowerCase() === name)?.value;

/** A table with varchar columns (and boolean ones), ready to use. */
async function makeTable(tableId, { varchar = [], boolean = [], permissions = [], rowSecurity = false } = {}) {
  await tablesDB.createTable({ databaseId, tableId, name: tableId, permissions, rowSecurity });
  for (const key of varchar) await tablesDB.createVarcharColumn({ databaseId, tableId, key, size: 255, required: false });
  for (const key of boolean) await tablesDB.createBooleanColumn({ databaseId, tableId, key, required: false });
  await waitColumns(tablesDB, databaseId, tableId, [...varchar, ...boolean]);
}

/** Pattern 4's setup: tasks, archive, the cron function, its deployment. */
async function startArchiver() {
  await makeTable('tasks', { varchar: ['title'], boolean: ['done'] });
  await makeTable('archive', { varchar: ['title', 'trigger'] });
  for (const [id, done] of [['task-a', true], ['task-b', false], ['task-c', true]]) {
    await tablesDB.createRow({ databaseId, tableId: 'tasks', rowId: id, data: { title: `Task ${id}`, done } });
  }
  const functionId = 'archiver';
  await createFunction(functionId, {
    name: 'Nightly archive', schedule: '* * * * *', scopes: ['rows.read', 'rows.write'], commands: NPM_INSTALL, timeout: 30,
  });
  await deploy(functionId, archiveFunction({ databaseId, tasksTable: 'tasks', archiveTable: 'archive' }));
  return { functionId, readyAt: Date.now() };
}

// ---------------------------------------------------------------------------

describe('runtimes, specifications, function CRUD and validation', () => {
  test('listRuntimes: the local node and python runtimes with Appwrite ids', async () => {
    const list = await step('listRuntimes as a guest', guestFns().listRuntimes());
    assert.equal(list.total, list.runtimes.length);
    const ids = list.runtimes.map((r) => r.$id);
    const node = list.runtimes.find((r) => r.key === 'node');
    const python = list.runtimes.find((r) => r.key === 'python');
    assert.ok(node, `no node runtime in ${JSON.stringify(ids)}`);
    assert.ok(python, `no python runtime in ${JSON.stringify(ids)}`);
    for (const r of [node, python]) {
      assert.deepEqual(sorted(Object.keys(r)), sorted(RUNTIME_KEYS));
      assert.equal(r.$id, `${r.key}-${r.version}`);
      assert.ok(Array.isArray(r.supports));
    }
    // Appwrite's ids: node-18.0, node-20.0, node-21.0, then node-22, node-23…; python-3.<minor>.
    const major = Number(process.versions.node.split('.')[0]);
    assert.equal(node.$id, major <= 21 ? `node-${major}.0` : `node-${major}`, 'the node runtime is the local node');
    assert.match(python.$id, /^python-3\.\d+$/);
    assert.equal(node.name, 'Node.js');
    assert.equal(python.name, 'Python');
    // Only runtimes this host can run.
    for (const id of ids) assert.match(id, /^(node|python)-/);
    const asUser = await fnsAs(alice).listRuntimes();
    assert.deepEqual(asUser.runtimes.map((r) => r.$id), ids);
  });

  test('listSpecifications: Appwrite\'s nine specifications, in order', async () => {
    const list = await step('listSpecifications', functions.listSpecifications());
    assert.equal(list.total, SPECIFICATIONS.length);
    assert.deepEqual(plain(list.specifications).map((s) => [s.slug, s.cpus, s.memory]), SPECIFICATIONS);
    for (const s of list.specifications) {
      assert.deepEqual(sorted(Object.keys(s)), ['cpus', 'enabled', 'memory', 'slug']);
      assert.equal(s.enabled, true);
    }
    const res = await raw(env, '/functions/specifications', { headers: { 'X-Appwrite-Key': env.adminKey } });
    assert.match(res.text, /"cpus":1[,}]/, 'cpus 1 is written as 1, not 1.0');
  });

  test('create: every setting, the defaults, duplicate id -> 409 function_already_exists', async () => {
    const full = await createFunction('crud-full', {
      name: 'Full', execute: [Role.users(), Role.user('someone')], events: ['users.*.create', 'databases.*.tables.*.rows.*.create'],
      schedule: '0 3 * * *', timeout: 60, enabled: false, logging: false, entrypoint: 'src/main.js', commands: 'npm install',
      scopes: ['users.read', 'rows.read'], buildSpecification: 's-1vcpu-512mb', runtimeSpecification: 's-0.5vcpu-512mb',
      deploymentRetention: 7,
    });
    assert.deepEqual(sorted(Object.keys(full)), sorted(FUNCTION_KEYS));
    assert.equal(full.$id, 'crud-full');
    assert.equal(full.name, 'Full');
    assert.equal(full.runtime, nodeId());
    assert.deepEqual(plain(full.execute), ['users', 'user:someone']);
    assert.deepEqual(plain(full.events), ['users.*.create', 'databases.*.tables.*.rows.*.create']);
    assert.equal(full.schedule, '0 3 * * *');
    assert.equal(full.timeout, 60);
    assert.equal(full.enabled, false);
    assert.equal(full.logging, false);
    assert.equal(full.entrypoint, 'src/main.js');
    assert.equal(full.commands, 'npm install');
    assert.deepEqual(plain(full.scopes), ['users.read', 'rows.read']);
    assert.equal(full.buildSpecification, 's-1vcpu-512mb');
    assert.equal(full.runtimeSpecification, 's-0.5vcpu-512mb');
    assert.equal(full.deploymentRetention, 7);

    const min = await step('create minimal', functions.create({ functionId: ID.unique(), name: 'Minimal', runtime: nodeId() }));
    assert.match(min.$id, /^[0-9a-f]{20}$/, 'ID.unique() -> a 20-hex id');
    assert.deepEqual(plain(min.execute), []);
    assert.deepEqual(plain(min.events), []);
    assert.deepEqual(plain(min.scopes), []);
    assert.deepEqual(plain(min.vars), []);
    assert.equal(min.enabled, true);
    assert.equal(min.live, true);
    assert.equal(min.logging, true);
    assert.equal(min.schedule, '');
    assert.equal(min.timeout, 15);
    assert.equal(min.entrypoint, '');
    assert.equal(min.commands, '');
    assert.equal(min.version, 'v5');
    assert.equal(min.deploymentId, '');
    assert.equal(min.deploymentCreatedAt, '');
    assert.equal(min.latestDeploymentId, '');
    assert.equal(min.latestDeploymentCreatedAt, '');
    assert.equal(min.latestDeploymentStatus, '');
    assert.equal(min.deploymentRetention, 0);
    assert.equal(min.installationId, '');
    assert.equal(min.providerSilentMode, false);
    assert.deepEqual(plain(min.providerBranches), []);
    // Self-hosted Appwrite without a plan stores the largest specification (notes §0.3).
    assert.equal(min.buildSpecification, 's-8vcpu-8gb');
    assert.equal(min.runtimeSpecification, 's-8vcpu-8gb');
    assert.equal(min.$createdAt, min.$updatedAt);

    await expectError(functions.create({ functionId: 'crud-full', name: 'Again', runtime: nodeId() }), 409, 'function_already_exists',
      'Function with the requested ID already exists. Try again with a different ID or use ID.unique() to generate a unique ID.');
  });

  test('list: queries, search, total', async () => {
    await createFunction('crud-py', { name: 'Snake charmer', runtime: pythonId(), entrypoint: 'main.py' });
    const byRuntime = await step('list by runtime', functions.list({ queries: [Query.equal('runtime', [pythonId()])] }));
    assert.deepEqual(byRuntime.functions.map((f) => f.$id), ['crud-py']);
    assert.equal(byRuntime.total, 1);
    for (const f of byRuntime.functions) assert.deepEqual(sorted(Object.keys(f)), sorted(FUNCTION_KEYS));

    const search = await step('list with search', functions.list({ search: 'charmer' }));
    assert.deepEqual(search.functions.map((f) => f.$id), ['crud-py']);

    const disabled = await functions.list({ queries: [Query.equal('enabled', [false]), Query.equal('name', ['Full'])] });
    assert.deepEqual(disabled.functions.map((f) => f.$id), ['crud-full']);

    const page = await functions.list({ queries: [Query.limit(1)] });
    assert.equal(page.functions.length, 1);
    assert.ok(page.total >= 3, `total counts every function, got ${page.total}`);
    const noTotal = await functions.list({ queries: [Query.limit(1)], total: false });
    assert.equal(noTotal.total, 0);

    // System lists validate queries as a param (Validator/Queries/Functions.php).
    await expectError(functions.list({ queries: [Query.equal('secret', ['x'])] }), 400, 'general_argument_invalid',
      /^Invalid `queries` param: Invalid query: Attribute not found in schema: secret/);
  });

  test('get, and update with PUT semantics (omitted settings return to their defaults)', async () => {
    const got = await step('get', functions.get({ functionId: 'crud-full' }));
    assert.equal(got.timeout, 60);
    await expectError(functions.get({ functionId: 'missing' }), 404, 'function_not_found',
      'Function with the requested ID could not be found.');

    // Same name, only `timeout`: everything else omitted falls back to the defaults, but an
    // empty runtime/entrypoint keeps the stored one.
    const updated = await step('update', functions.update({ functionId: 'crud-full', name: 'Full', timeout: 30 }));
    assert.equal(updated.timeout, 30);
    assert.equal(updated.name, 'Full');
    assert.equal(updated.runtime, nodeId(), 'runtime kept');
    assert.equal(updated.entrypoint, 'src/main.js', 'entrypoint kept');
    assert.deepEqual(plain(updated.execute), []);
    assert.deepEqual(plain(updated.events), []);
    assert.deepEqual(plain(updated.scopes), []);
    assert.equal(updated.schedule, '');
    assert.equal(updated.enabled, true);
    assert.equal(updated.logging, true);
    assert.equal(updated.commands, '');
    assert.equal(updated.buildSpecification, 's-8vcpu-8gb');
    assert.equal(updated.deploymentRetention, 0);
    assert.ok(updated.$updatedAt >= got.$updatedAt);
    // `live` turns false when name, entrypoint, commands or runtime change. The commands
    // changed here ('npm install' -> '').
    assert.equal(updated.live, false);
    const same = await functions.update({ functionId: 'crud-full', name: 'Full', timeout: 30 });
    assert.equal(same.live, true, 'nothing that needs a rebuild changed');
    const renamed = await functions.update({ functionId: 'crud-full', name: 'Renamed', timeout: 30 });
    assert.equal(renamed.live, false, 'a new name needs a redeploy');
    assert.equal((await functions.get({ functionId: 'crud-full' })).name, 'Renamed');

    await expectError(functions.update({ functionId: 'missing', name: 'x' }), 404, 'function_not_found');
    // `name` is required on update.
    const noName = await raw(env, '/functions/crud-full', { method: 'PUT', headers: { 'X-Appwrite-Key': env.adminKey }, body: { timeout: 5 } });
    assert.equal(noName.status, 400, noName.text);
    assert.equal(noName.json?.type, 'general_argument_invalid', noName.text);
  });

  test('validation errors: runtime, schedule, timeout, events, execute, scopes, specification', async () => {
    const create = (over) => functions.create({ functionId: ID.unique(), name: 'Bad', runtime: nodeId(), ...over });
    // Not an Appwrite runtime: WhiteList of every runtime id.
    await expectError(create({ runtime: 'cobol-1' }), 400, 'general_argument_invalid', /^Invalid `runtime` param: Value must be one of \(/);
    // An Appwrite runtime this host does not run.
    await expectError(create({ runtime: 'php-8.3' }), 404, 'function_runtime_unsupported', 'Runtime "php-8.3" is not supported');
    await expectError(create({ schedule: 'every minute' }), 400, 'general_argument_invalid',
      'Invalid `schedule` param: String must be a valid cron expression');
    await expectError(create({ schedule: '61 * * * *' }), 400, 'general_argument_invalid',
      'Invalid `schedule` param: String must be a valid cron expression');
    for (const timeout of [0, 901]) {
      await expectError(create({ timeout }), 400, 'general_argument_invalid',
        'Invalid `timeout` param: Value must be a valid range between 1 and 900');
    }
    await expectError(create({ events: ['functions.*.executions.*.create'] }), 400, 'general_argument_invalid',
      'Invalid `events` param: Value must a valid array no longer than 100 items and Triggering a function on a function event is not allowed.');
    await expectError(create({ events: ['nonsense.*.create'] }), 400, 'general_argument_invalid',
      'Invalid `events` param: Value must a valid array no longer than 100 items and Event is not valid.');
    await expectError(create({ execute: ['*'] }), 400, 'general_argument_invalid',
      'Invalid `execute` param: Wildcard role "*" has been replaced. Use "any" instead.');
    await expectError(create({ scopes: ['rows.read', 'root'] }), 400, 'general_argument_invalid',
      /^Invalid `scopes` param: Value must a valid array no longer than 100 items and Value must be one of \(/);
    await expectError(create({ buildSpecification: 's-64vcpu-1tb' }), 400, 'general_argument_invalid',
      /^Invalid `buildSpecification` param: Specification must be one of:/);
    await expectError(create({ name: 'x'.repeat(129) }), 400, 'general_argument_invalid',
      'Invalid `name` param: Value must be a valid string and at least 1 chars and no longer than 128 chars');
    await expectError(create({ functionId: '-bad' }), 400, 'general_argument_invalid', /^Invalid `functionId` param: /);
    // Nothing was created by the failed calls.
    const bad = await functions.list({ queries: [Query.equal('name', ['Bad'])] });
    assert.equal(bad.total, 0);
  });

  test('who may manage functions: keys need functions.* scopes; sessions and guests cannot', async () => {
    const readOnly = new Functions(keyClient(env, await env.key(['functions.read'])));
    assert.ok((await readOnly.list()).total >= 1);
    await expectError(readOnly.create({ functionId: ID.unique(), name: 'No', runtime: nodeId() }), 401, 'general_unauthorized_scope',
      /missing scopes \(\["functions\.write"\]\)$/);
    await expectError(fnsAs(alice).list(), 401, 'general_unauthorized_scope');
    await expectError(guestFns().get({ functionId: 'crud-full' }), 401, 'general_unauthorized_scope');
  });

  test('delete -> 204, then 404 function_not_found', async () => {
    await step('delete', functions.delete({ functionId: 'crud-py' }));
    await expectError(functions.get({ functionId: 'crud-py' }), 404, 'function_not_found');
    await expectError(functions.delete({ functionId: 'crud-py' }), 404, 'function_not_found');
  });
});

// ---------------------------------------------------------------------------

describe('variables', () => {
  const functionId = 'vars-crud';
  before(async () => {
    await createFunction(functionId);
  });

  test('create: secret by default (value hidden as ""), or plain', async () => {
    const secret = await step('createVariable', functions.createVariable({ functionId, variableId: 'v-secret', key: 'API_TOKEN', value: 's3cr3t' }));
    assert.deepEqual(sorted(Object.keys(secret)), sorted(VARIABLE_KEYS));
    assert.equal(secret.$id, 'v-secret');
    assert.equal(secret.key, 'API_TOKEN');
    assert.equal(secret.secret, true, 'secret defaults to true');
    assert.equal(secret.value, '', 'a secret value is never shown');
    assert.equal(secret.resourceType, 'function');
    assert.equal(secret.resourceId, functionId);

    const open = await functions.createVariable({ functionId, variableId: ID.unique(), key: 'GREETING', value: 'hello', secret: false });
    assert.equal(open.secret, false);
    assert.equal(open.value, 'hello');
    const empty = await functions.createVariable({ functionId, variableId: 'v-empty', key: 'EMPTY', value: '', secret: false });
    assert.equal(empty.value, '');

    // Variable changes mean the running code is stale.
    const f = await functions.get({ functionId });
    assert.equal(f.live, false);
    assert.deepEqual(f.vars.map((v) => [v.key, v.value, v.secret]), [['API_TOKEN', '', true], ['GREETING', 'hello', false], ['EMPTY', '', false]]);
    // A list of functions shows each one's own variables too.
    const listed = (await functions.list({ queries: [Query.limit(100)] })).functions.find((x) => x.$id === functionId);
    assert.deepEqual(listed.vars.map((v) => [v.key, v.value, v.secret]), [['API_TOKEN', '', true], ['GREETING', 'hello', false], ['EMPTY', '', false]]);
  });

  test('list (in creation order, with queries) and get', async () => {
    const list = await step('listVariables', functions.listVariables({ functionId }));
    assert.equal(list.total, 3);
    assert.deepEqual(list.variables.map((v) => v.key), ['API_TOKEN', 'GREETING', 'EMPTY']);
    assert.equal(list.variables[0].value, '');
    const secrets = await functions.listVariables({ functionId, queries: [Query.equal('secret', [true])] });
    assert.deepEqual(secrets.variables.map((v) => v.$id), ['v-secret']);
    const byKey = await functions.listVariables({ functionId, queries: [Query.equal('key', ['GREETING'])] });
    assert.equal(byKey.total, 1);

    const got = await functions.getVariable({ functionId, variableId: 'v-secret' });
    assert.equal(got.key, 'API_TOKEN');
    assert.equal(got.value, '');
    await expectError(functions.getVariable({ functionId, variableId: 'nope' }), 404, 'variable_not_found',
      'Variable with the requested ID could not be found.');
    await expectError(functions.listVariables({ functionId: 'no-such-fn' }), 404, 'function_not_found');
  });

  test('update: only what is given; a secret cannot be unset', async () => {
    const renamed = await step('updateVariable', functions.updateVariable({ functionId, variableId: 'v-empty', key: 'NOT_EMPTY', value: 'now set' }));
    assert.equal(renamed.key, 'NOT_EMPTY');
    assert.equal(renamed.value, 'now set');
    assert.equal(renamed.secret, false);
    const sealed = await functions.updateVariable({ functionId, variableId: 'v-empty', secret: true });
    assert.equal(sealed.secret, true);
    assert.equal(sealed.value, '');
    assert.equal(sealed.key, 'NOT_EMPTY');

    await expectError(functions.updateVariable({ functionId, variableId: 'v-secret', secret: false }), 400, 'variable_cannot_unset_secret',
      'Secret variables cannot be marked as non-secret. Please re-create the variable if this is your intention.');
    await expectError(functions.updateVariable({ functionId, variableId: 'v-secret' }), 400, 'general_argument_invalid');
    await expectError(functions.updateVariable({ functionId, variableId: 'v-secret', key: 'GREETING' }), 409, 'variable_already_exists');
    await expectError(functions.updateVariable({ functionId, variableId: 'nope', value: 'x' }), 404, 'variable_not_found');
  });

  test('duplicate key or id -> 409 variable_already_exists; another function may reuse the key', async () => {
    const message = 'Variable with the same ID already exists in this project. Try again with a different ID.';
    await expectError(functions.createVariable({ functionId, variableId: ID.unique(), key: 'API_TOKEN', value: 'x' }), 409, 'variable_already_exists', message);
    await expectError(functions.createVariable({ functionId, variableId: 'v-secret', key: 'OTHER', value: 'x' }), 409, 'variable_already_exists', message);
    await createFunction('vars-other');
    const other = await functions.createVariable({ functionId: 'vars-other', variableId: ID.unique(), key: 'API_TOKEN', value: 'x' });
    assert.equal(other.resourceId, 'vars-other');
    // A variable is found only under its own function.
    await expectError(functions.getVariable({ functionId: 'vars-other', variableId: 'v-secret' }), 404, 'variable_not_found');
  });

  test('delete -> 204, then 404', async () => {
    await step('deleteVariable', functions.deleteVariable({ functionId, variableId: 'v-secret' }));
    await expectError(functions.getVariable({ functionId, variableId: 'v-secret' }), 404, 'variable_not_found');
    const list = await functions.listVariables({ functionId });
    assert.deepEqual(list.variables.map((v) => v.key), ['GREETING', 'NOT_EMPTY']);
  });
});

// ---------------------------------------------------------------------------

describe('deployments and executions (the echo function)', () => {
  const functionId = 'echo';
  let deployment; // the ready, active deployment
  let archive;

  before(async () => {
    await createFunction(functionId, { execute: [Role.users()], timeout: 15 });
    // Set before the deployment: the running code sees them as environment variables.
    await functions.createVariable({ functionId, variableId: ID.unique(), key: 'MY_SECRET', value: 'the secret value' });
    await functions.createVariable({ functionId, variableId: ID.unique(), key: 'MY_PLAIN', value: 'plain value', secret: false });
  });

  test('executing before any deployment -> 404 deployment_not_found', async () => {
    await expectError(functions.createExecution({ functionId }), 404, 'deployment_not_found',
      'Deployment not found. Create a deployment before trying to execute a function');
  });

  test('createDeployment refuses a non-.gz name and a missing entrypoint', async () => {
    const { path } = makeCodeArchive(echoFunction());
    await expectError(functions.createDeployment({ functionId, code: InputFile.fromPath(path, 'code.tgz'), activate: true }),
      400, 'storage_file_type_unsupported');
    await createFunction('no-entrypoint', { entrypoint: '' });
    await expectError(functions.createDeployment({ functionId: 'no-entrypoint', code: InputFile.fromPath(path, 'code.tar.gz'), activate: true }),
      404, 'function_entrypoint_missing');
    await expectError(functions.createDeployment({ functionId: 'missing', code: InputFile.fromPath(path, 'code.tar.gz'), activate: true }),
      404, 'function_not_found');
  });

  test('createDeployment: 202 waiting, builds to ready, activates', async () => {
    archive = makeCodeArchive(echoFunction());
    const created = await step('createDeployment', functions.createDeployment({
      functionId, code: InputFile.fromPath(archive.path, 'code.tar.gz'), activate: true,
    }));
    assert.deepEqual(sorted(Object.keys(created)), sorted(DEPLOYMENT_KEYS));
    assert.equal(created.type, 'manual');
    assert.equal(created.resourceId, functionId);
    assert.equal(created.resourceType, 'functions');
    assert.equal(created.entrypoint, 'index.js', 'the function\'s entrypoint');
    assert.equal(created.sourceSize, archive.bytes.length);
    assert.equal(created.activate, true);
    assert.ok(['waiting', 'processing', 'building', 'ready'].includes(created.status), `status ${created.status}`);

    deployment = await waitBuild(functionId, created.$id);
    assert.equal(deployment.status, 'ready', showDeployment(deployment));
    assert.equal(typeof deployment.buildLogs, 'string');
    assert.ok(deployment.buildDuration >= 0);
    assert.equal(deployment.totalSize, deployment.sourceSize + deployment.buildSize);

    const f = await poll('activation', () => functions.get({ functionId }), (v) => v.deploymentId === created.$id, { timeoutMs: 15_000 });
    assert.equal(f.deploymentCreatedAt, created.$createdAt);
    assert.equal(f.latestDeploymentId, created.$id);
    assert.equal(f.latestDeploymentStatus, 'ready');
    assert.equal(f.live, true);

    const list = await functions.listDeployments({ functionId, queries: [Query.equal('status', ['ready'])] });
    assert.deepEqual(list.deployments.map((d) => d.$id), [created.$id]);
    await expectError(functions.getDeployment({ functionId, deploymentId: 'nope' }), 404, 'deployment_not_found');
  });

  test('getDeploymentDownload returns the uploaded archive', async () => {
    assert.ok(deployment, 'needs the deployment of the previous test');
    const bytes = Buffer.from(await step('getDeploymentDownload', functions.getDeploymentDownload({ functionId, deploymentId: deployment.$id })));
    assert.ok(bytes.equals(archive.bytes), `downloaded ${bytes.length} bytes, uploaded ${archive.bytes.length}`);
    // A finished build cannot be canceled.
    await expectError(functions.updateDeploymentStatus({ functionId, deploymentId: deployment.$id }), 400, 'build_already_completed');
  });

  test('sync execution with a key: 201, the response, the injected headers and environment, logs', async () => {
    const x = await step('createExecution', functions.createExecution({ functionId, body: JSON.stringify({ hello: 'world' }) }));
    assert.deepEqual(sorted(Object.keys(x)), sorted(EXECUTION_KEYS));
    assertCompleted(x);
    assert.equal(x.trigger, 'http');
    assert.equal(x.functionId, functionId);
    assert.equal(x.deploymentId, deployment?.$id);
    assert.equal(x.requestMethod, 'POST');
    assert.equal(x.requestPath, '/');
    assert.deepEqual(plain(x.$permissions), [], 'a key caller: no user to read it');
    assert.equal(x.scheduledAt, null);
    assert.equal(typeof x.duration, 'number');
    assert.ok(x.duration >= 0 && x.duration < 15, `duration ${x.duration}`);
    // The sync response carries the function's headers plus x-appwrite-execution-id.
    assert.equal(header(x.responseHeaders, 'x-appwrite-execution-id'), x.$id);
    assert.equal(header(x.responseHeaders, 'x-echo'), 'yes');
    assert.match(header(x.responseHeaders, 'content-type') ?? '', /^application\/json/);
    assert.ok(!x.responseHeaders.some((h) => h.name.startsWith('x-open-runtimes-')), JSON.stringify(x.responseHeaders));
    // A key sees logs and errors.
    assert.match(x.logs, /log-works/);
    assert.match(x.errors, /error-works/);

    const out = bodyOf(x);
    assert.equal(out.method, 'POST');
    assert.equal(out.path, '/');
    assert.deepEqual(out.body, { hello: 'world' });
    assert.equal(out.trigger, 'http');
    assert.equal(out.userId, '');
    assert.equal(out.hasUserJwt, false);
    assert.equal(out.keyType, 'ephemeral', 'x-appwrite-key is an ephemeral key');
    assert.equal(out.executionId, x.$id);
    assert.deepEqual(out.openRuntimesHeaders, []);
    // The server's own environment (the harness gives it OXWRITE_DATA, OXWRITE_LISTEN) does not
    // reach the function; OXWRITE_SANDBOX is the sandbox launcher's status line, set on purpose.
    assert.deepEqual(out.serverEnv.filter((k) => k !== 'OXWRITE_SANDBOX'), [], 'the server\'s own environment does not reach the function');
    assert.match(out.env.APPWRITE_FUNCTION_API_ENDPOINT ?? '', /^https?:\/\/.+\/v1$/);
    assert.equal(out.env.APPWRITE_FUNCTION_ID, functionId);
    assert.equal(out.env.APPWRITE_FUNCTION_NAME, functionId);
    assert.equal(out.env.APPWRITE_FUNCTION_DEPLOYMENT, deployment?.$id);
    assert.equal(out.env.APPWRITE_FUNCTION_PROJECT_ID, env.projectId);
    assert.equal(out.env.APPWRITE_FUNCTION_RUNTIME_NAME, 'Node.js');
    assert.equal(out.env.APPWRITE_FUNCTION_RUNTIME_VERSION, nodeRuntime.version);
    assert.equal(out.env.APPWRITE_FUNCTION_API_KEY, null, 'the key is a build-time variable only');
    assert.equal(out.env.MY_SECRET, 'the secret value', 'secret variables reach the function in the clear');
    assert.equal(out.env.MY_PLAIN, 'plain value');

    // Stored: no response body, only content-type/content-length, allow-listed request headers.
    const stored = await functions.getExecution({ functionId, executionId: x.$id });
    assert.equal(stored.status, 'completed');
    assert.equal(stored.responseStatusCode, 200);
    assert.equal(stored.responseBody, '');
    for (const h of stored.responseHeaders) assert.ok(['content-type', 'content-length'].includes(h.name), `stored response header ${h.name}`);
    for (const h of stored.requestHeaders) assert.ok(REQUEST_HEADER_ALLOWLIST.includes(h.name), `stored request header ${h.name}`);
    assert.match(stored.logs, /log-works/);
  });

  test('path, query, method and custom headers reach the function; x-appwrite-* headers are refused', async () => {
    const x = await step('createExecution GET', functions.createExecution({
      functionId, xpath: '/hello/world?x=1&y=two', method: ExecutionMethod.GET, headers: { 'x-custom-header': 'custom value' },
    }));
    assertCompleted(x);
    assert.equal(x.requestMethod, 'GET');
    assert.equal(x.requestPath, '/hello/world?x=1&y=two');
    const out = bodyOf(x);
    assert.equal(out.method, 'GET');
    assert.equal(out.path, '/hello/world');
    assert.equal(out.queryString, 'x=1&y=two');
    assert.deepEqual(out.query, { x: '1', y: 'two' });
    assert.equal(out.custom, 'custom value');
    // Callers cannot forge the injected headers.
    const refused = await expectError(functions.createExecution({ functionId, headers: { 'x-appwrite-user-id': 'forged' } }), 400,
      'general_argument_invalid');
    assert.match(refused.message, /x-appwrite/);
    await expectError(functions.createExecution({ functionId, method: 'TRACE' }), 400, 'general_argument_invalid',
      /^Invalid `method` param: /);
  });

  test('a session user in `execute` runs it: user headers, readable execution, logs and errors hidden', async () => {
    const x = await step('createExecution as alice', fnsAs(alice).createExecution({ functionId, body: 'plain text' }));
    assertCompleted(x);
    assert.equal(x.logs, '', 'logs are hidden from sessions');
    assert.equal(x.errors, '', 'errors are hidden from sessions');
    assert.deepEqual(plain(x.$permissions), [`read("user:${alice.user.$id}")`]);
    const out = bodyOf(x);
    assert.equal(out.userId, alice.user.$id);
    assert.equal(out.hasUserJwt, true, 'a session caller gives the function a user JWT');
    assert.equal(out.body, 'plain text');

    const mine = await fnsAs(alice).getExecution({ functionId, executionId: x.$id });
    assert.equal(mine.status, 'completed');
    assert.equal(mine.logs, '');
    await expectError(fnsAs(bob).getExecution({ functionId, executionId: x.$id }), 404, 'execution_not_found',
      'Execution with the requested ID could not be found.');
    const bobs = await fnsAs(bob).listExecutions({ functionId });
    assert.ok(!bobs.executions.some((e) => e.$id === x.$id), 'bob does not see alice\'s execution');
    const alices = await fnsAs(alice).listExecutions({ functionId });
    assert.ok(alices.executions.some((e) => e.$id === x.$id));
    assert.ok(alices.executions.every((e) => e.$permissions.includes(`read("user:${alice.user.$id}")`)));
    // Users hold executions.write, but an execution only grants its user `read`: Appwrite's
    // deleteDocument fails its delete check -> 401 user_unauthorized (Executions/Delete.php,
    // general.php maps the database's Authorization exception). The execution stays.
    await expectError(fnsAs(alice).deleteExecution({ functionId, executionId: x.$id }), 401, 'user_unauthorized');
    assert.equal((await functions.getExecution({ functionId, executionId: x.$id })).$id, x.$id, 'the execution was not deleted');
  });

  test('guests are not in `execute`: 401 user_unauthorized; a disabled function is hidden from users', async () => {
    await expectError(guestFns().createExecution({ functionId }), 401, 'user_unauthorized');
    await expectError(guestFns().getExecution({ functionId, executionId: 'x' }), 401, 'general_unauthorized_scope');
    await step('disable', functions.update({ functionId, name: functionId, execute: [Role.users()], enabled: false, entrypoint: 'index.js' }));
    try {
      await expectError(fnsAs(alice).createExecution({ functionId }), 404, 'function_not_found');
      assertCompleted(await functions.createExecution({ functionId }), 200); // keys still may
    } finally {
      await functions.update({ functionId, name: functionId, execute: [Role.users()], enabled: true, entrypoint: 'index.js' });
    }
  });

  test('async execution: 202 waiting, then completed; its caller polls it', async () => {
    const res = await raw(env, `/functions/${functionId}/executions`, {
      method: 'POST', headers: { 'X-Appwrite-Key': env.adminKey }, body: { async: true, body: 'raw' },
    });
    assert.equal(res.status, 202, `async createExecution answered ${res.status}: ${res.text}`);
    assert.equal(res.json.status, 'waiting');
    const sync = await raw(env, `/functions/${functionId}/executions`, { method: 'POST', headers: { 'X-Appwrite-Key': env.adminKey }, body: {} });
    assert.equal(sync.status, 201, `sync createExecution answered ${sync.status}: ${sync.text}`);

    const queued = await step('createExecution async as alice', fnsAs(alice).createExecution({
      functionId, async: true, body: JSON.stringify({ n: 1 }), xpath: '/later',
    }));
    assert.equal(queued.status, 'waiting');
    assert.equal(queued.trigger, 'http');
    assert.equal(queued.responseStatusCode, 0);
    assert.equal(queued.responseBody, '');
    assert.equal(queued.requestPath, '/later');
    const done = await poll(`async execution ${queued.$id}`, () => fnsAs(alice).getExecution({ functionId, executionId: queued.$id }),
      (x) => ['completed', 'failed'].includes(x.status), { show: showExecution });
    assertCompleted(done);
    assert.equal(done.logs, '');
    assert.equal(done.errors, '');
    assert.equal(done.responseBody, '', 'the body of an async run is not kept');
    assert.ok(done.duration >= 0);
    await expectError(fnsAs(bob).getExecution({ functionId, executionId: queued.$id }), 404, 'execution_not_found');
    // The key sees what the function logged.
    const asKey = await functions.getExecution({ functionId, executionId: queued.$id });
    assert.match(asKey.logs, /log-works/);
  });

  test('scheduledAt: validation, status scheduled, delete', async () => {
    const at = new Date(Date.now() + 125_000);
    at.setUTCSeconds(0, 0); // 65..125 s ahead, on a whole minute
    await expectError(functions.createExecution({ functionId, scheduledAt: at.toISOString() }), 400, 'general_bad_request',
      'Scheduled executions must run asynchronously. Set scheduledAt to a future date, or set async to true.');
    const soon = new Date(Date.now() + 30_000);
    await expectError(functions.createExecution({ functionId, async: true, scheduledAt: soon.toISOString() }), 400, 'general_bad_request',
      'Execution schedule must be a valid date, and at least 1 minute from now');
    const x = await step('createExecution scheduledAt', functions.createExecution({ functionId, async: true, scheduledAt: at.toISOString() }));
    assert.equal(x.status, 'scheduled');
    assert.equal(x.trigger, 'schedule');
    assert.equal(Date.parse(x.scheduledAt), at.getTime(), `scheduledAt ${x.scheduledAt}`);
    const listed = await functions.listExecutions({ functionId, queries: [Query.equal('status', ['scheduled'])] });
    assert.deepEqual(listed.executions.map((e) => e.$id), [x.$id]);
    await step('deleteExecution', functions.deleteExecution({ functionId, executionId: x.$id }));
    await expectError(functions.getExecution({ functionId, executionId: x.$id }), 404, 'execution_not_found');
  });

  test('listExecutions with queries', async () => {
    const all = await step('listExecutions', functions.listExecutions({ functionId }));
    assert.ok(all.total >= 6, `total ${all.total}`);
    for (const e of all.executions) assert.deepEqual(sorted(Object.keys(e)), sorted(EXECUTION_KEYS));
    const gets = await functions.listExecutions({ functionId, queries: [Query.equal('requestMethod', ['GET'])] });
    assert.equal(gets.total, 1);
    assert.equal(gets.executions[0].requestPath, '/hello/world?x=1&y=two');
    const page = await functions.listExecutions({ functionId, queries: [Query.equal('trigger', ['http']), Query.limit(2)] });
    assert.equal(page.executions.length, 2);
    assert.ok(page.executions.every((e) => e.trigger === 'http'));
    await expectError(functions.listExecutions({ functionId, queries: [Query.equal('logs', ['x'])] }), 400, 'general_argument_invalid',
      /^Invalid `queries` param: Invalid query: Attribute not found in schema: logs/);
  });

  test('a failed build keeps the active deployment', async () => {
    const { created, deployment: failed } = await deploy(functionId, echoFunction(), {
      commands: 'echo building-now && exit 3', expect: 'failed',
    });
    assert.match(failed.buildLogs, /building-now/, showDeployment(failed));
    const f = await functions.get({ functionId });
    assert.equal(f.deploymentId, deployment.$id, 'the ready deployment stays active');
    assert.equal(f.latestDeploymentId, created.$id);
    assert.equal(f.latestDeploymentStatus, 'failed');
    await expectError(functions.updateFunctionDeployment({ functionId, deploymentId: created.$id }), 400, 'build_not_ready');
    assertCompleted(await functions.createExecution({ functionId }));
    // Deleting the failed deployment leaves the function as it was.
    await step('deleteDeployment', functions.deleteDeployment({ functionId, deploymentId: created.$id }));
    await expectError(functions.getDeployment({ functionId, deploymentId: created.$id }), 404, 'deployment_not_found');
  });
});

// ---------------------------------------------------------------------------

describe('the seeds\' function example: node-appwrite inside a function with the injected key', () => {
  const tableId = 'seedrows';

  before(async () => {
    await makeTable(tableId, { varchar: ['title'] });
    for (const title of ['first', 'second', 'third']) {
      await tablesDB.createRow({ databaseId, tableId, rowId: ID.unique(), data: { title } });
    }
  });

  test('verbatim (no import): the execution fails with "Client is not defined"', async () => {
    const functionId = 'seed-verbatim';
    await createFunction(functionId, { scopes: ['rows.read'] });
    await deploy(functionId, seedFunction({ databaseId, tableId, withImport: false }));
    const x = await step('createExecution', functions.createExecution({ functionId, body: 'list' }));
    assert.equal(x.status, 'failed', showExecution(x));
    assert.equal(x.responseStatusCode, 500, showExecution(x));
    assert.match(x.errors, /Client is not defined/, showExecution(x));
  });

  test('with the import and `npm install node-appwrite@27.1.0`: listRows returns the rows', async () => {
    const functionId = 'seed';
    await createFunction(functionId, { scopes: ['rows.read'], commands: NPM_INSTALL });
    const { deployment } = await deploy(functionId, seedFunction({ databaseId, tableId, withImport: true }));
    assert.ok(deployment.buildSize > 0, 'node_modules is part of the build output');
    const x = await step('createExecution', functions.createExecution({ functionId, body: 'list the rows' }));
    assertCompleted(x);
    const result = bodyOf(x);
    assert.equal(result.total, 3, showExecution(x));
    assert.deepEqual(sorted(result.rows.map((r) => r.title)), ['first', 'second', 'third']);
    assert.ok(result.rows.every((r) => r.$tableId === tableId && r.$databaseId === databaseId));
    assert.match(header(x.responseHeaders, 'content-type') ?? '', /^application\/json/);
  });

  test('without rows.read the injected key gets 401 general_unauthorized_scope (execution failed, 500)', async () => {
    const functionId = 'seed-noscope';
    await createFunction(functionId, { scopes: ['users.read'], commands: NPM_INSTALL });
    await deploy(functionId, seedFunction({ databaseId, tableId, withImport: true }));
    const x = await step('createExecution', functions.createExecution({ functionId }));
    // The sample does not catch the SDK error: the runtime answers 500 with the stack in errors.
    assert.equal(x.status, 'failed', showExecution(x));
    assert.equal(x.responseStatusCode, 500);
    // Appwrite lists every scope the route accepts: (["rows.read","documents.read"]).
    assert.match(x.errors, /\(role: applications\) missing scopes \(\["rows\.read"[^)]*\]\)/, showExecution(x));
  });
});

// ---------------------------------------------------------------------------

describe('pattern 3: a row created by a user triggers a function that writes with its key', () => {
  const functionId = 'auditor';

  before(async () => {
    // (`sourceId`, not `rowId`: a column named rowId fails with 500 on SQLite, see the report.)
    await makeTable('submissions', { varchar: ['title'], permissions: [Permission.create(Role.users()), Permission.read(Role.users())] });
    await makeTable('audit', { varchar: ['sourceId', 'title', 'event', 'userId', 'trigger', 'userJwt'] });
  });

  test('event databases.*.tables.*.rows.*.create -> an audit row and an event execution', async () => {
    await createFunction(functionId, {
      events: ['databases.*.tables.*.rows.*.create'], scopes: ['rows.write'], commands: NPM_INSTALL, timeout: 30,
    });
    await deploy(functionId, auditFunction({ sourceTable: 'submissions', auditTable: 'audit' }));

    const row = await step('createRow as alice', new TablesDB(alice.client).createRow({
      databaseId, tableId: 'submissions', rowId: ID.unique(), data: { title: 'Please call me back' },
    }));
    const found = await poll('the audit row written by the function', () => tablesDB.listRows({
      databaseId, tableId: 'audit', queries: [Query.equal('sourceId', [row.$id])],
    }), (l) => l.total > 0, {
      timeoutMs: 60_000, intervalMs: 200,
      show: (l) => JSON.stringify(plain(l.rows)),
    }).catch(async (e) => {
      const xs = await functions.listExecutions({ functionId }).catch((err) => ({ executions: [], error: err.message }));
      e.message += `\nexecutions of ${functionId}: ${JSON.stringify(xs.executions?.map(showExecution) ?? xs)}`;
      throw e;
    });
    assert.equal(found.total, 1, 'the function ran once for the row');
    const entry = found.rows[0];
    assert.equal(entry.title, 'Please call me back');
    assert.equal(entry.event, `databases.${databaseId}.tables.submissions.rows.${row.$id}.create`);
    assert.equal(entry.userId, alice.user.$id);
    assert.equal(entry.trigger, 'event');
    assert.equal(entry.userJwt, 'empty', 'event executions get no user JWT');
    // Written by the key: no user permissions on the audit row; alice cannot read it.
    assert.deepEqual(plain(entry.$permissions), []);
    const seen = await new TablesDB(alice.client).listRows({ databaseId, tableId: 'audit' }).catch((e) => e);
    assert.ok(seen instanceof AppwriteException ? seen.code === 404 || seen.code === 401 : seen.total === 0,
      `alice must not read the audit table: ${JSON.stringify(seen)}`);

    const xs = await functions.listExecutions({ functionId, queries: [Query.equal('trigger', ['event'])] });
    const mine = xs.executions.find((x) => x.status === 'completed' && x.responseStatusCode === 200);
    assert.ok(mine, `no completed 200 event execution: ${JSON.stringify(xs.executions.map(showExecution))}`);
    assert.equal(mine.requestMethod, 'POST');
    assert.equal(mine.requestPath, '/');
    assert.deepEqual(plain(mine.$permissions), [`read("user:${alice.user.$id}")`]);
    assert.match(mine.logs, new RegExp(`audited ${row.$id}`));
    // The function's own audit row raised an event too: it answered 204 and wrote nothing.
    const audits = await tablesDB.listRows({ databaseId, tableId: 'audit' });
    assert.equal(audits.total, 1);
    // Alice reads the execution her row caused.
    const hers = await fnsAs(alice).getExecution({ functionId, executionId: mine.$id });
    assert.equal(hers.trigger, 'event');

    // Stop listening: the other tests create rows too.
    await functions.delete({ functionId });
  });
});

// ---------------------------------------------------------------------------

describe('scopes of the injected key', () => {
  test('scopes without rows.write: the function\'s own createRow gets 401 general_unauthorized_scope', async () => {
    await makeTable('scoped', { varchar: ['title'] });
    const functionId = 'scoped';
    await createFunction(functionId, { scopes: ['rows.read'], commands: NPM_INSTALL });
    await deploy(functionId, scopesFunction({ databaseId, tableId: 'scoped' }));
    const x = await step('createExecution', functions.createExecution({ functionId }));
    assertCompleted(x);
    const out = bodyOf(x);
    assert.deepEqual(out.read, { ok: true, total: 0 }, showExecution(x));
    assert.equal(out.write.ok, false, showExecution(x));
    assert.equal(out.write.code, 401);
    assert.equal(out.write.type, 'general_unauthorized_scope');
    assert.match(out.write.message, /\(role: applications\) missing scopes \(\["rows\.write"[^)]*\]\)$/);
    assert.equal((await tablesDB.listRows({ databaseId, tableId: 'scoped' })).total, 0);

    // With rows.write (a new execution gets a key with the new scopes).
    await step('update scopes', functions.update({
      functionId, name: functionId, scopes: ['rows.read', 'rows.write'], commands: NPM_INSTALL, entrypoint: 'index.js',
    }));
    const y = await functions.createExecution({ functionId });
    assertCompleted(y);
    assert.deepEqual(bodyOf(y).write, { ok: true, total: null }, showExecution(y));
    assert.equal((await tablesDB.listRows({ databaseId, tableId: 'scoped' })).total, 1);
  });
});

// ---------------------------------------------------------------------------

describe('timeouts', () => {
  test('a function sleeping past its timeout: failed, 500, "Execution timed out."', async () => {
    const functionId = 'sleepy';
    await createFunction(functionId, { timeout: 2 });
    await deploy(functionId, sleepyFunction(5));
    const started = Date.now();
    const x = await step('createExecution', functions.createExecution({ functionId }));
    const took = Date.now() - started;
    assert.equal(x.status, 'failed', showExecution(x));
    assert.equal(x.responseStatusCode, 500, showExecution(x));
    assert.match(x.errors, /Execution timed out\./, showExecution(x));
    assert.equal(x.responseBody, '');
    assert.ok(took < 4900, `the sync call waited ${took} ms: it must end at the 2 s timeout, not when the function wakes`);
    assert.ok(x.duration >= 1.5 && x.duration < 5, `duration ${x.duration}`);

    // The next execution works again (a fresh instance if the timed-out one was killed).
    await step('update timeout', functions.update({ functionId, name: functionId, timeout: 10, entrypoint: 'index.js' }));
    const y = await functions.createExecution({ functionId });
    assertCompleted(y);
    assert.deepEqual(bodyOf(y), { woke: true });
  });
});

// ---------------------------------------------------------------------------

describe('python', () => {
  test('def main(context): context.res.json reading context.req.body_json', async () => {
    const functionId = 'pyfn';
    await createFunction(functionId, { runtime: pythonId(), entrypoint: 'main.py' });
    await deploy(functionId, pythonFunction());
    const x = await step('createExecution', functions.createExecution({
      functionId, body: JSON.stringify({ name: 'python', numbers: [1, 2, 3] }), headers: { 'content-type': 'application/json' },
    }));
    assertCompleted(x);
    assert.match(header(x.responseHeaders, 'content-type') ?? '', /^application\/json/);
    assert.deepEqual(bodyOf(x), {
      greeting: 'hello python', doubled: [2, 4, 6], bodyIsDict: true, method: 'POST', path: '/',
      runtimeName: 'Python', runtimeVersion: pythonRuntime.version, functionId,
    });
    assert.match(x.logs, /python-log-works/);
    // Async through the python runtime as well.
    const queued = await functions.createExecution({ functionId, async: true, body: JSON.stringify({ name: 'later', numbers: [] }) });
    const done = await poll('python async execution', () => functions.getExecution({ functionId, executionId: queued.$id }),
      (v) => ['completed', 'failed'].includes(v.status), { show: showExecution });
    assertCompleted(done);
  });
});

// ---------------------------------------------------------------------------

describe('pattern 4: a cron function archives rows', () => {
  test('schedule "* * * * *" moves done rows to the archive at the next minute', async () => {
    const setupResult = await cron;
    if (setupResult.error) throw setupResult.error;
    const { functionId, readyAt } = setupResult;
    // The first minute boundary after activation, plus one more in case the scheduler saw
    // the deployment just after a boundary, plus slack.
    const nextMinute = Math.ceil(readyAt / 60_000) * 60_000;
    const timeoutMs = Math.max(nextMinute + 60_000 + 15_000 - Date.now(), 1_000);
    // Done when the run finished moving both rows (it creates each archive row, then deletes
    // the task).
    const state = async () => ({
      archive: await tablesDB.listRows({ databaseId, tableId: 'archive' }),
      tasks: await tablesDB.listRows({ databaseId, tableId: 'tasks' }),
    });
    const moved = await poll('done rows moved from tasks to archive', state,
      (v) => v.archive.total >= 2 && v.tasks.total <= 1, {
        timeoutMs, intervalMs: 500,
        show: (v) => JSON.stringify({ archive: plain(v.archive.rows), tasks: plain(v.tasks.rows) }),
      }).catch(async (e) => {
      const xs = await functions.listExecutions({ functionId }).catch((err) => ({ executions: [], error: err.message }));
      e.message += `\nexecutions of ${functionId}: ${JSON.stringify(xs.executions?.map(showExecution) ?? xs)}`;
      throw e;
    });
    assert.deepEqual(sorted(moved.archive.rows.map((r) => r.$id)), ['task-a', 'task-c']);
    assert.ok(moved.archive.rows.every((r) => r.trigger === 'schedule'));
    assert.deepEqual(moved.tasks.rows.map((r) => r.$id), ['task-b']);

    // The run that moved them may still be finishing.
    const runs = await poll('a completed scheduled execution',
      () => functions.listExecutions({ functionId, queries: [Query.equal('trigger', ['schedule'])] }),
      (l) => l.executions.some((x) => x.status === 'completed'), { show: (l) => JSON.stringify(l.executions.map(showExecution)) });
    const run = runs.executions.find((x) => x.status === 'completed');
    assert.equal(run.responseStatusCode, 200);
    assert.equal(run.requestMethod, 'POST');
    assert.equal(run.requestPath, '/');
    assert.deepEqual(plain(run.$permissions), [], 'no user behind a schedule');
    assert.match(run.logs, /archived \d+/);
    // Runs at second 0 of a minute (Appwrite's scheduler enqueues on the minute).
    assert.ok(new Date(run.$createdAt).getUTCSeconds() <= 10, `scheduled run created at ${run.$createdAt}`);
  });
});
